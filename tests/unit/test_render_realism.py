"""The phone-footage realism factors of the renderer each change the pixels the way they say:
shake moves the picture by the recorded offset, flicker scales the brightness of alternate frames,
a low sun darkens the ground along its rays, turf and painted lines change the ground, the banner
moves, a lower x264 quality makes a smaller file. No pose model."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from sprintlab.synth import SprintParams, joints_at, plan_sprint
from sprintlab.synth.camera import PinholeCamera
from sprintlab.synth.realism import (
    Realism,
    flicker_gain,
    shake_offsets_px,
    sun_direction,
)
from sprintlab.synth.render import ClipRenderer, Look, render_clip, shadow_polygons
from sprintlab.synth.scene import GROUND_RES_M, GROUND_X_M, GROUND_Z_M, ground_texture
from sprintlab.video import iter_frames, probe

P = SprintParams()
W, H = 320, 180


def cam(**kw) -> PinholeCamera:
    return PinholeCamera.side_view(width_px=W, height_px=H, **kw)


def renderer(realism: Realism | None = None, **kw) -> ClipRenderer:
    return ClipRenderer(P, cam(), fps=240.0, seed=3, realism=realism, **kw)


def test_no_realism_is_the_default_renderer():
    t = 1.1
    a = renderer().render(t, 4)
    b = renderer(Realism()).render(t, 4)
    assert np.array_equal(a, b)


@pytest.mark.parametrize(
    "bad",
    [
        {"sun_elevation_deg": 2.0},
        {"shadow_strength": 1.0},
        {"turf": "clay"},
        {"turf_texture": -1.0},
        {"paint_lines_at_steps": (0,)},
        {"shake_px": -1.0},
        {"flicker": 0.9},
    ],
)
def test_out_of_range_options_are_refused(bad):
    with pytest.raises(ValueError):
        Realism(**bad)


# ---- tripod shake ----------------------------------------------------------------------------


def test_shake_is_seeded_bounded_and_smooth():
    rl = Realism(shake_px=2.0)
    t = np.arange(0, 3, 1 / 240)
    d = shake_offsets_px(rl, 3, t)
    assert d.shape == (t.size, 2)
    assert np.array_equal(d, shake_offsets_px(rl, 3, t))
    assert not np.array_equal(d, shake_offsets_px(rl, 4, t))
    assert np.abs(d).max() <= 2.0 + 1e-12 and np.abs(d).max() > 1.0
    assert 0.3 < np.sqrt(np.mean(d**2)) < 1.5
    assert np.abs(np.diff(d, axis=0)).max() < 2.0 * np.pi * 12.0 * 2.0 / 240  # band-limited
    np.testing.assert_array_equal(shake_offsets_px(Realism(), 3, t), 0.0)


def test_shake_moves_the_picture_by_the_recorded_offset():
    # A strong shake, so that phase correlation's sub-pixel bias (~0.1 px) is small beside it.
    rl = Realism(shake_px=6.0)
    still, shaken = renderer(), renderer(rl)
    for t in (0.1, 1.9, 2.3):
        a = cv2.cvtColor(still.render(t), cv2.COLOR_BGR2GRAY).astype(np.float64)
        b = cv2.cvtColor(shaken.render(t), cv2.COLOR_BGR2GRAY).astype(np.float64)
        (dx, dy), _ = cv2.phaseCorrelate(a, b, cv2.createHanningWindow(a.shape[::-1], cv2.CV_64F))
        want = shaken.shake_px(np.array([t]))[0]
        assert np.hypot(*want) > 1.0
        np.testing.assert_allclose([dx, dy], want, atol=0.2)
    # The truth's keypoints are where they are in the shaken picture.
    kp_still, kp = still.keypoints_px(np.array([0.77])), shaken.keypoints_px(np.array([0.77]))
    offset = np.broadcast_to(shaken.shake_px(np.array([0.77]))[:, None, :], kp.shape)
    np.testing.assert_allclose(kp - kp_still, offset, atol=1e-9)


def test_clip_records_its_shake_and_flicker(tmp_path):
    rl = Realism(shake_px=1.5, flicker=0.04)
    clip = render_clip(
        P, tmp_path, width=W, height=H, camera=cam(), duration_s=5 / 240, start_s=0.5,
        name="s", seed=3, realism=rl, noise_sigma=0.0,
    )  # fmt: skip
    doc = json.loads(clip.truth_path.read_text())
    shake = np.array(doc["shake_px"])
    assert shake.shape == (5, 2)
    np.testing.assert_allclose(shake, shake_offsets_px(rl, 3, clip.t_s), atol=1e-4)
    np.testing.assert_allclose(doc["flicker_gain"], [1.04, 0.96, 1.04, 0.96, 1.04], atol=1e-6)
    assert doc["realism"]["shake_px"] == 1.5
    kp = np.array(doc["keypoints_px"]).reshape(5, 17, 2)
    still = ClipRenderer(P, cam(), fps=240.0, seed=3).keypoints_px(clip.t_s)
    np.testing.assert_allclose(kp - still, np.repeat(shake[:, None, :], 17, axis=1), atol=2e-3)


# ---- mains flicker ---------------------------------------------------------------------------


def test_flicker_alternates_the_brightness_of_240fps_frames():
    rl = Realism(flicker=0.04)
    t = 0.5 + np.arange(4) / 240
    np.testing.assert_allclose(flicker_gain(rl, t), [1.04, 0.96, 1.04, 0.96], atol=1e-9)
    plain, flick = renderer(), renderer(rl)
    for ti, g in zip(t, flicker_gain(rl, t), strict=True):
        ratio = flick.render(ti).astype(float).mean() / plain.render(ti).astype(float).mean()
        assert ratio == pytest.approx(g, abs=0.003)
    # At 30 fps a 120 Hz flicker is sampled at the same phase: a constant gain.
    np.testing.assert_allclose(flicker_gain(rl, np.arange(5) / 30), 1.04)


# ---- encoder ---------------------------------------------------------------------------------


def test_lower_quality_and_bitrate_make_smaller_files(tmp_path):
    sizes = {}
    for name, kw in {
        "crf23": {},
        "crf32": {"crf": 32},
        "br100": {"bitrate_kbps": 100.0},
        "br2000": {"bitrate_kbps": 2000.0},
    }.items():
        clip = render_clip(
            P, tmp_path, width=W, height=H, camera=cam(), duration_s=24 / 240, start_s=0.8,
            name=name, seed=3, noise_sigma=3.0, **kw,
        )  # fmt: skip
        sizes[name] = clip.video_path.stat().st_size
        frames = list(iter_frames(probe(clip.video_path)))
        assert len(frames) == 24
    assert sizes["crf32"] < 0.7 * sizes["crf23"]
    # 100 kbit/s over 0.1 s is about 1.25 kB of video (plus the container's few kB).
    assert sizes["br100"] < 0.6 * sizes["crf23"] and sizes["br100"] < 0.5 * sizes["br2000"]


# ---- low sun ---------------------------------------------------------------------------------


def test_the_sun_casts_each_body_part_along_its_rays():
    rl = Realism(sun_elevation_deg=20.0, sun_azimuth_deg=240.0)
    sun = sun_direction(rl)
    assert sun[1] == pytest.approx(np.sin(np.radians(20.0)))
    t = np.array([1.3])
    j = {k: v[0] for k, v in joints_at(P, t).items()}
    polys = shadow_polygons(j, Look(), P.stature_m, sun)
    assert all(np.allclose(p[:, 1], 0.0) for p in polys)
    # The head's shadow lies 1 / tan(20°) times its height away from it, away from the sun.
    head = 0.5 * (j["left_ear"] + j["right_ear"])
    expected = head - head[1] / sun[1] * sun
    assert np.linalg.norm(polys[-1].mean(axis=0) - expected) < 0.05
    assert np.hypot(*(expected - head)[[0, 2]]) == pytest.approx(head[1] / np.tan(np.radians(20)))


def test_low_sun_darkens_the_ground_along_the_light_and_nowhere_else():
    rl = Realism(sun_elevation_deg=20.0, sun_azimuth_deg=240.0)
    t = 1.3
    plain = renderer().render(t).astype(float)
    sunny_r = renderer(rl)
    sunny = sunny_r.render(t).astype(float)
    c = cam()
    j = {k: v[0] for k, v in joints_at(P, np.array([t])).items()}
    sun = sun_direction(rl)
    # Ground points under the hips, the shoulders and the head, moved along the sun's rays.
    for name in ("left_hip", "right_shoulder", "nose"):
        g = j[name] - j[name][1] / sun[1] * sun
        u, v = np.round(c.project(g)).astype(int)
        ratio = sunny[v, u].mean() / plain[v, u].mean()
        assert ratio < 1.0 - 0.6 * rl.shadow_strength, name
    # Towards the sun from the feet (where no shadow falls) the ground is untouched.
    foot = j["right_toe"]
    g = foot + 1.5 * np.array([sun[0], 0.0, sun[2]]) / np.hypot(sun[0], sun[2])
    u, v = np.round(c.project(g)).astype(int)
    assert np.array_equal(sunny[v - 1 : v + 2, u - 1 : u + 2], plain[v - 1 : v + 2, u - 1 : u + 2])
    # Nothing is drawn over the athlete: the hip pixels are the same.
    u, v = np.round(c.project(j["right_hip"])).astype(int)
    assert np.array_equal(sunny[v, u], plain[v, u])


def test_the_blob_under_the_body_can_be_left_out():
    t = 1.3
    plain = renderer().render(t).astype(int)
    no_blob = renderer(Realism(blob_shadow=False)).render(t).astype(int)
    lighter = no_blob.sum(axis=2) > plain.sum(axis=2)
    assert lighter.sum() > 50 and not (no_blob.sum(axis=2) < plain.sum(axis=2)).any()
    # Only on the ground near the feet.
    ys, _ = np.nonzero(lighter)
    toe_v = cam().project(joints_at(P, np.array([t]))["right_toe"][0])[1]
    assert ys.min() > toe_v - 25


# ---- ground: turf, texture, painted lines ------------------------------------------------------


def _texture_at(tex: np.ndarray, x_m: float, z_m: float) -> np.ndarray:
    col = int((x_m - GROUND_X_M[0]) / GROUND_RES_M)
    row = int((z_m - GROUND_Z_M[0]) / GROUND_RES_M)
    return tex[row, col].astype(float)


def test_painted_lines_cross_the_lane_where_the_feet_land():
    base = ground_texture(3)
    lined = ground_texture(3, lines_x_m=(4.0,), line_width_m=0.1)
    assert _texture_at(lined, 4.0, 0.0).mean() > 180 > _texture_at(base, 4.0, 0.0).mean()
    assert np.array_equal(_texture_at(lined, 4.0, 1.5), _texture_at(base, 4.0, 1.5))
    assert np.array_equal(_texture_at(lined, 4.2, 0.0), _texture_at(base, 4.2, 0.0))
    r = renderer(Realism(paint_lines_at_steps=(2, 3)))
    toes = {c.number: c.toe_x_m for c in plan_sprint(P).contacts if not c.is_stance}
    assert r.paint_lines_x_m == (toes[2], toes[3])
    with pytest.raises(ValueError, match="beyond"):
        renderer(Realism(paint_lines_at_steps=(99,)))


def test_dark_turf_and_coarse_texture_change_the_ground():
    base = ground_texture(3).astype(float)
    dark = ground_texture(3, turf="dark").astype(float)
    rough = ground_texture(3, turf_texture=1.0).astype(float)
    patch = (slice(1500, 1700), slice(1000, 1200))  # grass away from the lines

    def detail(img):
        grey = cv2.cvtColor(img.astype(np.float32), cv2.COLOR_BGR2GRAY)
        return float(np.abs(cv2.Laplacian(grey, cv2.CV_32F)).mean())

    assert dark[patch].mean() < 0.75 * base[patch].mean()
    assert detail(rough[patch]) > 1.3 * detail(base[patch])


def test_shoe_presets():
    assert min(Look.preset("white_shoes").shoe_bgr) > 220
    assert max(Look.preset("black_shoes").shoe_bgr) < 40
    with pytest.raises(ValueError, match="white_shoes"):
        Look.preset("purple")


# ---- moving background -----------------------------------------------------------------------


def test_the_banner_moves_from_frame_to_frame():
    r = renderer(Realism(banner=True))
    plain = renderer()
    a, b = r.render(0.2).astype(int), r.render(0.2 + 1 / 60).astype(int)
    moved = np.any(a != b, axis=2)
    on_banner = np.any(a != plain.render(0.2).astype(int), axis=2)
    assert on_banner.sum() > 500  # the banner is in view
    assert (moved & on_banner).sum() > 0.2 * on_banner.sum()
    # Away from the banner and the athlete (the sky) nothing moves.
    assert not moved[:20].any()
