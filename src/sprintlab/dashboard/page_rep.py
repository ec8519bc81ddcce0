"""Rep page: overlay video, per-step table, charts and kinogram of one rep."""

from __future__ import annotations

import math

import streamlit as st

from ..errors import SprintlabError
from ..overlay_video import OVERLAY_PLAY_FPS
from ..results import load_rep_json, overlay_is_current
from ..viz import figures
from . import common, data


def _fmt(value: object, unit: str, digits: int = 2) -> str:
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "–"
    return f"{v:.{digits}f} {unit}" if math.isfinite(v) else "–"


def pick_rep(options: dict[int, str], key: str = "rep_pick") -> int | None:
    """The rep in ``?rep=`` or chosen in a select box."""
    wanted = data.parse_rep_ids(st.query_params.get("rep"))
    ids = list(options)
    index = ids.index(wanted[0]) if wanted and wanted[0] in options else 0
    if not ids:
        return None
    chosen = st.selectbox("Rep", ids, index=index, format_func=options.get, key=key)
    if chosen is not None and st.query_params.get("rep") != str(chosen):
        st.query_params["rep"] = str(chosen)
    return chosen


def chosen_rep(key: str = "rep_pick") -> data.RepView | None:
    """The rep ``?rep=`` names or the one chosen in a select box (None, with a message, when
    the library cannot be opened or has no analysed rep)."""
    with common.library_or_message() as lib:
        if lib is None:
            return None
        options = common.rep_options(lib)
        if not options:
            st.info("No analysed reps yet: analyse a clip on the **Analyse** page.")
            return None
        rep_pk = pick_rep(options, key=key)
        return data.load_rep(lib, int(rep_pk))  # type: ignore[arg-type]


def render() -> None:
    st.title("Rep")
    rep = chosen_rep()
    if rep is not None:
        show_rep(rep)


def show_rep(rep: data.RepView) -> None:
    doc = rep.doc
    splits = doc.get("splits") or {}
    st.caption(
        f"{rep.athlete} ({rep.position or 'no position'}) · {rep.session} · {rep.date} · "
        f"capture {_fmt((doc.get('video') or {}).get('capture_fps'), 'fps', 0)} · calibration "
        f"{(doc.get('calibration') or {}).get('method')} "
        f"({(doc.get('calibration') or {}).get('confidence')} confidence)"
    )
    m = st.columns(5)
    m[0].metric(
        "5-yard split", _fmt(splits.get("5yd_s"), "s"), help=figures.FIELD_HELP["split_5yd_s"]
    )
    m[1].metric(
        "10-yard split", _fmt(splits.get("10yd_s"), "s"), help=figures.FIELD_HELP["split_10yd_s"]
    )
    m[2].metric(
        "Peak hip velocity",
        _fmt(doc.get("peak_hip_velocity_mps"), "m/s"),
        help=figures.FIELD_HELP["peak_hip_velocity_mps"],
    )
    first_len = rep.steps["step_length_m"].iloc[0] if len(rep.steps) else None
    m[3].metric(
        "First step length", _fmt(first_len, "m"), help=figures.FIELD_HELP["first_step_length_m"]
    )
    m[4].metric("Steps found", str(len(rep.steps)), help="Touchdowns after first movement (≤ 10).")
    _marks(rep)
    _field_lines(rep)
    warnings = doc.get("warnings") or []
    if warnings:
        with st.expander(f"{len(warnings)} warning(s) from the analysis"):
            for w in warnings:
                st.write(f"- {w}")

    left, right = st.columns([3, 2])
    with left:
        st.subheader("Overlay video")
        if rep.overlay_path is not None:
            speed = _overlay_video(rep)
            st.caption(
                "Skeleton, shin (green) and trunk (red) lines while a foot is on the "
                f"ground; step numbers at the foot. {speed}"
            )
            if overlay_is_stale(rep):
                _stale_overlay(rep)
        else:
            _draw_missing_overlay(rep)
    with right:
        st.subheader("Velocity")
        common.plot(figures.hip_velocity_figure([rep.figure_input()]), key=f"vel_{rep.rep_pk}")

    show_profile(rep)

    st.subheader("Steps")
    cols = [c for c in data.STEP_TABLE_FIELDS if c in rep.steps.columns]
    if rep.steps.empty:
        st.info("No steps were found in this rep (see the warnings).")
    else:
        flagged = data.implausible_cells(rep.doc)
        table = rep.steps[cols].reset_index(drop=True)
        st.dataframe(
            common.flag_cells(table, flagged) if flagged else table,
            column_config=common.table_config(cols),
            hide_index=True,
            placeholder="–",
            width="stretch",
        )
        note = data.landmarker_note(rep.doc)
        if note:
            st.caption(note)
        if flagged:
            st.caption(
                "Red: values no sprint start produces, more likely a measurement gone wrong "
                "than a feat; check those steps on the **Review** page. "
                + "; ".join(f"step {n} {why}" for (n, _), why in sorted(flagged.items()))
            )
        common.csv_download(
            rep.steps,
            f"{rep.doc.get('rep_id')}_steps.csv",
            "Steps as CSV",
            key=f"dl_steps_{rep.rep_pk}",
        )
        inp = [rep.figure_input()]
        c1, c2 = st.columns(2)
        for i, (title, fields) in enumerate(figures.STEP_CHARTS):
            with c1 if i % 2 == 0 else c2:
                common.plot(figures.steps_figure(inp, fields, title), key=f"steps{i}_{rep.rep_pk}")

    st.subheader("Kinogram: the athlete at each touchdown")
    try:
        kino = common.kinogram_of(rep)
    except SprintlabError as err:
        st.info(str(err))
    else:
        common.show_image_bgr(
            kino,
            caption="Shin of the landing leg (green) and trunk (red); "
            "angles in degrees from the forward horizontal.",
        )
        common.png_download(
            kino,
            f"{rep.doc.get('rep_id')}_kinogram.png",
            "Kinogram as PNG",
            key=f"dl_kino_{rep.rep_pk}",
        )
    c1, c2 = st.columns(2)
    if c1.button("Review and correct the steps on their frames"):
        common.go_to("review", rep=str(rep.rep_pk))
    if c2.button("Compare this rep with others"):
        common.go_to("compare", reps=str(rep.rep_pk))


def _marks(rep: data.RepView) -> None:
    """The coach's note, flag and "leave out of bests" of the rep, saved to the library."""
    from ..library import Library

    status = []
    if rep.flagged:
        status.append("flagged")
    if rep.exclude_from_bests:
        status.append("left out of bests")
    title = "Coach's notes" + (f" ({', '.join(status)})" if status else "")
    with st.expander(title, expanded=bool(rep.coach_note or status)):
        with st.form(key=f"marks_{rep.rep_pk}"):
            note = st.text_area("Note", value=rep.coach_note, placeholder="e.g. slipped at step 2")
            flagged = st.checkbox("Flag this rep to come back to", value=rep.flagged)
            excluded = st.checkbox(
                "Leave this rep out of bests, leaderboards and session means",
                value=rep.exclude_from_bests,
                help="For a slip, a false start or a rep filmed badly: it stays in the library "
                "and on this page.",
            )
            if st.form_submit_button("Save"):
                db_path, _ = common.library_location()
                with Library.open(db_path) as lib:
                    lib.mark_rep(
                        rep.rep_pk, note=note, flagged=flagged, exclude_from_bests=excluded
                    )
                st.rerun()


def _overlay_video(rep: data.RepView) -> str:
    """The overlay, zoomed on the athlete (followed, from just before first movement) unless
    the coach asks for the whole picture; returns how fast it plays."""
    zoom = st.toggle(
        "Zoomed on the athlete",
        value=math.isfinite(rep.first_movement_s),
        key=f"zoom_{rep.rep_pk}",
        disabled=not math.isfinite(rep.first_movement_s),
        help="Follows the athlete from just before first movement; off: the whole picture.",
    )
    if zoom:
        from ..viz.compare_video import cached_compare_video
        from .page_compare import CACHE_DIRNAME

        _, root = common.library_location()
        try:
            with st.spinner("Zooming the overlay on the athlete…"):
                video = cached_compare_video([data.compare_input(rep)], root / CACHE_DIRNAME)
        except (SprintlabError, OSError) as err:
            st.info(f"The zoomed overlay cannot be made ({err}); the whole picture is shown.")
        else:
            st.video(str(video.path))
            slow = video.slow_motion_factor()
            if slow > 1.05:
                return f"Plays {slow:.0f}× slower than real time."
            return "Plays in real time."
    st.video(str(rep.overlay_path))
    return playback_note(rep.doc)


def playback_note(doc: dict) -> str:
    """How fast the overlay plays: it is written at up to 30 frames per second of video."""
    try:
        fps = float((doc.get("video") or {}).get("capture_fps"))
    except (TypeError, ValueError):
        return ""
    if not math.isfinite(fps) or fps <= 0:
        return ""
    play = min(OVERLAY_PLAY_FPS, fps)
    if fps <= play:
        return f"Plays in real time ({fps:.0f} frames per second)."
    return (
        f"Plays {fps / play:.0f}× slower than real time: {fps:.0f} frames per second captured, "
        f"{play:.0f} shown."
    )


def overlay_is_stale(rep: data.RepView) -> bool:
    """Whether the overlay video marks other steps than the rep has now (a person's correction
    re-analysed the rep without drawing it again); unknown for reps made before this was
    recorded, and then stale only when people corrected the rep."""
    if rep.overlay_path is None:
        return False
    # The video is the folder's: its rep.json says which steps it marks (an overlay drawn
    # after the library recorded the rep is not in the library's copy of rep.json).
    try:
        drawn = load_rep_json(rep.rep_dir).get("overlay_steps")
    except (OSError, ValueError):
        drawn = rep.doc.get("overlay_steps")
    current = overlay_is_current({**rep.doc, "overlay_steps": drawn})
    return bool(rep.doc.get("edits")) if current is None else not current


def _draw_missing_overlay(rep: data.RepView) -> None:
    """An analysis writes its numbers first: the overlay is drawn the first time the rep is
    shown (or said why it cannot be)."""
    from ..overlay_video import ANALYSED_BEFORE, draw_rep_overlay, overlay_problem

    problem = overlay_problem(rep.rep_dir)
    if problem is None:
        try:
            with st.spinner("Drawing the overlay video (the first time this rep is shown)…"):
                draw_rep_overlay(rep.rep_dir)
        except SprintlabError as err:
            st.info(str(err))
        else:
            st.rerun()
    elif problem == ANALYSED_BEFORE:
        st.info("This rep has no overlay video yet: it was analysed before overlays were kept.")
        _redraw_button(rep, "Draw the overlay")
    else:
        st.info(f"This rep has no overlay video: {problem}.")


def _stale_overlay(rep: data.RepView) -> None:
    st.warning(
        "The overlay was drawn before the latest corrections: its step marks are the "
        "analysis's, not the corrected ones."
    )
    _redraw_button(rep, "Redraw the overlay with the corrections")


def _field_lines(rep: data.RepView) -> None:
    """The field's lines that calibrated the rep, drawn over the field: a glance tells whether
    the start, 5 and 10 yards sit on the paint; one click rejects them (or takes them back)."""
    from ..library import Library
    from ..pipeline import FIELD_GRID_FILE
    from ..review import reanalyze_in_library

    lines = rep.doc.get("field_lines") or {}
    if not lines.get("found"):
        # A rep measured from the athlete's height says why the field's lines did not give the
        # scale, with what would (the camera's height, a turned camera, cones).
        method = (rep.doc.get("calibration") or {}).get("method")
        if lines.get("reason") and method == "athlete_height":
            st.info(
                f"The field's lines were not used: {lines['reason']}. Distances come from the "
                "athlete's height and are rough."
            )
        return
    rejected = bool(lines.get("rejected"))
    title = "Calibration from the field's lines" + (" (rejected)" if rejected else "")
    with st.expander(title, expanded=not rejected):
        picture = rep.rep_dir / FIELD_GRID_FILE
        if picture.is_file():
            st.image(str(picture), width="stretch")
        focal = (
            f"focal length from {lines['focal_from']}"
            if lines.get("focal_from")
            else "focal length measured"
            if lines.get("focal_measured")
            else "focal length assumed (camera square-on)"
        )
        st.caption(
            f"{lines.get('grid')}: {lines.get('lines')} lines, {_fmt(lines.get('rms_m'), 'm', 3)} "
            f"from even spacing (distances ±{_fmt(lines.get('distance_uncertainty_m'), 'm')} "
            f"and ±{_fmt(lines.get('scale_uncertainty_pct'), '%', 1)}, 95%: the athlete's line "
            f"from {lines.get('athlete_line_from')}); {focal}; start line: "
            f"{lines.get('start_line')}. Check that the "
            "drawn lines sit on the painted ones, the green one on the start line."
        )
        label = "Use these lines again" if rejected else "Reject these lines"
        if st.button(label, key=f"field_lines_{rep.rep_pk}"):
            db_path, _ = common.library_location()
            try:
                with st.spinner("Analysing the rep again…"), Library.open(db_path) as lib:
                    reanalyze_in_library(lib, rep.rep_pk, field_lines=rejected)
            except SprintlabError as err:
                st.error(f"The rep could not be analysed again: {err}")
                return
            st.rerun()


def _redraw_button(rep: data.RepView, label: str) -> None:
    """Draw the rep's overlay again on request: from its kept skeleton, or for a rep analysed
    before that was kept, through a re-analysis from its keypoints."""
    from ..library import Library
    from ..overlay_video import ANALYSED_BEFORE, draw_rep_overlay, overlay_problem
    from ..review import reanalyze_in_library

    if not st.button(label, key=f"redraw_{rep.rep_pk}"):
        return
    db_path, _ = common.library_location()
    with st.spinner("Drawing the overlay…"):
        problem = overlay_problem(rep.rep_dir)
        try:
            if problem is None:
                draw_rep_overlay(rep.rep_dir)
            elif problem == ANALYSED_BEFORE:
                with Library.open(db_path) as lib:
                    reanalyze_in_library(lib, rep.rep_pk, overlay=True)
        except SprintlabError as err:
            problem = str(err)
        with Library.open(db_path) as lib:
            again = data.load_rep(lib, rep.rep_pk)
    if again.overlay_path is None or overlay_is_stale(again):
        st.info(
            f"The overlay could not be drawn ({problem}); "
            "if the clip has moved, put it back and try again."
        )
    else:
        st.rerun()


def show_profile(rep: data.RepView) -> None:
    """The velocity fit, the force–velocity line and the 20/40-yard estimate of one rep."""
    profile = rep.doc.get("profile") or {}
    st.subheader("Acceleration profile")
    vel = figures.velocity_fit_figure(rep.series, profile, rep.first_movement_s)
    fv = figures.force_velocity_figure(profile)
    if vel is None and fv is None:
        st.info("No velocity fit for this rep. " + " ".join(profile.get("notes") or []))
        return
    c1, c2 = st.columns(2)
    with c1:
        if vel is not None:
            common.plot(vel, key=f"vfit_{rep.rep_pk}")
    with c2:
        if fv is not None:
            common.plot(fv, key=f"fv_{rep.rep_pk}")
        else:
            st.info(" ".join(profile.get("notes") or ["No force–velocity profile."]))
    est = profile.get("estimate")
    if est:
        st.caption(
            f"Estimated from the run in view ({est.get('method')}, combine group "
            f"{est.get('group')}): 20 yd {_fmt(est.get('t20_s'), 's')} "
            f"({_fmt(est.get('t20_low_s'), 's')}–{_fmt(est.get('t20_high_s'), 's')}), "
            f"40 yd {_fmt(est.get('t40_s'), 's')} "
            f"({_fmt(est.get('t40_low_s'), 's')}–{_fmt(est.get('t40_high_s'), 's')})."
        )
    elif profile.get("estimate_reason"):
        st.caption(f"No 20/40-yard estimate: {profile['estimate_reason']}")
