"""Shared fixtures of the unit tests."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from sprintlab.events import Contact, FirstMovement, detect_contacts, detect_first_movement
from sprintlab.kinematics import hip_mid
from sprintlab.skeleton import ANKLE, SIDES
from sprintlab.synth import SprintParams, SyntheticSprint, simulate
from sprintlab.synth.degrade import to_track
from sprintlab.track import KeypointTrack


@dataclass(frozen=True)
class ExactSprint:
    """The default synthetic sprinter at 240 fps (3.2 s) and what the detector finds on it."""

    params: SprintParams
    sprint: SyntheticSprint
    track: KeypointTrack
    first_movement: FirstMovement
    contacts: list[Contact]


@pytest.fixture(scope="session")
def exact_sprint() -> ExactSprint:
    params = SprintParams()
    sprint = simulate(params, 240.0, 3.2)
    track = to_track(sprint)
    hip = hip_mid(track)
    fm = detect_first_movement(track.t_s, hip[:, 0], track.fps)
    ankles = {s: np.asarray(track.point(ANKLE[s])) for s in SIDES}
    contacts, _ = detect_contacts(
        track.t_s, ankles, hip[:, 0], track.fps, params.stature_m, first_movement_s=fm.time_s
    )
    return ExactSprint(params, sprint, track, fm, contacts)
