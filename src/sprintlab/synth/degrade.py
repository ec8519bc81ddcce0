"""Make ideal keypoint tracks look like pose-model output.

Pure functions on :class:`~sprintlab.track.KeypointTrack` (world or pixel space): each returns a
new track and draws its randomness from the ``np.random.Generator`` it is given, so a test that
seeds the generator gets the same degradation every run. Durations are in seconds and converted
with the track's ``fps``; noise amplitudes are in the track's own units (m or px).
"""

from __future__ import annotations

import numpy as np
from scipy.signal import lfilter

from ..skeleton import KP, LEG_PAIRS, N_KEYPOINTS
from ..track import KeypointTrack
from .model import SyntheticSprint


def to_track(sprint: SyntheticSprint) -> KeypointTrack:
    """The ideal side-view COCO keypoints of a synthetic sprint: space "world", confidence 1."""
    t = sprint.t_s
    return KeypointTrack(
        t_s=t,
        xy=np.array(sprint.coco_world_m),
        conf=np.ones((t.size, N_KEYPOINTS)),
        fps=sprint.fps,
        space="world",
    )


def add_noise(
    track: KeypointTrack, sigma: float, *, rng: np.random.Generator, autocorr_s: float = 0.0
) -> KeypointTrack:
    """Add Gaussian noise of standard deviation ``sigma`` to every coordinate.

    With ``autocorr_s > 0`` the noise is low-pass: a stationary first-order autoregressive
    process whose autocorrelation decays as ``exp(-lag / autocorr_s)`` (same ``sigma``), like
    the slowly wandering offsets of a pose model. Missing (NaN) keypoints stay missing.
    """
    if sigma < 0 or autocorr_s < 0:
        raise ValueError("sigma and autocorr_s must be non-negative")
    white = rng.standard_normal(track.xy.shape)
    if autocorr_s > 0 and track.n_frames > 1:
        a = float(np.exp(-1.0 / (track.fps * autocorr_s)))
        # Start from the stationary distribution (first sample has unit variance already).
        noise = np.empty_like(white)
        noise[0] = white[0]
        noise[1:], _ = lfilter(
            [np.sqrt(1.0 - a * a)], [1.0, -a], white[1:], axis=0, zi=[a * white[0]]
        )
    else:
        noise = white
    return track.with_xy(track.xy + sigma * noise)


def burst_mask(
    n_frames: int, fraction: float, burst_frames: int, rng: np.random.Generator
) -> np.ndarray:
    """Boolean mask with ``round(fraction * n_frames / burst_frames)`` non-overlapping bursts of
    ``burst_frames`` frames at random places (the gaps between them are a random split)."""
    if not 0.0 <= fraction <= 1.0 or burst_frames < 1:
        raise ValueError("fraction must be in [0, 1] and bursts at least one frame long")
    n_bursts = min(round(fraction * n_frames / burst_frames), n_frames // burst_frames)
    mask = np.zeros(n_frames, dtype=bool)
    if n_bursts == 0:
        return mask
    gaps = rng.multinomial(
        n_frames - n_bursts * burst_frames, np.full(n_bursts + 1, 1.0 / (n_bursts + 1))
    )
    starts = np.cumsum(gaps[:-1]) + burst_frames * np.arange(n_bursts)
    for s in starts:
        mask[s : s + burst_frames] = True
    return mask


def _burst_frames(track: KeypointTrack, burst_s: float) -> int:
    if burst_s <= 0:
        raise ValueError("burst_s must be positive")
    return max(1, round(burst_s * track.fps))


def drop_keypoints(
    track: KeypointTrack,
    fraction: float,
    *,
    burst_s: float,
    rng: np.random.Generator,
    whole_frames: bool = False,
) -> KeypointTrack:
    """Set about ``fraction`` of the samples missing, in bursts of ``burst_s`` seconds.

    Each keypoint gets its own bursts (xy NaN, confidence 0: the person was seen but not that
    keypoint). With ``whole_frames`` the bursts remove the whole person (confidence NaN).
    """
    length = _burst_frames(track, burst_s)
    xy, conf = np.array(track.xy), np.array(track.conf)
    if whole_frames:
        gone = burst_mask(track.n_frames, fraction, length, rng)
        xy[gone], conf[gone] = np.nan, np.nan
    else:
        for k in range(track.n_keypoints):
            gone = burst_mask(track.n_frames, fraction, length, rng)
            xy[gone, k], conf[gone, k] = np.nan, 0.0
    return KeypointTrack(track.t_s, xy, conf, track.fps, track.space, track.frame_index)


def swap_legs(
    track: KeypointTrack,
    fraction: float,
    *,
    burst_s: float,
    rng: np.random.Generator,
    return_mask: bool = False,
) -> KeypointTrack | tuple[KeypointTrack, np.ndarray]:
    """Swap the left and right knee and ankle in bursts covering about ``fraction`` of frames,
    as pose models do on side views. ``return_mask`` also returns the swapped frames (T,)."""
    swapped = burst_mask(track.n_frames, fraction, _burst_frames(track, burst_s), rng)
    xy, conf = np.array(track.xy), np.array(track.conf)
    for left, right in LEG_PAIRS:
        xy[swapped, left], xy[swapped, right] = track.xy[swapped, right], track.xy[swapped, left]
        conf[swapped, left], conf[swapped, right] = (
            track.conf[swapped, right],
            track.conf[swapped, left],
        )
    out = KeypointTrack(track.t_s, xy, conf, track.fps, track.space, track.frame_index)
    return (out, swapped) if return_mask else out


def decoy_track(
    like: KeypointTrack,
    *,
    speed_mps: float = 1.4,
    x_start_m: float = -4.0,
    stature_m: float = 1.75,
) -> KeypointTrack:
    """A second person walking (or, above 2.5 m/s, jogging) through the scene, in world metres.

    Same times, fps and frame indices as ``like``; negative ``speed_mps`` walks towards -x. The
    gait is a simple periodic model (thigh and knee angles as sinusoids at a speed-dependent
    cadence) — enough to look like a person to a tracker, not a biomechanical truth.
    """
    if like.space != "world":
        raise ValueError("decoy_track builds world-space tracks: pass a world-space track")
    if not 0.3 <= abs(speed_mps) <= 6.0:
        raise ValueError("speed_mps must be a walking or jogging speed (0.3 to 6 m/s)")
    h, t, d = stature_m, like.t_s, float(np.sign(speed_mps))
    jog = abs(speed_mps) > 2.5
    step_hz = 2.6 + 0.1 * abs(speed_mps) if jog else 1.6 + 0.2 * abs(speed_mps)
    phase = np.pi * step_hz * t  # one stride (two steps) per 2*pi
    hip = np.stack([x_start_m + speed_mps * t, np.full(t.shape, 0.5 * h)], -1)
    hip[:, 1] += (0.02 if jog else 0.01) * h * np.cos(4 * phase)  # two bounces per stride
    lean = np.radians(84.0 if jog else 88.0)
    shoulder = hip + 0.288 * h * np.array([d * np.cos(lean), np.sin(lean)])
    xy = np.full((t.size, N_KEYPOINTS, 2), np.nan)
    amp_q, amp_k = np.radians(35.0 if jog else 22.0), np.radians(70.0 if jog else 35.0)
    for side, offset in (("LEFT", 0.0), ("RIGHT", np.pi)):
        q = amp_q * np.sin(2 * phase + offset)  # thigh angle from vertical, + forward
        flex = amp_k * np.clip(np.sin(2 * phase + offset - 1.2), 0, None) + np.radians(5.0)
        knee = hip + 0.245 * h * np.stack([d * np.sin(q), -np.cos(q)], -1)
        ankle = knee + 0.246 * h * np.stack([d * np.sin(q - flex), -np.cos(q - flex)], -1)
        arm = -0.8 * q  # arms swing opposite to the same-side leg
        elbow = shoulder + 0.186 * h * np.stack([d * np.sin(arm), -np.cos(arm)], -1)
        wrist = elbow + 0.146 * h * np.stack([d * np.sin(arm + 0.6), -np.cos(arm + 0.6)], -1)
        for name, pts in (
            ("HIP", hip), ("KNEE", knee), ("ANKLE", ankle), ("SHOULDER", shoulder),
            ("ELBOW", elbow), ("WRIST", wrist),
        ):  # fmt: skip
            xy[:, KP[f"{side}_{name}"]] = pts
    head = shoulder + np.array([0.0, 0.1 * h])
    xy[:, KP.NOSE] = head + np.array([d * 0.05 * h, -0.01 * h])
    for side in ("LEFT", "RIGHT"):
        xy[:, KP[f"{side}_EYE"]] = head + np.array([d * 0.045 * h, 0.0])
        xy[:, KP[f"{side}_EAR"]] = head - np.array([d * 0.01 * h, 0.0])
    conf = np.ones((t.size, N_KEYPOINTS))
    return KeypointTrack(t, xy, conf, like.fps, "world", like.frame_index)
