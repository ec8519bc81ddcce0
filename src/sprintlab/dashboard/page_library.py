"""Library page: athletes, sessions and reps with filters; pick reps to open or compare."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from . import common, data


def render() -> None:
    st.title("Library")
    with common.library_or_message() as lib:
        if lib is None:
            return
        reps = lib.reps_frame()
        athletes = lib.athletes_frame()
        sessions = lib.sessions_frame()
        st.caption(f"{lib.db_path} · {len(athletes)} athletes · {len(sessions)} sessions")
    if reps.empty:
        st.info("The library has no reps yet: analyse a clip on the **Analyse** page.")
        return

    c1, c2, c3, c4 = st.columns(4)
    sel_athletes = c1.multiselect("Athlete", sorted(reps["athlete"].dropna().unique()))
    sel_positions = c2.multiselect("Position", sorted(reps["position"].dropna().unique()))
    sel_sessions = c3.multiselect("Session", sorted(reps["session"].dropna().unique()))
    dates = sorted(reps["date"].dropna().unique())
    lo, hi = dt.date.fromisoformat(dates[0]), dt.date.fromisoformat(dates[-1])
    picked = c4.date_input("Dates", value=(lo, hi), min_value=lo, max_value=hi)
    date_range = None
    if isinstance(picked, tuple | list) and len(picked) == 2:
        date_range = (picked[0].isoformat(), picked[1].isoformat())
    include_failed = st.checkbox("Show reps that failed to analyse", value=False)

    shown = data.filter_reps(
        reps,
        athletes=sel_athletes,
        positions=sel_positions,
        sessions=sel_sessions,
        date_range=date_range,
        include_failed=include_failed,
    )
    columns = [c for c in data.REP_TABLE_COLUMNS if c in shown.columns]
    if not include_failed:
        columns.remove("error")
    table = shown[columns].reset_index(drop=True)
    for c in ("flagged", "exclude_from_bests"):
        if c in table.columns:
            table[c] = pd.to_numeric(table[c], errors="coerce").fillna(0).astype(bool)
    st.subheader(f"Reps ({len(table)})")
    st.caption(
        "Tick one rep to open it, or 2–4 reps to compare them. Hover a header for its definition."
    )
    event = st.dataframe(
        table,
        column_config=common.table_config(columns),
        hide_index=True,
        placeholder="–",
        width="stretch",
        on_select="rerun",
        selection_mode="multi-row",
        key="reps_table",
    )
    rows = list(event.selection.rows) if event is not None else []
    chosen = table.iloc[rows]
    chosen_ok = [
        int(pk) for pk, s in zip(chosen["rep_pk"], chosen["status"], strict=True) if s == "ok"
    ]
    b1, b2, b3 = st.columns([1, 1, 2])
    if b1.button("Open rep", disabled=len(chosen_ok) != 1, type="primary"):
        common.go_to("rep", rep=str(chosen_ok[0]))
    if b2.button("Compare reps", disabled=not 2 <= len(chosen_ok) <= 4):
        common.go_to("compare", reps=",".join(str(r) for r in chosen_ok))
    with b3:
        common.csv_download(shown, "reps.csv", "Reps as CSV", key="dl_reps")
    if len(chosen_ok) > 4:
        st.warning("Compare takes at most 4 reps; untick some.")

    tab_a, tab_s = st.tabs(["Athletes", "Sessions"])
    with tab_a:
        cols = ["name", "position", "height_m", "mass_kg", "n_reps", "n_sessions", "best_10yd_s"]
        st.dataframe(
            athletes[cols],
            hide_index=True,
            placeholder="–",
            width="stretch",
            column_config={
                "name": st.column_config.TextColumn("Athlete"),
                "position": st.column_config.TextColumn("Position"),
                "height_m": st.column_config.NumberColumn("Height (m)", format="%.2f"),
                "mass_kg": st.column_config.NumberColumn("Mass (kg)", format="%.1f"),
                "n_reps": st.column_config.NumberColumn("Reps", format="%d"),
                "n_sessions": st.column_config.NumberColumn("Sessions", format="%d"),
                "best_10yd_s": st.column_config.NumberColumn(
                    "Best 10-yard split (s)",
                    format="%.3f",
                    help="Fastest first movement to hip crossing 10 yd (9.144 m) of all reps.",
                ),
            },
        )
        common.csv_download(athletes, "athletes.csv", "Athletes as CSV", key="dl_athletes")
    with tab_s:
        cols = ["name", "date", "place", "surface", "n_ok", "n_failed"]
        st.dataframe(
            sessions[cols],
            hide_index=True,
            placeholder="–",
            width="stretch",
            column_config={
                "name": "Session",
                "date": "Date",
                "place": "Place",
                "surface": "Surface",
                "n_ok": st.column_config.NumberColumn("Reps analysed", format="%d"),
                "n_failed": st.column_config.NumberColumn("Reps failed", format="%d"),
            },
        )
        common.csv_download(sessions, "sessions.csv", "Sessions as CSV", key="dl_sessions")
