"""The rep library on real SQLite files: schema and migrations, names and folders, rep writes,
queries and export; roster/manifest parsing; team-report tables (exact answers)."""

from __future__ import annotations

import json
import math
import shutil
import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from sprintlab.batch import (
    BatchError,
    ClipJob,
    jobs_from_pattern,
    load_manifest,
    load_roster,
    pattern_regex,
    plan_jobs,
)
from sprintlab.library import (
    MIGRATIONS,
    SCHEMA_VERSION,
    Athlete,
    Library,
    LibraryError,
    RepRecord,
    SessionInfo,
    athlete_slug,
    export_library,
    migrate,
    name_key,
    normalise_name,
    rep_metrics,
    resolve_library_path,
    safe_child,
)
from sprintlab.steps import STEP_FIELDS
from sprintlab.team_report import (
    LEADERBOARDS,
    best_reps,
    combine_standing,
    leaderboard,
)

SHA_A = "a" * 64
SHA_B = "b" * 64


def step(number: int, **values: float | None) -> dict:
    doc = dict.fromkeys(STEP_FIELDS)
    doc.update(number=number, foot="left" if number % 2 else "right", touchdown_frame=10 * number)
    doc.update(values)
    return doc


def rep_doc(rep_id: str, steps: list[dict], **extra) -> dict:
    doc = {
        "schema_version": 1,
        "rep_id": rep_id,
        "video": {"capture_fps": 240.0},
        "calibration": {"method": "markers", "rms_residual_m": 0.012, "confidence": "high"},
        "first_movement_s": 0.4,
        "steps": steps,
        "splits": {"5yd_s": 1.05, "10yd_s": 1.71, "20yd_s": None, "40yd_s": None},
        "warnings": ["one", "two"],
        "athlete": {"stature_m": 1.8, "mass_kg": 80.0},
        "peak_hip_velocity_mps": 8.9,
        "profile": {
            "velocity_fit": {"v_max_mps": 9.3, "tau_s": 0.8, "reliable": True},
            "force_velocity": {"F0_n_per_kg": 11.5, "V0_mps": 9.5, "Pmax_w_per_kg": 27.3},
        },
    }
    doc.update(extra)
    return doc


@pytest.fixture()
def lib(tmp_path):
    with Library.open(tmp_path / "lib") as library:
        yield library


def make_rep_dir(lib: Library, slug: str, rep_id: str) -> Path:
    folder = lib.athlete_reps_dir(slug) / rep_id
    folder.mkdir(parents=True)
    (folder / "rep.json").write_text("{}")
    return folder


# ------------------------------------------------------------------------------------------
# Paths, names and slugs
# ------------------------------------------------------------------------------------------


def test_library_path_resolution(tmp_path, monkeypatch):
    assert resolve_library_path(tmp_path / "lib") == (
        tmp_path / "lib" / "library.sqlite",
        tmp_path / "lib",
    )
    assert resolve_library_path(tmp_path / "team.sqlite") == (tmp_path / "team.sqlite", tmp_path)
    monkeypatch.setenv("SPRINTLAB_LIBRARY", str(tmp_path / "env"))
    assert resolve_library_path(None) == (tmp_path / "env" / "library.sqlite", tmp_path / "env")
    monkeypatch.delenv("SPRINTLAB_LIBRARY")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    db, root = resolve_library_path(None)
    assert root == tmp_path / "xdg" / "sprintlab" and db == root / "library.sqlite"


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("José Díaz", "jose-diaz"),
        ("  Ann   LEE ", "ann-lee"),
        ("O'Neil", "o-neil"),
        ("Ana/Maria", "ana-maria"),
        ("under_score-dash", "under_score-dash"),
        ("../../etc/passwd", "etc-passwd"),
    ],
)
def test_slug_of_names(name, slug):
    assert athlete_slug(name) == slug


def test_slugs_that_lose_characters_get_a_hash_and_stay_distinct():
    a, b = athlete_slug("李小龙"), athlete_slug("李连杰")
    assert a.startswith("athlete-") and b.startswith("athlete-") and a != b
    s = athlete_slug("Müller, Straße")  # ß has no ASCII form
    assert s.startswith("muller-strae-") and len(s) == len("muller-strae-") + 6


def test_names_are_normalised_and_bad_ones_refused():
    assert normalise_name("  Jose\u0301   Di\u0301az ") == "José Díaz"  # NFC, spaces collapsed
    assert name_key("JOSÉ díaz") == name_key("josé DÍAZ")
    for bad in ("", "   ", "a\x00b", "line\nbreak" + "\x07", "x" * 101):
        with pytest.raises(LibraryError):
            normalise_name(bad)


def test_safe_child_never_leaves_the_root(tmp_path):
    assert safe_child(tmp_path, "reps", "ann") == tmp_path / "reps" / "ann"
    for part in ("..", ".", "", "a/b", "a\\b", "/etc"):
        with pytest.raises(LibraryError):
            safe_child(tmp_path, "reps", part)
    (tmp_path / "reps").mkdir()
    (tmp_path / "reps" / "link").symlink_to(tmp_path.parent)
    with pytest.raises(LibraryError, match="outside the library"):
        safe_child(tmp_path, "reps", "link", "x")


# ------------------------------------------------------------------------------------------
# Schema, WAL, migrations
# ------------------------------------------------------------------------------------------


def test_new_library_is_wal_and_current(lib):
    assert lib.schema_version() == SCHEMA_VERSION == len(MIGRATIONS)
    assert lib.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert lib.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    step_cols = [r[1] for r in lib.conn.execute("PRAGMA table_info(steps)")]
    assert step_cols == ["rep_pk", *STEP_FIELDS]  # every per-step field has a column


def test_forward_migration_keeps_the_data(tmp_path):
    db = tmp_path / "old" / "library.sqlite"
    db.parent.mkdir()
    conn = sqlite3.connect(db, isolation_level=None)
    assert migrate(conn, target=1) == 1  # a library written by the first release
    conn.execute(
        "INSERT INTO athletes (name, name_key, slug, created_utc, updated_utc) "
        "VALUES ('Ann Lee', 'ann lee', 'ann-lee', 't', 't')"
    )
    conn.execute("INSERT INTO sessions (name, date, created_utc) VALUES ('S', '2025-01-02', 't')")
    conn.execute(
        "INSERT INTO reps (session_id, athlete_id, clip_path, status, error, analysed_utc) "
        "VALUES (1, 1, '/c.mp4', 'failed', 'bad clip', 't')"
    )
    conn.close()
    with Library.open(db) as lib:
        assert lib.schema_version() == SCHEMA_VERSION
        reps = lib.reps_frame()
        assert list(reps["athlete"]) == ["Ann Lee"] and list(reps["error"]) == ["bad clip"]
        cols = [r[1] for r in lib.conn.execute("PRAGMA table_info(reps)")]
        assert "run_id" in cols and "est_group" in cols
        assert cols[-6:] == [
            "pose_hash", "analysis_hash", "coach_note", "flagged", "exclude_from_bests",
            "field_lines_rejected",
        ]  # fmt: skip
        # An old rep is not flagged nor left out of bests, and its lines were not rejected.
        assert reps[["flagged", "exclude_from_bests"]].values.tolist() == [[0, 0]]
        assert not lib.field_lines_rejected_for_clip(1, "/c.mp4")
        assert lib.runs_frame().empty


def test_migration_to_v3_fills_the_fit_status_from_rep_json(tmp_path):
    db = tmp_path / "v2" / "library.sqlite"
    db.parent.mkdir()
    conn = sqlite3.connect(db, isolation_level=None)
    assert migrate(conn, target=2) == 2  # a library written before the profile columns
    conn.execute(
        "INSERT INTO athletes (name, name_key, slug, created_utc, updated_utc) "
        "VALUES ('Ann Lee', 'ann lee', 'ann-lee', 't', 't')"
    )
    conn.execute("INSERT INTO sessions (name, date, created_utc) VALUES ('S', '2025-01-02', 't')")
    partial = rep_doc("r1", [step(1)])
    partial["profile"] = {
        "velocity_fit": {"v_max_mps": 11.0, "reliable": False, "reason": "Too short."},
        "force_velocity": None,
        "notes": [],
    }
    for pk, doc in ((1, rep_doc("r0", [step(1)])), (2, partial)):
        conn.execute(
            "INSERT INTO reps (session_id, athlete_id, clip_path, clip_sha256, status, "
            "artefact_dir, analysed_utc, rep_json) VALUES (1, 1, ?, ?, 'ok', ?, 't', ?)",
            (f"/c{pk}.mp4", SHA_A, f"reps/ann-lee/r{pk}", json.dumps(doc)),
        )
    conn.execute(
        "INSERT INTO reps (session_id, athlete_id, clip_path, status, error, analysed_utc) "
        "VALUES (1, 1, '/bad.mp4', 'failed', 'bad clip', 't')"
    )
    conn.close()
    with Library.open(db) as lib:
        assert lib.schema_version() == SCHEMA_VERSION
        reps = lib.reps_frame().set_index("clip_path")
    assert reps.loc["/c1.mp4", "fit_reliable"] == 1 and pd.isna(reps.loc["/c1.mp4", "fit_reason"])
    assert reps.loc["/c2.mp4", "fit_reliable"] == 0
    assert reps.loc["/c2.mp4", "fit_reason"] == "Too short."
    assert pd.isna(reps.loc["/bad.mp4", "fit_reliable"])
    # Estimates did not exist before v3: NULL, never invented.
    assert reps[["est_20yd_s", "est_40yd_s", "est_group"]].isna().all().all()


def test_migration_to_v4_leaves_old_reps_without_pose_and_analysis_hashes(tmp_path):
    db = tmp_path / "v3" / "library.sqlite"
    db.parent.mkdir()
    conn = sqlite3.connect(db, isolation_level=None)
    assert migrate(conn, target=3) == 3  # a library written before provenance
    conn.execute(
        "INSERT INTO athletes (name, name_key, slug, created_utc, updated_utc) "
        "VALUES ('Ann Lee', 'ann lee', 'ann-lee', 't', 't')"
    )
    conn.execute("INSERT INTO sessions (name, date, created_utc) VALUES ('S', '2025-01-02', 't')")
    conn.execute(
        "INSERT INTO reps (session_id, athlete_id, rep_number, clip_path, clip_sha256, "
        "settings_hash, status, artefact_dir, analysed_utc, rep_json) "
        "VALUES (1, 1, 1, '/c1.mp4', ?, 'old', 'ok', 'reps/ann-lee/r1', 't', ?)",
        (SHA_A, json.dumps(rep_doc("r1", [step(1)]))),
    )
    conn.close()
    (tmp_path / "v3" / "reps" / "ann-lee" / "r1").mkdir(parents=True)
    (tmp_path / "v3" / "reps" / "ann-lee" / "r1" / "rep.json").write_text("{}")
    with Library.open(db) as lib:
        assert lib.schema_version() == SCHEMA_VERSION
        (prior,) = lib.prior_reps(clip_sha256=SHA_A, session_id=1, athlete_id=1, rep_number=1)
        assert lib.prior_reps(clip_sha256=SHA_B, session_id=1, athlete_id=1, rep_number=1) == []
    # Old reps do not know what made them: no hashes, no provenance (a batch analyses them
    # again in full rather than guessing).
    assert (prior.settings_hash, prior.pose_hash, prior.analysis_hash) == ("old", None, None)
    assert prior.provenance is None and prior.rep_dir.name == "r1"


def test_migration_to_v5_leaves_old_steps_without_event_sources(tmp_path):
    db = tmp_path / "v4" / "library.sqlite"
    db.parent.mkdir()
    conn = sqlite3.connect(db, isolation_level=None)
    assert migrate(conn, target=4) == 4
    conn.execute("INSERT INTO sessions (name, date, created_utc) VALUES ('S', '2025-01-02', 't')")
    conn.execute(
        "INSERT INTO reps (session_id, rep_number, clip_path, clip_sha256, settings_hash, "
        "status, artefact_dir, analysed_utc, rep_json) "
        "VALUES (1, 1, '/c1.mp4', ?, 'old', 'ok', 'reps/r1', 't', '{}')",
        (SHA_A,),
    )
    conn.execute("INSERT INTO steps (rep_pk, number, touchdown_s) VALUES (1, 1, 0.83)")
    assert migrate(conn, target=5) == 5
    row = conn.execute(
        "SELECT touchdown_s, touchdown_source, toeoff_source, touchdown_uncertainty_frames, "
        "toeoff_uncertainty_frames FROM steps"
    ).fetchone()
    conn.close()
    # How an old step was timed is not known: NULL, never a guessed 'pose'.
    assert row == (0.83, None, None, None, None)


def test_migration_to_v6_adds_corrections_that_go_with_their_rep(tmp_path):
    db = tmp_path / "v5" / "library.sqlite"
    db.parent.mkdir()
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    assert migrate(conn, target=5) == 5
    conn.execute("INSERT INTO sessions (name, date, created_utc) VALUES ('S', '2025-01-02', 't')")
    conn.execute(
        "INSERT INTO reps (session_id, rep_number, clip_path, clip_sha256, settings_hash, "
        "status, artefact_dir, analysed_utc, rep_json) "
        "VALUES (1, 1, '/c1.mp4', ?, 'old', 'ok', 'reps/r1', 't', '{}')",
        (SHA_A,),
    )
    assert migrate(conn, target=6) == 6
    conn.execute(
        "INSERT INTO event_edits (rep_pk, action, td_frame, to_frame, was_td_frame, "
        "was_to_frame, author, created_utc) VALUES (1, 'set', 10, 40, 12, 40, 'me', 't')"
    )
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute(
            "INSERT INTO event_edits (rep_pk, action, td_frame, to_frame, was_td_frame, "
            "was_to_frame, author, created_utc) VALUES (1, 'move', 10, 40, 12, 40, 'me', 't')"
        )
    conn.execute("DELETE FROM reps WHERE rep_pk = 1")
    assert conn.execute("SELECT COUNT(*) FROM event_edits").fetchone()[0] == 0
    conn.close()


def test_rep_rows_keep_their_pose_and_analysis_hashes(lib):
    aid = lib.upsert_athlete(Athlete("Ann Lee"))
    sid = lib.ensure_session(SessionInfo("S", "2026-01-01"))
    folder = make_rep_dir(lib, "ann-lee", "c1-aaaaaaaa")
    doc = rep_doc("c1-aaaaaaaa", [step(1)], provenance={"analysis": {"sprintlab_version": "9"}})
    lib.record_rep(
        RepRecord(
            session_id=sid, clip_path="/clips/c1.mp4", status="ok", athlete_id=aid, rep_number=1,
            clip_sha256=SHA_A, settings_hash="s1", pose_hash="p1", analysis_hash="a1", doc=doc,
            artefact_dir=folder,
        )
    )  # fmt: skip
    (prior,) = lib.prior_reps(clip_sha256=SHA_A, session_id=sid, athlete_id=aid, rep_number=1)
    assert (prior.settings_hash, prior.pose_hash, prior.analysis_hash) == ("s1", "p1", "a1")
    assert prior.provenance == {"analysis": {"sprintlab_version": "9"}}
    assert prior.rep_dir == folder
    # A rep whose folder was deleted by hand is no prior rep: it is analysed again in full.
    shutil.rmtree(folder)
    assert lib.prior_reps(clip_sha256=SHA_A, session_id=sid, athlete_id=aid, rep_number=1) == []


def test_newer_or_foreign_files_are_refused(tmp_path):
    with Library.open(tmp_path / "a") as lib:
        lib.conn.execute("PRAGMA user_version = 99")
    with pytest.raises(LibraryError, match="newer sprintlab"):
        Library.open(tmp_path / "a")
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "library.sqlite").write_bytes(b"this is not a database" * 100)
    with pytest.raises(LibraryError, match="not a usable sprintlab library"):
        Library.open(tmp_path / "b")
    with pytest.raises(LibraryError, match="No sprintlab library"):
        Library.open(tmp_path / "missing", readonly=True)


def test_readonly_connection_cannot_write(lib):
    with Library.open(lib.db_path, readonly=True) as ro:
        with pytest.raises(sqlite3.OperationalError):
            ro.conn.execute("DELETE FROM athletes")
        with pytest.raises(LibraryError):
            ro.upsert_athlete(Athlete("X"))


# ------------------------------------------------------------------------------------------
# Athletes, sessions, reps
# ------------------------------------------------------------------------------------------


def test_athletes_upsert_keeps_known_values_and_slugs_unique(lib):
    a = lib.upsert_athlete(Athlete("José Díaz", "wr", 1.83, 86.0))
    b = lib.upsert_athlete(Athlete("Jose Diaz"))  # another person, same folder form
    assert a != b
    assert lib.upsert_athlete(Athlete("JOSÉ DÍAZ", None, None, 88.0)) == a
    row = lib.get_athlete("josé díaz")
    assert (row["position"], row["height_m"], row["mass_kg"]) == ("WR", 1.83, 88.0)
    slugs = {lib.get_athlete("José Díaz")["slug"], lib.get_athlete("Jose Diaz")["slug"]}
    assert "jose-diaz" in slugs and len(slugs) == 2


def test_sql_is_parameterised(lib):
    evil = "Robert'); DROP TABLE athletes;--"
    lib.upsert_athlete(Athlete(evil, "QB"))
    sid = lib.ensure_session(SessionInfo("x'; DELETE FROM sessions;--", "2026-01-01"))
    assert lib.get_athlete(evil)["name"] == evil
    assert lib.athletes_frame()["name"].tolist() == [evil]
    assert lib.find_session("x'; DELETE FROM sessions;--", "2026-01-01") == sid
    assert lib.reps_frame(athlete=evil).empty


def test_session_is_found_again_and_updated(lib):
    sid = lib.ensure_session(SessionInfo("Spring", "2026-03-14"))
    assert lib.ensure_session(SessionInfo("Spring", "2026-03-14", place="Field 2")) == sid
    assert lib.ensure_session(SessionInfo("Spring", "2026-03-15")) != sid
    df = lib.sessions_frame().set_index("session_id")
    assert df.loc[sid, "place"] == "Field 2"
    with pytest.raises(LibraryError, match="YYYY-MM-DD"):
        SessionInfo("Spring", "14/03/2026")


def test_rep_metrics_exact():
    steps = [
        step(1, contact_time_s=0.20, step_length_m=1.1, shin_angle_td_deg=48.0),
        step(2, contact_time_s=0.18),
        step(3, contact_time_s=None),
        step(4, contact_time_s=0.14),
        step(5, contact_time_s=0.10),  # not in the 1–4 mean
    ]
    m = rep_metrics(rep_doc("r", steps))
    assert m["mean_contact_1_4_s"] == pytest.approx((0.20 + 0.18 + 0.14) / 3, abs=1e-15)
    assert (m["first_step_length_m"], m["shin_angle_td_1_deg"], m["n_steps"]) == (1.1, 48.0, 5)
    assert (m["split_10yd_s"], m["split_20yd_s"]) == (1.71, None)
    assert (m["v_max_mps"], m["f0_n_per_kg"], m["pmax_w_per_kg"]) == (9.3, 11.5, 27.3)
    assert (m["n_warnings"], json.loads(m["warnings_json"])) == (2, ["one", "two"])
    two = rep_metrics(rep_doc("r", [step(1, contact_time_s=0.2), step(2, contact_time_s=0.2)]))
    assert two["mean_contact_1_4_s"] is None  # fewer than 3 of the 4 contacts
    unreliable = rep_doc("r", steps)
    unreliable["profile"] = {"velocity_fit": {"v_max_mps": 9.3, "reliable": False}}
    assert rep_metrics(unreliable)["v_max_mps"] is None
    nan_split = rep_doc("r", steps, splits={"10yd_s": math.nan})
    assert rep_metrics(nan_split)["split_10yd_s"] is None  # missing is NULL, never 0
    assert (m["fit_reliable"], m["fit_reason"], m["est_40yd_s"]) == (1, None, None)
    assert (rep_metrics(unreliable)["fit_reliable"], rep_metrics(unreliable)["tau_s"]) == (0, None)
    estimated = rep_doc("r", steps)
    estimated["profile"]["estimate"] = {
        "t20_s": 2.71, "t20_low_s": 2.62, "t20_high_s": 2.80,
        "t40_s": 4.62, "t40_low_s": 4.45, "t40_high_s": 4.83, "group": "WR",
    }  # fmt: skip
    e = rep_metrics(estimated)
    assert (e["est_20yd_s"], e["est_20yd_low_s"], e["est_20yd_high_s"]) == (2.71, 2.62, 2.80)
    assert (e["est_40yd_s"], e["est_40yd_low_s"], e["est_40yd_high_s"]) == (4.62, 4.45, 4.83)
    assert e["est_group"] == "WR"
    no_fit = rep_doc("r", steps, profile={"velocity_fit": None, "notes": ["Too few frames."]})
    assert (rep_metrics(no_fit)["fit_reliable"], rep_metrics(no_fit)["fit_reason"]) == (
        None,
        "Too few frames.",
    )


def test_rep_write_replace_and_failure_rules(lib):
    aid = lib.upsert_athlete(Athlete("Ann Lee"))
    sid = lib.ensure_session(SessionInfo("S", "2026-01-01"))
    folder = make_rep_dir(lib, "ann-lee", "c1-aaaaaaaa")
    steps = [step(n, contact_time_s=0.2, step_length_m=1.0 + n / 10) for n in (1, 2, 3)]
    rec = RepRecord(
        session_id=sid, clip_path="/clips/c1.mp4", status="ok", athlete_id=aid, rep_number=1,
        clip_sha256=SHA_A, settings_hash="s1", doc=rep_doc("c1-aaaaaaaa", steps),
        artefact_dir=folder,
    )  # fmt: skip
    first = lib.record_rep(rec)
    assert first.action == "inserted"
    got = lib.steps_frame()
    assert got["step_length_m"].tolist() == [1.1, 1.2, 1.3]
    assert got["foot"].tolist() == ["left", "right", "left"]
    assert lib.reps_frame()["artefact_dir"].tolist() == ["reps/ann-lee/c1-aaaaaaaa"]
    assert (
        lib.find_done(
            clip_sha256=SHA_A, settings_hash="s1", session_id=sid, athlete_id=aid, rep_number=1
        )
        == first.rep_pk
    )
    assert (
        lib.find_done(
            clip_sha256=SHA_A, settings_hash="s2", session_id=sid, athlete_id=aid, rep_number=1
        )
        is None
    )

    # A failure of the same clip path never replaces the analysed rep.
    failure = RepRecord(session_id=sid, clip_path="/clips/c1.mp4", status="failed", error="gone")
    assert lib.record_rep(failure).action == "kept"
    assert lib.reps_frame()["status"].tolist() == ["ok"] and len(lib.steps_frame()) == 3

    # A new analysis (new content, new folder) replaces row and steps; the old folder goes.
    folder2 = make_rep_dir(lib, "ann-lee", "c1-bbbbbbbb")
    doc2 = rep_doc("c1-bbbbbbbb", [step(1, step_length_m=0.9)])
    again = lib.record_rep(
        RepRecord(
            session_id=sid, clip_path="/clips/c1.mp4", status="ok", athlete_id=aid,
            rep_number=1, clip_sha256=SHA_B, settings_hash="s1", doc=doc2, artefact_dir=folder2,
        )
    )  # fmt: skip
    assert (again.rep_pk, again.action) == (first.rep_pk, "updated")
    assert lib.steps_frame()["step_length_m"].tolist() == [0.9]
    assert not folder.exists() and folder2.exists()


def test_a_coachs_marks_survive_a_reanalysis_and_leave_the_rep_out_of_bests(lib):
    aid = lib.upsert_athlete(Athlete("Ann Lee"))
    sid = lib.ensure_session(SessionInfo("S", "2026-01-01"))
    pks = []
    for k, (name, split) in enumerate((("c1-aaaaaaaa", 1.60), ("c2-aaaaaaaa", 1.70))):
        folder = make_rep_dir(lib, "ann-lee", name)
        doc = rep_doc(name, [step(1)], splits={"10yd_s": split})
        rec = RepRecord(
            session_id=sid, clip_path=f"/clips/c{k}.mp4", status="ok", athlete_id=aid,
            rep_number=k + 1, clip_sha256=SHA_A, settings_hash="s1", doc=doc, artefact_dir=folder,
        )  # fmt: skip
        pks.append(lib.record_rep(rec).rep_pk)
    assert lib.athletes_frame()["best_10yd_s"].tolist() == [1.60]
    lib.mark_rep(pks[0], note="  slipped at step 2 ", flagged=True, exclude_from_bests=True)
    lib.mark_rep(pks[1], flagged=False)  # only what is given changes
    reps = lib.reps_frame().set_index("rep_pk")
    assert reps.loc[pks[0], "coach_note"] == "slipped at step 2"
    assert (reps.loc[pks[0], "flagged"], reps.loc[pks[0], "exclude_from_bests"]) == (1, 1)
    assert (reps.loc[pks[1], "flagged"], reps.loc[pks[1], "exclude_from_bests"]) == (0, 0)
    # The slipped rep no longer makes the athlete's best.
    assert lib.athletes_frame()["best_10yd_s"].tolist() == [1.70]
    # A re-analysis of the clip (the batch's record) keeps the marks.
    folder = make_rep_dir(lib, "ann-lee", "c1-bbbbbbbb")
    again = RepRecord(
        session_id=sid, clip_path="/clips/c0.mp4", status="ok", athlete_id=aid, rep_number=1,
        clip_sha256=SHA_A, settings_hash="s2", doc=rep_doc("c1-bbbbbbbb", [step(1)]),
        artefact_dir=folder,
    )  # fmt: skip
    assert lib.record_rep(again).rep_pk == pks[0]
    row = lib.reps_frame().set_index("rep_pk").loc[pks[0]]
    assert (row["coach_note"], row["exclude_from_bests"]) == ("slipped at step 2", 1)
    lib.mark_rep(pks[0], note="")
    assert pd.isna(lib.reps_frame().set_index("rep_pk").loc[pks[0], "coach_note"])
    with pytest.raises(LibraryError, match="no rep 999"):
        lib.mark_rep(999, flagged=True)


def test_a_rejection_of_the_field_lines_survives_a_new_analysis_of_the_clip(lib):
    aid = lib.upsert_athlete(Athlete("Ann Lee"))
    sid = lib.ensure_session(SessionInfo("S", "2026-01-01"))

    def record(name: str) -> int:
        rec = RepRecord(
            session_id=sid, clip_path="/clips/c0.mp4", status="ok", athlete_id=aid,
            rep_number=1, clip_sha256=SHA_A, settings_hash=name, doc=rep_doc(name, [step(1)]),
            artefact_dir=make_rep_dir(lib, "ann-lee", name),
        )  # fmt: skip
        return lib.record_rep(rec).rep_pk

    pk = record("c1-aaaaaaaa")
    assert not lib.field_lines_rejected_for_clip(sid, "/clips/c0.mp4")
    lib.set_field_lines_rejected(pk, True)
    assert lib.field_lines_rejected_for_clip(sid, "/clips/c0.mp4")
    assert record("c1-bbbbbbbb") == pk  # the batch's new analysis of the clip
    assert lib.field_lines_rejected_for_clip(sid, "/clips/c0.mp4")
    lib.set_field_lines_rejected(pk, False)
    assert not lib.field_lines_rejected_for_clip(sid, "/clips/c0.mp4")
    assert not lib.field_lines_rejected_for_clip(sid, "/clips/other.mp4")
    with pytest.raises(LibraryError, match="no rep 999"):
        lib.set_field_lines_rejected(999, True)


def test_a_rep_is_written_whole_or_not_at_all(lib):
    sid = lib.ensure_session(SessionInfo("S", "2026-01-01"))
    folder = make_rep_dir(lib, "x", "r1")
    # Two steps numbered 1 violate the steps key halfway through the write.
    bad = rep_doc("r1", [step(1), step(1)])
    with pytest.raises(sqlite3.IntegrityError):
        lib.record_rep(
            RepRecord(
                session_id=sid, clip_path="/c.mp4", status="ok", clip_sha256=SHA_A,
                doc=bad, artefact_dir=folder,
            )
        )  # fmt: skip
    assert lib.reps_frame().empty and lib.steps_frame().empty


def test_rep_records_are_validated(lib, tmp_path):
    with pytest.raises(ValueError):
        RepRecord(session_id=1, clip_path="/c", status="ok")  # no document
    with pytest.raises(ValueError):
        RepRecord(session_id=1, clip_path="/c", status="failed")  # no message
    with pytest.raises(ValueError):
        RepRecord(session_id=1, clip_path="/c", status="failed", error="e", clip_sha256="xyz")
    sid = lib.ensure_session(SessionInfo("S", "2026-01-01"))
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    rec = RepRecord(
        session_id=sid, clip_path="/c", status="ok", clip_sha256=SHA_A,
        doc=rep_doc("r", [step(1)]), artefact_dir=outside,
    )  # fmt: skip
    with pytest.raises(LibraryError, match="outside the library"):
        lib.record_rep(rec)


def test_temporary_folders_of_killed_workers_are_swept(lib):
    keep = make_rep_dir(lib, "ann", "r1")
    tmp = lib.athlete_reps_dir("ann") / ".r2.abc123"
    tmp.mkdir()
    (tmp / "rep.json").write_text("{")
    assert lib.sweep_temporary_folders() == [tmp]
    assert keep.exists() and not tmp.exists()


def test_batch_lock_is_exclusive(lib):
    with lib.batch_lock():
        with Library.open(lib.db_path) as other, pytest.raises(LibraryError, match="Another batch"):
            with other.batch_lock():
                pass
    with lib.batch_lock():  # released
        pass


def test_export_csv_and_parquet_round_trip(lib, tmp_path):
    aid = lib.upsert_athlete(Athlete('Bo "Flash" O\'Neil', "RB"))
    sid = lib.ensure_session(SessionInfo("S", "2026-01-01"))
    folder = make_rep_dir(lib, "bo", "r1")
    lib.record_rep(
        RepRecord(
            session_id=sid, clip_path="/c.mp4", status="ok", athlete_id=aid, rep_number=1,
            clip_sha256=SHA_A, doc=rep_doc("r1", [step(1, step_length_m=1.05)]),
            artefact_dir=folder,
        )
    )  # fmt: skip
    lib.record_rep(RepRecord(session_id=sid, clip_path="/d.mp4", status="failed", error="bad"))
    for fmt in ("csv", "parquet"):
        paths = export_library(lib, tmp_path / fmt, fmt=fmt)
        assert [p.name for p in paths] == [
            f"{t}.{fmt}" for t in ("athletes", "sessions", "reps", "steps", "edits")
        ]
        read = pd.read_csv if fmt == "csv" else pd.read_parquet
        reps = read(tmp_path / fmt / f"reps.{fmt}")
        steps = read(tmp_path / fmt / f"steps.{fmt}")
        reps = reps.sort_values("status", ascending=False)
        assert reps["status"].tolist() == ["ok", "failed"]
        assert reps["athlete"].iloc[0] == 'Bo "Flash" O\'Neil'
        assert steps["step_length_m"].tolist() == [1.05]
    only = export_library(lib, tmp_path / "one", athlete="nobody")
    assert pd.read_csv(only[2]).empty
    with pytest.raises(LibraryError, match="csv or parquet"):
        export_library(lib, tmp_path / "x", fmt="xlsx")


# ------------------------------------------------------------------------------------------
# Roster, manifest, pattern
# ------------------------------------------------------------------------------------------


def test_roster_problems_are_messages_not_stops(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text(
        "\ufeffAthlete,Position,height_m,mass_kg\n"  # Excel BOM, capitalised header
        "José Díaz,wr,1.83,86\n"
        '"O\'Neil, ""Bo""",RB,1.78,\n'  # quotes and comma in the name, no mass
        "Tall Guy,TE,198,110\n"  # centimetres by mistake
        "Bad Num,QB,1.9,ninety\n"
        ",LB,1.8,90\n"  # no name
        "josé díaz,WR,1.80,80\n",  # same person twice
        encoding="utf-8",
    )
    athletes, messages = load_roster(path)
    assert [a.name for a in athletes] == ["José Díaz", 'O\'Neil, "Bo"', "Tall Guy", "Bad Num"]
    assert athletes[0] == Athlete("José Díaz", "WR", 1.83, 86.0)
    assert athletes[1].mass_kg is None and athletes[2].height_m is None
    text = "\n".join(messages)
    assert 'line 3 (O\'Neil, "Bo"): no body mass' in text
    assert "line 4 (Tall Guy): height_m 198 is outside 1.2–2.3 m" in text
    assert "line 5 (Bad Num): mass_kg 'ninety' is not a number" in text
    assert "line 6: An athlete name is empty" in text
    assert "line 7: josé díaz is already on line 2" in text


def test_roster_that_cannot_be_read_stops_with_a_clear_message(tmp_path):
    with pytest.raises(BatchError, match="does not exist"):
        load_roster(tmp_path / "none.csv")
    (tmp_path / "r.csv").write_text("name;pos\n")
    with pytest.raises(BatchError, match="no 'athlete' column"):
        load_roster(tmp_path / "r.csv")
    (tmp_path / "latin.csv").write_bytes("athlete\nJos\xe9\n".encode("latin-1"))
    with pytest.raises(BatchError, match="not UTF-8"):
        load_roster(tmp_path / "latin.csv")


def test_manifest_lines_with_problems_become_failed_jobs(tmp_path):
    (tmp_path / "a.mp4").write_bytes(b"x")
    (tmp_path / "b.mp4").write_bytes(b"y")
    (tmp_path / "cal.toml").write_text("capture_fps = 240\n")
    (tmp_path / "manifest.csv").write_text(
        "clip,athlete,rep,capture_fps,calibration\n"
        "a.mp4,Ann Lee,1,240,cal.toml\n"
        "missing.mp4,Ann Lee,2,240,\n"
        "b.mp4,Ann Lee,two,fast,nocal.toml\n"
        "a.mp4,,3,,\n"
        ",Ann Lee,4,,\n"
    )
    jobs, _ = load_manifest(tmp_path / "manifest.csv")
    a, missing, b, no_athlete, no_clip = jobs
    assert a == ClipJob(
        clip=tmp_path / "a.mp4", athlete="Ann Lee", rep_number=1, capture_fps=240.0,
        calib_path=tmp_path / "cal.toml", source="manifest.csv line 2",
    )  # fmt: skip
    assert "'missing.mp4' is not in" in missing.problem
    assert "rep 'two'" in b.problem and "capture_fps 'fast'" in b.problem
    assert "'nocal.toml' is not in" in b.problem
    assert "names no athlete" in no_athlete.problem
    assert "names no clip" in no_clip.problem


def test_pattern_reads_athlete_and_rep_from_names(tmp_path):
    rx = pattern_regex("{athlete}_rep{rep}")
    m = rx.fullmatch("John_Smith_rep12")
    assert (m.group("athlete"), m.group("rep")) == ("John_Smith", "12")
    for name in ("Ann_Lee_rep1.mp4", "José_Díaz_rep2.MOV", "warmup.mp4", "notes.txt"):
        (tmp_path / name).write_bytes(name.encode())
    jobs, _ = jobs_from_pattern(tmp_path, "{athlete}_rep{rep}")
    got = {j.clip.name: (j.athlete, j.rep_number, j.problem is None) for j in jobs}
    assert got == {
        "Ann_Lee_rep1.mp4": ("Ann Lee", 1, True),
        "José_Díaz_rep2.MOV": ("José Díaz", 2, True),
        "warmup.mp4": (None, None, False),
    }
    with pytest.raises(BatchError, match=r"no \{athlete\} part"):
        pattern_regex("{rep}")


def test_plan_needs_a_manifest_or_a_pattern(tmp_path):
    (tmp_path / "a.mp4").write_bytes(b"x")
    (tmp_path / "extra.mp4").write_bytes(b"y")
    with pytest.raises(BatchError, match="manifest"):
        plan_jobs(tmp_path)
    (tmp_path / "manifest.csv").write_text("clip,athlete\na.mp4,Ann\n")
    jobs, messages = plan_jobs(tmp_path)
    assert [j.clip.name for j in jobs] == ["a.mp4"]
    assert "1 clip(s)" in messages[0] and "extra.mp4" in messages[0]
    with pytest.raises(BatchError, match="not a folder"):
        plan_jobs(tmp_path / "nope")


# ------------------------------------------------------------------------------------------
# Team report tables
# ------------------------------------------------------------------------------------------


def summary_frame() -> pd.DataFrame:
    rows = [
        # athlete, position, rep, status, 10yd, 5yd, step1 length, contact, shin, peak v, 40yd,
        # est. 40 and its band
        ("Ann", "WR", 1, "ok", 1.70, 1.05, 1.10, 0.17, 50.0, 8.9, None, 4.85, 4.70, 5.01),
        ("Ann", "WR", 2, "ok", 1.66, 1.02, 1.05, 0.18, 47.0, 9.0, None, 4.74, 4.60, 4.90),
        ("Bo", "RB", 1, "ok", 1.66, 1.01, 1.20, None, 52.0, 8.7, 4.60, 4.70, 4.55, 4.85),
        ("Cy", "CB", 1, "ok", None, 1.10, None, 0.16, None, 8.1, None, None, None, None),
        ("Cy", "CB", 2, "failed", None, None, None, None, None, None, None, None, None, None),
        ("Di", None, 1, "ok", None, None, None, None, None, 7.5, None, None, None, None),
    ]
    cols = [
        "athlete", "position", "rep_number", "status", "split_10yd_s", "split_5yd_s",
        "first_step_length_m", "mean_contact_1_4_s", "shin_angle_td_1_deg",
        "peak_hip_velocity_mps", "split_40yd_s", "est_40yd_s", "est_40yd_low_s",
        "est_40yd_high_s",
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=cols)


def test_leaderboards_rank_best_values():
    s = summary_frame()
    boards = {b.column: b for b in LEADERBOARDS}
    ten = leaderboard(s, boards["split_10yd_s"])
    assert ten[["rank", "athlete", "rep_number", "value"]].values.tolist() == [
        [1, "Ann", 2, 1.66],
        [1, "Bo", 1, 1.66],
    ]
    first = leaderboard(s, boards["first_step_length_m"])  # longest first
    assert first[["athlete", "value"]].values.tolist() == [["Bo", 1.20], ["Ann", 1.10]]
    contact = leaderboard(s, boards["mean_contact_1_4_s"])
    assert contact[["rank", "athlete", "value"]].values.tolist() == [
        [1, "Cy", 0.16],
        [2, "Ann", 0.17],
    ]
    shin = leaderboard(s, boards["shin_angle_td_1_deg"])
    assert shin["athlete"].tolist() == ["Ann", "Bo"] and shin["value"].tolist() == [47.0, 52.0]


def test_reps_left_out_of_bests_are_not_ranked_nor_chosen_as_best():
    summary = summary_frame().assign(exclude_from_bests=0)
    summary.loc[1, "exclude_from_bests"] = 1  # Ann's 1.66 rep: a false start
    board = next(b for b in LEADERBOARDS if b.column == "split_10yd_s")
    table = leaderboard(summary, board)
    assert table[["athlete", "value"]].values.tolist() == [["Bo", 1.66], ["Ann", 1.70]]
    best = best_reps(summary).set_index("athlete")
    assert best.loc["Ann", "rep_number"] == 1


def test_impossible_10_yard_splits_are_not_ranked():
    summary = summary_frame()
    summary.loc[0, "split_10yd_s"] = 0.04  # Ann's rep 1: a broken hip track
    board = next(b for b in LEADERBOARDS if b.column == "split_10yd_s")
    table = leaderboard(summary, board)
    assert list(table["athlete"]) == ["Ann", "Bo"] and list(table["value"]) == [1.66, 1.66]


def test_best_rep_falls_back_from_10_to_5_yards_to_peak_velocity():
    best = best_reps(summary_frame()).set_index("athlete")
    assert best.loc["Ann", "rep_number"] == 2 and best.loc["Ann", "best_by"] == "split_10yd_s"
    assert best.loc["Cy", "best_by"] == "split_5yd_s"
    assert best.loc["Di", "best_by"] == "peak_hip_velocity_mps"
    assert list(best.index) == ["Ann", "Bo", "Cy", "Di"]


def test_combine_standing_exact(tmp_path):
    # 25 WRs with 10-yard splits 1.50..1.74 and 40s 4.30..4.54; 25 RBs 0.1 s slower.
    def row(pos: str, t10: float, t40: float) -> dict:
        return {"POS": pos, "POS_GP": pos, "40 Yard": t40, "10-Yard Split": t10,
                "20-Yard Split": round(t10 + 1.0, 2)}  # fmt: skip

    rows = [row("WR", round(1.50 + i / 100, 2), round(4.30 + i / 100, 2)) for i in range(25)]
    rows += [row("RB", round(1.60 + i / 100, 2), round(4.40 + i / 100, 2)) for i in range(25)]
    path = tmp_path / "combine.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    best = best_reps(summary_frame())
    st = combine_standing(best, combine_path=path).set_index("athlete")
    # Ann: 1.66 s; WR splits 1.67..1.74 (8 of 25) are slower.
    assert st.loc["Ann", "group"] == "WR" and st.loc["Ann", "n_combine_10"] == 25
    assert st.loc["Ann", "faster_than_10_pct"] == pytest.approx(100 * 8 / 25)
    # Her 40 is not in view: the estimate stored with her best rep (rep 2), with its band.
    assert (st.loc["Ann", "t40_s"], st.loc["Ann", "t40_low_s"], st.loc["Ann", "t40_high_s"]) == (
        4.74,
        4.60,
        4.90,
    )
    assert st.loc["Ann", "t40_source"] == "estimated from the visible run"
    # WR 40s 4.30..4.54 are all faster than 4.74.
    assert st.loc["Ann", "faster_than_40_pct"] == 0.0
    # Bo ran the full 40 in view (4.60 s): measured, against RB 40s 4.40..4.64 (4 slower).
    assert st.loc["Bo", "t40_source"] == "measured" and st.loc["Bo", "t40_s"] == 4.60
    assert st.loc["Bo", "faster_than_40_pct"] == pytest.approx(100 * 4 / 25)
    # CB is not in this combine file: compared with everyone; no 10-yard split, no 40.
    assert st.loc["Cy", "group"] == "ALL" and math.isnan(st.loc["Cy", "faster_than_10_pct"])
    assert math.isnan(st.loc["Di", "t40_s"]) and st.loc["Di", "t40_source"] == ""


def test_migration_to_v7_leaves_old_steps_shin_source_unknown(tmp_path):
    db = tmp_path / "v6" / "library.sqlite"
    db.parent.mkdir()
    conn = sqlite3.connect(db, isolation_level=None)
    assert migrate(conn, target=6) == 6
    conn.execute("INSERT INTO sessions (name, date, created_utc) VALUES ('S', '2025-01-02', 't')")
    conn.execute(
        "INSERT INTO reps (session_id, rep_number, clip_path, clip_sha256, settings_hash, "
        "status, artefact_dir, analysed_utc, rep_json) "
        "VALUES (1, 1, '/c1.mp4', ?, 'old', 'ok', 'reps/r1', 't', '{}')",
        (SHA_A,),
    )
    conn.execute("INSERT INTO steps (rep_pk, number, shin_angle_td_deg) VALUES (1, 1, 55.0)")
    assert migrate(conn) == SCHEMA_VERSION == 8
    row = conn.execute("SELECT shin_angle_td_deg, shin_td_source FROM steps").fetchone()
    conn.close()
    # Which model gave an old step's shin is not known: NULL, never a guessed 'pose'.
    assert row == (55.0, None)
