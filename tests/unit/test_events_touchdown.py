"""Touchdown and foot place from the landing foot's stop (``foot_stop``) on controlled paths."""

from __future__ import annotations

import numpy as np
import pytest

from sprintlab.events import EventSettings, foot_stop

FPS = 240.0
STATURE_M = 1.85
TD_S = 0.5
FOOT_X_M = 3.0


def _landing(landing_speed_mps: float, *, lift_m: float = 0.0, noise_m: float = 0.0, seed=0):
    """A foot decelerating into contact at ``FOOT_X_M`` at ``TD_S``, landing at the given speed,
    then still; optionally the ankle keypoint lifted by ``lift_m`` for the first 12 frames of
    contact (as the pose model does) and noisy. The other foot is far behind, in swing."""
    t = np.arange(0.0, 1.0, 1 / FPS)
    u = np.maximum(0.0, TD_S - t)
    approach_mps = 4.0
    # speed rising linearly from landing speed at TD to approach speed 60 ms earlier
    decel = (approach_mps - landing_speed_mps) / 0.06
    x = FOOT_X_M - np.where(
        u < 0.06,
        landing_speed_mps * u + 0.5 * decel * u**2,
        landing_speed_mps * 0.06 + 0.5 * decel * 0.06**2 + approach_mps * (u - 0.06),
    )
    y = np.where(u > 0, 0.07 + 0.5 * u, 0.07)
    in_contact = (t >= TD_S) & (t < TD_S + 12 / FPS)
    y = y + np.where(in_contact, lift_m, 0.0)
    rng = np.random.default_rng(seed)
    x = x + rng.normal(0.0, noise_m, t.size)
    y = y + rng.normal(0.0, noise_m, t.size)
    other = np.stack([np.full_like(t, FOOT_X_M - 1.2), np.full_like(t, 0.3)], axis=1)
    return t, {"left": np.stack([x, y], axis=1), "right": other}


@pytest.mark.parametrize("landing_speed_mps", [0.0, 0.5, 1.5])
def test_stop_is_within_two_frames_whatever_the_landing_speed(landing_speed_mps):
    # The two hinge shapes bracket the landing speed; over a real approach (not a polynomial)
    # the mean of the two stays within 1.6 frames from a foot landing at rest to one landing at
    # 1.5 m/s.
    t, ankles = _landing(landing_speed_mps)
    guess = TD_S + 8 / FPS  # the circle's touchdown, late
    td = foot_stop(t, ankles, FOOT_X_M, guess, FPS, STATURE_M, EventSettings())[0]
    assert abs(td - TD_S) * FPS <= 2.0


def test_a_lifted_ankle_in_early_contact_does_not_delay_the_stop():
    t, ankles = _landing(0.5, lift_m=0.12)
    td = foot_stop(t, ankles, FOOT_X_M, TD_S + 12 / FPS, FPS, STATURE_M, EventSettings())[0]
    assert abs(td - TD_S) * FPS <= 1.0


def test_noisy_keypoints_and_a_swapped_label_stay_close():
    t, ankles = _landing(0.5, noise_m=0.01, seed=3)
    # one frame where the model put the landing ankle on the other foot
    k = int(TD_S * FPS) - 5
    ankles["left"][k], ankles["right"][k] = ankles["right"][k].copy(), ankles["left"][k].copy()
    td = foot_stop(t, ankles, FOOT_X_M, TD_S + 6 / FPS, FPS, STATURE_M, EventSettings())[0]
    assert abs(td - TD_S) * FPS <= 3.5  # 1 cm noise alone moves it up to 3 frames


def test_no_usable_ankle_gives_nan():
    t, ankles = _landing(0.5)
    empty = {side: np.full_like(a, np.nan) for side, a in ankles.items()}
    assert np.isnan(foot_stop(t, empty, FOOT_X_M, TD_S, FPS, STATURE_M, EventSettings())[0])


@pytest.mark.parametrize("seed_error_m", [-0.12, 0.0, 0.08])
def test_the_foot_place_is_where_the_ankle_comes_to_rest_not_the_seed(seed_error_m):
    # The circle's foot place (the seed) can be off by a foot length when the model garbles
    # the stance; the stop's plateau is read off the ankle itself.
    t, ankles = _landing(0.5, lift_m=0.12, noise_m=0.005, seed=1)
    seed_x = FOOT_X_M + seed_error_m
    td, x = foot_stop(t, ankles, seed_x, TD_S + 8 / FPS, FPS, STATURE_M, EventSettings())
    assert abs(x - FOOT_X_M) < 0.01
    assert abs(td - TD_S) * FPS <= 2.5


def test_no_usable_ankle_gives_no_place_either():
    t, ankles = _landing(0.5)
    empty = {side: np.full_like(a, np.nan) for side, a in ankles.items()}
    td, x = foot_stop(t, empty, FOOT_X_M, TD_S, FPS, STATURE_M, EventSettings())
    assert np.isnan(td) and np.isnan(x)
