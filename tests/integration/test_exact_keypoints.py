"""The analysis alone on the rendered sample's exact keypoints meets the accuracy targets.

The renderer's projection of the joints replaces the pose model, and everything after it runs as
on a real clip: the sidecar's markers, the pinhole-camera calibration, the legs beside the athlete
plane, the event detectors and the step builder. This is the analysis's own error; the issue's
targets are the bounds (at 240 fps: events within ±1 frame, contact and flight limits within
±10 ms, step length MAE ≤ 3 cm and limits within ±6 cm, angles ≤ 3°, splits within 20 ms).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sprintlab.validate import analyze_exact_keypoints, score_exact_keypoints

ROOT = Path(__file__).resolve().parents[2]
CLIP = ROOT / "sample_clips" / "synthetic_240fps.mp4"
TRUTH = ROOT / "sample_clips" / "synthetic_240fps.truth.json"


@pytest.fixture(scope="module")
def scores():
    return score_exact_keypoints(CLIP, TRUTH)[0]


def test_every_step_and_event_within_one_frame(scores):
    for event in ("touchdown_s", "toeoff_s"):
        assert scores[event].n_missing == 0 and scores[event].n >= 8, event
        assert scores[event].within_1_frame == 1.0, (event, scores[event].max_abs)


@pytest.mark.parametrize(
    ("metric", "limit"),
    [("contact_time_s", 10.0), ("flight_time_s", 10.0), ("step_length_m", 6.0)],
)
def test_limits_of_agreement_within_the_targets(scores, metric, limit):
    a = scores[metric]
    assert a.n >= 7
    assert -limit <= a.loa_low and a.loa_high <= limit, (metric, a.loa_low, a.loa_high)


@pytest.mark.parametrize(
    ("metric", "bound"),
    [
        ("step_length_m", 3.0),
        ("touchdown_distance_m", 3.0),
        ("shin_angle_td_deg", 3.0),
        ("trunk_angle_td_deg", 3.0),
        ("5yd_s", 20.0),
        ("10yd_s", 20.0),
    ],
)
def test_mean_absolute_error_within_the_targets(scores, metric, bound):
    assert scores[metric].n >= 1
    assert scores[metric].mae <= bound, (metric, scores[metric].mae)


def test_the_rep_records_the_fitted_camera_and_the_leg_planes():
    cal = analyze_exact_keypoints(CLIP, TRUTH).to_json_dict()["calibration"]
    assert cal["method"] == "plane"
    # The renderer's camera: 7.9 m along the lane, 1.2 m up, 11 m from the lane's centre line.
    assert cal["camera_m"] == pytest.approx([7.9, 1.2, 11.0], abs=0.01)
    assert cal["leg_plane_offset_m"] == pytest.approx(0.05 * 1.85)
