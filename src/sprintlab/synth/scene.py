"""The static scene of a rendered clip: a grass field with yard and lane lines, cones, stands, sky.

The field is flat ground (y = 0) in the world frame of :mod:`sprintlab.synth.camera`. Yard lines
cross the whole field every ``YARD_LINE_SPACING_YD`` yards from the start line (x = 0); two lane
lines run along the lane at ``lateral = ±LANE_HALF_WIDTH_M``; orange cones stand on the lane lines
at the yard lines in ``CONE_YARDS``. The ground and the stands are textures on planes, warped into
the image with their exact homographies, so every line is where the camera's projection puts it.
The ground truth for calibration is :func:`field_markers`: the yard-line/lane-line crossings.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from ..units import YARD_M
from .camera import PinholeCamera

__all__ = [
    "CONE_YARDS",
    "LANE_HALF_WIDTH_M",
    "ConeSprite",
    "FieldMarker",
    "cone_sprites",
    "draw_banner",
    "field_markers",
    "render_background",
]

YARD_LINE_SPACING_YD = 5
YARD_LINES_YD = tuple(range(-10, 65, YARD_LINE_SPACING_YD))  # lines painted on the texture
MARKER_YARDS = tuple(range(0, 50, YARD_LINE_SPACING_YD))  # crossings reported as markers
LANE_HALF_WIDTH_M = 1.0
LANE_X_M = (-3.0, 45.0 * YARD_M)  # extent of the painted lane lines
CONE_YARDS = (0, 5, 10, 20, 40)
LINE_WIDTH_M = 0.10  # 4-inch field paint
FIELD_PAINTS = ("lanes", "football", "track", "none")
# Hash marks (field_paint="football"): two rows 18 ft 6 in apart (NFL), the athlete's lane
# between them, nearer the far row; each mark 24 in long across the field.
HASH_ROWS_Z_M = (-2.0, -2.0 + 5.64)
HASH_LENGTH_M = 0.61
# A running track (field_paint="track"): lanes 1.22 m wide, the athlete in the middle of one;
# 5 cm lines; across every lane the start line at x = 0 and the end of the last relay exchange
# zone 10 m past it; the other events' marks across single lanes at places of their own
# (staggered starts, hurdle marks).
TRACK_FULL_LINES_X_M = (0.0, 10.0)
TRACK_LANE_WIDTH_M = 1.22
TRACK_LANE_LINES_Z_M = tuple(TRACK_LANE_WIDTH_M * (k + 0.5) for k in range(-8, 5))
TRACK_LINE_WIDTH_M = 0.05
TRACK_MARKS = (
    (-2, -4.1),
    (-3, 3.3),
    (-4, 11.7),
    (-5, -1.6),
    (-6, 7.9),
    (-1, 21.5),
    (1, 15.2),
    (2, 4.4),
    (3, -2.2),
    (1, 8.9),
)
TRACK_BGR = np.array([62.0, 78.0, 168.0])  # red polyurethane
CONE_HEIGHT_M, CONE_BASE_R_M, CONE_TOP_R_M = 0.23, 0.10, 0.02

# Ground texture: x from GROUND_X_M[0], z from GROUND_Z_M[0], GROUND_RES_M per texel; beyond it the
# texture is mirrored (grass continues). The stands are a vertical wall at z = STAND_Z_M.
GROUND_X_M = (-30.0, 75.0)
GROUND_Z_M = (-52.0, 18.0)
GROUND_RES_M = 0.03
STAND_Z_M = -50.0
STAND_X_M = (-200.0, 250.0)
STAND_HEIGHT_M = 12.0
STAND_RES_M = 0.08

GRASS_BGR = np.array([52.0, 128.0, 74.0])
DARK_TURF_BGR = np.array([40.0, 80.0, 46.0])  # dark artificial turf (realism option)
PAINT_BGR = np.array([232.0, 238.0, 236.0])
CONE_BGR = np.array([20.0, 110.0, 245.0])


@dataclass(frozen=True)
class FieldMarker:
    """A ground point with a known track position: ``track_m`` along the lane from the start line
    (in the running direction, i.e. world x), ``lateral_m`` across it, + towards the camera."""

    track_m: float
    lateral_m: float
    world_m: tuple[float, float, float]


def field_markers(camera: PinholeCamera, margin_px: float = 2.0) -> list[FieldMarker]:
    """Yard-line × lane-line crossings (every 5 yd, lateral ±1 m) that the camera sees.

    A crossing is "seen" when it projects at least ``margin_px`` inside the image. Cones stand
    on these same points, so they are not listed twice.
    """
    side = 1.0 if camera.position_m[2] >= 0 else -1.0
    out = []
    for yd in MARKER_YARDS:
        for z in (-LANE_HALF_WIDTH_M, LANE_HALF_WIDTH_M):
            world = (yd * YARD_M, 0.0, z)
            u, v = camera.project(np.array(world))
            if (
                np.isfinite(u)
                and margin_px <= u <= camera.width_px - margin_px
                and margin_px <= v <= camera.height_px - margin_px
            ):
                out.append(FieldMarker(yd * YARD_M, side * z, world))
    return out


# --------------------------------------------------------------------------------------------------
# Textures (made once per seed; pure functions of the seed)


def _smooth_noise(rng: np.random.Generator, shape: tuple[int, int], cell: int) -> np.ndarray:
    """Zero-mean, unit-ish noise with features about ``cell`` texels across (upsampled)."""
    small = rng.standard_normal(
        (max(2, shape[0] // cell + 2), max(2, shape[1] // cell + 2)), dtype=np.float32
    )
    big = cv2.resize(small, (shape[1], shape[0]), interpolation=cv2.INTER_CUBIC)
    return big / max(float(big.std()), 1e-6)


def _coverage(centres_m: np.ndarray, lo_m: float, hi_m: float, res_m: float) -> np.ndarray:
    """Fraction of each texel (centre ``centres_m``, size ``res_m``) inside ``[lo_m, hi_m]``."""
    a = np.maximum(centres_m - res_m / 2.0, lo_m)
    b = np.minimum(centres_m + res_m / 2.0, hi_m)
    return np.clip((b - a) / res_m, 0.0, 1.0)


@lru_cache(maxsize=4)
def ground_texture(
    seed: int,
    *,
    turf: str = "grass",
    turf_texture: float = 0.0,
    lines_x_m: tuple[float, ...] = (),
    line_width_m: float = LINE_WIDTH_M,
    field_paint: str = "lanes",
) -> np.ndarray:
    """BGR uint8 texture of the field: rows are z (from GROUND_Z_M[0]), columns x.

    Parameters
    ----------
    seed : int
    turf : {"grass", "dark"}
        Natural grass, or dark artificial turf.
    turf_texture : float
        0: the default texture; up to 2: coarser clumps, worn patches, rubber-crumb specks and
        stronger mowing stripes.
    lines_x_m : tuple of float
        World x (m) of extra white lines painted across the lane (lateral −1 to 1 m).
    line_width_m : float
        Width of those extra lines, metres.
    field_paint : {"lanes", "football", "track", "none"}
        The markings: yard lines every 5 yards and two lane lines beside the athlete
        ("lanes", every earlier clip); yard lines and two rows of hash marks at every yard
        (``HASH_ROWS_Z_M``, a football field as it is, no lane lines); a running track (red,
        lane lines 1.22 m apart, the start line at x = 0 and single-lane marks of other
        events, ``TRACK_MARKS``, no yard lines); or plain grass.

    With the defaults the texture is the one every earlier clip was rendered with.
    """
    rng = np.random.default_rng([seed, 1])
    nx = round((GROUND_X_M[1] - GROUND_X_M[0]) / GROUND_RES_M)
    nz = round((GROUND_Z_M[1] - GROUND_Z_M[0]) / GROUND_RES_M)
    x = GROUND_X_M[0] + (np.arange(nx) + 0.5) * GROUND_RES_M
    z = GROUND_Z_M[0] + (np.arange(nz) + 0.5) * GROUND_RES_M
    # Brightness: mowing stripes every 5 yards, patches of a few metres, clumps of ~10 cm, blades.
    stripe = np.where(np.floor(x / (5 * YARD_M)) % 2 == 0, 0.055, -0.055).astype(np.float32)
    if field_paint == "track":
        stripe[:] = 0.0  # a track is not mown
    light = 1.0 + stripe[None, :] + 0.06 * _smooth_noise(rng, (nz, nx), 160)
    light += 0.05 * _smooth_noise(rng, (nz, nx), 4)
    light += 0.07 * rng.standard_normal((nz, nx), dtype=np.float32)
    hue = 0.04 * _smooth_noise(rng, (nz, nx), 80)  # yellower / bluer patches
    if turf_texture > 0:
        # Its own random stream, so that the default texture's draws stay as they were.
        extra = np.random.default_rng([seed, 7])
        k = np.float32(turf_texture)
        light += k * 0.05 * stripe[None, :]  # stronger mowing stripes
        light += k * 0.16 * _smooth_noise(extra, (nz, nx), 2)  # clumps of ~6 cm
        worn = np.clip(_smooth_noise(extra, (nz, nx), 40) - 0.7, 0.0, None)  # bare patches
        hue += k * 0.10 * worn
        light += k * 0.10 * worn
        speck = extra.random((nz, nx), dtype=np.float32)
        light[speck < 0.035 * k] *= 0.35  # rubber crumb
        light[speck > 1.0 - 0.02 * k] *= 1.45  # pale fibres
    if turf not in ("grass", "dark"):
        raise ValueError(f"turf must be 'grass' or 'dark', got {turf!r}")
    grass = (GRASS_BGR if turf == "grass" else DARK_TURF_BGR).astype(np.float32)
    if field_paint == "track":
        grass = TRACK_BGR.astype(np.float32)
    tex = np.empty((nz, nx, 3), np.float32)
    tex[..., 0] = grass[0] * (light - 1.5 * hue)
    tex[..., 1] = grass[1] * light
    tex[..., 2] = grass[2] * (light + 1.5 * hue)
    # Paint: yard lines across the field, two lane lines along the lane (slightly worn).
    paint = np.zeros((nz, nx), np.float32)
    if field_paint not in FIELD_PAINTS:
        raise ValueError(f"field_paint must be one of {FIELD_PAINTS}, got {field_paint!r}")
    for yd in YARD_LINES_YD if field_paint in ("lanes", "football") else ():
        half = LINE_WIDTH_M / 2
        cov = _coverage(x, yd * YARD_M - half, yd * YARD_M + half, GROUND_RES_M)
        cols = np.flatnonzero(cov)
        paint[:, cols] = np.maximum(paint[:, cols], cov[cols][None, :].astype(np.float32))
    in_lane = _coverage(x, *LANE_X_M, GROUND_RES_M)
    for z0 in HASH_ROWS_Z_M if field_paint == "football" else ():
        # A hash mark at every yard between the yard lines: 24 inches across, 4 inches wide.
        rows = np.flatnonzero(_coverage(z, z0, z0 + HASH_LENGTH_M, GROUND_RES_M))
        for yd in range(YARD_LINES_YD[0], YARD_LINES_YD[-1]):
            if yd % YARD_LINE_SPACING_YD == 0:
                continue
            half = LINE_WIDTH_M / 2
            cov = _coverage(x, yd * YARD_M - half, yd * YARD_M + half, GROUND_RES_M)
            cols = np.flatnonzero(cov)
            block = np.broadcast_to(cov[cols][None, :], (rows.size, cols.size))
            paint[np.ix_(rows, cols)] = np.maximum(paint[np.ix_(rows, cols)], block)
    for zc in (-LANE_HALF_WIDTH_M, LANE_HALF_WIDTH_M) if field_paint == "lanes" else ():
        cov = _coverage(z, zc - LINE_WIDTH_M / 2, zc + LINE_WIDTH_M / 2, GROUND_RES_M)
        rows = np.flatnonzero(cov)
        lane = (cov[rows][:, None] * in_lane[None, :]).astype(np.float32)
        paint[rows, :] = np.maximum(paint[rows, :], lane)
    if field_paint == "track":
        _paint_track(paint, x, z)
    if lines_x_m:  # extra lines across the lane (where the feet land)
        across = _coverage(z, -LANE_HALF_WIDTH_M, LANE_HALF_WIDTH_M, GROUND_RES_M)
        rows = np.flatnonzero(across)
        for xc in lines_x_m:
            cov = _coverage(x, xc - line_width_m / 2, xc + line_width_m / 2, GROUND_RES_M)
            cols = np.flatnonzero(cov)
            block = (across[rows][:, None] * cov[cols][None, :]).astype(np.float32)
            paint[np.ix_(rows, cols)] = np.maximum(paint[np.ix_(rows, cols)], block)
    # Worn paint, mixed in only where there is paint (a few per cent of the texels).
    wear = np.clip(0.88 + 0.08 * _smooth_noise(rng, (nz, nx), 6), 0.6, 1.0)
    painted = paint > 0
    p = (paint[painted] * wear[painted])[:, None]
    tex[painted] = (
        tex[painted] * (1.0 - p) + PAINT_BGR.astype(np.float32) * light[painted][:, None] * p
    )
    out = np.clip(tex, 0, 255).astype(np.uint8)
    out.setflags(write=False)  # cached: shared by every caller
    return out


def _paint_track(paint: np.ndarray, x: np.ndarray, z: np.ndarray) -> None:
    """A running track's lines into ``paint`` (rows z, columns x): lane lines along it, the
    start line across every lane, and single-lane marks across (``TRACK_MARKS``: lane, x)."""
    half = TRACK_LINE_WIDTH_M / 2
    for zc in TRACK_LANE_LINES_Z_M:
        cov = _coverage(z, zc - half, zc + half, GROUND_RES_M)
        rows = np.flatnonzero(cov)
        paint[rows, :] = np.maximum(paint[rows, :], cov[rows][:, None].astype(np.float32))
    lanes = TRACK_LANE_LINES_Z_M
    marks = [(lanes[0], lanes[-1], x) for x in TRACK_FULL_LINES_X_M]
    for lane, xc in TRACK_MARKS:
        lo = TRACK_LANE_WIDTH_M * (lane - 0.5)
        marks.append((lo, lo + TRACK_LANE_WIDTH_M, xc))
    for z_lo, z_hi, xc in marks:
        rows = np.flatnonzero(_coverage(z, z_lo, z_hi, GROUND_RES_M))
        cov = _coverage(x, xc - half, xc + half, GROUND_RES_M)
        cols = np.flatnonzero(cov)
        block = np.broadcast_to(cov[cols][None, :].astype(np.float32), (rows.size, cols.size))
        paint[np.ix_(rows, cols)] = np.maximum(paint[np.ix_(rows, cols)], block)


@lru_cache(maxsize=4)
def stand_texture(seed: int) -> np.ndarray:
    """BGRA uint8 texture of the far side: fence, bleachers with spectators, a tree line.

    Rows are height from the top (row 0 = STAND_HEIGHT_M), columns x. Alpha is 0 above the tree
    line so the sky shows through.
    """
    rng = np.random.default_rng([seed, 2])
    nx = round((STAND_X_M[1] - STAND_X_M[0]) / STAND_RES_M)
    ny = round(STAND_HEIGHT_M / STAND_RES_M)
    y = STAND_HEIGHT_M - (np.arange(ny) + 0.5) * STAND_RES_M  # height of each row
    tex = np.zeros((ny, nx, 4), np.float32)
    # Trees: a dark green band with a ragged top between 7.5 and 11 m.
    top = 9.0 + 1.2 * _smooth_noise(rng, (1, nx), 30)[0] + 0.5 * _smooth_noise(rng, (1, nx), 5)[0]
    trees = y[:, None] <= top[None, :]
    leaf = 1.0 + 0.25 * _smooth_noise(rng, (ny, nx), 3)
    tex[..., 0] = np.where(trees, 40 * leaf, 0)
    tex[..., 1] = np.where(trees, 78 * leaf, 0)
    tex[..., 2] = np.where(trees, 52 * leaf, 0)
    tex[..., 3] = np.where(trees, 255, 0)
    # Bleachers from 1.4 to 6 m: grey concrete steps with a mottled crowd.
    bleach = (y >= 1.4) & (y <= 6.0)
    step = ((y - 1.4) / 0.45) % 1.0
    grey = np.where(step < 0.25, 120.0, 165.0)
    rows = np.flatnonzero(bleach)
    tex[rows, :, :3] = grey[rows, None, None] * np.array([1.0, 0.98, 0.95])
    crowd = rng.random((ny, nx)) < 0.10
    colours = rng.uniform(40, 220, (ny, nx, 3)).astype(np.float32)
    sel = crowd & bleach[:, None]
    tex[..., :3][sel] = colours[sel]
    tex[rows, :, 3] = 255
    # Fence / windscreen up to 1.4 m: dark green with posts.
    fence = y < 1.4
    x = STAND_X_M[0] + (np.arange(nx) + 0.5) * STAND_RES_M
    post = (x % 3.0) < 0.1
    rows = np.flatnonzero(fence)
    tex[rows, :, :3] = np.array([55.0, 72.0, 38.0])
    tex[np.ix_(rows, np.flatnonzero(post))] = np.array([150.0, 150.0, 150.0, 255.0])
    tex[rows, :, 3] = 255
    tex[..., :3] *= (1.0 + 0.05 * rng.standard_normal((ny, nx)))[..., None]
    out = np.clip(tex, 0, 255).astype(np.uint8)
    out.setflags(write=False)  # cached: shared by every caller
    return out


# --------------------------------------------------------------------------------------------------
# Background rendering


def _ss_matrix(ss: int) -> np.ndarray:
    """Original pixels → supersampled pixels (pixel centres stay centres after area averaging)."""
    return np.array([[ss, 0.0, (ss - 1) / 2.0], [0.0, ss, (ss - 1) / 2.0], [0.0, 0.0, 1.0]])


def _plane_mask(camera: PinholeCamera, ss: int, normal: np.ndarray, offset: float) -> np.ndarray:
    """Float mask (supersampled) of pixels whose ray meets the plane n·X = offset in front of
    the camera."""
    h, w = camera.height_px * ss, camera.width_px * ss
    us = (np.arange(w, dtype=np.float64) - (ss - 1) / 2.0) / ss
    vs = (np.arange(h, dtype=np.float64) - (ss - 1) / 2.0) / ss
    # The ray direction is linear in (u, v): n·d = a u + b v + c; the hit is in front when
    # (offset − n·C) / (n·d) > 0.
    k_inv = np.linalg.inv(camera.intrinsics)
    n_cam = camera.rotation @ np.asarray(normal, dtype=float)  # n·(R^T d_cam) = (R n)·d_cam
    a, b, c = n_cam @ k_inv
    gap = float(offset - np.dot(normal, camera.position_m))
    ndotd = a * us[None, :] + b * vs[:, None] + c
    return (ndotd * gap > 0).astype(np.float32)


def _warp_plane(
    camera: PinholeCamera,
    ss: int,
    texture: np.ndarray,
    tex_to_world: tuple[np.ndarray, np.ndarray, np.ndarray],
    border: int,
) -> np.ndarray:
    origin, axis_u, axis_v = tex_to_world
    h = _ss_matrix(ss) @ camera.plane_homography(origin, axis_u, axis_v)
    return cv2.warpPerspective(
        texture,
        h,
        (camera.width_px * ss, camera.height_px * ss),
        flags=cv2.INTER_LINEAR,
        borderMode=border,
        borderValue=0,
    )


def _camera_side(camera: PinholeCamera) -> float:
    """+1 for a camera on the +z side of the lane, −1 on the −z side (the scene is mirrored so
    that the stands are always on the far side)."""
    return 1.0 if camera.position_m[2] >= 0 else -1.0


@lru_cache(maxsize=4)
def render_background(
    camera: PinholeCamera,
    seed: int = 0,
    ss: int = 2,
    *,
    turf: str = "grass",
    turf_texture: float = 0.0,
    lines_x_m: tuple[float, ...] = (),
    line_width_m: float = LINE_WIDTH_M,
    field_paint: str = "lanes",
) -> np.ndarray:
    """The empty scene (sky, stands, field) as BGR uint8, rendered at ``ss``× and area-averaged
    (anti-aliased). Cones are not included: see :func:`cone_sprites`. The result is cached and
    read-only: copy it before drawing. The keyword arguments choose the ground (see
    :func:`ground_texture`)."""
    side = _camera_side(camera)
    h, w = camera.height_px * ss, camera.width_px * ss
    # Sky: a vertical gradient by the rays' elevation (pale at the horizon, bluer above).
    vs = (np.arange(h, dtype=np.float64) - (ss - 1) / 2.0) / ss
    mid = np.column_stack([np.full(h, camera.width_px / 2.0), vs])
    elev = np.clip(camera.pixel_rays(mid)[:, 1], 0.0, 1.0)
    s = np.clip(elev / 0.35, 0.0, 1.0)[:, None]
    sky_row = (1 - s) * np.array([235.0, 222.0, 205.0]) + s * np.array([225.0, 170.0, 110.0])
    img = np.broadcast_to(sky_row[:, None, :], (h, w, 3)).astype(np.float32)

    # Stands: a vertical wall on the far side of the field, facing the camera.
    wall_z = side * STAND_Z_M
    stand = stand_texture(seed)
    wall = (
        np.array([STAND_X_M[0], STAND_HEIGHT_M, wall_z]),
        np.array([STAND_RES_M, 0.0, 0.0]),
        np.array([0.0, -STAND_RES_M, 0.0]),
    )
    # cv2 puts texel (i, j)'s centre at plane coordinates (i, j); that centre is half a texel in.
    wall = (wall[0] + 0.5 * wall[1] + 0.5 * wall[2], wall[1], wall[2])
    warped = _warp_plane(camera, ss, stand, wall, cv2.BORDER_CONSTANT).astype(np.float32)
    alpha = warped[..., 3:4] / 255.0
    alpha *= _plane_mask(camera, ss, np.array([0.0, 0.0, 1.0]), wall_z)[..., None]
    img = img * (1 - alpha) + warped[..., :3] * alpha

    # Ground: below the horizon, in front of the stands (the wall hides what is beyond). Texture
    # rows run away from the camera side, so a camera at -z sees the same field mirrored.
    if turf == "grass" and turf_texture == 0 and not lines_x_m and field_paint == "lanes":
        tex = ground_texture(seed)
    else:
        tex = ground_texture(
            seed,
            turf=turf,
            turf_texture=turf_texture,
            lines_x_m=tuple(lines_x_m),
            line_width_m=line_width_m,
            field_paint=field_paint,
        )
    ground = (
        np.array([GROUND_X_M[0], 0.0, side * GROUND_Z_M[0]]),
        np.array([GROUND_RES_M, 0.0, 0.0]),
        np.array([0.0, 0.0, side * GROUND_RES_M]),
    )
    ground = (ground[0] + 0.5 * ground[1] + 0.5 * ground[2], ground[1], ground[2])
    warped = _warp_plane(camera, ss, tex, ground, cv2.BORDER_REFLECT_101).astype(np.float32)
    mask = _plane_mask(camera, ss, np.array([0.0, 1.0, 0.0]), 0.0)
    mask *= _ground_before_wall(camera, ss, wall_z)
    img = img * (1 - mask[..., None]) + warped * mask[..., None]

    if ss > 1:
        img = cv2.resize(img, (camera.width_px, camera.height_px), interpolation=cv2.INTER_AREA)
    out = np.clip(img + 0.5, 0, 255).astype(np.uint8)
    out.setflags(write=False)
    return out


def _ground_before_wall(camera: PinholeCamera, ss: int, wall_z: float) -> np.ndarray:
    """Mask of pixels whose ground hit lies on the camera's side of the stands."""
    h, w = camera.height_px * ss, camera.width_px * ss
    us = (np.arange(w, dtype=np.float64) - (ss - 1) / 2.0) / ss
    vs = (np.arange(h, dtype=np.float64) - (ss - 1) / 2.0) / ss
    k_inv = np.linalg.inv(camera.intrinsics)
    m = camera.rotation.T @ k_inv  # d_world = M (u, v, 1)
    dy = m[1, 0] * us[None, :] + m[1, 1] * vs[:, None] + m[1, 2]
    dz = m[2, 0] * us[None, :] + m[2, 1] * vs[:, None] + m[2, 2]
    cy, cz = camera.position_m[1], camera.position_m[2]
    with np.errstate(divide="ignore", invalid="ignore"):
        z_hit = cz - cy / dy * dz
    toward_camera = 1.0 if cz > wall_z else -1.0
    return ((z_hit - wall_z) * toward_camera > 0).astype(np.float32)


# --------------------------------------------------------------------------------------------------
# Cones


@dataclass(frozen=True)
class ConeSprite:
    """A pre-drawn cone: ``bgr`` (h, w, 3) float32 premultiplied by ``alpha`` (h, w) in [0, 1],
    to paste with its top-left corner at image pixel ``(x0, y0)``; ``depth_m`` (from the camera)
    orders it among the people; ``world_m`` is its base centre."""

    x0: int
    y0: int
    bgr: np.ndarray
    alpha: np.ndarray
    depth_m: float
    world_m: tuple[float, float, float]


def _cone_points(base: np.ndarray, n: int = 24) -> np.ndarray:
    a = np.linspace(0.0, 2.0 * np.pi, n, endpoint=False)
    ring = np.stack([np.cos(a), np.zeros(n), np.sin(a)], axis=-1)
    return np.concatenate(
        [
            base + CONE_BASE_R_M * ring,
            base + CONE_TOP_R_M * ring + [0.0, CONE_HEIGHT_M, 0.0],
            base + 1.25 * CONE_BASE_R_M * ring * [1.0, 0.0, 1.0] + [0.0, 0.015, 0.0],
        ]
    )


def cone_sprites(camera: PinholeCamera) -> list[ConeSprite]:
    """Orange cones on both lane lines at the yard lines in ``CONE_YARDS`` that are in view."""
    out = []
    for yd in CONE_YARDS:
        for z in (-LANE_HALF_WIDTH_M, LANE_HALF_WIDTH_M):
            base = np.array([yd * YARD_M, 0.0, z])
            if camera.depth_m(base) <= 0.5:
                continue
            pts = camera.project(_cone_points(base))
            x0, y0 = np.floor(np.nanmin(pts, axis=0)).astype(int) - 2
            x1, y1 = np.ceil(np.nanmax(pts, axis=0)).astype(int) + 3
            if x1 < 0 or y1 < 0 or x0 >= camera.width_px or y0 >= camera.height_px:
                continue
            size = (y1 - y0, x1 - x0)
            local = pts - [x0, y0]
            hull = cv2.convexHull(np.round(local * 16).astype(np.int32))
            alpha = np.zeros(size, np.uint8)
            cv2.fillPoly(alpha, [hull], 255, cv2.LINE_AA, shift=4)
            bgr = np.zeros((*size, 3), np.uint8)
            cv2.fillPoly(bgr, [hull], (CONE_BGR * 0.62).tolist(), cv2.LINE_AA, shift=4)
            # Lit face: shrink the silhouette towards the light (upper left).
            centre = local.mean(axis=0)
            extent = float(np.ptp(local[:, 0]))
            for scale, shift, tone in ((0.72, 0.12, 0.85), (0.4, 0.22, 1.05)):
                p = centre + scale * (local - centre) + shift * extent * np.array([-0.6, -0.3])
                hull2 = cv2.convexHull(np.round(p * 16).astype(np.int32))
                cv2.fillPoly(
                    bgr, [hull2], np.clip(CONE_BGR * tone, 0, 255).tolist(), cv2.LINE_AA, 4
                )
            # A white stripe around the middle of the cone.
            band = [base + np.array([0.0, CONE_HEIGHT_M * h, 0.0]) for h in (0.45, 0.58)]
            r = [CONE_BASE_R_M + (CONE_TOP_R_M - CONE_BASE_R_M) * h for h in (0.45, 0.58)]
            a = np.linspace(0.0, 2.0 * np.pi, 24, endpoint=False)
            ring = np.stack([np.cos(a), np.zeros(24), np.sin(a)], axis=-1)
            bp = camera.project(np.concatenate([band[0] + r[0] * ring, band[1] + r[1] * ring]))
            hull3 = cv2.convexHull(np.round((bp - [x0, y0]) * 16).astype(np.int32))
            cv2.fillPoly(bgr, [hull3], (215, 225, 230), cv2.LINE_AA, shift=4)
            out.append(
                ConeSprite(
                    int(x0),
                    int(y0),
                    bgr.astype(np.float32),
                    alpha.astype(np.float32) / 255.0,
                    float(camera.depth_m(base)),
                    (float(base[0]), 0.0, float(z)),
                )
            )
    return out


def paste_sprite(
    image: np.ndarray, sprite: ConeSprite, origin_px: tuple[int, int] = (0, 0)
) -> None:
    """Alpha-blend ``sprite`` into ``image`` (uint8 BGR) whose top-left pixel is ``origin_px``."""
    ox, oy = origin_px
    h, w = image.shape[:2]
    x0, y0 = sprite.x0 - ox, sprite.y0 - oy
    sh, sw = sprite.alpha.shape
    xa, ya = max(x0, 0), max(y0, 0)
    xb, yb = min(x0 + sw, w), min(y0 + sh, h)
    if xa >= xb or ya >= yb:
        return
    a = sprite.alpha[ya - y0 : yb - y0, xa - x0 : xb - x0, None]
    c = sprite.bgr[ya - y0 : yb - y0, xa - x0 : xb - x0]
    roi = image[ya:yb, xa:xb].astype(np.float32)
    # The sprite's colours were drawn anti-aliased on black: they are premultiplied by alpha.
    image[ya:yb, xa:xb] = np.clip(roi * (1 - a) + c + 0.5, 0, 255).astype(np.uint8)


# --------------------------------------------------------------------------------------------------
# A waving banner (moving background)

BANNER_X_M = (1.5, 10.5)  # along the lane
BANNER_Y_M = (0.0, 1.0)  # bottom and top edge above the ground
BANNER_BEYOND_M = 5.0  # beyond the lane centre, on the far side from the camera
BANNER_WAVE_M = 0.2  # largest flutter towards / away from the camera
BANNER_COLOURS = ((40, 40, 190), (150, 70, 20), (30, 200, 235), (40, 40, 40), (60, 140, 40))
BANNER_HEM = (230.0, 230.0, 230.0)


def draw_banner(
    img: np.ndarray,
    camera: PinholeCamera,
    t_s: float,
    seed: int = 0,
    origin_px: tuple[float, float] = (0.0, 0.0),
) -> None:
    """Draw a striped advertising banner fluttering in the wind at time ``t_s`` into ``img``.

    The banner hangs between two posts on the far side of the lane (``BANNER_X_M``,
    ``BANNER_Y_M``, ``BANNER_BEYOND_M`` beyond the centre line); waves travel along it at
    about 2.5 Hz, moving it up to ``BANNER_WAVE_M`` towards and away from the camera and shading
    its folds, so its pixels change in every frame. ``img`` is BGR uint8 whose top-left pixel is
    image pixel ``origin_px``; the colours are seeded.
    """
    side = _camera_side(camera)
    z0 = -side * BANNER_BEYOND_M
    rng = np.random.default_rng([seed, 8])
    n_blocks = 7
    colours = [BANNER_COLOURS[i] for i in rng.permutation(len(BANNER_COLOURS))]
    nx = 72
    u = np.linspace(0.0, 1.0, nx + 1)
    v = np.array([0.0, 0.08, 0.36, 0.64, 0.92, 1.0])  # white hems at the edges
    ny = v.size - 1
    hold = np.sin(np.pi * u)  # fixed at the posts
    phase = 2.0 * np.pi * (3.0 * u - 2.5 * t_s)
    dz = BANNER_WAVE_M * hold * (np.sin(phase) + 0.3 * np.sin(2.3 * phase + 1.0))[None, :]
    dz = dz * (0.6 + 0.4 * v[:, None])  # the top edge flutters more than the bottom
    slope = np.gradient(dz, axis=1) / (1.0 / nx) / (BANNER_X_M[1] - BANNER_X_M[0])
    x = BANNER_X_M[0] + u * (BANNER_X_M[1] - BANNER_X_M[0])
    y = BANNER_Y_M[0] + v * (BANNER_Y_M[1] - BANNER_Y_M[0])
    pts = np.stack(np.broadcast_arrays(x[None, :], y[:, None], z0 + side * dz), axis=-1)
    px = camera.project(pts.reshape(-1, 3)).reshape(ny + 1, nx + 1, 2) - np.asarray(origin_px)
    if not np.all(np.isfinite(px)):
        return
    one = 16
    for i in range(ny):
        for k in range(nx):
            quad = np.array([px[i, k], px[i, k + 1], px[i + 1, k + 1], px[i + 1, k]])
            block = (k * n_blocks) // nx
            colour = np.array(colours[block % len(colours)], dtype=float)
            if i in (0, ny - 1) or (i == 2 and block % 2):  # hems and a stripe of lettering
                colour = np.array(BANNER_HEM)
            shade = float(np.clip(1.0 - 1.5 * slope[i, k], 0.4, 1.3))
            cv2.fillPoly(
                img,
                [np.round(quad * one).astype(np.int32)],
                tuple(np.clip(colour * shade, 0, 255).tolist()),
                cv2.LINE_AA,
                4,
            )
    for xp in BANNER_X_M:  # the posts
        base, top = camera.project(np.array([[xp, 0.0, z0], [xp, BANNER_Y_M[1] + 0.15, z0]]))
        a = np.round((base - origin_px) * one).astype(np.int32)
        b = np.round((top - origin_px) * one).astype(np.int32)
        width = max(1, round(0.05 * camera.focal_px / float(camera.depth_m(np.array([xp, 0, z0])))))
        cv2.line(img, tuple(a.tolist()), tuple(b.tolist()), (90, 90, 95), width, cv2.LINE_AA, 4)
