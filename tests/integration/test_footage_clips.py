"""Footage checks on clips made for them: each fires on its own clip and stays silent on clean ones.

The clips are rendered small (640×360, 1–2 s) by the project's renderer; the pulldown and flicker
clips are re-encoded from renders with the project's H.264 writer. The checks read the decoded
frames as the pipeline does; the athlete's track is the renderer's exact keypoints (no pose model)
except in the tests marked ``model``, which run the whole analysis.
"""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from footage_clips import blend_up, flicker, frames_of, pulldown, render_small, write_clip

from sprintlab.footage import FootageAccumulator, FootageReport, footage_report, superseded_by
from sprintlab.footage.report import SUPERSEDE_MIN_JUDGED
from sprintlab.track import KeypointTrack
from sprintlab.video import iter_frames, probe

REAL_STARTS = Path(__file__).resolve().parents[3] / "shared" / "data" / "real_starts"


@pytest.fixture(scope="session")
def clips(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("footage_clips")
    c24 = render_small(out, "r24", fps=24.0, duration_s=2.0)
    c240 = render_small(out, "clean240", fps=240.0, duration_s=1.0)
    c30 = render_small(out, "r30", fps=30.0, duration_s=1.5)
    return {
        "clean": render_small(out, "clean").video_path,
        "clean240": c240.video_path,
        "oblique8": render_small(out, "oblique8", pan_deg=8.0).video_path,
        "pan": render_small(out, "pan", pan_follow=True).video_path,
        "towards": render_small(out, "towards", pan_deg=60.0, distance_m=6.0).video_path,
        "pulldown": write_clip(out / "pulldown.mp4", pulldown(frames_of(c24.video_path)), 30.0),
        "blended": write_clip(out / "blended.mp4", blend_up(frames_of(c30.video_path)), 60.0),
        "flicker": write_clip(out / "flicker.mp4", flicker(frames_of(c240.video_path)), 240.0),
    }


def _truth_of(clip: Path) -> np.ndarray | None:
    path = clip.with_suffix(".truth.json")
    if not path.exists():
        return None
    return np.array(json.loads(path.read_text())["keypoints_px"], float).reshape(-1, 17, 2)


def _report(clip: Path, truth_clip: Path | None = None) -> FootageReport:
    meta = probe(clip)
    acc = FootageAccumulator(meta.capture_fps)
    for f in acc.tap(iter_frames(meta)):
        assert f.image.shape[:2] == (meta.height_px, meta.width_px)
    stats = acc.stats()
    kp = _truth_of(truth_clip or clip)
    if kp is None or kp.shape[0] != stats.n_frames:
        kp = np.full((stats.n_frames, 17, 2), np.nan)
    track = KeypointTrack(
        t_s=stats.t_s, xy=kp, conf=np.ones(kp.shape[:2]), fps=meta.capture_fps, space="px"
    )
    boxes = np.full((stats.n_frames, 4), np.nan)
    seen = np.all(np.isfinite(kp), axis=(1, 2))
    boxes[seen] = np.column_stack([kp[seen].min(axis=1), kp[seen].max(axis=1)])
    return footage_report(stats, track, boxes, (meta.width_px, meta.height_px))


@pytest.fixture(scope="session")
def reports(clips) -> dict[str, FootageReport]:
    return {name: _report(path) for name, path in clips.items()}


FIRES = {
    "pan": "camera",
    "towards": "crossing",
    "pulldown": "repeats",
    "blended": "blends",
    "flicker": "flicker",
}


@pytest.mark.parametrize("name", ["clean", "clean240", "oblique8", *FIRES])
def test_each_check_fires_on_its_clip_only(reports, name):
    report = reports[name]
    fired = {
        check
        for check in ("camera", "crossing", "repeats", "blends", "flicker", "runners")
        if getattr(report, check).fired
    }
    assert fired == ({FIRES[name]} if name in FIRES else set())
    assert len(report.sentences) == len(fired)


def test_camera_motion_on_the_panning_clip(reports):
    cam = reports["pan"].camera
    assert cam.translation_px > 100.0 and cam.measured_share > 0.9
    assert reports["pan"].distances_reason == "the camera moves"
    for name in ("clean", "clean240", "oblique8", "towards"):
        clean = reports[name].camera
        assert clean.translation_px < 1.0 and clean.zoom_pct < 0.2 and clean.rotation_deg < 0.1


def test_running_towards_the_camera(reports):
    towards = reports["towards"].crossing
    assert towards.angle_deg == pytest.approx(60.0, abs=10.0)
    assert reports["towards"].distances_reason == "the athlete does not run across the view"
    # 8° off side-on (a camera turned a little) is measured as such and passes.
    assert reports["oblique8"].crossing.angle_deg < 15.0
    assert reports["clean"].crossing.angle_deg < 5.0


def test_pulldown_is_found_with_its_pattern(reports):
    rep = reports["pulldown"].repeats
    assert rep.regular and rep.period_frames == 5
    assert rep.distinct_fps == pytest.approx(24.0)
    assert reports["pulldown"].timing_reason is None  # re-timed, not withheld


def test_the_check_over_every_frame_replaces_the_probes_sampled_warning(clips, reports):
    probe_warnings = probe(clips["pulldown"]).warnings
    sampled = [w for w in probe_warnings if "repeat the previous one" in w]
    assert len(sampled) == 1  # the probe sees it too, from ~80 frames
    assert superseded_by(sampled[0], reports["pulldown"])
    assert not any(superseded_by(w, reports["pulldown"]) for w in probe_warnings if w != sampled[0])
    # The check over every frame judged the clean clip's motion and found no repeats: its
    # silence overrules a sampled "repeat" (the probe mistakes a still set position for them).
    clean = reports["clean"].repeats
    assert not clean.fired and clean.n_counted >= SUPERSEDE_MIN_JUDGED
    assert superseded_by(sampled[0], reports["clean"])
    few = replace(reports["clean"], repeats=replace(clean, n_counted=SUPERSEDE_MIN_JUDGED - 1))
    assert not superseded_by(sampled[0], few)


def test_blended_frames_are_found_with_their_pattern(reports):
    blends = reports["blended"].blends
    assert blends.regular and blends.period_frames == 2
    assert blends.distinct_fps == pytest.approx(30.0)
    assert reports["blended"].timing_check is blends


def test_flicker_at_the_nyquist_rate(reports):
    fl = reports["flicker"].flicker
    assert fl.frequency_hz == pytest.approx(120.0, abs=1.0)
    # ±3% gain on every pixel; the encoder keeps ~60% of it on this mostly dark-green picture.
    assert fl.amplitude_pct == pytest.approx(3.0, rel=0.5)
    assert 120.0 in fl.light_hz


def test_report_is_json_ready(reports):
    doc = json.loads(json.dumps(reports["pulldown"].to_dict(), allow_nan=True))
    assert doc["repeated_frames"]["fired"] is True
    assert doc["withheld"] == {"distances": None, "timing": None}


@pytest.mark.skipif(not REAL_STARTS.is_dir(), reason=f"{REAL_STARTS} is not on this machine")
@pytest.mark.parametrize("name", ["a1.mp4", "a8.mp4"])
def test_hand_held_real_clips_move(name):
    report = _report(REAL_STARTS / name)
    assert report.camera.fired
    assert not report.repeats.fired and not report.flicker.fired


@pytest.mark.skipif(not REAL_STARTS.is_dir(), reason=f"{REAL_STARTS} is not on this machine")
@pytest.mark.parametrize("name", ["a1.mp4", "a3.mp4", "a11.mp4"])
def test_a_real_phone_lens_bends_the_lane_lines_and_is_flagged(name):
    # The phone's lane lines bow 2-3.4 px over the picture's width (k1 0.03-0.05 on all the
    # real starts); a pinhole's bow less than a pixel (tests/unit/test_fieldlines.py).
    from sprintlab.fieldlines.lens import lens_bend
    from sprintlab.fieldlines.lines import find_lines
    from sprintlab.fieldlines.paint import paint_mask

    image = next(iter_frames(probe(REAL_STARTS / name), stop_frame=1)).image
    h, w = image.shape[:2]
    mask, response = paint_mask(image, rows_px=(h // 2, h), far_margin_px=6)
    bend = lens_bend(find_lines(mask, response, min_length_px=0.3 * w), response, (w, h))
    assert bend is not None and bend.lines >= 2
    assert bend.significant
    assert 0.02 <= bend.k1 <= 0.06
    assert "long" in bend.sentence()


# ---- the whole analysis (pose model) -----------------------------------------------------------


@pytest.fixture(scope="module")
def two_runners(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("two_runners")
    # A wider view (10 m away, from 6.7 m behind the start line), so that both runners are in
    # full view from the first frame: the other runner starts 4 m behind the athlete.
    clip = render_small(
        out, "two", duration_s=2.0, decoys=("runner",), distance_m=10.0, look_at_x_m=2.0
    )
    return clip.video_path


@pytest.mark.model
def test_two_runners_say_which_was_measured_and_athlete_px_chooses(two_runners, tmp_path):
    from sprintlab.pipeline import ClipOptions, analyze_clip

    opts = ClipOptions(overlay=False, athlete_height_m=1.85)
    result, _ = analyze_clip(two_runners, tmp_path / "a", opts)
    runners = result.extra["footage"]["runners"]
    assert runners["fired"] and runners["n_runners"] == 2
    assert any("people sprint in view" in w for w in result.warnings)
    start = runners["measured_start_xy_px"]
    # Choose the other runner by a point on it at the start.
    x_other, y_other = runners["other_starts_xy_px"][0]
    opts2 = ClipOptions(overlay=False, athlete_height_m=1.85, athlete_px=(x_other, y_other))
    result2, _ = analyze_clip(two_runners, tmp_path / "b", opts2)
    start2 = result2.extra["footage"]["runners"]["measured_start_xy_px"]
    assert result2.extra["footage"]["runners"]["chosen_by"] == "athlete_px"
    assert math.dist(start2, (x_other, y_other)) < 5.0
    assert math.dist(start2, start) > 50.0


@pytest.mark.model
def test_moving_camera_withholds_distances_in_rep_json(tmp_path):
    from sprintlab.errors import AnalysisError
    from sprintlab.pipeline import ClipOptions, analyze_clip, reanalyze_rep

    clip = render_small(tmp_path, "pan", pan_follow=True).video_path
    try:
        _, rep_dir = analyze_clip(clip, tmp_path / "reps", ClipOptions(overlay=False))
    except AnalysisError as err:
        # In the panning picture the athlete stays put: on an AMD EPYC (OpenVINO float32) the
        # pose's hips never moved forward steadily, and the analysis stops. It must say that
        # the camera moved, first, and what to do (on a Xeon the rep is written, as below).
        said = str(err)
        assert said.startswith("The camera moves") and "tripod" in said, said
        return
    doc = json.loads((rep_dir / "rep.json").read_text())
    assert doc["footage"]["camera_motion"]["fired"]
    assert doc["footage"]["withheld"]["distances"] == "the camera moves"
    assert any(w.startswith("The camera moves") for w in doc["warnings"])
    assert all(v is None for v in doc["splits"].values())
    assert all(s["step_length_m"] is None for s in doc["steps"])
    assert doc["profile"]["velocity_fit"] is None
    # Re-analysing the rep keeps them withheld.
    again, _ = reanalyze_rep(rep_dir, overlay=False)
    assert all(math.isnan(s.step_length_m) for s in again.steps)
    assert any(w.startswith("The camera moves") for w in again.warnings)
