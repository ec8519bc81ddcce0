"""Side-by-side composite video of 2–4 reps aligned at first movement (or one rep, zoomed).

Browsers cannot keep several ``<video>`` elements frame-locked, so the reps are composed into one
H.264 video: output frame ``k`` shows, in every panel, the rep's frame at the same time
``t = -lead_s + k · dt_s`` relative to that rep's first movement. Reps shot at different rates
stay in step (each panel shows its nearest earlier frame); a rep that has ended holds its last
frame. The video plays at :data:`PLAY_FPS`, i.e. in slow motion by ``1 / (dt_s · PLAY_FPS)``.

Composites are cached by content (:func:`cached_compare_video`) in a folder next to the library,
so opening the same comparison twice renders once.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from ..errors import SprintlabError
from .overlay import draw_text
from .video_writer import H264Writer

PLAY_FPS = 30.0
"""Playback rate of the composite, frames per second."""

PANEL_HEIGHT_PX = 360
"""Height of each rep's panel."""

LEAD_S = 0.3
"""Seconds shown before first movement."""

MAX_OUTPUT_FRAMES = 900
"""Cap on composite frames (30 s of playback): a longer span is sampled more coarsely."""

REP_COLOURS_BGR: tuple[tuple[int, int, int], ...] = (
    (180, 119, 31),
    (40, 39, 214),
    (44, 160, 44),
    (189, 103, 148),
)
"""The figures' rep colours (blue, red, green, purple) in BGR, for the panel titles."""


class CompareVideoError(SprintlabError):
    """The composite cannot be made (too few or too many reps, a video missing)."""


@dataclass(frozen=True)
class CompareInput:
    """One rep of a comparison.

    Attributes
    ----------
    label : str
        Printed on the panel.
    video_path : Path
        The rep's overlay video or clip (every frame of the clip, in order).
    frame_t_s : ndarray
        Time (s from the clip's first frame, true capture rate) of video frames 0, 1, 2, ...
    first_movement_s : float
        s from the clip's first frame.
    touchdowns_s : tuple of float
        Touchdown times of steps 1, 2, ... (s from the clip's first frame; NaN allowed).
    follow_px : ndarray, shape (n_frames, 2), optional
        Centre of a window that follows the athlete (video pixels, one row per video frame).
        With ``follow_height_px`` the panel shows that window instead of the whole frame, so the
        athlete fills the panel however far the camera stood.
    follow_height_px : float, optional
        Height of the follow window in video pixels.
    colour_index : int, optional
        Which of :data:`REP_COLOURS_BGR` titles the panel (the rep's colour on the page's
        charts); None: the panel's position.
    """

    label: str
    video_path: Path
    frame_t_s: np.ndarray
    first_movement_s: float
    touchdowns_s: tuple[float, ...] = ()
    follow_px: np.ndarray | None = None
    follow_height_px: float | None = None
    colour_index: int | None = None

    def __post_init__(self) -> None:
        if not math.isfinite(self.first_movement_s):
            raise CompareVideoError(
                f"{self.label}: first movement was not reported (the start was not seen), so it "
                "cannot be aligned with the others."
            )
        t = np.asarray(self.frame_t_s, dtype=float)
        if t.ndim != 1 or t.size < 1 or not np.all(np.isfinite(t)):
            raise CompareVideoError(f"{self.label}: the frame times are missing.")
        object.__setattr__(self, "frame_t_s", t)


@dataclass(frozen=True)
class CompareVideo:
    """A written composite and how its time maps to the reps' time.

    Attributes
    ----------
    path : Path
    play_fps : float
        Playback rate of the file.
    dt_s : float
        Rep time between consecutive composite frames, s.
    lead_s : float
        Rep time before first movement at the composite's first frame, s.
    n_frames : int
    """

    path: Path
    play_fps: float
    dt_s: float
    lead_s: float
    n_frames: int

    def video_time_s(self, t_from_first_movement_s: float) -> float:
        """Playback position (s into the file) showing rep time ``t`` from first movement."""
        k = (t_from_first_movement_s + self.lead_s) / self.dt_s
        return float(np.clip(k, 0, max(0, self.n_frames - 1)) / self.play_fps)

    def slow_motion_factor(self) -> float:
        """How many times slower than real time the composite plays."""
        return 1.0 / (self.dt_s * self.play_fps)


def _layout(n: int) -> tuple[int, int]:
    """(rows, cols) of the panel grid: 1 to 3 side by side, 4 as 2 × 2."""
    return (2, 2) if n == 4 else (1, n)


def _frames(path: Path) -> Iterator[tuple[int, np.ndarray]]:
    from ..video import iter_frames, probe

    meta = probe(path, check_duplicates=False)
    for f in iter_frames(meta):
        yield f.index, f.image


class _Cursor:
    """Walks one video forward, holding the latest frame at or before a requested index."""

    def __init__(self, path: Path) -> None:
        self._it = _frames(path)
        self._next: tuple[int, np.ndarray] | None = next(self._it, None)
        self.image: np.ndarray | None = None
        self.index = -1
        if self._next is not None:
            self.index, self.image = self._next
            self._next = next(self._it, None)

    def seek(self, index: int) -> np.ndarray | None:
        while self._next is not None and self._next[0] <= index:
            self.index, self.image = self._next
            self._next = next(self._it, None)
        return self.image


def _fit(image: np.ndarray, width: int, height: int) -> np.ndarray:
    """Scale into (width, height) keeping the aspect ratio, centred on black."""
    h, w = image.shape[:2]
    k = min(width / w, height / h)
    nw, nh = max(1, int(w * k)), max(1, int(h * k))
    small = cv2.resize(image, (nw, nh), interpolation=cv2.INTER_AREA)
    out = np.zeros((height, width, 3), dtype=np.uint8)
    y0, x0 = (height - nh) // 2, (width - nw) // 2
    out[y0 : y0 + nh, x0 : x0 + nw] = small
    return out


def _follow_crop(image: np.ndarray, centre: np.ndarray, height: float, aspect: float) -> np.ndarray:
    """The window of ``height`` × ``height·aspect`` video pixels around ``centre`` (black outside
    the frame)."""
    h = max(8, round(height))
    w = max(8, round(height * aspect))
    x0 = round(float(centre[0]) - w / 2)
    y0 = round(float(centre[1]) - h / 2)
    out = np.zeros((h, w, 3), dtype=np.uint8)
    H, W = image.shape[:2]
    sx0, sy0, sx1, sy1 = max(0, x0), max(0, y0), min(W, x0 + w), min(H, y0 + h)
    if sx1 > sx0 and sy1 > sy0:
        out[sy0 - y0 : sy1 - y0, sx0 - x0 : sx1 - x0] = image[sy0:sy1, sx0:sx1]
    return out


def frame_plan(reps: Sequence[CompareInput], lead_s: float) -> tuple[float, np.ndarray]:
    """Which video frame of each rep every composite frame shows.

    Returns
    -------
    dt_s : float
        Rep time between composite frames: the finest frame spacing of the reps (so the fastest
        camera's frames all appear), coarser when the span would exceed
        :data:`MAX_OUTPUT_FRAMES`.
    plan : ndarray of int, shape (n_out, n_reps)
        ``plan[k, i]``: the latest frame of rep ``i`` at or before ``t = -lead_s + k·dt_s`` from
        its first movement (never a future frame); -1 before the clip starts.
    """
    dts = [float(np.median(np.diff(r.frame_t_s))) if r.frame_t_s.size > 1 else 1 / 30 for r in reps]
    dt = min(d for d in dts if d > 0)
    span_end = max(float(r.frame_t_s[-1]) - r.first_movement_s for r in reps)
    n_out = math.floor((span_end + lead_s) / dt + 1e-9) + 1
    if n_out > MAX_OUTPUT_FRAMES:
        dt = (span_end + lead_s) / (MAX_OUTPUT_FRAMES - 1)
        n_out = MAX_OUTPUT_FRAMES
    t_rel = -lead_s + np.arange(n_out) * dt
    plan = np.stack(
        [
            np.searchsorted(r.frame_t_s, r.first_movement_s + t_rel + 1e-9, side="right") - 1
            for r in reps
        ],
        axis=1,
    )
    return dt, plan


def render_compare_video(
    reps: Sequence[CompareInput],
    out_path: Path,
    *,
    panel_height_px: int = PANEL_HEIGHT_PX,
    lead_s: float = LEAD_S,
    progress: Callable[[float], None] | None = None,
) -> CompareVideo:
    """Write the composite of ``reps`` (2–4) to ``out_path`` (see the module docstring).

    Parameters
    ----------
    reps : sequence of CompareInput
    out_path : Path
        Written to a temporary sibling and renamed, so a reader never sees half a file.
    panel_height_px : int
    lead_s : float
        Seconds shown before first movement.
    progress : callable, optional
        Called with the fraction done (0..1).
    """
    if not 1 <= len(reps) <= 4:
        # One rep: its overlay zoomed on the athlete (the Rep page).
        raise CompareVideoError(f"Choose 1 to 4 reps to compare, not {len(reps)}.")
    for r in reps:
        if not Path(r.video_path).is_file():
            raise CompareVideoError(f"{r.label}: the video {r.video_path} is missing.")
    from ..video import probe

    sizes = []
    for r in reps:
        meta = probe(r.video_path, check_duplicates=False)
        sizes.append((meta.width_px, meta.height_px))
    follow = all(r.follow_px is not None and r.follow_height_px for r in reps)
    # A follow window is wider than tall (the athlete and a step either side); otherwise the
    # panels keep the widest clip's shape.
    aspect = 1.4 if follow else max(w / h for w, h in sizes)
    panel_w = round(panel_height_px * aspect) // 2 * 2
    rows, cols = _layout(len(reps))
    dt, plan = frame_plan(reps, lead_s)
    n_out = len(plan)
    span_start = -lead_s
    cursors = [_Cursor(Path(r.video_path)) for r in reps]
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_name(f".{out_path.stem}.{os.getpid()}.tmp.mp4")
    try:
        with H264Writer(tmp, PLAY_FPS, panel_w * cols, panel_height_px * rows) as writer:
            for k in range(n_out):
                t_rel = span_start + k * dt
                canvas = np.zeros((panel_height_px * rows, panel_w * cols, 3), dtype=np.uint8)
                for i, (r, cur) in enumerate(zip(reps, cursors, strict=True)):
                    t_abs = r.first_movement_s + t_rel
                    idx = int(plan[k, i])
                    image = cur.seek(max(idx, 0))
                    if image is not None and follow:
                        row = min(max(idx, 0), len(r.follow_px) - 1)  # type: ignore[arg-type]
                        image = _follow_crop(
                            image,
                            r.follow_px[row],
                            r.follow_height_px,
                            aspect,  # type: ignore[index,arg-type]
                        )
                    panel = (
                        _fit(image, panel_w, panel_height_px)
                        if image is not None
                        else np.zeros((panel_height_px, panel_w, 3), dtype=np.uint8)
                    )
                    if idx < 0:
                        panel //= 2  # before the clip starts: dimmed first frame
                    step = sum(1 for td in r.touchdowns_s if math.isfinite(td) and td <= t_abs)
                    s = panel_height_px / 360
                    k = i if r.colour_index is None else r.colour_index
                    colour = REP_COLOURS_BGR[k % len(REP_COLOURS_BGR)]
                    cv2.rectangle(panel, (0, 0), (panel_w - 1, int(34 * s)), colour, -1)
                    draw_text(panel, r.label[:48], (8, int(24 * s)), scale=s)
                    status = f"t = {t_rel:+.3f} s from first movement"
                    if step:
                        status += f"   step {step}"
                    if t_abs > r.frame_t_s[-1]:
                        status += "   (clip ended)"
                    # A dark band under the status hides the overlay's own time stamp there.
                    cv2.rectangle(
                        panel,
                        (0, panel_height_px - int(30 * s)),
                        (panel_w - 1, panel_height_px - 1),
                        (20, 20, 20),
                        -1,
                    )
                    draw_text(panel, status, (8, panel_height_px - int(9 * s)), scale=s * 0.9)
                    y0 = (i // cols) * panel_height_px
                    x0 = (i % cols) * panel_w
                    canvas[y0 : y0 + panel_height_px, x0 : x0 + panel_w] = panel
                writer.write(canvas)
                if progress is not None and k % 10 == 0:
                    progress(k / n_out)
        tmp.replace(out_path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if progress is not None:
        progress(1.0)
    return CompareVideo(path=out_path, play_fps=PLAY_FPS, dt_s=dt, lead_s=lead_s, n_frames=n_out)


def compare_key(reps: Sequence[CompareInput], **params: object) -> str:
    """Content key of a comparison: the videos (path, size, modification time), the alignment
    and the drawing parameters."""
    parts = []
    for r in reps:
        st = Path(r.video_path).stat()
        parts.append(
            {
                "label": r.label,
                "colour": r.colour_index,
                "video": str(Path(r.video_path).resolve()),
                "size": st.st_size,
                "mtime_ns": st.st_mtime_ns,
                "fm": round(r.first_movement_s, 6),
                "td": [round(t, 6) if math.isfinite(t) else None for t in r.touchdowns_s],
                "n": int(r.frame_t_s.size),
            }
        )
    text = json.dumps({"reps": parts, "params": params}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def cached_compare_video(
    reps: Sequence[CompareInput],
    cache_dir: Path,
    *,
    panel_height_px: int = PANEL_HEIGHT_PX,
    lead_s: float = LEAD_S,
    progress: Callable[[float], None] | None = None,
) -> CompareVideo:
    """The composite from ``cache_dir`` when it was rendered before, else render and keep it."""
    key = compare_key(reps, panel_height_px=panel_height_px, lead_s=lead_s, play_fps=PLAY_FPS)
    path = Path(cache_dir) / f"compare-{key}.mp4"
    meta_path = path.with_suffix(".json")
    if path.is_file() and meta_path.is_file():
        try:
            m = json.loads(meta_path.read_text())
            return CompareVideo(
                path=path,
                play_fps=float(m["play_fps"]),
                dt_s=float(m["dt_s"]),
                lead_s=float(m["lead_s"]),
                n_frames=int(m["n_frames"]),
            )
        except (ValueError, KeyError, TypeError):
            pass  # a damaged cache entry: render again
    video = render_compare_video(
        reps, path, panel_height_px=panel_height_px, lead_s=lead_s, progress=progress
    )
    meta_path.write_text(
        json.dumps(
            {
                "play_fps": video.play_fps,
                "dt_s": video.dt_s,
                "lead_s": video.lead_s,
                "n_frames": video.n_frames,
            }
        )
    )
    return video
