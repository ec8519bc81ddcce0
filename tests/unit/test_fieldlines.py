"""Calibration from the field's painted lines, on rendered pictures of the field whose camera is
known exactly (:mod:`sprintlab.synth.scene`: yard lines every 5 yards, two lane lines)."""

from __future__ import annotations

import numpy as np
import pytest

from sprintlab.fieldlines.camera import horizon, solve_camera, square_vanishing_point
from sprintlab.fieldlines.fit import AthleteGround, field_line_calibration
from sprintlab.fieldlines.lines import find_lines, vanishing_point
from sprintlab.fieldlines.paint import paint_mask
from sprintlab.fieldlines.ruler import fit_ruler
from sprintlab.synth.camera import PinholeCamera
from sprintlab.synth.scene import render_background
from sprintlab.units import YARD_M

SPACING_M = 5 * YARD_M
# Distance from the lane, pan: the range a coach films from (square-on and turned up to 15°).
CAMERAS = [(10.0, 0.0), (13.0, 8.0), (16.0, 15.0)]
STATURE_M = 1.8


def _camera(distance_m: float, pan_deg: float) -> PinholeCamera:
    return PinholeCamera.side_view(distance_m=distance_m, pan_deg=pan_deg)


def _athlete(cam: PinholeCamera, hands_x_m: float = -0.1) -> AthleteGround:
    """What the track would say: the ground line at the lane's centre, the athlete's height in
    the picture, hands on the ground just behind the start line (x = 0)."""
    a, b = cam.project(np.array([[0.0, 0.0, 0.0], [20.0, 0.0, 0.0]]))
    slope = (b[1] - a[1]) / (b[0] - a[0])
    level = a[1] - slope * a[0]
    foot, head = cam.project(np.array([[8.0, 0.0, 0.0], [8.0, STATURE_M, 0.0]]))
    hands = cam.project(np.array([[hands_x_m, 0.05, 0.0]]))
    return AthleteGround(slope, level, float(foot[1] - head[1]), 1, hands_px=hands)


def _ground_rows(cam: PinholeCamera, athlete: AthleteGround) -> tuple[int, int]:
    ref = athlete.level_px + athlete.slope * cam.width_px / 2
    return int(ref - 0.8 * athlete.height_px), cam.height_px


@pytest.mark.parametrize(("distance_m", "pan_deg"), CAMERAS)
def test_the_yard_lines_are_a_ruler_along_the_lane(distance_m, pan_deg):
    cam = _camera(distance_m, pan_deg)
    image = render_background(cam, 0)
    athlete = _athlete(cam)
    mask, response = paint_mask(image, rows_px=_ground_rows(cam, athlete))
    lines = find_lines(mask, response)
    vp, members = vanishing_point(lines, score="drop")
    true_vp = cam.project(np.array([[8.0, 0.0, -1e7]]))[0]
    assert np.hypot(*(vp[:2] / vp[2] - true_vp)) < 2.0
    ref_row = athlete.level_px + athlete.slope * cam.width_px / 2
    ruler = fit_ruler([lines[k] for k in members], vp, SPACING_M, ref_row)
    assert ruler is not None
    # Every yard line that crosses the athlete's line in the picture is on the ruler, in order.
    in_view = [
        yd
        for yd in range(-10, 65, 5)
        if 0 <= cam.project(np.array([[yd * YARD_M, 0.0, 0.0]]))[0, 0] <= cam.width_px
    ]
    assert len(ruler.lines) >= len(in_view)
    assert list(np.diff(ruler.index)) == [1] * (len(ruler.index) - 1)
    # Ground points on the athlete's line and half a metre beside it: their distance along the
    # lane, up to the ruler's origin (some yard line), within 4 cm over the first 20 m.
    xs = np.linspace(0.0, 20.0, 41)
    for z in (0.0, 0.5):
        pts = cam.project(np.column_stack([xs, np.zeros_like(xs), np.full_like(xs, z)]))
        seen = (pts[:, 0] >= 0) & (pts[:, 0] <= cam.width_px)
        x = ruler.x_m(pts[seen])
        offset = np.round(np.median(xs[seen] - x) / SPACING_M) * SPACING_M
        assert np.max(np.abs(x + offset - xs[seen])) < 0.04


@pytest.mark.parametrize(("distance_m", "pan_deg"), CAMERAS)
def test_the_field_lines_calibrate_like_the_camera_itself(distance_m, pan_deg):
    cam = _camera(distance_m, pan_deg)
    found = field_line_calibration(render_background(cam, 0), _athlete(cam))
    assert found.calibration is not None, found.reason
    calib = found.calibration
    assert calib.method == "field_lines"
    assert found.record["grid"].startswith("football field")
    # The hands were 10 cm behind the 0-yard line: it is the start line.
    assert found.record["start_line"] == "the line at the athlete's hands in the set position"
    # Points of the athlete's plane (along the lane, up to 1.5 m high) come back where they are.
    xs, ys = np.meshgrid(np.linspace(0.0, 15.0, 16), np.linspace(0.0, 1.5, 4))
    world = np.column_stack([xs.ravel(), ys.ravel()])
    pixels = cam.project(np.column_stack([world, np.zeros(len(world))]))
    seen = (pixels[:, 0] >= 0) & (pixels[:, 0] <= cam.width_px)
    back = calib.to_world(pixels[seen])
    err = back - world[seen]
    assert np.max(np.abs(err[:, 0])) < 0.07
    assert np.max(np.abs(err[:, 1])) < 0.02
    # A step of about 2 m: its length within 1%.
    step = calib.to_world(cam.project(np.array([[6.0, 0.0, 0.0], [8.0, 0.0, 0.0]])))
    assert abs(np.diff(step[:, 0])[0] - 2.0) < 0.02
    if pan_deg >= 5:
        assert found.record["focal_measured"]
        assert found.record["focal_px"] == pytest.approx(cam.focal_px, rel=0.03)
        assert calib.camera_m[2] == pytest.approx(distance_m, rel=0.05)
    else:
        # Square-on, the focal length cannot be seen; the user is told it was assumed.
        assert not found.record["focal_measured"]
        assert any("focal length was assumed" in w for w in calib.warnings)
    assert calib.camera_m[1] == pytest.approx(cam.position_m[1], abs=0.05)
    assert found.grid_px and any(abs(x) < 1e-6 for x, _, _ in found.grid_px)


def test_a_named_start_line_wins_over_the_hands():
    cam = _camera(13.0, 8.0)
    athlete = _athlete(cam)
    column = float(cam.project(np.array([[5 * YARD_M, 0.0, 0.0]]))[0, 0])
    found = field_line_calibration(render_background(cam, 0), athlete, start_line_px=column + 3)
    assert found.record["start_line"] == "the line named by the user"
    x = found.calibration.to_world(cam.project(np.array([[5 * YARD_M, 0.0, 0.0]])))
    assert abs(x[0, 0]) < 0.05


def test_hands_far_from_any_line_are_the_start_and_say_so():
    cam = _camera(13.0, 8.0)
    found = field_line_calibration(render_background(cam, 0), _athlete(cam, hands_x_m=2.3))
    assert "no line within" in found.record["start_line"]
    x = found.calibration.to_world(cam.project(np.array([[2.3, 0.0, 0.0]])))
    assert abs(x[0, 0]) < 0.06


def test_plain_grass_has_no_lines_and_says_why():
    cam = _camera(11.0, 0.0)
    found = field_line_calibration(render_background(cam, 0, field_paint="none"), _athlete(cam))
    assert found.calibration is None
    assert "painted line" in found.reason
    assert found.record == {"found": False, "reason": found.reason}


def test_square_on_the_lane_points_along_the_horizon():
    cam = _camera(11.0, 0.0)
    athlete = _athlete(cam)
    image = render_background(cam, 0)
    mask, response = paint_mask(image, rows_px=_ground_rows(cam, athlete))
    lines = find_lines(mask, response)
    vp, members = vanishing_point(lines, score="drop")
    ref_row = athlete.level_px + athlete.slope * cam.width_px / 2
    ruler = fit_ruler([lines[k] for k in members], vp, SPACING_M, ref_row)
    hz = horizon(ruler)
    vx = square_vanishing_point(hz, vp, (cam.width_px, cam.height_px), 1000.0)
    # The yard lines meet straight ahead of the camera, so the lane runs along the horizon.
    assert abs(vx[2]) < 1e-6 or abs(vx[0] / vx[2]) > 1e5
    assert solve_camera(ruler, vx, athlete.line(), (cam.width_px, cam.height_px), 1) is not None


def test_lines_that_make_the_athlete_a_giant_are_not_yard_lines():
    # Lines in step at some other spacing would scale the athlete wrongly: an athlete twice as
    # tall in the picture as the yard lines allow is the sign.
    from dataclasses import replace

    cam = _camera(13.0, 8.0)
    athlete = _athlete(cam)
    found = field_line_calibration(
        render_background(cam, 0), replace(athlete, height_px=2.2 * athlete.height_px)
    )
    assert found.calibration is None
    assert "they are not yard lines" in found.reason


def test_three_lines_are_not_enough_to_check_a_ruler():
    # A 1-D projective map goes through any three lines exactly (no scatter left to judge it):
    # the calibration asks for a fourth.
    from sprintlab.fieldlines.fit import MIN_LINES

    cam = _camera(13.0, 8.0)
    athlete = _athlete(cam)
    mask, response = paint_mask(render_background(cam, 0), rows_px=_ground_rows(cam, athlete))
    lines = find_lines(mask, response)
    vp, members = vanishing_point(lines, score="drop")
    ref_row = athlete.level_px + athlete.slope * cam.width_px / 2
    three = [lines[k] for k in members[:3]]
    exact = fit_ruler(three, vp, SPACING_M, ref_row, min_lines=3)
    assert exact is not None and exact.rms_m < 1e-9
    assert MIN_LINES == 4
    assert fit_ruler(three, vp, SPACING_M, ref_row, min_lines=MIN_LINES) is None


def _shadows_and_wear(image: np.ndarray, seed: int = 0) -> np.ndarray:
    """Long shadows in bands across the field and worn paint (grass-coloured blotches)."""
    import cv2

    rng = np.random.default_rng(seed)
    h, w = image.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w]
    out = image.copy()
    shadow = ((xx + 0.8 * yy) // 140) % 3 == 0
    out[shadow] = (out[shadow] * 0.45).astype(np.uint8)
    for _ in range(400):
        x, y, r = int(rng.integers(0, w)), int(rng.integers(h // 2, h)), int(rng.integers(5, 25))
        colour = tuple(int(c) for c in out[min(h - 1, y + 30), x])
        cv2.circle(out, (x, y), r, colour, -1)
    return out


def test_shadows_and_worn_paint_widen_the_uncertainty_and_say_so():
    cam = _camera(16.0, 15.0)
    athlete = _athlete(cam)
    clean = field_line_calibration(render_background(cam, 0), athlete)
    rough = field_line_calibration(_shadows_and_wear(render_background(cam, 0)), athlete)
    assert rough.calibration is not None, rough.reason
    assert rough.record["lines"] < clean.record["lines"]
    assert rough.record["distance_uncertainty_m"] > clean.record["distance_uncertainty_m"]
    assert any("check the grid" in w for w in rough.calibration.warnings)
    assert not any("check the grid" in w for w in clean.calibration.warnings)
    # The distances it gives stay within the uncertainty it states.
    xs = np.linspace(0.0, 15.0, 16)
    pixels = cam.project(np.column_stack([xs, np.zeros_like(xs), np.zeros_like(xs)]))
    seen = (pixels[:, 0] >= 0) & (pixels[:, 0] <= cam.width_px)
    x = rough.calibration.to_world(pixels[seen])[:, 0]
    steps = np.diff(x) - np.diff(xs[seen])
    assert np.max(np.abs(steps)) <= rough.record["distance_uncertainty_m"]
    assert np.max(np.abs(x - xs[seen])) <= rough.record["distance_uncertainty_m"]


@pytest.mark.parametrize(("distance_m", "pan_deg"), [(11.0, 0.0), (13.0, 8.0), (16.0, 15.0)])
def test_a_football_field_without_lane_lines_uses_its_hash_marks(distance_m, pan_deg):
    # Yard lines and two rows of hash marks (one every yard), no lane lines: the hash rows give
    # the lane's direction (and, turned, the focal length).
    cam = _camera(distance_m, pan_deg)
    found = field_line_calibration(render_background(cam, 0, field_paint="football"), _athlete(cam))
    assert found.calibration is not None, found.reason
    assert found.record["lane_direction_from"] == "the lines along the lane"
    if pan_deg >= 5:
        assert found.record["focal_px"] == pytest.approx(cam.focal_px, rel=0.05)
    xs = np.linspace(0.0, 15.0, 16)
    pixels = cam.project(np.column_stack([xs, np.zeros_like(xs), np.zeros_like(xs)]))
    seen = (pixels[:, 0] >= 0) & (pixels[:, 0] <= cam.width_px)
    x = found.calibration.to_world(pixels[seen])[:, 0]
    assert np.max(np.abs(x - xs[seen])) < 0.06
    step = found.calibration.to_world(cam.project(np.array([[6.0, 0, 0], [8.0, 0, 0]])))[:, 0]
    assert abs(step[1] - step[0] - 2.0) < 0.02


# A running track: lane lines 1.22 m apart, the start line and other events' marks, no yard
# lines (``field_paint="track"``).
CAMERA_HEIGHT_M = 1.2


def _track_calibration(distance_m, pan_deg, camera_height_m):
    cam = _camera(distance_m, pan_deg)
    assert abs(cam.position_m[1] - CAMERA_HEIGHT_M) < 1e-9
    image = render_background(cam, 0, field_paint="track")
    found = field_line_calibration(image, _athlete(cam), camera_height_m=camera_height_m)
    return cam, found


def _along_errors_m(cam, calib):
    xs = np.linspace(0.0, 15.0, 31)
    pts = cam.project(np.column_stack([xs, np.zeros_like(xs), np.zeros_like(xs)]))
    seen = (pts[:, 0] >= 0) & (pts[:, 0] <= cam.width_px)
    return calib.to_world(pts[seen])[:, 0] - xs[seen]


@pytest.mark.parametrize(
    ("distance_m", "pan_deg"), [(10.0, 0.0), (11.0, 0.0), (13.0, 0.0), (13.0, 8.0), (13.0, 15.0)]
)
def test_lane_lines_and_the_camera_height_calibrate_a_track(distance_m, pan_deg):
    cam, found = _track_calibration(distance_m, pan_deg, CAMERA_HEIGHT_M)
    assert found.calibration is not None, found.reason
    rec = found.record
    assert rec["grid"].startswith("running track")
    assert rec["athlete_line_from"] == "the middle of the lane between its lines"
    assert "camera's height" in rec["focal_from"]
    # The start line painted at x = 0 is the one at the hands, and distances from it hold to
    # a few centimetres over 15 m (within what the record states).
    assert rec["start_line"].startswith("the line at the athlete's hands")
    err = _along_errors_m(cam, found.calibration)
    assert np.max(np.abs(err)) <= max(0.08, rec["scale_uncertainty_pct"] / 100 * 15)
    step = found.calibration.to_world(cam.project(np.array([[6.0, 0, 0], [8.0, 0, 0]])))[:, 0]
    assert abs(np.diff(step)[0] - 2.0) <= 0.02


@pytest.mark.parametrize(("distance_m", "pan_deg"), [(13.0, 8.0), (10.0, 15.0)])
def test_a_turned_camera_reads_its_focal_length_from_the_track(distance_m, pan_deg):
    cam, found = _track_calibration(distance_m, pan_deg, None)
    assert found.calibration is not None, found.reason
    assert found.record["focal_measured"]
    assert abs(found.record["focal_px"] / cam.focal_px - 1.0) <= 0.02
    step = found.calibration.to_world(cam.project(np.array([[6.0, 0, 0], [8.0, 0, 0]])))[:, 0]
    assert abs(np.diff(step)[0] - 2.0) <= 0.02
    err = _along_errors_m(cam, found.calibration)
    assert np.max(np.abs(err)) <= max(0.15, found.record["scale_uncertainty_pct"] / 100 * 15)


def test_lane_lines_seen_square_on_ask_for_the_camera_height():
    _, found = _track_calibration(11.0, 0.0, None)
    assert found.calibration is None
    assert "square-on" in found.reason and "--camera-height-m" in found.reason


def test_far_lane_lines_a_few_pixels_apart_stay_apart():
    cam = _camera(11.0, 0.0)
    athlete = _athlete(cam)
    image = render_background(cam, 0, field_paint="track")
    mask, response = paint_mask(image, rows_px=_ground_rows(cam, athlete))
    lines = find_lines(mask, response, min_length_px=45)
    rows = sorted(ln.ends_px[:, 1].mean() for ln in lines if abs(ln.normal[1]) > 0.999)
    # The two lane lines beside the athlete (0.61 m either side) are 13 px apart at 11 m.
    for z in (0.61, -0.61, -1.83):
        true = cam.project(np.array([[8.0, 0.0, z]]))[0, 1]
        assert np.min(np.abs(np.array(rows) - true)) < 1.0


@pytest.mark.parametrize("row", [100.1, 100.3, 100.45])
def test_a_thin_flat_line_is_placed_to_a_tenth_of_a_pixel(row):
    from sprintlab.fieldlines.lines import refine_subpixel

    h, w = 200, 400
    ys = np.arange(h)[:, None]  # pixel centres: pixel i covers rows i - 0.5 to i + 0.5
    # A 1.5 px wide line, area-sampled (the fraction of each pixel it covers).
    cover = np.clip(np.minimum(ys + 0.5, row + 0.75) - np.maximum(ys - 0.5, row - 0.75), 0, 1)
    image = np.full((h, w, 3), 60.0)
    image += cover[..., None] * np.array([170.0, 170.0, 170.0])
    image = np.broadcast_to(image, (h, w, 3)).astype(np.uint8)
    mask, response = paint_mask(image, rows_px=(0, h))
    (line,) = find_lines(mask, response, min_length_px=100)
    fine = refine_subpixel(line, response)
    assert abs(fine.offset_px - row) <= 0.1


def _bent_lines(k1: float, size_px=(1280, 720), rows_from_centre_px=(120, 200, 300, -150)):
    """A red track with long white lines bent by a lens of distortion ``k1`` (picture widths,
    ``r_d = r (1 + k1 r²)``), drawn 4× larger and area-averaged."""
    import cv2

    w, h = size_px
    ss = 4
    big = np.zeros((h * ss, w * ss), np.uint8)
    x = (np.linspace(0, w, 4000) - w / 2) / w
    for d_px in rows_from_centre_px:
        d = d_px / w
        r2 = x**2 + d**2
        xd, yd = x * (1 + k1 * r2), d * (1 + k1 * r2)
        pts = np.column_stack([(xd * w + w / 2) * ss, (yd * w + h / 2) * ss]).astype(np.int32)
        cv2.polylines(big, [pts], False, 255, thickness=6)
    cover = cv2.resize(big, (w, h), interpolation=cv2.INTER_AREA).astype(float)[..., None] / 255
    image = np.full((h, w, 3), (60.0, 70.0, 160.0)) * (1 - cover) + 235.0 * cover
    return image.astype(np.uint8)


@pytest.mark.parametrize("k1", [-0.04, 0.03, 0.0])
def test_the_lens_bend_is_read_from_the_lines_bow(k1):
    from sprintlab.fieldlines.lens import lens_bend

    image = _bent_lines(k1)
    h, w = image.shape[:2]
    mask, response = paint_mask(image, rows_px=(0, h))
    bend = lens_bend(
        find_lines(mask, response, min_length_px=0.3 * w, max_rms_px=3.0), response, (w, h)
    )
    assert bend is not None and bend.lines == 4
    assert abs(bend.k1 - k1) <= 0.005
    # A phone's few per cent of bend is worth a warning; a pinhole's none is not.
    assert bend.significant == (k1 != 0.0)
    if k1:
        assert ("short" if k1 < 0 else "long") in bend.sentence()


@pytest.mark.parametrize(("distance_m", "pan_deg"), [(11.0, 0.0), (13.0, 8.0)])
def test_a_pinhole_camera_s_lines_do_not_bend(distance_m, pan_deg):
    cam = _camera(distance_m, pan_deg)
    for paint in ("lanes", "track"):
        found = field_line_calibration(
            render_background(cam, 0, field_paint=paint), _athlete(cam), camera_height_m=1.2
        )
        bend = found.record["lens_bend"]
        assert not bend["significant"]
        assert bend["max_bow_px"] < 1.0  # real phone starts: 2.4-3.4 px


@pytest.mark.parametrize(("distance_m", "pan_deg"), CAMERAS)
def test_the_soles_either_side_of_the_body_place_the_athlete_s_line(distance_m, pan_deg):
    # No lane lines: the soles the image stage saw place the athlete's line. Each sole's lowest
    # point is its near edge (half a shoe's width nearer), the feet land 10 cm either side of
    # the body's line, and one foot is seen once more than the other.
    from dataclasses import replace

    from sprintlab.fieldlines.fit import SOLE_HALF_WIDTH_M

    cam = _camera(distance_m, pan_deg)
    xs = np.arange(1.0, 16.0, 1.4)
    side = np.where(np.arange(xs.size) % 2 == 0, 1.0, -1.0)
    soles = cam.project(np.column_stack([xs, np.zeros_like(xs), 0.10 * side + SOLE_HALF_WIDTH_M]))
    athlete = replace(_athlete(cam), soles_px=soles)
    found = field_line_calibration(render_background(cam, 0, field_paint="football"), athlete)
    assert found.calibration is not None, found.reason
    assert found.record["athlete_line_from"] == "the soles seen on the ground"
    # 6 m on the athlete's plane at hip height: a line placed 10 cm off (the foot seen more, or
    # the soles' near edge) would make it 0.6-1.0% short.
    ends = found.calibration.to_world(cam.project(np.array([[4.0, 1.0, 0.0], [10.0, 1.0, 0.0]])))
    assert ends[1, 0] - ends[0, 0] == pytest.approx(6.0, rel=0.0025)


@pytest.mark.parametrize(("distance_m", "pan_deg"), [(11.0, 0.0), (13.0, 8.0)])
def test_the_marks_across_a_track_meet_on_the_horizon(distance_m, pan_deg):
    # The start line and the relay line meet on the horizon; the lanes reach it only by
    # extrapolating their rows, so the marks weigh most in the horizon taken.
    cam, found = _track_calibration(distance_m, pan_deg, CAMERA_HEIGHT_M)
    assert found.calibration is not None, found.reason
    record = found.record
    assert record["horizon_from"].startswith("the lane lines and the marks across them")
    true_row = cam.project(np.array([[cam.position_m[0], 0.0, -1e7]]))[0, 1]
    assert abs(record["horizon_row_marks_px"] - true_row) < 0.5
    assert record["horizon_sd_marks_px"] < record["horizon_sd_lanes_px"]
    assert np.max(np.abs(_along_errors_m(cam, found.calibration))) < 0.05


@pytest.mark.parametrize(("distance_m", "pan_deg"), [(10.0, 0.0), (11.0, 0.0), (13.0, 8.0)])
def test_a_worn_and_shaded_track_widens_its_uncertainty_and_says_so(distance_m, pan_deg):
    # Long shadows in bands and worn paint hide the start and relay lines' meeting point and
    # some lane lines: the lanes' own horizon is used, the stated uncertainty grows past the
    # clean track's, and the distances stay within it.
    cam = _camera(distance_m, pan_deg)
    clean = field_line_calibration(
        render_background(cam, 0, field_paint="track"), _athlete(cam), camera_height_m=1.2
    )
    image = _shadows_and_wear(render_background(cam, 0, field_paint="track"))
    rough = field_line_calibration(image, _athlete(cam), camera_height_m=1.2)
    assert rough.calibration is not None, rough.reason
    stated = rough.record["scale_uncertainty_pct"]
    assert stated > clean.record["scale_uncertainty_pct"]
    assert any("within ±" in w for w in rough.calibration.warnings)
    ends = rough.calibration.to_world(cam.project(np.array([[4.0, 1.0, 0.0], [10.0, 1.0, 0.0]])))
    assert abs((ends[1, 0] - ends[0, 0]) / 6.0 - 1.0) <= stated / 100
    assert np.max(np.abs(_along_errors_m(cam, rough.calibration))) <= stated / 100 * 15
