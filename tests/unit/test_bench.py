"""The benchmark's arithmetic, its memory sampler, its stage processes and its decode stage."""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np
import pytest

from sprintlab.bench import (
    BenchReport,
    StageResult,
    _PeakMemory,
    _rss_mib,
    _timed_runs,
    decode_run,
    format_report,
    run_isolated,
)
from sprintlab.errors import SprintlabError

ROOT = Path(__file__).resolve().parents[2]
CLIP = ROOT / "sample_clips" / "synthetic_240fps.mp4"


def _report(stages):
    return BenchReport(
        clip="c.mp4",
        n_frames=1200,
        width_px=1920,
        height_px=1080,
        capture_fps=240.0,
        backend="openvino",
        stages=tuple(stages),
        machine={"cpu": "test cpu", "cores": 2},
    )


def _stage(name, fps, frames=1200, phases=None):
    return StageResult(name, frames, (frames / fps,), fps, 100.0, phases or {})


def test_ratios_are_frame_rates_divided():
    rep = _report(
        [_stage("decode", 400.0), _stage("baseline", 6.0, 240), _stage("sprintlab", 30.0)]
    )
    assert rep.ratio("sprintlab", "baseline") == 5.0
    assert rep.ratio("sprintlab", "decode") == 0.075
    ratios = rep.to_dict()["ratios"]
    assert ratios["sprintlab_over_capture_rate"] == 0.125


def test_a_stage_that_did_not_run_gives_nan_not_a_number_made_up():
    rep = _report([_stage("decode", 400.0), _stage("sprintlab", 30.0)])
    assert math.isnan(rep.ratio("sprintlab", "baseline"))
    assert "sprintlab / baseline: nanx" in format_report(rep)


def test_table_lists_every_stage_and_the_phase_shares():
    phases = {"load": 1.0, "search": 9.0, "refine": 20.0, "analysis": 0.0, "writing": 10.0}
    rep = _report(
        [
            _stage("decode", 400.0),
            _stage("baseline", 6.0, 240),
            _stage("sprintlab", 30.0, phases=phases),
        ]
    )
    text = format_report(rep)
    for word in ("decode", "baseline", "sprintlab", "5.00x", "refine 20.00 s (50%)", "test cpu"):
        assert word in text


def test_timed_runs_take_the_median_and_count_runs():
    calls = []

    def body():
        calls.append(1)
        time.sleep(0.02 * len(calls))
        return 100, {"a": float(len(calls))}

    stage = _timed_runs("x", 3, body)
    assert len(calls) == 3 and len(stage.seconds) == 3
    assert stage.frames == 100
    assert stage.phases_s == {"a": 2.0}
    assert np.isclose(stage.fps, 100 / np.median(stage.seconds), rtol=0.05)
    assert stage.seconds[0] < stage.seconds[1] < stage.seconds[2]


def test_peak_memory_sees_a_short_lived_allocation():
    with _PeakMemory() as mem:
        start = mem.peak_mib
        block = np.ones(300 * 2**20 // 8)  # 300 MiB, touched
        block += 1
        del block
    assert mem.peak_mib - start > 250


def test_decode_stage_decodes_every_frame_of_the_sample_clip():
    frames, phases = decode_run(CLIP)
    assert frames == 768 and phases == {}


def test_a_stage_runs_in_its_own_process_and_counts_only_its_own_memory():
    # 600 MiB held here must not show in the stage's figure: it runs in a fresh process.
    held = np.ones(600 * 2**20 // 8)
    held += 1
    seen = []
    stage, engine = run_isolated("decode", 2, (str(CLIP),), lambda n, r: seen.append((n, r)))
    assert engine == "pyav" and seen == [("decode", 1), ("decode", 2)]
    assert stage.frames == 768 and len(stage.seconds) == 2
    assert 0 < stage.peak_rss_mib < _rss_mib() - 400
    del held


def test_a_failing_stage_is_one_clear_error(tmp_path):
    bad = tmp_path / "notes.mp4"
    bad.write_text("not a video\n")
    with pytest.raises(SprintlabError, match="decode benchmark failed"):
        run_isolated("decode", 1, (str(bad),))
