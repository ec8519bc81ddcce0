"""The real YOLO pose model on the real sample clip (CPU; about 30-40 s on 2 cores).

sample_clips/sports2d_demo.mp4 (1768×994, 30 fps, 230 frames): a man does jumping jacks on a box,
walks on it, drops down behind a bush, crouches and accelerates to the right for a few steps; from
about frame 40 a woman walks right to left across the whole frame.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

import cv2
import numpy as np
import pytest

from sprintlab.errors import ModelNotFoundError
from sprintlab.pose import PoseDetections, YoloPoseEstimator
from sprintlab.tracking import TrackingSettings, box_iou, track_athlete

ROOT = Path(__file__).resolve().parents[2]
WEIGHTS = ROOT / "models" / "yolo11n-pose.pt"
CLIP = ROOT / "sample_clips" / "sports2d_demo.mp4"
FPS = 30.0


def read_frames(start: int, stop: int, step: int = 1):
    """(index, t_s, BGR image) of frames start..stop-1 every step, decoded in order with cv2."""
    cap = cv2.VideoCapture(str(CLIP))
    try:
        for i in range(stop):
            ok, image = cap.read()
            assert ok, f"could not read frame {i} of {CLIP}"
            if i >= start and (i - start) % step == 0:
                yield i, i / FPS, image
    finally:
        cap.release()


def frame(i: int) -> np.ndarray:
    return next(read_frames(i, i + 1))[2]


@pytest.fixture(scope="module")
def estimator() -> YoloPoseEstimator:
    assert WEIGHTS.exists(), f"missing {WEIGHTS}: see models/README.md"
    return YoloPoseEstimator(WEIGHTS)


def test_missing_weights_raise_model_not_found(tmp_path):
    missing = tmp_path / "nope" / "yolo11n-pose.pt"
    with pytest.raises(ModelNotFoundError, match=r"Pose weights not found at .*nope"):
        YoloPoseEstimator(missing)


@pytest.mark.model
def test_no_network_access_while_loading_and_predicting(monkeypatch):
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    est = YoloPoseEstimator(WEIGHTS)
    est.predict(frame(0), imgsz=320, conf=0.25)
    assert attempts == []
    assert os.environ["YOLO_OFFLINE"] == "1"
    from ultralytics.utils import events

    assert events.events.enabled is False


@pytest.mark.model
def test_model_finds_the_man_on_the_box(estimator):
    dets = estimator.predict(frame(0), imgsz=640, conf=0.25)
    assert isinstance(dets, PoseDetections)
    assert dets.n == 1
    assert dets.box_conf[0] > 0.6
    # The man standing on the box (measured: [587, 75, 717, 455]).
    assert box_iou(dets.boxes_xyxy_px, [585, 70, 720, 460])[0, 0] > 0.8
    assert np.isfinite(dets.keypoints_px[0]).all()
    x1, y1, x2, y2 = dets.boxes_xyxy_px[0]
    margin = 0.25 * (y2 - y1)
    kp = dets.keypoints_px[0]
    assert (kp[:, 0] > x1 - margin).all() and (kp[:, 0] < x2 + margin).all()
    assert (kp[:, 1] > y1 - margin).all() and (kp[:, 1] < y2 + margin).all()


@pytest.mark.model
def test_low_confidence_keypoints_are_nan_not_zero(estimator):
    threshold = estimator.keypoint_conf_threshold
    n_low = 0
    for i in (45, 59):  # the woman walking away from the camera's side: far ear hidden
        dets = estimator.predict(frame(i), imgsz=640, conf=0.25)
        assert dets.n == 2
        low = dets.keypoint_conf < threshold
        n_low += int(low.sum())
        assert np.isnan(dets.keypoints_px[low]).all()
        assert np.isfinite(dets.keypoints_px[~low]).all()
        assert not (dets.keypoints_px == 0).any()
    assert n_low >= 1  # otherwise this test would check nothing


@pytest.mark.model
def test_predict_crop_maps_back_to_full_frame(estimator):
    image = frame(0)
    full = estimator.predict(image, imgsz=640, conf=0.25)
    crop = estimator.predict_crop(image, np.array([450, 0, 850, 500]), imgsz=384, conf=0.25)
    assert crop.n == 1
    assert box_iou(crop.boxes_xyxy_px, full.boxes_xyxy_px)[0, 0] > 0.85
    # Same person, same keypoints within a few pixels (different input scale).
    err = np.linalg.norm(crop.keypoints_px[0] - full.keypoints_px[0], axis=1)
    assert np.nanmedian(err) < 8.0


@pytest.mark.model
def test_track_athlete_first_40_frames(estimator):
    n = 40
    res = track_athlete(lambda step: read_frames(0, n, step), n, FPS, estimator)
    assert res.track.n_frames == n
    np.testing.assert_array_equal(res.track.frame_index, np.arange(n))
    assert res.track.space == "px"
    assert res.detected_fraction >= 0.9
    found = np.isfinite(res.box_conf)
    # Always the man on the box (x 450..850 px, above y 500 px), never anything else.
    centres = 0.5 * (res.boxes_xyxy_px[found, :2] + res.boxes_xyxy_px[found, 2:])
    assert ((centres[:, 0] > 450) & (centres[:, 0] < 850) & (centres[:, 1] < 500)).all()
    assert not (res.track.xy == 0).any()
    assert np.isfinite(res.track.xy[found]).all(axis=2).mean() > 0.8


@pytest.mark.model
def test_track_athlete_chooses_the_runner_not_the_walker(estimator):
    # Frames 170-229: the man drops from the box and runs right; the woman walks left across
    # the frame. Search at 640 px to keep the test short.
    start, stop = 170, 230
    res = track_athlete(
        lambda step: read_frames(start, stop, step),
        stop - start,
        FPS,
        estimator,
        settings=TrackingSettings(search_imgsz=640),
    )
    assert res.direction == 1
    assert res.n_candidates >= 2
    assert res.detected_fraction >= 0.9
    found = np.isfinite(res.box_conf)
    cx = 0.5 * (res.boxes_xyxy_px[:, 0] + res.boxes_xyxy_px[:, 2])
    # The man ends on the right (measured ≈ 1500 px at frame 229); the woman leaves on the left.
    last = np.flatnonzero(found)[-1]
    assert cx[last] > 1300
    assert np.nanmin(cx) > 700


@pytest.mark.model
def test_a_batch_gives_the_detections_of_one_image_at_a_time(estimator):
    images = [frame(i) for i in (0, 45, 59)]  # one person, then two
    one_by_one = [estimator.predict(im, imgsz=640, conf=0.25) for im in images]
    batched = estimator.predict_many(images, imgsz=640, conf=0.25)
    assert [d.n for d in batched] == [d.n for d in one_by_one] == [1, 2, 2]
    for a, b in zip(batched, one_by_one, strict=True):
        np.testing.assert_allclose(a.boxes_xyxy_px, b.boxes_xyxy_px, atol=0.05)
        np.testing.assert_allclose(a.keypoints_px, b.keypoints_px, atol=0.05)
        np.testing.assert_allclose(a.keypoint_conf, b.keypoint_conf, atol=1e-3)
    assert estimator.predict_many([], imgsz=640, conf=0.25) == []


@pytest.mark.model
def test_the_search_pass_in_batches_follows_the_same_athlete(estimator, monkeypatch):
    start, stop = 170, 230
    settings = TrackingSettings(search_imgsz=640)

    def run(batch: int):
        monkeypatch.setattr(estimator, "search_batch", batch, raising=False)
        return track_athlete(
            lambda step: read_frames(start, stop, step),
            stop - start,
            FPS,
            estimator,
            settings=settings,
        )

    single, batched = run(1), run(4)
    np.testing.assert_allclose(batched.boxes_xyxy_px, single.boxes_xyxy_px, atol=0.05)
    np.testing.assert_allclose(batched.track.xy, single.track.xy, atol=0.05)
    assert batched.direction == single.direction == 1
