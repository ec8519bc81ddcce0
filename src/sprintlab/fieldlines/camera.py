"""The camera from the field's lines: vanishing points, the ruler and the athlete's ground line.

With the principal point at the picture's centre and square pixels (a phone), the two vanishing
points of the ground's directions fix the camera's turn and its focal length:

- across the lane: where the yard lines meet (:mod:`sprintlab.fieldlines.lines`);
- along the lane: where the lines along it (lane lines, a sideline, the athlete's own ground
  line) meet the horizon. The horizon is the ruler's line at infinite distance
  (:class:`~sprintlab.fieldlines.ruler.CrossRuler`), which passes through the first point.

Two perpendicular ground directions seen through a pinhole satisfy
``(v_along - c) · (v_across - c) = -f²``. A camera square-on to the lane sees the lines along
it as parallel (their vanishing point at infinity): the focal length is then not measurable, but
it is not needed either (the athlete's plane faces the camera, so it scales alike across and up)
and a typical phone's is assumed, with a note. The camera's place follows from the ruler: the
yard lines cross the athlete's ground line at known distances along the lane.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from .ruler import CrossRuler

#: Focal length assumed when it cannot be measured, as a fraction of the picture's width
#: (a phone's main camera, about 70° across).
ASSUMED_FOCAL_OF_WIDTH = 0.72
#: Focal lengths outside this range (fractions of the picture's width) are not believed.
FOCAL_RANGE_OF_WIDTH = (0.25, 6.0)


@dataclass(frozen=True)
class FieldCamera:
    """A pinhole camera placed from the field's lines.

    Attributes
    ----------
    k : ndarray (3, 3)
        Intrinsics (focal length, principal point at the picture's centre).
    rotation : ndarray (3, 3)
        Columns: the world's along-lane (+x, running direction), up (+y) and across-lane
        directions in camera coordinates (x right, y down, z forward).
    t : ndarray (3,)
        The world origin (the ruler's first line on the athlete's ground line) in camera
        coordinates.
    focal_measured : bool
        False when the focal length was assumed (a camera square-on to the lane).
    """

    k: np.ndarray
    rotation: np.ndarray
    t: np.ndarray
    focal_measured: bool

    @property
    def focal_px(self) -> float:
        return float(self.k[0, 0])

    def plane_to_image(self) -> np.ndarray:
        """Homography from the athlete's plane (x along, y up, metres) to the picture."""
        r = self.rotation
        return self.k @ np.column_stack([r[:, 0], r[:, 1], self.t])

    def moved_away(self, by_m: float) -> FieldCamera:
        """The same camera with the athlete's plane ``by_m`` metres farther from it (the world
        origin moved to z = -by_m: the lane's lines cross the new plane at the same x)."""
        return replace(self, t=self.t - by_m * self.rotation[:, 2])

    def centre_m(self) -> np.ndarray:
        """The camera's centre in world metres (x along, y up, z across towards the camera)."""
        return -self.rotation.T @ self.t


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)


def horizon(ruler: CrossRuler) -> np.ndarray:
    """The ground's vanishing line (homogeneous): through the yard lines' vanishing point and
    the ruler's point at infinite distance on its reference row."""
    a, _, c = ruler.coeffs
    if abs(c) < 1e-12:
        far = np.array([1.0, 0.0, 0.0])  # the row itself meets the horizon at infinity
    else:
        u = a / c * ruler.scale_px + ruler.u0_px
        far = np.array([u, ruler.ref_row_px, 1.0])
    line = np.cross(ruler.vanishing_px, far)
    return line / np.linalg.norm(line[:2])


def along_vanishing_point(horizon_line: np.ndarray, along_lines: list[np.ndarray]) -> np.ndarray:
    """Where lines along the lane (homogeneous, each with a weight-free vote) meet the horizon:
    the median of their crossings along it (homogeneous; w = 0 for parallel lines)."""
    crossings = []
    for line in along_lines:
        p = np.cross(horizon_line, line)
        crossings.append(p / np.linalg.norm(p))
    d = _unit(np.array([horizon_line[1], -horizon_line[0]]))  # along the horizon
    # A point at infinity has w = 0; parameterise by angle so that both ends meet.
    angles = []
    for p in crossings:
        pos = np.array([p[0], p[1]]) @ d
        angles.append(math.atan2(p[2], pos))  # w/pos: 0 at infinity
    # Angles wrap at ±pi (pos changes sign through infinity): unwrap around the first.
    ref = angles[0]
    unwrapped = [ref + math.remainder(a - ref, math.pi) for a in angles]
    k = int(np.argsort(unwrapped)[len(unwrapped) // 2])
    return crossings[k]


def square_vanishing_point(
    horizon_line: np.ndarray, across_vp: np.ndarray, size_px: tuple[int, int], focal_px: float
) -> np.ndarray:
    """The lane's vanishing point when no line along it was seen: the point of the horizon
    square (through a pinhole of ``focal_px``) to the yard lines' vanishing point.

    On the horizon ``p = q + s d`` (``q`` the foot of the centre on it, ``d`` its direction),
    ``(p - c) · (v - c) = -f²`` is linear in ``s``; a camera square-on to the lane gives the
    point at infinity along the horizon."""
    w, h = size_px
    c = np.array([w / 2.0, h / 2.0])
    v = np.asarray(across_vp, float)
    v = v[:2] / v[2]
    n = horizon_line[:2] / np.linalg.norm(horizon_line[:2])
    d = np.array([n[1], -n[0]])
    q = c - (n @ c + horizon_line[2] / np.linalg.norm(horizon_line[:2])) * n
    a = float(d @ (v - c))
    b = float((q - c) @ (v - c)) + focal_px**2
    if abs(a) < 1e-9 * max(1.0, abs(b)):
        return np.array([d[0], d[1], 0.0])
    s = -b / a
    p = q + s * d
    return np.array([p[0], p[1], 1.0])


def solve_camera(
    ruler: CrossRuler,
    along_vp: np.ndarray,
    ground_line: np.ndarray,
    size_px: tuple[int, int],
    direction: int,
) -> FieldCamera | None:
    """The camera from the ruler, the lane's vanishing point and the athlete's ground line.

    Parameters
    ----------
    ruler : CrossRuler
    along_vp : ndarray (3,)
        Vanishing point of the lane's direction (homogeneous; on the horizon).
    ground_line : ndarray (3,)
        The athlete's ground line in the picture (homogeneous): world z = 0 on the ground.
    size_px : (width, height)
    direction : {+1, -1}
        +1 when the athlete runs towards larger picture x.
    """
    w, h = size_px
    c = np.array([w / 2.0, h / 2.0])
    vz = ruler.vanishing_px / ruler.vanishing_px[2]
    vx = np.asarray(along_vp, float)
    f = None
    if abs(vx[2]) > 1e-12 * np.linalg.norm(vx[:2]):
        vx_px = vx[:2] / vx[2]
        f2 = -float((vx_px - c) @ (vz[:2] - c))
        if f2 > 0:
            f_try = math.sqrt(f2)
            lo, hi = (k * w for k in FOCAL_RANGE_OF_WIDTH)
            if lo <= f_try <= hi:
                f = f_try
    measured = f is not None
    if f is None:
        f = ASSUMED_FOCAL_OF_WIDTH * w
    k = np.array([[f, 0.0, c[0]], [0.0, f, c[1]], [0.0, 0.0, 1.0]])
    k_inv = np.linalg.inv(k)
    rx = _unit(k_inv @ vx)
    if rx[0] * direction < 0:
        rx = -rx
    rz = _unit(k_inv @ vz)
    if rz[2] > 0:  # across the lane, towards the camera: against the view
        rz = -rz
    rz = _unit(rz - (rz @ rx) * rx)
    up = _unit(np.cross(rx, rz))
    if up[1] > 0:  # up in the world is up in the picture (camera y points down)
        up = -up
    rz = _unit(np.cross(up, rx)) * (1.0 if np.cross(up, rx) @ rz > 0 else -1.0)
    rotation = np.column_stack([rx, up, rz])

    # The yard lines cross the athlete's ground line at known distances: λ K⁻¹p = x r_x + t
    # (the ruler counts along the picture's columns, the world along the run).
    rows, rhs = [], []
    n = len(ruler.lines)
    for i, (line, index) in enumerate(zip(ruler.lines, ruler.index, strict=True)):
        through = np.cross(ruler.vanishing_px, _line_point(line))
        p = np.cross(through, ground_line)
        if abs(p[2]) < 1e-12:
            continue
        d = k_inv @ (p / p[2])
        for axis in range(3):
            row = np.zeros(n + 3)
            row[i] = d[axis]
            row[n + axis] = -1.0
            rows.append(row)
            rhs.append(direction * index * ruler.spacing_m * rx[axis])
    if len(rows) < 6:
        return None
    sol = np.linalg.lstsq(np.array(rows), np.array(rhs), rcond=None)[0]
    t = sol[n:]
    if not np.all(np.isfinite(t)) or t[2] <= 0:
        return None
    return FieldCamera(k, rotation, t, measured)


def _line_point(line) -> np.ndarray:
    mid = line.ends_px.mean(axis=0)
    return np.array([mid[0], mid[1], 1.0])
