"""Contact detectors plug in behind one protocol; the decision among candidates is theirs to use."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from sprintlab.events import (
    Contact,
    ContactDetector,
    EventSettings,
    PoseContactDetector,
    decide_contacts,
    detect_contacts,
)
from sprintlab.kinematics import hip_mid
from sprintlab.skeleton import ANKLE, SIDES


def _inputs(exact_sprint):
    track = exact_sprint.track
    ankles = {s: np.asarray(track.point(ANKLE[s])) for s in SIDES}
    return track.t_s, ankles, hip_mid(track)[:, 0], track.fps, exact_sprint.params.stature_m


class _Listed:
    """A detector that proposes fixed candidates, and others only on a second look."""

    def __init__(self, first: list[Contact], second: list[Contact]) -> None:
        self.first, self.second = first, second
        self.windows: list[Sequence[tuple[float, float]] | None] = []

    def candidates(self, windows: Sequence[tuple[float, float]] | None = None) -> list[Contact]:
        self.windows.append(windows)
        return list(self.first if windows is None else self.second)


def test_detect_contacts_is_the_pose_detector_behind_the_decision(exact_sprint):
    t, ankles, hip_x, fps, stature = _inputs(exact_sprint)
    s = EventSettings()
    detector = PoseContactDetector(t, ankles, hip_x, fps, stature, s)
    assert isinstance(detector, ContactDetector)
    fm = exact_sprint.first_movement.time_s
    assert decide_contacts(detector, t, stature, s, first_movement_s=fm) == detect_contacts(
        t, ankles, hip_x, fps, stature, s, first_movement_s=fm
    )


def test_another_detector_plugs_in_and_is_asked_again_where_a_step_is_missing(exact_sprint):
    t, _, _, _, stature = _inputs(exact_sprint)
    fm = exact_sprint.first_movement.time_s
    found = exact_sprint.contacts
    running = [c for c in found if np.isfinite(c.td_s)]
    missing = running[3]
    first = [replace(c, steps_since_prev=1) for c in found if c is not missing]
    detector = _Listed(first, [replace(missing, steps_since_prev=1)])
    assert isinstance(detector, ContactDetector)
    contacts, warnings = decide_contacts(detector, t, stature, EventSettings(), first_movement_s=fm)
    # Asked once over the clip, then again in the gap the missing step leaves.
    assert detector.windows[0] is None
    (window,) = detector.windows[1]
    assert window[0] < missing.td_s < window[1]
    assert [c.td_s for c in contacts] == [c.td_s for c in found]
    assert [c.side for c in contacts] == [c.side for c in found]
    assert any("second look" in w for w in warnings)
