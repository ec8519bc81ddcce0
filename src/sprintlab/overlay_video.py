"""The overlay video: the tracked skeleton and the steps drawn over the clip, after the numbers.

Drawing the overlay decodes every frame of the clip again, draws on it and encodes H.264: about a
fifth of an analysis' time. So an analysis writes its numbers (rep.json, steps.csv, series.csv)
first and the overlay is made only when somebody wants it: ``analyze --overlay`` right after the
numbers, ``sprintlab overlay REP`` later, or the dashboard the first time it shows the rep.

What the overlay draws is kept with the keypoints when the rep is analysed (``overlay_px``: the
skeleton in each frame's own pixels, as drawn, and ``overlay_frame_index``), so an overlay drawn
later is the one the analysis would have drawn. The steps it marks are read from rep.json when it
is drawn, and rep.json records them (``overlay_steps``): after a person's correction the page
can say that the video predates it.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .errors import SprintlabError, VideoError

#: The overlay video plays at most this many frames per second (slow motion above it).
OVERLAY_PLAY_FPS = 30.0
#: Overlays are for people: at most this wide (px), which also keeps encoding quick.
MAX_WIDTH_PX = 1280
#: keypoints.npz arrays that hold what the overlay draws.
OVERLAY_ARRAYS = ("overlay_px", "overlay_frame_index")


#: Why a rep analysed before its overlay was kept for later cannot be drawn as it is.
ANALYSED_BEFORE = (
    "the rep was analysed before its overlay was kept for later: re-analyse it "
    "(sprintlab reanalyze --overlay, or Draw on the Rep page) to draw one"
)


class OverlayError(SprintlabError):
    """The overlay video cannot be drawn (the clip has moved, or the rep predates the arrays)."""


def skeleton_px(result: Any, calib: Any, to_ref: np.ndarray | None = None) -> np.ndarray:
    """The analysed skeleton in each frame's own pixels, (n_frames, n_keypoints, 2), float32.

    The world track (filtered, metres) is put back into the picture through the calibration;
    for a followed camera (``to_ref``: each frame's motion onto the reference picture the
    analysis measured in) it is then moved into that frame's own pixels.
    """
    world = result.world_track
    px = calib.to_image(np.asarray(world.xy).reshape(-1, 2)).reshape(world.xy.shape)
    if to_ref is not None:
        from .footimage.scan import track_to_reference
        from .footimage.stabilise import invert

        px = track_to_reference(px, invert(np.asarray(to_ref, float)))
    return np.asarray(px, dtype=np.float32)


def overlay_arrays(result: Any, calib: Any, to_ref: np.ndarray | None = None) -> dict[str, Any]:
    """The keypoints.npz arrays an overlay is drawn from later (:data:`OVERLAY_ARRAYS`)."""
    return {
        "overlay_px": skeleton_px(result, calib, to_ref),
        "overlay_frame_index": np.asarray(result.world_track.frame_index, dtype=np.int64),
    }


def _number(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):  # null in rep.json: not measured
        return math.nan


def step_marks(steps: Sequence[dict[str, Any]]) -> list[Any]:
    """The steps to label (:class:`~sprintlab.viz.overlay.StepMark`) from rep.json's steps."""
    from .viz.overlay import StepMark

    return [
        StepMark(
            int(s["number"]),
            str(s["foot"]),
            _number(s.get("touchdown_s")),
            _number(s.get("toeoff_s")),
            _number(s.get("shin_angle_td_deg")),
        )
        for s in steps
        if s.get("number") is not None and s.get("foot") in ("left", "right")
    ]


def draw_overlay_video(
    meta: Any,
    frame_index: np.ndarray,
    px: np.ndarray,
    marks: Sequence[Any],
    header: str,
    path: Path,
    progress: Callable[[float], None] | None = None,
    grid: Sequence[Any] = (),
) -> None:
    """Draw the overlay of a clip into ``path`` (H.264, browser-playable).

    Parameters
    ----------
    meta : VideoMeta
        The clip (:func:`sprintlab.video.probe`).
    frame_index, px : ndarray
        The frames the skeleton is known on and the skeleton there, full-size frame pixels.
    marks : sequence of StepMark
        Steps labelled from touchdown to toe-off.
    header : str
        Text at the top left (the rep's id), followed by each frame's capture time.
    progress : callable, optional
        Called with the fraction of frames drawn.
    grid : sequence
        The field's lines that calibrated the rep (``field_lines.grid_px`` in rep.json), drawn
        under the skeleton; empty for none.
    """
    import cv2

    from .prefetch import prefetch
    from .video import iter_frames
    from .viz.fieldgrid import draw_field_grid
    from .viz.overlay import draw_frame
    from .viz.video_writer import H264Writer

    scale = min(1.0, MAX_WIDTH_PX / meta.width_px)
    w, h = int(meta.width_px * scale) // 2 * 2, int(meta.height_px * scale) // 2 * 2
    # A 240 fps clip plays at 30 fps: 8x slow motion.
    play_fps = min(OVERLAY_PLAY_FPS, meta.capture_fps)
    frame_index = np.asarray(frame_index)
    marks = list(marks)
    n = max(1, int(meta.n_frames or 0))
    with H264Writer(path, play_fps, w, h) as writer:
        # The decoder scales while converting (one pass, in the prefetch thread), which costs
        # far less than converting at full size and resizing after.
        for k, frame in enumerate(prefetch(iter_frames(meta, max_width_px=MAX_WIDTH_PX))):
            img = frame.image
            if img.shape[1] != w or img.shape[0] != h:
                img = cv2.resize(img, (w, h), interpolation=cv2.INTER_AREA)
            if grid:
                img = draw_field_grid(img, grid, scale=scale)
            i = int(np.searchsorted(frame_index, frame.index))
            if i < len(frame_index) and frame_index[i] == frame.index:
                img = draw_frame(img, px[i] * scale, frame.t_s, marks, header=header)
            writer.write(img)
            if progress is not None and k % 50 == 0:
                progress(min(1.0, k / n))


def field_grid(doc: dict[str, Any]) -> list[Any]:
    """The grid of field lines a rep was calibrated with (empty when it was not)."""
    lines = doc.get("field_lines") or {}
    method = (doc.get("calibration") or {}).get("method")
    if method != "field_lines" or not lines.get("found"):
        return []
    return list(lines.get("grid_px") or [])


def _write_json_atomically(path: Path, doc: dict[str, Any]) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    os.replace(tmp, path)


def overlay_problem(rep_dir: Path) -> str | None:
    """Why the overlay of a rep folder cannot be drawn now, or None when it can."""
    from .results import load_rep_json

    rep_dir = Path(rep_dir)
    try:
        doc = load_rep_json(rep_dir)
    except (OSError, ValueError) as err:
        return f"its rep.json cannot be read ({err})"
    clip = Path(str((doc.get("video") or {}).get("path") or ""))
    if not clip.is_file():
        return f"the clip {clip} is not at its recorded path"
    if not has_overlay_arrays(rep_dir):
        return ANALYSED_BEFORE
    return None


def has_overlay_arrays(rep_dir: Path) -> bool:
    """Whether the rep folder keeps what its overlay draws (reps analysed before it do not)."""
    try:
        with np.load(Path(rep_dir) / "keypoints.npz") as z:
            return all(name in z.files for name in OVERLAY_ARRAYS)
    except (OSError, ValueError):
        return False


def draw_rep_overlay(rep_dir: Path, progress: Callable[[float], None] | None = None) -> Path:
    """Draw ``rep_dir/overlay.mp4`` from the rep folder and its clip; return its path.

    The video is written next to the rep's files and moved into place in one step, and rep.json
    records which steps it marks (``overlay_steps``).

    Raises
    ------
    OverlayError
        The clip is not at its recorded path or cannot be read, or the rep folder was written
        before the overlay's arrays were kept (:func:`overlay_problem` says which).
    """
    from .results import load_rep_json, steps_fingerprint
    from .video import probe

    rep_dir = Path(rep_dir)
    problem = overlay_problem(rep_dir)
    if problem is not None:
        raise OverlayError(f"The overlay of {rep_dir.name} cannot be drawn: {problem}.")
    doc = load_rep_json(rep_dir)
    video = doc["video"]
    try:
        meta = probe(Path(video["path"]), capture_fps=video.get("capture_fps"))
    except VideoError as err:
        raise OverlayError(f"The overlay of {rep_dir.name} cannot be drawn: {err}") from err
    with np.load(rep_dir / "keypoints.npz") as z:
        px, frames = z["overlay_px"], z["overlay_frame_index"]
    steps = doc.get("steps") or []
    tmp = rep_dir / ".overlay.partial.mp4"
    try:
        draw_overlay_video(
            meta, frames, px, step_marks(steps), doc["rep_id"], tmp, progress, grid=field_grid(doc)
        )
        os.replace(tmp, rep_dir / "overlay.mp4")
    finally:
        tmp.unlink(missing_ok=True)
    _write_json_atomically(rep_dir / "rep.json", {**doc, "overlay_steps": steps_fingerprint(steps)})
    return rep_dir / "overlay.mp4"
