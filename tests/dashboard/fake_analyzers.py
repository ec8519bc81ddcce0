"""Analysers that replace the pose model on the Analyse page in tests (``module:function``).

``from_truth`` analyses a rendered clip from the renderer's exact keypoints (the truth file named
by ``$SPRINTLAB_TEST_TRUTH_JSON``); ``fail`` fails as a clip without a usable athlete does.
"""

from __future__ import annotations

import os
from pathlib import Path

from fixture_library import FPS, truth_track

from sprintlab.errors import AnalysisError
from sprintlab.pipeline import (
    _calibration_input_dict,
    analyze_track,
    load_calibration_input,
    resolve_calibration,
)
from sprintlab.results import write_rep_folder
from sprintlab.video import probe


def from_truth(clip: Path, out_dir: Path, options, *, settings=None, tracking=None):
    raw = truth_track(Path(os.environ["SPRINTLAB_TEST_TRUTH_JSON"]), FPS)
    meta = probe(clip, capture_fps=options.capture_fps)
    calib_input = load_calibration_input(Path(clip), options.calib_path)
    calib = resolve_calibration(
        calib_input, raw, (meta.width_px, meta.height_px), options.athlete_height_m
    )
    video = {
        "path": str(clip),
        "capture_fps": meta.capture_fps,
        "n_frames": meta.n_frames,
        "width_px": meta.width_px,
        "height_px": meta.height_px,
        "container_fps": meta.container_fps,
    }
    result = analyze_track(
        raw,
        calib,
        rep_id=options.rep_id or "uploaded",
        video=video,
        stature_m=calib_input.athlete_height_m if calib_input else None,
        settings=settings,
    )
    # As analyze_clip records it, so that the rep can be analysed again from its keypoints.
    result.extra["calibration_input"] = _calibration_input_dict(
        calib_input, options.athlete_height_m
    )
    return result, write_rep_folder(result, out_dir)


def fail(clip: Path, out_dir: Path, options, *, settings=None, tracking=None):
    raise AnalysisError(
        "The athlete was lost after 12 frames; film from the side with the whole body in view."
    )
