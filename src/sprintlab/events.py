"""Start and foot events: first movement, touchdown and toe-off.

Definitions (../shared/design/metrics.md):

- **First movement**: the athlete leaves the set stance; the hip-mid starts to move forward and
keeps
  moving. The onset is placed where the early rise of the hip's forward speed extrapolates to zero,
  so it does not depend on the detection threshold.
- **Touchdown / toe-off**: first and last instant of ground contact of a foot.

COCO keypoints have an ankle but no toe. During a sprint contact the foot rolls over the ball of the
foot, a point fixed on the ground, so the ankle stays on a circle of radius ``R`` (ankle-to-ball
distance) around that pivot from touchdown to toe-off — including the heel lift before toe-off, when
the ankle already moves forward and up (which is why "ankle still" detectors place toe-off early).
The detector therefore

1. finds stance *cores*: the ankle low and almost still horizontally (both ankle labels pooled,
   since the pose model swaps legs);
2. merges cores seen by either ankle label at the same place into one contact;
3. fits the pivot (ball of the foot) and ``R`` to the ankle samples of the contact and grows the
   contact while the nearer ankle stays on that circle;
4. places toe-off at sub-frame precision where the ankle's departure from the circle extrapolates
   to zero, and touchdown where the landing foot stops moving forward (:func:`foot_stop`;
   the circle's touchdown, which the ankle's height can delay, seeds that search); the foot's
   place is where that stop leaves the ankle;
5. assigns sides afterwards, by the majority label of the stance ankle, and enforces alternation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace
from itertools import pairwise

import numpy as np
from scipy.optimize import least_squares

from .errors import AnalysisError
from .filtering import true_runs
from .kinematics import velocity
from .skeleton import SIDES, other_side


@dataclass(frozen=True)
class EventSettings:
    """Parameters of the event detectors (physical units; converted with the clip's fps inside).

    Attributes
    ----------
    fm_speed_mps : float
        Forward hip speed that counts as moving out of the stance.
    fm_sustain_s : float
        The hip must stay above ``fm_speed_mps`` this long to count as first movement.
    fm_fit_max_mps : float
        Upper speed of the early rise used to extrapolate the onset.
    fm_rest_back_s, fm_rest_k, fm_rest_min_m : float
        When the body is already away from its rest position at the onset found from the speed
        (more than ``fm_rest_k`` robust SDs of the rest position, and at least
        ``fm_rest_min_m``), first movement moves back to where it left rest, searched up to
        ``fm_rest_back_s`` earlier (see :func:`_left_rest`).
    fm_rest_jump_m, fm_rest_jump_s : float
        That move back is made only when the body got ``fm_rest_jump_m`` ahead within
        ``fm_rest_jump_s`` of leaving rest: a start, not a creep of the set position.
    fm_seen_before_s, fm_seen_frac : float
        First movement is reported only when the athlete's body was found in at least
        ``fm_seen_frac`` of the frames of the ``fm_seen_before_s`` before it (the set position
        was observed; see :mod:`sprintlab.start`).
    fm_rest_travel_m : float
        ... and the body travelled at most this far forward in that time (at rest: a set
        position's drift and the keypoints' jitter are a few cm; 0.2 s of a start covers 10 cm
        by its end, of a walk 30 cm).
    fm_fit_agreement_s : float
        ... and when the start time of the velocity curve fitted to the whole run lies within
        this of it (rendered scenarios: within 0.07 s; an untracked set position put the onset
        0.4 s early).
    fm_uncertainty_floor_s : float
        Least uncertainty of an observed first movement, s: the spread of its errors through
        the stock pose model on the rendered scenarios (−30..+37 ms over twelve clips). Not yet
        validated on real footage with a reference start time.
    hip_cutoff_hz : float
        Low-pass cutoff for the hip velocity used by first movement.
    core_speed_min_mps, core_speed_frac : float
        An ankle is "still" when its horizontal speed is below the larger of ``core_speed_min_mps``
        and ``core_speed_frac`` × the hip's forward speed.
    core_height_frac : float
        An ankle is "low" when its height is below this fraction of stature.
    min_core_s : float
        Shortest still-and-low run that can seed a contact.
    foot_radius_frac : float
        Prior ankle-to-ball distance as a fraction of stature (anthropometry: ankle height 0.039 H,
        ankle to metatarsal heads ≈ 0.08 H).
    contact_tol_m : float
        Smallest tolerance on the ankle's distance from the pivot circle; the detector widens it to
        three times the noise it measures within the contact, and to ``jitter_tol_factor`` times
        the ankle keypoints' per-frame jitter over the clip.
    bridge_off_s, bridge_on_s : float
        Towards toe-off, the ankle may leave the pivot circle for up to ``bridge_off_s`` and the
        contact goes on when it is back on the circle for ``bridge_on_s`` (see :func:`_grow`).
        0.05 s: longer gaps (0.08, 0.1 s tried) changed nothing more on the rendered scenarios.
    jitter_tol_factor : float
        Multiple of the ankle keypoints' jitter (robust SD of raw minus low-passed ankles, m)
        that the circle's tolerance is at least. A contact's own core is often only a few frames
        long and misses the larger scatter of a far-side ankle, so the contact broke into a
        short piece (or was lost); the clip-wide jitter sees it. Exact keypoints have no jitter
        and keep the smallest tolerance. 2 was the best of 1, 2 and 3 on the rendered scenarios
        (3 made step lengths worse); none of them changes exact-keypoint results.
    merge_dist_m : float
        Cores closer than this along the lane (and close in time) are one contact.
    same_foot_m : float
        Cores of the two ankle labels that are still at the same time are one foot only when
        closer than this (the two feet of the set position are further apart).
    min_contact_s, max_contact_s : float
        Plausible contact durations; contacts outside are dropped with a warning.
    ankle_height_frac : float
        Height of the ankle joint above the ground with the foot flat, as a fraction of stature
        (anthropometry: 0.039 H).
    level_percentile : float
        Percentile of an ankle's height over its horizontally still frames taken as its height in
        contact (the flat-foot part of stance is the lowest still part).
    min_step_frac : float
        Shortest distance along the lane between successive running contacts (and between the
        front foot of the set stance and the first step), as a fraction of stature. Running
        forward, every contact lands ahead of the previous one; a "contact" closer than this is a
        fragment of a neighbouring one (a heel lift, a swing foot slowing down) or a keypoint
        glitch.
    min_step_s : float
        Shortest time between successive touchdowns (8 Hz; sprinters' step rate is 4–5.5 Hz).
    max_double_support_s : float
        How far a touchdown may precede the previous contact's toe-off. Sprint steps have a
        flight phase; this only absorbs the timing uncertainty of the two events.
    min_first_step_s : float
        Earliest touchdown of step 1 after first movement. The first step lands only after the
        stance push (front-foot push 0.3–0.45 s in block and 3-point starts); a contact that
        starts sooner is a stance foot seen again (the front foot is often hidden under the body
        in the set position and only found once the athlete rises).
    step_rate_hz : float
        Typical step rate of a sprint (4–5 Hz from step 1), used to tell a missed contact (an
        interval of about two step times) from a slow step.
    gap_core_height_frac : float
        Where timing says a contact was missed (:func:`_missing_windows`), contacts are looked
        for again with this looser height test in place of ``core_height_frac``: a pose model
        can put a far-side stance ankle 10–20 cm too high through a whole contact, and a foot
        horizontally still while the body runs is on the ground.
    min_first_contact_s, min_first_step_time_s : float
        A first running contact shorter than ``min_first_contact_s`` and followed by the next
        touchdown within ``min_first_step_time_s`` is not step 1 but a fragment: the front foot
        of the stance rolling onto its toes, or the swing foot grazing past it. Step 1's contact
        lasts 0.15–0.25 s and its step time (contact plus flight) is at least 0.2 s.
    step2_after_fm_s, step2_from_rear_frac : float
        The first touchdown found is step 2 (step 1 was missed) when it lands both later than
        ``step2_after_fm_s`` after first movement and further than ``step2_from_rear_frac`` ×
        stature ahead of the rear foot of the set stance. Step 1 lands 0.35–0.5 s after first
        movement in block and 3-point starts (the front-foot push of 0.3–0.45 s and a short
        flight) and step 2 a step time (≥ 0.2 s) later; step 1 lands 1.1–1.9 m ahead of the rear
        foot (stance length 0.3–0.6 m plus a first step of 0.8–1.3 m), step 2 a further
        1.0–1.4 m. Either alone can be fooled (a slow rise, a long stance); both together are
        not a step 1.
    td_approach_s, td_settle_s : float
        Touchdown is re-timed on the landing foot's forward motion over this much approach before
        and this much stance after it (see :func:`foot_stop`).
    td_search_before_s, td_search_after_s : float
        How far before and after the circle's touchdown the stop is searched.
    place_window_s, place_stance_frac : float
        The foot's place is the ankle's robust mean position over this long after touchdown,
        and at most this fraction of the contact (see :func:`foot_place`).
    td_robust_m : float
        Scale of the robust (Huber) loss of the stop fit: ankle positions further than this from
        the fitted path count less (a keypoint put on the other foot for a frame).
    td_max_height_frac : float
        Ankle samples higher than this fraction of stature are not the landing foot near touchdown.
    td_agree_s : float
        When the circle's touchdown and the stop agree within this, the circle's is kept (it is
        the sharper of the two when the ankle's height is right).
    """

    fm_speed_mps: float = 0.3
    fm_sustain_s: float = 0.2
    fm_fit_max_mps: float = 1.5
    fm_rest_back_s: float = 0.25
    fm_rest_k: float = 4.0
    fm_rest_min_m: float = 0.003
    fm_rest_jump_m: float = 0.01
    fm_rest_jump_s: float = 0.1
    fm_seen_before_s: float = 0.2
    fm_seen_frac: float = 0.8
    fm_rest_travel_m: float = 0.1
    fm_fit_agreement_s: float = 0.2
    fm_uncertainty_floor_s: float = 0.04
    hip_cutoff_hz: float = 8.0
    core_speed_min_mps: float = 0.6
    core_speed_frac: float = 0.25
    core_height_frac: float = 0.10
    min_core_s: float = 0.015
    foot_radius_frac: float = 0.088
    contact_tol_m: float = 0.012
    merge_dist_m: float = 0.30
    same_foot_m: float = 0.12
    min_contact_s: float = 0.04
    max_contact_s: float = 0.6
    ankle_height_frac: float = 0.039
    level_percentile: float = 20.0
    min_step_frac: float = 0.2
    min_step_s: float = 0.12
    max_double_support_s: float = 0.03
    min_first_step_s: float = 0.25
    step_rate_hz: float = 4.3
    gap_core_height_frac: float = 0.15
    min_first_contact_s: float = 0.10
    min_first_step_time_s: float = 0.18
    step2_after_fm_s: float = 0.55
    step2_from_rear_frac: float = 1.1
    td_approach_s: float = 0.12
    td_settle_s: float = 0.05
    td_search_before_s: float = 0.09
    td_search_after_s: float = 0.025
    td_robust_m: float = 0.03
    td_max_height_frac: float = 0.2
    td_agree_s: float = 0.008
    jitter_tol_factor: float = 2.0
    place_window_s: float = 0.06
    place_stance_frac: float = 0.5
    bridge_off_s: float = 0.05
    bridge_on_s: float = 0.02

    def __post_init__(self) -> None:
        # Every parameter is a non-negative physical quantity; a few must be strictly positive
        # or fractions, and a value outside that is a mistake in a settings file, not a choice.
        for f in fields(self):
            v = getattr(self, f.name)
            if not (isinstance(v, int | float) and math.isfinite(v) and v >= 0):
                raise ValueError(f"{f.name} must be a finite number >= 0, got {v!r}")
        for name in ("fm_speed_mps", "fm_sustain_s", "fm_seen_before_s", "hip_cutoff_hz"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)}")
        for name in ("fm_seen_frac", "core_speed_frac", "place_stance_frac"):
            if not 0 < getattr(self, name) <= 1:
                raise ValueError(f"{name} must be in (0, 1], got {getattr(self, name)}")
        if self.min_contact_s >= self.max_contact_s:
            raise ValueError("min_contact_s must be less than max_contact_s")


@dataclass(frozen=True)
class FirstMovement:
    """First movement out of the stance.

    Attributes
    ----------
    time_s : float
        Onset time in seconds from the first frame.
    frame : int
        Index of the first frame at or after the onset.
    detect_time_s : float
        Time the forward hip speed first exceeded the threshold (always >= ``time_s``).
    """

    time_s: float
    frame: int
    detect_time_s: float


@dataclass(frozen=True)
class Contact:
    """One ground contact of one foot.

    Attributes
    ----------
    td_s, to_s : float
        Touchdown and toe-off, seconds from the first frame (NaN when outside the clip).
    td_frame, to_frame : int
        First and last frame in contact (-1 when unknown).
    pivot_x_m : float
        Position along the lane of the ball of the foot (the pivot of the roll-over), metres.
    foot_x_m : float
        Ankle x at touchdown (metrics.md's foot position), metres: the ankle's robust mean
        place through the early stance (:func:`foot_place`); when too few frames show it, where
        the landing ankle comes to rest in the first frames of stance (:func:`foot_stop`), or
        the ankle's place on the pivot circle at the touchdown height.
    radius_m : float
        Fitted ankle-to-ball distance.
    side : str
        "left" or "right" (after alternation is enforced).
    label : str
        The pose model's label of the ankle that was on the ground (majority over the contact);
        use it to read that leg's knee and ankle, which may differ from ``side`` after relabelling.
    side_agreement : float
        Fraction of contact frames in which the pose model's label of the stance ankle agreed.
    noise_m : float
        Robust spread of the ankle about the fitted circle within the contact.
    steps_since_prev : int
        Steps from the previous running contact to this one: 1 normally, 2 or more when contacts
        in between were not detected (then step length and time to this contact are unknown).
        For the first running contact, its step number: 1, or 2 when step 1 was not detected.
    """

    td_s: float
    to_s: float
    td_frame: int
    to_frame: int
    pivot_x_m: float
    foot_x_m: float
    radius_m: float
    side: str
    label: str
    side_agreement: float
    noise_m: float
    steps_since_prev: int = 1


def detect_first_movement(
    t_s: np.ndarray, hip_x_m: np.ndarray, fps: float, settings: EventSettings | None = None
) -> FirstMovement:
    """Find when the body starts moving forward out of the stance.

    ``hip_x_m`` is the body's forward position (m): the hip-mid's x, or the consensus of the
    trunk and head points (:func:`sprintlab.kinematics.body_forward_x`). The sprint is the
    sustained run of forward speed above ``fm_speed_mps`` that reaches the highest speed; its
    onset is where a quadratic fitted to its early rise reaches zero speed, or, when that fit
    has no root, where the rise passed half the threshold.

    Raises
    ------
    AnalysisError
        If the hip never moves forward steadily (the athlete never leaves the stance).
    """
    s = settings or EventSettings()
    vx = velocity(hip_x_m, fps, cutoff_hz=s.hip_cutoff_hz)
    n_sustain = max(2, round(s.fm_sustain_s * fps))
    moving = np.nan_to_num(vx, nan=-1.0) >= s.fm_speed_mps
    # The sprint is the run of forward motion that reaches the highest speed; first movement is
    # where that run begins. Earlier fidgeting, walking into the stance or a rocking start do not
    # count, because the run must be sustained and must contain the sprint's peak speed.
    runs = [(a, b) for a, b in true_runs(moving) if b - a >= n_sustain]
    if not runs or np.nanmax(vx) < 3 * s.fm_speed_mps:
        raise AnalysisError(
            "The athlete never leaves the stance in this clip: the hips do not move forward "
            "steadily. Check that the clip covers the start and that the right person is tracked."
        )
    start = max(runs, key=lambda r: float(np.nanmax(vx[r[0] : r[1]])))[0]
    # Extrapolate the early rise to zero speed: fit v(t) with a quadratic over the samples from
    # just before the threshold crossing up to fm_fit_max_mps, and take its root.
    lo = start
    while lo > 0 and np.isfinite(vx[lo - 1]) and vx[lo - 1] > 0.5 * s.fm_speed_mps:
        lo -= 1
    hi = start
    while hi + 1 < len(vx) and np.isfinite(vx[hi + 1]) and vx[hi + 1] <= s.fm_fit_max_mps:
        hi += 1
    # When the rise cannot be extrapolated (the pose model's trunk points stall for a few tens
    # of ms as the athlete rises out of the crouch, which bends the early rise out of shape), the
    # rise's own start, where it passed half the threshold, is nearer the onset than the
    # threshold crossing (10-yard split MAE over the rendered scenarios 32 -> 16 ms).
    onset = float(t_s[lo])
    if hi - lo >= 3:
        tt = t_s[lo : hi + 1] - t_s[start]
        coef = np.polyfit(tt, vx[lo : hi + 1], 2 if hi - lo >= 5 else 1)
        roots = np.roots(coef)
        real = roots[np.isreal(roots)].real
        cand = real[(real <= 0) & (real > -0.3)]
        if cand.size:
            onset = float(t_s[start] + cand.max())
    onset = _left_rest(t_s, hip_x_m, fps, max(onset, float(t_s[0])), s)
    frame = int(np.searchsorted(t_s, onset - 1e-9))
    return FirstMovement(time_s=onset, frame=frame, detect_time_s=float(t_s[start]))


def _left_rest(
    t_s: np.ndarray, x_m: np.ndarray, fps: float, onset_s: float, s: EventSettings
) -> float:
    """Move ``onset_s`` back to where the body left its rest position, if it had left it.

    The onset from the speed misses a first forward movement that stalls: measured on a rendered
    clip, the pose model's trunk points moved 2 cm forward from the true onset, stalled and slid
    back for 40 ms, and the speed fell below half the threshold, so the onset was found 73 ms
    late. The position keeps what the speed loses: when the body is already more than
    ``fm_rest_k`` robust SDs (at least ``fm_rest_min_m``) ahead of its rest position at
    ``onset_s``, first movement is the last frame, within ``fm_rest_back_s`` before, at which it
    was not. The rest position is the median over the 0.35 s before that search window. Only a
    movement, not a creep: from leaving rest the body must get ``fm_rest_jump_m`` ahead within
    ``fm_rest_jump_s`` (a start covers 1 cm in about 60 ms; a set position drifting a few mm, or
    keypoints sliding as the athlete settles, does not), else ``onset_s`` stays.
    """
    i0 = int(np.searchsorted(t_s, onset_s))
    lo = int(np.searchsorted(t_s, onset_s - s.fm_rest_back_s))
    rest = (t_s >= onset_s - s.fm_rest_back_s - 0.35) & (t_s < t_s[lo]) & np.isfinite(x_m)
    if i0 >= len(t_s) or rest.sum() < max(5, round(0.1 * fps)):
        return onset_s
    x_rest_m = float(np.median(x_m[rest]))
    spread_m = 1.4826 * float(np.median(np.abs(x_m[rest] - x_rest_m)))
    ahead_m = x_m - x_rest_m
    with np.errstate(invalid="ignore"):
        away = ahead_m > max(s.fm_rest_k * spread_m, s.fm_rest_min_m)
    if not away[i0]:
        return onset_s
    j = i0
    while j > lo and away[j - 1]:
        j -= 1
    if j <= lo:  # away through the whole window: no rest to go back to
        return onset_s
    with np.errstate(invalid="ignore"):
        jumped = np.flatnonzero(ahead_m[j : i0 + 1] >= s.fm_rest_jump_m)
    if not jumped.size or t_s[j + jumped[0]] - t_s[j] > s.fm_rest_jump_s:
        return onset_s
    return float(t_s[j - 1])


@dataclass(frozen=True)
class _Core:
    start: int
    stop: int  # exclusive
    side: str
    pivot_x_m: float


def _pivot_x(ankle: np.ndarray, radius_m: float) -> np.ndarray:
    """Ball-of-foot x for ankle samples on a circle of ``radius_m`` around a ground point ahead."""
    dy = np.clip(ankle[:, 1], -radius_m, radius_m)
    return ankle[:, 0] + np.sqrt(np.maximum(radius_m**2 - dy**2, 0.0))


def ankle_height_offsets(
    ankles: dict[str, np.ndarray],
    hip_vx: np.ndarray,
    fps: float,
    stature_m: float,
    s: EventSettings,
) -> dict[str, float]:
    """Per ankle label: how far its height in contact sits above the flat-foot ankle height (m).

    Pose models place the ankle keypoint with a vertical offset of their own (a few cm on the near
    leg, up to 10 cm on the far, partly hidden leg in side views), and a ground calibration a few
    cm off adds to it. The foot's height in contact is known from anatomy, so each label's offset
    is measured on its own still frames and removed before the "low" test that seeds contacts;
    without this an absolute height threshold silently drops the contacts of one leg. Event
    timing is left to the pivot-circle fits, whose free radius absorbs such an offset.
    0 when too few still frames.
    """
    speed_lim = np.maximum(s.core_speed_min_mps, s.core_speed_frac * np.nan_to_num(hip_vx))
    nominal = s.ankle_height_frac * stature_m
    offsets: dict[str, float] = {}
    for side, a in ankles.items():
        vx = velocity(a[:, 0], fps)
        with np.errstate(invalid="ignore"):
            still = (np.abs(vx) < speed_lim) & np.isfinite(a[:, 1])
        if still.sum() < max(5, round(0.05 * fps)):
            offsets[side] = 0.0
            continue
        level = float(np.percentile(a[still, 1], s.level_percentile))
        offsets[side] = level - nominal
    return offsets


def _find_cores(
    ankles: dict[str, np.ndarray],
    hip_vx: np.ndarray,
    fps: float,
    stature_m: float,
    s: EventSettings,
    height_offsets_m: dict[str, float] | None = None,
    *,
    height_frac: float | None = None,
) -> list[_Core]:
    """Runs of frames where an ankle is horizontally still and low: seeds of contacts.

    Low is below ``height_frac`` (default ``core_height_frac``) × stature above the ankle's own
    level in contact (``height_offsets_m``).
    """
    radius = s.foot_radius_frac * stature_m
    low_frac = s.core_height_frac if height_frac is None else height_frac
    offsets = height_offsets_m or {}
    speed_lim = np.maximum(s.core_speed_min_mps, s.core_speed_frac * np.nan_to_num(hip_vx))
    min_len = max(2, round(s.min_core_s * fps))
    cores: list[_Core] = []
    for side, a in ankles.items():
        vx = velocity(a[:, 0], fps)
        with np.errstate(invalid="ignore"):
            low = a[:, 1] - offsets.get(side, 0.0) < low_frac * stature_m
            ok = (np.abs(vx) < speed_lim) & low
        for start, stop in true_runs(ok):
            if stop - start < min_len:
                continue
            px = float(np.nanmedian(_pivot_x(a[start:stop], radius)))
            cores.append(_Core(start, stop, side, px))
    return cores


def _merge_cores(cores: list[_Core], fps: float, s: EventSettings) -> list[list[_Core]]:
    """Group cores at the same place and time (possibly seen under both ankle labels)."""
    groups: list[list[_Core]] = []
    max_gap = round(0.1 * fps)
    for core in sorted(cores, key=lambda c: c.start):
        for g in groups:
            g_stop = max(c.stop for c in g)
            g_px = float(np.median([c.pivot_x_m for c in g]))
            dist = abs(core.pivot_x_m - g_px)
            if dist >= s.merge_dist_m or core.start > g_stop + max_gap:
                continue
            # Both ankles still at the same time a few decimetres apart are two feet on the
            # ground (the set position), not one foot seen under both labels: keep them apart.
            # Only near-identical places are one foot whose two labels the model put on it.
            both_down = any(
                c.side != core.side and c.start < core.stop and core.start < c.stop for c in g
            )
            if both_down and dist >= s.same_foot_m:
                continue
            g.append(core)
            break
        else:
            groups.append([core])
    return groups


def _circle_departure(
    ankles: dict[str, np.ndarray], pivot_x_m: float, radius_m: float
) -> tuple[np.ndarray, np.ndarray]:
    """Signed distance of the ankles from the pivot circle, using per frame the ankle closer to it.

    Returns ``e`` (T,) = distance to the pivot minus the radius for the chosen ankle, and ``which``
    (T,) = 0 for the left label, 1 for the right. Choosing by closeness to the *circle* (not to the
    pivot) keeps a swinging foot that passes near the planted one from being taken for it.
    """
    pivot = np.array([pivot_x_m, 0.0])
    e = np.stack([np.linalg.norm(ankles[side] - pivot, axis=1) - radius_m for side in SIDES])
    score = np.where(np.isfinite(e), np.abs(e), np.inf)
    which = np.argmin(score, axis=0)
    best = e[which, np.arange(e.shape[1])]
    return best, which


def _fit_circle(ankle: np.ndarray, pivot_x0: float, radius0: float) -> tuple[float, float]:
    """Least-squares ball-of-foot x and radius for ankle samples rolling over a ground point.

    The radius is pulled weakly towards the anthropometric prior so that short, nearly still
    contacts (a small arc) stay well posed.
    """
    pts = ankle[np.all(np.isfinite(ankle), axis=1)]
    if len(pts) < 3:
        return pivot_x0, radius0

    def resid(p: np.ndarray) -> np.ndarray:
        px, r = p
        d = np.hypot(pts[:, 0] - px, pts[:, 1]) - r
        return np.concatenate([d, [0.3 * (r - radius0)]])

    # A foot is a foot: the radius stays within half to twice the anthropometric prior, so that
    # ankle samples of two different feet (both down in the set position) cannot fit one huge
    # circle.
    r_lo, r_hi = 0.5 * radius0, 2.0 * radius0
    sol = least_squares(
        resid,
        x0=[pivot_x0, float(np.clip(radius0, r_lo, r_hi))],
        bounds=([-np.inf, r_lo], [np.inf, r_hi]),
        loss="soft_l1",
        f_scale=0.01,
    )
    return float(sol.x[0]), float(sol.x[1])


def _hinge_time(
    t_s: np.ndarray,
    e: np.ndarray,
    edge: int,
    direction: int,
    fps: float,
    cap_m: float,
    near_m: float,
) -> float:
    """Sub-frame touchdown (``direction=-1``) or toe-off (``+1``) time by a hinge fit.

    ``e`` is the ankle's departure from the pivot circle: about constant during the contact and
    growing away from it outside. The shape of the growth follows the physics of each event:

    - touchdown is an impact, the foot arrives with speed: ``e = c + a·max(0, t0 − t)``;
    - toe-off starts from rest, the toe accelerates away: ``e = c + a·max(0, t − t0)²``.

    ``t0`` is found on a grid of 1/20 frame by least squares over a window that spans a few frames
    of contact and the frames of approach (or departure) while ``e`` stays below ``cap_m``. This is
    free of the bias a threshold crossing has. Returns NaN when the window is too short.
    """
    n = len(e)
    inner = max(2, round(0.02 * fps))
    outer = max(3, round(0.06 * fps))
    idx = list(range(edge - direction * inner, edge + direction, direction))  # inside the contact
    j = edge + direction
    # Frames leaving the circle: those below the cap, and at least two at low frame rates (where a
    # single frame can jump past the cap), as long as the ankle is still near the foot.
    n_out = 0
    while 0 <= j < n and abs(j - edge) <= outer:
        if np.isfinite(e[j]):  # missing samples are skipped, never bridged
            if e[j] >= cap_m and (n_out >= 2 or e[j] >= near_m):
                break
            idx.append(j)
            n_out += 1
        j += direction
    idx = sorted(i for i in idx if 0 <= i < n and np.isfinite(e[i]))
    if len(idx) < 4 or not any((i - edge) * direction > 0 for i in idx):
        return np.nan
    tt, ee = t_s[idx], e[idx]
    dt = 1.0 / fps
    t_edge = float(t_s[edge])
    grid = t_edge + direction * np.arange(-1.0, 3.0 + 1e-9, 0.05) * dt
    u = np.maximum(0.0, direction * (tt[None, :] - grid[:, None])) / dt  # frames past the edge
    best_t, best_sse = np.nan, np.inf
    for k in range(len(grid)):
        if direction < 0:  # impact: linear onset, with curvature further out
            a_mat = np.stack([np.ones_like(tt), u[k], u[k] ** 2], axis=1)
        else:  # lift from rest: quadratic onset, with a cubic term further out
            a_mat = np.stack([np.ones_like(tt), u[k] ** 2, u[k] ** 3], axis=1)
        coef, *_ = np.linalg.lstsq(a_mat, ee, rcond=None)
        if coef[1] <= 0:
            continue
        sse = float(np.sum((a_mat @ coef - ee) ** 2))
        if sse < best_sse:
            best_t, best_sse = float(grid[k]), sse
    return best_t


def _edge_time(
    t_s: np.ndarray,
    signals: tuple[np.ndarray, ...],
    edge: int,
    direction: int,
    fps: float,
    cap_m: float,
    near_m: float,
) -> float:
    """Hinge-fit time on the first signal that allows it (raw, then filtered); else between frames.

    Missing raw samples around an event (a dropout) make the raw fit impossible; the low-passed,
    gap-filled signal then still places the event, less sharply.
    """
    for e in signals:
        t = _hinge_time(t_s, e, edge, direction, fps, cap_m, near_m)
        if np.isfinite(t):
            return t
    j = min(max(edge + direction, 0), len(t_s) - 1)
    return 0.5 * float(t_s[edge] + t_s[j])


def foot_stop(
    t_s: np.ndarray,
    ankles: dict[str, np.ndarray],
    foot_x_m: float,
    guess_s: float,
    fps: float,
    stature_m: float,
    s: EventSettings,
) -> tuple[float, float]:
    """Where and when the landing foot stops moving forward: ``(td_s, ankle_x_m)``.

    ``td_s`` is the touchdown (s) and ``ankle_x_m`` the ankle's place along the lane in the
    first frames of stance (the fitted plateau, m); both NaN when not found.

    The pivot circle places touchdown where the ankle reaches the circle, which needs the ankle's
    *height* as well as its place. The pose model places the landing ankle too high for the first
    frames of contact (by up to 15 cm on rendered 1080p clips, drifting down over 10–15 frames
    at 240 fps), which makes the circle's touchdown late.
    The forward position does not suffer from that: in the last frames of swing the foot still
    moves forward, from touchdown on it stays put. So the ankle's distance behind its place in
    contact, ``d = foot_x − x``, is fitted around ``guess_s`` with a hinge at ``t0``
    (``u = max(0, t0 − t)`` in frames, stance ``d = c``), in two shapes that bracket how a foot
    lands:

    - still moving at its approach speed: ``d = c + a·u + b·u²``, ``a ≥ 0``;
    - already slowed to rest: ``d = c + a·u² + b·u³``, ``a ≥ 0``.

    A real foot slows into contact and lands with a small speed, between the two: the first
    shape reads its touchdown early, the second late (on exact keypoints of the synthetic
    sprinter by about 1.8 frames each at 240 fps), and their mean is returned. Each fit is
    robust (Huber) least squares over ``td_approach_s`` of approach and ``td_settle_s`` of
    stance, for ``t0`` on a grid of 1/10 frame from ``td_search_before_s`` before ``guess_s`` to
    ``td_search_after_s`` after it. Per frame the ankle (of either label, since the model swaps
    legs) nearest ``foot_x_m`` and lower than ``td_max_height_frac`` × stature is used.
    """
    dt = 1.0 / fps
    sel = np.flatnonzero((t_s >= guess_s - s.td_approach_s) & (t_s <= guess_s + s.td_settle_s))
    found, x = _landing_ankle_x(ankles, sel, foot_x_m, stature_m, s)
    if found.sum() < 6:
        return np.nan, np.nan
    tt = t_s[sel][found]
    d = foot_x_m - x[found]
    grid = np.arange(guess_s - s.td_search_before_s, guess_s + s.td_search_after_s, 0.1 * dt)
    times, levels = [], []
    for powers in ((1, 2), (2, 3)):
        best_t, best_c, best_cost = np.nan, np.nan, np.inf
        for t0 in grid:
            u = np.maximum(0.0, t0 - tt) / dt
            a_mat = np.stack([np.ones_like(u), u ** powers[0], u ** powers[1]], axis=1)
            w = np.ones_like(u)
            for _ in range(4):  # iteratively reweighted least squares for the Huber loss
                coef, *_ = np.linalg.lstsq(a_mat * w[:, None], d * w, rcond=None)
                r = np.abs(d - a_mat @ coef)
                w = np.sqrt(np.where(r < s.td_robust_m, 1.0, s.td_robust_m / np.maximum(r, 1e-12)))
            if coef[1] < 0:  # the foot would be moving backwards into its place
                continue
            cost = float(np.sum((w * r) ** 2))
            if cost < best_cost:
                best_t, best_c, best_cost = float(t0), float(coef[0]), cost
        times.append(best_t)
        levels.append(best_c)
    # NaN when either shape found no fit; the plateau is d = c, i.e. x = foot_x - c.
    return float(np.mean(times)), foot_x_m - float(np.mean(levels))


def _landing_ankle_x(
    ankles: dict[str, np.ndarray],
    sel: np.ndarray,
    near_x_m: float,
    stature_m: float,
    s: EventSettings,
) -> tuple[np.ndarray, np.ndarray]:
    """Per frame of ``sel``: the x of the ankle (either label, since the model swaps legs)
    nearest ``near_x_m`` among those lower than ``td_max_height_frac`` × stature.

    Returns ``(found, x)``: whether a frame had such an ankle, and its x (NaN where not).
    """
    if sel.size == 0:
        return np.zeros(0, dtype=bool), np.zeros(0)
    x = np.stack([ankles[side][sel, 0] for side in SIDES])
    y = np.stack([ankles[side][sel, 1] for side in SIDES])
    with np.errstate(invalid="ignore"):
        usable = np.isfinite(x) & (y < s.td_max_height_frac * stature_m)
    dist = np.where(usable, np.abs(x - near_x_m), np.inf)
    cols = np.arange(sel.size)
    pick = np.argmin(dist, axis=0)
    found = np.isfinite(dist[pick, cols])
    return found, np.where(found, x[pick, cols], np.nan)


def foot_place(
    t_s: np.ndarray,
    ankles: dict[str, np.ndarray],
    near_x_m: float,
    td_s: float,
    to_s: float,
    stature_m: float,
    s: EventSettings,
) -> float:
    """Where the foot is on the ground: ankle x through the early stance (m, NaN if unseen).

    The robust (Huber, scale ``td_robust_m``) mean of the landing ankle's forward position over
    ``place_window_s`` from touchdown, and at most ``place_stance_frac`` of the contact, before
    the heel lifts and the ankle rolls forward over the ball of the foot. Per frame the low
    ankle nearest ``near_x_m`` is used (see :func:`_landing_ankle_x`). A pose model scatters the
    stance ankle by several cm from frame to frame and pulls it onto the swing foot when that
    passes; averaging the whole early stance beats fitting the few frames after touchdown.
    When touchdown was placed early, the first frames are still the approach, more than
    ``td_robust_m`` behind the place: the window then starts where the ankle has arrived.
    """

    def place_from(start_s: float) -> tuple[float, np.ndarray, np.ndarray]:
        end = start_s + s.place_window_s
        if np.isfinite(to_s):
            end = min(end, start_s + s.place_stance_frac * (to_s - start_s))
        sel = np.flatnonzero((t_s >= start_s) & (t_s <= end))
        found, x = _landing_ankle_x(ankles, sel, near_x_m, stature_m, s)
        if found.sum() < 3:
            return np.nan, np.zeros(0), np.zeros(0)
        return _huber_mean(x[found], s.td_robust_m), t_s[sel][found], x[found]

    place, tt, xs = place_from(td_s)
    if not np.isfinite(place) or xs[0] >= place - s.td_robust_m:
        return place
    # Some sample is at or ahead of a (weighted) mean of the samples, so one has arrived.
    arrived = np.flatnonzero(xs >= place - s.td_robust_m)
    later = place_from(float(tt[arrived[0]]))[0]
    return later if np.isfinite(later) else place


def _huber_mean(x: np.ndarray, scale: float) -> float:
    """Robust mean of ``x``: iteratively reweighted for the Huber loss, from the median."""
    m = float(np.median(x))
    for _ in range(10):
        r = np.abs(x - m)
        w = np.where(r < scale, 1.0, scale / np.maximum(r, 1e-12))
        m = float(np.sum(w * x) / np.sum(w))
    return m


def _fit_contact(
    g: list[_Core],
    t_s: np.ndarray,
    ankles: dict[str, np.ndarray],
    ankles_raw: dict[str, np.ndarray] | None,
    fps: float,
    stature_m: float,
    s: EventSettings,
    jitter: float,
) -> Contact:
    """One contact from a group of cores: pivot circle, extent, touchdown, toe-off and place."""
    n = len(t_s)
    radius0 = s.foot_radius_frac * stature_m
    start = min(c.start for c in g)
    stop = max(c.stop for c in g)
    px = float(np.median([c.pivot_x_m for c in g]))
    radius = radius0
    tol = s.contact_tol_m
    lo, hi = start, stop - 1
    for _ in range(3):
        _, which = _circle_departure(ankles, px, radius)
        sel = np.arange(lo, hi + 1)
        pts = np.stack([ankles[SIDES[w]][i] for i, w in zip(sel, which[sel], strict=True)])
        px, radius = _fit_circle(pts, px, radius)
        e, which = _circle_departure(ankles, px, radius)
        core_e = e[start:stop]
        noise = 1.4826 * float(np.nanmedian(np.abs(core_e - np.nanmedian(core_e))))
        # The core's scatter alone is too small a sample when the core is a few frames; the
        # clip's keypoint jitter keeps a noisy (far-side) stance in one piece (rendered
        # scenarios: 51 -> 55 of 60 steps found, contact time MAE 36 -> 31 ms).
        tol = max(s.contact_tol_m, 3.0 * noise, s.jitter_tol_factor * jitter)
        state = _contact_state(ankles, px, radius, tol)
        lo, hi = _grow(
            state,
            start,
            stop - 1,
            max_unknown=max(2, round(0.05 * fps)),
            max_off=round(s.bridge_off_s * fps),
            min_on_after=max(2, round(s.bridge_on_s * fps)),
        )
    cap = max(4.0 * tol, 0.25 * radius)
    e_raw = e if ankles_raw is None else _circle_departure(ankles_raw, px, radius)[0]
    near = 0.5 * radius
    td_s = np.nan if lo == 0 else _edge_time(t_s, (e_raw, e), lo, -1, fps, cap, near)
    to_s = np.nan if hi == n - 1 else _edge_time(t_s, (e_raw, e), hi, +1, fps, cap, near)
    to_frame = int(np.searchsorted(t_s, to_s + 1e-9)) - 1 if np.isfinite(to_s) else -1
    votes = which[lo : hi + 1]
    right_share = float(np.mean(votes == 1)) if votes.size else 0.5
    side = "right" if right_share >= 0.5 else "left"
    agreement = right_share if side == "right" else 1 - right_share
    # Ankle x at touchdown from the circle: the ankle sits behind the pivot at the touchdown
    # height, averaged over the first frames of contact to beat per-frame noise.
    k = min(hi + 1, lo + max(2, round(0.01 * fps)))
    a_td = np.stack([ankles[SIDES[w]][i] for i, w in zip(range(lo, k), which[lo:k], strict=True)])
    y_td = float(np.nanmean(a_td[:, 1]))
    foot_x = px - float(np.sqrt(max(radius**2 - min(y_td, radius) ** 2, 0.0)))
    if np.isfinite(td_s):
        td_stop, x_stop = foot_stop(t_s, ankles_raw or ankles, foot_x, td_s, fps, stature_m, s)
        # Where the foot came to rest is read straight off the ankle's forward position;
        # the circle's place needs the ankle's height and a clean stance, and the model
        # garbles both when the swing foot passes the stance foot (step length MAE over
        # the rendered scenarios 21 -> 16 cm).
        if np.isfinite(x_stop):
            foot_x = x_stop
        # The stop replaces the circle's touchdown when the two disagree (the ankle's height
        # was off); it never eats the contact.
        if (
            np.isfinite(td_stop)
            and abs(td_stop - td_s) > s.td_agree_s
            and (not np.isfinite(to_s) or td_stop < to_s - s.min_contact_s)
        ):
            td_s = td_stop
        # The foot's place from its whole early stance (foot place MAE over the rendered
        # scenarios: near 5.7 -> 3.1 cm, far 8.0 -> 4.4 cm).
        place = foot_place(t_s, ankles_raw or ankles, foot_x, td_s, to_s, stature_m, s)
        if np.isfinite(place):
            foot_x = place
    td_frame = int(np.searchsorted(t_s, td_s - 1e-9)) if np.isfinite(td_s) else -1
    return Contact(
        td_s=td_s,
        to_s=to_s,
        td_frame=td_frame,
        to_frame=to_frame,
        pivot_x_m=px,
        foot_x_m=foot_x,
        radius_m=radius,
        side=side,
        label=side,
        side_agreement=agreement,
        noise_m=noise,
    )


def _missing_windows(
    contacts: list[Contact], first_movement_s: float | None, s: EventSettings
) -> list[tuple[float, float]]:
    """Time windows (s) where timing says a contact was missed.

    Between two running contacts whose touchdowns count as two or more steps apart (1.5 typical
    step times or more, :func:`_step_counts`): from the first one's toe-off to the second one's
    touchdown. Before
    the first running contact when it lands later than ``step2_after_fm_s`` after first
    movement: from where step 1 can land (``min_first_step_s``) to its touchdown.
    """
    running = sorted((c for c in contacts if np.isfinite(c.td_s)), key=lambda c: c.td_s)
    windows: list[tuple[float, float]] = []
    if running and first_movement_s is not None and np.isfinite(first_movement_s):
        if running[0].td_s - first_movement_s > s.step2_after_fm_s:
            windows.append((first_movement_s + s.min_first_step_s, running[0].td_s))
    if len(running) >= 2:
        counts = _step_counts(np.array([c.td_s for c in running]), s.step_rate_hz)
        for a, b, k in zip(running[:-1], running[1:], counts, strict=True):
            if k > 1:
                windows.append((a.to_s if np.isfinite(a.to_s) else a.td_s, b.td_s))
    return windows


def detect_contacts(
    t_s: np.ndarray,
    ankles: dict[str, np.ndarray],
    hip_x_m: np.ndarray,
    fps: float,
    stature_m: float,
    settings: EventSettings | None = None,
    *,
    ankles_raw: dict[str, np.ndarray] | None = None,
    first_movement_s: float | None = None,
) -> tuple[list[Contact], list[str]]:
    """Detect ground contacts of both feet from world-frame ankle trajectories.

    Parameters
    ----------
    t_s : ndarray, shape (T,)
        Frame times (s).
    ankles : dict
        ``{"left": (T, 2), "right": (T, 2)}`` ankle positions in metres (x forward, y up, ground
        at y = 0), low-passed, legs repaired as well as possible (residual swaps are tolerated).
    hip_x_m : ndarray, shape (T,)
        Hip-mid x, for the speed-relative stillness threshold.
    fps : float
        Capture rate (Hz).
    stature_m : float
        Athlete's stature (sets the foot radius and height thresholds).
    ankles_raw : dict, optional
        The same ankles before low-pass filtering (gaps may be filled). Touchdown and toe-off are
        timed on these, because a low-pass filter spreads the sharp start of a contact over
        several frames; the hinge fit does its own averaging. Defaults to ``ankles``.
    first_movement_s : float, optional
        Contacts that start before it are the set stance: kept whatever their length.

    Returns
    -------
    contacts : list of Contact
        In time order, sides alternating.
    warnings : list of str
    """
    s = settings or EventSettings()
    warnings: list[str] = []
    hip_vx = velocity(hip_x_m, fps, cutoff_hz=s.hip_cutoff_hz)
    offsets = ankle_height_offsets(ankles, hip_vx, fps, stature_m, s)
    jitter = _keypoint_jitter_m(ankles, ankles_raw)

    def contacts_from(
        height_frac: float, windows: list[tuple[float, float]] | None
    ) -> list[Contact]:
        cores = _find_cores(ankles, hip_vx, fps, stature_m, s, offsets, height_frac=height_frac)
        if windows is not None:
            cores = [
                c
                for c in cores
                if any(a <= t_s[c.start] and t_s[c.stop - 1] <= b for a, b in windows)
            ]
        groups = _merge_cores(cores, fps, s)
        found = [
            _fit_contact(g, t_s, ankles, ankles_raw, fps, stature_m, s, jitter) for g in groups
        ]
        dropped: list[str] = []
        kept = _drop_implausible(found, t_s, s, dropped, first_movement_s)
        warnings.extend(w for w in dropped if w not in warnings)
        return kept

    def sequence(candidates: list[Contact]) -> tuple[list[Contact], list[str]]:
        notes: list[str] = []
        out = _select_sequence(candidates, stature_m, s, notes, end_s=float(t_s[-1]))
        return _drop_start_fragment(out, s, notes), notes

    candidates = contacts_from(s.core_height_frac, None)
    contacts, notes = sequence(candidates)
    # A second look where timing says a contact is missing, with a looser height test: the pose
    # model can put a far-side stance ankle 10-20 cm too high for a whole contact.
    windows = _missing_windows(contacts, first_movement_s, s)
    if windows:
        # Only running contacts, as a step is what is missing there; those the first look
        # already had (its cores pass the looser test too) are not counted twice.
        seen = {(c.td_frame, c.to_frame) for c in candidates}
        extra = [
            c
            for c in contacts_from(s.gap_core_height_frac, windows)
            if (c.td_frame, c.to_frame) not in seen and np.isfinite(c.td_s)
        ]
        if extra:
            contacts, notes = sequence(candidates + extra)
            added = {id(c) for c in extra}
            second = [c for c in contacts if id(c) in added]
            if second:
                when = ", ".join(f"{c.td_s:.2f}" for c in second)
                notes.append(
                    f"{len(second)} contact(s) (touchdown at {when} s) were found only by a second "
                    "look with a looser ankle-height test, where a contact was missing: the pose "
                    "model held that ankle high; treat those steps with care"
                )
    warnings += notes
    contacts = _enforce_alternation(contacts, warnings, s.step_rate_hz)
    contacts = _number_first_step(contacts, first_movement_s, stature_m, s, warnings)
    contacts = _stance_sides(contacts, s)
    return contacts, warnings


ON, OFF, UNKNOWN = 1, 0, -1


def _keypoint_jitter_m(
    ankles: dict[str, np.ndarray], ankles_raw: dict[str, np.ndarray] | None
) -> float:
    """Per-frame scatter of the ankle keypoints about their low-passed path (m, robust SD).

    Zero without raw ankles. Exact keypoints give almost zero, a pose model's keypoints a few cm.
    """
    if ankles_raw is None:
        return 0.0
    d = np.concatenate([ankles_raw[side] - ankles[side] for side in SIDES])
    d = d[np.all(np.isfinite(d), axis=1)]
    if d.size == 0:
        return 0.0
    return float(1.4826 * np.median(np.abs(d - np.median(d, axis=0))))


def _contact_state(
    ankles: dict[str, np.ndarray], pivot_x_m: float, radius_m: float, tol: float
) -> np.ndarray:
    """Per frame: ON when an ankle is on the pivot circle, OFF when every ankle is seen and off
    it, UNKNOWN when none is on it but an ankle is missing (it may be the planted one)."""
    pivot = np.array([pivot_x_m, 0.0])
    e = np.stack([np.linalg.norm(ankles[side] - pivot, axis=1) - radius_m for side in SIDES])
    finite = np.isfinite(e)
    on = np.any(finite & (np.abs(np.where(finite, e, np.inf)) <= tol), axis=0)
    state = np.where(on, ON, np.where(np.all(finite, axis=0), OFF, UNKNOWN))
    return state.astype(np.int8)


def _grow(
    state: np.ndarray,
    lo: int,
    hi: int,
    *,
    max_unknown: int,
    max_off: int = 0,
    min_on_after: int = 2,
) -> tuple[int, int]:
    """Grow ``[lo, hi]`` while the foot may still be down; return the outermost ON frames.

    Two consecutive OFF frames end the contact; UNKNOWN frames (a dropout of the planted ankle)
    are passed over, up to ``max_unknown`` in a row.

    Towards toe-off only, an OFF run is also passed over when the ankle is back on the circle for
    ``min_on_after`` frames in a row within ``max_off`` frames of the last ON frame. A foot that
    has left the ground does not come back to its place, so the departure was the pose model's:
    when the swing foot passes a far-side stance foot, the model pulls both ankle points onto it
    for 10–20 frames at 240 fps (the shorter of these are bridged). Towards touchdown this would
    not hold: the landing foot closes in slowly on its place and can touch the circle's tolerance
    band, leave it and come back.
    """
    n = len(state)

    def back_on(j: int) -> int:
        """First frame of ``min_on_after`` ON frames in a row within ``max_off`` after ``j``."""
        run = 0
        for i in range(j + 1, min(j + max_off + 1, n)):
            run = run + 1 if state[i] == ON else 0
            if run >= min_on_after:
                return i - min_on_after + 1
        return -1

    def walk(i: int, step: int) -> int:
        last_on, off_run, unknown_run = i, 0, 0
        j = i + step
        while 0 <= j < n:
            if state[j] == ON:
                last_on, off_run, unknown_run = j, 0, 0
            elif state[j] == OFF:
                off_run += 1
                if off_run >= 2:
                    resume = back_on(last_on) if step > 0 else -1
                    if resume < 0:
                        break
                    j, off_run, unknown_run = resume, 0, 0
                    continue
            else:
                unknown_run += 1
                if unknown_run > max_unknown:
                    break
            j += step
        return last_on

    on = np.flatnonzero(state[lo : hi + 1] == ON)
    if on.size:
        lo, hi = lo + int(on[0]), lo + int(on[-1])
    return walk(lo, -1), walk(hi, +1)


def _drop_implausible(
    contacts: list[Contact],
    t_s: np.ndarray,
    s: EventSettings,
    warnings: list[str],
    first_movement_s: float | None,
) -> list[Contact]:
    kept: list[Contact] = []
    for c in sorted(contacts, key=lambda c: c.pivot_x_m):
        t0 = c.td_s if np.isfinite(c.td_s) else t_s[0]
        t1 = c.to_s if np.isfinite(c.to_s) else t_s[-1]
        dur = t1 - t0
        if dur < s.min_contact_s:
            continue
        stance = first_movement_s is not None and t0 < first_movement_s + s.min_first_step_s
        if stance and np.isfinite(c.td_s):
            c = replace(c, td_s=np.nan, td_frame=-1)  # down before the start: a stance foot
        if dur > s.max_contact_s and not stance and np.isfinite(c.td_s) and np.isfinite(c.to_s):
            warnings.append(
                f"a ground contact at x = {c.pivot_x_m:.2f} m lasted {dur:.2f} s, longer than a "
                "sprint contact; it was left out"
            )
            continue
        kept.append(c)
    return sorted(kept, key=lambda c: (np.nan_to_num(c.td_s, nan=-1.0), c.pivot_x_m))


def _select_sequence(
    contacts: list[Contact],
    stature_m: float,
    s: EventSettings,
    warnings: list[str],
    end_s: float = -np.inf,
) -> list[Contact]:
    """Keep the running contacts that form the most plausible sequence of sprint steps.

    Candidate contacts include fragments: the front foot of the set stance seen again as it rolls
    onto its toes, a swing foot that slows down low over the ground, two pieces of one contact.
    Running forward, successive contacts (i) land ahead of one another by a step, (ii) are at
    least ``min_step_s`` apart, (iii) do not overlap beyond the timing uncertainty, and the first
    one lands ahead of the front foot of the set stance. Among the chains of candidates that
    obey these rules, the one with the longest total ground contact is kept (weighted interval
    scheduling by dynamic programming): a fragment can only enter the chain by displacing the
    contact it is part of, which is longer. Stance contacts (down before first movement) are kept.
    A contact still down at the end of the data (``end_s``, s) counts until then.
    """
    stance = [c for c in contacts if not np.isfinite(c.td_s)]
    running = sorted((c for c in contacts if np.isfinite(c.td_s)), key=lambda c: c.td_s)
    if not running:
        return contacts
    min_step = s.min_step_frac * stature_m
    front_x = max((c.foot_x_m for c in stance), default=-np.inf)
    # A foot still down when the clip ends is in contact until then: with the end at its own
    # touchdown it would weigh nothing and lose every tie to the chain without it.
    end = max(end_s, max(c.td_s for c in running))

    def duration(c: Contact) -> float:
        return (c.to_s if np.isfinite(c.to_s) else end) - c.td_s

    def follows(a: Contact, b: Contact) -> bool:
        return (
            b.foot_x_m - a.foot_x_m >= min_step
            and b.td_s - a.td_s >= s.min_step_s
            and (not np.isfinite(a.to_s) or b.td_s >= a.to_s - s.max_double_support_s)
        )

    n = len(running)
    best = np.full(n, -np.inf)
    prev = np.full(n, -1)
    for j, c in enumerate(running):
        if c.foot_x_m - front_x >= min_step:
            best[j] = duration(c)
        for i in range(j):
            if np.isfinite(best[i]) and follows(running[i], c):
                cand = best[i] + duration(c)
                if cand > best[j]:
                    best[j], prev[j] = cand, i
    if not np.isfinite(best).any():
        return stance
    chain = []
    j = int(np.argmax(best))
    while j >= 0:
        chain.append(running[j])
        j = int(prev[j])
    chain.reverse()
    dropped = n - len(chain)
    if dropped:
        warnings.append(
            f"{dropped} candidate contact(s) that did not fit a forward sequence of steps "
            "(behind or too close to a neighbour, or overlapping it) were left out"
        )
    return sorted(stance, key=lambda c: c.pivot_x_m) + chain


def _step_counts(td_s: np.ndarray, step_rate_hz: float) -> np.ndarray:
    """Steps between successive touchdowns: 1, or more where contacts were missed.

    Sprint step rates stay within about 3.5–5.5 Hz from the first step on, so an interval is
    counted in periods of the typical rate: up to 1.5 periods (0.35 s at 4.3 Hz) is one step,
    up to 2.5 periods two. The median of the measured intervals is not used: it is pulled up
    exactly when many contacts were missed, and down by early touchdowns of the first steps.
    """
    gaps = np.diff(td_s)
    return np.maximum(1, np.rint(gaps * step_rate_hz)).astype(int)


def _ambiguous_links(td_s: np.ndarray, step_rate_hz: float) -> np.ndarray:
    """Intervals between touchdowns whose number of steps timing cannot tell.

    An interval of ``g`` typical step periods is one step for g up to 1.5, two up to 2.5, ...
    Within a quarter period of those borders (1.25–1.75, 2.25–2.75, ... periods) a touchdown a
    few frames early or late, or a step a little slower than typical, moves it across, so the
    count — and with it whether the two feet differ — is left to the legs' labels.
    """
    g = np.diff(td_s) * step_rate_hz
    return (g >= 1.25) & (np.abs(g - (np.floor(g) + 0.5)) < 0.25)


def _enforce_alternation(
    contacts: list[Contact], warnings: list[str], step_rate_hz: float = 4.3
) -> list[Contact]:
    """Make running contacts alternate feet, keeping the labelling most contacts agree with.

    A gap of two step times between detected touchdowns means a contact in between was missed:
    the feet still alternate through it, so the parity counts the missed step. Where timing
    cannot tell one step from two (:func:`_ambiguous_links`), the contacts on either side form
    separate runs, each labelled by its own majority, and the count across the link is the one of
    the two candidates that matches the feet. Stance contacts (touchdown before the clip) keep
    their own labels: both feet are down there.
    """
    running = [i for i, c in enumerate(contacts) if np.isfinite(c.td_s)]
    if len(running) < 2:
        return contacts
    td = np.array([contacts[i].td_s for i in running])
    counts = _step_counts(td, step_rate_hz)
    ambiguous = _ambiguous_links(td, step_rate_hz)
    order = np.concatenate([[0], np.cumsum(counts)])
    labels = np.array([1 if contacts[i].side == "right" else 0 for i in running])
    weights = np.array([contacts[i].side_agreement for i in running])
    parity = order % 2
    pattern = np.empty_like(labels)
    bounds = [0, *(np.flatnonzero(ambiguous) + 1).tolist(), len(running)]
    for a, b in pairwise(bounds):
        par, lab, w = parity[a:b], labels[a:b], weights[a:b]
        score_a = np.sum(w * (lab == par))  # pattern left, right, left, ...
        score_b = np.sum(w * (lab != par))
        pattern[a:b] = par if score_a >= score_b else 1 - par
    g = np.diff(td) * step_rate_hz
    for k in np.flatnonzero(ambiguous):
        low = max(1, int(np.floor(g[k])))
        differ = pattern[k] != pattern[k + 1]
        counts[k] = low if (low % 2 == 1) == differ else low + 1
    changed = int(np.sum(pattern != labels))
    if changed:
        warnings.append(
            f"{changed} contact(s) were relabelled left/right so that steps alternate feet"
        )
    missed = int(np.sum(counts - 1))
    if missed:
        warnings.append(
            f"{missed} ground contact(s) were not detected between the ones found; the steps "
            "next to them have no length or time"
        )
    out = list(contacts)
    for k, (i, lab) in enumerate(zip(running, pattern, strict=True)):
        since = int(counts[k - 1]) if k > 0 else 1
        out[i] = replace(out[i], side=SIDES[int(lab)], steps_since_prev=since)
    return out


def _drop_start_fragment(
    contacts: list[Contact], s: EventSettings, warnings: list[str]
) -> list[Contact]:
    """Leave out a first running contact too brief and too soon before the next to be step 1.

    Measured on rendered starts: as the rear leg swings past the pushing front foot, the pose
    model put both ankles low between the feet for 75 ms, and that "contact" 0.13 s before the
    real step 1 was numbered step 1, shifting every step's number by one.
    """
    running = sorted((c for c in contacts if np.isfinite(c.td_s)), key=lambda c: c.td_s)
    if len(running) < 2 or not np.isfinite(running[0].to_s):
        return contacts
    first, nxt = running[0], running[1]
    contact_s, step_s = first.to_s - first.td_s, nxt.td_s - first.td_s
    if contact_s >= s.min_first_contact_s or step_s >= s.min_first_step_time_s:
        return contacts
    warnings.append(
        f"a {1000 * contact_s:.0f} ms contact {step_s:.2f} s before the next touchdown was left "
        "out: too brief and too soon to be step 1"
    )
    return [c for c in contacts if c is not first]


def _number_first_step(
    contacts: list[Contact],
    first_movement_s: float | None,
    stature_m: float,
    s: EventSettings,
    warnings: list[str],
) -> list[Contact]:
    """Number the first running contact 2 when it cannot be step 1.

    A pose model can lose step 1 altogether (measured: the far foot's first landing garbled for
    its whole contact in a right-to-left run); the first touchdown found is then step 2, and
    calling it step 1 shifts every step's number and gives step 1 a length of two steps. It is
    step 2 when it lands both late after first movement and far ahead of the rear foot of the
    set stance (see ``EventSettings.step2_after_fm_s``); without a first movement or a stance in
    view the numbering is left as it is.
    """
    if first_movement_s is None or not np.isfinite(first_movement_s):
        return contacts
    stance = [c.foot_x_m for c in contacts if not np.isfinite(c.td_s)]
    running = [i for i, c in enumerate(contacts) if np.isfinite(c.td_s)]
    if not stance or not running:
        return contacts
    i = min(running, key=lambda k: contacts[k].td_s)
    first = contacts[i]
    after_s = first.td_s - first_movement_s
    ahead_m = first.foot_x_m - min(stance)
    if after_s <= s.step2_after_fm_s or ahead_m <= s.step2_from_rear_frac * stature_m:
        return contacts
    warnings.append(
        f"step 1 was not detected: the first touchdown found lands {after_s:.2f} s after first "
        f"movement and {ahead_m:.2f} m ahead of the rear stance foot, so it is step 2"
    )
    out = list(contacts)
    out[i] = replace(first, steps_since_prev=2)
    return out


def _stance_sides(contacts: list[Contact], s: EventSettings) -> list[Contact]:
    """Sides of the set-stance contacts from step 1: the rear foot of the stance takes step 1.

    In block, 3-point and standing starts the rear leg swings through first while the front leg
    pushes longest, so the rear stance foot is step 1's side and the front one the other side.
    Stance contacts within ``merge_dist_m`` of the rearmost are that foot (seen in pieces); the
    others are the front foot. Applied when the first running contact was numbered 2 (the front
    foot's), or when it is step 1 for sure: it lands within 1.5 typical step periods of the last
    stance toe-off (a later one may be step 2 after a missed step 1). Otherwise the stance
    contacts keep the pose model's labels.
    """
    stance = [i for i, c in enumerate(contacts) if not np.isfinite(c.td_s)]
    running = [c for c in contacts if np.isfinite(c.td_s)]
    if not stance or not running:
        return contacts
    first = min(running, key=lambda c: c.td_s)
    last_to = max((contacts[i].to_s for i in stance), default=np.nan)
    step2 = first.steps_since_prev == 2
    if not step2 and (not np.isfinite(last_to) or first.td_s > last_to + 1.5 / s.step_rate_hz):
        return contacts
    step1_side = other_side(first.side) if step2 else first.side
    other = other_side(step1_side)
    rear_x = min(contacts[i].pivot_x_m for i in stance)
    out = list(contacts)
    for i in stance:
        rear = contacts[i].pivot_x_m - rear_x < s.merge_dist_m
        out[i] = replace(contacts[i], side=step1_side if rear else other)
    return out


__all__ = [
    "Contact",
    "EventSettings",
    "FirstMovement",
    "detect_contacts",
    "detect_first_movement",
]
