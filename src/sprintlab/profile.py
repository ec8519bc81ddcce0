"""Acceleration profile: split times, mono-exponential velocity fit, force–velocity profile.

Split times are seconds from first movement until the hip-mid crosses a distance from the start line
(metrics.md). The velocity-curve fit and the force–velocity profile build on these.

The model
---------
A sprint from rest is described by the mono-exponential velocity curve (Furusawa, Hill & Parkinson
1927; Samozino et al. 2016)::

    v(t') = v_max · (1 − exp(−t'/τ))
    x(t') = x0 + v_max · (t' + τ·exp(−t'/τ)) − v_max·τ
    a(t') = (v_max/τ) · exp(−t'/τ)
    t'    = max(t − t0, 0)

``v_max`` (m/s) is the top speed the run tends to, ``τ`` (s) the time constant of the acceleration
(``v_max/τ`` is the acceleration at the start), ``t0`` (s) the time shift: the clock time at which
the model's run starts, absorbing the gap between the clock start (first movement, a timing
gate) and the idealised start of the curve; ``x0`` (m) the position at rest. Before ``t0`` the
model stands still at ``x0``, which lets position data include frames from before the start.

Inverting ``x(t')`` gives the time at which the model reaches a distance ``d`` (Lambert W, principal
branch; Jovanović's *shorts*)::

    t'(d) = τ · W0(−exp(−(d − x0)/(v_max·τ) − 1)) + (d − x0)/v_max + τ

All fits use :func:`scipy.optimize.least_squares` with analytic Jacobians and bounds.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Literal

import numpy as np
from scipy.optimize import least_squares
from scipy.special import lambertw

from .errors import AnalysisError
from .jsonutil import json_ready
from .units import G_MPS2, YARD_M

SPLIT_DISTANCES_M: dict[str, float] = {
    "5yd_s": 5 * YARD_M,
    "10yd_s": 10 * YARD_M,
    "20yd_s": 20 * YARD_M,
    "40yd_s": 40 * YARD_M,
}

# Bounds of the fitted parameters. They are wide enough for anyone from a slow youth athlete to an
# elite sprinter; a parameter that ends on one of them means the data did not pin it down.
V_MAX_BOUNDS_MPS: tuple[float, float] = (1.0, 13.5)
TAU_BOUNDS_S: tuple[float, float] = (0.2, 3.0)
MAX_MEAN_SPEED_MPS: float = 12.5
"""No human covers a split faster than this (Bolt's fastest 10 m segment averaged ≈ 12.4 m/s)."""

MIN_FRACTION_OF_VMAX: float = 0.85
"""Below this fraction of v_max reached in view, v_max is an extrapolation (not reliable)."""
MAX_RMSE_POSITION_M: float = 0.10
MAX_RMSE_SPLITS_S: float = 0.05
MAX_RMSE_VELOCITY_MPS: float = 0.5
MIN_R2: float = 0.98

FV_WINDOW_S: float = 6.0
"""The F–v line is fitted to the model curve over the first 6 s of the run (t' in [0, 6] s)."""
FV_SAMPLE_HZ: float = 100.0
RF_CUTOFF_S: float = 0.3
"""RF_max and DRF use the model curve after this time (the first push is not representative)."""
DRAG_COEFFICIENT: float = 0.9

Source = Literal["position", "velocity", "splits"]


class ProfileError(AnalysisError):
    """The velocity curve or force–velocity profile cannot be computed from the input given."""


def crossing_time_s(t_s: np.ndarray, x_m: np.ndarray, distance_m: float, after_s: float) -> float:
    """First time after ``after_s`` at which ``x_m`` crosses ``distance_m`` going forward.

    Linear interpolation between the two frames around the crossing; NaN if the crossing is not in
    view (the track ends before, or is missing around it).
    """
    ok = np.isfinite(x_m) & (t_s >= after_s)
    idx = np.flatnonzero(ok)
    if idx.size < 2:
        return math.nan
    for a, b in itertools.pairwise(idx):
        if b - a > 3:  # a gap: never interpolate a crossing across it
            continue
        if x_m[a] < distance_m <= x_m[b]:
            frac = (distance_m - x_m[a]) / (x_m[b] - x_m[a])
            return float(t_s[a] + frac * (t_s[b] - t_s[a]))
    return math.nan


SPLIT_NOT_IN_VIEW = "is not crossed in view, so that split is empty"
"""How :func:`split_times` says a split line is out of view (moot when every split is withheld)."""


def split_times(
    t_s: np.ndarray, hip_x_m: np.ndarray, first_movement_s: float
) -> tuple[dict[str, float], list[str]]:
    """Split times (s from first movement) at 5, 10, 20 and 40 yards, NaN where not in view.

    Returns the splits and warnings for the 5- and 10-yard lines when they are not in view.
    """
    splits: dict[str, float] = {}
    warnings: list[str] = []
    for name, dist in SPLIT_DISTANCES_M.items():
        t = crossing_time_s(t_s, hip_x_m, dist, first_movement_s)
        splits[name] = t - first_movement_s if np.isfinite(t) else math.nan
        if not np.isfinite(t) and name in ("5yd_s", "10yd_s"):
            warnings.append(f"the {name[:-2]} line ({dist:.3f} m) {SPLIT_NOT_IN_VIEW}")
    return splits, warnings


# --------------------------------------------------------------------------------------------
# The model
# --------------------------------------------------------------------------------------------


def model_velocity_mps(t_s: np.ndarray, v_max_mps: float, tau_s: float, t0_s: float) -> np.ndarray:
    """Model velocity ``v_max·(1 − exp(−t'/τ))`` with ``t' = max(t − t0, 0)``, in m/s."""
    tp = np.maximum(np.asarray(t_s, dtype=float) - t0_s, 0.0)
    return v_max_mps * -np.expm1(-tp / tau_s)


def model_position_m(
    t_s: np.ndarray, v_max_mps: float, tau_s: float, t0_s: float, x0_m: float = 0.0
) -> np.ndarray:
    """Model position ``x0 + v_max·(t' + τ·exp(−t'/τ)) − v_max·τ``, ``t' = max(t − t0, 0)``, m."""
    tp = np.maximum(np.asarray(t_s, dtype=float) - t0_s, 0.0)
    # t' + τ(e^{-t'/τ} − 1) written with expm1 so that small t' keeps its precision
    return x0_m + v_max_mps * (tp + tau_s * np.expm1(-tp / tau_s))


def model_acceleration_mps2(
    t_s: np.ndarray, v_max_mps: float, tau_s: float, t0_s: float
) -> np.ndarray:
    """Model acceleration ``(v_max/τ)·exp(−t'/τ)`` for ``t ≥ t0`` and 0 before, in m/s²."""
    t = np.asarray(t_s, dtype=float)
    tp = t - t0_s
    return np.where(tp >= 0, (v_max_mps / tau_s) * np.exp(-np.maximum(tp, 0.0) / tau_s), 0.0)


def _run_time_s(distance_m: np.ndarray, v_max_mps: float, tau_s: float) -> np.ndarray:
    """Time ``t'`` (s after the model start) at which the model has run ``distance_m`` (> 0) metres.

    Principal branch of Lambert W: for ``a = d/(v_max·τ) + 1 > 1`` the argument ``−exp(−a)`` lies
    in (−1/e, 0) and W0 gives the positive root of ``u + exp(−u) = a`` (u = t'/τ).
    """
    d = np.asarray(distance_m, dtype=float)
    a = d / (v_max_mps * tau_s) + 1.0
    w = lambertw(-np.exp(-a), 0).real
    return tau_s * (a + w)


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VelocityFit:
    """A fitted mono-exponential velocity curve (see the module docstring for the model).

    Attributes
    ----------
    v_max_mps : float
        Maximal (asymptotic) speed v_max, m/s.
    tau_s : float
        Time constant τ of the acceleration, s. ``v_max/τ`` is the acceleration at the start.
    t0_s : float
        Time shift: clock time at which the model's run starts, s (same clock as the input times;
        for split times that is the split clock, so a negative value means the athlete was
        already moving when the clock started).
    x0_m : float
        Position at rest, m (0 for split and velocity fits, where distance is counted from the
        start of the run).
    rmse_m : float
        Root-mean-square of (model − measured) position at the measured times, m (for splits, the
        model's distance at each split time minus the split distance). NaN for a velocity trace.
    rmse_mps : float
        Root-mean-square velocity residual, m/s, for a velocity trace; NaN otherwise.
    rmse_s : float
        Root-mean-square time residual of a split fit, s; NaN otherwise.
    r2 : float
        Coefficient of determination of the fitted quantity (position, velocity, or split time).
    fraction_of_vmax_in_view : float
        Model velocity at the last measured time divided by v_max: how much of the top speed the
        data actually show.
    n_points : int
        Number of data points used.
    n_params : int
        Number of fitted parameters (2 to 4).
    source : {"position", "velocity", "splits"}
        What the fit was made from.
    reliable : bool
        False when the fit should not be reported as a confident top speed / profile.
    reason : str
        Why the fit is unreliable ("" when there is nothing to say), one or more sentences.
    """

    v_max_mps: float
    tau_s: float
    t0_s: float
    x0_m: float
    rmse_m: float
    rmse_mps: float
    rmse_s: float
    r2: float
    fraction_of_vmax_in_view: float
    n_points: int
    n_params: int
    source: Source
    reliable: bool
    reason: str

    def __post_init__(self) -> None:
        if not (math.isfinite(self.v_max_mps) and self.v_max_mps > 0):
            raise ValueError(f"v_max_mps must be positive, got {self.v_max_mps}")
        if not (math.isfinite(self.tau_s) and self.tau_s > 0):
            raise ValueError(f"tau_s must be positive, got {self.tau_s}")
        if not (math.isfinite(self.t0_s) and math.isfinite(self.x0_m)):
            raise ValueError("t0_s and x0_m must be finite")
        if not 0.0 <= self.fraction_of_vmax_in_view <= 1.0:
            raise ValueError("fraction_of_vmax_in_view must be in [0, 1]")
        if self.source not in ("position", "velocity", "splits"):
            raise ValueError(f"unknown source {self.source!r}")
        if self.n_points < self.n_params or not 2 <= self.n_params <= 4:
            raise ValueError("need at least as many points as parameters (2 to 4 parameters)")

    @property
    def at_bound(self) -> bool:
        """True when τ or v_max ended on a bound of the fit (the data asked for a value beyond)."""
        return _at_bound(self.tau_s, TAU_BOUNDS_S) or _at_bound(self.v_max_mps, V_MAX_BOUNDS_MPS)

    @property
    def max_acceleration_mps2(self) -> float:
        """Acceleration at the start of the model run, v_max/τ, m/s²."""
        return self.v_max_mps / self.tau_s

    def velocity_mps(self, t_s: np.ndarray) -> np.ndarray:
        """Model velocity at clock times ``t_s``, m/s."""
        return model_velocity_mps(t_s, self.v_max_mps, self.tau_s, self.t0_s)

    def position_m(self, t_s: np.ndarray) -> np.ndarray:
        """Model position at clock times ``t_s``, m."""
        return model_position_m(t_s, self.v_max_mps, self.tau_s, self.t0_s, self.x0_m)

    def acceleration_mps2(self, t_s: np.ndarray) -> np.ndarray:
        """Model acceleration at clock times ``t_s``, m/s²."""
        return model_acceleration_mps2(t_s, self.v_max_mps, self.tau_s, self.t0_s)

    def to_dict(self) -> dict:
        """JSON-ready dict of the fields, ``max_acceleration_mps2`` and ``at_bound``; NaN → None."""
        d = asdict(self)
        d["max_acceleration_mps2"] = self.max_acceleration_mps2
        d["at_bound"] = self.at_bound
        return json_ready(d)


def _r2(measured: np.ndarray, residual: np.ndarray) -> float:
    ss_tot = float(np.sum((measured - measured.mean()) ** 2))
    return 1.0 - float(np.sum(residual**2)) / ss_tot if ss_tot > 0 else math.nan


def _at_bound(value: float, bounds: tuple[float, float]) -> bool:
    lo, hi = bounds
    return value <= lo * (1 + 1e-3) or value >= hi * (1 - 1e-3)


def _judge(
    *,
    success: bool,
    v_max: float,
    tau: float,
    fraction: float,
    rmse: float,
    rmse_limit: float,
    rmse_unit: str,
    r2: float,
    exact: bool,
) -> tuple[bool, str]:
    """Decide whether a fit holds; return (reliable, reason)."""
    problems: list[str] = []
    if not success:
        problems.append("the curve fit did not converge")
    if _at_bound(tau, TAU_BOUNDS_S):
        problems.append(
            f"the acceleration time constant ended at its limit ({tau:.2f} s), so the data do not "
            "follow the usual acceleration curve"
        )
    if _at_bound(v_max, V_MAX_BOUNDS_MPS):
        problems.append(f"the top speed ended at its limit ({v_max:.2f} m/s)")
    if fraction < MIN_FRACTION_OF_VMAX:
        problems.append(
            f"the data end at {100 * fraction:.0f}% of the estimated top speed, so the top "
            "speed is an extrapolation; film or time a longer run (at least "
            f"{100 * MIN_FRACTION_OF_VMAX:.0f}%)"
        )
    if not exact:
        if rmse > rmse_limit:
            problems.append(
                f"the curve misses the data by {rmse:.3g} {rmse_unit} on average "
                f"(limit {rmse_limit:g} {rmse_unit}); check the input"
            )
        if math.isfinite(r2) and r2 < MIN_R2:
            problems.append(f"the curve explains too little of the data (r² = {r2:.3f})")
    if problems:
        text = "; ".join(problems)
        return False, text[0].upper() + text[1:] + "."
    if exact:
        return True, (
            "As many data points as parameters: the curve passes through every point exactly, so "
            "the fit cannot be checked against the data."
        )
    return True, ""


def _best_of(starts: Sequence[np.ndarray], fun, jac, lower, upper):
    """Run least_squares from the first start; try the others only if it fails or ends on a bound.

    The mono-exponential problems are smooth with one minimum inside the bounds in practice, so
    a fit that converges strictly inside them is kept (this keeps batch fits fast); otherwise the
    lowest-cost result over all starts is returned.
    """
    best = None
    span = upper - lower
    for x0 in starts:
        x0 = np.clip(x0, lower + 1e-6 * span, upper - 1e-6 * span)
        res = least_squares(
            fun,
            x0,
            jac=jac,
            bounds=(lower, upper),
            method="trf",
            xtol=1e-12,
            ftol=1e-12,
            gtol=1e-12,
            max_nfev=2000,
        )
        if best is None or res.cost < best.cost:
            best = res
        inside = np.all(res.x > lower + 1e-4 * span) and np.all(res.x < upper - 1e-4 * span)
        if res.success and inside:
            break
    return best


def _finite_pairs(a: np.ndarray, b: np.ndarray, names: str) -> tuple[np.ndarray, np.ndarray]:
    a = np.asarray(a, dtype=float).ravel()
    b = np.asarray(b, dtype=float).ravel()
    if a.shape != b.shape:
        raise ProfileError(f"The {names} must have the same length; pass one value per sample.")
    ok = np.isfinite(a) & np.isfinite(b)
    a, b = a[ok], b[ok]
    order = np.argsort(a, kind="stable")
    return a[order], b[order]


# --------------------------------------------------------------------------------------------
# Fits
# --------------------------------------------------------------------------------------------


def fit_velocity_curve(
    t_s: np.ndarray, x_m: np.ndarray, *, first_movement_s: float | None = None
) -> VelocityFit:
    """Fit the mono-exponential model to position–time data (e.g. the hip-mid x from video).

    Fits ``v_max``, ``τ``, ``t0`` and ``x0`` of
    ``x(t) = x0 + v_max·(t' + τ·e^(−t'/τ)) − v_max·τ``, ``t' = max(t − t0, 0)``, by least squares on
    position (m). Samples with a NaN time or position are ignored.

    Parameters
    ----------
    t_s : ndarray
        Sample times, s (any clock; the returned ``t0_s`` is on the same clock).
    x_m : ndarray
        Position along the running direction, m (world frame, +x forward); NaN where missing.
    first_movement_s : float, optional
        Time of first movement on the same clock. When given, samples more than 0.5 s before it
        are dropped (setting up in the stance is not part of the run) and it seeds ``t0``.

    Returns
    -------
    VelocityFit
        With ``source="position"``; ``reliable`` is False when less than
        :data:`MIN_FRACTION_OF_VMAX` of v_max is in view, when the rmse exceeds
        :data:`MAX_RMSE_POSITION_M`, r² is below :data:`MIN_R2`, or a parameter ends on its bound.

    Raises
    ------
    ProfileError
        Fewer than 8 usable samples, or the athlete covers less than 1 m in them.
    """
    t, x = _finite_pairs(t_s, x_m, "times and positions")
    if first_movement_s is not None and math.isfinite(first_movement_s):
        keep = t >= first_movement_s - 0.5
        t, x = t[keep], x[keep]
    if t.size < 8:
        raise ProfileError(
            "Too few frames with a hip position to fit a velocity curve; film more of the run."
        )
    if x.max() - x.min() < 1.0:
        raise ProfileError(
            "The athlete covers less than 1 m in view, so no velocity curve can be fitted; film "
            "more of the run."
        )

    # Parameters p = (v_max, tau, t0, x0).
    def fun(p: np.ndarray) -> np.ndarray:
        return model_position_m(t, p[0], p[1], p[2], p[3]) - x

    def jac(p: np.ndarray) -> np.ndarray:
        v, tau, t0, _ = p
        tp = np.maximum(t - t0, 0.0)
        e = np.exp(-tp / tau)
        j = np.empty((t.size, 4))
        j[:, 0] = tp + tau * np.expm1(-tp / tau)
        j[:, 1] = v * (np.expm1(-tp / tau) + (tp / tau) * e)
        j[:, 2] = np.where(t > t0, v * np.expm1(-tp / tau), 0.0)  # −v(t)
        j[:, 3] = 1.0
        return j

    span = t[-1] - t[0]
    lower = np.array([V_MAX_BOUNDS_MPS[0], TAU_BOUNDS_S[0], t[0] - 1.0, x.min() - 2.0])
    upper = np.array([V_MAX_BOUNDS_MPS[1], TAU_BOUNDS_S[1], t[-1] - 0.1 * span, x.max()])
    x_rest = float(np.median(x[: max(3, t.size // 20)]))
    if first_movement_s is not None and math.isfinite(first_movement_s):
        t0_guess = float(first_movement_s)
    else:  # the first sample 5 cm ahead of the resting position
        moved = np.flatnonzero(x > x_rest + 0.05)
        t0_guess = float(t[moved[0]]) if moved.size else float(t[0])
    tail = t >= t[-1] - 0.25 * span
    v_end = float(np.polyfit(t[tail], x[tail], 1)[0]) if tail.sum() >= 2 else 5.0
    starts = [
        np.array([max(v_end, 2.0) * f, tau, t0_guess, x_rest])
        for f in (1.05, 1.3)
        for tau in (0.6, 1.2)
    ]
    res = _best_of(starts, fun, jac, lower, upper)
    v_max, tau, t0, x0 = (float(p) for p in res.x)
    resid = res.fun
    rmse = float(np.sqrt(np.mean(resid**2)))
    r2 = _r2(x, resid)
    fraction = float(model_velocity_mps(t[-1], v_max, tau, t0) / v_max)
    reliable, reason = _judge(
        success=res.success,
        v_max=v_max,
        tau=tau,
        fraction=fraction,
        rmse=rmse,
        rmse_limit=MAX_RMSE_POSITION_M,
        rmse_unit="m",
        r2=r2,
        exact=False,  # at least 8 samples for 4 parameters
    )
    return VelocityFit(
        v_max_mps=v_max,
        tau_s=tau,
        t0_s=t0,
        x0_m=x0,
        rmse_m=rmse,
        rmse_mps=math.nan,
        rmse_s=math.nan,
        r2=r2,
        fraction_of_vmax_in_view=min(max(fraction, 0.0), 1.0),
        n_points=int(t.size),
        n_params=4,
        source="position",
        reliable=reliable,
        reason=reason,
    )


def _until_peak(t: np.ndarray, v: np.ndarray) -> int:
    """Number of leading samples to keep so that a deceleration at the end is left out.

    The mono-exponential model cannot decelerate, so samples after the peak would bias the fit.
    The speed is smoothed by a 0.5-s centred moving average; when it ends more than 2 % below
    its peak, the run decelerated and samples after the peak are dropped (a centred average
    peaks before the speed starts to fall, so what is kept is acceleration and plateau). On a
    noisy plateau the peak is arbitrary, so nothing is dropped there.
    """
    dt = float(np.median(np.diff(t))) if t.size > 1 else 1.0
    n = max(1, round(0.5 / dt))
    half = n // 2
    if v.size <= 2 * half + 1:
        return v.size
    smooth = np.convolve(v, np.ones(n) / n, mode="same")[half : v.size - half]
    peak = int(np.argmax(smooth))
    if smooth[-1] >= 0.98 * smooth[peak]:
        return v.size
    return peak + half + 1


def fit_velocity_trace(
    t_s: np.ndarray, v_mps: np.ndarray, *, until_peak: bool = True
) -> VelocityFit:
    """Fit ``v(t) = v_max·(1 − e^(−(t − t0)/τ))`` (0 before t0) to a radar or laser velocity trace.

    Parameters
    ----------
    t_s : ndarray
        Sample times, s.
    v_mps : ndarray
        Measured forward speed, m/s; NaN samples are ignored.
    until_peak : bool
        When the trace ends in a deceleration, drop the samples after the peak of its 0.5-s
        moving average (the model has no deceleration phase). Default True.

    Returns
    -------
    VelocityFit
        With ``source="velocity"``, ``x0_m = 0`` and ``rmse_mps`` set; unreliable when the rmse
        exceeds :data:`MAX_RMSE_VELOCITY_MPS`, r² is below :data:`MIN_R2`, a parameter ends on its
        bound, or less than :data:`MIN_FRACTION_OF_VMAX` of v_max is reached.

    Raises
    ------
    ProfileError
        Fewer than 8 usable samples or a trace that never exceeds 1 m/s.
    """
    t, v = _finite_pairs(t_s, v_mps, "times and velocities")
    if until_peak and t.size:
        end = _until_peak(t, v)
        t, v = t[:end], v[:end]
    if t.size < 8 or v.max() < 1.0:
        raise ProfileError(
            "The velocity trace is too short or never exceeds 1 m/s; record the whole acceleration."
        )

    def fun(p: np.ndarray) -> np.ndarray:
        return model_velocity_mps(t, p[0], p[1], p[2]) - v

    def jac(p: np.ndarray) -> np.ndarray:
        vm, tau, t0 = p
        tp = np.maximum(t - t0, 0.0)
        e = np.exp(-tp / tau)
        j = np.empty((t.size, 3))
        j[:, 0] = -np.expm1(-tp / tau)
        j[:, 1] = -vm * e * tp / tau**2
        j[:, 2] = np.where(t > t0, -vm * e / tau, 0.0)
        return j

    span = t[-1] - t[0]
    lower = np.array([V_MAX_BOUNDS_MPS[0], TAU_BOUNDS_S[0], t[0] - 2.0])
    upper = np.array([V_MAX_BOUNDS_MPS[1], TAU_BOUNDS_S[1], t[-1] - 0.25 * span])
    moving = np.flatnonzero(v > 0.2 * v.max())
    t0_guess = float(t[moving[0]]) - 0.2 if moving.size else float(t[0])
    starts = [np.array([v.max(), tau, t0_guess]) for tau in (0.6, 1.2)]
    res = _best_of(starts, fun, jac, lower, upper)
    v_max, tau, t0 = (float(p) for p in res.x)
    rmse = float(np.sqrt(np.mean(res.fun**2)))
    r2 = _r2(v, res.fun)
    fraction = float(model_velocity_mps(t[-1], v_max, tau, t0) / v_max)
    reliable, reason = _judge(
        success=res.success,
        v_max=v_max,
        tau=tau,
        fraction=fraction,
        rmse=rmse,
        rmse_limit=MAX_RMSE_VELOCITY_MPS,
        rmse_unit="m/s",
        r2=r2,
        exact=t.size <= 3,
    )
    return VelocityFit(
        v_max_mps=v_max,
        tau_s=tau,
        t0_s=t0,
        x0_m=0.0,
        rmse_m=math.nan,
        rmse_mps=rmse,
        rmse_s=math.nan,
        r2=r2,
        fraction_of_vmax_in_view=min(max(fraction, 0.0), 1.0),
        n_points=int(t.size),
        n_params=3,
        source="velocity",
        reliable=reliable,
        reason=reason,
    )


def _check_splits(distances_m: Sequence[float], times_s: Sequence[float]) -> tuple[np.ndarray, ...]:
    """Validate split input; return (distances, times) as arrays, NaN pairs removed."""
    d = np.asarray(distances_m, dtype=float).ravel()
    t = np.asarray(times_s, dtype=float).ravel()
    if d.shape != t.shape:
        raise ProfileError("Give one time for each split distance.")
    ok = np.isfinite(d) & np.isfinite(t)
    d, t = d[ok], t[ok]
    if d.size < 2:
        raise ProfileError(
            "At least two split times are needed to fit a velocity curve (e.g. 10 and 40 yards)."
        )
    if np.any(d <= 0) or np.any(t <= 0):
        raise ProfileError("Split distances and times must be positive; check the entered splits.")
    if np.any(np.diff(d) <= 0):
        raise ProfileError(
            "Split distances must be given in increasing order without repeats; check the splits."
        )
    if np.any(np.diff(t) <= 0):
        raise ProfileError(
            "Split times must increase with distance; check that no two splits were swapped."
        )
    seg_speed = np.diff(np.concatenate([[0.0], d])) / np.diff(np.concatenate([[0.0], t]))
    if np.any(seg_speed > MAX_MEAN_SPEED_MPS):
        raise ProfileError(
            f"These splits imply a speed above {MAX_MEAN_SPEED_MPS:g} m/s, faster than any human; "
            "check the times and the distance units (yards or metres)."
        )
    return d, t


def fit_splits(
    distances_m: Sequence[float], times_s: Sequence[float], *, time_shift: bool = True
) -> VelocityFit:
    """Fit the mono-exponential model to split times.

    The fit is in time: the model time to reach each distance (Lambert W, see the module
    docstring) plus the shift ``t0`` is compared with the measured split time.

    - With 3 or more splits and ``time_shift=True``: ``v_max``, ``τ`` and ``t0`` are fitted. ``t0``
      (s) is the clock time of the model's start: it absorbs the difference between the clock
      start (first movement, a gate broken by a body already moving) and the idealised curve,
      which otherwise biases τ and v_max (Haugen et al. 2012). With exactly 3 splits the curve
      passes through all three.
    - With 2 splits, or ``time_shift=False``: ``v_max`` and ``τ`` only, ``t0 = 0`` (the clock
      starts with the run).

    Parameters
    ----------
    distances_m : sequence of float
        Split distances from the start line, m (use :func:`parse_splits` for yards). NaN pairs
        are dropped (e.g. a line that was not in view).
    times_s : sequence of float
        Split times from the clock start, s.
    time_shift : bool
        Fit the time shift ``t0`` when there are at least 3 splits. Default True.

    Returns
    -------
    VelocityFit
        With ``source="splits"``, ``x0_m = 0``, ``rmse_s`` (time residuals), ``rmse_m``
        (model distance at each split time minus the split distance) and r² of the split times.

    Raises
    ------
    ProfileError
        Fewer than two splits, non-positive values, distances or times out of order, or a
        segment faster than :data:`MAX_MEAN_SPEED_MPS`.
    """
    d, t = _check_splits(distances_m, times_s)
    shift = time_shift and d.size >= 3

    def unpack(p: np.ndarray) -> tuple[float, float, float]:
        return float(p[0]), float(p[1]), float(p[2]) if shift else 0.0

    def fun(p: np.ndarray) -> np.ndarray:
        v, tau, t0 = unpack(p)
        return t0 + _run_time_s(d, v, tau) - t

    def jac(p: np.ndarray) -> np.ndarray:
        # Implicit differentiation of x(t'; v, τ) = d: dt'/dθ = −(∂x/∂θ) / v(t').
        v, tau, _ = unpack(p)
        tp = _run_time_s(d, v, tau)
        em1 = np.expm1(-tp / tau)
        vel = v * -em1
        j = np.empty((d.size, 3 if shift else 2))
        j[:, 0] = -(d / v) / vel
        j[:, 1] = -v * (em1 + (tp / tau) * np.exp(-tp / tau)) / vel
        if shift:
            j[:, 2] = 1.0
        return j

    v_last_seg = (d[-1] - d[-2]) / (t[-1] - t[-2])
    v_guess = float(
        np.clip(1.05 * v_last_seg, V_MAX_BOUNDS_MPS[0] + 0.1, V_MAX_BOUNDS_MPS[1] - 0.1)
    )
    lower = [V_MAX_BOUNDS_MPS[0], TAU_BOUNDS_S[0]]
    upper = [V_MAX_BOUNDS_MPS[1], TAU_BOUNDS_S[1]]
    if shift:
        lower.append(-2.0)
        upper.append(float(t[0]) - 1e-3)  # the model must start before the first split
    starts = []
    for tau in (0.5, 0.9, 1.5):
        starts.append(np.array([v_guess, tau, 0.0][: len(lower)]))
    res = _best_of(starts, fun, jac, np.array(lower), np.array(upper))
    v_max, tau, t0 = unpack(res.x)
    rmse_s = float(np.sqrt(np.mean(res.fun**2)))
    r2 = _r2(t, res.fun)
    rmse_m = float(np.sqrt(np.mean((model_position_m(t, v_max, tau, t0) - d) ** 2)))
    fraction = float(model_velocity_mps(t[-1], v_max, tau, t0) / v_max)
    n_params = 3 if shift else 2
    reliable, reason = _judge(
        success=res.success,
        v_max=v_max,
        tau=tau,
        fraction=fraction,
        rmse=rmse_s,
        rmse_limit=MAX_RMSE_SPLITS_S,
        rmse_unit="s",
        r2=r2,
        exact=d.size <= n_params,
    )
    return VelocityFit(
        v_max_mps=v_max,
        tau_s=tau,
        t0_s=t0,
        x0_m=0.0,
        rmse_m=rmse_m,
        rmse_mps=math.nan,
        rmse_s=rmse_s,
        r2=r2 if d.size > n_params else math.nan,
        fraction_of_vmax_in_view=min(max(fraction, 0.0), 1.0),
        n_points=int(d.size),
        n_params=n_params,
        source="splits",
        reliable=reliable,
        reason=reason,
    )


def predict_splits(
    fit: VelocityFit, distances_m: Sequence[float], *, clock_start_s: float = 0.0
) -> np.ndarray:
    """Model times at which the run reaches ``distances_m``, s after ``clock_start_s``.

    Time = ``t0 + t'(d − x0) − clock_start_s``, with ``t'`` from the Lambert-W inverse. For a
    split fit the clock is the split clock (leave ``clock_start_s`` at 0); for a video fit pass
    the first-movement time to get splits from first movement. NaN for distances at or behind
    the resting position ``x0``.
    """
    d = np.asarray(distances_m, dtype=float) - fit.x0_m
    out = np.full(d.shape, math.nan)
    ok = np.isfinite(d) & (d > 0)
    out[ok] = fit.t0_s + _run_time_s(d[ok], fit.v_max_mps, fit.tau_s) - clock_start_s
    return out


_SPLIT_ITEM = re.compile(
    r"^\s*(?P<dist>\d+(?:\.\d*)?|\.\d+)\s*(?P<unit>yds?|yards?|y|m|metres?|meters?)\s*"
    r"[=:]\s*(?P<time>\d+(?:\.\d*)?|\.\d+)\s*s?\s*$",
    re.IGNORECASE,
)


def parse_splits(text: str) -> dict[float, float]:
    """Parse split times such as ``"10yd=1.62,20yd=2.68,40yd=4.52"`` or ``"5m=1.05; 10m=1.80"``.

    Items are separated by commas or semicolons; each is ``<distance><unit>=<time>`` (``:`` also
    works) with unit ``yd``/``y``/``yards`` or ``m``/``metres`` and time in seconds (an optional
    trailing ``s``).

    Returns
    -------
    dict[float, float]
        Distance in metres (rounded to 1e-9 m so that ``10yd`` is exactly ``9.144``) → time in s,
        in increasing order of distance.

    Raises
    ------
    ProfileError
        An item that cannot be read, or a distance given twice.
    """
    out: dict[float, float] = {}
    items = [s for s in re.split(r"[,;]", text) if s.strip()]
    if not items:
        raise ProfileError('No split times given; write them like "10yd=1.62,40yd=4.52".')
    for item in items:
        m = _SPLIT_ITEM.match(item)
        if m is None:
            raise ProfileError(
                f'Cannot read the split "{item.strip()}"; write it like "10yd=1.62" or "10m=1.80".'
            )
        dist = float(m["dist"])
        dist_m = round(dist * YARD_M if m["unit"].lower().startswith("y") else dist, 9)
        if dist_m in out:
            raise ProfileError(f"The split at {dist_m:g} m is given twice; keep one.")
        out[dist_m] = float(m["time"])
    return dict(sorted(out.items()))


# --------------------------------------------------------------------------------------------
# Force–velocity profile
# --------------------------------------------------------------------------------------------


def air_density_kg_m3(temperature_c: float = 20.0, pressure_mmhg: float = 760.0) -> float:
    """Air density ρ = 1.293·(P/760)·273/(273 + T), kg/m³ (T in °C, P in mmHg)."""
    return 1.293 * (pressure_mmhg / 760.0) * 273.0 / (273.0 + temperature_c)


def frontal_area_m2(mass_kg: float, height_m: float) -> float:
    """Athlete's frontal area A_f = 0.2025·h^0.725·m^0.425·0.266, m² (body surface area × 0.266)."""
    return 0.2025 * height_m**0.725 * mass_kg**0.425 * 0.266


def drag_factor_kg_per_m(
    mass_kg: float, height_m: float, temperature_c: float = 20.0, pressure_mmhg: float = 760.0
) -> float:
    """Air-drag factor k = 0.5·ρ·A_f·C_d (C_d = 0.9), kg/m, so that F_air = k·v² (still air)."""
    return (
        0.5
        * air_density_kg_m3(temperature_c, pressure_mmhg)
        * frontal_area_m2(mass_kg, height_m)
        * DRAG_COEFFICIENT
    )


@dataclass(frozen=True)
class FVProfile:
    """Horizontal force–velocity profile by Samozino's simple method (metrics.md).

    The model curve of ``fit`` is sampled over ``t' ∈ [0, FV_WINDOW_S]`` at ``FV_SAMPLE_HZ``;
    at each sample ``F_H = m·a + k·v²`` (horizontal force on the ground, N).

    Attributes
    ----------
    F0_n, F0_n_per_kg : float
        Intercept of the least-squares line F_H(v): theoretical maximal horizontal force, N and
        N/kg.
    V0_mps : float
        Velocity at which that line reaches zero force, m/s.
    Pmax_w, Pmax_w_per_kg : float
        Maximal horizontal power F0·V0/4, W and W/kg.
    fv_slope : float
        Slope of the F–v line per kg of body mass, N·s/m/kg (= −F0_n_per_kg / V0_mps, negative).
    RF_max : float
        Maximal ratio of forces RF = F_H/√(F_H² + (m·g)²) over t' > ``RF_CUTOFF_S``, dimensionless.
    DRF : float
        Slope of RF against velocity over t' > ``RF_CUTOFF_S``, per m/s (negative; closer to 0 is
        a better-kept force orientation).
    fv_r2 : float
        r² of the F–v line (how straight F_H(v) is; drag bends it slightly).
    fit_rmse_m, fit_rmse_mps, fit_rmse_s : float
        Residuals of the underlying velocity fit (see :class:`VelocityFit`).
    mass_kg, height_m, temperature_c, pressure_mmhg : float
        Inputs used.
    drag_k_kg_per_m : float
        Drag factor k used, kg/m.
    v_max_mps, tau_s : float
        The velocity-curve parameters the profile was made from.
    source : str
        ``source`` of the velocity fit.
    reliable : bool
        Whether the velocity fit holds (copied from it).
    reason : str
        Why not, or a note (copied from the fit).
    """

    F0_n: float
    F0_n_per_kg: float
    V0_mps: float
    Pmax_w: float
    Pmax_w_per_kg: float
    fv_slope: float
    RF_max: float
    DRF: float
    fv_r2: float
    fit_rmse_m: float
    fit_rmse_mps: float
    fit_rmse_s: float
    mass_kg: float
    height_m: float
    temperature_c: float
    pressure_mmhg: float
    drag_k_kg_per_m: float
    v_max_mps: float
    tau_s: float
    source: str
    reliable: bool
    reason: str

    def __post_init__(self) -> None:
        for name in ("F0_n", "V0_mps", "Pmax_w", "mass_kg", "height_m"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be positive, got {value}")
        if not 0 < self.RF_max <= 1:
            raise ValueError(f"RF_max must be in (0, 1], got {self.RF_max}")

    def to_dict(self) -> dict:
        """JSON-ready dict of the fields; NaN becomes None."""
        return json_ready(asdict(self))


def force_velocity_profile(
    fit: VelocityFit,
    *,
    mass_kg: float | None,
    height_m: float | None,
    temperature_c: float = 20.0,
    pressure_mmhg: float = 760.0,
    require_reliable: bool = True,
) -> FVProfile:
    """Samozino's simple force–velocity profile from a velocity fit.

    On the model curve (``t' = t − t0`` from 0 to :data:`FV_WINDOW_S` s every 1/:data:`FV_SAMPLE_HZ`
    s): ``a = (v_max/τ)·e^(−t'/τ)``, ``v = v_max·(1 − e^(−t'/τ))``, air drag ``F_air = k·v²`` with
    ``k = 0.5·ρ·A_f·C_d`` (:func:`drag_factor_kg_per_m`), ``F_H = m·a + F_air``. A least-squares
    line F_H(v) gives F0 (intercept), V0 (zero-force velocity) and ``Pmax = F0·V0/4``;
    ``RF = F_H/√(F_H² + (m·g)²)``; RF_max is its maximum for t' > :data:`RF_CUTOFF_S` and DRF the
    slope of the RF(v) line there.

    Parameters
    ----------
    fit : VelocityFit
        From :func:`fit_velocity_curve`, :func:`fit_velocity_trace` or :func:`fit_splits`.
    mass_kg : float
        Body mass, kg (20–250).
    height_m : float
        Standing height, m (1.0–2.5).
    temperature_c : float
        Air temperature, °C. Default 20.
    pressure_mmhg : float
        Barometric pressure, mmHg. Default 760.
    require_reliable : bool
        Raise when the fit is flagged unreliable (default), instead of returning a profile that
        carries ``reliable=False``.

    Raises
    ------
    ProfileError
        Missing or implausible mass or height, or an unreliable fit with ``require_reliable``.
    """
    if mass_kg is None or not math.isfinite(mass_kg):
        raise ProfileError(
            "Body mass is needed for a force–velocity profile; enter the athlete's mass in kg."
        )
    if not 20.0 <= mass_kg <= 250.0:
        raise ProfileError(
            f"A body mass of {mass_kg:g} kg is not plausible; enter the mass in kilograms."
        )
    if height_m is None or not math.isfinite(height_m):
        raise ProfileError(
            "Standing height is needed for the air-drag part of the profile; enter it in metres."
        )
    if not 1.0 <= height_m <= 2.5:
        raise ProfileError(f"A height of {height_m:g} m is not plausible; enter it in metres.")
    if not (-30.0 <= temperature_c <= 50.0 and 400.0 <= pressure_mmhg <= 800.0):
        raise ProfileError(
            "Temperature must be in °C (−30 to 50) and pressure in mmHg (400 to 800)."
        )
    if require_reliable and not fit.reliable:
        raise ProfileError(f"No force–velocity profile from this run: {fit.reason}")

    m = float(mass_kg)
    k = drag_factor_kg_per_m(m, height_m, temperature_c, pressure_mmhg)
    tp = np.linspace(0.0, FV_WINDOW_S, round(FV_WINDOW_S * FV_SAMPLE_HZ) + 1)
    v = model_velocity_mps(tp, fit.v_max_mps, fit.tau_s, 0.0)
    a = model_acceleration_mps2(tp, fit.v_max_mps, fit.tau_s, 0.0)
    f_h = m * a + k * v**2
    slope, f0 = np.polyfit(v, f_h, 1)
    fv_r2 = _r2(f_h, f_h - (f0 + slope * v))
    v0 = -f0 / slope
    rf = f_h / np.hypot(f_h, m * G_MPS2)
    late = tp > RF_CUTOFF_S
    drf = float(np.polyfit(v[late], rf[late], 1)[0])
    pmax = f0 * v0 / 4.0
    return FVProfile(
        F0_n=float(f0),
        F0_n_per_kg=float(f0 / m),
        V0_mps=float(v0),
        Pmax_w=float(pmax),
        Pmax_w_per_kg=float(pmax / m),
        fv_slope=float(slope / m),
        RF_max=float(rf[late].max()),
        DRF=drf,
        fv_r2=float(fv_r2),
        fit_rmse_m=fit.rmse_m,
        fit_rmse_mps=fit.rmse_mps,
        fit_rmse_s=fit.rmse_s,
        mass_kg=m,
        height_m=float(height_m),
        temperature_c=float(temperature_c),
        pressure_mmhg=float(pressure_mmhg),
        drag_k_kg_per_m=float(k),
        v_max_mps=fit.v_max_mps,
        tau_s=fit.tau_s,
        source=fit.source,
        reliable=fit.reliable,
        reason=fit.reason,
    )
