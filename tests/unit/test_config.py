"""The settings file (``--config``): nested tables, unknown keys, wrong types and values."""

from __future__ import annotations

from pathlib import Path

import pytest

from sprintlab.config import Config, ConfigError, config_from_dict, load_config
from sprintlab.events import EventSettings
from sprintlab.filtering import FilterSettings
from sprintlab.pipeline import AnalysisSettings
from sprintlab.tracking import TrackingSettings


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "settings.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_nested_tables_set_their_dataclass_and_the_rest_keeps_its_defaults(tmp_path):
    cfg = load_config(
        write(
            tmp_path,
            """
[analysis]
max_steps = 8
hip_velocity_cutoff_hz = 5     # a whole number where a float is expected is fine

[analysis.filter]
cutoff_hz = 10.0

[analysis.events]
fm_speed_mps = 0.25

[tracking]
refine_imgsz = 320
""",
        )
    )
    assert cfg.analysis.max_steps == 8
    assert cfg.analysis.hip_velocity_cutoff_hz == 5.0
    assert isinstance(cfg.analysis.hip_velocity_cutoff_hz, float)
    assert cfg.analysis.filter == FilterSettings(cutoff_hz=10.0)
    assert cfg.analysis.events == EventSettings(fm_speed_mps=0.25)
    assert cfg.tracking == TrackingSettings(refine_imgsz=320)


def test_an_empty_file_is_the_defaults(tmp_path):
    assert load_config(write(tmp_path, "")) == Config(AnalysisSettings(), TrackingSettings())


def test_an_unknown_key_names_the_key_its_table_and_the_one_meant(tmp_path):
    path = write(tmp_path, "[analysis.filter]\ncutof_hz = 10.0\n")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    text = str(err.value)
    assert "'cutof_hz'" in text and "[analysis.filter]" in text and "settings.toml" in text
    assert "did you mean 'cutoff_hz'" in text
    # A small table lists every valid key.
    for key in ("conf_threshold", "max_gap_s", "cutoff_hz", "order", "swap_penalty"):
        assert key in text


def test_an_unknown_key_in_a_large_table_names_the_close_ones(tmp_path):
    with pytest.raises(ConfigError) as err:
        config_from_dict({"analysis": {"events": {"fm_sped_mps": 0.2}}}, "day.toml")
    text = str(err.value)
    assert "'fm_sped_mps'" in text and "[analysis.events]" in text
    assert "'fm_speed_mps'" in text and "sprintlab.events.EventSettings" in text


def test_an_unknown_table_is_refused(tmp_path):
    with pytest.raises(ConfigError, match=r"'traking'.*did you mean \[tracking\]"):
        load_config(write(tmp_path, "[traking]\nrefine_imgsz = 320\n"))
    with pytest.raises(ConfigError, match=r"\[tracking\] has no setting 'imgsz'"):
        load_config(write(tmp_path, "[tracking]\nimgsz = 320\n"))


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ('[analysis.filter]\ncutoff_hz = "12"\n', r"cutoff_hz in \[analysis.filter\] must be a n"),
        ("[analysis]\nmax_steps = 8.5\n", r"max_steps in \[analysis\] must be a whole number"),
        ("[analysis]\nmax_steps = true\n", r"max_steps in \[analysis\] must be a whole number"),
        ("[tracking]\nsearch_imgsz = 960.0\n", r"search_imgsz .* must be a whole number"),
        ("[analysis]\nfilter = 3\n", r"filter in \[analysis\] is a table"),
        ("[analysis.max_steps]\nx = 1\n", r"\[analysis.max_steps\] is not a table"),
        ("analysis = 3\n", r"'analysis' must be a table"),
    ],
)
def test_a_value_of_the_wrong_type_is_refused(tmp_path, text, pattern):
    with pytest.raises(ConfigError, match=pattern):
        load_config(write(tmp_path, text))


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ("[analysis]\nmax_steps = 0\n", r"\[analysis\] is not valid \(max_steps must be at least"),
        ("[analysis.filter]\nconf_threshold = 1.5\n", r"conf_threshold must be in \[0, 1\]"),
        ("[tracking]\nsearch_interval_s = 0\n", r"search_interval_s must be positive"),
        ("[analysis.events]\nfm_seen_frac = 5.0\n", r"fm_seen_frac must be in \(0, 1\]"),
        ("[analysis.events]\nfm_uncertainty_floor_s = -0.1\n", r"finite number >= 0"),
        ("[tracking]\nrecover_conf = 2.0\n", r"recover_conf must be in \[0, 1\]"),
    ],
)
def test_the_settings_own_validation_runs(tmp_path, text, pattern):
    with pytest.raises(ConfigError, match=pattern):
        load_config(write(tmp_path, text))


def test_a_missing_or_broken_file_says_so(tmp_path):
    with pytest.raises(ConfigError, match="does not exist; check the path"):
        load_config(tmp_path / "nowhere.toml")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(write(tmp_path, "[analysis\nmax_steps = 3\n"))


def test_the_readme_example_is_a_valid_config(tmp_path):
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Settings", 1)[1]
    example = section.split("```toml", 1)[1].split("```", 1)[0]
    cfg = load_config(write(tmp_path, example))
    assert cfg.tracking.refine_imgsz == 384 and cfg.analysis.filter.cutoff_hz == 12.0
