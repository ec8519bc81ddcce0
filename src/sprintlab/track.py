"""Keypoint tracks: one person's keypoints over time.

A :class:`KeypointTrack` holds ``xy`` of shape ``(T, K, 2)`` and ``conf`` of shape ``(T, K)`` over
timestamps ``t_s`` (seconds from the first frame at the true capture rate). Missing keypoints are
NaN
in ``xy`` (and NaN or 0 in ``conf``), never 0 in ``xy``.

``space`` says what the coordinates are:

- ``"px"``: image pixels, x to the right, y down (as the model reports them);
- ``"world"``: metres in the track frame: origin on the start line at ground level, +x in the
running
  direction, +y up.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np

from .skeleton import N_KEYPOINTS

Space = Literal["px", "world"]


@dataclass(frozen=True)
class KeypointTrack:
    """One person's keypoints over time.

    Parameters
    ----------
    t_s : ndarray, shape (T,)
        Frame times in seconds from the first frame, strictly increasing.
    xy : ndarray, shape (T, K, 2)
        Keypoint coordinates; NaN where missing.
    conf : ndarray, shape (T, K)
        Keypoint confidences in [0, 1]; NaN where the person was not detected at all.
    fps : float
        True capture rate in frames per second (used to turn seconds into frames).
    space : {"px", "world"}
        Coordinate space, see module docstring.
    frame_index : ndarray of int, shape (T,)
        Index of each sample in the source video (equal to ``arange(T)`` for a full clip).
    """

    t_s: np.ndarray
    xy: np.ndarray
    conf: np.ndarray
    fps: float
    space: Space = "px"
    frame_index: np.ndarray = field(default=None)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        t = np.asarray(self.t_s, dtype=float)
        xy = np.asarray(self.xy, dtype=float)
        conf = np.asarray(self.conf, dtype=float)
        if t.ndim != 1:
            raise ValueError("t_s must be one-dimensional")
        n = t.shape[0]
        if xy.shape != (n, xy.shape[1], 2) or xy.ndim != 3:
            raise ValueError(f"xy must have shape (T, K, 2) with T={n}, got {xy.shape}")
        if conf.shape != xy.shape[:2]:
            raise ValueError(f"conf must have shape {xy.shape[:2]}, got {conf.shape}")
        if n > 1 and not np.all(np.diff(t) > 0):
            raise ValueError("t_s must be strictly increasing")
        if not self.fps > 0:
            raise ValueError(f"fps must be positive, got {self.fps}")
        if self.space not in ("px", "world"):
            raise ValueError(f"space must be 'px' or 'world', got {self.space!r}")
        fi = (
            np.arange(n, dtype=np.int64)
            if self.frame_index is None
            else np.asarray(self.frame_index, dtype=np.int64)
        )
        if fi.shape != (n,):
            raise ValueError("frame_index must have shape (T,)")
        for name, value in (("t_s", t), ("xy", xy), ("conf", conf), ("frame_index", fi)):
            value.setflags(write=False)
            object.__setattr__(self, name, value)

    @property
    def n_frames(self) -> int:
        """Number of samples T."""
        return int(self.t_s.shape[0])

    @property
    def n_keypoints(self) -> int:
        """Number of keypoints K (17 for COCO)."""
        return int(self.xy.shape[1])

    def with_xy(self, xy: np.ndarray, *, space: Space | None = None) -> KeypointTrack:
        """Return a copy with new coordinates (and optionally a new space)."""
        return replace(self, xy=np.array(xy, dtype=float), space=space or self.space)

    def point(self, index: int) -> np.ndarray:
        """Return the ``(T, 2)`` trajectory of one keypoint."""
        return self.xy[:, index, :]

    def midpoint(self, a: int, b: int) -> np.ndarray:
        """Return the ``(T, 2)`` midpoint of two keypoints (NaN if either is missing)."""
        return 0.5 * (self.xy[:, a, :] + self.xy[:, b, :])


def empty_track(t_s: np.ndarray, fps: float, n_keypoints: int = N_KEYPOINTS) -> KeypointTrack:
    """A track of the given times with every keypoint missing."""
    n = len(t_s)
    return KeypointTrack(
        t_s=np.asarray(t_s, dtype=float),
        xy=np.full((n, n_keypoints, 2), np.nan),
        conf=np.full((n, n_keypoints), np.nan),
        fps=fps,
    )
