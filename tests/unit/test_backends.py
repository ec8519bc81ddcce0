"""Choosing the pose engine: names, cached exports and the fall-back to PyTorch."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from sprintlab.errors import ModelNotFoundError
from sprintlab.pose import backends
from sprintlab.pose.backends import (
    BACKEND_ENV,
    cached_export,
    choose_backend,
    export_name,
    requested_backend,
)


def test_requested_backend_from_argument_environment_or_default(monkeypatch):
    monkeypatch.delenv(BACKEND_ENV, raising=False)
    assert requested_backend() == "auto"
    monkeypatch.setenv(BACKEND_ENV, "PyTorch")
    assert requested_backend() == "pytorch"
    assert requested_backend("onnx") == "onnx"  # the argument wins over the environment


def test_unknown_backend_is_one_clear_sentence(monkeypatch):
    monkeypatch.delenv(BACKEND_ENV, raising=False)
    with pytest.raises(ValueError, match=r"Unknown pose backend 'tensorrt': choose from auto"):
        requested_backend("tensorrt")


def test_export_names_follow_ultralytics(tmp_path):
    weights = tmp_path / "yolo11n-pose.pt"
    assert export_name(weights, "openvino") == "yolo11n-pose_openvino_model"
    assert export_name(weights, "onnx") == "yolo11n-pose.onnx"
    with pytest.raises(ValueError):
        export_name(weights, "tflite")


def test_missing_weights_name_the_path(tmp_path):
    with pytest.raises(ModelNotFoundError, match="nothere"):
        choose_backend(tmp_path / "nothere.pt")


def test_an_export_given_as_weights_runs_as_it_is(tmp_path):
    folder = tmp_path / "my_openvino_model"
    folder.mkdir()
    onnx = tmp_path / "m.onnx"
    onnx.write_bytes(b"x")
    assert choose_backend(folder, "pytorch").backend == "openvino"
    assert choose_backend(onnx).backend == "onnx"


def _fake_weights(tmp_path, content=b"weights v1"):
    weights = tmp_path / "pose.pt"
    weights.write_bytes(content)
    return weights


def test_cached_export_needs_a_stamp_from_the_same_weights(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    weights = _fake_weights(tmp_path)
    export = tmp_path / export_name(weights, "openvino")
    export.mkdir()
    assert cached_export(weights, "openvino") is None  # no stamp: not trusted
    stamp = export / "sprintlab-export.json"
    stamp.write_text(json.dumps({"weights_sha256": backends._sha256(weights)}))
    assert cached_export(weights, "openvino") == export
    weights.write_bytes(b"weights v2")  # other weights, same name: export again
    assert cached_export(weights, "openvino") is None


def test_an_unavailable_engine_falls_back_to_pytorch_with_a_note(tmp_path, monkeypatch):
    weights = _fake_weights(tmp_path)
    monkeypatch.setattr(backends, "_cuda_device", lambda: None)
    monkeypatch.setattr(
        backends, "_engine_available", lambda fmt: f"the {fmt} package is not installed"
    )
    choice = choose_backend(weights, "auto")
    assert choice.backend == "pytorch" and choice.model_path == weights
    assert "openvino engine could not be used" in choice.note
    assert "PyTorch model runs instead" in choice.note


def test_a_failed_export_falls_back_with_the_reason(tmp_path, monkeypatch):
    weights = _fake_weights(tmp_path)
    monkeypatch.setattr(backends, "_cuda_device", lambda: None)

    def failing(path, fmt):
        raise RuntimeError("exporter needs a package that is missing")

    monkeypatch.setattr(backends, "export_weights", failing)
    choice = choose_backend(weights, "onnx")
    assert choice.backend == "pytorch"
    assert "exporting the weights failed (exporter needs a package" in choice.note


def test_a_gpu_runs_the_pytorch_model_on_it(tmp_path, monkeypatch):
    weights = _fake_weights(tmp_path)
    monkeypatch.setattr(backends, "_cuda_device", lambda: "cuda:0")
    choice = choose_backend(weights)
    assert (choice.backend, choice.device, choice.note) == ("pytorch", "cuda:0", None)


def test_half_precision_on_a_gpu_only(monkeypatch):
    # No GPU here: the call into ultralytics is what can be checked (the device and the
    # precision it is asked for); the model itself is not run.
    from sprintlab.pose.yolo import YoloPoseEstimator

    weights = Path(__file__).resolve().parents[2] / "models" / "yolo11n-pose.pt"
    asked = []

    def fake_predict(images, **kwargs):
        fp16 = kwargs.get("quantize") == 16 or kwargs.get("half") is True
        asked.append((len(images), kwargs["device"], fp16))
        return []

    for device in ("cuda:0", "cpu"):
        est = YoloPoseEstimator(weights, device=device)
        monkeypatch.setattr(est._model, "predict", fake_predict)
        est.predict_many([np.zeros((8, 8, 3), np.uint8)] * 2, imgsz=64, conf=0.5)
    assert asked == [(2, "cuda:0", True), (2, "cpu", False)]
    assert YoloPoseEstimator(weights, device="cuda:0").search_batch > 1
