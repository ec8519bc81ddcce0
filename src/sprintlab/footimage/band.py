"""The ground band: a thin strip of the picture along the ground where the feet land.

The strip follows a straight ground line in the image (a camera turned or tilted a little makes
it slope), found from the pose model's ankles; every frame's strip is resampled into a rectangle
whose rows are pixels above (negative) and below (positive) that line and whose columns are
image columns. A still tripod keeps every background pixel of the strip in place, which is what
the contact detector relies on; small shake is measured and removed (:func:`register_band`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import cv2
import numpy as np

from ..groundline import lowest_ankle_line
from ..skeleton import ANKLE
from .settings import FootImageSettings


@dataclass(frozen=True)
class BandGeometry:
    """Where the ground band lies in the image.

    Attributes
    ----------
    slope, intercept_px : float
        Ground line ``y = intercept_px + slope * x`` (image pixels).
    col0_px, n_cols : int
        First image column of the band and its number of columns.
    rows_px : ndarray of float, shape (R,)
        Offsets of the band's rows from the ground line (px, + down).
    athlete_px : float
        The athlete's standing height in pixels (median box height of the upright frames).
    """

    slope: float
    intercept_px: float
    col0_px: int
    n_cols: int
    rows_px: np.ndarray
    athlete_px: float

    def maps(self, to_frame: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """``cv2.remap`` maps (x, y) from band pixels to image pixels.

        With ``to_frame`` (2, 3), the band is defined in a reference frame's pixels and this
        affine takes them to the pixels of the frame to be cut (a moving camera)."""
        cols = np.arange(self.col0_px, self.col0_px + self.n_cols, dtype=np.float32)
        ground = self.intercept_px + self.slope * cols
        mapx = np.broadcast_to(cols[None, :], (self.rows_px.size, cols.size))
        mapy = ground[None, :] + self.rows_px[:, None]
        if to_frame is not None:
            m = np.asarray(to_frame, np.float32)
            mapx, mapy = (
                m[0, 0] * mapx + m[0, 1] * mapy + m[0, 2],
                m[1, 0] * mapx + m[1, 1] * mapy + m[1, 2],
            )
        return np.ascontiguousarray(mapx, np.float32), np.ascontiguousarray(mapy, np.float32)

    def row_span(self, to_frames: np.ndarray | None = None) -> tuple[int, int]:
        """Image rows (first, one past the last) that the band reads from (in every frame,
        when the band moves with the camera: ``to_frames`` (T, 2, 3), see :meth:`maps`)."""
        ys = [self.maps()[1]] if to_frames is None else [self.maps(m)[1] for m in to_frames]
        lo = min(float(y.min()) for y in ys)
        hi = max(float(y.max()) for y in ys)
        return max(0, int(np.floor(lo)) - 1), int(np.ceil(hi)) + 2

    def visible(self, to_frames: np.ndarray, size_px: tuple[int, int]) -> np.ndarray:
        """(T, C) True where every row of a band column lies inside the picture in that frame
        (``to_frames`` (T, 2, 3) as in :meth:`maps`; ``size_px`` is (width, height))."""
        w, h = size_px
        out = np.empty((len(to_frames), self.n_cols), dtype=bool)
        for i, m in enumerate(to_frames):
            mapx, mapy = self.maps(m)
            inside = (mapx >= 0) & (mapx <= w - 1) & (mapy >= 0) & (mapy <= h - 1)
            out[i] = inside.all(axis=0)
        return out

    def to_dict(self) -> dict[str, float]:
        return {
            "slope": float(self.slope),
            "intercept_px": float(self.intercept_px),
            "col0_px": int(self.col0_px),
            "n_cols": int(self.n_cols),
            "row_min_px": float(self.rows_px[0]),
            "row_max_px": float(self.rows_px[-1]),
            "athlete_px": float(self.athlete_px),
        }


def band_geometry(
    xy_px: np.ndarray,
    conf: np.ndarray,
    boxes_xyxy_px: np.ndarray,
    size_px: tuple[int, int],
    settings: FootImageSettings | None = None,
    *,
    min_conf: float = 0.3,
) -> BandGeometry | None:
    """The ground band of a clip from the athlete's pixel track, or None when it cannot be placed.

    The ground line is fitted through the lowest ankles along the lane (per stretch of the image
    the 85th percentile of the ankles' image y: stance ankles, not swinging ones), lowered by the
    ankle's height above the sole.

    Parameters
    ----------
    xy_px : ndarray, shape (T, 17, 2)
    conf : ndarray, shape (T, 17)
    boxes_xyxy_px : ndarray, shape (T, 4)
        The athlete's box per frame (NaN where not found).
    size_px : (width, height)
    """
    s = settings or FootImageSettings()
    heights = boxes_xyxy_px[:, 3] - boxes_xyxy_px[:, 1]
    heights = heights[np.isfinite(heights)]
    if heights.size < 5:
        return None
    # The box of a crouched start is short: the upright frames give the standing height.
    athlete_px = float(np.percentile(heights, 75))
    idx = [ANKLE["left"], ANKLE["right"]]
    ank = xy_px[:, idx].reshape(-1, 2)
    ok = (conf[:, idx].reshape(-1) >= min_conf) & np.all(np.isfinite(ank), axis=1)
    ank = ank[ok]
    if ank.shape[0] < 10:
        return None
    line = lowest_ankle_line(ank, athlete_px)
    if line is None:
        return None
    slope, intercept = line
    intercept += s.ankle_height_frac * athlete_px
    w, _ = size_px
    fin = boxes_xyxy_px[np.all(np.isfinite(boxes_xyxy_px), axis=1)]
    pad = 0.3 * athlete_px
    col0 = int(np.clip(np.floor(fin[:, 0].min() - pad), 0, w - 1))
    col1 = int(np.clip(np.ceil(fin[:, 2].max() + pad), col0 + 1, w))
    up = round(s.band_above_frac * athlete_px)
    down = round(s.band_below_frac * athlete_px)
    rows = np.arange(-up, down + 1, dtype=np.float32)
    return BandGeometry(float(slope), float(intercept), col0, col1 - col0, rows, athlete_px)


def cut_bands(
    frames: Iterable[np.ndarray],
    geometry: BandGeometry,
    row0_px: int = 0,
    to_frames: np.ndarray | None = None,
    n_frames: int | None = None,
) -> np.ndarray:
    """The band of every frame, (T, R, C, 3) uint8, resampled along the ground line.

    ``frames`` hold image rows from ``row0_px`` on (whole frames: 0). With ``to_frames``
    (T, 2, 3) the band follows a moving camera: frame ``i`` is sampled through
    ``to_frames[i]``, which takes the band's reference-frame pixels to that frame's pixels.
    ``n_frames``, the frames expected, lets the bands be written into one array as they come
    (no second copy of a long clip's bands); a different count still shows in the result's
    length (its contents are then not kept)."""
    shape = (geometry.rows_px.size, geometry.n_cols, 3)
    still = to_frames is None
    if still:
        mapx, mapy = geometry.maps()
        mapy = mapy - np.float32(row0_px)

    def cut(i: int, img: np.ndarray) -> np.ndarray:
        if still:
            return cv2.remap(img, mapx, mapy, cv2.INTER_LINEAR)
        # More frames than transforms: cut them still, so that the count shows the mismatch.
        mx, my = geometry.maps(to_frames[i] if i < len(to_frames) else None)
        my -= np.float32(row0_px)
        return cv2.remap(img, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)

    if n_frames is None:
        out = [cut(i, img) for i, img in enumerate(frames)]
        return np.stack(out) if out else np.zeros((0, *shape), np.uint8)
    bands = np.empty((n_frames, *shape), np.uint8)
    k = 0
    for k, img in enumerate(frames, start=1):
        if k <= n_frames:
            bands[k - 1] = cut(k - 1, img)
    if k == n_frames:
        return bands
    return bands[:k] if k < n_frames else np.broadcast_to(np.zeros(shape, np.uint8), (k, *shape))


def register_band(
    grey: np.ndarray, reference: np.ndarray, free_cols: np.ndarray, min_cols: int = 48
) -> tuple[float, float] | None:
    """Shift (dx, dy) in px that moves ``grey`` onto ``reference`` (phase correlation), or None.

    Measured on the longest run of columns ``free_cols`` (C,) that show background in this
    frame, so that the athlete's own motion does not pull the estimate; None when that run is
    shorter than ``min_cols``.
    """
    runs = _true_runs(free_cols)
    if not runs:
        return None
    a, b = max(runs, key=lambda r: r[1] - r[0])
    if b - a < min_cols:
        return None
    ref = np.ascontiguousarray(reference[:, a:b], np.float32)
    img = np.ascontiguousarray(grey[:, a:b], np.float32)
    win = cv2.createHanningWindow(ref.shape[::-1], cv2.CV_32F)
    (dx, dy), _ = cv2.phaseCorrelate(ref, img, win)
    return float(dx), float(dy)


def _true_runs(mask: np.ndarray) -> list[tuple[int, int]]:
    m = np.concatenate([[False], np.asarray(mask, bool), [False]])
    edges = np.flatnonzero(np.diff(m.astype(np.int8)))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))
