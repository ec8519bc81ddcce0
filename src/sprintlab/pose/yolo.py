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

#: Full frames per model call in the search pass on a GPU (a batch keeps it busy).
SEARCH_BATCH_GPU = 16
#: The same on a CPU: OpenVINO on 2 cores took 24.5 ms a 1080p frame at 960 px in fours against
#: 27.8 ms one at a time (medians of 3), with the same keypoints (0.0 px apart).
SEARCH_BATCH_CPU = 4


def _half_precision() -> dict[str, object]:
    """ultralytics' argument for FP16 inference: ``quantize=16`` since 8.4 (``half=True``, which
    it still accepts with a warning, before)."""
    from ultralytics.cfg import DEFAULT_CFG_DICT

    return {"quantize": 16} if "quantize" in DEFAULT_CFG_DICT else {"half": True}


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
    half : bool, optional
        Run in half precision (FP16). Default: on a CUDA device, where it is about twice as
        fast at no loss that matters for keypoints; never on a CPU, where FP16 is slower.

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
        half: bool | None = None,
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
        self.half = str(device).startswith("cuda") if half is None else bool(half)
        # Search-pass frames per call (see :meth:`predict_many`): a GPU wants batches.
        self.search_batch = SEARCH_BATCH_GPU if str(device).startswith("cuda") else SEARCH_BATCH_CPU
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
        return self.predict_many([image_bgr], imgsz=imgsz, conf=conf)[0]

    def predict_many(
        self, images_bgr: list[np.ndarray], *, imgsz: int, conf: float
    ) -> list[PoseDetections]:
        """:meth:`predict` on several images in one call of the model (a batch).

        Images of the same size are letterboxed alike and give the detections they would give
        one at a time; a batch keeps a GPU busy, where single small images leave it waiting.
        """
        if not images_bgr:
            return []
        results = self._model.predict(
            list(images_bgr),
            imgsz=int(imgsz),
            conf=float(conf),
            device=self.device,
            verbose=False,
            **(_half_precision() if self.half else {}),
        )
        return [self._detections(r) for r in results]

    def _detections(self, result) -> PoseDetections:
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
