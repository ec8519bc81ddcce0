"""Leg identity per frame from the contacts, on the exact synthetic sprinter with legs swapped."""

from __future__ import annotations

import numpy as np
import pytest

from sprintlab.legs import assign_legs, segment_length
from sprintlab.skeleton import ANKLE, HIP, KNEE, KP
from sprintlab.synth import SprintParams
from sprintlab.synth.degrade import swap_legs

PARAMS = SprintParams()


@pytest.fixture(scope="module")
def exact(exact_sprint):
    return exact_sprint.track, exact_sprint.contacts


def _wrong(track, truth, pair):
    a, b = track.xy[:, pair["left"]], track.xy[:, pair["right"]]
    ta, tb = truth.xy[:, pair["left"]], truth.xy[:, pair["right"]]
    straight = np.linalg.norm(a - ta, axis=1) + np.linalg.norm(b - tb, axis=1)
    crossed = np.linalg.norm(a - tb, axis=1) + np.linalg.norm(b - ta, axis=1)
    return crossed < straight


def test_swapped_legs_get_their_identity_back_wherever_a_contact_anchors_them(exact):
    track, contacts = exact
    rng = np.random.default_rng(7)
    swapped, mask = swap_legs(track, 0.3, burst_s=0.02, rng=rng, return_mask=True)
    assert _wrong(swapped, track, ANKLE).mean() > 0.2
    out = assign_legs(swapped, contacts)
    # Stance and flight between contacts cover most of the sprint after the set position.
    assert out.anchored.mean() > 0.6
    assert _wrong(out.track, track, ANKLE)[out.anchored].mean() < 0.01
    # Knees follow their ankles by the shank's length, everywhere the ankles are right.
    ok = ~_wrong(out.track, track, ANKLE)
    assert _wrong(out.track, track, KNEE)[ok].mean() < 0.01
    # The frames exchanged are the ones the degradation swapped.
    assert np.mean(out.swapped[out.anchored] == mask[out.anchored]) > 0.99


def test_knees_swapped_alone_are_paired_back_with_their_ankles(exact):
    track, contacts = exact
    xy = track.xy.copy()
    frames = np.zeros(track.n_frames, dtype=bool)
    frames[100:400:3] = True
    xy[frames, KP.LEFT_KNEE], xy[frames, KP.RIGHT_KNEE] = (
        track.xy[frames, KP.RIGHT_KNEE],
        track.xy[frames, KP.LEFT_KNEE],
    )
    out = assign_legs(track.with_xy(xy), contacts)
    assert not _wrong(out.track, track, KNEE).any()
    assert not _wrong(out.track, track, ANKLE).any()


def test_frames_no_contact_anchors_keep_their_labels(exact):
    track, _ = exact
    out = assign_legs(track, [])
    assert not out.anchored.any()
    np.testing.assert_array_equal(out.track.xy, track.xy)


def test_segment_length_is_the_shank_and_thigh_of_the_sprinter(exact):
    track, _ = exact
    shank = np.linalg.norm(track.xy[:, KP.LEFT_KNEE] - track.xy[:, KP.LEFT_ANKLE], axis=1)
    thigh = np.linalg.norm(track.xy[:, KP.LEFT_HIP] - track.xy[:, KP.LEFT_KNEE], axis=1)
    assert segment_length(track, KNEE, ANKLE) == pytest.approx(np.median(shank), rel=0.01)
    assert segment_length(track, HIP, KNEE) == pytest.approx(np.median(thigh), rel=0.01)
