"""The dashboard in a real browser: headless Debian Chromium driven by Playwright."""

from __future__ import annotations

from pathlib import Path

import pytest
from browser import CHROMIUM, CHROMIUM_ARGS, dashboard, full_screenshot, wait_for_page

ARTEFACTS = Path(__file__).resolve().parents[2] / "test_artifacts" / "dashboard"

pytestmark = pytest.mark.browser


@pytest.fixture()
def chromium():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run 'make browser' (apt-get install chromium).")
    return CHROMIUM


def test_compare_page_in_chromium(chromium, library):
    from playwright.sync_api import sync_playwright

    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    with dashboard(library) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 1000})
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            # Library page: tick two reps in the table and press "Compare reps".
            page.goto(url)
            wait_for_page(page)
            grid = page.locator('[data-testid="stDataFrame"]').first.bounding_box()
            row_px, marker_x = 35, 15  # the data grid's row height and row-marker column
            for row in (0, 2):
                page.mouse.click(grid["x"] + marker_x, grid["y"] + row_px * (row + 1.5))
                wait_for_page(page)
            page.get_by_role("button", name="Compare reps").click()
            page.wait_for_url("**/compare?reps=*", timeout=60_000)
            wait_for_page(page)
            reps = page.url.split("reps=")[1].split("&")[0].replace("%2C", ",")
            assert sorted(reps.split(",")) == ["1", "3"]
            page.wait_for_selector(".js-plotly-plot", timeout=60_000)
            full_screenshot(page, ARTEFACTS / "compare.png")

            assert page.locator('[data-testid="stException"]').count() == 0
            assert page.locator('[data-testid="stAlertContentError"]').count() == 0
            # Hip velocity and the four per-step charts, each drawn by plotly in the page.
            assert page.locator(".js-plotly-plot").count() == 5
            assert page.locator(".js-plotly-plot .scatterlayer .trace").count() >= 10
            # The side-by-side video: a <video> whose source the browser can load.
            video = page.locator("video")
            assert video.count() == 1
            page.wait_for_function(
                "() => { const v = document.querySelector('video'); "
                "return v && v.readyState >= 1 && v.duration > 0; }",
                timeout=60_000,
            )
            # Step tiles and the stacked kinograms, decoded by the browser.
            imgs = page.locator('[data-testid="stImage"] img')
            assert imgs.count() == 2
            for i in range(2):
                assert imgs.nth(i).evaluate("img => img.complete && img.naturalWidth > 0")
            # Scrub to step 3: the page reruns without an error and the video stays.
            slider = page.get_by_role("slider")
            slider.focus()
            for _ in range(2):
                slider.press("ArrowRight")
            wait_for_page(page)
            assert page.locator('[data-testid="stException"]').count() == 0
            assert page.locator("video").count() == 1
            assert "Step 3 touchdown" in page.content()
            full_screenshot(page, ARTEFACTS / "compare_step3.png")

            # The other pages open without an exception box.
            for path, name in (
                ("", "library"),
                ("library", "library_by_name"),
                ("rep?rep=1", "rep"),
                ("review?rep=1", "review"),
                ("athlete", "athlete"),
                ("analyse", "analyse"),
            ):
                page.goto(f"{url}/{path}")
                wait_for_page(page)
                full_screenshot(page, ARTEFACTS / f"{name}.png")
                assert page.locator('[data-testid="stException"]').count() == 0, name
                assert "Page not found" not in page.content(), name
            assert not errors, errors
        finally:
            browser.close()
