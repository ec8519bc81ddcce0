"""Commands for the library and team testing days: ``batch``, ``export``, ``athletes``, ``reps``.

``register(app)`` adds them to the main ``sprintlab`` app; ``python -m sprintlab.cli_library``
runs them on their own. Each command parses its input, calls the library and shows the result.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from .errors import SprintlabError

out_console = Console(width=None if sys.stdout.isatty() else 150)
err_console = Console(stderr=True, width=None if sys.stderr.isatty() else 150)

LibraryOption = Annotated[
    Path | None,
    typer.Option(
        "--library",
        envvar="SPRINTLAB_LIBRARY",
        help="Library folder (or .sqlite file). Default: sprintlab/ in your data folder.",
    ),
]


def _fail(err: Exception, code: int = 1) -> None:
    err_console.print(Text("error: ", style="red") + Text(str(err)), soft_wrap=True)
    raise typer.Exit(code=code)


def _cell(value: Any, digits: int = 2) -> Text:
    """A table cell as plain text (never rich markup: names may contain brackets)."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return Text("–")
    if isinstance(value, float):
        return Text(f"{value:.{digits}f}")
    try:
        import numpy as np

        if isinstance(value, np.floating):
            return _cell(float(value), digits)
        if isinstance(value, np.integer):
            return Text(str(int(value)))
    except ImportError:  # pragma: no cover - numpy is a dependency
        pass
    return Text(str(value))


def batch(
    clips_dir: Annotated[Path, typer.Argument(help="Folder holding the clips of the day.")],
    session: Annotated[str, typer.Option(help="Session name, e.g. 'Spring testing'.")],
    date: Annotated[
        str | None, typer.Option(help="Session date YYYY-MM-DD (default: today).")
    ] = None,
    roster: Annotated[
        Path | None, typer.Option(help="roster.csv: athlete, position, height_m, mass_kg.")
    ] = None,
    manifest: Annotated[
        Path | None,
        typer.Option(
            help="manifest.csv: clip, athlete, rep, capture_fps, calibration "
            "(default: CLIPS_DIR/manifest.csv)."
        ),
    ] = None,
    pattern: Annotated[
        str | None,
        typer.Option(help="File-name pattern instead of a manifest, e.g. '{athlete}_rep{rep}'."),
    ] = None,
    place: Annotated[str | None, typer.Option(help="Where the session took place.")] = None,
    surface: Annotated[str | None, typer.Option(help="Running surface, e.g. turf.")] = None,
    notes: Annotated[str | None, typer.Option(help="Free notes on the session.")] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Worker processes (default: number of cores); with --cluster, clips in flight "
            "(default: the cluster's workers).",
        ),
    ] = None,
    cluster: Annotated[
        str | None,
        typer.Option(
            help="Hand the clips to a Dask cluster: a scheduler's address (tcp://host:8786), "
            "or 'local' to start one here. Workers must see the clips and the library at the "
            "same paths.",
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Analyse again clips already in the library.")
    ] = False,
    capture_fps: Annotated[
        float | None, typer.Option(help="Capture fps for clips the manifest gives none for.")
    ] = None,
    model: Annotated[Path | None, typer.Option(help="Ultralytics pose weights.")] = None,
    overlay: Annotated[
        bool,
        typer.Option(
            help="Draw overlay.mp4 for each rep once every clip's numbers are in the library "
            "(otherwise the dashboard draws it the first time it shows the rep)."
        ),
    ] = False,
    out: Annotated[
        Path | None,
        typer.Option(help="Folder for the team outputs (default: LIBRARY/sessions/DATE_NAME)."),
    ] = None,
    combine: Annotated[
        Path | None, typer.Option(help="NFL combine CSV (default: the shared data folder).")
    ] = None,
    library: LibraryOption = None,
    analyzer: Annotated[
        str | None, typer.Option(hidden=True, help="module:function replacing the analysis.")
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            help="Settings TOML with tables [analysis], [analysis.filter], [analysis.events] "
            "and [tracking] (default: the built-in settings).",
        ),
    ] = None,
) -> None:
    """Analyse every clip of a testing day into the library, in parallel, and write the team
    outputs (session_summary.csv, steps.csv, report.html). Clips already analysed with the same
    settings are skipped; reps whose analysis alone changed (sprintlab version, analysis
    settings) are refreshed from their cached keypoints; exits with code 1 if any clip failed."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from .batch import BatchOptions, load_roster, plan_jobs, run_batch
    from .config import config_or_default
    from .library import Library, SessionInfo, athlete_slug, parse_date, safe_child
    from .team_report import session_summary, write_session_outputs

    try:
        cfg = config_or_default(config)
        info = SessionInfo(
            name=session,
            date=parse_date(date) if date else dt.date.today(),
            place=place,
            surface=surface,
            notes=notes,
        )
        athletes, messages = load_roster(roster) if roster else ([], [])
        if roster is None:
            messages.append("No --roster given: athletes have no position, height or mass.")
        jobs, more = plan_jobs(clips_dir, manifest=manifest, pattern=pattern)
        messages += more
        lib = Library.open(library)
    except SprintlabError as err:
        _fail(err)
    for m in messages:
        err_console.print(Text("note: ", style="yellow") + Text(m), soft_wrap=True)

    with lib:
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[status]}"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=err_console,
        ) as bar:
            tasks: dict[str, Any] = {}

            def progress(p: Any) -> None:
                if p.phase not in tasks:
                    tasks[p.phase] = bar.add_task(p.phase, total=p.total, status="")
                status = (
                    f"ok {p.done - p.failed}  failed {p.failed}  skipped {p.skipped}"
                    if p.phase == "analysing"
                    else ""
                )
                bar.update(tasks[p.phase], completed=p.done, total=p.total, status=status)

            try:
                report = run_batch(
                    lib,
                    jobs,
                    info,
                    roster=athletes,
                    options=BatchOptions(
                        workers=workers,
                        force=force,
                        overlay=overlay,
                        cluster=cluster,
                        model_path=model,
                        capture_fps=capture_fps,
                        settings=cfg.analysis,
                        tracking=cfg.tracking,
                    ),
                    analyze=analyzer,
                    messages=messages,
                    progress=progress,
                )
            except SprintlabError as err:
                _fail(err)

        summary = session_summary(lib, report.session_id, combine_path=combine)
        _print_athlete_table(summary)
        if report.failures:
            table = Table(title=f"{len(report.failures)} clip(s) failed", title_style="red")
            for col in ("clip", "athlete", "what to do"):
                table.add_column(col, overflow="fold")
            for o in report.failures:
                table.add_row(_cell(o.clip.name), _cell(o.athlete), _cell(o.message))
            out_console.print(table)
        rate = report.clips_per_min
        out_console.print(
            Text(
                f"{report.n_ok} analysed, {report.n_failed} failed, {report.n_skipped} already "
                f"in the library; {report.wall_s:.1f} s with {report.workers} worker(s)"
                + (f" ({rate:.1f} clips/min)" if math.isfinite(rate) else "")
            )
        )
        if report.n_refreshed:
            out_console.print(Text(report.refresh_summary()))
        try:
            out_dir = out or safe_child(
                lib.root,
                "sessions",
                f"{info.date.isoformat()}_{athlete_slug(info.name)}",
            )
            written = write_session_outputs(lib, report.session_id, out_dir, combine_path=combine)
        except (SprintlabError, OSError) as err:
            _fail(SprintlabError(f"The team outputs could not be written: {err}"))
        for path in (written.summary_csv, written.steps_csv, written.report_html):
            out_console.print(Text(f"written: {path}"))
    if report.n_failed:
        raise typer.Exit(code=1)


def _print_athlete_table(summary: Any) -> None:
    ok = summary[summary["status"] == "ok"]
    if ok.empty:
        return
    table = Table(title="Best values per athlete (this session)")
    from .metric_registry import digits_of, header_of

    cols = [
        ("athlete", "athlete", None, 0),
        ("position", "pos", None, 0),
        ("rep_number", "reps", "count", 0),
        ("split_10yd_s", header_of("split_10yd_s"), "min", digits_of("split_10yd_s")),
        ("est_40yd_s", "est. 40 s", "min", 2),
        *(
            (c, header_of(c), how, digits_of(c))
            for c, how in (
                ("first_step_length_m", "max"),
                ("mean_contact_1_4_s", "min"),
                ("shin_angle_td_1_deg", "min"),
                ("peak_hip_velocity_mps", "max"),
            )
        ),
    ]
    for _, title, _, _ in cols:
        table.add_column(title, justify="right")
    for athlete, reps in ok.groupby("athlete", sort=True):
        cells = []
        for col, _, how, digits in cols:
            if col == "athlete":
                cells.append(_cell(athlete))
            elif how is None:
                cells.append(_cell(reps[col].iloc[0]))
            elif how == "count":
                cells.append(_cell(len(reps)))
            else:
                values = reps[col].dropna()
                value = (values.min() if how == "min" else values.max()) if len(values) else None
                cells.append(_cell(value, digits))
        table.add_row(*cells)
    out_console.print(table)


def export(
    out: Annotated[Path, typer.Argument(help="Folder for the exported tables.")],
    fmt: Annotated[str, typer.Option("--format", help="csv or parquet.")] = "csv",
    session: Annotated[str | None, typer.Option(help="Only this session (name).")] = None,
    date: Annotated[str | None, typer.Option(help="Date of that session, YYYY-MM-DD.")] = None,
    athlete: Annotated[str | None, typer.Option(help="Only this athlete.")] = None,
    library: LibraryOption = None,
) -> None:
    """Export athletes, sessions, reps, steps and edits as CSV or Parquet files."""
    from .library import Library, LibraryError, export_library

    try:
        with Library.open(library, create=False) as lib:
            session_id = None
            if session is not None:
                session_id = lib.find_session(session, date)
                if session_id is None:
                    raise LibraryError(
                        f"There is no session {session!r} in the library; see 'sprintlab reps'."
                    )
            paths = export_library(
                lib, out, fmt=fmt.lower(), session_id=session_id, athlete=athlete
            )
    except SprintlabError as err:
        _fail(err)
    for path in paths:
        out_console.print(Text(f"written: {path}"))


def athletes(library: LibraryOption = None) -> None:
    """List the athletes of the library with their reps and best 10-yard split."""
    from .library import Library

    try:
        with Library.open(library, create=False) as lib:
            df = lib.athletes_frame()
    except SprintlabError as err:
        _fail(err)
    table = Table(title=f"{len(df)} athlete(s)")
    cols = [
        ("name", "athlete", 0),
        ("position", "pos", 0),
        ("height_m", "height m", 2),
        ("mass_kg", "mass kg", 1),
        ("n_reps", "reps", 0),
        ("n_sessions", "sessions", 0),
        ("best_10yd_s", "best 10 yd s", 2),
    ]
    for _, title, _ in cols:
        table.add_column(title, justify="left" if title in ("athlete", "pos") else "right")
    for _, row in df.iterrows():
        table.add_row(*[_cell(row[c], d) for c, _, d in cols])
    out_console.print(table)


def summary(
    athlete: Annotated[str, typer.Argument(help="The athlete's name, as in the library.")],
    out: Annotated[
        Path | None,
        typer.Option(help="HTML file to write. Default: <athlete>_summary.html here."),
    ] = None,
    library: LibraryOption = None,
) -> None:
    """Write a printable one-page summary of an athlete (HTML; print it or save it as PDF)."""
    from .athlete_report import athlete_summary_html
    from .library import Library, athlete_slug

    try:
        with Library.open(library, create=False) as lib:
            text = athlete_summary_html(lib, athlete)
    except SprintlabError as err:
        _fail(err)
    path = out or Path(f"{athlete_slug(athlete)}_summary.html")
    path.write_text(text, encoding="utf-8")
    out_console.print(f"written: {path}")


def correct(
    rep: Annotated[int, typer.Argument(help="The rep's id (the 'id' of 'sprintlab reps').")],
    by: Annotated[str | None, typer.Option("--by", help="Who makes the correction.")] = None,
    step: Annotated[int | None, typer.Option(help="The step to correct.")] = None,
    touchdown: Annotated[
        int | None, typer.Option(help="With --step: its first frame on the ground.")
    ] = None,
    toeoff: Annotated[
        int | None, typer.Option(help="With --step: its last frame on the ground.")
    ] = None,
    foot: Annotated[str | None, typer.Option(help="With --step or --add: left or right.")] = None,
    delete: Annotated[
        bool, typer.Option("--delete", help="With --step: it is not a contact.")
    ] = False,
    add: Annotated[
        str | None,
        typer.Option(help="A missed contact: FIRST-LAST ground frames, e.g. 500-528."),
    ] = None,
    withdraw: Annotated[
        int | None, typer.Option(help="Withdraw the correction with this number.")
    ] = None,
    note: Annotated[str, typer.Option(help="Why (kept with the correction).")] = "",
    library: LibraryOption = None,
) -> None:
    """Correct a rep's contacts (as the dashboard's Review page does) or list its corrections.

    The rep is analysed again from its keypoints at once; the correction is kept in the library
    with who made it and when, and survives re-runs of the clip. Without a change, lists them.
    """
    from .cli import print_step_table
    from .events.edits import EventEdit
    from .library import Library, LibraryError
    from .review import correct as apply_correction
    from .review import withdraw as withdraw_correction

    try:
        with Library.open(library, create=False) as lib:
            row = lib.conn.execute(
                "SELECT rep_json FROM reps WHERE rep_pk = ? AND status = 'ok'", (rep,)
            ).fetchone()
            if row is None:
                raise LibraryError(f"There is no analysed rep {rep} in this library.")
            doc = json.loads(row[0])
            changing = step is not None or add is not None
            if withdraw is not None:
                doc = withdraw_correction(lib, rep, withdraw)
            elif changing:
                if not (by or "").strip():
                    raise LibraryError("Say who makes the correction with --by NAME.")
                edit = _edit_from_options(doc, step, touchdown, toeoff, foot, delete, add)
                doc = apply_correction(
                    lib, rep, EventEdit(**{**edit, "author": by or "", "note": note})
                )
            edits = lib.edits_for(rep)
    except (SprintlabError, ValueError) as err:
        _fail(err)
    print_step_table(doc)
    for edit_id, e in edits:
        out_console.print(
            Text(f"correction {edit_id}: {e.created_utc[:16].replace('T', ' ')} {e.describe()}")
        )


def _edit_from_options(
    doc: dict[str, Any],
    step: int | None,
    touchdown: int | None,
    toeoff: int | None,
    foot: str | None,
    delete: bool,
    add: str | None,
) -> dict[str, Any]:
    """The fields of an EventEdit from the options of 'sprintlab correct'."""
    if add is not None:
        first, sep, last = add.partition("-")
        if not sep or not first.strip().isdigit() or not last.strip().isdigit():
            raise ValueError(f"--add takes FIRST-LAST frames, e.g. 500-528, not {add!r}.")
        return {"action": "set", "td_frame": int(first), "to_frame": int(last), "side": foot}
    found = [s for s in doc.get("steps") or [] if s.get("number") == step]
    if not found:
        raise ValueError(f"The rep has no step {step}.")
    s = found[0]
    was_td, was_to = int(s["touchdown_frame"]), int(s["toeoff_frame"])
    if delete:
        return {"action": "delete", "was_td_frame": was_td, "was_to_frame": was_to}
    if touchdown is None and toeoff is None and foot is None:
        raise ValueError("Give --touchdown, --toeoff, --foot or --delete with --step.")
    return {
        "action": "set",
        "td_frame": was_td if touchdown is None else touchdown,
        "to_frame": was_to if toeoff is None else toeoff,
        "side": foot,
        "was_td_frame": was_td,
        "was_to_frame": was_to,
    }


def reps(
    athlete: Annotated[str | None, typer.Option(help="Only this athlete.")] = None,
    session: Annotated[str | None, typer.Option(help="Only this session (name).")] = None,
    date: Annotated[str | None, typer.Option(help="Date of that session, YYYY-MM-DD.")] = None,
    date_from: Annotated[str | None, typer.Option(help="From this date, YYYY-MM-DD.")] = None,
    date_to: Annotated[str | None, typer.Option(help="Up to this date, YYYY-MM-DD.")] = None,
    status: Annotated[str | None, typer.Option(help="ok or failed.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="Show at most this many (newest).")] = 200,
    library: LibraryOption = None,
) -> None:
    """List reps of the library, filtered by athlete, session, dates or status."""
    from .library import Library, LibraryError

    if status is not None and status not in ("ok", "failed"):
        _fail(SprintlabError(f"--status must be ok or failed, not {status!r}."))
    try:
        with Library.open(library, create=False) as lib:
            session_id = None
            if session is not None:
                session_id = lib.find_session(session, date)
                if session_id is None:
                    raise LibraryError(f"There is no session {session!r} in the library.")
            df = lib.reps_frame(
                session_id=session_id,
                athlete=athlete,
                status=status,
                date_from=date_from,
                date_to=date_to,
            )
    except SprintlabError as err:
        _fail(err)
    shown = df.tail(limit)
    table = Table(
        title=f"{len(df)} rep(s)" + (f", last {len(shown)} shown" if len(shown) < len(df) else "")
    )
    from .metric_registry import digits_of, header_of

    # The id is the library's (the dashboard's ?rep=); the long rep folder ids are in export.
    cols = [
        ("rep_pk", "id", 0),
        ("date", "date", 0),
        ("session", "session", 0),
        ("athlete", "athlete", 0),
        ("rep_number", "rep", 0),
        ("status", "status", 0),
        *(
            (c, header_of(c), digits_of(c))
            for c in (
                "split_5yd_s",
                "split_10yd_s",
                "first_step_length_m",
                "mean_contact_1_4_s",
                "shin_angle_td_1_deg",
            )
        ),
        ("est_40yd_s", "est. 40 s", 2),
        ("coach_note", "note / error", 0),
    ]
    for c, title, _ in cols:
        # One line per rep: only the note (or error) wraps, in whatever width is left.
        if c == "coach_note":
            table.add_column(title, overflow="fold", ratio=1, min_width=16)
        else:
            table.add_column(title, no_wrap=True, overflow="ellipsis")
    for _, row in shown.iterrows():
        cells = [_cell(row[c], d) for c, _, d in cols]
        if row["status"] == "failed":
            cells[-1] = Text(str(row["error"]), style="red")
        else:
            marks = [
                m
                for m, k in (("flagged", "flagged"), ("not in bests", "exclude_from_bests"))
                if row.get(k) == 1
            ]
            note = row["coach_note"] if isinstance(row["coach_note"], str) else ""
            parts = [f"[{', '.join(marks)}]" if marks else "", note]
            cells[-1] = Text(" ".join(p for p in parts if p) or "–")
        table.add_row(*cells)
    out_console.print(table)


COMMANDS = {
    "batch": batch,
    "export": export,
    "athletes": athletes,
    "reps": reps,
    "summary": summary,
    "correct": correct,
}


def register(app: typer.Typer) -> None:
    """Add ``batch``, ``export``, ``athletes``, ``reps``, ``summary`` and ``correct`` to
    ``app``."""
    for name, function in COMMANDS.items():
        app.command(name)(function)


app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="sprintlab library: batch analysis of testing days and queries of the rep library.",
)
register(app)


def main() -> None:
    """Run the library commands on their own (``python -m sprintlab.cli_library``)."""
    try:
        app()
    except KeyboardInterrupt:
        err_console.print("interrupted: finished reps are in the library; run again to resume.")
        sys.exit(130)


if __name__ == "__main__":
    main()
