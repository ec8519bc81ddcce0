"""The printable athlete summary: from the library, through the CLI, one A4 page in Chromium."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from browser import CHROMIUM, CHROMIUM_ARGS

from sprintlab.athlete_report import session_bests
from sprintlab.library import Library

REPO = Path(__file__).resolve().parents[2]
ARTEFACTS = REPO / "test_artifacts" / "dashboard"


def test_summary_of_an_athlete_prints_on_one_page(library, tmp_path):
    from playwright.sync_api import sync_playwright

    with Library.open(library) as lib:
        lib.mark_rep(1, note="Slipped at <step 2>", exclude_from_bests=True)
        reps = lib.reps_frame(athlete="Ann Lee", status="ok")
    out = tmp_path / "ann.html"
    run = subprocess.run(
        [sys.executable, "-m", "sprintlab.cli_library", "summary", "Ann Lee", "--out", str(out),
         "--library", str(library)],
        capture_output=True, text=True, timeout=300, env={**os.environ}, cwd=REPO,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    page = out.read_text(encoding="utf-8")
    assert "<script" not in page
    assert "Ann Lee" in page and "Slipped at &lt;step 2&gt;" in page
    assert page.count("data:image/jpeg;base64,") == 1  # the best rep's kinogram
    # Bests only from the counted rep: rep 1 was left out, so one session has none.
    bests = session_bests(reps)
    assert list(bests["session"]) == ["Summer testing"]
    ten = reps.loc[reps["rep_pk"] == 2, "split_10yd_s"].iloc[0]
    assert f"<td>{ten:.2f}</td>" in page
    assert "Summer testing</td><td>1</td>" in page
    assert "Spring testing</td><td>1</td>" not in page
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run 'make browser'.")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            tab = browser.new_page(viewport={"width": 1000, "height": 900})
            tab.goto(out.as_uri())
            ARTEFACTS.mkdir(parents=True, exist_ok=True)
            tab.screenshot(path=str(ARTEFACTS / "athlete_summary.png"), full_page=True)
            pdf = tab.pdf(format="A4")
        finally:
            browser.close()
    pages = pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")
    assert pages == 1, pages


def test_summary_of_an_unknown_athlete_is_one_clear_sentence(library):
    run = subprocess.run(
        [sys.executable, "-m", "sprintlab.cli_library", "summary", "Nobody", "--library",
         str(library)],
        capture_output=True, text=True, timeout=120, cwd=REPO,
    )  # fmt: skip
    assert run.returncode == 1
    assert "There is no athlete 'Nobody' in this library." in run.stderr + run.stdout
