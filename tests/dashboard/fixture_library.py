"""A small rep library built without the pose model, for the dashboard tests.

Two synthetic sprinters are rendered as short low-resolution clips (``sprintlab.synth``); the
renderer's exact projected keypoints stand in for the pose model's track, and each clip goes
through the real analysis after the pose model (``analyze_track``), the real rep-folder writer
(with the real overlay video) and the real library writer. Two athletes, two sessions, three reps.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from sprintlab.calibration import Calibration, load_sidecar
from sprintlab.library import Athlete, Library, RepRecord, SessionInfo
from sprintlab.overlay_video import draw_rep_overlay, overlay_arrays
from sprintlab.pipeline import analyze_track, file_sha256, rep_id_for
from sprintlab.results import write_rep_folder
from sprintlab.synth import SprintParams
from sprintlab.synth.render import render_clip
from sprintlab.track import KeypointTrack
from sprintlab.video import probe

FPS = 60.0
WIDTH, HEIGHT = 480, 270

REPS = (
    # athlete, position, session, date, rep number, sprint parameters, seed
    ("Ann Lee", "WR", "Spring testing", "2026-03-14", 1, SprintParams(v_max_mps=9.0), 1),
    (
        "Ann Lee",
        "WR",
        "Summer testing",
        "2026-06-20",
        1,
        SprintParams(v_max_mps=9.4, tau_s=0.75),
        2,
    ),
    (
        "Bo Diaz",
        "RB",
        "Summer testing",
        "2026-06-20",
        1,
        SprintParams(
            stature_m=1.78,
            v_max_mps=8.8,
            shin_angle_td_deg=(50.0, 82.0),
            trunk_angle_td_deg=(45.0, 78.0),
        ),
        3,
    ),
)


def truth_track(truth_json: Path, fps: float) -> KeypointTrack:
    """The renderer's exact keypoints as a pixel track (confidence 1 everywhere)."""
    kp = np.asarray(json.loads(Path(truth_json).read_text())["keypoints_px"], dtype=float)
    kp = kp.reshape(kp.shape[0], 17, 2)
    n = kp.shape[0]
    return KeypointTrack(
        t_s=np.arange(n) / fps,
        xy=kp,
        conf=np.ones(kp.shape[:2]),
        fps=fps,
        frame_index=np.arange(n),
        space="px",
    )


def analyse_rendered(
    clip: Path, out_dir: Path, rep_id: str, stature_m: float, mass_kg: float | None = None
) -> Path:
    """Analyse a rendered clip from its truth keypoints and write its rep folder."""
    side = load_sidecar(clip.with_suffix(".toml"))
    meta = probe(clip, capture_fps=FPS)
    calib = Calibration.from_markers(
        side.markers,
        image_size_px=(meta.width_px, meta.height_px),
        run_direction=side.run_direction,
    )
    raw = truth_track(clip.with_suffix(".truth.json"), FPS)
    video = {
        "path": str(clip),
        "container_fps": meta.container_fps,
        "capture_fps": meta.capture_fps,
        "n_frames": meta.n_frames,
        "width_px": meta.width_px,
        "height_px": meta.height_px,
    }
    result = analyze_track(
        raw, calib, rep_id=rep_id, video=video, stature_m=stature_m, mass_kg=mass_kg
    )
    # As analyze_clip records it, so that the rep can be analysed again from its keypoints.
    result.extra["calibration_input"] = {
        "markers": [
            {"image_px": list(m.image_px), "track_m": m.track_m, "lateral_m": m.lateral_m}
            for m in side.markers
        ],
        "athlete_height_m": stature_m,
    }
    rep_dir = write_rep_folder(result, out_dir, extra_arrays=overlay_arrays(result, calib))
    draw_rep_overlay(rep_dir)
    return rep_dir


def render_fixture_clip(folder: Path, name: str, params: SprintParams, seed: int) -> Path:
    out = render_clip(
        params,
        folder,
        fps=FPS,
        width=WIDTH,
        height=HEIGHT,
        name=name,
        seed=seed,
        noise_sigma=0.0,
        duration_s=2.6,
    )
    return out.video_path


def build_library(root: Path) -> Path:
    """Render, analyse and record the fixture reps into the library folder ``root``."""
    root = Path(root)
    clips = root / "clips"
    with Library.open(root) as lib:
        for i, (name, position, session, date, rep_no, params, seed) in enumerate(REPS):
            clip = render_fixture_clip(clips, f"rep{i + 1}", params, seed)
            athlete_id = lib.upsert_athlete(
                Athlete(name, position=position, height_m=params.stature_m, mass_kg=params.mass_kg)
            )
            session_id = lib.ensure_session(SessionInfo(session, date))
            sha = file_sha256(clip)
            slug = lib.get_athlete(name)["slug"]
            rep_dir = analyse_rendered(
                clip,
                lib.athlete_reps_dir(slug),
                rep_id_for(clip, sha),
                params.stature_m,
                params.mass_kg,
            )
            doc = json.loads((rep_dir / "rep.json").read_text())
            lib.record_rep(
                RepRecord(
                    session_id=session_id,
                    clip_path=str(clip),
                    status="ok",
                    athlete_id=athlete_id,
                    rep_number=rep_no,
                    clip_sha256=sha,
                    settings_hash="fixture",
                    capture_fps=FPS,
                    doc=doc,
                    artefact_dir=rep_dir,
                )
            )
        # A clip that failed, as a batch records it: the pages must show it only on request.
        session_id = lib.ensure_session(SessionInfo("Summer testing", "2026-06-20"))
        lib.record_rep(
            RepRecord(
                session_id=session_id,
                clip_path=str(clips / "blurry.mp4"),
                status="failed",
                error="No person was found in the clip.",
                error_type="NoAthleteError",
            )
        )
    return root


if __name__ == "__main__":  # build one by hand: python tests/dashboard/fixture_library.py DIR
    import sys

    print(build_library(Path(sys.argv[1])))
