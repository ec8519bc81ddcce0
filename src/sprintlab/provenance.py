"""Where a rep came from: the code, weights, engine and settings that made it.

A rep has two parts that are made separately and can be redone separately:

- the **pose part**: the pose model's pixel track (``keypoints.npz``), made by the weights, the
  inference engine, the tracking settings and the pose and tracking code;
- the **analysis part**: everything after the pose model (cleaning, calibration, events, steps,
  splits, profile), made by the analysis code and the analysis settings from the pose part's
  track alone. ``sprintlab reanalyze`` and ``sprintlab batch`` redo only this part when only it
  changed.

The analysis code is identified by a **source revision**: the SHA-256 of the source files of the
analysis modules (:data:`ANALYSIS_SOURCES`), not by a hand-maintained constant. A revision
constant needs someone to remember to bump it with every fix, and a forgotten bump is exactly the
failure this record exists to prevent (a testing day re-run after a fix silently keeping the old
numbers); a hash of the source changes with every change and needs no discipline. It is stable
across checkouts and platforms: files are read as bytes, ``CRLF`` and ``CR`` line endings are
normalised to ``LF``, and each file's path relative to the package is hashed with its content in
a fixed order. A change that does not alter the numbers (a comment) also changes the revision;
that costs a re-run of the analysis from cached keypoints (seconds per rep), never a wrong number.
The user-facing version (:data:`sprintlab.__version__`) is recorded beside it.

The pose and tracking code has its own revision (:data:`POSE_SOURCES`), so a change to the
analysis never makes the pose model run again and a change to the tracking does.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, is_dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

ANALYSIS_SOURCES: tuple[str, ...] = (
    "calibration.py",
    "combine.py",
    "data/combine_position_stats.json",
    "errors.py",
    "events/__init__.py",
    "events/base.py",
    "events/candidates/__init__.py",
    "events/candidates/circle.py",
    "events/candidates/cores.py",
    "events/candidates/edges.py",
    "events/candidates/foot.py",
    "events/candidates/image.py",
    "events/candidates/pose.py",
    "events/contacts.py",
    "events/first_movement.py",
    "events/fusion.py",
    "events/numbering.py",
    "events/sequence.py",
    "events/settings.py",
    "filtering.py",
    "footimage/__init__.py",
    "footimage/result.py",
    "jsonutil.py",
    "kinematics.py",
    "legplanes.py",
    "legs.py",
    "pose/landmarker.py",
    "profile.py",
    "results.py",
    "skeleton.py",
    "start.py",
    "steps.py",
    "touchdown_landmarks.py",
    "track.py",
    "units.py",
)
"""Files (relative to the ``sprintlab`` package) whose content makes the analysis part."""

POSE_SOURCES: tuple[str, ...] = (
    "footage/__init__.py",
    "footage/camera.py",
    "footage/crossing.py",
    "footage/flicker.py",
    "footage/frames.py",
    "footage/report.py",
    "footage/runners.py",
    "footage/stats.py",
    "footimage/band.py",
    "footimage/detect.py",
    "footimage/evidence.py",
    "footimage/scan.py",
    "footimage/settings.py",
    "pipeline.py",
    "pose/backends.py",
    "pose/base.py",
    "pose/yolo.py",
    "prefetch.py",
    "tracking.py",
    "video.py",
)
"""Files (relative to the ``sprintlab`` package) whose content makes the pose part.

``pipeline.py`` is here although it also strings the analysis together: it holds the capture
(how frames reach the model, the footage checks, which frames are kept), and a change there
must run the model again rather than keep keypoints made the old way (a full run also renews
the analysis)."""

REVISION_HEX_DIGITS = 16
"""Length of a recorded source revision (64 bits of the SHA-256: ample to tell revisions apart)."""


def _package_dir() -> Path:
    return Path(__file__).resolve().parent


def source_revision(files: Iterable[str], package_dir: Path | None = None) -> str:
    """SHA-256 (first :data:`REVISION_HEX_DIGITS` hex digits) of source files' content.

    Parameters
    ----------
    files : iterable of str
        Paths relative to ``package_dir``, with ``/`` separators. Hashed in sorted order.
    package_dir : Path, optional
        Default: the installed ``sprintlab`` package.

    Returns
    -------
    str
        The same for the same contents on any checkout or platform (line endings normalised);
        a missing file is hashed as missing rather than failing.
    """
    base = package_dir or _package_dir()
    digest = hashlib.sha256()
    for name in sorted(files):
        path = base.joinpath(*name.split("/"))
        try:
            content = path.read_bytes().replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        except OSError:
            content = b"\0missing"
        digest.update(name.encode("utf-8") + b"\0")
        digest.update(hashlib.sha256(content).digest())
    return digest.hexdigest()[:REVISION_HEX_DIGITS]


@lru_cache(maxsize=1)
def analysis_revision() -> str:
    """The source revision of the analysis code of this installation (computed once)."""
    return source_revision(ANALYSIS_SOURCES)


@lru_cache(maxsize=1)
def pose_revision() -> str:
    """The source revision of the pose and tracking code of this installation (computed once)."""
    return source_revision(POSE_SOURCES)


def sprintlab_version() -> str:
    """The user-facing version of this sprintlab."""
    from . import __version__

    return __version__


def file_sha256(path: Path, chunk: int = 1 << 20) -> str:
    """SHA-256 (hex) of a file's content."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def settings_dict(settings: Any) -> dict[str, Any]:
    """A settings dataclass (nested ones included) as a plain JSON-ready dict."""
    if not is_dataclass(settings) or isinstance(settings, type):
        raise TypeError(f"expected a settings dataclass, got {type(settings).__name__}")
    return asdict(settings)


def fingerprint(value: Any) -> str:
    """SHA-256 (hex) of the canonical JSON of ``value`` (sorted keys, no spaces)."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str, allow_nan=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class PosePart:
    """What made a rep's pixel track (``keypoints.npz``).

    Attributes
    ----------
    sprintlab_version : str
        The sprintlab that ran the pose model.
    code_revision : str
        :func:`pose_revision` of that sprintlab.
    weights : str or None
        File name of the pose weights (None when not known, e.g. an injected estimator).
    weights_sha256 : str or None
        SHA-256 of the weights file.
    engine : str or None
        Inference engine actually used (``openvino``, ``onnx``, ``pytorch``).
    tracking : dict
        Every :class:`~sprintlab.tracking.TrackingSettings` field.
    """

    sprintlab_version: str
    code_revision: str
    weights: str | None
    weights_sha256: str | None
    engine: str | None
    tracking: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def current(cls, weights: Path | None, engine: str | None, tracking: Any) -> PosePart:
        """This installation's pose part.

        Parameters
        ----------
        weights : Path or None
            The pose weights file (hashed here); None when not known.
        engine : str or None
            The inference engine that ran.
        tracking : TrackingSettings
        """
        known = weights is not None and Path(weights).is_file()
        return cls(
            sprintlab_version=sprintlab_version(),
            code_revision=pose_revision(),
            weights=Path(weights).name if weights is not None else None,
            weights_sha256=file_sha256(Path(weights)) if known else None,  # type: ignore[arg-type]
            engine=engine,
            tracking=settings_dict(tracking),
        )

    @classmethod
    def unknown(cls) -> PosePart:
        """The pose part of a rep written before provenance was recorded."""
        return cls("", "", None, None, None, {})

    def to_dict(self) -> dict[str, Any]:
        """The ``provenance.pose`` object of rep.json."""
        return {
            "sprintlab_version": self.sprintlab_version,
            "code_revision": self.code_revision,
            "weights": self.weights,
            "weights_sha256": self.weights_sha256,
            "engine": self.engine,
            "tracking": dict(self.tracking),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PosePart:
        """Read :meth:`to_dict`'s output (missing entries are None)."""
        return cls(
            sprintlab_version=str(data.get("sprintlab_version") or ""),
            code_revision=str(data.get("code_revision") or ""),
            weights=data.get("weights"),
            weights_sha256=data.get("weights_sha256"),
            engine=data.get("engine"),
            tracking=dict(data.get("tracking") or {}),
        )


@dataclass(frozen=True)
class AnalysisPart:
    """What made everything after the pose model.

    Attributes
    ----------
    sprintlab_version : str
    code_revision : str
        :func:`analysis_revision` of that sprintlab.
    settings : dict
        Every :class:`~sprintlab.pipeline.AnalysisSettings` field, nested settings as dicts.
    """

    sprintlab_version: str
    code_revision: str
    settings: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def current(cls, settings: Any) -> AnalysisPart:
        """This installation's analysis part for ``settings`` (an AnalysisSettings)."""
        return cls(sprintlab_version(), analysis_revision(), settings_dict(settings))

    def fingerprint(self) -> str:
        """SHA-256 of version, code revision and settings: the batch's analysis key."""
        return fingerprint(
            {
                "sprintlab_version": self.sprintlab_version,
                "code_revision": self.code_revision,
                "settings": dict(self.settings),
            }
        )

    def to_dict(self) -> dict[str, Any]:
        """The ``provenance.analysis`` object of rep.json."""
        return {
            "sprintlab_version": self.sprintlab_version,
            "code_revision": self.code_revision,
            "settings": dict(self.settings),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AnalysisPart:
        """Read :meth:`to_dict`'s output."""
        return cls(
            sprintlab_version=str(data.get("sprintlab_version") or ""),
            code_revision=str(data.get("code_revision") or ""),
            settings=dict(data.get("settings") or {}),
        )


@dataclass(frozen=True)
class Provenance:
    """Where a rep came from (rep.json ``provenance``).

    Attributes
    ----------
    pose : PosePart
        Kept from the original rep when only the analysis is re-run.
    analysis : AnalysisPart
        Replaced by every (re-)analysis.
    """

    pose: PosePart
    analysis: AnalysisPart

    @property
    def settings_sha256(self) -> str:
        """Fingerprint of every setting (analysis and tracking)."""
        return fingerprint(
            {"analysis": dict(self.analysis.settings), "tracking": dict(self.pose.tracking)}
        )

    def with_analysis(self, analysis: AnalysisPart) -> Provenance:
        """The same pose part with a new analysis part (a re-analysis from keypoints)."""
        return replace(self, analysis=analysis)

    def to_dict(self) -> dict[str, Any]:
        """The rep.json ``provenance`` object.

        ``sprintlab_version`` and ``settings_sha256`` at the top are the analysis's version and
        the fingerprint of every setting (analysis and tracking); ``pose`` and ``analysis`` are
        :meth:`PosePart.to_dict` and :meth:`AnalysisPart.to_dict`.
        """
        return {
            "sprintlab_version": self.analysis.sprintlab_version,
            "settings_sha256": self.settings_sha256,
            "pose": self.pose.to_dict(),
            "analysis": self.analysis.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Provenance:
        """Read :meth:`to_dict`'s output (the derived top-level entries are recomputed)."""
        return cls(
            pose=PosePart.from_dict(data.get("pose") or {}),
            analysis=AnalysisPart.from_dict(data.get("analysis") or {}),
        )


def provenance_of(doc: Mapping[str, Any]) -> Provenance | None:
    """The provenance of a rep.json document, or None for a rep written before it was recorded."""
    data = doc.get("provenance")
    return Provenance.from_dict(data) if isinstance(data, Mapping) else None


def _flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(_flatten(value, name + "."))
        else:
            out[name] = value
    return out


def describe_analysis_change(old: AnalysisPart | None, new: AnalysisPart) -> str:
    """What differs between two analysis parts, for people (e.g. ``"0.1.0 → 0.1.1"``).

    Names the versions when they differ, says when the analysis code changed within a version,
    and names up to three settings that changed with their old and new values.
    """
    if old is None:
        return "the earlier rep does not record how it was made"
    parts: list[str] = []
    if old.sprintlab_version != new.sprintlab_version:
        parts.append(f"{old.sprintlab_version or '?'} → {new.sprintlab_version}")
    elif old.code_revision != new.code_revision:
        parts.append(f"analysis code changed within {new.sprintlab_version}")
    before, after = _flatten(old.settings), _flatten(new.settings)
    changed = [k for k in sorted(set(before) | set(after)) if before.get(k) != after.get(k)]
    if changed:
        shown = ", ".join(f"{k} {before.get(k)} → {after.get(k)}" for k in changed[:3])
        parts.append(shown + (f" and {len(changed) - 3} more" if len(changed) > 3 else ""))
    return "; ".join(parts) or "no difference recorded"
