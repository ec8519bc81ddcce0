"""First movement on hip tracks whose early rise is clean, or stalls as the pose model's does."""

from __future__ import annotations

import numpy as np
import pytest

from sprintlab.events import EventSettings, detect_first_movement

FPS = 240.0
ONSET_S = 1.0


def _hip_x(stall_s: float) -> tuple[np.ndarray, np.ndarray]:
    """Hip x from rest: 5 m/s² from ``ONSET_S``; optionally a stall at 0.25 m/s for ``stall_s``
    (keypoints sticking as the athlete rises), then on towards 8 m/s."""
    t = np.arange(0.0, 3.0, 1 / FPS)
    v = np.zeros_like(t)
    knee = ONSET_S + 0.05  # 0.25 m/s reached
    rise = (t >= ONSET_S) & (t < knee)
    v[rise] = 5.0 * (t[rise] - ONSET_S)
    after = t >= knee
    tt = np.maximum(0.0, t[after] - knee - stall_s)
    v[after] = np.minimum(8.0, 0.25 + 8.0 * tt)
    x = np.cumsum(v) / FPS
    return t, x


def test_a_clean_rise_is_extrapolated_to_its_onset():
    t, x = _hip_x(stall_s=0.0)
    fm = detect_first_movement(t, x, FPS, EventSettings())
    assert fm.time_s == pytest.approx(ONSET_S, abs=0.015)


@pytest.mark.parametrize("stall_s", [0.04, 0.07])
def test_a_stall_in_the_rise_does_not_push_first_movement_to_the_threshold(stall_s):
    # The stall keeps the speed under the 0.3 m/s threshold, which is crossed only after it
    # (>= 1.09 s); first movement must stay near the rise's own start.
    t, x = _hip_x(stall_s)
    fm = detect_first_movement(t, x, FPS, EventSettings())
    assert fm.detect_time_s >= ONSET_S + 0.05 + stall_s - 0.02
    assert abs(fm.time_s - ONSET_S) <= 0.04, fm


def test_a_first_movement_that_stalls_and_slides_back_is_found_where_the_body_left_rest():
    # Rendered clip, pose keypoints: the trunk points moved 2 cm forward from the onset, slid
    # back 0.5 cm over 40 ms (the speed fell to ~0.1 m/s, under half the threshold), then the
    # sprint went on. The speed alone put first movement at the second rise, ~70 ms late.
    t = np.arange(0.0, 3.0, 1 / FPS)
    rng = np.random.default_rng(2)
    x = rng.normal(0.0, 0.0005, t.size)  # rest, 0.5 mm keypoint scatter
    u = t - ONSET_S
    first = (u >= 0) & (u < 0.05)
    x[first] += 0.02 * (u[first] / 0.05) ** 2
    slide = (u >= 0.05) & (u < 0.09)
    x[slide] += 0.02 - 0.005 * (u[slide] - 0.05) / 0.04
    go = u >= 0.09
    x[go] += 0.015 + 4.0 * (u[go] - 0.09) ** 2
    fm = detect_first_movement(t, x, FPS, EventSettings())
    assert fm.detect_time_s >= ONSET_S + 0.09  # the threshold is crossed only after the slide
    # Where the body is 3 mm from rest: 19 ms after the onset at this slow first acceleration.
    assert 0.0 <= fm.time_s - ONSET_S <= 0.02, fm


@pytest.mark.parametrize(("creep_m", "creep_s"), [(0.005, 0.25), (0.015, 0.5)])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_set_position_creeping_forward_does_not_pull_first_movement_early(creep_m, creep_s, seed):
    # A few mm of slow drift before a clean start (the set position settling, keypoints sliding)
    # is not a first movement: the onset stays where the speed puts it.
    t, x = _hip_x(stall_s=0.0)
    rng = np.random.default_rng(seed)
    u = t - (ONSET_S - creep_s)
    x = x + creep_m * np.clip(u / creep_s, 0.0, 1.0) + rng.normal(0.0, 0.0005, t.size)
    fm = detect_first_movement(t, x, FPS, EventSettings())
    assert abs(fm.time_s - ONSET_S) <= 0.015, fm
