"""The Review page in real headless Chromium: a touchdown the analysis put a frame late is
found on the frames, moved by the coach, and the rep's values follow; a batch re-run keeps it."""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from browser import CHROMIUM, CHROMIUM_ARGS, dashboard, full_screenshot, wait_for_page
from fixture_library import FPS

from sprintlab.dashboard.page_review import STEP_VALUES, value_text
from sprintlab.events.edits import EventEdit
from sprintlab.library import Library
from sprintlab.pipeline import reanalyze_rep
from sprintlab.results import load_rep_json

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
ARTEFACTS = REPO / "test_artifacts" / "dashboard"

pytestmark = pytest.mark.browser


def late_touchdown(doc: dict) -> tuple[dict, int]:
    """A step whose detected touchdown is not the first frame the truth has the foot down,
    and that true frame."""
    truth_file = Path(doc["video"]["path"]).with_suffix(".truth.json")
    truth = json.loads(truth_file.read_text())["truth"]["steps"]
    by_number = {s["number"]: s for s in truth}
    for step in doc["steps"]:
        true_td = math.ceil(by_number[step["number"]]["touchdown_s"] * FPS - 1e-9)
        if step["touchdown_frame"] != true_td:
            return step, true_td
    raise AssertionError("every detected touchdown is on its true frame: pick another rep")


def metric_value(page, label: str) -> str:
    metric = page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    return metric.locator('[data-testid="stMetricValue"]').inner_text().strip()


def test_coach_moves_a_late_touchdown_onto_its_true_frame(library, tmp_path):
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run 'make browser' (apt-get install chromium).")
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    with Library.open(library, readonly=True) as lib:
        row = lib.conn.execute(
            "SELECT artefact_dir, clip_path, rep_json FROM reps WHERE rep_pk = 1"
        ).fetchone()
    rep_dir = library / row[0]
    step, true_td = late_touchdown(json.loads(row[2]))
    number, detected = step["number"], step["touchdown_frame"]

    # What reanalyze gives for this edit, on a copy of the rep folder.
    expected_dir = tmp_path / "expected" / rep_dir.name
    shutil.copytree(rep_dir, expected_dir)
    edit = EventEdit(
        "set",
        td_frame=true_td,
        to_frame=step["toeoff_frame"],
        was_td_frame=detected,
        was_to_frame=step["toeoff_frame"],
        author="Coach Kay",
    )
    _, out = reanalyze_rep(expected_dir, edits=[edit], overlay=False)
    expected = next(s for s in load_rep_json(out)["steps"] if s["number"] == number)

    with dashboard(library) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 1000})
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(f"{url}/review?rep=1&step={number}")
            wait_for_page(page)
            assert metric_value(page, "Touchdown frame") == str(detected)
            name = page.get_by_role("textbox", name="Your name")
            name.fill("Coach Kay")
            name.press("Enter")
            wait_for_page(page)
            # One frame at a time, with the number input's own step buttons.
            button = "stNumberInputStepDown" if true_td < detected else "stNumberInputStepUp"
            for _ in range(abs(true_td - detected)):
                page.locator(f'[data-testid="{button}"]').first.click()
                wait_for_page(page)
            assert f"frame {true_td}" in page.content().lower()
            imgs = page.locator('[data-testid="stImage"] img')
            assert imgs.count() == 2
            for i in range(2):
                assert imgs.nth(i).evaluate("img => img.complete && img.naturalWidth > 0")
            full_screenshot(page, ARTEFACTS / "review_before.png")
            page.get_by_role("button", name=f"Touchdown on frame {true_td}").click()
            # The edit reruns the page twice (analysis, then the page with the new values).
            page.get_by_text(f"Step {number}: touchdown frame").wait_for(timeout=120_000)
            wait_for_page(page)
            assert page.locator('[data-testid="stException"]').count() == 0
            assert page.locator('[data-testid="stAlertContentError"]').count() == 0
            full_screenshot(page, ARTEFACTS / "review_after.png")
            # The page shows what reanalyze gives for the same edit.
            for col, label, unit, scale, digits in STEP_VALUES:
                want = value_text(expected.get(col), unit, scale, digits)
                assert metric_value(page, label) == want, label
            assert "Touchdown timed by coach (±1 frames)" in page.content()
            assert "Coach Kay" in page.content()
            # The Rep page says its overlay predates the correction, and redraws it on request.
            page.goto(f"{url}/rep?rep=1")
            wait_for_page(page)
            # Zoomed on the athlete by default: the 60 fps rep plays at 30 frames a second.
            assert "Plays 2× slower than real time." in page.content()
            stale = "The overlay was drawn before the latest corrections"
            assert stale in page.content()
            page.get_by_role("button", name="Redraw the overlay with the corrections").click()
            page.get_by_text(stale).wait_for(state="detached", timeout=120_000)
            wait_for_page(page)
            assert stale not in page.content()
            assert page.locator('[data-testid="stException"]').count() == 0
            assert not errors, errors
        finally:
            browser.close()

    with Library.open(library, readonly=True) as lib:
        ((_, kept),) = lib.edits_for(1)
        assert (kept.td_frame, kept.was_td_frame, kept.author) == (true_td, detected, "Coach Kay")
        doc = json.loads(
            lib.conn.execute("SELECT rep_json FROM reps WHERE rep_pk = 1").fetchone()[0]
        )
    edited = next(s for s in doc["steps"] if s["number"] == number)
    assert edited["touchdown_frame"] == true_td and edited["touchdown_source"] == "coach"
    # The contact time moved by the frames the touchdown moved.
    shift_s = (detected - true_td) / FPS
    assert edited["contact_time_s"] == pytest.approx(
        step["contact_time_s"] + shift_s, abs=0.6 / FPS
    )

    # A batch re-run of the same clip (forced, so it is analysed again) keeps the correction.
    clip = Path(row[1])
    manifest = tmp_path / "manifest.csv"
    manifest.write_text(f"clip,athlete,rep\n{clip},Ann Lee,1\n")
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO / "src"), str(HERE)]),
        "SPRINTLAB_TEST_TRUTH_JSON": str(clip.with_suffix(".truth.json")),
    }
    # fmt: off
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "sprintlab.cli_library",
            "batch",
            str(clip.parent),
            "--manifest",
            str(manifest),
            "--session",
            "Spring testing",
            "--date",
            "2026-03-14",
            "--library",
            str(library),
            "--workers",
            "1",
            "--no-overlay",
            "--force",
            "--analyzer",
            "fake_analyzers:from_truth",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    # fmt: on
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 analysed" in run.stdout, run.stdout
    with Library.open(library, readonly=True) as lib:
        doc = json.loads(
            lib.conn.execute("SELECT rep_json FROM reps WHERE rep_pk = 1").fetchone()[0]
        )
        assert len(lib.edits_for(1)) == 1
    after = next(s for s in doc["steps"] if s["number"] == number)
    assert after["touchdown_frame"] == true_td and after["touchdown_source"] == "coach"
    assert doc["edits"][0]["applied"] is True
