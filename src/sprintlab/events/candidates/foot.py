"""The landing foot's forward motion: when it stops (touchdown) and where it stays (its place).

The pivot circle's touchdown needs the ankle's height, which a pose model gets wrong in the first
frames of contact; the forward position does not suffer from that.
"""

from __future__ import annotations

import numpy as np

from ...skeleton import SIDES
from ..settings import EventSettings

MIN_STOP_SAMPLES = 6
"""Fewest ankle samples the stop of the landing foot is fitted to."""
STOP_GRID_FRAMES = 0.1
"""Step of the grid of the stop's time, in frames (a sub-frame precision at every frame rate)."""
HUBER_ROUNDS = 4
"""Rounds of reweighting of the stop's robust fit."""
MIN_PLACE_SAMPLES = 3
"""Fewest ankle samples the foot's place is averaged over."""
HUBER_MEAN_ROUNDS = 10
"""Rounds of reweighting of the robust mean."""


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
    if found.sum() < MIN_STOP_SAMPLES:
        return np.nan, np.nan
    tt = t_s[sel][found]
    d = foot_x_m - x[found]
    grid = np.arange(
        guess_s - s.td_search_before_s, guess_s + s.td_search_after_s, STOP_GRID_FRAMES * dt
    )
    times, levels = [], []
    for powers in ((1, 2), (2, 3)):
        best_t, best_c, best_cost = np.nan, np.nan, np.inf
        for t0 in grid:
            u = np.maximum(0.0, t0 - tt) / dt
            a_mat = np.stack([np.ones_like(u), u ** powers[0], u ** powers[1]], axis=1)
            w = np.ones_like(u)
            for _ in range(HUBER_ROUNDS):  # iteratively reweighted least squares, Huber loss
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
        if found.sum() < MIN_PLACE_SAMPLES:
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
    for _ in range(HUBER_MEAN_ROUNDS):
        r = np.abs(x - m)
        w = np.where(r < scale, 1.0, scale / np.maximum(r, 1e-12))
        m = float(np.sum(w * x) / np.sum(w))
    return m
