"""With every realism option off, the renderer draws exactly what it drew before they existed.

The fingerprints below were taken from the renderer at commit 7ad9a3f (before the realism
factors of issue 16): textures, backgrounds, frames with noise, blur, decoys, the dark and light
outfits, panning, a mirrored oblique camera, and a short written clip (decoded frames, truth and
sidecar). They are exact for the OpenCV, PyAV and NumPy versions recorded in ``MADE_WITH`` —
anti-aliased drawing and x264 may change a few pixels between versions — so the test is skipped
under other versions (re-take them by running ``fingerprints()`` on that commit). The joints
and the truth file are compared rounded to 1e-9: their last bits follow the CPU's vector maths
(an AMD EPYC with AVX2 differed from the Xeon they were taken on while every pixel agreed), so
those two were re-taken rounded, on the renderer whose pixels still match 7ad9a3f's.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from sprintlab.synth import SprintParams, joints_at
from sprintlab.synth.camera import PinholeCamera
from sprintlab.synth.render import ClipRenderer, Look, render_clip
from sprintlab.synth.scene import ground_texture, render_background
from sprintlab.video import iter_frames, probe

MADE_WITH = {"cv2": "5.1.0", "av": "18.1.0", "numpy": "2.4.6"}
EXPECTED = {
    "ground_texture_0": "af56dd680f006b6c",
    "background_0": "838245c35657a09e",
    "joints": "b67d1ea8bf0d56b3",
    "frame_plain": "f0554242d5349f17",
    "frame_noise": "2720d33154a13cf6",
    "frame_blur": "c11ac4b458e02cd6",
    "frame_decoys": "00e1f0913ca4ef41",
    "frame_dark": "05da34364149cb4d",
    "frame_light": "6772ffaa83cd8ebf",
    "frame_pan": "30beec9e4ceb21b2",
    "frame_rtl": "79c79479ec3eb584",
    "clip_frames": "2dcbe2204a557618",
    "clip_truth": "b26d6ca421258c6e",
    "clip_sidecar": "4ea799746665bd24",
}
P = SprintParams()
W, H = 320, 180


def _h(data: np.ndarray | bytes) -> str:
    raw = data if isinstance(data, bytes) else np.ascontiguousarray(data).tobytes()
    return hashlib.sha256(raw).hexdigest()[:16]


def _rounded(value):
    """Numbers rounded to 1e-9 (metres, seconds): a CPU's vector maths changes the last bits
    of the joints' trigonometry (an AMD EPYC with AVX2 against a Xeon), not what is drawn."""
    if isinstance(value, float):
        return round(value, 9)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


def _cam(**kw) -> PinholeCamera:
    return PinholeCamera.side_view(width_px=W, height_px=H, **kw)


def fingerprints(tmp: Path) -> dict[str, str]:
    """Hashes of the default outputs (the same code ran on the old renderer)."""
    out = {
        "ground_texture_0": _h(ground_texture(0)),
        "background_0": _h(render_background(_cam(), 0)),
    }
    j = joints_at(P, np.linspace(0, 3, 37))
    out["joints"] = _h(np.round(np.stack([j[k] for k in sorted(j)]), 9) + 0.0)
    cases = {
        "plain": {"seed": 7},
        "noise": {"seed": 7, "noise_sigma": 2.0},
        "blur": {"seed": 3, "motion_blur": True},
        "decoys": {"seed": 1, "decoys": ("coach", "runner"), "noise_sigma": 2.0},
        "dark": {"seed": 5, "look": Look.preset("dark")},
        "light": {"seed": 5, "look": Look.preset("light")},
        "pan": {"seed": 2, "pan_follow": True},
    }
    for name, kw in cases.items():
        r = ClipRenderer(P, _cam(), fps=240.0, **kw)
        frames = [r.render(t, i) for i, t in enumerate((0.1, 0.9, 1.45, 2.2))]
        out[f"frame_{name}"] = _h(np.stack(frames))
    r = ClipRenderer(P, _cam(run_direction=-1, pan_deg=8.0), fps=120.0, seed=4, noise_sigma=2.0)
    out["frame_rtl"] = _h(np.stack([r.render(t, i) for i, t in enumerate((0.5, 1.3))]))
    clip = render_clip(
        P, tmp, fps=240.0, width=W, height=H, duration_s=6 / 240, start_s=0.8, camera=_cam(),
        name="c", seed=7,
    )  # fmt: skip
    out["clip_frames"] = _h(np.stack([f.image for f in iter_frames(probe(clip.video_path))]))
    truth = _rounded(json.loads(clip.truth_path.read_text()))
    out["clip_truth"] = _h(json.dumps(truth, sort_keys=True).encode())
    out["clip_sidecar"] = _h(clip.sidecar_path.read_bytes())
    return out


def test_defaults_draw_the_same_pixels_as_before_the_realism_options(tmp_path):
    versions = {"cv2": cv2.__version__, "av": av.__version__, "numpy": np.__version__}
    if versions != MADE_WITH:
        pytest.skip(f"fingerprints were taken with {MADE_WITH}, this is {versions}")
    assert fingerprints(tmp_path) == EXPECTED
