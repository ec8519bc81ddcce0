"""Analyse page: upload a clip, state its capture rate and calibration, analyse, open the rep."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pandas as pd
import streamlit as st

from ..errors import SprintlabError
from . import analysis, common

DISPLAY_WIDTH_PX = 900
"""Width the calibration frame is shown at (clicks are mapped back to clip pixels)."""


def _marker_table() -> pd.DataFrame:
    rows = st.session_state.get("markers", [])
    return pd.DataFrame(rows, columns=["x_px", "y_px", "track_m", "lateral_m"])


def _draw_markers(image: np.ndarray, markers: pd.DataFrame) -> np.ndarray:
    out = image.copy()
    r = max(4, image.shape[1] // 200)
    for m in markers.itertuples(index=False):
        if pd.isna(m.x_px) or pd.isna(m.y_px):
            continue
        p = (round(m.x_px), round(m.y_px))
        cv2.circle(out, p, r, (0, 255, 255), -1, cv2.LINE_AA)
        cv2.putText(
            out,
            f"{m.track_m:g} m",
            (p[0] + r + 2, p[1] - r - 2),
            cv2.FONT_HERSHEY_SIMPLEX,
            max(0.5, image.shape[1] / 1600),
            (0, 255, 255),
            2,
            cv2.LINE_AA,
        )
    return out


def _stage(upload) -> Path | None:
    """The staged clip of ``upload`` (checked once per file), or None after an error message."""
    key = f"staged_{upload.file_id}"
    if key in st.session_state:
        staged = st.session_state[key]
        if isinstance(staged, str):
            st.error(staged)
            return None
        return staged
    try:
        analysis.check_upload(upload.name, upload.size)
        _, root = common.library_location()
        path = analysis.stage_upload(root, upload.name, upload.getvalue())
    except SprintlabError as err:
        st.session_state[key] = str(err)
        st.error(str(err))
        return None
    st.session_state[key] = path
    st.session_state["markers"] = []
    return path


NO_CONES = "No cones: the field's lines (yard lines, a track's lane lines), else the height"


@dataclass(frozen=True)
class CalibrationChoice:
    """What the page's calibration section gives the sidecar."""

    markers: list[dict]
    height_m: float | None
    start_line_px: float | None = None
    camera_height_m: float | None = None


def _click(image: np.ndarray, key: str) -> tuple[float, float] | None:
    """A new click on ``image`` (clip pixels), or None; the image shown either way."""
    try:
        from streamlit_image_coordinates import streamlit_image_coordinates
    except ImportError:  # pragma: no cover - a dependency; the page still works without it
        scale = DISPLAY_WIDTH_PX / image.shape[1]
        common.show_image_bgr(cv2.resize(image, None, fx=scale, fy=scale))
        return None
    rgb = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    click = streamlit_image_coordinates(rgb, width=DISPLAY_WIDTH_PX, key=key)
    if not click or click == st.session_state.get(f"last_{key}"):
        return None
    st.session_state[f"last_{key}"] = click
    k = image.shape[1] / float(click.get("width") or DISPLAY_WIDTH_PX)
    return click["x"] * k, click["y"] * k


def _field_line_inputs(meta, height_m: float | None) -> CalibrationChoice:
    """Without cones: the camera's height (a track seen square-on needs it) and, optionally,
    one click on the start line."""
    from ..video import read_frame

    st.caption(
        "The field's painted lines give the scale when they are found: a football field's yard "
        "lines, or a running track's lane lines (with the camera's height, or the camera turned "
        "6-15° towards the finish). Otherwise the athlete's height does (rough: 10-30% on "
        "rendered reps). The "
        "rep's page draws the grid that was found over the field, with a button to reject it."
    )
    if height_m is None:
        st.warning("Without the athlete's height the analysis fails when no lines are found.")
    cam = st.number_input(
        "Camera height (m, optional)",
        min_value=0.0,
        max_value=30.0,
        value=0.0,
        step=0.01,
        key="an_camera_height",
        help="The lens's height above the ground, measured with a tape (within 1 cm): a "
        "running track's lane lines filmed square-on need it.",
    )
    frame_i = st.slider(
        "Frame to name the start line on", 0, max(0, meta.n_frames - 1), 0, key="start_frame"
    )
    image = read_frame(meta, frame_i)
    start = st.session_state.get("start_line_px")
    shown = image.copy()
    if start is not None:
        x = round(start)
        cv2.line(shown, (x, image.shape[0] // 3), (x, image.shape[0] - 1), (0, 200, 0), 3)
    st.caption(
        "Optional: click where the start line meets the athlete's lane (by default it is the "
        "line at the athlete's hands in the set position)."
    )
    clicked = _click(shown, "start_click")
    if clicked is not None:
        st.session_state["start_line_px"] = clicked[0]
        st.rerun()
    if start is not None:
        st.caption(f"Start line at picture column {start:.0f} px.")
        if st.button("Clear the start line"):
            st.session_state.pop("start_line_px", None)
            st.rerun()
    return CalibrationChoice(
        [], height_m, start_line_px=start, camera_height_m=float(cam) if cam > 0 else None
    )


def _calibration_inputs(clip: Path, meta) -> CalibrationChoice | None:
    from ..video import read_frame

    how = st.radio(
        "Calibration",
        ["Ground markers: click them on a frame", NO_CONES],
        key="calib_how",
    )
    height = st.number_input(
        "Athlete's standing height (m)",
        min_value=0.0,
        max_value=2.5,
        value=0.0,
        step=0.01,
        help="Used when no ground markers and no field lines give the scale; with markers it "
        "only enters the force–velocity profile.",
    )
    height_m = float(height) if height > 0 else None
    if how == NO_CONES:
        return _field_line_inputs(meta, height_m)

    frame_i = st.slider("Frame to place markers on", 0, max(0, meta.n_frames - 1), 0)
    image = read_frame(meta, frame_i)
    markers = _marker_table()
    shown = _draw_markers(image, markers)
    st.caption(
        "Click a ground marker (a yard line where it meets the athlete's lane, a cone on the "
        "start line...), then set its distance from the start line in metres in the table "
        "(5 yd = 4.572 m, 10 yd = 9.144 m). Two markers on the lane give a line calibration; "
        "four on two lines across the lane handle a panned camera."
    )
    clicked = _click(shown, "marker_click")
    if clicked is not None:
        rows = st.session_state.setdefault("markers", [])
        next_m = (rows[-1]["track_m"] + 4.572) if rows else 0.0
        rows.append(
            {"x_px": clicked[0], "y_px": clicked[1], "track_m": round(next_m, 3), "lateral_m": 0.0}
        )
        st.rerun()
    edited = st.data_editor(
        _marker_table(),
        num_rows="dynamic",
        width="stretch",
        key=f"markers_editor_{len(st.session_state.get('markers', []))}",
        column_config={
            "x_px": st.column_config.NumberColumn("Image x (px)", format="%.1f"),
            "y_px": st.column_config.NumberColumn("Image y (px)", format="%.1f"),
            "track_m": st.column_config.NumberColumn(
                "Distance from the start line (m)",
                format="%.3f",
                help="Along the lane, increasing in the running direction.",
            ),
            "lateral_m": st.column_config.NumberColumn(
                "Across the lane (m)",
                format="%.2f",
                help="0 on the athlete's line; positive towards the camera.",
            ),
        },
    )
    st.session_state["markers"] = edited.dropna().to_dict("records")
    markers = [
        {"image_px": [r["x_px"], r["y_px"]], "track_m": r["track_m"], "lateral_m": r["lateral_m"]}
        for r in st.session_state["markers"]
    ]
    if len(markers) < 2:
        st.info("Place at least two markers (or choose no cones).")
        return None
    return CalibrationChoice(markers, height_m)


def render() -> None:
    from ..video import probe

    st.title("Analyse a clip")
    db_path, root = common.library_location()
    st.caption(f"New reps go into the library at {root}.")
    upload = st.file_uploader(
        f"Side-view clip of one start (video, at most {analysis.MAX_UPLOAD_MB:.0f} MB)",
        key="upload",
    )
    if upload is None:
        return
    clip = _stage(upload)
    if clip is None:
        return
    try:
        meta = probe(clip, check_duplicates=False)
    except SprintlabError as err:
        st.error(str(err))
        return
    st.success(
        f"{upload.name}: {meta.width_px}×{meta.height_px} px, {meta.n_frames} frames, the file "
        f"says {meta.container_fps:.2f} fps."
    )
    fps = st.number_input(
        "Capture rate (frames per second the camera recorded)",
        min_value=1.0,
        max_value=10000.0,
        value=float(round(meta.container_fps, 3)),
        help="Phone slow-motion files often play at 30 fps but were filmed at 120 or 240: give "
        "the camera's rate.",
    )
    calib = _calibration_inputs(clip, meta)

    st.subheader("Athlete and session")
    a1, a2, a3 = st.columns(3)
    athlete = a1.text_input("Athlete", key="an_athlete")
    position = a2.text_input("Position (e.g. WR)", key="an_position")
    mass = a3.number_input("Body mass (kg, optional)", 0.0, 250.0, 0.0, 0.5, key="an_mass")
    s1, s2 = st.columns(2)
    session = s1.text_input("Session", value="Testing", key="an_session")
    date = s2.date_input("Date", value=dt.date.today(), key="an_date")

    ready = calib is not None and athlete.strip() and session.strip()
    if not st.button("Analyse", type="primary", disabled=not ready):
        if calib is not None and not athlete.strip():
            st.caption("Name the athlete to analyse.")
        return
    if calib is None:  # not ready: the button was disabled
        return
    height_m = calib.height_m
    try:
        analysis.write_sidecar(
            clip,
            capture_fps=float(fps),
            athlete_height_m=height_m,
            markers=calib.markers,
            start_line_px=calib.start_line_px,
            camera_height_m=calib.camera_height_m,
        )
    except SprintlabError as err:
        st.error(f"The calibration cannot be used: {err}")
        return
    bar = st.progress(0.0, text="Starting the analysis…")

    # The pose stages report their own 0..1; the bar shows the whole analysis.
    stages = {
        "starting": ("Starting the analysis", 0.0, 0.02),
        "pose": ("Loading the pose model", 0.02, 0.05),
        "search": ("Finding the athlete (coarse pass)", 0.05, 0.30),
        "refine": ("Following the athlete frame by frame", 0.30, 0.88),
        "analysis": ("Checking the footage", 0.88, 0.89),
        "feet": ("Timing the ground contacts from the picture", 0.89, 0.93),
        "steps": ("Measuring the steps", 0.93, 0.94),
        "landmarks": ("Reading the landing leg at each touchdown", 0.93, 0.94),
        "writing": ("Writing the rep", 0.94, 0.99),
        "done": ("Done", 1.0, 1.0),
    }

    def on_progress(stage: str, fraction: float) -> None:
        text, lo, hi = stages.get(stage, stages["starting"])
        bar.progress(lo + (hi - lo) * fraction, text=f"{text}…")

    outcome = analysis.analyse_into_library(
        db_path,
        analysis.AnalyseRequest(
            clip=clip,
            athlete=athlete,
            position=position or None,
            height_m=height_m,
            mass_kg=float(mass) if mass > 0 else None,
            session=session,
            date=date.isoformat(),
            capture_fps=float(fps),
        ),
        on_progress=on_progress,
    )
    if not outcome.ok:
        bar.empty()
        st.error(f"The analysis failed: {outcome.message}")
        st.caption("Nothing else in the library changed; fix the input and analyse again.")
        return
    st.session_state["analysed_rep"] = outcome.rep_pk
    common.go_to("rep", rep=str(outcome.rep_pk))
