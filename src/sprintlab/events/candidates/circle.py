"""The pivot circle: the ankle rolling over the ball of the foot, and how far a contact extends.

During a sprint contact the foot rolls over the ball of the foot, a point fixed on the ground,
so the ankle stays on a circle of radius ``R`` (ankle-to-ball distance) around that pivot from
touchdown to toe-off. This module fits that circle, measures the ankles' departure from it and
grows a contact while the nearer ankle stays on it.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import least_squares

from ...skeleton import SIDES
from ..settings import EventSettings

ON, OFF, UNKNOWN = 1, 0, -1
"""Per-frame states of :func:`_contact_state`: an ankle on the circle, none, or cannot tell."""


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


MIN_CIRCLE_SAMPLES = 3
"""Fewest ankle samples that a pivot circle is fitted to (else the start values stay)."""
MAX_OFF_FRAMES = 2
"""Consecutive frames with every ankle seen and off the circle that end a contact."""


def _fit_circle(
    ankle: np.ndarray, pivot_x0: float, radius0: float, s: EventSettings
) -> tuple[float, float]:
    """Least-squares ball-of-foot x and radius for ankle samples rolling over a ground point.

    The radius is pulled weakly (``radius_prior_weight``) towards ``radius0`` (the
    anthropometric prior, or a previous fit) so that short, nearly still contacts (a small arc)
    stay well posed; the loss is robust (soft L1, scale ``circle_robust_m``).
    """
    pts = ankle[np.all(np.isfinite(ankle), axis=1)]
    if len(pts) < MIN_CIRCLE_SAMPLES:
        return pivot_x0, radius0

    def resid(p: np.ndarray) -> np.ndarray:
        px, r = p
        d = np.hypot(pts[:, 0] - px, pts[:, 1]) - r
        return np.concatenate([d, [s.radius_prior_weight * (r - radius0)]])

    # A foot is a foot: the radius stays within half to twice (by default) the radius it starts
    # from, so that ankle samples of two different feet (both down in the set position) cannot
    # fit one huge circle.
    r_lo, r_hi = s.foot_radius_min_factor * radius0, s.foot_radius_max_factor * radius0
    sol = least_squares(
        resid,
        x0=[pivot_x0, float(np.clip(radius0, r_lo, r_hi))],
        bounds=([-np.inf, r_lo], [np.inf, r_hi]),
        loss="soft_l1",
        f_scale=s.circle_robust_m,
    )
    return float(sol.x[0]), float(sol.x[1])


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

    ``MAX_OFF_FRAMES`` (2) consecutive OFF frames end the contact; UNKNOWN frames (a dropout of
    the planted ankle) are passed over, up to ``max_unknown`` in a row.

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
                if off_run >= MAX_OFF_FRAMES:
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
