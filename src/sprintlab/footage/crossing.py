"""Running across the view: does the athlete run side-on, as the calibration assumes?"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from .camera import CameraMotion
from .stats import FootageSettings

if TYPE_CHECKING:
    from ..track import KeypointTrack


BODY_TO_STATURE = 0.779
"""Thigh + shank + trunk (mid-hip to mid-shoulder) as a fraction of stature (Drillis & Contini:
0.491 + 0.288)."""


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


def body_length_px(track: KeypointTrack) -> np.ndarray:
    """Thigh + shank + trunk length per frame (px): the legs' mean (of the sides seen) plus the
    mid-hip to mid-shoulder distance; NaN where either is missing.

    The sum changes less with posture than either part as the pose model sees it: in the crouched
    start it finds the legs short and the trunk long (a block start's first fifth: legs 20% short,
    trunk 25% long, the sum within 3% of the upright athlete's).
    """
    from ..kinematics import hip_mid
    from ..skeleton import ANKLE, HIP, KNEE, KP, SIDES

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
