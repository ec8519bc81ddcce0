"""Batch analysis of a testing day: every clip of a folder into the library, in parallel.

What goes in
------------
- A folder of clips and either a manifest (``manifest.csv``: ``clip``, ``athlete``, ``rep``,
  ``capture_fps``, ``calibration``; only ``clip`` and ``athlete`` are required, paths are relative
  to the manifest) or a file-name pattern such as ``"{athlete}_rep{rep}"`` matched against each
  clip's name without its extension (``_`` in the athlete part reads as a space).
- Optionally a roster (``roster.csv``: ``athlete``, ``position``, ``height_m``, ``mass_kg``).

What happens
------------
1. Clips are hashed (SHA-256 of the content) in the worker processes.
2. A clip with the same content as an earlier one of the batch is reported as a duplicate and
   not analysed twice. A clip whose content was already analysed with the same settings, for the
   same athlete, rep and session, is skipped unless ``force``.
3. The others are analysed in ``workers`` processes ("spawn" start method); each worker writes
   its rep folder atomically under ``<library>/reps/<athlete slug>/<rep_id>/`` and returns the
   rep.json document. Only this (parent) process writes the database, one transaction per rep, as
   each clip finishes: a batch killed at any moment keeps every rep that had finished, and a
   re-run does only the rest.
4. A clip that fails (unreadable, no athlete, bad calibration, a crash of its worker) is recorded
   with its message and the batch goes on.
5. Numbers first: a clip counts as done when its numbers are in the library. The overlay videos
   (``overlay``) are drawn after every clip's numbers are in, in the same workers; one that
   cannot be drawn is said and loses nothing (the dashboard draws a missing one when it is
   first shown).

The *settings hash* of a clip covers everything its analysis depends on besides the clip, in
three parts:

- the *pose hash*: what made the pose model's track (``keypoints.npz``): the analyser, the pose
  weights' content, the tracking settings, the pose and tracking code
  (:func:`sprintlab.provenance.pose_revision`) and the capture fps;
- the *analysis hash*: what made everything after the pose model: the sprintlab version, the
  analysis code (:func:`sprintlab.provenance.analysis_revision`) and the analysis settings;
- the rep's inputs: the content of the calibration file used (given or sidecar), the athlete's
  height, mass and position (the position picks the combine group of the 20/40-yard estimate).

Changing any of them (e.g. fixing a roster mass) makes the next run analyse the clip again. When
only the analysis hash changed (a new sprintlab, a fix to the analysis, other analysis settings)
and the rep's ``keypoints.npz`` is there, the rep is *refreshed*: only the analysis runs again,
from the cached keypoints (:func:`sprintlab.pipeline.reanalyze_rep`; seconds, no pose model). A
refresh that fails falls back to a full analysis. The library stores the pose and analysis
hashes beside the settings hash (schema v4) to make this decision.

The same clip may belong to several sessions (e.g. filmed once, filed under two testing days):
each session gets its own row and its own rep folder (``<rep_id>`` ends in ``-s<session id>``),
so re-running or forcing one session never touches the other's artefacts.
"""

from __future__ import annotations

import collections
import concurrent.futures as cf
import contextlib
import csv
import hashlib
import importlib
import json
import math
import multiprocessing
import os
import re
import signal
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from .cluster import lost_worker, open_cluster, worker_count
from .errors import ModelNotFoundError, SprintlabError
from .library import (
    Athlete,
    Library,
    LibraryError,
    RepRecord,
    SessionInfo,
    athlete_slug,
    name_key,
    normalise_name,
)

VIDEO_SUFFIXES = (".mp4", ".mov", ".m4v", ".avi", ".mkv")
MANIFEST_FILENAME = "manifest.csv"
HEIGHT_RANGE_M = (1.2, 2.3)
MASS_RANGE_KG = (35.0, 200.0)
CAPTURE_FPS_RANGE_HZ = (1.0, 10000.0)
MAX_ATTEMPTS = 2
"""A clip whose worker process died this many times is recorded as failed."""
PARENT_POLL_S = 0.5
"""How often a worker checks that the batch process is still alive."""


class BatchError(SprintlabError):
    """The batch cannot start (unreadable roster or manifest, nothing to analyse)."""


# --------------------------------------------------------------------------------------------
# Inputs: roster, manifest, pattern
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClipJob:
    """One clip to analyse, as the manifest or the file name states it.

    Attributes
    ----------
    clip : Path
        The clip (absolute once planned).
    athlete : str or None
        Athlete name as written in the manifest / file name (None when unknown).
    rep_number : int or None
        Rep number within the session (numbered in clip order per athlete when None).
    capture_fps : float or None
        True capture rate, Hz (else the calibration sidecar, else the file's rate).
    calib_path : Path or None
        Calibration TOML (else the clip's sidecar).
    source : str
        Where the job came from, for messages (``"manifest.csv line 4"``).
    problem : str or None
        Why the clip cannot be analysed (it is then recorded as failed without analysis).
    """

    clip: Path
    athlete: str | None
    rep_number: int | None = None
    capture_fps: float | None = None
    calib_path: Path | None = None
    source: str = ""
    problem: str | None = None

    def __post_init__(self) -> None:
        if self.rep_number is not None and self.rep_number < 1:
            raise ValueError("rep_number counts from 1")
        if self.capture_fps is not None and not (
            CAPTURE_FPS_RANGE_HZ[0] <= self.capture_fps <= CAPTURE_FPS_RANGE_HZ[1]
        ):
            raise ValueError("capture_fps must be between 1 and 10000 Hz")


def _read_csv(path: Path, what: str) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Header (lower-case, trimmed) and rows with their line numbers; BOM from Excel tolerated."""
    path = Path(path)
    if not path.is_file():
        raise BatchError(f"The {what} file {path} does not exist; check the path.")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise BatchError(
            f"The {what} file {path} is not UTF-8 text; save it again as 'CSV UTF-8'."
        ) from None
    reader = csv.reader(text.splitlines(keepends=True))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise BatchError(f"The {what} file {path} is empty; add a header line and rows.") from None
    except csv.Error as err:
        raise BatchError(f"The {what} file {path} is not valid CSV ({err}); fix it.") from None
    rows = []
    try:
        for values in reader:
            if not any(v.strip() for v in values):
                continue
            padded = values + [""] * (len(header) - len(values))
            rows.append(
                (reader.line_num, dict(zip(header, (v.strip() for v in padded), strict=False)))
            )
    except csv.Error as err:
        raise BatchError(
            f"The {what} file {path} has a broken line near line {reader.line_num} ({err}); "
            "fix its quotes."
        ) from None
    return header, rows


def _pick(header: Sequence[str], *names: str) -> str | None:
    return next((n for n in names if n in header), None)


def _parse_float(text: str) -> float | None:
    """A number from a cell; None when empty. Decimal commas are accepted (``1,85``)."""
    if not text:
        return None
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        raise ValueError(text) from None
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def load_roster(path: Path) -> tuple[list[Athlete], list[str]]:
    """Read a roster CSV (``athlete`` or ``name``, ``position``, ``height_m``, ``mass_kg``).

    A line with a problem never stops the batch: a missing or implausible height/mass is left
    empty (with a message), a line without a name or a repeated name is ignored (with a message).

    Returns
    -------
    athletes : list of Athlete
    messages : list of str
        One sentence per problem, naming the line.
    """
    header, rows = _read_csv(path, "roster")
    name_col = _pick(header, "athlete", "name")
    if name_col is None:
        raise BatchError(
            f"The roster {path} has no 'athlete' column; its header must be "
            "athlete,position,height_m,mass_kg."
        )
    pos_col = _pick(header, "position", "pos")
    height_col = _pick(header, "height_m")
    mass_col = _pick(header, "mass_kg")
    messages: list[str] = []
    if height_col is None and "height" in header:
        messages.append(f"The roster {Path(path).name} has 'height'; name the column height_m.")
    athletes: list[Athlete] = []
    seen: dict[str, int] = {}
    where = Path(path).name
    for line, row in rows:
        raw_name = row.get(name_col, "")
        try:
            name = normalise_name(raw_name)
        except LibraryError as err:
            messages.append(f"{where} line {line}: {err} The line was ignored.")
            continue
        key = name_key(name)
        if key in seen:
            messages.append(
                f"{where} line {line}: {name} is already on line {seen[key]}; this line was "
                "ignored."
            )
            continue
        seen[key] = line
        values: dict[str, float | None] = {}
        for col, label, (lo, hi), unit in (
            (height_col, "height_m", HEIGHT_RANGE_M, "m"),
            (mass_col, "mass_kg", MASS_RANGE_KG, "kg"),
        ):
            text = row.get(col, "") if col else ""
            try:
                value = _parse_float(text)
            except ValueError:
                messages.append(
                    f"{where} line {line} ({name}): {label} {text!r} is not a number in {unit}; "
                    "it was left empty."
                )
                value = None
            if value is not None and not lo <= value <= hi:
                messages.append(
                    f"{where} line {line} ({name}): {label} {value:g} is outside {lo:g}–{hi:g} "
                    f"{unit} (another unit?); it was left empty."
                )
                value = None
            values[label] = value
        if values["mass_kg"] is None:
            messages.append(
                f"{where} line {line} ({name}): no body mass, so their reps get no "
                "force–velocity profile; add mass_kg to the roster."
            )
        athletes.append(
            Athlete(
                name=name,
                position=row.get(pos_col, "") if pos_col else None,
                height_m=values["height_m"],
                mass_kg=values["mass_kg"],
            )
        )
    return athletes, messages


def load_manifest(path: Path) -> tuple[list[ClipJob], list[str]]:
    """Read ``manifest.csv`` (``clip``, ``athlete``, optional ``rep``, ``capture_fps``,
    ``calibration``); paths are relative to the manifest's folder.

    A line with a problem (missing clip or calibration file, a rep or fps that is not a number,
    no athlete) becomes a job with ``problem`` set, so it is recorded as failed and the rest
    goes on.
    """
    path = Path(path)
    header, rows = _read_csv(path, "manifest")
    clip_col = _pick(header, "clip", "file", "video")
    athlete_col = _pick(header, "athlete", "name")
    if clip_col is None or athlete_col is None:
        raise BatchError(
            f"The manifest {path} needs the columns clip and athlete (and optionally rep, "
            "capture_fps, calibration); fix its header."
        )
    rep_col = _pick(header, "rep", "rep_number")
    fps_col = _pick(header, "capture_fps", "fps")
    calib_col = _pick(header, "calibration", "calibration_file", "calib")
    base = path.parent.resolve()
    jobs: list[ClipJob] = []
    messages: list[str] = []
    for line, row in rows:
        source = f"{path.name} line {line}"
        problems: list[str] = []
        clip_text = row.get(clip_col, "")
        clip = (base / clip_text) if clip_text else base / f"{path.name}#line{line}"
        if not clip_text:
            problems.append(f"{source} names no clip; fill in its clip column.")
        elif not clip.is_file():
            problems.append(
                f"{source}: the clip {clip_text!r} is not in {clip.parent}; fix the name or "
                "copy the clip there."
            )
        athlete: str | None = row.get(athlete_col, "") or None
        if athlete is not None:
            try:
                athlete = normalise_name(athlete)
            except LibraryError as err:
                problems.append(f"{source}: {err}")
                athlete = None
        elif clip_text:
            problems.append(f"{source} names no athlete for {clip_text!r}; fill it in.")
        rep_number = None
        rep_text = row.get(rep_col, "") if rep_col else ""
        if rep_text:
            if re.fullmatch(r"\d+", rep_text) and int(rep_text) >= 1:
                rep_number = int(rep_text)
            else:
                problems.append(f"{source}: rep {rep_text!r} is not a whole number from 1.")
        fps = None
        fps_text = row.get(fps_col, "") if fps_col else ""
        try:
            fps = _parse_float(fps_text)
            if fps is not None and not (CAPTURE_FPS_RANGE_HZ[0] <= fps <= CAPTURE_FPS_RANGE_HZ[1]):
                raise ValueError(fps_text)
        except ValueError:
            problems.append(
                f"{source}: capture_fps {fps_text!r} is not a frame rate (e.g. 240); fix it."
            )
            fps = None
        calib = None
        calib_text = row.get(calib_col, "") if calib_col else ""
        if calib_text:
            calib = base / calib_text
            if not calib.is_file():
                problems.append(
                    f"{source}: the calibration file {calib_text!r} is not in {calib.parent}; "
                    "fix the name or copy it there."
                )
        jobs.append(
            ClipJob(
                clip=clip,
                athlete=athlete,
                rep_number=rep_number,
                capture_fps=fps,
                calib_path=calib,
                source=source,
                problem=" ".join(problems) or None,
            )
        )
    return jobs, messages


def find_clips(folder: Path) -> list[Path]:
    """Video files directly in ``folder`` (by extension), sorted by name."""
    folder = Path(folder)
    if not folder.is_dir():
        raise BatchError(f"{folder} is not a folder; give the folder holding the clips.")
    return sorted(
        p.resolve()
        for p in folder.iterdir()
        if p.is_file() and p.suffix.lower() in VIDEO_SUFFIXES and not p.name.startswith(".")
    )


def pattern_regex(pattern: str) -> re.Pattern[str]:
    """Compile a file-name pattern: ``{athlete}``, ``{rep}`` (digits) and ``*`` (anything);
    everything else literal, matched against the whole file name without its extension."""
    if "{athlete}" not in pattern:
        raise BatchError(
            f"The file-name pattern {pattern!r} has no {{athlete}} part; e.g. "
            "'{athlete}_rep{rep}'."
        )
    parts = re.split(r"(\{athlete\}|\{rep\}|\*)", pattern)
    regex = []
    for part in parts:
        if part == "{athlete}":
            regex.append(r"(?P<athlete>.+?)")
        elif part == "{rep}":
            regex.append(r"(?P<rep>\d+)")
        elif part == "*":
            regex.append(r".*?")
        else:
            regex.append(re.escape(part))
    try:
        return re.compile("".join(regex), re.IGNORECASE)
    except re.error:
        raise BatchError(
            f"The file-name pattern {pattern!r} uses a part twice; use {{athlete}} and {{rep}} "
            "once each."
        ) from None


def jobs_from_pattern(folder: Path, pattern: str) -> tuple[list[ClipJob], list[str]]:
    """Jobs for the clips of ``folder`` with athlete and rep read from their names."""
    rx = pattern_regex(pattern)
    jobs = []
    for clip in find_clips(folder):
        m = rx.fullmatch(clip.stem)
        if m is None:
            jobs.append(
                ClipJob(
                    clip=clip,
                    athlete=None,
                    source=clip.name,
                    problem=(
                        f"The file name {clip.name!r} does not match the pattern {pattern!r}; "
                        "rename it or list it in manifest.csv."
                    ),
                )
            )
            continue
        athlete = m.group("athlete").replace("_", " ")
        rep = m.groupdict().get("rep")
        problem = None
        try:
            athlete = normalise_name(athlete)
        except LibraryError as err:
            problem, athlete = f"{clip.name}: {err}", None
        jobs.append(
            ClipJob(
                clip=clip,
                athlete=athlete,
                rep_number=int(rep) if rep and int(rep) >= 1 else None,
                source=clip.name,
                problem=problem,
            )
        )
    return jobs, []


def plan_jobs(
    folder: Path, *, manifest: Path | None = None, pattern: str | None = None
) -> tuple[list[ClipJob], list[str]]:
    """The jobs of a batch: the manifest given, else ``folder/manifest.csv``, else the pattern.

    Clips in the folder that the manifest does not list are named in a message.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise BatchError(f"{folder} is not a folder; give the folder holding the clips.")
    if manifest is None and (folder / MANIFEST_FILENAME).is_file() and pattern is None:
        manifest = folder / MANIFEST_FILENAME
    if manifest is not None:
        jobs, messages = load_manifest(manifest)
        listed = {j.clip.resolve() for j in jobs}
        unlisted = [c.name for c in find_clips(folder) if c not in listed]
        if unlisted:
            shown = ", ".join(unlisted[:5]) + (" …" if len(unlisted) > 5 else "")
            messages.append(
                f"{len(unlisted)} clip(s) in {folder} are not in the manifest and were left "
                f"out: {shown}."
            )
    elif pattern is not None:
        jobs, messages = jobs_from_pattern(folder, pattern)
    else:
        raise BatchError(
            f"No {MANIFEST_FILENAME} in {folder} and no --pattern: say which athlete each clip "
            "is, with a manifest or a pattern such as '{athlete}_rep{rep}'."
        )
    if not jobs:
        raise BatchError(f"No clips to analyse in {folder}; check the folder and the manifest.")
    return jobs, messages


# --------------------------------------------------------------------------------------------
# Options, progress and results
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BatchOptions:
    """How a batch runs.

    Attributes
    ----------
    workers : int or None
        Worker processes (default: the number of CPU cores).
    force : bool
        Analyse clips again even when already analysed with the same settings.
    overlay : bool
        Draw overlay.mp4 for each rep of the batch that lacks a current one, after every clip's
        numbers are in the library.
    model_path : Path or None
        Pose weights (default :func:`sprintlab.pipeline.default_model_path`).
    capture_fps : float or None
        Capture rate for clips whose manifest line gives none.
    settings : AnalysisSettings or None
    tracking : TrackingSettings or None
    cluster : str or None
        Hand the clips to a Dask distributed cluster instead of local processes: a scheduler's
        address (``tcp://host:8786``) or ``"local"`` for one started on this machine
        (:mod:`sprintlab.cluster`). ``workers`` then caps the clips in flight (default: the
        cluster's workers).
    """

    workers: int | None = None
    force: bool = False
    overlay: bool = False
    model_path: Path | None = None
    capture_fps: float | None = None
    settings: Any = None
    tracking: Any = None
    cluster: str | None = None

    def __post_init__(self) -> None:
        if self.workers is not None and self.workers < 1:
            raise ValueError("workers must be at least 1")


@dataclass(frozen=True)
class BatchProgress:
    """Progress of a batch: ``phase`` (``"hashing"``, ``"analysing"``, then ``"overlays"``),
    ``total`` clips in the phase, ``done`` of them finished (ok or failed), of which ``failed``;
    ``skipped`` clips already in the library; ``clip`` the last one finished."""

    phase: str
    total: int
    done: int
    failed: int
    skipped: int
    clip: str = ""


@dataclass(frozen=True)
class ClipOutcome:
    """What happened to one clip: ``status`` is ``"ok"``, ``"failed"`` or ``"skipped"``.

    ``seconds`` is the analysis time in its worker (NaN when not analysed). ``refreshed`` is True
    for an ``ok`` rep whose analysis alone was re-run from its cached keypoints, and
    ``analysis_change`` then says what changed (e.g. ``"0.1.0 → 0.1.1"``).
    """

    clip: Path
    athlete: str | None
    rep_number: int | None
    status: str
    message: str = ""
    rep_pk: int | None = None
    rep_dir: Path | None = None
    seconds: float = math.nan
    refreshed: bool = False
    analysis_change: str = ""

    def __post_init__(self) -> None:
        if self.status not in ("ok", "failed", "skipped"):
            raise ValueError("status must be ok, failed or skipped")


@dataclass(frozen=True)
class BatchReport:
    """The result of :func:`run_batch`.

    Attributes
    ----------
    session_id, run_id : int
    outcomes : tuple of ClipOutcome
        In the order of the jobs.
    messages : tuple of str
        Roster/manifest notes (not failures).
    workers : int
    wall_s : float
        Wall time of the whole batch, s.
    """

    session_id: int
    run_id: int
    outcomes: tuple[ClipOutcome, ...]
    messages: tuple[str, ...]
    workers: int
    wall_s: float

    def _count(self, status: str) -> int:
        return sum(o.status == status for o in self.outcomes)

    @property
    def n_ok(self) -> int:
        return self._count("ok")

    @property
    def n_failed(self) -> int:
        return self._count("failed")

    @property
    def n_skipped(self) -> int:
        return self._count("skipped")

    @property
    def n_refreshed(self) -> int:
        """Reps whose analysis alone was re-run from cached keypoints (counted in ``n_ok``)."""
        return sum(o.status == "ok" and o.refreshed for o in self.outcomes)

    @property
    def n_full(self) -> int:
        """Reps analysed in full, pose model included (counted in ``n_ok``)."""
        return self.n_ok - self.n_refreshed

    def refresh_summary(self) -> str:
        """One line on the refreshed reps ("" when none), e.g. ``"3 reps refreshed from cached
        keypoints (analysis changed: 0.1.0 → 0.1.1); 1 analysed fully"``."""
        if not self.n_refreshed:
            return ""
        changes = list(
            dict.fromkeys(
                o.analysis_change for o in self.outcomes if o.refreshed and o.status == "ok"
            )
        )
        what = "; ".join(c for c in changes if c) or "analysis changed"
        n = self.n_refreshed
        return (
            f"{n} rep{'s' if n != 1 else ''} refreshed from cached keypoints (analysis changed: "
            f"{what}); {self.n_full} analysed fully"
        )

    @property
    def failures(self) -> tuple[ClipOutcome, ...]:
        return tuple(o for o in self.outcomes if o.status == "failed")

    @property
    def clips_per_min(self) -> float:
        """Clips analysed (ok or failed in analysis, not skipped) per minute of wall time."""
        analysed = sum(math.isfinite(o.seconds) for o in self.outcomes)
        return 60.0 * analysed / self.wall_s if self.wall_s > 0 else math.nan


# --------------------------------------------------------------------------------------------
# Worker side
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Task:
    clip: Path
    out_dir: Path
    options: Any  # pipeline.ClipOptions
    settings: Any
    analyzer: Any  # callable or "module:function"
    tracking: Any = None
    refresh_dir: Path | None = None  # re-run only the analysis from this rep's keypoints
    # A person's corrections of the rep's contacts (as dicts), put on the new analysis.
    edits: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class _TaskResult:
    ok: bool
    rep_dir: str | None = None
    doc: dict[str, Any] | None = None
    error: str | None = None
    error_type: str | None = None
    detail: str | None = None
    seconds: float = math.nan


def resolve_analyzer(spec: Callable[..., Any] | str) -> Callable[..., Any]:
    """A callable from ``"package.module:function"`` (or the callable itself)."""
    if callable(spec):
        return spec
    module, _, name = str(spec).partition(":")
    if not module or not name:
        raise BatchError(f"The analyser {spec!r} must be written as 'package.module:function'.")
    try:
        obj = importlib.import_module(module)
        for attr in name.split("."):
            obj = getattr(obj, attr)
    except (ImportError, AttributeError) as err:
        raise BatchError(f"The analyser {spec!r} cannot be imported ({err}).") from None
    if not callable(obj):
        raise BatchError(f"The analyser {spec!r} is not a function.")
    return obj


def analyzer_name(spec: Callable[..., Any] | str) -> str:
    """``"module:qualname"`` of an analyser; it must be importable by worker processes."""
    if isinstance(spec, str):
        return spec
    module, qual = getattr(spec, "__module__", None), getattr(spec, "__qualname__", "")
    if not module or "<" in qual:
        raise BatchError(
            "The analyser must be a module-level function so worker processes can import it."
        )
    return f"{module}:{qual}"


def analyze_clip_cached(
    clip: Path, out_dir: Path, options: Any, *, settings: Any = None, tracking: Any = None
) -> Any:
    """:func:`sprintlab.pipeline.analyze_clip` with the pose model loaded once per worker process
    (and only when a clip reaches the pose stage)."""
    from .pipeline import analyze_clip, default_model_path
    from .pose.backends import SharedEstimator

    model_path = Path(options.model_path or default_model_path())
    estimator = SharedEstimator(model_path, getattr(options, "backend", None))
    return analyze_clip(
        clip, out_dir, options, settings=settings, tracking=tracking, estimator=estimator
    )


def refresh_from_keypoints(rep_dir: Path, *, settings: Any = None, edits: Any = None) -> Any:
    """Re-run only the analysis of a rep folder from its ``keypoints.npz`` (no pose model).

    :func:`sprintlab.pipeline.reanalyze_rep`: the rep keeps its pose part (track, weights,
    engine, tracking settings) and gets this sprintlab's analysis with ``settings``; ``edits``
    (a person's corrections of the contacts) replace the rep's when given.
    """
    from .pipeline import reanalyze_rep

    return reanalyze_rep(Path(rep_dir), settings=settings, overlay=False, edits=edits)


def _watch_parent(parent_pid: int) -> None:
    # A worker whose batch process died (SIGKILL, crash) exits instead of analysing on unseen.
    while True:
        time.sleep(PARENT_POLL_S)
        if os.getppid() != parent_pid:
            os._exit(3)


def _worker_init(parent_pid: int, threads: int) -> None:
    # Ctrl-C goes to the whole process group: the batch process handles it, workers do not.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Each worker gets its share of the cores for numpy/torch instead of all of them.
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[var] = str(threads)
    threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True).start()


def _hash_file(path: Path) -> str:
    from .provenance import file_sha256

    return file_sha256(path)


def _run_task(task: _Task) -> _TaskResult:
    from .events.edits import edits_from_dicts
    from .results import load_rep_json

    t0 = time.perf_counter()
    edits = edits_from_dicts(task.edits)
    try:
        if task.refresh_dir is not None:
            _, rep_dir = refresh_from_keypoints(
                task.refresh_dir, settings=task.settings, edits=edits or None
            )
        else:
            analyze = resolve_analyzer(task.analyzer)
            # Numbers first: the overlays are drawn after every clip of the batch is in.
            options = replace(task.options, overlay=False)
            _, rep_dir = analyze(
                task.clip,
                task.out_dir,
                options,
                settings=task.settings,
                tracking=task.tracking,
            )
            if edits:
                # A re-run never drops what a person set: the corrections go on the new analysis.
                _, rep_dir = refresh_from_keypoints(rep_dir, settings=task.settings, edits=edits)
        doc = load_rep_json(rep_dir)
        return _TaskResult(ok=True, rep_dir=str(rep_dir), doc=doc, seconds=time.perf_counter() - t0)
    except SprintlabError as err:
        return _TaskResult(
            ok=False,
            error=str(err),
            error_type=type(err).__name__,
            seconds=time.perf_counter() - t0,
        )
    except Exception as err:  # a bug or a library failure: record it, keep the batch going
        return _TaskResult(
            ok=False,
            error=(
                f"The analysis stopped on an unexpected error ({type(err).__name__}: {err}); "
                "please report it with this clip."
            ),
            error_type="InternalError",
            detail=traceback.format_exc(),
            seconds=time.perf_counter() - t0,
        )


# --------------------------------------------------------------------------------------------
# Parent side
# --------------------------------------------------------------------------------------------


def _file_sha256_or_none(path: Path | None) -> str | None:
    from .provenance import file_sha256

    return file_sha256(Path(path)) if path is not None and Path(path).is_file() else None


def settings_hash(**parts: Any) -> str:
    """SHA-256 (hex) of the JSON of ``parts`` with sorted keys: the resume key's settings part."""
    text = json.dumps(parts, sort_keys=True, default=str, allow_nan=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class _Plan:
    job: ClipJob
    index: int
    athlete_id: int | None = None
    slug: str | None = None
    height_m: float | None = None
    mass_kg: float | None = None
    position: str | None = None
    rep_number: int | None = None
    sha: str | None = None
    settings_hash: str | None = None
    pose_hash: str | None = None
    analysis_hash: str | None = None
    refresh_dir: Path | None = None
    analysis_change: str = ""
    rep_id: str | None = None
    problem: str | None = None
    attempts: int = 0


def _resolve_athletes(
    library: Library, roster: Sequence[Athlete], plans: list[_Plan], messages: list[str]
) -> None:
    """Register the roster, then give each job its athlete (id, slug, height, mass)."""
    by_key: dict[str, Athlete] = {}
    by_loose: dict[str, list[Athlete]] = {}
    for a in roster:
        library.upsert_athlete(a)
        by_key[name_key(a.name)] = a
        by_loose.setdefault(athlete_slug(a.name).replace("_", "-"), []).append(a)
    cache: dict[str, dict[str, Any]] = {}
    warned: set[str] = set()
    for plan in plans:
        name = plan.job.athlete
        if name is None:
            continue
        key = name_key(name)
        if key not in by_key and roster:
            loose = by_loose.get(athlete_slug(name).replace("_", "-"), [])
            if len(loose) == 1:
                if key not in warned:
                    messages.append(
                        f"{plan.job.source}: {name!r} was taken as {loose[0].name!r} from the "
                        "roster."
                    )
                    warned.add(key)
                name, key = loose[0].name, name_key(loose[0].name)
        if key not in cache:
            row = library.get_athlete(name)
            if row is None:
                library.upsert_athlete(Athlete(name=name))
                row = library.get_athlete(name)
            if roster and key not in by_key and key not in warned:
                messages.append(
                    f"{plan.job.source}: {name!r} is not in the roster; their reps were analysed "
                    "without position, height or mass from it. Add them to the roster (or fix "
                    "the spelling) and run the batch again."
                )
                warned.add(key)
            cache[key] = row  # type: ignore[assignment]
        row = cache[key]
        plan.athlete_id, plan.slug = int(row["athlete_id"]), str(row["slug"])
        plan.height_m, plan.mass_kg = row["height_m"], row["mass_kg"]
        plan.position = row["position"] or None


def _number_reps(plans: list[_Plan], messages: list[str]) -> None:
    """Rep numbers: as given, else counted in clip order per athlete, skipping numbers in use."""
    used: dict[int, set[int]] = {}
    for p in plans:
        if p.athlete_id is not None and p.job.rep_number is not None:
            numbers = used.setdefault(p.athlete_id, set())
            if p.job.rep_number in numbers:
                messages.append(
                    f"{p.job.source}: rep {p.job.rep_number} of {p.job.athlete} appears twice in "
                    "this batch; check the manifest."
                )
            numbers.add(p.job.rep_number)
            p.rep_number = p.job.rep_number
    for p in plans:
        if p.athlete_id is not None and p.rep_number is None:
            numbers = used.setdefault(p.athlete_id, set())
            n = 1
            while n in numbers:
                n += 1
            numbers.add(n)
            p.rep_number = n


def run_batch(
    library: Library,
    jobs: Sequence[ClipJob],
    session: SessionInfo,
    *,
    roster: Sequence[Athlete] = (),
    options: BatchOptions | None = None,
    analyze: Callable[..., Any] | str | None = None,
    messages: Sequence[str] = (),
    progress: Callable[[BatchProgress], None] | None = None,
) -> BatchReport:
    """Analyse ``jobs`` into ``library`` under ``session`` (see the module docstring).

    Parameters
    ----------
    library : Library
        Opened for writing; this process is its only writer for the batch (file lock).
    jobs : sequence of ClipJob
        From :func:`plan_jobs` (or built directly).
    session : SessionInfo
    roster : sequence of Athlete
        Registered (or updated) in the library before the clips are analysed.
    options : BatchOptions, optional
    analyze : callable or str, optional
        ``analyze(clip, out_dir, options: ClipOptions, settings=..., tracking=...) ->
        (RepResult, rep_dir)``,
        a module-level function or ``"module:function"`` (default: :func:`analyze_clip_cached`,
        the real pipeline). Tests inject a fast analyser here.
    messages : sequence of str
        Notes from reading the inputs, carried into the report and the run record.
    progress : callable, optional
        Called with a :class:`BatchProgress` after every clip.

    Returns
    -------
    BatchReport
    """
    from .calibration import find_sidecar
    from .pipeline import AnalysisSettings, ClipOptions, default_model_path, rep_id_for
    from .provenance import AnalysisPart, describe_analysis_change, pose_revision, provenance_of
    from .tracking import TrackingSettings

    t_start = time.perf_counter()
    opts = options or BatchOptions()
    analyzer: Callable[..., Any] | str = analyze or analyze_clip_cached
    analyzer_id = analyzer_name(analyzer)
    if not isinstance(analyzer, str):
        resolve_analyzer(analyzer_id)  # fail now, not in every worker
    # No more processes than clips: each costs a Python start and, for the real model, a load.
    workers = min(opts.workers or os.cpu_count() or 1, max(1, len(jobs)))
    threads = max(1, (os.cpu_count() or 1) // workers)
    settings = opts.settings or AnalysisSettings()
    tracking = opts.tracking or TrackingSettings()
    analysis_part = AnalysisPart.current(settings)
    analysis_hash = analysis_part.fingerprint()
    model_path = Path(opts.model_path or default_model_path())
    model_sha = _file_sha256_or_none(model_path) or f"missing:{model_path}"
    if analyzer is analyze_clip_cached and not model_path.exists():
        raise ModelNotFoundError(
            f"The pose weights {model_path} are missing; put yolo11n-pose.pt there or pass "
            "--model with the weights file."
        )
    msgs = list(messages)
    if analyzer is analyze_clip_cached:
        from .pose.backends import choose_backend

        # Export the weights for the fast engine once, here, not in every worker at once.
        engine_note = choose_backend(model_path).note
        if engine_note:
            msgs.append(engine_note)
    plans = [_Plan(job=j, index=i, problem=j.problem) for i, j in enumerate(jobs)]
    outcomes: dict[int, ClipOutcome] = {}

    with library.batch_lock():
        library.sweep_temporary_folders()
        session_id = library.ensure_session(session)
        _resolve_athletes(library, roster, plans, msgs)
        _number_reps(plans, msgs)
        run_id = library.start_run(
            session_id,
            workers=workers,
            n_clips=len(plans),
            settings={
                "analyzer": analyzer_id,
                "force": opts.force,
                "overlay": opts.overlay,
                "cluster": opts.cluster,
                "model": str(model_path),
                "analysis": asdict(settings),
                "tracking": asdict(tracking),
                "sprintlab_version": analysis_part.sprintlab_version,
                "analysis_revision": analysis_part.code_revision,
                "pose_revision": pose_revision(),
            },
        )

        def emit(phase: str, total: int, clip: str) -> None:
            if progress is not None:
                states = [o.status for o in outcomes.values()]
                done = states.count("ok") + states.count("failed")
                progress(
                    BatchProgress(
                        phase, total, done, states.count("failed"), states.count("skipped"), clip
                    )
                )

        def fail(plan: _Plan, message: str, *, error_type: str = "InputError", **kw: Any) -> None:
            rec = library.record_rep(
                RepRecord(
                    session_id=session_id,
                    clip_path=str(plan.job.clip),
                    status="failed",
                    athlete_id=plan.athlete_id,
                    rep_number=plan.rep_number,
                    clip_sha256=plan.sha,
                    settings_hash=plan.settings_hash,
                    pose_hash=plan.pose_hash,
                    analysis_hash=plan.analysis_hash,
                    capture_fps=plan.job.capture_fps or opts.capture_fps,
                    error=message,
                    error_type=error_type,
                    error_detail=kw.get("detail"),
                    run_id=run_id,
                )
            )
            note = " (the earlier analysis of this clip was kept)" if rec.action == "kept" else ""
            outcomes[plan.index] = ClipOutcome(
                clip=plan.job.clip,
                athlete=plan.job.athlete,
                rep_number=plan.rep_number,
                status="failed",
                message=message + note,
                rep_pk=rec.rep_pk,
                seconds=kw.get("seconds", math.nan),
            )

        status = "interrupted"
        pool: cf.ProcessPoolExecutor | None = None

        def new_pool() -> Any:
            if opts.cluster:
                return open_cluster(opts.cluster, workers)
            return cf.ProcessPoolExecutor(
                max_workers=workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_worker_init,
                initargs=(os.getpid(), threads),
            )

        try:
            pool = new_pool()
            if opts.cluster and opts.workers is None:
                workers = max(1, min(worker_count(pool, workers), len(jobs)))
            # 1. Content hashes, in parallel (a testing day is tens of GB of video).
            to_hash = [p for p in plans if p.problem is None]
            futures = {pool.submit(_hash_file, p.job.clip): p for p in to_hash}
            pool_broken = False
            for n_hashed, fut in enumerate(cf.as_completed(futures), start=1):
                p = futures[fut]
                try:
                    p.sha = fut.result()
                except OSError as err:
                    p.problem = (
                        f"{p.job.source}: the clip {p.job.clip.name} cannot be read "
                        f"({err.strerror or err}); check the file."
                    )
                except Exception as err:
                    if not _worker_died(err):
                        raise
                    pool_broken = not lost_worker(err)
                    p.sha = _file_sha256_or_none(p.job.clip)  # hash here instead
                    if p.sha is None:
                        p.problem = f"{p.job.source}: the clip {p.job.clip.name} cannot be read."
                if progress is not None:
                    progress(
                        BatchProgress("hashing", len(to_hash), n_hashed, 0, 0, p.job.clip.name)
                    )
            if pool_broken:
                pool.shutdown(wait=False, cancel_futures=True)
                pool = new_pool()

            # 2. Duplicates, settings, resume.
            first_of: dict[str, _Plan] = {}
            ready: list[_Plan] = []
            for p in plans:
                if p.problem is None and p.sha is not None:
                    first = first_of.setdefault(p.sha, p)
                    if first is not p:
                        p.problem = (
                            f"{p.job.clip.name} has the same content as {first.job.clip.name} "
                            f"({first.job.source}); it was not analysed twice. Remove the copy or "
                            "fix the manifest."
                        )
                if p.problem is None and p.athlete_id is None:
                    p.problem = f"{p.job.source}: no athlete is named for this clip."
                if p.problem is not None:
                    continue
                calib = p.job.calib_path or find_sidecar(p.job.clip)
                p.pose_hash = settings_hash(
                    analyzer=analyzer_id,
                    model_sha256=model_sha,
                    tracking=asdict(tracking),
                    pose_revision=pose_revision(),
                    capture_fps=p.job.capture_fps or opts.capture_fps,
                )
                p.analysis_hash = analysis_hash
                inputs = {
                    "calibration_sha256": _file_sha256_or_none(calib),
                    "athlete_height_m": p.height_m,
                    "mass_kg": p.mass_kg,
                    "position": p.position,
                }
                p.settings_hash = settings_hash(
                    pose=p.pose_hash, analysis=p.analysis_hash, **inputs
                )
                # The session is part of the folder name: the same clip batched into two
                # sessions gets two folders, so neither session's artefacts replace the other's.
                p.rep_id = f"{rep_id_for(p.job.clip, p.sha)}-s{session_id}"  # type: ignore[arg-type]
                done = None
                if not opts.force:
                    done = library.find_done(
                        clip_sha256=p.sha,  # type: ignore[arg-type]
                        settings_hash=p.settings_hash,
                        session_id=session_id,
                        athlete_id=p.athlete_id,
                        rep_number=p.rep_number,
                    )
                if done is None and not opts.force:
                    # Only the analysis changed: refresh it from the rep's cached keypoints.
                    expected = library.athlete_reps_dir(p.slug) / p.rep_id  # type: ignore[arg-type]
                    for prior in library.prior_reps(
                        clip_sha256=p.sha,  # type: ignore[arg-type]
                        session_id=session_id,
                        athlete_id=p.athlete_id,
                        rep_number=p.rep_number,
                    ):
                        # Reps analysed while the overlay was drawn with the numbers have the
                        # overlay switch among their inputs: it never changed a number.
                        same_rest = prior.analysis_hash is not None and prior.settings_hash in {
                            settings_hash(
                                pose=p.pose_hash, analysis=prior.analysis_hash, **inputs, **legacy
                            )
                            for legacy in ({}, {"overlay": True}, {"overlay": False})
                        }
                        if (
                            same_rest
                            and prior.pose_hash == p.pose_hash
                            and prior.rep_dir.resolve() == expected.resolve()
                            and (prior.rep_dir / "keypoints.npz").is_file()
                        ):
                            old = provenance_of({"provenance": prior.provenance})
                            p.refresh_dir = prior.rep_dir
                            p.analysis_change = describe_analysis_change(
                                old.analysis if old is not None else None, analysis_part
                            )
                            break
                if done is not None:
                    outcomes[p.index] = ClipOutcome(
                        clip=p.job.clip,
                        athlete=p.job.athlete,
                        rep_number=p.rep_number,
                        status="skipped",
                        message="already analysed with the same settings (use --force to redo)",
                        rep_pk=done,
                    )
                else:
                    ready.append(p)
            for p in plans:
                if p.problem is not None:
                    fail(p, p.problem)

            # 3. Analysis; the database is written here, one transaction per finished clip.
            total = len(ready) + sum(o.status == "failed" for o in outcomes.values())
            emit("analysing", total, "")

            def task(p: _Plan) -> _Task:
                out_dir = library.athlete_reps_dir(p.slug)  # type: ignore[arg-type]
                edits = library.edits_for_clip(session_id, str(p.job.clip))
                rejected = library.field_lines_rejected_for_clip(session_id, str(p.job.clip))
                return _Task(
                    clip=p.job.clip,
                    out_dir=out_dir,
                    tracking=tracking,
                    refresh_dir=p.refresh_dir,
                    edits=tuple(e.to_dict() for e in edits),
                    options=ClipOptions(
                        capture_fps=p.job.capture_fps or opts.capture_fps,
                        calib_path=p.job.calib_path,
                        athlete_height_m=p.height_m,
                        model_path=opts.model_path,
                        mass_kg=p.mass_kg,
                        overlay=opts.overlay,
                        rep_id=p.rep_id,
                        position=p.position,
                        field_lines_rejected=rejected,
                    ),
                    settings=settings,
                    analyzer=analyzer,
                )

            queue = collections.deque(ready)
            inflight: dict[cf.Future, _Plan] = {}

            def settle(fut: cf.Future, p: _Plan) -> bool:
                """Record a finished future; False when its worker process died."""
                try:
                    res: _TaskResult = fut.result()
                except Exception as err:
                    if not _worker_died(err):
                        raise
                    p.attempts += 1
                    if p.attempts >= MAX_ATTEMPTS:
                        fail(
                            p,
                            f"The analysis process of {p.job.clip.name} stopped without an error "
                            "(often: out of memory); run the batch again with --workers 1.",
                            error_type="WorkerCrash",
                        )
                        emit("analysing", total, p.job.clip.name)
                    else:
                        queue.appendleft(p)
                    # A cluster replaces a lost worker; a local pool is broken with it.
                    return lost_worker(err)
                if not res.ok and p.refresh_dir is not None:
                    # The cached keypoints could not be re-analysed: analyse the clip in full.
                    msgs.append(
                        f"{p.job.clip.name}: its cached keypoints could not be analysed again "
                        f"({res.error}); the clip was analysed in full."
                    )
                    p.refresh_dir, p.analysis_change = None, ""
                    queue.append(p)
                    return True
                _record_result(library, p, res, session_id, run_id, opts, outcomes, fail)
                emit("analysing", total, p.job.clip.name)
                return True

            while queue or inflight:
                # At most `workers` clips in flight, so every submitted clip is running and a
                # crash can only be blamed on those. A clip that was running during a crash is
                # retried alone: if it crashes again, it is the culprit.
                while queue and len(inflight) < workers:
                    suspect = queue[0].attempts > 0
                    if any(q.attempts > 0 for q in inflight.values()) or (suspect and inflight):
                        break
                    p = queue.popleft()
                    inflight[pool.submit(_run_task, task(p))] = p
                    if suspect:
                        break
                finished, _ = cf.wait(inflight, return_when=cf.FIRST_COMPLETED)
                healthy = True
                for fut in finished:
                    healthy &= settle(fut, inflight.pop(fut))
                if not healthy:
                    # The pool is unusable: the other clips in flight fail the same way.
                    for fut, p in list(inflight.items()):
                        settle(fut, p)
                    inflight.clear()
                    pool.shutdown(wait=False, cancel_futures=True)
                    pool = new_pool()
            if opts.overlay:
                # 4. Pictures after numbers: every clip above is already in the library.
                pool = _overlay_phase(pool, new_pool, outcomes, msgs, progress)
            status = "finished"
        finally:
            if pool is not None:
                if status != "finished":
                    _stop_workers(pool)
                pool.shutdown(wait=status == "finished", cancel_futures=True)
            report = BatchReport(
                session_id=session_id,
                run_id=run_id,
                outcomes=tuple(outcomes[i] for i in sorted(outcomes)),
                messages=tuple(msgs),
                workers=workers,
                wall_s=time.perf_counter() - t_start,
            )
            library.finish_run(
                run_id,
                status=status,
                n_ok=report.n_ok,
                n_failed=report.n_failed,
                n_skipped=report.n_skipped,
                wall_s=report.wall_s,
                messages=[
                    *msgs,
                    *([report.refresh_summary()] if report.n_refreshed else []),
                    *(f"{o.clip.name}: {o.message}" for o in report.failures),
                ],
            )
    return report


def _worker_died(err: BaseException) -> bool:
    """Whether a task failed because the process running it died: a local pool broke, or a
    cluster lost the worker."""
    return isinstance(err, cf.process.BrokenProcessPool) or lost_worker(err)


def _draw_overlay_task(rep_dir: str) -> str | None:
    """Draw one rep's overlay video in a worker; why it could not be drawn, or None."""
    from .overlay_video import draw_rep_overlay

    try:
        draw_rep_overlay(Path(rep_dir))
    except SprintlabError as err:
        return str(err)
    except Exception as err:  # a bug or a library failure: say it, keep the batch going
        return (
            f"The overlay of {Path(rep_dir).name} stopped on an unexpected error "
            f"({type(err).__name__}: {err})."
        )
    return None


def _needs_overlay(rep_dir: Path) -> bool:
    """Whether a rep has no overlay video, or one that marks other steps than it has now."""
    from .results import load_rep_json, overlay_is_current

    if not (rep_dir / "overlay.mp4").is_file():
        return True
    try:
        return overlay_is_current(load_rep_json(rep_dir)) is False
    except (OSError, ValueError):
        return False


def _overlay_phase(
    pool: cf.ProcessPoolExecutor,
    new_pool: Callable[[], cf.ProcessPoolExecutor],
    outcomes: dict[int, ClipOutcome],
    msgs: list[str],
    progress: Callable[[BatchProgress], None] | None,
) -> cf.ProcessPoolExecutor:
    """Draw the overlay of every rep analysed by this batch that lacks a current one, in the
    workers; a failure is a message, never a failed clip (its numbers are in). Returns a usable
    pool."""
    dirs = [
        o.rep_dir
        for o in outcomes.values()
        if o.status == "ok" and o.rep_dir is not None and _needs_overlay(o.rep_dir)
    ]
    futures = {pool.submit(_draw_overlay_task, str(d)): d for d in dirs}
    failed, broken = 0, False
    for n, fut in enumerate(cf.as_completed(futures), start=1):
        d = futures[fut]
        try:
            why = fut.result()
        except Exception as err:
            if not _worker_died(err):
                raise
            broken = broken or not lost_worker(err)
            why = f"Drawing the overlay of {d.name} stopped its worker process (often: memory)."
        if why:
            failed += 1
            msgs.append(f"{why} Its numbers are in the library; the dashboard draws it later.")
        if progress is not None:
            progress(BatchProgress("overlays", len(dirs), n, failed, 0, d.name))
    if broken:
        pool.shutdown(wait=False, cancel_futures=True)
        return new_pool()
    return pool


def _stop_workers(pool: cf.ProcessPoolExecutor) -> None:
    # Interrupted (Ctrl-C, an error here): stop the clips in flight now instead of letting the
    # interpreter wait for them at exit. Their half-written folders are swept by the next batch.
    # ProcessPoolExecutor has no public way to do this before Python 3.14 (terminate_workers).
    for proc in list((getattr(pool, "_processes", None) or {}).values()):
        with contextlib.suppress(Exception):
            proc.terminate()


def _record_result(
    library: Library,
    p: _Plan,
    res: _TaskResult,
    session_id: int,
    run_id: int,
    opts: BatchOptions,
    outcomes: dict[int, ClipOutcome],
    fail: Callable[..., None],
) -> None:
    if not res.ok:
        fail(
            p,
            res.error or "The analysis failed.",
            error_type=res.error_type or "Error",
            detail=res.detail,
            seconds=res.seconds,
        )
        return
    expected = library.athlete_reps_dir(p.slug) / str(p.rep_id)  # type: ignore[arg-type]
    rep_dir = Path(res.rep_dir or "")
    if rep_dir.resolve() != expected.resolve():
        fail(
            p,
            f"The analyser wrote {rep_dir}, not {expected}; the rep was not recorded.",
            error_type="InternalError",
            seconds=res.seconds,
        )
        return
    video = (res.doc or {}).get("video") or {}
    rec = library.record_rep(
        RepRecord(
            session_id=session_id,
            clip_path=str(p.job.clip),
            status="ok",
            athlete_id=p.athlete_id,
            rep_number=p.rep_number,
            clip_sha256=p.sha,
            settings_hash=p.settings_hash,
            pose_hash=p.pose_hash,
            analysis_hash=p.analysis_hash,
            capture_fps=video.get("capture_fps") or p.job.capture_fps or opts.capture_fps,
            doc=res.doc,
            artefact_dir=rep_dir,
            run_id=run_id,
        )
    )
    outcomes[p.index] = ClipOutcome(
        clip=p.job.clip,
        athlete=p.job.athlete,
        rep_number=p.rep_number,
        status="ok",
        message="; ".join((res.doc or {}).get("warnings") or []),
        rep_pk=rec.rep_pk,
        rep_dir=rep_dir,
        seconds=res.seconds,
        refreshed=p.refresh_dir is not None,
        analysis_change=p.analysis_change,
    )
