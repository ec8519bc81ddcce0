"""Each leg in its own plane: points off the athlete plane placed from a fitted pinhole camera."""

from __future__ import annotations

import numpy as np
import pytest

from sprintlab.calibration import Calibration, Marker
from sprintlab.events import Contact
from sprintlab.legplanes import leg_plane_offsets_m, near_side, place_contacts, to_leg_planes
from sprintlab.skeleton import ANKLE, HIP, KNEE, KP, N_KEYPOINTS
from sprintlab.synth.camera import PinholeCamera
from sprintlab.track import KeypointTrack

OFFSET_M = 0.09


def _camera(run_direction: int, pan_deg: float = 0.0) -> PinholeCamera:
    return PinholeCamera.side_view(11.0, 1.2, 7.9, run_direction=run_direction, pan_deg=pan_deg)


def _calibration(cam: PinholeCamera) -> Calibration:
    # Yard-line x lane-line crossings, as a user clicks them (lateral + towards the camera).
    toward = 1.0 if cam.position_m[2] >= 0 else -1.0
    markers = []
    for track in np.arange(0.0, 18.3, 4.572):
        for lateral in (-1.0, 1.0):
            (u, v) = cam.project(np.array([[track, 0.0, toward * lateral]]))[0]
            markers.append(Marker((float(u), float(v)), float(track), lateral))
    inside = [m for m in markers if 0 <= m.image_px[0] <= 1920 and 0 <= m.image_px[1] <= 1080]
    return Calibration.from_markers(inside, (1920, 1080))


@pytest.mark.parametrize(("run_direction", "pan_deg"), [(1, 0.0), (-1, 0.0), (1, 8.0)])
def test_the_plane_fit_knows_the_camera(run_direction, pan_deg):
    cam = _camera(run_direction, pan_deg)
    cal = _calibration(cam)
    assert cal.method == "plane"
    x, y, z = cam.position_m
    np.testing.assert_allclose(cal.camera_m, (x, y, abs(z)), atol=1e-3)
    assert near_side(cal) == cam.near_side


@pytest.mark.parametrize(("run_direction", "pan_deg"), [(1, 0.0), (-1, 0.0), (1, 8.0)])
def test_points_beside_the_athlete_plane_are_placed_where_they_are(run_direction, pan_deg):
    cam = _camera(run_direction, pan_deg)
    cal = _calibration(cam)
    toward = 1.0 if cam.position_m[2] >= 0 else -1.0
    truth = np.array([[x, h] for x in (0.5, 4.0, 7.9, 12.0, 16.0) for h in (0.08, 0.5, 0.9)])
    for offset in (OFFSET_M, -OFFSET_M):
        pts3 = np.column_stack([truth, np.full(len(truth), toward * offset)])
        on_plane = cal.to_world(cam.project(pts3))
        # On the athlete plane the point is off by up to ~7 cm; placed in its own plane, not.
        assert np.max(np.abs(on_plane - truth)) > 0.03
        np.testing.assert_allclose(cal.to_offset_plane(on_plane, offset), truth, atol=1e-3)


def test_without_a_camera_nothing_moves():
    cal = Calibration.from_athlete_height(400.0, 1.85, (100.0, 900.0), 1)
    assert cal.camera_m is None
    assert leg_plane_offsets_m(cal, 1.85) == {"left": 0.0, "right": 0.0}
    pts = np.array([[1.0, 0.1], [5.0, 0.5]])
    np.testing.assert_array_equal(cal.to_offset_plane(pts, 0.09), pts)


def test_the_camera_survives_the_dict_round_trip():
    cal = _calibration(_camera(1))
    assert Calibration.from_dict(cal.to_dict()).camera_m == cal.camera_m


def test_a_leg_identified_track_is_moved_into_the_leg_planes():
    cam = _camera(1)  # running left to right: the right leg is near
    cal = _calibration(cam)
    offsets = leg_plane_offsets_m(cal, 1.8)
    assert offsets == pytest.approx({"right": 0.09, "left": -0.09})
    n = 3
    true_xy = np.zeros((n, N_KEYPOINTS, 2))
    lateral = np.zeros(N_KEYPOINTS)
    for k in range(N_KEYPOINTS):
        true_xy[:, k] = [2.0 + 0.1 * k, 0.05 * k]
    for side in ("left", "right"):
        for joint in (HIP[side], KNEE[side], ANKLE[side]):
            lateral[joint] = offsets[side]
    px = np.stack([cam.project(np.column_stack([f, lateral])) for f in true_xy])
    seen = KeypointTrack(
        t_s=np.arange(n) / 240.0,
        xy=cal.to_world(px.reshape(-1, 2)).reshape(px.shape),
        conf=np.ones((n, N_KEYPOINTS)),
        fps=240.0,
        space="world",
    )
    placed = to_leg_planes(seen, cal, offsets)
    legs = [HIP["left"], KNEE["left"], ANKLE["left"], HIP["right"], KNEE["right"], ANKLE["right"]]
    np.testing.assert_allclose(placed.xy[:, legs], true_xy[:, legs], atol=1e-3)
    # Head and shoulders stay where the athlete plane put them.
    for k in (KP.NOSE, KP.LEFT_SHOULDER, KP.RIGHT_WRIST):
        np.testing.assert_array_equal(placed.xy[:, k], seen.xy[:, k])


def test_contacts_move_by_their_side():
    cal = _calibration(_camera(1))
    offsets = leg_plane_offsets_m(cal, 1.8)

    def contact(side: str, x: float) -> Contact:
        return Contact(
            td_s=1.0, to_s=1.1, td_frame=240, to_frame=264, pivot_x_m=x + 0.12, foot_x_m=x,
            radius_m=0.15, side=side, label=side, side_agreement=1.0, noise_m=0.01,
        )  # fmt: skip

    near, far = place_contacts([contact("right", 1.0), contact("left", 1.0)], cal, offsets)
    cx, _, dist = cal.camera_m
    # A foot 6.9 m before the camera's foot point: the near one is nearer it, the far one less.
    assert near.foot_x_m == pytest.approx(cx + (1.0 - cx) * (dist - 0.09) / dist)
    assert far.foot_x_m == pytest.approx(cx + (1.0 - cx) * (dist + 0.09) / dist)
    assert near.foot_x_m > 1.0 > far.foot_x_m
