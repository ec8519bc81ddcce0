"""Footage checks on synthetic arrays and images with known answers."""

from __future__ import annotations

import math
from dataclasses import replace

import cv2
import numpy as np
import pytest

from sprintlab.calibration import Calibration, load_sidecar
from sprintlab.errors import CalibrationError
from sprintlab.footage import (
    FootageAccumulator,
    FootageStats,
    RunnerSeen,
    blend_check,
    camera_motion_check,
    crossing_check,
    distinct_frames,
    estimate_camera_motion,
    flicker_check,
    repeat_check,
    runners_check,
    withhold_outputs,
)
from sprintlab.pipeline import analyze_track
from sprintlab.synth import SprintParams, simulate
from sprintlab.synth.degrade import to_track
from sprintlab.track import KeypointTrack
from sprintlab.tracking import Tracklet, choose_athlete, runners_in_view


def _stats(
    diff=None, bright=None, images=None, fps=30.0, scale=1.0, residual=None, span=None
) -> FootageStats:
    given = [x for x in (diff, bright, images, residual) if x is not None]
    n = len(given[0])
    index = np.arange(n)

    def levels(x, default):
        return np.asarray(x if x is not None else np.full(n, default), float)

    return FootageStats(
        frame_index=index,
        t_s=index / fps,
        diff_prev_levels=levels(diff, np.nan),
        brightness_levels=levels(bright, 100.0),
        blend_residual_levels=levels(residual, np.nan),
        blend_span_levels=levels(span, np.nan),
        motion_frame_index=index if images is not None else np.zeros(0, np.int64),
        motion_images=np.asarray(images) if images is not None else np.zeros((0, 1, 1), np.uint8),
        scale=scale,
        fps=fps,
    )


# ---- repeated frames --------------------------------------------------------------------------


def _moving_diffs(n: int, seed: int = 0) -> np.ndarray:
    d = 20.0 + np.random.default_rng(seed).normal(0.0, 3.0, n)
    d[0] = np.nan
    return d


def test_pulldown_pattern_is_found_and_gives_the_original_rate():
    d = _moving_diffs(150)
    d[4::5] = 0.5  # frame 5k+4 repeats frame 5k+3 (24 -> 30 fps)
    check = repeat_check(_stats(d, fps=30.0))
    assert check.fired and check.regular
    assert (check.period_frames, check.repeat_phases) == (5, (4,))
    assert check.distinct_fps == pytest.approx(24.0)
    assert check.repeated_frames == tuple(range(4, 150, 5))
    assert "24 fps" in check.sentence and "repeat the previous one" in check.sentence


def test_distinct_frames_drops_repeats_and_retimes_uniformly():
    d = _moving_diffs(60)
    d[4::5] = 0.5
    check = repeat_check(_stats(d, fps=30.0))
    n = 60
    track = KeypointTrack(
        t_s=np.arange(n) / 30.0,
        xy=np.arange(n, dtype=float)[:, None, None] * np.ones((n, 17, 2)),
        conf=np.ones((n, 17)),
        fps=30.0,
    )
    out = distinct_frames(track, check)
    assert out.n_frames == 48 and out.fps == pytest.approx(24.0)
    assert np.allclose(np.diff(out.t_s), 1 / 24.0)
    assert not np.isin(out.frame_index, np.arange(4, 60, 5)).any()
    # Distinct frames stay within a frame of their container timestamps.
    assert np.max(np.abs(out.t_s - track.t_s[out.frame_index])) < 1 / 30.0


def test_clean_and_still_clips_have_no_repeats():
    assert not repeat_check(_stats(_moving_diffs(200), fps=240.0)).fired
    # The set position: the picture is still for 1 s, then the athlete runs.
    d = _moving_diffs(300)
    d[1:240] = 0.3
    check = repeat_check(_stats(d, fps=240.0))
    assert not check.fired and check.n_repeated == 0


def test_a_camera_jerk_next_to_a_calm_stretch_is_not_repeats():
    d = np.full(200, 9.0)  # hand-held, athlete still: a few levels of change
    d[0] = np.nan
    d[100:160] = 160.0  # the camera swings
    assert repeat_check(_stats(d, fps=30.0)).n_repeated == 0


def test_irregular_repeats_withhold_timing():
    d = _moving_diffs(200, seed=1)
    rng = np.random.default_rng(3)
    d[rng.choice(np.arange(5, 195), 25, replace=False)] = 0.4
    check = repeat_check(_stats(d, fps=60.0))
    assert check.fired and not check.regular
    assert "left empty" in check.sentence
    assert math.isnan(check.distinct_fps)


# ---- blended frames ---------------------------------------------------------------------------


def test_every_other_frame_blended_is_found():
    rng = np.random.default_rng(2)
    span = 30.0 + rng.normal(0, 2, 120)
    residual = 0.5 * span + rng.normal(0, 1, 120)  # real frames: half the change across them
    residual[1::2] = 0.5  # blends: the average of their neighbours, up to coding noise
    check = blend_check(_stats(residual=residual, span=span, fps=60.0))
    assert check.fired and (check.period_frames, check.blend_phases) == (2, (1,))
    assert check.distinct_fps == pytest.approx(30.0)
    assert "blends of their neighbours" in check.sentence


def test_sub_pixel_motion_that_looks_blended_everywhere_is_not_reported():
    rng = np.random.default_rng(4)
    span = 12.0 + rng.normal(0, 1, 200)
    residual = 0.03 * span  # at 240 fps every frame is nearly its neighbours' average
    assert not blend_check(_stats(residual=residual, span=span, fps=240.0)).fired
    residual = 0.5 * span
    residual[rng.choice(200, 15, replace=False)] = 0.2  # scattered, in no pattern
    assert not blend_check(_stats(residual=residual, span=span, fps=240.0)).fired


# ---- flicker ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fps", "light_hz", "seen_hz"), [(240.0, 100.0, 100.0), (30.0, 100.0, 10.0)]
)
def test_flicker_is_found_at_its_alias(fps, light_hz, seen_hz):
    t = np.arange(int(2 * fps)) / fps
    rng = np.random.default_rng(0)
    b = 120.0 + 3.0 * t + 1.2 * np.sin(2 * np.pi * light_hz * t) + rng.normal(0, 0.05, t.size)
    check = flicker_check(b, fps)
    assert check.fired
    assert check.frequency_hz == pytest.approx(seen_hz, abs=0.6)
    assert check.amplitude_pct == pytest.approx(100 * 1.2 / b.mean(), rel=0.15)
    assert light_hz in check.light_hz


def test_steady_light_is_not_flicker():
    fps = 240.0
    t = np.arange(480) / fps
    rng = np.random.default_rng(1)
    # A slow change (the athlete crossing, clouds) and noise, no oscillation.
    b = 120.0 + 2.0 * np.sin(2 * np.pi * 1.5 * t) + rng.normal(0, 0.05, t.size)
    check = flicker_check(b, fps)
    assert not check.fired and check.amplitude_pct < 0.5


# ---- camera motion ----------------------------------------------------------------------------


def _texture(h: int = 180, w: int = 320, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    img = cv2.GaussianBlur(rng.uniform(0, 255, (h, w)).astype(np.float32), (0, 0), 2.0)
    return cv2.normalize(img, None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)


def _warped(base: np.ndarray, dx: float, dy: float, zoom: float, rot_deg: float) -> np.ndarray:
    h, w = base.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), rot_deg, zoom)
    m[:, 2] += (dx, dy)
    return cv2.warpAffine(base, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)


def _with_runner(img: np.ndarray, x: int) -> np.ndarray:
    out = img.copy()
    cv2.rectangle(out, (x, 60), (x + 25, 140), 30, -1)  # a dark "athlete" moving across
    return out


def test_camera_motion_recovers_a_known_shift_zoom_and_turn():
    base = _texture()
    n = 12
    images = [
        _with_runner(_warped(base, 2.0 * k, -1.0 * k, 1 + 0.002 * k, 0.05 * k), 20 + 20 * k)
        for k in range(n)
    ]
    # Half-resolution images of a 640×360 clip: shifts come back in full-resolution pixels.
    motion = estimate_camera_motion(_stats(images=images, scale=0.5))
    k = n - 1
    # A base point p shows at M p in frame k, so frame k's centre c lies at M⁻¹ c in the first
    # frame; shifts come back at full resolution (twice these half-resolution pixels).
    m = cv2.getRotationMatrix2D((160, 90), 0.05 * k, 1 + 0.002 * k)
    m[:, 2] += (2.0 * k, -1.0 * k)
    inv = cv2.invertAffineTransform(m)
    expected = 2.0 * (inv[:, :2] @ [160.0, 90.0] + inv[:, 2] - [160.0, 90.0])
    assert motion.shift_px[k] == pytest.approx(expected, abs=0.6)
    assert motion.zoom_pct[k] == pytest.approx(100 * 0.002 * k, abs=0.1)
    assert abs(motion.rotation_deg[k]) == pytest.approx(0.05 * k, abs=0.05)
    check = camera_motion_check(motion, athlete_height_px=160.0)
    assert check.fired and "camera moves" in check.sentence
    assert check.translation_px > check.threshold_translation_px


def test_one_unmeasurable_frame_does_not_break_the_chain():
    base = _texture(seed=3)
    images = [_warped(base, 20.0 * k, 0.0, 1.0, 0.0) for k in range(12)]  # chained: 220 px
    images[5] = np.full_like(base, 90)  # a blank frame (a jerk blurs everything)
    motion = estimate_camera_motion(_stats(images=images, scale=0.5))
    assert np.all(np.isnan(motion.shift_px[5]))
    assert motion.shift_px[11] == pytest.approx([-2.0 * 20.0 * 11, 0.0], abs=1.5)


def test_a_still_camera_with_a_runner_is_silent():
    base = _texture(seed=2)
    rng = np.random.default_rng(5)
    images = [
        np.clip(_with_runner(base, 10 + 25 * k) + rng.normal(0, 1.0, base.shape), 0, 255).astype(
            np.uint8
        )
        for k in range(12)
    ]
    motion = estimate_camera_motion(_stats(images=images, scale=0.5))
    check = camera_motion_check(motion, athlete_height_px=160.0)
    assert not check.fired and check.sentence == ""
    assert check.translation_px < 0.5 and check.zoom_pct < 0.1


def test_a_featureless_background_says_the_motion_could_not_be_measured():
    flat = [np.full((180, 320), 90, np.uint8) for _ in range(10)]
    check = camera_motion_check(estimate_camera_motion(_stats(images=flat)), 160.0)
    assert not check.fired and check.measured_share == pytest.approx(0.1)  # the first frame only
    assert check.sentence.startswith("Whether the camera moves could not be measured on 90%")
    # No frame kept for it at all: not measured on any, and said so.
    none = camera_motion_check(estimate_camera_motion(_stats(diff=np.zeros(10))), 160.0)
    assert not none.fired
    assert none.sentence.startswith("Whether the camera moves could not be measured on 100%")


def test_accumulator_ignores_frames_seen_again_and_reduces_by_a_whole_factor():
    acc = FootageAccumulator(240.0)
    img = np.zeros((1080, 1920, 3), np.uint8)
    for i in range(5):
        acc.add(i, i / 240.0, img)
    for i in range(5):  # a second pass over the same frames
        acc.add(i, i / 240.0, img)
    stats = acc.stats()
    assert stats.n_frames == 5 and stats.scale == pytest.approx(1 / 6)
    assert stats.motion_images.shape[1:] == (180, 320)
    assert math.isnan(stats.diff_prev_levels[0]) and stats.diff_prev_levels[1] == 0.0


# ---- running across ---------------------------------------------------------------------------


def test_side_on_run_passes_and_a_run_towards_the_camera_fires():
    t = np.arange(240) / 120.0
    hip = np.column_stack([100.0 + 300.0 * t, np.full(t.size, 300.0)])
    leg = np.full(t.size, 0.779 * 150.0)
    side = crossing_check(t, hip, leg, (1280, 720))
    assert not side.fired and side.angle_deg < 2.0
    # Towards the camera: the athlete doubles in size while crossing little.
    grow = 0.779 * 150.0 * (1 + t / t[-1])
    hip2 = np.column_stack([600.0 + 30.0 * t, np.full(t.size, 300.0)])
    towards = crossing_check(t, hip2, grow, (1280, 720))
    assert towards.fired and towards.angle_deg > 60.0
    # Size change between the first and last fifths (their 90th percentiles).
    n5 = t.size // 5
    ratio = np.percentile(grow[-n5:], 90) / np.percentile(grow[:n5], 90)
    assert towards.size_change_pct == pytest.approx(100.0 * (ratio - 1.0), abs=0.5)
    assert "towards the camera" in towards.sentence


# ---- several runners --------------------------------------------------------------------------


def _runner(x: float, measured: bool, speed: float = 5.0, h: float = 150.0) -> RunnerSeen:
    return RunnerSeen((x, 400.0), (x - 40, 325.0, x + 40, 475.0), 0.1, speed, h, measured)


def test_two_runners_name_the_measured_one_and_how_to_choose():
    check = runners_check([_runner(900.0, True, 5.0, 160.0), _runner(300.0, False, 4.0, 140.0)])
    assert check.fired and check.n_runners == 2
    assert "faster and nearer of 2 runners" in check.sentence
    assert "x≈900 px" in check.sentence and "x≈300 px" in check.sentence
    assert "--athlete-px" in check.sentence
    assert not runners_check([_runner(900.0, True)]).fired


def _run_tracklet(x0: float, vx: float, y: float = 400.0, h: float = 150.0) -> Tracklet:
    t = np.arange(0.0, 1.6, 0.04)
    x = x0 + vx * t
    boxes = np.column_stack([x - 30, y - h / 2 + 0 * t, x + 30, y + h / 2 + 0 * t])
    return Tracklet(t, np.arange(t.size) * 10, boxes, np.full(t.size, 0.8))


def test_athlete_px_chooses_the_runner_nearest_the_point():
    fast, slow = _run_tracklet(200.0, 700.0), _run_tracklet(150.0, 500.0, y=250.0, h=120.0)
    tracklets = [fast, slow]
    default = choose_athlete(tracklets)
    assert default.index == 0 and set(default.runners) == {0, 1}
    chosen = choose_athlete(tracklets, athlete_px=(150.0, 260.0))
    assert chosen.index == 1
    seen = runners_in_view(tracklets, chosen, tracklets[1])
    assert len(seen) == 2 and seen[0].measured and seen[0].start_xy_px[0] == pytest.approx(150.0)


def test_a_walker_is_not_a_second_sprinter():
    athlete, walker = _run_tracklet(200.0, 700.0), _run_tracklet(1200.0, -120.0, y=300.0)
    tracklets = [athlete, walker]
    choice = choose_athlete(tracklets)
    assert set(choice.runners) == {0, 1}  # both move steadily enough to be candidates
    assert len(runners_in_view(tracklets, choice, athlete)) == 1


def test_a_duplicate_box_on_the_athlete_is_not_a_second_runner():
    athlete = _run_tracklet(200.0, 700.0)
    duplicate = Tracklet(
        athlete.t_s[5:20] + 0.001,
        athlete.frame_index[5:20] + 1,
        athlete.boxes_xyxy_px[5:20] + 3.0,
        np.full(15, 0.2),
    )
    tracklets = [athlete, duplicate]
    choice = choose_athlete(tracklets)
    assert len(runners_in_view(tracklets, choice, athlete)) == 1


# ---- choosing via the sidecar -----------------------------------------------------------------


def test_sidecar_athlete_px(tmp_path):
    p = tmp_path / "clip.toml"
    p.write_text("athlete_height_m = 1.8\nathlete_px = [812.5, 540]\n")
    assert load_sidecar(p).athlete_px == (812.5, 540.0)
    p.write_text("athlete_height_m = 1.8\nathlete_px = [812.5]\n")
    with pytest.raises(CalibrationError, match="athlete_px"):
        load_sidecar(p)


# ---- withholding ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def analysed():
    sprint = simulate(SprintParams(), 240.0, 3.2)
    track = to_track(sprint)
    px = track.with_xy(track.xy, space="px")
    identity = Calibration(image_to_world=np.eye(3), method="line", rms_residual_m=0.0)
    return analyze_track(px, identity, rep_id="s", video={}, stature_m=SprintParams().stature_m)


def test_withholding_blanks_distances_and_says_why(analysed):
    assert any(math.isfinite(s.step_length_m) for s in analysed.steps)
    assert math.isfinite(analysed.splits["10yd_s"])
    out = withhold_outputs(analysed, distances_reason="the camera moves", timing_reason=None)
    for s in out.steps:
        assert math.isnan(s.step_length_m) and math.isnan(s.touchdown_distance_m)
        assert math.isnan(s.step_velocity_mps)
    assert all(math.isnan(v) for v in out.splits.values())
    assert out.series["hip_vx_mps"].isna().all()
    assert out.extra["profile"]["velocity_fit"] is None
    assert "the camera moves" in out.extra["profile"]["estimate_reason"]
    assert out.extra["withheld"] == {"distances": "the camera moves", "timing": None}
    # Times and angles stay.
    assert [s.contact_time_s for s in out.steps] == [s.contact_time_s for s in analysed.steps]
    assert [s.shin_angle_td_deg for s in out.steps] == [s.shin_angle_td_deg for s in analysed.steps]


def test_withholding_timing_keeps_distances(analysed):
    out = withhold_outputs(analysed, distances_reason=None, timing_reason="frames repeat")
    assert all(math.isnan(s.contact_time_s) and math.isnan(s.step_time_s) for s in out.steps)
    assert [s.step_length_m for s in out.steps] == [s.step_length_m for s in analysed.steps]
    assert all(math.isnan(v) for v in out.splits.values())
    # Everything timed from the frames goes too: first movement, velocity, the profile.
    assert math.isnan(out.first_movement_s)
    assert out.extra["first_movement"]["observed"] is False
    assert out.extra["first_movement"]["reason"] == "frames repeat"
    assert out.series["hip_vx_mps"].isna().all()
    assert out.series["hip_x_m"].notna().any()  # positions are not timing
    assert math.isnan(out.extra["peak_hip_velocity_mps"])
    assert out.extra["profile"]["estimate"] is None
    assert "frames repeat" in out.extra["profile"]["estimate_reason"]
    assert withhold_outputs(analysed, distances_reason=None, timing_reason=None) is analysed


def test_a_footage_reason_replaces_the_start_checks_own_warning(analysed):
    """A moving camera makes the body seem to move before the start: that is the cause to name."""
    start_warning = "First movement is not reported: the athlete was not at rest before moving"
    line = "the 20yd line (18.288 m) is not crossed in view, so that split is empty"
    rep = replace(analysed, warnings=[*analysed.warnings, start_warning, line])
    out = withhold_outputs(rep, distances_reason="the camera moves", timing_reason=None)
    assert start_warning not in out.warnings
    assert line not in out.warnings  # every split is withheld anyway
    assert out.extra["profile"]["notes"] == []  # the estimate's reason says it once
    assert out.extra["first_movement"]["reason"] == "the camera moves"
    assert math.isnan(out.first_movement_s)
