"""Which inference engine runs the pose model: OpenVINO, ONNX Runtime or PyTorch.

The weights ship as a PyTorch ``.pt`` file. On a CPU, the same network exported to OpenVINO runs
several times faster (see the README's Speed section), so by default the weights are exported once
with ultralytics' own exporter and the export is cached next to them (or, when that folder is not
writable, in ``~/.cache/sprintlab/exports``). Nothing is downloaded: the exporter works offline.
On a machine with a CUDA GPU the PyTorch model runs on the GPU instead. Whenever an export or
its engine is unavailable the PyTorch model is used, with a note saying why.

Backends
--------
``auto``
    ``pytorch`` on ``cuda:0`` when torch sees a CUDA GPU, else ``openvino``, else ``pytorch``.
``openvino``
    Export to ``<stem>_openvino_model/`` (FP32, dynamic input size) and run with OpenVINO.
``onnx``
    Export to ``<stem>.onnx`` (dynamic input size) and run with ONNX Runtime (the ``onnx`` extra).
``pytorch``
    The ``.pt`` weights as they are.

``$SPRINTLAB_BACKEND`` overrides the default (``auto``) wherever no backend is passed explicitly.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from ..errors import ModelNotFoundError

BACKENDS = ("auto", "openvino", "onnx", "pytorch")
BACKEND_ENV = "SPRINTLAB_BACKEND"
_STAMP = "sprintlab-export.json"
# Export at 640 with a dynamic input: the model then runs at the search size (960) and the crop
# size (384) alike, and its letterboxing is the same as the PyTorch model's.
_EXPORT_IMGSZ = 640


@dataclass(frozen=True)
class BackendChoice:
    """The engine picked for a weights file.

    Attributes
    ----------
    backend : str
        ``"openvino"``, ``"onnx"`` or ``"pytorch"``.
    model_path : Path
        What the engine loads (the export, or the ``.pt`` file).
    device : str
        ``"cpu"`` or a CUDA device such as ``"cuda:0"``.
    note : str or None
        Why the requested engine was not used, when it was not.
    """

    backend: str
    model_path: Path
    device: str
    note: str | None = None


def requested_backend(backend: str | None = None) -> str:
    """``backend`` if given, else ``$SPRINTLAB_BACKEND``, else ``"auto"`` (validated)."""
    name = (backend or os.environ.get(BACKEND_ENV) or "auto").strip().lower()
    if name not in BACKENDS:
        raise ValueError(f"Unknown pose backend {name!r}: choose from {', '.join(BACKENDS)}.")
    return name


def export_name(weights: Path, fmt: str) -> str:
    """File or folder name ultralytics gives the ``fmt`` export of ``weights``."""
    if fmt == "openvino":
        return f"{weights.stem}_openvino_model"
    if fmt == "onnx":
        return f"{weights.stem}.onnx"
    raise ValueError(f"no export format {fmt!r}")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _cache_dirs(weights: Path) -> list[Path]:
    user = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return [weights.parent, user / "sprintlab" / "exports"]


def _stamp_path(export: Path) -> Path:
    # The OpenVINO export is a folder (stamp inside); the ONNX export a file (stamp beside it).
    return export / _STAMP if export.is_dir() else export.with_name(export.name + ".json")


def _valid_export(export: Path, sha: str) -> bool:
    stamp = _stamp_path(export)
    if not export.exists() or not stamp.is_file():
        return False
    try:
        return json.loads(stamp.read_text()).get("weights_sha256") == sha
    except (OSError, ValueError):
        return False


def cached_export(weights: Path, fmt: str) -> Path | None:
    """The cached ``fmt`` export of ``weights`` if one made from these exact weights exists."""
    sha = _sha256(weights)
    for folder in _cache_dirs(weights):
        candidate = folder / export_name(weights, fmt)
        if _valid_export(candidate, sha):
            return candidate
    return None


def export_weights(weights: Path, fmt: str) -> Path:
    """Export ``weights`` to ``fmt`` once and cache it; return the export's path.

    The export is made in a scratch folder and moved into place in one step, so parallel
    workers never see half an export; a stamp records the sha256 of the weights it came from,
    so replaced weights are exported again.

    Raises
    ------
    RuntimeError
        The export failed (engine or exporter dependency missing, read-only folders, ...).
    """
    from .yolo import import_ultralytics_offline

    weights = Path(weights)
    found = cached_export(weights, fmt)
    if found is not None:
        return found
    sha = _sha256(weights)
    errors: list[str] = []
    for folder in _cache_dirs(weights):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            scratch = Path(tempfile.mkdtemp(prefix=".export-", dir=folder))
        except OSError as err:
            errors.append(f"{folder}: {err}")
            continue
        try:
            local = scratch / weights.name
            shutil.copy2(weights, local)
            yolo = import_ultralytics_offline()
            kwargs: dict[str, Any] = {"format": fmt, "dynamic": True, "imgsz": _EXPORT_IMGSZ}
            if fmt == "openvino":
                kwargs["half"] = False
            model = yolo(str(local), task="pose")
            made = Path(_quietly(model.export, **kwargs))
            stamp = {"weights": weights.name, "weights_sha256": sha, "format": fmt}
            _stamp_path(made).write_text(json.dumps(stamp, indent=2))
            final = folder / export_name(weights, fmt)
            if fmt == "onnx":
                os.replace(_stamp_path(made), _stamp_path(final))
            if final.exists() and not _valid_export(final, sha):
                # A stale export of other weights: replace it.
                shutil.rmtree(final) if final.is_dir() else final.unlink()
            if not final.exists():
                os.replace(made, final)
            return final
        except Exception as err:  # the exporter raises many kinds; any of them means "not here"
            errors.append(f"{folder}: {err}")
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    raise RuntimeError("; ".join(errors))


def _quietly(call: Any, **kwargs: Any) -> Any:
    # ultralytics reports every export stage and engine load on its logger (stdout); a user
    # only needs the outcome.
    import logging

    logger = logging.getLogger("ultralytics")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        # torch's tracer warns about its own deprecations while exporting: nothing to act on.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            warnings.simplefilter("ignore", DeprecationWarning)
            return call(**kwargs)
    finally:
        logger.setLevel(level)


def _cuda_device() -> str | None:
    try:
        import torch
    except ImportError:
        return None
    return "cuda:0" if torch.cuda.is_available() else None


def _engine_available(fmt: str) -> str | None:
    """None when the engine for ``fmt`` imports, else why not."""
    module = {"openvino": "openvino", "onnx": "onnxruntime"}[fmt]
    try:
        __import__(module)
    except ImportError:
        return f"the {module} package is not installed"
    return None


def choose_backend(model_path: Path, backend: str | None = None) -> BackendChoice:
    """Pick the engine for ``model_path`` (exporting the weights the first time).

    Weights that are already an export (an ``.onnx`` file or an OpenVINO folder) run as they are.
    An explicitly requested engine that cannot be used falls back to PyTorch with a note, like
    ``auto`` does: analysis never fails for want of a faster engine.
    """
    path = Path(model_path).expanduser()
    if not path.exists():
        raise ModelNotFoundError(
            f"Pose weights not found at {path}: put yolo11n-pose.pt in models/ "
            "(see models/README.md) or pass --model PATH."
        )
    name = requested_backend(backend)
    if path.is_dir() or path.suffix != ".pt":
        kind = "onnx" if path.suffix == ".onnx" else "openvino" if path.is_dir() else "pytorch"
        return BackendChoice(kind, path, "cpu")
    cuda = _cuda_device()
    if name == "auto":
        if cuda is not None:
            return BackendChoice("pytorch", path, cuda)
        name = "openvino"
    if name == "pytorch":
        return BackendChoice("pytorch", path, cuda or "cpu")
    why = _engine_available(name)
    if why is None:
        try:
            return BackendChoice(name, export_weights(path, name), "cpu")
        except RuntimeError as err:
            why = f"exporting the weights failed ({err})"
    note = f"The {name} engine could not be used ({why}); the PyTorch model runs instead (slower)."
    return BackendChoice("pytorch", path, cuda or "cpu", note)


def load_pose_estimator(model_path: str | Path, backend: str | None = None, **kwargs: Any) -> Any:
    """A :class:`~sprintlab.pose.yolo.YoloPoseEstimator` on the best engine for this machine.

    Parameters
    ----------
    model_path : str or Path
        Pose weights (``.pt``) or an existing export.
    backend : str, optional
        One of :data:`BACKENDS`; default ``$SPRINTLAB_BACKEND`` or ``"auto"``.
    **kwargs
        Passed to :class:`~sprintlab.pose.yolo.YoloPoseEstimator`.

    Returns
    -------
    YoloPoseEstimator
        With ``backend`` and ``backend_note`` attributes saying what runs and, if it is not
        what was asked for, why.
    """
    from .yolo import YoloPoseEstimator

    choice = choose_backend(Path(model_path), backend)
    estimator = _quietly(
        YoloPoseEstimator, model_path=choice.model_path, device=choice.device, **kwargs
    )
    if choice.note is None:
        try:
            # The first call loads and compiles the engine (and would announce it on stdout).
            _quietly(estimator.warm_up)
        except Exception as err:  # an engine that loads but cannot run: PyTorch instead
            note = (
                f"The {choice.backend} engine failed on a test image ({err}); "
                "the PyTorch model runs instead (slower)."
            )
            choice = BackendChoice("pytorch", Path(model_path), "cpu", note)
            estimator = YoloPoseEstimator(choice.model_path, device=choice.device, **kwargs)
    estimator.backend = choice.backend
    estimator.backend_note = choice.note
    return estimator


class SharedEstimator:
    """A pose estimator loaded on first use and kept for the life of the process.

    Loading is deferred so that a clip failing before the pose stage (unreadable file, bad
    calibration) costs no model load or export. The estimator is stateless between clips
    (tracking state lives in :func:`sprintlab.tracking.track_athlete`), so one instance per
    process and weights file is safe.
    """

    _loaded: ClassVar[dict[tuple[str, str], Any]] = {}

    def __init__(self, model_path: str | Path, backend: str | None = None) -> None:
        self.model_path = Path(model_path)
        self.requested = requested_backend(backend)

    def get(self) -> Any:
        """The loaded estimator."""
        key = (str(self.model_path.resolve()), self.requested)
        if key not in self._loaded:
            self._loaded[key] = load_pose_estimator(self.model_path, self.requested)
        return self._loaded[key]

    def predict(self, image_bgr: Any, *, imgsz: int, conf: float) -> Any:
        """See :class:`~sprintlab.pose.base.PoseEstimator`."""
        return self.get().predict(image_bgr, imgsz=imgsz, conf=conf)

    def predict_many(self, images_bgr: list[Any], *, imgsz: int, conf: float) -> list[Any]:
        """See :meth:`sprintlab.pose.yolo.YoloPoseEstimator.predict_many`."""
        est = self.get()
        if not hasattr(est, "predict_many"):
            return [est.predict(im, imgsz=imgsz, conf=conf) for im in images_bgr]
        return est.predict_many(images_bgr, imgsz=imgsz, conf=conf)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name in ("model_path", "requested"):
            raise AttributeError(name)  # not loaded yet (e.g. while unpickling): no recursion
        return getattr(self.get(), name)
