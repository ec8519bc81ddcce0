"""What the measured error of a metric means for comparing two reps."""

from __future__ import annotations

import math

import pytest

from sprintlab.measured_error import (
    MEASURED_LIMITS,
    TYPICAL_STEP_FREQUENCY_HZ,
    measured_sd,
    real_change,
)


def test_a_real_change_is_wider_than_one_reps_limits_by_root_two():
    low, high = MEASURED_LIMITS["step_length_m"]
    assert measured_sd("step_length_m") == pytest.approx((high - low) / 3.92)
    # The difference of two independent errors: sqrt(2) x one rep's half-width of the limits.
    assert real_change("step_length_m") == pytest.approx(math.sqrt(2) * (high - low) / 2)


def test_step_frequency_error_follows_from_step_time():
    sd_t = measured_sd("step_time_s")
    assert measured_sd("step_frequency_hz") == pytest.approx(TYPICAL_STEP_FREQUENCY_HZ**2 * sd_t)


def test_a_metric_not_measured_has_no_threshold():
    assert math.isnan(real_change("knee_angle_td_deg"))
