"""Batch runs against real library files: worker processes, resume after SIGKILL, concurrent
readers, bad inputs, the CLI commands and the team outputs.

Most tests use ``fake_analyze``: a real analysis (``analyze_track``: events, steps, splits,
profile) of a synthetic sprint written as a real rep folder, without the pose model. Its "clips"
are small JSON files named ``*.mp4`` holding the sprint's parameters; anything else in a clip
makes it raise ``VideoError`` like a corrupt video. One test runs the real pipeline (model).
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sprintlab.batch import BatchOptions, load_roster, plan_jobs, run_batch
from sprintlab.errors import NoAthleteError, VideoError
from sprintlab.library import Library, SessionInfo
from sprintlab.steps import STEP_FIELDS

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_clips" / "sports2d_demo.mp4"
WEIGHTS = ROOT / "models" / "yolo11n-pose.pt"
HERE = Path(__file__).resolve().parent
FAKE = "test_batch:fake_analyze"


# ------------------------------------------------------------------------------------------
# The fake analyser (imported by the worker processes by name)
# ------------------------------------------------------------------------------------------


def fake_analyze(clip, out_dir, options, *, settings=None, tracking=None):
    """Analyse a synthetic sprint described by the JSON in ``clip`` and write its rep folder.

    Stands in for the pose model and the rest of ``analyze_clip``: the sprint's exact keypoints
    are drawn in pixels (100 px/m, y down) with two ground markers as its calibration, so the
    rep folder can be re-analysed from its keypoints like a real one. Each call appends a line
    to ``<clip>.calls``: the tests count the "pose model" runs there.
    """
    from sprintlab.calibration import Calibration, Marker
    from sprintlab.pipeline import AnalysisSettings, analyze_track
    from sprintlab.provenance import AnalysisPart, PosePart, Provenance
    from sprintlab.results import write_rep_folder
    from sprintlab.synth import SprintParams, simulate, to_track
    from sprintlab.tracking import TrackingSettings

    try:
        spec = json.loads(Path(clip).read_text())
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise VideoError(f"{clip} is not a readable video; export it again.") from None
    with open(f"{clip}.calls", "a") as calls:
        calls.write(f"{os.getpid()}\n")
    time.sleep(spec.get("sleep_s", 0.0))
    if spec.get("crash") or (spec.get("crash_once") and model_runs(Path(clip)) == 1):
        os._exit(1)  # a worker dying without an exception (like the OOM killer)
    if spec.get("no_athlete"):
        raise NoAthleteError("Nobody sprinted in this clip; check that the right clip was filmed.")
    fps = 240.0
    sprint = simulate(
        SprintParams(v_max_mps=spec.get("v_max_mps", 9.3), tau_s=spec.get("tau_s", 0.8)),
        fps,
        2.6,  # first movement at 0.4 s + about 1.8 s to 10 yards
    )
    track = to_track(sprint)
    world = np.asarray(track.xy)
    px = np.stack([100.0 + 100.0 * world[..., 0], 900.0 - 100.0 * world[..., 1]], axis=-1)
    markers = (Marker((100.0, 900.0), 0.0), Marker((1100.0, 900.0), 10.0))
    height = options.athlete_height_m or 1.85
    result = analyze_track(
        track.with_xy(px, space="px"),
        Calibration.from_markers(markers, image_size_px=(1920, 1080)),
        rep_id=options.rep_id,
        video={
            "path": str(clip),
            "container_fps": fps,
            "capture_fps": fps,
            "n_frames": track.n_frames,
            "width_px": 1920,
            "height_px": 1080,
        },
        stature_m=height,
        mass_kg=options.mass_kg,
        settings=settings,
        position=options.position,
    )
    result.extra["calibration_input"] = {
        "markers": [{"image_px": list(m.image_px), "track_m": m.track_m} for m in markers],
        "athlete_height_m": height,
    }
    result.extra["provenance"] = Provenance(
        PosePart.current(None, "fake", tracking or TrackingSettings()),
        AnalysisPart.current(settings or AnalysisSettings()),
    ).to_dict()
    rep_dir = write_rep_folder(result, out_dir)
    return result, rep_dir


def model_runs(clip: Path) -> int:
    """How many times ``fake_analyze`` ran on ``clip``."""
    calls = Path(f"{clip}.calls")
    return len(calls.read_text().splitlines()) if calls.exists() else 0


def write_clip(path: Path, **spec) -> Path:
    """A fake clip: JSON parameters (``uid`` keeps every clip's content hash distinct)."""
    spec.setdefault("uid", path.name)
    path.write_text(json.dumps(spec))
    return path


def write_csv(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


def count_steps(conn: sqlite3.Connection, rep_pk: int) -> int:
    return conn.execute("SELECT COUNT(*) FROM steps WHERE rep_pk = ?", (rep_pk,)).fetchone()[0]


def assert_consistent(lib_root: Path) -> pd.DataFrame:
    """Every rep row is whole: integrity ok, ok reps have all their steps and a rep folder."""
    conn = sqlite3.connect(lib_root / "library.sqlite")
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        reps = pd.read_sql_query("SELECT * FROM reps", conn)
        for _, r in reps.iterrows():
            if r["status"] == "ok":
                doc = json.loads(r["rep_json"])
                assert count_steps(conn, r["rep_pk"]) == r["n_steps"] == len(doc["steps"]) > 0
                folder = (lib_root / r["artefact_dir"]).resolve()
                assert folder.is_relative_to((lib_root / "reps").resolve())
                assert json.loads((folder / "rep.json").read_text())["rep_id"] == r["rep_id"]
            else:
                assert count_steps(conn, r["rep_pk"]) == 0 and r["error"]
    finally:
        conn.close()
    return reps


# ------------------------------------------------------------------------------------------
# A testing day with every kind of problem
# ------------------------------------------------------------------------------------------

NAMES = {
    "jose": "José Díaz",
    "quote": 'Bo "Flash" O\'Neil',
    "evil": "../../etc/passwd",
    "slash": "Ana/Maria Lopez",
}


@pytest.fixture()
def messy_day(tmp_path):
    """Clips, roster and manifest of a day with bad inputs; returns (clips_dir, roster, lib)."""
    clips = tmp_path / "clips"
    clips.mkdir()
    write_clip(clips / "jd1.mp4", v_max_mps=9.0)
    write_clip(clips / "jd2.mp4", v_max_mps=9.4)
    write_clip(clips / "bo1.mp4", v_max_mps=8.6)
    write_clip(clips / "evil1.mp4", v_max_mps=8.8)
    write_clip(clips / "ana1.mp4", v_max_mps=8.9)
    write_clip(clips / "walkon1.mp4", v_max_mps=8.2)
    (clips / "corrupt.mp4").write_bytes(os.urandom(2048))
    shutil.copy(clips / "jd1.mp4", clips / "jd1_copy.mp4")
    write_clip(clips / "nobody.mp4", no_athlete=True)
    roster = write_csv(
        tmp_path / "roster.csv",
        ["athlete", "position", "height_m", "mass_kg"],
        [
            [NAMES["jose"], "WR", "1.83", "86"],
            [NAMES["quote"], "RB", "1.78", ""],  # missing mass
            [NAMES["evil"], "CB", "1.80", "82"],
            [NAMES["slash"], "S", "1,76", "80"],  # decimal comma
        ],
    )
    write_csv(
        clips / "manifest.csv",
        ["clip", "athlete", "rep", "capture_fps", "calibration"],
        [
            ["jd1.mp4", NAMES["jose"], 1, 240, ""],
            ["jd2.mp4", NAMES["jose"], 2, 240, ""],
            ["bo1.mp4", NAMES["quote"], 1, 240, ""],
            ["evil1.mp4", NAMES["evil"], 1, 240, ""],
            ["ana1.mp4", NAMES["slash"], 1, 240, ""],
            ["walkon1.mp4", "Walk On", 1, 240, ""],  # not in the roster
            ["corrupt.mp4", NAMES["jose"], 3, 240, ""],
            ["jd1_copy.mp4", NAMES["quote"], 2, 240, ""],  # duplicate content
            ["gone.mp4", NAMES["slash"], 2, 240, ""],  # missing file
            ["nobody.mp4", NAMES["evil"], 2, 240, ""],
        ],
    )
    return clips, roster, tmp_path / "library"


def test_messy_day_is_recorded_clip_by_clip(messy_day):
    clips, roster_csv, lib_dir = messy_day
    roster, roster_msgs = load_roster(roster_csv)
    jobs, job_msgs = plan_jobs(clips)
    events = []
    with Library.open(lib_dir) as lib:
        report = run_batch(
            lib,
            jobs,
            SessionInfo("Spring testing", "2026-03-14", place="Field 2"),
            roster=roster,
            options=BatchOptions(workers=2, overlay=False),
            analyze=fake_analyze,
            messages=roster_msgs + job_msgs,
            progress=events.append,
        )
        by_clip = {o.clip.name: o for o in report.outcomes}
        assert {n: o.status for n, o in by_clip.items()} == {
            "jd1.mp4": "ok",
            "jd2.mp4": "ok",
            "bo1.mp4": "ok",
            "evil1.mp4": "ok",
            "ana1.mp4": "ok",
            "walkon1.mp4": "ok",
            "corrupt.mp4": "failed",
            "jd1_copy.mp4": "failed",
            "gone.mp4": "failed",
            "nobody.mp4": "failed",
        }
        assert "not a readable video" in by_clip["corrupt.mp4"].message
        assert "same content as jd1.mp4" in by_clip["jd1_copy.mp4"].message
        assert "'gone.mp4' is not in" in by_clip["gone.mp4"].message
        assert "Nobody sprinted" in by_clip["nobody.mp4"].message
        msgs = " | ".join(report.messages)
        assert f"({NAMES['quote']}): no body mass" in msgs
        assert "'Walk On' is not in the roster" in msgs
        # Progress: the last event of the analysis has every clip done and the failures counted.
        last = [e for e in events if e.phase == "analysing"][-1]
        assert (last.total, last.done, last.failed, last.skipped) == (10, 10, 4, 0)

        reps = assert_consistent(lib_dir)
        assert len(reps) == 10 and (reps["status"] == "ok").sum() == 6
        # Every rep folder sits under reps/<slug>/ inside the library, whatever the name.
        athletes = lib.athletes_frame().set_index("name")
        assert set(athletes.index) == {*NAMES.values(), "Walk On"}
        for name in NAMES.values():
            slug = athletes.loc[name, "slug"]
            assert slug and all(ch in "abcdefghijklmnopqrstuvwxyz0123456789-_" for ch in slug)
        assert athletes.loc[NAMES["jose"], "slug"] == "jose-diaz"
        assert athletes.loc[NAMES["slash"], "height_m"] == 1.76
        assert np.isnan(athletes.loc[NAMES["quote"], "mass_kg"])
        assert not (lib_dir.parent / "etc").exists()
        # The metric columns are the rep.json values (exactly), steps one row per step.
        ok = lib.reps_frame(status="ok", include_json=True)
        for _, r in ok.iterrows():
            doc = json.loads(r["rep_json"])
            assert r["split_10yd_s"] == doc["splits"]["10yd_s"] > 1.5
            assert r["first_step_length_m"] == doc["steps"][0]["step_length_m"]
            assert r["shin_angle_td_1_deg"] == doc["steps"][0]["shin_angle_td_deg"]
        jose = ok[ok["athlete"] == NAMES["jose"]].iloc[0]
        assert jose["mass_kg"] == 86.0 and jose["f0_n_per_kg"] > 0  # mass -> F–v profile
        bo = ok[ok["athlete"] == NAMES["quote"]].iloc[0]
        assert np.isnan(bo["f0_n_per_kg"])  # no mass -> no F–v profile
        steps = lib.steps_frame(session_id=report.session_id)
        assert set(STEP_FIELDS) <= set(steps.columns)
        assert len(steps) == int(ok["n_steps"].sum())

        from sprintlab.team_report import write_session_outputs

        out = write_session_outputs(lib, report.session_id, lib_dir / "out")
    summary = pd.read_csv(out.summary_csv)
    assert len(summary) == 10 and (summary["status"] == "failed").sum() == 4
    jose_rows = summary[summary["athlete"] == NAMES["jose"]]
    assert sorted(jose_rows["rep_number"]) == [1, 2, 3]
    # The 20/40 estimate of each analysed rep (about 13 m in view) with its band, against the
    # synthetic run's true 40 (the model from first movement at 0.4 s, from the stance hip).
    from sprintlab.profile import model_position_m

    ok_rows = summary[summary["status"] == "ok"]
    assert ok_rows["est_40yd_s"].notna().all() and ok_rows["fit_reliable"].notna().all()
    for _, est in ok_rows.iterrows():
        assert est["est_40yd_low_s"] < est["est_40yd_s"] < est["est_40yd_high_s"]
        assert est["est_20yd_low_s"] < est["est_20yd_s"] < est["est_20yd_high_s"]
        v_max = json.loads((clips / est["clip"]).read_text())["v_max_mps"]
        hip0 = pd.read_csv(lib_dir / est["artefact_dir"] / "series.csv")["hip_x_m"].iloc[0]
        t = np.arange(0.4, 8.0, 1e-4)
        true40 = t[np.searchsorted(model_position_m(t, v_max, 0.8, 0.4, hip0), 40 * 0.9144)]
        assert abs(est["est_40yd_s"] - (true40 - 0.4)) < 0.05
    assert set(ok_rows.loc[ok_rows["athlete"] == NAMES["jose"], "est_group"]) == {"WR"}
    assert jose_rows["f0_n_per_kg"].notna().sum() == 2
    assert len(pd.read_csv(out.steps_csv)) == len(steps)
    page = out.report_html.read_text(encoding="utf-8")
    # No script at all (charts are inline SVG): opens offline, light enough to mail.
    assert "<script" not in page and "<svg" in page
    assert len(page.encode()) < 300_000, len(page.encode())
    assert "name='viewport'" in page
    assert "Bo &quot;Flash&quot; O&#x27;Neil" in page and 'Bo "Flash"' not in page
    for title in ("10-yard split", "First-step length", "Mean contact time, steps 1–4"):
        assert title in page
    assert "NFL combine comparison" in page and "Clips that failed" in page
    assert "Acceleration profile" in page and "est. 40 band s" in page


def test_rerun_skips_finished_and_reanalyses_what_changed(tmp_path):
    clips = tmp_path / "clips"
    clips.mkdir()
    for i in range(3):
        write_clip(clips / f"Ann_Lee_rep{i + 1}.mp4", v_max_mps=9.0 + 0.1 * i)
    write_clip(clips / "Ann_Lee_rep4.mp4", no_athlete=True)
    session = SessionInfo("Day", "2026-04-01")
    roster_csv = write_csv(
        tmp_path / "roster.csv",
        ["athlete", "position", "height_m", "mass_kg"],
        [["Ann Lee", "WR", "1.70", "60"]],
    )

    def run(**kw):
        roster, _ = load_roster(roster_csv)
        jobs, _ = plan_jobs(clips, pattern="{athlete}_rep{rep}")
        with Library.open(tmp_path / "lib") as lib:
            return run_batch(
                lib,
                jobs,
                session,
                roster=roster,
                options=BatchOptions(workers=2, overlay=False, **kw),
                analyze=FAKE,
            )

    first = run()
    assert [o.status for o in first.outcomes] == ["ok", "ok", "ok", "failed"]
    pks = [o.rep_pk for o in first.outcomes]
    again = run()
    assert [o.status for o in again.outcomes] == ["skipped", "skipped", "skipped", "failed"]
    assert [o.rep_pk for o in again.outcomes] == pks
    forced = run(force=True)
    assert [o.status for o in forced.outcomes] == ["ok", "ok", "ok", "failed"]
    assert [o.rep_pk for o in forced.outcomes] == pks  # same rows, replaced in place
    # A corrected mass changes the settings: the reps are analysed again without --force.
    write_csv(
        roster_csv,
        ["athlete", "position", "height_m", "mass_kg"],
        [["Ann Lee", "WR", "1.70", "62"]],
    )
    changed = run()
    assert [o.status for o in changed.outcomes] == ["ok", "ok", "ok", "failed"]
    reps = assert_consistent(tmp_path / "lib")
    assert len(reps) == 4 and set(reps.loc[reps["status"] == "ok", "mass_kg"]) == {62.0}
    with Library.open(tmp_path / "lib") as lib:
        runs = lib.runs_frame()
    assert list(runs["status"]) == ["finished"] * 4
    assert list(runs["n_skipped"])[::-1] == [0, 3, 0, 0]


def test_a_worker_that_dies_is_recorded_and_the_rest_goes_on(tmp_path):
    clips = tmp_path / "clips"
    clips.mkdir()
    names = ["a1", "a2", "crash", "a3", "a4"]
    for n in names:
        write_clip(clips / f"{n}.mp4", crash=(n == "crash"), sleep_s=0.2)
    write_csv(
        clips / "manifest.csv",
        ["clip", "athlete"],
        [[f"{n}.mp4", "Cy Young"] for n in names],
    )
    jobs, _ = plan_jobs(clips)
    with Library.open(tmp_path / "lib") as lib:
        report = run_batch(
            lib,
            jobs,
            SessionInfo("Day", "2026-04-01"),
            options=BatchOptions(workers=2, overlay=False),
            analyze=FAKE,
        )
    status = {o.clip.stem: o.status for o in report.outcomes}
    assert status == {"a1": "ok", "a2": "ok", "crash": "failed", "a3": "ok", "a4": "ok"}
    crash = next(o for o in report.outcomes if o.clip.stem == "crash")
    assert "stopped without an error" in crash.message
    assert [o.rep_number for o in report.outcomes] == [1, 2, 3, 4, 5]
    assert_consistent(tmp_path / "lib")


@pytest.mark.parametrize("where", ["scheduler", "local"])
def test_a_dask_cluster_runs_the_batch_and_a_killed_worker_loses_nothing(tmp_path, where):
    """The real Dask scheduler and two worker processes on 127.0.0.1: either one started here
    and given by address (as a team's cluster is), or the one --cluster local starts. A worker
    killed mid-clip: the clip is retried once (and then recorded), the rest goes on."""
    import dask
    from distributed import LocalCluster

    clips = tmp_path / "clips"
    clips.mkdir()
    names = ["a1", "once", "a2", "crash", "a3"]
    for n in names:
        write_clip(clips / f"{n}.mp4", crash=n == "crash", crash_once=n == "once", sleep_s=0.3)
    write_csv(
        clips / "manifest.csv", ["clip", "athlete"], [[f"{n}.mp4", "Cy Young"] for n in names]
    )
    jobs, _ = plan_jobs(clips)
    events = []
    with contextlib.ExitStack() as stack:
        address = "local"
        if where == "scheduler":
            with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
                cluster = stack.enter_context(
                    LocalCluster(
                        n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None
                    )
                )
            address = cluster.scheduler_address
            assert address.startswith("tcp://127.0.0.1:")
        with Library.open(tmp_path / "lib") as lib:
            report = run_batch(
                lib,
                jobs,
                SessionInfo("Cluster day", "2026-04-02"),
                options=BatchOptions(workers=2 if where == "local" else None, cluster=address),
                analyze=FAKE,
                progress=events.append,
            )
    status = {o.clip.stem: o.status for o in report.outcomes}
    assert status == {"a1": "ok", "once": "ok", "a2": "ok", "crash": "failed", "a3": "ok"}
    assert model_runs(clips / "once.mp4") == 2  # killed once, retried once
    assert model_runs(clips / "crash.mp4") == 2  # killed twice: recorded, not retried again
    crash = next(o for o in report.outcomes if o.clip.stem == "crash")
    assert "stopped without an error" in crash.message
    # The batch process wrote the library; the workers wrote only their rep folders.
    reps = assert_consistent(tmp_path / "lib")
    assert sorted(reps["status"]) == ["failed", "ok", "ok", "ok", "ok"]
    assert [e.done for e in events if e.phase == "analysing"][-1] == 5
    with sqlite3.connect(tmp_path / "lib" / "library.sqlite") as conn:
        row = conn.execute("SELECT settings_json FROM batch_runs").fetchone()
    run_settings = json.loads(row[0])
    assert run_settings["cluster"] == address


def test_a_cluster_that_does_not_answer_is_one_clear_error(tmp_path):
    from sprintlab.cluster import ClusterError

    clips = tmp_path / "clips"
    clips.mkdir()
    write_clip(clips / "a1.mp4")
    write_csv(clips / "manifest.csv", ["clip", "athlete"], [["a1.mp4", "Cy Young"]])
    jobs, _ = plan_jobs(clips)
    with (
        Library.open(tmp_path / "lib") as lib,
        pytest.raises(ClusterError, match="does not answer"),
    ):
        run_batch(
            lib,
            jobs,
            SessionInfo("Nobody there", "2026-04-03"),
            options=BatchOptions(cluster="tcp://127.0.0.1:9"),
            analyze=FAKE,
        )


def test_reader_sees_whole_reps_while_a_batch_writes(tmp_path):
    """The dashboard's queries run in a loop during a batch: never an error, never half a rep."""
    clips = tmp_path / "clips"
    clips.mkdir()
    n = 12
    for i in range(n):
        write_clip(clips / f"Dee_Ford_{i + 1}.mp4", v_max_mps=8.5 + 0.05 * i, sleep_s=0.1)
    jobs, _ = plan_jobs(clips, pattern="{athlete}_{rep}")
    lib_dir = tmp_path / "lib"
    Library.open(lib_dir).close()  # the file exists before the reader starts
    stop = threading.Event()
    seen: list[int] = []
    errors: list[BaseException] = []

    def reader() -> None:
        try:
            with Library.open(lib_dir, readonly=True) as ro:
                while not stop.is_set():
                    with ro.snapshot() as conn:
                        reps = conn.execute(
                            "SELECT rep_pk, n_steps FROM reps WHERE status = 'ok'"
                        ).fetchall()
                        steps = dict(
                            conn.execute("SELECT rep_pk, COUNT(*) FROM steps GROUP BY rep_pk")
                        )
                    for pk, n_steps in reps:
                        assert steps.get(pk) == n_steps, (pk, n_steps, steps.get(pk))
                    # The dashboard's frames (each in its own snapshot) must work too.
                    assert len(ro.reps_frame()) >= len(reps)
                    ro.steps_frame()
                    seen.append(len(reps))
                    time.sleep(0.02)  # a dashboard refreshes, it does not spin
        except BaseException as err:  # reported in the main thread
            errors.append(err)

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        with Library.open(lib_dir) as lib:
            report = run_batch(
                lib,
                jobs,
                SessionInfo("Day", "2026-04-02"),
                options=BatchOptions(workers=2, overlay=False),
                analyze=FAKE,
            )
    finally:
        stop.set()
        thread.join(timeout=30)
    assert errors == []
    assert report.n_ok == n
    # The reader ran throughout and watched the reps arrive one by one.
    assert len(seen) > 10 and seen == sorted(seen) and len(set(seen)) >= 4
    print(
        f"\n{n} clips, {report.workers} workers: {report.wall_s:.1f} s wall, "
        f"{report.clips_per_min:.1f} clips/min (fake analyser)"
    )


def test_same_clip_in_two_sessions_keeps_both(tmp_path):
    """One folder of clips batched into two sessions: two rows per clip, two rep folders, and
    re-running or forcing one session leaves the other's artefacts untouched."""
    clips = tmp_path / "clips"
    clips.mkdir()
    for i in range(3):
        write_clip(clips / f"Eve_Ray_{i + 1}.mp4", v_max_mps=8.8 + 0.1 * i)
    lib_dir = tmp_path / "lib"

    def run(session: SessionInfo, **kw):
        jobs, _ = plan_jobs(clips, pattern="{athlete}_{rep}")
        with Library.open(lib_dir) as lib:
            return run_batch(
                lib,
                jobs,
                session,
                options=BatchOptions(workers=2, overlay=False, **kw),
                analyze=FAKE,
            )

    def snapshot(folders):
        return {f: (f / "rep.json").read_bytes() for f in folders}

    day1, day2 = SessionInfo("Day one", "2026-06-01"), SessionInfo("Day two", "2026-06-08")
    first = run(day1)
    second = run(day2)
    assert [o.status for o in first.outcomes] == ["ok"] * 3
    assert [o.status for o in second.outcomes] == ["ok"] * 3  # recorded in both sessions
    reps = assert_consistent(lib_dir)
    assert len(reps) == 6 and reps["artefact_dir"].nunique() == 6
    assert set(reps.groupby("clip_path")["session_id"].nunique()) == {2}
    dirs1 = [o.rep_dir for o in first.outcomes]
    dirs2 = [o.rep_dir for o in second.outcomes]
    assert not set(dirs1) & set(dirs2)
    before1 = snapshot(dirs1)
    # Resume works per session: both re-runs skip everything.
    assert [o.status for o in run(day1).outcomes] == ["skipped"] * 3
    assert [o.status for o in run(day2).outcomes] == ["skipped"] * 3
    # Forcing day two redoes its reps and leaves day one's folders byte for byte.
    forced = run(day2, force=True)
    assert [o.status for o in forced.outcomes] == ["ok"] * 3
    assert [o.rep_pk for o in forced.outcomes] == [o.rep_pk for o in second.outcomes]
    assert snapshot(dirs1) == before1
    reps = assert_consistent(lib_dir)
    assert len(reps) == 6 and all((lib_dir / a / "rep.json").is_file() for a in reps.artefact_dir)
    with Library.open(lib_dir) as lib:
        assert len(lib.reps_frame(session_id=first.session_id)) == 3
        assert len(lib.reps_frame(session_id=second.session_id)) == 3
        assert lib.athletes_frame().set_index("name").loc["Eve Ray", "n_sessions"] == 2


# ------------------------------------------------------------------------------------------
# Stale reps: a changed analysis is refreshed from the cached keypoints
# ------------------------------------------------------------------------------------------


def rep_rows(lib_dir: Path) -> pd.DataFrame:
    reps = assert_consistent(lib_dir)
    return reps[reps["status"] == "ok"].set_index("clip_path").sort_index()


def test_changed_analysis_refreshes_from_keypoints_and_changed_tracking_reanalyses(tmp_path):
    """Through the real CLI: --config with other analysis settings re-runs only the analysis
    from keypoints.npz (the fake pose model is not called again, rows and rep.json are
    updated); a rep without keypoints is analysed fully; other tracking settings re-run all."""
    clips = tmp_path / "clips"
    clips.mkdir()
    paths = [write_clip(clips / f"Gil_Fox_{i + 1}.mp4", v_max_mps=9.0 + 0.1 * i) for i in range(3)]
    lib_dir = tmp_path / "lib"
    args = [
        "batch", str(clips), "--pattern", "{athlete}_{rep}", "--session", "Refresh",
        "--date", "2026-05-03", "--library", str(lib_dir), "--workers", "2", "--no-overlay",
        "--analyzer", FAKE,
    ]  # fmt: skip
    first = cli(*args)
    assert first.returncode == 0, first.stderr
    assert "3 analysed, 0 failed, 0 already in the library" in first.stdout
    assert [model_runs(p) for p in paths] == [1, 1, 1]
    before = rep_rows(lib_dir)
    doc = json.loads(before["rep_json"].iloc[0])
    assert doc["schema_version"] == 2
    assert doc["provenance"]["analysis"]["settings"]["filter"]["cutoff_hz"] == 12.0
    assert doc["provenance"]["pose"]["engine"] == "fake"

    # One rep lost its keypoints: it cannot be refreshed and is analysed in full.
    (lib_dir / before["artefact_dir"].iloc[2] / "keypoints.npz").unlink()
    config = tmp_path / "settings.toml"
    config.write_text("[analysis.filter]\ncutoff_hz = 10.0\n")
    changed = cli(*args, "--config", str(config))
    assert changed.returncode == 0, changed.stderr
    assert "3 analysed, 0 failed, 0 already in the library" in changed.stdout
    assert (
        "2 reps refreshed from cached keypoints (analysis changed: filter.cutoff_hz 12.0 → "
        "10.0); 1 analysed fully" in changed.stdout
    )
    assert [model_runs(p) for p in paths] == [1, 1, 2]  # the model ran only where it had to
    after = rep_rows(lib_dir)
    assert list(after["rep_pk"]) == list(before["rep_pk"])  # the same rows, updated
    assert (after["analysed_utc"] > before["analysed_utc"]).all()
    assert (after["pose_hash"] == before["pose_hash"]).all()
    assert (after["analysis_hash"] != before["analysis_hash"]).all()
    assert after["analysis_hash"].nunique() == 1
    for artefact, text in zip(after["artefact_dir"], after["rep_json"], strict=True):
        on_disk = json.loads((lib_dir / artefact / "rep.json").read_text())
        assert on_disk == json.loads(text)  # the library row is the folder's rep.json
        prov = on_disk["provenance"]
        assert prov["analysis"]["settings"]["filter"]["cutoff_hz"] == 10.0
        assert prov["pose"] == doc["provenance"]["pose"]  # same tracking, engine, weights
        assert (lib_dir / artefact / "keypoints.npz").is_file()
    assert (after["n_steps"] > 0).all()

    # The same settings again: nothing to do.
    same = cli(*args, "--config", str(config))
    assert "0 analysed, 0 failed, 3 already in the library" in same.stdout, same.stderr
    assert "refreshed" not in same.stdout

    # Other tracking settings change the pose part: every clip goes through the model again.
    config.write_text("[analysis.filter]\ncutoff_hz = 10.0\n[tracking]\nrefine_imgsz = 320\n")
    tracked = cli(*args, "--config", str(config))
    assert tracked.returncode == 0, tracked.stderr
    assert "3 analysed, 0 failed, 0 already in the library" in tracked.stdout
    assert "refreshed" not in tracked.stdout
    assert [model_runs(p) for p in paths] == [2, 2, 3]
    final = rep_rows(lib_dir)
    assert (final["pose_hash"] != after["pose_hash"]).all()
    assert (final["analysis_hash"] == after["analysis_hash"]).all()
    for text in final["rep_json"]:
        assert json.loads(text)["provenance"]["pose"]["tracking"]["refine_imgsz"] == 320


def test_a_new_sprintlab_or_analysis_code_refreshes_every_rep(tmp_path, monkeypatch):
    """A version bump or a change of the analysis code (the source revision) is a changed
    analysis: the reps are refreshed from their keypoints, not skipped and not re-tracked."""
    import sprintlab
    from sprintlab import provenance

    clips = tmp_path / "clips"
    clips.mkdir()
    paths = [write_clip(clips / f"Hal_Roe_{i + 1}.mp4", v_max_mps=8.8 + 0.1 * i) for i in range(2)]

    def run(**kw):
        jobs, _ = plan_jobs(clips, pattern="{athlete}_{rep}")
        with Library.open(tmp_path / "lib") as lib:
            return run_batch(
                lib,
                jobs,
                SessionInfo("Upgrade", "2026-05-04"),
                options=BatchOptions(workers=2, overlay=False, **kw),
                analyze=FAKE,
            )

    first = run()
    assert (first.n_ok, first.n_refreshed) == (2, 0)
    before = rep_rows(tmp_path / "lib")
    assert [o.status for o in run().outcomes] == ["skipped", "skipped"]

    old_version = sprintlab.__version__
    monkeypatch.setattr(sprintlab, "__version__", "99.0.0")
    upgraded = run()
    assert [(o.status, o.refreshed) for o in upgraded.outcomes] == [("ok", True)] * 2
    assert upgraded.refresh_summary() == (
        f"2 reps refreshed from cached keypoints (analysis changed: {old_version} → 99.0.0); "
        "0 analysed fully"
    )
    assert [model_runs(p) for p in paths] == [1, 1]
    after = rep_rows(tmp_path / "lib")
    assert (after["analysed_utc"] > before["analysed_utc"]).all()
    assert (after["pose_hash"] == before["pose_hash"]).all()
    assert [o.status for o in run().outcomes] == ["skipped", "skipped"]

    # Same version, changed analysis code: refreshed too.
    monkeypatch.setattr(provenance, "analysis_revision", lambda: "0123456789abcdef")
    fixed = run()
    assert [(o.status, o.refreshed) for o in fixed.outcomes] == [("ok", True)] * 2
    assert [model_runs(p) for p in paths] == [1, 1]
    # Keypoints that cannot be read: that clip falls back to a full analysis, and says so.
    (fixed.outcomes[1].rep_dir / "keypoints.npz").write_bytes(b"not an npz file")
    monkeypatch.setattr(provenance, "analysis_revision", lambda: "fedcba9876543210")
    fallback = run()
    assert [(o.status, o.refreshed) for o in fallback.outcomes] == [("ok", True), ("ok", False)]
    assert [model_runs(p) for p in paths] == [1, 2]
    assert any("Hal_Roe_2.mp4: its cached keypoints could not be analysed" in m for m in
               fallback.messages)  # fmt: skip
    assert fallback.refresh_summary().endswith("; 1 analysed fully")
    assert (fallback.outcomes[1].rep_dir / "keypoints.npz").read_bytes()[:2] == b"PK"
    # --force still analyses everything in full.
    forced = run(force=True)
    assert [(o.status, o.refreshed) for o in forced.outcomes] == [("ok", False)] * 2
    assert [model_runs(p) for p in paths] == [2, 3]
    assert_consistent(tmp_path / "lib")


# ------------------------------------------------------------------------------------------
# The command line: SIGKILL halfway, resume, failures table, queries, export
# ------------------------------------------------------------------------------------------


def cli_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), str(HERE)])
    return env


def cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sprintlab.cli_library", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=cli_env(),
        cwd=ROOT,
    )


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def test_sigkill_halfway_loses_nothing_and_rerun_finishes_the_rest(tmp_path):
    clips = tmp_path / "clips"
    clips.mkdir()
    n = 8
    for i in range(n):
        write_clip(clips / f"Kim_Park_{i + 1}.mp4", v_max_mps=8.6 + 0.05 * i, sleep_s=1.0)
    lib_dir = tmp_path / "lib"
    args = [
        "batch", str(clips), "--pattern", "{athlete}_{rep}", "--session", "Kill test",
        "--date", "2026-05-01", "--library", str(lib_dir), "--workers", "2", "--no-overlay",
        "--analyzer", FAKE,
    ]  # fmt: skip
    proc = subprocess.Popen(
        [sys.executable, "-m", "sprintlab.cli_library", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=cli_env(),
        cwd=ROOT,
        start_new_session=True,  # its own process group: the test can find (only) its workers
    )
    try:
        db = lib_dir / "library.sqlite"
        deadline = time.monotonic() + 120
        done = 0
        while time.monotonic() < deadline and done < 3:
            time.sleep(0.05)
            if db.exists():
                try:
                    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
                        done = conn.execute(
                            "SELECT COUNT(*) FROM reps WHERE status = 'ok'"
                        ).fetchone()[0]
                except sqlite3.OperationalError:
                    pass  # the schema is being created
        assert done >= 3, proc.stderr.read() if proc.poll() is not None else "too slow"
        os.kill(proc.pid, signal.SIGKILL)  # only the batch process: its workers must follow
        proc.wait(timeout=10)
        deadline = time.monotonic() + 15
        while group_alive(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not group_alive(proc.pid), "worker processes outlived the killed batch"
    finally:
        if group_alive(proc.pid):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.stderr.close()

    reps = assert_consistent(lib_dir)
    finished = reps[reps["status"] == "ok"]
    k = len(finished)
    assert 3 <= k < n and len(reps) == k  # no half-written or placeholder rows
    before = finished.set_index("rep_pk")["analysed_utc"].to_dict()

    rerun = cli(*args)
    assert rerun.returncode == 0, rerun.stderr
    assert f"{n - k} analysed, 0 failed, {k} already in the library" in rerun.stdout
    reps = assert_consistent(lib_dir)
    assert (reps["status"] == "ok").sum() == n and len(reps) == n
    after = reps.set_index("rep_pk")["analysed_utc"].to_dict()
    assert all(after[pk] == t for pk, t in before.items())  # finished reps were not redone
    assert not [p for p in (lib_dir / "reps").rglob(".*")]  # no half-written folders left
    with Library.open(lib_dir) as lib:
        runs = lib.runs_frame()
    assert list(runs["status"]) == ["finished", "interrupted"]
    assert (runs.iloc[0]["n_ok"], runs.iloc[0]["n_skipped"]) == (n - k, k)


def test_cli_batch_with_a_cluster_that_does_not_answer_is_one_sentence(tmp_path):
    clips = tmp_path / "clips"
    clips.mkdir()
    write_clip(clips / "Ada_Lee_1.mp4")
    args = [
        "batch", str(clips), "--pattern", "{athlete}_{rep}", "--session", "Remote",
        "--date", "2026-05-07", "--library", str(tmp_path / "lib"),
        "--cluster", "tcp://127.0.0.1:9", "--analyzer", FAKE,
    ]  # fmt: skip
    proc = cli(*args)
    assert proc.returncode != 0
    assert "error:" in proc.stderr and "does not answer" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert model_runs(clips / "Ada_Lee_1.mp4") == 0


def test_cli_batch_failures_queries_and_export(tmp_path, messy_day):
    clips, roster, lib_dir = messy_day
    out = tmp_path / "team"
    proc = cli(
        "batch", str(clips), "--roster", str(roster), "--session", "Combine prep",
        "--date", "2026-03-15", "--library", str(lib_dir), "--workers", "2", "--no-overlay",
        "--analyzer", FAKE, "--out", str(out),
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "4 clip(s) failed" in proc.stdout
    for clip in ("corrupt.mp4", "jd1_copy.mp4", "gone.mp4", "nobody.mp4"):
        assert clip in proc.stdout
    assert "6 analysed, 4 failed, 0 already in the library" in proc.stdout
    assert "clips/min" in proc.stdout
    assert "no body mass" in proc.stderr  # roster note
    for name in ("session_summary.csv", "steps.csv", "report.html"):
        assert (out / name).is_file()

    athletes = cli("athletes", "--library", str(lib_dir))
    assert athletes.returncode == 0, athletes.stderr
    for name in NAMES.values():
        assert name in athletes.stdout  # printed as text, brackets or quotes included

    failed = cli("reps", "--library", str(lib_dir), "--status", "failed")
    assert failed.returncode == 0 and "4 rep(s)" in failed.stdout
    jose = cli("reps", "--library", str(lib_dir), "--athlete", "josé díaz")
    assert "3 rep(s)" in jose.stdout
    # One line per rep at a normal terminal width: the short library id, no wrapped folder id.
    with Library.open(lib_dir) as lib:
        ids = lib.reps_frame(athlete="josé díaz", status="ok")["rep_pk"].tolist()
        lib.mark_rep(ids[0], note="false start", exclude_from_bests=True)
    wide = subprocess.run(
        [sys.executable, "-m", "sprintlab.cli_library", "reps", "--library", str(lib_dir),
         "--athlete", "josé díaz"],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
        env={**cli_env(), "COLUMNS": "160"},
    )  # fmt: skip
    rows = [ln for ln in wide.stdout.splitlines() if NAMES["jose"] in ln]
    assert len(rows) == 3, wide.stdout
    assert "[not in bests]" in wide.stdout and "false start" in wide.stdout

    exp = cli("export", str(tmp_path / "pq"), "--format", "parquet", "--library", str(lib_dir))
    assert exp.returncode == 0, exp.stderr
    reps = pd.read_parquet(tmp_path / "pq" / "reps.parquet")
    steps = pd.read_parquet(tmp_path / "pq" / "steps.parquet")
    assert len(reps) == 10 and len(steps) == reps["n_steps"].fillna(0).sum()
    exp = cli(
        "export", str(tmp_path / "csv"), "--session", "Combine prep", "--athlete",
        NAMES["quote"], "--library", str(lib_dir),
    )  # fmt: skip
    assert exp.returncode == 0, exp.stderr
    mine = pd.read_csv(tmp_path / "csv" / "reps.csv")
    assert list(mine["athlete"]) == [NAMES["quote"]] * 2

    missing = cli("reps", "--library", str(tmp_path / "nowhere"))
    assert missing.returncode == 1 and "No sprintlab library" in missing.stderr


# ------------------------------------------------------------------------------------------
# The real pipeline (pose model) through the batch
# ------------------------------------------------------------------------------------------


def cut_clip(src: Path, dst: Path, n_frames: int) -> None:
    """The first ``n_frames`` of ``src`` re-encoded with PyAV (H.264)."""
    import av

    with av.open(str(src)) as inp, av.open(str(dst), "w") as out:
        s_in = inp.streams.video[0]
        s_out = out.add_stream("libx264", rate=s_in.average_rate)
        s_out.width, s_out.height, s_out.pix_fmt = s_in.width, s_in.height, "yuv420p"
        for i, frame in enumerate(inp.decode(s_in)):
            if i >= n_frames:
                break
            for packet in s_out.encode(frame.reformat(format="yuv420p")):
                out.mux(packet)
        for packet in s_out.encode():
            out.mux(packet)


@pytest.mark.model
def test_real_pipeline_records_a_real_clip_and_a_corrupt_one(tmp_path):
    if not WEIGHTS.is_file():
        pytest.fail(f"{WEIGHTS} is missing: the real-model test needs it (see models/README.md)")
    clips = tmp_path / "clips"
    clips.mkdir()
    cut_clip(SAMPLE, clips / "demo20.mp4", 20)
    shutil.copy(SAMPLE.with_suffix(".toml"), clips / "demo20.toml")
    (clips / "broken.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + os.urandom(4000))
    write_csv(
        clips / "manifest.csv",
        ["clip", "athlete"],
        [["demo20.mp4", "Demo Runner"], ["broken.mp4", "Demo Runner"]],
    )
    jobs, _ = plan_jobs(clips)
    events = []
    with Library.open(tmp_path / "lib") as lib:
        report = run_batch(
            lib,
            jobs,
            SessionInfo("Real", "2026-05-02"),
            options=BatchOptions(workers=2, overlay=True, model_path=WEIGHTS),
            progress=events.append,
        )
    demo, broken = report.outcomes
    assert broken.status == "failed" and "broken.mp4" in broken.message
    # Numbers first: the overlay of a measured rep is drawn after every clip is in.
    if demo.status == "ok":
        phases = [e.phase for e in events]
        assert phases.index("overlays") > max(i for i, f in enumerate(phases) if f == "analysing")
        from sprintlab.results import load_rep_json, overlay_is_current

        assert overlay_is_current(load_rep_json(demo.rep_dir)) is True
    # 20 frames of a 30 fps non-sprint: either measured or refused with a coach-readable reason.
    assert demo.status in ("ok", "failed")
    if demo.status == "failed":
        assert "Unexpected" not in demo.message and "unexpected error" not in demo.message
    reps = assert_consistent(tmp_path / "lib")
    assert len(reps) == 2
    print(f"\nreal clip: {demo.status} in {demo.seconds:.1f} s: {demo.message[:200]}")


def test_overlays_come_after_the_numbers_and_a_failed_one_loses_nothing(tmp_path):
    clips = tmp_path / "clips"
    clips.mkdir()
    for i in range(3):
        write_clip(clips / f"Ada_Lee_{i + 1}.mp4", v_max_mps=9.0 + 0.2 * i)
    jobs, _ = plan_jobs(clips, pattern="{athlete}_{rep}")
    events = []
    with Library.open(tmp_path / "lib") as lib:
        report = run_batch(
            lib,
            jobs,
            SessionInfo("Pictures later", "2026-05-06"),
            options=BatchOptions(workers=2, overlay=True),
            analyze=fake_analyze,
            progress=events.append,
        )
    # Every clip counted done when its numbers were in, before any overlay was attempted.
    analysing = [e for e in events if e.phase == "analysing"]
    overlays = [e for e in events if e.phase == "overlays"]
    assert analysing[-1].done == 3 and analysing[-1].failed == 0
    assert events.index(overlays[0]) > events.index(analysing[-1])
    assert [e.done for e in overlays] == [1, 2, 3] and overlays[-1].total == 3
    # The fake clips are no videos: no overlay can be drawn, each one is said, no clip fails.
    assert report.n_ok == 3 and report.n_failed == 0
    said = [m for m in report.messages if "Its numbers are in the library" in m]
    assert len(said) == 3
    reps = assert_consistent(tmp_path / "lib")
    assert (reps["status"] == "ok").all() and len(reps) == 3
    assert not any((Path(d) / "overlay.mp4").exists() for d in (o.rep_dir for o in report.outcomes))


def test_a_persons_corrections_survive_batch_reruns_and_are_exported(tmp_path):
    """A coach moves a touchdown and deletes a contact of a library rep: the rep is analysed
    again with them at once; a forced batch re-run (the fake pose model runs again) and an
    analysis-settings refresh both keep them; withdrawing one undoes it; export lists them."""
    from sprintlab.events.edits import EventEdit
    from sprintlab.review import correct, withdraw

    clips = tmp_path / "clips"
    clips.mkdir()
    paths = [write_clip(clips / f"Ada_Lee_{i + 1}.mp4", v_max_mps=9.0 + 0.2 * i) for i in range(2)]
    lib_dir = tmp_path / "lib"
    args = [
        "batch", str(clips), "--pattern", "{athlete}_{rep}", "--session", "Review",
        "--date", "2026-05-04", "--library", str(lib_dir), "--workers", "1", "--no-overlay",
        "--analyzer", FAKE,
    ]  # fmt: skip
    assert cli(*args).returncode == 0
    before = rep_rows(lib_dir)
    pk = int(before.loc[str(paths[0]), "rep_pk"])
    other_json = before.loc[str(paths[1]), "rep_json"]
    steps = json.loads(before.loc[str(paths[0]), "rep_json"])["steps"]
    s3, s5 = steps[2], steps[4]
    moved = EventEdit(
        "set",
        td_frame=s3["touchdown_frame"] - 3,
        to_frame=s3["toeoff_frame"],
        was_td_frame=s3["touchdown_frame"],
        was_to_frame=s3["toeoff_frame"],
        author="Coach Diaz",
    )
    phantom = EventEdit(
        "delete", was_td_frame=s5["touchdown_frame"], was_to_frame=s5["toeoff_frame"], author="Ann"
    )

    def check(doc: dict, *, deleted: bool) -> None:
        by_number = {s["number"]: s for s in doc["steps"]}
        edited = by_number[3]
        assert edited["touchdown_frame"] == s3["touchdown_frame"] - 3
        assert edited["touchdown_source"] == "coach" and edited["toeoff_source"] != "coach"
        # Touchdown half a frame before the frame marked; toe-off as detected.
        td_s = (s3["touchdown_frame"] - 3.5) / 240
        assert edited["contact_time_s"] == pytest.approx(s3["toeoff_s"] - td_s, abs=1e-9)
        assert (5 not in by_number) is deleted
        assert [e["applied"] for e in doc["edits"]] == [True] * (1 + deleted)
        assert any("corrected by hand (by " in w for w in doc["warnings"])

    with Library.open(lib_dir) as lib:
        doc = correct(lib, pk, moved)
        check(doc, deleted=False)
        doc = correct(lib, pk, phantom)
        check(doc, deleted=True)
        assert [e.author for _, e in lib.edits_for(pk)] == ["Coach Diaz", "Ann"]
    row = rep_rows(lib_dir).loc[str(paths[0])]
    assert json.loads(row["rep_json"]) == doc  # the row is what the folder holds
    assert json.loads((lib_dir / row["artefact_dir"] / "rep.json").read_text()) == doc
    assert row["n_steps"] == len(steps) - 1

    # A forced re-run goes through the pose model again and puts the corrections back on.
    forced = cli(*args, "--force")
    assert forced.returncode == 0, forced.stderr
    assert [model_runs(p) for p in paths] == [2, 2]
    after = rep_rows(lib_dir)
    assert int(after.loc[str(paths[0]), "rep_pk"]) == pk
    check(json.loads(after.loc[str(paths[0]), "rep_json"]), deleted=True)
    # The other rep had none: it is analysed as before.
    assert json.loads(after.loc[str(paths[1]), "rep_json"])["edits"] == []
    assert (
        json.loads(other_json)["steps"] == json.loads(after.loc[str(paths[1]), "rep_json"])["steps"]
    )

    # Other analysis settings: refreshed from the keypoints, the corrections again applied.
    config = tmp_path / "settings.toml"
    config.write_text("[analysis.filter]\ncutoff_hz = 10.0\n")
    refreshed = cli(*args, "--config", str(config))
    assert "2 reps refreshed from cached keypoints" in refreshed.stdout, refreshed.stderr
    check(json.loads(rep_rows(lib_dir).loc[str(paths[0]), "rep_json"]), deleted=True)

    with Library.open(lib_dir) as lib:
        (edit_id, _), _ = lib.edits_for(pk)
        doc = withdraw(lib, pk, edit_id)
        assert 5 not in {s["number"] for s in doc["steps"]}
        assert doc["steps"][2]["touchdown_frame"] != s3["touchdown_frame"] - 3
        with pytest.raises(Exception, match="no correction"):
            withdraw(lib, pk, edit_id)

    out = tmp_path / "export"
    assert cli("export", str(out), "--library", str(lib_dir)).returncode == 0
    exported = pd.read_csv(out / "edits.csv")
    assert list(exported["author"]) == ["Ann"] and list(exported["action"]) == ["delete"]


def test_corrections_from_the_command_line(tmp_path):
    """'sprintlab correct' moves a touchdown, lists, withdraws and refuses what it cannot do,
    each in one clear sentence; the library keeps what it did like the Review page's edits."""
    clips = tmp_path / "clips"
    clips.mkdir()
    write_clip(clips / "Cy_Roe_1.mp4", v_max_mps=9.2)
    lib_dir = tmp_path / "lib"
    batch = cli(
        "batch", str(clips), "--pattern", "{athlete}_{rep}", "--session", "CLI", "--date",
        "2026-05-05", "--library", str(lib_dir), "--workers", "1", "--no-overlay",
        "--analyzer", FAKE,
    )  # fmt: skip
    assert batch.returncode == 0, batch.stderr
    row = rep_rows(lib_dir).iloc[0]
    pk = int(row["rep_pk"])
    s2 = json.loads(row["rep_json"])["steps"][1]
    lib = ["--library", str(lib_dir)]

    moved = cli("correct", str(pk), "--step", "2", "--touchdown", str(s2["touchdown_frame"] - 2),
                "--by", "Coach Ray", "--note", "heel strike seen on frame", *lib)  # fmt: skip
    assert moved.returncode == 0, moved.stderr
    assert "correction 1:" in moved.stdout and "by Coach Ray" in moved.stdout
    doc = json.loads(rep_rows(lib_dir).iloc[0]["rep_json"])
    assert doc["steps"][1]["touchdown_frame"] == s2["touchdown_frame"] - 2
    assert doc["steps"][1]["touchdown_source"] == "coach"
    with Library.open(lib_dir) as library:
        ((_, edit),) = library.edits_for(pk)
    assert edit.note == "heel strike seen on frame"

    listed = cli("correct", str(pk), *lib)
    assert listed.returncode == 0 and "correction 1:" in listed.stdout

    for args, message in (
        (["--step", "2", "--touchdown", "5"], "Say who makes the correction with --by NAME."),
        (["--step", "99", "--delete", "--by", "A"], "The rep has no step 99."),
        (["--add", "5to9", "--by", "A"], "--add takes FIRST-LAST frames"),
        (["--step", "2", "--foot", "middle", "--by", "A"], "the foot is 'left' or 'right'"),
        (["--withdraw", "7"], "There is no correction 7 of this rep to withdraw."),
    ):
        bad = cli("correct", str(pk), *args, *lib)
        assert bad.returncode == 1, args
        assert message in " ".join(bad.stderr.split()), (args, bad.stderr)
    missing = cli("correct", "999", *lib)
    assert missing.returncode == 1 and "There is no analysed rep 999" in missing.stderr

    back = cli("correct", str(pk), "--withdraw", "1", *lib)
    assert back.returncode == 0, back.stderr
    doc = json.loads(rep_rows(lib_dir).iloc[0]["rep_json"])
    assert doc["steps"][1]["touchdown_frame"] == s2["touchdown_frame"]
    assert doc["edits"] == []
