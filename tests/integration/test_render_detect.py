"""The shipped pose model finds the rendered sprinter (CPU; about 30 s on 2 cores).

Five short 1080p clips at 240 fps (8 frames each) from the set position to the eighth step, camera
10 m from the lane (athlete about 200 px tall), decoded from the H.264 files the renderer wrote.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sprintlab.pose import YoloPoseEstimator
from sprintlab.skeleton import KP
from sprintlab.synth import SprintParams, joints_at
from sprintlab.synth.camera import PinholeCamera
from sprintlab.synth.render import render_clip
from sprintlab.video import iter_frames, probe

ROOT = Path(__file__).resolve().parents[2]
WEIGHTS = ROOT / "models" / "yolo11n-pose.pt"
STARTS_S = (0.15, 0.7, 1.3, 1.9, 2.5)  # set position, first steps, ..., step 8
FRAMES_PER_START = 8


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    lo, hi = np.maximum(a[:2], b[:2]), np.minimum(a[2:], b[2:])
    inter = float(np.prod(np.clip(hi - lo, 0, None)))
    return inter / (float(np.prod(a[2:] - a[:2])) + float(np.prod(b[2:] - b[:2])) - inter)


@pytest.mark.model
def test_model_finds_the_rendered_athlete(tmp_path):
    params = SprintParams()
    camera = PinholeCamera.side_view(distance_m=10.0, look_at_x_m=7.2)
    estimator = YoloPoseEstimator(WEIGHTS)
    found = {"full": [], "crop": []}
    errors_px = []
    for k, start in enumerate(STARTS_S):
        clip = render_clip(
            params,
            tmp_path,
            camera=camera,
            start_s=start,
            duration_s=FRAMES_PER_START / 240.0,
            name=f"part{k}",
            seed=0,
        )
        for frame in iter_frames(probe(clip.video_path)):
            t = clip.t_s[frame.index]
            j = joints_at(params, np.array([t]))
            pts = camera.project(np.stack([v[0] for v in j.values()]))
            # True person box: every joint (feet and hands included) plus the limbs' thickness.
            pad = 0.08 * params.stature_m * camera.focal_px / camera.depth_m(j["left_hip"][0])
            box = np.concatenate([pts.min(axis=0) - pad, pts.max(axis=0) + pad])
            centre, size = 0.5 * (box[:2] + box[2:]), 1.6 * (box[2:] - box[:2])
            crop = np.concatenate([centre - size / 2, centre + size / 2])
            for mode, det in (
                ("full", estimator.predict(frame.image, imgsz=960, conf=0.25)),
                ("crop", estimator.predict_crop(frame.image, crop, imgsz=384, conf=0.25)),
            ):
                ious = [_iou(b, box) for b in det.boxes_xyxy_px]
                hit = bool(ious) and max(ious) >= 0.5
                found[mode].append(hit)
                if hit and mode == "crop":
                    kp = det.keypoints_px[int(np.argmax(ious))]
                    true = clip.keypoints_px[frame.index]
                    for a, b in ((KP.LEFT_KNEE, KP.RIGHT_KNEE), (KP.LEFT_ANKLE, KP.RIGHT_ANKLE)):
                        # Left/right swaps are a known weakness of the model on side views
                        # (field notes), not of the picture: score the better assignment.
                        straight = np.hypot(*(kp[a] - true[a])) + np.hypot(*(kp[b] - true[b]))
                        crossed = np.hypot(*(kp[a] - true[b])) + np.hypot(*(kp[b] - true[a]))
                        errors_px.append(0.5 * min(straight, crossed))
    n = len(STARTS_S) * FRAMES_PER_START
    assert len(found["full"]) == n
    for mode, hits in found.items():
        assert np.mean(hits) >= 0.95, f"{mode}: athlete found in {np.mean(hits):.0%} of frames"
    # The keypoints land on the drawn joints: median knee/ankle error under 10% of the athlete's
    # height in pixels (about 200 px here; the nano model's own error on these crops is 8-18 px
    # depending on the phase, worst in the crouched stance where the far leg is hidden).
    height_px = camera.focal_px * params.stature_m / camera.depth_m(np.zeros(3))
    assert np.nanmedian(errors_px) < 0.10 * height_px
