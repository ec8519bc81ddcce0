"""Synthetic sprinter: exact-truth kinematics of a 40-yard start and ways to degrade them.

``simulate(SprintParams(), fps=240, duration_s=3.0)`` samples the motion and ``.truth`` holds
the events, steps and splits. ``to_track`` turns it into a ``KeypointTrack`` for the analysis
code; the other ``degrade`` functions add noise, dropouts, left/right swaps and a decoy person.
``joints_at`` gives the 3D joints at any times (for a renderer).
"""

from .degrade import add_noise, burst_mask, decoy_track, drop_keypoints, swap_legs, to_track
from .model import (
    EXTRA_POINTS,
    STEP_KEYS,
    SprintParams,
    SprintTruth,
    SyntheticSprint,
    joints_at,
    plan_sprint,
    simulate,
    sprint_truth,
)

__all__ = [
    "EXTRA_POINTS",
    "STEP_KEYS",
    "SprintParams",
    "SprintTruth",
    "SyntheticSprint",
    "add_noise",
    "burst_mask",
    "decoy_track",
    "drop_keypoints",
    "joints_at",
    "plan_sprint",
    "simulate",
    "sprint_truth",
    "swap_legs",
    "to_track",
]
