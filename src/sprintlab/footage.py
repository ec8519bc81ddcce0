"""Footage checks: does the clip itself allow the numbers sprintlab reports?

Some clips analyse without error and still give wrong numbers: the camera pans, zooms or shakes
(pixels no longer mean the same metres), the athlete runs towards the camera (the side-view
calibration does not hold), frames repeat or are blends of their neighbours (a 24 fps
recording converted to 30 fps: times are off by up to a frame), two people sprint (which one
was measured?) or the light flickers.

This module measures these from the frames the analysis decodes anyway:

- :class:`FootageAccumulator` is fed every decoded frame once (a grey copy at most
  ``stats_width_px`` wide, about 2 ms per 1080p frame) and keeps per-frame statistics plus a
  small grey image every ``motion_interval_s`` (58 kB each: 14 MB for a 10 s clip);
- pure functions turn the accumulated arrays (and the athlete's track) into checks, and
  :func:`footage_report` gathers them into a :class:`FootageReport`;
- :func:`withhold_outputs` blanks what a fired check makes unreliable, in one place.

All positions are image pixels of the full-resolution clip (x right, y down) unless a name says
otherwise; times in seconds, frequencies in Hz.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import cv2
import numpy as np
from scipy import signal

if TYPE_CHECKING:
    from .results import RepResult
    from .track import KeypointTrack
    from .video import VideoFrame

__all__ = [
    "BlendCheck",
    "CameraMotion",
    "CameraMotionCheck",
    "CrossingCheck",
    "FlickerCheck",
    "FootageAccumulator",
    "FootageReport",
    "FootageSettings",
    "FootageStats",
    "RepeatCheck",
    "RunnerSeen",
    "RunnersCheck",
    "blend_check",
    "body_length_px",
    "camera_motion_check",
    "crossing_check",
    "distinct_frames",
    "estimate_camera_motion",
    "flicker_check",
    "footage_report",
    "repeat_check",
    "runners_check",
    "superseded_by",
    "withhold_outputs",
]

BODY_TO_STATURE = 0.779
"""Thigh + shank + trunk (mid-hip to mid-shoulder) as a fraction of stature (Drillis & Contini:
0.491 + 0.288)."""


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
        neighbours, come as low as 0.05 on a plain rendered background.
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
    blend_max_ratio: float = 0.06
    flicker_min_hz: float = 6.0
    flicker_min_amplitude_pct: float = 0.5
    flicker_min_snr: float = 10.0

    def __post_init__(self) -> None:
        if self.stats_width_px < 32:
            raise ValueError("stats_width_px must be at least 32")
        for name in ("motion_interval_s", "assumed_hfov_deg"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)}")


# --------------------------------------------------------------------------------------------
# Streaming statistics


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


# --------------------------------------------------------------------------------------------
# Camera motion


@dataclass(frozen=True)
class CameraMotion:
    """The background's motion over a clip, relative to the first kept frame.

    Attributes
    ----------
    frame_index : ndarray of int, shape (M,)
    to_first : ndarray, shape (M, 2, 3)
        Similarity transform taking full-resolution pixels of each frame to the first frame's
        (NaN where it could not be measured).
    shift_px : ndarray, shape (M, 2)
        Where the picture's centre of each frame lies in the first frame, minus the centre: the
        camera's translation seen in the image (full-resolution px).
    zoom_pct : ndarray, shape (M,)
        Scale of each frame relative to the first, minus one, in percent (positive: zoomed in).
    rotation_deg : ndarray, shape (M,)
        Rotation of each frame relative to the first (degrees, counter-clockwise in the image).
    inliers : ndarray of int, shape (M,)
        Background features that agreed on the motion.
    """

    frame_index: np.ndarray
    to_first: np.ndarray
    shift_px: np.ndarray
    zoom_pct: np.ndarray
    rotation_deg: np.ndarray
    inliers: np.ndarray


def _similarity(m: np.ndarray) -> np.ndarray:
    return np.vstack([m, [0.0, 0.0, 1.0]])


def _outside_boxes_mask(shape: tuple[int, int], box: np.ndarray | None, pad: float) -> np.ndarray:
    mask = np.full(shape, 255, dtype=np.uint8)
    if box is not None and np.all(np.isfinite(box)):
        x1, y1, x2, y2 = box
        w, h = x2 - x1, y2 - y1
        x1, x2 = int(max(0, x1 - pad * w)), int(min(shape[1], x2 + pad * w + 1))
        y1, y2 = int(max(0, y1 - pad * h)), int(min(shape[0], y2 + pad * h + 1))
        mask[y1:y2, x1:x2] = 0
    return mask


def _track_to(
    ref: np.ndarray, pts_ref: np.ndarray, img: np.ndarray
) -> tuple[np.ndarray | None, int]:
    """Similarity taking ``img`` coordinates to ``ref`` coordinates, and its inlier count."""
    if pts_ref is None or len(pts_ref) < 3:
        return None, 0
    pts, status, _ = cv2.calcOpticalFlowPyrLK(ref, img, pts_ref, None, winSize=(21, 21), maxLevel=3)
    back, status_b, _ = cv2.calcOpticalFlowPyrLK(img, ref, pts, None, winSize=(21, 21), maxLevel=3)
    ok = (status.ravel() == 1) & (status_b.ravel() == 1)
    ok &= np.linalg.norm((back - pts_ref).reshape(-1, 2), axis=1) < 0.5
    if ok.sum() < 3:
        return None, 0
    m, inl = cv2.estimateAffinePartial2D(
        pts[ok], pts_ref[ok], method=cv2.RANSAC, ransacReprojThreshold=0.7, maxIters=2000
    )
    if m is None:
        return None, 0
    return m, int(inl.sum())


def estimate_camera_motion(
    stats: FootageStats,
    athlete_boxes_xyxy_px: np.ndarray | None = None,
    box_frame_index: np.ndarray | None = None,
    settings: FootageSettings | None = None,
) -> CameraMotion:
    """Measure how the background moves, from the kept grey frames.

    Corners (``cv2.goodFeaturesToTrack``) outside the athlete's box on a reference frame are
    followed into each kept frame with pyramidal Lucas–Kanade flow (checked forwards and
    backwards), and a similarity (translation, scale, rotation) is fitted with RANSAC
    (``cv2.estimateAffinePartial2D``), so that whatever moves on its own (the athlete, other
    people) is left out as outliers. When fewer than ``min_motion_inliers`` features still agree
    (the camera has panned away from the reference), the previous kept frame becomes the reference
    and the transforms are chained.

    Parameters
    ----------
    stats : FootageStats
    athlete_boxes_xyxy_px : ndarray, shape (T, 4), optional
        The athlete's box per frame (full-resolution px, NaN where not found).
    box_frame_index : ndarray of int, shape (T,), optional
        Frame numbers of those boxes.
    settings : FootageSettings, optional

    Returns
    -------
    CameraMotion
    """
    s = settings or FootageSettings()
    imgs = stats.motion_images
    m_count = imgs.shape[0]
    k_scale = stats.scale
    box_at: dict[int, np.ndarray] = {}
    if athlete_boxes_xyxy_px is not None and box_frame_index is not None:
        for fi, b in zip(box_frame_index.tolist(), np.asarray(athlete_boxes_xyxy_px), strict=True):
            box_at[int(fi)] = b * k_scale
    to_first = np.full((m_count, 2, 3), np.nan)
    inliers = np.zeros(m_count, dtype=np.int64)

    def features(i: int) -> np.ndarray | None:
        mask = _outside_boxes_mask(
            imgs[i].shape, box_at.get(int(stats.motion_frame_index[i])), 0.25
        )
        return cv2.goodFeaturesToTrack(
            imgs[i], maxCorners=400, qualityLevel=0.01, minDistance=5, mask=mask, blockSize=5
        )

    if m_count:
        to_first[0] = np.eye(3)[:2]
        ref, ref_to_first, last_ok = 0, np.eye(3), 0
        pts = features(0)
        for i in range(1, m_count):
            m, n = _track_to(imgs[ref], pts, imgs[i])
            if (m is None or n < s.min_motion_inliers) and ref != last_ok:
                # Re-anchor on the latest frame whose motion is known (a frame that could not
                # be measured, e.g. blurred by a jerk, does not break the chain).
                ref, ref_to_first = last_ok, _similarity(to_first[last_ok])
                pts = features(ref)
                m, n = _track_to(imgs[ref], pts, imgs[i])
            if m is None or n < s.min_motion_inliers:
                continue
            to_first[i] = (ref_to_first @ _similarity(m))[:2]
            inliers[i] = n
            last_ok = i
    # Back to full-resolution pixels: T_full = S^-1 T S with S = diag(k, k).
    full = to_first.copy()
    full[:, :, 2] /= k_scale
    h, w = (imgs.shape[1] / k_scale, imgs.shape[2] / k_scale) if m_count else (0.0, 0.0)
    centre = np.array([w / 2.0, h / 2.0])
    shift = np.einsum("mij,j->mi", full[:, :, :2], centre) + full[:, :, 2] - centre
    a, b = full[:, 0, 0], full[:, 1, 0]
    zoom = 100.0 * (1.0 / np.hypot(a, b) - 1.0)
    rot = -np.degrees(np.arctan2(b, a))
    return CameraMotion(
        frame_index=stats.motion_frame_index.copy(),
        to_first=full,
        shift_px=shift,
        zoom_pct=zoom,
        rotation_deg=rot,
        inliers=inliers,
    )


@dataclass(frozen=True)
class CameraMotionCheck:
    """Does the camera move more than a tripod lets it?

    Attributes
    ----------
    fired : bool
    translation_px : float
        Largest shift of the background from its place in the first frame (full-resolution px).
    translation_to_height : float
        The same as a fraction of the athlete's standing height in pixels.
    zoom_pct : float
        Largest scale change from the first frame (%).
    rotation_deg : float
        Largest rotation from the first frame (degrees).
    measured_share : float
        Share of kept frames whose motion could be measured.
    threshold_translation_px : float
        Translation above which the camera moves: max(``max_translation_px``,
        ``max_translation_to_height`` × athlete height).
    threshold_zoom_pct, threshold_rotation_deg : float
    sentence : str
        The warning when fired; a note when the motion could be measured on too few frames
        (``measured_share`` below ``min_measured_share``); empty otherwise.
    """

    fired: bool
    translation_px: float
    translation_to_height: float
    zoom_pct: float
    rotation_deg: float
    measured_share: float
    threshold_translation_px: float
    threshold_zoom_pct: float
    threshold_rotation_deg: float
    sentence: str = ""


def _nanmax_abs(x: np.ndarray) -> float:
    x = np.abs(np.asarray(x, dtype=float))
    x = x[np.isfinite(x)]
    return float(x.max()) if x.size else math.nan


def camera_motion_check(
    motion: CameraMotion, athlete_height_px: float, settings: FootageSettings | None = None
) -> CameraMotionCheck:
    """Judge the measured camera motion against a tripod's (see :class:`FootageSettings`).

    Parameters
    ----------
    motion : CameraMotion
    athlete_height_px : float
        The athlete's standing height in pixels (NaN when unknown: the pixel threshold alone).
    """
    s = settings or FootageSettings()
    measured = np.all(np.isfinite(motion.to_first.reshape(len(motion.frame_index), -1)), axis=1)
    share = float(measured.mean()) if measured.size else math.nan
    trans = _nanmax_abs(np.linalg.norm(motion.shift_px, axis=1)) if measured.any() else math.nan
    zoom = _nanmax_abs(motion.zoom_pct)
    rot = _nanmax_abs(motion.rotation_deg)
    height = float(athlete_height_px)
    thr = s.max_translation_px
    if math.isfinite(height) and height > 0:
        thr = max(thr, s.max_translation_to_height * height)
    rel = trans / height if math.isfinite(height) and height > 0 else math.nan
    parts = []
    if trans > thr:
        share_txt = f" ({rel:.0%} of the athlete's height)" if math.isfinite(rel) else ""
        parts.append(f"shifts the picture by up to {trans:.0f} px{share_txt}")
    if zoom > s.max_zoom_pct:
        parts.append(f"zooms by up to {zoom:.1f}%")
    if rot > s.max_rotation_deg:
        parts.append(f"turns by up to {rot:.1f}°")
    fired = bool(parts)
    sentence = ""
    if fired:
        sentence = (
            "The camera moves during the clip: it " + " and ".join(parts) + " (a tripod stays "
            f"within {thr:.0f} px, {s.max_zoom_pct:g}% and {s.max_rotation_deg:g}°), so pixels "
            "do not map to the same metres throughout; step lengths, splits, foot-to-hip "
            "distances and the velocity curve are left empty. Film from a tripod that does not "
            "move."
        )
    elif share < s.min_measured_share:
        # Silence must not mean "steady" when the background gave too little to measure.
        sentence = (
            f"Whether the camera moves could not be measured on {1 - share:.0%} of the frames "
            "(too few background details that the athlete does not cover); the numbers assume "
            "a camera on a tripod."
        )
    return CameraMotionCheck(
        fired, trans, rel, zoom, rot, share, thr, s.max_zoom_pct, s.max_rotation_deg, sentence
    )


# --------------------------------------------------------------------------------------------
# Running across the view


@dataclass(frozen=True)
class CrossingCheck:
    """Does the athlete run across the view (side-on), as the calibration assumes?

    Attributes
    ----------
    fired : bool
    angle_deg : float
        Estimated angle between the run and the image plane (0 = straight across, 90 = straight
        towards or away from the camera); NaN when the athlete travelled too little to tell.
    size_change_pct : float
        Change of the athlete's size in the picture from the first to the last fifth of the
        track (%; thigh + shank + trunk, camera zoom removed).
    travel_across_statures : float
        Travel across the picture over the same span, in statures (camera shift removed).
    threshold_deg : float
    sentence : str
    """

    fired: bool
    angle_deg: float
    size_change_pct: float
    travel_across_statures: float
    threshold_deg: float
    sentence: str = ""


def crossing_check(
    t_s: np.ndarray,
    hip_xy_px: np.ndarray,
    body_length_px: np.ndarray,
    image_size_px: tuple[int, int],
    boxes_xyxy_px: np.ndarray | None = None,
    motion: CameraMotion | None = None,
    motion_frame_t_s: np.ndarray | None = None,
    settings: FootageSettings | None = None,
) -> CrossingCheck:
    """Estimate the angle of the run to the image plane from the athlete's track.

    A side-on run keeps the athlete's size in the picture; running at angle θ to the image plane
    changes the depth Z by D sin θ while the athlete crosses D cos θ. With the athlete's size H
    (stature in px, from thigh + shank + trunk = 0.779 stature), the crossing in
    statures is Δx / H, and the depth change in statures is Z ln(H_end / H_start) with
    Z = f / H (f the focal length in px, from ``assumed_hfov_deg``). θ = atan2(depth, across).
    It fires when θ exceeds ``max_crossing_angle_deg`` and the size changes by more than
    ``min_crossing_size_change_pct``.
    The first and last fifths of the track where the legs are seen and the athlete's box is clear
    of the picture's edges are compared: the hip by its median, the size by the 90th percentile
    of the body length (segments are at their full length in the picture only when side-on; the
    pose model shortens them more often than it lengthens them). With ``motion`` the hip is first
    mapped into the first frame and the size divided by the zoom.

    Parameters
    ----------
    t_s : ndarray, shape (T,)
    hip_xy_px : ndarray, shape (T, 2)
        Mid-hip per frame (NaN where not seen).
    body_length_px : ndarray, shape (T,)
        Thigh + shank + trunk length per frame (see :func:`body_length_px`; NaN where not seen).
    image_size_px : tuple of int
        (width, height) of the picture.
    boxes_xyxy_px : ndarray, shape (T, 4), optional
        The athlete's box per frame: frames where it is within 1% of the picture's size from an
        edge (the athlete partly out of view) are not used.
    motion : CameraMotion, optional
    motion_frame_t_s : ndarray, shape (M,), optional
        Times of ``motion``'s frames (needed with ``motion``).
    settings : FootageSettings, optional
    """
    s = settings or FootageSettings()
    t = np.asarray(t_s, dtype=float)
    hip = np.array(hip_xy_px, dtype=float)
    leg = np.array(body_length_px, dtype=float)
    if motion is not None and motion_frame_t_s is not None and len(motion_frame_t_s) >= 2:
        ok_m = np.all(np.isfinite(motion.to_first.reshape(len(motion_frame_t_s), -1)), axis=1)
        if ok_m.sum() >= 2:
            tm = np.asarray(motion_frame_t_s)[ok_m]
            tf = motion.to_first[ok_m].reshape(-1, 6)
            m = np.column_stack([np.interp(t, tm, tf[:, k]) for k in range(6)]).reshape(-1, 2, 3)
            hip = np.einsum("tij,tj->ti", m[:, :, :2], hip) + m[:, :, 2]
            leg = leg * np.hypot(m[:, 0, 0], m[:, 1, 0])
    usable = np.isfinite(leg) & np.all(np.isfinite(hip), axis=1)
    width_px, height_px = image_size_px
    if boxes_xyxy_px is not None:
        b = np.asarray(boxes_xyxy_px, dtype=float)
        mx, my = 0.01 * width_px, 0.01 * height_px
        with np.errstate(invalid="ignore"):
            usable &= (
                (b[:, 0] > mx)
                & (b[:, 2] < width_px - mx)
                & (b[:, 1] > my)
                & (b[:, 3] < height_px - my)
            )
    ok = np.flatnonzero(usable)
    nan = CrossingCheck(False, math.nan, math.nan, math.nan, s.max_crossing_angle_deg)
    if ok.size < 10:
        return nan
    n5 = max(3, ok.size // 5)
    first, last = ok[:n5], ok[-n5:]
    h1 = float(np.percentile(leg[first], 90)) / BODY_TO_STATURE
    h2 = float(np.percentile(leg[last], 90)) / BODY_TO_STATURE
    dx = float(np.median(hip[last, 0]) - np.median(hip[first, 0]))
    h_mean = 0.5 * (h1 + h2)
    focal_px = (width_px / 2.0) / math.tan(math.radians(s.assumed_hfov_deg) / 2.0)
    across = abs(dx) / h_mean
    depth = (focal_px / h_mean) * abs(math.log(h2 / h1))
    size_change = 100.0 * (h2 / h1 - 1.0)
    if across + depth < s.min_crossing_travel_statures:
        return replace(nan, size_change_pct=size_change, travel_across_statures=across)
    angle = math.degrees(math.atan2(depth, across))
    fired = angle > s.max_crossing_angle_deg and abs(size_change) > s.min_crossing_size_change_pct
    sentence = ""
    if fired:
        way = "towards" if h2 > h1 else "away from"
        sentence = (
            f"The athlete does not run across the view: they grow {size_change:+.0f}% in the "
            f"picture while crossing {across:.1f} statures, i.e. they run {way} the camera about "
            f"{angle:.0f}° off side-on (more than {s.max_crossing_angle_deg:.0f}°), so the "
            "calibration's metres do not hold along the run; step lengths, splits, foot-to-hip "
            "distances and the velocity curve are left empty. Film side-on to the lane."
        )
    return CrossingCheck(fired, angle, size_change, across, s.max_crossing_angle_deg, sentence)


# --------------------------------------------------------------------------------------------
# Repeated frames


@dataclass(frozen=True)
class RepeatCheck:
    """Do frames repeat the one before (frame-rate conversion, duplicated frames)?

    Attributes
    ----------
    fired : bool
    n_repeated : int
        Frames found repeating the previous one (among the counted ones).
    n_counted : int
        Frame pairs that could be judged (the picture moves around them).
    fraction : float
        ``n_repeated / n_counted``.
    threshold_fraction : float
    period_frames : int
        When the repeats follow a regular pattern, its period in frames (0 otherwise).
    repeat_phases : tuple of int
        Frame numbers modulo ``period_frames`` that repeat.
    distinct_fps : float
        Rate of the distinct frames (the original recording) when the pattern is regular; NaN
        otherwise.
    repeated_frames : tuple of int
        Frame numbers treated as repeats (the whole pattern over the clip when regular, else the
        ones found).
    sentence : str
    """

    fired: bool
    n_repeated: int
    n_counted: int
    fraction: float
    threshold_fraction: float
    period_frames: int = 0
    repeat_phases: tuple[int, ...] = ()
    distinct_fps: float = math.nan
    repeated_frames: tuple[int, ...] = field(default=(), repr=False)
    sentence: str = ""

    @property
    def regular(self) -> bool:
        """True when the repeats follow one periodic pattern (then frames can be re-timed)."""
        return self.period_frames > 0

    @property
    def frames_to_drop(self) -> tuple[int, ...]:
        """Frames that show no new instant."""
        return self.repeated_frames


def _repeat_pattern(
    index: np.ndarray, counted: np.ndarray, repeated: np.ndarray, max_period: int
) -> tuple[int, tuple[int, ...]]:
    """Smallest period P and phases (frame number mod P) that explain the repeats, or (0, ())."""
    n_rep = int(repeated.sum())
    if n_rep < 3:
        return 0, ()
    for period in range(2, max_period + 1):
        phase = index % period
        phases = []
        for p in range(period):
            at = counted & (phase == p)
            if at.sum() >= 2 and repeated[at].mean() >= 0.8:
                phases.append(p)
        if not phases or len(phases) >= period:
            continue
        in_pattern = np.isin(phase, phases)
        explained = int((repeated & in_pattern).sum())
        outside_counted = counted & ~in_pattern
        stray = int((repeated & outside_counted).sum())
        if explained >= 0.9 * n_rep and stray <= 0.05 * max(1, int(outside_counted.sum())):
            return period, tuple(phases)
    return 0, ()


def _dip_reference(d: np.ndarray, r: int) -> np.ndarray:
    """min(max of the r values before, max of the r values after) for each element (NaN as 0)."""
    filled = np.where(np.isfinite(d), d, 0.0)
    padded = np.concatenate([np.zeros(r), filled, np.zeros(r)])
    win = np.lib.stride_tricks.sliding_window_view(padded, r)
    n = d.shape[0]
    before = win[:n].max(axis=1)
    after = win[r + 1 : r + 1 + n].max(axis=1)
    return np.minimum(before, after)


def repeat_check(stats: FootageStats, settings: FootageSettings | None = None) -> RepeatCheck:
    """Find frames that repeat the previous one, from every frame's difference to the previous.

    As in :func:`sprintlab.video.probe` (which looks at ~80 sampled frames), a pair is still when
    its difference is at most max(``repeat_still_levels``, ``repeat_still_relative`` × the local
    typical difference), the typical difference being the smaller of the largest differences
    in the ``repeat_max_run + 1`` pairs before and after it (a repeat is a dip between moving
    pairs on both sides; a sudden camera jerk next to a calm stretch is not); only pairs between
    moving pairs no more than ``repeat_max_run`` apart are counted, so the still set position or
    an empty scene is not taken for repeats. Here every frame is seen, so the repeats' pattern
    (e.g. every 5th frame in a 24 → 30 fps conversion) is found and the frames to drop are known
    over the whole clip.
    """
    s = settings or FootageSettings()
    d = stats.diff_prev_levels
    n = d.shape[0]
    empty = RepeatCheck(False, 0, 0, 0.0, s.repeat_min_fraction)
    if n < 4:
        return empty
    reference = _dip_reference(d, s.repeat_max_run + 1)
    valid = np.isfinite(d) & (reference >= s.repeat_static_levels)
    still = valid & (d <= np.maximum(s.repeat_still_levels, s.repeat_still_relative * reference))
    moving = np.flatnonzero(valid & ~still)
    counted = np.zeros(n, dtype=bool)
    repeated = np.zeros(n, dtype=bool)
    for a, b in itertools.pairwise(moving.tolist()):
        if b - a <= s.repeat_max_run + 1:
            counted[a + 1 : b + 1] = True
            repeated[a + 1 : b] = still[a + 1 : b]
    if moving.size:
        counted[moving[0]] = True
    n_counted, n_rep = int(counted.sum()), int(repeated.sum())
    fraction = n_rep / n_counted if n_counted else 0.0
    fired = n_rep >= 2 and fraction > s.repeat_min_fraction
    if not fired:
        return RepeatCheck(False, n_rep, n_counted, fraction, s.repeat_min_fraction)
    index = stats.frame_index
    period, phases = _repeat_pattern(index, counted, repeated, s.repeat_max_run)
    if period:
        rep_frames = tuple(int(i) for i in index[np.isin(index % period, phases)] if i > 0)
        distinct_fps = stats.fps * (period - len(phases)) / period
        sentence = (
            f"{n_rep} of {n_counted} frames judged repeat the previous one ({fraction:.0%}: "
            f"{len(phases)} in every {period}), so the clip was recorded at about "
            f"{distinct_fps:.4g} fps and converted to {stats.fps:.4g} fps; a repeated frame shows "
            f"the athlete up to {1000 / stats.fps:.0f} ms late, so sprintlab analysed only the "
            f"{index.size - len(rep_frames)} distinct frames, timed at the original "
            f"{distinct_fps:.4g} fps. Use the original recording if you have it."
        )
    else:
        rep_frames = tuple(int(i) for i in index[repeated])
        distinct_fps = math.nan
        sentence = (
            f"{n_rep} of {n_counted} frames judged repeat the previous one ({fraction:.0%}), in "
            "no regular pattern (dropped or duplicated frames, a variable frame rate), so the "
            "true time of each frame is unknown: contact, flight and step times and the splits "
            "are left empty. Use the original recording."
        )
    return RepeatCheck(
        True,
        n_rep,
        n_counted,
        fraction,
        s.repeat_min_fraction,
        period,
        phases,
        distinct_fps,
        rep_frames,
        sentence,
    )


def distinct_frames(track: KeypointTrack, check: RepeatCheck | BlendCheck) -> KeypointTrack:
    """The track without the repeated (or blended) frames, re-timed at the original rate.

    Only for a regular pattern (``check.regular``): the distinct frames are evenly spaced at
    ``check.distinct_fps`` and placed so that their mean time matches their timestamps' mean.
    Any other track is returned unchanged.
    """
    if not (check.fired and check.regular):
        return track
    keep = ~np.isin(track.frame_index, np.array(check.frames_to_drop, dtype=np.int64))
    t_old = track.t_s[keep]
    rank = np.arange(t_old.size) / check.distinct_fps
    t_new = rank + float(np.mean(t_old - rank))
    return replace(
        track,
        t_s=t_new,
        xy=track.xy[keep],
        conf=track.conf[keep],
        fps=check.distinct_fps,
        frame_index=track.frame_index[keep],
    )


# --------------------------------------------------------------------------------------------
# Blended frames


@dataclass(frozen=True)
class BlendCheck:
    """Are some frames blends of their neighbours (frame-rate conversion by blending)?

    Attributes
    ----------
    fired : bool
    n_blended : int
        Frames that look like the average of their neighbours, among the judged ones.
    n_counted : int
        Frames judged (the picture changes across them and they are clearly one or the other).
    fraction : float
    threshold_fraction : float
    period_frames : int
        Period of the blends' pattern in frames (the check fires only on a regular pattern: a
        real clip whose picture moves by less than a pixel between frames looks blended
        everywhere, not in a pattern).
    blend_phases : tuple of int
    distinct_fps : float
        Rate of the real frames; NaN when not fired.
    blended_frames : tuple of int
        Frame numbers following the pattern over the whole clip.
    sentence : str
    """

    fired: bool
    n_blended: int
    n_counted: int
    fraction: float
    threshold_fraction: float
    period_frames: int = 0
    blend_phases: tuple[int, ...] = ()
    distinct_fps: float = math.nan
    blended_frames: tuple[int, ...] = field(default=(), repr=False)
    sentence: str = ""

    @property
    def regular(self) -> bool:
        """True when fired (blends are reported only in a regular pattern)."""
        return self.period_frames > 0

    @property
    def frames_to_drop(self) -> tuple[int, ...]:
        """Frames that show no real instant."""
        return self.blended_frames


def blend_check(stats: FootageStats, settings: FootageSettings | None = None) -> BlendCheck:
    """Find frames that are the average of their neighbours, in a regular pattern.

    A frame is judged where the picture changes across it (``blend_span_levels`` at least
    ``repeat_static_levels``): blended when its residual from the neighbours' average is at most
    ``blend_max_ratio`` of that change. The check fires when more than ``repeat_min_fraction``
    of the judged frames are blended and the blends follow one periodic pattern (at least 80% of
    the judged frames at its phases, at most 5% elsewhere) with real frames between them (e.g.
    every other frame of a 30 → 60 fps conversion).
    """
    s = settings or FootageSettings()
    r, span = stats.blend_residual_levels, stats.blend_span_levels
    with np.errstate(invalid="ignore", divide="ignore"):
        valid = np.isfinite(r) & np.isfinite(span) & (span >= s.repeat_static_levels)
        ratio = np.where(valid, r / np.where(valid, span, 1.0), np.nan)
    blended = valid & (ratio <= s.blend_max_ratio)
    counted = valid
    n_counted, n_blend = int(counted.sum()), int(blended.sum())
    fraction = n_blend / n_counted if n_counted else 0.0
    quiet = BlendCheck(False, n_blend, n_counted, fraction, s.repeat_min_fraction)
    if n_blend < 3 or fraction <= s.repeat_min_fraction:
        return quiet
    index = stats.frame_index
    period, phases = _repeat_pattern(index, counted, blended, s.repeat_max_run)
    if not period:
        return quiet
    frames = tuple(int(i) for i in index[np.isin(index % period, phases)])
    distinct_fps = stats.fps * (period - len(phases)) / period
    sentence = (
        f"{n_blend} of {n_counted} frames judged are blends of their neighbours "
        f"({len(phases)} in every {period}), so the clip was recorded at about "
        f"{distinct_fps:.4g} fps and converted to {stats.fps:.4g} fps by blending frames; a "
        "blended frame shows no real instant, so sprintlab analysed only the "
        f"{index.size - len(frames)} real frames, timed at the original {distinct_fps:.4g} fps. "
        "Use the original recording if you have it."
    )
    return BlendCheck(
        True,
        n_blend,
        n_counted,
        fraction,
        s.repeat_min_fraction,
        period,
        phases,
        distinct_fps,
        frames,
        sentence,
    )


# --------------------------------------------------------------------------------------------
# Light flicker


@dataclass(frozen=True)
class FlickerCheck:
    """Does the light flicker (a periodic oscillation of the picture's mean brightness)?

    Attributes
    ----------
    fired : bool
    frequency_hz : float
        Frequency of the strongest oscillation above ``flicker_min_hz`` as sampled (an alias of
        the light's frequency when that is above half the frame rate).
    amplitude_pct : float
        Its amplitude in % of the mean brightness.
    snr : float
        Its spectral peak over the median of the spectrum.
    light_hz : tuple of float
        Mains-light frequencies (50, 60, 100, 120 Hz) that alias to ``frequency_hz`` at this rate.
    threshold_amplitude_pct : float
    sentence : str
    """

    fired: bool
    frequency_hz: float
    amplitude_pct: float
    snr: float
    light_hz: tuple[float, ...]
    threshold_amplitude_pct: float
    sentence: str = ""


def _alias_hz(f_hz: float, fps: float) -> float:
    return abs(f_hz - fps * round(f_hz / fps))


def flicker_check(
    brightness_levels: np.ndarray, fps: float, settings: FootageSettings | None = None
) -> FlickerCheck:
    """Look for a periodic oscillation of the mean brightness (LED, sodium or fluorescent light).

    The brightness series has its slow part removed (linear trend), then its periodogram
    (``scipy.signal.periodogram``, Hann window) gives the strongest peak at or above
    ``flicker_min_hz``; a sinusoid fitted at that frequency (least squares, with a cubic trend)
    gives the amplitude.
    """
    s = settings or FootageSettings()
    b = np.asarray(brightness_levels, dtype=float)
    b = b[np.isfinite(b)]
    none = FlickerCheck(False, math.nan, math.nan, math.nan, (), s.flicker_min_amplitude_pct)
    if b.size < 16 or not np.mean(b) > 0:
        return none
    f, p = signal.periodogram(b, fs=fps, window="hann", detrend="linear")
    band = (f >= s.flicker_min_hz) & (f > 2.0 * fps / b.size)
    if band.sum() < 4:
        return none
    k = np.flatnonzero(band)[int(np.argmax(p[band]))]
    f0 = float(f[k])
    snr = float(p[k] / max(np.median(p[band]), 1e-12))
    t = np.arange(b.size) / fps
    tn = (t - t.mean()) / max(t.std(), 1e-9)
    design = np.column_stack(
        [np.cos(2 * np.pi * f0 * t), np.sin(2 * np.pi * f0 * t), np.ones_like(t), tn, tn**2, tn**3]
    )
    coef, *_ = np.linalg.lstsq(design, b, rcond=None)
    amp = float(np.hypot(coef[0], coef[1]))
    if abs(f0 - fps / 2) < fps / b.size:
        amp = float(abs(coef[0]))  # at the Nyquist rate the sine term is not seen
    amp_pct = 100.0 * amp / float(np.mean(b))
    light = tuple(
        float(x) for x in (50.0, 60.0, 100.0, 120.0) if abs(_alias_hz(x, fps) - f0) <= 1.5
    )
    fired = amp_pct > s.flicker_min_amplitude_pct and snr >= s.flicker_min_snr
    sentence = ""
    if fired:
        src = (
            " (" + " or ".join(f"{x:g} Hz" for x in light) + f" lighting seen at {fps:.4g} fps)"
            if light and any(abs(x - f0) > 1.5 for x in light)
            else ""
        )
        sentence = (
            f"The light flickers: the picture's brightness oscillates by ±{amp_pct:.1f}% at "
            f"{f0:.1f} Hz{src}. The pose keypoints are hardly affected, but the picture of each "
            "frame differs in brightness, which can hide repeated frames and disturbs any "
            "comparison of frames; film in daylight or under flicker-free light if you can."
        )
    return FlickerCheck(fired, f0, amp_pct, snr, light, s.flicker_min_amplitude_pct, sentence)


# --------------------------------------------------------------------------------------------
# Several runners


@dataclass(frozen=True)
class RunnerSeen:
    """One person the tracker saw running.

    Attributes
    ----------
    start_xy_px : tuple of float
        Centre of their box when first seen (full-resolution px).
    start_box_xyxy_px : tuple of float
        Their box when first seen.
    start_t_s : float
        When they were first seen (s from the first frame).
    speed_heights_per_s : float
        Sustained horizontal speed in box heights per second.
    median_height_px : float
        Their median box height.
    measured : bool
        True for the one sprintlab measured.
    """

    start_xy_px: tuple[float, float]
    start_box_xyxy_px: tuple[float, float, float, float]
    start_t_s: float
    speed_heights_per_s: float
    median_height_px: float
    measured: bool


@dataclass(frozen=True)
class RunnersCheck:
    """Is more than one person sprinting in view?

    Attributes
    ----------
    fired : bool
    n_runners : int
        People seen running at the same time as the athlete (the athlete included).
    measured_start_xy_px : tuple of float
        Where the measured runner started (NaN when unknown).
    chosen_by : str
        ``"speed"`` (the fastest, the nearer one on a tie) or ``"athlete_px"`` (the point given).
    other_starts_xy_px : tuple of tuple of float
        Where the other runners started (px), fastest first.
    sentence : str
    """

    fired: bool
    n_runners: int
    measured_start_xy_px: tuple[float, float]
    chosen_by: str
    other_starts_xy_px: tuple[tuple[float, float], ...] = ()
    sentence: str = ""


def runners_check(
    runners: Sequence[RunnerSeen], athlete_px: tuple[float, float] | None = None
) -> RunnersCheck:
    """Say which runner was measured when several sprint in view, and how to choose another."""
    measured = [r for r in runners if r.measured]
    start = measured[0].start_xy_px if measured else (math.nan, math.nan)
    chosen_by = "athlete_px" if athlete_px is not None else "speed"
    n = len(runners)
    if n < 2:
        return RunnersCheck(False, n, start, chosen_by)
    others = sorted((r for r in runners if not r.measured), key=lambda r: -r.speed_heights_per_s)
    where = f"starting at x≈{start[0]:.0f} px, y≈{start[1]:.0f} px"
    if athlete_px is not None:
        how = f"the runner nearest the point ({athlete_px[0]:.0f}, {athlete_px[1]:.0f}) given"
    else:
        words = []
        if measured:
            m = measured[0]
            speed = m.speed_heights_per_s * m.median_height_px
            if all(speed >= r.speed_heights_per_s * r.median_height_px for r in others):
                words.append("faster" if n == 2 else "fastest")
            if all(m.median_height_px >= r.median_height_px for r in others):
                words.append("nearer" if n == 2 else "nearest")
        how = f"the {' and '.join(words) or 'chosen one'} of {n} runners"
    other_txt = "; ".join(
        f"x≈{r.start_xy_px[0]:.0f} px, y≈{r.start_xy_px[1]:.0f} px at {r.start_t_s:.2f} s"
        for r in others
    )
    sentence = (
        f"{n} people sprint in view; sprintlab measured {how}, {where} (the other"
        f"{'s' if len(others) > 1 else ''} first seen at {other_txt}). To measure another, give "
        "--athlete-px X,Y (or athlete_px = [X, Y] in the clip's .toml) with a point on that "
        "runner where it is first seen."
    )
    starts = tuple(r.start_xy_px for r in others)
    return RunnersCheck(True, n, start, chosen_by, starts, sentence)


# --------------------------------------------------------------------------------------------
# Report


@dataclass(frozen=True)
class FootageReport:
    """All footage checks of one clip.

    Attributes
    ----------
    camera : CameraMotionCheck
    crossing : CrossingCheck
    repeats : RepeatCheck
    flicker : FlickerCheck
    runners : RunnersCheck
    athlete_height_px : float
        The athlete's standing height in the picture used by the checks (px).
    blends : BlendCheck
    """

    camera: CameraMotionCheck
    crossing: CrossingCheck
    repeats: RepeatCheck
    flicker: FlickerCheck
    runners: RunnersCheck
    athlete_height_px: float
    blends: BlendCheck = field(
        default_factory=lambda: BlendCheck(False, 0, 0, 0.0, FootageSettings().repeat_min_fraction)
    )

    @property
    def sentences(self) -> list[str]:
        """The warnings of the checks that fired, and the note when the camera's motion could not
        be measured."""
        checks = (self.camera, self.crossing, self.repeats, self.blends, self.flicker, self.runners)
        return [c.sentence for c in checks if c.sentence]

    @property
    def distances_reason(self) -> str | None:
        """Why distances are withheld (None: they are not)."""
        reasons = []
        if self.camera.fired:
            reasons.append("the camera moves")
        if self.crossing.fired:
            reasons.append("the athlete does not run across the view")
        return " and ".join(reasons) or None

    @property
    def timing_check(self) -> RepeatCheck | BlendCheck:
        """The check whose frames to drop before timing: repeats when they fired, else blends."""
        return self.repeats if self.repeats.fired else self.blends

    @property
    def timing_reason(self) -> str | None:
        """Why times are withheld (None: they are not)."""
        if self.repeats.fired and not self.repeats.regular:
            return "frames repeat in no regular pattern"
        return None

    def to_dict(self) -> dict[str, Any]:
        """The rep.json ``footage`` block."""
        from .jsonutil import json_ready

        def block(check: Any, skip: tuple[str, ...] = ()) -> dict[str, Any]:
            out = {}
            for k, v in check.__dict__.items():
                if k in skip:
                    continue
                out[k] = json_ready(v)
            return out

        return {
            "camera_motion": block(self.camera),
            "crossing": block(self.crossing),
            "repeated_frames": block(self.repeats, skip=("repeated_frames",)),
            "blended_frames": block(self.blends, skip=("blended_frames",)),
            "flicker": block(self.flicker),
            "runners": block(self.runners),
            "athlete_height_px": self.athlete_height_px,
            "withheld": {"distances": self.distances_reason, "timing": self.timing_reason},
        }


def body_length_px(track: KeypointTrack) -> np.ndarray:
    """Thigh + shank + trunk length per frame (px): the legs' mean (of the sides seen) plus the
    mid-hip to mid-shoulder distance; NaN where either is missing.

    The sum changes less with posture than either part as the pose model sees it: in the crouched
    start it finds the legs short and the trunk long (a block start's first fifth: legs 20% short,
    trunk 25% long, the sum within 3% of the upright athlete's).
    """
    from .kinematics import hip_mid
    from .skeleton import ANKLE, HIP, KNEE, KP, SIDES

    per_side = []
    for side in SIDES:
        hip, knee, ankle = track.point(HIP[side]), track.point(KNEE[side]), track.point(ANKLE[side])
        per_side.append(np.linalg.norm(hip - knee, axis=1) + np.linalg.norm(knee - ankle, axis=1))
    stacked = np.column_stack(per_side)
    legs = np.full(stacked.shape[0], np.nan)
    ok = np.any(np.isfinite(stacked), axis=1)
    legs[ok] = np.nanmean(stacked[ok], axis=1)
    shoulders = track.midpoint(KP.LEFT_SHOULDER, KP.RIGHT_SHOULDER)
    return legs + np.linalg.norm(shoulders - hip_mid(track), axis=1)


def footage_report(
    stats: FootageStats,
    track_px: KeypointTrack,
    boxes_xyxy_px: np.ndarray,
    image_size_px: tuple[int, int],
    runners: Sequence[RunnerSeen] = (),
    athlete_px: tuple[float, float] | None = None,
    conf_threshold: float = 0.3,
    settings: FootageSettings | None = None,
) -> FootageReport:
    """Run every footage check on a clip's statistics and the athlete's pixel track.

    Parameters
    ----------
    stats : FootageStats
        From :class:`FootageAccumulator`.
    track_px : KeypointTrack
        The athlete's keypoints in pixels (one row per frame read).
    boxes_xyxy_px : ndarray, shape (T, 4)
        The athlete's box per row of ``track_px``.
    image_size_px : tuple of int
        (width, height) of the picture.
    runners : sequence of RunnerSeen
        People the tracker saw running (see :mod:`sprintlab.tracking`).
    athlete_px : tuple of float, optional
        The image point the user gave to choose the athlete.
    conf_threshold : float
        Keypoints below this confidence are not used.
    settings : FootageSettings, optional
    """
    from .kinematics import hip_mid

    s = settings or FootageSettings()
    xy = np.array(track_px.xy, dtype=float)
    xy[np.asarray(track_px.conf) < conf_threshold] = np.nan
    masked = track_px.with_xy(xy)
    leg = body_length_px(masked)
    finite_leg = leg[np.isfinite(leg)]
    height_px = (
        float(np.percentile(finite_leg, 75)) / BODY_TO_STATURE if finite_leg.size else math.nan
    )
    motion = estimate_camera_motion(stats, boxes_xyxy_px, track_px.frame_index, s)
    camera = camera_motion_check(motion, height_px, s)
    t_motion = np.interp(motion.frame_index, stats.frame_index, stats.t_s)
    crossing = crossing_check(
        track_px.t_s, hip_mid(masked), leg, image_size_px, boxes_xyxy_px, motion, t_motion, s
    )
    if camera.fired:
        # A panning or zooming camera changes the athlete's size and travel in the picture by
        # itself (a pan brings the athlete nearer along the line of sight): the camera check
        # already says what is wrong; the crossing angle is kept as measured but not judged.
        crossing = replace(crossing, fired=False, sentence="")
    return FootageReport(
        camera=camera,
        crossing=crossing,
        repeats=repeat_check(stats, s),
        flicker=flicker_check(stats.brightness_levels, stats.fps, s),
        runners=runners_check(runners, athlete_px),
        athlete_height_px=height_px,
        blends=blend_check(stats, s),
    )


def superseded_by(warning: str, report: FootageReport) -> bool:
    """True for :func:`sprintlab.video.probe`'s repeated-frame warning (from ~80 sampled
    frames) when the repeat check, which sees every frame, has fired and says more."""
    return (
        report.repeats.fired
        and "of consecutive frames in" in warning
        and "repeat the previous one" in warning
    )


# --------------------------------------------------------------------------------------------
# Withholding


_DISTANCE_STEP_FIELDS = (
    "step_length_m",
    "step_velocity_mps",
    "touchdown_distance_m",
    "toeoff_distance_m",
    "foot_x_m",
)
_TIMING_STEP_FIELDS = (
    "contact_time_s",
    "flight_time_s",
    "step_time_s",
    "step_frequency_hz",
    "step_velocity_mps",
)
_DISTANCE_SERIES = ("hip_x_m", "hip_y_m", "hip_vx_mps", "ankle_left_x_m", "ankle_right_x_m")


def withhold_outputs(
    result: RepResult, *, distances_reason: str | None, timing_reason: str | None
) -> RepResult:
    """Blank the outputs a footage problem makes unreliable, saying why.

    With ``distances_reason``: step lengths and velocities, foot-to-hip distances at touchdown and
    toe-off, foot positions, the splits, the hip's position and velocity series, the peak hip
    velocity and the velocity-curve profile become null. With ``timing_reason``: contact, flight
    and step times, step frequency and velocity, and the splits. Returns a new result; the
    reasons are recorded in ``extra["withheld"]``.
    """
    if distances_reason is None and timing_reason is None:
        return result
    fields: list[str] = []
    if distances_reason:
        fields += _DISTANCE_STEP_FIELDS
    if timing_reason:
        fields += _TIMING_STEP_FIELDS
    steps = [replace(st, **{f: math.nan for f in fields}) for st in result.steps]
    splits = {k: math.nan for k in result.splits}
    series = result.series.copy()
    extra = dict(result.extra)
    warns = list(result.warnings)
    if distances_reason:
        for col in _DISTANCE_SERIES:
            if col in series:
                series[col] = math.nan
        extra["peak_hip_velocity_mps"] = math.nan
        reason = f"No velocity curve, profile or 20/40-yard estimate: {distances_reason}."
        extra["profile"] = {
            "velocity_fit": None,
            "force_velocity": None,
            "estimate": None,
            "estimate_reason": reason,
            "position": (result.extra.get("profile") or {}).get("position"),
            "notes": [reason],
        }
    extra["withheld"] = {"distances": distances_reason, "timing": timing_reason}
    return replace(result, steps=steps, splits=splits, series=series, extra=extra, warnings=warns)
