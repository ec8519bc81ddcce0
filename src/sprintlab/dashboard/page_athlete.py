"""Athlete page: each metric across sessions (best and mean), with the combine as reference."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ..measured_error import rep_error_half_width
from ..viz import figures
from . import common, data


def render() -> None:
    st.title("Athlete")
    with common.library_or_message() as lib:
        if lib is None:
            return
        athletes = lib.athletes_frame()
        athletes = athletes[athletes["n_reps"] > 0]
        if athletes.empty:
            st.info("No athlete has an analysed rep yet.")
            return
        names = list(athletes["name"])
        wanted = st.query_params.get("athlete")
        index = names.index(wanted) if wanted in names else 0
        name = st.selectbox("Athlete", names, index=index, key="athlete_pick")
        if st.query_params.get("athlete") != name:
            st.query_params["athlete"] = name
        reps = lib.reps_frame(athlete=name, status="ok")
    row = athletes[athletes["name"] == name].iloc[0]
    position = row["position"] if pd.notna(row["position"]) else None
    st.caption(
        f"Position: {position or 'not given'} · {int(row['n_reps'])} reps in "
        f"{int(row['n_sessions'])} session(s). Best = fastest time / largest distance, speed or "
        "force of the session; the green band is the athlete's position at the NFL combine "
        "(middle 50%) where the combine measured the same thing; the blue band around the bests "
        "is sprintlab's measured error of one rep (95%), so a change inside it may be noise "
        "(metrics without it have no measured error yet). The axes span at least a typical "
        "good-to-bad-day range."
    )
    tables = []
    shown = 0
    cols = st.columns(2)
    for metric, best in data.ATHLETE_METRICS:
        table = data.athlete_session_table(reps, metric, best)
        if table.empty:
            continue
        band = data.combine_band(metric, position)
        fig = figures.session_trend_figure(
            table,
            metric,
            band=(band.low, band.high) if band else None,
            band_label=band.label if band else "",
            error_half_width=rep_error_half_width(metric),
        )
        with cols[shown % 2]:
            common.plot(fig, key=f"ath_{metric}")
        shown += 1
        tables.append(table.assign(metric=metric))
    if not shown:
        st.info(f"{name}'s reps have no measured metric yet (see their warnings on the Rep page).")
        return
    all_tables = pd.concat(tables, ignore_index=True)[
        ["metric", "date", "session", "best", "mean", "n_reps"]
    ]
    st.subheader("Per session")
    st.dataframe(
        all_tables.assign(metric=[figures.label_of(m) for m in all_tables["metric"]]),
        hide_index=True,
        placeholder="–",
        width="stretch",
        column_config={
            "metric": st.column_config.TextColumn("Metric (unit)"),
            "date": "Date",
            "session": "Session",
            "best": st.column_config.NumberColumn("Best (metric's unit)", format="%.3f"),
            "mean": st.column_config.NumberColumn("Mean (metric's unit)", format="%.3f"),
            "n_reps": st.column_config.NumberColumn("Reps", format="%d"),
        },
    )
    common.csv_download(
        all_tables, f"{name}_sessions.csv", "Per-session table as CSV", key="dl_athlete"
    )
    _printable(name)


def _printable(name: str) -> None:
    """A download of the one-page summary (print-ready HTML; print it to PDF from a browser)."""
    from ..athlete_report import athlete_summary_html
    from ..library import athlete_slug

    with common.library_or_message() as lib:
        if lib is None:
            return
        text = athlete_summary_html(lib, name)
    st.download_button(
        "Printable one-page summary (HTML: open it and print, or save as PDF)",
        text.encode("utf-8"),
        file_name=f"{athlete_slug(name)}_summary.html",
        mime="text/html",
        key="dl_summary",
    )
