"""The frames around a foot event, zoomed on the legs: what a coach checks a touchdown on.

:func:`event_frames` decodes a short run of consecutive frames at the capture rate (one decode,
from the keyframe before it) and crops each to the same box around the athlete's legs, so the
ground and the feet stay put while the frames step on. :func:`filmstrip` lays them side by side,
each with its frame number and time from the detected event, the detected frame outlined.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from ..skeleton import KP
from .kinogram import KinogramSource, _crop
from .overlay import draw_text

#: Keypoints that frame the legs: hips, knees, ankles.
LEG_POINTS = (
    KP.LEFT_HIP,
    KP.RIGHT_HIP,
    KP.LEFT_KNEE,
    KP.RIGHT_KNEE,
    KP.LEFT_ANKLE,
    KP.RIGHT_ANKLE,
)
#: Margin around the legs, as a fraction of the legs' height (the feet and the ground below).
LEG_MARGIN = 0.30
EVENT_COLOR = (0, 200, 255)  # BGR orange: the frame the analysis (or a person) put the event on
CURRENT_COLOR = (255, 160, 0)  # BGR blue: the frame the coach is looking at
#: Smallest crop, as a fraction of the picture's height: a far or low-resolution athlete is
#: not blown up past what the pixels hold.
MIN_BOX_FRAC = 0.3


@dataclass(frozen=True)
class EventFrames:
    """Consecutive frames around an event, cropped to one box around the legs.

    Attributes
    ----------
    rows : tuple of int
        Track rows (the rep's frame numbers) of the frames.
    images : tuple of ndarray
        BGR crops, all the same size.
    box_px : tuple of int
        (x0, y0, x1, y1) of the crop in the video's pixels.
    fps : float
        Capture rate, frames per second.
    """

    rows: tuple[int, ...]
    images: tuple[np.ndarray, ...]
    box_px: tuple[int, int, int, int]
    fps: float


def legs_box(
    xy_px: np.ndarray, shape: tuple[int, int], aspect: float = 1.0
) -> tuple[int, int, int, int]:
    """One crop box (x0, y0, x1, y1) around the legs over several frames.

    ``xy_px`` is (N, 17, 2) in the video's pixels. The box holds every frame's hips, knees and
    ankles with :data:`LEG_MARGIN`, widened to ``aspect`` (width / height); the whole picture
    when no leg point is seen.
    """
    h, w = shape
    pts = np.asarray(xy_px, dtype=float)[:, list(LEG_POINTS)].reshape(-1, 2)
    pts = pts[np.all(np.isfinite(pts), axis=1)]
    if pts.size == 0:
        return 0, 0, w, h
    x0, y0 = pts.min(axis=0)
    x1, y1 = pts.max(axis=0)
    side = max((y1 - y0) * (1 + 2 * LEG_MARGIN), MIN_BOX_FRAC * h)
    bw = max(side * aspect, (x1 - x0) + 2 * LEG_MARGIN * side)
    bh = bw / aspect
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    bx0, by0 = round(cx - bw / 2), round(cy - bh / 2)
    return bx0, by0, bx0 + round(bw), by0 + round(bh)


def event_frames(
    source: KinogramSource, first_row: int, last_row: int, *, height_px: int = 360
) -> EventFrames:
    """Decode track rows ``first_row..last_row`` of a rep and crop them around the legs.

    Rows outside the track are dropped. Each crop is resized to ``height_px`` high.
    """
    from ..video import iter_frames, probe

    n = len(source.frame_index)
    rows = list(range(max(0, first_row), min(n - 1, last_row) + 1))
    if not rows:
        raise ValueError(f"rows {first_row}..{last_row} are outside the rep's {n} frames")
    # Timestamps and the frame count are all that is needed (as for the kinogram): no decoding
    # pass for repeated frames on every frame the coach steps to.
    meta = probe(source.video_path, capture_fps=source.capture_fps, check_duplicates=False)
    wanted = {int(source.frame_index[r]): r for r in rows}
    pictures: dict[int, np.ndarray] = {}
    for frame in iter_frames(
        meta, start_frame=min(wanted), stop_frame=min(max(wanted) + 1, meta.n_frames)
    ):
        if frame.index in wanted:
            pictures[wanted[frame.index]] = frame.image
    rows = [r for r in rows if r in pictures]
    if not rows:
        raise ValueError("none of the frames around the event could be decoded")
    xy = source.xy_px[rows] * source.scale
    box = legs_box(xy, pictures[rows[0]].shape[:2])
    crops = []
    for r in rows:
        crop = _crop(pictures[r], box)
        k = height_px / crop.shape[0]
        crops.append(
            cv2.resize(crop, (round(crop.shape[1] * k), height_px), interpolation=cv2.INTER_AREA)
        )
    return EventFrames(tuple(rows), tuple(crops), box, float(meta.capture_fps))


def label_frame(
    image: np.ndarray,
    row: int,
    event_row: int | None,
    fps: float,
    *,
    marked: bool = False,
    color: tuple[int, int, int] = EVENT_COLOR,
) -> np.ndarray:
    """A copy of one crop with its frame number and its time from the event (ms); outlined in
    ``color`` when ``marked``."""
    out = image.copy()
    scale = out.shape[0] / 300
    text = f"frame {row}"
    if event_row is not None and math.isfinite(fps) and fps > 0:
        text += f"  {1000.0 * (row - event_row) / fps:+.0f} ms"
    draw_text(out, text, (6, int(24 * scale) + 4), scale=1.1 * scale)
    if marked:
        t = max(3, round(5 * scale))
        cv2.rectangle(out, (0, 0), (out.shape[1] - 1, out.shape[0] - 1), color, t)
    return out


def filmstrip(
    frames: EventFrames,
    event_row: int | None,
    *,
    marks: Sequence[int] = (),
    current: int | None = None,
    per_row: int = 5,
    gap_px: int = 4,
) -> np.ndarray:
    """The frames side by side (``per_row`` a row), each labelled; ``marks`` (the event's frame)
    outlined in :data:`EVENT_COLOR`, ``current`` in :data:`CURRENT_COLOR`."""
    from .kinogram import grid

    tiles = [
        label_frame(
            img,
            r,
            event_row,
            frames.fps,
            marked=r in marks or r == current,
            color=EVENT_COLOR if r in marks else CURRENT_COLOR,
        )
        for r, img in zip(frames.rows, frames.images, strict=True)
    ]
    return grid(tiles, per_row=per_row, gap_px=gap_px)
