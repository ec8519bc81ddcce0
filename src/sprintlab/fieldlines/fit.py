"""Calibration from the field's painted lines: find them, fit the camera, anchor the start line.

This is the middle of the three ways a clip gets its scale (cones when given, lines when found,
the athlete's height as the last resort). On a football field the yard lines cross the lane every
5 yards (4.572 m): they are the ruler (:mod:`sprintlab.fieldlines.ruler`), and with the lines
along the lane they place the camera (:mod:`sprintlab.fieldlines.camera`). Periodic lines leave
the origin open; the start line is the line at the athlete's hands in the set position (or the
hands themselves when no line is near them), or the line the user names.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from ..calibration import Calibration
from ..units import YARD_M
from .camera import (
    ASSUMED_FOCAL_OF_WIDTH,
    FieldCamera,
    along_vanishing_point,
    horizon,
    solve_camera,
    square_vanishing_point,
)
from .ground import (
    MIN_SOLES,
    AthleteGround,
    FieldLines,
    no_field_lines,
    start_at_set_position,
)
from .lens import LensBend, lens_bend
from .lines import dash_rows, find_lines, vanishing_point
from .paint import paint_mask
from .ruler import CrossRuler, fit_ruler
from .track import lane_line_calibration

#: The football field's yard lines, every 5 yards.
YARD_LINE_SPACING_M = 5 * YARD_M
GRID_NAME = "football field: yard lines every 5 yards"
#: Lines along the lane differ in direction from the athlete's ground line by at most this.
ALONG_ANGLE_DEG = 12.0
#: A line along the lane is painted over at least this share of its length, and at least
#: this share of the picture's width long.
ALONG_COVERED = 0.5
ALONG_MIN_OF_WIDTH = 0.15
#: How near a whole yard (of the ruler) a hash mark's middle must be.
HASH_TOLERANCE_YD = 0.15
#: Lines meeting within this angle (seen from the athlete) of where the athlete runs are
#: along the lane, not across it.
ALONG_VP_ANGLE_DEG = 5.0
#: Lines across the lane needed: three always fit a ruler exactly, a fourth checks it.
MIN_LINES = 4
#: Standing heights (box heights, m) the lines' scale may give the athlete before the lines
#: are taken for something other than yard lines.
STATURE_RANGE_M = (1.3, 2.4)
#: Where the athlete's line came from: its words, and how far off it may be in the picture
#: (px, 95%): the lane's middle between two long lines; the soles' bottom row (their shadow and
#: blur put it about a pixel low on rendered reps); the ankles less the ankle's height.
ATHLETE_LINE_SOURCES = {
    "lane": ("the middle of the lane between its lines", 0.3),
    "soles": ("the soles seen on the ground", 1.5),
    "ankles": ("the ankles", 3.0),
}
#: How much nearer the camera a sole's lowest point in the picture lies than the foot's middle:
#: half a shoe's width (a sprint spike is 8-10 cm across). A camera above the ground sees the
#: sole's near edge lowest, and the feet land either side of the body's line, as far on one
#: side as on the other, so the soles' median row is that much nearer than the athlete's line.
SOLE_HALF_WIDTH_M = 0.045
#: Rows below the surface's far edge left out when looking for a track's lane lines.
TRACK_FAR_MARGIN_PX = 6
#: Scale uncertainty (95%, %) above which the user is warned.
WARN_SCALE_PCT = 1.0
#: Distance uncertainty (95%, m) above which the user is warned to check the grid.
WARN_UNCERTAINTY_M = 0.05
#: Ruler scatter above which the fit is flagged (metres along the lane).
LOW_CONFIDENCE_RMS_M = 0.05


def field_line_calibration(
    background_bgr: np.ndarray,
    athlete: AthleteGround,
    *,
    start_line_px: float | None = None,
    camera_height_m: float | None = None,
) -> FieldLines:
    """Calibrate from the painted lines of ``background_bgr`` (the field without the athlete):
    a football field's yard lines, else a running track's lane lines
    (:mod:`sprintlab.fieldlines.track`).

    Parameters
    ----------
    background_bgr : ndarray (H, W, 3)
    athlete : AthleteGround
    start_line_px : float, optional
        A picture column on the start line where it meets the lane (the user's click): the
        yard line nearest it there is the start.
    camera_height_m : float, optional
        The lens's height above the ground (m): a track's lane lines seen square-on need it.
    """
    h, w = background_bgr.shape[:2]
    hp = float(athlete.height_px)
    if not (math.isfinite(hp) and hp > 0):
        return no_field_lines(
            "the athlete was not seen standing, so the ground around the lane is unknown"
        )
    mid_x = w / 2.0
    ref_row = float(athlete.level_px + athlete.slope * mid_x)
    top = int(max(0, ref_row - 0.8 * hp))
    mask, response = paint_mask(background_bgr, rows_px=(top, h))
    lines = find_lines(mask, response, min_length_px=max(40.0, 0.25 * hp))
    if len(lines) < MIN_LINES:
        yard = no_field_lines(
            f"{len(lines)} painted line(s) found on the ground; {MIN_LINES} are needed"
        )
    else:
        yard = _yard_line_calibration(lines, mask, athlete, (w, h), start_line_px)
    # The far lanes of a track lie just below the surface's far edge: look there too (for
    # the lane lines, and for how much the lens bends the long lines).
    wide_mask, wide_response = paint_mask(
        background_bgr, rows_px=(top, h), far_margin_px=TRACK_FAR_MARGIN_PX
    )
    wide_lines = find_lines(wide_mask, wide_response, min_length_px=max(40.0, 0.25 * hp))
    bend = lens_bend(wide_lines, wide_response, (w, h))
    if yard.calibration is None:
        # No yard lines: a running track's lane lines, when there are enough of them.
        track = lane_line_calibration(
            wide_lines,
            athlete,
            (w, h),
            start_line_px=start_line_px,
            camera_height_m=camera_height_m,
            response=wide_response,
        )
        # The track's sentence when its lane lines were evenly spaced (it got further).
        found = track if track.calibration is not None or "lane_lines" in track.record else yard
    else:
        found = yard
    return with_lens_bend(found, bend)


def with_lens_bend(found: FieldLines, bend: LensBend | None) -> FieldLines:
    """``found`` with how much the lens bends the lines in its record, and, when that is
    significant and the lines calibrate, a warning on the calibration."""
    if bend is None:
        return found
    record = {**found.record, "lens_bend": bend.to_dict()}
    calib = found.calibration
    if calib is not None:
        if bend.significant:
            calib = replace(calib, warnings=(*calib.warnings, bend.sentence()))
        record["calibration"] = calib.to_dict()
    return replace(found, calibration=calib, record=record)


def _yard_line_calibration(
    lines: list,
    mask: np.ndarray,
    athlete: AthleteGround,
    size_px: tuple[int, int],
    start_line_px: float | None,
) -> FieldLines:
    """Calibrate from the yard lines among ``lines`` (and the lines or hash marks along the
    lane), or say why not."""
    w, h = size_px
    mid_x = w / 2.0
    ref_row = float(athlete.level_px + athlete.slope * mid_x)
    g_dir = np.array([1.0, athlete.slope]) / math.hypot(1.0, athlete.slope)
    cos_tol = math.cos(math.radians(ALONG_ANGLE_DEG))
    # Lines across the lane run away from the camera: together they reach far down the
    # picture, which lines along the lane do not (except a track's lane lines seen from a
    # turned camera: those meet where the athlete's own ground line points, and are left out).
    # Yard lines cross the whole field, so their paint lies on both sides of the athlete's line
    # (a track's marks across single lanes do not, and four of them can fall near 5-yard
    # spacing by chance).
    across = [ln for ln in lines if _crosses(ln, athlete, w)]
    vp, members = vanishing_point(across, score="drop")
    if len(members) >= MIN_LINES and _towards_the_run(vp, athlete, mid_x, ref_row):
        across = [ln for k, ln in enumerate(across) if k not in members]
        vp, members = vanishing_point(across, score="drop")
    on_ruler = [across[k] for k in members]
    if len(members) < MIN_LINES or not np.all(np.isfinite(vp)):
        return no_field_lines("no set of lines across the lane meets at one point")
    if abs(vp[2]) > 1e-12 and vp[1] / vp[2] > ref_row:
        return no_field_lines("the lines found do not run across the lane away from the camera")
    ruler = fit_ruler(
        on_ruler,
        vp,
        YARD_LINE_SPACING_M,
        ref_row,
        min_lines=MIN_LINES,
    )
    if ruler is None:
        return no_field_lines("the lines across the lane are not evenly spaced like yard lines")
    hz = horizon(ruler)
    g = athlete.line()
    # Lines along the lane: painted all along (marks that happen to line up leave gaps).
    along = [
        lines[k].homogeneous()
        for k in range(len(lines))
        if not any(lines[k] is m for m in on_ruler)
        and abs(lines[k].direction @ g_dir) >= cos_tol
        and lines[k].length_px >= max(ALONG_COVERED * lines[k].span_px, ALONG_MIN_OF_WIDTH * w)
    ]
    lane_lines = list(along)
    # A football field's hash marks: rows of short marks along the lane, one at every yard
    # between the yard lines (what the ruler says is a whole yard and not a yard line).

    def on_a_yard(pts: np.ndarray) -> np.ndarray:
        yards = athlete.direction * ruler.x_m(pts) / YARD_M
        near = np.abs(yards - np.round(yards)) <= HASH_TOLERANCE_YD
        return near & (np.round(yards) % 5 != 0)

    along += [
        row.homogeneous()
        for row in dash_rows(mask, keep=on_a_yard)
        if abs(row.direction @ g_dir) >= cos_tol
    ]
    if along:
        along_source = "the lines along the lane"
        vx = along_vanishing_point(hz, along)
    else:
        along_source = "square to the yard lines at a phone's focal length"
        vx = square_vanishing_point(hz, ruler.vanishing_px, (w, h), ASSUMED_FOCAL_OF_WIDTH * w)
    # The athlete runs along the lane: their ground line points at the lane's vanishing point.
    # (The ankles alone tilt it: flat feet in the set position, heels up at speed; and its
    # height in the picture is the athlete's distance, so the scale hangs on it.)
    athlete = athlete.with_slope(_slope_towards(vx, athlete, mid_x))
    ground_from = "soles" if len(athlete.soles_px) >= MIN_SOLES else "ankles"
    lane = _lane_centre_row(lane_lines, hz, athlete, mid_x)
    if lane is not None:
        # Between two lines along the lane (a track's lane, painted lane lines): its centre.
        at_lane = replace(athlete, level_px=lane - athlete.slope * mid_x)
        slope = _slope_towards(vx, at_lane, mid_x)
        athlete = replace(athlete, slope=slope, level_px=lane - slope * mid_x)
        ground_from = "lane"
    g = athlete.line()
    cam = solve_camera(ruler, vx, g, (w, h), athlete.direction)
    if cam is None:
        return no_field_lines("the camera could not be placed from the lines")
    if ground_from == "soles":
        cam = cam.moved_away(SOLE_HALF_WIDTH_M)
    start_x, anchor = _start_line(ruler, athlete, start_line_px)
    scale_pct = scale_uncertainty_pct(hz, athlete, mid_x, ground_from)
    calib = _calibration(cam, start_x, ruler, along_source, scale_pct, ground_from)
    # Lines that are not yard lines can still fall into step by chance (a track's marks, a
    # fence): at yard-line spacing the athlete must come out a person's height.
    foot = athlete.on_ground([mid_x])
    stature_m = athlete.height_px / float(calib.px_per_m_at(foot)[0])
    if not STATURE_RANGE_M[0] <= stature_m <= STATURE_RANGE_M[1]:
        return no_field_lines(
            f"{len(ruler.lines)} lines across the lane were found, but at yard-line spacing "
            f"they make the athlete {stature_m:.2f} m tall: they are not yard lines"
        )
    grid = _grid(ruler, athlete, start_x)
    record = {
        "found": True,
        "grid": GRID_NAME,
        "lines": len(ruler.lines),
        "spacing_m": ruler.spacing_m,
        "rms_m": ruler.rms_m,
        "distance_uncertainty_m": distance_uncertainty_m(ruler),
        "focal_px": cam.focal_px,
        "focal_measured": cam.focal_measured,
        "lane_direction_from": along_source,
        "athlete_line_from": ATHLETE_LINE_SOURCES[ground_from][0],
        "scale_uncertainty_pct": scale_pct,
        "start_line": anchor,
        "calibration": calib.to_dict(),
    }
    return FieldLines(calib, "", record, grid)


def _crosses(line, athlete: AthleteGround, width_px: int) -> bool:
    """Whether ``line``'s paint runs from beyond the athlete's ground line to before it, or
    out of the picture's side on its way there."""
    ends = line.ends_px
    side = ends[:, 1] - (athlete.level_px + athlete.slope * ends[:, 0])
    margin = 0.05 * athlete.height_px
    at_border = bool(np.any((ends[:, 0] <= 2.0) | (ends[:, 0] >= width_px - 3.0)))
    return bool(side.min() < -margin and (side.max() > margin or at_border))


def _towards_the_run(vp: np.ndarray, athlete: AthleteGround, x_px: float, row_px: float) -> bool:
    """Whether the point ``vp`` (homogeneous) lies where the athlete's ground line points, seen
    from the athlete's line at column ``x_px`` (within ``ALONG_VP_ANGLE_DEG``)."""
    g = np.array([1.0, athlete.slope]) / math.hypot(1.0, athlete.slope)
    if not np.all(np.isfinite(vp)):
        return False
    if abs(vp[2]) < 1e-12 * np.linalg.norm(vp[:2]):
        d = vp[:2]
    else:
        d = vp[:2] / vp[2] - np.array([x_px, row_px])
    cos = abs(d @ g) / max(float(np.linalg.norm(d)), 1e-12)
    return cos >= math.cos(math.radians(ALONG_VP_ANGLE_DEG))


def _lane_centre_row(
    along: list[np.ndarray], horizon_line: np.ndarray, athlete: AthleteGround, x_px: float
) -> float | None:
    """The row (at column ``x_px``) of the middle of the lane the athlete runs in, when a line
    along the lane lies on each side of their ground line within a third of their height;
    None otherwise. The middle is in depth, not in pixels: distances on the ground go as
    1 / (row - horizon row), so it is the harmonic mean of the two lines' heights below the
    horizon."""
    y_g = athlete.level_px + athlete.slope * x_px
    a, b, c = horizon_line
    if abs(b) < 1e-12:
        return None
    y_h = -(a * x_px + c) / b
    reach = athlete.height_px / 3.0
    rows = []
    for line in along:
        la, lb, lc = line
        if abs(lb) < 1e-12:
            continue
        rows.append(-(la * x_px + lc) / lb)
    rows = np.array(rows)
    above = rows[(rows < y_g) & (rows > y_g - reach) & (rows > y_h)]
    below = rows[(rows > y_g) & (rows < y_g + reach)]
    if above.size == 0 or below.size == 0:
        return None
    far, near = float(above.max()) - y_h, float(below.min()) - y_h
    return y_h + 2.0 / (1.0 / far + 1.0 / near)


def _slope_towards(vx: np.ndarray, athlete: AthleteGround, x_px: float) -> float:
    """Slope of the line from the athlete's ground at column ``x_px`` to the point ``vx``
    (homogeneous; a point at infinity is a direction)."""
    if abs(vx[2]) < 1e-9 * np.linalg.norm(vx[:2]):
        return float(vx[1] / vx[0]) if abs(vx[0]) > 1e-12 else athlete.slope
    p = vx[:2] / vx[2]
    y = athlete.level_px + athlete.slope * x_px
    if abs(p[0] - x_px) < 1.0:
        return athlete.slope
    return float((p[1] - y) / (p[0] - x_px))


def _track_x(ruler: CrossRuler, athlete: AthleteGround, pts_px: np.ndarray) -> np.ndarray:
    """Distance along the lane in the running direction (from the ruler's first line)."""
    return athlete.direction * ruler.x_m(pts_px)


def _start_line(
    ruler: CrossRuler, athlete: AthleteGround, start_line_px: float | None
) -> tuple[float, str]:
    """The start line's distance from the ruler's first line (running direction), and how it
    was chosen."""
    lines_x = athlete.direction * ruler.index * ruler.spacing_m
    if start_line_px is not None:
        x = float(_track_x(ruler, athlete, athlete.on_ground([start_line_px]))[0])
        k = int(np.argmin(np.abs(lines_x - x)))
        return float(lines_x[k]), "the line named by the user"
    pts = athlete.hands_px if len(athlete.hands_px) else athlete.feet_px
    what = "hands" if len(athlete.hands_px) else "front foot"
    if len(pts) == 0:
        k = int(np.argmin(ruler.index))
        return float(lines_x[k]), "the first line in view (the set position was not seen)"
    # The hands' place on the ground: straight below them in the picture, on the ground line.
    x_pts = _track_x(ruler, athlete, athlete.on_ground(np.asarray(pts)[:, 0]))
    return start_at_set_position(float(np.nanmax(x_pts)), lines_x, what)


def scale_uncertainty_pct(
    horizon_line: np.ndarray, athlete: AthleteGround, x_px: float, source: str
) -> float:
    """How uncertain every distance is (95%, per cent) from where the athlete's line lies.

    The athlete's distance from the camera, and so the scale of everything measured on their
    plane, goes as 1 / (row of their ground line - row of the horizon): a line ``e`` px off
    scales every distance by about ``e / (y_g - y_h)``."""
    a, b, c = horizon_line
    if abs(b) < 1e-12:
        return math.nan
    y_h = -(a * x_px + c) / b
    y_g = athlete.level_px + athlete.slope * x_px
    if y_g <= y_h:
        return math.nan
    return float(100.0 * ATHLETE_LINE_SOURCES[source][1] / (y_g - y_h))


def distance_uncertainty_m(ruler: CrossRuler) -> float:
    """95% limit of a distance along the lane read from the ruler, metres: two places, each as
    far off as the lines scatter about even spacing, and at least the scatter of four lines
    (with fewer lines left over the scatter itself is poorly known)."""
    n = len(ruler.lines)
    scatter = ruler.rms_m * math.sqrt(max(1.0, (MIN_LINES + 2) / max(n - 3, 1)))
    return float(1.96 * math.sqrt(2.0) * max(scatter, 0.005))


def _calibration(
    cam: FieldCamera,
    start_x: float,
    ruler: CrossRuler,
    along_source: str,
    scale_pct: float = math.nan,
    ground_from: str = "lane",
) -> Calibration:
    shift = np.array([[1.0, 0.0, -start_x], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    image_to_world = shift @ np.linalg.inv(cam.plane_to_image())
    image_to_world /= np.max(np.abs(image_to_world))
    warnings = []
    low = ruler.rms_m > LOW_CONFIDENCE_RMS_M
    if low:
        warnings.append(
            f"the yard lines disagree by {ruler.rms_m:.2f} m with even spacing: check that the "
            "grid drawn over the frame sits on the field's lines"
        )
    unc = distance_uncertainty_m(ruler)
    if len(ruler.lines) <= MIN_LINES or unc > WARN_UNCERTAINTY_M:
        what = (
            f"only {len(ruler.lines)} yard lines were found"
            if len(ruler.lines) <= MIN_LINES
            else "the yard lines are hard to place"
        )
        warnings.append(
            f"{what} (worn paint, shadows or a narrow view): distances are within "
            f"±{unc * 100:.0f} cm; check the grid drawn over the frame"
        )
    if math.isfinite(scale_pct) and scale_pct > WARN_SCALE_PCT:
        source = ATHLETE_LINE_SOURCES[ground_from][0]
        warnings.append(
            f"the athlete's distance from the camera comes from {source}"
            f" (no lane lines beside them): every distance may be off by up to ±{scale_pct:.1f}%; "
            "cones, or a higher camera, pin it down"
        )
    if not cam.focal_measured:
        warnings.append(
            "the camera is square-on to the lane, so its focal length was assumed; distances "
            "along the lane do not depend on it"
        )
    c = cam.centre_m()
    return Calibration(
        image_to_world=image_to_world,
        method="field_lines",
        rms_residual_m=ruler.rms_m,
        confidence="low" if low else "high",
        warnings=tuple(warnings),
        n_markers=len(ruler.lines),
        # With an assumed focal length the distance is scaled with it; the legs' planes beside
        # the athlete's still come out close (their offset over the distance is small).
        camera_m=(float(c[0] - start_x), float(c[1]), float(abs(c[2]))),
    )


def _grid(
    ruler: CrossRuler, athlete: AthleteGround, start_x: float
) -> tuple[tuple[float, tuple[float, float], tuple[float, float]], ...]:
    """Each yard line in view as (metres from the start, end near the camera, end far away):
    drawn from the vanishing point's side down through the athlete's ground line."""
    vp = ruler.vanishing_px[:2] / ruler.vanishing_px[2]
    out = []
    for line, index in zip(ruler.lines, ruler.index, strict=True):
        x_m = athlete.direction * index * ruler.spacing_m - start_x
        mid = line.ends_px.mean(axis=0)
        through = np.cross([*vp, 1.0], [*mid, 1.0])
        g = np.cross(through, athlete.line())
        if abs(g[2]) < 1e-12:
            continue
        foot = g[:2] / g[2]
        d = foot - vp
        near = foot + 0.35 * d  # towards the camera, past the athlete's line
        far = foot - 0.35 * d
        out.append((float(x_m), (float(near[0]), float(near[1])), (float(far[0]), float(far[1]))))
    return tuple(out)
