"""Sub-frame touchdown and toe-off times where the ankle meets and leaves the pivot circle."""

from __future__ import annotations

import numpy as np

from ..settings import EventSettings

MIN_INSIDE_FRAMES = 2
"""Fewest frames of contact (besides ``hinge_inside_s``) in a hinge fit."""
MIN_OUTSIDE_FRAMES = 3
"""Frames outside the contact (besides ``hinge_outside_s``) a hinge fit may look at, at least."""
MIN_NEAR_FRAMES = 2
"""Frames outside the contact kept, within ``edge_near_radius_frac``, even when past the cap."""
MIN_HINGE_SAMPLES = 4
"""Fewest samples (some outside the contact) a hinge is fitted to."""
HINGE_GRID_FRAMES = (-1.0, 3.0, 0.05)
"""Grid of the event time, in frames past the edge frame: first, last, step. The event lies
between the last frame in contact and the first ones out; the step sets the sub-frame
precision, so it is a fraction of a frame at every frame rate."""


def _hinge_time(
    t_s: np.ndarray,
    e: np.ndarray,
    edge: int,
    direction: int,
    fps: float,
    cap_m: float,
    near_m: float,
    s: EventSettings,
) -> float:
    """Sub-frame touchdown (``direction=-1``) or toe-off (``+1``) time by a hinge fit.

    ``e`` is the ankle's departure from the pivot circle: about constant during the contact and
    growing away from it outside. The shape of the growth follows the physics of each event:

    - touchdown is an impact, the foot arrives with speed: ``e = c + a·max(0, t0 − t)``;
    - toe-off starts from rest, the toe accelerates away: ``e = c + a·max(0, t − t0)²``.

    ``t0`` is found on a grid of 1/20 frame (:data:`HINGE_GRID_FRAMES`) by least squares over a
    window that spans ``hinge_inside_s`` of contact and the frames of approach (or departure),
    up to ``hinge_outside_s``, while ``e`` stays below ``cap_m``. This is free of the bias a
    threshold crossing has. Returns NaN when the window is too short.
    """
    n = len(e)
    inner = max(MIN_INSIDE_FRAMES, round(s.hinge_inside_s * fps))
    outer = max(MIN_OUTSIDE_FRAMES, round(s.hinge_outside_s * fps))
    idx = list(range(edge - direction * inner, edge + direction, direction))  # inside the contact
    j = edge + direction
    # Frames leaving the circle: those below the cap, and at least two at low frame rates (where a
    # single frame can jump past the cap), as long as the ankle is still near the foot.
    n_out = 0
    while 0 <= j < n and abs(j - edge) <= outer:
        if np.isfinite(e[j]):  # missing samples are skipped, never bridged
            if e[j] >= cap_m and (n_out >= MIN_NEAR_FRAMES or e[j] >= near_m):
                break
            idx.append(j)
            n_out += 1
        j += direction
    idx = sorted(i for i in idx if 0 <= i < n and np.isfinite(e[i]))
    if len(idx) < MIN_HINGE_SAMPLES or not any((i - edge) * direction > 0 for i in idx):
        return np.nan
    tt, ee = t_s[idx], e[idx]
    dt = 1.0 / fps
    t_edge = float(t_s[edge])
    first, last, step = HINGE_GRID_FRAMES
    grid = t_edge + direction * np.arange(first, last + 1e-9, step) * dt
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
    s: EventSettings,
) -> float:
    """Hinge-fit time on the first signal that allows it (raw, then filtered); else between frames.

    Missing raw samples around an event (a dropout) make the raw fit impossible; the low-passed,
    gap-filled signal then still places the event, less sharply.
    """
    for e in signals:
        t = _hinge_time(t_s, e, edge, direction, fps, cap_m, near_m, s)
        if np.isfinite(t):
            return t
    j = min(max(edge + direction, 0), len(t_s) - 1)
    return 0.5 * float(t_s[edge] + t_s[j])
