"""The 20/40-yard estimate from a partial view and the combine statistics shipped with it."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sprintlab import combine
from sprintlab.profile import (
    ProfileError,
    _run_time_s,
    fit_velocity_curve,
    model_position_m,
)
from sprintlab.units import YARD_M

D20, D40 = 20 * YARD_M, 40 * YARD_M


def _stats(tau=(0.7, 0.8, 0.9), r40=(0.33, 0.35, 0.37), r20=(0.57, 0.60, 0.63), n=50) -> dict:
    """A hand-made statistics file: one WR group, everyone else in ALL."""

    def entry(scale=1.0):
        return {
            "ratio_10_40": {"n": n, "q025": r40[0], "median": r40[1], "q975": r40[2]},
            "ratio_10_20": {"n": n, "q025": r20[0], "median": r20[1], "q975": r20[2]},
            "tau_s": {
                "n": n, "n_at_bound": 0, "q025": tau[0] * scale, "q25": tau[1] * scale,
                "median": tau[1] * scale, "q75": tau[1] * scale, "q975": tau[2] * scale,
            },
        }  # fmt: skip

    return {
        "format": combine.STATS_FORMAT,
        "min_group_size": 20,
        "position_group_of": {"WR": "WR", "CB": "DB"},
        "all": entry(1.1),
        "positions": {"WR": entry(), "CB": {**entry(), "tau_s": {**entry()["tau_s"], "n": 3}}},
        "position_groups": {"WR": entry(), "DB": entry(0.95)},
    }


def _run(v_max=9.3, tau=0.8, t_fm=0.4, x_rest=-0.4, view_s=2.6, fps=120.0):
    """Hip positions of an exact model run, still at ``x_rest`` before first movement."""
    t = np.arange(0.0, view_s, 1 / fps)
    x = model_position_m(t, v_max, tau, t_fm, x_rest)
    return t, x


def _truth(v_max, tau, t_fm, x_rest, d):
    return float(_run_time_s(np.array([d - x_rest]), v_max, tau)[0])  # model starts at t_fm


def test_exact_run_with_the_right_tau_gives_the_true_times():
    t, x = _run()
    fit = fit_velocity_curve(t, x, first_movement_s=0.4)
    t10 = _truth(9.3, 0.8, 0.4, -0.4, 10 * YARD_M)
    est = combine.estimate_from_partial_view(
        t, x, 0.4, fit, split_10yd_s=t10, position="WR", stats=_stats()
    )
    assert est.group == est.tau_group == "WR" and est.tau_s == 0.8
    assert est.t20_s == pytest.approx(_truth(9.3, 0.8, 0.4, -0.4, D20), abs=1e-4)
    assert est.t40_s == pytest.approx(_truth(9.3, 0.8, 0.4, -0.4, D40), abs=1e-4)
    assert est.v_max_mps == pytest.approx(9.3, abs=1e-3) and est.rmse_m < 1e-5
    # The band holds the τ-quantile curves and the ratio estimates.
    assert est.t40_low_s < est.t40_s < est.t40_high_s
    assert est.t40_low_s <= t10 / 0.37 and est.t40_high_s >= t10 / 0.33
    assert est.t40_ratio_s == pytest.approx(t10 / 0.35)
    # 93 % of top speed in view and an exact fit: the clip's own curve gives the same times.
    assert est.method == "own curve" and est.t40_own_s == pytest.approx(est.t40_curve_s, abs=1e-4)
    assert est.t20_low_s < est.t20_s < est.t20_high_s < est.t40_low_s
    assert est.view_m == pytest.approx(x.max())
    d = est.to_dict()
    assert d["group"] == "WR" and d["t40_s"] == est.t40_s


def test_larger_tau_at_the_same_start_means_a_faster_40():
    # The first 12 yards fix v_max/τ; a larger τ then means a higher v_max and a faster finish.
    t, x = _run()
    fit = fit_velocity_curve(t, x, first_movement_s=0.4)
    t10 = _truth(9.3, 0.8, 0.4, -0.4, 10 * YARD_M)
    slow = combine.estimate_from_partial_view(
        t, x, 0.4, fit, split_10yd_s=t10, stats=_stats(tau=(0.6, 0.7, 0.8))
    )
    fast = combine.estimate_from_partial_view(
        t, x, 0.4, fit, split_10yd_s=t10, stats=_stats(tau=(0.8, 0.9, 1.0))
    )
    assert fast.t40_curve_s < slow.t40_curve_s
    # A clip that does not pin τ by itself (a slow accelerator, τ = 1.2 s, seen to ~11 m: 84 %
    # of top speed): the combine τ decides, and a smaller τ means a slower predicted 40.
    t, x = _run(tau=1.2, view_s=2.6)
    fit = fit_velocity_curve(t, x, first_movement_s=0.4)
    assert not fit.reliable and x.max() > 10 * YARD_M
    est = combine.estimate_from_partial_view(
        t, x, 0.4, fit, split_10yd_s=t10, stats=_stats(tau=(0.6, 0.7, 0.8))
    )
    assert est.method == "combine tau" and math.isnan(est.t40_own_s)
    assert est.t40_s == est.t40_curve_s > _truth(9.3, 1.2, 0.4, -0.4, D40)


def test_group_fallbacks():
    stats = _stats()
    assert combine.stats_group("wr", stats)[0] == "WR"
    assert combine.stats_group("CB", stats, "tau_s")[0] == "DB"  # too few CB τ fits: its group
    assert combine.stats_group("CB", stats, "ratio_10_40")[0] == "CB"  # enough CB ratios
    assert combine.stats_group("DB", stats)[0] == "DB"
    assert combine.stats_group(None, stats)[0] == "ALL"
    with pytest.raises(ProfileError, match="Unknown position 'XX'"):
        combine.stats_group("XX", stats)
    t, x = _run()
    fit = fit_velocity_curve(t, x, first_movement_s=0.4)
    cb = combine.estimate_from_partial_view(
        t, x, 0.4, fit, split_10yd_s=1.9, position="CB", stats=stats
    )
    assert (cb.group, cb.tau_group, cb.tau_s) == ("CB", "DB", pytest.approx(0.76))
    # An unknown position in a rep is compared with everyone rather than failing the rep.
    est = combine.estimate_from_partial_view(
        t, x, 0.4, fit, split_10yd_s=1.9, position="XX", stats=stats
    )
    assert est.group == est.tau_group == "ALL" and est.tau_s == pytest.approx(0.88)


def test_too_little_in_view_or_a_bad_fit_gives_no_estimate():
    t, x = _run(view_s=1.6)  # 1.2 s of running: about 6 m
    fit = fit_velocity_curve(t, x, first_movement_s=0.4)
    with pytest.raises(ProfileError, match="needs the 10-yard line"):
        combine.estimate_from_partial_view(t, x, 0.4, fit, split_10yd_s=math.nan, stats=_stats())
    t, x = _run()
    rng = np.random.default_rng(1)
    noisy = x + rng.normal(0.0, 0.4, x.size)  # 40 cm of noise: the curve does not hold
    fit = fit_velocity_curve(t, noisy, first_movement_s=0.4)
    with pytest.raises(ProfileError, match="misses the hip positions"):
        combine.estimate_from_partial_view(t, noisy, 0.4, fit, split_10yd_s=1.9, stats=_stats())
    with pytest.raises(ProfileError, match=r"split of 0\.04 s is outside 1\.2–3\.0 s"):
        combine.estimate_from_partial_view(t, x, 0.4, fit, split_10yd_s=0.04, stats=_stats())
    jump = x.copy()
    jump[t > 1.0] += 3.0  # the hip track jumps 3 m (another person, a bad calibration)
    fit = fit_velocity_curve(t, jump, first_movement_s=0.4)
    with pytest.raises(ProfileError, match=r"misses the hip positions|limit of the fit"):
        combine.estimate_from_partial_view(t, jump, 0.4, fit, split_10yd_s=1.9, stats=_stats())
    with pytest.raises(ProfileError, match="no clock"):
        combine.estimate_from_partial_view(t, x, math.nan, fit, split_10yd_s=1.9, stats=_stats())


def test_synthetic_sprinter_through_the_pipeline():
    """The whole analysis of a synthetic 3-point start seen to about 13 m, with the packaged
    statistics: the true 40 of the synthetic model lies in the band."""
    from sprintlab.calibration import Calibration
    from sprintlab.pipeline import analyze_track
    from sprintlab.synth import SprintParams, simulate, to_track

    params = SprintParams(v_max_mps=9.3, tau_s=0.8)
    sprint = simulate(params, 240.0, 2.6)
    track = to_track(sprint)
    calib = Calibration(image_to_world=np.eye(3), method="line", rms_residual_m=0.0)
    video = {"path": "synthetic", "capture_fps": 240.0, "width_px": 1920, "height_px": 1080}
    result = analyze_track(
        track.with_xy(track.xy, space="px"),
        calib,
        rep_id="synthetic",
        video=video,
        stature_m=1.85,
        mass_kg=95.0,
        position="WR",
    )
    profile = result.extra["profile"]
    est = profile["estimate"]
    assert est is not None, profile["estimate_reason"]
    assert profile["estimate_reason"] == "" and profile["position"] == "WR"
    # Truth: the synthetic hip follows the model from first movement (x0 = stance hip).
    hip0 = float(result.series["hip_x_m"].iloc[0])
    true40 = _truth(9.3, 0.8, 0.4, hip0, D40)
    true20 = _truth(9.3, 0.8, 0.4, hip0, D20)
    assert est["t40_low_s"] <= true40 <= est["t40_high_s"]
    assert est["t20_low_s"] <= true20 <= est["t20_high_s"]
    assert abs(est["t40_s"] - true40) < 0.15  # τ = 0.8 s is near the WR median
    print(
        f"\nsynthetic WR: est. 20 {est['t20_s']:.3f} s ({est['t20_low_s']:.3f}–"
        f"{est['t20_high_s']:.3f}), true {true20:.3f}; est. 40 {est['t40_s']:.3f} s "
        f"({est['t40_low_s']:.3f}–{est['t40_high_s']:.3f}), true {true40:.3f}"
    )
    short = analyze_track(
        to_track(simulate(params, 240.0, 1.6)).with_xy(track.xy[:384], space="px"),
        calib,
        rep_id="short",
        video=video,
        stature_m=1.85,
    )
    assert short.extra["profile"]["estimate"] is None
    assert "10-yard line" in short.extra["profile"]["estimate_reason"]


# ------------------------------------------------------------------------------------------
# The statistics file shipped with the package
# ------------------------------------------------------------------------------------------


def test_packaged_statistics_load_and_make_sense():
    stats = combine.load_position_stats()
    assert stats["source"]["file"] == combine.COMBINE_FILE
    everyone = stats["all"]
    assert 0.34 < everyone["ratio_10_40"]["median"] < 0.36  # metrics.md: ≈ 0.348
    assert 0.6 < everyone["tau_s"]["median"] < 1.0  # metrics.md: τ ≈ 0.77 s
    for entry in (everyone, *stats["positions"].values(), *stats["position_groups"].values()):
        for key in ("ratio_10_40", "ratio_10_20"):
            r = entry[key]
            assert r["n"] == 0 or 0 < r["q025"] <= r["median"] <= r["q975"] < 1
        tau = entry["tau_s"]
        assert tau["n"] == 0 or tau["q025"] <= tau["q25"] <= tau["median"] <= tau["q75"]
    assert combine.stats_group("WR", stats)[0] == "WR"
    assert combine.stats_group("EDGE", stats, "tau_s")[0] == "EDGE"


def test_statistics_file_errors(tmp_path):
    with pytest.raises(ProfileError, match="cannot be read"):
        combine.load_position_stats(tmp_path / "none.json")
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": 0}')
    with pytest.raises(ProfileError, match="regenerate it"):
        combine.load_position_stats(bad)
    bad.write_text("not json")
    with pytest.raises(ProfileError, match="not JSON"):
        combine.load_position_stats(bad)


def test_statistics_from_a_small_csv(tmp_path):
    import csv

    header = ["Year", "player", "POS_GP", "POS", "40 Yard", "10-Yard Split", "20-Yard Split"]
    path = tmp_path / combine.COMBINE_FILE
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        for i, r in enumerate(np.linspace(0.33, 0.37, 41)):
            w.writerow([2020, f"wr{i}", "WR", "WR", 5.0, round(5.0 * r, 6), ""])
        for i in range(5):
            w.writerow([2020, f"cb{i}", "DB", "CB", 4.5, 1.62, 2.70])
    stats = combine.position_stats(path)
    wr = stats["positions"]["WR"]
    assert wr["ratio_10_40"] == {"n": 41, "q025": 0.331, "median": 0.35, "q975": 0.369}
    assert wr["ratio_10_20"]["n"] == 0 and wr["tau_s"]["n"] == 0
    cb = stats["positions"]["CB"]
    assert cb["ratio_10_20"]["median"] == pytest.approx(0.6, abs=1e-6)
    assert cb["tau_s"]["n"] == 5
    assert stats["position_group_of"] == {"CB": "DB", "WR": "WR"}
    assert stats["all"]["ratio_10_40"]["n"] == 46
    out = combine.write_position_stats(tmp_path / "s.json", path)
    assert combine.load_position_stats(out) == stats


def test_shipped_statistics_are_what_the_combine_file_gives():
    """Regenerate the shipped file from the CSV and compare (the CSV is not installed with
    sprintlab, only in the development checkout next to ../shared/data)."""
    try:
        csv_path = combine.shared_data_dir() / combine.COMBINE_FILE
    except ProfileError as err:
        pytest.skip(f"combine CSV not available here: {err}")
    if not csv_path.is_file():
        pytest.skip(f"combine CSV not available here: {csv_path}")
    shipped = combine.load_position_stats()
    fresh = combine.position_stats(csv_path)
    assert fresh["source"] == shipped["source"], "the CSV changed: python -m sprintlab.combine"
    assert _close(fresh, shipped)


def _close(a, b, tol=1e-5) -> bool:
    if isinstance(a, dict):
        assert isinstance(b, dict) and set(a) == set(b), (sorted(a), sorted(b))
        return all(_close(a[k], b[k], tol) for k in a)
    if isinstance(a, float) or isinstance(b, float):
        assert a == pytest.approx(b, abs=tol)
        return True
    assert a == b
    return True
