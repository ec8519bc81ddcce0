"""The renderer: exact pinhole maths, mirrored views, sidecar markers that calibrate exactly,
clip files that probe right, truth that matches the drawing, and determinism. No pose model."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from sprintlab.calibration import Calibration, load_sidecar
from sprintlab.skeleton import KEYPOINT_NAMES
from sprintlab.synth import SprintParams, joints_at, sprint_truth
from sprintlab.synth.camera import PinholeCamera
from sprintlab.synth.render import ClipRenderer, Decoy, decoy_joints, render_clip
from sprintlab.synth.scene import render_background
from sprintlab.units import YARD_M
from sprintlab.video import iter_frames, probe

P = SprintParams()
W, H = 320, 180
N_FRAMES = 30


def small_camera(**kw) -> PinholeCamera:
    return PinholeCamera.side_view(width_px=W, height_px=H, **kw)


PROGRESS: list[tuple[int, int]] = []


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    out = tmp_path_factory.mktemp("render")
    return render_clip(
        P,
        out,
        fps=240.0,
        width=W,
        height=H,
        duration_s=N_FRAMES / 240.0,
        start_s=0.8,
        camera=small_camera(),
        name="small",
        seed=7,
        progress=lambda done, total: PROGRESS.append((done, total)),
    )


# ---- pinhole maths ---------------------------------------------------------------------------


def test_projection_of_known_points_level_camera():
    cam = PinholeCamera(1920, 1080, 1000.0, (0.0, 1.0, 10.0))
    got = cam.project(np.array([[2.0, 1.0, 0.0], [0.0, 0.0, 0.0], [-3.0, 2.0, 5.0]]))
    # u = cx + f X / Z, v = cy + f Y / Z with X right (= +x), Y down (= -y), Z = 10 - z.
    want = [[960 + 200.0, 540.0], [960.0, 540 + 100.0], [960 - 600.0, 540 - 200.0]]
    np.testing.assert_allclose(got, want, atol=1e-9)
    np.testing.assert_allclose(cam.depth_m(np.array([2.0, 1.0, 0.0])), 10.0)


def test_projection_yaw_pitch_roll():
    # Yaw 90°: looking along +x (with +y up), so +z is on the right of the image.
    cam = PinholeCamera(1000, 800, 500.0, (0.0, 1.0, 0.0), yaw_deg=90.0)
    np.testing.assert_allclose(cam.project(np.array([5.0, 1.0, 0.0])), [500.0, 400.0], atol=1e-9)
    np.testing.assert_allclose(cam.project(np.array([5.0, 1.0, 1.0])), [600.0, 400.0], atol=1e-9)
    # Pitch 45° down from 2 m: the ground point 2 m ahead is at the image centre; a point on the
    # ground 4 m ahead is above it by f tan(45° - atan(1/2)).
    cam = PinholeCamera(1000, 800, 500.0, (0.0, 2.0, 0.0), pitch_deg=45.0)
    np.testing.assert_allclose(cam.project(np.array([0.0, 0.0, -2.0])), [500, 400], atol=1e-9)
    v = 400 - 500 * math.tan(math.radians(45.0) - math.atan(0.5))
    np.testing.assert_allclose(cam.project(np.array([0.0, 0.0, -4.0])), [500, v], atol=1e-9)
    # Roll 90° (camera turned clockwise): a point to the right of the axis appears straight up.
    cam = PinholeCamera(1000, 800, 500.0, (0.0, 0.0, 0.0), roll_deg=90.0)
    np.testing.assert_allclose(cam.project(np.array([1.0, 0.0, -5.0])), [500, 300], atol=1e-9)


def test_rotation_is_proper_and_projection_matrix_agrees():
    cam = PinholeCamera(
        1280, 720, 900.0, (3.0, 1.4, 12.0), yaw_deg=17.0, pitch_deg=4.0, roll_deg=-2.0
    )
    r = cam.rotation
    np.testing.assert_allclose(r @ r.T, np.eye(3), atol=1e-12)
    assert np.linalg.det(r) == pytest.approx(1.0)
    pts = np.random.default_rng(0).uniform([-5, 0, -3], [15, 2, 3], (50, 3))
    hom = np.hstack([pts, np.ones((50, 1))]) @ cam.projection_matrix.T
    np.testing.assert_allclose(cam.project(pts), hom[:, :2] / hom[:, 2:], atol=1e-9)


def test_points_behind_the_camera_are_nan():
    cam = PinholeCamera(640, 480, 500.0, (0.0, 1.0, 10.0))
    got = cam.project(np.array([[0.0, 1.0, 12.0], [0.0, 1.0, 10.0], [np.nan, 0, 0]]))
    assert np.all(np.isnan(got))


def test_pixel_rays_invert_projection():
    cam = small_camera(pan_deg=12.0)
    pts = np.array([[4.0, 0.3, 0.5], [9.0, 1.7, -1.0]])
    rays = cam.pixel_rays(cam.project(pts))
    want = pts - np.array(cam.position_m)
    np.testing.assert_allclose(rays, want / np.linalg.norm(want, axis=1, keepdims=True), atol=1e-12)


# ---- side views ------------------------------------------------------------------------------


def test_side_view_puts_the_start_line_where_expected():
    # Level camera (look_at_y = height): pitch 0, so the maths is the plain pinhole.
    cam = PinholeCamera.side_view(
        distance_m=11.0, height_m=1.2, look_at_x_m=7.9, look_at_y_m=1.2, focal_px=1100.0
    )
    assert cam.position_m == pytest.approx((7.9, 1.2, 11.0))
    assert cam.pitch_deg == 0.0 and cam.yaw_deg == 0.0
    u, v = cam.project(np.array([0.0, 0.0, 0.0]))
    assert u == pytest.approx(960.0 - 1100.0 * 7.9 / 11.0)
    assert v == pytest.approx(540.0 + 1100.0 * 1.2 / 11.0)
    # Tilted default camera: the look-at point is exactly the image centre.
    cam = PinholeCamera.side_view(look_at_x_m=5.0, look_at_y_m=0.8, pan_deg=8.0)
    np.testing.assert_allclose(cam.project(np.array([5.0, 0.8, 0.0])), [960.0, 540.0], atol=1e-9)
    # Start line left of the image centre, finish right: left to right, camera on the right.
    start, later = cam.project(np.array([[0.0, 0.0, 0.0], [10.0, 0.0, 0.0]]))
    assert start[0] < later[0] and cam.run_direction == 1 and cam.near_side == "right"


def test_default_side_view_sees_the_stance_and_ten_steps():
    cam = PinholeCamera.side_view()
    truth = sprint_truth(P)
    t = np.array([0.0, truth.steps[9]["toeoff_s"]])
    j = joints_at(P, t)
    pts = cam.project(np.stack(list(j.values()), axis=1))  # (2, K, 2)
    assert np.all((pts >= 0) & (pts < [cam.width_px, cam.height_px]))
    height_px = cam.focal_px * P.stature_m / cam.depth_m(np.array([0.0, 0.0, 0.0]))
    assert 170 < height_px < 220


@pytest.mark.parametrize("pan_deg", [0.0, 10.0])
def test_right_to_left_mirrors_the_image(pan_deg):
    right = PinholeCamera.side_view(pan_deg=pan_deg, run_direction=1)
    left = PinholeCamera.side_view(pan_deg=pan_deg, run_direction=-1)
    pts = np.random.default_rng(1).uniform([-2, 0, -1.5], [18, 2, 1.5], (40, 3))
    a = right.project(pts)
    b = left.project(pts * [1.0, 1.0, -1.0])
    np.testing.assert_allclose(b[:, 0], right.width_px - a[:, 0], atol=1e-9)
    np.testing.assert_allclose(b[:, 1], a[:, 1], atol=1e-9)
    assert left.run_direction == -1 and left.near_side == "left"
    # The athlete's left (z < 0) is nearer to this camera.
    j = joints_at(P, np.array([1.0]))
    assert left.depth_m(j["left_knee"][0]) < left.depth_m(j["right_knee"][0])


def test_pan_follow_keeps_the_hips_at_the_image_centre_column():
    r = ClipRenderer(P, small_camera(), fps=240.0, pan_follow=True)
    for t in (0.2, 1.5, 2.5):
        cam = r.camera_at(t)
        j = joints_at(P, np.array([t]))
        hip = 0.5 * (j["left_hip"][0] + j["right_hip"][0])
        u, _ = cam.project(np.array([hip[0], 0.3, 0.0]))
        assert u == pytest.approx(W / 2.0, abs=1e-6)


# ---- clip files ------------------------------------------------------------------------------


def test_clip_has_the_right_frames_and_files(clip):
    meta = probe(clip.video_path)
    assert (meta.width_px, meta.height_px, meta.n_frames) == (W, H, N_FRAMES)
    assert meta.capture_fps == pytest.approx(240.0)
    assert clip.n_frames == N_FRAMES and meta.codec == "h264"
    assert PROGRESS == [(i, N_FRAMES) for i in range(1, N_FRAMES + 1)]
    np.testing.assert_allclose(clip.t_s, 0.8 + np.arange(N_FRAMES) / 240.0)


def test_truth_file_holds_the_truth_and_the_projected_keypoints(clip):
    doc = json.loads(clip.truth_path.read_text())
    assert doc["truth"] == json.loads(json.dumps(sprint_truth(P).to_dict()))
    assert doc["fps"] == 240.0 and doc["start_s"] == 0.8 and doc["n_frames"] == N_FRAMES
    assert doc["keypoint_names"] == list(KEYPOINT_NAMES)
    kp = np.array(doc["keypoints_px"]).reshape(N_FRAMES, 17, 2)
    j = joints_at(P, clip.t_s)
    want = clip.camera.project(np.stack([j[n] for n in KEYPOINT_NAMES], axis=1))
    np.testing.assert_allclose(kp, want, atol=1e-3)  # written with 3 decimals
    np.testing.assert_allclose(clip.keypoints_px, want, atol=1e-9)
    assert PinholeCamera.from_dict(doc["camera"]) == clip.camera


def test_sidecar_loads_and_markers_reproject_exactly(clip):
    side = load_sidecar(clip.sidecar_path)
    assert side.capture_fps == 240.0 and side.athlete_height_m == P.stature_m
    assert side.run_direction == "left_to_right"
    assert len(side.markers) >= 6 and {m.lateral_m for m in side.markers} == {-1.0, 1.0}
    for m in side.markers:
        world = np.array([m.track_m, 0.0, m.lateral_m])
        assert m.track_m / YARD_M == pytest.approx(round(m.track_m / YARD_M))
        np.testing.assert_allclose(m.image_px, clip.camera.project(world), atol=1e-9)
        assert 0 <= m.image_px[0] <= W and 0 <= m.image_px[1] <= H


def test_markers_calibrate_the_athlete_plane_to_a_centimetre(clip):
    side = load_sidecar(clip.sidecar_path)
    cal = Calibration.from_markers(side.markers, (W, H), side.run_direction)
    assert cal.method == "plane" and cal.rms_residual_m < 1e-4
    cam = clip.camera
    truth = sprint_truth(P)
    for c in truth.contacts:
        ankle = joints_at(P, np.array([c["td_s"]]))[f"{c['foot']}_ankle"][0]
        # On the athlete plane (z = 0) the mapping is exact.
        on_plane = cal.to_world(cam.project(ankle * [1.0, 1.0, 0.0]))
        np.testing.assert_allclose(on_plane, ankle[:2], atol=1e-4)
        # The real ankle is 10 cm off that plane: to_world returns where its ray meets the plane.
        ray_hit = _ray_plane_z0(cam, ankle)
        np.testing.assert_allclose(cal.to_world(cam.project(ankle)), ray_hit[:2], atol=1e-4)
    # Near the optical axis that parallax vanishes: the contact closest to the camera's x is
    # measured within 1 cm.
    c = min(truth.contacts, key=lambda c: abs(c["ankle_x_td_m"] - cam.position_m[0]))
    ankle = joints_at(P, np.array([c["td_s"]]))[f"{c['foot']}_ankle"][0]
    assert abs(cal.to_world(cam.project(ankle))[0] - ankle[0]) < 0.01


def _ray_plane_z0(cam: PinholeCamera, point: np.ndarray) -> np.ndarray:
    c = np.array(cam.position_m)
    d = point - c
    return c + d * (-c[2] / d[2])


def test_right_to_left_sidecar_calibrates_too(tmp_path):
    cam = small_camera(run_direction=-1)
    out = render_clip(
        P, tmp_path, width=W, height=H, camera=cam, duration_s=2 / 240, start_s=1.0, noise_sigma=0.0
    )
    side = load_sidecar(out.sidecar_path)
    assert side.run_direction == "right_to_left"
    # lateral_m is + towards the camera, which stands at -z here.
    for m in side.markers:
        np.testing.assert_allclose(
            m.image_px, cam.project(np.array([m.track_m, 0.0, -m.lateral_m])), atol=1e-9
        )
    cal = Calibration.from_markers(side.markers, (W, H), side.run_direction)
    pts = np.array([[0.0, 0.0], [3.0, 1.0], [7.5, 0.4]])
    got = cal.to_world(cam.project(np.column_stack([pts, np.zeros(3)])))
    np.testing.assert_allclose(got, pts, atol=1e-4)


# ---- drawing and determinism -----------------------------------------------------------------


def test_the_figure_is_drawn_where_the_truth_says():
    cam = small_camera()
    r = ClipRenderer(P, cam, fps=240.0, seed=7, noise_sigma=0.0)
    for t in (0.2, 1.3):
        frame = r.render(t)
        bg, _, _ = r.scene(cam)
        changed = np.any(frame.astype(int) - bg.astype(int) != 0, axis=2)
        # Nothing changes away from the athlete and its shadow (cones are in the background).
        kp = r.keypoints_px(np.array([t]))[0]
        j = joints_at(P, np.array([t]))
        allpts = cam.project(np.stack([v[0] for v in j.values()]))
        size = cam.focal_px * P.stature_m / cam.depth_m(np.array([0.0, 0.0, 0.0]))
        lo, hi = allpts.min(axis=0) - 0.25 * size, allpts.max(axis=0) + 0.25 * size
        ys, xs = np.nonzero(changed)
        assert xs.min() >= lo[0] - 1 and xs.max() <= hi[0] + 1
        assert ys.min() >= lo[1] - 1 and ys.max() <= hi[1] + 1
        # The body is painted over the hips, knees and shoulders.
        for name in ("left_hip", "right_knee", "left_knee", "right_shoulder"):
            x, y = np.round(kp[KEYPOINT_NAMES.index(name)]).astype(int)
            assert changed[y, x], name


def test_same_seed_same_pixels_other_seed_other_pixels(tmp_path):
    cam = small_camera()
    a = ClipRenderer(P, cam, fps=240.0, seed=7, noise_sigma=2.0, decoys=("coach",)).render(0.9, 5)
    b = ClipRenderer(P, cam, fps=240.0, seed=7, noise_sigma=2.0, decoys=("coach",)).render(0.9, 5)
    c = ClipRenderer(P, cam, fps=240.0, seed=8, noise_sigma=2.0, decoys=("coach",)).render(0.9, 5)
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    first = []
    for name in ("one", "two"):
        out = render_clip(
            P, tmp_path, width=W, height=H, camera=cam, duration_s=3 / 240, name=name, seed=7
        )
        first.append(next(iter_frames(probe(out.video_path))).image)
    assert np.array_equal(first[0], first[1])


def test_motion_blur_averages_the_exposure():
    cam = small_camera()
    sharp = ClipRenderer(P, cam, fps=240.0, noise_sigma=0.0)
    blurred = ClipRenderer(P, cam, fps=240.0, noise_sigma=0.0, motion_blur=True)
    t = 1.5
    times = blurred.exposure_times(t)
    assert times.mean() == pytest.approx(t) and np.ptp(times) == pytest.approx(0.5 / 240)
    subs = np.mean([sharp.render(ti).astype(float) for ti in times], axis=0)
    np.testing.assert_allclose(
        blurred.render(t), np.clip(subs + 0.5, 0, 255).astype(np.uint8), atol=1
    )


def test_background_is_cached_read_only():
    bg = render_background(small_camera(), seed=0)
    assert bg.shape == (H, W, 3) and not bg.flags.writeable
    assert render_background(small_camera(), seed=0) is bg


# ---- decoys ----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["coach", "walker", "jogger", "runner"])
def test_decoys_stand_on_the_ground_and_move_at_their_speed(kind):
    d = Decoy.preset(kind, camera_side=1)
    t = np.linspace(0.0, 3.0, 301)
    j = decoy_joints(d, t)
    assert set(j) >= set(KEYPOINT_NAMES)
    feet = np.stack([j[f"{s}_{p}"][:, 1] for s in ("left", "right") for p in ("heel", "toe")])
    np.testing.assert_allclose(feet.min(axis=0), 0.0, atol=1e-12)
    hip = 0.5 * (j["left_hip"] + j["right_hip"])
    heading = np.radians(d.heading_deg)
    travelled = (hip[-1] - hip[0]) @ np.array([np.cos(heading), 0.0, np.sin(heading)])
    assert travelled == pytest.approx(d.speed_mps * 3.0, abs=1e-9)
    assert np.all(hip[:, 2] < -1.5)  # beyond the lane, on the far side from the camera
    height = j["nose"][:, 1].max()
    assert 0.8 * d.stature_m < height < d.stature_m


def test_unknown_decoy_is_refused():
    with pytest.raises(ValueError, match="unknown decoy"):
        Decoy.preset("referee")
