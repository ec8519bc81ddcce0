"""Acceleration profile: split times from the hip trajectory.

Split times are seconds from first movement until the hip-mid crosses a distance from the start line
(metrics.md). The velocity-curve fit and the force–velocity profile build on these.
"""

from __future__ import annotations

import math

import numpy as np

from .units import YARD_M

SPLIT_DISTANCES_M: dict[str, float] = {
    "5yd_s": 5 * YARD_M,
    "10yd_s": 10 * YARD_M,
    "20yd_s": 20 * YARD_M,
    "40yd_s": 40 * YARD_M,
}


def crossing_time_s(t_s: np.ndarray, x_m: np.ndarray, distance_m: float, after_s: float) -> float:
    """First time after ``after_s`` at which ``x_m`` crosses ``distance_m`` going forward.

    Linear interpolation between the two frames around the crossing; NaN if the crossing is not in
    view (the track ends before, or is missing around it).
    """
    ok = np.isfinite(x_m) & (t_s >= after_s)
    idx = np.flatnonzero(ok)
    if idx.size < 2:
        return math.nan
    for a, b in zip(idx[:-1], idx[1:], strict=True):
        if b - a > 3:  # a gap: never interpolate a crossing across it
            continue
        if x_m[a] < distance_m <= x_m[b]:
            frac = (distance_m - x_m[a]) / (x_m[b] - x_m[a])
            return float(t_s[a] + frac * (t_s[b] - t_s[a]))
    return math.nan


def split_times(
    t_s: np.ndarray, hip_x_m: np.ndarray, first_movement_s: float
) -> tuple[dict[str, float], list[str]]:
    """Split times (s from first movement) at 5, 10, 20 and 40 yards, NaN where not in view.

    Returns the splits and warnings for the 5- and 10-yard lines when they are not in view.
    """
    splits: dict[str, float] = {}
    warnings: list[str] = []
    for name, dist in SPLIT_DISTANCES_M.items():
        t = crossing_time_s(t_s, hip_x_m, dist, first_movement_s)
        splits[name] = t - first_movement_s if np.isfinite(t) else math.nan
        if not np.isfinite(t) and name in ("5yd_s", "10yd_s"):
            warnings.append(
                f"the {name[:-2]} line ({dist:.3f} m) is not crossed in view, so that split is empty"
            )
    return splits, warnings
