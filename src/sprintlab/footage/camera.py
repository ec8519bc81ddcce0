"""Camera motion: how the background moves over a clip, and whether more than a tripod lets it."""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from .stats import FootageSettings, FootageStats


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
    movement : str
        When fired, what the camera did in words (the sentence's first clause), for a note
        that says the motion was followed instead.
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
    movement: str = ""


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
    n = len(motion.frame_index)
    measured = (
        np.all(np.isfinite(motion.to_first.reshape(n, -1)), axis=1) if n else np.zeros(0, bool)
    )
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
    sentence = movement = ""
    if fired:
        movement = (
            "The camera moves during the clip: it " + " and ".join(parts) + " (a tripod stays "
            f"within {thr:.0f} px, {s.max_zoom_pct:g}% and {s.max_rotation_deg:g}°)"
        )
        sentence = (
            f"{movement}, so pixels do not map to the same metres throughout; step lengths, "
            "splits, foot-to-hip distances and the velocity curve are left empty. Film from a "
            "tripod that does not move."
        )
    elif not share >= s.min_measured_share:  # NaN (no frame kept) counts as unmeasured
        # Silence must not mean "steady" when the background gave too little to measure.
        unmeasured = 1.0 - share if math.isfinite(share) else 1.0
        sentence = (
            f"Whether the camera moves could not be measured on {unmeasured:.0%} of the frames "
            "(too few background details that the athlete does not cover); the numbers assume "
            "a camera on a tripod."
        )
    return CameraMotionCheck(
        fired,
        trans,
        rel,
        zoom,
        rot,
        share,
        thr,
        s.max_zoom_pct,
        s.max_rotation_deg,
        sentence,
        movement,
    )
