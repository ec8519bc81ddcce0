"""Review page: each step on its frames, corrected in a few clicks.

The coach picks a step, steps through the frames around its touchdown or toe-off one at a time
(zoomed on the legs, at the capture rate), and puts the event on the frame where it happened, or
says the contact is a phantom, or that it was the other foot, or adds a contact that was missed.
Each correction is kept in the library with who made it and when
(:mod:`sprintlab.review`); the rep is analysed again from its keypoints at once and the page
shows the new values beside the old.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pandas as pd
import streamlit as st

from ..errors import SprintlabError
from ..events.edits import EventEdit
from ..library import Library
from . import common, data
from .page_rep import chosen_rep

#: Frames shown either side of the detected event in the filmstrip.
STRIP_HALF_FRAMES = 6
#: What the page lists for "a contact the analysis missed".
MISSED = "missed"
#: Values shown for a step before and after a correction: (column, label, unit, scale, digits).
STEP_VALUES = (
    ("touchdown_frame", "Touchdown frame", "", 1, 0),
    ("toeoff_frame", "Last ground frame", "", 1, 0),
    ("contact_time_s", "Contact time", "ms", 1000, 0),
    ("step_length_m", "Step length", "m", 1, 2),
    ("shin_angle_td_deg", "Shin at touchdown", "deg", 1, 0),
)


def render() -> None:
    st.title("Review")
    rep = chosen_rep(key="review_rep")
    if rep is not None:
        review(rep, common.library_location()[0])


def value_text(value: Any, unit: str, scale: float, digits: int) -> str:
    """``"121 ms"`` (``"–"`` when missing)."""
    try:
        v = float(value) * scale
    except (TypeError, ValueError):
        return "–"
    if not math.isfinite(v):
        return "–"
    return f"{v:.{digits}f} {unit}".strip()


def step_row(steps: pd.DataFrame, number: int) -> dict[str, Any] | None:
    """The step numbered ``number`` as a dict (None when the rep has none)."""
    rows = steps[steps["number"] == number]
    return None if rows.empty else rows.iloc[0].to_dict()


def change_summary(before: dict[str, Any] | None, after: dict[str, Any] | None) -> str:
    """``"contact time 100 → 121 ms, ..."`` for the values a correction changed."""
    parts = []
    for col, label, unit, scale, digits in STEP_VALUES:
        old = value_text((before or {}).get(col), unit, scale, digits)
        new = value_text((after or {}).get(col), unit, scale, digits)
        if old != new:
            parts.append(f"{label.lower()} {old} → {new}")
    return ", ".join(parts) or "no value of this step changed"


@st.cache_data(show_spinner=False, max_entries=32)
def _frames(rep_dir: str, doc_mtime_ns: int, doc: dict, first: int, last: int) -> tuple:
    from ..viz.kinogram import source_for_rep
    from ..viz.stepframes import event_frames

    source = source_for_rep(Path(rep_dir), doc)
    return event_frames(source, first, last, height_px=300)


def _load_frames(rep: data.RepView, first: int, last: int):
    mtime = common._mtime(rep.rep_dir / "keypoints.npz")
    return _frames(str(rep.rep_dir), mtime, rep.doc, first, last)


def _show(image_bgr: np.ndarray, caption: str | None = None) -> None:
    st.image(cv2.cvtColor(image_bgr, cv2.COLOR_BGR2RGB), caption=caption, width="stretch")


def _apply(db_path: Path, rep: data.RepView, edit: EventEdit, number: int | None) -> None:
    from ..review import correct

    before = step_row(rep.steps, number) if number is not None else None
    with Library.open(db_path) as lib:
        doc = correct(lib, rep.rep_pk, edit)
    after_steps = data.steps_frame_of(doc)
    after = None
    if number is not None and edit.action == "set":
        after = step_row(after_steps, number)
    elif edit.action == "set":
        match = after_steps[after_steps["touchdown_frame"] == edit.td_frame]
        after = None if match.empty else match.iloc[0].to_dict()
    label = f"Step {number}" if number is not None else "The added contact"
    if edit.action == "delete":
        message = f"{label} is no longer a contact; the steps after it were counted again."
    else:
        message = f"{label}: {change_summary(before, after)}."
    st.session_state["review_message"] = message
    st.rerun()


def review(rep: data.RepView, db_path: Path) -> None:
    """The review of one rep: step, frames, corrections."""
    message = st.session_state.pop("review_message", None)
    if message:
        st.success(message)
    author = st.text_input(
        "Your name",
        key="review_author",
        help="Kept with each correction, with the time it was made.",
    )
    steps = rep.steps
    numbers = [int(n) for n in steps["number"].dropna()]
    wanted = st.query_params.get("step")
    choices: list[Any] = [*numbers, MISSED]
    index = 0
    if wanted is not None and wanted.isdigit() and int(wanted) in numbers:
        index = numbers.index(int(wanted))
    choice = st.selectbox(
        "Step",
        choices,
        index=index,
        format_func=lambda c: "A contact the analysis missed" if c == MISSED else f"Step {c}",
        key=f"review_step_{rep.rep_pk}",
    )
    if choice != MISSED and st.query_params.get("step") != str(choice):
        st.query_params["step"] = str(choice)
    n_rows = int(rep.doc.get("video", {}).get("n_frames") or 0) or None
    if choice == MISSED:
        _missed_contact(rep, db_path, author, n_rows)
    else:
        _one_step(rep, db_path, author, int(choice), n_rows)
    _corrections(rep, db_path)


def _frame_picker(rep: data.RepView, key: str, default: int, n_rows: int | None) -> int:
    hi = (n_rows - 1) if n_rows else None
    return int(
        st.number_input(
            "Frame (− / + steps one frame)",
            min_value=0,
            max_value=hi,
            value=int(default),
            step=1,
            key=key,
        )
    )


def _view(rep: data.RepView, frame: int, event_row: int, marks: list[int]) -> Any:
    """The frame chosen, large, and the frames either side of it, cropped alike; returns the
    column beside the large frame (for the buttons that act on it)."""
    from ..viz.stepframes import CURRENT_COLOR, EVENT_COLOR, filmstrip, label_frame

    try:
        strip = _load_frames(rep, frame - STRIP_HALF_FRAMES, frame + STRIP_HALF_FRAMES)
    except (SprintlabError, ValueError, OSError) as err:
        st.info(f"The frames cannot be shown: {err}")
        return st.container()
    fps = strip.fps
    if frame not in strip.rows:
        st.info(f"Frame {frame} could not be decoded.")
        return st.container()
    on_event = frame in marks
    big = label_frame(
        strip.images[strip.rows.index(frame)],
        frame,
        event_row,
        fps,
        marked=True,
        color=EVENT_COLOR if on_event else CURRENT_COLOR,
    )
    left, beside = st.columns([1, 1])
    with left:
        _show(
            big,
            caption=f"Frame {frame}: {1000.0 * (frame - event_row) / fps:+.0f} ms from the "
            f"event as it stands ({fps:.0f} frames per second)",
        )
    # The strip spans the page: two rows, each tile large enough to read its frame number.
    _show(
        filmstrip(strip, event_row, marks=marks, current=frame, per_row=STRIP_HALF_FRAMES + 1),
        caption="The frames either side, one capture frame apart. Orange: the frame the event is "
        "on now; blue: the frame shown large.",
    )
    return beside


def _values(row: dict[str, Any]) -> None:
    cols = st.columns(len(STEP_VALUES))
    for c, (col, label, unit, scale, digits) in zip(cols, STEP_VALUES, strict=True):
        c.metric(label, value_text(row.get(col), unit, scale, digits))
    st.caption(
        f"Touchdown timed by {_timing(row, 'touchdown')}; toe-off by {_timing(row, 'toeoff')} "
        "(pose: the ankle keypoints; image: the foot seen on the ground; both; coach: set by a "
        "person)."
    )


def _timing(row: dict[str, Any], event: str) -> str:
    source = row.get(f"{event}_source") or "–"
    try:
        u = float(row.get(f"{event}_uncertainty_frames"))
    except (TypeError, ValueError):
        u = math.nan
    return f"{source} (±{u:.0f} frames)" if math.isfinite(u) else str(source)


def _one_step(
    rep: data.RepView, db_path: Path, author: str, number: int, n_rows: int | None
) -> None:
    row = step_row(rep.steps, number)
    if row is None:
        st.info(f"This rep has no step {number}.")
        return
    td, to = int(row["touchdown_frame"]), int(row["toeoff_frame"])
    _values(row)
    event = st.radio(
        "Event",
        ("Touchdown", "Toe-off"),
        horizontal=True,
        key=f"review_event_{rep.rep_pk}_{number}",
        help="Touchdown: the first frame the foot is on the ground. Toe-off: the last frame "
        "it is on the ground.",
    )
    event_row = td if event == "Touchdown" else to
    frame = _frame_picker(rep, f"review_frame_{rep.rep_pk}_{number}_{event}", event_row, n_rows)
    beside = _view(rep, frame, event_row, [event_row])
    foot = str(row.get("foot") or "")
    other = "left" if foot == "right" else "right"
    move_label = (
        f"Touchdown on frame {frame}" if event == "Touchdown" else f"Last ground frame {frame}"
    )
    # Beside the large frame: step with −/+ above, decide here without scrolling.
    moved = beside.button(move_label, type="primary", disabled=frame == event_row, width="stretch")
    swap = beside.button(f"It was the {other} foot", width="stretch")
    phantom = beside.button("Not a contact: delete it", width="stretch")
    if not (moved or swap or phantom):
        return
    if not author.strip():
        st.error("Enter your name first: each correction is kept with who made it.")
        return
    if phantom:
        edit = EventEdit("delete", was_td_frame=td, was_to_frame=to, author=author)
    else:
        new_td = frame if moved and event == "Touchdown" else td
        new_to = frame if moved and event == "Toe-off" else to
        if new_to < new_td:
            st.error(
                f"The touchdown (frame {new_td}) must come before the last ground frame "
                f"(frame {new_to})."
            )
            return
        edit = EventEdit(
            "set",
            td_frame=new_td,
            to_frame=new_to,
            side=other if swap else None,
            was_td_frame=td,
            was_to_frame=to,
            author=author,
        )
    _apply(db_path, rep, edit, number)


def _missed_contact(rep: data.RepView, db_path: Path, author: str, n_rows: int | None) -> None:
    st.caption(
        "Find the first and the last frame the missed foot is on the ground, then add it: the "
        "steps are counted again around it."
    )
    steps = rep.steps
    start = int(steps["touchdown_frame"].dropna().iloc[0]) if not steps.empty else 0
    frame = _frame_picker(rep, f"review_frame_{rep.rep_pk}_missed", start, n_rows)
    beside = _view(rep, frame, frame, [])
    first = int(beside.number_input("First ground frame", min_value=0, value=frame, step=1))
    last = int(beside.number_input("Last ground frame", min_value=0, value=frame, step=1))
    foot = beside.selectbox("Foot", ("the lower ankle", "left", "right"))
    if beside.button("Add this contact", type="primary", width="stretch"):
        if not author.strip():
            st.error("Enter your name first: each correction is kept with who made it.")
            return
        if last < first:
            st.error("The last ground frame must not come before the first.")
            return
        side = None if foot == "the lower ankle" else foot
        _apply(db_path, rep, EventEdit("set", first, last, side, author=author), None)


def _corrections(rep: data.RepView, db_path: Path) -> None:
    from ..review import withdraw

    with Library.open(db_path, readonly=True) as lib:
        edits = lib.edits_for(rep.rep_pk)
    st.subheader("Corrections of this rep")
    if not edits:
        st.caption("None yet: every event is the analysis's own.")
        return
    applied = {
        (e.get("action"), e.get("td_frame"), e.get("was_td_frame")): e.get("applied")
        for e in rep.doc.get("edits") or []
    }
    for edit_id, e in edits:
        c1, c2 = st.columns([5, 1])
        used = applied.get((e.action, e.td_frame, e.was_td_frame))
        state = "" if used is not False else " (no longer matches a contact: not applied)"
        c1.write(f"{e.created_utc[:16].replace('T', ' ')} · {e.describe()}{state}")
        if c2.button("Withdraw", key=f"withdraw_{edit_id}"):
            with Library.open(db_path) as wlib:
                withdraw(wlib, rep.rep_pk, edit_id)
            st.session_state["review_message"] = f"Withdrawn: {e.describe()}."
            st.rerun()
