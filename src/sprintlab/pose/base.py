"""Pose detections of one image and the estimator protocol every pose backend follows.

Coordinates are image pixels (x to the right, y down) of the image given to the estimator. A
keypoint whose confidence is below the estimator's threshold has NaN coordinates, never 0:
ultralytics zeroes low-confidence keypoints in its convenience views (in some versions), which would
read as a real point in the top-left corner.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from ..skeleton import N_KEYPOINTS


def model_file(filename: str, env_var: str) -> Path:
    """Where a model file is looked for: ``$env_var`` if set, else ``models/<filename>`` in the
    working folder, else the ``models/`` folder of the source checkout this package runs from.
    The path is returned even when the file is missing, so the error can name where to put it."""
    env = os.environ.get(env_var)
    if env:
        return Path(env)
    local = Path("models") / filename
    if local.exists():
        return local
    checkout = Path(__file__).resolve().parents[3] / "models" / filename
    return checkout if checkout.exists() else local


@dataclass(frozen=True)
class PoseDetections:
    """People found in one image.

    Parameters
    ----------
    boxes_xyxy_px : ndarray, shape (N, 4)
        Person boxes as (x1, y1, x2, y2) in image pixels, x1 <= x2 and y1 <= y2.
    box_conf : ndarray, shape (N,)
        Person (box) confidence in [0, 1].
    keypoints_px : ndarray, shape (N, 17, 2)
        COCO-17 keypoints (x, y) in image pixels; NaN where the keypoint confidence is below the
        estimator's keypoint threshold.
    keypoint_conf : ndarray, shape (N, 17)
        Raw keypoint confidence in [0, 1] as the model reported it (also for hidden keypoints).
    """

    boxes_xyxy_px: np.ndarray
    box_conf: np.ndarray
    keypoints_px: np.ndarray
    keypoint_conf: np.ndarray

    def __post_init__(self) -> None:
        boxes = np.asarray(self.boxes_xyxy_px, dtype=float).reshape(-1, 4)
        n = boxes.shape[0]
        box_conf = np.asarray(self.box_conf, dtype=float).reshape(-1)
        kp = np.asarray(self.keypoints_px, dtype=float)
        kp_conf = np.asarray(self.keypoint_conf, dtype=float)
        if kp.size == 0 and n == 0:
            kp = kp.reshape(0, N_KEYPOINTS, 2)
        if kp_conf.size == 0 and n == 0:
            kp_conf = kp_conf.reshape(0, N_KEYPOINTS)
        if box_conf.shape != (n,):
            raise ValueError(f"box_conf must have shape ({n},), got {box_conf.shape}")
        if kp.ndim != 3 or kp.shape[0] != n or kp.shape[2] != 2:
            raise ValueError(f"keypoints_px must have shape ({n}, K, 2), got {kp.shape}")
        if kp_conf.shape != kp.shape[:2]:
            raise ValueError(f"keypoint_conf must have shape {kp.shape[:2]}, got {kp_conf.shape}")
        if n and not np.all(np.isfinite(boxes)):
            raise ValueError("boxes_xyxy_px must be finite")
        if n and np.any(boxes[:, 2:] < boxes[:, :2]):
            raise ValueError("boxes_xyxy_px must satisfy x1 <= x2 and y1 <= y2")
        for name, value in (
            ("boxes_xyxy_px", boxes),
            ("box_conf", box_conf),
            ("keypoints_px", kp),
            ("keypoint_conf", kp_conf),
        ):
            value.setflags(write=False)
            object.__setattr__(self, name, value)

    @property
    def n(self) -> int:
        """Number of people N."""
        return int(self.boxes_xyxy_px.shape[0])

    @classmethod
    def empty(cls, n_keypoints: int = N_KEYPOINTS) -> PoseDetections:
        """Detections of an image with nobody in it."""
        return cls(
            boxes_xyxy_px=np.zeros((0, 4)),
            box_conf=np.zeros(0),
            keypoints_px=np.zeros((0, n_keypoints, 2)),
            keypoint_conf=np.zeros((0, n_keypoints)),
        )

    @classmethod
    def from_raw(
        cls,
        boxes_xyxy_px: np.ndarray,
        box_conf: np.ndarray,
        keypoints_xyc: np.ndarray,
        *,
        keypoint_conf_threshold: float,
    ) -> PoseDetections:
        """Build detections from raw model output, applying our keypoint confidence threshold.

        Parameters
        ----------
        boxes_xyxy_px : ndarray, shape (N, 4)
        box_conf : ndarray, shape (N,)
        keypoints_xyc : ndarray, shape (N, K, 3)
            Raw (x, y, confidence) per keypoint, e.g. ultralytics ``result.keypoints.data``.
        keypoint_conf_threshold : float
            Keypoints with confidence strictly below this get NaN coordinates.
        """
        kp = np.array(keypoints_xyc, dtype=float)
        if kp.size == 0:
            return cls.empty()
        if kp.ndim != 3 or kp.shape[2] != 3:
            raise ValueError(f"keypoints_xyc must have shape (N, K, 3), got {kp.shape}")
        conf = kp[:, :, 2]
        xy = kp[:, :, :2]
        xy[~(conf >= keypoint_conf_threshold)] = np.nan
        return cls(
            boxes_xyxy_px=boxes_xyxy_px, box_conf=box_conf, keypoints_px=xy, keypoint_conf=conf
        )

    def translated(self, dx_px: float, dy_px: float) -> PoseDetections:
        """The same detections shifted by (dx, dy) pixels, e.g. from crop to full-image pixels."""
        shift = np.array([dx_px, dy_px], dtype=float)
        return PoseDetections(
            boxes_xyxy_px=self.boxes_xyxy_px + np.tile(shift, 2),
            box_conf=self.box_conf.copy(),
            keypoints_px=self.keypoints_px + shift,
            keypoint_conf=self.keypoint_conf.copy(),
        )


@runtime_checkable
class PoseEstimator(Protocol):
    """Anything that finds people and their COCO-17 keypoints in a BGR image."""

    def predict(self, image_bgr: np.ndarray, *, imgsz: int, conf: float) -> PoseDetections:
        """Detect people in ``image_bgr`` (H, W, 3 uint8, BGR).

        ``imgsz`` is the model input size in pixels (long side); ``conf`` is the minimum box
        confidence.
        """
        ...


def clip_roi(roi_xyxy_px: np.ndarray, width_px: int, height_px: int) -> tuple[int, int, int, int]:
    """Round a region of interest outwards to whole pixels and clip it to the image.

    Returns ``(x1, y1, x2, y2)`` as ints with ``0 <= x1 <= x2 <= width`` (same for y); the region
    is empty when ``x1 == x2`` or ``y1 == y2``.
    """
    x1, y1, x2, y2 = (float(v) for v in np.asarray(roi_xyxy_px, dtype=float).reshape(4))
    if not np.all(np.isfinite([x1, y1, x2, y2])):
        raise ValueError("roi_xyxy_px must be finite")
    xa = int(min(max(np.floor(x1), 0), width_px))
    ya = int(min(max(np.floor(y1), 0), height_px))
    xb = int(min(max(np.ceil(x2), xa), width_px))
    yb = int(min(max(np.ceil(y2), ya), height_px))
    return xa, ya, xb, yb


def predict_crop(
    estimator: PoseEstimator,
    image_bgr: np.ndarray,
    roi_xyxy_px: np.ndarray,
    *,
    imgsz: int,
    conf: float,
) -> PoseDetections:
    """Run ``estimator`` on a crop of ``image_bgr`` and return detections in full-image pixels.

    The region is clipped to the image; an empty region gives no detections. Small people are
    found far more reliably on a crop around them than on the full frame (see field notes).
    """
    h, w = image_bgr.shape[:2]
    x1, y1, x2, y2 = clip_roi(roi_xyxy_px, w, h)
    # A few pixels are too little for any model; treat as "nothing there" rather than fail.
    if x2 - x1 < 8 or y2 - y1 < 8:
        return PoseDetections.empty()
    crop = np.ascontiguousarray(image_bgr[y1:y2, x1:x2])
    return estimator.predict(crop, imgsz=imgsz, conf=conf).translated(x1, y1)
