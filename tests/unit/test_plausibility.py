"""Values a sprint start cannot produce are flagged, never hidden or changed."""

from __future__ import annotations

import math

from sprintlab.plausibility import implausible_values, implausible_warning


def _step(n, ct=0.15, v=6.0, shin=55.0):
    return {"number": n, "contact_time_s": ct, "step_velocity_mps": v, "shin_angle_td_deg": shin}


def test_plausible_steps_raise_no_flag():
    steps = [_step(1, 0.20, 4.0, 45.0), _step(2, 0.17, 5.5, 52.0), _step(3, 0.15, 6.5, 58.0)]
    assert implausible_values(steps, 8.0) == []
    assert implausible_warning([]) is None


def test_each_kind_of_implausible_value_is_named_with_its_step():
    steps = [
        _step(1, 0.045, 4.0, 45.0),  # contact too short
        _step(2, 0.17, 10.1, 50.0),  # faster than the rep's peak
        _step(3, 0.45, 6.0, 74.0),  # contact too long, shin +24 deg from step 2
        _step(4, math.nan, math.nan, math.nan),  # missing: nothing to flag
    ]
    found = implausible_values(steps, 9.42)
    assert [(f.step, f.metric) for f in found] == [
        (1, "contact_time_s"),
        (2, "step_velocity_mps"),
        (3, "contact_time_s"),
        (3, "shin_angle_td_deg"),
    ]
    assert "9.4 m/s" in found[1].why and "10.1" in found[1].why
    assert "steps 2 and 3" in found[3].why
    note = implausible_warning(found)
    assert note.startswith("4 value(s)") and note.endswith("Check those steps on the video.")


def test_a_shin_jump_across_a_missed_step_is_not_a_jump():
    steps = [_step(1, shin=45.0), _step(3, shin=70.0)]  # step 2 missed: 25 deg over two steps
    assert implausible_values(steps, 8.0) == []


def test_no_peak_velocity_no_velocity_flag():
    assert implausible_values([_step(1, v=12.0)], math.nan) == []
