"""Team outputs of a session: ``session_summary.csv``, ``steps.csv`` and an HTML report.

- ``session_summary.csv``: one row per rep of the session (analysed and failed), with the rep
  metrics of :func:`sprintlab.library.rep_metrics`: splits, step metrics, the acceleration
  profile (τ, F0, V0, Pmax, fit status) and the 20/40-yard estimate from the visible part of the
  run with its band (:func:`sprintlab.combine.estimate_from_partial_view`, made at analysis time).
- ``steps.csv``: every step of every analysed rep, long format (one row per step).
- ``report.html``: opens offline, has no script (charts are inline SVG), fits a phone and
  prints: leaderboards (10-yard split, first-step length, mean contact time over steps 1–4,
  shin angle at step 1), each athlete's best rep, the
  acceleration profile of each best rep, each athlete's reps, where each athlete's 10-yard split
  and 40 stand against NFL combine results of the same position, and the clips that failed.

Definitions
-----------
Best rep : the rep with the fastest 10-yard split; when no rep reached 10 yards in view, the
    fastest 5-yard split; else the highest peak hip velocity.
Leaderboard value : an athlete's best value of the metric over their analysed reps (lowest or
    highest as the board states).
Combine standing : ``faster_than_pct`` is the percentage of combine athletes of the comparison
    group whose time is strictly slower (greater). The group is the athlete's position when the
    combine file has at least :data:`sprintlab.combine.MIN_GROUP_SIZE` 10/40 pairs for it, else
    its position group, else all athletes (as :func:`sprintlab.combine.ratio_10_40` chooses). The
    40 is the measured 40-yard split when the clip covered it, else the rep's estimate from the
    visible part of the run (with its band).
"""

from __future__ import annotations

import datetime as dt
import html
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .library import Library, LibraryError
from .metric_registry import digits_of, header_of
from .profile import ProfileError


@dataclass(frozen=True)
class Leaderboard:
    """One leaderboard: ``column`` of the reps table, a title, its unit, the sort order and the
    number of decimals shown."""

    column: str
    title: str
    unit: str
    lower_is_better: bool
    digits: int
    note: str = ""
    valid_range: tuple[float, float] | None = None
    """Values outside it are physically impossible (a broken track or calibration): not ranked."""


LEADERBOARDS: tuple[Leaderboard, ...] = (
    Leaderboard(
        "split_10yd_s", "10-yard split", "s", True, 2, "from first movement", valid_range=(1.2, 3.0)
    ),
    Leaderboard("first_step_length_m", "First-step length", "m", False, 2, "longest first"),
    Leaderboard(
        "mean_contact_1_4_s",
        "Mean contact time, steps 1–4",
        "s",
        True,
        3,
        "shortest first (at least 3 of the 4 contacts measured)",
    ),
    Leaderboard(
        "shin_angle_td_1_deg",
        "Shin angle at step-1 touchdown",
        "°",
        True,
        0,
        "from the forward horizontal; smallest (most forward-leaning shin) first",
    ),
)

SUMMARY_COLUMNS: tuple[str, ...] = (
    "session",
    "date",
    "athlete",
    "position",
    "rep_number",
    "status",
    "error",
    "clip",
    "rep_id",
    "first_movement_s",
    "split_5yd_s",
    "split_10yd_s",
    "split_20yd_s",
    "split_40yd_s",
    "est_20yd_s",
    "est_20yd_low_s",
    "est_20yd_high_s",
    "est_40yd_s",
    "est_40yd_low_s",
    "est_40yd_high_s",
    "est_group",
    "peak_hip_velocity_mps",
    "n_steps",
    "first_step_length_m",
    "mean_contact_1_4_s",
    "shin_angle_td_1_deg",
    "v_max_mps",
    "tau_s",
    "f0_n_per_kg",
    "v0_mps",
    "pmax_w_per_kg",
    "fit_reliable",
    "fit_reason",
    "calibration_method",
    "calibration_rms_m",
    "stature_m",
    "mass_kg",
    "n_warnings",
    "capture_fps",
    "artefact_dir",
    "flagged",
    "exclude_from_bests",
    "coach_note",
)


def _position(value: Any) -> str | None:
    """A position cell as text, None when empty (pandas gives NaN for NULL)."""
    return value.strip() or None if isinstance(value, str) else None


def session_summary(
    lib: Library, session_id: int, *, combine_path: str | os.PathLike | None = None
) -> pd.DataFrame:
    """One row per rep of the session (columns :data:`SUMMARY_COLUMNS`).

    ``est_*`` are the estimate stored with each rep (NaN when the rep has none: its rep.json
    ``profile.estimate_reason`` says why). ``combine_path`` is accepted for symmetry with
    :func:`build_report_html` and not needed here.
    """
    del combine_path  # the estimate was made at analysis time from the packaged statistics
    reps = lib.reps_frame(session_id=session_id)
    reps["clip"] = [Path(p).name for p in reps["clip_path"]]
    return reps.reindex(columns=list(SUMMARY_COLUMNS))


def session_steps(lib: Library, session_id: int) -> pd.DataFrame:
    """Every step of the session's analysed reps, long format."""
    return lib.steps_frame(session_id=session_id)


def counted(summary: pd.DataFrame) -> pd.DataFrame:
    """The analysed reps that count for bests and leaderboards: not left out by a coach."""
    ok = summary[summary["status"] == "ok"]
    if "exclude_from_bests" in ok.columns:
        ok = ok[pd.to_numeric(ok["exclude_from_bests"], errors="coerce").fillna(0) != 1]
    return ok


def leaderboard(summary: pd.DataFrame, board: Leaderboard) -> pd.DataFrame:
    """Athletes ranked by their best value of ``board.column`` over their analysed reps.

    Columns ``rank`` (ties share the better rank), ``athlete``, ``position``, ``rep_number``
    (the rep with that value) and ``value``. Athletes with no value are left out.
    """
    ok = counted(summary)
    ok = ok[ok[board.column].notna()]
    ok = ok[np.isfinite(ok[board.column].astype(float))]
    if board.valid_range is not None:
        lo, hi = board.valid_range
        ok = ok[ok[board.column].astype(float).between(lo, hi)]
    if ok.empty:
        return pd.DataFrame(columns=["rank", "athlete", "position", "rep_number", "value"])
    order = ok.sort_values(
        [board.column, "rep_number"], ascending=[board.lower_is_better, True], kind="stable"
    )
    best = order.groupby("athlete", sort=False).head(1)
    out = pd.DataFrame(
        {
            "athlete": best["athlete"].to_numpy(),
            "position": best["position"].to_numpy(),
            "rep_number": best["rep_number"].to_numpy(),
            "value": best[board.column].astype(float).to_numpy(),
        }
    )
    ranks = out["value"].rank(method="min", ascending=board.lower_is_better).astype(int)
    out.insert(0, "rank", ranks)
    return out.sort_values(["rank", "athlete"], kind="stable").reset_index(drop=True)


def best_reps(summary: pd.DataFrame) -> pd.DataFrame:
    """Each athlete's best rep (see the module docstring), with a ``best_by`` column."""
    ok = counted(summary)
    rows = []
    for _, reps in ok.groupby("athlete", sort=True):
        for column, ascending in (
            ("split_10yd_s", True),
            ("split_5yd_s", True),
            ("peak_hip_velocity_mps", False),
        ):
            have = reps[reps[column].notna()]
            if not have.empty:
                row = have.sort_values(
                    [column, "rep_number"], ascending=[ascending, True], kind="stable"
                ).iloc[0]
                rows.append({**row.to_dict(), "best_by": column})
                break
        else:
            rows.append({**reps.iloc[0].to_dict(), "best_by": ""})
    return pd.DataFrame(rows, columns=[*summary.columns, "best_by"])


def _comparison_group(
    combine: pd.DataFrame, position: Any, data_path: Any
) -> tuple[str, pd.DataFrame]:
    from .combine import ratio_10_40

    try:
        group = ratio_10_40(_position(position), data_path=data_path).group
    except ProfileError:
        group = "ALL"
    if group == "ALL":
        return group, combine
    by_pos = combine[combine["position"] == group]
    if len(by_pos):
        return group, by_pos
    return group, combine[combine["position_group"] == group]


def combine_standing(
    best: pd.DataFrame, *, combine_path: str | os.PathLike | None = None
) -> pd.DataFrame:
    """Where each athlete's best rep stands against the combine (see the module docstring).

    Columns: ``athlete``, ``position``, ``group``, ``t10_s``, ``n_combine_10``,
    ``faster_than_10_pct``, ``t40_s``, ``t40_source``, ``t40_low_s``, ``t40_high_s``,
    ``n_combine_40``, ``faster_than_40_pct``.

    Raises
    ------
    ProfileError
        The combine file is missing.
    """
    from .combine import load_combine

    combine = load_combine(combine_path)
    rows = []
    for _, rep in best.iterrows():
        group, ref = _comparison_group(combine, rep["position"], combine_path)
        t10 = float(rep["split_10yd_s"]) if pd.notna(rep["split_10yd_s"]) else math.nan
        ref10 = ref["t10_s"].dropna().to_numpy(float)
        ref40 = ref["t40_s"].dropna().to_numpy(float)
        measured40 = rep.get("split_40yd_s")
        if measured40 is not None and pd.notna(measured40):
            t40, lo, hi, source = float(measured40), math.nan, math.nan, "measured"
        else:
            t40, lo, hi = (
                float(rep[c]) if pd.notna(rep.get(c)) else math.nan
                for c in ("est_40yd_s", "est_40yd_low_s", "est_40yd_high_s")
            )
            source = "estimated from the visible run" if np.isfinite(t40) else ""
        rows.append(
            {
                "athlete": rep["athlete"],
                "position": rep["position"],
                "group": group,
                "t10_s": t10,
                "n_combine_10": int(ref10.size),
                "faster_than_10_pct": (
                    100.0 * float(np.mean(ref10 > t10))
                    if ref10.size and np.isfinite(t10)
                    else math.nan
                ),
                "t40_s": t40,
                "t40_source": source,
                "t40_low_s": lo,
                "t40_high_s": hi,
                "n_combine_40": int(ref40.size),
                "faster_than_40_pct": (
                    100.0 * float(np.mean(ref40 > t40))
                    if ref40.size and np.isfinite(t40)
                    else math.nan
                ),
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "athlete",
            "position",
            "group",
            "t10_s",
            "n_combine_10",
            "faster_than_10_pct",
            "t40_s",
            "t40_source",
            "t40_low_s",
            "t40_high_s",
            "n_combine_40",
            "faster_than_40_pct",
        ],
    )


# --------------------------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------------------------

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem;color:#222}
h1{margin-bottom:.2rem} h2{margin-top:2.2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.6rem 0;font-size:.92rem}
th,td{border:1px solid #ddd;padding:.25rem .55rem;text-align:right}
th{background:#f4f4f4} td:nth-child(-n+2){text-align:left}
.note{color:#666;font-size:.9rem} .fail td{background:#fff4f4}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(28rem,1fr));gap:1.5rem}
.grid>div{min-width:0}
.scroll{overflow-x:auto;max-width:100%}
td.text{text-align:left;max-width:32rem;font-size:.82rem;color:#444}
@media (max-width:640px){
 body{margin:.7rem} h1{font-size:1.4rem} table{font-size:.8rem}
 th,td{padding:.2rem .35rem} .grid{grid-template-columns:1fr}
}
@media print{body{margin:0} h2{break-after:avoid} .grid>div,table{break-inside:avoid}}
"""


def _band(low: Any, high: Any, digits: int = 2) -> str:
    """``"low–high"`` of an estimate's band, or NaN when there is none."""
    if low is None or high is None or not (pd.notna(low) and pd.notna(high)):
        return math.nan  # type: ignore[return-value]
    return f"{float(low):.{digits}f}–{float(high):.{digits}f}"


def _with_bands(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with ``est_20yd_band`` and ``est_40yd_band`` text columns for the tables."""
    out = df.copy()
    for d in ("20", "40"):
        low, high = f"est_{d}yd_low_s", f"est_{d}yd_high_s"
        if low in out and high in out:
            out[f"est_{d}yd_band"] = [_band(a, b) for a, b in zip(out[low], out[high], strict=True)]
    return out


def _fit_label(value: Any) -> str:
    """The velocity fit's status for a table: holds / not reliable / no fit."""
    if value is None or not pd.notna(value):
        return "no fit"
    return "holds" if int(value) == 1 else "not reliable"


def _fmt(value: Any, digits: int) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    if isinstance(value, float | np.floating):
        return f"{float(value):.{digits}f}"
    if isinstance(value, np.integer):
        return str(int(value))
    return str(value)


def _registry_cols(*names: str) -> list[tuple[str, str, int]]:
    """(column, header, digits) of metrics, as the metric registry defines them."""
    return [(n, header_of(n), digits_of(n)) for n in names]


def _table(
    df: pd.DataFrame,
    columns: list[tuple[str, str, int]],
    *,
    row_class: str = "",
    left_from: int | None = None,
) -> str:
    """An escaped HTML table of ``(column, header, digits)``; columns from index ``left_from``
    on are left-aligned text (long notes)."""
    head = "".join(f"<th>{html.escape(h)}</th>" for _, h, _ in columns)
    body = []
    for _, row in df.iterrows():
        cells = "".join(
            ("<td class='text'>" if left_from is not None and i >= left_from else "<td>")
            + f"{html.escape(_fmt(row.get(c), d))}</td>"
            for i, (c, _, d) in enumerate(columns)
        )
        cls = f' class="{row_class}"' if row_class else ""
        body.append(f"<tr{cls}>{cells}</tr>")
    # Wide tables scroll sideways on a phone instead of widening the page.
    return (
        f"<div class='scroll'><table><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def _leaderboard_chart(board: Leaderboard, table: pd.DataFrame) -> str:
    """The leaderboard as inline SVG bars, best first."""
    from .viz.svg import bar_chart

    labels = [
        f"{a} ({p})" if isinstance(p, str) and p else str(a)
        for a, p in zip(table["athlete"], table["position"], strict=True)
    ]
    return bar_chart(
        labels,
        table["value"].astype(float).tolist(),
        title=f"{board.title} ({board.unit})",
        digits=board.digits,
        heading=False,  # the board's heading is above it
    )


def _combine_chart(standing: pd.DataFrame, combine: pd.DataFrame, which: str) -> str:
    """Box plots of combine times per comparison group with the athletes as named points."""
    from .viz.svg import box_plot

    col = "t10_s" if which == "10" else "t40_s"
    groups, points = [], []
    for group in sorted(set(standing["group"].dropna())):
        ref = combine if group == "ALL" else combine[combine["position"] == group]
        if ref.empty and group != "ALL":
            ref = combine[combine["position_group"] == group]
        name = f"{group} combine"
        groups.append((name, ref[col].dropna().to_numpy(float)))
        mine = standing[(standing["group"] == group) & np.isfinite(standing[col].astype(float))]
        points += [
            (name, str(a), float(v)) for a, v in zip(mine["athlete"], mine[col], strict=True)
        ]
    label = "10-yard split" if which == "10" else "40 yd, measured or estimated"
    return box_plot(groups, points, title=f"{label} vs NFL combine (s)", unit="s")


def build_report_html(
    session: dict[str, Any],
    summary: pd.DataFrame,
    *,
    combine_path: str | os.PathLike | None = None,
) -> str:
    """The self-contained HTML report of a session (see the module docstring).

    ``session`` holds ``name``, ``date``, ``place``, ``surface``, ``notes``. Every name and message
    is HTML-escaped. The charts are inline SVG and the page has no script: it opens without a
    network, mails (tens of kB), prints, and reads on a phone.
    """
    esc = html.escape
    ok = summary[summary["status"] == "ok"]
    failed = summary[summary["status"] == "failed"]
    parts: list[str] = []
    title = f"{session.get('name', '')} — {session.get('date', '')}"
    meta = ", ".join(
        esc(str(session[k])) for k in ("place", "surface") if session.get(k) not in (None, "")
    )
    parts.append(f"<h1>{esc(title)}</h1>")
    parts.append(
        f"<p class='note'>{meta + ' · ' if meta else ''}{ok['athlete'].nunique()} athletes, "
        f"{len(ok)} analysed reps, {len(failed)} failed. Times are from first movement; "
        f"generated {esc(dt.datetime.now().strftime('%Y-%m-%d %H:%M'))} by sprintlab.</p>"
    )
    if session.get("notes"):
        parts.append(f"<p>{esc(str(session['notes']))}</p>")

    parts.append("<h2>Leaderboards</h2><div class='grid'>")
    for board in LEADERBOARDS:
        table = leaderboard(summary, board)
        note = board.note
        if board.valid_range is not None:
            lo, hi = board.valid_range
            values = summary.loc[summary["status"] == "ok", board.column].astype(float)
            bad = int((values.notna() & ~values.between(lo, hi)).sum())
            if bad:
                note += (
                    f"; {bad} value(s) outside {lo:g}–{hi:g} {board.unit} left out: check those "
                    "clips' overlays and calibration"
                )
        parts.append(f"<div><h3>{esc(board.title)}</h3><p class='note'>{esc(note)}</p>")
        if table.empty:
            parts.append("<p class='note'>No values in this session.</p></div>")
            continue
        parts.append(_leaderboard_chart(board, table))
        parts.append(
            _table(
                table,
                [
                    ("rank", "#", 0),
                    ("athlete", "athlete", 0),
                    ("position", "pos", 0),
                    ("rep_number", "rep", 0),
                    ("value", f"{board.title} ({board.unit})", board.digits),
                ],
            )
            + "</div>"
        )
    parts.append("</div>")

    best = best_reps(summary)
    parts.append("<h2>Best rep of each athlete</h2>")
    parts.append(
        "<p class='note'>Best = fastest 10-yard split (else 5-yard split, else peak hip "
        "velocity). Est. 40 = predicted from the part of the run in view (see Acceleration "
        "profile).</p>"
    )
    rep_cols = [
        ("athlete", "athlete", 0),
        ("position", "pos", 0),
        ("rep_number", "rep", 0),
        *_registry_cols("split_5yd_s", "split_10yd_s", "split_20yd_s", "split_40yd_s"),
        ("est_40yd_s", "est. 40 s", 2),
        ("est_40yd_band", "est. 40 band s", 2),
        *_registry_cols(
            "first_step_length_m",
            "mean_contact_1_4_s",
            "shin_angle_td_1_deg",
            "peak_hip_velocity_mps",
            "f0_n_per_kg",
            "v0_mps",
            "pmax_w_per_kg",
        ),
        ("n_warnings", "warnings", 0),
    ]
    best = _with_bands(best)
    parts.append(_table(best, rep_cols) if len(best) else "<p class='note'>No analysed reps.</p>")

    parts.append("<h2>Acceleration profile</h2>")
    parts.append(
        "<p class='note'>From the hip's velocity curve v(t) = v<sub>max</sub>·(1 − e<sup>−t/τ"
        "</sup>) fitted to the best rep. F0, V0 and Pmax (horizontal force–velocity profile, "
        "Samozino's method) need body mass and height and a fit that holds: a clip that ends "
        "before the athlete nears top speed gives no profile. The 20/40-yard estimate "
        "extrapolates the visible run with τ of combine athletes of the same position; its band "
        "covers 95 % of their τ and of their 10/20 and 10/40 ratios.</p>"
    )
    prof = best.copy()
    prof["fit_status"] = [_fit_label(v) for v in prof.get("fit_reliable", pd.Series(dtype=float))]
    if len(prof):
        parts.append(
            _table(
                prof,
                [
                    ("athlete", "athlete", 0),
                    ("position", "pos", 0),
                    ("rep_number", "rep", 0),
                    ("fit_status", "velocity fit", 0),
                    *_registry_cols("tau_s", "v_max_mps", "f0_n_per_kg", "v0_mps"),
                    *_registry_cols("pmax_w_per_kg"),
                    ("est_20yd_s", "est. 20 s", 2),
                    ("est_20yd_band", "est. 20 band s", 2),
                    ("est_40yd_s", "est. 40 s", 2),
                    ("est_40yd_band", "est. 40 band s", 2),
                    ("est_group", "vs combine", 0),
                    ("fit_reason", "why", 0),
                ],
                left_from=14,
            )
        )

    parts.append("<h2>NFL combine comparison</h2>")
    try:
        from .combine import load_combine

        standing = combine_standing(best, combine_path=combine_path)
        combine = load_combine(combine_path)
        parts.append(
            "<p class='note'>Faster than = share of combine athletes of the same position "
            "(or position group, or all when the position is rare or unknown) with a slower time."
            "</p>"
        )
        parts.append(
            _table(
                standing,
                [
                    ("athlete", "athlete", 0),
                    ("position", "pos", 0),
                    ("group", "compared with", 0),
                    ("t10_s", "10 yd s", 2),
                    ("faster_than_10_pct", "faster than % (10 yd)", 0),
                    ("t40_s", "40 s", 2),
                    ("t40_source", "40 from", 0),
                    ("t40_low_s", "40 low", 2),
                    ("t40_high_s", "40 high", 2),
                    ("faster_than_40_pct", "faster than % (40)", 0),
                ],
            )
        )
        if len(standing):
            parts.append("<div class='grid'>")
            for which in ("10", "40"):
                parts.append(f"<div>{_combine_chart(standing, combine, which)}</div>")
            parts.append("</div>")
    except ProfileError as err:
        parts.append(f"<p class='note'>No combine comparison: {esc(str(err))}</p>")

    parts.append("<h2>Reps by athlete</h2>")
    for athlete, reps in ok.groupby("athlete", sort=True):
        pos = reps["position"].iloc[0]
        label = f"{athlete} ({pos})" if isinstance(pos, str) and pos else str(athlete)
        parts.append(f"<h3>{esc(label)}</h3>")
        parts.append(_table(_with_bands(reps.sort_values("rep_number")), rep_cols[2:]))

    if len(failed):
        parts.append("<h2>Clips that failed</h2>")
        parts.append(
            _table(
                failed,
                [("clip", "clip", 0), ("athlete", "athlete", 0), ("error", "what to do", 0)],
                row_class="fail",
                left_from=2,
            )
        )

    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{esc(title)}</title><style>{_CSS}</style></head><body>"
        + "\n".join(parts)
        + "</body></html>"
    )


@dataclass(frozen=True)
class SessionOutputs:
    """Files written by :func:`write_session_outputs`."""

    summary_csv: Path
    steps_csv: Path
    report_html: Path


def write_session_outputs(
    lib: Library,
    session_id: int,
    out_dir: Path,
    *,
    combine_path: str | os.PathLike | None = None,
) -> SessionOutputs:
    """Write ``session_summary.csv``, ``steps.csv`` and ``report.html`` for a session.

    Each file is written to a temporary name and renamed, so a reader never sees half a file.
    """
    row = lib.conn.execute(
        "SELECT name, date, place, surface, notes FROM sessions WHERE session_id = ?",
        (session_id,),
    ).fetchone()
    if row is None:
        raise LibraryError(f"There is no session {session_id} in the library.")
    session = dict(zip(("name", "date", "place", "surface", "notes"), row, strict=True))
    summary = session_summary(lib, session_id, combine_path=combine_path)
    steps = session_steps(lib, session_id)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = SessionOutputs(
        summary_csv=out_dir / "session_summary.csv",
        steps_csv=out_dir / "steps.csv",
        report_html=out_dir / "report.html",
    )

    def atomic(path: Path, write: Any) -> None:
        tmp = path.with_name(f".{path.name}.tmp")
        write(tmp)
        os.replace(tmp, path)

    atomic(paths.summary_csv, lambda p: summary.to_csv(p, index=False))
    atomic(paths.steps_csv, lambda p: steps.to_csv(p, index=False))
    text = build_report_html(session, summary, combine_path=combine_path)
    atomic(paths.report_html, lambda p: p.write_text(text, encoding="utf-8"))
    return paths
