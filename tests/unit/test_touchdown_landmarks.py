"""The landing leg at each touchdown read by a second pose model: shin angle and foot place."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from sprintlab.pose.landmarker import MP_INDEX, N_LANDMARKS
from sprintlab.skeleton import ANKLE, KNEE, SIDES
from sprintlab.steps import build_steps
from sprintlab.touchdown_landmarks import (
    LandmarkerSettings,
    blend_landmark_place,
    landmark_shins,
    read_landing_legs,
    window_rows,
)

SHANK = 0.246 * 1.80


class FakeLandmarks:
    """Landmarks made from a track's own knees and ankles, as the landmarker would give them,
    with its left/right labels swapped on every other frame (the real one does that)."""

    def __init__(self, xy: np.ndarray, missing_rows: set[int] = frozenset()) -> None:
        self.xy = xy
        self.missing = set(missing_rows)
        self.asked: list[int] = []

    model_name = "fake"

    def landmarks(self, rows):
        out = {}
        for r in rows:
            self.asked.append(r)
            a = np.full((N_LANDMARKS, 3), np.nan)
            if r not in self.missing:
                for side in SIDES:
                    label = side if r % 2 else ("left" if side == "right" else "right")
                    a[MP_INDEX[(label, "knee")], :2] = self.xy[r, KNEE[side]]
                    a[MP_INDEX[(label, "ankle")], :2] = self.xy[r, ANKLE[side]]
                    a[MP_INDEX[(label, "knee")], 2] = a[MP_INDEX[(label, "ankle")], 2] = 0.9
            out[r] = a
        return out


def identity(xy: np.ndarray, on_leg_planes: bool) -> np.ndarray:
    return xy  # the fake's "pixels" are already world metres


@pytest.fixture(scope="module")
def steps_and_truth(exact_sprint):
    track = exact_sprint.track
    steps, _ = build_steps(
        exact_sprint.contacts, exact_sprint.first_movement, track, raw=track, shank_length_m=SHANK
    )
    truth = {round(t["touchdown_s"] * 240): t for t in exact_sprint.sprint.truth.steps}
    return steps, truth


def shins(steps, track, source, **gates):
    """Read the landing legs at the steps' touchdowns, then their shins."""
    touchdowns = [(s.touchdown_s, s.foot, s.foot_x_m) for s in steps]
    legs = read_landing_legs(touchdowns, track.t_s, track.fps, source, identity, **gates)
    out, numbers = landmark_shins(steps, legs)
    return out, numbers, legs.record


def _true(truth, step):
    return truth[min(truth, key=lambda k: abs(k - step.touchdown_s * 240))]


def test_the_landing_leg_is_found_whatever_the_labels_and_its_shin_read_at_touchdown(
    exact_sprint, steps_and_truth
):
    steps, truth = steps_and_truth
    track = exact_sprint.track
    # The pose keypoints' angle is made wrong on purpose: only the landmarks can give it back.
    wrong = [replace(s, shin_angle_td_deg=s.shin_angle_td_deg + 20) for s in steps]
    source = FakeLandmarks(np.asarray(track.xy))
    got, numbers, _ = shins(wrong, track, source)
    assert [s.shin_td_source for s in got] == ["landmarker"] * len(steps)
    assert numbers == [s.number for s in steps]
    errors = [s.shin_angle_td_deg - _true(truth, s)["shin_angle_td_deg"] for s in got]
    assert np.max(np.abs(errors)) < 1.5
    # Only the frames around each touchdown are asked for: ±10 ms at 240 fps is 2 frames.
    assert len(set(source.asked)) == 5 * len(steps)


def test_a_step_the_landmarker_did_not_see_keeps_the_pose_angle(exact_sprint, steps_and_truth):
    steps, _ = steps_and_truth
    track = exact_sprint.track
    hidden = set(window_rows(track.t_s, steps[2].touchdown_s, track.fps, 0.010))
    got, numbers, _ = shins(steps, track, FakeLandmarks(track.xy, hidden))
    assert got[2] == steps[2]
    assert got[2].shin_td_source == "pose"
    assert steps[2].number not in numbers
    assert got[3].shin_td_source == "landmarker"


def test_nobody_found_anywhere_leaves_every_step_alone_and_says_so(exact_sprint, steps_and_truth):
    steps, _ = steps_and_truth
    track = exact_sprint.track
    nobody = FakeLandmarks(track.xy, set(range(track.n_frames)))
    got, numbers, record = shins(steps, track, nobody)
    assert got == list(steps) and numbers == []
    assert "too few" in str(record["note"])


def test_the_window_is_a_time_with_at_least_one_frame_either_side():
    t = np.arange(100) / 30.0
    assert window_rows(t, 50 / 30.0, 30.0, 0.010) == [49, 50, 51]  # 30 fps: one frame is 33 ms
    t = np.arange(1000) / 240.0
    assert window_rows(t, 500.4 / 240.0, 240.0, 0.010) == [498, 499, 500, 501, 502]
    assert window_rows(t, math.nan, 240.0, 0.010) == []
    assert LandmarkerSettings().window_s == 0.010


def test_a_small_athlete_is_not_asked_and_the_rep_says_why(exact_sprint, steps_and_truth):
    steps, _ = steps_and_truth
    track = exact_sprint.track
    source = FakeLandmarks(np.asarray(track.xy))
    got, _, record = shins(steps, track, source, stature_px=50.0)
    assert got == list(steps) and source.asked == []
    assert "50 px tall" in str(record["note"])


def test_a_shank_implausible_for_the_stature_keeps_the_pose_angles(exact_sprint, steps_and_truth):
    steps, _ = steps_and_truth
    track = exact_sprint.track
    source = FakeLandmarks(np.asarray(track.xy))
    # The shank is 0.44 m: for a 2.6 m "stature" that is 0.17, not a leg.
    got, _, record = shins(steps, track, source, stature_m=2.6)
    assert got == list(steps)
    assert "not on the legs" in str(record["note"])
    ok, _, _ = shins(steps, track, source, stature_m=1.80)
    assert all(s.shin_td_source == "landmarker" for s in ok)


def test_the_foot_place_moves_halfway_to_the_landmarker_ankle_but_not_for_a_gross_error(
    exact_sprint,
):
    track = exact_sprint.track
    fm = exact_sprint.first_movement.time_s
    running = [c for c in exact_sprint.contacts if c.td_s >= fm]
    # The tracking model's places, each off by a few cm (and one by 40 cm, which the
    # landmarker's exact ankle must not be pulled to: a difference that large is a gross error
    # of one of the two, and the contact keeps its place).
    errors = ([0.04, -0.03, 0.05, -0.04, 0.02, -0.05, 0.03, -0.02, 0.04, -0.03] * 2)[: len(running)]
    errors[3] = 0.40
    off = [replace(c, foot_x_m=c.foot_x_m + e) for c, e in zip(running, errors, strict=False)]
    touchdowns = [(c.td_s, c.side, c.foot_x_m) for c in off]
    source = FakeLandmarks(np.asarray(track.xy))
    legs = read_landing_legs(touchdowns, track.t_s, track.fps, source, identity)
    placed, moved = blend_landmark_place(off, legs, fm)
    assert moved == len(off) - 1
    # The landmarker's ankle is tied to the places by the median offset (here the median of
    # the errors and the exact ankle's own offset), so what halves is each error about it.
    true_x = np.array([c.foot_x_m for c in running])
    before = np.array([c.foot_x_m for c in off]) - true_x
    after = np.array([c.foot_x_m for c in placed]) - true_x
    gross = np.array(errors) == 0.40
    assert after[gross] == pytest.approx(before[gross])  # kept its place
    shifts = np.array([p.foot_x_m - w.foot_x_m for p, w in zip(placed, off, strict=True)])
    pivots = np.array([p.pivot_x_m - w.pivot_x_m for p, w in zip(placed, off, strict=True)])
    assert shifts == pytest.approx(pivots)  # the pivot moves with the foot
    spread_before, spread_after = np.std(before[~gross]), np.std(after[~gross])
    assert spread_after == pytest.approx(spread_before / 2, rel=0.15)
    # Weight 0: nothing moves. Too few readings: nothing moves.
    none, n = blend_landmark_place(off, legs, fm, LandmarkerSettings(place_weight=0.0))
    assert none == list(off) and n == 0
    few, n = blend_landmark_place(off[:2], legs, fm)
    assert few == list(off[:2]) and n == 0
