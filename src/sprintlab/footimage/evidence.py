"""Foreground, shadow and stillness in the ground band: where a foot stands still on the ground.

A fixed camera sees the same ground in every frame. A pixel of the band is *foreground* when it
differs from that ground (the per-column median of the frames in which the athlete was
elsewhere), after the frame's overall brightness is divided out (lights that flicker, exposure
that breathes) and unless it is only darker in the same colour balance (a cast shadow). It is
*still* when it did not change from the frame before or to the frame after. A foot on the
ground is foreground and still for its whole contact; a swinging foot crosses any column in a
few milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from .band import register_band
from .settings import FootImageSettings


@dataclass(frozen=True)
class BandEvidence:
    """What the band shows, frame by frame.

    Attributes
    ----------
    foreground : ndarray of bool, shape (T, R, C)
        Athlete (not ground, not shadow).
    occupancy : ndarray, shape (T, C)
        Fraction of the occupancy rows of each column that are foreground and still.
    bands : ndarray of uint8, shape (T, R, C, 3)
        The band of every frame, shake removed (:meth:`grey` is made from it on demand: a long
        240 fps clip would hold hundreds of MB more as a float array).
    has_background : ndarray of bool, shape (C,)
        Columns with a background (enough frames without the athlete).
    shift_px : ndarray, shape (T, 2)
        Measured shake of each frame (dx, dy) relative to the background, px (removed).
    gain : ndarray, shape (T,)
        Brightness of each frame relative to the background (divided out).
    noise_levels : float
        Robust SD of the frame-to-frame change of background pixels (grey levels).
    still_levels : float
        The stillness threshold used.
    """

    foreground: np.ndarray
    occupancy: np.ndarray
    bands: np.ndarray
    has_background: np.ndarray
    shift_px: np.ndarray
    gain: np.ndarray
    noise_levels: float
    still_levels: float

    def grey(self, frame: int) -> np.ndarray:
        """(R, C) float32: frame ``frame``'s band in grey levels, blurred 3×3, its brightness
        gain divided out, shake removed (what the foreground was judged on)."""
        planes = _blur(self.bands[frame].astype(np.float32))
        return planes.mean(axis=2) / np.float32(self.gain[frame])


def free_columns(
    boxes_xyxy_px: np.ndarray, col0_px: int, n_cols: int, margin_px: float
) -> np.ndarray:
    """(T, C) True where a band column is clear of the athlete's widened box in that frame."""
    cols = col0_px + np.arange(n_cols)
    x0 = np.nan_to_num(boxes_xyxy_px[:, 0], nan=np.inf)
    x1 = np.nan_to_num(boxes_xyxy_px[:, 2], nan=-np.inf)
    # A frame without a box is not trusted to be free: NaN boxes make both tests False.
    lost = ~np.all(np.isfinite(boxes_xyxy_px), axis=1)
    free = (cols[None, :] < x0[:, None] - margin_px) | (cols[None, :] > x1[:, None] + margin_px)
    free[lost] = False
    return free


def background(
    bands: np.ndarray, free: np.ndarray, n_frames: int, min_frames: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per-column median of up to ``n_frames`` free frames: (R, C, 3) float32 and (C,) bool."""
    _t, _r, c, _ = bands.shape
    count = free.sum(axis=0)
    has = count >= min_frames
    idx = np.zeros((n_frames, c), dtype=int)
    for j in np.flatnonzero(has):
        f = np.flatnonzero(free[:, j])
        idx[:, j] = f[np.linspace(0, f.size - 1, n_frames).round().astype(int)]
    cols = np.arange(c)
    stack = bands[idx, :, cols[None, :]]  # (n, C, R, 3)
    bg = np.median(stack, axis=0).transpose(1, 0, 2).astype(np.float32)
    return bg, has


def _measure_shake(bands: np.ndarray, bg_grey: np.ndarray, free: np.ndarray) -> np.ndarray:
    """(T, 2) shift of each band onto the background, px (frames without enough background
    take their nearest measured neighbour's)."""
    shift = np.full((bands.shape[0], 2), np.nan)
    for i in range(bands.shape[0]):
        g = cv2.cvtColor(bands[i], cv2.COLOR_BGR2GRAY).astype(np.float32)
        found = register_band(g, bg_grey, free[i])
        if found is not None:
            shift[i] = found
    return _fill_shifts(shift)


def _unshake(bands: np.ndarray, shift: np.ndarray) -> np.ndarray:
    out = np.empty_like(bands)
    size = (bands.shape[2], bands.shape[1])
    for i in range(bands.shape[0]):
        m = np.float32([[1, 0, -shift[i, 0]], [0, 1, -shift[i, 1]]])
        out[i] = cv2.warpAffine(
            bands[i], m, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
        )
    return out


def _fill_shifts(shift: np.ndarray) -> np.ndarray:
    """Frames whose shake could not be measured take the nearest measured frame's (0 if none)."""
    ok = np.all(np.isfinite(shift), axis=1)
    if not ok.any():
        return np.zeros_like(shift)
    idx = np.arange(len(shift))
    near = np.flatnonzero(ok)[np.clip(np.searchsorted(np.flatnonzero(ok), idx), 0, ok.sum() - 1)]
    out = shift.copy()
    out[~ok] = shift[near[~ok]]
    return out


#: Histogram of frame-to-frame change for the noise estimate: bins of 1/8 grey level up to 256.
_NOISE_BIN_LEVELS = 0.125
_NOISE_BINS = int(256 / _NOISE_BIN_LEVELS)


def _level_histogram(values: np.ndarray) -> np.ndarray:
    idx = np.minimum((values / _NOISE_BIN_LEVELS).astype(np.int64), _NOISE_BINS - 1)
    return np.bincount(idx, minlength=_NOISE_BINS)


def _histogram_median(hist: np.ndarray) -> float:
    """Median of the values binned by :func:`_level_histogram` (bin centre; 0 when empty)."""
    n = int(hist.sum())
    if n == 0:
        return 0.0
    k = int(np.searchsorted(np.cumsum(hist), (n + 1) / 2))
    return (k + 0.5) * _NOISE_BIN_LEVELS


def _blur(img: np.ndarray) -> np.ndarray:
    return cv2.GaussianBlur(img, (3, 3), 0)


def band_evidence(
    bands: np.ndarray,
    free: np.ndarray,
    rows_px: np.ndarray,
    athlete_px: float,
    settings: FootImageSettings | None = None,
) -> BandEvidence:
    """Foreground, stillness and per-column occupancy of a stack of bands (T, R, C, 3) uint8.

    ``free`` (T, C) says where each frame shows background (:func:`free_columns`).
    """
    s = settings or FootImageSettings()
    t = bands.shape[0]
    bg, has = background(bands, free, s.background_frames, s.min_background_frames)
    bg_grey = cv2.cvtColor(bg, cv2.COLOR_BGR2GRAY)
    r_n = bands.shape[1]
    free_px = np.broadcast_to(free[:, None, :] & has[None, None, :], (t, r_n, has.size))
    # Shake: each frame's band registered on the background where it shows background. The
    # first background is a median of shaken frames, blurred but centred: one more round on
    # the registered frames sharpens it.
    shift = _measure_shake(bands, bg_grey, free & has[None, :])
    if float(np.percentile(np.abs(shift), 90)) > s.shake_px:
        moved = _unshake(bands, shift)
        bg, has = background(moved, free, s.background_frames, s.min_background_frames)
        bg_grey = cv2.cvtColor(bg, cv2.COLOR_BGR2GRAY)
        shift = _measure_shake(bands, bg_grey, free & has[None, :])
        bands = _unshake(bands, shift)
        bg, has = background(bands, free, s.background_frames, s.min_background_frames)
        free_px = np.broadcast_to(free[:, None, :] & has[None, None, :], (t, r_n, has.size))
    else:
        shift[:] = 0.0
    bgb = _blur(bg)
    bg_planes = cv2.split(bgb)
    inv_bg = [1.0 / (p + 1.0) for p in bg_planes]
    bg_total = bg_planes[0] + bg_planes[1] + bg_planes[2] + 3.0
    inv_bg_total = 1.0 / bg_total
    bg_chroma = [(p + 1.0) * inv_bg_total for p in bg_planes]
    rows = (rows_px >= -s.occupancy_above_frac * athlete_px) & (
        rows_px <= s.occupancy_below_frac * athlete_px
    )
    fg = np.zeros(bands.shape[:3], dtype=bool)
    # Change to the next frame, largest colour channel: a red shoe moving over green turf
    # changes one channel much more than the grey level. Kept in half precision; its median on
    # the background (the noise) is read from a histogram, so no copy of it is ever made.
    change = np.zeros((max(t - 1, 0), *bands.shape[1:3]), dtype=np.float16)
    both_free = free_px[1:] & free_px[:-1]
    hist = np.zeros(_NOISE_BINS, dtype=np.int64)
    gain = np.ones(t)
    prev: list[np.ndarray] | None = None
    sub = (slice(None, None, 2), slice(None, None, 2))  # the gain from every other pixel
    for i in range(t):
        planes = cv2.split(_blur(bands[i].astype(np.float32)))
        ratios = [(p + 1.0) * q for p, q in zip(planes, inv_bg, strict=True)]
        sel = free_px[i] if free_px[i].any() else np.broadcast_to(has[None, :], (r_n, has.size))
        if sel.any():
            mean_ratio = (ratios[0] + ratios[1] + ratios[2])[sub] / 3.0
            gain[i] = float(np.median(mean_ratio[sel[sub]]))
        k = 1.0 / gain[i]
        planes = [p * k for p in planes]
        diff = np.maximum(
            np.maximum(cv2.absdiff(planes[0], bg_planes[0]), cv2.absdiff(planes[1], bg_planes[1])),
            cv2.absdiff(planes[2], bg_planes[2]),
        )
        # A cast shadow dims the ground but keeps its colour balance (chromaticity).
        total = planes[0] + planes[1] + planes[2] + 3.0
        dim = total * inv_bg_total
        inv_total = 1.0 / total
        tint = np.maximum(
            np.maximum(
                cv2.absdiff((planes[0] + 1.0) * inv_total, bg_chroma[0]),
                cv2.absdiff((planes[1] + 1.0) * inv_total, bg_chroma[1]),
            ),
            cv2.absdiff((planes[2] + 1.0) * inv_total, bg_chroma[2]),
        )
        shadow = (
            (dim < s.shadow_ratio_max)
            & (dim > s.shadow_ratio_min)
            & (tint < s.shadow_chroma_spread)
        )
        fg[i] = (diff > s.foreground_levels) & ~shadow & has[None, :]
        if prev is not None:
            c = np.maximum(
                np.maximum(cv2.absdiff(planes[0], prev[0]), cv2.absdiff(planes[1], prev[1])),
                cv2.absdiff(planes[2], prev[2]),
            )
            change[i - 1] = c
            hist += _level_histogram(c[both_free[i - 1]])
        prev = planes
    noise = 1.4826 * _histogram_median(hist)
    still_thr = max(s.still_levels, s.still_noise_factor * noise)
    still_next = change < still_thr
    still = np.zeros_like(fg)
    still[:-1] |= still_next
    still[1:] |= still_next
    del change, still_next  # a long clip's largest arrays: gone before the occupancy is made
    occ = (fg & still)[:, rows].mean(axis=1)
    return BandEvidence(fg, occ, bands, has, shift, gain, noise, still_thr)
