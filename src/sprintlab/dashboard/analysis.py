"""Analyse an uploaded clip into the library (the Analyse page's work, without Streamlit).

The upload is checked (size, file type, decodable video), stored in the library folder under
``clips/`` with its calibration sidecar, and analysed by :func:`sprintlab.batch.run_batch` as a
one-clip batch, so a rep analysed here is recorded exactly as ``sprintlab batch`` records it
(same rep folder, same resume key, a failure recorded without touching other reps).

Progress: the analysis runs in a worker process; :func:`analyze_clip_reporting` writes the pose
stage's progress to a small file that the page polls (``$SPRINTLAB_PROGRESS_FILE``).
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import SprintlabError

MAX_UPLOAD_MB = 500.0
"""Largest clip accepted, MB (a 10 s 240 fps 1080p phone clip is about 150–300 MB)."""

VIDEO_SUFFIXES: tuple[str, ...] = (".mp4", ".mov", ".m4v", ".mkv", ".avi", ".webm")

CLIPS_DIRNAME = "clips"
PROGRESS_ENV = "SPRINTLAB_PROGRESS_FILE"
ANALYZER_ENV = "SPRINTLAB_DASHBOARD_ANALYZER"
"""``module:function`` replacing the pose analysis (tests; the contract of ``batch --analyzer``)."""

_ONE_AT_A_TIME = threading.Lock()
# One analysis at a time per dashboard server: the machine's cores go to the pose model, and the
# progress file is named through the process environment that the worker inherits.


class UploadError(SprintlabError):
    """An upload that cannot be analysed (wrong type, too large, not a readable video)."""


def check_upload(name: str, size_bytes: int, *, max_mb: float | None = None) -> None:
    """Refuse an upload by its name and size before anything is written.

    ``max_mb`` defaults to :data:`MAX_UPLOAD_MB`.

    Raises
    ------
    UploadError
    """
    suffix = Path(name).suffix.lower()
    if suffix not in VIDEO_SUFFIXES:
        raise UploadError(
            f"{name} is not a video file (expected {', '.join(VIDEO_SUFFIXES)}); choose the clip "
            "itself."
        )
    if size_bytes <= 0:
        raise UploadError(f"{name} is empty; choose the clip again.")
    max_mb = MAX_UPLOAD_MB if max_mb is None else max_mb
    if size_bytes > max_mb * 1e6:
        raise UploadError(
            f"{name} is {size_bytes / 1e6:.0f} MB, more than the {max_mb:.0f} MB this page "
            "accepts; trim the clip to the start and the first 10 yards, or use 'sprintlab batch'."
        )


def _safe_stem(name: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", Path(name).stem).strip("_")[:60]
    return stem or "clip"


def stage_upload(library_root: Path, name: str, data: bytes) -> Path:
    """Write an upload to ``<library>/clips/`` and check that it is a video sprintlab can read.

    The file is named by its content (``<stem>-<sha8><suffix>``), so uploading the same clip twice
    reuses it. A file that is not a readable video is deleted again.

    Raises
    ------
    UploadError
        Not a video (with the reader's reason).
    """
    from ..errors import VideoError
    from ..video import probe

    check_upload(name, len(data))
    sha = hashlib.sha256(data).hexdigest()
    folder = Path(library_root) / CLIPS_DIRNAME
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{_safe_stem(name)}-{sha[:8]}{Path(name).suffix.lower()}"
    if not path.exists():
        tmp = path.with_name(f".{path.name}.part")
        try:
            tmp.write_bytes(data)
            tmp.replace(path)
        finally:  # a write that failed (a full disk) leaves no part file behind
            tmp.unlink(missing_ok=True)
    try:
        probe(path, check_duplicates=False)
    except VideoError as err:
        path.unlink(missing_ok=True)
        raise UploadError(f"{name} could not be read as a video: {err}") from None
    return path


def write_sidecar(
    clip: Path,
    *,
    capture_fps: float | None,
    athlete_height_m: float | None,
    markers: list[dict[str, Any]],
    run_direction: str = "auto",
    start_line_px: float | None = None,
    camera_height_m: float | None = None,
) -> Path:
    """Write ``clip.toml`` (the calibration sidecar) and check it loads; returns its path.

    Parameters
    ----------
    markers : list of dict
        ``{"image_px": [x, y], "track_m": float, "lateral_m": float}`` each (pixels of the clip).
    start_line_px, camera_height_m : float, optional
        Without markers, for the field's lines: the start line's picture column and the
        lens's height above the ground.

    Raises
    ------
    CalibrationError
        The markers contradict each other or a value is not usable.
    """
    from ..calibration import load_sidecar

    lines = [f'run_direction = "{run_direction}"']
    if capture_fps:
        lines.append(f"capture_fps = {float(capture_fps)!r}")
    if athlete_height_m:
        lines.append(f"athlete_height_m = {float(athlete_height_m)!r}")
    if start_line_px is not None:
        lines.append(f"start_line_px = {float(start_line_px)!r}")
    if camera_height_m:
        lines.append(f"camera_height_m = {float(camera_height_m)!r}")
    for m in markers:
        x, y = (float(v) for v in m["image_px"])
        lines += [
            "",
            "[[marker]]",
            f"image_px = [{x!r}, {y!r}]",
            f"track_m = {float(m['track_m'])!r}",
            f"lateral_m = {float(m.get('lateral_m') or 0.0)!r}",
        ]
    path = Path(clip).with_suffix(".toml")
    tmp = path.with_name(f".{path.name}.part")
    tmp.write_text("\n".join(lines) + "\n")
    try:
        load_sidecar(tmp)
    except Exception:
        tmp.unlink(missing_ok=True)
        raise
    tmp.replace(path)
    return path


def analyze_clip_reporting(
    clip: Path, out_dir: Path, options: Any, *, settings: Any = None, tracking: Any = None
) -> Any:
    """The real analysis (:func:`sprintlab.batch.analyze_clip_cached`'s model use) reporting its
    progress to the file named by ``$SPRINTLAB_PROGRESS_FILE`` as ``"<stage> <fraction>"``."""
    from ..pipeline import analyze_clip, default_model_path
    from ..pose.backends import SharedEstimator

    progress_file = os.environ.get(PROGRESS_ENV)

    def report(stage: str, fraction: float) -> None:
        if not progress_file:
            return
        try:
            Path(progress_file).write_text(f"{stage} {float(fraction):.4f}")
        except OSError:
            pass  # progress is a nicety; never fail the analysis over it

    model_path = Path(options.model_path or default_model_path())
    estimator = SharedEstimator(model_path, getattr(options, "backend", None))
    return analyze_clip(
        clip,
        out_dir,
        options,
        settings=settings,
        tracking=tracking,
        estimator=estimator,
        progress=report,
    )


def read_progress(path: Path) -> tuple[str, float]:
    """(stage, fraction) last written by :func:`analyze_clip_reporting`; ("starting", 0)."""
    try:
        stage, frac = Path(path).read_text().split()
        return stage, min(1.0, max(0.0, float(frac)))
    except (OSError, ValueError):
        return "starting", 0.0


@dataclass(frozen=True)
class AnalyseRequest:
    """What the Analyse page collected.

    Attributes
    ----------
    clip : Path
        The staged clip (its sidecar written next to it).
    athlete, position : str
    height_m, mass_kg : float or None
    session, date : str
        Session name and ``YYYY-MM-DD``.
    capture_fps : float or None
    """

    clip: Path
    athlete: str
    session: str
    date: str
    position: str | None = None
    height_m: float | None = None
    mass_kg: float | None = None
    capture_fps: float | None = None


@dataclass(frozen=True)
class AnalyseOutcome:
    """``ok``; ``rep_pk`` of the new rep (None on failure); ``message`` for the coach."""

    ok: bool
    rep_pk: int | None
    message: str


def analyse_into_library(
    library_path: str | Path | None,
    request: AnalyseRequest,
    *,
    on_progress: Callable[[str, float], None] | None = None,
    poll_s: float = 0.5,
) -> AnalyseOutcome:
    """Analyse one staged clip into the library as a one-clip batch; never raises for a bad
    clip (the failure is recorded and returned as a message).

    The batch runs in a thread while this function polls the progress file and calls
    ``on_progress(stage, fraction)`` from the caller's thread (Streamlit elements may only be
    updated from the script's thread).
    """
    from ..batch import BatchOptions, ClipJob, run_batch
    from ..library import Athlete, Library, SessionInfo
    from ..pipeline import default_model_path

    analyzer = os.environ.get(ANALYZER_ENV) or f"{__name__}:analyze_clip_reporting"
    if not os.environ.get(ANALYZER_ENV) and not default_model_path().is_file():
        return AnalyseOutcome(
            False,
            None,
            f"The pose weights {default_model_path()} are missing; put yolo11n-pose.pt in "
            "models/ (or set SPRINTLAB_MODEL) and try again.",
        )
    try:
        athlete = Athlete(
            request.athlete,
            position=request.position,
            height_m=request.height_m,
            mass_kg=request.mass_kg,
        )
        session = SessionInfo(request.session, request.date)  # type: ignore[arg-type]
        job = ClipJob(
            clip=Path(request.clip).resolve(),
            athlete=athlete.name,
            capture_fps=request.capture_fps,
            calib_path=Path(request.clip).with_suffix(".toml")
            if Path(request.clip).with_suffix(".toml").is_file()
            else None,
            source="upload",
        )
    except (SprintlabError, ValueError) as err:
        return AnalyseOutcome(False, None, str(err))

    if not _ONE_AT_A_TIME.acquire(timeout=1.0):
        return AnalyseOutcome(
            False, None, "Another clip is being analysed on this computer; wait and try again."
        )
    try:
        progress_file = Path(request.clip).with_name(f".{Path(request.clip).name}.progress")
        progress_file.unlink(missing_ok=True)
        os.environ[PROGRESS_ENV] = str(progress_file)
        box: dict[str, Any] = {}

        def work() -> None:
            try:
                with Library.open(library_path) as lib:
                    box["report"] = run_batch(
                        lib,
                        [job],
                        session,
                        roster=[athlete],
                        options=BatchOptions(workers=1, force=True),
                        analyze=analyzer,
                    )
            except BaseException as err:  # reported to the page below
                box["error"] = err

        thread = threading.Thread(target=work, name="sprintlab-analyse", daemon=True)
        thread.start()
        while thread.is_alive():
            thread.join(poll_s)
            if on_progress is not None:
                on_progress(*read_progress(progress_file))
        progress_file.unlink(missing_ok=True)
    finally:
        os.environ.pop(PROGRESS_ENV, None)
        _ONE_AT_A_TIME.release()

    if "error" in box:
        err = box["error"]
        if isinstance(err, SprintlabError):
            return AnalyseOutcome(False, None, str(err))
        return AnalyseOutcome(
            False, None, f"The analysis could not start ({type(err).__name__}: {err})."
        )
    report = box["report"]
    outcome = report.outcomes[0]
    if outcome.status == "ok":
        if on_progress is not None:
            on_progress("done", 1.0)
        return AnalyseOutcome(True, outcome.rep_pk, outcome.message or "Analysed.")
    return AnalyseOutcome(False, outcome.rep_pk, outcome.message)
