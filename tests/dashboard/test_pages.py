"""Every dashboard page through Streamlit's AppTest, against the synthetic fixture library."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from sprintlab.dashboard import data
from sprintlab.library import Library

REPO = Path(__file__).resolve().parents[2]
TIMEOUT_S = 120


def page_app(module: str, **query: str) -> AppTest:
    """AppTest of one page module run on its own, with query parameters."""
    script = f"""
from sprintlab.dashboard import common, {module}
common.guarded({module}.render)()
"""
    at = AppTest.from_string(script, default_timeout=TIMEOUT_S)
    for k, v in query.items():
        at.query_params[k] = v
    return at.run()


def no_errors(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def plotly_specs(at: AppTest) -> list[dict]:
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


def rep_count(root: Path) -> int:
    with sqlite3.connect(root / "library.sqlite") as conn:
        return conn.execute("SELECT COUNT(*) FROM reps").fetchone()[0]


def test_app_opens_on_the_library_page(library):
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=TIMEOUT_S).run()
    no_errors(at)
    assert at.title[0].value == "Library"


def test_library_page_lists_and_filters_reps(library):
    at = page_app("page_library")
    no_errors(at)
    assert any(s.value == "Reps (3)" for s in at.subheader)  # the failed clip is hidden
    at.checkbox[0].check().run()
    assert any(s.value == "Reps (4)" for s in at.subheader)
    at.checkbox[0].uncheck().run()
    at.multiselect[0].select("Bo Diaz").run()
    assert any(s.value == "Reps (1)" for s in at.subheader)
    table = at.dataframe[0].value
    assert list(table["athlete"]) == ["Bo Diaz"]
    labels = [b.label for b in at.get("download_button")]
    assert "Reps as CSV" in labels


def test_library_page_without_a_library_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("SPRINTLAB_LIBRARY", str(tmp_path / "nowhere"))
    at = page_app("page_library")
    assert not at.exception
    assert "Analyse" in at.info[0].value and "No sprintlab library" in at.info[0].value


def test_rep_page_shows_video_table_charts_and_kinogram(library):
    at = page_app("page_rep", rep="1")
    no_errors(at)
    with Library.open(library, readonly=True) as lib:
        rep = data.load_rep(lib, 1)
    # The headline numbers are the rep's own.
    ten = next(m for m in at.metric if m.label == "10-yard split")
    assert ten.value == f"{rep.doc['splits']['10yd_s']:.2f} s"
    # Step table: one row per step, the step values.
    table = at.dataframe[0].value
    assert len(table) == len(rep.steps) == 8
    assert table["step_length_m"].tolist() == pytest.approx(rep.steps["step_length_m"].tolist())
    # Hip velocity, the velocity fit and the force–velocity line (the fixture athletes have a
    # body mass and height) and four per-step charts, every axis titled with a unit.
    specs = plotly_specs(at)
    assert len(specs) == 7
    titles = [spec["layout"]["title"]["text"] for spec in specs]
    assert any(t.startswith("Velocity curve") for t in titles)
    assert any(t.startswith("Force–velocity profile") for t in titles)
    for spec in specs:
        for name, axis in spec["layout"].items():
            if name.startswith("yaxis") and "title" in axis:
                assert axis["title"]["text"].endswith(")"), axis["title"]["text"]
            if name.startswith("xaxis") and "title" in axis:
                text = axis["title"]["text"]
                assert text in ("Step number", "Horizontal velocity (m/s)") or text.endswith(
                    "(s)"
                ), text
    assert len(at.get("video")) == 1
    assert len(at.get("image")) == 1  # the kinogram
    labels = {b.label for b in at.get("download_button")}
    assert {"Steps as CSV", "Kinogram as PNG"} <= labels


def test_rep_page_draws_a_missing_overlay_the_first_time_it_is_shown(library):
    # Analyses write their numbers first; the Rep page draws the video when first shown.
    with Library.open(library, readonly=True) as lib:
        rep = data.load_rep(lib, 1)
    (rep.rep_dir / "overlay.mp4").unlink()
    at = page_app("page_rep", rep="1")
    no_errors(at)
    assert (rep.rep_dir / "overlay.mp4").stat().st_size > 0
    assert len(at.get("video")) == 1
    folder_doc = json.loads((rep.rep_dir / "rep.json").read_text())
    assert folder_doc["overlay_steps"] and folder_doc["steps"] == rep.doc["steps"]
    # Where the clip is gone, the page says so instead of drawing (and shows the rest).
    (rep.rep_dir / "overlay.mp4").unlink()
    folder_doc["video"]["path"] = str(library / "gone.mp4")
    (rep.rep_dir / "rep.json").write_text(json.dumps(folder_doc))
    at = page_app("page_rep", rep="1")
    no_errors(at)
    assert any("no overlay video: the clip" in i.value for i in at.info)
    assert len(at.dataframe) >= 1


def test_rep_page_with_an_unknown_rep_falls_back_to_a_choice(library):
    at = page_app("page_rep", rep="999")
    no_errors(at)
    assert at.selectbox[0].value in (1, 2, 3)


def test_compare_page_overlays_two_reps(library):
    at = page_app("page_compare", reps="1,3")
    no_errors(at)
    specs = plotly_specs(at)
    assert len(specs) == 5
    # One colour per rep: both reps on every chart.
    for spec in specs:
        names = {t.get("name") for t in spec["data"] if t.get("showlegend", True) is not False}
        assert len({n for n in names if n}) >= 2
    assert len(at.get("video")) == 1
    assert len(list((library / "dashboard_cache").glob("compare-*.mp4"))) == 1
    assert len(at.get("image")) == 2  # step-1 tiles and the stacked kinograms
    diff = at.dataframe[0].value
    assert len(diff) == 8
    # Scrubbing to step 3 keeps the page whole and reuses the cached composite.
    at.select_slider[0].set_value(3).run()
    no_errors(at)
    assert len(list((library / "dashboard_cache").glob("compare-*.mp4"))) == 1


def test_compare_page_asks_for_two_reps(library):
    at = page_app("page_compare", reps="1")
    no_errors(at)
    assert "at least two" in at.info[0].value


def test_athlete_page_shows_sessions_and_combine_band(library):
    at = page_app("page_athlete", athlete="Ann Lee")
    no_errors(at)
    specs = plotly_specs(at)
    titles = [s["layout"]["yaxis"]["title"]["text"] for s in specs]
    assert "10-yard split (s)" in titles
    ten = specs[titles.index("10-yard split (s)")]
    # Two sessions, best and mean each; the WR combine band as a shaded rectangle.
    best = next(t for t in ten["data"] if t.get("name") == "best of the session")
    assert len(best["x"]) == 2
    assert any(s.get("type") == "rect" for s in ten["layout"].get("shapes", []))
    table = at.dataframe[0].value
    assert set(table["session"]) == {"Spring testing", "Summer testing"}


# ----------------------------------------------------------------------------------------------
# Analyse page: good and bad input
# ----------------------------------------------------------------------------------------------


def upload(at: AppTest, name: str, payload: bytes, mime: str = "video/mp4") -> AppTest:
    return at.file_uploader[0].set_value((name, payload, mime)).run()


def test_analyse_refuses_a_file_that_is_not_a_video(library):
    before = rep_count(library)
    at = page_app("page_analyse")
    at = upload(at, "notes.txt", b"not a video at all", "text/plain")
    assert not at.exception
    assert "not a video file" in at.error[0].value
    at = upload(at, "fake.mp4", b"\x00" * 5000)
    assert "could not be read as a video" in at.error[0].value
    assert not list((library / "clips").glob("fake*"))  # nothing kept
    assert rep_count(library) == before


def test_analyse_refuses_an_oversized_upload(library, monkeypatch):
    from sprintlab.dashboard import analysis

    monkeypatch.setattr(analysis, "MAX_UPLOAD_MB", 0.001)
    at = page_app("page_analyse")
    at = upload(at, "long.mp4", b"\x00" * 5000)
    assert not at.exception
    assert "more than the 0 MB" in at.error[0].value
    # The page is still usable: another file can be chosen.
    assert at.file_uploader[0] is not None


def _fill_and_analyse(at: AppTest, clip: Path) -> AppTest:
    at = upload(at, clip.name, clip.read_bytes())
    no_errors(at)
    from sprintlab.dashboard.page_analyse import NO_CONES

    at.radio[0].set_value(NO_CONES).run()
    at.number_input[1].set_value(1.85).run()  # height
    at.text_input[0].input("Cy Young").run()
    at.button[0].click().run()
    return at


def test_a_failing_analysis_shows_the_reason_and_keeps_the_library(library, monkeypatch):
    monkeypatch.setenv("SPRINTLAB_DASHBOARD_ANALYZER", "fake_analyzers:fail")
    before = rep_count(library)
    rep_dirs_before = sorted(p.name for p in (library / "reps").glob("*/*"))
    at = _fill_and_analyse(page_app("page_analyse"), library / "clips" / "rep2.mp4")
    assert not at.exception
    assert "The athlete was lost after 12 frames" in at.error[0].value
    assert sorted(p.name for p in (library / "reps").glob("*/*")) == rep_dirs_before
    with Library.open(library, readonly=True) as lib:
        reps = lib.reps_frame()
    assert int((reps["status"] == "ok").sum()) == 3  # every analysed rep still there
    assert rep_count(library) == before + 1  # the failure is recorded, as a batch records it
    # Still usable: the pages open as before.
    no_errors(page_app("page_library"))


def test_analyse_records_the_rep_and_opens_it(library, monkeypatch):
    monkeypatch.setenv("SPRINTLAB_DASHBOARD_ANALYZER", "fake_analyzers:from_truth")
    clip = library / "clips" / "rep3.mp4"
    monkeypatch.setenv("SPRINTLAB_TEST_TRUTH_JSON", str(clip.with_suffix(".truth.json")))
    at = _fill_and_analyse(page_app("page_analyse"), clip)
    no_errors(at)
    rep_pk = at.session_state["analysed_rep"]
    assert at.query_params["rep"] == [str(rep_pk)] or at.query_params["rep"] == str(rep_pk)
    with Library.open(library, readonly=True) as lib:
        rep = data.load_rep(lib, rep_pk)
    assert rep.athlete == "Cy Young"
    assert len(rep.steps) >= 6
    assert (rep.rep_dir / "rep.json").is_file()


def test_analyse_without_cones_hands_the_camera_height_to_the_analysis(library, monkeypatch):
    from sprintlab.calibration import load_sidecar
    from sprintlab.dashboard.page_analyse import NO_CONES

    monkeypatch.setenv("SPRINTLAB_DASHBOARD_ANALYZER", "fake_analyzers:from_truth")
    clip = library / "clips" / "rep3.mp4"
    monkeypatch.setenv("SPRINTLAB_TEST_TRUTH_JSON", str(clip.with_suffix(".truth.json")))
    at = upload(page_app("page_analyse"), clip.name, clip.read_bytes())
    at.radio[0].set_value(NO_CONES).run()
    no_errors(at)
    # Without the athlete's height the page warns what happens when no lines are found.
    assert any("no lines are found" in w.value for w in at.warning)
    at.number_input[1].set_value(1.85).run()  # the athlete's height
    at.number_input[2].set_value(1.21).run()  # the camera's height
    at.text_input[0].input("Cy Young").run()
    (analyse,) = [b for b in at.button if b.label == "Analyse"]
    at = analyse.click().run()
    no_errors(at)
    staged = [p for p in (library / "clips").glob("rep3-*.mp4")]
    assert len(staged) == 1
    given = load_sidecar(staged[0].with_suffix(".toml"))
    assert given.camera_height_m == pytest.approx(1.21)
    assert given.athlete_height_m == pytest.approx(1.85)
    assert given.markers == () and given.start_line_px is None


def test_compare_page_plays_the_others_when_one_rep_has_no_first_movement(library):
    """A rep whose start was not observed has no time 0: it is named, and the rest still play."""
    with sqlite3.connect(library / "library.sqlite") as conn:
        doc = json.loads(conn.execute("SELECT rep_json FROM reps WHERE rep_pk = 3").fetchone()[0])
        doc["first_movement_s"] = None
        conn.execute("UPDATE reps SET rep_json = ? WHERE rep_pk = 3", (json.dumps(doc),))
    at = page_app("page_compare", reps="1,2,3")
    no_errors(at)
    infos = [i.value for i in at.info]
    assert any(i.startswith("Left out of the side-by-side video") for i in infos), infos
    assert len(at.get("video")) == 1  # reps 1 and 2, aligned
    only_two = page_app("page_compare", reps="1,3")
    no_errors(only_two)
    assert len(only_two.get("video")) == 0
    assert any("fewer than two of these reps" in w.value for w in only_two.warning)


def test_compare_page_lets_the_coach_choose_the_reference_rep(library):
    at = page_app("page_compare", reps="1,3", ref="3")
    no_errors(at)
    ref_box = at.selectbox(key="compare_ref")
    assert ref_box.value == 3
    # The difference table is the other rep minus the reference: rep 1 − rep 3.
    first = at.markdown.values
    assert any(
        "Ann Lee" in m and m.index("Ann Lee") < m.index("Bo Diaz") for m in first if "−" in m
    )
    ref_box.set_value(1).run()
    no_errors(at)
    assert at.query_params["ref"] == ["1"] or at.query_params["ref"] == "1"
    assert any(
        "Bo Diaz" in m and m.index("Bo Diaz") < m.index("Ann Lee")
        for m in at.markdown.values
        if "−" in m
    )


def test_rep_page_keeps_a_coachs_note_flag_and_leave_out_of_bests(library):
    at = page_app("page_rep", rep="1")
    no_errors(at)
    at.text_area[0].set_value("Slipped at step 2")
    at.checkbox[0].check()
    at.checkbox[1].check()
    at.button[0].click().run()  # the form's Save
    no_errors(at)
    with Library.open(library, readonly=True) as lib:
        rep = data.load_rep(lib, 1)
        other = data.load_rep(lib, 2)
        athletes = lib.athletes_frame().set_index("name")
    assert (rep.coach_note, rep.flagged, rep.exclude_from_bests) == (
        "Slipped at step 2",
        True,
        True,
    )
    # Ann Lee's best 10-yard split now comes from her other rep only.
    assert athletes.loc["Ann Lee", "best_10yd_s"] == pytest.approx(other.doc["splits"]["10yd_s"])
    assert "Coach's notes (flagged, left out of bests)" in [e.label for e in at.expander]
    # The Library page shows the marks.
    lib_page = page_app("page_library")
    no_errors(lib_page)
    table = lib_page.dataframe[0].value.set_index("rep_pk")
    assert bool(table.loc[1, "flagged"]) and table.loc[1, "coach_note"] == "Slipped at step 2"


def test_rep_page_marks_implausible_values_in_red(library, tmp_path):
    # Flag a value as the analysis does (rep.json 'implausible') on rep 1's step 2.
    with Library.open(library) as lib:
        rep = data.load_rep(lib, 1)
        doc = dict(rep.doc)
        doc["implausible"] = [
            {"step": 2, "metric": "contact_time_s", "value": 0.45, "why": "contact 0.45 s"}
        ]
        lib.update_analysis(1, doc)
    at = page_app("page_rep", rep="1")
    no_errors(at)
    styled = at.dataframe[0].proto.arrow_data.styler.styles
    assert "rgba(214, 39, 40, 0.25)" in styled
    assert any("step 2 contact 0.45 s" in c.value for c in at.caption)
    # The other reps have nothing flagged: no red.
    plain = page_app("page_rep", rep="2")
    assert "rgba(214, 39, 40" not in plain.dataframe[0].proto.arrow_data.styler.styles


def test_compare_page_calls_nothing_a_change_between_two_analyses_of_one_clip(library):
    """The same clip analysed twice (other filter settings, as after an upgrade) and compared:
    every step differs a little, and no cell is highlighted as a real change."""
    import shutil

    from sprintlab.filtering import FilterSettings
    from sprintlab.library import RepRecord, SessionInfo
    from sprintlab.pipeline import AnalysisSettings, reanalyze_rep

    with Library.open(library) as lib:
        row = lib.conn.execute(
            "SELECT artefact_dir, clip_path, clip_sha256, athlete_id FROM reps WHERE rep_pk = 1"
        ).fetchone()
        first = library / row[0]
        again = first.parent / "again" / first.name
        shutil.copytree(first, again)
        settings = AnalysisSettings(filter=FilterSettings(cutoff_hz=9.0))
        _, out = reanalyze_rep(again, settings=settings, overlay=False)
        doc = json.loads((out / "rep.json").read_text())
        sid = lib.ensure_session(SessionInfo("Re-analysis", "2026-03-15"))
        pk = lib.record_rep(
            RepRecord(
                session_id=sid, clip_path=row[1], status="ok", athlete_id=row[3], rep_number=1,
                clip_sha256=row[2], settings_hash="other", capture_fps=60.0, doc=doc,
                artefact_dir=out,
            )
        ).rep_pk  # fmt: skip
        before = data.load_rep(lib, 1)
        after = data.load_rep(lib, pk)
    diff = data.step_differences(before, after)
    assert (diff.abs() > 0).to_numpy().any()  # the two analyses do differ
    at = page_app("page_compare", reps=f"1,{pk}")
    no_errors(at)
    assert "No per-step difference exceeds the measurement error." in at.markdown.values
    styles = at.dataframe[0].proto.arrow_data.styler.styles
    assert "rgba(255, 170, 0" not in styles


def test_review_page_deletes_a_phantom_and_adds_it_back_as_a_missed_contact(library):
    from sprintlab.dashboard.page_review import MISSED

    with Library.open(library, readonly=True) as lib:
        steps = data.load_rep(lib, 1).steps.set_index("number")
    td, to = int(steps.loc[4, "touchdown_frame"]), int(steps.loc[4, "toeoff_frame"])
    at = page_app("page_review", rep="1", step="4")
    no_errors(at)
    at.text_input(key="review_author").set_value("Ann's coach")
    at.button[2].click().run()  # "Not a contact: delete it"
    no_errors(at)
    assert any("Step 4 is no longer a contact" in s.value for s in at.success)
    with Library.open(library, readonly=True) as lib:
        rep = data.load_rep(lib, 1)
    assert 4 not in set(rep.steps["number"]) and len(rep.steps) == len(steps) - 1
    # Add it back from its frames: the steps are whole again, step 4 set by a person.
    at.selectbox(key="review_step_1").set_value(MISSED).run()
    no_errors(at)
    at.number_input[1].set_value(td)
    at.number_input[2].set_value(to)
    at.button[0].click().run()  # "Add this contact"
    no_errors(at)
    with Library.open(library, readonly=True) as lib:
        rep = data.load_rep(lib, 1).steps.set_index("number")
        edits = lib.edits_for(1)
    assert rep.loc[4, "touchdown_frame"] == td and rep.loc[4, "touchdown_source"] == "coach"
    assert len(rep) == len(steps)
    assert [e.action for _, e in edits] == ["delete", "set"]
    assert {e.author for _, e in edits} == {"Ann's coach"}


def test_rep_page_shows_the_field_lines_and_rejects_them_in_one_click(library):
    import cv2
    import numpy as np

    from sprintlab.calibration import Calibration, Marker
    from sprintlab.pipeline import FIELD_GRID_FILE

    # Rep 2 as if its clip had no cones: calibrated by the field's yard lines (the same
    # mapping its markers gave), its height known from the roster.
    with Library.open(library) as lib:
        rep = data.load_rep(lib, 2)
        doc = json.loads((rep.rep_dir / "rep.json").read_text())
        markers = doc["calibration_input"]["markers"]

        fitted = Calibration.from_markers(
            [Marker(tuple(m["image_px"]), m["track_m"], m["lateral_m"]) for m in markers],
            (doc["video"]["width_px"], doc["video"]["height_px"]),
        )
        as_lines = Calibration(
            fitted.image_to_world, "field_lines", 0.004, camera_m=fitted.camera_m
        ).to_dict()
        doc["calibration_input"]["markers"] = []
        doc["calibration"]["method"] = "field_lines"
        doc["field_lines"] = {
            "found": True,
            "grid": "football field: yard lines every 5 yards",
            "lines": 5,
            "rms_m": 0.004,
            "focal_measured": True,
            "start_line": "the line at the athlete's hands in the set position",
            "calibration": as_lines,
            "grid_px": [[0.0, [100.0, 300.0], [160.0, 150.0]]],
        }
        (rep.rep_dir / "rep.json").write_text(json.dumps(doc))
        cv2.imwrite(str(rep.rep_dir / FIELD_GRID_FILE), np.full((90, 160, 3), 90, np.uint8))
        lib.update_analysis(2, doc)

    at = page_app("page_rep", rep="2")
    no_errors(at)
    assert [e for e in at.expander if e.label == "Calibration from the field's lines"]
    assert any("5 lines" in c.value and "start line" in c.value for c in at.caption)
    assert len(at.get("image")) >= 1
    (reject,) = [b for b in at.button if b.label == "Reject these lines"]
    reject.click().run()
    no_errors(at)
    rejected = json.loads((rep.rep_dir / "rep.json").read_text())
    assert rejected["field_lines"]["rejected"] is True
    assert rejected["calibration"]["method"] == "athlete_height"
    with Library.open(library) as lib:
        assert data.load_rep(lib, 2).doc["calibration"]["method"] == "athlete_height"
        # Kept with the library's row: a batch that analyses the clip again keeps it.
        row = lib.conn.execute("SELECT field_lines_rejected FROM reps WHERE rep_pk = 2").fetchone()
        assert row == (1,)
    (again,) = [b for b in at.button if b.label == "Use these lines again"]
    again.click().run()
    no_errors(at)
    back = json.loads((rep.rep_dir / "rep.json").read_text())
    assert back["calibration"]["method"] == "field_lines"
    assert not back["field_lines"]["rejected"]
    with Library.open(library) as lib:
        row = lib.conn.execute("SELECT field_lines_rejected FROM reps WHERE rep_pk = 2").fetchone()
        assert row == (0,)


def test_rep_page_says_why_the_field_s_lines_were_not_used(library):
    # A rep that fell back on the athlete's height: the Rep page gives the lines' own sentence
    # (what would make them usable), not just the rough scale.
    reason = (
        "4 lane lines were found, but the camera is square-on to them: give the camera's height "
        "(--camera-height-m), turn the camera 6-15 degrees, or put down cones"
    )
    with Library.open(library) as lib:
        rep = data.load_rep(lib, 2)
        doc = json.loads((rep.rep_dir / "rep.json").read_text())
        doc["calibration"]["method"] = "athlete_height"
        doc["field_lines"] = {"found": False, "reason": reason}
        (rep.rep_dir / "rep.json").write_text(json.dumps(doc))
        lib.update_analysis(2, doc)
    at = page_app("page_rep", rep="2")
    no_errors(at)
    (said,) = [i.value for i in at.info if "The field's lines were not used" in i.value]
    assert reason in said and "--camera-height-m" in said
    assert not [e for e in at.expander if e.label.startswith("Calibration from the field's")]
