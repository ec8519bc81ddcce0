"""EventSettings: every parameter is used, and values that make no sense are refused."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import pytest

import sprintlab
from sprintlab.events import EventSettings

PACKAGE = Path(sprintlab.__file__).parent


def test_every_event_setting_is_read_somewhere():
    # A setting nothing reads would be recorded in rep.json and accepted from a config file
    # while changing nothing.
    code = "\n".join(
        p.read_text()
        for p in PACKAGE.rglob("*.py")
        if p.relative_to(PACKAGE).as_posix() != "events/settings.py"
    )
    unread = [f.name for f in fields(EventSettings) if not re.search(rf"\.{f.name}\b", code)]
    assert unread == []


@pytest.mark.parametrize(
    "bad",
    [
        {"circle_robust_m": 0.0},
        {"fm_rise_start_frac": 0.0},
        {"fm_rise_start_frac": 1.5},
        {"foot_radius_min_factor": 2.0, "foot_radius_max_factor": 2.0},
        {"ambiguous_step_margin": 0.6},
        {"hinge_inside_s": -0.01},
    ],
)
def test_settings_that_make_no_sense_are_refused(bad):
    with pytest.raises(ValueError, match=next(iter(bad))):
        EventSettings(**bad)
