"""The foot's place on the ground from the early stance (``foot_place``)."""

from __future__ import annotations

import numpy as np

from sprintlab.events import EventSettings, foot_place, foot_stop

FPS = 240.0
STATURE_M = 1.85
TD_S, TO_S = 0.5, 0.62
PLACE_M = 3.0
S = EventSettings()


def _stance(*, noise_m: float = 0.0, pulled_m: float = 0.0, seed: int = 0, to_s: float = TO_S):
    """The landing ankle still at ``PLACE_M`` from ``TD_S``, rolling forward over the ball of the
    foot in the second half of the contact (8 cm by toe-off), then gone; optionally noisy, and
    pulled forward onto the swing foot by ``pulled_m`` for 4 frames (as the pose model does
    when the swing foot passes). The other ankle swings past, high."""
    t = np.arange(0.0, 1.0, 1 / FPS)
    half = TD_S + 0.5 * (to_s - TD_S)
    x = PLACE_M + 0.08 * np.clip((t - half) / (to_s - half), 0.0, None) ** 2
    x = np.where(t < TD_S, PLACE_M - 4.0 * (TD_S - t), x)
    y = np.where((t >= TD_S) & (t <= to_s), 0.07, 0.3)
    rng = np.random.default_rng(seed)
    x = x + rng.normal(0.0, noise_m, t.size)
    i = round((TD_S + 0.03) * FPS)
    x[i : i + 4] += pulled_m
    other = np.stack([PLACE_M - 1.0 + 8.0 * (t - TD_S), np.full_like(t, 0.35)], axis=1)
    return t, {"left": np.stack([x, y], axis=1), "right": other}


def test_an_exact_stance_gives_the_place():
    t, ankles = _stance()
    assert abs(foot_place(t, ankles, PLACE_M + 0.05, TD_S, TO_S, STATURE_M, S) - PLACE_M) < 0.002


def test_scatter_and_a_pull_onto_the_swing_foot_are_averaged_out():
    place, plateau = [], []
    for seed in range(20):
        t, ankles = _stance(noise_m=0.03, pulled_m=0.25, seed=seed)
        place.append(foot_place(t, ankles, PLACE_M, TD_S, TO_S, STATURE_M, S) - PLACE_M)
        plateau.append(foot_stop(t, ankles, PLACE_M, TD_S, FPS, STATURE_M, S)[1] - PLACE_M)
    # 3 cm per-frame scatter and 4 of 15 frames 25 cm off: within 2.5 cm, and less than half
    # the error of the touchdown fit's plateau, which sees only the first frames of stance.
    assert np.mean(np.abs(place)) < 0.025
    assert np.mean(np.abs(place)) < 0.5 * np.mean(np.abs(plateau))


def test_the_roll_over_the_ball_of_the_foot_is_left_out():
    to_s = TD_S + 0.08  # a contact near top speed
    t, ankles = _stance(to_s=to_s)
    long_window = EventSettings(place_window_s=0.2)  # only half the contact bounds it
    assert abs(foot_place(t, ankles, PLACE_M, TD_S, to_s, STATURE_M, long_window) - PLACE_M) < 0.002
    whole = EventSettings(place_window_s=0.2, place_stance_frac=1.0)
    assert foot_place(t, ankles, PLACE_M, TD_S, to_s, STATURE_M, whole) - PLACE_M > 0.01


def test_a_touchdown_placed_early_does_not_pull_the_place_back_onto_the_approach():
    t, ankles = _stance()
    ankles["left"][:, 1] = np.where(t >= TD_S - 0.04, 0.07, ankles["left"][:, 1])  # low approach
    early = TD_S - 9 / FPS  # the approaching foot is 1.5-15 cm behind in these frames
    # (a plain mean over the 60 ms from the early touchdown lands 2.8 cm behind)
    assert abs(foot_place(t, ankles, PLACE_M, early, TO_S, STATURE_M, S) - PLACE_M) < 0.01


def test_no_low_ankle_gives_nan():
    t, ankles = _stance()
    high = {side: np.stack([a[:, 0], np.full(t.size, 1.0)], axis=1) for side, a in ankles.items()}
    assert np.isnan(foot_place(t, high, PLACE_M, TD_S, TO_S, STATURE_M, S))
