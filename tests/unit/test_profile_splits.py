import math

import numpy as np
import pytest

from sprintlab.profile import crossing_time_s, split_times
from sprintlab.units import YARD_M


def test_crossing_time_linear_motion_is_exact():
    t = np.arange(0, 3, 1 / 240)
    x = -0.5 + 5.0 * t
    assert crossing_time_s(t, x, 4.572, 0.0) == pytest.approx((4.572 + 0.5) / 5.0)


def test_split_times_from_first_movement_and_missing_lines():
    fm = 0.4
    t = np.arange(0, 2.5, 1 / 120)
    x = np.where(t < fm, -0.4, -0.4 + 6.0 * (t - fm))
    splits, warnings = split_times(t, x, fm)
    assert splits["5yd_s"] == pytest.approx((5 * YARD_M + 0.4) / 6.0, abs=1e-9)
    assert splits["10yd_s"] == pytest.approx((10 * YARD_M + 0.4) / 6.0, abs=1e-9)
    assert math.isnan(splits["20yd_s"])
    assert not warnings  # 5 and 10 yards are in view
    _, warnings = split_times(t[:150], x[:150], fm)
    assert any("10yd" in w for w in warnings)


def test_no_interpolation_across_a_gap():
    t = np.arange(0, 2, 1 / 100)
    x = 5.0 * t
    x[85:100] = np.nan  # the 5-yard crossing (t = 0.914) falls in the gap
    assert math.isnan(crossing_time_s(t, x, 4.572, 0.0))
