"""Pose estimation: people and their COCO-17 keypoints per image.

``base`` defines :class:`PoseDetections` and the :class:`PoseEstimator` protocol; ``yolo`` holds the
ultralytics backend (imported lazily, on construction).
"""

from .base import PoseDetections, PoseEstimator, clip_roi, predict_crop
from .yolo import YoloPoseEstimator

__all__ = ["PoseDetections", "PoseEstimator", "YoloPoseEstimator", "clip_roi", "predict_crop"]
