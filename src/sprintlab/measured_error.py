"""How far sprintlab's per-step numbers are off, as measured, and what that means for comparing.

The figures are the pooled 95% limits of agreement (measured − true) of ``make accuracy``: six
rendered scenarios at 240 and 120 fps (1080p, 11–16 m, a turned camera, a second runner), the
stock pose model, touchdown and toe-off timed from the image at the feet, the shin at touchdown
and the foot's place with the pose landmarker (:mod:`sprintlab.touchdown_landmarks`). Real
30 fps phone footage is coarser still (touchdown within ±3 frames, 100 ms; contact and flight
times are not reported below 50 fps). Re-measure with ``make accuracy`` after a change to the
analysis and update these numbers with it.
"""

from __future__ import annotations

import math

MEASURED_ON = "make accuracy, 2026-12-05: 60 steps of six rendered scenarios at 240/120 fps"

MEASURED_LIMITS: dict[str, tuple[float, float]] = {
    "step_length_m": (-0.0720, 0.0640),
    "step_time_s": (-0.0231, 0.0235),
    "contact_time_s": (-0.0174, 0.0305),
    "flight_time_s": (-0.0288, 0.0162),
    "shin_angle_td_deg": (-11.9, 12.3),
    "trunk_angle_td_deg": (-1.4, 8.7),
    "touchdown_distance_m": (-0.159, 0.0810),
    "toeoff_distance_m": (-0.231, 0.265),
}
"""95% limits of agreement (measured − true) per step metric, in the metric's own units."""

REP_MEASURED_LIMITS: dict[str, tuple[float, float]] = {
    "split_5yd_s": (-0.0423, 0.0297),
    "split_10yd_s": (-0.0363, 0.0411),
    "first_step_length_m": MEASURED_LIMITS["step_length_m"],
    "shin_angle_td_1_deg": MEASURED_LIMITS["shin_angle_td_deg"],
    # The mean of steps 1-4 is taken at the single step's limits: the steps of one rep share
    # much of their error (the same camera, the same model's lag), so it does not average out.
    "mean_contact_1_4_s": MEASURED_LIMITS["contact_time_s"],
}
"""95% limits of one rep's summary metrics (splits: six rendered scenarios, n = 6 each). The
velocity fit, the force–velocity profile, the peak velocity and the 20/40-yard estimates have no
measured error yet."""

TYPICAL_STEP_FREQUENCY_HZ = 4.3
"""Step frequency of the first ten steps, for turning the step time's error into frequency."""

_Z95 = 1.96


def measured_sd(field: str) -> float:
    """Standard deviation of one rep's error in ``field`` (its units), from the 95% limits; the
    step frequency's from the step time's (``SD_f = f² · SD_t`` at a typical frequency). NaN
    for a field not measured."""
    if field == "step_frequency_hz":
        return TYPICAL_STEP_FREQUENCY_HZ**2 * measured_sd("step_time_s")
    limits = MEASURED_LIMITS.get(field)
    if limits is None:
        return math.nan
    low, high = limits
    return (high - low) / (2 * _Z95)


def rep_error_half_width(metric: str) -> float:
    """Half the width of one rep's 95% error limits for a rep metric (its units); NaN when not
    measured. Drawn as the band around an athlete's session bests."""
    limits = REP_MEASURED_LIMITS.get(metric)
    if limits is None:
        return math.nan
    return (limits[1] - limits[0]) / 2


def real_change(field: str) -> float:
    """Smallest difference between two reps that measurement error alone makes unlikely.

    Each rep's error has the SD :func:`measured_sd`; the difference of two independent errors
    has √2 times that SD, so 95% of differences that are only error stay within
    ``1.96 · √2 · SD``. A constant bias (the same set-up twice) cancels in the difference.
    NaN for a field not measured.
    """
    return _Z95 * math.sqrt(2.0) * measured_sd(field)
