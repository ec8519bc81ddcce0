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
from typing import Any

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


# --------------------------------------------------------------------------------------------
# Position statistics shipped with the package
# --------------------------------------------------------------------------------------------

STATS_FILENAME = "combine_position_stats.json"
STATS_FORMAT = 1
_STATS_DIGITS = 6  # enough for times to the microsecond; keeps the file small and diff-able


def _quantiles(values: np.ndarray, probs: dict[str, float]) -> dict[str, float]:
    q = np.quantile(values, list(probs.values()))
    return {name: round(float(v), _STATS_DIGITS) for name, v in zip(probs, q, strict=True)}


def _group_entry(times: pd.DataFrame, taus: pd.DataFrame) -> dict:
    """Statistics of one group: 10/40 and 10/20 ratios and τ (time-shift split fits)."""
    entry: dict = {}
    central = {"q025": 0.025, "median": 0.5, "q975": 0.975}
    for name, num, den in (("ratio_10_40", "t10_s", "t40_s"), ("ratio_10_20", "t10_s", "t20_s")):
        pair = times[(times[num] > 0) & (times[den] > times[num])]
        r = (pair[num] / pair[den]).to_numpy(float)
        entry[name] = {"n": int(r.size), **(_quantiles(r, central) if r.size else {})}
    tau = taus["tau_s"].to_numpy(float)
    entry["tau_s"] = {
        "n": int(tau.size),
        "n_at_bound": int(taus["at_bound"].sum()),
        **(
            _quantiles(tau, {"q025": 0.025, "q25": 0.25, "median": 0.5, "q75": 0.75, "q975": 0.975})
            if tau.size
            else {}
        ),
    }
    return entry


def position_stats(data_path: str | os.PathLike | None = None) -> dict:
    """What the partial-view 40 estimate needs from the combine file, per position.

    For every position, every position group and all athletes together:

    - ``ratio_10_40``, ``ratio_10_20``: number ``n`` of athletes with both times (the longer
      one after the shorter) and the 2.5 %, 50 % and 97.5 % quantiles of 10-yard split ÷ 40-yard
      time and 10-yard split ÷ 20-yard split (dimensionless).
    - ``tau_s``: τ (s) of the per-athlete fits of the 10, 20 and 40-yard splits without time
      shift (:func:`tau_fits` with ``time_shift=False``: the model starts at first movement):
      ``n``, ``n_at_bound`` and the 2.5/25/50/75/97.5 % quantiles.

    Keys: ``all``, ``positions`` (by ``POS``) and ``position_groups`` (by ``POS_GP``).

    ``position_group_of`` maps each position to its most common group. ``source`` names the file
    and its SHA-256 so that a stale statistics file can be recognised. Floats are rounded to
    6 decimals. The result is JSON-ready and deterministic for a given file.
    """
    import hashlib

    path = _combine_path(data_path)
    times = load_combine(path)
    # Without a time shift: the model starts with the clock (first movement), as the estimate
    # uses it. With a shift, three exact parameters through three hand-timed splits scatter τ
    # from bound to bound (2.5–97.5 %: 0.2–3.0 s); without, 0.55–0.95 s around 0.76 s.
    taus = tau_fits(path, time_shift=False)
    by_position = {
        str(name): _group_entry(times[times["position"] == name], taus[taus["position"] == name])
        for name in sorted(set(times["position"].dropna()))
    }
    by_group = {
        str(name): _group_entry(
            times[times["position_group"] == name], taus[taus["position_group"] == name]
        )
        for name in sorted(set(times["position_group"].dropna()))
    }
    group_of = {
        str(pos): str(g["position_group"].mode().iloc[0])
        for pos, g in times.dropna(subset=["position", "position_group"]).groupby("position")
    }
    return {
        "format": STATS_FORMAT,
        "source": {
            "file": path.name,
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            "rows": len(times),
        },
        "min_group_size": MIN_GROUP_SIZE,
        "tau_fit": "10, 20 and 40-yard splits; v_max and tau, the model starting at first movement",
        "position_group_of": dict(sorted(group_of.items())),
        "all": _group_entry(times, taus),
        "positions": by_position,
        "position_groups": by_group,
    }


def write_position_stats(
    path: str | os.PathLike, data_path: str | os.PathLike | None = None
) -> Path:
    """Write :func:`position_stats` as indented JSON to ``path``; returns the path."""
    import json

    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(position_stats(data_path), indent=1, sort_keys=False) + "\n"
    out.write_text(text, encoding="utf-8")
    return out


def packaged_stats_path() -> Path:
    """Where the statistics file ships inside the package (``sprintlab/data/``)."""
    return Path(__file__).resolve().parent / "data" / STATS_FILENAME


def load_position_stats(path: str | os.PathLike | None = None) -> dict:
    """The position statistics: ``path`` if given, else the file shipped with the package.

    Raises
    ------
    ProfileError
        The file is missing or not a statistics file of this format.
    """
    import json

    if path is None:
        from importlib import resources

        try:
            text = (resources.files("sprintlab") / "data" / STATS_FILENAME).read_text("utf-8")
        except (FileNotFoundError, ModuleNotFoundError, OSError):
            raise ProfileError(
                f"The combine statistics file {STATS_FILENAME} is missing from this sprintlab "
                "installation; reinstall sprintlab."
            ) from None
    else:
        try:
            text = Path(path).read_text("utf-8")
        except OSError as err:
            raise ProfileError(
                f"The combine statistics file {path} cannot be read ({err})."
            ) from None
    try:
        stats = json.loads(text)
    except json.JSONDecodeError:
        raise ProfileError(
            f"The combine statistics file {path or STATS_FILENAME} is not JSON."
        ) from None
    if not isinstance(stats, dict) or stats.get("format") != STATS_FORMAT:
        raise ProfileError(
            f"The combine statistics file {path or STATS_FILENAME} is not format {STATS_FORMAT}; "
            "regenerate it with 'python -m sprintlab.combine'."
        )
    return stats


def stats_group(position: str | None, stats: dict, key: str = "ratio_10_40") -> tuple[str, dict]:
    """The statistics ``key`` (``"ratio_10_40"``, ``"ratio_10_20"`` or ``"tau_s"``) to use for
    ``position``: its own when the combine file has at least ``min_group_size`` athletes for it
    there, else its position group's, else all athletes'. Returns ``(group name, statistics)``.

    Raises
    ------
    ProfileError
        A position the combine file does not know.
    """
    if position is None or not str(position).strip():
        return "ALL", stats["all"][key]
    pos = str(position).strip().upper()
    positions, groups = stats["positions"], stats["position_groups"]
    if pos not in positions and pos not in groups:
        known = ", ".join(sorted(set(positions) | set(groups)))
        raise ProfileError(f"Unknown position {position!r}; use one of {known} or leave it empty.")
    enough = int(stats.get("min_group_size", MIN_GROUP_SIZE))
    candidates = []
    if pos in positions:
        candidates.append((pos, positions[pos]))
        group = stats.get("position_group_of", {}).get(pos)
        if group in groups:
            candidates.append((group, groups[group]))
    elif pos in groups:
        candidates.append((pos, groups[pos]))
    for name, entry in candidates:
        if entry[key]["n"] >= enough:
            return name, entry[key]
    return "ALL", stats["all"][key]


# --------------------------------------------------------------------------------------------
# 20- and 40-yard estimate from a clip that shows only the start
# --------------------------------------------------------------------------------------------

ESTIMATE_MIN_VIEW_M: float = 10 * YARD_M
"""The hip must be seen crossing the 10-yard line: the estimate extrapolates from there."""


@dataclass(frozen=True)
class PartialViewEstimate:
    """Predicted 20- and 40-yard times (s from first movement) from the start of a run.

    Method
    ------
    The hip positions are refitted with the mono-exponential model starting at first movement
    (``v_max`` and the resting position ``x0`` free) with τ held at the 2.5 %, 50 % and 97.5 %
    quantiles of τ of combine athletes of the comparison group (fits of their 10/20/40-yard
    splits with the model starting at first movement, the same convention). Early in a run the
    trajectory fixes the starting acceleration ``v_max/τ`` well but not ``v_max`` itself, so τ
    from the combine is what closes the extrapolation.

    - ``method == "combine tau"``: the estimate is the median-τ curve's time at 20 and 40 yards.
    - ``method == "own curve"``: when the free fit of the clip holds by itself (at least
      :data:`sprintlab.profile.MIN_FRACTION_OF_VMAX` of its top speed in view, small residuals),
      the clip pins τ and the estimate is that curve's time: an athlete who accelerates unlike a
      football player (a larger τ) is then not pulled to the combine.

    The band runs from the fastest to the slowest of: the two τ-quantile curves, the 10-yard
    split divided by the group's 97.5 % and 2.5 % quantiles of the 10/20 or 10/40 ratio, and the
    own curve when it holds. It covers the spread of τ and of how combine athletes finish from
    the same 10-yard time, not the timing error of the clip itself.

    Attributes
    ----------
    t20_s, t20_low_s, t20_high_s : float
        Estimated 20-yard time and its band, s from first movement.
    t40_s, t40_low_s, t40_high_s : float
        Estimated 40-yard time and its band, s from first movement.
    t10_s : float
        The 10-yard split the ratio part used (measured in view), s.
    t20_ratio_s, t40_ratio_s : float
        10-yard split ÷ median 10/20 (10/40) ratio of the group, s: a check on the curve.
    t20_curve_s, t40_curve_s : float
        Times of the median-τ curve, s.
    t20_own_s, t40_own_s : float
        Times of the clip's own (free) fit when it holds, else NaN, s.
    method : str
        ``"combine tau"`` or ``"own curve"`` (see above).
    tau_s, tau_low_s, tau_high_s : float
        The τ quantiles used (50 %, 2.5 %, 97.5 %), s.
    v_max_mps : float
        ``v_max`` of the median-τ curve, m/s.
    group, tau_group : str
        Comparison group of the 10/40 ratio and of τ: the position, its position group, or
        ``"ALL"`` (each needs :data:`MIN_GROUP_SIZE` combine athletes; few have a 20-yard split,
        so τ falls back more often).
    n_combine, n_combine_tau : int
        Combine athletes behind the 10/40 ratio and behind τ.
    view_m : float
        Farthest hip position in view, m from the start line.
    rmse_m : float
        Root-mean-square position residual of the median-τ curve, m.
    """

    t20_s: float
    t20_low_s: float
    t20_high_s: float
    t40_s: float
    t40_low_s: float
    t40_high_s: float
    t10_s: float
    t20_ratio_s: float
    t40_ratio_s: float
    t20_curve_s: float
    t40_curve_s: float
    t20_own_s: float
    t40_own_s: float
    method: str
    tau_s: float
    tau_low_s: float
    tau_high_s: float
    v_max_mps: float
    group: str
    tau_group: str
    n_combine: int
    n_combine_tau: int
    view_m: float
    rmse_m: float

    def __post_init__(self) -> None:
        for lo, mid, hi in (
            (self.t20_low_s, self.t20_s, self.t20_high_s),
            (self.t40_low_s, self.t40_s, self.t40_high_s),
        ):
            if not (math.isfinite(mid) and lo <= mid <= hi):
                raise ValueError("an estimate must be finite and inside its band")
        if not self.t20_s < self.t40_s:
            raise ValueError("the 20-yard estimate must come before the 40")

    def to_dict(self) -> dict:
        """JSON-ready dict of the fields (NaN becomes None)."""
        from dataclasses import asdict

        out = {}
        for key, value in asdict(self).items():
            if isinstance(value, float):
                out[key] = value if math.isfinite(value) else None
            else:
                out[key] = value
        return out


def _fixed_tau_fit(
    t: np.ndarray, x: np.ndarray, tau_s: float, t0_s: float, start: np.ndarray
) -> tuple[np.ndarray, float]:
    """Least-squares ``(v_max, x0)`` of the position model with τ and the start ``t0`` fixed;
    returns the parameters and the rmse (m)."""
    from scipy.optimize import least_squares

    from .profile import V_MAX_BOUNDS_MPS, model_position_m

    tp = np.maximum(t - t0_s, 0.0)
    shape = tp + tau_s * np.expm1(-tp / tau_s)  # x − x0 = v_max · shape: linear in both

    def fun(p: np.ndarray) -> np.ndarray:
        return model_position_m(t, p[0], tau_s, t0_s, p[1]) - x

    def jac(p: np.ndarray) -> np.ndarray:
        return np.column_stack([shape, np.ones_like(shape)])

    lower = np.array([V_MAX_BOUNDS_MPS[0], x.min() - 2.0])
    upper = np.array([V_MAX_BOUNDS_MPS[1], x.max()])
    x0 = np.clip(start, lower + 1e-6, upper - 1e-6)
    res = least_squares(fun, x0, jac=jac, bounds=(lower, upper), method="trf", max_nfev=200)
    return res.x, float(np.sqrt(np.mean(res.fun**2)))


def estimate_from_partial_view(
    t_s: np.ndarray,
    hip_x_m: np.ndarray,
    first_movement_s: float,
    fit: Any,
    *,
    split_10yd_s: float,
    position: str | None = None,
    stats: dict | None = None,
) -> PartialViewEstimate:
    """Predict the 20- and 40-yard times of a run from the part a clip shows.

    See :class:`PartialViewEstimate` for the method and the band.

    Parameters
    ----------
    t_s, hip_x_m : ndarray
        Hip-mid position (m from the start line, +x forward; NaN where missing) at clip times
        (s), as given to :func:`sprintlab.profile.fit_velocity_curve`.
    first_movement_s : float
        First movement on the same clock; the times returned are from it.
    fit : VelocityFit
        The free four-parameter fit of the same data; its quality decides whether the data
        follow the model at all.
    split_10yd_s : float
        The 10-yard split measured in view, s from first movement.
    position : str, optional
        Football position or position group (all athletes when None or unknown to the file).
    stats : dict, optional
        :func:`position_stats` output (default: the file shipped with the package).

    Raises
    ------
    ProfileError
        The 10-yard line is not in view, the 10-yard split is outside 1.2–3.0 s, the free fit
        misses the data or ends on a bound of its parameters, or the first movement is unknown;
        the message says which, in one sentence.
    """
    from .profile import MAX_RMSE_POSITION_M, MIN_R2, _run_time_s

    if first_movement_s is None or not math.isfinite(first_movement_s):
        raise ProfileError("No first movement was found, so there is no clock for an estimate.")
    t = np.asarray(t_s, dtype=float)
    x = np.asarray(hip_x_m, dtype=float)
    ok = np.isfinite(t) & np.isfinite(x) & (t >= first_movement_s - 0.5)
    t, x = t[ok], x[ok]
    view_m = float(x.max()) if x.size else math.nan
    if not (math.isfinite(view_m) and view_m >= ESTIMATE_MIN_VIEW_M) or not (
        split_10yd_s is not None and math.isfinite(split_10yd_s)
    ):
        shown = f"{view_m:.1f} m" if math.isfinite(view_m) else "no distance"
        raise ProfileError(
            f"The clip shows the hip only to {shown}; a 20/40-yard estimate needs the 10-yard "
            f"line ({ESTIMATE_MIN_VIEW_M:.2f} m) in view."
        )
    if not 1.2 <= split_10yd_s <= 3.0:
        raise ProfileError(
            f"No 20/40-yard estimate: a 10-yard split of {split_10yd_s:.2f} s is outside "
            "1.2–3.0 s, so the hip track or the calibration is wrong; check the overlay."
        )
    if fit is None:
        raise ProfileError("There is no velocity fit of the hip to extrapolate from.")
    problems = []
    if fit.at_bound:
        problems.append(
            f"ends on a limit of the fit (τ {fit.tau_s:.2f} s, v_max {fit.v_max_mps:.2f} m/s), "
            "so the hip does not move like an accelerating sprinter"
        )
    if math.isfinite(fit.rmse_m) and fit.rmse_m > MAX_RMSE_POSITION_M:
        problems.append(f"misses the hip positions by {fit.rmse_m:.2f} m on average")
    if math.isfinite(fit.r2) and fit.r2 < MIN_R2:
        problems.append(f"explains too little of them (r² = {fit.r2:.3f})")
    if problems:
        raise ProfileError(
            "No 20/40-yard estimate: the velocity curve " + " and ".join(problems) + "."
        )
    stats = stats if stats is not None else load_position_stats()
    chosen = {}
    for key in ("ratio_10_40", "ratio_10_20", "tau_s"):
        try:
            chosen[key] = stats_group(position, stats, key)
        except ProfileError:  # a position the combine does not know: compare with everyone
            chosen[key] = ("ALL", stats["all"][key])
    group, r40 = chosen["ratio_10_40"]
    r20 = chosen["ratio_10_20"][1]
    tau_group, tau = chosen["tau_s"]
    dist = np.array([20.0, 40.0]) * YARD_M
    curves = {}
    for name in ("median", "q025", "q975"):
        tau_q = float(tau[name])
        start = np.array([fit.max_acceleration_mps2 * tau_q, fit.x0_m])
        (v_max, x0), rmse = _fixed_tau_fit(t, x, tau_q, float(first_movement_s), start)
        curves[name] = (_run_time_s(dist - x0, v_max, tau_q), v_max, rmse)
    t10 = float(split_10yd_s)
    ratio = {
        "t20": (t10 / r20["median"], t10 / r20["q975"], t10 / r20["q025"]),
        "t40": (t10 / r40["median"], t10 / r40["q975"], t10 / r40["q025"]),
    }
    own = np.full(2, math.nan)
    if fit.reliable:
        own = fit.t0_s + _run_time_s(dist - fit.x0_m, fit.v_max_mps, fit.tau_s) - first_movement_s
    method = "own curve" if bool(np.all(np.isfinite(own))) else "combine tau"
    est = {}
    for i, key in enumerate(("t20", "t40")):
        curve = float(curves["median"][0][i])
        mid = float(own[i]) if method == "own curve" else curve
        candidates = [mid, curve, curves["q025"][0][i], curves["q975"][0][i], *ratio[key][1:]]
        est[key] = (mid, float(min(candidates)), float(max(candidates)))
    return PartialViewEstimate(
        t20_s=est["t20"][0],
        t20_low_s=est["t20"][1],
        t20_high_s=est["t20"][2],
        t40_s=est["t40"][0],
        t40_low_s=est["t40"][1],
        t40_high_s=est["t40"][2],
        t10_s=t10,
        t20_ratio_s=float(ratio["t20"][0]),
        t40_ratio_s=float(ratio["t40"][0]),
        t20_curve_s=float(curves["median"][0][0]),
        t40_curve_s=float(curves["median"][0][1]),
        t20_own_s=float(own[0]),
        t40_own_s=float(own[1]),
        method=method,
        tau_s=float(tau["median"]),
        tau_low_s=float(tau["q025"]),
        tau_high_s=float(tau["q975"]),
        v_max_mps=float(curves["median"][1]),
        group=group,
        tau_group=tau_group,
        n_combine=int(r40["n"]),
        n_combine_tau=int(tau["n"]),
        view_m=view_m,
        rmse_m=float(curves["median"][2]),
    )


def main(argv: list[str] | None = None) -> int:
    """``python -m sprintlab.combine [--data CSV] [--out JSON]``: regenerate the statistics file
    shipped with the package from the combine CSV."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m sprintlab.combine",
        description="Regenerate the combine position statistics shipped with sprintlab.",
    )
    parser.add_argument("--data", help="combine CSV or its folder (default: the shared data)")
    parser.add_argument("--out", help=f"output JSON (default: the package's {STATS_FILENAME})")
    args = parser.parse_args(argv)
    try:
        out = write_position_stats(args.out or packaged_stats_path(), args.data)
    except ProfileError as err:
        print(f"error: {err}")
        return 1
    print(f"written: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
