"""Start the dashboard on a free localhost port and drive it with Debian's headless Chromium."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def dashboard(library: Path, *, startup_timeout_s: float = 60.0) -> Iterator[str]:
    """``streamlit run app.py`` against ``library``; yields the base URL; stops it after."""
    port = free_port()
    env = {**os.environ, "SPRINTLAB_LIBRARY": str(library)}
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(REPO / "app.py"),
        "--server.headless",
        "true",
        "--server.address",
        "127.0.0.1",
        "--server.port",
        str(port),
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
    ]
    with serve(cmd, env, port, startup_timeout_s=startup_timeout_s):
        yield f"http://127.0.0.1:{port}"


@contextlib.contextmanager
def serve(
    cmd: list[str], env: dict[str, str], port: int, *, startup_timeout_s: float = 60.0
) -> Iterator[subprocess.Popen]:
    """Run a dashboard command until its health check answers on 127.0.0.1:``port``; yields
    the process; stops it after."""
    # Its own process group, so that stopping it stops every process it started.
    proc = subprocess.Popen(
        cmd,
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + startup_timeout_s
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                out = proc.stdout.read() if proc.stdout else ""
                raise RuntimeError(f"the dashboard did not start:\n{out}")
            time.sleep(0.5)
        yield proc
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def wait_for_page(page, *, timeout_ms: int = 120_000) -> None:
    """Wait until the Streamlit script run has finished and the page has settled."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout_ms)
    page.wait_for_timeout(500)
    page.wait_for_selector(
        '[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=timeout_ms
    )
    # Widgets whose code loads lazily show a grey skeleton until it arrives.
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stSkeleton\"]')", timeout=timeout_ms
    )
    page.wait_for_timeout(500)


def full_screenshot(page, path: Path, width_px: int = 1500) -> Path:
    """The whole page: Streamlit scrolls inside its main block, so the viewport is made as
    tall as that block for the shot."""
    height = page.evaluate(
        """() => {
            const m = document.querySelector('[data-testid="stMain"]');
            return m ? m.scrollHeight : document.body.scrollHeight;
        }"""
    )
    page.set_viewport_size({"width": width_px, "height": int(min(max(height, 800), 16000))})
    page.wait_for_timeout(800)
    page.screenshot(path=str(path))
    page.set_viewport_size({"width": width_px, "height": 1000})
    return path


def screenshot_pages(library: Path, pages: dict[str, str], out_dir: Path) -> dict[str, Path]:
    """Full-page PNG screenshots of ``{name: "path?query"}``; returns {name: file}."""
    from playwright.sync_api import sync_playwright

    out_dir.mkdir(parents=True, exist_ok=True)
    shots = {}
    with dashboard(library) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1500, "height": 1000})
        for name, path in pages.items():
            page.goto(f"{url}/{path}")
            wait_for_page(page)
            shots[name] = full_screenshot(page, out_dir / f"{name}.png")
        browser.close()
    return shots


if __name__ == "__main__":  # python tests/dashboard/browser.py LIBRARY OUT_DIR REP_A REP_B
    lib, out, a, b = sys.argv[1:5]
    print(
        screenshot_pages(
            Path(lib),
            {
                "library": "",
                "rep": f"rep?rep={a}",
                "compare": f"compare?reps={a},{b}",
                "athlete": "athlete",
                "analyse": "analyse",
            },
            Path(out),
        )
    )
