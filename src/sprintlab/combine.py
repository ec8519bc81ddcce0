"""NFL combine norms: a 40-yard estimate from a 10-yard split, and τ by position.

Reads ``nfl_combine_2007_2026.csv`` from the shared data folder (combine and pro-day results; the
columns used are ``POS``, ``POS_GP``, ``40 Yard``, ``10-Yard Split`` and ``20-Yard Split``, times in
seconds from first movement).

- The 10/40 ratio (10-yard split / 40-yard time) is nearly constant (≈ 0.348 at every position,
  metrics.md), so a 10-yard split from a short clip gives a 40-yard estimate with a band taken
  from the spread of the ratio.
- τ (the acceleration time constant of the mono-exponential model) is fitted per athlete from
  the 10, 20 and 40-yard splits with a time shift (:func:`sprintlab.profile.fit_splits`; three
  splits, three parameters, so the curve passes through all of them).

Where the data live: the ``data_path`` argument; else ``$SPRINTLAB_SHARED_DATA``; else
``../shared/data`` next to the repository root (the folder holding ``pyproject.toml``).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from .profile import ProfileError, fit_splits
from .units import YARD_M

COMBINE_FILE = "nfl_combine_2007_2026.csv"
MIN_GROUP_SIZE = 20
"""Fewer ratios than this at a position: use the position group (e.g. DB for CB), then everyone."""


def shared_data_dir() -> Path:
    """The shared data folder: ``$SPRINTLAB_SHARED_DATA`` or ``../shared/data`` from the repo root.

    Raises
    ------
    ProfileError
        Neither exists.
    """
    env = os.environ.get("SPRINTLAB_SHARED_DATA")
    if env:
        path = Path(env)
        if path.is_dir():
            return path
        raise ProfileError(
            f"SPRINTLAB_SHARED_DATA points to {path}, which is not a folder; fix the variable."
        )
    for parent in Path(__file__).resolve().parents:
        if (parent / "pyproject.toml").is_file():
            candidate = parent.parent / "shared" / "data"
            if candidate.is_dir():
                return candidate
            break
    raise ProfileError(
        "The shared data folder was not found; set SPRINTLAB_SHARED_DATA to the folder holding "
        f"{COMBINE_FILE}."
    )


def _combine_path(data_path: str | os.PathLike | None) -> Path:
    if data_path is None:
        return shared_data_dir() / COMBINE_FILE
    path = Path(data_path)
    return path / COMBINE_FILE if path.is_dir() else path


def _load(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise ProfileError(f"The combine results file {path} is missing; check the data folder.")
    # Cached on the file's modification time so an edited file is read again.
    return _load_cached(path.resolve(), path.stat().st_mtime_ns)


@lru_cache(maxsize=4)
def _load_cached(path: Path, mtime_ns: int) -> pd.DataFrame:
    raw = pd.read_csv(path)
    needed = ["POS", "POS_GP", "40 Yard", "10-Yard Split", "20-Yard Split"]
    missing = [c for c in needed if c not in raw.columns]
    if missing:
        raise ProfileError(
            f"The combine file {path} lacks the columns {missing}; use the original."
        )
    df = pd.DataFrame(
        {
            "position": raw["POS"].astype("string").str.strip().str.upper(),
            "position_group": raw["POS_GP"].astype("string").str.strip().str.upper(),
            "t10_s": pd.to_numeric(raw["10-Yard Split"], errors="coerce"),
            "t20_s": pd.to_numeric(raw["20-Yard Split"], errors="coerce"),
            "t40_s": pd.to_numeric(raw["40 Yard"], errors="coerce"),
        }
    )
    return df


def load_combine(data_path: str | os.PathLike | None = None) -> pd.DataFrame:
    """Combine results as a DataFrame with ``position``, ``position_group``, ``t10_s``, ``t20_s``,
    ``t40_s`` (s, NaN where not recorded).

    ``data_path`` is the CSV file or the folder holding it (default: :func:`shared_data_dir`).
    """
    return _load(_combine_path(data_path)).copy()


@dataclass(frozen=True)
class RatioStats:
    """Distribution of the 10-yard split / 40-yard time ratio in a group of athletes.

    Attributes
    ----------
    group : str
        Position, position group, or ``"ALL"`` that the statistics describe.
    n : int
        Number of athletes with both times.
    median, q025, q975 : float
        Median and central-95 % limits of the ratio (dimensionless).
    """

    group: str
    n: int
    median: float
    q025: float
    q975: float

    def __post_init__(self) -> None:
        if self.n < 1 or not 0 < self.q025 <= self.median <= self.q975 < 1:
            raise ValueError("ratio statistics must satisfy 0 < q025 <= median <= q975 < 1")


def _ratio_stats(ratios: pd.Series, group: str) -> RatioStats:
    r = ratios.to_numpy(dtype=float)
    q025, med, q975 = np.quantile(r, [0.025, 0.5, 0.975])
    return RatioStats(
        group=group, n=int(r.size), median=float(med), q025=float(q025), q975=float(q975)
    )


def ratio_10_40(
    position: str | None = None, *, data_path: str | os.PathLike | None = None
) -> RatioStats:
    """10/40 ratio statistics for a position (e.g. ``"WR"``), a position group (``"DB"``) or all.

    A position with fewer than :data:`MIN_GROUP_SIZE` athletes falls back to its position group,
    then to all athletes; the ``group`` field says which was used.

    Raises
    ------
    ProfileError
        An unknown position.
    """
    df = load_combine(data_path)
    df = df[(df["t10_s"] > 0) & (df["t40_s"] > 0)]
    ratios = df["t10_s"] / df["t40_s"]
    if position is None:
        return _ratio_stats(ratios, "ALL")
    pos = position.strip().upper()
    by_pos = df["position"] == pos
    by_group = df["position_group"] == pos
    if not (by_pos.any() or by_group.any()):
        known = sorted(set(df["position"].dropna()) | set(df["position_group"].dropna()))
        raise ProfileError(
            f"Unknown position {position!r}; use one of {', '.join(known)} or leave it empty."
        )
    if by_pos.sum() >= MIN_GROUP_SIZE:
        return _ratio_stats(ratios[by_pos], pos)
    if by_pos.any():  # a rare position: fall back to its group
        group = df.loc[by_pos, "position_group"].mode().iloc[0]
        by_group = df["position_group"] == group
        pos = str(group)
    if by_group.sum() >= MIN_GROUP_SIZE:
        return _ratio_stats(ratios[by_group], pos)
    return _ratio_stats(ratios, "ALL")


def estimate_40(
    ten_yard_s: float,
    position: str | None = None,
    *,
    data_path: str | os.PathLike | None = None,
) -> tuple[float, float, float]:
    """Estimate the 40-yard time from a 10-yard split with the combine 10/40 ratios.

    ``t40 = t10 / median ratio``; the band is ``t10 / q975`` (fast end) to ``t10 / q025`` (slow
    end): 95 % of combine athletes with this 10-yard split ran their 40 inside it.

    Parameters
    ----------
    ten_yard_s : float
        10-yard split from first movement, s.
    position : str, optional
        Position or position group (``"WR"``, ``"DB"``, ...); all athletes when None.

    Returns
    -------
    (t40_s, low_s, high_s) : tuple of float
        Estimate and the central-95 % band, s.

    Raises
    ------
    ProfileError
        A missing or implausible 10-yard split (outside 1.2–3.0 s), or an unknown position.
    """
    if ten_yard_s is None or not math.isfinite(ten_yard_s):
        raise ProfileError(
            "A 10-yard split is needed to estimate the 40; the 10-yard line was not timed."
        )
    if not 1.2 <= ten_yard_s <= 3.0:
        raise ProfileError(
            f"A 10-yard split of {ten_yard_s:.2f} s is outside 1.2–3.0 s; check the timing."
        )
    stats = ratio_10_40(position, data_path=data_path)
    return (
        float(ten_yard_s / stats.median),
        float(ten_yard_s / stats.q975),
        float(ten_yard_s / stats.q025),
    )


@dataclass(frozen=True)
class TauStats:
    """Distribution of τ (s) fitted per athlete from 10/20/40-yard splits.

    Attributes
    ----------
    group : str
        Position, position group or ``"ALL"``.
    time_shift : bool
        Whether the fits had a time shift (3 parameters through 3 splits) or not (2 parameters).
    n_athletes : int
        Athletes with all three splits valid.
    n_at_bound : int
        Fits whose τ or v_max ended on a bound of the fit (:data:`sprintlab.profile.TAU_BOUNDS_S`,
        ``V_MAX_BOUNDS_MPS``): the data asked for a value beyond it.
    median_s, q25_s, q75_s : float
        Median and interquartile range of τ over all athletes, s. Fits on a bound enter with the
        bound value: the true solution lies beyond it, so ranks, and hence the quantiles, are
        unaffected unless a quartile itself falls on a bound.
    median_v_max_mps : float
        Median v_max, m/s.
    median_t0_s : float
        Median time shift, s (0 without time shift; negative: the model's run starts before the
        clock, i.e. first movement).
    """

    group: str
    time_shift: bool
    n_athletes: int
    n_at_bound: int
    median_s: float
    q25_s: float
    q75_s: float
    median_v_max_mps: float
    median_t0_s: float

    def __post_init__(self) -> None:
        if not 0 <= self.n_at_bound <= self.n_athletes:
            raise ValueError("n_at_bound must be between 0 and n_athletes")


def _tau_table(path: Path, time_shift: bool) -> pd.DataFrame:
    _load(path)  # raises if missing
    return _tau_table_cached(path.resolve(), path.stat().st_mtime_ns, time_shift)


@lru_cache(maxsize=8)
def _tau_table_cached(path: Path, mtime_ns: int, time_shift: bool) -> pd.DataFrame:
    df = _load_cached(path, mtime_ns)
    df = df.dropna(subset=["t10_s", "t20_s", "t40_s"])
    dist = np.array([10.0, 20.0, 40.0]) * YARD_M
    rows = []
    for row in df.itertuples(index=False):
        try:
            fit = fit_splits(dist, [row.t10_s, row.t20_s, row.t40_s], time_shift=time_shift)
        except ProfileError:
            continue
        rows.append(
            {
                "position": row.position,
                "position_group": row.position_group,
                "tau_s": fit.tau_s,
                "v_max_mps": fit.v_max_mps,
                "t0_s": fit.t0_s,
                "rmse_s": fit.rmse_s,
                "at_bound": fit.at_bound,
                "reliable": fit.reliable,
            }
        )
    columns = ["position", "position_group", "tau_s", "v_max_mps", "t0_s", "rmse_s", "at_bound"]
    return pd.DataFrame(rows, columns=[*columns, "reliable"])


def tau_fits(
    data_path: str | os.PathLike | None = None, *, time_shift: bool = True
) -> pd.DataFrame:
    """Per-athlete fits of the 10, 20 and 40-yard splits.

    Columns ``position``, ``position_group``, ``tau_s``, ``v_max_mps``, ``t0_s``, ``rmse_s``,
    ``at_bound`` and ``reliable``. With ``time_shift`` (default) the curve has three parameters
    and passes through the three splits exactly; without it, ``t0 = 0`` (the clock starts with
    the run) and two parameters are fitted by least squares. Athletes with invalid splits (e.g.
    a 20-yard split not after the 10) are left out.
    """
    return _tau_table(_combine_path(data_path), bool(time_shift)).copy()


def tau_by_position(
    data_path: str | os.PathLike | None = None,
    *,
    by: str = "position",
    time_shift: bool = True,
) -> dict[str, TauStats]:
    """τ statistics per position (``by="position"``) or position group (``by="position_group"``),
    plus ``"ALL"``. See :class:`TauStats` and :func:`tau_fits`."""
    if by not in ("position", "position_group"):
        raise ValueError("by must be 'position' or 'position_group'")
    fits = tau_fits(data_path, time_shift=time_shift)
    out: dict[str, TauStats] = {}
    groups = [("ALL", fits)] + [(str(k), g) for k, g in fits.groupby(by, sort=True)]
    for name, g in groups:
        q25, med, q75 = np.quantile(g["tau_s"], [0.25, 0.5, 0.75]) if len(g) else [math.nan] * 3
        out[name] = TauStats(
            group=name,
            time_shift=bool(time_shift),
            n_athletes=len(g),
            n_at_bound=int(g["at_bound"].sum()),
            median_s=float(med),
            q25_s=float(q25),
            q75_s=float(q75),
            median_v_max_mps=float(g["v_max_mps"].median()),
            median_t0_s=float(g["t0_s"].median()),
        )
    return out
