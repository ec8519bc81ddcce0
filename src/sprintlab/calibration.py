"""Calibration: image pixels <-> metres on the track.

World frame (see ``architecture.md``): origin on the start line at ground level, +x along the lane
in the running direction (the direction of increasing ``track_m``), +y up, metres. A
:class:`Calibration` maps image pixels (x right, y down) to ``(x, y)`` on the *athlete plane*: the
vertical plane that contains the lane's centre line (``lateral_m = 0``). Run direction and the
image's y-down axis are folded into the mapping once, so nothing downstream branches on direction.

Internally a calibration is one 3x3 homography ``H`` with ``world ~ H @ (u, v, 1)``. Three ways to
get one:

- ``"line"``: 2+ ground markers on one line along the lane. A similarity transform (rotation,
  uniform scale, translation, y flipped so +y is up). Assumes the camera looks roughly perpendicular
  at the lane and the markers lie on the athlete's line; perspective then only shows up as residual.
- ``"plane"``: 4+ ground markers on at least two lines across the lane. A pinhole camera is
  recovered (principal point at the image centre, square pixels, no distortion, unknown focal
  length), and the homography of the vertical athlete plane is built from it. Handles panned and
  tilted cameras.
- ``"field_lines"``: the field's painted yard lines, found in the clip when no markers are given
  (:mod:`sprintlab.fieldlines`): a pinhole camera from their vanishing points and spacing, the
  start line at the athlete's hands in the set position or where the user names it.
- ``"athlete_height"``: scale from the athlete's standing height in pixels. Approximate (±5 %).

Sidecar files (``clip.mp4`` -> ``clip.toml``) hold the markers; see :func:`load_sidecar`.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from .errors import CalibrationError

__all__ = [
    "Calibration",
    "CalibrationInput",
    "Marker",
    "find_sidecar",
    "load_sidecar",
]

RUN_DIRECTIONS = ("auto", "left_to_right", "right_to_left")
METHODS = ("line", "plane", "field_lines", "athlete_height")
CONFIDENCES = ("high", "low")

# Markers disagreeing by more than this (RMS, metres) or by more than this fraction of the marker
# span make the calibration unusable: a mis-typed track_m or a click on the wrong line.
MAX_RESIDUAL_M = 0.25
MAX_RESIDUAL_FRACTION_OF_SPAN = 0.05
# Above this RMS residual the calibration is kept but flagged "low" confidence: step lengths are
# published at about ±10 cm, so 5 cm of calibration error already matters.
LOW_CONFIDENCE_RESIDUAL_M = 0.05
# Two clicks closer than this are "the same image spot".
SAME_SPOT_PX = 1.0
# A row of markers this far (metres) off the athlete's line makes a "line" fit's scale wrong.
OFF_LINE_LATERAL_M = 0.05
# Smallest/largest singular value of the centred image points below this: markers (nearly) on one
# image line, so the perspective cannot be recovered.
COLLINEAR_IMAGE_RATIO = 0.005
# Plausible focal length range as a multiple of the larger image side (fisheye to long zoom).
FOCAL_RANGE_OF_IMAGE_SIDE = (0.2, 30.0)

# Measured against the same rendered clips with their cones: the pose model's leg points are
# short of the legs (thigh + shank = 0.491 × stature), so the height scale made every step
# 10-29% long (sample clip, grass, 11 m: mean +18%; track, 11 m: mean +20%) and the 5/10-yard
# splits 0.2 s early. The warning says so rather than a precision the scale does not have.
ATHLETE_HEIGHT_WARNING = (
    "scale from the athlete's height only: distances are rough (on rendered reps they came out "
    "10-30% long) and splits need markers or the field's lines"
)


# --------------------------------------------------------------------------------------------------
# Input: markers and the sidecar file
# --------------------------------------------------------------------------------------------------


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@dataclass(frozen=True)
class Marker:
    """One ground marker: where it is in the image and where it is on the track.

    Parameters
    ----------
    image_px : (float, float)
        Pixel position of the marker on the ground (x right, y down).
    track_m : float
        Distance from the start line along the lane, metres (increasing in the running direction).
    lateral_m : float, default 0
        Distance across the lane from the athlete's line, metres, positive towards the camera.
    """

    image_px: tuple[float, float]
    track_m: float
    lateral_m: float = 0.0

    def __post_init__(self) -> None:
        try:
            u, v = (float(c) for c in self.image_px)
        except (TypeError, ValueError):
            raise CalibrationError(
                f"A marker's image_px must be two numbers [x, y] in pixels, got {self.image_px!r}."
            ) from None
        if not (math.isfinite(u) and math.isfinite(v)):
            raise CalibrationError(
                f"A marker's image_px {self.image_px!r} is not a finite pixel position: "
                "click the marker again."
            )
        for name in ("track_m", "lateral_m"):
            value = getattr(self, name)
            if not _is_number(value) or not math.isfinite(value):
                raise CalibrationError(
                    f"A marker's {name} must be a finite number of metres, got {value!r}."
                )
            object.__setattr__(self, name, float(value))
        object.__setattr__(self, "image_px", (u, v))


def _check_marker_set(markers: tuple[Marker, ...]) -> None:
    """Reject duplicate markers (same track position twice, or the same click twice)."""
    seen_world: dict[tuple[float, float], int] = {}
    seen_image: dict[tuple[float, float], int] = {}
    for i, m in enumerate(markers, start=1):
        key = (m.track_m, m.lateral_m)
        if key in seen_world:
            raise CalibrationError(
                f"Markers {seen_world[key]} and {i} both say track_m = {m.track_m:g}, "
                f"lateral_m = {m.lateral_m:g}: remove the duplicate or fix its distances."
            )
        seen_world[key] = i
        if m.image_px in seen_image:
            raise CalibrationError(
                f"Markers {seen_image[m.image_px]} and {i} have the same image_px "
                f"{list(m.image_px)}: remove the duplicate or click the marker again."
            )
        seen_image[m.image_px] = i


@dataclass(frozen=True)
class CalibrationInput:
    """What a sidecar file says about calibration.

    Parameters
    ----------
    markers : tuple of Marker
        Ground markers (may be empty when only ``athlete_height_m`` is known).
    capture_fps : float or None
        True capture rate in frames per second, if the user stated it.
    athlete_height_m : float or None
        The athlete's standing height in metres, if known.
    run_direction : {"auto", "left_to_right", "right_to_left"}
        Running direction in the image; "auto" lets the markers or the motion decide.
    athlete_px : tuple of float or None
        An image point (x, y in px) on the athlete at the start: when several people sprint,
        the one nearest it is measured.
    start_line_px : float or None
        Without markers: a picture column (px) where the start line meets the athlete's lane,
        when the field's lines give the scale.
    camera_height_m : float or None
        Without markers: the lens's height above the ground (m); a running track's lane lines
        seen square-on need it.
    """

    markers: tuple[Marker, ...] = ()
    capture_fps: float | None = None
    athlete_height_m: float | None = None
    run_direction: str = "auto"
    athlete_px: tuple[float, float] | None = None
    start_line_px: float | None = None
    camera_height_m: float | None = None

    def __post_init__(self) -> None:
        markers = tuple(self.markers)
        if not all(isinstance(m, Marker) for m in markers):
            raise CalibrationError("Calibration markers must be Marker objects.")
        _check_marker_set(markers)
        object.__setattr__(self, "markers", markers)
        for name in ("capture_fps", "athlete_height_m"):
            value = getattr(self, name)
            if value is None:
                continue
            if not _is_number(value) or not math.isfinite(value) or value <= 0:
                raise CalibrationError(f"{name} must be a positive number, got {value!r}.")
            object.__setattr__(self, name, float(value))
        if self.athlete_height_m is not None and not 0.5 <= self.athlete_height_m <= 3.0:
            raise CalibrationError(
                f"athlete_height_m = {self.athlete_height_m:g} is not a person's height: "
                "give the standing height in metres, e.g. 1.85."
            )
        if self.athlete_px is not None:
            object.__setattr__(self, "athlete_px", parse_athlete_px(self.athlete_px))
        if self.start_line_px is not None:
            v = self.start_line_px
            if not _is_number(v) or not math.isfinite(v) or v < 0:
                raise CalibrationError(
                    f"start_line_px must be a picture column (px, 0 or more), got {v!r}."
                )
            object.__setattr__(self, "start_line_px", float(v))
        if self.camera_height_m is not None:
            v = self.camera_height_m
            if not _is_number(v) or not CAMERA_HEIGHT_RANGE_M[0] <= v <= CAMERA_HEIGHT_RANGE_M[1]:
                raise CalibrationError(
                    f"camera_height_m = {v!r} is not a camera's height: give the lens's height "
                    "above the ground in metres, e.g. 1.20."
                )
            object.__setattr__(self, "camera_height_m", float(v))
        if self.run_direction not in RUN_DIRECTIONS:
            raise CalibrationError(
                f"run_direction must be one of {', '.join(RUN_DIRECTIONS)}, "
                f"got {self.run_direction!r}."
            )


def parse_athlete_px(value: object) -> tuple[float, float]:
    """An image point from ``"X,Y"`` text or a pair of numbers; finite and not negative.

    Raises
    ------
    CalibrationError
        When it is not two such numbers.
    """
    parts: list[object]
    if isinstance(value, str):
        parts = [p.strip() for p in value.split(",")]
    elif isinstance(value, list | tuple):
        parts = list(value)
    else:
        parts = []
    try:
        xy = tuple(float(p) for p in parts)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        xy = ()
    if len(xy) != 2 or not all(math.isfinite(v) and v >= 0 for v in xy):
        raise CalibrationError(
            f"athlete_px must be an image point X,Y in pixels (e.g. 812,540), got {value!r}."
        )
    return (xy[0], xy[1])


#: Heights a camera's lens may stand above the ground (m): from a tripod's foot to a stand.
CAMERA_HEIGHT_RANGE_M = (0.2, 30.0)
_TOP_LEVEL_KEYS = {
    "capture_fps",
    "athlete_height_m",
    "run_direction",
    "start_line_px",
    "camera_height_m",
    "marker",
    "notes",
    "truth",
    "camera",
    "athlete_px",
}
_MARKER_KEYS = {"image_px", "track_m", "lateral_m"}


def find_sidecar(clip_path: str | Path) -> Path | None:
    """Return the sidecar next to a clip (same stem, ``.toml``), or None if there is none.

    ``runs/clip.mp4`` -> ``runs/clip.toml``.
    """
    candidate = Path(clip_path).with_suffix(".toml")
    return candidate if candidate.is_file() else None


def _parse_marker(entry: Any, number: int, name: str) -> Marker:
    where = f"Marker {number} in {name}"
    if not isinstance(entry, dict):
        raise CalibrationError(f"{where} is not a table: write each marker as a [[marker]] block.")
    unknown = sorted(set(entry) - _MARKER_KEYS)
    if unknown:
        raise CalibrationError(
            f"{where} has an unknown key '{unknown[0]}': use only image_px, track_m and lateral_m."
        )
    if "image_px" not in entry:
        raise CalibrationError(
            f"{where} has no image_px: add the marker's pixel position, "
            "e.g. image_px = [412.0, 880.5]."
        )
    if "track_m" not in entry:
        raise CalibrationError(
            f"{where} has no track_m: add its distance from the start line in metres, "
            "e.g. track_m = 5.0."
        )
    image_px = entry["image_px"]
    if (
        not isinstance(image_px, list)
        or len(image_px) != 2
        or not all(_is_number(c) for c in image_px)
    ):
        raise CalibrationError(
            f"{where} has image_px = {image_px!r}: write two numbers, "
            "e.g. image_px = [412.0, 880.5]."
        )
    if not all(math.isfinite(c) for c in image_px):
        raise CalibrationError(
            f"{where} has image_px = {image_px!r}: write the real pixel position, not nan or inf."
        )
    for key in ("track_m", "lateral_m"):
        if key not in entry:
            continue
        value = entry[key]
        if not _is_number(value):
            raise CalibrationError(
                f"{where} has {key} = {value!r}: write a number of metres, e.g. {key} = 5.0."
            )
        if not math.isfinite(value):
            raise CalibrationError(
                f"{where} has {key} = {value!r}: write the real distance in metres."
            )
    return Marker(
        image_px=(float(image_px[0]), float(image_px[1])),
        track_m=float(entry["track_m"]),
        lateral_m=float(entry.get("lateral_m", 0.0)),
    )


def load_sidecar(path: str | Path) -> CalibrationInput:
    """Read a calibration sidecar TOML file.

    Format::

        capture_fps = 240                # optional
        athlete_height_m = 1.85          # optional
        run_direction = "auto"           # optional: auto | left_to_right | right_to_left
        athlete_px = [812.0, 540.0]      # optional: a point on the athlete at the start
        start_line_px = 640.0            # optional, no markers: the start line's column (px)
        camera_height_m = 1.20           # optional, no markers: the lens's height (m)
        [[marker]]
        image_px = [412.0, 880.5]        # pixel position on the ground (x right, y down)
        track_m = 0.0                    # metres from the start line along the lane
        lateral_m = 0.0                  # optional, metres across the lane, + towards the camera

    ``notes`` (text), ``[truth]`` and ``[camera]`` are allowed and ignored. Any other key (also
    inside a marker) is an error.

    Raises
    ------
    CalibrationError
        The file is missing, is not valid TOML, has unknown keys, missing or mistyped fields, NaN
        values or duplicate markers.
    """
    path = Path(path)
    name = path.name
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise CalibrationError(
            f"The calibration file {path} does not exist: check the path."
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise CalibrationError(
            f"The calibration file {name} is not valid TOML ({exc}): fix that line and try again."
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CalibrationError(
            f"The calibration file {path} cannot be read ({exc}): check the file."
        ) from None

    unknown = sorted(set(data) - _TOP_LEVEL_KEYS)
    if unknown:
        raise CalibrationError(
            f"The calibration file {name} has an unknown key '{unknown[0]}': remove it or fix its "
            f"spelling (allowed: {', '.join(sorted(_TOP_LEVEL_KEYS))})."
        )

    raw_markers = data.get("marker", [])
    if not isinstance(raw_markers, list):
        raise CalibrationError(
            f"'marker' in {name} must be a list of [[marker]] blocks: write each as [[marker]]."
        )
    markers = tuple(_parse_marker(m, i, name) for i, m in enumerate(raw_markers, start=1))

    def number_or_none(key: str) -> float | None:
        if key not in data:
            return None
        value = data[key]
        if not _is_number(value) or not math.isfinite(value) or value <= 0:
            raise CalibrationError(f"{key} in {name} must be a positive number, got {value!r}.")
        return float(value)

    run_direction = data.get("run_direction", "auto")
    if not isinstance(run_direction, str) or run_direction not in RUN_DIRECTIONS:
        raise CalibrationError(
            f"run_direction in {name} must be one of {', '.join(RUN_DIRECTIONS)}, "
            f"got {run_direction!r}."
        )
    if "notes" in data and not isinstance(data["notes"], str):
        raise CalibrationError(f"notes in {name} must be text in quotes.")
    try:
        return CalibrationInput(
            markers=markers,
            capture_fps=number_or_none("capture_fps"),
            athlete_height_m=number_or_none("athlete_height_m"),
            run_direction=run_direction,
            athlete_px=data.get("athlete_px"),
            start_line_px=data.get("start_line_px"),
            camera_height_m=data.get("camera_height_m"),
        )
    except CalibrationError as exc:
        raise CalibrationError(f"In {name}: {exc}") from None


# --------------------------------------------------------------------------------------------------
# Homography helpers
# --------------------------------------------------------------------------------------------------


def _apply_homography(h: np.ndarray, xy: np.ndarray) -> np.ndarray:
    """Map points ``(..., 2)`` through ``h``; NaN in -> NaN out, NaN where w is (almost) zero."""
    pts = np.asarray(xy, dtype=float)
    if pts.shape[-1:] != (2,):
        raise ValueError(f"points must have shape (..., 2), got {pts.shape}")
    x, y = pts[..., 0], pts[..., 1]
    w = h[2, 0] * x + h[2, 1] * y + h[2, 2]
    out = np.empty(pts.shape, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out[..., 0] = (h[0, 0] * x + h[0, 1] * y + h[0, 2]) / w
        out[..., 1] = (h[1, 0] * x + h[1, 1] * y + h[1, 2]) / w
    # Points on the plane's vanishing line map to infinity; report them as missing.
    scale = np.abs(h[2, 0] * x) + np.abs(h[2, 1] * y) + abs(h[2, 2])
    out[np.abs(w) <= 1e-12 * scale] = np.nan
    return out


def _normalized(h: np.ndarray) -> np.ndarray:
    """Scale a homography so its largest entry has magnitude 1 (keeps the sign of w)."""
    return h / np.max(np.abs(h))


def _similarity_h(
    origin_px: np.ndarray, along_px_per_m: np.ndarray, origin_world: tuple[float, float]
) -> np.ndarray:
    """Image -> world similarity: ``origin_px`` maps to ``origin_world``, +x along ``along``.

    ``along_px_per_m`` is the image displacement of one metre along +x. +y is the perpendicular
    image direction that points up in the image (negative image y), so the y flip is part of the
    map.
    """
    s = float(np.hypot(*along_px_per_m))
    d = along_px_per_m / s
    n = np.array([d[1], -d[0]])
    if n[1] > 0:
        n = -n
    a = np.vstack([d, n]) / s
    b = np.asarray(origin_world, dtype=float) - a @ origin_px
    h = np.eye(3)
    h[:2, :2] = a
    h[:2, 2] = b
    return h


# --------------------------------------------------------------------------------------------------
# Calibration
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Calibration:
    """Mapping between image pixels and metres on the athlete plane.

    Parameters
    ----------
    image_to_world : ndarray, shape (3, 3)
        Homography ``H``: ``(x, y, 1) ~ H @ (u, v, 1)`` maps image pixels ``(u, v)`` (x right,
        y down) to world metres ``(x, y)`` on the vertical plane through the lane's centre line:
        ``x`` along the lane from the start line in the running direction, ``y`` up from the
        ground. Any invertible ``H`` is accepted.
    method : {"line", "plane", "athlete_height"}
        How ``H`` was obtained (see module docstring).
    rms_residual_m : float
        Root mean square disagreement of the markers with the fitted mapping, metres: along-lane
        residuals for "line", ground reprojection distances for "plane". NaN when not measurable
        (exactly two markers, or "athlete_height").
    confidence : {"high", "low"}
        "low" when the result is approximate: a warning says why.
    warnings : tuple of str
        Sentences for the user about weaknesses of this calibration.
    n_markers : int
        Number of markers the mapping was fitted to (0 for "athlete_height").
    camera_m : tuple of float, optional
        The camera's centre ``(x, y, distance)`` in metres: ``x`` along the lane and ``y`` up in
        the world frame, ``distance`` from the athlete plane (> 0). Known for "plane" only (a
        pinhole camera is fitted); None otherwise. Needed to place points that lie off the
        athlete plane (:meth:`to_offset_plane`).
    """

    image_to_world: np.ndarray
    method: str
    rms_residual_m: float = math.nan
    confidence: str = "high"
    warnings: tuple[str, ...] = ()
    n_markers: int = 0
    camera_m: tuple[float, float, float] | None = None
    world_to_image: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        h = np.array(self.image_to_world, dtype=float)
        if h.shape != (3, 3) or not np.all(np.isfinite(h)):
            raise ValueError("image_to_world must be a finite 3x3 matrix")
        if np.linalg.cond(h) > 1e12:
            raise ValueError("image_to_world must be invertible")
        if self.method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}, got {self.method!r}")
        if self.confidence not in CONFIDENCES:
            raise ValueError(f"confidence must be one of {CONFIDENCES}, got {self.confidence!r}")
        residual = float(self.rms_residual_m)
        if not (math.isnan(residual) or residual >= 0):
            raise ValueError(f"rms_residual_m must be >= 0 or NaN, got {residual}")
        warnings = tuple(self.warnings)
        if not all(isinstance(w, str) for w in warnings):
            raise ValueError("warnings must be strings")
        if int(self.n_markers) < 0:
            raise ValueError("n_markers must be >= 0")
        if self.camera_m is not None:
            cam = tuple(float(v) for v in self.camera_m)
            if len(cam) != 3 or not all(math.isfinite(v) for v in cam) or cam[2] <= 0:
                raise ValueError("camera_m must be three finite numbers with a distance > 0")
            object.__setattr__(self, "camera_m", cam)
        inv = np.linalg.inv(h)
        h.setflags(write=False)
        inv.setflags(write=False)
        object.__setattr__(self, "image_to_world", h)
        object.__setattr__(self, "world_to_image", inv)
        object.__setattr__(self, "rms_residual_m", residual)
        object.__setattr__(self, "warnings", warnings)
        object.__setattr__(self, "n_markers", int(self.n_markers))

    # ---- mapping -------------------------------------------------------------------------------

    def to_world(self, xy_px: np.ndarray) -> np.ndarray:
        """Image pixels ``(..., 2)`` -> world metres ``(..., 2)`` on the athlete plane.

        NaN in gives NaN out; points on the plane's vanishing line (at infinity) give NaN.
        """
        return _apply_homography(self.image_to_world, xy_px)

    def to_image(self, xy_m: np.ndarray) -> np.ndarray:
        """World metres ``(..., 2)`` on the athlete plane -> image pixels ``(..., 2)``; NaN->NaN."""
        return _apply_homography(self.world_to_image, xy_m)

    def px_per_m_at(self, xy_px: np.ndarray) -> np.ndarray:
        """Local image scale in pixels per metre at image points ``(..., 2)``.

        Defined as ``1 / sqrt(|det J|)`` with ``J`` the Jacobian of :meth:`to_world` at the point:
        the geometric mean of the scales along the two axes (exact for "line" and "athlete_height",
        which have the same scale in every direction). Useful to turn metre thresholds into pixels.
        """
        pts = np.asarray(xy_px, dtype=float)
        h = self.image_to_world
        q = _apply_homography(h, pts)
        x, y = pts[..., 0], pts[..., 1]
        w = h[2, 0] * x + h[2, 1] * y + h[2, 2]
        # J = (H[:2, :2] - q h3^T) / w, with h3 = H[2, :2]
        j00 = (h[0, 0] - q[..., 0] * h[2, 0]) / w
        j01 = (h[0, 1] - q[..., 0] * h[2, 1]) / w
        j10 = (h[1, 0] - q[..., 1] * h[2, 0]) / w
        j11 = (h[1, 1] - q[..., 1] * h[2, 1]) / w
        with np.errstate(divide="ignore"):
            return 1.0 / np.sqrt(np.abs(j00 * j11 - j01 * j10))

    def to_offset_plane(self, xy_m: np.ndarray, offset_m: float) -> np.ndarray:
        """Where points mapped onto the athlete plane really are when they lie ``offset_m``
        nearer the camera (negative: farther), in world metres ``(..., 2)``.

        The athlete plane holds the lane's centre line, but each leg moves in its own plane
        about half a hip width to the side: the near leg looks bigger and the far leg smaller
        than the athlete plane, by ``offset / distance`` about the camera's foot point (at 11 m
        and 9 cm, 0.8%: 4 cm on a foot 5 m from the camera's axis). Along the camera's ray,
        ``p = c + (p0 - c) · (D - offset) / D`` with ``c`` the camera's ``(x, y)`` and ``D`` its
        distance. Without a camera (:attr:`camera_m` None) the points are returned unchanged.
        """
        pts = np.array(xy_m, dtype=float)
        if self.camera_m is None or offset_m == 0:
            return pts
        cx, cy, dist = self.camera_m
        centre = np.array([cx, cy])
        return centre + (pts - centre) * ((dist - float(offset_m)) / dist)

    @property
    def run_direction(self) -> str:
        """ "left_to_right" or "right_to_left": which way +x points in the image at the origin."""
        a, b = self.to_image(np.array([[0.0, 0.0], [1.0, 0.0]]))
        return "left_to_right" if b[0] >= a[0] else "right_to_left"

    # ---- persistence ---------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (NaN residual written as None)."""
        return {
            "method": self.method,
            "image_to_world": self.image_to_world.tolist(),
            "rms_residual_m": None if math.isnan(self.rms_residual_m) else self.rms_residual_m,
            "confidence": self.confidence,
            "warnings": list(self.warnings),
            "n_markers": self.n_markers,
            "camera_m": None if self.camera_m is None else list(self.camera_m),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Calibration:
        """Inverse of :meth:`to_dict`."""
        residual = data.get("rms_residual_m")
        return cls(
            image_to_world=np.asarray(data["image_to_world"], dtype=float),
            method=data["method"],
            rms_residual_m=math.nan if residual is None else float(residual),
            confidence=data.get("confidence", "high"),
            warnings=tuple(data.get("warnings", ())),
            n_markers=int(data.get("n_markers", 0)),
            camera_m=None if data.get("camera_m") is None else tuple(data["camera_m"]),
        )

    # ---- constructors --------------------------------------------------------------------------

    @classmethod
    def from_athlete_height(
        cls,
        height_px: float,
        height_m: float,
        origin_px: tuple[float, float],
        direction: int,
        ground_y_px: float | None = None,
        ground_slope: float = 0.0,
    ) -> Calibration:
        """Scale from the athlete's standing height; the camera is assumed side-on.

        Parameters
        ----------
        height_px : float
            The athlete's standing height in the image, pixels.
        height_m : float
            The athlete's standing height, metres.
        origin_px : (float, float)
            Image point on the start line: its image x maps to world x = 0.
        direction : {+1, -1}
            +1 when the athlete runs towards increasing image x (left to right), -1 otherwise.
        ground_y_px : float, optional
            Image row of the ground (world y = 0) at the origin's x; defaults to
            ``origin_px[1]``.
        ground_slope : float
            Image slope of the ground line (dy/dx in px per px; 0: a level picture). World +x
            runs along it, so that a phone held a little off level does not tilt the world.

        Returns
        -------
        Calibration
            Method "athlete_height", confidence "low", residual NaN, with a warning that
            distances are approximate.
        """
        if not (_is_number(height_px) and math.isfinite(height_px) and height_px > 0):
            raise CalibrationError(
                "The athlete's height in pixels must be a positive number: "
                "check that the athlete was found standing upright."
            )
        if not (_is_number(height_m) and 0.5 <= height_m <= 3.0):
            raise CalibrationError(
                f"athlete_height_m = {height_m!r} is not a person's height: "
                "give the standing height in metres, e.g. 1.85."
            )
        if direction not in (1, -1):
            raise ValueError(f"direction must be +1 or -1, got {direction!r}")
        ox, oy = (float(c) for c in origin_px)
        gy = oy if ground_y_px is None else float(ground_y_px)
        if not all(math.isfinite(c) for c in (ox, oy, gy)):
            raise CalibrationError("The start-line position in the image is not a finite point.")
        if not (_is_number(ground_slope) and abs(float(ground_slope)) < 1.0):
            raise CalibrationError(
                f"The ground's slope in the image, {ground_slope!r}, is not plausible."
            )
        scale = float(height_px) / float(height_m)
        along = (
            direction * scale * np.array([1.0, float(ground_slope)]) / math.hypot(1.0, ground_slope)
        )
        h = _similarity_h(np.array([ox, gy]), along, (0.0, 0.0))
        return cls(
            image_to_world=h,
            method="athlete_height",
            rms_residual_m=math.nan,
            confidence="low",
            warnings=(ATHLETE_HEIGHT_WARNING,),
            n_markers=0,
        )

    @classmethod
    def from_markers(
        cls,
        markers: tuple[Marker, ...] | list[Marker],
        image_size_px: tuple[int, int],
        run_direction: str = "auto",
    ) -> Calibration:
        """Fit a calibration to ground markers.

        - All markers at one ``lateral_m`` (2+ markers): method "line", a similarity transform.
          Assumes the camera looks roughly perpendicular at the lane and the markers lie on the
          athlete's line; with 3+ markers ``rms_residual_m`` is the RMS of the along-lane residuals
          (``to_world(marker).x - track_m``), with exactly 2 it is NaN.
        - 4+ markers on at least two ``lateral_m`` values: method "plane", a pinhole camera with the
          principal point at the image centre, square pixels, no lens distortion and unknown focal
          length; ``rms_residual_m`` is the RMS distance on the ground between each marker and its
          image back-projected onto the ground. If the perspective cannot be recovered (e.g. markers
          nearly on one image line), falls back to "line" on one row of markers, with a warning.

        Parameters
        ----------
        markers : sequence of Marker
        image_size_px : (width, height)
            Size of the video frame the markers were clicked on, pixels.
        run_direction : {"auto", "left_to_right", "right_to_left"}
            If not "auto", the markers must agree with it.

        Raises
        ------
        CalibrationError
            Fewer than 2 markers, duplicates, markers out of order along the lane, two markers with
            different track_m at the same image spot, or markers that disagree by more than 0.25 m
            RMS or 5 % of their span.
        """
        markers = tuple(markers)
        if not all(isinstance(m, Marker) for m in markers):
            raise TypeError("markers must be Marker objects")
        w_px, h_px = (int(c) for c in image_size_px)
        if w_px <= 0 or h_px <= 0:
            raise ValueError(f"image_size_px must be positive, got {image_size_px!r}")
        if run_direction not in RUN_DIRECTIONS:
            raise CalibrationError(
                f"run_direction must be one of {', '.join(RUN_DIRECTIONS)}, got {run_direction!r}."
            )
        if len(markers) < 2:
            raise CalibrationError(
                f"Calibration needs at least 2 ground markers at known distances, got "
                f"{len(markers)}: add markers (e.g. the start line and the 10-yard line) to the "
                "sidecar file."
            )
        _check_marker_set(markers)
        _check_same_spot(markers)
        rows = _rows(markers)
        direction_sign = _check_order(rows)
        if run_direction != "auto" and direction_sign != 0:
            wanted = 1 if run_direction == "left_to_right" else -1
            if wanted != direction_sign:
                said = run_direction.replace("_", " ")
                raise CalibrationError(
                    f"The sidecar says the run goes {said}, but the markers' track_m increases the "
                    "other way across the image: fix run_direction or the markers' track_m."
                )
        warnings = _outside_image_warnings(markers, w_px, h_px)

        if len(rows) == 1:
            return _fit_line(markers, warnings)
        if len(markers) >= 4:
            cal = _fit_plane(markers, (w_px, h_px), warnings)
            reason = "the markers do not show enough perspective"
        else:
            cal = None
            reason = "fewer than 4 markers on more than one line across the lane"
        if cal is None:
            row = _fallback_row(rows)
            if row is None:
                raise CalibrationError(
                    "The markers cannot be fitted: put at least 2 markers on one line along the "
                    "lane, or at least 4 markers on two lines across the lane."
                )
            fallback_warning = (
                f"the camera's perspective could not be recovered ({reason}), so only the "
                f"{len(row)} markers at lateral_m = {row[0].lateral_m:g} were used: distances "
                "assume a camera square-on to the lane"
            )
            cal = _fit_line(row, (*warnings, fallback_warning), force_low=True)
        return cal


# --------------------------------------------------------------------------------------------------
# Marker checks and fits
# --------------------------------------------------------------------------------------------------


def _check_same_spot(markers: tuple[Marker, ...]) -> None:
    pts = np.array([m.image_px for m in markers])
    for i in range(len(markers)):
        for j in range(i + 1, len(markers)):
            if (
                np.hypot(*(pts[i] - pts[j])) < SAME_SPOT_PX
                and markers[i].track_m != markers[j].track_m
            ):
                raise CalibrationError(
                    f"Markers {i + 1} and {j + 1} are at the same spot in the image but say "
                    f"track_m = {markers[i].track_m:g} and {markers[j].track_m:g}: "
                    "click each marker on its own line."
                )


def _rows(markers: tuple[Marker, ...]) -> list[tuple[Marker, ...]]:
    """Markers grouped by lateral_m, each row sorted by track_m."""
    by_lateral: dict[float, list[Marker]] = {}
    for m in markers:
        by_lateral.setdefault(m.lateral_m, []).append(m)
    return [tuple(sorted(r, key=lambda m: m.track_m)) for _, r in sorted(by_lateral.items())]


def _check_order(rows: list[tuple[Marker, ...]]) -> int:
    """Check each row's markers are in track order along the image; return +1 (L->R) or -1 (R->L).

    A straight line on the ground stays a straight line in the image and keeps its order, with or
    without perspective, so a marker out of sequence means a wrong track_m or a wrong click.
    """
    signs = []
    for row in rows:
        if len(row) < 2:
            continue
        pts = np.array([m.image_px for m in row])
        axis = pts[-1] - pts[0]
        pos = (pts - pts[0]) @ axis
        if np.any(np.diff(pos) <= 0):
            k = int(np.argmax(np.diff(pos) <= 0))
            raise CalibrationError(
                f"The markers at track_m = {row[k].track_m:g} and {row[k + 1].track_m:g} are out "
                "of order in the image: check that each marker's track_m matches the line it was "
                "placed on."
            )
        if abs(axis[1]) > abs(axis[0]):
            raise CalibrationError(
                "The markers run up and down the image instead of across it: film the lane from "
                "the side and click markers along the lane."
            )
        signs.append(1 if axis[0] > 0 else -1)
    if not signs:
        return 0
    if len(set(signs)) > 1:
        raise CalibrationError(
            "The rows of markers increase in opposite directions across the image: check that "
            "each marker's track_m matches the line it was placed on."
        )
    return signs[0]


def _outside_image_warnings(markers: tuple[Marker, ...], w_px: int, h_px: int) -> tuple[str, ...]:
    outside = [
        m for m in markers if not (0 <= m.image_px[0] <= w_px and 0 <= m.image_px[1] <= h_px)
    ]
    if not outside:
        return ()
    listed = ", ".join(f"{t:g}" for t in sorted({m.track_m for m in outside}))
    return (
        f"markers at track_m = {listed} lie outside the {w_px}x{h_px} frame: check that they were "
        "clicked on a full-resolution frame of this video",
    )


def _check_residual(residuals_m: np.ndarray, markers: tuple[Marker, ...]) -> float:
    """RMS of the residuals; raise if the markers contradict each other."""
    rms = float(np.sqrt(np.mean(residuals_m**2)))
    tracks = [m.track_m for m in markers]
    span_m = max(tracks) - min(tracks)
    if rms > MAX_RESIDUAL_M or rms > MAX_RESIDUAL_FRACTION_OF_SPAN * span_m:
        worst = markers[int(np.argmax(np.abs(residuals_m)))]
        raise CalibrationError(
            f"The calibration markers disagree by {rms:.2f} m (worst: the marker at track_m = "
            f"{worst.track_m:g}): check that each marker's track_m matches the line it was "
            "placed on."
        )
    return rms


def _fit_line(
    markers: tuple[Marker, ...], warnings: tuple[str, ...], force_low: bool = False
) -> Calibration:
    """Similarity fit for markers on one line along the lane.

    Model: ``image_px ≈ c + track_m * v`` (least squares in pixels, i.e. click errors in the image,
    exact track distances). ``v`` is the image displacement of one metre along the lane; the world
    +y axis is the image perpendicular pointing up, at the same scale.
    """
    t = np.array([m.track_m for m in markers])
    p = np.array([m.image_px for m in markers])
    tc = t - t.mean()
    v = (tc @ (p - p.mean(axis=0))) / (tc @ tc)
    c = p.mean(axis=0) - t.mean() * v
    h = _similarity_h(c, v, (0.0, 0.0))
    warnings = list(warnings)
    low = force_low
    lateral = markers[0].lateral_m
    if abs(lateral) > OFF_LINE_LATERAL_M:
        low = True
        side = "towards" if lateral > 0 else "away from"
        warnings.append(
            f"the markers are {abs(lateral):g} m {side} the camera from the athlete's line, so "
            "distances can be off by several percent: put markers on the athlete's line or add a "
            "second row for the perspective fit"
        )
    if len(markers) == 2:
        rms = math.nan
        low = True
        warnings.append("only 2 markers, so the calibration cannot be checked: add a third marker")
    else:
        world = _apply_homography(h, p)
        rms = _check_residual(world[:, 0] - t, markers)
        if rms > LOW_CONFIDENCE_RESIDUAL_M:
            low = True
            warnings.append(
                f"the markers disagree by {rms:.2f} m: the camera may not be square-on to the "
                "lane; add a second row of markers for the perspective fit"
            )
        off_line_m = float(np.sqrt(np.mean(world[:, 1] ** 2)))
        if off_line_m > LOW_CONFIDENCE_RESIDUAL_M:
            low = True
            warnings.append(
                f"the markers are not on a straight line in the image (off by {off_line_m:.2f} m): "
                "check the clicks"
            )
    return Calibration(
        image_to_world=h,
        method="line",
        rms_residual_m=rms,
        confidence="low" if low else "high",
        warnings=tuple(warnings),
        n_markers=len(markers),
    )


def _fallback_row(rows: list[tuple[Marker, ...]]) -> tuple[Marker, ...] | None:
    """The row of 2+ markers closest to the athlete's line (ties: more markers)."""
    usable = [r for r in rows if len(r) >= 2]
    if not usable:
        return None
    return min(usable, key=lambda r: (abs(r[0].lateral_m), -len(r)))


def _nearly_collinear(pts: np.ndarray, ratio: float) -> bool:
    centred = pts - pts.mean(axis=0)
    s = np.linalg.svd(centred, compute_uv=False)
    return bool(s[0] == 0 or s[-1] / s[0] < ratio)


def _ground_degenerate(ground: np.ndarray) -> bool:
    """True if all markers, or all but one, lie on one line on the ground (no unique homography)."""
    n = len(ground)
    if _nearly_collinear(ground, 1e-6):
        return True
    return any(_nearly_collinear(np.delete(ground, k, axis=0), 1e-6) for k in range(n))


def _focal_from_homography(g: np.ndarray, centre: np.ndarray) -> float:
    """Focal length (px) from a ground->image homography, principal point known, square pixels.

    With image coordinates centred on the principal point, ``G ~ K [r1 r2 t]`` and the image of the
    absolute conic is ``diag(1, 1, f²)`` up to scale. ``r1 ⟂ r2`` and ``|r1| = |r2|`` give two
    equations linear in ``f²``, solved in least squares. NaN when they do not pin ``f²`` > 0.
    """
    shift = np.array([[1.0, 0.0, -centre[0]], [0.0, 1.0, -centre[1]], [0.0, 0.0, 1.0]])
    h = shift @ g
    h = h / np.linalg.norm(h[:, :2])
    h1, h2 = h[:, 0], h[:, 1]
    a = np.array([h1[2] * h2[2], h1[2] ** 2 - h2[2] ** 2])
    b = -np.array(
        [h1[0] * h2[0] + h1[1] * h2[1], h1[0] ** 2 + h1[1] ** 2 - h2[0] ** 2 - h2[1] ** 2]
    )
    denom = float(a @ a)
    if denom <= 1e-18:
        return math.nan
    f2 = float(a @ b) / denom
    return math.sqrt(f2) if f2 > 0 else math.nan


def _fit_plane(
    markers: tuple[Marker, ...], image_size_px: tuple[int, int], warnings: tuple[str, ...]
) -> Calibration | None:
    """Pinhole-camera fit from ground markers on 2+ rows; None when the camera is not recoverable.

    Object frame for OpenCV: (track_m, lateral_m, 0) on the ground. The world "up" axis is the
    object z axis, signed so that the camera is above the ground. The athlete plane is spanned by
    the track axis and up through the lane's centre line (lateral 0), so its homography is
    ``K [r1, ±r3, t]``.
    """
    w_px, h_px = image_size_px
    ground = np.array([[m.track_m, m.lateral_m] for m in markers])
    image = np.array([m.image_px for m in markers])
    if _ground_degenerate(ground) or _nearly_collinear(image, COLLINEAR_IMAGE_RATIO):
        return None
    g, _ = cv2.findHomography(ground, image, 0)
    if g is None or not np.all(np.isfinite(g)):
        return None
    centre = np.array([w_px / 2.0, h_px / 2.0])
    f_lo, f_hi = (k * max(w_px, h_px) for k in FOCAL_RANGE_OF_IMAGE_SIDE)
    f0 = _focal_from_homography(g, centre)
    if not f_lo <= f0 <= f_hi:
        return None

    # Refine focal length and pose together by minimising the pixel reprojection error.
    k0 = np.array([[f0, 0.0, centre[0]], [0.0, f0, centre[1]], [0.0, 0.0, 1.0]])
    flags = (
        cv2.CALIB_USE_INTRINSIC_GUESS
        | cv2.CALIB_FIX_PRINCIPAL_POINT
        | cv2.CALIB_FIX_ASPECT_RATIO
        | cv2.CALIB_ZERO_TANGENT_DIST
        | cv2.CALIB_FIX_K1
        | cv2.CALIB_FIX_K2
        | cv2.CALIB_FIX_K3
    )
    obj = np.column_stack([ground, np.zeros(len(ground))]).astype(np.float32)
    criteria = (cv2.TERM_CRITERIA_COUNT | cv2.TERM_CRITERIA_EPS, 200, 1e-12)
    try:
        _, k, _, rvecs, tvecs = cv2.calibrateCamera(
            [obj],
            [image.astype(np.float32)],
            (w_px, h_px),
            k0,
            np.zeros(5),
            flags=flags,
            criteria=criteria,
        )
    except cv2.error:
        return None
    f = float(k[0, 0])
    if not (math.isfinite(f) and f_lo <= f <= f_hi):
        return None
    rot, _ = cv2.Rodrigues(rvecs[0])
    t = np.asarray(tvecs[0], dtype=float).reshape(3)
    k = np.array([[f, 0.0, centre[0]], [0.0, f, centre[1]], [0.0, 0.0, 1.0]])
    camera_centre = -rot.T @ t
    if abs(camera_centre[2]) < 1e-6 or t[2] <= 0:
        return None
    up_sign = 1.0 if camera_centre[2] > 0 else -1.0
    ground_to_image = k @ np.column_stack([rot[:, 0], rot[:, 1], t])
    plane_to_image = k @ np.column_stack([rot[:, 0], up_sign * rot[:, 2], t])

    back = _apply_homography(np.linalg.inv(ground_to_image), image)
    residuals = np.hypot(*(back - ground).T)
    if not np.all(np.isfinite(residuals)):
        return None
    rms = _check_residual(residuals, markers)
    warnings = list(warnings)
    low = False
    if rms > LOW_CONFIDENCE_RESIDUAL_M:
        low = True
        warnings.append(
            f"the markers disagree by {rms:.2f} m on the ground: check the clicks and distances"
        )
    return Calibration(
        image_to_world=_normalized(np.linalg.inv(plane_to_image)),
        method="plane",
        rms_residual_m=rms,
        confidence="low" if low else "high",
        warnings=tuple(warnings),
        n_markers=len(markers),
        # Object frame: (track, lateral, ±up); the athlete plane is lateral 0.
        camera_m=(
            float(camera_centre[0]),
            float(up_sign * camera_centre[2]),
            float(abs(camera_centre[1])),
        )
        if abs(camera_centre[1]) > 0.1
        else None,
    )
