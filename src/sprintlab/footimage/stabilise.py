"""Hand-held camera: how each frame's background sits in one reference frame.

The ground band (:mod:`~sprintlab.footimage.band`) needs the same ground pixel in the same band
pixel in every frame. A hand-held phone drifts, turns and zooms a little over a clip, so each
frame's similarity transform (translation, rotation, scale) onto a reference frame is measured
from the background and the band is cut through it (:func:`sprintlab.footimage.band.cut_bands`).

Every frame is registered on the reference frame directly, not only on its neighbour: corners of
the reference's background (``cv2.goodFeaturesToTrack``, the athlete's widened box masked out)
are followed into the frame with pyramidal Lucas–Kanade flow, started from where the previous
frame's transform puts them (the chain is only the first guess, so no error accumulates over
the clip), checked forwards and backwards, and a similarity is fitted with RANSAC
(``cv2.estimateAffinePartial2D``), which leaves out whatever moves on its own (the athlete,
other people). A frame that cannot be registered directly (too few features agree) is chained
from its neighbour and marked so. :func:`sprintlab.footage.camera.estimate_camera_motion` does
the like on reduced, sampled frames for the footage check; a band a few pixels high needs every
frame at full resolution.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import cv2
import numpy as np

from .settings import StabiliseSettings


@dataclass(frozen=True)
class FrameMotion:
    """Each frame's place in the reference frame.

    Attributes
    ----------
    to_ref : ndarray, shape (T, 2, 3)
        Similarity taking pixels of each frame to the reference frame's pixels (NaN rows where
        it could not be measured).
    reference_frame : int
        The frame whose pixels the transforms lead to.
    inliers : ndarray of int, shape (T,)
        Background corners that agreed on each frame's transform (0: not measured).
    residual_px : ndarray, shape (T,)
        Median distance of those corners from the transform (px; NaN: not measured).
    direct : ndarray of bool, shape (T,)
        True where the frame was registered on the reference itself, False where its transform
        was chained from a neighbour's.
    width_px, height_px : int
        Size of the pictures measured (0: not known).
    """

    to_ref: np.ndarray
    reference_frame: int
    inliers: np.ndarray
    residual_px: np.ndarray
    direct: np.ndarray
    width_px: int = 0
    height_px: int = 0

    @property
    def measured(self) -> np.ndarray:
        """(T,) True where the frame's transform is known."""
        return np.all(np.isfinite(self.to_ref.reshape(len(self.to_ref), -1)), axis=1)

    @property
    def measured_share(self) -> float:
        """Share of frames whose transform is known."""
        m = self.measured
        return float(m.mean()) if m.size else 0.0

    @property
    def largest_shift_px(self) -> float:
        """Largest distance any frame's centre moves to in the reference frame (px; 0 when
        nothing was measured)."""
        ok = self.measured
        if not ok.any() or self.width_px <= 0:
            return 0.0
        c = np.array([0.5 * self.width_px, 0.5 * self.height_px])
        moved = np.einsum("tij,j->ti", self.to_ref[ok][:, :, :2], c) + self.to_ref[ok][:, :, 2]
        return float(np.linalg.norm(moved - c, axis=1).max())

    @property
    def residual_p90_px(self) -> float:
        """90th percentile of the frames' residuals (px; NaN when nothing was measured)."""
        r = self.residual_px[np.isfinite(self.residual_px)]
        return float(np.percentile(r, 90)) if r.size else float("nan")

    def filled(self) -> np.ndarray:
        """``to_ref`` with unmeasured frames given their nearest measured frame's transform."""
        ok = self.measured
        if not ok.any():
            raise ValueError("no frame's motion was measured")
        good = np.flatnonzero(ok)
        idx = np.arange(len(ok))
        pos = np.clip(np.searchsorted(good, idx), 0, good.size - 1)
        before = good[np.clip(pos - 1, 0, good.size - 1)]
        after = good[pos]
        near = np.where(np.abs(idx - before) <= np.abs(after - idx), before, after)
        return self.to_ref[near]

    def rescaled(self, scale: float) -> FrameMotion:
        """The same motion measured on frames reduced by ``scale`` (< 1), in the full frames'
        pixels: the similarity's turn and zoom stay, its shift and the residuals grow by
        1 / ``scale``."""
        to_ref = self.to_ref.copy()
        to_ref[:, :, 2] /= scale
        return replace(
            self,
            to_ref=to_ref,
            residual_px=self.residual_px / scale,
            width_px=round(self.width_px / scale),
            height_px=round(self.height_px / scale),
        )

    def to_dict(self) -> dict[str, float | int]:
        """Summary kept with the image stage's result."""
        n = self.inliers[self.inliers > 0]
        return {
            "reference_frame": int(self.reference_frame),
            "measured_share": self.measured_share,
            "direct_share": float(self.direct.mean()) if self.direct.size else 0.0,
            "median_inliers": float(np.median(n)) if n.size else 0.0,
            "residual_p90_px": self.residual_p90_px,
            "largest_shift_px": self.largest_shift_px,
        }


def to_3x3(m: np.ndarray) -> np.ndarray:
    """A (2, 3) affine as a (3, 3) matrix."""
    return np.vstack([np.asarray(m, float), [0.0, 0.0, 1.0]])


def invert(m: np.ndarray) -> np.ndarray:
    """Inverse of a (2, 3) affine (or a stack (T, 2, 3)), as (2, 3)."""
    m = np.asarray(m, float)
    a = m[..., :2]
    inv_a = np.linalg.inv(a)
    return np.concatenate([inv_a, -(inv_a @ m[..., 2:])], axis=-1)


def apply(m: np.ndarray, xy: np.ndarray) -> np.ndarray:
    """Points ``xy`` (..., 2) through the affine ``m`` (2, 3)."""
    xy = np.asarray(xy, float)
    return xy @ np.asarray(m, float)[:, :2].T + np.asarray(m, float)[:, 2]


def background_mask(
    shape_px: tuple[int, int], box_xyxy_px: np.ndarray | None, margin_frac: float
) -> np.ndarray:
    """uint8 mask (255: background) of a frame, leaving out the box widened by ``margin_frac``
    of its height on every side (no box, or a NaN one: everything is background)."""
    h, w = shape_px
    mask = np.full((h, w), 255, np.uint8)
    if box_xyxy_px is None or not np.all(np.isfinite(box_xyxy_px)):
        return mask
    x0, y0, x1, y1 = (float(v) for v in box_xyxy_px)
    pad = margin_frac * max(y1 - y0, 1.0)
    r0, r1 = int(max(0, y0 - pad)), int(min(h, np.ceil(y1 + pad)))
    c0, c1 = int(max(0, x0 - pad)), int(min(w, np.ceil(x1 + pad)))
    mask[r0:r1, c0:c1] = 0
    return mask


def _features(grey: np.ndarray, mask: np.ndarray, s: StabiliseSettings) -> np.ndarray | None:
    spacing = max(3.0, s.feature_spacing_frac * grey.shape[0])
    return cv2.goodFeaturesToTrack(
        grey, maxCorners=s.max_features, qualityLevel=0.01, minDistance=spacing, mask=mask
    )


def _lk_params(shape_px: tuple[int, int], s: StabiliseSettings) -> dict:
    win = max(9, 2 * round(0.5 * s.flow_window_frac * shape_px[0]) + 1)
    crit = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 30, 0.01)
    return {"winSize": (win, win), "maxLevel": int(s.flow_levels), "criteria": crit}


def register_to_reference(
    ref_grey: np.ndarray,
    ref_pts: np.ndarray,
    grey: np.ndarray,
    guess_to_ref: np.ndarray,
    box_xyxy_px: np.ndarray | None,
    s: StabiliseSettings,
) -> tuple[np.ndarray | None, int, float]:
    """The similarity taking ``grey``'s pixels to the reference's, measured from ``ref_pts``.

    Parameters
    ----------
    ref_grey, grey : ndarray of uint8, shape (H, W)
    ref_pts : ndarray, shape (N, 1, 2)
        Background corners of the reference (float32 px).
    guess_to_ref : ndarray, shape (2, 3)
        First guess of the transform (the neighbour's): the corners' flow starts there.
    box_xyxy_px : ndarray, shape (4,), optional
        The athlete's box in ``grey``: corners that land in it (widened) are not used.

    Returns
    -------
    to_ref : ndarray (2, 3) or None
    inliers : int
    residual_px : float
        Median distance of the inliers from the transform.
    """
    lk = _lk_params(grey.shape, s)
    start = apply(invert(guess_to_ref), ref_pts.reshape(-1, 2)).astype(np.float32)
    start = start.reshape(-1, 1, 2)
    flags = cv2.OPTFLOW_USE_INITIAL_FLOW
    pts, st, _ = cv2.calcOpticalFlowPyrLK(ref_grey, grey, ref_pts, start.copy(), flags=flags, **lk)
    back, st_b, _ = cv2.calcOpticalFlowPyrLK(grey, ref_grey, pts, ref_pts.copy(), flags=flags, **lk)
    ok = (st.ravel() == 1) & (st_b.ravel() == 1)
    ok &= np.linalg.norm((back - ref_pts).reshape(-1, 2), axis=1) < s.max_roundtrip_px
    p = pts.reshape(-1, 2)
    h, w = grey.shape
    ok &= (p[:, 0] >= 0) & (p[:, 0] < w) & (p[:, 1] >= 0) & (p[:, 1] < h)
    mask = background_mask(grey.shape, box_xyxy_px, s.box_margin_frac)
    inside = np.zeros_like(ok)
    inside[ok] = mask[p[ok, 1].astype(int), p[ok, 0].astype(int)] > 0
    ok &= inside
    if ok.sum() < s.min_inliers:
        return None, 0, float("nan")
    m, inl = cv2.estimateAffinePartial2D(
        p[ok],
        ref_pts.reshape(-1, 2)[ok],
        method=cv2.RANSAC,
        ransacReprojThreshold=s.ransac_px,
        maxIters=2000,
        confidence=0.995,
        refineIters=20,
    )
    if m is None:
        return None, 0, float("nan")
    inl = inl.ravel().astype(bool)
    n = int(inl.sum())
    if n < s.min_inliers or n < s.min_inlier_share * ok.sum():
        return None, n, float("nan")
    err = np.linalg.norm(apply(m, p[ok][inl]) - ref_pts.reshape(-1, 2)[ok][inl], axis=1)
    return m, n, float(np.median(err))


def frame_motion(
    frames_grey: np.ndarray,
    boxes_xyxy_px: np.ndarray | None = None,
    settings: StabiliseSettings | None = None,
    *,
    reference_frame: int | None = None,
) -> FrameMotion:
    """Each frame's similarity onto the reference frame, from the background.

    Parameters
    ----------
    frames_grey : ndarray of uint8, shape (T, H, W)
        Every frame of the clip, grey, full resolution.
    boxes_xyxy_px : ndarray, shape (T, 4), optional
        The athlete's box per frame (NaN where not found); its widened area is not background.
    settings : StabiliseSettings, optional
    reference_frame : int, optional
        The frame all transforms lead to (default: the middle frame).

    Returns
    -------
    FrameMotion
        See the module docstring for how each frame is measured.
    """
    s = settings or StabiliseSettings()
    frames_grey = np.asarray(frames_grey)
    t_n = frames_grey.shape[0]
    ref = t_n // 2 if reference_frame is None else int(reference_frame)
    if not 0 <= ref < max(t_n, 1):
        raise ValueError(f"reference_frame {ref} is outside the clip's {t_n} frames")
    size = frames_grey.shape[1:3] if frames_grey.ndim == 3 else (0, 0)
    to_ref = np.full((t_n, 2, 3), np.nan)
    inliers = np.zeros(t_n, dtype=np.int64)
    residual = np.full(t_n, np.nan)
    direct = np.zeros(t_n, dtype=bool)
    if t_n == 0:
        return FrameMotion(to_ref, ref, inliers, residual, direct, size[1], size[0])

    def box(i: int) -> np.ndarray | None:
        return None if boxes_xyxy_px is None else np.asarray(boxes_xyxy_px[i], float)

    ref_pts = _features(
        frames_grey[ref], background_mask(frames_grey[ref].shape, box(ref), s.box_margin_frac), s
    )
    to_ref[ref] = np.eye(3)[:2]
    inliers[ref] = 0 if ref_pts is None else len(ref_pts)
    residual[ref] = 0.0
    direct[ref] = True
    if ref_pts is None or len(ref_pts) < s.min_inliers:
        to_ref[:] = np.nan
        to_ref[ref] = np.eye(3)[:2]
        return FrameMotion(to_ref, ref, inliers, residual, direct, size[1], size[0])
    for order in (range(ref + 1, t_n), range(ref - 1, -1, -1)):
        _walk(frames_grey, ref, ref_pts, order, box, s, to_ref, inliers, residual, direct)
    return FrameMotion(to_ref, ref, inliers, residual, direct, size[1], size[0])


def _walk(frames_grey, ref, ref_pts, order, box, s, to_ref, inliers, residual, direct) -> None:
    """Register the frames of ``order`` (walking away from the reference) one after the other,
    each starting from the last measured one's transform; a frame the reference does not
    register is chained from its neighbour (registered on it directly)."""
    last = ref
    for i in order:
        guess = to_ref[last]
        m, n, res = register_to_reference(
            frames_grey[ref], ref_pts, frames_grey[i], guess, box(i), s
        )
        if m is not None:
            to_ref[i], inliers[i], residual[i], direct[i] = m, n, res, True
            last = i
            continue
        m, n, res = _register_pair(frames_grey[last], frames_grey[i], box(last), box(i), s)
        if m is None:
            continue
        to_ref[i] = (to_3x3(to_ref[last]) @ to_3x3(m))[:2]
        inliers[i], residual[i] = n, res
        last = i


def _register_pair(
    prev_grey: np.ndarray,
    grey: np.ndarray,
    prev_box: np.ndarray | None,
    box: np.ndarray | None,
    s: StabiliseSettings,
) -> tuple[np.ndarray | None, int, float]:
    """The similarity taking ``grey``'s pixels to its neighbour ``prev_grey``'s."""
    pts = _features(prev_grey, background_mask(prev_grey.shape, prev_box, s.box_margin_frac), s)
    if pts is None or len(pts) < s.min_inliers:
        return None, 0, float("nan")
    return register_to_reference(prev_grey, pts, grey, np.eye(3)[:2], box, s)


def reduction(n_frames: int, shape_px: tuple[int, int], settings: StabiliseSettings) -> float:
    """Scale (≤ 1) at which ``n_frames`` grey frames of ``shape_px`` (height, width) fit in
    ``settings.max_frames_mb``."""
    mb = n_frames * shape_px[0] * shape_px[1] / 1e6
    return 1.0 if mb <= settings.max_frames_mb else float(np.sqrt(settings.max_frames_mb / mb))


def for_reduced(settings: StabiliseSettings, scale: float) -> StabiliseSettings:
    """The settings in a reduced picture's pixels (the tolerances in pixels shrink with it)."""
    return replace(
        settings,
        max_roundtrip_px=settings.max_roundtrip_px * scale,
        ransac_px=settings.ransac_px * scale,
    )


def motion_problem(motion: FrameMotion, settings: StabiliseSettings | None = None) -> str | None:
    """Why a clip's measured motion is not good enough to hold the ground band still (None: it
    is), in words for the rep's warnings."""
    s = settings or StabiliseSettings()
    if motion.measured_share < s.min_measured_share:
        return (
            f"the camera's motion could be measured on only {motion.measured_share:.0%} of the "
            "frames (too few background details the athlete does not cover)"
        )
    direct = float(motion.direct.mean()) if motion.direct.size else 0.0
    if direct < s.min_direct_share:
        return (
            f"only {direct:.0%} of the frames share enough background with the reference frame "
            "(the camera pans with the athlete or travels); a moving camera is followed only "
            "when it stays on one view"
        )
    shift = motion.largest_shift_px
    width = motion.width_px
    if width > 0 and shift > s.max_shift_frac * width:
        return (
            f"the picture moves by up to {shift:.0f} px ({shift / width:.0%} of its width): "
            "a camera turned that far is a pan, which is not followed"
        )
    if not motion.residual_p90_px <= s.max_residual_px:
        return (
            f"the background does not move as one picture (residual {motion.residual_p90_px:.1f}"
            f" px, at most {s.max_residual_px:g} px allowed)"
        )
    return None
