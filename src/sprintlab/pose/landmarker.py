"""A second, larger pose model read only around the touchdowns: MediaPipe's pose landmarker.

The stock YOLO pose model puts the knee and ankle of a sprinter's landing leg a few centimetres
off, which is 5–15° of shin angle at touchdown. MediaPipe's "heavy" pose landmarker places
them better on side-view sprints (measured on the rendered scenarios: shin at touchdown MAE
6.1° → 4.0°), but costs about 80 ms per picture on a laptop core: too slow for every frame,
cheap for the few frames around each touchdown (about 0.4 s a step).

It is optional: it needs the ``mediapipe`` package (installed by ``make``) and the model file
``models/pose_landmarker_heavy.task`` (fetched by ``make``; see ``models/README.md``). Without
either the shin angle comes from the YOLO keypoints and the rep says why.

:class:`ClipLandmarks` reads the frames a caller asks for from the clip, crops a square around
the athlete (1.2 × the athlete's box, 384 px, the size that measured best), runs the landmarker
in IMAGE mode (VIDEO mode's tracking once latched onto a runner in the next lane) and keeps
every answer, so a re-analysis that moves a touchdown by a frame reads only the new frames.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import cv2
import numpy as np

#: The model file, in the checkout's or the working folder's ``models/``.
LANDMARKER_FILENAME = "pose_landmarker_heavy.task"
#: Side of the square crop fed to the landmarker, pixels (384 measured better than 256).
CROP_PX = 384
#: The crop's side as a multiple of the athlete box's longer side.
CROP_ENLARGE = 1.2
#: MediaPipe's 33 landmarks: the ones sprintlab reads.
MP_INDEX = {
    ("left", "hip"): 23,
    ("right", "hip"): 24,
    ("left", "knee"): 25,
    ("right", "knee"): 26,
    ("left", "ankle"): 27,
    ("right", "ankle"): 28,
}
N_LANDMARKS = 33


class LandmarkSource(Protocol):
    """Landmarks of some track rows: ``{row: (33, 3) array of x_px, y_px, visibility}`` in the
    clip's pixels (NaN rows where the landmarker found nobody)."""

    def landmarks(self, rows: Sequence[int]) -> dict[int, np.ndarray]: ...

    @property
    def model_name(self) -> str: ...


def default_landmarker_path() -> Path:
    """``$SPRINTLAB_LANDMARKER`` if set, else ``models/pose_landmarker_heavy.task`` in the
    working folder or the source checkout (returned even when missing)."""
    from .base import model_file

    return model_file(LANDMARKER_FILENAME, "SPRINTLAB_LANDMARKER")


def landmarker_key(model_path: Path | None = None) -> str:
    """What the kept answers depend on: this module's code (crop, mode, thresholds) and the
    model file's content, as 16 hex digits. Answers kept under another key are read again."""
    path = Path(model_path) if model_path is not None else default_landmarker_path()
    stat = path.stat() if path.is_file() else None
    return _key(str(path.resolve()), stat.st_size if stat else -1, stat.st_mtime if stat else -1)


@lru_cache(maxsize=4)
def _key(path: str, size: int, mtime: float) -> str:
    import hashlib

    from ..provenance import file_sha256, source_revision

    model = file_sha256(Path(path)) if size >= 0 else "missing"
    code = source_revision(["pose/landmarker.py"])
    return hashlib.sha256(f"{code}:{model}".encode()).hexdigest()[:16]


def landmarker_problem(model_path: Path | None = None) -> str:
    """Why the landmarker cannot be used here, as one sentence; "" when it can."""
    path = Path(model_path) if model_path is not None else default_landmarker_path()
    if not path.is_file():
        return (
            f"the pose landmarker model {path} is missing (run `make` or see models/README.md), "
            "so shin angles come from the YOLO keypoints"
        )
    try:
        import mediapipe  # noqa: F401
        from mediapipe.tasks.python import vision  # noqa: F401
    except Exception as err:  # an absent or broken install says the same to the user
        return (
            f"the mediapipe package cannot be imported ({type(err).__name__}: {err}), "
            "so shin angles come from the YOLO keypoints"
        )
    return ""


def square_crop(image: np.ndarray, box_xyxy_px: np.ndarray) -> tuple[np.ndarray, tuple[float, ...]]:
    """The RGB square crop around a box (enlarged, zero-padded, ``CROP_PX`` wide) and its
    (x0, y0, side) in the frame's pixels."""
    x1, y1, x2, y2 = (float(v) for v in box_xyxy_px)
    side = max(x2 - x1, y2 - y1) * CROP_ENLARGE
    x0, y0 = 0.5 * (x1 + x2) - side / 2, 0.5 * (y1 + y2) - side / 2
    k = CROP_PX / side
    m = np.array([[k, 0.0, -x0 * k], [0.0, k, -y0 * k]])
    crop = cv2.warpAffine(
        image,
        m,
        (CROP_PX, CROP_PX),
        flags=cv2.INTER_AREA if k < 1 else cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=(0, 0, 0),
    )
    return cv2.cvtColor(crop, cv2.COLOR_BGR2RGB), (x0, y0, side)


def boxes_from_keypoints(xy_px: np.ndarray) -> np.ndarray:
    """(T, 4) box around each row's keypoints, widened by a tenth of the person's height on
    every side (the keypoints stop at the ankles and eyes; the feet and head are beyond)."""
    xy = np.asarray(xy_px, float)
    out = np.full((xy.shape[0], 4), np.nan)
    ok = np.isfinite(xy).all(axis=2)
    for r in np.flatnonzero(ok.sum(axis=1) >= 5):
        p = xy[r][ok[r]]
        lo, hi = p.min(axis=0), p.max(axis=0)
        pad = 0.1 * (hi[1] - lo[1])
        out[r] = (lo[0] - pad, lo[1] - pad, hi[0] + pad, hi[1] + pad)
    return out


class ClipLandmarks:
    """The landmarker run on chosen frames of one clip, with every answer kept.

    Parameters
    ----------
    meta : VideoMeta or None
        The probed clip (:func:`sprintlab.video.probe`); None when it is not at hand, and only
        the answers in ``cache`` can be given.
    frame_index : ndarray of int
        Video frame of every track row.
    boxes_xyxy_px : ndarray, shape (T, 4)
        The athlete's box on every track row, clip pixels (NaN where not found).
    model_path : Path, optional
    cache : dict, optional
        Answers from an earlier run (``{row: (33, 3)}``, see :meth:`arrays`).
    """

    def __init__(
        self,
        meta: Any | None,
        frame_index: np.ndarray,
        boxes_xyxy_px: np.ndarray,
        model_path: Path | None = None,
        cache: dict[int, np.ndarray] | None = None,
    ) -> None:
        self._meta = meta
        self._frame_index = np.asarray(frame_index, dtype=int)
        self._boxes = np.asarray(boxes_xyxy_px, dtype=float)
        self._path = Path(model_path) if model_path is not None else default_landmarker_path()
        self._cache: dict[int, np.ndarray] = dict(cache or {})
        self._model: Any = None
        #: Time spent decoding and running the landmarker, seconds, and crops it ran on.
        self.seconds = 0.0
        self.crops = 0

    @property
    def model_name(self) -> str:
        return self._path.name

    def _box(self, row: int) -> np.ndarray | None:
        n = len(self._boxes)
        finite = np.flatnonzero(np.isfinite(self._boxes).all(axis=1))
        if not finite.size or n == 0:
            return None
        # The athlete's box of the nearest row that has one (a missed frame between two found).
        nearest = int(finite[np.argmin(np.abs(finite - row))])
        return self._boxes[nearest] if abs(nearest - row) <= 3 else None

    def _detector(self) -> Any:
        if self._model is None:
            # MediaPipe logs through glog/absl; its start-up chatter is not the user's business.
            os.environ.setdefault("GLOG_minloglevel", "2")
            from mediapipe.tasks.python import BaseOptions, vision

            options = vision.PoseLandmarkerOptions(
                base_options=BaseOptions(model_asset_path=str(self._path)),
                running_mode=vision.RunningMode.IMAGE,
                num_poses=1,
                min_pose_detection_confidence=0.3,
                min_pose_presence_confidence=0.3,
                min_tracking_confidence=0.3,
            )
            with _quiet_stderr():
                self._model = vision.PoseLandmarker.create_from_options(options)
        return self._model

    def _detect(self, image: np.ndarray, box: np.ndarray) -> np.ndarray:
        import mediapipe as mp

        crop, (x0, y0, side) = square_crop(image, box)
        picture = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(crop))
        detector = self._detector()
        with _quiet_stderr():
            found = detector.detect(picture)
        out = np.full((N_LANDMARKS, 3), np.nan)
        if found.pose_landmarks:
            for i, lm in enumerate(found.pose_landmarks[0][:N_LANDMARKS]):
                out[i] = (x0 + lm.x * side, y0 + lm.y * side, lm.visibility)
        return out

    def landmarks(self, rows: Sequence[int]) -> dict[int, np.ndarray]:
        """Landmarks of the given track rows (rows outside the track or without a box are left
        out). Consecutive missing rows are decoded in one pass from the keyframe before them."""
        import time

        from ..video import iter_frames

        n = len(self._frame_index)
        wanted = sorted({int(r) for r in rows if 0 <= int(r) < n})
        todo = [r for r in wanted if r not in self._cache and self._box(r) is not None]
        if self._meta is None:  # the clip is gone: only what was read before can be given
            todo = []
        t0 = time.perf_counter()
        runs = _runs(todo)
        if len(runs) > 2:
            # Touchdowns spread over the whole clip: one decoding pass from the first to the
            # last costs less than a seek back to a keyframe for each.
            runs = [todo]
        for run in runs:
            by_frame = {int(self._frame_index[r]): r for r in run}
            first, last = min(by_frame), max(by_frame)
            for frame in iter_frames(self._meta, start_frame=first, stop_frame=last + 1):
                row = by_frame.get(frame.index)
                if row is not None:
                    self._cache[row] = self._detect(frame.image, self._box(row))
        self.seconds += time.perf_counter() - t0
        self.crops += len(todo)
        return {r: self._cache[r] for r in wanted if r in self._cache}

    def timing(self) -> dict[str, float]:
        """Crops run and seconds spent (decoding included), for rep.json."""
        return {"crops": self.crops, "seconds": round(self.seconds, 2)}

    def arrays(self) -> dict[str, np.ndarray]:
        """Every answer so far, for keypoints.npz (``landmark_rows``, ``landmarks_px`` and the
        ``landmark_key`` they were made under, see :func:`landmarker_key`)."""
        rows = np.array(sorted(self._cache), dtype=int)
        values = (
            np.stack([self._cache[r] for r in rows]) if rows.size else np.zeros((0, N_LANDMARKS, 3))
        )
        key = np.array(landmarker_key(self._path))
        return {"landmark_rows": rows, "landmarks_px": values, "landmark_key": key}

    def close(self) -> None:
        if self._model is not None:
            with _quiet_stderr():
                self._model.close()
            self._model = None


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Silence what the landmarker's C++ runtime writes straight to the process's stderr (model
    loading notes, one line per sparse tensor): the user's terminal is for sprintlab's own
    messages. Python's own stderr is flushed first and restored after."""
    try:
        fd = sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):  # no real stderr (captured): nothing to hide
        yield
        return
    sys.stderr.flush()
    saved = os.dup(fd)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), fd)
            yield
    finally:
        os.dup2(saved, fd)
        os.close(saved)


def cache_from_arrays(
    arrays: dict[str, np.ndarray], model_path: Path | None = None
) -> dict[int, np.ndarray]:
    """The answers kept in keypoints.npz (see :meth:`ClipLandmarks.arrays`); none when they were
    made by other landmarker code or another model file (:func:`landmarker_key`)."""
    rows = arrays.get("landmark_rows")
    values = arrays.get("landmarks_px")
    key = arrays.get("landmark_key")
    if rows is None or values is None or key is None:
        return {}
    if str(np.asarray(key)) != landmarker_key(model_path):
        return {}
    return {int(r): np.asarray(v, float) for r, v in zip(rows, values, strict=True)}


def _runs(rows: Sequence[int], max_gap: int = 8) -> list[list[int]]:
    """Rows grouped so that one decoding pass covers each group (gaps up to ``max_gap``)."""
    out: list[list[int]] = []
    for r in rows:
        if out and r - out[-1][-1] <= max_gap:
            out[-1].append(r)
        else:
            out.append([r])
    return out
