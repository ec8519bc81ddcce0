"""Calibration from a running track's lane lines (no yard lines across the lane).

Lane lines are parallel on the ground, 1.22 m apart across it. Read at one picture column, the
rows of equally spaced lines follow a 1-D projective map of their number, and its limit is the
horizon there; with the lines' own vanishing point that gives the horizon line, hence the
ground's tilt. The lines across single lanes (the start line, other events' staggered starts,
relay and hurdle marks) are all parallel too, whatever their places: where they meet the
horizon is the direction across the lane.

What the lanes cannot give is the scale along them on their own. Seen square-on, a camera of
focal length ``k f`` at height ``h / k`` sees the same lane lines as one of ``f`` at ``h``,
with every distance along the lane divided by ``k``. So the focal length is taken

- from the camera's height, when the user gives it (a tape from the ground to the lens); or
- from the two ground directions, when the camera is turned enough from square-on for their
  vanishing points to fix it (``(v_along - c) · (v_across - c) = -f²``).

With neither, the lane lines are not used (the height fallback follows), and the sentence says
what would make them usable.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

from ..calibration import Calibration
from ..units import YARD_M
from .camera import FOCAL_RANGE_OF_WIDTH, FieldCamera, along_vanishing_point
from .ground import (
    START_LINE_SNAP_M,
    AthleteGround,
    FieldLines,
    no_field_lines,
    start_at_set_position,
)
from .lines import ImageLine, meeting_point, passes_through, refine_subpixel, vanishing_point
from .ruler import fit_projective, index_by_consensus

#: A running track's lane width (World Athletics and NCAA: 1.22 m).
LANE_WIDTH_M = 1.22
GRID_NAME = "running track: lane lines 1.22 m apart"
#: Lane lines needed: three fix the horizon exactly, a fourth checks it.
MIN_LANE_LINES = 4
#: Below this turn from square-on (degrees) the vanishing points do not fix the focal length.
MIN_PAN_DEG = 6.0
#: How well a thin line of a compressed video is placed at best (px, 1 sd): a far lane line
#: in a rendered clip's H.264 sat up to half a pixel from the same line in the clean picture,
#: and the horizon read from them 3 px off.
LINE_PLACE_SD_PX = 0.2
#: Marks across the lane needed to read the focal length from their vanishing point.
MIN_ACROSS = 2
#: Draws of the lines' own scatter for the scale's uncertainty.
UNCERTAINTY_DRAWS = 24
#: How well a camera height measured with a tape is known (m, 1 sd).
CAMERA_HEIGHT_SD_M = 0.01
#: Lines across the lane miss the lanes' vanishing point by at least this (a low camera
#: sees a start line straight in front of it nearly as flat as the lanes).
ACROSS_MIN_ANGLE_DEG = 2.0
#: The marks' meeting point is taken as a horizon point only within this many standard
#: deviations (of the two estimates together) of the lanes' own horizon.
HORIZON_AGREE_SD = 3.0
#: Draws of the lines' placement for the weights of the two horizon estimates.
HORIZON_DRAWS = 48
#: Standing heights the lane lines' scale may give the athlete.
STATURE_RANGE_M = (1.3, 2.4)
#: Warn above this scale uncertainty (95%, %).
WARN_SCALE_PCT = 1.0
#: The yard marks drawn over the frame: start, 5, 10, ... yards.
GRID_YARDS = tuple(range(0, 45, 5))


@dataclass(frozen=True)
class TrackFit:
    """A camera placed from the lane lines.

    Attributes
    ----------
    camera : FieldCamera
        World origin on the athlete's line (x = 0 straight in front of the camera).
    height_m : float
        The camera's height above the track.
    rms_m : float
        Scatter of the lane lines about even spacing (m).
    athlete_from : str
        "lane" (the middle of the lane between two lines) or "ground" (the athlete's own
        ground line: no lane lines on both sides).
    focal_from : str
        "height" or "vanishing points".
    """

    camera: FieldCamera
    height_m: float
    rms_m: float
    athlete_from: str
    focal_from: str

    def ground_point(self, xy_px: np.ndarray) -> np.ndarray:
        """Ground points (camera coordinates, m) under picture points ``(N, 2)``."""
        k_inv = np.linalg.inv(self.camera.k)
        up = self.camera.rotation[:, 1]
        pts = np.asarray(xy_px, float).reshape(-1, 2)
        d = np.column_stack([pts, np.ones(len(pts))]) @ k_inv.T
        with np.errstate(divide="ignore", invalid="ignore"):
            s = -self.height_m / (d @ up)
        return d * s[:, None]

    def along_m(self, xy_px: np.ndarray) -> np.ndarray:
        """Distance along the lane (running direction, m from the origin) of ground points."""
        g = self.ground_point(xy_px) - self.camera.t
        return g @ self.camera.rotation[:, 0]

    def project(self, x_m: float, z_m: float) -> np.ndarray:
        """The picture point of the ground at (x along, z across from the athlete's line)."""
        r = self.camera.rotation
        p = self.camera.k @ (self.camera.t + x_m * r[:, 0] + z_m * r[:, 2])
        return p[:2] / p[2]

    def athlete_line(self) -> np.ndarray:
        """The athlete's ground line in the picture (homogeneous)."""
        a, b = self.project(-5.0, 0.0), self.project(5.0, 0.0)
        line = np.cross([*a, 1.0], [*b, 1.0])
        return line / np.linalg.norm(line[:2])


def lane_lines(lines: list[ImageLine], ground_dir: np.ndarray, width_px: int) -> list[ImageLine]:
    """The long lines along the lane (within 12° of the athlete's ground line, painted over
    half their length at least and 15% of the picture wide)."""
    cos_tol = math.cos(math.radians(12.0))
    return [
        ln
        for ln in lines
        if abs(ln.direction @ ground_dir) >= cos_tol
        and ln.length_px >= max(0.5 * ln.span_px, 0.15 * width_px)
    ]


def _row_at(line: ImageLine, x_px: float) -> float:
    n = line.normal
    return float((line.offset_px - n[0] * x_px) / n[1]) if abs(n[1]) > 1e-9 else math.nan


def _horizon(
    lanes: list[ImageLine],
    vx: np.ndarray,
    x_px: float,
    known_row: float | None = None,
    index: np.ndarray | None = None,
) -> tuple[np.ndarray, list, np.ndarray] | None:
    """The horizon from the lane lines (homogeneous line), the lines on the lane ruler (near
    to far) and their places across (0, 1, 2, ...), or None when they are not evenly spaced.

    With the horizon's row at ``x_px`` known (``known_row``: where the marks across the lanes
    meet), which line is which is found on ``1 / (row - known_row)``, which grows evenly with
    the distance across the ground: thin far lines placed a fraction of a pixel off, or a blur
    of several of them taken for one line, then do not miscount the lanes.

    With ``index`` the lines are already counted (near to far, at these places)."""
    rows = np.array([_row_at(ln, x_px) for ln in lanes])
    if index is not None:
        if not np.all(np.isfinite(rows)):
            return None
        u0, scale = float(np.mean(rows)), float(max(np.ptp(rows), 1.0))
        y_h = _pole_row(index, (rows - u0) / scale, u0, scale)
        if not y_h < rows.min():
            return None
        return _horizon_through(vx, x_px, y_h), list(lanes), np.asarray(index)
    ok = np.isfinite(rows)
    if known_row is not None:
        ok &= rows > known_row + 1.0
    lanes = [ln for ln, k in zip(lanes, ok, strict=True) if k]
    rows = rows[ok]
    order = np.argsort(-rows)  # nearest (lowest in the picture) first
    lanes, rows = [lanes[i] for i in order], rows[order]
    if rows.size < MIN_LANE_LINES:
        return None
    u0, scale = float(np.mean(rows)), float(max(np.ptp(rows), 1.0))
    u = (rows - u0) / scale
    if known_row is None:
        found = index_by_consensus(u, min_lines=MIN_LANE_LINES)
    else:
        v = 1.0 / (rows - known_row)
        found = index_by_consensus(
            v / max(float(np.ptp(v)), 1e-12), min_lines=MIN_LANE_LINES, linear=True
        )
    if found is None:
        return None
    near, index = found
    y_h = _pole_row(index, u[near], u0, scale)
    if not y_h < rows[near].min():
        return None
    kept = [ln for ln, k in zip(lanes, near, strict=True) if k]
    return _horizon_through(vx, x_px, y_h), kept, index


def _pole_row(index: np.ndarray, u: np.ndarray, u0: float, scale: float) -> float:
    """The row the lanes' 1-D projective map (place -> normalised row ``u``) reaches at
    infinite distance (NaN when it has none)."""
    a, _, c = fit_projective(np.asarray(index, float), u)
    return a / c * scale + u0 if abs(c) >= 1e-12 else math.nan


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)


def _intrinsics(f: float, size_px: tuple[int, int]) -> np.ndarray:
    w, h = size_px
    return np.array([[f, 0.0, w / 2.0], [0.0, f, h / 2.0], [0.0, 0.0, 1.0]])


def _rotation(k: np.ndarray, vx: np.ndarray, hz: np.ndarray, direction: int) -> np.ndarray:
    """Columns: along the lane (running direction), up, across (towards the camera), in camera
    coordinates: up is the ground's normal (``Kᵀ`` of the horizon), along points at the lane
    lines' vanishing point."""
    up = _unit(k.T @ hz)
    if up[1] > 0:  # camera y points down
        up = -up
    rx = np.linalg.inv(k) @ np.asarray(vx, float)
    rx = _unit(rx - (rx @ up) * up)
    if rx[0] * direction < 0:
        rx = -rx
    rz = _unit(np.cross(up, rx))
    if rz[2] > 0:  # towards the camera: against the view
        rz = -rz
    return np.column_stack([rx, up, rz])


def _across_unit(k: np.ndarray, rot: np.ndarray, pts_px: np.ndarray) -> np.ndarray:
    """Across-the-lane coordinate of ground points seen at ``pts_px`` from a camera 1 m high."""
    d = np.column_stack([pts_px, np.ones(len(pts_px))]) @ np.linalg.inv(k).T
    return -(d @ rot[:, 2]) / (d @ rot[:, 1])


def _height(
    k: np.ndarray, rot: np.ndarray, pts_px: np.ndarray, index: np.ndarray, lane_width_m: float
) -> tuple[float, float]:
    """Camera height that puts the lane lines ``lane_width_m`` apart, and their scatter (m)."""
    z = _across_unit(k, rot, pts_px)
    slope, z0 = np.polyfit(index.astype(float), z, 1)
    if not slope < 0:  # farther lines must lie farther away
        return math.nan, math.nan
    h = lane_width_m / -slope
    return float(h), float(np.sqrt(np.mean((z - (z0 + slope * index)) ** 2)) * h)


@dataclass(frozen=True)
class _Lanes:
    """What the lane lines fix before the focal length: the horizon, the lines on the ruler
    (near to far) with their places, and where they cross the reference column."""

    vx: np.ndarray
    hz: np.ndarray
    lines: list
    index: np.ndarray
    pts_px: np.ndarray


def _lanes(
    lanes: list[ImageLine],
    x_px: float,
    across: list[ImageLine] | None = None,
    across_weight: float = 0.0,
    index: np.ndarray | None = None,
) -> _Lanes | None:
    """The lane lines' ruler and horizon. With ``across`` marks that meet (their point gives
    the horizon's row: :func:`_across_horizon_row`) the lanes are counted against it, and with
    ``across_weight`` > 0 the horizon's row at ``x_px`` is the weighted mean of the lanes'
    estimate and the marks'. With ``index`` the lines are already counted (the lines of a
    :class:`_Lanes`, moved: the uncertainty's draws), and only placed again."""
    if index is not None:
        vx, members = meeting_point(lanes), list(range(len(lanes)))
    else:
        vx, members = vanishing_point(lanes, score="length")
    if len(members) < MIN_LANE_LINES or not np.all(np.isfinite(vx)):
        return None
    y_a = _across_horizon_row(across, vx, x_px) if across else None
    found = _horizon([lanes[k] for k in members], vx, x_px, y_a, index)
    if found is None:
        return None
    hz, kept, index = found
    if y_a is not None and across_weight > 0.0:
        y_l = _horizon_row(hz, x_px)
        hz = _horizon_through(vx, x_px, (1.0 - across_weight) * y_l + across_weight * y_a)
    pts = np.array([[x_px, _row_at(ln, x_px)] for ln in kept])
    return _Lanes(vx, hz, kept, index, pts)


def _horizon_row(hz: np.ndarray, x_px: float) -> float:
    a, b, c = hz
    return float(-(a * x_px + c) / b) if abs(b) > 1e-12 else math.nan


def _horizon_through(vx: np.ndarray, x_px: float, y_px: float) -> np.ndarray:
    """The horizon (homogeneous, normalised) through picture point (x_px, y_px) and the lanes'
    vanishing point ``vx`` (a direction when it lies at infinity)."""
    if abs(vx[2]) < 1e-12 * np.linalg.norm(vx[:2]):
        line = np.cross([x_px, y_px, 1.0], [vx[0], vx[1], 0.0])
    else:
        line = np.cross([x_px, y_px, 1.0], vx / vx[2])
    return line / np.linalg.norm(line[:2])


def _across_horizon_row(across: list[ImageLine], vx: np.ndarray, x_px: float) -> float | None:
    """The horizon's row at ``x_px`` through the point where the marks across the lanes meet
    (they are parallel on the ground, so they meet on the horizon), or None when fewer than
    two meet.

    The lanes fix the horizon by extrapolating their rows to infinite distance, which
    magnifies the far lines' placement: in a compressed clip the far lines a fraction of a
    pixel off put it more than a pixel off. Two long marks that cross the lanes (the start
    line, a relay line) meet at a point of the horizon directly."""
    if len(across) < MIN_ACROSS:
        return None
    vz, members = vanishing_point(across, score="drop")
    if len(members) < MIN_ACROSS or not np.all(np.isfinite(vz)) or abs(vz[2]) < 1e-12:
        return None
    p = vz[:2] / vz[2]
    return _horizon_row(_horizon_through(vx, float(p[0]), float(p[1])), x_px)


def _jitter(line: ImageLine, rng: np.random.Generator) -> ImageLine:
    """``line`` moved about as far as its paint scatters about it: each line's scatter over
    the square root of its independent stretches of ~10 px, at least ``LINE_PLACE_SD_PX``."""
    sd = max(line.rms_px / math.sqrt(max(line.length_px / 10.0, 1.0)), LINE_PLACE_SD_PX)
    turn = rng.normal(0.0, sd / max(line.span_px / 2.0, 1.0))
    n = line.normal + turn * line.direction
    n = n / np.linalg.norm(n)
    mid = line.ends_px.mean(axis=0)
    off = float(n @ mid) + rng.normal(0.0, sd)
    return ImageLine(n, off, line.length_px, line.ends_px, line.rms_px)


def across_weight(
    lanes: _Lanes, across: list[ImageLine], x_px: float
) -> tuple[float, dict[str, float]]:
    """How much of the horizon to take from the marks across the lanes (0..1: the inverse
    variances of the two estimates of its row at ``x_px``, each from ``HORIZON_DRAWS`` draws
    of the lines' placement as :func:`_jitter` moves them), and what was measured.

    0 when the marks do not meet, or meet off the lanes' horizon by more than
    ``HORIZON_AGREE_SD`` standard deviations (a mark that is not square to the lanes)."""
    y_l = _horizon_row(lanes.hz, x_px)
    y_a = _across_horizon_row(across, lanes.vx, x_px)
    if y_a is None or not math.isfinite(y_l):
        return 0.0, {}
    rng = np.random.default_rng(1)
    rows_l, rows_a = [], []
    for _ in range(HORIZON_DRAWS):
        moved = _lanes([_jitter(ln, rng) for ln in lanes.lines], x_px, index=lanes.index)
        if moved is not None:
            rows_l.append(_horizon_row(moved.hz, x_px))
        ya = _across_horizon_row([_jitter(ln, rng) for ln in across], lanes.vx, x_px)
        if ya is not None:
            rows_a.append(ya)
    if len(rows_l) < HORIZON_DRAWS // 2 or len(rows_a) < HORIZON_DRAWS // 2:
        return 0.0, {}
    var_l, var_a = float(np.var(rows_l)), float(np.var(rows_a))
    record = {
        "horizon_row_lanes_px": y_l,
        "horizon_row_marks_px": y_a,
        "horizon_sd_lanes_px": math.sqrt(var_l),
        "horizon_sd_marks_px": math.sqrt(var_a),
    }
    if abs(y_a - y_l) > HORIZON_AGREE_SD * math.sqrt(var_l + var_a):
        return 0.0, record
    return var_l / max(var_l + var_a, 1e-12), record


def _focal_from_vanishing_points(
    lanes: _Lanes, across: list[ImageLine], size_px: tuple[int, int]
) -> float | None:
    """Focal length from the lane's and the across marks' vanishing points, when the camera is
    turned at least ``MIN_PAN_DEG`` from square-on; None otherwise."""
    vx = lanes.vx
    # One mark's crossing with the horizon slides along it with every pixel the horizon is
    # off; two or more check each other.
    if len(across) < MIN_ACROSS or abs(vx[2]) < 1e-12 * np.linalg.norm(vx[:2]):
        return None
    vz = along_vanishing_point(lanes.hz, [ln.homogeneous() for ln in across])
    if abs(vz[2]) < 1e-12:
        return None
    w, h = size_px
    c = np.array([w / 2.0, h / 2.0])
    vx_px, vz_px = vx[:2] / vx[2], vz[:2] / vz[2]
    f2 = -float((vx_px - c) @ (vz_px - c))
    if f2 <= 0:
        return None
    f = math.sqrt(f2)
    lo, hi = (q * w for q in FOCAL_RANGE_OF_WIDTH)
    pan = math.degrees(math.atan2(f, float(np.linalg.norm(vx_px - c))))
    if not lo <= f <= hi or pan < MIN_PAN_DEG:
        return None
    return f


def _focal_from_height(
    lanes: _Lanes,
    size_px: tuple[int, int],
    direction: int,
    camera_height_m: float,
    lane_width_m: float,
) -> float | str:
    """The focal length at which the lane lines put the camera ``camera_height_m`` high, or why
    there is none."""
    w = size_px[0]

    def excess(f: float) -> float:
        k = _intrinsics(f, size_px)
        rot = _rotation(k, lanes.vx, lanes.hz, direction)
        return _height(k, rot, lanes.pts_px, lanes.index, lane_width_m)[0] - camera_height_m

    lo, hi = (q * w for q in FOCAL_RANGE_OF_WIDTH)
    a, b = excess(lo), excess(hi)
    if not (math.isfinite(a) and math.isfinite(b)) or a * b > 0:
        return (
            f"the camera height given ({camera_height_m:.2f} m) does not fit the lane lines "
            f"(they allow {camera_height_m + min(a, b):.2f}–{camera_height_m + max(a, b):.2f} m)"
        )
    return float(brentq(excess, lo, hi, xtol=1e-3))


def _place(
    lanes: _Lanes,
    f: float,
    size_px: tuple[int, int],
    ground: tuple[float, float, int],
    lane_width_m: float,
    focal_from: str,
) -> TrackFit | None:
    """The camera at focal length ``f``; the athlete's line in the middle of their lane (or on
    their own ground line, ``ground`` = (slope, level_px, direction), when no lane line lies on
    each side of it)."""
    slope, level, direction = ground
    k = _intrinsics(f, size_px)
    rot = _rotation(k, lanes.vx, lanes.hz, direction)
    h, rms = _height(k, rot, lanes.pts_px, lanes.index, lane_width_m)
    if not math.isfinite(h):
        return None
    x_ref = float(lanes.pts_px[0, 0])
    z_lines = _across_unit(k, rot, lanes.pts_px) * h
    z_g = float(_across_unit(k, rot, np.array([[x_ref, level + slope * x_ref]]))[0] * h)
    nearer, farther = z_lines[z_lines > z_g], z_lines[z_lines < z_g]
    if (
        nearer.size
        and farther.size
        and nearer.min() - z_g < 0.8 * lane_width_m
        and z_g - farther.max() < 0.8 * lane_width_m
    ):
        z_c, athlete_from = 0.5 * float(nearer.min() + farther.max()), "lane"
    else:
        z_c, athlete_from = z_g, "ground"
    up, rz = rot[:, 1], rot[:, 2]
    origin = -h * up + z_c * rz
    cam = FieldCamera(k, rot, origin, focal_from == "vanishing points")
    return TrackFit(cam, h, rms, athlete_from, focal_from)


def _scale_px_per_m(fit: TrackFit, x_m: float) -> float:
    """Picture pixels per metre along the athlete's line at ``x_m``."""
    return float(np.linalg.norm(fit.project(x_m + 0.5, 0.0) - fit.project(x_m - 0.5, 0.0)))


def lane_line_calibration(
    lines: list[ImageLine],
    athlete: AthleteGround,
    size_px: tuple[int, int],
    *,
    start_line_px: float | None = None,
    camera_height_m: float | None = None,
    lane_width_m: float = LANE_WIDTH_M,
    response: np.ndarray | None = None,
) -> FieldLines:
    """Calibrate from a running track's lane lines (``lines``: every painted line found on the
    ground), or say why not.

    Parameters
    ----------
    lines : list of ImageLine
    athlete : AthleteGround
    size_px : (width, height)
    start_line_px : float, optional
        A picture column on the start line where it meets the athlete's lane.
    camera_height_m : float, optional
        The lens's height above the track (m): fixes the focal length, which a camera
        square-on to the lanes cannot show.
    lane_width_m : float
        Distance between neighbouring lane lines (m).
    response : ndarray (H, W), optional
        The paint response (:func:`sprintlab.fieldlines.paint.paint_mask`): lane lines are
        placed on it to a fraction of a pixel.
    """
    w = size_px[0]
    g_dir = np.array([1.0, athlete.slope]) / math.hypot(1.0, athlete.slope)
    lanes_found = lane_lines(lines, g_dir, w)
    if response is not None:
        lanes_found = [refine_subpixel(ln, response) for ln in lanes_found]
    if len(lanes_found) < MIN_LANE_LINES:
        return no_field_lines(
            f"{len(lanes_found)} lane line(s) found along the lane; {MIN_LANE_LINES} are needed"
        )
    x_ref = w / 2.0
    vx, members = vanishing_point(lanes_found, score="length")
    if len(members) < MIN_LANE_LINES or not np.all(np.isfinite(vx)):
        return no_field_lines("the lines along the lane do not meet at one point")
    # Every other line that does not run along the lanes crosses them: the start line, the
    # other events' marks. (Seen from a low camera they may look nearly as flat as the lanes.)
    across = [ln for ln in lines if not passes_through(ln, vx, ACROSS_MIN_ANGLE_DEG)]
    lanes = _lanes(lanes_found, x_ref, across) or _lanes(lanes_found, x_ref)
    if lanes is None:
        return no_field_lines("the lines along the lane are not evenly spaced like lane lines")
    weight, horizon_record = across_weight(lanes, across, x_ref)
    if weight > 0.0:
        lanes = _lanes(lanes.lines, x_ref, across, weight, lanes.index) or lanes
    elif horizon_record:
        # The marks meet off the lanes' horizon (a mark not square to the lanes): the lanes
        # are counted without them too.
        lanes = _lanes(lanes_found, x_ref) or lanes
    # The athlete's own ground line points at the lanes' vanishing point.
    vx = lanes.vx
    if abs(vx[2]) < 1e-12 * np.linalg.norm(vx[:2]):
        slope = float(vx[1] / vx[0]) if abs(vx[0]) > 1e-12 else athlete.slope
    else:
        p = vx[:2] / vx[2]
        y = athlete.level_px + athlete.slope * x_ref
        slope = float((p[1] - y) / (p[0] - x_ref)) if abs(p[0] - x_ref) > 1.0 else athlete.slope
    athlete = athlete.with_slope(slope)
    ground = (athlete.slope, athlete.level_px, athlete.direction)

    def solve(ln: _Lanes, marks: list[ImageLine]) -> TrackFit | str:
        if camera_height_m is not None:
            f = _focal_from_height(ln, size_px, athlete.direction, camera_height_m, lane_width_m)
            focal_from = "height"
            if isinstance(f, str):
                return f
        else:
            f = _focal_from_vanishing_points(ln, marks, size_px)
            focal_from = "vanishing points"
            if f is None:
                return (
                    f"{len(ln.lines)} lane lines were found, but the camera is square-on to "
                    "them (or fewer than two marks across the lanes were seen), so they do not "
                    "give the scale along the lane: give the camera's height "
                    "(--camera-height-m), turn the camera 6-15 degrees, or put down cones"
                )
        fit = _place(ln, f, size_px, ground, lane_width_m, focal_from)
        return "the camera could not be placed from the lane lines" if fit is None else fit

    fit = solve(lanes, across)
    if isinstance(fit, str):
        return no_field_lines(fit, lane_lines=len(lanes.lines))
    x_mid = float(fit.along_m(athlete.on_ground([x_ref]))[0])
    scale = _scale_px_per_m(fit, x_mid)
    stature_m = athlete.height_px / scale
    if not STATURE_RANGE_M[0] <= stature_m <= STATURE_RANGE_M[1]:
        return no_field_lines(
            f"{len(lanes.lines)} lines along the lane were found, but {lane_width_m:.2f} m "
            f"apart they make the athlete {stature_m:.2f} m tall: they are not lane lines",
            lane_lines=len(lanes.lines),
        )
    scale_pct = _scale_uncertainty_pct(
        lanes, across, solve, x_ref, athlete, camera_height_m, scale, weight
    )
    if not math.isfinite(scale_pct):
        # Most draws of the lines' own scatter lost the fit: the lines hold the camera only
        # by chance (a far camera's sub-pixel lane lines).
        return no_field_lines(
            f"{len(lanes.lines)} lane lines were found, but moved by as little as their paint "
            "scatters they no longer place the camera (too few, or too thin this far away): "
            "film nearer, or put down cones",
            lane_lines=len(lanes.lines),
        )
    start_x, anchor = _start_line(fit, athlete, across, start_line_px)
    calib = _calibration(fit, start_x, scale_pct, len(lanes.lines), camera_height_m)
    record = {
        "found": True,
        "grid": GRID_NAME
        if lane_width_m == LANE_WIDTH_M
        else f"running track: lane lines {lane_width_m:.2f} m apart",
        "lines": len(lanes.lines),
        "spacing_m": lane_width_m,
        "rms_m": fit.rms_m,
        "distance_uncertainty_m": scale_pct / 100.0 * 10 * YARD_M,
        "focal_px": fit.camera.focal_px,
        "focal_measured": fit.focal_from == "vanishing points",
        "focal_from": (
            f"the camera's height given ({camera_height_m:.2f} m)"
            if fit.focal_from == "height"
            else "the lane lines and the marks across them (camera turned)"
        ),
        "camera_height_m": fit.height_m,
        "lane_direction_from": "the lane lines",
        "horizon_from": (
            f"the lane lines and the marks across them ({100 * weight:.0f}% the marks)"
            if weight > 0.0
            else "the lane lines"
        ),
        **horizon_record,
        "athlete_line_from": (
            "the middle of the lane between its lines"
            if fit.athlete_from == "lane"
            else "the athlete's own ground line"
        ),
        "scale_uncertainty_pct": scale_pct,
        "start_line": anchor,
        "calibration": calib.to_dict(),
    }
    return FieldLines(calib, "", record, _grid(fit, start_x))


def _scale_uncertainty_pct(
    lanes: _Lanes,
    across: list[ImageLine],
    solve: Callable[[_Lanes, list[ImageLine]], TrackFit | str],
    x_ref: float,
    athlete: AthleteGround,
    camera_height_m: float | None,
    scale: float,
    weight: float = 0.0,
) -> float:
    """95% uncertainty (%) of every distance along the lane.

    The lines are moved about as far as their paint scatters about them (:func:`_jitter`;
    the horizon taken from the lanes and the marks across them with the same ``weight``) and
    the camera placed again, ``UNCERTAINTY_DRAWS`` times (a fixed seed: the same clip gives the
    same number); with a given camera height, a tape's 1 cm on it is added."""
    rng = np.random.default_rng(0)
    scales = []
    for _ in range(UNCERTAINTY_DRAWS):
        marks = [_jitter(ln, rng) for ln in across]
        moved = _lanes([_jitter(ln, rng) for ln in lanes.lines], x_ref, marks, weight, lanes.index)
        if moved is None:
            continue
        result = solve(moved, marks)
        if isinstance(result, str):
            continue
        x = float(result.along_m(athlete.on_ground([x_ref]))[0])
        scales.append(_scale_px_per_m(result, x))
    if len(scales) < UNCERTAINTY_DRAWS // 2:
        return math.inf
    rel = float(np.std(scales)) / scale
    if camera_height_m:
        rel = math.hypot(rel, CAMERA_HEIGHT_SD_M / camera_height_m)
    return float(196.0 * rel)


def _start_line(
    fit: TrackFit, athlete: AthleteGround, across: list[ImageLine], start_line_px: float | None
) -> tuple[float, str]:
    """The start line's distance along the lane from the origin, and how it was chosen: the
    mark across the lane nearest the user's column, else the one at the hands in the set
    position (within ``START_LINE_SNAP_M``), else the hands themselves."""
    g = fit.athlete_line()
    marks = []
    for ln in across:
        p = np.cross(ln.homogeneous(), g)
        if abs(p[2]) > 1e-12:
            q = p[:2] / p[2]
            # Only where the mark's paint reaches the athlete's line (a mark in another lane
            # is not their start line).
            lo, hi = np.sort(ln.ends_px[:, 1])
            if lo - 3.0 <= q[1] <= hi + 3.0:
                marks.append(float(fit.along_m(q[None, :])[0]))
    marks_x = np.array(marks)
    if start_line_px is not None:
        x = float(fit.along_m(athlete.on_ground([start_line_px]))[0])
        if marks_x.size and np.min(np.abs(marks_x - x)) <= START_LINE_SNAP_M:
            return float(marks_x[np.argmin(np.abs(marks_x - x))]), "the line named by the user"
        return x, "the place named by the user"
    pts = athlete.hands_px if len(athlete.hands_px) else athlete.feet_px
    what = "hands" if len(athlete.hands_px) else "front foot"
    if len(pts) == 0:
        return 0.0, "straight in front of the camera (the set position was not seen): name it"
    front = float(np.nanmax(fit.along_m(athlete.on_ground(np.asarray(pts)[:, 0]))))
    return start_at_set_position(front, marks_x, what)


def _calibration(
    fit: TrackFit,
    start_x: float,
    scale_pct: float,
    n_lines: int,
    camera_height_m: float | None,
) -> Calibration:
    shift = np.array([[1.0, 0.0, -start_x], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    image_to_world = shift @ np.linalg.inv(fit.camera.plane_to_image())
    image_to_world /= np.max(np.abs(image_to_world))
    warnings = []
    if scale_pct > WARN_SCALE_PCT:
        warnings.append(
            f"the lane lines give distances along the lane within ±{scale_pct:.1f}% only "
            f"({n_lines} lines{', the camera height given' if camera_height_m else ''}): "
            "check the grid drawn over the frame; cones pin the scale down"
        )
    if fit.athlete_from != "lane":
        warnings.append(
            "the athlete is not between two lane lines: their distance from the camera comes "
            "from their own ground line"
        )
    c = fit.camera.centre_m()
    return Calibration(
        image_to_world=image_to_world,
        method="field_lines",
        rms_residual_m=fit.rms_m,
        confidence="high" if scale_pct <= WARN_SCALE_PCT else "low",
        warnings=tuple(warnings),
        n_markers=n_lines,
        camera_m=(float(c[0] - start_x), float(c[1]), float(abs(c[2]))),
    )


def _grid(
    fit: TrackFit, start_x: float
) -> tuple[tuple[float, tuple[float, float], tuple[float, float]], ...]:
    """The start line and every 5 yards after it across the athlete's lane (metres from the
    start, end near the camera, end far away), to draw over a frame."""
    out = []
    half = 0.75 * LANE_WIDTH_M
    for yd in GRID_YARDS:
        x = start_x + yd * YARD_M
        near, far = fit.project(x, half), fit.project(x, -half)
        ends = ((float(near[0]), float(near[1])), (float(far[0]), float(far[1])))
        out.append((float(yd * YARD_M), *ends))
    return tuple(out)
