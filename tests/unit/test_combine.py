"""Combine norms (sprintlab.combine) on small hand-made CSV files with known answers."""

import csv
import math
import os

import numpy as np
import pytest

from sprintlab import combine
from sprintlab.profile import ProfileError, VelocityFit, predict_splits
from sprintlab.units import YARD_M

HEADER = ["Year", "player", "POS_GP", "POS", "40 Yard", "10-Yard Split", "20-Yard Split"]


def _write(path, rows):
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        for r in rows:
            w.writerow(
                ["" if v is None or (isinstance(v, float) and math.isnan(v)) else v for v in r]
            )
    return path


def _splits(v_max, tau, t0):
    fit = VelocityFit(
        v_max_mps=v_max, tau_s=tau, t0_s=t0, x0_m=0.0, rmse_m=0.0, rmse_mps=math.nan,
        rmse_s=0.0, r2=math.nan, fraction_of_vmax_in_view=1.0, n_points=3, n_params=3,
        source="splits", reliable=True, reason="",
    )  # fmt: skip
    return predict_splits(fit, np.array([10, 20, 40]) * YARD_M)


@pytest.fixture
def combine_csv(tmp_path):
    rows = []
    # 41 WRs with 10/40 ratios evenly spaced from 0.33 to 0.37 (t40 = 5.0 s)
    for i, r in enumerate(np.linspace(0.33, 0.37, 41)):
        rows.append([2020, f"wr{i}", "WR", "WR", 5.0, 5.0 * r, None])
    # 5 CBs (too few on their own) and 20 SSs in the DB group, all at ratio 0.36
    for i in range(5):
        rows.append([2020, f"cb{i}", "DB", "CB", 4.5, 4.5 * 0.36, None])
    for i in range(20):
        rows.append([2020, f"ss{i}", "DB", "SS", 4.6, 4.6 * 0.36, None])
    # 3 QBs with exact model splits (τ = 0.7, 0.8, 0.9 s; time shift +0.1 s)
    for i, tau in enumerate([0.7, 0.8, 0.9]):
        t10, t20, t40 = _splits(9.0, tau, 0.1)
        rows.append([2026, f"qb{i}", "QB", "QB", t40, t10, t20])
    # a row with an impossible 20-yard split (before the 10) is left out of the τ fits
    rows.append([2026, "bad", "QB", "QB", 4.8, 1.7, 1.6])
    # a row without times
    rows.append([2026, "none", "OL", "OT", None, None, None])
    return _write(tmp_path / combine.COMBINE_FILE, rows)


def test_ratio_statistics_and_40_estimate(combine_csv):
    stats = combine.ratio_10_40("WR", data_path=combine_csv)
    assert stats.group == "WR" and stats.n == 41
    # numpy's linear quantiles of 41 evenly spaced values: 0.33 + q·0.04
    assert stats.median == pytest.approx(0.35)
    assert stats.q025 == pytest.approx(0.331)
    assert stats.q975 == pytest.approx(0.369)
    t40, low, high = combine.estimate_40(1.75, "wr", data_path=combine_csv)
    assert t40 == pytest.approx(1.75 / 0.35)
    assert low == pytest.approx(1.75 / 0.369)
    assert high == pytest.approx(1.75 / 0.331)
    assert low < t40 < high


def test_rare_position_falls_back_to_its_group(combine_csv):
    stats = combine.ratio_10_40("CB", data_path=combine_csv)
    assert stats.group == "DB" and stats.n == 25
    assert stats.median == pytest.approx(0.36)
    assert combine.estimate_40(1.62, "DB", data_path=combine_csv)[0] == pytest.approx(4.5)


def test_all_positions_when_none_given(combine_csv):
    stats = combine.ratio_10_40(None, data_path=combine_csv)
    assert stats.group == "ALL" and stats.n == 41 + 25 + 3 + 1


def test_bad_position_and_bad_split_raise(combine_csv):
    with pytest.raises(ProfileError, match="Unknown position 'XX'"):
        combine.estimate_40(1.6, "XX", data_path=combine_csv)
    with pytest.raises(ProfileError, match=r"outside 1\.2–3\.0 s"):
        combine.estimate_40(0.9, data_path=combine_csv)
    with pytest.raises(ProfileError, match="10-yard split is needed"):
        combine.estimate_40(math.nan, data_path=combine_csv)


def test_tau_fits_recover_known_tau(combine_csv):
    fits = combine.tau_fits(combine_csv)
    assert list(fits["position"]) == ["QB", "QB", "QB"]  # the bad row is left out
    np.testing.assert_allclose(fits["tau_s"], [0.7, 0.8, 0.9], atol=1e-6)
    np.testing.assert_allclose(fits["v_max_mps"], 9.0, atol=1e-6)
    np.testing.assert_allclose(fits["t0_s"], 0.1, atol=1e-6)
    stats = combine.tau_by_position(combine_csv)
    assert set(stats) == {"ALL", "QB"}
    qb = stats["QB"]
    assert qb.n_athletes == 3 and qb.n_at_bound == 0 and qb.time_shift
    assert (qb.median_s, qb.q25_s, qb.q75_s) == pytest.approx((0.8, 0.75, 0.85), abs=1e-6)
    assert qb.median_t0_s == pytest.approx(0.1, abs=1e-6)
    by_group = combine.tau_by_position(combine_csv, by="position_group")
    assert by_group["QB"].median_s == pytest.approx(0.8, abs=1e-6)


def test_tau_without_time_shift_absorbs_the_late_start_into_tau(combine_csv):
    # The splits were made with the model starting 0.1 s after the clock; forcing t0 = 0
    # must stretch the acceleration (larger τ) to fit the slow start.
    stats = combine.tau_by_position(combine_csv, time_shift=False)["QB"]
    assert not stats.time_shift and stats.median_t0_s == 0.0
    assert stats.median_s > 0.8 + 0.02


def test_data_folder_from_environment(tmp_path, monkeypatch, combine_csv):
    monkeypatch.setenv("SPRINTLAB_SHARED_DATA", str(tmp_path))
    assert combine.shared_data_dir() == tmp_path
    assert len(combine.load_combine()) == 41 + 25 + 3 + 2
    monkeypatch.setenv("SPRINTLAB_SHARED_DATA", str(tmp_path / "nowhere"))
    with pytest.raises(ProfileError, match="not a folder"):
        combine.shared_data_dir()


def test_missing_or_wrong_file(tmp_path):
    with pytest.raises(ProfileError, match="is missing"):
        combine.load_combine(tmp_path / "nope.csv")
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n")
    with pytest.raises(ProfileError, match="lacks the columns"):
        combine.load_combine(bad)


def test_edited_file_is_read_again(tmp_path):
    path = _write(tmp_path / "c.csv", [[2020, "a", "WR", "WR", 5.0, 1.75, None]] * 20)
    assert combine.ratio_10_40(data_path=path).median == pytest.approx(0.35)
    _write(path, [[2020, "a", "WR", "WR", 5.0, 1.80, None]] * 20)
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))  # make sure the mtime moves
    assert combine.ratio_10_40(data_path=path).median == pytest.approx(0.36)
