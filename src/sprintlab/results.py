"""A rep's results: the in-memory record and its folder on disk.

A rep folder holds

- ``rep.json``: the contract other tools read (schema below, ``SCHEMA_VERSION``), with the
  ``provenance`` of the rep (which sprintlab, code revision, weights, engine and settings);
- ``steps.csv``: one row per step, unit-suffixed columns;
- ``series.csv``: per-frame hip position/velocity and angles, unit-suffixed columns;
- ``keypoints.npz``: the raw pixel track from the pose model plus what ``reanalyze`` needs;
- ``overlay.mp4``: H.264 overlay video (when the clip was available).

Folders are written to a temporary sibling and renamed into place, so a failure never leaves a
half-written rep.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .jsonutil import json_ready
from .steps import STEP_FIELDS, Step
from .track import KeypointTrack

SCHEMA_VERSION = 2
"""Version of the rep.json contract. 2 added ``provenance`` (see :mod:`sprintlab.provenance`):
``sprintlab_version``, ``settings_sha256``, ``pose`` (``sprintlab_version``, ``code_revision``,
``weights``, ``weights_sha256``, ``engine``, ``tracking``) and ``analysis``
(``sprintlab_version``, ``code_revision``, ``settings``). Version 1 documents (no provenance)
still load; :func:`sprintlab.provenance.provenance_of` gives None for them."""


@dataclass(frozen=True)
class RepResult:
    """Everything measured on one rep.

    Attributes
    ----------
    rep_id : str
        Folder name and key: clip stem plus a short content hash.
    video : dict
        ``path``, ``container_fps``, ``capture_fps``, ``n_frames``, ``width_px``, ``height_px``.
    calibration : dict
        ``method``, ``rms_residual_m`` (null when not measurable), ``confidence``, and the input
        (markers or athlete height) so the rep can be re-analysed.
    first_movement_s : float
        Seconds from the first frame.
    steps : list of Step
    splits : dict
        ``5yd_s``, ``10yd_s``, ``20yd_s``, ``40yd_s`` from first movement (NaN when not in view).
    warnings : list of str
    series : pandas.DataFrame
        Per-frame signals with unit-suffixed columns.
    raw_track : KeypointTrack
        The pose model's track in pixels (what ``keypoints.npz`` stores).
    world_track : KeypointTrack
        Cleaned track in metres (for overlays and charts).
    extra : dict
        Further JSON-ready fields (athlete stature used, detector diagnostics, ...).
    """

    rep_id: str
    video: dict[str, Any]
    calibration: dict[str, Any]
    first_movement_s: float
    steps: list[Step]
    splits: dict[str, float]
    warnings: list[str]
    series: pd.DataFrame
    raw_track: KeypointTrack
    world_track: KeypointTrack
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json_dict(self) -> dict[str, Any]:
        """The rep.json document (see module docstring)."""
        return json_ready(
            {
                "schema_version": SCHEMA_VERSION,
                "rep_id": self.rep_id,
                "video": self.video,
                "calibration": self.calibration,
                "first_movement_s": self.first_movement_s,
                "steps": [s.to_dict() for s in self.steps],
                "splits": self.splits,
                "warnings": list(self.warnings),
                **self.extra,
            }
        )

    def steps_frame(self) -> pd.DataFrame:
        """Steps as a table with one row per step."""
        return pd.DataFrame([s.to_dict() for s in self.steps], columns=list(STEP_FIELDS))


def save_track_npz(path: Path, track: KeypointTrack, **extra: np.ndarray) -> None:
    """Write a pixel track (and any extra arrays) to ``path`` (compressed npz)."""
    np.savez_compressed(
        path,
        t_s=track.t_s,
        xy=track.xy,
        conf=track.conf,
        fps=np.array(track.fps),
        frame_index=track.frame_index,
        **extra,
    )


def load_track_npz(path: Path) -> tuple[KeypointTrack, dict[str, np.ndarray]]:
    """Read a track written by :func:`save_track_npz`; returns the track and the extra arrays."""
    with np.load(path) as data:
        arrays = {k: data[k] for k in data.files}
    track = KeypointTrack(
        t_s=arrays.pop("t_s"),
        xy=arrays.pop("xy"),
        conf=arrays.pop("conf"),
        fps=float(arrays.pop("fps")),
        frame_index=arrays.pop("frame_index"),
        space="px",
    )
    return track, arrays


def write_rep_folder(
    result: RepResult,
    out_dir: Path,
    *,
    extra_arrays: dict[str, np.ndarray] | None = None,
    keep_files_from: Path | None = None,
) -> Path:
    """Write ``out_dir/<rep_id>/`` atomically and return its path.

    Parameters
    ----------
    result : RepResult
    out_dir : Path
        Parent folder (created if needed).
    extra_arrays : dict, optional
        More arrays for keypoints.npz (e.g. the athlete's boxes).
    keep_files_from : Path, optional
        An older rep folder whose overlay video is carried over (with the steps it marks): a
        re-analysis writes its numbers first and redraws the overlay after, if at all
        (:mod:`sprintlab.overlay_video`); and its picture of the field's lines.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    final = out_dir / result.rep_id
    tmp = Path(tempfile.mkdtemp(prefix=f".{result.rep_id}.", dir=out_dir))
    try:
        warnings = list(result.warnings)
        doc = result.to_json_dict()
        drawn: str | None = None
        if keep_files_from is not None and (keep_files_from / "overlay.mp4").exists():
            shutil.copy2(keep_files_from / "overlay.mp4", tmp / "overlay.mp4")
            with contextlib.suppress(OSError, ValueError, AttributeError):
                drawn = load_rep_json(keep_files_from).get("overlay_steps")
        # The picture of the field's lines found in the clip (the same lines while the rep
        # keeps them, rejected or not: the picture shows what was judged).
        grid = "field_grid.jpg"
        if (
            keep_files_from is not None
            and (keep_files_from / grid).exists()
            and (doc.get("field_lines") or {}).get("found")
        ):
            shutil.copy2(keep_files_from / grid, tmp / grid)
        doc["warnings"] = warnings
        if (tmp / "overlay.mp4").exists():
            # Which steps the overlay shows: a later re-analysis that keeps the old video (a
            # person's correction, no clip) leaves it showing other steps than rep.json's.
            doc["overlay_steps"] = drawn
        (tmp / "rep.json").write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
        result.steps_frame().to_csv(tmp / "steps.csv", index=False)
        result.series.to_csv(tmp / "series.csv", index=False, float_format="%.6g")
        save_track_npz(tmp / "keypoints.npz", result.raw_track, **(extra_arrays or {}))
        os.chmod(tmp, 0o755)
        if final.exists():
            old = final.with_name(f".{result.rep_id}.old")
            if old.exists():
                shutil.rmtree(old)
            final.rename(old)
            tmp.rename(final)
            shutil.rmtree(old)
        else:
            tmp.rename(final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return final


def steps_fingerprint(steps: list[dict[str, Any]]) -> str:
    """A short hash of the steps' numbers, feet and event frames (what an overlay marks)."""
    key = [
        (s.get("number"), s.get("foot"), s.get("touchdown_frame"), s.get("toeoff_frame"))
        for s in steps
    ]
    return hashlib.sha1(json.dumps(key).encode()).hexdigest()[:12]


def overlay_is_current(doc: dict[str, Any]) -> bool | None:
    """Whether a rep's overlay video marks the steps its rep.json has (None: not recorded)."""
    drawn = doc.get("overlay_steps")
    if not isinstance(drawn, str):
        return None
    return drawn == steps_fingerprint(doc.get("steps") or [])


def load_rep_json(rep_dir: Path) -> dict[str, Any]:
    """Read ``rep.json`` of a rep folder."""
    return json.loads((Path(rep_dir) / "rep.json").read_text())
