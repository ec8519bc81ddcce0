"""Kinogram: one cropped picture of the athlete at each touchdown, side by side.

Each tile is the frame of a step's touchdown, cropped around the athlete, with the shin of the
landing leg (green) and the trunk (red) drawn from the pose model's keypoints and the measured
angles printed under it (the values of the steps table, i.e. of the filtered world track, so the
printed number and the drawn line can differ by a few degrees of keypoint noise).

Frames come from the rep's clip when it is still at its recorded path, else from the rep's
``overlay.mp4`` (which shows every frame of the clip, possibly downscaled).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from ..errors import SprintlabError
from ..skeleton import ANKLE, KNEE, KP
from .overlay import SHIN_COLOR, TRUNK_COLOR, draw_text

TILE_HEIGHT_PX = 300
"""Height of each tile in the kinogram image."""

CROP_MARGIN = 0.35
"""Margin around the athlete's keypoints as a fraction of their box's larger side."""

MAX_STEPS = 10


class KinogramError(SprintlabError):
    """No kinogram can be drawn for this rep (no video, no touchdowns)."""


@dataclass(frozen=True)
class KinogramSource:
    """Where a rep's frames and keypoints come from.

    Attributes
    ----------
    video_path : Path
        The clip, or the overlay video.
    scale : float
        Video pixels per clip pixel (1 for the clip, < 1 for a downscaled overlay).
    frame_index : ndarray of int
        Video frame index of every track row.
    xy_px : ndarray, shape (T, 17, 2)
        Keypoints in clip pixels (NaN = missing).
    capture_fps : float or None
        For probing the video at its true capture rate.
    """

    video_path: Path
    scale: float
    frame_index: np.ndarray
    xy_px: np.ndarray
    capture_fps: float | None = None


def source_for_rep(rep_dir: Path, doc: dict[str, Any]) -> KinogramSource:
    """Pick the clip (when it still exists) or the overlay video of a rep folder.

    Raises
    ------
    KinogramError
        Neither the clip nor ``overlay.mp4`` is there, or ``keypoints.npz`` is missing.
    """
    from ..results import load_track_npz

    rep_dir = Path(rep_dir)
    npz = rep_dir / "keypoints.npz"
    if not npz.is_file():
        raise KinogramError(f"{rep_dir.name} has no keypoints.npz; analyse the clip again.")
    track, _ = load_track_npz(npz)
    video = doc.get("video") or {}
    clip = Path(str(video.get("path") or ""))
    width = float(video.get("width_px") or 0)
    if str(video.get("path") or "") and clip.is_file():
        path, scale = clip, 1.0
    elif (rep_dir / "overlay.mp4").is_file():
        path = rep_dir / "overlay.mp4"
        # The overlay is the clip capped at 1280 px wide (see pipeline.overlay_writer).
        scale = min(1.0, 1280.0 / width) if width > 0 else 1.0
    else:
        raise KinogramError(
            f"Neither the clip {clip} nor the overlay video of {rep_dir.name} is available; "
            "put the clip back at its path or analyse it again."
        )
    return KinogramSource(
        video_path=path,
        scale=scale,
        frame_index=np.asarray(track.frame_index, dtype=int),
        xy_px=np.asarray(track.xy, dtype=float),
        capture_fps=video.get("capture_fps"),
    )


def _stance_side(xy: np.ndarray) -> str:
    # The landing foot is the lower ankle in the image (larger y): the other is in the air.
    # The steps table's "foot" is the athlete's side after relabelling and may not match the
    # model's label of that ankle, so the picture's own evidence decides which shin to draw.
    left, right = xy[KP.LEFT_ANKLE, 1], xy[KP.RIGHT_ANKLE, 1]
    if not np.isfinite(left):
        return "right"
    if not np.isfinite(right):
        return "left"
    return "left" if left >= right else "right"


def _crop_box(xy: np.ndarray, shape: tuple[int, int], aspect: float) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1) around the finite keypoints with a margin, of width/height ``aspect``."""
    h, w = shape
    pts = xy[np.all(np.isfinite(xy), axis=1)]
    if pts.size == 0:
        return 0, 0, w, h
    x0, y0 = pts.min(axis=0)
    x1, y1 = pts.max(axis=0)
    side = max(x1 - x0, y1 - y0, 20.0)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    bh = side * (1 + 2 * CROP_MARGIN)
    bw = bh * aspect
    bx0 = round(cx - bw / 2)
    by0 = round(cy - bh / 2)
    return bx0, by0, bx0 + round(bw), by0 + round(bh)


def _crop(image: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    """Crop with black padding where the box leaves the image."""
    x0, y0, x1, y1 = box
    h, w = image.shape[:2]
    out = np.zeros((y1 - y0, x1 - x0, 3), dtype=np.uint8)
    sx0, sy0, sx1, sy1 = max(0, x0), max(0, y0), min(w, x1), min(h, y1)
    if sx1 > sx0 and sy1 > sy0:
        out[sy0 - y0 : sy1 - y0, sx0 - x0 : sx1 - x0] = image[sy0:sy1, sx0:sx1]
    return out


def _fmt(value: Any, unit: str) -> str:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return "–"
    return f"{v:.0f}{unit}" if math.isfinite(v) else "–"


def draw_tile(
    image: np.ndarray, xy_px: np.ndarray, step: dict[str, Any], *, tile_height_px: int
) -> np.ndarray:
    """One kinogram tile: the athlete cropped, shin and trunk drawn, step and angles printed.

    Parameters
    ----------
    image : ndarray
        The touchdown frame (BGR) in the video's pixels.
    xy_px : ndarray, shape (17, 2)
        Keypoints in the same pixels.
    step : dict
        A row of the steps table (``number``, ``foot``, ``shin_angle_td_deg``,
        ``trunk_angle_td_deg``, ``touchdown_s``).
    """
    aspect = 0.75
    box = _crop_box(xy_px, image.shape[:2], aspect)
    tile = _crop(image, box).copy()
    xy = xy_px - np.array([box[0], box[1]], dtype=float)
    k = tile_height_px / tile.shape[0]
    tile = cv2.resize(
        tile, (round(tile.shape[1] * k), tile_height_px), interpolation=cv2.INTER_AREA
    )
    xy = xy * k
    scale = tile_height_px / 400
    # Only the two lines the angles are measured on: a full skeleton hides the athlete's shape,
    # which is what a coach reads a kinogram for.
    side = _stance_side(xy)
    thick = max(2, round(4 * scale))

    def pt(p: np.ndarray) -> tuple[int, int] | None:
        return (round(float(p[0])), round(float(p[1]))) if np.all(np.isfinite(p)) else None

    ankle, knee = pt(xy[ANKLE[side]]), pt(xy[KNEE[side]])
    if ankle and knee:
        cv2.line(tile, ankle, knee, SHIN_COLOR, thick, cv2.LINE_AA)
    hip = pt(0.5 * (xy[KP.LEFT_HIP] + xy[KP.RIGHT_HIP]))
    sho = pt(0.5 * (xy[KP.LEFT_SHOULDER] + xy[KP.RIGHT_SHOULDER]))
    if hip and sho:
        cv2.line(tile, hip, sho, TRUNK_COLOR, thick, cv2.LINE_AA)
    foot = str(step.get("foot") or "")[:1].upper()
    draw_text(tile, f"Step {step.get('number')} {foot}", (8, int(26 * scale) + 6), scale=scale)
    y = tile.shape[0] - 12
    draw_text(
        tile,
        f"trunk {_fmt(step.get('trunk_angle_td_deg'), ' deg')}",
        (8, y),
        scale=scale,
        color=(150, 150, 255),  # light red, as the trunk line
    )
    draw_text(
        tile,
        f"shin {_fmt(step.get('shin_angle_td_deg'), ' deg')}",
        (8, y - int(28 * scale) - 4),
        scale=scale,
        color=(150, 255, 150),  # light green, as the shin line
    )
    return tile


def kinogram_tiles(
    source: KinogramSource,
    steps: Sequence[dict[str, Any]],
    *,
    max_steps: int = MAX_STEPS,
    tile_height_px: int = TILE_HEIGHT_PX,
) -> list[np.ndarray]:
    """The tiles of steps 1..``max_steps`` that have a touchdown frame (in step order)."""
    from ..video import probe, read_frame

    meta = probe(source.video_path, capture_fps=source.capture_fps, check_duplicates=False)
    tiles = []
    for step in sorted(steps, key=lambda s: int(s.get("number") or 0))[:max_steps]:
        row = step.get("touchdown_frame")
        if row is None or not math.isfinite(float(row)) or not 0 <= int(row) < len(source.xy_px):
            continue
        row = int(row)
        index = int(source.frame_index[row])
        if not 0 <= index < meta.n_frames:
            continue
        image = read_frame(meta, index)
        tiles.append(
            draw_tile(image, source.xy_px[row] * source.scale, step, tile_height_px=tile_height_px)
        )
    return tiles


def hstack(tiles: Sequence[np.ndarray], *, gap_px: int = 4) -> np.ndarray:
    """Tiles side by side on white, top-aligned."""
    h = max(t.shape[0] for t in tiles)
    w = sum(t.shape[1] for t in tiles) + gap_px * (len(tiles) - 1)
    out = np.full((h, w, 3), 255, dtype=np.uint8)
    x = 0
    for t in tiles:
        out[: t.shape[0], x : x + t.shape[1]] = t
        x += t.shape[1] + gap_px
    return out


def labelled_rows(rows: Sequence[tuple[str, np.ndarray]], *, gap_px: int = 8) -> np.ndarray:
    """Images stacked top to bottom, each under a title line (the compare page's rep above rep)."""
    band = 34
    font, font_scale, thick = cv2.FONT_HERSHEY_SIMPLEX, 0.7, 2
    text_w = max(cv2.getTextSize(t, font, font_scale, thick)[0][0] + 12 for t, _ in rows)
    w = max(text_w, *(img.shape[1] for _, img in rows))
    h = sum(img.shape[0] + band for _, img in rows) + gap_px * (len(rows) - 1)
    out = np.full((h, w, 3), 255, dtype=np.uint8)
    y = 0
    for title, img in rows:
        cv2.putText(out, title, (6, y + 24), font, font_scale, (0, 0, 0), thick, cv2.LINE_AA)
        y += band
        out[y : y + img.shape[0], : img.shape[1]] = img
        y += img.shape[0] + gap_px
    return out


def kinogram_image(
    rep_dir: Path,
    doc: dict[str, Any],
    *,
    max_steps: int = MAX_STEPS,
    tile_height_px: int = TILE_HEIGHT_PX,
) -> np.ndarray:
    """The kinogram of a rep folder (BGR image): steps 1..``max_steps`` side by side.

    Raises
    ------
    KinogramError
        No video to read, or no step with a touchdown frame.
    """
    source = source_for_rep(rep_dir, doc)
    tiles = kinogram_tiles(
        source, doc.get("steps") or [], max_steps=max_steps, tile_height_px=tile_height_px
    )
    if not tiles:
        raise KinogramError(
            f"{Path(rep_dir).name} has no touchdown in view, so there is no kinogram to draw."
        )
    return hstack(tiles)


def png_bytes(image_bgr: np.ndarray) -> bytes:
    """PNG encoding of a BGR image."""
    ok, buf = cv2.imencode(".png", image_bgr)
    if not ok:  # pragma: no cover - OpenCV encodes any uint8 BGR image
        raise KinogramError("The kinogram could not be encoded as PNG.")
    return buf.tobytes()
