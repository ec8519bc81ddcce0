"""Cleaning keypoint signals: confidence masking, left/right leg-swap repair, gap filling, low-pass.

Every parameter with a physical meaning is given in seconds or hertz and converted with the track's
fps.
Missing samples stay NaN; the filters never invent data across gaps longer than ``max_gap_s``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace

import numpy as np
from scipy.signal import butter, sosfiltfilt

from .skeleton import KP, LEG_PAIRS
from .track import KeypointTrack


@dataclass(frozen=True)
class FilterSettings:
    """Parameters of :func:`clean_track`.

    Attributes
    ----------
    conf_threshold : float
        Keypoints whose confidence is below this are treated as missing.
    max_gap_s : float
        Gaps up to this long (seconds) are filled by interpolation; longer gaps stay NaN.
    cutoff_hz : float
        Low-pass cutoff (Butterworth, zero-phase) for all keypoints. 12 Hz keeps the ankle's
        touchdown
        deceleration (a few tens of ms) while removing frame-to-frame jitter of the pose model.
    order : int
        Butterworth order (applied forwards and backwards, so the effective order doubles).
    swap_penalty : float
        Cost, in units of squared body-scale distance, of labelling a frame's legs against the
        model's
        left/right. Small: it only decides the global labelling, continuity decides the rest.
    """

    conf_threshold: float = 0.3
    max_gap_s: float = 0.10
    cutoff_hz: float = 12.0
    order: int = 2
    swap_penalty: float = 0.02

    def __post_init__(self) -> None:
        if not 0 <= self.conf_threshold <= 1:
            raise ValueError("conf_threshold must be in [0, 1]")
        if self.max_gap_s < 0 or self.cutoff_hz <= 0 or self.order < 1:
            raise ValueError("max_gap_s must be >= 0, cutoff_hz > 0 and order >= 1")


def mask_low_confidence(track: KeypointTrack, threshold: float) -> KeypointTrack:
    """Set keypoints with confidence below ``threshold`` (or NaN confidence) to NaN."""
    xy = np.array(track.xy, dtype=float)
    with np.errstate(invalid="ignore"):
        bad = ~(track.conf >= threshold)
    xy[bad] = np.nan
    return track.with_xy(xy)


def _swap_costs(xy: np.ndarray, pairs: tuple[tuple[int, int], ...], scale: float) -> np.ndarray:
    """Second-order transition costs for the leg-swap Viterbi.

    Returns ``cost[t, a, b, c]`` for t >= 2: the squared error (in units of ``scale``²) between the
    leg
    keypoints at frame t under labelling ``c`` and their constant-velocity prediction from frames
    t-1
    (labelling ``b``) and t-2 (labelling ``a``). Labelling 1 means "swap left and right". NaN terms
    contribute nothing.
    """
    left = np.array([p[0] for p in pairs])
    right = np.array([p[1] for p in pairs])
    # legs[s][t] -> (n_pairs, 2 sides, 2) positions of (left-labelled, right-labelled) under
    # labelling s
    straight = np.stack([xy[:, left], xy[:, right]], axis=2)  # (T, P, 2, 2)
    swapped = straight[:, :, ::-1]
    legs = np.stack([straight, swapped])  # (2, T, P, 2, 2)
    n = xy.shape[0]
    cost = np.zeros((n, 2, 2, 2))
    for a in range(2):
        for b in range(2):
            pred = 2 * legs[b, 1:-1] - legs[a, :-2]  # predictions for frames 2..T-1
            for c in range(2):
                err = np.sum((legs[c, 2:] - pred) ** 2, axis=-1) / scale**2
                cost[2:, a, b, c] = np.nansum(err, axis=(1, 2))
    return cost


def repair_leg_swaps(
    track: KeypointTrack, *, swap_penalty: float = 0.02
) -> tuple[KeypointTrack, np.ndarray]:
    """Undo left/right leg swaps of the pose model with a second-order Viterbi pass.

    Pose models on side views often exchange the two legs for a few frames. The labelling chosen per
    frame (keep or swap the knee and ankle pairs) minimises the total squared deviation of the leg
    keypoints from constant-velocity motion, plus ``swap_penalty`` per swapped frame so that the
    global assignment follows the model's majority. Constant velocity (rather than nearest position)
    resolves the moment the swinging foot passes the planted one, when positions alone are
    ambiguous.

    Parameters
    ----------
    track : KeypointTrack
        Track with NaN for missing keypoints (any space).
    swap_penalty : float
        Cost per swapped frame, in units of the body scale squared.

    Returns
    -------
    repaired : KeypointTrack
        Track with knees and ankles relabelled.
    swapped : ndarray of bool, shape (T,)
        Frames whose legs were swapped back.
    """
    xy = np.array(track.xy, dtype=float)
    n = xy.shape[0]
    if n < 3:
        return track, np.zeros(n, dtype=bool)
    with warnings.catch_warnings():  # frames with nothing seen give NaN, as wanted
        warnings.simplefilter("ignore", RuntimeWarning)
        hip = np.nanmean(xy[:, [KP.LEFT_HIP, KP.RIGHT_HIP]], axis=1)
        ank = np.nanmean(xy[:, [KP.LEFT_ANKLE, KP.RIGHT_ANKLE]], axis=1)
    leg = np.linalg.norm(hip - ank, axis=1)
    scale = float(np.nanmedian(leg)) if np.any(np.isfinite(leg)) else 1.0
    if not np.isfinite(scale) or scale <= 0:
        scale = 1.0
    # Costs on a gap-filled copy: a missing leg would otherwise cost nothing and let the labels
    # flip freely across a dropout. The output keeps the original NaNs.
    filled = xy.copy()
    for left, right in LEG_PAIRS:
        for k in (left, right):
            for d in range(2):
                filled[:, k, d] = fill_gaps_1d(xy[:, k, d], track.t_s, max_gap_s=0.1)
    cost = _swap_costs(filled, LEG_PAIRS, scale)
    # Viterbi over states (s_{t-1}, s_t) in {0,1}^2.
    acc = np.zeros((2, 2))
    acc[:, 1] += swap_penalty
    acc[1, :] += swap_penalty
    back = np.zeros((n, 2, 2), dtype=np.int8)
    for t in range(2, n):
        # new state (b, c) from old state (a, b): total = acc[a, b] + cost[t, a, b, c]
        cand = acc[:, :, None] + cost[t]  # (a, b, c)
        best_a = np.argmin(cand, axis=0)  # (b, c)
        acc = np.take_along_axis(cand, best_a[None], axis=0)[0] + swap_penalty * np.arange(2)[None]
        back[t] = best_a
    states = np.zeros(n, dtype=np.int8)
    b, c = np.unravel_index(int(np.argmin(acc)), acc.shape)
    states[n - 1], states[n - 2] = c, b
    for t in range(n - 1, 1, -1):
        a = back[t, states[t - 1], states[t]]
        states[t - 2] = a
    swapped = states.astype(bool)
    out = xy.copy()
    for left, right in LEG_PAIRS:
        out[swapped, left], out[swapped, right] = xy[swapped, right], xy[swapped, left]
    conf = np.array(track.conf, dtype=float)
    for left, right in LEG_PAIRS:
        conf[swapped, left], conf[swapped, right] = (
            track.conf[swapped, right],
            track.conf[swapped, left],
        )
    return replace(track, xy=out, conf=conf), swapped


def true_runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """Half-open index runs ``[start, stop)`` where ``mask`` is True."""
    padded = np.concatenate([[False], mask, [False]])
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


def fill_gaps_1d(y: np.ndarray, t_s: np.ndarray, max_gap_s: float) -> np.ndarray:
    """Linearly interpolate interior NaN runs no longer than ``max_gap_s`` seconds.

    Leading and trailing NaNs and longer gaps stay NaN.
    """
    y = np.array(y, dtype=float)
    missing = ~np.isfinite(y)
    if not missing.any() or missing.all():
        return y
    for start, stop in true_runs(missing):
        if start == 0 or stop == len(y):
            continue
        if t_s[stop] - t_s[start - 1] > max_gap_s + 1e-9:
            continue
        y[start:stop] = np.interp(
            t_s[start:stop], [t_s[start - 1], t_s[stop]], [y[start - 1], y[stop]]
        )
    return y


def lowpass_1d(y: np.ndarray, fps: float, cutoff_hz: float, order: int = 2) -> np.ndarray:
    """Zero-phase Butterworth low-pass that respects NaN gaps.

    Each finite run is filtered on its own (``scipy.signal.sosfiltfilt`` with odd extension), so no
    value is pulled across a gap. Runs too short to filter are returned unchanged. The cutoff is
    limited to 0.45 × fps so that low frame rates still get a valid filter.
    """
    y = np.array(y, dtype=float)
    wn = min(cutoff_hz, 0.45 * fps) / (0.5 * fps)
    sos = butter(order, wn, output="sos")
    out = y.copy()
    for start, stop in true_runs(np.isfinite(y)):
        seg = y[start:stop]
        padlen = min(3 * (2 * order + 1), len(seg) - 1)
        if len(seg) < 4:
            continue
        out[start:stop] = sosfiltfilt(sos, seg, padlen=padlen)
    return out


def smooth_track(track: KeypointTrack, settings: FilterSettings) -> KeypointTrack:
    """Fill short gaps and low-pass every keypoint coordinate of ``track``."""
    xy = np.array(track.xy, dtype=float)
    for k in range(xy.shape[1]):
        for d in range(2):
            filled = fill_gaps_1d(xy[:, k, d], track.t_s, settings.max_gap_s)
            xy[:, k, d] = lowpass_1d(filled, track.fps, settings.cutoff_hz, settings.order)
    return track.with_xy(xy)


@dataclass(frozen=True)
class CleanResult:
    """Output of :func:`clean_track`.

    Attributes
    ----------
    track : KeypointTrack
        Masked, swap-repaired, gap-filled and low-passed track.
    unfiltered : KeypointTrack
        Masked and swap-repaired but not smoothed (for event refinement and diagnostics).
    swapped : ndarray of bool
        Frames whose legs were relabelled.
    """

    track: KeypointTrack
    unfiltered: KeypointTrack
    swapped: np.ndarray


def clean_track(track: KeypointTrack, settings: FilterSettings | None = None) -> CleanResult:
    """Mask low-confidence keypoints, repair leg swaps, fill short gaps and low-pass."""
    settings = settings or FilterSettings()
    masked = mask_low_confidence(track, settings.conf_threshold)
    repaired, swapped = repair_leg_swaps(masked, swap_penalty=settings.swap_penalty)
    return CleanResult(track=smooth_track(repaired, settings), unfiltered=repaired, swapped=swapped)


__all__ = [
    "CleanResult",
    "FilterSettings",
    "clean_track",
    "fill_gaps_1d",
    "lowpass_1d",
    "mask_low_confidence",
    "repair_leg_swaps",
    "smooth_track",
]
