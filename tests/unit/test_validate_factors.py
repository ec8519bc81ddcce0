"""The per-factor scenarios of the accuracy harness: one factor each, wired through to the
renderer, in the render cache's key, and reported one row per factor. No pose model."""

from __future__ import annotations

import json
from dataclasses import asdict, fields, replace

import pytest

from sprintlab.accuracy import agreement
from sprintlab.synth.render import render_scenario
from sprintlab.validate import (
    FACTOR_SCENARIOS,
    SCENARIOS,
    Scenario,
    format_factor_table,
    render_key,
)

BASE = FACTOR_SCENARIOS[0]


def test_each_factor_scenario_changes_one_thing_of_the_clean_base():
    names = [sc.name for sc in FACTOR_SCENARIOS]
    assert len(set(names)) == len(names)
    ignore = {"name", "factor"}
    for sc in FACTOR_SCENARIOS[1:]:
        changed = {
            f.name
            for f in fields(Scenario)
            if f.name not in ignore and getattr(sc, f.name) != getattr(BASE, f.name)
        }
        assert changed, sc.name
        assert sc.factor and sc.seed == BASE.seed and sc.duration_s == BASE.duration_s
        if sc.name == "factor_handheld":  # one sway: its size and its slowness
            assert changed == {"shake_px", "shake_hz"}, changed
        elif sc.name not in ("factor_phone", "factor_white_shoes_lines",
                             "factor_black_shoes_dark_turf"):  # fmt: skip
            assert len(changed) == 1, (sc.name, changed)


def test_existing_scenarios_keep_their_settings():
    for sc in SCENARIOS:
        assert (sc.noise_sigma, sc.crf, sc.motion_blur, sc.shake_px, sc.flicker) == (
            2.0, 23, False, 0.0, 0.0,
        )  # fmt: skip
        assert sc.sun_elevation_deg is None and not sc.banner and sc.turf == "grass"


@pytest.mark.parametrize(
    "change",
    [{"shake_px": 1.0}, {"flicker": 0.04}, {"sun_elevation_deg": 20.0}, {"crf": 30},
     {"turf_texture": 1.0}, {"paint_lines_at_steps": (2,)}, {"banner": True},
     {"noise_sigma": 6.0}, {"motion_blur": True}],
)  # fmt: skip
def test_every_factor_is_in_the_render_key(change):
    assert render_key(BASE) != render_key(replace(BASE, **change))


def test_render_scenario_passes_the_factors_to_the_renderer(tmp_path):
    sc = Scenario(
        "tiny", fps=240.0, width_px=320, height_px=180, duration_s=3 / 240, shake_px=1.5,
        flicker=0.04, sun_elevation_deg=25.0, turf="dark", paint_lines_at_steps=(1,),
        noise_sigma=0.0, crf=30,
    )  # fmt: skip
    clip, truth = render_scenario(sc, tmp_path)
    doc = json.loads(truth.read_text())
    assert clip.is_file() and len(doc["shake_px"]) == 3 and len(doc["flicker_gain"]) == 3
    assert doc["realism"]["sun_elevation_deg"] == 25.0 and doc["realism"]["turf"] == "dark"
    assert len(doc["paint_lines_x_m"]) == 1
    assert doc["realism"]["paint_lines_at_steps"] == [1]


def test_factor_table_has_one_row_per_scenario():
    def scored(td_diffs, to_diffs, ct_diffs, missing):
        return {
            "touchdown_s": agreement("touchdown_s", "frames", td_diffs, missing).to_dict(),
            "toeoff_s": agreement("toeoff_s", "frames", to_diffs, missing).to_dict(),
            "contact_time_s": agreement("contact_time_s", "ms", ct_diffs, missing).to_dict(),
        }

    report = {
        "scenarios": {
            "factor_clean_240fps": scored([0, 1, -1, 0], [0, 0, 2, 1], [4.0, 0.0, 8.0, 4.0], 0),
            "factor_noise6": scored([0, 3], [1, 1], [10.0, 12.0], 2),
            "factor_crf32": {"error": "RuntimeError: boom"},
        }
    }
    table = format_factor_table(report, FACTOR_SCENARIOS).splitlines()
    assert "TD<=1fr" in table[1] and "TD MAE" in table[1] and "CT bias" in table[1]
    clean, noise, crf = table[2:]
    assert clean.split()[:2] == ["factor_clean_240fps", "clean"]
    assert "100%" in clean and "75%" in clean and "4/4" in clean and "4.0" in clean
    assert clean.split()[4:6] == ["0.5", "0.8"]  # MAE of touchdowns and toe-offs, frames
    assert "sensor noise σ=6" in noise and "50%" in noise and "2/4" in noise
    assert "error: RuntimeError: boom" in crf
    assert asdict(BASE)["factor"] == "clean"


def test_the_render_command_takes_the_factors(tmp_path):
    from typer.testing import CliRunner

    from sprintlab.cli import app

    args = [
        "render", "--out", str(tmp_path), "--width", "320", "--height", "180",
        "--duration-s", str(3 / 240), "--sun-elevation-deg", "20", "--shake-px", "1",
        "--flicker", "0.04", "--look", "white_shoes", "--lines-at-steps", "2", "--banner",
        "--turf", "dark", "--turf-texture", "0.5", "--bitrate-kbps", "2000",
    ]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    doc = json.loads((tmp_path / "rep.truth.json").read_text())
    rl = doc["realism"]
    assert (rl["sun_elevation_deg"], rl["shake_px"], rl["flicker"], rl["turf"]) == (
        20.0, 1.0, 0.04, "dark",
    )  # fmt: skip
    assert rl["banner"] and rl["paint_lines_at_steps"] == [2] and doc["bitrate_kbps"] == 2000
    assert CliRunner().invoke(app, [*args[:9], "--look", "purple"]).exit_code == 1
