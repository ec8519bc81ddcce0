"""Compare page: 2–4 reps side by side, aligned at first movement."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd
import streamlit as st

from ..errors import SprintlabError
from ..measured_error import MEASURED_ON
from ..viz import figures
from ..viz.compare_video import cached_compare_video
from ..viz.kinogram import hstack, kinogram_tiles, labelled_rows, source_for_rep
from . import common, data

CACHE_DIRNAME = "dashboard_cache"


def render() -> None:
    st.title("Compare")
    with common.library_or_message() as lib:
        if lib is None:
            return
        options = common.rep_options(lib)
        wanted = [r for r in data.parse_rep_ids(st.query_params.get("reps")) if r in options]
        chosen = st.multiselect(
            "Reps (2–4)",
            list(options),
            default=wanted[:4],
            format_func=options.get,
            max_selections=4,
            key="compare_pick",
        )
        if chosen != wanted:
            st.query_params["reps"] = ",".join(str(r) for r in chosen)
        if len(chosen) < 2:
            st.info("Choose at least two reps to compare (or tick them on the Library page).")
            return
        ref = reference_of(chosen, st.query_params.get("ref"))
        picked = st.selectbox(
            "Reference rep (the differences below are each other rep minus it)",
            chosen,
            index=chosen.index(ref),
            format_func=options.get,
            key="compare_ref",
        )
        if st.query_params.get("ref") != str(picked):
            st.query_params["ref"] = str(picked)
        order = [picked, *(pk for pk in chosen if pk != picked)]
        reps = [data.load_rep(lib, pk) for pk in order]
        cache_dir = lib.root / CACHE_DIRNAME
    show_comparison(reps, cache_dir)


def reference_of(chosen: list[int], wanted: str | None) -> int:
    """The reference rep: the one ``?ref=`` names when it is among ``chosen``, else the first
    ticked."""
    if wanted is not None and wanted.isdigit() and int(wanted) in chosen:
        return int(wanted)
    return chosen[0]


def step_numbers(reps: list[data.RepView]) -> list[int]:
    """The step numbers any of the reps has, in order (a missed step leaves a gap)."""
    found = {int(n) for r in reps for n in r.steps.get("number", []) if pd.notna(n)}
    return sorted(found)


def touchdown_of_step(steps: pd.DataFrame, number: int | None) -> float | None:
    """Touchdown time (s) of step ``number`` in a steps table, found by its number (not its
    row: a rep with steps 1 and 5 only has step 5 in its second row); None when it has none."""
    if number is None or "number" not in steps:
        return None
    rows = steps[steps["number"] == number]
    if rows.empty or pd.isna(rows["touchdown_s"].iloc[0]):
        return None
    return float(rows["touchdown_s"].iloc[0])


def _colour_legend(reps: list[data.RepView]) -> None:
    spans = " ".join(
        f"<span style='color:{figures.REP_COLOURS[i]};font-weight:600'>■ {r.label}</span>"
        for i, r in enumerate(reps)
    )
    st.markdown(spans, unsafe_allow_html=True)


def show_comparison(reps: list[data.RepView], cache_dir) -> None:
    _colour_legend(reps)
    st.subheader("Videos aligned at first movement")
    video = None
    # A rep whose start was not observed has no time 0 to align on: the others still play.
    aligned = [r for r in reps if math.isfinite(r.first_movement_s)]
    left_out = [r.label for r in reps if not math.isfinite(r.first_movement_s)]
    if left_out:
        st.info(
            "Left out of the side-by-side video (first movement not reported, so there is no "
            "time 0 to align on): " + "; ".join(left_out)
        )
    if len(aligned) >= 2:
        try:
            # Each panel in its rep's colour on the charts, also when a rep was left out.
            inputs = [replace(data.compare_input(r), colour_index=reps.index(r)) for r in aligned]
            bar = st.progress(0.0, text="Composing the videos…")
            video = cached_compare_video(
                inputs, cache_dir, progress=lambda f: bar.progress(f, text="Composing the videos…")
            )
            bar.empty()
        except SprintlabError as err:
            st.warning(f"No side-by-side video: {err}")
    elif left_out:
        st.warning("No side-by-side video: fewer than two of these reps have a first movement.")

    numbers = step_numbers(reps)
    step = None
    if numbers:
        step = st.select_slider(
            "Step (scrubber): jump the video to this touchdown of the reference rep and show "
            "every rep at its own touchdown",
            options=numbers,
            value=numbers[0],
            key="compare_step",
        )
    if video is not None:
        start = 0.0
        ref = aligned[0]
        td = touchdown_of_step(ref.steps, step)
        if td is not None:
            start = video.video_time_s(td - ref.first_movement_s)
        elif step is not None:
            st.caption(f"{ref.label} has no step {step}: the video starts at first movement.")
        st.video(str(video.path), start_time=math.floor(start * 100) / 100)
        st.caption(
            f"One composite video rendered by sprintlab so the reps stay in step: "
            f"{video.slow_motion_factor():.1f}× slow motion, time 0 = each rep's first movement."
        )
    if step is not None:
        tiles = []
        for r in reps:
            try:
                row = r.steps[r.steps["number"] == step]
                if row.empty:
                    continue
                tile = kinogram_tiles(
                    source_for_rep(r.rep_dir, r.doc),
                    [row.iloc[0].to_dict() | {"number": step}],
                    tile_height_px=320,
                )
                tiles.extend(tile)
            except SprintlabError:
                continue
        if tiles:
            common.show_image_bgr(
                hstack(tiles, gap_px=8),
                caption=f"Step {step} touchdown, rep by rep (left to right in the order chosen).",
            )

    st.subheader("Kinograms, rep above rep")
    rows = []
    for r in reps:
        try:
            rows.append((r.label, common.kinogram_of(r)))
        except SprintlabError as err:
            st.info(f"{r.label}: {err}")
    if rows:
        stacked = labelled_rows(rows)
        common.show_image_bgr(stacked)
        common.png_download(stacked, "kinograms.png", "Kinograms as PNG", key="dl_kinos")

    st.subheader("Charts (one colour per rep)")
    inp = [r.figure_input() for r in reps]
    common.plot(figures.hip_velocity_figure(inp), key="cmp_vel")
    c1, c2 = st.columns(2)
    for i, (title, fields) in enumerate(figures.STEP_CHARTS):
        with c1 if i % 2 == 0 else c2:
            common.plot(figures.steps_figure(inp, fields, title), key=f"cmp_steps{i}")

    st.subheader("Per-step differences")
    st.caption(
        "Each rep minus the reference rep. Highlighted: differences larger than two "
        "analyses of the same step differ by measurement error alone, 95 times in 100 ("
        + ", ".join(
            f"{figures.label_of(f, with_unit=False)} "
            f"{_fmt_change(data.MEANINGFUL_CHANGE[f], f, signed=False)} {figures.unit_of(f)}"
            for f in data.DIFF_FIELDS
        )
        + f"; measured by {MEASURED_ON}). Contact and flight times use each step's own "
        "event uncertainties instead when both reps have them (smaller where a person set the "
        "events on the frames, larger at 30–60 fps). The largest in each column is bold; "
        "smaller differences may be noise."
    )
    ref = reps[0]
    for other in reps[1:]:
        diff = data.step_differences(ref, other)
        st.markdown(f"**{other.label}** − **{ref.label}**")
        if diff.empty:
            st.info("These reps have no step numbers in common.")
            continue
        limits = data.change_thresholds(ref, other, diff)
        changes = data.largest_changes(diff, thresholds=limits)
        if changes:
            st.markdown(
                "Largest changes: "
                + "; ".join(
                    f"step {s} {figures.label_of(f, with_unit=False)} {_fmt_change(v, f)} "
                    f"{figures.unit_of(f)}"
                    for s, f, v, _ in changes
                )
            )
        else:
            st.markdown("No per-step difference exceeds the measurement error.")
        shown = diff.reset_index()
        renamed = {c: f"Δ {data.column_label(c)}" for c in data.DIFF_FIELDS}
        renamed["number"] = "Step"
        labelled = shown.rename(columns=renamed)
        thresholds = limits.reset_index(drop=True).rename(columns=renamed)
        styled = labelled.style.apply(_highlight, thresholds=thresholds, axis=0).format(
            {renamed[c]: f"{{:+.{data.DIFF_DIGITS[c]}f}}" for c in data.DIFF_FIELDS}, na_rep="–"
        )
        st.dataframe(
            styled,
            hide_index=True,
            placeholder="–",
            width="stretch",
            column_config={
                renamed[c]: st.column_config.Column(help=figures.FIELD_HELP.get(c))
                for c in data.DIFF_FIELDS
            },
        )
        common.csv_download(
            shown.rename(columns={c: f"delta_{c}" for c in data.DIFF_FIELDS}),
            f"differences_{other.rep_pk}_vs_{ref.rep_pk}.csv",
            "Differences as CSV",
            key=f"dl_diff_{other.rep_pk}",
        )


def _fmt_change(value: float, field: str, *, signed: bool = True) -> str:
    digits = data.DIFF_DIGITS.get(field, 3)
    return f"{value:+.{digits}f}" if signed else f"{value:.{digits}f}"


def _highlight(col: pd.Series, thresholds: pd.DataFrame) -> list[str]:
    """Cells at or beyond their own threshold (``thresholds``: same rows, renamed columns)."""
    if str(col.name) not in thresholds.columns:
        return [""] * len(col)
    limit = pd.to_numeric(thresholds[str(col.name)], errors="coerce").to_numpy()
    values = pd.to_numeric(col, errors="coerce").abs().to_numpy()
    real = np.isfinite(values) & np.isfinite(limit) & (values >= limit)
    top = np.nanmax(values) if np.isfinite(values).any() else np.nan
    styles = []
    for v, is_real in zip(values, real, strict=True):
        s = ""
        if is_real:
            s = "background-color: rgba(255, 170, 0, 0.35);"
            if v == top:
                s += "font-weight: bold;"
        styles.append(s)
    return styles
