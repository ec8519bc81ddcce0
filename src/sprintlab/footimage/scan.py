"""Run the image stage on a clip: decode once more, cut the ground band, find contacts."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace

import numpy as np

from .band import BandGeometry, band_geometry, cut_bands
from .detect import find_image_contacts
from .evidence import BandEvidence, band_evidence, free_columns
from .result import FootImageResult, ImageContact, unused
from .settings import FootImageSettings
from .stabilise import invert


def scan_frames(
    frames: Iterable[np.ndarray] | Callable[[int, int], Iterable[np.ndarray]],
    xy_px: np.ndarray,
    conf: np.ndarray,
    boxes_xyxy_px: np.ndarray,
    size_px: tuple[int, int],
    fps: float,
    settings: FootImageSettings | None = None,
    *,
    motion: np.ndarray | None = None,
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
    motion : ndarray, shape (T, 2, 3), optional
        A moving camera: each frame's similarity to a reference frame's pixels
        (:func:`sprintlab.footimage.stabilise.frame_motion`, every row finite). The band is
        placed in the reference frame and cut from each frame through the inverse transform;
        the contacts' places are in the reference frame's pixels, where the analysis measures
        a followed camera's keypoints (:func:`sprintlab.pipeline.in_reference_frame`).
        None: a still camera (the band at the same pixels in every frame).
    """
    s = settings or FootImageSettings()
    to_frames = None
    if motion is not None:
        motion = np.asarray(motion, float)
        if motion.shape != (xy_px.shape[0], 2, 3) or not np.all(np.isfinite(motion)):
            raise ValueError("motion must be (T, 2, 3), finite, one row per track row")
        xy_px = track_to_reference(xy_px, motion)
        boxes_xyxy_px = boxes_to_reference(boxes_xyxy_px, motion)
        to_frames = invert(motion)
    geom: BandGeometry | None = band_geometry(xy_px, conf, boxes_xyxy_px, size_px, s)
    if geom is None:
        return unused("the feet were not seen often enough to place the ground band")
    row0_px, row1_px = geom.row_span(to_frames)
    if callable(frames):
        frames = frames(row0_px, row1_px)
    else:
        frames = (img[row0_px:row1_px] for img in frames)
    bands = cut_bands(frames, geom, row0_px, to_frames, n_frames=xy_px.shape[0])
    if bands.shape[0] != xy_px.shape[0]:
        return unused("the frames decoded again did not match the tracked frames")
    free = free_columns(
        boxes_xyxy_px, geom.col0_px, geom.n_cols, s.background_margin_frac * geom.athlete_px
    )
    visible = None if to_frames is None else geom.visible(to_frames, size_px)
    if visible is not None:
        free &= visible
    ev = band_evidence(bands, free, geom.rows_px, geom.athlete_px, s)
    if visible is not None:
        ev = _only_visible(ev, visible)
    if not ev.has_background.any():
        return unused("the athlete never left the ground band, so the ground could not be seen")
    return _result(find_image_contacts(ev, geom, fps, s), geom, ev)


def _result(contacts: list[ImageContact], geom: BandGeometry, ev: BandEvidence) -> FootImageResult:
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


def track_to_reference(xy_px: np.ndarray, motion: np.ndarray) -> np.ndarray:
    """Keypoints (T, K, 2) of each frame moved into the reference frame's pixels."""
    a = motion[:, None, :, :2]  # (T, 1, 2, 2)
    return np.einsum("tkij,tkj->tki", a, xy_px) + motion[:, None, :, 2]


def boxes_to_reference(boxes_xyxy_px: np.ndarray, motion: np.ndarray) -> np.ndarray:
    """Boxes (T, 4) of each frame moved into the reference frame's pixels: the upright box
    around the moved corners (NaN boxes stay NaN)."""
    b = np.asarray(boxes_xyxy_px, float)
    corners = np.stack(
        [b[:, [0, 1]], b[:, [2, 1]], b[:, [0, 3]], b[:, [2, 3]]], axis=1
    )  # (T, 4, 2)
    moved = track_to_reference(corners, motion)
    return np.concatenate([moved.min(axis=1), moved.max(axis=1)], axis=1)


def _only_visible(ev: BandEvidence, visible: np.ndarray) -> BandEvidence:
    """Band columns outside a frame's picture (cut from its replicated edge) hold no athlete."""
    return replace(
        ev,
        foreground=ev.foreground & visible[:, None, :],
        occupancy=np.where(visible, ev.occupancy, 0.0),
    )
