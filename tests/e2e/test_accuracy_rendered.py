"""The whole pipeline, real pose model included, on rendered clips with exact truth.

CI renders the harness's small scenario (720p, 240 fps, 2.4 s: the set position and the first
seven steps; the athlete about 130 px tall) three times: clean, degraded as phone footage is
(sensor noise σ 4, x264 crf 28, 1 px tripod shake, ±4% 120 Hz flicker, a low sun's long shadows),
and filmed hand-held (the picture sways up to 10 px), and scores each rep against the renderer's
truth. The bounds are the floor the pipeline holds
today with a margin, so that a regression cannot land silently; they are far from the targets,
which `make accuracy` and `validate --factors` measure on the full scenario sets.

Today's figures (events in frames at 240 fps, OpenVINO float32 on a 2-core AMD EPYC), touchdown
and toe-off timed from the image at the feet:
- clean: 7 of 7 steps, numbers right; touchdown MAE 1.8 frames, toe-off 2.2, contact time MAE
  16 ms, step length 4.8 cm, foot-to-hip distance at touchdown 6.2 cm, trunk angle 2.9 deg,
  10-yard split 35 ms off, first movement 33 ms late (the pose model's trunk points lag in the
  crouched set position). Before the image stage: touchdown 7.7, toe-off 6.5 frames, contact
  time 30 ms, foot-to-hip distance 13 cm.
- phone-like: 7 of 7 steps, numbers right; touchdown MAE 3.1 frames (step 1 from the pose: the
  low sun's shadow joins the stance feet and step 1 in the image), toe-off 3.7, contact time
  23 ms, step length 3.3 cm, first movement 50 ms late. On an Intel Xeon with AMX (OpenVINO in
  bfloat16): 6 of 7 steps (step 4 missed: the low sun's shadow edge below the sole, in the
  frame the ground row was read from, ended its contact after 6 frames), touchdown 4.8, toe-off
  3.8, contact time 29 ms, step length 13.3 cm; with toe-off read on the row the sole holds
  through the contact and touchdown needing the foot within half a pixel of its stance height:
  7 of 7 steps, every touchdown and toe-off from the image, touchdown 1.55, toe-off 3.2,
  contact time 16 ms, step length 10.4 cm (step 1 without a length).
- hand-held (the picture sways up to 10 px at up to 3 Hz; Xeon, bfloat16): 7 of 7 steps, the
  camera followed (residual 0.1 px); touchdown MAE 2.3 frames, toe-off 2.3, contact time 16 ms,
  step length 3.7 cm, touchdown distance 2.5 cm, 10-yard split 43 ms, first movement 42 ms
  early (touchdown 1.5 and contact time 13 ms with the two changes above; clean: 1.4, 13 ms).
  Before the camera was followed, every distance, split and the first movement were withheld.
- The foot's place blended from the still sole (events/sole.py; Xeon, bfloat16, same
  keypoints): step length MAE clean 6.7 -> 4.1 cm, phone-like 10.4 -> 7.5, hand-held 3.7 -> 2.2;
  the step-length bounds were tightened with it.
Tighten the bounds as the pipeline improves; never loosen them to let a change through.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from sprintlab.pipeline import ClipOptions, analyze_clip
from sprintlab.synth.render import render_scenario
from sprintlab.validate import (
    SMALL_HANDHELD_SCENARIO,
    SMALL_PHONE_SCENARIO,
    SMALL_SCENARIO,
    run_scenarios,
)

# scenario -> metric -> largest mean absolute error accepted (harness units: frames, ms, cm, deg)
MAE_BOUNDS = {
    SMALL_SCENARIO.name: {
        "number": 0.2,  # a wrong number on at most one step in five (none today)
        "touchdown_s": 4.0,
        "toeoff_s": 4.5,
        "contact_time_s": 30.0,
        "step_length_m": 8.0,
        "touchdown_distance_m": 12.0,
        "trunk_angle_td_deg": 6.0,
        # From the pose landmarker at the detected touchdown: 3.9 deg (6.2 from YOLO keypoints).
        "shin_angle_td_deg": 7.0,
        "shin_angle_to_deg": 9.0,
        "10yd_s": 70.0,
        "first_movement_s": 60.0,
        "early_steps": 0.0,  # no step may touch down before the true first movement
    },
    SMALL_PHONE_SCENARIO.name: {
        "number": 0.2,
        "touchdown_s": 5.0,
        "toeoff_s": 6.5,
        "contact_time_s": 40.0,
        # 3.3 cm on the AMD CPU (float32); on an Intel CPU with AMX, OpenVINO runs the model in
        # bfloat16 and the pose misses step 4, whose image contact the low sun's shadow cuts to
        # 25 ms (too short to stand alone): the steps beside the gap have no length, the one
        # after it spans two (13.3 cm there, the same before and after this bound was set). With
        # the foot's place blended from the still sole: 10.4 -> 7.5 cm on the Xeon.
        "step_length_m": 12.0,
        # Landmarker 6.2 deg, YOLO 5.7: on this degraded 720p start it is no better (step 1
        # out of the crouch had 25 deg before frames it barely saw were left out).
        "shin_angle_td_deg": 10.0,
        "touchdown_distance_m": 15.0,
        "10yd_s": 90.0,
        "first_movement_s": 80.0,
        "early_steps": 0.0,
    },
    # Hand-held: the camera's motion is followed, so distances and splits are measured, not
    # withheld (before: every step length, split and the first movement were left empty).
    SMALL_HANDHELD_SCENARIO.name: {
        "number": 0.2,
        "touchdown_s": 4.5,
        "toeoff_s": 4.5,
        "contact_time_s": 30.0,
        "step_length_m": 6.0,
        "shin_angle_td_deg": 8.0,  # landmarker 4.5 deg, YOLO 5.7
        "touchdown_distance_m": 8.0,
        "10yd_s": 80.0,
        "first_movement_s": 80.0,
        "early_steps": 0.0,
    },
}
MIN_SHARE_FOUND = 0.85  # of the true steps in view, for touchdown and toe-off
# scenario -> least share of the steps whose touchdown / toe-off the image timed (alone or with
# the pose). Today: clean 7/7 and 7/7; phone-like 6 and 4 of its 8 steps in view on AMD float32
# (the low sun's shadow cuts image contacts short, and their toe-off then comes from the pose),
# 7 and 7 of 7 on the Xeon since toe-off is read on the row the sole holds.
IMAGE_SHARE = {
    SMALL_SCENARIO.name: {"touchdown_source": 0.85, "toeoff_source": 0.85},
    SMALL_PHONE_SCENARIO.name: {"touchdown_source": 0.6, "toeoff_source": 0.4},
    SMALL_HANDHELD_SCENARIO.name: {"touchdown_source": 0.85, "toeoff_source": 0.85},
}


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    work = tmp_path_factory.mktemp("accuracy")

    def analyze(clip, reps):
        return analyze_clip(clip, reps, ClipOptions(overlay=False))[1]

    report = run_scenarios(
        (SMALL_SCENARIO, SMALL_PHONE_SCENARIO, SMALL_HANDHELD_SCENARIO),
        work,
        render=render_scenario,
        analyze=analyze,
    )
    report["_work"] = str(work)  # where each scenario's rep folder is
    return report


@pytest.mark.model
@pytest.mark.parametrize("name", list(MAE_BOUNDS))
def test_small_rendered_scenarios_stay_within_the_regression_bounds(report, name):
    scores = report["scenarios"][name]
    assert "error" not in scores, scores.get("error")
    failures = []
    for metric, bound in MAE_BOUNDS[name].items():
        mae = scores[metric]["mae"]
        if mae is None or not math.isfinite(mae) or mae > bound:
            failures.append(f"{metric}: MAE {mae} > {bound}")
    for metric in ("touchdown_s", "toeoff_s"):
        n, missing = scores[metric]["n"], scores[metric]["n_missing"]
        if n < MIN_SHARE_FOUND * (n + missing):
            failures.append(f"{metric}: {n} of {n + missing} found")
    assert not failures, "\n".join(failures) + "\n" + scores["_table"]


@pytest.mark.model
@pytest.mark.parametrize("name", list(MAE_BOUNDS))
def test_the_image_times_most_events_and_every_step_says_how(report, name):
    (rep_json,) = Path(report["_work"]).glob(f"{name}/reps/*/rep.json")
    doc = json.loads(rep_json.read_text())
    steps = doc["steps"]
    assert doc["foot_image"]["used"], doc["foot_image"]["reason"]
    for key in ("touchdown_source", "toeoff_source"):
        assert all(s[key] in ("image", "pose", "both") for s in steps)
        share = sum(s[key] != "pose" for s in steps) / len(steps)
        assert share >= IMAGE_SHARE[name][key], (key, [s[key] for s in steps])
    assert all(s["touchdown_uncertainty_frames"] > 0 for s in steps)
    # The shin at touchdown came from the pose landmarker on most steps (7/7, 7/7 and 6/7 today;
    # the rest from the YOLO keypoints where it barely saw the landing leg), and the rep says so.
    shin = [s["shin_td_source"] for s in steps]
    assert set(shin) <= {"landmarker", "pose"}
    assert shin.count("landmarker") >= 0.7 * len(steps), shin


@pytest.mark.model
def test_a_hand_held_camera_is_followed_and_says_so(report):
    (rep_json,) = Path(report["_work"]).glob(f"{SMALL_HANDHELD_SCENARIO.name}/reps/*/rep.json")
    doc = json.loads(rep_json.read_text())
    footage = doc["footage"]
    assert footage["camera_motion"]["fired"]
    followed = footage["camera_followed"]
    assert followed["reference_frame"] == 0  # the sidecar's markers are frame 0's
    assert followed["residual_p90_px"] < 0.5
    assert footage["withheld"]["distances"] is None
    assert any("taken out" in w for w in doc["warnings"])
    camera = [w for w in doc["warnings"] if w.startswith("The camera moves")]
    assert len(camera) == 1 and "taken out" in camera[0] and "left empty" not in camera[0]
    assert doc["foot_image"]["used"] and doc["foot_image"]["stabilisation"]


@pytest.mark.model
def test_the_harness_report_is_complete(report):
    pooled = report["pooled"]
    for metric in ("touchdown_s", "toeoff_s", "step_length_m", "shin_angle_td_deg", "5yd_s"):
        assert metric in pooled
        assert pooled[metric]["n"] + pooled[metric]["n_missing"] > 0
    assert "touchdown_s" in report["_pooled_table"]


@pytest.mark.model
def test_reanalyze_times_the_feet_again_from_the_clip(report, tmp_path):
    import shutil

    from sprintlab.errors import VideoError
    from sprintlab.footimage.settings import FootImageSettings
    from sprintlab.pipeline import reanalyze_rep

    # The hand-held rep: the band is cut again through the camera motion kept with the keypoints.
    (rep_json,) = Path(report["_work"]).glob(f"{SMALL_HANDHELD_SCENARIO.name}/reps/*/rep.json")
    copy = tmp_path / "reps" / rep_json.parent.name
    shutil.copytree(rep_json.parent, copy)
    before = json.loads(rep_json.read_text())
    _, out = reanalyze_rep(copy, overlay=False, feet=FootImageSettings())
    again = json.loads((out / "rep.json").read_text())
    assert again["foot_image"]["contacts"] == before["foot_image"]["contacts"]
    assert again["foot_image"]["stabilisation"] == before["foot_image"]["stabilisation"]
    assert [s["touchdown_frame"] for s in again["steps"]] == [
        s["touchdown_frame"] for s in before["steps"]
    ]
    # Turned off: every event from the pose, and the rep says why.
    _, out = reanalyze_rep(copy, overlay=False, feet=FootImageSettings(enabled=False))
    off = json.loads((out / "rep.json").read_text())
    assert not off["foot_image"]["used"] and "turned off" in off["foot_image"]["reason"]
    assert all(s["touchdown_source"] == "pose" for s in off["steps"])
    assert off["provenance"]["pose"]["tracking"]["foot_image"]["enabled"] is False
    # The clip gone: one sentence, the rep folder untouched.
    doc = json.loads((out / "rep.json").read_text())
    doc["video"]["path"] = str(tmp_path / "moved.mp4")
    (out / "rep.json").write_text(json.dumps(doc))
    with pytest.raises(VideoError, match=r"not at .*moved\.mp4"):
        reanalyze_rep(out, overlay=False, feet=FootImageSettings())


@pytest.mark.model
@pytest.mark.parametrize("name", [SMALL_SCENARIO.name, SMALL_PHONE_SCENARIO.name])
def test_the_kinogram_draws_the_landing_shin_at_the_printed_angle(report, name):
    import numpy as np

    from sprintlab.skeleton import ANKLE
    from sprintlab.viz.kinogram import (
        TILE_HEIGHT_PX,
        kinogram_image,
        line_angle_deg,
        source_for_rep,
        step_lines,
    )

    folder = Path(report["_work"]) / name
    (rep_json,) = folder.glob("reps/*/rep.json")
    (truth_json,) = folder.glob("*.truth.json")
    doc = json.loads(rep_json.read_text())
    truth = json.loads(truth_json.read_text())
    true_xy = np.asarray(truth["keypoints_px"], float).reshape(-1, 17, 2)
    true_steps = {s["number"]: s for s in truth["truth"]["steps"]}
    source = source_for_rep(rep_json.parent, doc)
    athlete_px = doc["foot_image"]["geometry"]["athlete_px"]
    assert len(doc["steps"]) >= 6
    for step in doc["steps"]:
        shin, _ = step_lines(source, step)
        true = true_steps[step["number"]]
        frame = int(source.frame_index[step["touchdown_frame"]])
        other = "left" if true["foot"] == "right" else "right"
        to_landing = np.linalg.norm(shin.start_px - true_xy[frame, ANKLE[true["foot"]]])
        to_other = np.linalg.norm(shin.start_px - true_xy[frame, ANKLE[other]])
        # Drawn from the landing foot's ankle (the pose model's ankle sits a few px off the
        # renderer's), never from the trailing one.
        assert to_landing < to_other / 3 and to_landing < 0.15 * athlete_px, (
            step["number"],
            to_landing,
            to_other,
        )
        # The line is at the angle printed under it, which is the steps table's.
        assert line_angle_deg(shin, source.directions) == pytest.approx(
            step["shin_angle_td_deg"], abs=0.01
        )
        assert shin.angle_deg == step["shin_angle_td_deg"]
    # Steps 1-5 above 6-10 (or fewer), each tile at its full height.
    image = kinogram_image(rep_json.parent, doc)
    rows = 1 if len(doc["steps"]) <= 5 else 2
    assert image.shape[0] == rows * TILE_HEIGHT_PX + (rows - 1) * 4
