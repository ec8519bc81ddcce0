"""The rep library: an SQLite file holding athletes, sessions, reps and steps for years.

Layout on disk (the *library folder*)::

    <library folder>/library.sqlite      the database (WAL mode: -wal and -shm files beside it)
    <library folder>/reps/<athlete slug>/<rep_id>/   each analysed rep's folder (rep.json, ...)
    <library folder>/.batch.lock         held by the one batch writing at a time

Which library: the ``path`` argument (``--library PATH``), else ``$SPRINTLAB_LIBRARY``, else
``sprintlab/`` in the user's data folder (``$XDG_DATA_HOME`` or ``~/.local/share`` on Linux,
``~/Library/Application Support`` on macOS, ``%LOCALAPPDATA%`` on Windows). A path ending in
``.sqlite``, ``.sqlite3`` or ``.db`` names the database file itself and its parent is the library
folder; any other path names the library folder.

Tables (schema version :data:`SCHEMA_VERSION`, kept in ``PRAGMA user_version`` and moved forward
by :data:`MIGRATIONS` when an older file is opened):

- ``athletes``: ``name`` (as written, NFC), ``name_key`` (case-folded, unique), ``slug`` (folder
  name, only ``[a-z0-9_-]``), ``position``, ``height_m``, ``mass_kg``.
- ``sessions``: ``name``, ``date`` (ISO ``YYYY-MM-DD``), ``place``, ``surface``, ``notes``;
  unique on (name, date).
- ``reps``: one row per clip of a session, unique on (session, clip path): ``clip_sha256``,
  ``settings_hash`` (what the analysis depended on), ``capture_fps``, ``status`` (``ok`` or
  ``failed``), ``error``, the rep metrics (splits in s from first movement, first-step length,
  mean contact time over steps 1–4, shin angle at step 1, velocity fit, force–velocity profile),
  ``artefact_dir`` (relative to the library folder) and the full ``rep_json`` document.
- ``steps``: one row per step of an ``ok`` rep with every field of
  :data:`sprintlab.steps.STEP_FIELDS`.
- ``batch_runs`` (v2): one row per batch run with its counts, wall time and messages.
- v3 adds to ``reps`` the acceleration-profile status (``fit_reliable``, ``fit_reason``) and the
  20/40-yard estimate from the visible part of the run with its band (``est_20yd_*``,
  ``est_40yd_*``, ``est_group``); rows written before v3 get the fit status from their rep.json.
- v4 adds to ``reps`` the two halves of ``settings_hash``: ``pose_hash`` (what made the pose
  model's track: weights, tracking settings, pose code, capture fps) and ``analysis_hash``
  (sprintlab version, analysis code revision and analysis settings), so a batch can redo only
  the analysis from a rep's cached keypoints when only the analysis changed. Rows written
  before v4 have neither, and are analysed again in full when their settings change.
- v5 adds to ``steps`` how touchdown and toe-off were timed (``touchdown_source``,
  ``toeoff_source``: image, pose or both) and their uncertainty in frames
  (``touchdown_uncertainty_frames``, ``toeoff_uncertainty_frames``); older rows have NULL.
- v6 adds a person's corrections of a rep's contacts (``event_edits``) and a coach's marks on
  reps (``coach_note``, ``flagged``, ``exclude_from_bests``).
- v7 adds to ``steps`` which keypoints gave the shin angle at touchdown (``shin_td_source``:
  pose or landmarker); older rows have NULL.
- v8 adds to ``reps`` whether a person rejected the field's lines that calibrated the rep
  (``field_lines_rejected``): a new analysis of the clip keeps them rejected.

Every write of a rep (its row and all its steps) is one transaction, and every SQL statement is
parameterised. A batch is the only writer (one process); readers such as the dashboard open their
own connection and see either all of a rep or none of it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import math
import os
import re
import shutil
import sqlite3
import sys
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .errors import SprintlabError
from .events.edits import EventEdit
from .steps import STEP_FIELDS

SCHEMA_VERSION = 8
DB_FILENAME = "library.sqlite"
REPS_DIRNAME = "reps"
LOCK_FILENAME = ".batch.lock"
DB_SUFFIXES = (".sqlite", ".sqlite3", ".db")
BUSY_TIMEOUT_S = 30.0
"""How long a connection waits for another one's write lock before giving up."""

MAX_NAME_CHARS = 100
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


class LibraryError(SprintlabError):
    """The library file or folder cannot be used as asked."""


# --------------------------------------------------------------------------------------------
# Where the library lives
# --------------------------------------------------------------------------------------------


def user_data_dir() -> Path:
    """The user's data folder for sprintlab (see the module docstring)."""
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = str(Path.home() / "Library" / "Application Support")
    else:
        base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "sprintlab"


def resolve_library_path(path: str | os.PathLike | None = None) -> tuple[Path, Path]:
    """The database file and the library folder for ``path`` (see the module docstring).

    Returns
    -------
    (db_path, root) : tuple of Path
    """
    if path is None or str(path) == "":
        env = os.environ.get("SPRINTLAB_LIBRARY")
        p = Path(env).expanduser() if env else user_data_dir()
    else:
        p = Path(path).expanduser()
    if p.suffix.lower() in DB_SUFFIXES:
        return p, p.parent
    return p / DB_FILENAME, p


# --------------------------------------------------------------------------------------------
# Names, slugs and safe paths
# --------------------------------------------------------------------------------------------


def normalise_name(name: str) -> str:
    """A person's name as stored: Unicode NFC, outer spaces removed, inner runs of spaces as one.

    Raises
    ------
    LibraryError
        An empty name, one longer than 100 characters, or one with control characters.
    """
    text = " ".join(unicodedata.normalize("NFC", str(name)).split())
    if not text:
        raise LibraryError("An athlete name is empty; write the athlete's name.")
    if len(text) > MAX_NAME_CHARS:
        raise LibraryError(
            f"The athlete name {text[:30]!r}... is longer than {MAX_NAME_CHARS} characters; "
            "shorten it."
        )
    if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in text):
        raise LibraryError(
            f"The athlete name {text!r} contains control characters; retype it as plain text."
        )
    return text


def name_key(name: str) -> str:
    """Matching key of a name: normalised and case-folded ("JOSÉ Díaz" == "josé díaz")."""
    return normalise_name(name).casefold()


def athlete_slug(name: str) -> str:
    """Folder-safe form of a name: ASCII letters, digits, ``-`` and ``_`` only, never empty.

    Accents are dropped (``José`` -> ``jose``); every other character run becomes ``-``. When that
    loses most of the name (quotes, slashes, ``..``, non-Latin scripts) six hex digits of the
    name's hash are appended so different names stay apart. The result can never be ``.``/``..``
    or contain a path separator.
    """
    text = normalise_name(name)
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9_-]+", "-", ascii_text.lower())
    slug = re.sub(r"-{2,}", "-", slug).strip("-_")[:48].strip("-_")
    kept = sum(ch.isalnum() for ch in slug)
    wanted = sum(ch.isalnum() for ch in text)
    if not slug or kept < wanted:
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:6]
        slug = f"{slug}-{digest}" if slug else f"athlete-{digest}"
    return slug


def safe_child(root: Path, *parts: str) -> Path:
    """``root/parts...`` after checking that it stays inside ``root``.

    Raises
    ------
    LibraryError
        A part is empty, absolute, ``.``/``..`` or contains a separator, or the resolved path
        leaves ``root`` (e.g. through a symbolic link).
    """
    for part in parts:
        if (
            not part
            or part in (".", "..")
            or "/" in part
            or "\\" in part
            or "\x00" in part
            or Path(part).is_absolute()
        ):
            raise LibraryError(f"{part!r} cannot be used as a folder name inside the library.")
    path = Path(root).joinpath(*parts)
    base = Path(root).resolve()
    if not path.resolve().is_relative_to(base):
        raise LibraryError(f"{path} would lie outside the library folder {base}; refusing.")
    return path


def _utc_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


# --------------------------------------------------------------------------------------------
# Typed records
# --------------------------------------------------------------------------------------------


def _positive_or_none(value: float | None, what: str) -> None:
    if value is not None and not (math.isfinite(value) and value > 0):
        raise LibraryError(f"{what} must be a positive number, not {value!r}.")


@dataclass(frozen=True)
class Athlete:
    """An athlete as a roster states them.

    Attributes
    ----------
    name : str
        Normalised with :func:`normalise_name` on creation.
    position : str or None
        Football position as on the roster (``"WR"``, ``"DB"``, ...), upper case.
    height_m, mass_kg : float or None
        Stature (m) and body mass (kg); None when not known.
    """

    name: str
    position: str | None = None
    height_m: float | None = None
    mass_kg: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", normalise_name(self.name))
        pos = (self.position or "").strip().upper() or None
        object.__setattr__(self, "position", pos)
        _positive_or_none(self.height_m, "A height in metres")
        _positive_or_none(self.mass_kg, "A body mass in kg")


@dataclass(frozen=True)
class SessionInfo:
    """A testing session: ``name`` on a ``date``, optionally where and on what surface."""

    name: str
    date: dt.date
    place: str | None = None
    surface: str | None = None
    notes: str | None = None

    def __post_init__(self) -> None:
        name = " ".join(unicodedata.normalize("NFC", str(self.name)).split())
        if not name:
            raise LibraryError("A session needs a name, e.g. --session 'Spring testing'.")
        object.__setattr__(self, "name", name)
        if isinstance(self.date, str):
            object.__setattr__(self, "date", parse_date(self.date))
        if not isinstance(self.date, dt.date):
            raise LibraryError("A session date must be a date (YYYY-MM-DD).")


def parse_date(text: str) -> dt.date:
    """``YYYY-MM-DD`` -> date, with a message a coach can act on."""
    try:
        return dt.date.fromisoformat(str(text).strip())
    except ValueError:
        raise LibraryError(
            f"The date {text!r} is not in the form YYYY-MM-DD (e.g. 2026-03-14); fix it."
        ) from None


@dataclass(frozen=True)
class RepRecord:
    """What a batch writes for one clip of a session (an analysed rep or a failure).

    Attributes
    ----------
    session_id : int
    clip_path : str
        Absolute path of the clip as analysed; with the session, the rep's identity.
    status : str
        ``"ok"`` or ``"failed"``.
    athlete_id, rep_number : int or None
    clip_sha256 : str or None
        Content hash (None when the file could not be read).
    settings_hash : str or None
        Hash of everything the analysis depended on (see :mod:`sprintlab.batch`).
    capture_fps : float or None
    doc : dict or None
        The rep.json document (required when ``status == "ok"``).
    artefact_dir : Path or None
        The rep folder (required when ``status == "ok"``); must be inside the library folder.
    error, error_type, error_detail : str or None
        The coach-readable message, the exception class and (for unexpected errors) a traceback.
    run_id : int or None
        The batch run that wrote it.
    pose_hash, analysis_hash : str or None
        The parts of ``settings_hash`` for the pose model's track and for the analysis after it
        (see :mod:`sprintlab.batch`).
    """

    session_id: int
    clip_path: str
    status: str
    athlete_id: int | None = None
    rep_number: int | None = None
    clip_sha256: str | None = None
    settings_hash: str | None = None
    capture_fps: float | None = None
    doc: dict[str, Any] | None = None
    artefact_dir: Path | None = None
    error: str | None = None
    error_type: str | None = None
    error_detail: str | None = None
    run_id: int | None = None
    pose_hash: str | None = None
    analysis_hash: str | None = None

    def __post_init__(self) -> None:
        if self.status not in ("ok", "failed"):
            raise ValueError("status must be 'ok' or 'failed'")
        if self.clip_sha256 is not None and not SHA256_RE.match(self.clip_sha256):
            raise ValueError("clip_sha256 must be 64 lower-case hex digits")
        if self.status == "ok" and (
            self.doc is None or self.artefact_dir is None or self.clip_sha256 is None
        ):
            raise ValueError("an ok rep needs its rep.json document, folder and content hash")
        if self.status == "failed" and not self.error:
            raise ValueError("a failed rep needs an error message")
        if self.rep_number is not None and self.rep_number < 1:
            raise ValueError("rep_number counts from 1")


# --------------------------------------------------------------------------------------------
# Rep metrics (the columns the team report and the dashboard sort by)
# --------------------------------------------------------------------------------------------

REP_METRIC_COLUMNS: tuple[str, ...] = (
    "first_movement_s",
    "split_5yd_s",
    "split_10yd_s",
    "split_20yd_s",
    "split_40yd_s",
    "peak_hip_velocity_mps",
    "n_steps",
    "first_step_length_m",
    "mean_contact_1_4_s",
    "shin_angle_td_1_deg",
    "v_max_mps",
    "tau_s",
    "f0_n_per_kg",
    "v0_mps",
    "pmax_w_per_kg",
    "fit_reliable",
    "fit_reason",
    "est_20yd_s",
    "est_20yd_low_s",
    "est_20yd_high_s",
    "est_40yd_s",
    "est_40yd_low_s",
    "est_40yd_high_s",
    "est_group",
    "calibration_method",
    "calibration_rms_m",
    "calibration_confidence",
    "stature_m",
    "mass_kg",
    "n_warnings",
    "warnings_json",
)

MIN_CONTACTS_FOR_MEAN = 3
"""Steps 1–4 with a contact time needed for ``mean_contact_1_4_s`` (one may be missing)."""


def _num(value: Any) -> float | None:
    if value is None:
        return None
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def rep_metrics(doc: dict[str, Any]) -> dict[str, Any]:
    """The per-rep columns of the ``reps`` table from a rep.json document.

    Definitions
    -----------
    split_Nyd_s : the rep's splits (s from first movement to the hip crossing N yards).
    first_step_length_m : ``step_length_m`` of step 1.
    mean_contact_1_4_s : mean ``contact_time_s`` over steps 1–4, from those that have one;
        None when fewer than three of the four do (a mean of one or two contacts would not
        compare with the others).
    shin_angle_td_1_deg : ``shin_angle_td_deg`` of step 1 (degrees from the forward horizontal).
    v_max_mps, tau_s : the velocity-curve fit when it holds (None otherwise).
    f0_n_per_kg, v0_mps, pmax_w_per_kg : the force–velocity profile when there is one.
    fit_reliable : 1 when the velocity-curve fit holds, 0 when it does not, None when there is
        no fit; fit_reason : why not (or a note), else None.
    est_20yd_s, est_40yd_s (and ``_low_s``/``_high_s``) : the 20/40-yard estimate from the
        visible part of the run and its band, s from first movement; est_group : the combine
        group it was compared with. None when the rep has no estimate (its rep.json says why).
    Missing values are None (SQL NULL), never 0.
    """
    steps = {int(s["number"]): s for s in doc.get("steps") or [] if s.get("number") is not None}
    splits = doc.get("splits") or {}
    contacts = [_num(steps[n].get("contact_time_s")) for n in range(1, 5) if n in steps]
    contacts = [c for c in contacts if c is not None]
    profile = doc.get("profile") or {}
    fit = profile.get("velocity_fit") or {}
    fit_ok = bool(fit.get("reliable"))
    fv = profile.get("force_velocity") or {}
    est = profile.get("estimate") or {}
    calib = doc.get("calibration") or {}
    athlete = doc.get("athlete") or {}
    warnings = list(doc.get("warnings") or [])
    step1 = steps.get(1, {})
    return {
        "first_movement_s": _num(doc.get("first_movement_s")),
        "split_5yd_s": _num(splits.get("5yd_s")),
        "split_10yd_s": _num(splits.get("10yd_s")),
        "split_20yd_s": _num(splits.get("20yd_s")),
        "split_40yd_s": _num(splits.get("40yd_s")),
        "peak_hip_velocity_mps": _num(doc.get("peak_hip_velocity_mps")),
        "n_steps": len(steps),
        "first_step_length_m": _num(step1.get("step_length_m")),
        "mean_contact_1_4_s": (
            sum(contacts) / len(contacts) if len(contacts) >= MIN_CONTACTS_FOR_MEAN else None
        ),
        "shin_angle_td_1_deg": _num(step1.get("shin_angle_td_deg")),
        "v_max_mps": _num(fit.get("v_max_mps")) if fit_ok else None,
        "tau_s": _num(fit.get("tau_s")) if fit_ok else None,
        "f0_n_per_kg": _num(fv.get("F0_n_per_kg")),
        "v0_mps": _num(fv.get("V0_mps")),
        "pmax_w_per_kg": _num(fv.get("Pmax_w_per_kg")),
        **_fit_status(profile),
        "est_20yd_s": _num(est.get("t20_s")),
        "est_20yd_low_s": _num(est.get("t20_low_s")),
        "est_20yd_high_s": _num(est.get("t20_high_s")),
        "est_40yd_s": _num(est.get("t40_s")),
        "est_40yd_low_s": _num(est.get("t40_low_s")),
        "est_40yd_high_s": _num(est.get("t40_high_s")),
        "est_group": est.get("group") if isinstance(est.get("group"), str) else None,
        "calibration_method": calib.get("method"),
        "calibration_rms_m": _num(calib.get("rms_residual_m")),
        "calibration_confidence": calib.get("confidence"),
        "stature_m": _num(athlete.get("stature_m")),
        "mass_kg": _num(athlete.get("mass_kg")),
        "n_warnings": len(warnings),
        "warnings_json": json.dumps(warnings, ensure_ascii=False),
    }


def _fit_status(profile: dict[str, Any]) -> dict[str, Any]:
    """``fit_reliable`` (1/0/None) and ``fit_reason`` of a rep.json ``profile`` object."""
    fit = profile.get("velocity_fit")
    if not isinstance(fit, dict):
        notes = [str(n) for n in profile.get("notes") or []]
        return {"fit_reliable": None, "fit_reason": "; ".join(notes) or None}
    return {"fit_reliable": int(bool(fit.get("reliable"))), "fit_reason": fit.get("reason") or None}


# --------------------------------------------------------------------------------------------
# Schema and migrations
# --------------------------------------------------------------------------------------------

_STEP_INT_COLUMNS = {"touchdown_frame", "toeoff_frame"}
_STEP_TEXT_COLUMNS = {"foot", "touchdown_source", "toeoff_source", "shin_td_source"}

# Columns are written out (not built from STEP_FIELDS or REP_METRIC_COLUMNS) because a migration
# must not change once released: a new field needs a new migration that adds its column.
_V1 = """
CREATE TABLE athletes (
    athlete_id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL UNIQUE,
    slug TEXT NOT NULL UNIQUE CHECK (slug GLOB '[a-z0-9]*' AND slug NOT GLOB '*[^a-z0-9_-]*'),
    position TEXT,
    height_m REAL CHECK (height_m IS NULL OR height_m > 0),
    mass_kg REAL CHECK (mass_kg IS NULL OR mass_kg > 0),
    created_utc TEXT NOT NULL,
    updated_utc TEXT NOT NULL
);
CREATE TABLE sessions (
    session_id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    date TEXT NOT NULL CHECK (date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    place TEXT,
    surface TEXT,
    notes TEXT,
    created_utc TEXT NOT NULL,
    UNIQUE (name, date)
);
CREATE TABLE reps (
    rep_pk INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(session_id) ON DELETE CASCADE,
    athlete_id INTEGER REFERENCES athletes(athlete_id) ON DELETE SET NULL,
    rep_number INTEGER CHECK (rep_number IS NULL OR rep_number >= 1),
    rep_id TEXT,
    clip_path TEXT NOT NULL,
    clip_sha256 TEXT,
    settings_hash TEXT,
    capture_fps REAL,
    status TEXT NOT NULL CHECK (status IN ('ok', 'failed')),
    error TEXT,
    error_type TEXT,
    error_detail TEXT,
    artefact_dir TEXT,
    analysed_utc TEXT NOT NULL,
    first_movement_s REAL,
    split_5yd_s REAL,
    split_10yd_s REAL,
    split_20yd_s REAL,
    split_40yd_s REAL,
    peak_hip_velocity_mps REAL,
    n_steps INTEGER,
    first_step_length_m REAL,
    mean_contact_1_4_s REAL,
    shin_angle_td_1_deg REAL,
    v_max_mps REAL,
    tau_s REAL,
    f0_n_per_kg REAL,
    v0_mps REAL,
    pmax_w_per_kg REAL,
    calibration_method TEXT,
    calibration_rms_m REAL,
    calibration_confidence TEXT,
    stature_m REAL,
    mass_kg REAL,
    n_warnings INTEGER,
    warnings_json TEXT,
    rep_json TEXT,
    UNIQUE (session_id, clip_path),
    CHECK (status = 'failed'
           OR (rep_json IS NOT NULL AND artefact_dir IS NOT NULL AND clip_sha256 IS NOT NULL))
);
CREATE INDEX reps_by_hash ON reps(clip_sha256, settings_hash);
CREATE INDEX reps_by_athlete ON reps(athlete_id);
CREATE TABLE steps (
    rep_pk INTEGER NOT NULL REFERENCES reps(rep_pk) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    foot TEXT,
    touchdown_frame INTEGER,
    toeoff_frame INTEGER,
    touchdown_s REAL,
    toeoff_s REAL,
    contact_time_s REAL,
    flight_time_s REAL,
    step_length_m REAL,
    step_time_s REAL,
    step_frequency_hz REAL,
    step_velocity_mps REAL,
    shin_angle_td_deg REAL,
    shin_angle_to_deg REAL,
    trunk_angle_td_deg REAL,
    touchdown_distance_m REAL,
    toeoff_distance_m REAL,
    knee_angle_td_deg REAL,
    hip_angle_td_deg REAL,
    foot_x_m REAL,
    PRIMARY KEY (rep_pk, number)
);
"""

_V2 = """
CREATE TABLE batch_runs (
    run_id INTEGER PRIMARY KEY,
    session_id INTEGER REFERENCES sessions(session_id) ON DELETE CASCADE,
    status TEXT NOT NULL CHECK (status IN ('running', 'finished', 'interrupted')),
    started_utc TEXT NOT NULL,
    finished_utc TEXT,
    workers INTEGER,
    n_clips INTEGER,
    n_ok INTEGER,
    n_failed INTEGER,
    n_skipped INTEGER,
    wall_s REAL,
    settings_json TEXT,
    messages_json TEXT
);
ALTER TABLE reps ADD COLUMN run_id INTEGER REFERENCES batch_runs(run_id) ON DELETE SET NULL;
"""


def _script(sql: str) -> Callable[[sqlite3.Connection], None]:
    def apply(conn: sqlite3.Connection) -> None:
        # Statement by statement inside the caller's transaction: executescript() would commit.
        for statement in sql.split(";"):
            if statement.strip():
                conn.execute(statement)

    return apply


_V3 = """
ALTER TABLE reps ADD COLUMN fit_reliable INTEGER
    CHECK (fit_reliable IS NULL OR fit_reliable IN (0, 1));
ALTER TABLE reps ADD COLUMN fit_reason TEXT;
ALTER TABLE reps ADD COLUMN est_20yd_s REAL;
ALTER TABLE reps ADD COLUMN est_20yd_low_s REAL;
ALTER TABLE reps ADD COLUMN est_20yd_high_s REAL;
ALTER TABLE reps ADD COLUMN est_40yd_s REAL;
ALTER TABLE reps ADD COLUMN est_40yd_low_s REAL;
ALTER TABLE reps ADD COLUMN est_40yd_high_s REAL;
ALTER TABLE reps ADD COLUMN est_group TEXT
"""


def _migrate_v3(conn: sqlite3.Connection) -> None:
    _script(_V3)(conn)
    # Analysed reps already carry their fit in rep.json: fill its status in. (Frozen with the
    # release of v3, like the SQL above; estimates did not exist before v3, so they stay NULL.)
    rows = conn.execute("SELECT rep_pk, rep_json FROM reps WHERE rep_json IS NOT NULL").fetchall()
    for pk, text in rows:
        try:
            profile = (json.loads(text) or {}).get("profile") or {}
        except (json.JSONDecodeError, AttributeError):
            continue
        fit = profile.get("velocity_fit")
        if isinstance(fit, dict):
            conn.execute(
                "UPDATE reps SET fit_reliable = ?, fit_reason = ? WHERE rep_pk = ?",
                (int(bool(fit.get("reliable"))), fit.get("reason") or None, pk),
            )


_V4 = """
ALTER TABLE reps ADD COLUMN pose_hash TEXT;
ALTER TABLE reps ADD COLUMN analysis_hash TEXT
"""

_V5 = """
ALTER TABLE steps ADD COLUMN touchdown_source TEXT;
ALTER TABLE steps ADD COLUMN toeoff_source TEXT;
ALTER TABLE steps ADD COLUMN touchdown_uncertainty_frames REAL;
ALTER TABLE steps ADD COLUMN toeoff_uncertainty_frames REAL
"""

# A person's corrections of a rep's contacts (sprintlab.events.edits.EventEdit), kept with the
# rep row: a re-run of the clip updates that row in place, so its edits stay with it. And a
# coach's marks on a rep (a note, a flag, left out of bests), kept the same way.
_V6 = """
CREATE TABLE event_edits (
    edit_id INTEGER PRIMARY KEY,
    rep_pk INTEGER NOT NULL REFERENCES reps(rep_pk) ON DELETE CASCADE,
    action TEXT NOT NULL CHECK (action IN ('set', 'delete')),
    td_frame INTEGER NOT NULL,
    to_frame INTEGER NOT NULL,
    side TEXT CHECK (side IS NULL OR side IN ('left', 'right')),
    was_td_frame INTEGER NOT NULL,
    was_to_frame INTEGER NOT NULL,
    author TEXT NOT NULL,
    created_utc TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX event_edits_by_rep ON event_edits(rep_pk);
ALTER TABLE reps ADD COLUMN coach_note TEXT;
ALTER TABLE reps ADD COLUMN flagged INTEGER NOT NULL DEFAULT 0 CHECK (flagged IN (0, 1));
ALTER TABLE reps ADD COLUMN exclude_from_bests INTEGER NOT NULL DEFAULT 0
    CHECK (exclude_from_bests IN (0, 1))
"""

_V7 = """
ALTER TABLE steps ADD COLUMN shin_td_source TEXT
"""

# A person's rejection of the field's lines (the grid drawn over the field was not on it): kept
# with the rep row like the coach's marks, so that a new analysis of the clip does not take the
# lines again.
_V8 = """
ALTER TABLE reps ADD COLUMN field_lines_rejected INTEGER NOT NULL DEFAULT 0
    CHECK (field_lines_rejected IN (0, 1))
"""

MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (
    _script(_V1),
    _script(_V2),
    _migrate_v3,
    _script(_V4),
    _script(_V5),
    _script(_V6),
    _script(_V7),
    _script(_V8),
)
"""``MIGRATIONS[i]`` moves a library from schema version ``i`` to ``i + 1``."""

assert len(MIGRATIONS) == SCHEMA_VERSION


def migrate(conn: sqlite3.Connection, target: int = SCHEMA_VERSION) -> int:
    """Apply the forward migrations up to ``target``; each one is its own transaction.

    Returns the schema version reached. A file newer than this sprintlab is refused.
    """
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise LibraryError(
            f"This library was written by a newer sprintlab (schema {version}, this one reads "
            f"up to {SCHEMA_VERSION}); upgrade sprintlab to open it."
        )
    while version < target:
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Re-read under the write lock: another process may have migrated meanwhile.
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version < target:
                MIGRATIONS[version](conn)
                version += 1
                conn.execute(f"PRAGMA user_version = {int(version)}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return version


# --------------------------------------------------------------------------------------------
# The library
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordOutcome:
    """What :meth:`Library.record_rep` did.

    ``action`` is ``"inserted"``, ``"updated"`` or ``"kept"`` (a failure never replaces an
    analysed rep of the same clip path); ``rep_pk`` is the row written or kept.
    """

    rep_pk: int
    action: str


@dataclass(frozen=True)
class PriorRep:
    """An analysed rep already in the library for a clip (see :meth:`Library.prior_reps`).

    Attributes
    ----------
    rep_pk : int
    rep_dir : Path
        Its folder (rep.json present).
    settings_hash, pose_hash, analysis_hash : str or None
        What it was made with (the last two are None for rows written before schema v4).
    provenance : dict or None
        Its rep.json ``provenance`` (None for reps made before it was recorded).
    """

    rep_pk: int
    rep_dir: Path
    settings_hash: str | None
    pose_hash: str | None
    analysis_hash: str | None
    provenance: dict[str, Any] | None


@dataclass
class Library:
    """An open library. Use :meth:`open`; close it (or use ``with``) when done.

    Attributes
    ----------
    db_path : Path
    root : Path
        The library folder; rep folders are under ``root/reps``.
    conn : sqlite3.Connection
        Autocommit connection; transactions are explicit.
    readonly : bool
    """

    db_path: Path
    root: Path
    conn: sqlite3.Connection
    readonly: bool = False
    _step_columns: tuple[str, ...] = field(default=(), repr=False)

    @classmethod
    def open(
        cls, path: str | os.PathLike | None = None, *, readonly: bool = False, create: bool = True
    ) -> Library:
        """Open (creating and migrating when needed) the library at ``path``.

        Parameters
        ----------
        path : path, optional
            Library folder or database file; see :func:`resolve_library_path`.
        readonly : bool
            Open for reading only (the dashboard); the file must exist and be current.
        create : bool
            Create a missing library (otherwise a missing one is an error).
        """
        db_path, root = resolve_library_path(path)
        exists = db_path.is_file()
        if not exists and (readonly or not create):
            raise LibraryError(
                f"No sprintlab library at {db_path}; run 'sprintlab batch' first or pass "
                "--library with the right path."
            )
        try:
            if readonly:
                conn = sqlite3.connect(
                    db_path.resolve().as_uri() + "?mode=ro",
                    uri=True,
                    timeout=BUSY_TIMEOUT_S,
                    isolation_level=None,
                    check_same_thread=False,
                )
            else:
                root.mkdir(parents=True, exist_ok=True)
                conn = sqlite3.connect(
                    db_path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
                )
            conn.execute("PRAGMA foreign_keys = ON")
            if not readonly:
                # WAL: readers never block the batch and never see half a transaction.
                # synchronous=FULL: a committed rep survives a power cut, not only a crash.
                mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                if str(mode).lower() != "wal":
                    raise LibraryError(
                        f"The library {db_path} could not be switched to WAL mode (got {mode}); "
                        "put it on a local disk, not a network share."
                    )
                conn.execute("PRAGMA synchronous = FULL")
                migrate(conn)
            else:
                version = conn.execute("PRAGMA user_version").fetchone()[0]
                if version != SCHEMA_VERSION:
                    raise LibraryError(
                        f"The library {db_path} has schema {version}, this sprintlab reads "
                        f"{SCHEMA_VERSION}; open it once with 'sprintlab athletes' to update it."
                    )
        except sqlite3.DatabaseError as err:
            raise LibraryError(
                f"{db_path} is not a usable sprintlab library ({err}); choose another --library "
                "path or restore the file from a backup."
            ) from None
        lib = cls(db_path=db_path, root=root, conn=conn, readonly=readonly)
        lib._step_columns = tuple(
            r[1] for r in conn.execute("PRAGMA table_info(steps)") if r[1] in STEP_FIELDS
        )
        return lib

    # -- lifetime ---------------------------------------------------------------------------

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def reps_dir(self) -> Path:
        """``root/reps``: where rep folders live."""
        return self.root / REPS_DIRNAME

    def schema_version(self) -> int:
        """``PRAGMA user_version`` of the file."""
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction (``BEGIN IMMEDIATE`` … ``COMMIT``; rolled back on any error)."""
        if self.readonly:
            raise LibraryError("This library was opened read-only.")
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[sqlite3.Connection]:
        """A read transaction: every query inside sees the same committed state."""
        self.conn.execute("BEGIN")
        try:
            yield self.conn
        finally:
            self.conn.execute("COMMIT")

    @contextlib.contextmanager
    def batch_lock(self) -> Iterator[None]:
        """Hold the library's batch lock (one batch writes at a time).

        The lock is an OS file lock, so it is released when the holder dies, even by SIGKILL.

        Raises
        ------
        LibraryError
            Another batch holds it.
        """
        path = self.root / LOCK_FILENAME
        with open(path, "a+") as handle:
            try:
                import fcntl
            except ImportError:  # Windows: no advisory locks; one writer is then up to the user
                yield
                return
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise LibraryError(
                    f"Another batch is writing to the library {self.root}; wait for it to "
                    "finish, or use another --library."
                ) from None
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

    # -- paths ------------------------------------------------------------------------------

    def athlete_reps_dir(self, slug: str) -> Path:
        """``root/reps/<slug>`` (checked to stay inside the library)."""
        return safe_child(self.root, REPS_DIRNAME, slug)

    def rep_dir(self, artefact_dir: str) -> Path:
        """Absolute path of a rep folder stored as ``artefact_dir`` (relative to the root)."""
        parts = Path(artefact_dir).parts
        return safe_child(self.root, *parts)

    def _relative(self, path: Path) -> str:
        full = Path(path).resolve()
        base = self.root.resolve()
        if not full.is_relative_to(base):
            raise LibraryError(f"The rep folder {path} is outside the library {base}; refusing.")
        return full.relative_to(base).as_posix()

    def sweep_temporary_folders(self) -> list[Path]:
        """Remove half-written rep folders left by a killed worker (``reps/*/.<rep_id>.*``).

        Call only while holding :meth:`batch_lock`. Returns the folders removed.
        """
        removed = []
        if not self.reps_dir.is_dir():
            return removed
        for athlete_dir in self.reps_dir.iterdir():
            if not athlete_dir.is_dir() or athlete_dir.is_symlink():
                continue
            for child in athlete_dir.iterdir():
                if child.name.startswith(".") and child.is_dir() and not child.is_symlink():
                    shutil.rmtree(child, ignore_errors=True)
                    removed.append(child)
        return removed

    # -- athletes and sessions --------------------------------------------------------------

    def get_athlete(self, name: str) -> dict[str, Any] | None:
        """The athlete row for ``name`` (matched by :func:`name_key`), or None."""
        cur = self.conn.execute(
            "SELECT athlete_id, name, slug, position, height_m, mass_kg FROM athletes "
            "WHERE name_key = ?",
            (name_key(name),),
        )
        row = cur.fetchone()
        if row is None:
            return None
        return dict(zip([d[0] for d in cur.description], row, strict=True))

    def upsert_athlete(self, athlete: Athlete, *, keep_known: bool = True) -> int:
        """Insert or update an athlete; returns ``athlete_id``.

        With ``keep_known`` a value the roster leaves empty (None) keeps the stored value.
        """
        now = _utc_now()
        key = name_key(athlete.name)
        with self.transaction() as conn:
            row = conn.execute(
                "SELECT athlete_id, position, height_m, mass_kg FROM athletes WHERE name_key = ?",
                (key,),
            ).fetchone()
            if row is not None:
                aid, pos, height, mass = row
                if keep_known:
                    pos = athlete.position if athlete.position is not None else pos
                    height = athlete.height_m if athlete.height_m is not None else height
                    mass = athlete.mass_kg if athlete.mass_kg is not None else mass
                else:
                    pos, height, mass = athlete.position, athlete.height_m, athlete.mass_kg
                conn.execute(
                    "UPDATE athletes SET name = ?, position = ?, height_m = ?, mass_kg = ?, "
                    "updated_utc = ? WHERE athlete_id = ?",
                    (athlete.name, pos, height, mass, now, aid),
                )
                return int(aid)
            slug = athlete_slug(athlete.name)
            taken = conn.execute("SELECT 1 FROM athletes WHERE slug = ?", (slug,)).fetchone()
            if taken:
                # Two names with the same folder form ("José" and "Jose"): tell them apart.
                digest = hashlib.sha256(key.encode("utf-8")).hexdigest()
                for n in range(6, 65, 2):
                    candidate = f"{slug}-{digest[:n]}"
                    hit = conn.execute("SELECT 1 FROM athletes WHERE slug = ?", (candidate,))
                    if hit.fetchone() is None:
                        slug = candidate
                        break
            cur = conn.execute(
                "INSERT INTO athletes (name, name_key, slug, position, height_m, mass_kg, "
                "created_utc, updated_utc) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    athlete.name,
                    key,
                    slug,
                    athlete.position,
                    athlete.height_m,
                    athlete.mass_kg,
                    now,
                    now,
                ),
            )
            return int(cur.lastrowid)

    def ensure_session(self, session: SessionInfo) -> int:
        """The ``session_id`` of (name, date), created when new; place/surface/notes updated
        when given."""
        date = session.date.isoformat()
        with self.transaction() as conn:
            row = conn.execute(
                "SELECT session_id FROM sessions WHERE name = ? AND date = ?",
                (session.name, date),
            ).fetchone()
            if row is None:
                cur = conn.execute(
                    "INSERT INTO sessions (name, date, place, surface, notes, created_utc) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (session.name, date, session.place, session.surface, session.notes, _utc_now()),
                )
                return int(cur.lastrowid)
            sid = int(row[0])
            for column, value in (
                ("place", session.place),
                ("surface", session.surface),
                ("notes", session.notes),
            ):
                if value is not None:
                    # The column name comes from the fixed tuple above, never from input.
                    conn.execute(
                        f"UPDATE sessions SET {column} = ? WHERE session_id = ?", (value, sid)
                    )
            return sid

    def find_session(self, name: str, date: str | dt.date | None = None) -> int | None:
        """``session_id`` of the session called ``name`` (on ``date``; the latest if None)."""
        if date is None:
            row = self.conn.execute(
                "SELECT session_id FROM sessions WHERE name = ? ORDER BY date DESC LIMIT 1",
                (name,),
            ).fetchone()
        else:
            day = date.isoformat() if isinstance(date, dt.date) else parse_date(date).isoformat()
            row = self.conn.execute(
                "SELECT session_id FROM sessions WHERE name = ? AND date = ?", (name, day)
            ).fetchone()
        return int(row[0]) if row else None

    # -- reps -------------------------------------------------------------------------------

    def find_done(
        self,
        *,
        clip_sha256: str,
        settings_hash: str,
        session_id: int,
        athlete_id: int | None,
        rep_number: int | None,
    ) -> int | None:
        """``rep_pk`` of an analysed rep of the same content, settings, session, athlete and rep
        number whose folder is still there (the resume check), or None."""
        rows = self.conn.execute(
            "SELECT rep_pk, artefact_dir FROM reps WHERE status = 'ok' AND clip_sha256 = ? "
            "AND settings_hash = ? AND session_id = ? AND athlete_id IS ? AND rep_number IS ? "
            "ORDER BY rep_pk",
            (clip_sha256, settings_hash, session_id, athlete_id, rep_number),
        ).fetchall()
        for pk, artefact in rows:
            # A rep whose folder was deleted by hand is analysed again rather than skipped.
            with contextlib.suppress(LibraryError):
                if (self.rep_dir(artefact) / "rep.json").is_file():
                    return int(pk)
        return None

    def prior_reps(
        self,
        *,
        clip_sha256: str,
        session_id: int,
        athlete_id: int | None,
        rep_number: int | None,
    ) -> list[PriorRep]:
        """Analysed reps of the same content, session, athlete and rep number whose folder is
        still there, with the hashes they were made with (oldest first)."""
        rows = self.conn.execute(
            "SELECT rep_pk, artefact_dir, settings_hash, pose_hash, analysis_hash, rep_json "
            "FROM reps WHERE status = 'ok' AND clip_sha256 = ? AND session_id = ? "
            "AND athlete_id IS ? AND rep_number IS ? ORDER BY rep_pk",
            (clip_sha256, session_id, athlete_id, rep_number),
        ).fetchall()
        found = []
        for pk, artefact, settings, pose, analysis, text in rows:
            try:
                folder = self.rep_dir(artefact)
            except LibraryError:
                continue
            if not (folder / "rep.json").is_file():
                continue
            try:
                provenance = (json.loads(text) or {}).get("provenance") if text else None
            except (json.JSONDecodeError, AttributeError):
                provenance = None
            found.append(
                PriorRep(
                    rep_pk=int(pk),
                    rep_dir=folder,
                    settings_hash=settings,
                    pose_hash=pose,
                    analysis_hash=analysis,
                    provenance=provenance if isinstance(provenance, dict) else None,
                )
            )
        return found

    def record_rep(self, rec: RepRecord) -> RecordOutcome:
        """Write a rep (row and all its steps) or a failure, in one transaction.

        The row is keyed on (session, clip path): a re-analysis replaces it and its steps. A
        failure never replaces an analysed rep of the same path (``action == "kept"``): a clip
        deleted after its analysis, or a forced re-run that fails, keeps the good result. When a
        replaced rep's folder is no longer referenced by any row it is deleted after the commit.
        """
        metrics = rep_metrics(rec.doc) if rec.status == "ok" else dict.fromkeys(REP_METRIC_COLUMNS)
        artefact = self._relative(rec.artefact_dir) if rec.artefact_dir is not None else None
        values: dict[str, Any] = {
            "session_id": rec.session_id,
            "athlete_id": rec.athlete_id,
            "rep_number": rec.rep_number,
            "rep_id": (rec.doc or {}).get("rep_id"),
            "clip_path": rec.clip_path,
            "clip_sha256": rec.clip_sha256,
            "settings_hash": rec.settings_hash,
            "pose_hash": rec.pose_hash,
            "analysis_hash": rec.analysis_hash,
            "capture_fps": rec.capture_fps,
            "status": rec.status,
            "error": rec.error,
            "error_type": rec.error_type,
            "error_detail": rec.error_detail,
            "artefact_dir": artefact,
            "analysed_utc": _utc_now(),
            **metrics,
            "rep_json": (
                json.dumps(rec.doc, ensure_ascii=False, allow_nan=False) if rec.doc else None
            ),
            "run_id": rec.run_id,
        }
        cols = list(values)
        old_dir: str | None = None
        with self.transaction() as conn:
            row = conn.execute(
                "SELECT rep_pk, status, artefact_dir FROM reps WHERE session_id = ? AND "
                "clip_path = ?",
                (rec.session_id, rec.clip_path),
            ).fetchone()
            if row is not None and rec.status == "failed" and row[1] == "ok":
                return RecordOutcome(int(row[0]), "kept")
            if row is None:
                cur = conn.execute(
                    f"INSERT INTO reps ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                    [values[c] for c in cols],
                )
                pk, action = int(cur.lastrowid), "inserted"
            else:
                pk, action, old_dir = int(row[0]), "updated", row[2]
                assignments = ", ".join(f"{c} = ?" for c in cols)
                conn.execute(
                    f"UPDATE reps SET {assignments} WHERE rep_pk = ?",
                    [*(values[c] for c in cols), pk],
                )
            conn.execute("DELETE FROM steps WHERE rep_pk = ?", (pk,))
            if rec.status == "ok":
                self._insert_steps(conn, pk, rec.doc.get("steps") or [])  # type: ignore[union-attr]
        if old_dir and old_dir != artefact:
            self._delete_unreferenced(old_dir)
        return RecordOutcome(pk, action)

    def _insert_steps(
        self, conn: sqlite3.Connection, rep_pk: int, steps: Sequence[dict[str, Any]]
    ) -> None:
        step_cols = self._step_columns
        conn.executemany(
            f"INSERT INTO steps (rep_pk, {', '.join(step_cols)}) "
            f"VALUES (?, {', '.join('?' * len(step_cols))})",
            [[rep_pk, *(_step_value(c, step.get(c)) for c in step_cols)] for step in steps],
        )

    def update_analysis(self, rep_pk: int, doc: dict[str, Any]) -> None:
        """Replace an analysed rep's results (metrics, steps, rep.json) with ``doc``.

        For a rep analysed again in its own folder (``reanalyze``, an edit of its contacts):
        the clip, session, athlete and hashes stay as they are.
        """
        metrics = rep_metrics(doc)
        values = {
            **metrics,
            "rep_json": json.dumps(doc, ensure_ascii=False, allow_nan=False),
            "analysed_utc": _utc_now(),
        }
        with self.transaction() as conn:
            row = conn.execute(
                "SELECT status FROM reps WHERE rep_pk = ?", (int(rep_pk),)
            ).fetchone()
            if row is None or row[0] != "ok":
                raise LibraryError(f"There is no analysed rep {rep_pk} in this library.")
            assignments = ", ".join(f"{c} = ?" for c in values)
            conn.execute(
                f"UPDATE reps SET {assignments} WHERE rep_pk = ?", [*values.values(), int(rep_pk)]
            )
            conn.execute("DELETE FROM steps WHERE rep_pk = ?", (int(rep_pk),))
            self._insert_steps(conn, int(rep_pk), doc.get("steps") or [])

    def mark_rep(
        self,
        rep_pk: int,
        *,
        note: str | None = None,
        flagged: bool | None = None,
        exclude_from_bests: bool | None = None,
    ) -> None:
        """A coach's marks on a rep: a note (empty clears it), a flag to come back to, and
        whether it is left out of bests, leaderboards and session means (a slip, a false start).
        None leaves a mark as it is. A re-analysis of the clip keeps them."""
        values: dict[str, Any] = {}
        if note is not None:
            values["coach_note"] = note.strip() or None
        if flagged is not None:
            values["flagged"] = int(bool(flagged))
        if exclude_from_bests is not None:
            values["exclude_from_bests"] = int(bool(exclude_from_bests))
        if not values:
            return
        with self.transaction() as conn:
            cur = conn.execute(
                f"UPDATE reps SET {', '.join(f'{c} = ?' for c in values)} WHERE rep_pk = ?",
                [*values.values(), int(rep_pk)],
            )
            if cur.rowcount == 0:
                raise LibraryError(f"There is no rep {rep_pk} in this library.")

    def add_edit(self, rep_pk: int, edit: EventEdit) -> int:
        """Keep a person's correction of one of the rep's contacts; returns its ``edit_id``.

        An edit without a time gets the current one; an edit must name its author.
        """
        if not edit.author.strip():
            raise LibraryError("An edit of a rep's contacts needs the name of who made it.")
        created = edit.created_utc or _utc_now()
        with self.transaction() as conn:
            if (
                conn.execute("SELECT 1 FROM reps WHERE rep_pk = ?", (int(rep_pk),)).fetchone()
                is None
            ):
                raise LibraryError(f"There is no rep {rep_pk} in this library.")
            cur = conn.execute(
                "INSERT INTO event_edits (rep_pk, action, td_frame, to_frame, side, "
                "was_td_frame, was_to_frame, author, created_utc, note) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    int(rep_pk),
                    edit.action,
                    int(edit.td_frame),
                    int(edit.to_frame),
                    edit.side,
                    int(edit.was_td_frame),
                    int(edit.was_to_frame),
                    edit.author.strip(),
                    created,
                    edit.note,
                ),
            )
            return int(cur.lastrowid)

    def remove_edit(self, edit_id: int, rep_pk: int | None = None) -> None:
        """Withdraw one correction (of ``rep_pk`` when given; the rep must then be analysed
        again). Raises LibraryError when there is no such correction."""
        sql, params = "DELETE FROM event_edits WHERE edit_id = ?", [int(edit_id)]
        if rep_pk is not None:
            sql, params = sql + " AND rep_pk = ?", [*params, int(rep_pk)]
        with self.transaction() as conn:
            if conn.execute(sql, params).rowcount == 0:
                raise LibraryError(f"There is no correction {edit_id} of this rep to withdraw.")

    def edits_for(self, rep_pk: int) -> list[tuple[int, EventEdit]]:
        """The rep's corrections in the order they were made, with their ``edit_id``."""
        rows = self.conn.execute(
            "SELECT edit_id, action, td_frame, to_frame, side, was_td_frame, was_to_frame, "
            "author, created_utc, note FROM event_edits WHERE rep_pk = ? ORDER BY edit_id",
            (int(rep_pk),),
        ).fetchall()
        return [(int(r[0]), EventEdit(*r[1:])) for r in rows]

    def set_field_lines_rejected(self, rep_pk: int, rejected: bool) -> None:
        """Keep whether a person rejected the field's lines of a rep (a re-analysis of its
        clip keeps it)."""
        with self.transaction() as conn:
            cur = conn.execute(
                "UPDATE reps SET field_lines_rejected = ? WHERE rep_pk = ?",
                (int(bool(rejected)), int(rep_pk)),
            )
            if cur.rowcount == 0:
                raise LibraryError(f"There is no rep {rep_pk} in this library.")

    def field_lines_rejected_for_clip(self, session_id: int, clip_path: str) -> bool:
        """Whether the field's lines of the rep recorded for a clip of a session were
        rejected (the batch's key)."""
        row = self.conn.execute(
            "SELECT field_lines_rejected FROM reps WHERE session_id = ? AND clip_path = ?",
            (int(session_id), clip_path),
        ).fetchone()
        return bool(row and row[0])

    def edits_for_clip(self, session_id: int, clip_path: str) -> list[EventEdit]:
        """The corrections of the rep recorded for a clip of a session (the batch's key)."""
        row = self.conn.execute(
            "SELECT rep_pk FROM reps WHERE session_id = ? AND clip_path = ?",
            (int(session_id), clip_path),
        ).fetchone()
        return [] if row is None else [e for _, e in self.edits_for(int(row[0]))]

    def edits_frame(self, **filters: Any) -> pd.DataFrame:
        """Corrections of the reps' contacts (one row each) with athlete, session and rep
        columns; same filters as :meth:`reps_frame`."""
        where, params = self._rep_filter(**filters)
        return self._frame(
            "SELECT r.rep_pk, s.name AS session, s.date, a.name AS athlete, r.rep_number, "
            "r.rep_id, e.edit_id, e.action, e.td_frame, e.to_frame, e.side, e.was_td_frame, "
            "e.was_to_frame, e.author, e.created_utc, e.note FROM event_edits e "
            "JOIN reps r ON r.rep_pk = e.rep_pk JOIN sessions s ON s.session_id = r.session_id "
            f"LEFT JOIN athletes a ON a.athlete_id = r.athlete_id{where} "
            "ORDER BY s.date, s.name, a.name_key, r.rep_number, e.edit_id",
            params,
        )

    def _delete_unreferenced(self, artefact_dir: str) -> None:
        still = self.conn.execute(
            "SELECT 1 FROM reps WHERE artefact_dir = ? LIMIT 1", (artefact_dir,)
        ).fetchone()
        if still is None:
            with contextlib.suppress(LibraryError, OSError):
                path = self.rep_dir(artefact_dir)
                if path.is_dir() and not path.is_symlink():
                    shutil.rmtree(path)

    # -- batch runs -------------------------------------------------------------------------

    def start_run(self, session_id: int, *, workers: int, n_clips: int, settings: dict) -> int:
        """Record the start of a batch run; runs left ``running`` by a killed batch are marked
        ``interrupted`` first. Returns ``run_id``."""
        with self.transaction() as conn:
            conn.execute("UPDATE batch_runs SET status = 'interrupted' WHERE status = 'running'")
            cur = conn.execute(
                "INSERT INTO batch_runs (session_id, status, started_utc, workers, n_clips, "
                "settings_json) VALUES (?, 'running', ?, ?, ?, ?)",
                (session_id, _utc_now(), workers, n_clips, json.dumps(settings, default=str)),
            )
            return int(cur.lastrowid)

    def finish_run(
        self,
        run_id: int,
        *,
        status: str,
        n_ok: int,
        n_failed: int,
        n_skipped: int,
        wall_s: float,
        messages: Sequence[str],
    ) -> None:
        """Record the end of a batch run."""
        with self.transaction() as conn:
            conn.execute(
                "UPDATE batch_runs SET status = ?, finished_utc = ?, n_ok = ?, n_failed = ?, "
                "n_skipped = ?, wall_s = ?, messages_json = ? WHERE run_id = ?",
                (
                    status,
                    _utc_now(),
                    n_ok,
                    n_failed,
                    n_skipped,
                    wall_s,
                    json.dumps(list(messages), ensure_ascii=False),
                    run_id,
                ),
            )

    # -- queries (what the dashboard and the team report read) -------------------------------

    def _frame(self, sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
        with self.snapshot() as conn:
            return pd.read_sql_query(sql, conn, params=list(params))

    def athletes_frame(self) -> pd.DataFrame:
        """Athletes with their number of analysed reps, sessions and best 10-yard split (s)."""
        return self._frame(
            "SELECT a.athlete_id, a.name, a.slug, a.position, a.height_m, a.mass_kg, "
            "COUNT(r.rep_pk) AS n_reps, COUNT(DISTINCT r.session_id) AS n_sessions, "
            "MIN(CASE WHEN r.exclude_from_bests = 0 THEN r.split_10yd_s END) AS best_10yd_s "
            "FROM athletes a LEFT JOIN reps r ON r.athlete_id = a.athlete_id AND r.status = 'ok' "
            "GROUP BY a.athlete_id ORDER BY a.name_key"
        )

    def sessions_frame(self) -> pd.DataFrame:
        """Sessions with their counts of analysed and failed reps."""
        return self._frame(
            "SELECT s.session_id, s.name, s.date, s.place, s.surface, s.notes, "
            "SUM(r.status = 'ok') AS n_ok, SUM(r.status = 'failed') AS n_failed "
            "FROM sessions s LEFT JOIN reps r ON r.session_id = s.session_id "
            "GROUP BY s.session_id ORDER BY s.date, s.name"
        )

    def _rep_filter(
        self,
        *,
        session_id: int | None = None,
        athlete: str | None = None,
        status: str | None = None,
        date_from: str | None = None,
        date_to: str | None = None,
    ) -> tuple[str, list[Any]]:
        where, params = [], []
        if session_id is not None:
            where.append("r.session_id = ?")
            params.append(session_id)
        if athlete is not None:
            where.append("a.name_key = ?")
            params.append(name_key(athlete))
        if status is not None:
            where.append("r.status = ?")
            params.append(status)
        if date_from is not None:
            where.append("s.date >= ?")
            params.append(parse_date(date_from).isoformat())
        if date_to is not None:
            where.append("s.date <= ?")
            params.append(parse_date(date_to).isoformat())
        return (" WHERE " + " AND ".join(where)) if where else "", params

    def reps_frame(self, *, include_json: bool = False, **filters: Any) -> pd.DataFrame:
        """Reps (one row each) with athlete and session names.

        Filters: ``session_id``, ``athlete`` (name), ``status`` (``"ok"``/``"failed"``),
        ``date_from``/``date_to`` (``YYYY-MM-DD``, inclusive).
        """
        where, params = self._rep_filter(**filters)
        metric_cols = ", ".join(f"r.{c}" for c in REP_METRIC_COLUMNS)
        extra = ", r.rep_json" if include_json else ""
        return self._frame(
            "SELECT r.rep_pk, s.name AS session, s.date, a.name AS athlete, a.position, "
            "r.rep_number, r.rep_id, r.status, r.error, r.error_type, r.clip_path, "
            "r.clip_sha256, r.capture_fps, r.artefact_dir, r.analysed_utc, r.coach_note, "
            f"r.flagged, r.exclude_from_bests, {metric_cols}"
            f"{extra} FROM reps r JOIN sessions s ON s.session_id = r.session_id "
            f"LEFT JOIN athletes a ON a.athlete_id = r.athlete_id{where} "
            "ORDER BY s.date, s.name, a.name_key, r.rep_number, r.clip_path",
            params,
        )

    def steps_frame(self, **filters: Any) -> pd.DataFrame:
        """Steps of analysed reps in long format (one row per step) with athlete, session and
        rep columns; same filters as :meth:`reps_frame`."""
        where, params = self._rep_filter(**filters)
        cols = ", ".join(f"t.{c}" for c in self._step_columns)
        return self._frame(
            "SELECT r.rep_pk, s.name AS session, s.date, a.name AS athlete, a.position, "
            f"r.rep_number, r.rep_id, {cols} FROM steps t "
            "JOIN reps r ON r.rep_pk = t.rep_pk JOIN sessions s ON s.session_id = r.session_id "
            f"LEFT JOIN athletes a ON a.athlete_id = r.athlete_id{where} "
            "ORDER BY s.date, s.name, a.name_key, r.rep_number, r.clip_path, t.number",
            params,
        )

    def runs_frame(self) -> pd.DataFrame:
        """Batch runs, newest first."""
        return self._frame("SELECT * FROM batch_runs ORDER BY run_id DESC")


def _step_value(column: str, value: Any) -> Any:
    if value is None:
        return None
    if column in _STEP_TEXT_COLUMNS:
        return str(value)
    if column == "number" or column in _STEP_INT_COLUMNS:
        return int(value)
    return _num(value)


EXPORT_FORMATS = ("csv", "parquet")


def export_library(
    lib: Library,
    out_dir: Path,
    *,
    fmt: str = "csv",
    session_id: int | None = None,
    athlete: str | None = None,
) -> list[Path]:
    """Write ``athletes``, ``sessions``, ``reps``, ``steps`` and ``edits`` tables to ``out_dir``.

    ``fmt`` is ``"csv"`` (UTF-8, unit-suffixed column names) or ``"parquet"`` (needs pyarrow).
    Filters restrict reps and steps to one session and/or athlete. Returns the files written.
    """
    if fmt not in EXPORT_FORMATS:
        raise LibraryError(f"Unknown export format {fmt!r}; use csv or parquet.")
    filters = {"session_id": session_id, "athlete": athlete}
    tables = {
        "athletes": lib.athletes_frame(),
        "sessions": lib.sessions_frame(),
        "reps": lib.reps_frame(**filters),
        "steps": lib.steps_frame(**filters),
        "edits": lib.edits_frame(**filters),
    }
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in tables.items():
        path = out_dir / f"{name}.{fmt}"
        if fmt == "csv":
            frame.to_csv(path, index=False)
        else:
            try:
                frame.to_parquet(path, index=False)
            except ImportError:
                raise LibraryError(
                    "Parquet export needs the pyarrow package; install it or export as csv."
                ) from None
        written.append(path)
    return written
