"""``sprintlab app``: start the dashboard, on this computer only unless shared with a password."""

from __future__ import annotations

import math
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

from .cli_library import LibraryOption

err_console = Console(stderr=True, width=None if sys.stderr.isatty() else 150)


def app_command(
    port: Annotated[int, typer.Option(help="Port to serve the dashboard on.")] = 8501,
    share: Annotated[
        bool,
        typer.Option(
            "--share",
            help="Open the dashboard to other computers on the network (needs a password).",
        ),
    ] = False,
    password: Annotated[
        str | None,
        typer.Option(
            envvar="SPRINTLAB_APP_PASSWORD",
            help="Password every visitor of a shared dashboard must give (8 characters or more).",
            show_default=False,
        ),
    ] = None,
    library: LibraryOption = None,
) -> None:
    """Start the dashboard (Streamlit) on http://127.0.0.1:PORT, for this computer only.

    With --share it listens on every network interface and asks each visitor for the password
    first: the library holds athletes' names, body mass and results, and the Analyse page runs
    the pose model on uploads.
    """
    from .dashboard.access import PASSWORD_ENV, password_problem, streamlit_args
    from .dashboard.analysis import MAX_UPLOAD_MB

    if share and (problem := password_problem(password)):
        err_console.print(Text("error: ", style="red") + Text(problem), soft_wrap=True)
        raise typer.Exit(code=2)
    env = dict(os.environ)
    # Only a shared dashboard asks for the password; one on this computer does not.
    env.pop(PASSWORD_ENV, None)
    if share and password:
        env[PASSWORD_ENV] = password
    if library is not None:
        env["SPRINTLAB_LIBRARY"] = str(library)
    script = Path(__file__).resolve().parent / "dashboard" / "script.py"
    args = streamlit_args(
        str(script), port=port, share=share, max_upload_mb=math.ceil(MAX_UPLOAD_MB)
    )
    where = (
        f"every network interface, port {port}: visitors must give the password"
        if share
        else f"http://127.0.0.1:{port} (this computer only; --share to open it to the network)"
    )
    err_console.print(f"sprintlab dashboard on {where}", soft_wrap=True)
    sys.stdout.flush()
    sys.stderr.flush()
    # The dashboard takes this process's place: stopping 'sprintlab app' (Ctrl-C, a service
    # manager's SIGTERM) stops the dashboard, and no server is left behind without its parent.
    os.execve(sys.executable, [sys.executable, "-m", "streamlit", *args], env)


def register(app: typer.Typer) -> None:
    """Add ``app`` to the main ``sprintlab`` app."""
    app.command("app")(app_command)
