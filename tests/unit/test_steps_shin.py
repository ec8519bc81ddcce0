"""Shin angle at touchdown from the horizontal knee–ankle offset and the shank's length."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sprintlab.skeleton import KP
from sprintlab.steps import build_steps, rigid_shin_angle_deg
from sprintlab.synth import SprintParams

PARAMS = SprintParams()
SHANK = 0.246 * PARAMS.stature_m


def test_rigid_shin_angle():
    assert rigid_shin_angle_deg(0.0, 0.45) == pytest.approx(90.0)
    assert rigid_shin_angle_deg(0.225, 0.45) == pytest.approx(60.0)
    assert rigid_shin_angle_deg(-0.225, 0.45) == pytest.approx(120.0)
    assert math.isnan(rigid_shin_angle_deg(0.5, 0.45))  # longer than the shank: contradiction
    assert math.isnan(rigid_shin_angle_deg(math.nan, 0.45))
    assert math.isnan(rigid_shin_angle_deg(0.1, math.nan))


def test_a_landing_ankle_placed_too_high_does_not_bend_the_shin_angle_at_touchdown(exact_sprint):
    """Pose models pull the landing ankle up towards the other foot at touchdown; the angle read
    from the knee's horizontal offset and the shank length does not depend on the ankle height."""
    sprint, track = exact_sprint.sprint, exact_sprint.track
    fm, contacts = exact_sprint.first_movement, exact_sprint.contacts
    xy = track.xy.copy()
    for t in sprint.truth.steps:
        i = round(t["touchdown_s"] * 240)
        xy[i - 4 : i + 5, [KP.LEFT_ANKLE, KP.RIGHT_ANKLE], 1] += 0.15
    lifted = track.with_xy(xy)
    rigid, _ = build_steps(contacts, fm, track, raw=lifted, shank_length_m=SHANK)
    direct, _ = build_steps(contacts, fm, track, raw=lifted)
    truth = {round(t["touchdown_s"] * 240): t for t in sprint.truth.steps}
    err_rigid, err_direct = [], []
    for r, d in zip(rigid, direct, strict=True):
        t = truth[min(truth, key=lambda k: abs(k - r.touchdown_s * 240))]
        err_rigid.append(r.shin_angle_td_deg - t["shin_angle_td_deg"])
        err_direct.append(d.shin_angle_td_deg - t["shin_angle_td_deg"])
    assert np.max(np.abs(err_rigid)) <= 1.0
    assert np.mean(err_direct) < -5  # the direct reading follows the lifted ankle
