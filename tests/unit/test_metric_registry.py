"""The one registry of metrics (sprintlab.metric_registry) and those that read it."""

from __future__ import annotations

import math

import pytest

from sprintlab.measured_error import MEASURED_LIMITS
from sprintlab.metric_registry import METRICS, digits_of, header_of
from sprintlab.plausibility import PLAUSIBLE_CONTACT_S
from sprintlab.steps import STEP_FIELDS


def test_every_step_field_and_rep_metric_is_defined_once():
    from sprintlab.library import REP_METRIC_COLUMNS

    for name in (*STEP_FIELDS, "split_5yd_s", "split_10yd_s", "peak_hip_velocity_mps"):
        m = METRICS[name]
        assert m.label and m.definition and m.header, name
    shown = [c for c in REP_METRIC_COLUMNS if c in METRICS]
    assert len(shown) >= 12
    # Units agree with the unit suffix of the name.
    for m in METRICS.values():
        if m.name.endswith("_s") and not m.name.endswith("_source"):
            assert m.unit == "s", m.name
        if m.name.endswith("_deg"):
            assert m.unit == "°" and m.digits == 0, m.name


def test_decimals_are_no_finer_than_measured():
    # Each metric's last shown digit is not finer than a tenth of its measured 95% half-width.
    for name, (low, high) in MEASURED_LIMITS.items():
        if name not in METRICS:
            continue
        half = (high - low) / 2
        assert 10 ** -METRICS[name].digits >= half / 100, name
    assert digits_of("shin_angle_td_deg") == 0
    assert digits_of("contact_time_s") == 3
    assert digits_of("something_new_s") == 3 and digits_of("x_deg") == 0
    assert digits_of("best_10yd_s") == digits_of("split_10yd_s") == 2


def test_values_format_at_their_decimals_and_missing_is_a_dash():
    assert METRICS["contact_time_s"].format(0.12149) == "0.121 s"
    assert METRICS["shin_angle_td_deg"].format(47.826) == "48 °"
    assert METRICS["step_length_m"].format(None) == "–"
    assert METRICS["step_length_m"].format(math.nan) == "–"
    assert METRICS["foot"].format("left") == "left"


def test_readers_take_labels_headers_ranges_and_errors_from_it():
    from sprintlab.dashboard import data
    from sprintlab.viz import figures

    assert figures.label_of("contact_time_s") == "Contact time (s)"
    assert figures.FIELD_HELP["flight_time_s"] == METRICS["flight_time_s"].definition
    assert data.DIFF_DIGITS["step_length_m"] == METRICS["step_length_m"].digits
    assert header_of("split_10yd_s") == "10 yd s"
    assert PLAUSIBLE_CONTACT_S == METRICS["contact_time_s"].plausible == (0.06, 0.40)
    assert METRICS["contact_time_s"].measured_limits == MEASURED_LIMITS["contact_time_s"]
    assert METRICS["step_length_m"].real_change == pytest.approx(
        data.MEANINGFUL_CHANGE["step_length_m"]
    )
    assert METRICS["tau_s"].measured_limits is None and math.isnan(METRICS["tau_s"].real_change)
