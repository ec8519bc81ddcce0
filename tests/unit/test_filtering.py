import numpy as np
import pytest

from sprintlab.filtering import (
    FilterSettings,
    clean_track,
    fill_gaps_1d,
    lowpass_1d,
    mask_low_confidence,
    repair_leg_swaps,
)
from sprintlab.skeleton import KP, LEG_PAIRS
from sprintlab.track import KeypointTrack


def _running_legs(n=480, fps=240.0):
    """Two legs swinging out of phase under a hip moving forward; world-like coordinates."""
    t = np.arange(n) / fps
    xy = np.zeros((n, 17, 2))
    hip_x = 4.0 * t
    for k in range(17):
        xy[:, k, 0] = hip_x
        xy[:, k, 1] = 1.0
    phase = 2 * np.pi * 2.0 * t
    for side, sign in (("L", 1), ("R", -1)):
        knee = KP.LEFT_KNEE if side == "L" else KP.RIGHT_KNEE
        ankle = KP.LEFT_ANKLE if side == "L" else KP.RIGHT_ANKLE
        xy[:, knee, 0] = hip_x + 0.3 * sign * np.sin(phase)
        xy[:, knee, 1] = 0.5
        xy[:, ankle, 0] = hip_x + 0.5 * sign * np.sin(phase - 0.6)
        xy[:, ankle, 1] = 0.1 + 0.05 * sign * np.cos(phase)
    return KeypointTrack(t_s=t, xy=xy, conf=np.ones((n, 17)), fps=fps, space="world")


def _swap(track, frames):
    xy = np.array(track.xy)
    for left, right in LEG_PAIRS:
        xy[frames, left], xy[frames, right] = track.xy[frames, right], track.xy[frames, left]
    return track.with_xy(xy)


def test_repair_undoes_swap_bursts():
    truth = _running_legs()
    frames = np.zeros(truth.n_frames, dtype=bool)
    frames[50:62] = True
    frames[200:205] = True
    frames[330:360] = True
    swapped = _swap(truth, frames)
    repaired, flagged = repair_leg_swaps(swapped)
    np.testing.assert_allclose(repaired.xy, truth.xy)
    assert np.array_equal(flagged, frames)


def test_repair_keeps_a_clean_track():
    truth = _running_legs()
    repaired, flagged = repair_leg_swaps(truth)
    assert not flagged.any()
    np.testing.assert_allclose(repaired.xy, truth.xy)


def test_mask_low_confidence_gives_nan_not_zero():
    tr = _running_legs(n=10)
    conf = np.ones((10, 17))
    conf[3, KP.LEFT_ANKLE] = 0.1
    conf[4, :] = np.nan
    tr = KeypointTrack(t_s=tr.t_s, xy=tr.xy, conf=conf, fps=tr.fps, space="world")
    out = mask_low_confidence(tr, 0.3)
    assert np.isnan(out.xy[3, KP.LEFT_ANKLE]).all()
    assert np.isnan(out.xy[4]).all()
    assert np.isfinite(out.xy[3, KP.RIGHT_ANKLE]).all()


def test_fill_gaps_respects_max_gap():
    t = np.arange(20) / 100.0
    y = t * 2.0
    y[3:5] = np.nan  # 2 missing frames: gap 0.03 s between neighbours
    y[10:18] = np.nan  # 8 missing frames: 0.09 s
    out = fill_gaps_1d(y, t, max_gap_s=0.05)
    np.testing.assert_allclose(out[3:5], t[3:5] * 2.0)
    assert np.isnan(out[10:18]).all()


def test_lowpass_passes_slow_signal_and_keeps_nan_gaps():
    fps = 240.0
    t = np.arange(960) / fps
    slow = np.sin(2 * np.pi * 1.0 * t)
    noisy = slow + 0.05 * np.sin(2 * np.pi * 80.0 * t)
    noisy[400:420] = np.nan
    out = lowpass_1d(noisy, fps, cutoff_hz=12.0)
    assert np.isnan(out[400:420]).all()
    ok = np.isfinite(out)
    ok[380:440] = False
    ok[:30] = ok[-30:] = False
    assert np.max(np.abs(out[ok] - slow[ok])) < 0.01


def test_clean_track_end_to_end_and_settings_validation():
    tr = _running_legs()
    res = clean_track(tr, FilterSettings(cutoff_hz=20.0))
    assert res.track.xy.shape == tr.xy.shape
    assert not res.swapped.any()
    with pytest.raises(ValueError):
        FilterSettings(conf_threshold=2.0)
