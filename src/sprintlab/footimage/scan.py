"""Run the image stage on a clip: decode once more, cut the ground band, find contacts."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

from .band import BandGeometry, band_geometry, cut_bands
from .detect import ImageContact, find_image_contacts
from .evidence import band_evidence, free_columns
from .settings import FootImageSettings


@dataclass(frozen=True)
class FootImageResult:
    """The image stage's outcome for one clip.

    Attributes
    ----------
    contacts : tuple of ImageContact
        Frames are positions in the clip's frame numbering (``frame_index``).
    used : bool
        False when the image could not be used (then ``reason`` says why).
    reason : str
    geometry : dict
        The band's placement (:meth:`BandGeometry.to_dict`), empty when unused.
    shake_px : float
        90th percentile of the measured frame shake (px), removed before detection.
    noise_levels : float
    flicker_pct : float
        Robust spread of the frames' brightness gain, percent.
    """

    contacts: tuple[ImageContact, ...] = ()
    used: bool = False
    reason: str = ""
    geometry: dict = field(default_factory=dict)
    shake_px: float = float("nan")
    noise_levels: float = float("nan")
    flicker_pct: float = float("nan")

    def to_dict(self) -> dict[str, object]:
        return {
            "used": self.used,
            "reason": self.reason or None,
            "contacts": [c.to_dict() for c in self.contacts],
            "geometry": self.geometry,
            "shake_px": self.shake_px,
            "noise_levels": self.noise_levels,
            "flicker_pct": self.flicker_pct,
        }

    @classmethod
    def from_dict(cls, d: dict) -> FootImageResult:
        return cls(
            tuple(ImageContact.from_dict(c) for c in d.get("contacts") or []),
            bool(d.get("used")),
            str(d.get("reason") or ""),
            dict(d.get("geometry") or {}),
            float(d.get("shake_px") if d.get("shake_px") is not None else "nan"),
            float(d.get("noise_levels") if d.get("noise_levels") is not None else "nan"),
            float(d.get("flicker_pct") if d.get("flicker_pct") is not None else "nan"),
        )


def unused(reason: str) -> FootImageResult:
    """The image stage skipped, saying why."""
    return FootImageResult(reason=reason)


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
