"""MediaPipe's pose landmarker (heavy) on the rendered sample rep's frames around its touchdowns."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from sprintlab.pose.landmarker import (
    MP_INDEX,
    ClipLandmarks,
    boxes_from_keypoints,
    cache_from_arrays,
    default_landmarker_path,
    landmarker_problem,
)
from sprintlab.skeleton import ANKLE, KNEE
from sprintlab.video import probe

ROOT = Path(__file__).resolve().parents[2]
CLIP = ROOT / "sample_clips" / "synthetic_240fps.mp4"
TRUTH = json.loads((ROOT / "sample_clips" / "synthetic_240fps.truth.json").read_text())


def test_the_landmarker_is_installed_where_make_puts_it():
    # `make` installs mediapipe and fetches the model; a missing piece must not pass unnoticed.
    assert landmarker_problem() == "", landmarker_problem()
    assert default_landmarker_path().name == "pose_landmarker_heavy.task"


def test_a_missing_model_is_one_sentence_naming_the_file(tmp_path):
    missing = tmp_path / "nope.task"
    problem = landmarker_problem(missing)
    assert str(missing) in problem and "YOLO keypoints" in problem


@pytest.mark.model
def test_the_landing_knee_and_ankle_are_found_within_a_few_pixels_at_each_touchdown():
    xy = np.array(TRUTH["keypoints_px"], float).reshape(-1, 17, 2)
    meta = probe(CLIP, check_duplicates=False)
    steps = [s for s in TRUTH["truth"]["steps"][:10] if round(s["touchdown_s"] * 240) + 2 < len(xy)]
    centre = {s["number"]: round(s["touchdown_s"] * 240) for s in steps}
    windows = {n: range(c - 2, c + 3) for n, c in centre.items()}
    rows = [r for w in windows.values() for r in w]
    source = ClipLandmarks(meta, np.arange(len(xy)), boxes_from_keypoints(xy))
    try:
        found = source.landmarks(rows)
    finally:
        source.close()
    errors = []
    for s in steps:
        side = s["foot"]
        for r in windows[s["number"]]:
            a = found[r]
            # Its labels swap; the leg whose ankle is nearest the landing ankle is that leg.
            leg = min(
                ("left", "right"),
                key=lambda lab: np.linalg.norm(
                    a[MP_INDEX[(lab, "ankle")], :2] - xy[r, ANKLE[side]]
                ),
            )
            errors.append(
                (
                    np.linalg.norm(a[MP_INDEX[(leg, "knee")], :2] - xy[r, KNEE[side]]),
                    np.linalg.norm(a[MP_INDEX[(leg, "ankle")], :2] - xy[r, ANKLE[side]]),
                )
            )
    errors = np.array(errors)
    assert np.isfinite(errors).all(axis=1).mean() >= 0.9  # a person on (nearly) every frame
    knee, ankle = np.nanmedian(errors, axis=0)
    # Measured: 2.3 and 4.5 px (the athlete is 110-140 px tall).
    assert knee <= 5.0 and ankle <= 8.0, (knee, ankle)
    # Every answer is kept: asked again (as after a moved touchdown) nothing is decoded.
    kept = cache_from_arrays(source.arrays())
    again = ClipLandmarks(None, np.arange(len(xy)), np.full((len(xy), 4), np.nan), cache=kept)
    same = again.landmarks(rows)
    assert set(same) == set(found) and again.timing()["crops"] == 0
    assert all(np.array_equal(same[r], found[r], equal_nan=True) for r in rows)
    # Answers made by other landmarker code or another model file are not reused.
    stale = {**source.arrays(), "landmark_key": np.array("0" * 16)}
    assert cache_from_arrays(stale) == {}
    assert (
        cache_from_arrays({k: v for k, v in source.arrays().items() if k != "landmark_key"}) == {}
    )
