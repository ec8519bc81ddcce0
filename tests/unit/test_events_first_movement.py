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
