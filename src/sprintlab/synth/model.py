"""A deterministic synthetic sprinter with exact ground truth.

The athlete starts from an American-football 3-point stance and runs in +x. Coordinates are the
world frame (metres): x along the lane from the start line, y up, z lateral with + towards the
camera, which sits on the athlete's right side, so right joints have z > 0.

How the motion is built (every piece is a continuous function of time, so any frame rate samples
the same motion):

- hip-mid x is the mono-exponential of ``metrics.md``; hip height is a monotone piecewise cubic
  (PCHIP) through the contact heights plus small sin² bumps (dip mid-stance, rise mid-flight);
  the trunk angle is a PCHIP through its touchdown values;
- each foot is a rigid ankle/heel/toe triangle whose toe (MTP) point ``P`` is fixed on the ground
  from touchdown (TD, first instant the toe touches) to toe-off (TO, last instant); the foot rolls
  about ``P`` with the foot angle ``theta`` (the angle of P→ankle above the backward horizontal):
  ``ankle = P + R (-cos theta, sin theta)``;
- in swing the toe follows PCHIP knots (so it never dips below the ground and matches the stance
  positions and velocities); a smooth reach limit keeps the ankle within the leg's length;
- knees come from two-link inverse kinematics (knee forward), arms swing opposite to the legs.

The TD pose is built from the shin-angle parameter, so touchdown distance and step lengths are
derived. Hip heights at the contacts are the highest the leg allows (at most a target curve): a
rigid leg rolling over the MTP joint needs a low hip to cover the contact lengths that the
contact times and the velocity curve imply.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy.interpolate import PchipInterpolator
from scipy.optimize import brentq
from scipy.special import lambertw

from ..skeleton import KEYPOINT_NAMES, SIDES, other_side

# Segment lengths as fractions of stature (Winter 2009 after Drillis & Contini).
THIGH, SHANK, FOOT, ANKLE_HEIGHT = 0.245, 0.246, 0.152, 0.039
TRUNK = 0.818 - 0.530  # hip (greater trochanter) to shoulder (acromion)
UPPER_ARM, FOREARM, HAND_POINT = 0.186, 0.146, 0.054  # hand point: middle of the hand
SHOULDER_HALF, HIP_HALF, FOOT_Z_M = 0.1295, 0.055, 0.10
TOE_FWD, HEEL_BACK = 0.55, 0.19  # MTP ahead of / heel behind the ankle, fractions of foot length

# Style constants (not coach-facing): reach limits and small vertical oscillations.
REACH_MAX, REACH_STANCE = 0.999, 0.985  # of the leg length; soft limit starts at REACH_STANCE
DIP, BOUNCE = 0.008, 0.003  # hip dip mid-stance / rise mid-flight, fractions of stature
STANCE_PITCH = (15.0, 35.0)  # sole angle of the front and rear foot in the stance, degrees
ARM_SWING = np.radians(60.0)  # largest arm swing either side of the mean
ARM_BLEND_S = 0.2  # time after first movement to go from stance arms to running arms
SWING_S = (0.30, 0.62, 0.88)  # swing fractions: heel recovery, knee drive, reach before TD
# (thigh angle from vertical, knee interior angle, ankle angle) at heel recovery and knee drive,
# first for the first steps ("acc") and then near top speed ("top"), in degrees.
SWING_ACC = ((15.0, 70.0, 135.0), (55.0, 75.0, 100.0))
SWING_TOP = ((0.0, 45.0, 140.0), (65.0, 75.0, 100.0))
SWING_POSES = tuple(zip(SWING_ACC, SWING_TOP, strict=True))

KEYPOINT_ORDER = KEYPOINT_NAMES  # COCO-17 order
EXTRA_POINTS = ("left_heel", "right_heel", "left_toe", "right_toe", "left_hand", "right_hand")


@dataclass(frozen=True)
class SprintParams:
    """Parameters of one synthetic 40-yard start (defaults: a 1.85 m, 95 kg football player).

    Progressions given as ``(step 1, step 10)`` follow ``c_i = c_inf + (c_1 - c_inf)
    exp(-(i - 1) / progression_steps)``, with ``c_inf`` chosen so that step 10 gets the second
    value; later steps continue the same curve.

    Parameters
    ----------
    stature_m, mass_kg : body height and mass (mass is carried into the truth for force profiles).
    first_movement_s : time still in the stance before moving, seconds from the clip start.
    v_max_mps, tau_s : hip-mid velocity ``v = v_max (1 - exp(-t'/tau))``, t' from first movement.
    n_steps : number of steps reported in the truth (the motion runs a little beyond).
    contact_time_s, flight_time_s : ``(step 1, step 10)`` ground contact and flight times.
    shin_angle_td_deg : ``(step 1, step 10)`` shank angle at TD from the forward horizontal.
    trunk_angle_td_deg : ``(step 1, step 10)`` hip→shoulder angle at TD (90 = upright).
    progression_steps : the step constant ``k`` of the progressions.
    x_front_m : ankle x of the front foot in the stance; ``rear_offset_m`` puts the rear foot
        that far behind it; ``front_foot`` is "left" or "right"; the hand on the rear-foot side
        rests on the ground at ``hand_x_m``.
    stance_hip_height_m : hip height in the stance (default ``0.42 stature``).
    stance_trunk_angle_deg : trunk angle in the stance (negative: shoulders below the hips).
    rear_push_s, front_push_s : toe-off of the rear / front stance foot after first movement.
    exit_flight_s : flight between the front-foot toe-off and the step-1 touchdown.
    foot_pitch_td_deg, foot_pitch_to_deg : sole angle above flat at TD (forefoot landing) and at
        TO (heel lift); ``foot_pitch_dip_deg`` is how far it dips mid-stance (at most
        ``foot_pitch_td_deg``: equal, the foot lands on the forefoot heel-up and rolls flat, the
        heel touching down 40% into the contact; the touchdown stays the forefoot's first
        touch).
    touchdown_speed_mps, touchdown_impact_s : the foot strikes the ground: over the last
        ``touchdown_impact_s`` before each running touchdown the toe's descent is steepened so it
        arrives moving down at ``touchdown_speed_mps`` (a real landing is an impact, not a soft
        set-down; toe-off, in contrast, starts from rest).
    """

    stature_m: float = 1.85
    mass_kg: float = 95.0
    first_movement_s: float = 0.40
    v_max_mps: float = 9.3
    tau_s: float = 0.80
    n_steps: int = 12
    contact_time_s: tuple[float, float] = (0.20, 0.115)
    flight_time_s: tuple[float, float] = (0.05, 0.105)
    shin_angle_td_deg: tuple[float, float] = (45.0, 80.0)
    trunk_angle_td_deg: tuple[float, float] = (40.0, 75.0)
    progression_steps: float = 3.0
    x_front_m: float = -0.35
    rear_offset_m: float = 0.55
    front_foot: str = "left"
    hand_x_m: float = 0.0
    stance_hip_height_m: float | None = None
    stance_trunk_angle_deg: float = -10.0
    rear_push_s: float = 0.12
    front_push_s: float = 0.40
    exit_flight_s: float = 0.03
    foot_pitch_td_deg: float = 22.0
    foot_pitch_to_deg: float = 60.0
    foot_pitch_dip_deg: float = 6.0
    touchdown_speed_mps: float = 1.0
    touchdown_impact_s: float = 0.05

    def __post_init__(self) -> None:
        for name, (lo, hi) in _RANGES.items():
            values = getattr(self, name)
            for v in values if isinstance(values, tuple) else (values,):
                if not lo <= v <= hi:
                    raise ValueError(f"{name}={values} is outside [{lo}, {hi}]")
        pairs = (self.contact_time_s, self.flight_time_s, self.shin_angle_td_deg)
        if any(len(v) != 2 for v in (*pairs, self.trunk_angle_td_deg)):
            raise ValueError("progressions must be pairs (step 1, step 10)")
        if self.stance_hip_height_m is not None and not (
            0.3 <= self.stance_hip_height_m / self.stature_m <= 0.5
        ):
            raise ValueError("stance_hip_height_m must be 0.3-0.5 of the stature")
        if self.front_push_s < self.rear_push_s + 0.05:
            raise ValueError("the front foot must push at least 0.05 s longer than the rear foot")
        if self.foot_pitch_dip_deg > self.foot_pitch_td_deg:
            raise ValueError(
                "foot_pitch_dip_deg can at most equal foot_pitch_td_deg (the sole rolls flat)"
            )
        if self.front_foot not in SIDES:
            raise ValueError(f"front_foot must be 'left' or 'right', got {self.front_foot!r}")

    def progression(self, pair: tuple[float, float], step: int | np.ndarray) -> np.ndarray:
        """Value of a ``(step 1, step 10)`` progression at step number(s) ``step`` (1-based)."""
        e9 = np.exp(-9.0 / self.progression_steps)
        c_inf = (pair[1] - pair[0] * e9) / (1.0 - e9)
        return c_inf + (pair[0] - c_inf) * np.exp(
            -(np.asarray(step) - 1.0) / self.progression_steps
        )


_RANGES = {  # plausible values of each SprintParams field (both ends allowed)
    "stature_m": (1.4, 2.2), "mass_kg": (40.0, 180.0), "first_movement_s": (0.05, 10.0),
    "v_max_mps": (4.0, 12.5), "tau_s": (0.3, 2.5), "n_steps": (1, 60),
    "contact_time_s": (0.05, 0.4), "flight_time_s": (0.01, 0.3), "shin_angle_td_deg": (20, 110),
    "trunk_angle_td_deg": (0.0, 95.0), "progression_steps": (0.5, 20.0), "x_front_m": (-2.0, 0.5),
    "touchdown_speed_mps": (0.0, 4.0), "touchdown_impact_s": (0.005, 0.1),
    "rear_offset_m": (0.2, 1.2), "hand_x_m": (-0.5, 0.5), "stance_trunk_angle_deg": (-40, 40),
    "rear_push_s": (0.05, 0.4), "front_push_s": (0.1, 0.8), "exit_flight_s": (0.0, 0.2),
    "foot_pitch_td_deg": (5.0, 45.0), "foot_pitch_to_deg": (30.0, 95.0),
    "foot_pitch_dip_deg": (0.0, 45.0),
}  # fmt: skip


def hip_displacement_m(params: SprintParams, t_s: np.ndarray) -> np.ndarray:
    """Hip-mid x travelled since first movement: ``v_max (t' + tau e^(-t'/tau)) - v_max tau``."""
    tp = np.maximum(np.asarray(t_s, dtype=float) - params.first_movement_s, 0.0)
    return params.v_max_mps * (tp + params.tau_s * np.expm1(-tp / params.tau_s))


def _rot(v: np.ndarray, ang: np.ndarray | float) -> np.ndarray:
    """Rotate 2-vectors (..., 2) counter-clockwise by ``ang`` radians."""
    c, s = np.cos(ang), np.sin(ang)
    return np.stack([c * v[..., 0] - s * v[..., 1], s * v[..., 0] + c * v[..., 1]], axis=-1)


def _unit(ang: np.ndarray | float) -> np.ndarray:
    return np.stack([np.cos(ang), np.sin(ang)], axis=-1)


def two_link_ik(root: np.ndarray, tip: np.ndarray, l1: float, l2: float, sign: float) -> np.ndarray:
    """Middle joint of a two-link chain root→mid→tip (all (..., 2)).

    ``sign=+1`` turns the first link counter-clockwise from root→tip (a knee in front of the
    hip–ankle line for a leg pointing down in a +x runner); ``sign=-1`` the other way (elbow).
    """
    r = tip - root
    d = np.linalg.norm(r, axis=-1)
    if np.any(d > l1 + l2 + 1e-12) or np.any(d < abs(l1 - l2) - 1e-12):
        raise ValueError("two-link chain asked to reach beyond its length")
    cos_b = np.clip((l1**2 + d**2 - l2**2) / (2.0 * l1 * d), -1.0, 1.0)
    return root + l1 * _rot(r / d[..., None], sign * np.arccos(cos_b))


def interior_angle_deg(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Angle a–b–c at ``b`` in degrees (180 = straight), points (..., 2)."""
    u, v = a - b, c - b
    cross = u[..., 0] * v[..., 1] - u[..., 1] * v[..., 0]
    return np.degrees(np.abs(np.arctan2(cross, np.sum(u * v, axis=-1))))


def direction_deg(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Angle of a→b from the forward (+x) horizontal in degrees, counter-clockwise."""
    d = b - a
    return np.degrees(np.arctan2(d[..., 1], d[..., 0]))


@dataclass(frozen=True)
class Body:
    """Segment lengths (m) of one stature; leg lengths are in the leg's own x–y plane."""

    stature_m: float
    thigh_m: float
    shank_m: float
    trunk_m: float
    upper_arm_m: float
    forearm_m: float
    hand_m: float
    foot_r_m: float  # ankle–MTP distance R
    theta_flat_rad: float  # angle of P→ankle above the ground with the foot flat
    heel_toe_m: float
    hip_z_m: float
    shoulder_z_m: float

    @classmethod
    def from_stature(cls, h: float) -> Body:
        """Anthropometric body of stature ``h`` metres."""
        knee_dz = 0.5 * (FOOT_Z_M - HIP_HALF * h)  # knee halfway between hip and foot in z
        fwd, up = TOE_FWD * FOOT * h, ANKLE_HEIGHT * h
        return cls(
            h, np.sqrt((THIGH * h) ** 2 - knee_dz**2), np.sqrt((SHANK * h) ** 2 - knee_dz**2),
            TRUNK * h, UPPER_ARM * h, FOREARM * h, HAND_POINT * h, float(np.hypot(fwd, up)),
            float(np.arctan2(up, fwd)), (TOE_FWD + HEEL_BACK) * FOOT * h, HIP_HALF * h,
            SHOULDER_HALF * h,
        )  # fmt: skip

    @property
    def leg_m(self) -> float:
        return self.thigh_m + self.shank_m


@dataclass(frozen=True)
class Contact:
    """One ground contact: ``number`` 0 for the stance feet, else the step number."""

    number: int
    foot: str
    td_s: float
    to_s: float
    toe_x_m: float
    is_stance: bool


@dataclass(frozen=True)
class HipHeight:
    """Hip height (m): a monotone curve through the contact heights (flat from TD to TO) plus
    sin² bumps, down mid-stance and up mid-flight, that vanish with their slopes at TD and TO."""

    base: PchipInterpolator
    edges_s: np.ndarray  # TD(1), TO(1), TD(2), TO(2), ...
    amp_m: np.ndarray  # bump amplitude in each interval between edges

    def __call__(self, t_s: np.ndarray) -> np.ndarray:
        t = np.asarray(t_s, dtype=float)
        i = np.clip(np.searchsorted(self.edges_s, t, side="right") - 1, 0, self.amp_m.size - 1)
        s = np.clip((t - self.edges_s[i]) / (self.edges_s[i + 1] - self.edges_s[i]), 0.0, 1.0)
        return self.base(t) + self.amp_m[i] * np.sin(np.pi * s) ** 2


@dataclass(frozen=True)
class Plan:
    """Everything ``joints_at`` needs: knots turned into interpolants, plus the contacts."""

    params: SprintParams
    body: Body
    hip_x0_m: float
    contacts: tuple[Contact, ...]
    hip_y: HipHeight
    trunk_deg: PchipInterpolator
    toe_x: dict[str, PchipInterpolator]
    toe_y: dict[str, PchipInterpolator]
    theta: dict[str, PchipInterpolator]
    stance_arms: dict[str, tuple[float, float]]  # side -> (shoulder, elbow) angles, rad
    end_s: float

    def hip(self, t: np.ndarray) -> np.ndarray:
        return np.stack([self.hip_x0_m + hip_displacement_m(self.params, t), self.hip_y(t)], -1)


def _ankle_from_toe(b: Body, toe: np.ndarray, theta: np.ndarray) -> np.ndarray:
    return toe + b.foot_r_m * np.stack([-np.cos(theta), np.sin(theta)], axis=-1)


def _soft_reach(b: Body, hip: np.ndarray, ankle: np.ndarray) -> np.ndarray:
    """Pull the ankle towards the hip where it would over-stretch the leg (C2, identity below
    ``REACH_STANCE`` of the leg length, never beyond ``REACH_MAX``)."""
    r = ankle - hip
    d = np.linalg.norm(r, axis=-1)
    d0, span = REACH_STANCE * b.leg_m, (REACH_MAX - REACH_STANCE) * b.leg_m
    d_new = np.where(d > d0, d0 + span * np.tanh((d - d0) / span), d)
    return hip + r * (d_new / d)[..., None]


def _leg_pose(b: Body, hip: np.ndarray, q: float, kappa: float) -> tuple[np.ndarray, np.ndarray]:
    """Knee and ankle from thigh angle ``q`` (from vertical, + forward) and knee angle (rad)."""
    knee = hip + b.thigh_m * np.array([np.sin(q), -np.cos(q)])
    qs = q - np.pi + kappa
    return knee, knee + b.shank_m * np.array([np.sin(qs), -np.cos(qs)])


def _td_toe_x(p: SprintParams, b: Body, hip_x: float, h: float, step: int) -> float:
    """Toe x at TD of ``step`` with the hip at ``(hip_x, h)``: the shank leaves the ankle at the
    shin-angle parameter, and the hip sits behind the knee at thigh length."""
    phi = np.radians(p.progression(p.shin_angle_td_deg, step))
    th = b.theta_flat_rad + np.radians(p.foot_pitch_td_deg)
    knee_y = b.foot_r_m * np.sin(th) + b.shank_m * np.sin(phi)
    dx = np.sqrt(max(b.thigh_m**2 - (h - knee_y) ** 2, 0.0))
    return float(hip_x + dx - b.shank_m * np.cos(phi) + b.foot_r_m * np.cos(th))


def _max_hip_height(
    p: SprintParams, b: Body, toe_x_of_h, x_to: float, lo: float, top: float
) -> float:
    """Highest hip height in ``[lo, top]`` with the leg reaching the toe-off pose (root finding;
    the reach grows with the height because a higher hip puts the TD foot further back)."""
    th_to = b.theta_flat_rad + np.radians(p.foot_pitch_to_deg)
    limit = REACH_STANCE * b.leg_m * (1.0 - 1e-9)

    def excess(h: float) -> float:
        ankle = _ankle_from_toe(b, np.array([toe_x_of_h(h), 0.0]), th_to)
        return float(np.hypot(x_to - ankle[0], h - ankle[1]) - limit)

    if excess(top) <= 0.0:
        return top
    if excess(lo) > 0.0:
        raise ValueError(
            "These parameters ask the leg to cover more ground in one contact than it can reach: "
            "shorten the contact times or lower the velocity."
        )
    return float(brentq(excess, lo, top, xtol=1e-12))


def _event_times(p: SprintParams, m: int) -> tuple[np.ndarray, np.ndarray]:
    """TD and TO times of steps 1..m: TD(1) = front-foot TO + exit flight, then
    TO(i) = TD(i) + contact(i) and TD(i+1) = TO(i) + flight(i)."""
    steps = np.arange(1, m + 1)
    c, f = p.progression(p.contact_time_s, steps), p.progression(p.flight_time_s, steps)
    td = p.first_movement_s + p.front_push_s + p.exit_flight_s + np.r_[0.0, np.cumsum(c + f)[:-1]]
    return td, td + c


def _stance(p: SprintParams, b: Body) -> tuple[float, float, dict]:
    """Stance hip x and height (m) and arm angles (side -> (shoulder, elbow) in rad).

    The hand point of the rear-foot side is on the ground at ``hand_x_m`` with the shoulder a
    little ahead of it; the trunk angle then places the hips. The other arm hangs down.
    """
    h0 = p.stance_hip_height_m or 0.42 * p.stature_m
    a0 = np.radians(p.stance_trunk_angle_deg)
    shoulder = np.array([p.hand_x_m + 0.03 * p.stature_m, h0 + b.trunk_m * np.sin(a0)])
    hand = np.array([p.hand_x_m, 0.0])
    if np.hypot(*(shoulder - hand)) > 0.98 * (b.upper_arm_m + b.forearm_m + b.hand_m):
        raise ValueError("The stance is too high for the hand to reach the ground: lower the hips.")
    elbow = two_link_ik(shoulder, hand, b.upper_arm_m, b.forearm_m + b.hand_m, -1.0)
    down, ue = _unit(a0 + np.pi), elbow - shoulder
    gamma = float(np.arctan2(down[0] * ue[1] - down[1] * ue[0], np.dot(down, ue)))
    off = np.angle(np.exp(1j * (np.radians(-95.0) - a0 - np.pi)))  # upper arm hangs down
    arms = {p.front_foot: (float(off), np.radians(130.0))}
    arms[other_side(p.front_foot)] = (gamma, np.radians(interior_angle_deg(shoulder, elbow, hand)))
    return float(shoulder[0] - b.trunk_m * np.cos(a0)), h0, arms


def _swing_knots(p: SprintParams, b: Body, hip_at, prev: Contact, nxt: Contact):
    """Times, toe positions and foot angles inside one swing (``prev`` TO to ``nxt`` TD).

    Knots are leg poses (thigh angle, knee angle, ankle angle) blended from the first-step
    template to the top-speed one, and a reach just before TD derived from the TD pose.
    """
    th_td = b.theta_flat_rad + np.radians(p.foot_pitch_td_deg)
    hip_td = hip_at(nxt.td_s)
    ankle_td = _ankle_from_toe(b, np.array([nxt.toe_x_m, 0.0]), th_td)
    knee_td = two_link_ik(hip_td, ankle_td, b.thigh_m, b.shank_m, +1.0)
    pre_td = (
        np.arctan2(knee_td[0] - hip_td[0], hip_td[1] - knee_td[1]) + np.radians(8.0),
        np.radians(interior_angle_deg(hip_td, knee_td, ankle_td)),
        th_td + np.radians(direction_deg(ankle_td, knee_td) - 3.0),
    )
    w = 1.0 - np.exp(-(nxt.number - 1) / p.progression_steps)  # 0 at step 1, -> 1 at speed
    poses = [np.radians((1 - w) * np.array(a) + w * np.array(z)) for a, z in SWING_POSES]
    out = []
    for frac, (q, kappa, alpha) in zip(SWING_S, [*poses, pre_td], strict=True):
        t = prev.to_s + frac * (nxt.td_s - prev.to_s)
        knee, ankle = _leg_pose(b, hip_at(t), q, kappa)
        th = alpha - np.radians(direction_deg(ankle, knee))
        toe = ankle - b.foot_r_m * np.array([-np.cos(th), np.sin(th)])
        out.append((t, toe[0], max(toe[1], 0.002 * b.stature_m), th))
    return out


@lru_cache(maxsize=16)
def plan_sprint(p: SprintParams) -> Plan:
    """Event times, contact positions and knot curves of the sprint (cached per parameters)."""
    b = Body.from_stature(p.stature_m)
    H, t0, rear = p.stature_m, p.first_movement_s, other_side(p.front_foot)
    th_td = b.theta_flat_rad + np.radians(p.foot_pitch_td_deg)
    th_to = b.theta_flat_rad + np.radians(p.foot_pitch_to_deg)
    x0, h0, stance_arms = _stance(p, b)
    m = p.n_steps + 3  # the motion runs to TO(n + 2) so that step n has its next touchdown
    td, to = _event_times(p, m)

    def hip_x(t: float) -> float:
        return x0 + float(hip_displacement_m(p, t))

    def target(t: float) -> float:  # a hip-height ceiling rising from the stance to 0.53 H
        return 0.53 * H - (0.53 * H - h0) * np.exp(-max(t - t0, 0.0) / p.tau_s)

    # Hip height at each contact (same at TD and TO): as high as the toe-off reach allows.
    h_c, toe_x = np.zeros(m), np.zeros(m)
    for k in range(m):

        def toe_of_h(h: float, k: int = k) -> float:
            return _td_toe_x(p, b, hip_x(td[k]), h, k + 1)

        phi = np.radians(p.progression(p.shin_angle_td_deg, k + 1))
        knee_y = b.foot_r_m * np.sin(th_td) + b.shank_m * np.sin(phi)
        lo, top = knee_y + 0.05 * b.thigh_m, min(target(td[k]), knee_y + 0.999 * b.thigh_m)
        h_c[k] = _max_hip_height(p, b, toe_of_h, hip_x(to[k]), lo, top)
        toe_x[k] = toe_of_h(h_c[k])
    push = {p.front_foot: t0 + p.front_push_s, rear: t0 + p.rear_push_s}
    p_front = p.x_front_m + b.foot_r_m * np.cos(b.theta_flat_rad + np.radians(STANCE_PITCH[0]))
    top = min(target(push[p.front_foot]), h_c[0])
    h_front = _max_hip_height(p, b, lambda h: p_front, hip_x(push[p.front_foot]), 0.3 * H, top)
    knots = [(0.0, h0), (t0, h0)] + [(push[p.front_foot], h_front)] * (p.exit_flight_s > 0.005)
    knots += [kn for k in range(m) for kn in ((td[k], h_c[k]), (to[k], h_c[k]))]
    amp = np.resize([-DIP * H, BOUNCE * H], 2 * m - 1)  # down in stance, up in flight
    hip_y = HipHeight(PchipInterpolator(*np.array(knots).T), np.c_[td, to].ravel(), amp)
    a0 = p.stance_trunk_angle_deg
    trunk_td = p.progression(p.trunk_angle_td_deg, np.arange(1, m + 1))
    trunk = PchipInterpolator(np.r_[0.0, t0, td], np.r_[a0, a0, trunk_td], extrapolate=False)

    def hip_at(t: float) -> np.ndarray:
        return np.array([hip_x(t), float(hip_y(t))])

    # Feet: the stance feet on their balls, then the steps; the rear foot lands first.
    th_stance = {p.front_foot: np.radians(STANCE_PITCH[0]), rear: np.radians(STANCE_PITCH[1])}
    th_stance = {s: b.theta_flat_rad + v for s, v in th_stance.items()}
    ankle_x0 = {p.front_foot: p.x_front_m, rear: p.x_front_m - p.rear_offset_m}
    contacts = [
        Contact(0, s, 0.0, push[s], ankle_x0[s] + b.foot_r_m * np.cos(th_stance[s]), True)
        for s in (rear, p.front_foot)
    ]
    for k in range(m):
        foot = rear if k % 2 == 0 else p.front_foot
        contacts.append(Contact(k + 1, foot, float(td[k]), float(to[k]), float(toe_x[k]), False))
    toe_x_i, toe_y_i, theta_i = {}, {}, {}
    for side in SIDES:
        own = [ct for ct in contacts if ct.foot == side]
        tk = [(0.0, own[0].toe_x_m, 0.0), (own[0].to_s, own[0].toe_x_m, 0.0)]
        th = [(0.0, th_stance[side]), (t0, th_stance[side]), (own[0].to_s, th_to)]
        for prev, nxt in itertools.pairwise(own):
            swing = _swing_knots(p, b, hip_at, prev, nxt)
            tk += [(t, x, y) for t, x, y, _ in swing]
            tk += [(nxt.td_s, nxt.toe_x_m, 0.0), (nxt.to_s, nxt.toe_x_m, 0.0)]
            th += [(t, a) for t, _, _, a in swing]
            dip = th_td - np.radians(p.foot_pitch_dip_deg)
            th += [(nxt.td_s, th_td), (0.6 * nxt.td_s + 0.4 * nxt.to_s, dip), (nxt.to_s, th_to)]
        tk_a, th_a = np.array(tk), np.array(th)
        toe_x_i[side] = PchipInterpolator(tk_a[:, 0], tk_a[:, 1], extrapolate=False)
        toe_y_i[side] = PchipInterpolator(tk_a[:, 0], tk_a[:, 2], extrapolate=False)
        theta_i[side] = PchipInterpolator(th_a[:, 0], th_a[:, 1], extrapolate=False)
    end = float(to[m - 2])
    contacts = tuple(c for c in contacts if c.to_s <= end)
    plan = Plan(p, b, x0, contacts, hip_y, trunk, toe_x_i, toe_y_i, theta_i, stance_arms, end)
    _check_plan(plan)
    return plan


def _check_plan(plan: Plan) -> None:
    """Refuse parameter sets whose motion breaks the body (sampled at 2 kHz)."""
    t = np.arange(0.0, plan.end_s, 5e-4)
    j = _evaluate(plan, t)
    for c in plan.contacts:
        inside = (t >= c.td_s) & (t <= c.to_s)
        toe = j[f"{c.foot}_toe"][inside]
        if np.max(np.abs(toe - [c.toe_x_m, 0.0]), initial=0.0) > 1e-9:
            raise ValueError("These parameters ask a stance leg to reach further than its length.")
    for side in SIDES:
        knee = interior_angle_deg(j[f"{side}_hip"], j[f"{side}_knee"], j[f"{side}_ankle"])
        if np.min(knee) < 20.0:
            raise ValueError("These parameters fold a knee shut: lengthen the flight times.")
        for point in ("toe", "heel", "ankle", "hand"):
            if np.min(j[f"{side}_{point}"][:, 1]) < -1e-9:
                raise ValueError(f"These parameters put the {side} {point} below the ground.")


def _arm(b: Body, shoulder: np.ndarray, trunk: np.ndarray, gamma, elbow):
    """Elbow, wrist and hand from the upper-arm angle to the trunk's downward axis (``gamma``,
    + forward) and the elbow interior angle."""
    up_dir = _rot(-_unit(trunk), gamma)
    elbow_pt = shoulder + b.upper_arm_m * up_dir
    fore_dir = _rot(up_dir, np.pi - elbow)
    wrist = elbow_pt + b.forearm_m * fore_dir
    return elbow_pt, wrist, wrist + b.hand_m * fore_dir


def _impact_lift(plan: Plan, side: str, t: np.ndarray) -> np.ndarray:
    """Extra toe height before each running touchdown that makes the landing an impact.

    ``v·u·(1 − (u/w)³)²`` with ``u = TD − t`` over ``0 ≤ u ≤ w``: zero with zero slope at
    ``u = w`` (smooth hand-over from the swing), zero at touchdown, where the toe's vertical speed
    becomes ``−v``; nearly constant speed over the last quarter of the window, as a foot falling
    onto the ground. Always ≥ 0, so the toe stays above the ground before touchdown.
    """
    p = plan.params
    v, w = p.touchdown_speed_mps, p.touchdown_impact_s
    lift = np.zeros_like(t, dtype=float)
    for c in plan.contacts:
        if c.foot != side or c.is_stance:
            continue
        u = c.td_s - t
        inside = (u > 0) & (u <= w)
        lift[inside] += v * u[inside] * (1.0 - (u[inside] / w) ** 3) ** 2
    return lift


def _evaluate(plan: Plan, t: np.ndarray) -> dict[str, np.ndarray]:
    """All joints as (T, 2) side-view arrays (z is added by ``joints_at``)."""
    b, p = plan.body, plan.params
    hip = plan.hip(t)
    trunk = np.radians(plan.trunk_deg(t))
    e_t = _unit(trunk)
    out: dict[str, np.ndarray] = {"left_hip": hip, "right_hip": hip}
    shoulder = hip + b.trunk_m * e_t
    thigh_q = {}
    for side in SIDES:
        theta = plan.theta[side](t)
        toe_y = plan.toe_y[side](t) + _impact_lift(plan, side, t)
        toe_raw = np.stack([plan.toe_x[side](t), toe_y], axis=-1)
        ankle = _soft_reach(b, hip, _ankle_from_toe(b, toe_raw, theta))
        toe = ankle - b.foot_r_m * np.stack([-np.cos(theta), np.sin(theta)], axis=-1)
        beta = theta - b.theta_flat_rad
        knee = two_link_ik(hip, ankle, b.thigh_m, b.shank_m, +1.0)
        out |= {f"{side}_ankle": ankle, f"{side}_toe": toe, f"{side}_knee": knee}
        out[f"{side}_heel"] = toe + b.heel_toe_m * np.stack([-np.cos(beta), np.sin(beta)], -1)
        thigh_q[side] = np.arctan2(knee[:, 0] - hip[:, 0], hip[:, 1] - knee[:, 1])
    # Arms swing opposite to the same-side leg (half the thigh-angle difference, saturating at
    # ARM_SWING); they blend in from the stance arms after first movement.
    s = np.clip((t - p.first_movement_s) / ARM_BLEND_S, 0.0, 1.0)
    w = s * s * (3.0 - 2.0 * s)
    for side in SIDES:
        half_diff = 0.5 * (thigh_q[other_side(side)] - thigh_q[side])
        gamma_run = np.radians(5.0) + ARM_SWING * np.tanh(1.1 * half_diff / ARM_SWING)
        elbow_run = np.radians(95.0) - 0.4 * gamma_run
        g0, e0 = plan.stance_arms[side]
        gamma, elbow = (1 - w) * g0 + w * gamma_run, (1 - w) * e0 + w * elbow_run
        el, wr, hd = _arm(b, shoulder, trunk, gamma, elbow)
        out |= {f"{side}_shoulder": shoulder, f"{side}_elbow": el, f"{side}_wrist": wr}
        out[f"{side}_hand"] = hd
    # Head along the trunk, tilted up a little so the eyes look ahead in the crouched postures.
    head = trunk + 0.35 * (np.pi / 2 - trunk)
    e_h, e_f = _unit(head), _unit(head - np.pi / 2)
    centre = shoulder + 0.06 * b.stature_m * e_t + 0.06 * b.stature_m * e_h
    h_ = b.stature_m
    out["nose"] = centre + 0.055 * h_ * e_f - 0.01 * h_ * e_h
    for side in SIDES:
        out[f"{side}_eye"] = centre + 0.045 * h_ * e_f + 0.01 * h_ * e_h
        out[f"{side}_ear"] = centre - 0.01 * h_ * e_f
    return out


def _z_of(name: str, b: Body) -> float:
    side = -1.0 if name.startswith("left") else 1.0 if name.startswith("right") else 0.0
    part = name.split("_", 1)[-1]
    h = b.stature_m
    z = {"eye": 0.017 * h, "ear": 0.04 * h, "hip": b.hip_z_m, "knee": 0.5 * (b.hip_z_m + FOOT_Z_M)}
    z |= {k: FOOT_Z_M for k in ("ankle", "heel", "toe")}
    return side * z.get(part, b.shoulder_z_m)


def joints_at(params: SprintParams, t_s: np.ndarray) -> dict[str, np.ndarray]:
    """3D joint positions (T, 3) in metres at times ``t_s`` (seconds from the clip start).

    Names: the 17 COCO keypoints plus ``left/right_heel``, ``left/right_toe`` (MTP) and
    ``left/right_hand`` (middle of the hand). The motion is defined on ``[0, end_s]`` with
    ``end_s = plan_sprint(params).end_s``.
    """
    plan = plan_sprint(params)
    t = np.atleast_1d(np.asarray(t_s, dtype=float))
    if t.size and (t.min() < 0.0 or t.max() > plan.end_s + 1e-12):
        raise ValueError(
            f"The synthetic sprint is defined from 0 to {plan.end_s:.3f} s: "
            "ask for a shorter duration or raise n_steps."
        )
    xy = _evaluate(plan, t)
    return {
        name: np.column_stack([xy[name], np.full(t.shape, _z_of(name, plan.body))])
        for name in KEYPOINT_ORDER + EXTRA_POINTS
    }


SPLITS_M = {"5yd_s": 4.572, "10yd_s": 9.144, "20yd_s": 18.288, "40yd_s": 36.576}


@dataclass(frozen=True)
class SprintTruth:
    """Exact answers for one synthetic sprint (definitions of ``metrics.md``).

    Times are seconds from the clip start except ``splits`` (seconds from first movement, until
    hip-mid x crosses 5/10/20/40 yd from the start line). ``contacts`` lists every ground contact
    (stance ones have ``td_s = 0`` because they were under way when the clip started); each has
    ``number`` (0 = stance), ``foot``, ``td_s``, ``to_s``, ``ankle_x_td_m``, ``toe_x_m`` and
    ``is_stance``. ``steps`` holds one dict per step 1..n_steps (keys in ``STEP_KEYS``); the
    angles come from the side-view (x, y) joint positions at the event times.
    """

    first_movement_s: float
    contacts: tuple[dict, ...]
    steps: tuple[dict, ...]
    splits: dict[str, float]
    v_max_mps: float
    tau_s: float
    hip_x0_m: float
    stature_m: float
    mass_kg: float
    end_s: float

    def __post_init__(self) -> None:
        if not self.steps or any(set(s) != set(STEP_KEYS) for s in self.steps):
            raise ValueError(f"every step needs exactly the keys {STEP_KEYS}")
        if set(self.splits) != set(SPLITS_M):
            raise ValueError(f"splits must have the keys {tuple(SPLITS_M)}")

    def hip_x_m(self, t_s: np.ndarray) -> np.ndarray:
        """Hip-mid x (m from the start line) at clip times ``t_s``."""
        tp = np.maximum(np.asarray(t_s, dtype=float) - self.first_movement_s, 0.0)
        return self.hip_x0_m + self.v_max_mps * (tp + self.tau_s * np.expm1(-tp / self.tau_s))

    def hip_v_mps(self, t_s: np.ndarray) -> np.ndarray:
        """Hip-mid horizontal velocity (m/s) at clip times ``t_s``."""
        tp = np.maximum(np.asarray(t_s, dtype=float) - self.first_movement_s, 0.0)
        return -self.v_max_mps * np.expm1(-tp / self.tau_s)

    def to_dict(self) -> dict:
        """Plain JSON-able values (floats, ints, strings, lists, dicts)."""

        def plain(v):
            if isinstance(v, dict):
                return {k: plain(x) for k, x in v.items()}
            if isinstance(v, list | tuple):
                return [plain(x) for x in v]
            if isinstance(v, bool | str | int) or v is None:
                return v
            return float(v)

        return {k: plain(getattr(self, k)) for k in self.__dataclass_fields__}


STEP_KEYS = (
    "number", "foot", "touchdown_s", "toeoff_s", "contact_time_s", "flight_time_s",
    "step_length_m", "step_time_s", "step_frequency_hz", "step_velocity_mps",
    "shin_angle_td_deg", "shin_angle_to_deg", "trunk_angle_td_deg", "touchdown_distance_m",
    "toeoff_distance_m", "knee_angle_td_deg", "hip_angle_td_deg",
)  # fmt: skip


def _pose2d(plan: Plan, t: float) -> dict[str, np.ndarray]:
    return {k: v[0] for k, v in _evaluate(plan, np.array([t])).items()}


def sprint_truth(params: SprintParams) -> SprintTruth:
    """The exact events, steps and splits of the sprint ``params`` describes."""
    plan = plan_sprint(params)
    contacts, steps = [], []
    moving = [c for c in plan.contacts if not c.is_stance]
    ankle_td = {}
    for c in plan.contacts:
        side = c.foot
        ankle_td[c] = _pose2d(plan, c.td_s)[f"{side}_ankle"][0]
        contacts.append(
            {"number": c.number, "foot": side, "td_s": c.td_s, "to_s": c.to_s,
             "ankle_x_td_m": float(ankle_td[c]), "toe_x_m": c.toe_x_m, "is_stance": c.is_stance}
        )  # fmt: skip
    front_stance = next(c for c in plan.contacts if c.is_stance and c.foot == params.front_foot)
    for k in range(params.n_steps):
        c, nxt = moving[k], moving[k + 1]
        prev_x = ankle_td[moving[k - 1]] if k else ankle_td[front_stance]
        td, to = _pose2d(plan, c.td_s), _pose2d(plan, c.to_s)
        hip, knee, ankle = td[f"{c.foot}_hip"], td[f"{c.foot}_knee"], td[f"{c.foot}_ankle"]
        shoulder = 0.5 * (td["left_shoulder"] + td["right_shoulder"])
        length, step_time = float(ankle_td[c] - prev_x), nxt.td_s - c.td_s
        steps.append(
            {
                "number": c.number,
                "foot": c.foot,
                "touchdown_s": c.td_s,
                "toeoff_s": c.to_s,
                "contact_time_s": c.to_s - c.td_s,
                "flight_time_s": nxt.td_s - c.to_s,
                "step_length_m": length,
                "step_time_s": step_time,
                "step_frequency_hz": 1.0 / step_time,
                "step_velocity_mps": length / step_time,
                "shin_angle_td_deg": float(direction_deg(ankle, knee)),
                "shin_angle_to_deg": float(
                    direction_deg(to[f"{c.foot}_ankle"], to[f"{c.foot}_knee"])
                ),
                "trunk_angle_td_deg": float(direction_deg(hip, shoulder)),
                "touchdown_distance_m": float(ankle[0] - hip[0]),
                "toeoff_distance_m": float(to[f"{c.foot}_ankle"][0] - to[f"{c.foot}_hip"][0]),
                "knee_angle_td_deg": float(interior_angle_deg(hip, knee, ankle)),
                "hip_angle_td_deg": float(interior_angle_deg(shoulder, hip, knee)),
            }
        )
    # Closed form of x(t') = d: t' + tau e^(-t'/tau) = d / v_max + tau, solved with Lambert W.
    t0, tau = params.first_movement_s, params.tau_s
    k = {key: ((d - plan.hip_x0_m) / params.v_max_mps + tau) / tau for key, d in SPLITS_M.items()}
    splits = {key: float(tau * (kk + lambertw(-np.exp(-kk)).real)) for key, kk in k.items()}
    return SprintTruth(
        first_movement_s=t0, contacts=tuple(contacts), steps=tuple(steps), splits=splits,
        v_max_mps=params.v_max_mps, tau_s=params.tau_s, hip_x0_m=plan.hip_x0_m,
        stature_m=params.stature_m, mass_kg=params.mass_kg, end_s=plan.end_s,
    )  # fmt: skip


@dataclass(frozen=True)
class SyntheticSprint:
    """One sampled synthetic sprint.

    ``t_s`` (T,) = ``arange(T) / fps``; ``joints_m`` maps each name of ``KEYPOINT_ORDER +
    EXTRA_POINTS`` to (T, 3) world positions; ``coco_world_m`` (T, 17, 2) holds the x, y of the
    COCO joints in ``sprintlab.skeleton`` order (the ideal side-view keypoints).
    """

    params: SprintParams
    fps: float
    t_s: np.ndarray
    joints_m: dict[str, np.ndarray]
    coco_world_m: np.ndarray
    truth: SprintTruth

    def __post_init__(self) -> None:
        n = self.t_s.shape[0]
        if self.t_s.ndim != 1 or not self.fps > 0:
            raise ValueError("t_s must be one-dimensional and fps positive")
        if self.coco_world_m.shape != (n, len(KEYPOINT_ORDER), 2):
            raise ValueError(f"coco_world_m must have shape ({n}, 17, 2)")
        if any(v.shape != (n, 3) for v in self.joints_m.values()):
            raise ValueError(f"every joint must have shape ({n}, 3)")
        for a in (self.t_s, self.coco_world_m, *self.joints_m.values()):
            a.setflags(write=False)


def simulate(params: SprintParams, fps: float, duration_s: float) -> SyntheticSprint:
    """Sample the sprint at ``fps`` for ``duration_s`` seconds (frames ``arange(T) / fps`` with
    ``T = round(duration_s * fps)``)."""
    if not fps > 0 or not duration_s > 0:
        raise ValueError("fps and duration_s must be positive")
    t = np.arange(round(duration_s * fps)) / fps
    joints = joints_at(params, t)
    coco = np.stack([joints[name][:, :2] for name in KEYPOINT_ORDER], axis=1)
    return SyntheticSprint(params, float(fps), t, joints, coco, sprint_truth(params))
