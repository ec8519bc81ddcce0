"""Provenance: the source revisions, the rep.json record, and re-analysis keeping the pose part."""

from __future__ import annotations

import ast
import json
from dataclasses import replace
from pathlib import Path

import numpy as np

import sprintlab
from sprintlab import provenance as prov
from sprintlab.calibration import Calibration, Marker
from sprintlab.filtering import FilterSettings
from sprintlab.pipeline import AnalysisSettings, analyze_track, reanalyze_rep
from sprintlab.provenance import (
    ANALYSIS_SOURCES,
    POSE_SOURCES,
    AnalysisPart,
    PosePart,
    Provenance,
    describe_analysis_change,
    provenance_of,
    source_revision,
)
from sprintlab.results import SCHEMA_VERSION, load_rep_json, write_rep_folder
from sprintlab.synth import SprintParams, simulate, to_track
from sprintlab.tracking import TrackingSettings

PACKAGE = Path(sprintlab.__file__).resolve().parent


# ------------------------------------------------------------------------------------------
# Source revisions
# ------------------------------------------------------------------------------------------


def test_source_revision_ignores_line_endings_and_order_but_not_content(tmp_path):
    (tmp_path / "a.py").write_bytes(b"x = 1\ny = 2\n")
    (tmp_path / "b.py").write_bytes(b"z = 3\n")
    rev = source_revision(["a.py", "b.py"], tmp_path)
    assert len(rev) == prov.REVISION_HEX_DIGITS
    assert source_revision(["b.py", "a.py"], tmp_path) == rev
    (tmp_path / "a.py").write_bytes(b"x = 1\r\ny = 2\r\n")  # a Windows checkout
    assert source_revision(["a.py", "b.py"], tmp_path) == rev
    (tmp_path / "a.py").write_bytes(b"x = 1\ny = 3\n")  # a fix
    assert source_revision(["a.py", "b.py"], tmp_path) != rev
    # The same content under another name is another revision; a missing file is no error.
    (tmp_path / "c.py").write_bytes(b"z = 3\n")
    assert source_revision(["a.py", "c.py"], tmp_path) != source_revision(
        ["a.py", "b.py"], tmp_path
    )
    assert source_revision(["a.py", "gone.py"], tmp_path) != source_revision(["a.py"], tmp_path)


def test_every_listed_source_exists_and_pose_and_analysis_do_not_overlap():
    for name in (*ANALYSIS_SOURCES, *POSE_SOURCES):
        assert (PACKAGE / name).is_file(), f"{name} is listed in sprintlab.provenance but gone"
    assert not set(ANALYSIS_SOURCES) & set(POSE_SOURCES)
    assert prov.analysis_revision() == source_revision(ANALYSIS_SOURCES)
    assert prov.pose_revision() == source_revision(POSE_SOURCES)


def _relative_imports(path: Path) -> set[str]:
    """Package files a module imports relatively (``from .x import``, ``from ..y.z import``):
    the module's file or its package's ``__init__.py``, and those of the packages on the way."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level >= 1 and node.module:
            base = path.parent.relative_to(PACKAGE)
            for _ in range(node.level - 1):
                base = base.parent
            parts = node.module.split(".")
            for depth in range(1, len(parts) + 1):
                module = base.joinpath(*parts[:depth])
                for target in (module.with_suffix(".py"), module / "__init__.py"):
                    if (PACKAGE / target).is_file():
                        found.add(target.as_posix())
    return found


def test_the_analysis_revision_covers_every_module_the_analysis_imports():
    # A new module used by the analysis and not listed would change results unseen by batch.
    analysis_entry = (
        "calibration.py", "combine.py", "events/__init__.py", "filtering.py", "kinematics.py",
        "legplanes.py", "legs.py", "profile.py", "steps.py",
    )  # fmt: skip
    todo, seen = list(analysis_entry), set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo.extend(_relative_imports(PACKAGE / name))
    assert seen - set(ANALYSIS_SOURCES) == set()


# ------------------------------------------------------------------------------------------
# The record
# ------------------------------------------------------------------------------------------


def make_provenance(**tracking) -> Provenance:
    pose = PosePart(
        sprintlab_version="0.1.0",
        code_revision="p" * 16,
        weights="yolo11n-pose.pt",
        weights_sha256="c" * 64,
        engine="openvino",
        tracking=prov.settings_dict(TrackingSettings(**tracking)),
    )
    return Provenance(pose, AnalysisPart.current(AnalysisSettings()))


def test_provenance_round_trips_and_fingerprints_every_setting():
    p = make_provenance()
    doc = json.loads(json.dumps(p.to_dict()))
    assert Provenance.from_dict(doc) == p
    assert doc["sprintlab_version"] == sprintlab.__version__
    assert doc["analysis"]["code_revision"] == prov.analysis_revision()
    assert doc["analysis"]["settings"]["filter"]["cutoff_hz"] == FilterSettings().cutoff_hz
    assert doc["pose"]["tracking"]["refine_imgsz"] == TrackingSettings().refine_imgsz
    assert len(doc["settings_sha256"]) == 64
    assert make_provenance(refine_imgsz=320).settings_sha256 != p.settings_sha256
    other = AnalysisPart.current(AnalysisSettings(max_steps=6))
    assert p.with_analysis(other).settings_sha256 != p.settings_sha256
    assert p.with_analysis(other).pose == p.pose
    assert provenance_of({"rep_id": "old"}) is None  # rep.json schema 1


def test_pose_part_hashes_the_weights_file(tmp_path):
    weights = tmp_path / "w.pt"
    weights.write_bytes(b"weights")
    part = PosePart.current(weights, "pytorch", TrackingSettings())
    assert part.weights == "w.pt" and part.engine == "pytorch"
    assert part.weights_sha256 == prov.file_sha256(weights) and len(part.weights_sha256) == 64
    assert PosePart.current(None, None, TrackingSettings()).weights_sha256 is None


def test_describe_analysis_change_names_versions_code_and_settings():
    a = AnalysisPart("0.1.0", "r1", prov.settings_dict(AnalysisSettings()))
    assert describe_analysis_change(a, replace(a, sprintlab_version="0.1.1")) == "0.1.0 → 0.1.1"
    assert describe_analysis_change(a, replace(a, code_revision="r2")) == (
        "analysis code changed within 0.1.0"
    )
    b = AnalysisPart(
        "0.1.0", "r1", prov.settings_dict(AnalysisSettings(FilterSettings(cutoff_hz=10.0)))
    )
    assert describe_analysis_change(a, b) == "filter.cutoff_hz 12.0 → 10.0"
    assert "does not record" in describe_analysis_change(None, a)


# ------------------------------------------------------------------------------------------
# rep.json and reanalyze
# ------------------------------------------------------------------------------------------


MARKERS = (Marker((100.0, 900.0), 0.0), Marker((1100.0, 900.0), 10.0))


def write_synthetic_rep(out_dir: Path, provenance: Provenance | None) -> Path:
    """A rep folder as analyze_clip writes it, from a synthetic sprint drawn in pixels."""
    track = to_track(simulate(SprintParams(), 240.0, 2.6))
    world = np.asarray(track.xy)
    px = np.stack([100.0 + 100.0 * world[..., 0], 900.0 - 100.0 * world[..., 1]], axis=-1)
    result = analyze_track(
        track.with_xy(px, space="px"),
        Calibration.from_markers(MARKERS, image_size_px=(1920, 1080)),
        rep_id="synthetic-rep",
        video={
            "path": str(out_dir / "not-here.mp4"),
            "container_fps": 240.0,
            "capture_fps": 240.0,
            "n_frames": track.n_frames,
            "width_px": 1920,
            "height_px": 1080,
        },
        stature_m=1.85,
    )
    result.extra["calibration_input"] = {
        "markers": [{"image_px": list(m.image_px), "track_m": m.track_m} for m in MARKERS],
        "athlete_height_m": 1.85,
    }
    if provenance is not None:
        result.extra["provenance"] = provenance.to_dict()
    return write_rep_folder(result, out_dir)


def test_reanalyze_keeps_the_pose_part_and_renews_the_analysis_part(tmp_path):
    original = make_provenance(refine_imgsz=320)
    rep_dir = write_synthetic_rep(tmp_path, original)
    doc = load_rep_json(rep_dir)
    assert doc["schema_version"] == SCHEMA_VERSION == 2
    assert provenance_of(doc) == original

    settings = AnalysisSettings(max_steps=4)
    _, out = reanalyze_rep(rep_dir, settings=settings, overlay=False)
    again = load_rep_json(out)
    got = provenance_of(again)
    assert got is not None
    assert got.pose == original.pose  # weights, engine, tracking: from the original rep
    assert got.analysis == AnalysisPart.current(settings)
    assert again["provenance"]["analysis"]["settings"]["max_steps"] == 4
    assert again["provenance"]["settings_sha256"] != doc["provenance"]["settings_sha256"]
    assert len(again["steps"]) <= 4 < len(doc["steps"])


def test_an_old_rep_without_provenance_still_loads_and_reanalyses(tmp_path):
    rep_dir = write_synthetic_rep(tmp_path, None)
    doc = load_rep_json(rep_dir)
    doc["schema_version"] = 1  # as written before provenance
    (rep_dir / "rep.json").write_text(json.dumps(doc))
    assert provenance_of(load_rep_json(rep_dir)) is None
    _, out = reanalyze_rep(rep_dir, overlay=False)
    got = provenance_of(load_rep_json(out))
    assert got is not None and got.pose == PosePart.unknown()
    assert got.analysis == AnalysisPart.current(AnalysisSettings())


def test_rep_id_carries_the_content_hash_once():
    from sprintlab.pipeline import rep_id_for

    sha = "4a16a03f" + "0" * 56
    assert rep_id_for(Path("/clips/Ann Lee rep 1.mp4"), sha) == "Ann_Lee_rep_1-4a16a03f"
    # A clip the dashboard stored as <name>-<hash>.mp4 does not get the hash twice.
    assert rep_id_for(Path("/lib/uploads/start-4a16a03f.mp4"), sha) == "start-4a16a03f"
