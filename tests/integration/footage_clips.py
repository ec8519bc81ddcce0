"""Small clips made for the footage checks: rendered by the project's renderer, some re-encoded
with frames repeated or brightness modulated (the project's H.264 writer)."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np

from sprintlab.synth import SprintParams
from sprintlab.synth.camera import PinholeCamera
from sprintlab.synth.render import RenderedClip, render_clip
from sprintlab.video import iter_frames, probe
from sprintlab.viz.video_writer import H264Writer

WIDTH_PX, HEIGHT_PX = 640, 360


def render_small(
    folder: Path,
    name: str,
    *,
    fps: float = 120.0,
    duration_s: float = 1.5,
    start_s: float = 0.3,
    pan_deg: float = 0.0,
    distance_m: float = 8.0,
    look_at_x_m: float = 5.0,
    **kwargs,
) -> RenderedClip:
    """A 640×360 render of the default sprinter, from the rise out of the stance."""
    camera = PinholeCamera.side_view(
        distance_m=distance_m,
        look_at_x_m=look_at_x_m,
        width_px=WIDTH_PX,
        height_px=HEIGHT_PX,
        pan_deg=pan_deg,
    )
    return render_clip(
        SprintParams(),
        folder,
        fps=fps,
        width=WIDTH_PX,
        height=HEIGHT_PX,
        camera=camera,
        duration_s=duration_s,
        start_s=start_s,
        name=name,
        **kwargs,
    )


def frames_of(path: Path) -> list[np.ndarray]:
    """Every decoded frame of a clip (BGR)."""
    return [f.image for f in iter_frames(probe(path, check_duplicates=False))]


def write_clip(path: Path, frames: list[np.ndarray], fps: float) -> Path:
    """Write BGR frames with the project's H.264 writer."""
    h, w = frames[0].shape[:2]
    with H264Writer(path, fps, w, h) as writer:
        for image in frames:
            writer.write(image)
    return path


def pulldown(frames: list[np.ndarray], every: int = 4) -> list[np.ndarray]:
    """Repeat every ``every``-th frame once (24 → 30 fps conversion for ``every=4``)."""
    out: list[np.ndarray] = []
    for i, image in enumerate(frames):
        out.append(image)
        if i % every == every - 1:
            out.append(image)
    return out


def blend_up(frames: list[np.ndarray]) -> list[np.ndarray]:
    """Double the rate by inserting the average of each two neighbours between them."""
    out: list[np.ndarray] = []
    for a, b in itertools.pairwise(frames):
        out.append(a)
        mean = (a.astype(np.uint16) + b.astype(np.uint16) + 1) // 2
        out.append(mean.astype(np.uint8))
    out.append(frames[-1])
    return out


def flicker(frames: list[np.ndarray], depth: float = 0.03) -> list[np.ndarray]:
    """Alternate frames brighter and darker by ``depth`` (120 Hz light seen at 240 fps)."""
    out = []
    for i, image in enumerate(frames):
        gain = 1.0 + (depth if i % 2 else -depth)
        out.append(np.clip(image.astype(np.float32) * gain + 0.5, 0, 255).astype(np.uint8))
    return out
