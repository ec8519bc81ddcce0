"""Kinogram: one cropped picture of the athlete at each touchdown, side by side.

Each tile is the frame of a step's touchdown, cropped around the athlete, with the shin of the
landing leg (green) and the trunk (red) drawn at the angles the steps table gives and printed
under it, so the line shows the number: the shin from the landing ankle, as long as the
athlete's shank (its median over the clip), the trunk from the mid-hip, as long as the trunk in
that frame. Set against the athlete's leg
and back in the picture, a line that does not lie on them shows a measurement that is off. The
landing leg is the one whose ankle stays where it is over the first part of the contact (the
pose model's left/right labels swap, and the trailing foot, just off the ground, is often the
lower one in the picture). Steps 1–5 and 6–10 are two rows of five tiles.

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

KINOGRAM_PER_ROW = 5
"""Tiles per row of a rep's kinogram (steps 1–5 above 6–10: readable at the tiles' own size)."""


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
    ground_slope : float
        The ground line's slope in the picture (dy/dx, pixels; 0 when not known).
    forward : float
        +1 when the athlete runs towards larger x in the picture, −1 otherwise.
    """

    video_path: Path
    scale: float
    frame_index: np.ndarray
    xy_px: np.ndarray
    capture_fps: float | None = None
    ground_slope: float = 0.0
    forward: float = 1.0

    @property
    def directions(self) -> tuple[np.ndarray, np.ndarray]:
        """Unit vectors (clip pixels, y down) of forward along the ground and of up from it."""
        return ground_directions(self.ground_slope, self.forward)


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
        # The overlay is the clip capped at 1280 px wide (see overlay_video.MAX_WIDTH_PX).
        scale = min(1.0, 1280.0 / width) if width > 0 else 1.0
    else:
        raise KinogramError(
            f"Neither the clip {clip} nor the overlay video of {rep_dir.name} is available; "
            "put the clip back at its path or analyse it again."
        )
    xy = np.asarray(track.xy, dtype=float)
    geometry = (doc.get("foot_image") or {}).get("geometry") or {}
    slope = geometry.get("slope")
    return KinogramSource(
        video_path=path,
        scale=scale,
        frame_index=np.asarray(track.frame_index, dtype=int),
        xy_px=xy,
        capture_fps=video.get("capture_fps"),
        ground_slope=float(slope) if slope is not None and math.isfinite(float(slope)) else 0.0,
        forward=forward_sign(xy),
    )


def forward_sign(xy_px: np.ndarray) -> float:
    """+1 when the mid-hip moves towards larger x over the track, −1 otherwise (+1 if unseen)."""
    hip = 0.5 * (xy_px[:, KP.LEFT_HIP, 0] + xy_px[:, KP.RIGHT_HIP, 0])
    seen = np.flatnonzero(np.isfinite(hip))
    if seen.size < 2:
        return 1.0
    k = max(1, seen.size // 10)
    return 1.0 if np.median(hip[seen[-k:]]) >= np.median(hip[seen[:k]]) else -1.0


def ground_directions(slope: float, forward: float) -> tuple[np.ndarray, np.ndarray]:
    """Unit vectors (pixels, y down) forward along a ground line of ``slope`` and up from it."""
    along = np.array([1.0, slope]) / math.hypot(1.0, slope)
    return forward * along, np.array([along[1], -along[0]])


@dataclass(frozen=True)
class SegmentLine:
    """A segment drawn on a tile, in clip pixels.

    Attributes
    ----------
    start_px, end_px : ndarray, shape (2,)
        The ankle (hip) end and the knee (shoulder) end.
    angle_deg : float
        Angle of the line from the forward horizontal (what is printed); NaN when the line is
        the pose model's segment because no angle was measured.
    """

    start_px: np.ndarray
    end_px: np.ndarray
    angle_deg: float


def stance_ankle(xy_px: np.ndarray, td_row: int, to_row: int | None) -> np.ndarray | None:
    """Where the landing ankle is at touchdown (clip pixels), or None if no ankle is seen.

    Over the first half of the contact (at least the two rows after touchdown) the landing
    ankle stays where it landed while the other one swings on. The pose model's labels swap and,
    in the frame of touchdown itself, it can put both ankle points between the feet; so every
    ankle point of the first three rows is a candidate, scored by the median distance from it to
    the nearer ankle point (of either label) in each row of that stretch. The place is the
    median of the ankle points nearest the best candidate.
    """
    n = len(xy_px)
    half = (to_row - td_row) // 2 if to_row is not None and to_row > td_row else 0
    rows = np.arange(td_row, min(n, td_row + 1 + max(2, half)))
    both = xy_px[rows][:, [ANKLE["left"], ANKLE["right"]]]  # (R, 2, 2)
    cands = both[:3].reshape(-1, 2)
    cands = cands[np.all(np.isfinite(cands), axis=1)]
    if cands.size == 0:
        return None
    with np.errstate(invalid="ignore"):
        dist = np.linalg.norm(both[None, :, :, :] - cands[:, None, None, :], axis=3)  # (C, R, 2)
    dist = np.where(np.isfinite(dist), dist, np.inf)
    nearest = dist.min(axis=2)  # (C, R)
    score = np.median(nearest, axis=1)
    best = int(np.argmin(score))
    pick = np.argmin(dist[best], axis=1)
    points = both[np.arange(len(rows)), pick]
    points = points[np.isfinite(nearest[best]) & np.all(np.isfinite(points), axis=1)]
    return np.median(points, axis=0) if points.size else cands[best]


def shank_length_px(xy_px: np.ndarray) -> float:
    """The athlete's knee-to-ankle distance in the picture (px): the median over the track and
    both legs (NaN when never seen)."""
    d = np.concatenate(
        [
            np.linalg.norm(xy_px[:, KNEE[side]] - xy_px[:, ANKLE[side]], axis=1)
            for side in ("left", "right")
        ]
    )
    d = d[np.isfinite(d)]
    return float(np.median(d)) if d.size else math.nan


def _angle_line(
    start: np.ndarray,
    length_px: float,
    angle_deg: float,
    directions: tuple[np.ndarray, np.ndarray],
) -> np.ndarray:
    forward, up = directions
    a = math.radians(angle_deg)
    return start + length_px * (math.cos(a) * forward + math.sin(a) * up)


def shin_line(
    source: KinogramSource, td_row: int, to_row: int | None, angle_deg: float
) -> SegmentLine | None:
    """The landing leg's shin at ``td_row`` (clip pixels): from the landing ankle
    (:func:`stance_ankle`), as long as the athlete's shank (:func:`shank_length_px`), at
    ``angle_deg``; without an angle, to the knee the pose model put nearest above it."""
    ankle = stance_ankle(source.xy_px, td_row, to_row)
    if ankle is None:
        return None
    length = shank_length_px(source.xy_px)
    if math.isfinite(angle_deg) and math.isfinite(length) and length > 0:
        return SegmentLine(
            ankle, _angle_line(ankle, length, angle_deg, source.directions), angle_deg
        )
    knees = source.xy_px[td_row, [KNEE["left"], KNEE["right"]]]
    knees = knees[np.all(np.isfinite(knees), axis=1)]
    if knees.size == 0:
        return None
    knee = knees[int(np.argmin(np.linalg.norm(knees - ankle, axis=1)))]
    return SegmentLine(ankle, knee, math.nan)


def trunk_line(source: KinogramSource, row: int, angle_deg: float) -> SegmentLine | None:
    """The trunk at ``row`` (clip pixels): from the mid-hip, as long as mid-hip to
    mid-shoulder, at ``angle_deg`` (or along the keypoints when NaN)."""
    xy = source.xy_px[row]
    hip = 0.5 * (xy[KP.LEFT_HIP] + xy[KP.RIGHT_HIP])
    sho = 0.5 * (xy[KP.LEFT_SHOULDER] + xy[KP.RIGHT_SHOULDER])
    return _segment(hip, sho, angle_deg, source.directions)


def _segment(
    start: np.ndarray,
    end: np.ndarray,
    angle_deg: float,
    directions: tuple[np.ndarray, np.ndarray],
) -> SegmentLine | None:
    if not (np.all(np.isfinite(start)) and np.all(np.isfinite(end))):
        return None
    length = float(np.linalg.norm(end - start))
    if math.isfinite(angle_deg) and length > 0:
        return SegmentLine(start, _angle_line(start, length, angle_deg, directions), angle_deg)
    return SegmentLine(start, end, math.nan)


def line_angle_deg(line: SegmentLine, directions: tuple[np.ndarray, np.ndarray]) -> float:
    """Angle (deg) of a drawn line from the forward horizontal, read back from its ends."""
    forward, up = directions
    d = line.end_px - line.start_px
    return math.degrees(math.atan2(float(d @ up), float(d @ forward)))


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
    image: np.ndarray,
    xy_px: np.ndarray,
    step: dict[str, Any],
    *,
    tile_height_px: int,
    shin: SegmentLine | None = None,
    trunk: SegmentLine | None = None,
) -> np.ndarray:
    """One kinogram tile: the athlete cropped, shin and trunk drawn, step and angles printed.

    Parameters
    ----------
    image : ndarray
        The touchdown frame (BGR) in the video's pixels.
    xy_px : ndarray, shape (17, 2)
        Keypoints in the same pixels (for the crop).
    step : dict
        A row of the steps table (``number``, ``foot``).
    shin, trunk : SegmentLine, optional
        The lines to draw, in the same pixels (:func:`shin_line`, :func:`trunk_line`); the
        printed angle is each line's own.
    """
    aspect = 0.75
    box = _crop_box(xy_px, image.shape[:2], aspect)
    tile = _crop(image, box).copy()
    origin = np.array([box[0], box[1]], dtype=float)
    k = tile_height_px / tile.shape[0]
    tile = cv2.resize(
        tile, (round(tile.shape[1] * k), tile_height_px), interpolation=cv2.INTER_AREA
    )
    scale = tile_height_px / 400
    thick = max(2, round(4 * scale))

    def pt(p: np.ndarray) -> tuple[int, int]:
        q = (p - origin) * k
        return round(float(q[0])), round(float(q[1]))

    # Only the two lines the angles are measured on: a full skeleton hides the athlete's shape,
    # which is what a coach reads a kinogram for.
    for line, color in ((shin, SHIN_COLOR), (trunk, TRUNK_COLOR)):
        if line is not None:
            measured = math.isfinite(line.angle_deg)
            cv2.line(
                tile,
                pt(line.start_px),
                pt(line.end_px),
                color,
                thick if measured else max(1, thick // 2),
                cv2.LINE_AA,
            )
    foot = str(step.get("foot") or "")[:1].upper()
    draw_text(tile, f"Step {step.get('number')} {foot}", (8, int(26 * scale) + 6), scale=scale)
    y = tile.shape[0] - 12
    draw_text(
        tile,
        f"trunk {_fmt(trunk.angle_deg if trunk else None, ' deg')}",
        (8, y),
        scale=scale,
        color=(150, 150, 255),  # light red, as the trunk line
    )
    draw_text(
        tile,
        f"shin {_fmt(shin.angle_deg if shin else None, ' deg')}",
        (8, y - int(28 * scale) - 4),
        scale=scale,
        color=(150, 255, 150),  # light green, as the shin line
    )
    return tile


def _number(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def step_lines(
    source: KinogramSource, step: dict[str, Any]
) -> tuple[SegmentLine | None, SegmentLine | None]:
    """The shin and trunk lines of one step at its touchdown row (clip pixels)."""
    row = int(step["touchdown_frame"])
    to = _number(step.get("toeoff_frame"))
    to_row = int(to) if math.isfinite(to) else None
    shin = shin_line(source, row, to_row, _number(step.get("shin_angle_td_deg")))
    trunk = trunk_line(source, row, _number(step.get("trunk_angle_td_deg")))
    return shin, trunk


def _scaled(line: SegmentLine | None, scale: float) -> SegmentLine | None:
    if line is None:
        return None
    return SegmentLine(line.start_px * scale, line.end_px * scale, line.angle_deg)


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
        row = _number(step.get("touchdown_frame"))
        if not math.isfinite(row) or not 0 <= int(row) < len(source.xy_px):
            continue
        row = int(row)
        index = int(source.frame_index[row])
        if not 0 <= index < meta.n_frames:
            continue
        image = read_frame(meta, index)
        shin, trunk = step_lines(source, step | {"touchdown_frame": row})
        tiles.append(
            draw_tile(
                image,
                source.xy_px[row] * source.scale,
                step,
                tile_height_px=tile_height_px,
                shin=_scaled(shin, source.scale),
                trunk=_scaled(trunk, source.scale),
            )
        )
    return tiles


def grid(tiles: Sequence[np.ndarray], *, per_row: int = 5, gap_px: int = 4) -> np.ndarray:
    """Tiles in rows of ``per_row`` on white, left-aligned."""
    rows = [hstack(tiles[i : i + per_row], gap_px=gap_px) for i in range(0, len(tiles), per_row)]
    w = max(r.shape[1] for r in rows)
    h = sum(r.shape[0] for r in rows) + gap_px * (len(rows) - 1)
    out = np.full((h, w, 3), 255, dtype=np.uint8)
    y = 0
    for r in rows:
        out[y : y + r.shape[0], : r.shape[1]] = r
        y += r.shape[0] + gap_px
    return out


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
    """The kinogram of a rep folder (BGR image): steps 1..``max_steps`` in rows of five.

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
    return grid(tiles, per_row=KINOGRAM_PER_ROW)


def png_bytes(image_bgr: np.ndarray) -> bytes:
    """PNG encoding of a BGR image."""
    ok, buf = cv2.imencode(".png", image_bgr)
    if not ok:  # pragma: no cover - OpenCV encodes any uint8 BGR image
        raise KinogramError("The kinogram could not be encoded as PNG.")
    return buf.tobytes()
