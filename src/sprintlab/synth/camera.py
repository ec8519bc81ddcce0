"""A pinhole camera for rendering synthetic clips with exact ground truth.

World frame (metres): origin on the start line at ground level, +x along the lane in the running
direction, +y up, +z lateral (towards the camera of a default side view, i.e. the athlete's right
side). Image: pixels, x to the right, y down; the principal point is the image centre
``(width / 2, height / 2)`` with square pixels and no lens distortion, which is exactly what
:meth:`sprintlab.calibration.Calibration.from_markers` assumes for its "plane" fit.

Orientation is given as pan (yaw), tilt (pitch) and roll in degrees:

- ``yaw_deg = 0``: the optical axis is horizontal and points along −z (the camera stands at +z and
  looks straight across the lane), +x to the right in the image; positive yaw turns the view
  towards +x; ``yaw_deg = 180`` looks along +z from the other side (+x then runs right to left).
- ``pitch_deg`` > 0 tilts the view down.
- ``roll_deg`` > 0 turns the camera clockwise about its optical axis (as seen from behind it), so
  the picture turns counter-clockwise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

import numpy as np

__all__ = ["PinholeCamera"]

DEFAULT_HFOV_DEG = 82.0
"""Horizontal field of view of the default side view (a phone's main camera is about 70–80°)."""


def _finite(*values: float) -> bool:
    return all(math.isfinite(float(v)) for v in values)


@dataclass(frozen=True)
class PinholeCamera:
    """An ideal pinhole camera.

    Parameters
    ----------
    width_px, height_px : int
        Image size in pixels.
    focal_px : float
        Focal length in pixels (same for x and y).
    position_m : (float, float, float)
        Centre of projection in world metres (x along the lane, y up, z lateral).
    yaw_deg, pitch_deg, roll_deg : float
        Pan, tilt and roll in degrees (see the module docstring for the conventions).
    """

    width_px: int
    height_px: int
    focal_px: float
    position_m: tuple[float, float, float]
    yaw_deg: float = 0.0
    pitch_deg: float = 0.0
    roll_deg: float = 0.0

    def __post_init__(self) -> None:
        for name in ("width_px", "height_px"):
            value = getattr(self, name)
            if isinstance(value, bool) or int(value) != value or int(value) < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
            object.__setattr__(self, name, int(value))
        if not (_finite(self.focal_px) and self.focal_px > 0):
            raise ValueError(f"focal_px must be positive, got {self.focal_px!r}")
        pos = tuple(float(c) for c in self.position_m)
        if len(pos) != 3 or not _finite(*pos):
            raise ValueError(f"position_m must be three finite numbers, got {self.position_m!r}")
        if not _finite(self.yaw_deg, self.pitch_deg, self.roll_deg):
            raise ValueError("yaw_deg, pitch_deg and roll_deg must be finite")
        if abs(self.pitch_deg) >= 90.0:
            raise ValueError(f"pitch_deg must be between -90 and 90, got {self.pitch_deg}")
        object.__setattr__(self, "focal_px", float(self.focal_px))
        object.__setattr__(self, "position_m", pos)
        for name in ("yaw_deg", "pitch_deg", "roll_deg"):
            object.__setattr__(self, name, float(getattr(self, name)))

    # ---- matrices ------------------------------------------------------------------------------

    @cached_property
    def rotation(self) -> np.ndarray:
        """World → camera rotation (3, 3); camera axes: x right, y down, z forward (depth)."""
        yaw, pitch, roll = (math.radians(a) for a in (self.yaw_deg, self.pitch_deg, self.roll_deg))
        # Rows: the camera's right, down and forward axes in world coordinates at zero tilt.
        r_yaw = np.array(
            [
                [math.cos(yaw), 0.0, math.sin(yaw)],
                [0.0, -1.0, 0.0],
                [math.sin(yaw), 0.0, -math.cos(yaw)],
            ]
        )
        cp, sp = math.cos(pitch), math.sin(pitch)
        r_pitch = np.array([[1.0, 0.0, 0.0], [0.0, cp, -sp], [0.0, sp, cp]])
        cr, sr = math.cos(roll), math.sin(roll)
        r_roll = np.array([[cr, sr, 0.0], [-sr, cr, 0.0], [0.0, 0.0, 1.0]])
        r = r_roll @ r_pitch @ r_yaw
        r.setflags(write=False)
        return r

    @cached_property
    def intrinsics(self) -> np.ndarray:
        """Camera matrix K (3, 3): focal length and principal point at the image centre."""
        k = np.array(
            [
                [self.focal_px, 0.0, self.width_px / 2.0],
                [0.0, self.focal_px, self.height_px / 2.0],
                [0.0, 0.0, 1.0],
            ]
        )
        k.setflags(write=False)
        return k

    @cached_property
    def projection_matrix(self) -> np.ndarray:
        """P = K [R | −R C] (3, 4): homogeneous world points → homogeneous pixels."""
        r = self.rotation
        p = self.intrinsics @ np.hstack([r, -(r @ np.asarray(self.position_m))[:, None]])
        p.setflags(write=False)
        return p

    # ---- mapping -------------------------------------------------------------------------------

    def to_camera(self, points_m: np.ndarray) -> np.ndarray:
        """World points (..., 3) → camera coordinates (..., 3): x right, y down, z depth (m)."""
        pts = np.asarray(points_m, dtype=float)
        if pts.shape[-1:] != (3,):
            raise ValueError(f"points must have shape (..., 3), got {pts.shape}")
        return (pts - np.asarray(self.position_m)) @ self.rotation.T

    def depth_m(self, points_m: np.ndarray) -> np.ndarray:
        """Depth (m) of world points (..., 3) along the optical axis; ≤ 0 behind the camera."""
        return self.to_camera(points_m)[..., 2]

    def project(self, points_m: np.ndarray) -> np.ndarray:
        """Image pixels (..., 2) of world points (..., 3); NaN for points not in front of the
        camera (depth ≤ 1 mm) and for NaN input."""
        c = self.to_camera(points_m)
        z = c[..., 2]
        out = np.full((*c.shape[:-1], 2), np.nan)
        front = z > 1e-3
        zf = z[front]
        out[front, 0] = self.focal_px * c[front, 0] / zf + self.width_px / 2.0
        out[front, 1] = self.focal_px * c[front, 1] / zf + self.height_px / 2.0
        return out

    def pixel_rays(self, pixels_px: np.ndarray) -> np.ndarray:
        """World directions (..., 3) of the rays through image pixels (..., 2), unit length."""
        px = np.asarray(pixels_px, dtype=float)
        d_cam = np.stack(
            [
                (px[..., 0] - self.width_px / 2.0) / self.focal_px,
                (px[..., 1] - self.height_px / 2.0) / self.focal_px,
                np.ones(px.shape[:-1]),
            ],
            axis=-1,
        )
        d = d_cam @ self.rotation  # camera → world is R^T, applied to row vectors
        return d / np.linalg.norm(d, axis=-1, keepdims=True)

    def plane_homography(
        self, origin_m: np.ndarray, axis_u_m: np.ndarray, axis_v_m: np.ndarray
    ) -> np.ndarray:
        """Homography (3, 3) from plane coordinates ``(a, b, 1)`` to homogeneous pixels for the
        world points ``origin + a * axis_u + b * axis_v`` (axes in metres per unit)."""
        p = self.projection_matrix
        o = np.append(np.asarray(origin_m, dtype=float), 1.0)
        u = np.append(np.asarray(axis_u_m, dtype=float), 0.0)
        v = np.append(np.asarray(axis_v_m, dtype=float), 0.0)
        return np.column_stack([p @ u, p @ v, p @ o])

    def horizon_sign(self, pixels_px: np.ndarray) -> np.ndarray:
        """Vertical component of the rays through pixels (..., 2): negative below the horizon
        (the ray meets the ground in front of the camera), positive above."""
        return self.pixel_rays(pixels_px)[..., 1]

    # ---- derived cameras and descriptions ------------------------------------------------------

    @property
    def run_direction(self) -> int:
        """+1 when +x runs left to right in the image (seen at the optical axis), else −1."""
        return 1 if self.rotation[0, 0] >= 0 else -1

    @property
    def near_side(self) -> str:
        """The athlete's side that faces the camera: "right" for a camera at +z, else "left"."""
        return "right" if self.position_m[2] >= 0 else "left"

    def with_yaw(self, yaw_deg: float) -> PinholeCamera:
        """The same camera panned to ``yaw_deg``."""
        return replace(self, yaw_deg=float(yaw_deg))

    def yaw_towards_deg(self, point_m: np.ndarray) -> float:
        """The yaw (degrees) that points the optical axis's horizontal direction at ``point_m``
        (for a camera that pans to follow the athlete); continuous with the current yaw."""
        d = np.asarray(point_m, dtype=float) - np.asarray(self.position_m)
        # forward(yaw) = (sin yaw, 0, -cos yaw)
        yaw = math.degrees(math.atan2(d[0], -d[2]))
        # Keep it within ±180° of the current yaw (a camera at −z looks near yaw 180°).
        return yaw + 360.0 * round((self.yaw_deg - yaw) / 360.0)

    def to_dict(self) -> dict[str, Any]:
        """Plain values (the sidecar's ``[camera]`` table and the truth file's ``camera``)."""
        return {
            "width_px": self.width_px,
            "height_px": self.height_px,
            "focal_px": self.focal_px,
            "principal_point_px": [self.width_px / 2.0, self.height_px / 2.0],
            "position_m": list(self.position_m),
            "yaw_deg": self.yaw_deg,
            "pitch_deg": self.pitch_deg,
            "roll_deg": self.roll_deg,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PinholeCamera:
        """Inverse of :meth:`to_dict` (extra keys are ignored)."""
        return cls(
            width_px=int(data["width_px"]),
            height_px=int(data["height_px"]),
            focal_px=float(data["focal_px"]),
            position_m=tuple(float(c) for c in data["position_m"]),
            yaw_deg=float(data.get("yaw_deg", 0.0)),
            pitch_deg=float(data.get("pitch_deg", 0.0)),
            roll_deg=float(data.get("roll_deg", 0.0)),
        )

    @classmethod
    def side_view(
        cls,
        distance_m: float = 11.0,
        height_m: float = 1.2,
        look_at_x_m: float = 7.9,
        *,
        look_at_y_m: float = 0.8,
        hfov_deg: float | None = None,
        focal_px: float | None = None,
        width_px: int = 1920,
        height_px: int = 1080,
        pan_deg: float = 0.0,
        run_direction: int = 1,
    ) -> PinholeCamera:
        """A camera beside the lane whose optical axis meets the lane's centre line at
        ``(look_at_x_m, look_at_y_m, 0)``.

        Parameters
        ----------
        distance_m : float
            Perpendicular distance from the lane's centre line (z = 0) to the camera, metres.
        height_m : float
            Camera height above the ground, metres.
        look_at_x_m, look_at_y_m : float
            Where the optical axis meets the athlete's plane, metres.
        hfov_deg, focal_px : float, optional
            Horizontal field of view or focal length in pixels (give at most one; default
            ``DEFAULT_HFOV_DEG``).
        width_px, height_px : int
            Image size.
        pan_deg : float
            Yaw away from perpendicular, positive towards the running direction (+x); the camera
            moves back along the lane so that it still looks at ``look_at_x_m``.
        run_direction : {+1, -1}
            +1: camera on the athlete's right (+z), the athlete runs left to right in the image.
            −1: camera on the athlete's left (−z), right to left; the near limbs are the left ones.
        """
        if run_direction not in (1, -1):
            raise ValueError(f"run_direction must be +1 or -1, got {run_direction!r}")
        if hfov_deg is not None and focal_px is not None:
            raise ValueError("give hfov_deg or focal_px, not both")
        if not (_finite(distance_m) and distance_m > 0):
            raise ValueError(f"distance_m must be positive, got {distance_m!r}")
        if not abs(pan_deg) < 80.0:
            raise ValueError(f"pan_deg must be within ±80°, got {pan_deg!r}")
        if focal_px is None:
            fov = DEFAULT_HFOV_DEG if hfov_deg is None else float(hfov_deg)
            if not 1.0 <= fov <= 170.0:
                raise ValueError(f"hfov_deg must be between 1 and 170, got {fov!r}")
            focal_px = (width_px / 2.0) / math.tan(math.radians(fov) / 2.0)
        pan = math.radians(pan_deg)
        along_axis_m = distance_m / math.cos(pan)  # horizontal distance to the look-at point
        x_cam = look_at_x_m - distance_m * math.tan(pan)
        pitch = math.degrees(math.atan2(height_m - look_at_y_m, along_axis_m))
        yaw = pan_deg if run_direction == 1 else 180.0 - pan_deg
        return cls(
            width_px=width_px,
            height_px=height_px,
            focal_px=focal_px,
            position_m=(x_cam, height_m, run_direction * distance_m),
            yaw_deg=yaw,
            pitch_deg=pitch,
        )
