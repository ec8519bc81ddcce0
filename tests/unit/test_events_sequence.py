"""Sequence rules of the contact detector: forward progression, missed contacts, step numbering."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sprintlab.events import (
    Contact,
    EventSettings,
    FirstMovement,
    _enforce_alternation,
    _select_sequence,
    _step_counts,
)
from sprintlab.steps import build_steps
from sprintlab.synth import SprintParams, simulate
from sprintlab.synth.degrade import to_track

S = EventSettings()
STATURE = 1.85


def _c(td, to, x, side="left", agreement=1.0):
    return Contact(
        td_s=td,
        to_s=to,
        td_frame=-1 if math.isnan(td) else round(td * 240),
        to_frame=-1 if math.isnan(to) else round(to * 240),
        pivot_x_m=x + 0.15,
        foot_x_m=x,
        radius_m=0.16,
        side=side,
        label=side,
        side_agreement=agreement,
        noise_m=0.01,
    )


def test_fragments_behind_too_close_or_overlapping_are_left_out():
    stance = _c(math.nan, 0.8, -0.35)
    real = [_c(0.83, 1.03, 0.50), _c(1.08, 1.25, 1.75), _c(1.32, 1.48, 3.22)]
    fragments = [
        _c(0.70, 0.76, -0.30),  # the front stance foot again, not ahead of it
        _c(1.27, 1.30, 1.90),  # 15 cm ahead of a contact: a fragment of it
        _c(1.10, 1.15, 2.40),  # overlaps a longer contact in time
    ]
    warnings: list[str] = []
    out = _select_sequence([stance, *real, *fragments], STATURE, S, warnings)
    assert out == [stance, *real]
    assert warnings and "3 candidate contact(s)" in warnings[0]


def test_a_foot_still_down_when_the_clip_ends_stays_in_the_sequence():
    real = [_c(0.83, 1.03, 0.50), _c(1.08, 1.25, 1.75)]
    last = _c(1.32, math.nan, 3.22)  # no toe-off: the clip ends during this contact
    warnings: list[str] = []
    out = _select_sequence([*real, last], STATURE, S, warnings, end_s=1.40)
    assert out == [*real, last]
    assert warnings == []


def test_a_missed_contact_counts_as_a_step_for_numbering_and_alternation():
    td = np.array([0.83, 1.08, 1.55, 1.77])  # the contact near 1.32 s was missed
    assert _step_counts(td, S.step_rate_hz).tolist() == [1, 2, 1]
    contacts = [
        _c(0.83, 1.03, 0.5, "right"),
        _c(1.08, 1.25, 1.75, "left"),
        _c(1.55, 1.68, 4.84, "left"),  # two steps after a left contact: left again
        _c(1.77, 1.90, 6.56, "right"),
    ]
    warnings: list[str] = []
    out = _enforce_alternation(contacts, warnings, S.step_rate_hz)
    assert [c.side for c in out] == ["right", "left", "left", "right"]
    assert [c.steps_since_prev for c in out] == [1, 1, 2, 1]
    assert any("not detected" in w for w in warnings)


def test_steps_across_a_missed_contact_keep_their_numbers_and_have_no_length_or_time():
    sprint = simulate(SprintParams(), 240.0, 3.2)
    track = to_track(sprint)
    contacts = [
        _c(math.nan, 0.52, -0.90, "right"),
        _c(math.nan, 0.8, -0.35),
        _c(0.83, 1.03, 0.50, "right"),
        _c(1.08, 1.25, 1.75, "left"),
        _c(1.55, 1.68, 4.84, "left"),
        _c(1.77, 1.90, 6.56, "right"),
    ]
    contacts = _enforce_alternation(contacts, [], S.step_rate_hz)
    fm = FirstMovement(time_s=0.4, frame=96, detect_time_s=0.45)
    steps, _ = build_steps(contacts, fm, track)
    assert [s.number for s in steps] == [1, 2, 4, 5]
    assert math.isclose(steps[0].step_length_m, 0.85)
    assert math.isclose(steps[1].step_length_m, 1.25)
    assert math.isnan(steps[1].step_time_s) and math.isnan(steps[1].flight_time_s)
    assert math.isnan(steps[2].step_length_m)
    assert math.isclose(steps[3].step_length_m, 6.56 - 4.84)


def test_a_contact_starting_during_the_stance_push_is_a_stance_foot():
    from sprintlab.events import _drop_implausible

    t = np.arange(0, 3.2, 1 / 240)
    early = _c(0.50, 0.62, -0.30)  # 0.1 s after first movement: the front foot, seen late
    step1 = _c(0.83, 1.03, 0.50)
    out = _drop_implausible([early, step1], t, S, [], first_movement_s=0.40)
    assert math.isnan(out[0].td_s) and out[0].foot_x_m == -0.30
    assert out[1].td_s == 0.83


def test_an_interval_timing_cannot_count_is_counted_by_the_feet_on_either_side():
    # 0.35 s is 1.5 step periods at 4.3 Hz: one slow step or two quick ones with one missed.
    one = [
        _c(0.83, 1.03, 0.50, "right"),
        _c(1.08, 1.25, 1.75, "left"),
        _c(1.43, 1.60, 3.20, "right"),
        _c(1.68, 1.82, 4.60, "left"),
    ]
    warnings: list[str] = []
    out = _enforce_alternation(one, warnings, S.step_rate_hz)
    assert [c.side for c in out] == ["right", "left", "right", "left"]
    assert [c.steps_since_prev for c in out] == [1, 1, 1, 1]
    assert not warnings
    two = [*one[:2], _c(1.43, 1.60, 4.60, "left"), _c(1.68, 1.82, 6.00, "right")]
    out = _enforce_alternation(two, [], S.step_rate_hz)
    assert [c.side for c in out] == ["right", "left", "left", "right"]
    assert [c.steps_since_prev for c in out] == [1, 1, 2, 1]


def test_the_rear_stance_foot_takes_step_1():
    from sprintlab.events import _stance_sides

    rear = _c(math.nan, 0.52, -0.90, "left")
    rear_again = _c(math.nan, 0.45, -0.70, "right")  # the same foot, seen in a second piece
    front = _c(math.nan, 0.80, -0.35, "right")
    step1 = _c(0.83, 1.03, 0.50, "right")
    out = _stance_sides([rear, rear_again, front, step1], S)
    assert [c.side for c in out] == ["right", "right", "left", "right"]
    # When the first running contact may be step 2 (step 1 missed), the labels stay.
    late = _c(1.30, 1.45, 1.75, "left")
    out = _stance_sides([rear, front, late], S)
    assert [c.side for c in out] == ["left", "right", "left"]


def _first_step(stance):
    sprint = simulate(SprintParams(), 240.0, 3.2)
    contacts = [*stance, _c(0.83, 1.03, 0.50, "right"), _c(1.08, 1.25, 1.75, "left")]
    fm = FirstMovement(time_s=0.4, frame=96, detect_time_s=0.45)
    steps, warnings = build_steps(contacts, fm, to_track(sprint))
    return steps[0], warnings


def test_step_one_is_measured_from_the_front_foot_of_the_stance():
    rear, front = _c(math.nan, 0.52, -0.90, "right"), _c(math.nan, 0.80, -0.35, "left")
    step, warnings = _first_step([rear, front])
    assert math.isclose(step.step_length_m, 0.85)
    assert not any("stance" in w for w in warnings)


def test_step_one_has_no_length_when_only_the_rear_stance_foot_was_found():
    # The pose model put both ankles on the rear foot: two pieces of it, 16 cm apart, both the
    # side that takes step 1. Measuring from the front-most would make step 1 ~45 cm too long.
    pieces = [_c(math.nan, 0.59, -0.98, "right"), _c(math.nan, 0.57, -0.82, "right")]
    step, warnings = _first_step(pieces)
    assert math.isnan(step.step_length_m)
    assert any("no front (pushing) foot of the stance was found" in w for w in warnings)
    assert math.isfinite(step.contact_time_s)  # the rest of step 1 is still measured


def test_a_lone_stance_foot_is_not_taken_for_the_front_one_whatever_its_label():
    # Only the rear foot was found, and the stance could not be matched to step 1, so it kept
    # the pose model's label, the other side than step 1: measured from it, step 1 would be
    # 1.40 m instead of 0.85 m.
    step, warnings = _first_step([_c(math.nan, 0.45, -0.90, "left")])
    assert math.isnan(step.step_length_m)
    assert any("front (pushing) foot" in w for w in warnings)


def test_a_stance_contact_of_the_other_side_behind_the_rear_foot_is_not_the_front_foot():
    rear, mislabelled = _c(math.nan, 0.52, -0.90, "right"), _c(math.nan, 0.55, -1.00, "left")
    step, warnings = _first_step([rear, mislabelled])
    assert math.isnan(step.step_length_m)
    assert any("front (pushing) foot" in w for w in warnings)
    step, warnings = _first_step([])
    assert math.isnan(step.step_length_m)
    assert any("stance foot is not in view" in w for w in warnings)


def _numbered(first_td, first_x, stance=True):
    from sprintlab.events import _number_first_step, _stance_sides

    contacts = [
        *([_c(math.nan, 0.60, -0.78, "left"), _c(math.nan, 0.84, -0.33, "left")] if stance else []),
        _c(first_td, first_td + 0.2, first_x, "left"),
        _c(first_td + 0.24, first_td + 0.4, first_x + 1.3, "right"),
    ]
    warnings: list[str] = []
    out = _number_first_step(contacts, 0.42, STATURE, S, warnings)
    return _stance_sides(out, S), warnings


def test_a_first_touchdown_late_and_far_ahead_of_the_stance_is_step_two():
    # Step 1 (the right foot, ~0.83 s) was lost; the left foot's landing at 1.03 s, 2.4 m ahead
    # of the rear stance foot, is step 2.
    out, warnings = _numbered(1.03, 1.62)
    first = next(c for c in out if math.isfinite(c.td_s))
    assert first.steps_since_prev == 2
    assert any("step 1 was not detected" in w for w in warnings)
    # The rear stance foot takes step 1: the other side than step 2's foot.
    assert [c.side for c in out if math.isnan(c.td_s)] == ["right", "left"]
    sprint = simulate(SprintParams(), 240.0, 3.2)
    fm = FirstMovement(time_s=0.42, frame=101, detect_time_s=0.45)
    steps, step_warnings = build_steps(out, fm, to_track(sprint))
    assert [s.number for s in steps] == [2, 3]
    assert math.isnan(steps[0].step_length_m)
    assert math.isclose(steps[1].step_length_m, 1.3)
    assert not any("front (pushing) foot" in w for w in step_warnings)


@pytest.mark.parametrize(
    ("td", "x", "stance"),
    [
        (1.03, 0.60, True),  # late but at a step 1 distance: a slow rise
        (0.85, 1.62, True),  # far but on time: a long stance and a long first step
        (1.03, 1.62, False),  # no stance in view: nothing to measure the distance from
    ],
)
def test_the_first_touchdown_stays_step_one_unless_late_and_far(td, x, stance):
    out, warnings = _numbered(td, x, stance)
    first = next(c for c in out if math.isfinite(c.td_s))
    assert first.steps_since_prev == 1
    assert warnings == []


def test_a_brief_contact_just_before_the_next_is_not_step_one():
    from sprintlab.events import _drop_start_fragment

    stance = _c(math.nan, 0.57, -0.84, "right")
    graze = _c(0.704, 0.779, -0.05, "left")  # 75 ms, 0.13 s before the real step 1
    step1, step2 = _c(0.835, 1.054, 0.44, "right"), _c(1.08, 1.25, 1.75, "left")
    warnings: list[str] = []
    out = _drop_start_fragment([stance, graze, step1, step2], S, warnings)
    assert out == [stance, step1, step2]
    assert warnings and "75 ms contact" in warnings[0]


@pytest.mark.parametrize(
    ("first", "next_td"),
    [
        (_c(0.83, 0.90, 0.50, "right"), 1.08),  # brief, but a whole step time before the next
        (_c(0.75, 0.94, 0.30, "right"), 0.90),  # soon before the next, but a whole contact
    ],
)
def test_a_first_contact_brief_or_soon_but_not_both_is_kept(first, next_td):
    from sprintlab.events import _drop_start_fragment

    contacts = [first, _c(next_td, next_td + 0.18, 1.40, "left")]
    warnings: list[str] = []
    assert _drop_start_fragment(contacts, S, warnings) == contacts
    assert warnings == []
