"""Stabilisation of the ground band: a drawn ground under a camera moved by known amounts."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from sprintlab.footimage.scan import boxes_to_reference, scan_frames, track_to_reference
from sprintlab.footimage.settings import FootImageSettings, StabiliseSettings
from sprintlab.footimage.stabilise import (
    FrameMotion,
    apply,
    for_reduced,
    frame_motion,
    invert,
    motion_problem,
    reduction,
)
from sprintlab.skeleton import ANKLE

H_PX, W_PX = 240, 320
MARGIN_PX = 40  # the drawn world reaches this far beyond the reference frame on every side
T_FRAMES = 40
REF = T_FRAMES // 2
FPS = 100.0
GROUND_Y_PX = 150.0  # reference-frame row of the ground the foot stands on
FOOT_X_PX = (150, 166)
CONTACT_FRAMES = (15, 24)


def true_motion() -> np.ndarray:
    """(T, 2, 3) frame → reference similarities: a hand-held drift, turn and zoom."""
    t = np.arange(T_FRAMES) - REF
    dx = 8.0 * np.sin(0.09 * t)
    dy = 5.0 * np.sin(0.05 * t + 0.3) - 5.0 * np.sin(0.3)
    rot = np.radians(0.8) * np.sin(0.07 * t)
    scale = 1.0 + 0.01 * np.sin(0.06 * t)
    m = np.zeros((T_FRAMES, 2, 3))
    m[:, 0, 0] = m[:, 1, 1] = scale * np.cos(rot)
    m[:, 0, 1] = -scale * np.sin(rot)
    m[:, 1, 0] = scale * np.sin(rot)
    m[:, 0, 2], m[:, 1, 2] = dx, dy
    return m


def box_ref(i: int) -> np.ndarray:
    """The athlete's box in reference pixels: running left to right above the ground."""
    cx = 20.0 + 7.0 * i
    return np.array([cx - 20.0, GROUND_Y_PX - 100.0, cx + 20.0, GROUND_Y_PX])


def world(seed: int = 3) -> np.ndarray:
    """A textured ground (BGR), reference pixels plus ``MARGIN_PX`` on every side."""
    rng = np.random.default_rng(seed)
    noise = rng.normal(0.0, 1.0, (H_PX + 2 * MARGIN_PX, W_PX + 2 * MARGIN_PX)).astype(np.float32)
    tex = cv2.GaussianBlur(noise, (0, 0), 2.5)
    tex = 128.0 + 40.0 * tex / tex.std()
    grey = np.clip(tex, 40, 215).astype(np.uint8)
    return cv2.merge([grey, (0.8 * grey).astype(np.uint8), (0.6 * grey + 40).astype(np.uint8)])


def draw_frame(base: np.ndarray, i: int, to_ref: np.ndarray, with_foot: bool) -> np.ndarray:
    """Frame ``i`` as the moved camera sees the world (athlete's body and, if asked, a foot)."""
    img = base.copy()
    x0, y0, x1, _ = (box_ref(i) + MARGIN_PX).astype(int)
    img[y0 : y0 + 80, x0:x1] = (200, 60, 60)  # the body, above the ground band
    if with_foot and CONTACT_FRAMES[0] <= i <= CONTACT_FRAMES[1]:
        g = int(GROUND_Y_PX) + MARGIN_PX
        f0, f1 = (v + MARGIN_PX for v in FOOT_X_PX)
        img[g - 8 : g, f0:f1] = (20, 20, 160)
        img[g - 8 : g, f0 + 4 : f0 + 7] = (230, 230, 230)  # a stripe: the shoe has a picture
    to_world = to_ref.copy()
    to_world[:, 2] += MARGIN_PX
    return cv2.warpAffine(
        img, to_world, (W_PX, H_PX), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
    )


def clip(with_foot: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Frames (T, H, W, 3), the true motion (T, 2, 3) and the boxes in frame pixels (T, 4)."""
    motion = true_motion()
    base = world()
    frames = np.stack([draw_frame(base, i, motion[i], with_foot) for i in range(T_FRAMES)])
    to_frame = invert(motion)
    boxes_ref = np.stack([box_ref(i) for i in range(T_FRAMES)])
    corners = np.stack([apply(to_frame[i], boxes_ref[i].reshape(2, 2)) for i in range(T_FRAMES)])
    boxes = np.concatenate([corners.min(axis=1), corners.max(axis=1)], axis=1)
    return frames, motion, boxes


def grid_error_px(est: np.ndarray, truth: np.ndarray) -> float:
    """Largest distance between where the two transforms put a grid over the picture."""
    gx, gy = np.meshgrid(np.linspace(0, W_PX - 1, 9), np.linspace(0, H_PX - 1, 7))
    pts = np.stack([gx.ravel(), gy.ravel()], axis=1)
    return max(
        float(np.linalg.norm(apply(e, pts) - apply(t, pts), axis=1).max())
        for e, t in zip(est, truth, strict=True)
    )


def test_frame_motion_matches_the_known_camera_motion():
    frames, truth, boxes = clip()
    grey = np.stack([cv2.cvtColor(f, cv2.COLOR_BGR2GRAY) for f in frames])
    motion = frame_motion(grey, boxes, reference_frame=REF)
    assert motion.measured.all()
    assert motion.direct.all()
    np.testing.assert_allclose(motion.to_ref[REF], np.eye(3)[:2])
    assert grid_error_px(motion.to_ref, truth) < 0.3
    assert motion_problem(motion) is None
    assert motion.to_dict()["reference_frame"] == REF


def test_motion_measured_on_reduced_frames_is_given_in_full_pixels():
    """A clip too large for the memory budget is measured on frames reduced to fit; the motion
    comes back in full-resolution pixels, close to the truth (within the reduced picture's
    pixel, doubled)."""
    frames, truth, boxes = clip()
    grey = np.stack([cv2.cvtColor(f, cv2.COLOR_BGR2GRAY) for f in frames])
    s = StabiliseSettings(max_frames_mb=grey.nbytes / 4e6)  # a quarter of the clip fits
    scale = reduction(T_FRAMES, (H_PX, W_PX), s)
    assert scale == pytest.approx(0.5)
    assert reduction(T_FRAMES, (H_PX, W_PX), StabiliseSettings()) == 1.0
    small = np.stack(
        [cv2.resize(g, (W_PX // 2, H_PX // 2), interpolation=cv2.INTER_AREA) for g in grey]
    )
    motion = frame_motion(small, boxes * scale, for_reduced(s, scale), reference_frame=REF)
    full = motion.rescaled(scale)
    assert full.measured.all()
    assert grid_error_px(full.to_ref, truth) < 0.6
    assert grid_error_px(motion.to_ref, truth) > 2.0  # the shift really was rescaled
    np.testing.assert_allclose(full.residual_px, motion.residual_px / scale)


def test_a_pan_or_a_chained_motion_is_not_followed():
    """A camera that pans with the athlete: frames chained from their neighbours (not on the
    reference) or moved far across the picture are refused, with the reason."""
    n = 20
    to_ref = np.tile(np.eye(3)[:2], (n, 1, 1))
    ok = dict(inliers=np.full(n, 50), residual_px=np.full(n, 0.2), width_px=320, height_px=240)
    still = FrameMotion(to_ref, 0, direct=np.ones(n, bool), **ok)
    assert motion_problem(still) is None and still.largest_shift_px == 0.0
    chained = FrameMotion(to_ref, 0, direct=np.arange(n) < 5, **ok)
    assert "share enough background" in motion_problem(chained)
    far = to_ref.copy()
    far[:, 0, 2] = np.linspace(0.0, 80.0, n)  # a quarter of the width by the end
    panned = FrameMotion(far, 0, direct=np.ones(n, bool), **ok)
    assert panned.largest_shift_px == pytest.approx(80.0)
    assert "is a pan" in motion_problem(panned)


def test_no_drift_over_a_long_hand_held_clip():
    """250 frames of a random-walk drift (about 30 px end to end): every frame within 0.3 px."""
    rng = np.random.default_rng(7)
    n = 250
    steps = rng.normal(0.0, 0.6, (n, 2)).cumsum(axis=0)
    truth = np.tile(np.eye(3)[:2], (n, 1, 1))
    truth[:, :, 2] = steps - steps[n // 2]
    base = cv2.cvtColor(world(), cv2.COLOR_BGR2GRAY)
    grey = []
    for m in truth:
        to_world = m.copy()
        to_world[:, 2] += MARGIN_PX
        grey.append(
            cv2.warpAffine(
                base, to_world, (W_PX, H_PX), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
            )
        )
    motion = frame_motion(np.stack(grey))
    assert motion.measured.all()
    err = np.linalg.norm(motion.to_ref[:, :, 2] - truth[:, :, 2], axis=1)
    assert float(err.max()) < 0.3
    assert float(np.ptp(truth[:, :, 2], axis=0).max()) > 10.0  # a real drift
    assert float(np.abs(truth[:, :, 2]).max()) < MARGIN_PX  # inside the drawn world


def test_frame_motion_marks_a_featureless_picture_unmeasured():
    grey = np.full((5, 60, 80), 120, np.uint8)
    motion = frame_motion(grey)
    assert motion.measured.sum() == 1  # only the reference itself
    assert "measured" in motion_problem(motion)


def test_filled_takes_the_nearest_measured_transform():
    to_ref = np.full((4, 2, 3), np.nan)
    to_ref[1] = [[1, 0, 2.0], [0, 1, 0]]
    to_ref[3] = [[1, 0, 5.0], [0, 1, 0]]
    m = FrameMotion(to_ref, 1, np.zeros(4, int), np.full(4, np.nan), np.zeros(4, bool))
    assert m.filled()[:, 0, 2].tolist() == [2.0, 2.0, 2.0, 5.0]


def test_points_and_boxes_move_to_the_reference_frame():
    motion = true_motion()
    xy = np.full((T_FRAMES, 17, 2), 10.0)
    moved = track_to_reference(xy, motion)
    np.testing.assert_allclose(moved[7, 3], apply(motion[7], [10.0, 10.0]))
    boxes = np.tile([0.0, 0.0, 10.0, 20.0], (T_FRAMES, 1))
    boxes[2] = np.nan
    out = boxes_to_reference(boxes, motion)
    assert np.isnan(out[2]).all()
    assert out[5, 2] - out[5, 0] == pytest.approx(10.0, abs=0.5)


def _ankles(boxes_ref: np.ndarray, motion: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Keypoints (T, 17, 2) in frame pixels with both ankles at the box's bottom centre."""
    xy = np.full((T_FRAMES, 17, 2), np.nan)
    conf = np.zeros((T_FRAMES, 17))
    to_frame = invert(motion)
    for i in range(T_FRAMES):
        ankle = np.array([0.5 * (boxes_ref[i, 0] + boxes_ref[i, 2]), GROUND_Y_PX - 5.0])
        for side in ("left", "right"):
            xy[i, ANKLE[side]] = apply(to_frame[i], ankle)
            conf[i, ANKLE[side]] = 0.9
    return xy, conf


def test_a_foot_still_on_a_moving_ground_is_one_contact():
    frames, truth, boxes = clip(with_foot=True)
    boxes_ref = np.stack([box_ref(i) for i in range(T_FRAMES)])
    xy, conf = _ankles(boxes_ref, truth)
    grey = np.stack([cv2.cvtColor(f, cv2.COLOR_BGR2GRAY) for f in frames])
    # Another reference frame than the one the world was drawn in: the band is placed there.
    motion = frame_motion(grey, boxes, reference_frame=5)
    res = scan_frames(list(frames), xy, conf, boxes, (W_PX, H_PX), FPS, motion=motion.filled())
    assert res.used, res.reason
    assert len(res.contacts) == 1
    c = res.contacts[0]
    assert (c.td_frame, c.to_frame) == CONTACT_FRAMES
    # Its place is given in the reference frame's pixels (frame 5's), where the analysis
    # measures the keypoints; the world was drawn in frame 20's.
    (x0, y0), (x1, _) = apply(
        invert(truth[5]), np.array([[FOOT_X_PX[0], GROUND_Y_PX], [FOOT_X_PX[1], GROUND_Y_PX]])
    )
    assert abs(x0 - FOOT_X_PX[0]) > 3.0  # frame 5's pixels are not frame 20's
    assert x0 - 3.0 <= c.x0_px < c.x1_px <= x1 + 3.0
    assert c.ground_y_px == pytest.approx(y0, abs=3.0)


def test_without_motion_nothing_is_stabilised():
    frames, _, boxes = clip(with_foot=True)
    boxes_ref = np.stack([box_ref(i) for i in range(T_FRAMES)])
    xy, conf = _ankles(boxes_ref, np.tile(np.eye(3)[:2], (T_FRAMES, 1, 1)))
    still = scan_frames(list(frames), xy, conf, boxes, (W_PX, H_PX), FPS)
    assert still.used
    assert still.stabilisation == {}


def test_stabilise_settings_are_checked_and_nested():
    with pytest.raises(ValueError):
        StabiliseSettings(min_inlier_share=1.5)
    assert FootImageSettings().stabilise == StabiliseSettings()
