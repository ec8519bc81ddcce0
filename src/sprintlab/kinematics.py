"""Segment and joint angles, hip position and velocity, in the world frame.

Angles follow ../shared/design/metrics.md: a segment angle is measured from the forward horizontal
(+x), counter-clockwise positive with +y up, in degrees. 90° is vertical.
"""

from __future__ import annotations

import numpy as np

from .filtering import lowpass_1d
from .skeleton import ANKLE, HIP, KNEE, KP
from .track import KeypointTrack


def segment_angle_deg(origin: np.ndarray, tip: np.ndarray) -> np.ndarray:
    """Angle of the vector ``origin -> tip`` from the forward horizontal, degrees in (-180, 180].

    Parameters
    ----------
    origin, tip : ndarray, shape (..., 2)
        Points in the world frame (x forward, y up).
    """
    d = np.asarray(tip, dtype=float) - np.asarray(origin, dtype=float)
    return np.degrees(np.arctan2(d[..., 1], d[..., 0]))


def interior_angle_deg(a: np.ndarray, vertex: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Interior angle a–vertex–b in degrees, in [0, 180] (180 = straight)."""
    u = np.asarray(a, dtype=float) - vertex
    v = np.asarray(b, dtype=float) - vertex
    cross = u[..., 0] * v[..., 1] - u[..., 1] * v[..., 0]
    dot = np.sum(u * v, axis=-1)
    return np.degrees(np.abs(np.arctan2(cross, dot)))


def hip_mid(track: KeypointTrack) -> np.ndarray:
    """Mid-point of the two hips, shape (T, 2); falls back to the one hip seen."""
    both = track.xy[:, [KP.LEFT_HIP, KP.RIGHT_HIP]]
    return _nanmean_pair(both)


def shoulder_mid(track: KeypointTrack) -> np.ndarray:
    """Mid-point of the two shoulders, shape (T, 2); falls back to the one shoulder seen."""
    both = track.xy[:, [KP.LEFT_SHOULDER, KP.RIGHT_SHOULDER]]
    return _nanmean_pair(both)


# Keypoints that move with the trunk as a whole: hips, shoulders and head. Limbs swing on their own.
BODY_KEYPOINTS: tuple[int, ...] = (
    KP.LEFT_HIP,
    KP.RIGHT_HIP,
    KP.LEFT_SHOULDER,
    KP.RIGHT_SHOULDER,
    KP.NOSE,
    KP.LEFT_EYE,
    KP.RIGHT_EYE,
    KP.LEFT_EAR,
    KP.RIGHT_EAR,
)


def body_forward_x(track: KeypointTrack) -> np.ndarray:
    """Forward position of the body as a whole, from the consensus of its trunk and head points.

    Per frame, the forward displacement of the body is the median of the displacements of the
    :data:`BODY_KEYPOINTS` seen in both frames, and the position is their running sum, starting at
    the hip-mid's first known x (only changes of it are meaningful). On exact keypoints it moves
    like the hip-mid; on a pose model's keypoints it is robust to one or two points drifting on
    their own (the model's hip point slides as the athlete rises out of the crouch). Frames with
    no point seen in both take the interpolated displacement of their neighbours. Shape (T,), m.
    """
    x = np.asarray(track.xy)[:, list(BODY_KEYPOINTS), 0]
    dx = np.diff(x, axis=0)
    seen = np.isfinite(dx).any(axis=1)
    step = np.zeros(len(dx))
    if seen.any():
        step[seen] = np.nanmedian(dx[seen], axis=1)
        idx = np.arange(len(dx))
        step[~seen] = np.interp(idx[~seen], idx[seen], step[seen])
    hip_x = hip_mid(track)[:, 0]
    known = np.flatnonzero(np.isfinite(hip_x))
    x0 = float(hip_x[known[0]]) if known.size else 0.0
    return x0 + np.concatenate([[0.0], np.cumsum(step)])


def trunk_angle_deg(track: KeypointTrack) -> np.ndarray:
    """Trunk angle: hip-mid -> shoulder-mid from the forward horizontal (90 = upright), (T,)."""
    return segment_angle_deg(hip_mid(track), shoulder_mid(track))


def shin_angle_deg(track: KeypointTrack, side: str) -> np.ndarray:
    """Shank angle (ankle -> knee) of one leg from the forward horizontal, shape (T,).

    Below 90° the knee is ahead of the ankle (a forward-leaning shin).
    """
    return segment_angle_deg(track.point(ANKLE[side]), track.point(KNEE[side]))


def knee_angle_deg(track: KeypointTrack, side: str) -> np.ndarray:
    """Interior hip–knee–ankle angle of one leg (180 = straight), shape (T,)."""
    return interior_angle_deg(
        track.point(HIP[side]), track.point(KNEE[side]), track.point(ANKLE[side])
    )


def hip_angle_deg(track: KeypointTrack, side: str) -> np.ndarray:
    """Interior angle between the trunk (hip-mid -> shoulder-mid) and the thigh (hip -> knee)."""
    hm = hip_mid(track)
    trunk_dir = shoulder_mid(track) - hm
    thigh_dir = track.point(KNEE[side]) - track.point(HIP[side])
    return interior_angle_deg(hm + trunk_dir, hm, hm + thigh_dir)


def velocity(y: np.ndarray, fps: float, cutoff_hz: float | None = None) -> np.ndarray:
    """Time derivative by central differences (per second), optionally low-passed first.

    Parameters
    ----------
    y : ndarray, shape (T,) or (T, D)
        Signal sampled at ``fps``; NaN gaps are respected.
    fps : float
        Sampling rate in Hz.
    cutoff_hz : float, optional
        Low-pass cutoff applied before differentiation.
    """
    y = np.asarray(y, dtype=float)
    if cutoff_hz is not None:
        if y.ndim == 1:
            y = lowpass_1d(y, fps, cutoff_hz)
        else:
            y = np.stack([lowpass_1d(y[:, d], fps, cutoff_hz) for d in range(y.shape[1])], axis=1)
    if y.shape[0] < 2:
        return np.full_like(y, np.nan)
    return np.gradient(y, 1.0 / fps, axis=0)


def _nanmean_pair(both: np.ndarray) -> np.ndarray:
    """Mean over axis 1 ignoring NaN; rows with nothing seen stay NaN without a warning."""
    count = np.sum(np.isfinite(both), axis=1)
    total = np.nansum(both, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)
