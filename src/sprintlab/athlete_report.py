"""A printable one-page summary of one athlete: sessions, the best rep step by step, its kinogram.

For the athlete's file or a meeting: print-ready HTML (A4, no script, the kinogram embedded as
a JPEG), written from the library. The figures it shows are the library's, with sprintlab's
measured error of one rep beside each column that has one (:mod:`sprintlab.measured_error`);
reps a coach left out of bests are not counted.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import math
from typing import Any

import pandas as pd

from .library import Library, LibraryError
from .measured_error import MEASURED_LIMITS, rep_error_half_width
from .metric_registry import digits_of, header_of
from .team_report import best_reps, counted

#: Session columns and which way is a session's best (labels and decimals: the registry).
SESSION_COLUMNS: tuple[tuple[str, str], ...] = (
    ("split_5yd_s", "min"),
    ("split_10yd_s", "min"),
    ("peak_hip_velocity_mps", "max"),
    ("first_step_length_m", "max"),
    ("mean_contact_1_4_s", "min"),
    ("shin_angle_td_1_deg", "min"),
)
#: Step columns of the best rep: (column, header, scale, digits); times shown in ms.
STEP_COLUMNS: tuple[tuple[str, str, float, int], ...] = (
    ("number", "step", 1, 0),
    ("foot", "foot", 1, 0),
    ("contact_time_s", "contact ms", 1000, 0),
    ("flight_time_s", "flight ms", 1000, 0),
    *(
        (c, header_of(c), 1, digits_of(c))
        for c in (
            "step_length_m",
            "step_frequency_hz",
            "shin_angle_td_deg",
            "touchdown_distance_m",
        )
    ),
    ("touchdown_source", "timed by", 1, 0),
)
KINOGRAM_MAX_WIDTH_PX = 1400

_CSS = """
@page{size:A4;margin:11mm}
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;font-size:10pt;color:#222;
 margin:1.2rem;max-width:60rem}
h1{font-size:17pt;margin:0} h2{font-size:12pt;margin:.9rem 0 .3rem;border-bottom:1px solid #ccc}
table{border-collapse:collapse;font-size:9pt;margin:.2rem 0}
th,td{border:1px solid #ccc;padding:.12rem .4rem;text-align:right} th{background:#f2f2f2}
td:first-child,th:first-child{text-align:left}
.note{color:#555;font-size:8.5pt;margin:.2rem 0} img{max-width:100%}
.scroll{overflow-x:auto}
@media print{body{margin:0} .scroll{overflow:visible}}
"""


def _num(value: Any) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return math.nan
    return v if math.isfinite(v) else math.nan


def _cell(value: Any, digits: int, scale: float = 1.0) -> str:
    if isinstance(value, str):
        return html.escape(value)
    v = _num(value)
    return "–" if math.isnan(v) else f"{v * scale:.{digits}f}"


def _table(head: list[str], rows: list[list[str]]) -> str:
    h = "".join(f"<th>{c}</th>" for c in head)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    return f"<div class='scroll'><table><tr>{h}</tr>{body}</table></div>"


def session_bests(reps: pd.DataFrame) -> pd.DataFrame:
    """Per session (oldest first) of the counted reps: the best of each session column and the
    number of reps counted."""
    ok = counted(reps)
    if ok.empty:
        return pd.DataFrame(
            columns=["date", "session", "n_reps", *[c for c, *_ in SESSION_COLUMNS]]
        )
    rows = []
    for (date, session), g in ok.groupby(["date", "session"], sort=True):
        row: dict[str, Any] = {"date": date, "session": session, "n_reps": len(g)}
        for col, best in SESSION_COLUMNS:
            v = pd.to_numeric(g[col], errors="coerce")
            row[col] = (v.min() if best == "min" else v.max()) if v.notna().any() else math.nan
        rows.append(row)
    return pd.DataFrame(rows)


def _kinogram_jpeg(lib: Library, rep: pd.Series, doc: dict[str, Any]) -> str | None:
    """The best rep's kinogram as a data URL (None when it cannot be drawn)."""
    import cv2

    from .errors import SprintlabError
    from .viz.kinogram import kinogram_image

    try:
        image = kinogram_image(lib.rep_dir(str(rep["artefact_dir"])), doc)
    except (SprintlabError, OSError, ValueError):
        return None
    if image.shape[1] > KINOGRAM_MAX_WIDTH_PX:
        k = KINOGRAM_MAX_WIDTH_PX / image.shape[1]
        image = cv2.resize(
            image, (KINOGRAM_MAX_WIDTH_PX, round(image.shape[0] * k)), interpolation=cv2.INTER_AREA
        )
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 82])
    if not ok:  # pragma: no cover - OpenCV encodes any uint8 BGR image
        return None
    return "data:image/jpeg;base64," + base64.b64encode(buf.tobytes()).decode("ascii")


def athlete_summary_html(lib: Library, name: str, *, kinogram: bool = True) -> str:
    """The one-page summary of athlete ``name`` (raises LibraryError when there is none)."""
    esc = html.escape
    athlete = lib.get_athlete(name)
    if athlete is None:
        raise LibraryError(f"There is no athlete {name!r} in this library.")
    reps = lib.reps_frame(athlete=name, status="ok", include_json=True)
    parts = [f"<h1>{esc(athlete['name'])}</h1>"]
    facts = [
        f"position {esc(athlete['position'])}" if athlete.get("position") else "no position",
        f"height {athlete['height_m']:.2f} m" if athlete.get("height_m") else None,
        f"mass {athlete['mass_kg']:.0f} kg" if athlete.get("mass_kg") else None,
        f"{len(reps)} analysed reps",
        f"printed {dt.date.today().isoformat()} by sprintlab",
    ]
    parts.append(f"<p class='note'>{' · '.join(f for f in facts if f)}</p>")

    table = session_bests(reps)
    parts.append("<h2>Best of each session</h2>")
    if table.empty:
        parts.append("<p class='note'>No rep counts for bests yet.</p>")
    else:
        head = ["date", "session", "reps"]
        for col, _ in SESSION_COLUMNS:
            half = rep_error_half_width(col)
            err = f"<br><small>±{half:.{digits_of(col)}f}</small>" if math.isfinite(half) else ""
            head.append(esc(header_of(col)) + err)
        rows = [
            [esc(str(r["date"])), esc(str(r["session"])), str(int(r["n_reps"]))]
            + [_cell(r[c], digits_of(c)) for c, _ in SESSION_COLUMNS]
            for _, r in table.iterrows()
        ]
        parts.append(_table(head, rows))
        parts.append(
            "<p class='note'>± under a header: sprintlab's measured error of one rep (95%); a "
            "change between sessions smaller than about 1.4 times it may be noise. Reps a coach "
            "left out of bests are not counted.</p>"
        )

    best = best_reps(reps.assign(athlete=athlete["name"]))
    if len(best):
        b = best.iloc[0]
        doc = _doc_of(reps, int(b["rep_pk"]))
        by = {"split_10yd_s": "fastest 10 yd", "split_5yd_s": "fastest 5 yd"}.get(
            str(b.get("best_by")), "highest peak velocity"
        )
        parts.append(
            f"<h2>Best rep: {esc(str(b['date']))} {esc(str(b['session']))}, rep "
            f"{_cell(b['rep_number'], 0)} ({by})</h2>"
        )
        steps = doc.get("steps") or []
        if steps:
            head = []
            for field, label, scale, digits in STEP_COLUMNS:
                limits = MEASURED_LIMITS.get(field)
                half = (limits[1] - limits[0]) / 2 if limits else math.nan
                err = (
                    f"<br><small>±{half * scale:.{digits}f}</small>" if math.isfinite(half) else ""
                )
                head.append(esc(label) + err)
            rows = [[_cell(s.get(c), d, k) for c, _, k, d in STEP_COLUMNS] for s in steps]
            parts.append(_table(head, rows))
            flagged = doc.get("implausible") or []
            if flagged:
                parts.append(
                    "<p class='note'>Implausible, check on the video: "
                    + esc("; ".join(f"step {f.get('step')} {f.get('why')}" for f in flagged))
                    + "</p>"
                )
        if kinogram:
            url = _kinogram_jpeg(lib, b, doc)
            if url:
                parts.append(
                    f"<img src='{url}' alt='Kinogram: the athlete at each touchdown'>"
                    "<p class='note'>At each touchdown: shin of the landing leg (green) and trunk "
                    "(red), angles from the forward horizontal.</p>"
                )
    notes = reps[reps["coach_note"].notna()] if "coach_note" in reps else reps.iloc[0:0]
    if len(notes):
        parts.append("<h2>Notes</h2><ul>")
        for _, r in notes.iterrows():
            parts.append(
                f"<li>{esc(str(r['date']))} {esc(str(r['session']))}, rep "
                f"{_cell(r['rep_number'], 0)}: {esc(str(r['coach_note']))}</li>"
            )
        parts.append("</ul>")
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{esc(athlete['name'])} — sprintlab summary</title><style>{_CSS}</style>"
        "</head><body>" + "\n".join(parts) + "</body></html>"
    )


def _doc_of(reps: pd.DataFrame, rep_pk: int) -> dict[str, Any]:
    import json

    row = reps[reps["rep_pk"] == rep_pk]
    if row.empty or not isinstance(row["rep_json"].iloc[0], str):
        return {}
    try:
        return json.loads(row["rep_json"].iloc[0])
    except ValueError:
        return {}


__all__ = ["athlete_summary_html", "session_bests"]
