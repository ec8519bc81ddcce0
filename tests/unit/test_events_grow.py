"""How far a contact grows from its core: dropouts, and brief departures near toe-off."""

from __future__ import annotations

import numpy as np

from sprintlab.events import OFF, ON, UNKNOWN, _grow


def _state(*runs: tuple[int, int]) -> np.ndarray:
    return np.concatenate([np.full(n, value, dtype=np.int8) for value, n in runs])


def test_two_off_frames_end_a_contact_without_bridging():
    state = _state((OFF, 5), (ON, 10), (OFF, 6), (ON, 6), (OFF, 10))
    assert _grow(state, 7, 10, max_unknown=2) == (5, 14)


def test_a_departure_and_return_before_toe_off_is_passed_over():
    state = _state((OFF, 5), (ON, 10), (OFF, 6), (ON, 6), (OFF, 10))
    assert _grow(state, 7, 10, max_unknown=2, max_off=12, min_on_after=5) == (5, 26)


def test_a_return_too_short_or_too_late_is_not_the_foot():
    short = _state((OFF, 5), (ON, 10), (OFF, 6), (ON, 3), (OFF, 10))
    assert _grow(short, 7, 10, max_unknown=2, max_off=12, min_on_after=5)[1] == 14
    late = _state((OFF, 5), (ON, 10), (OFF, 12), (ON, 6), (OFF, 10))
    assert _grow(late, 7, 10, max_unknown=2, max_off=12, min_on_after=5)[1] == 14


def test_no_bridging_towards_touchdown():
    # The landing foot touches the circle's band before it lands: that is not the contact.
    state = _state((OFF, 5), (ON, 6), (OFF, 4), (ON, 10), (OFF, 10))
    assert _grow(state, 17, 20, max_unknown=2, max_off=12, min_on_after=5) == (15, 24)


def test_unknown_frames_are_passed_over_up_to_the_limit():
    state = _state((OFF, 3), (ON, 5), (UNKNOWN, 3), (ON, 5), (UNKNOWN, 4), (OFF, 5))
    assert _grow(state, 3, 4, max_unknown=3) == (3, 15)
