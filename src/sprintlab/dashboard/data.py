"""What the dashboard pages read from the library, as plain tables and records (no Streamlit).

Keeping this apart from the pages lets it be tested directly and keeps the pages to layout.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..library import Library, LibraryError
from ..measured_error import real_change
from ..metric_registry import digits_of
from ..steps import STEP_FIELDS
from ..viz.figures import FIELD_HELP, RepSeries, label_of

STEP_TABLE_FIELDS: tuple[str, ...] = (
    "number",
    "foot",
    "touchdown_s",
    "contact_time_s",
    "flight_time_s",
    "step_length_m",
    "step_frequency_hz",
    "step_velocity_mps",
    "shin_angle_td_deg",
    "shin_angle_to_deg",
    "trunk_angle_td_deg",
    "touchdown_distance_m",
    "toeoff_distance_m",
    "knee_angle_td_deg",
    "hip_angle_td_deg",
    "touchdown_source",
    "touchdown_uncertainty_frames",
    "toeoff_source",
    "toeoff_uncertainty_frames",
    "shin_td_source",
)
"""Step columns shown in tables (frame indices and foot position stay in the CSV download)."""

DIFF_FIELDS: tuple[str, ...] = (
    "step_length_m",
    "step_frequency_hz",
    "contact_time_s",
    "flight_time_s",
    "shin_angle_td_deg",
    "trunk_angle_td_deg",
    "touchdown_distance_m",
    "toeoff_distance_m",
)
"""Per-step metrics of the compare page's difference table."""

MEANINGFUL_CHANGE: dict[str, float] = {f: real_change(f) for f in DIFF_FIELDS}
"""Smallest per-step difference between two reps that is more than measurement error.

From sprintlab's own measured error (:mod:`sprintlab.measured_error`): two analyses of the same
step differ by less than this 95 times in 100. A difference below it may be noise and is not
highlighted.
"""

DIFF_DIGITS: dict[str, int] = {f: digits_of(f) for f in DIFF_FIELDS}
"""Decimals shown per difference: no finer than the measurement (cm, ms, whole degrees)."""


ATHLETE_METRICS: tuple[tuple[str, str], ...] = (
    ("split_5yd_s", "min"),
    ("split_10yd_s", "min"),
    ("split_20yd_s", "min"),
    ("split_40yd_s", "min"),
    ("peak_hip_velocity_mps", "max"),
    ("first_step_length_m", "max"),
    ("mean_contact_1_4_s", "min"),
    ("shin_angle_td_1_deg", "min"),
    ("v_max_mps", "max"),
    ("tau_s", "min"),
    ("f0_n_per_kg", "max"),
    ("pmax_w_per_kg", "max"),
)
"""Rep metrics on the athlete page and which way is "best" (``min``: lower is better)."""

REP_TABLE_COLUMNS: tuple[str, ...] = (
    "rep_pk",
    "athlete",
    "position",
    "session",
    "date",
    "rep_number",
    "status",
    "split_5yd_s",
    "split_10yd_s",
    "peak_hip_velocity_mps",
    "n_steps",
    "first_step_length_m",
    "mean_contact_1_4_s",
    "shin_angle_td_1_deg",
    "calibration_confidence",
    "n_warnings",
    "flagged",
    "exclude_from_bests",
    "coach_note",
    "error",
)


def open_library(path: str | Path | None = None) -> Library:
    """The library opened for reading (see :func:`sprintlab.library.resolve_library_path`)."""
    return Library.open(path, readonly=True)


def column_label(name: str) -> str:
    """Column header with its unit: ``"Step length (m)"``; ``"Step"`` for ``number``."""
    return {
        "number": "Step",
        "foot": "Foot",
        "rep_pk": "Rep id",
        "athlete": "Athlete",
        "position": "Position",
        "session": "Session",
        "date": "Date",
        "rep_number": "Rep",
        "status": "Status",
        "n_steps": "Steps",
        "calibration_confidence": "Calibration",
        "n_warnings": "Warnings",
        "error": "Error",
        "flagged": "Flag",
        "exclude_from_bests": "Not in bests",
        "coach_note": "Note",
    }.get(name, label_of(name))


def column_help(name: str) -> str:
    """Definition of a column (metrics.md), for hover help."""
    return FIELD_HELP.get(name, "")


@dataclass(frozen=True)
class RepView:
    """One analysed rep as the pages show it.

    Attributes
    ----------
    rep_pk : int
        Row id in the library.
    athlete, position, session, date : str
    rep_number : int or None
    rep_dir : Path
        The rep folder.
    doc : dict
        rep.json.
    steps : pandas.DataFrame
        One row per step, :data:`sprintlab.steps.STEP_FIELDS` columns (NaN where missing).
    series : pandas.DataFrame
        series.csv (empty when the file is missing).
    coach_note, flagged, exclude_from_bests
        A coach's marks on the rep (:meth:`sprintlab.library.Library.mark_rep`).
    """

    rep_pk: int
    athlete: str
    position: str
    session: str
    date: str
    rep_number: int | None
    rep_dir: Path
    doc: dict[str, Any]
    steps: pd.DataFrame
    series: pd.DataFrame
    coach_note: str = ""
    flagged: bool = False
    exclude_from_bests: bool = False

    @property
    def label(self) -> str:
        """``"Ann Lee · 2026-03-14 · rep 2"``."""
        rep = f"rep {self.rep_number}" if self.rep_number else f"#{self.rep_pk}"
        return f"{self.athlete} · {self.date} · {rep}"

    @property
    def first_movement_s(self) -> float:
        v = self.doc.get("first_movement_s")
        return float(v) if v is not None else math.nan

    @property
    def overlay_path(self) -> Path | None:
        p = self.rep_dir / "overlay.mp4"
        return p if p.is_file() else None

    def figure_input(self) -> RepSeries:
        """What :mod:`sprintlab.viz.figures` needs of this rep."""
        return RepSeries(
            label=self.label,
            steps=self.steps,
            series=self.series,
            first_movement_s=self.first_movement_s,
            splits=dict(self.doc.get("splits") or {}),
        )


#: Step fields that are words, not numbers.
STEP_TEXT_FIELDS = ("foot", "touchdown_source", "toeoff_source", "shin_td_source")


def landmarker_note(doc: dict[str, Any]) -> str:
    """One sentence on which keypoints gave the shin angles at touchdown ("" for a rep analysed
    before the pose landmarker was used)."""
    lm = doc.get("landmarker")
    steps = doc.get("steps") or []
    if not isinstance(lm, dict) or not steps:
        return ""
    read = len(lm.get("steps") or [])
    if read == 0:
        why = str(lm.get("note") or "").split("; the tracking model's keypoints")[0].strip()
        return "Shin angles at touchdown from the tracking model's keypoints" + (
            f": {why}." if why else "."
        )
    rest = "" if read == len(steps) else "; the others from the tracking model's keypoints"
    return (
        f"Shin angles at touchdown of {read} of {len(steps)} steps from the pose landmarker "
        f"(read on the frames around each touchdown){rest}."
    )


def steps_frame_of(doc: dict[str, Any]) -> pd.DataFrame:
    """The steps of a rep.json as a table; None becomes NaN so numbers stay numbers."""
    df = pd.DataFrame(doc.get("steps") or [], columns=list(STEP_FIELDS))
    for c in df.columns:
        if c not in STEP_TEXT_FIELDS:
            df[c] = pd.to_numeric(df[c], errors="coerce")
    return df


def load_rep(library: Library, rep_pk: int) -> RepView:
    """The analysed rep ``rep_pk``.

    Raises
    ------
    LibraryError
        No such rep, or it failed to analyse, or its folder is gone.
    """
    with library.snapshot() as conn:
        row = conn.execute(
            "SELECT r.rep_pk, r.status, r.error, r.rep_json, r.artefact_dir, r.rep_number, "
            "a.name, a.position, s.name, s.date, r.coach_note, r.flagged, r.exclude_from_bests "
            "FROM reps r "
            "LEFT JOIN athletes a ON a.athlete_id = r.athlete_id "
            "JOIN sessions s ON s.session_id = r.session_id WHERE r.rep_pk = ?",
            (int(rep_pk),),
        ).fetchone()
    if row is None:
        raise LibraryError(
            f"There is no rep {rep_pk} in this library; pick one on the Library page."
        )
    pk, status, error, rep_json, artefact_dir, rep_number, name, position, session, date = row[:10]
    note, flagged, excluded = row[10:]
    if status != "ok":
        raise LibraryError(f"Rep {pk} was not analysed: {error}")
    rep_dir = library.rep_dir(artefact_dir)
    doc = json.loads(rep_json)
    series_path = rep_dir / "series.csv"
    series = pd.read_csv(series_path) if series_path.is_file() else pd.DataFrame()
    return RepView(
        rep_pk=int(pk),
        athlete=name or "(no athlete)",
        position=position or "",
        session=session,
        date=date,
        rep_number=rep_number,
        rep_dir=rep_dir,
        doc=doc,
        steps=steps_frame_of(doc),
        series=series,
        coach_note=note or "",
        flagged=bool(flagged),
        exclude_from_bests=bool(excluded),
    )


def parse_rep_ids(text: str | Sequence[str] | None) -> list[int]:
    """Rep ids from a query parameter (``"3,7"`` or ``["3", "7"]``); junk is dropped."""
    if text is None:
        return []
    parts = text.split(",") if isinstance(text, str) else [p for t in text for p in t.split(",")]
    out: list[int] = []
    for p in parts:
        p = p.strip()
        if p.isdigit() and int(p) not in out:
            out.append(int(p))
    return out


def filter_reps(
    reps: pd.DataFrame,
    *,
    athletes: Sequence[str] = (),
    positions: Sequence[str] = (),
    sessions: Sequence[str] = (),
    date_range: tuple[str, str] | None = None,
    include_failed: bool = False,
) -> pd.DataFrame:
    """Reps matching every filter given (an empty list means "all")."""
    out = reps
    if not include_failed:
        out = out[out["status"] == "ok"]
    if athletes:
        out = out[out["athlete"].isin(list(athletes))]
    if positions:
        out = out[out["position"].fillna("").isin(list(positions))]
    if sessions:
        out = out[out["session"].isin(list(sessions))]
    if date_range is not None:
        lo, hi = date_range
        out = out[(out["date"] >= lo) & (out["date"] <= hi)]
    return out


def implausible_cells(doc: dict[str, Any]) -> dict[tuple[int, str], str]:
    """``{(step number, metric): why}`` of the values rep.json flags as implausible."""
    out: dict[tuple[int, str], str] = {}
    for item in doc.get("implausible") or []:
        try:
            out[(int(item["step"]), str(item["metric"]))] = str(item.get("why") or "")
        except (KeyError, TypeError, ValueError):
            continue
    return out


def step_differences(reference: RepView, other: RepView) -> pd.DataFrame:
    """Per step, ``other − reference`` of :data:`DIFF_FIELDS` (rows: steps both reps have)."""
    a = reference.steps.set_index("number")
    b = other.steps.set_index("number")
    common = a.index.intersection(b.index).sort_values()
    rows = {f: b.loc[common, f].astype(float) - a.loc[common, f].astype(float) for f in DIFF_FIELDS}
    df = pd.DataFrame(rows, index=common)
    df.index.name = "number"
    return df


#: The events a per-step time hangs on: (step offset, event), metrics.md's definitions.
EVENT_TIMES: dict[str, tuple[tuple[int, str], ...]] = {
    "contact_time_s": ((0, "touchdown"), (0, "toeoff")),  # TO(i) − TD(i)
    "flight_time_s": ((0, "toeoff"), (1, "touchdown")),  # TD(i+1) − TO(i)
}


def event_limit_s(rep: RepView, number: int, field: str) -> float:
    """95% limits (s) of one step's contact or flight time from its events' own uncertainties
    (``*_uncertainty_frames``, independent errors added in quadrature); NaN when one is not
    known."""
    events = EVENT_TIMES.get(field)
    try:
        fps = float((rep.doc.get("video") or {}).get("capture_fps"))
    except (TypeError, ValueError):
        return math.nan
    if not events or not (math.isfinite(fps) and fps > 0) or rep.steps.empty:
        return math.nan
    steps = rep.steps.set_index("number")
    total = 0.0
    for offset, event in events:
        n = number + offset
        col = f"{event}_uncertainty_frames"
        if n not in steps.index or col not in steps.columns:
            return math.nan
        u = pd.to_numeric(steps.loc[n, col], errors="coerce")
        if not (pd.notna(u) and math.isfinite(float(u))):
            return math.nan
        total += float(u) ** 2
    return math.sqrt(total) / fps


def change_thresholds(reference: RepView, other: RepView, diff: pd.DataFrame) -> pd.DataFrame:
    """Per cell of :func:`step_differences`, the smallest difference that is a real change.

    :data:`MEANINGFUL_CHANGE` (the metric's measured error) in general; for contact and flight
    times, where both reps' events carry their own uncertainty, from those: two reps whose
    steps a person set on the frames show smaller real changes, two 30 fps clips timed by the
    pose larger ones.
    """
    out = pd.DataFrame(
        {f: [MEANINGFUL_CHANGE.get(f, math.nan)] * len(diff) for f in diff.columns},
        index=diff.index,
    )
    for f in EVENT_TIMES:
        if f not in out.columns:
            continue
        for number in diff.index:
            a = event_limit_s(reference, int(number), f)
            b = event_limit_s(other, int(number), f)
            if math.isfinite(a) and math.isfinite(b):
                out.loc[number, f] = math.hypot(a, b)
    return out


def largest_changes(
    diff: pd.DataFrame, n: int = 5, thresholds: pd.DataFrame | None = None
) -> list[tuple[int, str, float, float]]:
    """The ``n`` differences largest relative to their threshold, beyond it only.

    ``thresholds`` (same shape as ``diff``; :func:`change_thresholds`) defaults to
    :data:`MEANINGFUL_CHANGE`. Returns (step, field, difference, difference / threshold)
    sorted by the last.
    """
    found = []
    for f in diff.columns:
        for step, value in diff[f].items():
            scale = (
                thresholds.loc[step, f]
                if thresholds is not None and f in thresholds.columns
                else MEANINGFUL_CHANGE.get(f)
            )
            if not scale or not math.isfinite(scale):
                continue
            if value is not None and math.isfinite(value) and abs(value) >= scale:
                found.append((int(step), f, float(value), abs(float(value)) / scale))
    found.sort(key=lambda x: -x[3])
    return found[:n]


def athlete_session_table(reps: pd.DataFrame, metric: str, best: str) -> pd.DataFrame:
    """Best and mean of ``metric`` per session of one athlete's ok reps (those a coach left
    out of bests are not counted).

    Returns columns ``date``, ``session``, ``best``, ``mean``, ``n_reps`` (sessions where the
    metric was measured at least once), oldest first.
    """
    ok = reps[(reps["status"] == "ok")].copy()
    if "exclude_from_bests" in ok.columns:
        ok = ok[pd.to_numeric(ok["exclude_from_bests"], errors="coerce").fillna(0) != 1]
    ok[metric] = pd.to_numeric(ok[metric], errors="coerce")
    ok = ok[np.isfinite(ok[metric])]
    if ok.empty:
        return pd.DataFrame(columns=["date", "session", "best", "mean", "n_reps"])
    g = ok.groupby(["date", "session"], sort=True)[metric]
    table = pd.DataFrame(
        {
            "best": g.min() if best == "min" else g.max(),
            "mean": g.mean(),
            "n_reps": g.count(),
        }
    ).reset_index()
    return table


@dataclass(frozen=True)
class ReferenceBand:
    """A combine reference range for one metric: ``low``–``high`` (same unit as the metric)."""

    low: float
    high: float
    label: str


def combine_band(metric: str, position: str | None) -> ReferenceBand | None:
    """The athlete's position group at the combine as a band (middle 50 %), where it applies.

    10/20/40-yard splits: the combine's split times of the position (or its position group);
    τ: the per-athlete fits of the combine splits (:func:`sprintlab.combine.tau_by_position`).
    None for other metrics, an unknown position or when the combine file is not available.
    """
    from ..combine import load_combine, tau_by_position
    from ..profile import ProfileError

    if not position:
        return None
    pos = position.strip().upper()
    column = {"split_10yd_s": "t10_s", "split_20yd_s": "t20_s", "split_40yd_s": "t40_s"}.get(metric)
    try:
        if column is not None:
            df = load_combine()
            values = df.loc[df["position"] == pos, column].dropna()
            group = pos
            if len(values) < 20:
                values = df.loc[df["position_group"] == pos, column].dropna()
            if len(values) < 20:
                return None
            q25, q75 = np.quantile(values.to_numpy(float), [0.25, 0.75])
            return ReferenceBand(
                float(q25), float(q75), f"{group} at the combine: middle 50% (n={len(values)})"
            )
        if metric == "tau_s":
            stats = tau_by_position().get(pos) or tau_by_position(by="position_group").get(pos)
            if stats is None or stats.n_athletes < 20:
                return None
            return ReferenceBand(
                stats.q25_s,
                stats.q75_s,
                f"{pos} at the combine: middle 50% of τ (n={stats.n_athletes})",
            )
    except ProfileError:
        return None
    return None


def compare_input(rep: RepView) -> Any:
    """The rep as a :class:`sprintlab.viz.compare_video.CompareInput`: its overlay video (the
    clip when there is no overlay) with the true time of every video frame.

    Raises
    ------
    CompareVideoError
        Neither video is available.
    """
    from ..results import load_track_npz
    from ..video import probe
    from ..viz.compare_video import CompareInput, CompareVideoError

    video = rep.overlay_path
    if video is None:
        clip = Path(str((rep.doc.get("video") or {}).get("path") or ""))
        if not clip.is_file():
            raise CompareVideoError(
                f"{rep.label}: neither the overlay video nor the clip is there."
            )
        video = clip
    track, _ = load_track_npz(rep.rep_dir / "keypoints.npz")
    meta = probe(video, check_duplicates=False)
    n = meta.n_frames
    # Track rows carry the true capture time of their video frame; frames between rows (none
    # when every frame was analysed) get interpolated times.
    frame_t = np.interp(np.arange(n), track.frame_index.astype(float), track.t_s)
    tds = tuple(
        float(v) if v is not None and math.isfinite(float(v)) else math.nan
        for v in rep.steps["touchdown_s"].tolist()
    )
    follow, height = follow_window(
        track,
        n,
        meta.width_px / float((rep.doc.get("video") or {}).get("width_px") or meta.width_px),
    )
    return CompareInput(
        label=rep.label,
        video_path=video,
        frame_t_s=frame_t,
        first_movement_s=rep.first_movement_s,
        touchdowns_s=tds,
        follow_px=follow,
        follow_height_px=height,
    )


FOLLOW_HEIGHT_OF_BOX = 2.0
"""Follow window height as a multiple of the athlete's median keypoint-box height (standing)."""


def follow_window(track: Any, n_frames: int, scale: float) -> tuple[Any, float | None]:
    """A smooth window centre following the athlete's hips and its height, in video pixels.

    The centre is the hip-mid of the pixel track, gaps filled by interpolation and smoothed
    over 0.2 s so the window glides instead of shaking with keypoint noise. The height is
    :data:`FOLLOW_HEIGHT_OF_BOX` times the 90th percentile of the keypoint box height (the
    athlete upright). (None, None) when the hips are almost never seen.
    """
    from ..skeleton import KP

    xy = np.asarray(track.xy, dtype=float) * scale
    hip = 0.5 * (xy[:, KP.LEFT_HIP] + xy[:, KP.RIGHT_HIP])
    ok = np.all(np.isfinite(hip), axis=1)
    if ok.sum() < 3:
        return None, None
    rows = np.arange(len(hip))
    filled = np.stack([np.interp(rows, rows[ok], hip[ok, k]) for k in range(2)], axis=1)
    win = 2 * max(1, round(0.1 * float(track.fps))) + 1  # odd: centred on each frame
    kernel = np.ones(win) / win
    padded = np.pad(filled, ((win // 2, win - 1 - win // 2), (0, 0)), mode="edge")
    smooth = np.stack([np.convolve(padded[:, k], kernel, mode="valid") for k in range(2)], axis=1)
    frames = np.asarray(track.frame_index, dtype=float)
    centre = np.stack(
        [np.interp(np.arange(n_frames), frames, smooth[:, k]) for k in range(2)], axis=1
    )
    heights = np.nanmax(xy[..., 1], axis=1) - np.nanmin(xy[..., 1], axis=1)
    heights = heights[np.isfinite(heights)]
    if heights.size == 0:
        return None, None
    return centre, float(FOLLOW_HEIGHT_OF_BOX * np.percentile(heights, 90))
