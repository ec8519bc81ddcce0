import numpy as np
import pytest

from sprintlab.kinematics import (
    BODY_KEYPOINTS,
    body_forward_x,
    hip_angle_deg,
    interior_angle_deg,
    knee_angle_deg,
    segment_angle_deg,
    shin_angle_deg,
    trunk_angle_deg,
    velocity,
)
from sprintlab.skeleton import KP
from sprintlab.track import KeypointTrack


def _pose_track(points: dict[int, tuple[float, float]]) -> KeypointTrack:
    xy = np.full((1, 17, 2), np.nan)
    for k, p in points.items():
        xy[0, k] = p
    return KeypointTrack(t_s=np.array([0.0]), xy=xy, conf=np.ones((1, 17)), fps=240, space="world")


def test_segment_angle_exact():
    o = np.array([0.0, 0.0])
    assert segment_angle_deg(o, np.array([1.0, 0.0])) == pytest.approx(0.0)
    assert segment_angle_deg(o, np.array([0.0, 1.0])) == pytest.approx(90.0)
    assert segment_angle_deg(o, np.array([1.0, 1.0])) == pytest.approx(45.0)
    assert segment_angle_deg(o, np.array([-1.0, np.sqrt(3)])) == pytest.approx(120.0)


def test_interior_angle_exact():
    v = np.array([0.0, 0.0])
    assert interior_angle_deg(np.array([1.0, 0]), v, np.array([0, 1.0])) == pytest.approx(90)
    assert interior_angle_deg(np.array([1.0, 0]), v, np.array([-1.0, 0])) == pytest.approx(180)
    assert interior_angle_deg(np.array([1.0, 0]), v, np.array([1.0, 1.0])) == pytest.approx(45)


def test_shin_trunk_knee_hip_angles_from_a_constructed_pose():
    # Shin at 50° from the forward horizontal, trunk at 45°, thigh pointing straight down.
    shin = np.radians(50)
    ankle = (0.0, 0.1)
    knee = (ankle[0] + 0.45 * np.cos(shin), ankle[1] + 0.45 * np.sin(shin))
    hip = (knee[0], knee[1] + 0.45)
    shoulder = (hip[0] + 0.5 * np.cos(np.radians(45)), hip[1] + 0.5 * np.sin(np.radians(45)))
    tr = _pose_track(
        {
            KP.RIGHT_ANKLE: ankle,
            KP.RIGHT_KNEE: knee,
            KP.RIGHT_HIP: hip,
            KP.LEFT_HIP: hip,
            KP.RIGHT_SHOULDER: shoulder,
            KP.LEFT_SHOULDER: shoulder,
        }
    )
    assert shin_angle_deg(tr, "right")[0] == pytest.approx(50.0)
    assert trunk_angle_deg(tr)[0] == pytest.approx(45.0)
    # knee interior angle between thigh (straight up from knee) and shank (down at 50°): 180-40
    assert knee_angle_deg(tr, "right")[0] == pytest.approx(140.0)
    # hip angle between trunk (45° up-forward) and thigh (straight down): 45 + 90
    assert hip_angle_deg(tr, "right")[0] == pytest.approx(135.0)


def test_velocity_of_known_motion():
    fps = 200.0
    t = np.arange(400) / fps
    x = 3.0 * t + 0.5 * 2.0 * t**2
    v = velocity(x, fps)
    np.testing.assert_allclose(v[1:-1], 3.0 + 2.0 * t[1:-1], atol=1e-9)


def _moving_body(n: int = 200, fps: float = 100.0) -> KeypointTrack:
    """Every keypoint still for 1 s, then moving forward at 2 m/s."""
    t = np.arange(n) / fps
    x = np.where(t < 1.0, 0.0, 2.0 * (t - 1.0))
    xy = np.zeros((n, 17, 2))
    xy[:, :, 0] = x[:, None]
    xy[:, :, 1] = 1.0
    return KeypointTrack(t_s=t, xy=xy, conf=np.ones((n, 17)), fps=fps, space="world")


def test_body_forward_x_follows_the_body_when_one_point_drifts_and_others_drop_out():
    track = _moving_body()
    xy = track.xy.copy()
    xy[:, KP.LEFT_HIP, 0] += np.linspace(0.0, -0.3, len(xy))  # the hip point slides back
    xy[50:60, KP.NOSE] = np.nan
    xy[120:125, list(BODY_KEYPOINTS)] = np.nan  # the whole body missing for 5 frames
    x = body_forward_x(track.with_xy(xy))
    truth = track.xy[:, KP.RIGHT_HIP, 0]
    shift = x[0] - truth[0]  # starts at the hip-mid's first x
    assert shift == pytest.approx(xy[0, [KP.LEFT_HIP, KP.RIGHT_HIP], 0].mean())
    np.testing.assert_allclose(x - shift, truth, atol=1e-9)
    assert np.all(np.isfinite(x))


def test_body_forward_x_is_flat_when_nothing_is_seen():
    track = _moving_body(20)
    x = body_forward_x(track.with_xy(np.full_like(track.xy, np.nan)))
    np.testing.assert_array_equal(x, np.zeros(20))
