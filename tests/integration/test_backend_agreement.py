"""The exported engines give the same people and keypoints as the PyTorch weights (real model).

The weights are copied into a temporary folder so that the export made here is a fresh one and
the cached one in models/ is left alone.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from sprintlab.pose.backends import load_pose_estimator
from sprintlab.video import iter_frames, probe

ROOT = Path(__file__).resolve().parents[2]
WEIGHTS = ROOT / "models" / "yolo11n-pose.pt"
CLIP = ROOT / "sample_clips" / "synthetic_240fps.mp4"

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def weights(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("weights")
    return Path(shutil.copy2(WEIGHTS, folder / WEIGHTS.name))


@pytest.fixture(scope="module")
def frames() -> list[np.ndarray]:
    meta = probe(CLIP)
    # The stance, the first steps and the athlete at speed.
    wanted = {60, 300, 600}
    return [f.image for f in iter_frames(meta) if f.index in wanted]


def _crop_around_person(image: np.ndarray, reference) -> tuple[np.ndarray, np.ndarray]:
    dets = reference.predict(image, imgsz=960, conf=0.05)
    assert dets.n >= 1
    x1, y1, x2, y2 = dets.boxes_xyxy_px[int(np.argmax(dets.box_conf))]
    side = 1.6 * max(x2 - x1, y2 - y1)
    cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
    return np.array([cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2]), dets


@pytest.mark.parametrize("backend", ["openvino", "onnx"])
def test_exported_engine_agrees_with_pytorch(weights, frames, backend):
    torch_est = load_pose_estimator(weights, "pytorch")
    fast = load_pose_estimator(weights, backend)
    assert fast.backend == backend, fast.backend_note
    assert fast.backend_note is None
    diffs = []
    for image in frames:
        roi, _ = _crop_around_person(image, torch_est)
        a = torch_est.predict_crop(image, roi, imgsz=384, conf=0.1)
        b = fast.predict_crop(image, roi, imgsz=384, conf=0.1)
        assert a.n == b.n >= 1
        ka, kb = a.keypoints_px[np.argmax(a.box_conf)], b.keypoints_px[np.argmax(b.box_conf)]
        both = np.isfinite(ka).all(axis=1) & np.isfinite(kb).all(axis=1)
        assert both.sum() >= 12
        diffs.append(np.linalg.norm(ka[both] - kb[both], axis=1))
        # Full-frame search size too (a dynamic export runs at any size).
        fa = torch_est.predict(image, imgsz=960, conf=0.05)
        fb = fast.predict(image, imgsz=960, conf=0.05)
        assert np.abs(np.sort(fa.box_conf)[-1] - np.sort(fb.box_conf)[-1]) < 0.02
    d = np.concatenate(diffs)
    # FP32 engines differ from PyTorch only by rounding: well under a pixel.
    assert np.median(d) < 0.5 and d.max() < 2.0, (np.median(d), d.max())


def test_export_is_made_once_and_reused(weights):
    first = load_pose_estimator(weights, "openvino")
    export = Path(first.model_path)
    assert export.parent == weights.parent and export.is_dir()
    stamp = export / "sprintlab-export.json"
    made = stamp.stat().st_mtime_ns
    again = load_pose_estimator(weights, "openvino")
    assert Path(again.model_path) == export
    assert stamp.stat().st_mtime_ns == made
    assert not list(weights.parent.glob(".export-*")), "scratch folders were left behind"
