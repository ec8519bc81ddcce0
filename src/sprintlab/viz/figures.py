"""Plotly figures of reps: hip velocity over time, per-step metrics, metrics across sessions.

Pure builders: each takes tables (pandas) and returns a ``plotly.graph_objects.Figure``; nothing
here imports Streamlit, so the figures can be written to HTML or tested on their own.

Every axis title carries its unit and every hover label the metric's definition (from
``metrics.md``), so a chart read out of context still says what it shows. Several reps on one
chart get one colour each (:data:`REP_COLOURS`), in the order given.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..metric_registry import METRICS, METRICS_LIST, digits_of
from ..units import YARD_M

REP_COLOURS: tuple[str, ...] = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd")
"""One colour per rep on overlaid charts (blue, red, green, purple); the first rep is blue."""

UNIT_OF_SUFFIX: dict[str, str] = {
    "_mps": "m/s",
    "_hz": "Hz",
    "_deg": "°",
    "_m": "m",
    "_s": "s",
    "_n_per_kg": "N/kg",
    "_w_per_kg": "W/kg",
}

# Labels and definitions come from the one registry of metrics (sprintlab.metric_registry).
FIELD_LABELS: dict[str, str] = {m.name: m.label for m in METRICS_LIST}
FIELD_HELP: dict[str, str] = {m.name: m.definition for m in METRICS_LIST}

SPLIT_DISTANCES_M: dict[str, float] = {
    "5yd_s": 5 * YARD_M,
    "10yd_s": 10 * YARD_M,
    "20yd_s": 20 * YARD_M,
    "40yd_s": 40 * YARD_M,
}


def unit_of(name: str) -> str:
    """The unit of a column (``"step_length_m"`` -> ``"m"``): the registry's, else from the
    name's unit suffix, or ``""``."""
    m = METRICS.get(name)
    if m is not None:
        return m.unit
    for suffix in sorted(UNIT_OF_SUFFIX, key=len, reverse=True):
        if name.endswith(suffix):
            return UNIT_OF_SUFFIX[suffix]
    return ""


def label_of(name: str, *, with_unit: bool = True) -> str:
    """Human label of a column: ``"Step length (m)"``."""
    label = FIELD_LABELS.get(name, name.replace("_", " "))
    unit = unit_of(name)
    return f"{label} ({unit})" if with_unit and unit else label


@dataclass(frozen=True)
class RepSeries:
    """What the figures need of one rep.

    Attributes
    ----------
    label : str
        Legend name, e.g. ``"Ann Lee · 2026-03-14 · rep 2"``.
    steps : pandas.DataFrame
        One row per step with the :data:`sprintlab.steps.STEP_FIELDS` columns.
    series : pandas.DataFrame
        Per-frame signals with at least ``t_s`` and ``hip_vx_mps`` (may be empty).
    first_movement_s : float
        s from the first frame of the clip (NaN when not found).
    splits : dict
        ``"5yd_s"`` … ``"40yd_s"``: s from first movement, None/NaN when not reached.
    """

    label: str
    steps: pd.DataFrame
    series: pd.DataFrame = field(default_factory=pd.DataFrame)
    first_movement_s: float = math.nan
    splits: dict[str, float | None] = field(default_factory=dict)


def _finite(value: object) -> bool:
    try:
        return value is not None and math.isfinite(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def _layout(fig: go.Figure, title: str, *, height_px: int = 380) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0.0, "xanchor": "left", "y": 0.995, "yanchor": "top"},
        height=height_px,
        margin={"l": 60, "r": 20, "t": 50, "b": 50},
        # Legend under the title, left-aligned, so long rep names never run into the title.
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0, "xanchor": "left"},
        hovermode="closest",
        template="plotly_white",
    )
    return fig


def hip_velocity_figure(reps: Sequence[RepSeries]) -> go.Figure:
    """Hip horizontal velocity against time from first movement, one line per rep.

    Time 0 is each rep's first movement, so reps line up at the start whatever their clip
    timing. Each split the rep reached is marked with a diamond on its curve at the split time.
    """
    fig = go.Figure()
    unaligned = []
    for i, rep in enumerate(reps):
        colour = REP_COLOURS[i % len(REP_COLOURS)]
        s = rep.series
        if not _finite(rep.first_movement_s):
            # No observed start: its clip time is not time from first movement.
            unaligned.append(rep.label)
            continue
        fm = float(rep.first_movement_s)
        if not s.empty and {"t_s", "hip_vx_mps"} <= set(s.columns):
            t_rel = s["t_s"].to_numpy(float) - fm
            fig.add_trace(
                go.Scatter(
                    x=t_rel,
                    y=s["hip_vx_mps"],
                    mode="lines",
                    name=rep.label,
                    line={"color": colour, "width": 2},
                    legendgroup=rep.label,
                    hovertemplate=(
                        "t = %{x:.3f} s from first movement<br>hip velocity = %{y:.2f} m/s"
                        f"<extra>{rep.label}</extra>"
                    ),
                )
            )
        xs, ys, texts = [], [], []
        for key, value in rep.splits.items():
            if not _finite(value) or s.empty:
                continue
            t = float(value)  # type: ignore[arg-type]
            v = float(np.interp(t + fm, s["t_s"], s["hip_vx_mps"]))
            xs.append(t)
            ys.append(v)
            texts.append(key.replace("_s", "").replace("yd", " yd"))
        if xs:
            fig.add_trace(
                go.Scatter(
                    x=xs,
                    y=ys,
                    mode="markers+text",
                    text=texts,
                    textposition="top center",
                    marker={"symbol": "diamond", "size": 10, "color": colour},
                    name=f"{rep.label}: splits",
                    legendgroup=rep.label,
                    showlegend=False,
                    hovertemplate=(
                        "%{text} split: %{x:.3f} s from first movement"
                        f"<extra>{rep.label}</extra>"
                    ),
                )
            )
    fig.add_vline(x=0.0, line={"color": "grey", "dash": "dot"})
    if unaligned:
        fig.add_annotation(
            text="Not shown, first movement not reported:<br>" + "<br>".join(unaligned),
            xref="paper",
            yref="paper",
            x=0.0,
            y=1.0,
            xanchor="left",
            showarrow=False,
            font={"size": 11, "color": "#b45309"},
        )
    fig.update_xaxes(title_text="Time from first movement (s)")
    fig.update_yaxes(title_text="Hip horizontal velocity (m/s)", rangemode="tozero")
    return _layout(fig, "Hip velocity (splits marked ◆)")


def _with_missing_steps(steps: pd.DataFrame, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Step numbers and values of ``name`` with every missed step number in between present
    as NaN, so that a line never joins step 1 to step 5 across missed steps 2–4."""
    numbers = pd.to_numeric(steps["number"], errors="coerce")
    values = pd.to_numeric(steps[name], errors="coerce")
    ok = numbers.notna()
    if not ok.any():
        return np.zeros(0), np.zeros(0)
    series = pd.Series(values[ok].to_numpy(float), index=numbers[ok].astype(int).to_numpy())
    series = series[~series.index.duplicated()]
    full = np.arange(int(series.index.min()), int(series.index.max()) + 1)
    return full, series.reindex(full).to_numpy(float)


def steps_figure(
    reps: Sequence[RepSeries], fields: Sequence[str], title: str, *, height_px: int | None = None
) -> go.Figure:
    """Per-step values of ``fields`` (one panel each, stacked) with one colour per rep.

    Missing values (NaN) leave a gap rather than a zero. Hovering a point shows the value and
    the metric's definition.
    """
    n = len(fields)
    fig = make_subplots(rows=n, cols=1, shared_xaxes=True, vertical_spacing=0.12 if n > 1 else 0)
    for row, name in enumerate(fields, start=1):
        unit = unit_of(name)
        help_text = FIELD_HELP.get(name, "")
        for i, rep in enumerate(reps):
            steps = rep.steps
            if steps.empty or name not in steps.columns:
                continue
            colour = REP_COLOURS[i % len(REP_COLOURS)]
            x, y = _with_missing_steps(steps, name)
            digits = digits_of(name)
            fig.add_trace(
                go.Scatter(
                    x=x,
                    y=y,
                    mode="lines+markers",
                    name=rep.label,
                    legendgroup=rep.label,
                    showlegend=row == 1,
                    line={"color": colour},
                    marker={"size": 8},
                    hovertemplate=(
                        f"step %{{x}}<br>{label_of(name, with_unit=False)} = "
                        f"%{{y:.{digits}f}} {unit}"
                        f"<br><i>{help_text}</i><extra>{rep.label}</extra>"
                    ),
                ),
                row=row,
                col=1,
            )
        measured = any(
            name in r.steps.columns and pd.to_numeric(r.steps[name], errors="coerce").notna().any()
            for r in reps
        )
        if not measured:
            # An empty panel would look like a chart of zeros; say why it is empty instead.
            fig.add_annotation(
                text="not measured (see the rep's warnings)",
                showarrow=False,
                xref=f"x{row if row > 1 else ''} domain",
                yref=f"y{row if row > 1 else ''} domain",
                x=0.5,
                y=0.5,
                font={"color": "grey"},
            )
        fig.update_yaxes(title_text=label_of(name), row=row, col=1)
    fig.update_xaxes(title_text="Step number", dtick=1, row=n, col=1)
    return _layout(fig, title, height_px=height_px or (220 + 200 * n))


STEP_CHARTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Step length and step frequency", ("step_length_m", "step_frequency_hz")),
    ("Contact and flight time", ("contact_time_s", "flight_time_s")),
    ("Shin and trunk angle at touchdown", ("shin_angle_td_deg", "trunk_angle_td_deg")),
    ("Touchdown distance (foot ahead of + / behind − the hip)", ("touchdown_distance_m",)),
)
"""The per-step charts of the rep and compare pages: (title, fields)."""


#: Least span of the value axis of an athlete's trend, per metric (its units): about the spread
#: between a college athlete's good and bad day, so one session's noise stays small on it.
TREND_MIN_SPAN: dict[str, float] = {
    "split_5yd_s": 0.3,
    "split_10yd_s": 0.4,
    "split_20yd_s": 0.5,
    "split_40yd_s": 0.8,
    "peak_hip_velocity_mps": 2.0,
    "first_step_length_m": 0.5,
    "mean_contact_1_4_s": 0.1,
    "shin_angle_td_1_deg": 40.0,
    "v_max_mps": 2.0,
    "tau_s": 0.6,
    "f0_n_per_kg": 4.0,
    "pmax_w_per_kg": 10.0,
}


def session_trend_figure(
    table: pd.DataFrame,
    metric: str,
    *,
    band: tuple[float, float] | None = None,
    band_label: str = "",
    error_half_width: float = math.nan,
) -> go.Figure:
    """One metric of one athlete across sessions: best and mean per session.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per session with ``date``, ``session``, ``best``, ``mean`` and ``n_reps``.
    metric : str
        Unit-suffixed column name the values come from (titles and units).
    band : (low, high), optional
        A reference range drawn as a shaded band (e.g. the athlete's position group at the
        combine).
    band_label : str
        What the band is, for the legend.
    error_half_width : float
        sprintlab's measured 95% error of one rep in this metric (half the limits' width, its
        units): shaded around the bests, so that a change inside it reads as possible noise.

    The value axis spans at least :data:`TREND_MIN_SPAN` of the metric: two sessions 40 ms
    apart do not fill the chart as a steep trend.
    """
    fig = go.Figure()
    unit = unit_of(metric)
    if _finite(error_half_width) and len(table):
        best = table["best"].astype(float)
        fig.add_trace(
            go.Scatter(
                x=list(table["date"]) + list(table["date"])[::-1],
                y=list(best + error_half_width) + list(best - error_half_width)[::-1],
                mode="lines",
                fill="toself",
                fillcolor="rgba(31,119,180,0.15)",
                line={"width": 0},
                name=f"measurement error (±{error_half_width:.3g} {unit})",
                hoverinfo="skip",
            )
        )
    if band is not None and all(_finite(b) for b in band):
        lo, hi = float(band[0]), float(band[1])
        fig.add_hrect(
            y0=lo,
            y1=hi,
            fillcolor="rgba(44,160,44,0.15)",
            line_width=0,
            annotation_text=band_label,
            annotation_position="top left",
        )
        # An invisible trace so the band has a legend entry and a hover.
        fig.add_trace(
            go.Scatter(
                x=[table["date"].iloc[0]] if len(table) else [],
                y=[(lo + hi) / 2],
                mode="markers",
                marker={"color": "rgba(44,160,44,0.4)", "symbol": "square", "size": 12},
                name=band_label or "reference",
                hovertemplate=f"{band_label}: {lo:.2f}–{hi:.2f} {unit}<extra></extra>",
            )
        )
    custom = np.stack([table["session"].astype(str), table["n_reps"].astype(int)], axis=-1)
    fig.add_trace(
        go.Scatter(
            x=table["date"],
            y=table["best"],
            mode="lines+markers",
            name="best of the session",
            line={"color": REP_COLOURS[0], "width": 2},
            marker={"size": 9},
            customdata=custom,
            hovertemplate=(
                f"%{{customdata[0]}} (%{{x}})<br>best = %{{y:.3f}} {unit} of %{{customdata[1]}} "
                f"reps<br><i>{FIELD_HELP.get(metric, '')}</i><extra></extra>"
            ),
        )
    )
    fig.add_trace(
        go.Scatter(
            x=table["date"],
            y=table["mean"],
            mode="lines+markers",
            name="mean of the session",
            line={"color": "grey", "dash": "dash"},
            customdata=custom,
            hovertemplate=(
                f"%{{customdata[0]}} (%{{x}})<br>mean = %{{y:.3f}} {unit} of %{{customdata[1]}} "
                "reps<extra></extra>"
            ),
        )
    )
    fig.update_xaxes(title_text="Session date", type="category")
    fig.update_yaxes(title_text=label_of(metric))
    # Shapes do not enter plotly's autorange, and autorange blows small differences up: the
    # range is set from the data, the error, the band and the metric's least span.
    values = pd.concat([table["best"], table["mean"]]).astype(float).tolist()
    if _finite(error_half_width):
        values += [v + s * error_half_width for v in table["best"].astype(float) for s in (-1, 1)]
    if band is not None and all(_finite(b) for b in band):
        values += [float(b) for b in band]
    values = [v for v in values if math.isfinite(v)]
    if values:
        lo, hi = min(values), max(values)
        pad = 0.08 * (hi - lo) if hi > lo else 0.05 * abs(hi) or 0.1
        lo, hi = lo - pad, hi + pad
        short = TREND_MIN_SPAN.get(metric, 0.0) - (hi - lo)
        if short > 0:
            lo, hi = lo - short / 2, hi + short / 2
        fig.update_yaxes(range=[lo, hi])
    return _layout(fig, label_of(metric, with_unit=False), height_px=340)


def velocity_fit_figure(series: pd.DataFrame, profile: dict | None, first_movement_s: float):
    """Measured hip velocity with the fitted model v = v_max·(1 − e^(−(t − t0)/τ)) over it.

    Time is from first movement. Returns None when the rep has no velocity fit.
    """
    fit = (profile or {}).get("velocity_fit")
    if not fit or not _finite(fit.get("v_max_mps")) or not _finite(fit.get("tau_s")):
        return None
    from ..profile import model_velocity_mps

    # Without an observed first movement, time runs from the fit's own start, and says so.
    observed = _finite(first_movement_s)
    fm = float(first_movement_s) if observed else float(fit.get("t0_s") or 0.0)
    fig = go.Figure()
    if not series.empty and {"t_s", "hip_vx_mps"} <= set(series.columns):
        fig.add_trace(
            go.Scatter(
                x=series["t_s"].to_numpy(float) - fm,
                y=series["hip_vx_mps"],
                mode="lines",
                name="measured (hip)",
                line={"color": "#9aa5b1", "width": 2},
                hovertemplate="t = %{x:.3f} s<br>v = %{y:.2f} m/s<extra>measured</extra>",
            )
        )
        t_end = float(series["t_s"].max()) - fm
    else:
        t_end = 3.0
    t0 = float(fit.get("t0_s") or fm)
    t = np.linspace(t0 - fm, max(t_end, t0 - fm + 0.5), 200)
    v = model_velocity_mps(t + fm, float(fit["v_max_mps"]), float(fit["tau_s"]), t0)
    status = "" if fit.get("reliable") else " (not reliable)"
    fig.add_trace(
        go.Scatter(
            x=t,
            y=v,
            mode="lines",
            name=(
                f"fit: v_max {float(fit['v_max_mps']):.2f} m/s, "
                f"τ {float(fit['tau_s']):.2f} s{status}"
            ),
            line={"color": REP_COLOURS[0], "width": 3, "dash": "dash"},
            hovertemplate="t = %{x:.3f} s<br>model v = %{y:.2f} m/s<extra>fit</extra>",
        )
    )
    fig.add_hline(
        y=float(fit["v_max_mps"]), line={"color": "grey", "dash": "dot"}, annotation_text="v_max"
    )
    fig.update_xaxes(
        title_text="Time from first movement (s)"
        if observed
        else "Time from the fitted start (s): first movement not reported"
    )
    fig.update_yaxes(title_text="Hip horizontal velocity (m/s)", rangemode="tozero")
    return _layout(fig, "Velocity curve and its mono-exponential fit")


def force_velocity_figure(profile: dict | None):
    """The horizontal force–velocity line F(v) = F0·(1 − v/V0), per kg, with F0, V0 and the
    velocity of maximal power (V0/2, where P = Pmax) marked. None without a profile."""
    fv = (profile or {}).get("force_velocity")
    if not fv or not _finite(fv.get("F0_n_per_kg")) or not _finite(fv.get("V0_mps")):
        return None
    f0, v0 = float(fv["F0_n_per_kg"]), float(fv["V0_mps"])
    pmax = float(fv.get("Pmax_w_per_kg") or f0 * v0 / 4)
    v = np.linspace(0.0, v0, 100)
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=v,
            y=f0 * (1 - v / v0),
            mode="lines",
            name="force (N/kg)",
            line={"color": REP_COLOURS[0], "width": 3},
            hovertemplate="v = %{x:.2f} m/s<br>F = %{y:.2f} N/kg<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=v,
            y=f0 * v * (1 - v / v0),
            mode="lines",
            name="power (W/kg)",
            line={"color": REP_COLOURS[1 % len(REP_COLOURS)], "width": 2, "dash": "dot"},
            hovertemplate="v = %{x:.2f} m/s<br>P = %{y:.1f} W/kg<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=[0.0, v0, v0 / 2],
            y=[f0, 0.0, pmax],
            mode="markers+text",
            text=[f"F0 {f0:.2f} N/kg", f"V0 {v0:.2f} m/s", f"Pmax {pmax:.1f} W/kg"],
            textposition=["middle right", "top left", "top center"],
            marker={"size": 10, "color": "black"},
            showlegend=False,
            hoverinfo="text",
        )
    )
    fig.update_xaxes(title_text="Horizontal velocity (m/s)", rangemode="tozero")
    fig.update_yaxes(title_text="Horizontal force (N/kg) · power (W/kg)", rangemode="tozero")
    return _layout(fig, "Force–velocity profile (Samozino's method)")
