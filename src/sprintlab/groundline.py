"""The ground line in the picture, from where the athlete's ankles go lowest along the lane."""

from __future__ import annotations

import itertools

import numpy as np
from scipy.stats import theilslopes


def lowest_ankle_line(
    ankles_px: np.ndarray, athlete_px: float, percentile: float = 85.0
) -> tuple[float, float] | None:
    """Image line ``y = intercept + slope * x`` (px) through the lowest ankle positions.

    The image is cut into stretches of 0.3 athlete heights (at least 20 px) along x; in each
    with at least 5 ankle positions the ``percentile`` of image y marks the stance ankles, not
    the swinging ones. A line is fitted through those (robustly) when they span more than one
    athlete height along the picture; otherwise the line is level at their median. A phone held
    a few degrees off level, or a lane that runs slightly away from the camera, tilts the ground
    in the picture: a level line would put the far contacts above the ground.

    Parameters
    ----------
    ankles_px : ndarray, shape (N, 2)
        Ankle positions (x, y) in pixels, finite.
    athlete_px : float
        The athlete's standing height in the picture, px.
    percentile : float

    Returns
    -------
    (slope, intercept) or None when no stretch holds enough ankles.
    """
    ank = np.asarray(ankles_px, float).reshape(-1, 2)
    if ank.shape[0] == 0:
        return None
    width = max(20.0, 0.3 * athlete_px)
    edges = np.arange(ank[:, 0].min(), ank[:, 0].max() + width, width)
    px, py = [], []
    for a, b in itertools.pairwise(edges):
        m = (ank[:, 0] >= a) & (ank[:, 0] < b)
        if m.sum() >= 5:
            px.append(float(np.median(ank[m, 0])))
            py.append(float(np.percentile(ank[m, 1], percentile)))
    if len(px) >= 2 and np.ptp(px) > athlete_px:
        # Theil–Sen: the median of the pairwise slopes, so that a stretch whose lowest ankles
        # are not on the ground (the feet in the blocks, a lost foot) does not tilt the line.
        x, y = np.asarray(px), np.asarray(py)
        fit = theilslopes(y, x)
        # Stretches the feet only fly over hold no stance: their lowest ankles are higher, and
        # more so as the athlete speeds up. Fitted again on the lower half of the stretches
        # (those at or below the line: the ones with a stance), twice.
        for _ in range(2):
            low = y - (fit.intercept + fit.slope * x) >= 0.0
            if low.sum() < 2 or np.ptp(x[low]) <= athlete_px:
                break
            fit = theilslopes(y[low], x[low])
        return float(fit.slope), float(fit.intercept)
    if px:
        return 0.0, float(np.median(py))
    return None
