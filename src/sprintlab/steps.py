"""The first N steps: timing, lengths, angles and foot placement at touchdown and toe-off.

Definitions follow ../shared/design/metrics.md. Step ``i`` is the ``i``-th touchdown after first
movement. Frame indices: ``touchdown_frame`` is the first frame in contact, ``toeoff_frame`` the
last.

For the last step in view, when the next touchdown is not in the clip, ``step_time_s`` is
TD(i) − TD(i−1) (the previous step's time, as metrics.md allows) and ``flight_time_s`` is null.

When the event detector reports that contacts were missed between two it found
(``Contact.steps_since_prev`` > 1), the steps keep their true numbers (the missed ones are absent),
and the quantities that span the gap — the step length to the contact after it, the step time and
flight time of the contact before it — are null rather than the sum of two steps. The same holds
when step 1 itself was missed: the first touchdown found is then step 2, without a length.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from .events import Contact, FirstMovement
from .kinematics import hip_angle_deg, hip_mid, knee_angle_deg, shin_angle_deg, trunk_angle_deg
from .skeleton import ANKLE, KNEE
from .track import KeypointTrack

MIN_FPS_FOR_TIMING_HZ = 50.0
"""Below this capture rate one frame (≥ 20 ms) is too coarse for contact and flight times."""

STEP_FIELDS: tuple[str, ...] = (
    "number",
    "foot",
    "touchdown_frame",
    "toeoff_frame",
    "touchdown_s",
    "toeoff_s",
    "contact_time_s",
    "flight_time_s",
    "step_length_m",
    "step_time_s",
    "step_frequency_hz",
    "step_velocity_mps",
    "shin_angle_td_deg",
    "shin_angle_to_deg",
    "trunk_angle_td_deg",
    "touchdown_distance_m",
    "toeoff_distance_m",
    "knee_angle_td_deg",
    "hip_angle_td_deg",
    "foot_x_m",
    "touchdown_source",
    "toeoff_source",
    "touchdown_uncertainty_frames",
    "toeoff_uncertainty_frames",
    "shin_td_source",
)


@dataclass(frozen=True)
class Step:
    """One step (see the module docstring and metrics.md for every definition)."""

    number: int
    foot: str
    touchdown_frame: int
    toeoff_frame: int
    touchdown_s: float
    toeoff_s: float
    contact_time_s: float
    flight_time_s: float
    step_length_m: float
    step_time_s: float
    step_frequency_hz: float
    step_velocity_mps: float
    shin_angle_td_deg: float
    shin_angle_to_deg: float
    trunk_angle_td_deg: float
    touchdown_distance_m: float
    toeoff_distance_m: float
    knee_angle_td_deg: float
    hip_angle_td_deg: float
    foot_x_m: float
    touchdown_source: str = "pose"
    toeoff_source: str = "pose"
    touchdown_uncertainty_frames: float = math.nan
    toeoff_uncertainty_frames: float = math.nan
    #: Which keypoints gave the shin angle at touchdown: "pose" (the tracking model) or
    #: "landmarker" (:mod:`sprintlab.touchdown_landmarks`).
    shin_td_source: str = "pose"

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-ready dict; NaN becomes None."""
        out: dict[str, object] = {}
        for k, v in asdict(self).items():
            if isinstance(v, float) and not math.isfinite(v):
                out[k] = None
            elif isinstance(v, np.integer | np.floating):
                out[k] = v.item()
            else:
                out[k] = v
        return out


def interp_at(t_s: np.ndarray, y: np.ndarray, t: float) -> float:
    """Linear interpolation of ``y`` at time ``t`` using finite samples only; NaN outside them."""
    if not np.isfinite(t):
        return math.nan
    ok = np.isfinite(y)
    if ok.sum() < 2:
        return math.nan
    tt, yy = t_s[ok], y[ok]
    if t < tt[0] or t > tt[-1]:
        return math.nan
    i = int(np.searchsorted(tt, t))
    # Refuse to interpolate across a gap longer than 3 frames: the value would be invented.
    if 0 < i < len(tt) and tt[i] - tt[i - 1] > 3.5 * float(np.median(np.diff(t_s))):
        return math.nan
    return float(np.interp(t, tt, yy))


def local_fit_at(
    t_s: np.ndarray, y: np.ndarray, t: float, *, half_window_s: float, degree: int = 2
) -> float:
    """Value at ``t`` of a least-squares polynomial fitted to ``y`` within ±``half_window_s``.

    Used to read angles and positions at an event from the *unfiltered* signal: a low-pass filter
    spreads the fast rotation of the shin at touchdown over many frames, while a short local fit
    averages the noise of a few frames and follows the motion. NaN when fewer than ``degree + 2``
    finite samples fall in the window.
    """
    if not np.isfinite(t):
        return math.nan
    sel = (np.abs(t_s - t) <= half_window_s) & np.isfinite(y)
    if sel.sum() < degree + 2:
        return math.nan
    coef = np.polyfit(t_s[sel] - t, y[sel], degree)
    return float(coef[-1])


def rigid_shin_angle_deg(dx_m: float, shank_length_m: float) -> float:
    """Shank angle from the forward horizontal given the knee's x minus the ankle's x.

    The shank is rigid and the knee is above the ankle, so ``arccos(dx / L)``; NaN when the
    offset is longer than the shank (the keypoints contradict each other).
    """
    if not (np.isfinite(dx_m) and np.isfinite(shank_length_m)) or shank_length_m <= 0:
        return math.nan
    if abs(dx_m) > shank_length_m:
        return math.nan
    return float(np.degrees(np.arccos(dx_m / shank_length_m)))


def _front_stance_contact(
    contacts: list[Contact], fm: FirstMovement, step1_side: str, min_stance_length_m: float
) -> tuple[Contact | None, str | None]:
    """The pushing foot of the stance, or why it is not known.

    Step 1 is taken by the rear foot of the stance, so the pushing (front) foot is a stance
    contact (down before first movement) of the other side than step 1, at least
    ``min_stance_length_m`` in front of the rearmost stance contact. Pose models often put both
    ankle points on or near the rear foot while the athlete is crouched over the front one
    (rendered 3-point stances: 4 of 6 clips, the two points 13–22 cm apart); the front-most
    stance contact is then the rear foot, and step 1 measured from it is 35–45 cm too long.
    Such a step 1 has no length rather than a wrong one. The distance test does not rely on
    the sides, which keep the pose model's labels when the stance could not be matched to
    step 1; it also leaves stances shorter than ``min_stance_length_m`` without a step-1 length.

    Returns
    -------
    contact : Contact or None
    reason : str or None
        The warning to give when the contact is None.
    """
    stance = [
        c
        for c in contacts
        if (not np.isfinite(c.td_s) or c.td_s <= fm.time_s)
        and (not np.isfinite(c.to_s) or c.to_s > fm.time_s)
    ]
    if not stance:
        return None, "the stance foot is not in view, so the first step's length cannot be measured"
    rear_x = min(c.pivot_x_m for c in stance)
    front = [
        c for c in stance if c.side != step1_side and c.pivot_x_m - rear_x >= min_stance_length_m
    ]
    if not front:
        return None, (
            "no front (pushing) foot of the stance was found at least "
            f"{100 * min_stance_length_m:.0f} cm ahead of the rear foot (the pose model can put "
            "both ankle points near the rear foot in the set position), so the first step's "
            "length is left empty"
        )
    return max(front, key=lambda c: c.pivot_x_m), None


def build_steps(
    contacts: list[Contact],
    fm: FirstMovement,
    track: KeypointTrack,
    *,
    raw: KeypointTrack | None = None,
    max_steps: int = 10,
    event_window_s: float = 0.0125,
    shank_length_m: float = math.nan,
    min_stance_length_m: float = 0.30,
) -> tuple[list[Step], list[str]]:
    """Turn contacts into the first ``max_steps`` steps after first movement.

    Parameters
    ----------
    contacts : list of Contact
        All contacts of the clip, in time order.
    fm : FirstMovement
        Start of the sprint.
    track : KeypointTrack
        Low-passed world-frame track (metres).
    raw : KeypointTrack, optional
        The same track before low-pass filtering. Angles and hip positions at touchdown and
        toe-off are read from it by a local quadratic fit over ±``event_window_s`` (at least two
        frames each side), falling back to the filtered track where it has too few samples.
    max_steps : int
        Number of steps to report at most (never invented: fewer when fewer are in view).
    shank_length_m : float, optional
        Knee-to-ankle length of the athlete. When given, the shin angle at touchdown is read from
        the horizontal knee–ankle offset and this length (see :func:`rigid_shin_angle_deg`):
        at landing pose models pull the landing ankle up towards the other foot (measured on
        rendered clips: 15 cm too high at touchdown, while its x and the knee stay within a few
        cm), and near vertical the angle of a segment of known length is set by its horizontal
        offset. Without it, the angle is the direct ankle→knee direction.
    min_stance_length_m : float
        Least distance of the stance's front foot ahead of its rear foot for step 1 to be
        measured from it (see :func:`_front_stance_contact`).

    Returns
    -------
    steps : list of Step
    warnings : list of str
    """
    warnings: list[str] = []
    t = track.t_s
    fps = track.fps
    timing_ok = fps >= MIN_FPS_FOR_TIMING_HZ
    if not timing_ok:
        warnings.append(
            f"the clip was captured at {fps:.0f} fps: one frame is {1000 / fps:.0f} ms, too coarse "
            f"for contact and flight times (at least {MIN_FPS_FOR_TIMING_HZ:.0f} fps needed, "
            "120–240 recommended); they are left empty"
        )
    running = [c for c in contacts if np.isfinite(c.td_s) and c.td_s > fm.time_s]
    if not running:
        warnings.append("no touchdown after first movement was found in view")
        return [], warnings
    # The first running contact's steps_since_prev is its step number (2 when step 1 was missed).
    first_is_step1 = running[0].steps_since_prev == 1
    front, no_front = _front_stance_contact(contacts, fm, running[0].side, min_stance_length_m)
    if no_front and first_is_step1:
        warnings.append(no_front)
    half_w = max(event_window_s, 2.0 / fps)
    sources = [raw, track] if raw is not None else [track]

    def at(signal, t_event: float) -> float:
        """Signal value at an event: local fit on the raw track, else the filtered one."""
        for src in sources:
            value = local_fit_at(t, signal(src), t_event, half_window_s=half_w, degree=1)
            if np.isfinite(value):
                return value
        return interp_at(t, signal(track), t_event)

    steps: list[Step] = []
    number = 0
    for i, c in enumerate(running):
        number += c.steps_since_prev
        if number > max_steps:
            break
        nxt = running[i + 1] if i + 1 < len(running) else None
        prev = running[i - 1] if i > 0 else None
        # Neighbours across a gap of missed contacts are not the adjacent steps.
        if nxt is not None and nxt.steps_since_prev > 1:
            nxt = None
            next_missed = True
        else:
            next_missed = False
        if prev is not None and c.steps_since_prev > 1:
            prev = None
            prev_foot_x = np.nan
        elif prev is not None:
            prev_foot_x = prev.foot_x_m
        else:
            prev_foot_x = front.foot_x_m if front and first_is_step1 else np.nan
        td, to = c.td_s, c.to_s
        if nxt is not None:
            step_time = nxt.td_s - td
        elif prev is not None and not next_missed:
            step_time = td - prev.td_s
        else:
            step_time = math.nan
        step_length = c.foot_x_m - prev_foot_x
        contact_time = to - td if timing_ok else math.nan
        flight_time = (nxt.td_s - to) if (timing_ok and nxt is not None) else math.nan
        freq = 1.0 / step_time if np.isfinite(step_time) and step_time > 0 else math.nan
        leg = c.label

        def shin(src: KeypointTrack, leg: str = leg) -> np.ndarray:
            return shin_angle_deg(src, leg)

        def hip_x(src: KeypointTrack) -> np.ndarray:
            return hip_mid(src)[:, 0]

        def ankle_x(src: KeypointTrack, leg: str = leg) -> np.ndarray:
            return src.point(ANKLE[leg])[:, 0]

        def shank_dx(src: KeypointTrack, leg: str = leg) -> np.ndarray:
            return src.point(KNEE[leg])[:, 0] - src.point(ANKLE[leg])[:, 0]

        if np.isfinite(shank_length_m):
            shin_td = rigid_shin_angle_deg(at(shank_dx, td), shank_length_m)
        else:
            shin_td = at(shin, td)

        steps.append(
            Step(
                number=number,
                foot=c.side,
                touchdown_frame=c.td_frame,
                toeoff_frame=c.to_frame,
                touchdown_s=td,
                toeoff_s=to,
                contact_time_s=contact_time,
                flight_time_s=flight_time,
                step_length_m=step_length,
                step_time_s=step_time,
                step_frequency_hz=freq,
                step_velocity_mps=step_length * freq,
                shin_angle_td_deg=shin_td,
                shin_angle_to_deg=at(shin, to),
                trunk_angle_td_deg=at(trunk_angle_deg, td),
                touchdown_distance_m=c.foot_x_m - at(hip_x, td),
                toeoff_distance_m=at(ankle_x, to) - at(hip_x, to),
                knee_angle_td_deg=at(lambda src, leg=leg: knee_angle_deg(src, leg), td),
                hip_angle_td_deg=at(lambda src, leg=leg: hip_angle_deg(src, leg), td),
                foot_x_m=c.foot_x_m,
                touchdown_source=c.td_source,
                toeoff_source=c.to_source,
                touchdown_uncertainty_frames=c.td_uncertainty_frames,
                toeoff_uncertainty_frames=c.to_uncertainty_frames,
            )
        )
    if steps and steps[-1].touchdown_s == running[-1].td_s:
        warnings.append(
            f"step {steps[-1].number} is the last touchdown in view: its step time uses the "
            "previous step and its flight time is empty"
        )
    last = steps[-1].number if steps else 0
    if last < max_steps:
        warnings.append(f"only the first {last} of {max_steps} steps are in view")
    return steps, warnings
