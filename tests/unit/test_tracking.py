"""Tracking one athlete through a clip, with a fake pose estimator (no model).

The fake estimator "detects" filled rectangles in a rendered scene: each person is a rectangle of
its own grey level, and a detection's box is the bounding box of that level's visible pixels. It
works on crops exactly as on full frames, so the two-pass tracker is exercised end to end with
exact expected answers.
"""

from __future__ import annotations

import numpy as np
import pytest

from sprintlab.errors import NoAthleteError
from sprintlab.pose.base import PoseDetections, PoseEstimator, predict_crop
from sprintlab.skeleton import KP, N_KEYPOINTS
from sprintlab.tracking import (
    AthleteTrack,
    SearchFrame,
    TrackingSettings,
    Tracklet,
    anchor_row,
    box_iou,
    choose_athlete,
    expected_box,
    extend_tracklet,
    head_region,
    link_tracklets,
    refine_roi,
    run_score,
    select_detection,
    track_athlete,
)

W_PX, H_PX = 480, 270
ATHLETE, COACH, WALKER = 200, 120, 80  # grey levels

# Keypoints of the fake model at fixed fractions of the box (x, y).
KP_FRAC = np.column_stack(
    [np.linspace(0.1, 0.9, N_KEYPOINTS), np.linspace(0.05, 0.95, N_KEYPOINTS)]
)
KP_CONF = np.full(N_KEYPOINTS, 0.9)
KP_CONF[[KP.LEFT_ANKLE, KP.RIGHT_ANKLE]] = 0.2  # below the 0.3 threshold -> NaN


class RectangleEstimator:
    """Fake PoseEstimator: every non-black grey level is one person."""

    def __init__(self) -> None:
        self.calls: list[tuple[tuple[int, int], int, float]] = []

    def predict(self, image_bgr: np.ndarray, *, imgsz: int, conf: float) -> PoseDetections:
        self.calls.append((image_bgr.shape[:2], imgsz, conf))
        grey = image_bgr[..., 0]
        boxes = []
        for level in np.unique(grey):
            if level == 0:
                continue
            ys, xs = np.nonzero(grey == level)
            boxes.append([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1])
        if not boxes:
            return PoseDetections.empty()
        b = np.array(boxes, dtype=float)
        wh = b[:, 2:] - b[:, :2]
        xy = b[:, None, :2] + KP_FRAC[None] * wh[:, None, :]
        xyc = np.concatenate([xy, np.broadcast_to(KP_CONF, xy.shape[:2])[..., None]], axis=2)
        return PoseDetections.from_raw(b, np.full(len(b), 0.8), xyc, keypoint_conf_threshold=0.3)


def athlete_box(t_s: float, start_s: float = 0.4, rise_s: float = 0.2) -> np.ndarray:
    """Crouched in the stance until start_s, rising for rise_s, accelerating at 200 px/s²."""
    stance = np.array([50, 194, 90, 230])  # 40 wide, 36 tall: crouched
    if t_s < start_s:
        return stance
    x = round(60 + 100.0 * (t_s - start_s) ** 2)
    upright = np.array([x - 12, 170, x + 12, 230])
    f = min((t_s - start_s) / rise_s, 1.0)
    return np.round((1 - f) * stance + f * upright).astype(int)


def coach_box(t_s: float) -> np.ndarray:
    return np.array([188, 146, 212, 210])


def walker_box(t_s: float) -> np.ndarray:
    x = round(440 - 80.0 * t_s)
    return np.array([x - 12, 140, x + 12, 200])


def render(
    t_s: float, *, mirror: bool = False, people: tuple[str, ...] = ("coach", "walker", "athlete")
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    img = np.zeros((H_PX, W_PX, 3), np.uint8)
    truth = {}
    for name, level, fn in (
        ("coach", COACH, coach_box),
        ("walker", WALKER, walker_box),
        ("athlete", ATHLETE, athlete_box),
    ):
        if name not in people:
            continue
        x1, y1, x2, y2 = (int(v) for v in fn(t_s))
        img[max(y1, 0) : y2, max(x1, 0) : x2] = level
        truth[name] = np.array([x1, y1, x2, y2], float)
    if mirror:
        img = np.ascontiguousarray(img[:, ::-1])
        truth = {k: np.array([W_PX - b[2], b[1], W_PX - b[0], b[3]]) for k, b in truth.items()}
    return img, truth


def make_factory(n_frames, fps, *, mirror=False, hidden_s=(np.inf, np.inf), people=None):
    """frames_factory(step) over a rendered clip; the athlete is not drawn during hidden_s."""

    def factory(step):
        for i in range(0, n_frames, step):
            t = i / fps
            names = people or ("coach", "walker", "athlete")
            if hidden_s[0] <= t < hidden_s[1]:
                names = tuple(n for n in names if n != "athlete")
            yield i, t, render(t, mirror=mirror, people=names)[0]

    return factory


def athlete_truth(t_s: float, mirror: bool = False) -> np.ndarray:
    return render(t_s, mirror=mirror, people=("athlete",))[1]["athlete"]


# --------------------------------------------------------------------------------------------


def test_fake_estimator_is_a_pose_estimator():
    assert isinstance(RectangleEstimator(), PoseEstimator)


def test_from_raw_applies_our_threshold_and_keeps_raw_conf():
    kp = np.zeros((1, N_KEYPOINTS, 3))
    kp[0, :, :2] = 10.0
    kp[0, :, 2] = 0.5
    kp[0, 3, 2] = 0.29
    kp[0, 4, :] = 0.0  # ultralytics' zeroed hidden keypoint
    d = PoseDetections.from_raw(np.array([[0, 0, 20, 20]]), [0.9], kp, keypoint_conf_threshold=0.3)
    assert np.isnan(d.keypoints_px[0, 3]).all() and np.isnan(d.keypoints_px[0, 4]).all()
    assert d.keypoint_conf[0, 3] == pytest.approx(0.29)
    assert (d.keypoints_px[0, 0] == [10.0, 10.0]).all()
    assert np.isfinite(d.keypoints_px[0]).all(axis=1).sum() == N_KEYPOINTS - 2


def test_predict_crop_maps_back_to_full_image_pixels():
    img, truth = render(1.0)
    est = RectangleEstimator()
    full = est.predict(img, imgsz=960, conf=0.05)
    roi = refine_roi(truth["athlete"], 1.6)
    crop = predict_crop(est, img, roi, imgsz=384, conf=0.1)
    k_full = select_detection(full.boxes_xyxy_px, truth["athlete"], 0.99)
    k_crop = select_detection(crop.boxes_xyxy_px, truth["athlete"], 0.99)
    np.testing.assert_array_equal(crop.boxes_xyxy_px[k_crop], truth["athlete"])
    np.testing.assert_allclose(crop.keypoints_px[k_crop], full.keypoints_px[k_full], equal_nan=True)
    assert est.calls[-1][0][0] < H_PX  # the model saw a crop


def test_box_iou_exact():
    a = np.array([[0, 0, 10, 10]])
    b = np.array([[5, 0, 15, 10], [20, 20, 30, 30], [0, 0, 10, 10]])
    np.testing.assert_allclose(box_iou(a, b), [[50 / 150, 0.0, 1.0]])


def test_refine_roi_is_a_square_around_the_box():
    # Narrow upright box 20 x 100 centred at (50, 100): square of side 160.
    np.testing.assert_allclose(refine_roi([40, 50, 60, 150], 1.6), [-30, 20, 130, 180])
    # Wide crouched box 100 x 40 centred at (50, 20): square of side 160 (room to rise).
    np.testing.assert_allclose(refine_roi([0, 0, 100, 40], 1.6), [-30, -60, 130, 100])


def test_search_step_in_frames():
    s = TrackingSettings()
    assert s.search_step_frame(25) == 1
    assert s.search_step_frame(30) == 1
    assert s.search_step_frame(240) == 10


def test_settings_are_validated():
    with pytest.raises(ValueError):
        TrackingSettings(max_gap_s=0)
    with pytest.raises(ValueError):
        TrackingSettings(refine_weight=1.5)


# --------------------------------------------------------------------------------------------
# Expected box


def _tracklet(t, boxes):
    t = np.asarray(t, float)
    return Tracklet(t, np.arange(len(t)), np.asarray(boxes, float), np.full(len(t), 0.9))


def test_expected_box_interpolates_holds_and_extrapolates_bounded():
    tr = _tracklet([0.0, 0.1, 0.2], [[0, 0, 10, 20], [10, 0, 20, 20], [20, 2, 30, 22]])
    s = TrackingSettings(max_extrapolation_s=0.3, velocity_window_s=0.2)
    np.testing.assert_allclose(expected_box(tr, 0.05, s), [5, 0, 15, 20])
    np.testing.assert_allclose(expected_box(tr, 0.15, s), [15, 1, 25, 21])
    # Before the first detection: the first box (the athlete waits in the stance).
    np.testing.assert_allclose(expected_box(tr, -1.0, s), [0, 0, 10, 20])
    # After: centre velocity fitted over the last 0.2 s = (100, 10) px/s, for at most 0.3 s.
    np.testing.assert_allclose(expected_box(tr, 0.3, s), [30, 3, 40, 23])
    np.testing.assert_allclose(expected_box(tr, 5.0, s), [50, 5, 60, 25])
    out = expected_box(tr, np.array([0.05, 5.0]), s)
    assert out.shape == (2, 4)


# --------------------------------------------------------------------------------------------
# Linking and choosing


def _search_frames(fps, n_frames, *, mirror=False, hidden_s=(np.inf, np.inf)):
    est = RectangleEstimator()
    return [
        SearchFrame.from_detections(i, t, est.predict(img, imgsz=960, conf=0.05))
        for i, t, img in make_factory(n_frames, fps, mirror=mirror, hidden_s=hidden_s)(1)
    ]


def _athlete_tracklets(tracklets, fps):
    """Tracklets whose every box is the athlete's true box (exact)."""
    out = []
    for tr in tracklets:
        truth = np.array([athlete_truth(t) for t in tr.t_s])
        if np.array_equal(tr.boxes_xyxy_px, truth):
            out.append(tr)
    return out


def test_athlete_is_chosen_among_coach_and_crossing_walker():
    fps, n = 25.0, 50
    tracklets = link_tracklets(_search_frames(fps, n))
    choice = choose_athlete(tracklets)
    chosen = tracklets[choice.index]
    truth = np.array([athlete_truth(t) for t in chosen.t_s])
    np.testing.assert_array_equal(chosen.boxes_xyxy_px, truth)
    assert choice.direction == 1
    assert choice.n_candidates == 3
    assert choice.warnings == ()
    # The walker moves a long way too, but slowly: the athlete's sustained speed is higher.
    walker = [tr for tr in tracklets if tr.boxes_xyxy_px[0, 1] == 140]
    assert len(walker) == 1
    assert run_score(walker[0]).direction == -1
    assert run_score(chosen).speed_px_per_s > 2 * run_score(walker[0]).speed_px_per_s


def test_gap_of_0_3_s_is_bridged_and_0_6_s_is_not():
    fps, n = 25.0, 50
    tracklets = link_tracklets(_search_frames(fps, n, hidden_s=(1.0, 1.3)))
    ath = _athlete_tracklets(tracklets, fps)
    assert len(ath) == 1
    t = ath[0].t_s
    assert t[0] == 0.0 and t[-1] == pytest.approx((n - 1) / fps)
    # Hidden on the 8 frames 1.00-1.28 s (0.32 s): last seen at 0.96 s, seen again at 1.32 s.
    assert np.max(np.diff(t)) == pytest.approx(0.36)
    tracklets = link_tracklets(_search_frames(fps, n, hidden_s=(1.0, 1.6)))
    assert len(_athlete_tracklets(tracklets, fps)) == 2


def test_extend_tracklet_joins_stance_and_run_split_by_a_long_gap():
    fps, n = 25.0, 50
    s = TrackingSettings(max_gap_s=0.3)
    # Hidden 0.36 s: longer than max_gap_s, so linking splits the athlete in two...
    tracklets = link_tracklets(_search_frames(fps, n, hidden_s=(0.6, 0.92)), s)
    ath = _athlete_tracklets(tracklets, fps)
    assert len(ath) == 2
    # ... and a 0.36 s gap is too long to join either: the chosen tracklet stays as it is.
    k = next(i for i, tr in enumerate(tracklets) if tr is ath[1])
    assert extend_tracklet(tracklets, k, s).n == ath[1].n
    # With max_gap_s 0.4 s joining bridges it (linking already would; split them by hand).
    s2 = TrackingSettings(max_gap_s=0.4)
    first, second = ath
    joined = extend_tracklet([first, second], 1, s2)
    np.testing.assert_array_equal(joined.t_s, np.concatenate([first.t_s, second.t_s]))


def test_right_to_left_athlete_has_direction_minus_one():
    tracklets = link_tracklets(_search_frames(25.0, 50, mirror=True))
    choice = choose_athlete(tracklets)
    chosen = tracklets[choice.index]
    truth = np.array([athlete_truth(t, mirror=True) for t in chosen.t_s])
    np.testing.assert_array_equal(chosen.boxes_xyxy_px, truth)
    assert choice.direction == -1


def test_tie_is_broken_by_box_height():
    t = np.arange(0, 1.0, 0.04)
    small = _tracklet(t, [[100 * x, 0, 100 * x + 10, 50] for x in t])
    big = _tracklet(t, [[95 * x, 100, 95 * x + 20, 200] for x in t])  # 5% slower, twice as tall
    assert choose_athlete([small, big]).index == 1
    slow_big = _tracklet(t, [[50 * x, 100, 50 * x + 20, 200] for x in t])
    assert choose_athlete([small, slow_big]).index == 0


def test_short_fast_run_beats_long_slow_walk_across_the_frame():
    # A walker crossing 400 px in 4 s (100 px/s) vs an athlete accelerating at 600 px/s² for
    # 1 s (300 px/s at the end, 150 px in all): the walker moved farther, the athlete faster.
    t_walk = np.arange(0, 4.0, 0.04)
    walker = _tracklet(t_walk, [[450 - 100 * x, 0, 470 - 100 * x, 60] for x in t_walk])
    t_run = np.arange(0, 1.0, 0.04)
    runner = _tracklet(t_run, [[300 * x**2, 0, 300 * x**2 + 20, 60] for x in t_run])
    choice = choose_athlete([walker, runner])
    assert choice.index == 1 and choice.direction == 1
    # Best window of the run: the last 0.52 s (0.44 -> 0.96 s) of x = 300 t².
    s = choice.scores[1]
    assert s.displacement_px == pytest.approx(300 * (0.96**2 - 0.44**2))
    assert s.speed_px_per_s == pytest.approx(300 * (0.96 + 0.44))
    assert choice.scores[0].speed_px_per_s == pytest.approx(100.0)
    assert choice.scores[0].direction == -1


def test_nobody_running_follows_most_visible_person_with_warning():
    t = np.arange(0, 1.0, 0.04)
    still = _tracklet(t, [[100, 0, 110, 50]] * len(t))
    still_big = _tracklet(t, [[200, 0, 230, 90]] * len(t))
    choice = choose_athlete([still, still_big])
    assert choice.index == 1
    assert len(choice.warnings) == 1 and "Nobody ran" in choice.warnings[0]


def test_no_detection_raises_no_athlete_error():
    def empty_factory(step):
        for i in range(0, 20, step):
            yield i, i / 25.0, np.zeros((H_PX, W_PX, 3), np.uint8)

    with pytest.raises(NoAthleteError, match="No person was found"):
        track_athlete(empty_factory, 20, 25.0, RectangleEstimator())
    with pytest.raises(NoAthleteError):
        choose_athlete([])


# --------------------------------------------------------------------------------------------
# Whole tracker


def _check_track(res: AthleteTrack, fps, n, *, mirror=False, hidden_s=(np.inf, np.inf)):
    t = np.arange(n) / fps
    np.testing.assert_allclose(res.track.t_s, t)
    np.testing.assert_array_equal(res.track.frame_index, np.arange(n))
    assert res.track.space == "px" and res.track.fps == fps
    visible = ~((t >= hidden_s[0]) & (t < hidden_s[1]))
    found = np.isfinite(res.box_conf)
    np.testing.assert_array_equal(found, visible)
    truth = np.array([athlete_truth(ti, mirror) for ti in t])
    np.testing.assert_array_equal(res.boxes_xyxy_px[found], truth[found])
    # Keypoints in full-frame pixels, ankles NaN (confidence 0.2 < 0.3), never 0.
    b = truth[found]
    kp = res.track.xy[found]
    np.testing.assert_allclose(
        kp[:, KP.NOSE], b[:, :2] + KP_FRAC[KP.NOSE] * (b[:, 2:] - b[:, :2]), atol=1e-9
    )
    assert np.isnan(kp[:, [KP.LEFT_ANKLE, KP.RIGHT_ANKLE]]).all()
    assert np.isnan(res.track.xy[~found]).all() and np.isnan(res.track.conf[~found]).all()
    return found


def test_track_athlete_follows_the_athlete_on_every_frame():
    fps, n = 25.0, 50
    est = RectangleEstimator()
    stages = []
    res = track_athlete(
        make_factory(n, fps), n, fps, est, progress=lambda s, f: stages.append((s, f))
    )
    _check_track(res, fps, n)
    assert res.direction == 1
    assert res.n_candidates == 3
    assert res.detected_fraction == 1.0
    assert res.warnings == ()
    search = [c for c in est.calls if c[1] == 960]
    refine = [c for c in est.calls if c[1] == 384]
    assert len(search) == n and all(c[0] == (H_PX, W_PX) and c[2] == 0.05 for c in search)
    assert len(refine) == n and all(c[0][0] < H_PX and c[2] == 0.1 for c in refine)
    assert stages[-1] == ("refine", 1.0) and ("search", 1.0) in stages


def test_track_athlete_right_to_left_at_100_fps_searches_every_4th_frame():
    fps, n = 100.0, 200
    est = RectangleEstimator()
    res = track_athlete(make_factory(n, fps, mirror=True), n, fps, est)
    _check_track(res, fps, n, mirror=True)
    assert res.direction == -1
    assert sum(c[1] == 960 for c in est.calls) == 50


def test_track_athlete_bridges_a_0_3_s_gap_and_warns():
    fps, n = 25.0, 50
    hidden = (1.0, 1.3)
    res = track_athlete(make_factory(n, fps, hidden_s=hidden), n, fps, RectangleEstimator())
    found = _check_track(res, fps, n, hidden_s=hidden)
    assert res.detected_fraction == pytest.approx(found.mean()) == pytest.approx(42 / 50)
    assert res.direction == 1
    assert any("not found in 16% of frames" in w for w in res.warnings)


def test_athlete_track_is_validated():
    from sprintlab.track import empty_track

    tr = empty_track(np.arange(3) / 25.0, 25.0)
    with pytest.raises(ValueError):
        AthleteTrack(tr, np.zeros((2, 4)), np.zeros(3), 1, 1, 0.5)
    with pytest.raises(ValueError):
        AthleteTrack(tr, np.zeros((3, 4)), np.zeros(3), 0, 1, 0.5)


class CrouchBlindEstimator(RectangleEstimator):
    """Misses the athlete on full frames until they are well into the run.

    As the stock model does with a small crouched athlete on a full 1080p frame (scores
    0.02–0.10), so the search track, and with it the forward crop, begins with the athlete
    already ~70 px down the lane and the forward pass misses the whole set position.
    """

    def predict(self, image_bgr, *, imgsz, conf):
        if image_bgr.shape[:2] == (H_PX, W_PX):
            grey = image_bgr[..., 0]
            xs = np.nonzero(grey == ATHLETE)[1]
            if xs.size and 0.5 * (xs.min() + xs.max() + 1) < 130:
                image_bgr = np.where(grey[..., None] == ATHLETE, 0, image_bgr).astype(np.uint8)
        return super().predict(image_bgr, imgsz=imgsz, conf=conf)


def test_a_set_position_missed_going_forward_is_found_going_back():
    fps, n = 100.0, 200
    est = CrouchBlindEstimator()
    res = track_athlete(make_factory(n, fps), n, fps, est)
    # Without going back, frames up to ~1.0 s (the stance and the rise) had no athlete; the
    # head's frames were found only on the way back, and every frame is now the athlete.
    assert res.recovered_frames >= 60
    _check_track(res, fps, n)
    assert res.detected_fraction == 1.0
    # Going back ran the crop pass once per missed frame, at the lower threshold.
    back = [c for c in est.calls if c[1] == 384 and c[2] == 0.05]
    assert len(back) == res.recovered_frames


def test_going_back_is_not_run_when_the_track_holds_from_the_first_frame():
    fps, n = 100.0, 200
    est = RectangleEstimator()
    res = track_athlete(make_factory(n, fps), n, fps, est)
    assert res.recovered_frames == 0
    assert not any(c[2] == 0.05 and c[1] == 384 for c in est.calls)


def test_anchor_row_and_head_region():
    found = np.array([0, 1, 0, 1, 1, 1, 0, 1, 1, 1, 1], bool)
    assert anchor_row(found, 3) == 3
    assert anchor_row(found, 4) == 7
    assert anchor_row(found, 5) is None
    s = TrackingSettings(recover_back_heights=3.0, recover_ahead_heights=1.0)
    box = np.array([100.0, 50.0, 120.0, 90.0])  # 40 px tall
    np.testing.assert_allclose(head_region(box, 1, s), [-20, 30, 160, 110])
    np.testing.assert_allclose(head_region(box, -1, s), [60, 30, 240, 110])
