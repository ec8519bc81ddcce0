"""A person's corrections of the contacts (sprintlab.events.edits)."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from sprintlab.events import Contact
from sprintlab.events.edits import (
    PERSON,
    PERSON_UNCERTAINTY_FRAMES,
    EventEdit,
    apply_edits,
    edit_notes,
    edits_from_dicts,
)

FPS = 240.0
T = np.arange(1200) / FPS


def _contact(td: int, to: int, side: str, n: int = 1) -> Contact:
    x = 0.5 + td / 240.0 * 4.0
    return Contact(
        td_s=float(T[td]),
        to_s=float(T[to]),
        td_frame=td,
        to_frame=to,
        pivot_x_m=x + 0.1,
        foot_x_m=x,
        radius_m=0.12,
        side=side,
        label=side,
        side_agreement=1.0,
        noise_m=0.01,
        steps_since_prev=n,
        td_source="image",
        to_source="image",
        td_uncertainty_frames=2.0,
        to_uncertainty_frames=2.0,
    )


def _ankles() -> dict[str, np.ndarray]:
    # Both ankles on the ground plane, moving forward: enough for the foot's place.
    x = 0.5 + T * 4.0
    return {s: np.column_stack([x, np.full_like(x, 0.08)]) for s in ("left", "right")}


# Five running contacts 0.25 s apart (60 frames), alternating feet.
CONTACTS = [_contact(200 + 60 * k, 230 + 60 * k, ("right", "left")[k % 2]) for k in range(5)]


def _apply(edits):
    return apply_edits(CONTACTS, edits, T, _ankles(), 1.80, 0.5)


def test_moving_a_touchdown_changes_that_event_only():
    edit = EventEdit("set", td_frame=255, to_frame=290, was_td_frame=260, was_to_frame=290)
    out, outcomes = _apply([edit])
    assert outcomes[0].applied
    assert len(out) == 5
    c = out[1]
    assert (c.td_frame, c.to_frame, c.side) == (255, 290, "left")
    assert c.td_s == pytest.approx(254.5 / FPS)  # between the frame before and the one marked
    assert c.to_s == CONTACTS[1].to_s
    assert c.td_source == PERSON and c.td_uncertainty_frames == PERSON_UNCERTAINTY_FRAMES
    # The toe-off the person left where it was keeps how the analysis timed it.
    assert c.to_source == "image" and c.to_uncertainty_frames == 2.0
    assert [k.steps_since_prev for k in out] == [1] * 5
    assert out[0] == CONTACTS[0] and out[2] == CONTACTS[2]


def test_a_moved_event_keeps_the_sole_the_image_saw_unless_the_foot_changes():
    seen = [replace(c, sole_px=(100.0 + k, 125.0 + k, 900.0)) for k, c in enumerate(CONTACTS)]
    moved = EventEdit("set", td_frame=255, to_frame=290, was_td_frame=260, was_to_frame=290)
    out, _ = apply_edits(seen, [moved], T, _ankles(), 1.80, 0.5)
    assert out[1].sole_px == seen[1].sole_px
    other = EventEdit("set", 260, 290, "right", 260, 290)
    out, _ = apply_edits(seen, [other], T, _ankles(), 1.80, 0.5)
    assert out[1].sole_px is None


def test_deleting_a_contact_counts_the_gap_as_two_steps():
    out, outcomes = _apply([EventEdit("delete", was_td_frame=321, was_to_frame=349)])
    assert outcomes[0].applied
    assert [c.td_frame for c in out] == [200, 260, 380, 440]
    assert [c.steps_since_prev for c in out] == [1, 1, 2, 1]


def test_a_missed_contact_added_back_restores_the_numbering():
    deleted, _ = _apply([EventEdit("delete", was_td_frame=320, was_to_frame=350)])
    added, outcomes = apply_edits(
        deleted,
        [EventEdit("set", td_frame=322, to_frame=350, side="right", author="A. Coach")],
        T,
        _ankles(),
        1.80,
        0.5,
    )
    assert outcomes[0].applied
    assert [c.td_frame for c in added] == [200, 260, 322, 380, 440]
    assert [c.steps_since_prev for c in added] == [1] * 5
    new = added[2]
    assert new.side == "right" and new.td_source == PERSON and new.to_source == PERSON
    assert math.isfinite(new.foot_x_m)
    assert "by A. Coach" in edit_notes(outcomes)[0]


def test_deleting_the_first_step_keeps_the_others_numbers():
    out, _ = _apply([EventEdit("delete", was_td_frame=200, was_to_frame=230)])
    # The first remaining contact is still step 2.
    assert out[0].td_frame == 260 and out[0].steps_since_prev == 2


def test_changing_the_foot():
    out, _ = _apply(
        [
            EventEdit(
                "set", td_frame=260, to_frame=290, side="right", was_td_frame=260, was_to_frame=290
            )
        ]
    )
    assert out[1].side == "right" and out[1].label == "right"
    assert out[1].td_source == PERSON


def test_an_edit_that_finds_nothing_is_reported_not_applied():
    edit = EventEdit("delete", was_td_frame=1000, was_to_frame=1020)
    out, outcomes = _apply([edit])
    assert out == CONTACTS
    assert not outcomes[0].applied
    assert "not applied" in edit_notes(outcomes)[0]
    assert "1000-1020" in edit_notes(outcomes)[0]


def test_edits_round_trip_through_json_dicts():
    edit = EventEdit("set", 10, 40, "left", 12, 40, "me", "2026-12-05T10:00:00Z", "late TD")
    d = {**edit.to_dict(), "applied": True}
    assert edits_from_dicts([d]) == [edit]


@pytest.mark.parametrize(
    "kw",
    [
        {"action": "move"},
        {"action": "set", "td_frame": 50, "to_frame": 40},
        {"action": "set", "td_frame": 10, "to_frame": 40, "side": "middle"},
        {"action": "delete"},
    ],
)
def test_bad_edits_are_refused(kw):
    with pytest.raises(ValueError):
        EventEdit(**kw)
