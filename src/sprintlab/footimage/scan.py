"""Run the image stage on a clip: decode once more, cut the ground band, find contacts."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

from .band import BandGeometry, band_geometry, cut_bands
from .detect import find_image_contacts
from .evidence import band_evidence, free_columns
from .result import FootImageResult, unused
from .settings import FootImageSettings


def scan_frames(
    frames: Iterable[np.ndarray] | Callable[[int, int], Iterable[np.ndarray]],
    xy_px: np.ndarray,
    conf: np.ndarray,
    boxes_xyxy_px: np.ndarray,
    size_px: tuple[int, int],
    fps: float,
    settings: FootImageSettings | None = None,
) -> FootImageResult:
    """Image contacts from the clip's frames (every frame, in order, matching the track's rows).

    Parameters
    ----------
    frames : iterable of ndarray, or callable
        BGR frames, one per track row; or ``frames(row0_px, row1_px)`` giving only those image
        rows of every frame (then the band is cut from them).
    xy_px, conf, boxes_xyxy_px : ndarray
        The athlete's pixel keypoints (T, 17, 2), confidences (T, 17) and boxes (T, 4).
    size_px : (width, height)
    fps : float
    """
    s = settings or FootImageSettings()
    geom: BandGeometry | None = band_geometry(xy_px, conf, boxes_xyxy_px, size_px, s)
    if geom is None:
        return unused("the feet were not seen often enough to place the ground band")
    row0_px, row1_px = geom.row_span()
    if callable(frames):
        frames = frames(row0_px, row1_px)
    else:
        frames = (img[row0_px:row1_px] for img in frames)
    bands = cut_bands(frames, geom, row0_px)
    if bands.shape[0] != xy_px.shape[0]:
        return unused("the frames decoded again did not match the tracked frames")
    free = free_columns(
        boxes_xyxy_px, geom.col0_px, geom.n_cols, s.background_margin_frac * geom.athlete_px
    )
    ev = band_evidence(bands, free, geom.rows_px, geom.athlete_px, s)
    if not ev.has_background.any():
        return unused("the athlete never left the ground band, so the ground could not be seen")
    contacts = find_image_contacts(ev, geom, fps, s)
    g = ev.gain[np.isfinite(ev.gain)]
    flicker = (
        float(100.0 * 1.4826 * np.median(np.abs(np.diff(g))) / np.sqrt(2)) if g.size > 2 else 0.0
    )
    return FootImageResult(
        tuple(contacts),
        True,
        "",
        geom.to_dict(),
        float(np.percentile(np.abs(ev.shift_px), 90)),
        ev.noise_levels,
        flicker,
    )
