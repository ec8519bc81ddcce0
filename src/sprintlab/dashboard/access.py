"""Who may open the dashboard: this computer only, unless the coach shares it with a password.

The library holds athletes' names, body mass and results, and the Analyse page runs the pose
model on uploads, so the dashboard is served on the loopback address (``127.0.0.1``) by default
(:func:`streamlit_args`). Sharing it on a network (``sprintlab app --share``) needs a password,
which every visitor must give before any page is shown (:func:`require_access`). The gate also
refuses to show anything when the server was started on a network address by other means and no
password was set.
"""

from __future__ import annotations

import hmac
import ipaddress
import os

PASSWORD_ENV = "SPRINTLAB_APP_PASSWORD"
"""Environment variable holding the password a shared dashboard asks for."""

MIN_PASSWORD_CHARS = 8
"""Shortest password accepted for sharing the dashboard on a network."""

LOOPBACK_ADDRESS = "127.0.0.1"
SHARED_ADDRESS = "0.0.0.0"
_AUTH_KEY = "sprintlab_access_granted"


def is_loopback(host: str | None) -> bool:
    """True when ``host`` (an address or a host name, with or without a port) names this
    computer only: ``localhost``, ``127.x.x.x`` or ``::1``. None and ``""`` (every interface)
    are not loopback."""
    if not host:
        return False
    h = host.strip()
    if h.startswith("["):  # "[::1]:8501"
        h = h[1:].split("]", 1)[0]
    elif h.count(":") == 1:  # "127.0.0.1:8501", "localhost:8501"
        h = h.split(":", 1)[0]
    if h.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(h).is_loopback
    except ValueError:
        return False


def password_problem(password: str | None) -> str | None:
    """Why ``password`` cannot protect a shared dashboard, or None when it can."""
    if not password:
        return (
            "sharing the dashboard on a network needs a password: give --password or set "
            f"${PASSWORD_ENV}"
        )
    if len(password) < MIN_PASSWORD_CHARS:
        return f"the dashboard's password must have at least {MIN_PASSWORD_CHARS} characters"
    return None


def streamlit_args(
    app_path: str,
    *,
    port: int,
    share: bool,
    max_upload_mb: int,
) -> list[str]:
    """Arguments of ``streamlit run`` for the dashboard.

    Served on ``127.0.0.1`` unless ``share`` (then on every interface: the caller checks the
    password first). Uploads up to ``max_upload_mb`` MB are let through to the Analyse page,
    which checks them again; Streamlit's usage statistics are turned off (nothing leaves the
    computer).
    """
    return [
        "run",
        app_path,
        "--server.address",
        SHARED_ADDRESS if share else LOOPBACK_ADDRESS,
        "--server.port",
        str(port),
        "--server.maxUploadSize",
        str(max_upload_mb),
        "--browser.gatherUsageStats",
        "false",
    ]


def passwords_match(given: str, expected: str) -> bool:
    """Constant-time comparison of a visitor's password with the dashboard's."""
    return hmac.compare_digest(given.encode(), expected.encode())


def refusal(server_address: str | None, request_host: str | None, password: str | None) -> str:
    """Why the page must not be shown without a password ("" when it may be).

    A password set always asks for it (handled by :func:`require_access`). Without one, a server
    started on a network address, or a visitor who reached an open server by a network name,
    is refused.
    """
    if password:
        return ""
    if server_address and not is_loopback(server_address):
        return (
            f"This dashboard was started on the network address {server_address} without a "
            "password, so it shows nothing. Start it with 'make app' (this computer only) or "
            "'sprintlab app --share --password …' to share it."
        )
    if not server_address and request_host and not is_loopback(request_host):
        return (
            "This dashboard is open to the network without a password, so it shows nothing to "
            "visitors from other computers. Start it with 'make app' (this computer only) or "
            "'sprintlab app --share --password …' to share it."
        )
    return ""


def require_access() -> None:
    """Stop the page run unless the visitor may see the dashboard (see :func:`refusal`)."""
    import streamlit as st

    password = os.environ.get(PASSWORD_ENV) or None
    host = st.context.headers.get("Host") if st.context.headers else None
    why = refusal(st.get_option("server.address"), host, password)
    if why:
        st.error(why)
        st.stop()
    if password is None or st.session_state.get(_AUTH_KEY):
        return
    st.title("sprintlab")
    with st.form("sprintlab_password"):
        given = st.text_input("Password", type="password")
        submitted = st.form_submit_button("Open the dashboard")
    if submitted and passwords_match(given, password):
        st.session_state[_AUTH_KEY] = True
        st.rerun()
    if submitted:
        st.error("Wrong password.")
    st.stop()
