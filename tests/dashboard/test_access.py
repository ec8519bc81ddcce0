"""The dashboard is for this computer only unless shared with a password (``sprintlab app``)."""

from __future__ import annotations

import contextlib
import os
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser import CHROMIUM, CHROMIUM_ARGS, free_port, serve, wait_for_page
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

from sprintlab.cli import app as cli_app
from sprintlab.dashboard.access import (
    PASSWORD_ENV,
    is_loopback,
    password_problem,
    refusal,
    streamlit_args,
)

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "relay-4x100"


def test_loopback_names():
    for host in ("127.0.0.1", "127.0.0.1:8501", "localhost", "localhost:8501", "::1", "[::1]:80"):
        assert is_loopback(host), host
    for host in (None, "", "0.0.0.0", "::", "192.168.1.20", "192.168.1.20:8501", "coach-laptop"):
        assert not is_loopback(host), host


def test_the_server_listens_on_loopback_unless_shared():
    args = streamlit_args("app.py", port=8600, share=False, max_upload_mb=500)
    assert args[args.index("--server.address") + 1] == "127.0.0.1"
    assert args[args.index("--server.maxUploadSize") + 1] == "500"
    assert args[args.index("--browser.gatherUsageStats") + 1] == "false"
    shared = streamlit_args("app.py", port=8600, share=True, max_upload_mb=500)
    assert shared[shared.index("--server.address") + 1] == "0.0.0.0"


def test_what_the_gate_refuses():
    assert password_problem(None) and password_problem("short")
    assert password_problem(PASSWORD) is None
    assert refusal("127.0.0.1", "192.168.1.20:8501", None) == ""  # bound to loopback: local
    assert "without a password" in refusal("0.0.0.0", "localhost:8501", None)
    assert "other computers" in refusal(None, "192.168.1.20:8501", None)
    assert refusal(None, "localhost:8501", None) == ""
    assert refusal("0.0.0.0", "192.168.1.20:8501", PASSWORD) == ""  # the password form asks


def test_sharing_without_a_password_is_refused(monkeypatch):
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    result = CliRunner().invoke(cli_app, ["app", "--share", "--port", str(free_port())])
    assert result.exit_code == 2
    assert "needs a password" in result.output
    result = CliRunner().invoke(cli_app, ["app", "--share", "--password", "abc"])
    assert result.exit_code == 2 and "at least 8 characters" in result.output


def test_a_password_hides_every_page_until_given(library, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=120).run()
    assert not at.exception
    assert [t.value for t in at.title] == ["sprintlab"]  # the password form, no Library page
    assert not at.dataframe
    at.text_input[0].input("wrong password")
    at.button[0].click().run()
    assert any(e.value == "Wrong password." for e in at.error)
    assert not at.dataframe
    at.text_input[0].input(PASSWORD)
    at.button[0].click().run()
    assert not at.exception
    assert "Library" in [t.value for t in at.title]


def _network_address() -> str | None:
    """An address of this computer that is not loopback (None when it has none)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))  # no packet is sent: this only picks the route
            addr = s.getsockname()[0]
        except OSError:
            return None
    return None if is_loopback(addr) else addr


@contextlib.contextmanager
def _sprintlab_app(library: Path, *args: str) -> Iterator[int]:
    """``sprintlab app`` (what ``make app`` runs) with ``args``; yields its port."""
    port = free_port()
    env = {**os.environ, "SPRINTLAB_LIBRARY": str(library)}
    env.pop(PASSWORD_ENV, None)
    cmd = [sys.executable, "-m", "sprintlab", "app", "--port", str(port), *args]
    with serve(cmd, env, port):
        yield port


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


@pytest.fixture()
def network_address() -> str:
    addr = _network_address()
    if addr is None:
        pytest.skip("this computer has no network address other than loopback to test from")
    return addr


def test_make_app_is_not_reachable_from_the_network(library, network_address):
    with _sprintlab_app(library) as port:
        assert _reachable("127.0.0.1", port)
        assert not _reachable(network_address, port)


def test_stopping_sprintlab_app_stops_the_dashboard(library):
    """'sprintlab app' becomes the dashboard server: stopping it leaves no server behind."""
    port = free_port()
    env = {**os.environ, "SPRINTLAB_LIBRARY": str(library)}
    env.pop(PASSWORD_ENV, None)
    cmd = [sys.executable, "-m", "sprintlab", "app", "--port", str(port)]
    with serve(cmd, env, port) as proc:
        assert _reachable("127.0.0.1", port)
        # The process started is the server itself, not a parent of it.
        assert "streamlit" in Path(f"/proc/{proc.pid}/cmdline").read_bytes().decode()
        proc.terminate()
        proc.wait(timeout=30)
    assert not _reachable("127.0.0.1", port)


@pytest.mark.browser
def test_a_shared_dashboard_asks_for_the_password_in_chromium(library, network_address):
    from playwright.sync_api import sync_playwright

    with _sprintlab_app(library, "--share", "--password", PASSWORD) as port:
        assert _reachable(network_address, port)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page(viewport={"width": 1200, "height": 900})
                page.goto(f"http://{network_address}:{port}/")
                wait_for_page(page)
                assert page.get_by_text("Password").count() >= 1
                assert page.locator('[data-testid="stDataFrame"]').count() == 0
                box = page.locator('input[type="password"]')
                box.fill("not the password")
                page.get_by_role("button", name="Open the dashboard").click()
                wait_for_page(page)
                assert page.get_by_text("Wrong password.").count() == 1
                assert page.locator('[data-testid="stDataFrame"]').count() == 0
                box.fill(PASSWORD)
                page.get_by_role("button", name="Open the dashboard").click()
                wait_for_page(page)
                page.wait_for_selector('[data-testid="stDataFrame"]', timeout=60_000)
                assert page.get_by_role("heading", name="Library").count() >= 1
            finally:
                browser.close()
