"""First movement is reported only when the start was seen; else it and the splits are null.

The tracks are the synthetic sprinter's exact keypoints (identity calibration): the true first
movement is known, and the failures seen on real footage are made by blanking or cutting frames.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sprintlab.calibration import Calibration
from sprintlab.events import EventSettings, FirstMovement
from sprintlab.pipeline import analyze_track
from sprintlab.start import check_start
from sprintlab.synth import SprintParams, simulate
from sprintlab.synth.degrade import to_track

PARAMS = SprintParams()
IDENTITY = Calibration(image_to_world=np.eye(3), method="line", rms_residual_m=0.0)
FPS = 240.0


def _analyze(track):
    px = track.with_xy(track.xy, space="px")
    return analyze_track(px, IDENTITY, rep_id="synthetic", video={}, stature_m=PARAMS.stature_m)


@pytest.fixture(scope="module")
def sprint():
    return simulate(PARAMS, FPS, 3.2)


def _blank_before(track, t_s):
    xy = np.array(track.xy)
    xy[track.t_s < t_s] = np.nan
    return track.with_xy(xy)


def _cut_before(track, t_s):
    keep = track.t_s >= t_s
    return type(track)(
        t_s=track.t_s[keep],
        xy=np.asarray(track.xy)[keep],
        conf=np.asarray(track.conf)[keep],
        fps=track.fps,
        space=track.space,
        frame_index=np.asarray(track.frame_index)[keep],
    )


def test_an_observed_start_is_reported_with_its_uncertainty(sprint):
    res = _analyze(to_track(sprint))
    fm = res.extra["first_movement"]
    assert fm["observed"] is True
    assert abs(res.first_movement_s - sprint.truth.first_movement_s) < 0.005
    # The floor (the pose model's measured spread) plus half a frame, no unseen gap.
    assert 0.040 <= fm["uncertainty_s"] < 0.041
    assert abs(fm["velocity_fit_t0_s"] - sprint.truth.first_movement_s) < 0.07
    assert math.isfinite(res.splits["10yd_s"])
    assert not any("First movement is not reported" in w for w in res.warnings)


@pytest.mark.parametrize("blank_until_s", [0.45, 0.6])
def test_an_untracked_set_position_withholds_first_movement_and_splits(sprint, blank_until_s):
    """The athlete found only after the start: the onset must not be the first tracked frame."""
    truth = sprint.truth
    res = _analyze(_blank_before(to_track(sprint), blank_until_s))
    assert math.isnan(res.first_movement_s)
    assert all(math.isnan(v) for v in res.splits.values())
    assert res.extra["first_movement"]["observed"] is False
    warning = next(w for w in res.warnings if w.startswith("First movement is not reported"))
    assert "Film from at least one second before the start" in warning
    assert res.extra["profile"]["estimate"] is None
    assert (
        "s before moving (the set position was not tracked)"
        in res.extra["first_movement"]["reason"]
    )
    # No step before the true first movement, and the steps that are reported are real ones.
    assert res.steps
    assert min(s.touchdown_s for s in res.steps) > truth.first_movement_s
    true_td = np.array([t["touchdown_s"] for t in truth.steps])
    for s in res.steps:
        assert np.min(np.abs(true_td - s.touchdown_s)) <= 2 / FPS


def test_a_clip_that_starts_after_the_start_withholds_the_splits(sprint):
    res = _analyze(_cut_before(to_track(sprint), sprint.truth.first_movement_s + 0.15))
    assert math.isnan(res.first_movement_s)
    assert all(math.isnan(v) for v in res.splits.values())
    assert "set position before the athlete moves" in res.extra["first_movement"]["reason"]


def test_a_start_seen_long_enough_is_kept_when_earlier_frames_are_missing(sprint):
    """Only the set position just before moving matters: a clip whose first 0.15 s are lost."""
    res = _analyze(_blank_before(to_track(sprint), 0.15))
    assert res.extra["first_movement"]["observed"] is True
    assert abs(res.first_movement_s - sprint.truth.first_movement_s) < 0.005
    assert abs(res.splits["10yd_s"] - sprint.truth.splits["10yd_s"]) < 0.005


def _still_then_run(fm_s: float, n: int = 720):
    t = np.arange(n) / FPS
    tp = np.maximum(t - fm_s, 0.0)
    x = 9.3 * (tp + 0.8 * np.expm1(-tp / 0.8))
    return t, x


def test_check_start_rules_on_constructed_onsets():
    t, x = _still_then_run(0.5)
    seen = np.ones_like(t, dtype=bool)
    s = EventSettings()
    good = FirstMovement(time_s=0.5, frame=120, detect_time_s=0.55)
    ok = check_start(t, seen, x, x, good, FPS, s)
    assert ok.observed and ok.reported_s == 0.5 and ok.seen_share == 1.0

    # An onset the run disagrees with (0.4 s too early, as an untracked stance gave) is withheld,
    # and the fitted start is used internally so that the stance is not taken for steps.
    early = FirstMovement(time_s=0.25, frame=60, detect_time_s=0.3)
    bad = check_start(t, seen, x, x, early, FPS, s)
    assert not bad.observed and math.isnan(bad.reported_s)
    assert "disagree" in bad.reason
    assert abs(bad.first_movement.time_s - 0.5) < 0.02

    # A rolling start: walking at 1.5 m/s into the run has no first movement to report.
    rolling = x + 1.5 * t
    roll = check_start(t, seen, rolling, rolling, good, FPS, s)
    assert not roll.observed and "not at rest" in roll.reason

    # Seen in only half the frames before the onset.
    patchy = seen.copy()
    patchy[(t > 0.3) & (t < 0.5)] = (np.arange(np.sum((t > 0.3) & (t < 0.5))) % 2).astype(bool)
    half = check_start(t, patchy, x, x, good, FPS, s)
    assert not half.observed and "only 5" in half.reason

    # An unseen stretch just before the onset widens the uncertainty by its length.
    gap = seen.copy()
    gap[(t >= 0.45) & (t < 0.5)] = False
    wide = check_start(t, gap, x, x, good, FPS, EventSettings(fm_seen_frac=0.7))
    assert wide.observed
    assert wide.uncertainty_s > math.hypot(0.04, 0.05) - 0.005
