"""Velocity-curve fits, split fits and the force–velocity profile (sprintlab.profile)."""

import json
import math

import numpy as np
import pytest

from sprintlab.errors import AnalysisError
from sprintlab.profile import (
    FVProfile,
    ProfileError,
    VelocityFit,
    drag_factor_kg_per_m,
    fit_splits,
    fit_velocity_curve,
    fit_velocity_trace,
    force_velocity_profile,
    model_position_m,
    model_velocity_mps,
    parse_splits,
    predict_splits,
)
from sprintlab.units import G_MPS2, YARD_M

V_MAX, TAU, T0, X0 = 9.3, 0.85, 0.4, -0.45


def _fit(v_max: float, tau: float, t0: float = 0.0, x0: float = 0.0) -> VelocityFit:
    """A VelocityFit with given parameters (for prediction and profile tests)."""
    return VelocityFit(
        v_max_mps=v_max, tau_s=tau, t0_s=t0, x0_m=x0, rmse_m=0.0, rmse_mps=math.nan,
        rmse_s=0.0, r2=math.nan, fraction_of_vmax_in_view=1.0, n_points=5, n_params=3,
        source="splits", reliable=True, reason="",
    )  # fmt: skip


# ------------------------------------------------------------------ position data (video)


def test_position_fit_recovers_noise_free_parameters_exactly():
    t = np.arange(0, 3.0, 1 / 120)
    x = model_position_m(t, V_MAX, TAU, T0, X0)
    fit = fit_velocity_curve(t, x)
    assert fit.v_max_mps == pytest.approx(V_MAX, abs=1e-6)
    assert fit.tau_s == pytest.approx(TAU, abs=1e-6)
    assert fit.t0_s == pytest.approx(T0, abs=1e-6)
    assert fit.x0_m == pytest.approx(X0, abs=1e-6)
    assert fit.rmse_m < 1e-9 and fit.r2 == pytest.approx(1.0, abs=1e-12)
    expected_fraction = 1 - math.exp(-(t[-1] - T0) / TAU)
    assert fit.fraction_of_vmax_in_view == pytest.approx(expected_fraction, abs=1e-6)
    assert fit.reliable and fit.reason == "" and fit.source == "position"
    assert fit.n_params == 4 and fit.n_points == t.size


def test_position_fit_ignores_nan_and_drops_setup_before_first_movement():
    t = np.arange(0, 3.5, 1 / 240)
    x = model_position_m(t, V_MAX, TAU, T0 + 0.5, X0)
    x[:60] = X0 - 0.8  # setting up in the stance, more than 0.5 s before first movement
    x[200:260] = np.nan  # a dropout
    x[500] = np.nan
    fit = fit_velocity_curve(t, x, first_movement_s=T0 + 0.5)
    assert fit.n_points == int(np.sum(t >= T0)) - 61
    assert (fit.v_max_mps, fit.tau_s, fit.t0_s, fit.x0_m) == pytest.approx(
        (V_MAX, TAU, T0 + 0.5, X0), abs=1e-6
    )


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_position_fit_with_2cm_noise_is_within_a_few_percent(seed):
    rng = np.random.default_rng(seed)
    t = np.arange(0, 3.5, 1 / 120)
    x = model_position_m(t, V_MAX, TAU, T0, X0) + rng.normal(0, 0.02, t.size)
    fit = fit_velocity_curve(t, x)
    assert fit.v_max_mps == pytest.approx(V_MAX, rel=0.02)
    assert fit.tau_s == pytest.approx(TAU, rel=0.05)
    assert fit.t0_s == pytest.approx(T0, abs=0.02)
    assert fit.rmse_m == pytest.approx(0.02, rel=0.15)
    assert fit.reliable


def test_short_clip_is_flagged_and_gives_no_profile():
    # 1 s of running with τ = 0.85 s shows 1 − e^(−1/0.85) ≈ 69 % of v_max
    t = np.arange(0, T0 + 1.0, 1 / 240)
    fit = fit_velocity_curve(t, model_position_m(t, V_MAX, TAU, T0, X0))
    assert fit.v_max_mps == pytest.approx(V_MAX, abs=1e-5)  # noise-free, so still exact
    assert fit.fraction_of_vmax_in_view == pytest.approx(1 - math.exp(-1.0 / TAU), abs=0.01)
    assert not fit.reliable
    assert "69% of the estimated top speed" in fit.reason
    with pytest.raises(ProfileError, match="No force–velocity profile"):
        force_velocity_profile(fit, mass_kg=80, height_m=1.8)
    fv = force_velocity_profile(fit, mass_kg=80, height_m=1.8, require_reliable=False)
    assert not fv.reliable and fv.reason == fit.reason


def test_position_fit_refuses_too_little_data():
    t = np.arange(0, 0.05, 1 / 120)
    with pytest.raises(ProfileError, match="Too few frames"):
        fit_velocity_curve(t, model_position_m(t, V_MAX, TAU, 0.0, 0.0))
    t = np.arange(0, 2, 1 / 120)
    with pytest.raises(ProfileError, match="less than 1 m"):
        fit_velocity_curve(t, np.full(t.size, 0.3))
    with pytest.raises(ProfileError, match="same length"):
        fit_velocity_curve(t, t[:-1])


# ------------------------------------------------------------------ velocity traces


def test_velocity_trace_recovers_parameters_and_leaves_out_deceleration():
    t = np.arange(-0.3, 6.5, 0.01)
    v = model_velocity_mps(t, 8.9, 1.25, 0.15)
    fit = fit_velocity_trace(t, v)
    assert (fit.v_max_mps, fit.tau_s, fit.t0_s) == pytest.approx((8.9, 1.25, 0.15), abs=1e-6)
    assert fit.rmse_mps < 1e-9 and fit.reliable and fit.x0_m == 0.0
    # A run that slows down after 5.5 s: the tail is dropped and the fit stays exact.
    v_dec = np.where(t > 5.5, v - 0.8 * (t - 5.5), v)
    fit = fit_velocity_trace(t, v_dec)
    assert fit.n_points < t.size
    assert (fit.v_max_mps, fit.tau_s, fit.t0_s) == pytest.approx((8.9, 1.25, 0.15), abs=1e-6)
    # Without the trimming the deceleration pulls v_max down.
    assert fit_velocity_trace(t, v_dec, until_peak=False).v_max_mps < 8.9 - 0.05


def test_velocity_trace_with_radar_noise():
    rng = np.random.default_rng(7)
    t = np.arange(0, 5, 0.01)
    v = model_velocity_mps(t, 9.0, 1.1, 0.05) + rng.normal(0, 0.2, t.size)
    fit = fit_velocity_trace(t, v)
    assert fit.v_max_mps == pytest.approx(9.0, rel=0.01)
    assert fit.tau_s == pytest.approx(1.1, rel=0.03)
    assert fit.rmse_mps == pytest.approx(0.2, rel=0.1)
    assert fit.reliable


# ------------------------------------------------------------------ split times


DISTANCES_M = np.array([5, 10, 20, 40]) * YARD_M


def test_split_fit_with_time_shift_is_exact_from_three_and_more_splits():
    truth = _fit(8.8, 0.9, -0.2)
    times = predict_splits(truth, DISTANCES_M)
    for idx in ([1, 2, 3], [0, 1, 2, 3]):
        fit = fit_splits(DISTANCES_M[idx], times[idx])
        assert fit.n_params == 3 and fit.source == "splits"
        assert (fit.v_max_mps, fit.tau_s, fit.t0_s) == pytest.approx((8.8, 0.9, -0.2), abs=1e-6)
        assert fit.rmse_s < 1e-9 and fit.rmse_m < 1e-8 and fit.reliable
    # three splits, three parameters: reliable, with a note that nothing could be checked
    assert "cannot be checked" in fit_splits(DISTANCES_M[1:], times[1:]).reason


def test_split_fit_without_shift_from_two_splits_is_exact():
    truth = _fit(9.5, 0.75, 0.0)
    times = predict_splits(truth, DISTANCES_M)
    fit = fit_splits(DISTANCES_M[[1, 3]], times[[1, 3]])  # 2 splits: plain 2-parameter fit
    assert fit.n_params == 2 and fit.t0_s == 0.0
    assert (fit.v_max_mps, fit.tau_s) == pytest.approx((9.5, 0.75), abs=1e-6)
    fit = fit_splits(DISTANCES_M, times, time_shift=False)
    assert fit.n_params == 2
    assert (fit.v_max_mps, fit.tau_s) == pytest.approx((9.5, 0.75), abs=1e-6)


def test_split_fit_with_hundredth_second_rounding_is_within_a_few_percent():
    truth = _fit(8.6, 1.0, -0.25)
    distances = np.array([5.0, 10.0, 15.0, 20.0, 30.0, 40.0])
    times = np.round(predict_splits(truth, distances), 2)  # timing gates print 0.01 s
    fit = fit_splits(distances, times)
    assert fit.v_max_mps == pytest.approx(8.6, rel=0.02)
    assert fit.tau_s == pytest.approx(1.0, rel=0.05)
    assert fit.t0_s == pytest.approx(-0.25, abs=0.03)
    assert fit.rmse_s < 0.005 and fit.reliable


def test_predict_splits_inverts_the_position_model():
    fit = _fit(9.1, 0.8, 0.35, -0.4)
    d = np.array([-0.5, -0.4, 4.572, 9.144, 36.576])
    t = predict_splits(fit, d)
    assert np.isnan(t[0]) and np.isnan(t[1])  # at or behind the resting position
    np.testing.assert_allclose(fit.position_m(t[2:]), d[2:], atol=1e-9)
    np.testing.assert_allclose(predict_splits(fit, d, clock_start_s=0.35), t - 0.35)


@pytest.mark.parametrize(
    ("distances", "times", "match"),
    [
        ([9.144], [1.6], "At least two split times"),
        ([9.144, 36.576, 18.288], [1.6, 4.5, 2.7], "increasing order"),
        ([9.144, 9.144], [1.6, 1.7], "increasing order"),
        ([9.144, 18.288], [1.6, 1.5], "must increase with distance"),
        ([9.144, 18.288], [-1.6, 2.7], "must be positive"),
        ([0.0, 18.288], [1.0, 2.7], "must be positive"),
        ([9.144, 36.576], [0.6, 4.5], "faster than any human"),  # 15 m/s over 10 yd
        ([9.144, 36.576], [1.6, 1.9], "faster than any human"),  # 91 m/s from 10 to 40 yd
        ([9.144, 36.576], [1.6], "one time for each"),
        ([9.144, 18.288, 36.576], [1.6, math.nan, math.nan], "At least two split times"),
    ],
)
def test_bad_splits_raise_a_clear_error(distances, times, match):
    with pytest.raises(ProfileError, match=match) as info:
        fit_splits(distances, times)
    assert isinstance(info.value, AnalysisError)


def test_missing_split_is_dropped():
    truth = _fit(8.8, 0.9, 0.0)
    times = predict_splits(truth, DISTANCES_M)
    times[2] = math.nan  # the 20-yard line was not timed
    fit = fit_splits(DISTANCES_M, times)
    assert fit.n_points == 3
    assert (fit.v_max_mps, fit.tau_s, fit.t0_s) == pytest.approx((8.8, 0.9, 0.0), abs=1e-6)


def test_parse_splits_yards_and_metres():
    assert parse_splits("10yd=1.62,20yd=2.68,40yd=4.52") == {
        9.144: 1.62,
        18.288: 2.68,
        36.576: 4.52,
    }
    assert parse_splits(" 10 m = 1.80s ; 5m=1.05;30 metres:4.3 ") == {
        5.0: 1.05,
        10.0: 1.8,
        30.0: 4.3,
    }
    assert parse_splits("40 yards=4.4, 10y=1.5") == {9.144: 1.5, 36.576: 4.4}


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("", "No split times"),
        ("10ft=1.6", "Cannot read"),
        ("10yd=fast", "Cannot read"),
        ("10yd=1.6,10yd=1.7", "given twice"),
        ("10yd 1.6", "Cannot read"),
    ],
)
def test_parse_splits_rejects_bad_text(text, match):
    with pytest.raises(ProfileError, match=match):
        parse_splits(text)


# ------------------------------------------------------------------ force–velocity profile


def test_drag_factor_by_hand():
    # ρ = 1.293·(760/760)·273/293 = 1.204741 kg/m³
    # A_f = 0.2025·1.8^0.725·80^0.425·0.266 = 0.2025·1.531265·6.441049·0.266 = 0.531120 m²
    # k = 0.5·1.204741·0.531120·0.9 = 0.287938 kg/m
    assert drag_factor_kg_per_m(80, 1.8) == pytest.approx(0.287938, abs=1e-6)
    # 30 °C and 700 mmHg: ρ = 1.293·(700/760)·273/303 = 1.073010
    assert drag_factor_kg_per_m(80, 1.8, 30, 700) == pytest.approx(
        0.5 * 1.073010 * 0.531120 * 0.9, rel=1e-5
    )


def test_force_velocity_profile_against_hand_calculation():
    m, v_max, tau, k = 80.0, 9.0, 1.0, 0.287938
    fv = force_velocity_profile(_fit(v_max, tau, 0.3), mass_kg=m, height_m=1.8)
    assert isinstance(fv, FVProfile)
    assert fv.drag_k_kg_per_m == pytest.approx(k, abs=1e-6)
    k = fv.drag_k_kg_per_m  # the unrounded value, for the 1e-9 comparisons below
    # The F–v line: least squares of F_H = m·(v_max − v)/τ + k·v² against v, over the model
    # curve sampled every 0.01 s from 0 to 6 s (the time shift plays no part).
    tp = np.arange(601) * 0.01
    v = v_max * (1 - np.exp(-tp / tau))
    f = m * (v_max - v) / tau + k * v**2
    slope = np.sum((v - v.mean()) * (f - f.mean())) / np.sum((v - v.mean()) ** 2)
    f0 = f.mean() - slope * v.mean()
    assert fv.F0_n == pytest.approx(f0, rel=1e-9)
    # Drag bends the line: F0 is a little below m·v_max/τ = 720 N, V0 a little above v_max.
    assert fv.F0_n == pytest.approx(713.256, abs=1e-3)
    assert fv.V0_mps == pytest.approx(-f0 / slope, rel=1e-9)
    assert fv.V0_mps == pytest.approx(9.2912, abs=1e-4)
    assert fv.F0_n_per_kg == pytest.approx(fv.F0_n / m)
    assert fv.Pmax_w == pytest.approx(713.256 * 9.2912 / 4, rel=1e-5)
    assert fv.Pmax_w_per_kg == pytest.approx(fv.Pmax_w / m)
    assert fv.fv_slope == pytest.approx(-fv.F0_n_per_kg / fv.V0_mps, rel=1e-9)
    # RF is largest at the first sample after 0.3 s (t' = 0.31 s):
    a31, v31 = 9.0 * math.exp(-0.31), 9.0 * (1 - math.exp(-0.31))
    f31 = m * a31 + k * v31**2
    assert fv.RF_max == pytest.approx(f31 / math.hypot(f31, m * G_MPS2), rel=1e-6)
    rf = f / np.hypot(f, m * G_MPS2)
    late = tp > 0.3
    drf = np.sum((v[late] - v[late].mean()) * (rf[late] - rf[late].mean())) / np.sum(
        (v[late] - v[late].mean()) ** 2
    )
    assert fv.DRF == pytest.approx(drf, rel=1e-9)
    assert 0.999 < fv.fv_r2 < 1.0


def test_force_velocity_profile_matches_published_shorts_example():
    # shorts README (Jovanović): MSS 8.5911 m/s, TAU 0.8113 s, 60 kg, 1.70 m, its default 25 °C:
    # F0 6.3e2 N, F0_rel 1.1e1 N/kg, V0 8.8 m/s, Pmax 1.4e3 W, FV_slope −1.2, RFmax 0.60, Drf −0.10
    fv = force_velocity_profile(_fit(8.5911, 0.8113), mass_kg=60, height_m=1.70, temperature_c=25)
    assert round(fv.F0_n, -1) == 630
    assert round(fv.F0_n_per_kg, 0) == 11
    assert round(fv.V0_mps, 1) == 8.8
    assert round(fv.Pmax_w, -2) == 1400
    assert round(fv.fv_slope, 1) == -1.2
    assert round(fv.RF_max, 2) == 0.59  # shorts prints 6.0e-01 (0.5947 here)
    assert round(fv.DRF, 2) == -0.10


@pytest.mark.parametrize(
    ("mass", "height", "match"),
    [
        (None, 1.8, "Body mass is needed"),
        (math.nan, 1.8, "Body mass is needed"),
        (400.0, 1.8, "not plausible"),  # pounds?
        (80.0, None, "height is needed"),
        (80.0, 180.0, "not plausible"),  # centimetres?
    ],
)
def test_force_velocity_profile_needs_mass_and_height(mass, height, match):
    with pytest.raises(ProfileError, match=match):
        force_velocity_profile(_fit(9.0, 1.0), mass_kg=mass, height_m=height)


def test_to_dict_is_json_ready():
    fit = _fit(9.0, 1.0)
    d = fit.to_dict()
    assert d["rmse_mps"] is None and d["max_acceleration_mps2"] == 9.0 and d["at_bound"] is False
    json.dumps(d, allow_nan=False)
    fv = force_velocity_profile(fit, mass_kg=80, height_m=1.8)
    d = fv.to_dict()
    assert d["fit_rmse_mps"] is None and d["F0_n"] == pytest.approx(fv.F0_n)
    json.dumps(d, allow_nan=False)


def test_velocity_fit_validates():
    with pytest.raises(ValueError, match="tau_s"):
        _fit(9.0, -1.0)
    with pytest.raises(ValueError, match="v_max_mps"):
        _fit(math.nan, 1.0)
