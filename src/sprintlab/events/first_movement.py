"""First movement: when the athlete leaves the set stance.

Definition (../shared/design/metrics.md):

- **First movement**: the athlete leaves the set stance; the hip-mid starts to move forward and
  keeps moving. The onset is placed where the early rise of the hip's forward speed extrapolates
  to zero, so it does not depend on the detection threshold.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import AnalysisError
from ..filtering import true_runs
from ..kinematics import velocity
from .settings import EventSettings

MIN_LINE_FIT_SAMPLES = 4
"""Fewest speed samples of the early rise that are extrapolated to the onset (a straight line)."""
MIN_QUADRATIC_FIT_SAMPLES = 6
"""Fewest speed samples of the early rise that are fitted with a quadratic instead of a line."""
MIN_REST_SAMPLES = 5
"""Fewest samples of the rest position (besides ``fm_rest_min_s``) for :func:`_left_rest`."""


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
    if not runs or np.nanmax(vx) < s.fm_min_peak_factor * s.fm_speed_mps:
        raise AnalysisError(
            "The athlete never leaves the stance in this clip: the hips do not move forward "
            "steadily. Check that the clip covers the start and that the right person is tracked."
        )
    start = max(runs, key=lambda r: float(np.nanmax(vx[r[0] : r[1]])))[0]
    # Extrapolate the early rise to zero speed: fit v(t) with a quadratic over the samples from
    # just before the threshold crossing up to fm_fit_max_mps, and take its root.
    lo = start
    while lo > 0 and np.isfinite(vx[lo - 1]) and vx[lo - 1] > s.fm_rise_start_frac * s.fm_speed_mps:
        lo -= 1
    hi = start
    while hi + 1 < len(vx) and np.isfinite(vx[hi + 1]) and vx[hi + 1] <= s.fm_fit_max_mps:
        hi += 1
    # When the rise cannot be extrapolated (the pose model's trunk points stall for a few tens
    # of ms as the athlete rises out of the crouch, which bends the early rise out of shape), the
    # rise's own start, where it passed fm_rise_start_frac (half) of the threshold, is nearer the
    # onset than the threshold crossing (10-yard split MAE over the rendered scenarios 32 -> 16 ms).
    onset = float(t_s[lo])
    n_fit = hi - lo + 1
    if n_fit >= MIN_LINE_FIT_SAMPLES:
        tt = t_s[lo : hi + 1] - t_s[start]
        coef = np.polyfit(tt, vx[lo : hi + 1], 2 if n_fit >= MIN_QUADRATIC_FIT_SAMPLES else 1)
        roots = np.roots(coef)
        real = roots[np.isreal(roots)].real
        cand = real[(real <= 0) & (real > -s.fm_onset_back_max_s)]
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
    was not. The rest position is the median over the ``fm_rest_window_s`` before that search
    window. Only a
    movement, not a creep: from leaving rest the body must get ``fm_rest_jump_m`` ahead within
    ``fm_rest_jump_s`` (a start covers 1 cm in about 60 ms; a set position drifting a few mm, or
    keypoints sliding as the athlete settles, does not), else ``onset_s`` stays.
    """
    i0 = int(np.searchsorted(t_s, onset_s))
    lo = int(np.searchsorted(t_s, onset_s - s.fm_rest_back_s))
    first_s = onset_s - s.fm_rest_back_s - s.fm_rest_window_s
    rest = (t_s >= first_s) & (t_s < t_s[lo]) & np.isfinite(x_m)
    if i0 >= len(t_s) or rest.sum() < max(MIN_REST_SAMPLES, round(s.fm_rest_min_s * fps)):
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
