"""Calibration from the field's yard lines, end to end, against the markers on the same clip.

sample_clips/synthetic_240fps.mp4 is rendered on a field with yard lines every 5 yards and two
lane lines; its sidecar holds the exact yard-line crossings as markers. Without them (the
athlete's height kept, as a roster would give it) the analysis must find the lines, say so, and
give the same steps and splits as with the markers.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
CLIP = ROOT / "sample_clips" / "synthetic_240fps.mp4"
SPRINTLAB = Path(sys.executable).parent / "sprintlab"

pytestmark = pytest.mark.model


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(SPRINTLAB), *args], cwd=ROOT, capture_output=True, text=True, timeout=900
    )


def without_markers(sidecar: str) -> str:
    """The sidecar's text up to its first marker (the camera block stays: the analysis does not
    read it; it is the renderer's record)."""
    return sidecar.split("[[marker]]")[0]


@pytest.fixture(scope="module")
def reps(tmp_path_factory):
    work = tmp_path_factory.mktemp("fieldlines")
    out = {}
    for name, markers in (("markers", True), ("lines", False)):
        clip = work / f"{name}.mp4"
        shutil.copy(CLIP, clip)
        text = CLIP.with_suffix(".toml").read_text()
        clip.with_suffix(".toml").write_text(text if markers else without_markers(text))
        proc = run("analyze", str(clip), "--out", str(work / f"out_{name}"))
        assert proc.returncode == 0, proc.stderr
        (rep_dir,) = (work / f"out_{name}").iterdir()
        out[name] = (rep_dir, proc)
    return out


def doc(rep_dir: Path) -> dict:
    return json.loads((rep_dir / "rep.json").read_text())


def test_without_markers_the_yard_lines_calibrate_and_say_so(reps):
    rep_dir, proc = reps["lines"]
    rep = doc(rep_dir)
    assert rep["calibration"]["method"] == "field_lines"
    assert rep["calibration"]["confidence"] == "high"
    lines = rep["field_lines"]
    assert lines["found"] and lines["grid"].startswith("football field")
    assert lines["lines"] >= 5
    assert lines["start_line"] == "the line at the athlete's hands in the set position"
    assert lines["rms_m"] < 0.02
    # Between the lane's two lines the athlete's line is placed to a fraction of a pixel.
    assert lines["athlete_line_from"] == "the middle of the lane between its lines"
    assert lines["scale_uncertainty_pct"] < 0.5
    # The grid to draw: the start line and the lines every 5 yards from it.
    marks = sorted(round(x, 3) for x, _, _ in lines["grid_px"])
    assert 0.0 in marks and 4.572 in marks and 9.144 in marks
    assert "field lines: football field" in proc.stdout
    assert "calibration: field_lines" in proc.stdout
    # No "approximate: no ground markers" on the splits: the lines are a measured scale.
    assert not any("approximate" in w for w in rep["warnings"])


def test_the_lines_give_the_markers_steps_and_splits(reps):
    with_markers, with_lines = doc(reps["markers"][0]), doc(reps["lines"][0])
    for key in ("5yd_s", "10yd_s"):
        a, b = with_markers["splits"][key], with_lines["splits"][key]
        assert a is not None and b is not None
        assert abs(b - a) <= 0.010, (key, a, b)
    # Steps either analysis left without a length (a contact missed next to them) are not
    # compared.
    a = {s["number"]: s["step_length_m"] for s in with_markers["steps"] if s["step_length_m"]}
    b = {s["number"]: s["step_length_m"] for s in with_lines["steps"] if s["step_length_m"]}
    common = sorted(set(a) & set(b))
    assert len(common) >= 8
    rel = np.array([b[n] / a[n] - 1.0 for n in common])
    # Measured: mean -0.3%, every step within -3.1..+1.8% (the first, 0.8 m long, 2.6 cm).
    assert abs(rel.mean()) <= 0.02
    assert np.max(np.abs(rel)) <= 0.05


def copy_rep(rep_dir: Path, folder: Path) -> Path:
    """A copy of a rep folder under its own name (reanalyze writes FOLDER/<rep_id>)."""
    out = folder / rep_dir.name
    shutil.copytree(rep_dir, out)
    return out


def test_reanalyze_keeps_the_field_line_calibration(reps, tmp_path):
    rep_dir = copy_rep(reps["lines"][0], tmp_path)
    (rep_dir / "rep.json").write_text(
        json.dumps({**doc(rep_dir), "splits": {}})  # what reanalyze must write again
    )
    proc = run("reanalyze", str(rep_dir))
    assert proc.returncode == 0, proc.stderr
    before, after = doc(reps["lines"][0]), doc(rep_dir)
    assert after["calibration"]["method"] == "field_lines"
    assert after["field_lines"] == before["field_lines"]
    assert after["splits"] == before["splits"]


def test_rejected_lines_fall_back_to_the_height_and_come_back(reps, tmp_path):
    rep_dir = copy_rep(reps["lines"][0], tmp_path)
    assert (rep_dir / "field_grid.jpg").exists()
    proc = run("reanalyze", str(rep_dir), "--no-field-lines")
    assert proc.returncode == 0, proc.stderr
    rejected = doc(rep_dir)
    assert rejected["calibration"]["method"] == "athlete_height"
    assert rejected["field_lines"]["rejected"] is True
    assert "field lines: rejected" in proc.stdout
    assert (rep_dir / "field_grid.jpg").exists()  # what was rejected can still be seen
    proc = run("reanalyze", str(rep_dir), "--field-lines")
    assert proc.returncode == 0, proc.stderr
    back = doc(rep_dir)
    assert back["calibration"]["method"] == "field_lines"
    assert back["splits"] == doc(reps["lines"][0])["splits"]


def test_the_grid_picture_shows_the_lines(reps):
    import cv2

    rep_dir, _ = reps["lines"]
    image = cv2.imread(str(rep_dir / "field_grid.jpg"))
    assert image is not None and image.shape[:2] == (1080, 1920)
    # The start line is drawn green where the analysis says it lies.
    rep = doc(rep_dir)
    (start,) = [(near, far) for x, near, far in rep["field_lines"]["grid_px"] if abs(x) < 1e-6]
    mid = (np.asarray(start[0]) + np.asarray(start[1])) / 2
    b, g, r = image[int(mid[1]), int(mid[0])].astype(int)
    assert g > 150 and g > r + 40 and g > b + 40


def rendered_with_and_without_cones(work: Path, cam, realism, look=None) -> tuple[Path, Path]:
    """A 3.2 s rep rendered at 120 fps (its sidecar holds the cones as markers) and a copy of
    it whose sidecar does not."""
    from sprintlab.synth.model import SprintParams
    from sprintlab.synth.render import render_clip

    rendered = render_clip(
        SprintParams(),
        work,
        fps=120.0,
        camera=cam,
        name="cones",
        realism=realism,
        duration_s=3.2,
        look=look,
    )
    cones = Path(rendered.video_path)
    lines = work / "lines.mp4"
    shutil.copy(cones, lines)
    text = cones.with_suffix(".toml").read_text()
    lines.with_suffix(".toml").write_text(without_markers(text))
    return cones, lines


def step_ratios(with_cones: dict, with_lines: dict) -> np.ndarray:
    """Each step length measured with the lines over the same step with the cones, less 1, for
    the steps both analyses measured (at least seven)."""
    a = {s["number"]: s["step_length_m"] for s in with_cones["steps"] if s["step_length_m"]}
    b = {s["number"]: s["step_length_m"] for s in with_lines["steps"] if s["step_length_m"]}
    common = sorted(set(a) & set(b))
    assert len(common) >= 7
    return np.array([b[n] / a[n] - 1.0 for n in common])


@pytest.fixture(scope="module")
def football(tmp_path_factory):
    """A rep rendered on a football field as it is (yard lines and hash marks, no lane lines),
    the camera 13 m away and turned 8 degrees, analysed with its cones and without them."""
    from sprintlab.synth.camera import PinholeCamera
    from sprintlab.synth.realism import Realism

    work = tmp_path_factory.mktemp("football")
    cam = PinholeCamera.side_view(distance_m=13.0, pan_deg=8.0)
    cones, lines = rendered_with_and_without_cones(work, cam, Realism(field_paint="football"))
    out = {}
    for name, clip in (("cones", cones), ("lines", lines)):
        proc = run("analyze", str(clip), "--out", str(work / f"out_{name}"))
        assert proc.returncode == 0, proc.stderr
        (rep_dir,) = (work / f"out_{name}").iterdir()
        out[name] = doc(rep_dir)
    return out


def test_a_turned_camera_on_a_football_field_needs_no_cones(football):
    with_cones, with_lines = football["cones"], football["lines"]
    assert with_lines["calibration"]["method"] == "field_lines"
    assert with_lines["field_lines"]["focal_measured"]
    # The hash marks gave the lane's direction (there are no lane lines on this field).
    assert with_lines["field_lines"]["lane_direction_from"] == "the lines along the lane"
    rel = step_ratios(with_cones, with_lines)
    # Measured at 120 fps: -0.3..-1.0% on every step but the last (+0.3%), mean -0.6% (the
    # soles' rows, the contact shadow included, place the athlete's line about 8 cm nearer than
    # the body's line), 5 yd +6 ms, 10 yd +9 ms. Before the soles' near edge and the two feet
    # were allowed for: -1.1%, +5 / +11 ms.
    assert abs(rel.mean()) <= 0.02
    # No lane lines: the soles place the athlete's line, and the stated uncertainty covers the
    # scale error that leaves, with a warning.
    lines = with_lines["field_lines"]
    assert lines["athlete_line_from"] == "the soles seen on the ground"
    assert lines["scale_uncertainty_pct"] >= 100 * abs(np.median(rel))
    assert any("every distance may be off" in w for w in with_lines["warnings"])
    assert np.mean(np.abs(rel) <= 0.02) >= 0.7
    assert np.max(np.abs(rel)) <= 0.12
    for key in ("5yd_s", "10yd_s"):
        x, y = with_cones["splits"][key], with_lines["splits"][key]
        assert x is not None and y is not None
        assert abs(y - x) <= 0.010, (key, x, y)


@pytest.fixture(scope="module")
def track(tmp_path_factory):
    """A rep rendered on a running track (lane lines 1.22 m apart, a start line and other
    events' marks, no yard lines), the camera square-on 11 m away and 1.2 m high, analysed
    with its cones, without them but with the camera's height, and with neither."""
    from sprintlab.synth.camera import PinholeCamera
    from sprintlab.synth.realism import Realism
    from sprintlab.synth.render import Look

    work = tmp_path_factory.mktemp("track")
    cam = PinholeCamera.side_view(distance_m=11.0)
    # A blue shirt: the default red one on a red track hides the athlete in the set position
    # from the pose model (this test is about the lines, not the tracking).
    cones, lines = rendered_with_and_without_cones(
        work, cam, Realism(field_paint="track"), look=Look(shirt_bgr=(110.0, 50.0, 20.0))
    )
    # The camera's height through the command line, and through the clip's sidecar (as the
    # Analyse page and a batch give it).
    height = f"{cam.position_m[1]:.2f}"
    in_sidecar = work / "sidecar.mp4"
    shutil.copy(lines, in_sidecar)
    text = lines.with_suffix(".toml").read_text()
    in_sidecar.with_suffix(".toml").write_text(f"camera_height_m = {height}\n" + text)
    out = {}
    for name, clip, extra in (
        ("cones", cones, ()),
        ("lines", lines, ("--camera-height-m", height)),
        ("sidecar", in_sidecar, ()),
        ("neither", lines, ()),
    ):
        proc = run("analyze", str(clip), "--out", str(work / f"out_{name}"), *extra)
        assert proc.returncode == 0, proc.stderr
        (rep_dir,) = (work / f"out_{name}").iterdir()
        out[name] = (doc(rep_dir), proc)
    return out


def test_a_track_s_lane_lines_and_the_camera_height_need_no_cones(track):
    (with_cones, _), (with_lines, proc) = track["cones"], track["lines"]
    assert with_lines["calibration"]["method"] == "field_lines"
    lines = with_lines["field_lines"]
    assert lines["grid"].startswith("running track")
    assert lines["athlete_line_from"] == "the middle of the lane between its lines"
    assert lines["focal_from"].startswith("the camera's height given")
    assert lines["start_line"].startswith("the line at the athlete's hands")
    assert "field lines: running track" in proc.stdout
    rel = step_ratios(with_cones, with_lines)
    # Measured: steps -1.1..+0.8%, mean -0.2%, 5 yd +0.8 ms, 10 yd +1.8 ms (the horizon mostly
    # from the start and relay lines' meeting point; from the lanes alone the far lines, a
    # fraction of a pixel off in the compressed clip, put it 1.2 px off: -1.2% on every step,
    # +11 ms).
    assert abs(rel.mean()) <= 0.02
    assert np.mean(np.abs(rel) <= 0.02) >= 0.7
    # The uncertainty stated covers the error found.
    assert lines["scale_uncertainty_pct"] >= 100 * abs(np.median(rel))
    for key in ("5yd_s", "10yd_s"):
        x, y = with_cones["splits"][key], with_lines["splits"][key]
        assert x is not None and y is not None
        assert abs(y - x) <= 0.010, (key, x, y)


def test_the_camera_height_in_the_sidecar_does_what_the_option_does(track):
    (by_option, _), (by_sidecar, _) = track["lines"], track["sidecar"]
    assert by_sidecar["calibration"]["method"] == "field_lines"
    assert by_sidecar["field_lines"]["focal_from"] == by_option["field_lines"]["focal_from"]
    assert by_sidecar["field_lines"]["focal_px"] == pytest.approx(
        by_option["field_lines"]["focal_px"], rel=1e-6
    )


def test_lane_lines_seen_square_on_without_the_camera_height_fall_back_and_say_why(track):
    rep, proc = track["neither"]
    assert rep["calibration"]["method"] == "athlete_height"
    reason = rep["field_lines"]["reason"]
    assert "square-on" in reason and "--camera-height-m" in reason
    assert "--camera-height-m" in proc.stdout


def test_lines_rejected_before_are_shown_but_do_not_calibrate_a_new_analysis(track, tmp_path):
    # What a batch does for a clip whose lines a person rejected (the library keeps it).
    from sprintlab.pipeline import FIELD_GRID_FILE, ClipOptions, analyze_clip

    (by_option, _) = track["lines"]
    clip = Path(by_option["video"]["path"])
    height = by_option["field_lines"]["camera_height_m"]
    _, rep_dir = analyze_clip(
        clip,
        tmp_path,
        ClipOptions(camera_height_m=round(height, 2), field_lines_rejected=True),
    )
    rep = doc(rep_dir)
    assert rep["calibration"]["method"] == "athlete_height"
    lines = rep["field_lines"]
    assert lines["found"] and lines["rejected"]
    # Still drawn, so that the person can take them back.
    assert (rep_dir / FIELD_GRID_FILE).is_file()
