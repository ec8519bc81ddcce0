"""The contact detector's second look where timing says a contact was missed."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from sprintlab.events import EventSettings, _missing_windows, detect_contacts
from sprintlab.kinematics import hip_mid
from sprintlab.skeleton import ANKLE, SIDES

LIFT_M = 0.16  # the pose model's far stance ankle, too high through a whole contact


def _lifted(exact_sprint, step: int):
    """The exact sprint's ankles with step ``step``'s stance ankle lifted for its whole contact."""
    track = exact_sprint.track
    truth = exact_sprint.sprint.truth.steps[step - 1]
    ankles = {s: np.array(track.point(ANKLE[s]), dtype=float) for s in SIDES}
    t = track.t_s
    during = (t >= truth["touchdown_s"]) & (t <= truth["toeoff_s"])
    ankles[truth["foot"]][during, 1] += LIFT_M
    return t, ankles, truth


def _detect(exact_sprint, ankles, t, settings):
    hip = hip_mid(exact_sprint.track)
    return detect_contacts(
        t,
        ankles,
        hip[:, 0],
        exact_sprint.track.fps,
        exact_sprint.params.stature_m,
        settings,
        first_movement_s=exact_sprint.first_movement.time_s,
    )


@pytest.mark.parametrize("step", [1, 4])
def test_a_stance_ankle_too_high_throughout_is_found_on_the_second_look(exact_sprint, step):
    t, ankles, truth = _lifted(exact_sprint, step)
    found, warnings = _detect(exact_sprint, ankles, t, EventSettings())
    running = [c for c in found if np.isfinite(c.td_s)]
    assert [c.steps_since_prev for c in running[:6]] == [1] * 6
    near = min(running, key=lambda c: abs(c.td_s - truth["touchdown_s"]))
    assert abs(near.td_s - truth["touchdown_s"]) * 240 <= 3
    assert near.side == truth["foot"]
    second = [w for w in warnings if "second look" in w]
    assert len(second) == 1 and f"{near.td_s:.2f}" in second[0]
    # Without the looser second look the contact is lost: the step is counted as missed.
    strict = dataclasses.replace(
        EventSettings(), gap_core_height_frac=EventSettings().core_height_frac
    )
    missed, strict_warnings = _detect(exact_sprint, ankles, t, strict)
    assert not any("second look" in w for w in strict_warnings)
    lost = [c for c in missed if np.isfinite(c.td_s)]
    assert len(lost) == len(running) - 1
    assert [c.steps_since_prev for c in lost].count(2) == 1
    # The contacts the first look found are the same with or without the second look.
    before = {(c.td_frame, c.to_frame) for c in lost}
    assert before <= {(c.td_frame, c.to_frame) for c in running}


def test_missing_windows_lie_between_the_contacts_found(exact_sprint):
    running = [c for c in exact_sprint.contacts if np.isfinite(c.td_s)]
    assert (
        _missing_windows(exact_sprint.contacts, exact_sprint.first_movement.time_s, EventSettings())
        == []
    )
    gap = [c for c in exact_sprint.contacts if c is not running[3]]
    windows = _missing_windows(gap, exact_sprint.first_movement.time_s, EventSettings())
    assert windows == [(running[2].to_s, running[4].td_s)]
    late = [c for c in exact_sprint.contacts if c is not running[0]]
    fm = exact_sprint.first_movement.time_s
    assert _missing_windows(late, fm, EventSettings()) == [
        (fm + EventSettings().min_first_step_s, running[1].td_s)
    ]
    # The clip goes on after the last contact found: a step is missing there too, unless the
    # clip ends within a step of it.
    early_end = [c for c in exact_sprint.contacts if c is not running[-1]]
    end_s = running[-1].td_s + 0.2
    assert _missing_windows(early_end, fm, EventSettings(), end_s=end_s) == [
        (running[-2].to_s, end_s)
    ]
    assert _missing_windows(exact_sprint.contacts, fm, EventSettings(), end_s=end_s) == []
