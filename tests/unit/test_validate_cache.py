"""The accuracy harness reuses a rendered clip only for the same scenario and renderer."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from sprintlab.validate import (
    RENDER_KEY_FILE,
    Scenario,
    _render_or_reuse,
    cached_render,
    render_key,
)

SC = Scenario("tiny", fps=120.0, width_px=320, height_px=180, duration_s=0.5)


class FakeRender:
    """Writes placeholder outputs where the renderer would and counts its calls."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, sc: Scenario, folder: Path) -> tuple[Path, Path]:
        self.calls += 1
        clip, truth = folder / f"{sc.name}.mp4", folder / f"{sc.name}.truth.json"
        clip.write_bytes(b"clip %d" % self.calls)
        truth.write_text("{}")
        return clip, truth


def test_the_key_follows_the_scenario():
    assert render_key(SC) == render_key(replace(SC))
    assert render_key(SC) != render_key(replace(SC, seed=1))
    assert render_key(SC) != render_key(replace(SC, pan_deg=8.0))


def test_a_clip_is_rendered_once_then_reused(tmp_path):
    render = FakeRender()
    first = _render_or_reuse(SC, tmp_path, render, None)
    again = _render_or_reuse(SC, tmp_path, render, None)
    assert render.calls == 1
    assert again == first
    assert cached_render(SC, tmp_path) == first


def test_another_scenario_or_a_stale_key_renders_again(tmp_path):
    render = FakeRender()
    _render_or_reuse(SC, tmp_path, render, None)
    assert cached_render(replace(SC, seed=3), tmp_path) is None
    _render_or_reuse(replace(SC, seed=3), tmp_path, render, None)
    assert render.calls == 2
    (tmp_path / RENDER_KEY_FILE).write_text("made by an older renderer\n")
    _render_or_reuse(replace(SC, seed=3), tmp_path, render, None)
    assert render.calls == 3


def test_clips_from_before_the_key_existed_are_rendered_again(tmp_path):
    render = FakeRender()
    render(SC, tmp_path)  # outputs present, no key file
    assert cached_render(SC, tmp_path) is None
    _render_or_reuse(SC, tmp_path, render, None)
    assert render.calls == 2


def test_a_failed_render_leaves_no_key(tmp_path):
    def broken(sc: Scenario, folder: Path) -> tuple[Path, Path]:
        (folder / f"{sc.name}.mp4").write_bytes(b"half")
        raise RuntimeError("encoder died")

    render = FakeRender()
    _render_or_reuse(SC, tmp_path, render, None)
    with pytest.raises(RuntimeError):
        _render_or_reuse(replace(SC, seed=5), tmp_path, broken, None)
    assert cached_render(SC, tmp_path) is None
    assert cached_render(replace(SC, seed=5), tmp_path) is None
