"""Exact-answer tests for sprintlab.calibration (known similarities and pinhole cameras)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sprintlab.calibration import (
    ATHLETE_HEIGHT_WARNING,
    Calibration,
    CalibrationInput,
    Marker,
    find_sidecar,
    load_sidecar,
)
from sprintlab.errors import CalibrationError

SIZE = (1920, 1080)


# ---- synthetic cameras ---------------------------------------------------------------------------


def similarity_image(track_m, y_m, *, scale, angle_deg, origin_px, direction=1):
    """Image px of world (x, y) under a known similarity (y up in the world, down in the image)."""
    a = math.radians(angle_deg)
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    world = np.column_stack([direction * np.asarray(track_m, float), -np.asarray(y_m, float)])
    return world @ rot.T * scale + np.asarray(origin_px)


def pinhole(*, f=1500.0, centre=(10.0, 1.2, 10.0), pan_deg=0.0, tilt_deg=4.0, size=SIZE):
    """Projection of world points (track X, height Y, lateral Z towards the camera) to pixels.

    The camera at ``centre`` looks at the lane (towards -Z when ``centre`` has Z > 0, else +Z),
    panned by ``pan_deg`` about the vertical and tilted down by ``tilt_deg``.
    """
    psi, tilt = math.radians(pan_deg), math.radians(tilt_deg)
    side = -1.0 if centre[2] > 0 else 1.0
    fwd = np.array(
        [math.sin(psi) * math.cos(tilt), -math.sin(tilt), side * math.cos(psi) * math.cos(tilt)]
    )
    right = np.cross(fwd, [0.0, 1.0, 0.0])
    right /= np.linalg.norm(right)
    down = np.cross(fwd, right)
    rot = np.vstack([right, down, fwd])
    c = np.asarray(centre, dtype=float)

    def project(points):
        cam = (np.asarray(points, dtype=float) - c) @ rot.T
        assert np.all(cam[:, 2] > 0), "test points must be in front of the camera"
        return np.column_stack(
            [f * cam[:, 0] / cam[:, 2] + size[0] / 2, f * cam[:, 1] / cam[:, 2] + size[1] / 2]
        )

    return project


def ground_markers(project, tracks, laterals):
    out = []
    for lat in laterals:
        pts = project([[t, 0.0, lat] for t in tracks])
        out += [
            Marker((float(u), float(v)), float(t), lat)
            for (u, v), t in zip(pts, tracks, strict=True)
        ]
    return out


# ---- line method ---------------------------------------------------------------------------------


LINE = dict(scale=80.0, angle_deg=3.0, origin_px=(150.0, 900.0))


def line_markers(tracks, direction=1, **kw):
    params = {**LINE, **kw}
    pts = similarity_image(tracks, np.zeros(len(tracks)), direction=direction, **params)
    return [Marker((float(u), float(v)), float(t)) for (u, v), t in zip(pts, tracks, strict=True)]


def test_line_recovers_known_similarity():
    cal = Calibration.from_markers(line_markers([0.0, 5.0, 10.0, 15.0, 20.0]), SIZE)
    assert cal.method == "line"
    assert cal.confidence == "high"
    assert cal.warnings == ()
    assert cal.n_markers == 5
    assert cal.rms_residual_m == pytest.approx(0.0, abs=1e-9)
    world = np.array([[-2.0, 0.0], [3.3, 1.1], [12.0, 0.45], [22.5, -0.2]])
    px = similarity_image(world[:, 0], world[:, 1], **LINE)
    np.testing.assert_allclose(cal.to_world(px), world, atol=1e-6)
    np.testing.assert_allclose(cal.to_image(world), px, atol=1e-6)
    assert cal.run_direction == "left_to_right"
    np.testing.assert_allclose(cal.px_per_m_at(px), 80.0, rtol=1e-9)


def test_two_markers_fit_exactly_but_residual_is_nan():
    cal = Calibration.from_markers(line_markers([0.0, 9.144]), SIZE)
    assert cal.method == "line"
    assert math.isnan(cal.rms_residual_m)
    assert cal.confidence == "low"
    world = np.array([[4.0, 1.0]])
    px = similarity_image(world[:, 0], world[:, 1], **LINE)
    np.testing.assert_allclose(cal.to_world(px), world, atol=1e-6)


def test_residual_of_perturbed_middle_marker_is_exact():
    # Tracks 0..20 by 5: moving the middle marker by d along the lane leaves the fitted scale
    # unchanged; the least-squares residuals are d * (-1, -1, 4, -1, -1) / 5, RMS = 0.4 d.
    markers = line_markers([0.0, 5.0, 10.0, 15.0, 20.0])
    d_m = 0.1
    a = math.radians(LINE["angle_deg"])
    along_px = np.array([math.cos(a), math.sin(a)]) * LINE["scale"]
    u, v = np.array(markers[2].image_px) + d_m * along_px
    markers[2] = Marker((u, v), 10.0)
    cal = Calibration.from_markers(markers, SIZE)
    assert cal.rms_residual_m == pytest.approx(0.4 * d_m, abs=1e-9)
    assert cal.confidence == "high"  # 0.04 m is below the 0.05 m low-confidence mark
    residuals = cal.to_world(np.array([m.image_px for m in markers]))[:, 0] - [0, 5, 10, 15, 20]
    np.testing.assert_allclose(residuals, d_m * np.array([-1, -1, 4, -1, -1]) / 5, atol=1e-9)


def test_perpendicular_perturbation_does_not_change_along_lane_residual():
    markers = line_markers([0.0, 5.0, 10.0, 15.0, 20.0])
    a = math.radians(LINE["angle_deg"])
    up_px = np.array([math.sin(a), -math.cos(a)]) * LINE["scale"]
    u, v = np.array(markers[2].image_px) + 0.02 * up_px
    markers[2] = Marker((u, v), 10.0)
    cal = Calibration.from_markers(markers, SIZE)
    assert cal.rms_residual_m == pytest.approx(0.0, abs=1e-9)


def test_right_to_left_run_flips_x():
    params = {**LINE, "angle_deg": 0.0, "origin_px": (1800.0, 900.0)}
    markers = line_markers([0.0, 5.0, 10.0], direction=-1, **params)
    cal = Calibration.from_markers(markers, SIZE)
    assert cal.run_direction == "right_to_left"
    world = np.array([[2.0, 0.0], [7.0, 1.5]])
    px = similarity_image(world[:, 0], world[:, 1], direction=-1, **params)
    np.testing.assert_allclose(cal.to_world(px), world, atol=1e-6)
    # Moving left in the image is moving forward; moving up is still +y (80 px = 1 m).
    p0 = cal.to_world(np.array([1000.0, 500.0]))
    np.testing.assert_allclose(cal.to_world(np.array([990.0, 500.0])) - p0, [0.125, 0], atol=1e-9)
    np.testing.assert_allclose(cal.to_world(np.array([1000.0, 490.0])) - p0, [0, 0.125], atol=1e-9)
    # Agrees with a stated direction, rejects the wrong one.
    Calibration.from_markers(markers, SIZE, run_direction="right_to_left")
    with pytest.raises(CalibrationError, match="other way"):
        Calibration.from_markers(markers, SIZE, run_direction="left_to_right")


def test_nan_in_nan_out_and_round_trip_shapes():
    cal = Calibration.from_markers(line_markers([0.0, 5.0, 10.0]), SIZE)
    pts = np.array([[[100.0, 200.0], [np.nan, 3.0]], [[1500.0, 700.0], [5.0, np.nan]]])
    world = cal.to_world(pts)
    assert world.shape == (2, 2, 2)
    assert np.all(np.isnan(world[0, 1])) and np.all(np.isnan(world[1, 1]))
    assert np.all(np.isfinite(world[:, 0]))
    np.testing.assert_allclose(cal.to_image(world[:, 0]), pts[:, 0], atol=1e-9)


def test_markers_off_the_athlete_line_warn():
    markers = [Marker(m.image_px, m.track_m, 1.2) for m in line_markers([0.0, 5.0, 10.0])]
    cal = Calibration.from_markers(markers, SIZE)
    assert cal.method == "line"
    assert cal.confidence == "low"
    assert any("1.2 m towards the camera" in w for w in cal.warnings)


# ---- contradictory markers -----------------------------------------------------------------------


def test_fewer_than_two_markers_raise():
    with pytest.raises(CalibrationError, match="at least 2"):
        Calibration.from_markers(line_markers([0.0]), SIZE)
    with pytest.raises(CalibrationError, match="at least 2"):
        Calibration.from_markers([], SIZE)


def test_non_monotonic_markers_raise():
    markers = line_markers([0.0, 5.0, 10.0, 15.0])
    swapped = [
        markers[0],
        Marker(markers[1].image_px, 10.0),
        Marker(markers[2].image_px, 5.0),
        markers[3],
    ]
    with pytest.raises(CalibrationError, match="out of order"):
        Calibration.from_markers(swapped, SIZE)


def test_same_image_spot_with_different_track_raises():
    markers = line_markers([0.0, 5.0, 10.0])
    u, v = markers[1].image_px
    markers.append(Marker((u + 0.3, v), 7.0))
    with pytest.raises(CalibrationError, match="same spot"):
        Calibration.from_markers(markers, SIZE)


def test_large_residual_raises():
    markers = line_markers([0.0, 5.0, 10.0, 15.0, 20.0])
    # A 1 m error on the middle marker gives an RMS of 0.4 m > 0.25 m.
    markers[2] = Marker(similarity_image([11.0], [0.0], **LINE)[0], 10.0)
    with pytest.raises(CalibrationError, match=r"disagree by 0\.40 m"):
        Calibration.from_markers(markers, SIZE)


def test_residual_above_five_percent_of_span_raises():
    markers = line_markers([0.0, 1.0, 2.0, 3.0, 4.0])
    # 0.6 m on the middle marker: RMS 0.24 m < 0.25 m but > 5 % of the 4 m span.
    markers[2] = Marker(similarity_image([2.6], [0.0], **LINE)[0], 2.0)
    with pytest.raises(CalibrationError, match=r"disagree by 0\.24 m"):
        Calibration.from_markers(markers, SIZE)


def test_duplicate_markers_raise():
    markers = line_markers([0.0, 5.0, 10.0])
    markers.append(Marker((1000.0, 100.0), 5.0))
    with pytest.raises(CalibrationError, match="both say track_m = 5"):
        Calibration.from_markers(markers, SIZE)


# ---- plane method --------------------------------------------------------------------------------


TRACKS = [float(t) for t in range(0, 21, 2)]
LATERALS = (-1.5, 0.0, 1.5)


def athlete_plane_check(cal, project, tracks=TRACKS, height_m=0.9):
    world = np.array([[t, height_m] for t in tracks])
    px = project([[t, height_m, 0.0] for t in tracks])
    np.testing.assert_allclose(cal.to_world(px), world, atol=1e-3)
    np.testing.assert_allclose(cal.to_image(cal.to_world(px)), px, atol=1e-6)


def test_plane_recovers_pinhole_camera_square_on():
    project = pinhole(f=1500.0, centre=(10.0, 1.2, 10.0), tilt_deg=4.0)
    cal = Calibration.from_markers(ground_markers(project, TRACKS, LATERALS), SIZE)
    assert cal.method == "plane"
    assert cal.confidence == "high"
    assert cal.n_markers == 33
    assert cal.rms_residual_m < 1e-4
    # At 10 m the horizontal field of view is 12.8 m, so the outer markers fall outside the frame.
    assert any("outside the 1920x1080 frame" in w for w in cal.warnings)
    athlete_plane_check(cal, project)
    assert cal.run_direction == "left_to_right"
    # Local scale on the athlete plane at 10 m is f / distance = 150 px/m.
    px = project([[10.0, 0.9, 0.0]])
    assert cal.px_per_m_at(px)[0] == pytest.approx(150.0, rel=1e-3)


def test_plane_handles_panned_camera():
    project = pinhole(f=1500.0, centre=(8.0, 1.2, 10.0), pan_deg=10.0, tilt_deg=4.0)
    markers = ground_markers(project, TRACKS, LATERALS)
    cal = Calibration.from_markers(markers, SIZE)
    assert cal.method == "plane"
    assert cal.rms_residual_m < 1e-4
    athlete_plane_check(cal, project)
    # Only the markers a user could click (inside the frame) still give the same answer.
    inside = [m for m in markers if 0 <= m.image_px[0] <= SIZE[0] and 0 <= m.image_px[1] <= SIZE[1]]
    cal_inside = Calibration.from_markers(inside, SIZE)
    assert cal_inside.method == "plane"
    assert cal_inside.warnings == ()
    athlete_plane_check(cal_inside, project, tracks=[8.0, 10.0, 12.0, 14.0])


def test_plane_right_to_left_camera_on_far_side():
    # Camera on the other side of the lane: the runner goes right to left in the image.
    project = pinhole(f=1200.0, centre=(10.0, 1.0, -9.0), tilt_deg=3.0)
    cal = Calibration.from_markers(ground_markers(project, TRACKS, LATERALS), SIZE)
    assert cal.method == "plane"
    assert cal.run_direction == "right_to_left"
    athlete_plane_check(cal, project, height_m=1.4)


def test_plane_with_two_rows_of_two_markers():
    project = pinhole(f=1500.0, centre=(5.0, 1.2, 10.0), tilt_deg=4.0)
    markers = ground_markers(project, [1.0, 9.0], (0.0, 2.0))
    cal = Calibration.from_markers(markers, SIZE)
    assert cal.method == "plane"
    athlete_plane_check(cal, project, tracks=[2.0, 5.0, 8.0])


def test_plane_falls_back_to_line_when_markers_are_collinear_in_image():
    # A camera at ground height sees every ground marker on the horizon row.
    row0 = line_markers([1.0, 5.0, 9.0, 13.0], angle_deg=0.0)
    closer = [
        Marker((LINE["origin_px"][0] + 80.0 * 10 / 8.5 * t, LINE["origin_px"][1]), t, 1.5)
        for t in (1.0, 5.0, 9.0, 13.0)
    ]
    cal = Calibration.from_markers(row0 + closer, SIZE)
    assert cal.method == "line"
    assert cal.confidence == "low"
    assert cal.n_markers == 4
    assert any("perspective could not be recovered" in w for w in cal.warnings)
    assert cal.rms_residual_m == pytest.approx(0.0, abs=1e-9)
    px = similarity_image([3.0], [1.0], **{**LINE, "angle_deg": 0.0})
    np.testing.assert_allclose(cal.to_world(px), [[3.0, 1.0]], atol=1e-6)


def test_too_few_markers_for_plane_use_one_row_or_raise():
    row0 = line_markers([0.0, 10.0])
    extra = Marker((900.0, 1000.0), 5.0, 1.5)
    cal = Calibration.from_markers([*row0, extra], SIZE)
    assert (cal.method, cal.confidence, cal.n_markers) == ("line", "low", 2)
    assert any("fewer than 4 markers" in w for w in cal.warnings)
    with pytest.raises(CalibrationError, match="cannot be fitted"):
        Calibration.from_markers([row0[0], extra], SIZE)


def test_plane_with_one_wrong_marker_is_low_confidence():
    project = pinhole()
    markers = ground_markers(project, TRACKS, LATERALS)
    assert (markers[5].track_m, markers[5].lateral_m) == (10.0, -1.5)
    # Clicked 0.8 m further along the lane than its track_m says: kept, but flagged.
    markers[5] = Marker(tuple(project([[10.8, 0.0, -1.5]])[0]), 10.0, -1.5)
    cal = Calibration.from_markers(markers, SIZE)
    assert cal.method == "plane"
    assert 0.05 < cal.rms_residual_m < 0.25
    assert cal.confidence == "low"
    assert any("disagree" in w for w in cal.warnings)


def test_plane_with_contradictory_marker_raises():
    project = pinhole()
    markers = ground_markers(project, TRACKS, LATERALS)
    # Clicked 2.5 m across the lane from where its lateral_m says.
    markers[5] = Marker(tuple(project([[10.0, 0.0, 1.0]])[0]), 10.0, -1.5)
    with pytest.raises(CalibrationError, match=r"disagree by .* track_m = 10"):
        Calibration.from_markers(markers, SIZE)


def test_rows_running_opposite_ways_raise():
    row0 = line_markers([0.0, 5.0, 10.0])
    row1 = [Marker((m.image_px[0], m.image_px[1] + 40.0), 10.0 - m.track_m, 1.5) for m in row0]
    with pytest.raises(CalibrationError, match="opposite directions"):
        Calibration.from_markers(row0 + row1, SIZE)


# ---- athlete height ------------------------------------------------------------------------------


def test_from_athlete_height():
    cal = Calibration.from_athlete_height(
        height_px=370.0, height_m=1.85, origin_px=(1700.0, 880.0), direction=-1, ground_y_px=900.0
    )
    assert cal.method == "athlete_height"
    assert cal.confidence == "low"
    assert math.isnan(cal.rms_residual_m)
    assert cal.warnings == (ATHLETE_HEIGHT_WARNING,)
    # 200 px/m, running right to left, ground at image row 900.
    np.testing.assert_allclose(
        cal.to_world(np.array([[1700.0, 900.0], [1500.0, 800.0]])), [[0.0, 0.0], [1.0, 0.5]]
    )
    assert cal.run_direction == "right_to_left"
    assert cal.px_per_m_at(np.array([300.0, 300.0])) == pytest.approx(200.0)
    with pytest.raises(CalibrationError):
        Calibration.from_athlete_height(0.0, 1.85, (0.0, 0.0), 1)


def test_dict_round_trip():
    cal = Calibration.from_markers(line_markers([0.0, 9.144]), SIZE)
    again = Calibration.from_dict(cal.to_dict())
    np.testing.assert_array_equal(again.image_to_world, cal.image_to_world)
    assert math.isnan(again.rms_residual_m)
    assert (again.method, again.confidence, again.warnings) == (
        cal.method,
        cal.confidence,
        cal.warnings,
    )


def test_calibration_is_immutable():
    cal = Calibration.from_markers(line_markers([0.0, 5.0, 10.0]), SIZE)
    with pytest.raises(ValueError):
        cal.image_to_world[0, 0] = 2.0


# ---- sidecar files -------------------------------------------------------------------------------


GOOD_TOML = """
capture_fps = 240
athlete_height_m = 1.85
run_direction = "left_to_right"
notes = "lane 3, wind +0.4"

[truth]
anything = [1, 2, 3]

[camera]
focal_px = 1500.0

[[marker]]
image_px = [412.0, 880.5]
track_m = 0.0

[[marker]]
image_px = [1250, 870.0]
track_m = 9.144
lateral_m = -1.22
"""


def write(tmp_path, text, name="clip.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_load_good_sidecar(tmp_path):
    inp = load_sidecar(write(tmp_path, GOOD_TOML))
    assert inp == CalibrationInput(
        markers=(
            Marker((412.0, 880.5), 0.0, 0.0),
            Marker((1250.0, 870.0), 9.144, -1.22),
        ),
        capture_fps=240.0,
        athlete_height_m=1.85,
        run_direction="left_to_right",
    )
    assert isinstance(inp.markers[1].image_px[0], float)


def test_load_minimal_sidecar(tmp_path):
    inp = load_sidecar(write(tmp_path, "capture_fps = 120\n"))
    assert inp == CalibrationInput(markers=(), capture_fps=120.0, run_direction="auto")


def test_a_sidecar_without_markers_names_the_start_line_and_the_camera_height(tmp_path):
    inp = load_sidecar(write(tmp_path, "start_line_px = 0\ncamera_height_m = 1.2\n"))
    assert inp.start_line_px == 0.0 and inp.camera_height_m == 1.2
    assert inp.markers == ()


def test_find_sidecar(tmp_path):
    clip = tmp_path / "rep01.mp4"
    clip.write_bytes(b"")
    assert find_sidecar(clip) is None
    side = write(tmp_path, GOOD_TOML, "rep01.toml")
    assert find_sidecar(clip) == side


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("capture_fps = 240\nzoom = 2\n", "unknown key 'zoom'"),
        ("[[marker]]\nimage_px = [1.0, 2.0]\n", "has no track_m"),
        ("[[marker]]\ntrack_m = 5.0\n", "has no image_px"),
        ('[[marker]]\nimage_px = [1.0, 2.0]\ntrack_m = "5"\n', r"track_m = '5'"),
        ("[[marker]]\nimage_px = [1.0]\ntrack_m = 5.0\n", "write two numbers"),
        ("[[marker]]\nimage_px = [1.0, nan]\ntrack_m = 5.0\n", "not nan or inf"),
        ("[[marker]]\nimage_px = [1.0, 2.0]\ntrack_m = nan\n", "real distance"),
        ("[[marker]]\nimage_px = [1.0, 2.0]\ntrack_m = 1.0\nlat_m = 1.0\n", "unknown key 'lat_m'"),
        ("capture_fps = true\n", "capture_fps"),
        ("capture_fps = -30\n", "capture_fps"),
        ('run_direction = "north"\n', "run_direction"),
        ("athlete_height_m = 185\n", "not a person's height"),
        ("camera_height_m = 120\n", "not a camera's height"),
        ("camera_height_m = 0.05\n", "not a camera's height"),
        ("start_line_px = -4.0\n", "start_line_px must be a picture column"),
        ('start_line_px = "left"\n', "start_line_px must be a picture column"),
        ("capture_fps = = 3\n", "not valid TOML"),
        (
            "[[marker]]\nimage_px = [1.0, 2.0]\ntrack_m = 5.0\n"
            "[[marker]]\nimage_px = [9.0, 2.0]\ntrack_m = 5.0\n",
            "both say track_m = 5",
        ),
        (
            "[[marker]]\nimage_px = [1.0, 2.0]\ntrack_m = 5.0\n"
            "[[marker]]\nimage_px = [1.0, 2.0]\ntrack_m = 6.0\n",
            "same image_px",
        ),
    ],
)
def test_bad_sidecars_raise_clear_errors(tmp_path, text, message):
    with pytest.raises(CalibrationError, match=message):
        load_sidecar(write(tmp_path, text))


def test_missing_sidecar_raises(tmp_path):
    with pytest.raises(CalibrationError, match="does not exist"):
        load_sidecar(tmp_path / "nope.toml")


def test_from_athlete_height_along_a_tilted_ground():
    """A ground line falling 0.05 px per px to the right: world +x runs along it, so a point on
    it 200 px further along is 1 m out and still on the ground."""
    cal = Calibration.from_athlete_height(
        370.0, 1.85, (1000.0, 900.0), 1, ground_y_px=900.0, ground_slope=0.05
    )
    along = np.array([200.0, 10.0]) / math.hypot(1.0, 0.05)
    np.testing.assert_allclose(
        cal.to_world(np.array([[1000.0, 900.0], [1000.0 + along[0], 900.0 + along[1]]])),
        [[0.0, 0.0], [1.0, 0.0]],
        atol=1e-9,
    )
    with pytest.raises(CalibrationError):
        Calibration.from_athlete_height(370.0, 1.85, (0.0, 0.0), 1, ground_slope=3.0)


def test_height_calibration_follows_a_picture_held_off_level():
    """A phone held 3° off level: the ground line found through the lowest ankles keeps every
    touchdown on the ground (a level one would put the last steps ~0.4 m up) and the scale."""
    from sprintlab.pipeline import height_calibration, to_world
    from sprintlab.synth import SprintParams, simulate
    from sprintlab.synth.degrade import to_track

    params = SprintParams()
    world = to_track(simulate(params, 120.0, 2.4))
    tilt = math.radians(3.0)
    rot = np.array([[math.cos(tilt), -math.sin(tilt)], [math.sin(tilt), math.cos(tilt)]])
    px = np.stack([100.0 + 100.0 * world.xy[..., 0], 600.0 - 100.0 * world.xy[..., 1]], axis=-1)
    px = (px - [640.0, 600.0]) @ rot.T + [640.0, 600.0]
    cal = height_calibration(world.with_xy(px, space="px"), params.stature_m)
    back = to_world(world.with_xy(px, space="px"), cal)
    ankles = np.concatenate([back.point(a) for a in (15, 16)])  # COCO ankles
    truth = np.concatenate([world.point(a) for a in (15, 16)])
    # The lowest ankle near the start and near the end: their difference in height is the
    # truth's within 2 cm (a level ground line would add ~0.4 m).
    near, far = truth[:, 0] < 2.0, truth[:, 0] > truth[:, 0].max() - 2.0

    def rise(y: np.ndarray) -> float:
        return float(np.min(y[far]) - np.min(y[near]))

    assert rise(ankles[:, 1]) == pytest.approx(rise(truth[:, 1]), abs=0.02)
    # Distances along the run keep their scale within the stature estimate's 5%.
    run_m = np.ptp(back.point(11)[:, 0])
    assert run_m == pytest.approx(np.ptp(world.point(11)[:, 0]), rel=0.05)
