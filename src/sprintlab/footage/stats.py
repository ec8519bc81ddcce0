"""Per-frame statistics gathered while a clip is decoded, and the footage checks' settings."""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import cv2
import numpy as np

if TYPE_CHECKING:
    from ..video import VideoFrame


@dataclass(frozen=True)
class FootageSettings:
    """Parameters and thresholds of the footage checks.

    Attributes
    ----------
    stats_width_px : int
        Frames are reduced to grey at most this wide for every statistic (area interpolation by
        a whole factor: 1920 → 320, 1280 → 320, 1768 → 294 px).
    motion_interval_s : float
        Time between the frames kept for the camera-motion estimate.
    max_translation_to_height : float
        The camera moves when the background shifts by more than this fraction of the athlete's
        standing height in pixels (anywhere in the clip, from its position in the first frame).
    max_translation_px : float
        ... and by more than this many full-resolution pixels (below it the measurement is noise).
    max_zoom_pct : float
        The camera zooms when the picture's scale changes by more than this (%).
    max_rotation_deg : float
        The camera turns (rolls) when the picture rotates by more than this (degrees).

        The three camera thresholds come from measurement: rendered tripod clips gave at most
        0.4 px, 0.1% and 0.03° (encoder and sensor noise), a real tripod clip (the Sports2D demo)
        0.4 px, 0.09% and 0.02°, and twelve hand-held phone clips 8–82 px, 0.2–2.3% and
        0.12–1.26° (each fired by at least one of the three).
    min_motion_inliers : int
        Background features that must agree on a motion for it to count as measured.
    min_measured_share : float
        When the motion is measured on fewer of the kept frames than this, a note says so.
    max_crossing_angle_deg : float
        The athlete does not run across the view when the run is more than this far from the
        image plane (0 = straight across, 90 = straight towards or away from the camera).
    assumed_hfov_deg : float
        Horizontal field of view assumed for the crossing angle (a phone's main camera, ~70°).
    min_crossing_travel_statures : float
        Below this much travel (statures, across plus in depth) the crossing angle is not judged.
    min_crossing_size_change_pct : float
        ... nor when the athlete's size changes by less than this (%): the pose model's body
        length drifts by up to ~22% over a side-on run (a runner passing behind, the crouch).
    repeat_min_fraction : float
        Repeated frames are reported when more than this fraction of the counted frame pairs
        repeat (as in :func:`sprintlab.video.probe`).
    repeat_still_levels, repeat_still_relative : float
        A frame pair is still when its difference is at most max(levels, relative × the local
        typical difference of moving pairs).
    repeat_static_levels : float
        Stretches whose typical difference is below this (grey levels) are a still scene: they
        cannot tell repeats from real frames and are not counted.
    repeat_max_run : int
        A still stretch longer than this many pairs is a still scene, not repeats.
    blend_max_ratio : float
        A frame whose distance from its neighbours' average is at most this times the change
        across it is a blend. Blended frames written by H.264 measured 0.01–0.04 (5th–95th
        percentile); real frames 0.4–0.8, but the encoder's B-frames, predicted from both
        neighbours, come as low as 0.05 on a plain rendered background. The threshold sits
        below those (a B-frame taken for a blend would drop real frames and re-time the clip).
    flicker_min_hz : float
        Brightness oscillations below this frequency are lighting changes, the athlete or the
        camera, not flicker.
    flicker_min_amplitude_pct : float
        Flicker is reported when the mean brightness oscillates by more than this (% of the mean,
        amplitude of the sinusoid) ...
    flicker_min_snr : float
        ... and its spectral peak stands this many times above the median of the spectrum.
    """

    stats_width_px: int = 320
    motion_interval_s: float = 0.04
    max_translation_to_height: float = 0.03
    max_translation_px: float = 3.0
    max_zoom_pct: float = 1.0
    max_rotation_deg: float = 0.3
    min_motion_inliers: int = 20
    min_measured_share: float = 0.5
    max_crossing_angle_deg: float = 25.0
    assumed_hfov_deg: float = 70.0
    min_crossing_travel_statures: float = 1.0
    min_crossing_size_change_pct: float = 30.0
    repeat_min_fraction: float = 0.05
    repeat_still_levels: float = 2.0
    repeat_still_relative: float = 0.25
    repeat_static_levels: float = 8.0
    repeat_max_run: int = 16
    blend_max_ratio: float = 0.045
    flicker_min_hz: float = 6.0
    flicker_min_amplitude_pct: float = 0.5
    flicker_min_snr: float = 10.0

    def __post_init__(self) -> None:
        if self.stats_width_px < 32:
            raise ValueError("stats_width_px must be at least 32")
        for name in ("motion_interval_s", "assumed_hfov_deg"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)}")


@dataclass(frozen=True)
class FootageStats:
    """What :class:`FootageAccumulator` gathered over a clip.

    Attributes
    ----------
    frame_index : ndarray of int, shape (N,)
        Frames seen, in order.
    t_s : ndarray, shape (N,)
        Their capture times.
    diff_prev_levels : ndarray, shape (N,)
        Difference of each frame to the previous one: the 99.9th percentile of the absolute grey
        difference of the reduced frames (grey levels, 0–255); NaN for the first frame and after
        a gap in the frame numbers.
    brightness_levels : ndarray, shape (N,)
        Mean grey level of each reduced frame.
    blend_residual_levels : ndarray, shape (N,)
        How far each frame is from the average of its two neighbours: the 99.9th percentile of
        |frame − (previous + next) / 2| (grey levels); NaN at the ends and next to a gap.
    blend_span_levels : ndarray, shape (N,)
        How much the picture changes across it: the 99.9th percentile of |next − previous|.
    motion_frame_index : ndarray of int, shape (M,)
        Frames kept for the camera motion.
    motion_images : ndarray of uint8, shape (M, h, w)
        Their reduced grey images.
    scale : float
        Reduced width over the clip's width (multiply full-resolution pixels by it).
    fps : float
        Capture rate.
    """

    frame_index: np.ndarray
    t_s: np.ndarray
    diff_prev_levels: np.ndarray
    brightness_levels: np.ndarray
    blend_residual_levels: np.ndarray
    blend_span_levels: np.ndarray
    motion_frame_index: np.ndarray
    motion_images: np.ndarray
    scale: float
    fps: float

    @property
    def n_frames(self) -> int:
        """Number of frames seen N."""
        return int(self.frame_index.shape[0])


def _p999(diff: np.ndarray) -> float:
    """99.9th percentile of a uint8 absolute-difference image (grey levels): the (k+1)-th
    smallest value with k = int(0.999 (n − 1)), read from the histogram (as ``np.partition``
    would give it, ~10x faster)."""
    hist = cv2.calcHist([diff], [0], None, [256], [0, 256]).ravel()
    k = int(0.999 * (diff.size - 1))
    return float(np.searchsorted(np.cumsum(hist), k + 1))


class FootageAccumulator:
    """Collects cheap per-frame statistics of a clip while it is decoded for the pose model.

    Feed every decoded frame with :meth:`add` (frames already seen, e.g. when a clip is streamed a
    second time, are ignored), then call :meth:`stats`.

    Parameters
    ----------
    fps : float
        Capture rate of the clip (frames per second).
    settings : FootageSettings
    """

    def __init__(self, fps: float, settings: FootageSettings | None = None) -> None:
        if not (math.isfinite(fps) and fps > 0):
            raise ValueError(f"fps must be positive, got {fps!r}")
        self.fps = float(fps)
        self.settings = settings or FootageSettings()
        self._motion_step = max(1, round(self.settings.motion_interval_s * self.fps))
        self._index: list[int] = []
        self._t: list[float] = []
        self._diff: list[float] = []
        self._bright: list[float] = []
        self._motion_index: list[int] = []
        self._motion: list[np.ndarray] = []
        self._prev: np.ndarray | None = None
        self._prev2: np.ndarray | None = None
        self._residual: list[float] = []
        self._span: list[float] = []
        self._scale = math.nan

    def add(self, index: int, t_s: float, image_bgr: np.ndarray) -> None:
        """Take one decoded BGR frame (any size; frames must come in increasing index)."""
        index = int(index)
        if self._index and index <= self._index[-1]:
            return
        h, w = image_bgr.shape[:2]
        # A whole reduction factor keeps OpenCV's area resize on its fast path (~4x faster than
        # an arbitrary factor); the few pixels past a multiple of it are left out.
        # Grey first: resizing one channel costs about half of resizing three.
        k = max(1, math.ceil(w / self.settings.stats_width_px))
        grey = cv2.cvtColor(image_bgr, cv2.COLOR_BGR2GRAY) if image_bgr.ndim == 3 else image_bgr
        if k > 1:
            out_w, out_h = w // k, max(1, h // k)
            grey = cv2.resize(
                grey[: out_h * k, : out_w * k], (out_w, out_h), interpolation=cv2.INTER_AREA
            )
        self._scale = 1.0 / k
        contiguous = bool(self._index) and index == self._index[-1] + 1
        if self._prev is not None and contiguous and self._prev.shape == grey.shape:
            self._diff.append(_p999(cv2.absdiff(grey, self._prev)))
        else:
            self._diff.append(math.nan)
            self._prev2 = None
        if self._residual:
            # The previous frame against the average of its neighbours (this frame and the one
            # before it).
            if self._prev2 is not None and math.isfinite(self._diff[-1]):
                mean = cv2.addWeighted(self._prev2, 0.5, grey, 0.5, 0.0)
                self._residual[-1] = _p999(cv2.absdiff(self._prev, mean))
                self._span[-1] = _p999(cv2.absdiff(grey, self._prev2))
        self._residual.append(math.nan)
        self._span.append(math.nan)
        self._bright.append(float(cv2.mean(grey)[0]))
        self._index.append(index)
        self._t.append(float(t_s))
        if index % self._motion_step == 0:
            self._motion_index.append(index)
            self._motion.append(grey)
        self._prev2 = self._prev if contiguous else None
        self._prev = grey

    def tap(self, frames: Iterable[VideoFrame]) -> Iterator[VideoFrame]:
        """Pass frames through unchanged, adding each to the statistics on the way."""
        for frame in frames:
            self.add(frame.index, frame.t_s, frame.image)
            yield frame

    def stats(self) -> FootageStats:
        """The statistics gathered so far."""
        images = np.stack(self._motion) if self._motion else np.zeros((0, 1, 1), dtype=np.uint8)
        return FootageStats(
            frame_index=np.array(self._index, dtype=np.int64),
            t_s=np.array(self._t, dtype=float),
            diff_prev_levels=np.array(self._diff, dtype=float),
            brightness_levels=np.array(self._bright, dtype=float),
            blend_residual_levels=np.array(self._residual, dtype=float),
            blend_span_levels=np.array(self._span, dtype=float),
            motion_frame_index=np.array(self._motion_index, dtype=np.int64),
            motion_images=images,
            scale=self._scale,
            fps=self.fps,
        )
