"""YOLO pose backend (ultralytics). The only module in sprintlab that imports ultralytics.

The import happens inside :class:`YoloPoseEstimator`'s constructor so that importing sprintlab
stays cheap and free of side effects. Weights are always loaded from an explicit local path and
nothing is ever downloaded: before importing ultralytics we set ``YOLO_OFFLINE=1`` (its online
check then answers "offline" without a DNS lookup, which also turns off its usage analytics and
any auto-update/auto-install) and ``YOLO_AUTOINSTALL=false``; after importing we switch the
analytics object off in memory too, in case ultralytics was imported earlier by someone else.
The user's ultralytics settings file is not modified.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..errors import ModelNotFoundError
from .base import PoseDetections, predict_crop


def import_ultralytics_offline() -> type:
    """ultralytics' ``YOLO`` class, imported with every online feature switched off."""
    os.environ["YOLO_OFFLINE"] = "1"
    os.environ["YOLO_AUTOINSTALL"] = "false"
    from ultralytics import YOLO

    try:
        from ultralytics.utils import events as _events

        _events.events.enabled = False
    except (ImportError, AttributeError):  # older/newer ultralytics without this module
        pass
    return YOLO


class YoloPoseEstimator:
    """Person and COCO-17 keypoint detector backed by any ultralytics pose model.

    Parameters
    ----------
    model_path : str or Path
        Local pose weights: a ``.pt`` file, or an exported model (``.onnx`` file, OpenVINO
        directory, ...) that ultralytics can load.
    device : str
        Torch device, e.g. ``"cpu"`` or ``"cuda:0"``.
    keypoint_conf_threshold : float
        Keypoints with confidence below this get NaN coordinates.

    Raises
    ------
    ModelNotFoundError
        If ``model_path`` does not exist.
    """

    def __init__(
        self,
        model_path: str | Path,
        *,
        device: str = "cpu",
        keypoint_conf_threshold: float = 0.3,
    ) -> None:
        path = Path(model_path).expanduser()
        if not path.exists():
            raise ModelNotFoundError(
                f"Pose weights not found at {path}: put yolo11n-pose.pt in models/ "
                "(see models/README.md) or pass --model PATH."
            )
        if not 0.0 <= keypoint_conf_threshold <= 1.0:
            raise ValueError(
                f"keypoint_conf_threshold must be in [0, 1], got {keypoint_conf_threshold}"
            )
        yolo_cls = import_ultralytics_offline()
        # task="pose" so exported models (which may lack metadata) are decoded as pose models.
        self._model = yolo_cls(str(path), task="pose")
        self.model_path = path
        self.device = device
        self.keypoint_conf_threshold = float(keypoint_conf_threshold)
        # Set by sprintlab.pose.backends.load_pose_estimator: the engine, and why it is not the
        # one asked for when it is not.
        self.backend = "pytorch" if path.suffix == ".pt" else "export"
        self.backend_note: str | None = None

    def warm_up(self) -> None:
        """Run the model once on a blank image (loads the engine, compiles it, fails early)."""
        self.predict(np.zeros((64, 64, 3), dtype=np.uint8), imgsz=64, conf=0.5)

    def predict(self, image_bgr: np.ndarray, *, imgsz: int, conf: float) -> PoseDetections:
        """Detect people in a BGR image; see :class:`~sprintlab.pose.base.PoseEstimator`."""
        results = self._model.predict(
            image_bgr, imgsz=int(imgsz), conf=float(conf), device=self.device, verbose=False
        )
        result = results[0]
        if result.boxes is None or len(result.boxes) == 0 or result.keypoints is None:
            return PoseDetections.empty()
        # keypoints.data is the raw (x, y, conf); we apply our own threshold instead of the
        # zeroed coordinates ultralytics shows for hidden keypoints.
        return PoseDetections.from_raw(
            boxes_xyxy_px=result.boxes.xyxy.cpu().numpy(),
            box_conf=result.boxes.conf.cpu().numpy(),
            keypoints_xyc=result.keypoints.data.cpu().numpy(),
            keypoint_conf_threshold=self.keypoint_conf_threshold,
        )

    def predict_crop(
        self, image_bgr: np.ndarray, roi_xyxy_px: np.ndarray, *, imgsz: int, conf: float
    ) -> PoseDetections:
        """Detect people in a region of ``image_bgr``; results are in full-image pixels."""
        return predict_crop(self, image_bgr, roi_xyxy_px, imgsz=imgsz, conf=conf)
