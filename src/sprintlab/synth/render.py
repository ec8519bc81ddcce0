"""Render the synthetic sprinter into realistic test clips with exact ground truth.

:func:`render_clip` draws the athlete of :func:`sprintlab.synth.joints_at` as a solid, shaded,
clothed figure (tapered limbs with round ends, a torso built from body cross-sections, head with
hair, shoes) on a textured football field seen by a :class:`~sprintlab.synth.camera.PinholeCamera`,
and writes three files next to each other:

- ``NAME.mp4``: H.264 video at the capture rate;
- ``NAME.toml``: the calibration sidecar (``capture_fps``, ``athlete_height_m``, ``run_direction``,
  one ``[[marker]]`` per yard-line/lane-line crossing in view with its exact projected pixel
  position, and a ``[camera]`` table that the loader ignores);
- ``NAME.truth.json``: ``{"truth": SprintTruth.to_dict(), "keypoints_px": ...}`` — the exact
  events, steps and splits plus the true projected COCO-17 keypoints of every frame.

Every random choice (textures, colours, noise) comes from ``seed``: the same call gives the same
pixels. Frame ``i`` shows the instant ``start_s + i / fps`` of the sprint (the middle of the
exposure when motion blur is on); truth times are on the sprint's own clock, so with
``start_s = 0`` they are seconds from the first frame.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from ..skeleton import KEYPOINT_NAMES, SIDES, other_side
from ..viz.video_writer import H264Writer
from .camera import PinholeCamera
from .model import EXTRA_POINTS, SprintParams, SprintTruth, joints_at, plan_sprint, sprint_truth
from .realism import Realism, apply_gain, flicker_gain, shake_offsets_px, shift_image, sun_direction
from .scene import (
    ConeSprite,
    FieldMarker,
    cone_sprites,
    draw_banner,
    field_markers,
    paste_sprite,
    render_background,
)

__all__ = [
    "DECOY_KINDS",
    "ClipRenderer",
    "Decoy",
    "Look",
    "Realism",
    "RenderedClip",
    "decoy_joints",
    "draw_cast_shadow",
    "draw_person",
    "render_clip",
    "render_scenario",
    "shadow_polygons",
]

# --------------------------------------------------------------------------------------------------
# Appearance


def _bgr(value: Sequence[float]) -> tuple[float, float, float]:
    v = tuple(float(c) for c in value)
    if len(v) != 3 or not all(0.0 <= c <= 255.0 for c in v):
        raise ValueError(f"colours are three BGR values in 0..255, got {value!r}")
    return v  # type: ignore[return-value]


@dataclass(frozen=True)
class Look:
    """Colours (BGR, 0–255) and clothing of a rendered person.

    ``sleeves`` is "short" or "long" (shirt to the wrist); ``legwear`` is "shorts" or "long"
    (trousers to the ankle); ``build`` scales every limb and torso width (1 = a muscular football
    player, 0.85 an average build).
    """

    skin_bgr: tuple[float, float, float] = (95.0, 130.0, 180.0)
    shirt_bgr: tuple[float, float, float] = (40.0, 40.0, 175.0)
    shorts_bgr: tuple[float, float, float] = (35.0, 30.0, 30.0)
    shoe_bgr: tuple[float, float, float] = (30.0, 30.0, 35.0)
    sole_bgr: tuple[float, float, float] = (225.0, 228.0, 230.0)
    sock_bgr: tuple[float, float, float] = (232.0, 235.0, 236.0)
    hair_bgr: tuple[float, float, float] = (25.0, 28.0, 32.0)
    sleeves: str = "short"
    legwear: str = "shorts"
    build: float = 1.0

    def __post_init__(self) -> None:
        for name in ("skin", "shirt", "shorts", "shoe", "sole", "sock", "hair"):
            object.__setattr__(self, f"{name}_bgr", _bgr(getattr(self, f"{name}_bgr")))
        if self.sleeves not in ("short", "long") or self.legwear not in ("shorts", "long"):
            raise ValueError("sleeves must be 'short' or 'long', legwear 'shorts' or 'long'")
        if not 0.6 <= self.build <= 1.5:
            raise ValueError(f"build must be 0.6–1.5, got {self.build}")

    @classmethod
    def preset(cls, name: str) -> Look:
        """A named outfit.

        "dark" (black long sleeves and tights, dark shoes and skin) and "light" (white shirt,
        shorts and shoes) are the extremes for a detector on grass; "white_shoes" (the default
        kit with white shoes and soles: hard to see on a white line) and "black_shoes" (black
        shoes, soles and socks: hard to see on dark turf or in a shadow) test the feet alone.
        """
        if name == "white_shoes":
            return cls(shoe_bgr=(238, 238, 238), sole_bgr=(245, 245, 245))
        if name == "black_shoes":
            return cls(shoe_bgr=(18, 18, 20), sole_bgr=(30, 30, 32), sock_bgr=(28, 28, 30))
        if name == "dark":
            return cls(
                skin_bgr=(55, 80, 120),
                shirt_bgr=(30, 30, 32),
                shorts_bgr=(25, 25, 28),
                shoe_bgr=(20, 20, 22),
                sock_bgr=(40, 40, 40),
                sleeves="long",
                legwear="long",
            )
        if name == "light":
            return cls(
                shirt_bgr=(235, 235, 235), shorts_bgr=(220, 220, 220), shoe_bgr=(230, 230, 230)
            )
        raise ValueError(
            f"unknown look {name!r}: choose 'dark', 'light', 'white_shoes' or 'black_shoes'"
        )

    @classmethod
    def athlete(cls, seed: int) -> Look:
        """A seeded training outfit: shirt, shorts, white socks, dark or white shoes."""
        rng = np.random.default_rng([seed, 3])
        skins = ((150, 178, 222), (112, 150, 200), (80, 115, 165), (55, 80, 120))
        shirts = ((40, 40, 175), (110, 50, 20), (60, 60, 60), (235, 235, 235), (30, 120, 220))
        shorts = ((35, 30, 30), (90, 40, 15), (120, 120, 120), (30, 30, 30))
        shoes = ((30, 30, 35), (230, 230, 230), (40, 40, 150))
        pick = lambda options: options[int(rng.integers(len(options)))]  # noqa: E731
        return cls(
            skin_bgr=pick(skins),
            shirt_bgr=pick(shirts),
            shorts_bgr=pick(shorts),
            shoe_bgr=pick(shoes),
        )


# Widths as fractions of stature: (position along the segment, radius) profiles, for a muscular
# 95 kg football player (bulkier than the average adult, which also helps the detector: thin
# figures score lower).
THIGH_PROFILE = ((0.0, 0.061), (0.25, 0.059), (0.65, 0.048), (1.0, 0.036))
SHANK_PROFILE = ((0.0, 0.036), (0.22, 0.041), (0.45, 0.036), (0.8, 0.024), (1.0, 0.022))
UPPER_ARM_PROFILE = ((0.0, 0.035), (0.45, 0.032), (1.0, 0.025))
FOREARM_PROFILE = ((0.0, 0.024), (0.3, 0.025), (1.0, 0.018))
HAND_PROFILE = ((0.0, 0.017), (0.55, 0.022), (1.0, 0.017))
# Torso cross-sections: (fraction of hip→shoulder, half-width, half-depth, forward offset).
TORSO_SECTIONS = (
    (-0.12, 0.104, 0.069, -0.012),  # buttocks
    (0.10, 0.101, 0.067, -0.004),  # waistband
    (0.45, 0.095, 0.066, 0.004),  # waist
    (0.78, 0.113, 0.076, 0.012),  # chest
    (1.00, 0.129, 0.058, 0.000),  # shoulders
)
HEAD_AXES = (0.072, 0.059, 0.046)  # half-sizes up, forward, lateral
NECK_R = 0.034
SHORTS_END, SLEEVE_END, SOCK_START = 0.52, 0.45, 0.74
FAR_SHADE = 0.68  # brightness of the far-side limbs (in the body's own shadow)
# Shading tones: (radius scale, shift towards the light in radii, brightness).
TONES = ((1.0, 0.0, 0.60), (0.80, 0.18, 0.80), (0.55, 0.34, 0.97), (0.28, 0.5, 1.10))
LIGHT_DIR_PX = np.array([-0.45, -0.89])  # towards the sun in the image (up and to the left)
_SHIFT = 4  # cv2 fixed-point bits: coordinates in 1/16 px
_ONE = 1 << _SHIFT


def _fill(img: np.ndarray, pts: np.ndarray, colour: Sequence[float]) -> None:
    cv2.fillPoly(img, [np.round(pts * _ONE).astype(np.int32)], tuple(colour), cv2.LINE_AA, _SHIFT)


def _disc(img: np.ndarray, c: np.ndarray, r: float, colour: Sequence[float]) -> None:
    if r * _ONE < 1:
        return
    centre = (round(float(c[0]) * _ONE), round(float(c[1]) * _ONE))
    cv2.circle(img, centre, round(r * _ONE), tuple(colour), -1, cv2.LINE_AA, _SHIFT)


def _tone(colour: Sequence[float], k: float) -> tuple[float, float, float]:
    return tuple(min(255.0, c * k) for c in colour)  # type: ignore[return-value]


def _unit(v: np.ndarray) -> np.ndarray:
    n = float(np.linalg.norm(v))
    return v / n if n > 1e-12 else v


@dataclass
class _Painter:
    """Draws projected body parts into ``img`` (whose top-left pixel is image pixel ``origin``)."""

    img: np.ndarray
    camera: PinholeCamera
    origin: np.ndarray

    def px(self, pts_m: np.ndarray) -> np.ndarray:
        return self.camera.project(pts_m) - self.origin

    def r_px(self, pts_m: np.ndarray, r_m: np.ndarray) -> np.ndarray:
        return self.camera.focal_px * np.asarray(r_m) / self.camera.depth_m(pts_m)

    def limb(
        self,
        a: np.ndarray,
        b: np.ndarray,
        profile: Sequence[tuple[float, float]],
        colour: Sequence[float],
        h_m: float,
        *,
        grow: float = 0.0,
        span: tuple[float, float] = (0.0, 1.0),
        caps: tuple[bool, bool] = (True, True),
    ) -> None:
        """A tapered limb from 3D ``a`` to ``b`` with radius ``profile`` (fractions of ``h_m``),
        drawn between the fractions ``span`` of its length, shaded in tones."""
        s_knots, r_knots = np.array(profile).T
        s = np.unique(np.clip(np.concatenate([s_knots, span]), *span))
        r_m = (np.interp(s, s_knots, r_knots) + grow) * h_m
        pts3 = a[None, :] + s[:, None] * (b - a)[None, :]
        p = self.px(pts3)
        r = self.r_px(pts3, r_m)
        if not np.all(np.isfinite(p)):
            return
        d = p[-1] - p[0]
        length = float(np.hypot(*d))
        n = np.array([-d[1], d[0]]) / length if length > 1e-6 else np.zeros(2)
        lean = float(n @ LIGHT_DIR_PX)
        for scale, shift, k in TONES:
            c = p + n[None, :] * (lean * shift * r)[:, None]
            rr = r * scale
            col = _tone(colour, k)
            if length > 1e-6:
                _fill(
                    self.img,
                    np.concatenate([c + n * rr[:, None], (c - n * rr[:, None])[::-1]]),
                    col,
                )
            if caps[0] or length <= 1e-6:
                _disc(self.img, c[0], rr[0], col)
            if caps[1]:
                _disc(self.img, c[-1], rr[-1], col)

    def blob(self, pts3: np.ndarray, colour: Sequence[float], tones=TONES) -> None:
        """Fill the convex hull of the projected points, shaded by shrinking towards the light."""
        p = self.px(pts3)
        if not np.all(np.isfinite(p)):
            return
        p = cv2.convexHull(p.astype(np.float32)).reshape(-1, 2).astype(float)
        centre = p.mean(axis=0)
        extent = float(max(np.ptp(p[:, 0]), np.ptp(p[:, 1])))
        for scale, shift, k in tones:
            q = centre + scale * (p - centre) + LIGHT_DIR_PX * shift * 0.25 * extent
            _fill(self.img, q, _tone(colour, k))

    def pieces(self, parts: list[np.ndarray], colour: Sequence[float], tones=TONES) -> None:
        """Several convex pieces shaded as one shape (one similarity per tone for all)."""
        hulls = []
        for pts3 in parts:
            p = self.px(pts3)
            if not np.all(np.isfinite(p)):
                return
            hulls.append(cv2.convexHull(p.astype(np.float32)).reshape(-1, 2).astype(float))
        allp = np.concatenate(hulls)
        centre = allp.mean(axis=0)
        extent = float(min(np.ptp(allp[:, 0]), np.ptp(allp[:, 1])))
        for scale, shift, k in tones:
            for hp in hulls:
                q = centre + scale * (hp - centre) + LIGHT_DIR_PX * shift * 0.5 * extent
                _fill(self.img, q, _tone(colour, k))


def _ring(centre: np.ndarray, e1: np.ndarray, e2: np.ndarray, a: float, b: float, n: int = 20):
    t = np.linspace(0.0, 2.0 * np.pi, n, endpoint=False)
    return centre + np.cos(t)[:, None] * a * e1 + np.sin(t)[:, None] * b * e2


def _ellipsoid(centre, e_up, e_fwd, e_lat, axes) -> tuple[np.ndarray, np.ndarray]:
    """Surface points of an ellipsoid and their unit-sphere coordinates (up, fwd, lat)."""
    th, ph = np.meshgrid(np.linspace(0, np.pi, 9), np.linspace(0, 2 * np.pi, 16, endpoint=False))
    unit = np.stack(
        [np.cos(th).ravel(), (np.sin(th) * np.cos(ph)).ravel(), (np.sin(th) * np.sin(ph)).ravel()],
        axis=-1,
    )
    pts = (
        centre
        + (unit[:, 0] * axes[0])[:, None] * e_up
        + (unit[:, 1] * axes[1])[:, None] * e_fwd
        + (unit[:, 2] * axes[2])[:, None] * e_lat
    )
    return pts, unit


def _body_frame(j: dict[str, np.ndarray]) -> tuple[np.ndarray, ...]:
    hip = 0.5 * (j["left_hip"] + j["right_hip"])
    sho = 0.5 * (j["left_shoulder"] + j["right_shoulder"])
    up = _unit(sho - hip)
    lat = _unit(j["right_shoulder"] - j["left_shoulder"] + j["right_hip"] - j["left_hip"])
    fwd = _unit(np.cross(up, lat))
    lat = np.cross(fwd, up)
    return hip, sho, up, fwd, lat


def _shoe_points(j: dict[str, np.ndarray], side: str, h: float, lat: np.ndarray):
    heel, toe, ankle = j[f"{side}_heel"], j[f"{side}_toe"], j[f"{side}_ankle"]
    s = _unit(toe - heel)
    rel = ankle - heel
    n = _unit(rel - (rel @ s) * s)
    w = _unit(lat - (lat @ s) * s - (lat @ n) * n) * 0.026 * h
    length = float(np.linalg.norm(toe - heel)) / h
    a_s, a_n = float(rel @ s) / h, float(rel @ n) / h
    upper = [
        (-0.006, -0.002),
        (-0.011, 0.035),
        (a_s - 0.018, a_n + 0.013),
        (a_s + 0.022, a_n + 0.008),
        (0.75 * length, 0.030),
        (length + 0.024, 0.018),
        (length + 0.040, 0.006),
        (length + 0.036, -0.002),
        (0.6 * length, -0.003),
    ]
    sole = [(-0.008, -0.006), (-0.009, 0.004), (length + 0.04, 0.004), (length + 0.038, -0.006)]

    def solid(profile):
        pts = np.array([heel + h * (ps * s + pn * n) for ps, pn in profile])
        return np.concatenate([pts + w, pts - w])

    return solid(upper), solid(sole)


def draw_person(
    img: np.ndarray,
    joints: dict[str, np.ndarray],
    camera: PinholeCamera,
    look: Look,
    stature_m: float,
    origin_px: tuple[float, float] = (0.0, 0.0),
) -> None:
    """Draw one person (joint name → world point (3,), the names of ``joints_at``) into ``img``.

    The far-side limbs are drawn first and darker, then the torso, neck and head, then the near
    leg and the near arm. ``img`` is BGR uint8 whose top-left pixel is image pixel ``origin_px``.
    Nothing is drawn if any joint is behind the camera.
    """
    pts = np.array(list(joints.values()))
    if not np.all(np.isfinite(pts)) or np.any(camera.depth_m(pts) <= 0.05):
        return
    paint = _Painter(img, camera, np.asarray(origin_px, dtype=float))
    h = float(stature_m)
    bw = look.build
    hip, sho, up, fwd, lat = _body_frame(joints)
    depth = {s: float(camera.depth_m(joints[f"{s}_hip"])) for s in SIDES}
    near = min(SIDES, key=lambda s: depth[s])
    far = other_side(near)
    # Far limbs are in the body's shadow in proportion to how far behind they are.
    gap = (depth[far] - depth[near]) / max(
        np.linalg.norm(joints["left_hip"] - joints["right_hip"]), 1e-6
    )
    shade = {near: 1.0, far: 1.0 - (1.0 - FAR_SHADE) * float(np.clip(gap, 0.0, 1.0))}

    def scaled(profile):
        return tuple((s, r * bw) for s, r in profile)

    def leg(side: str) -> None:
        k = shade[side]
        skin = _tone(look.skin_bgr, k)
        hp, kn, an = joints[f"{side}_hip"], joints[f"{side}_knee"], joints[f"{side}_ankle"]
        long_pants = look.legwear == "long"
        lower = _tone(look.shorts_bgr, k) if long_pants else skin
        paint.limb(hp, kn, scaled(THIGH_PROFILE), lower, h)
        paint.limb(kn, an, scaled(SHANK_PROFILE), lower, h, grow=0.004 if long_pants else 0.0)
        if not long_pants:
            paint.limb(
                hp,
                kn,
                scaled(THIGH_PROFILE),
                _tone(look.shorts_bgr, k),
                h,
                grow=0.006,
                span=(0.0, SHORTS_END),
                caps=(True, False),
            )
            paint.limb(
                kn,
                an,
                scaled(SHANK_PROFILE),
                _tone(look.sock_bgr, k),
                h,
                grow=0.002,
                span=(SOCK_START, 1.0),
                caps=(False, True),
            )
        upper, sole = _shoe_points(joints, side, h, lat)
        paint.blob(upper, _tone(look.shoe_bgr, k), TONES[:3])
        paint.blob(sole, _tone(look.sole_bgr, k), TONES[:1])

    def arm(side: str) -> None:
        k = shade[side]
        skin = _tone(look.skin_bgr, k)
        sh, el, wr = joints[f"{side}_shoulder"], joints[f"{side}_elbow"], joints[f"{side}_wrist"]
        hand_tip = wr + 1.35 * (joints[f"{side}_hand"] - wr)
        long_sleeve = look.sleeves == "long"
        sleeve = _tone(look.shirt_bgr, k)
        paint.limb(sh, el, scaled(UPPER_ARM_PROFILE), sleeve if long_sleeve else skin, h)
        paint.limb(
            el,
            wr,
            scaled(FOREARM_PROFILE),
            sleeve if long_sleeve else skin,
            h,
            grow=0.004 if long_sleeve else 0.0,
        )
        paint.limb(wr, hand_tip, HAND_PROFILE, skin, h)
        if not long_sleeve:
            paint.limb(
                sh,
                el,
                scaled(UPPER_ARM_PROFILE),
                sleeve,
                h,
                grow=0.005,
                span=(0.0, SLEEVE_END),
                caps=(True, False),
            )

    def torso() -> None:
        trunk = float(np.linalg.norm(sho - hip))
        rings = [
            _ring(hip + t * trunk * up + off * h * fwd, lat, fwd, a * h * bw, b * h * bw)
            for t, a, b, off in TORSO_SECTIONS
        ]
        paint.pieces([np.concatenate(rings[0:2])], look.shorts_bgr)
        paint.pieces(
            [np.concatenate(rings[i : i + 2]) for i in range(1, len(rings) - 1)], look.shirt_bgr
        )

    def head() -> None:
        ears = 0.5 * (joints["left_ear"] + joints["right_ear"])
        eyes = 0.5 * (joints["left_eye"] + joints["right_eye"])
        e_f = _unit((joints["nose"] - ears) + (eyes - ears))
        e_l = _unit(joints["right_ear"] - joints["left_ear"])
        e_u = _unit(np.cross(e_l, e_f))
        e_l = np.cross(e_f, e_u)
        centre = ears + 0.01 * h * e_f + 0.004 * h * e_u
        base = centre - 0.045 * h * e_u - 0.012 * h * e_f
        neck_root = sho + 0.01 * h * fwd
        paint.limb(neck_root, base, ((0.0, NECK_R * bw), (1.0, NECK_R * 0.9)), look.skin_bgr, h)
        axes = tuple(a * h for a in HEAD_AXES)
        pts, unit = _ellipsoid(centre, e_u, e_f, e_l, axes)
        paint.blob(pts, look.skin_bgr)
        _disc(
            paint.img,
            paint.px(joints["nose"] - 0.004 * h * e_f),
            float(paint.r_px(joints["nose"], 0.011 * h)),
            _tone(look.skin_bgr, 0.9),
        )
        cap = (unit[:, 0] * 0.75 - unit[:, 1] * 0.66) > 0.05
        hair_pts, _ = _ellipsoid(
            centre + 0.004 * h * e_u, e_u, e_f, e_l, tuple(a * 1.04 for a in axes)
        )
        paint.blob(hair_pts[cap], look.hair_bgr, TONES[:2])
        ear = joints[f"{near}_ear"]
        ear = ear + 0.5 * (ear - (centre + (ear - centre) @ e_u * e_u + (ear - centre) @ e_f * e_f))
        r_ear = float(paint.r_px(ear, 0.013 * h))
        _disc(paint.img, paint.px(ear), r_ear * 1.25, _tone(look.skin_bgr, 0.72))
        _disc(
            paint.img,
            paint.px(ear) + 0.2 * r_ear * LIGHT_DIR_PX,
            r_ear * 0.8,
            _tone(look.skin_bgr, 0.95),
        )
        eye = joints[f"{near}_eye"]
        _disc(paint.img, paint.px(eye), max(0.6, float(paint.r_px(eye, 0.005 * h))), (30, 30, 30))

    arm(far)
    leg(far)
    torso()
    head()
    leg(near)
    arm(near)


def draw_shadow(
    img: np.ndarray,
    joints: dict[str, np.ndarray],
    camera: PinholeCamera,
    stature_m: float,
    origin_px: tuple[float, float] = (0.0, 0.0),
    strength: float = 0.35,
) -> None:
    """Darken the ground under a person: a soft ellipse spanning the feet and the hips."""
    feet = np.array([joints[f"{s}_{p}"] for s in SIDES for p in ("heel", "toe")])
    hip = 0.5 * (joints["left_hip"] + joints["right_hip"])
    xs = np.concatenate([feet[:, 0], [hip[0]]])
    zs = np.concatenate([feet[:, 2], [hip[2]]])
    cx, cz = 0.5 * (xs.min() + xs.max()), float(np.mean(zs))
    ax = 0.5 * (xs.max() - xs.min()) + 0.12 * stature_m
    az = 0.5 * (zs.max() - zs.min()) + 0.12 * stature_m
    ring = _ring(np.array([cx, 0.0, cz]), np.array([1.0, 0, 0]), np.array([0, 0, 1.0]), ax, az, 32)
    p = camera.project(ring)
    if not np.all(np.isfinite(p)):
        return
    p = p - np.asarray(origin_px)
    blur = max(1.0, 0.25 * float(np.ptp(p[:, 1])))
    pad = int(3 * blur) + 2
    x0, y0 = np.floor(p.min(axis=0)).astype(int) - pad
    x1, y1 = np.ceil(p.max(axis=0)).astype(int) + pad
    hh, ww = img.shape[:2]
    if x1 <= 0 or y1 <= 0 or x0 >= ww or y0 >= hh:
        return
    mask = np.zeros((y1 - y0, x1 - x0), np.float32)
    _fill(mask, p - [x0, y0], (1.0,))
    mask = cv2.GaussianBlur(mask, (0, 0), blur)
    xa, ya, xb, yb = max(x0, 0), max(y0, 0), min(x1, ww), min(y1, hh)
    m = mask[ya - y0 : yb - y0, xa - x0 : xb - x0, None]
    roi = img[ya:yb, xa:xb].astype(np.float32)
    img[ya:yb, xa:xb] = np.clip(roi * (1.0 - strength * m) + 0.5, 0, 255).astype(np.uint8)


def _ground_shadow(points_m: np.ndarray, sun: np.ndarray) -> np.ndarray:
    """Points (..., 3) moved along the sun's rays onto the ground (y = 0)."""
    pts = np.asarray(points_m, dtype=float)
    return pts - (pts[..., 1:2] / sun[1]) * sun


# Capsules of the cast shadow: (from, to, radius at from, radius at to), radii as fractions of
# stature (the widest parts of the drawn limbs' profiles).
_SHADOW_CAPSULES = (
    ("hip", "knee", 0.060, 0.040),
    ("knee", "ankle", 0.040, 0.024),
    ("ankle", "heel", 0.026, 0.022),
    ("heel", "toe_tip", 0.024, 0.016),
    ("shoulder", "elbow", 0.035, 0.028),
    ("elbow", "wrist", 0.025, 0.018),
    ("wrist", "hand_tip", 0.018, 0.018),
)


def shadow_polygons(
    joints: dict[str, np.ndarray], look: Look, stature_m: float, sun: np.ndarray
) -> list[np.ndarray]:
    """The ground polygons (each (n, 3), y = 0) of a person's shadow under the sun ``sun`` (a
    unit world vector towards the sun): one convex polygon per limb, the torso's pieces and the
    head. A sphere of radius ``r`` casts an ellipse with semi-axes ``r`` across the light and
    ``r / sin(elevation)`` along it; a limb (a tapered capsule) casts the hull of its ends'."""
    h, bw = float(stature_m), look.build
    along = np.array([sun[0], 0.0, sun[2]])
    along = along / max(float(np.linalg.norm(along)), 1e-9)
    across = np.array([-along[2], 0.0, along[0]])
    stretch = 1.0 / float(sun[1])  # 1 / sin(elevation)
    ang = np.linspace(0.0, 2.0 * np.pi, 16, endpoint=False)
    ellipse = np.cos(ang)[:, None] * across + (stretch * np.sin(ang))[:, None] * along

    def hull(ground_pts: np.ndarray) -> np.ndarray:
        xz = ground_pts[:, [0, 2]].astype(np.float32)
        idx = cv2.convexHull(xz, returnPoints=False).ravel()
        return ground_pts[idx]

    polys: list[np.ndarray] = []
    for side in SIDES:
        j = {k.removeprefix(f"{side}_"): v for k, v in joints.items() if k.startswith(side)}
        foot = _unit(j["toe"] - j["heel"])
        j["toe_tip"] = j["toe"] + 0.03 * h * foot
        j["hand_tip"] = j["wrist"] + 1.35 * (j["hand"] - j["wrist"])
        for a, b, ra, rb in _SHADOW_CAPSULES:
            ends = _ground_shadow(np.stack([j[a], j[b]]), sun)
            k = bw if a not in ("ankle", "heel", "wrist") else 1.0
            pts = np.concatenate([ends[0] + ra * k * h * ellipse, ends[1] + rb * k * h * ellipse])
            polys.append(hull(pts))
    hip, sho, up, fwd, lat = _body_frame(joints)
    trunk = float(np.linalg.norm(sho - hip))
    rings = [
        _ring(hip + t * trunk * up + off * h * fwd, lat, fwd, a * h * bw, b * h * bw)
        for t, a, b, off in TORSO_SECTIONS
    ]
    for r0, r1 in itertools.pairwise(rings):
        polys.append(hull(_ground_shadow(np.concatenate([r0, r1]), sun)))
    ears = 0.5 * (joints["left_ear"] + joints["right_ear"])
    neck = _ground_shadow(np.stack([sho, ears]), sun)
    polys.append(hull(np.concatenate([e + NECK_R * h * ellipse for e in neck])))
    head = neck[1] + HEAD_AXES[0] * h * ellipse
    polys.append(hull(head))
    return polys


def draw_cast_shadow(
    img: np.ndarray,
    joints: dict[str, np.ndarray],
    camera: PinholeCamera,
    look: Look,
    stature_m: float,
    realism: Realism,
    origin_px: tuple[float, float] = (0.0, 0.0),
) -> None:
    """Darken the ground where the person's body blocks a low sun (see :class:`Realism`).

    Every limb, the torso and the head are projected onto the ground along the sun's rays
    (:func:`shadow_polygons`), filled, blurred by ``realism.penumbra_m`` (converted to pixels at
    the shadow's distance) and the ground under them is dimmed by ``realism.shadow_strength``.
    ``img`` is BGR uint8 whose top-left pixel is image pixel ``origin_px``.
    """
    sun = sun_direction(realism)
    polys = shadow_polygons(joints, look, stature_m, sun)
    projected = [camera.project(poly) - np.asarray(origin_px) for poly in polys]
    if not all(np.all(np.isfinite(p)) for p in projected):
        return
    centre = np.mean(np.concatenate(polys), axis=0)
    blur = max(0.6, float(camera.focal_px * realism.penumbra_m / camera.depth_m(centre)))
    pad = int(3 * blur) + 2
    allp = np.concatenate(projected)
    hh, ww = img.shape[:2]
    x0 = max(int(np.floor(allp[:, 0].min())) - pad, -pad)
    y0 = max(int(np.floor(allp[:, 1].min())) - pad, -pad)
    x1 = min(int(np.ceil(allp[:, 0].max())) + pad, ww + pad)
    y1 = min(int(np.ceil(allp[:, 1].max())) + pad, hh + pad)
    if x1 <= max(x0, 0) or y1 <= max(y0, 0) or x0 >= ww or y0 >= hh:
        return
    mask = np.zeros((y1 - y0, x1 - x0), np.float32)
    for p in projected:
        _fill(mask, p - [x0, y0], (1.0,))
    mask = cv2.GaussianBlur(mask, (0, 0), blur)
    xa, ya, xb, yb = max(x0, 0), max(y0, 0), min(x1, ww), min(y1, hh)
    m = mask[ya - y0 : yb - y0, xa - x0 : xb - x0, None]
    roi = img[ya:yb, xa:xb].astype(np.float32)
    k = realism.shadow_strength
    img[ya:yb, xa:xb] = np.clip(roi * (1.0 - k * m) + 0.5, 0, 255).astype(np.uint8)


# --------------------------------------------------------------------------------------------------
# Decoy people


DECOY_KINDS = ("coach", "walker", "jogger", "runner")


@dataclass(frozen=True)
class Decoy:
    """A second person in the scene: a simple periodic 3D gait, drawn like the athlete.

    Parameters
    ----------
    kind : {"coach", "walker", "jogger", "runner"}
        "coach" stands (swaying a little); the others move at ``speed_mps``.
    x_m, z_m : float
        World position (x along the lane, z lateral) at ``start_s``.
    heading_deg : float
        Direction the person faces and moves, from +x towards +z (0 = running direction,
        180 = towards the start line, 90 = towards +z).
    speed_mps : float
        Speed along the heading (0 for the coach).
    start_s : float
        Sprint-clock time when the person starts moving (stands still before).
    stature_m : float
    look : Look
    """

    kind: str
    x_m: float
    z_m: float
    heading_deg: float = 0.0
    speed_mps: float = 0.0
    start_s: float = 0.0
    stature_m: float = 1.78
    look: Look = field(default_factory=Look)

    def __post_init__(self) -> None:
        if self.kind not in DECOY_KINDS:
            raise ValueError(f"kind must be one of {DECOY_KINDS}, got {self.kind!r}")
        if not 0.0 <= self.speed_mps <= 10.0:
            raise ValueError(f"speed_mps must be 0–10 m/s, got {self.speed_mps}")
        if not 1.3 <= self.stature_m <= 2.2:
            raise ValueError(f"stature_m must be 1.3–2.2 m, got {self.stature_m}")

    @classmethod
    def preset(cls, name: str, camera_side: int = 1) -> Decoy:
        """A named decoy placed relative to the camera (``camera_side`` = sign of its z).

        "coach": standing 3 m beyond the lane near the start, facing the camera; "walker":
        walks towards the start line 4 m beyond the lane; "jogger": jogs in the running
        direction 5 m beyond; "runner": runs at 6.5 m/s in the next lane (2.2 m beyond) from
        6 m behind the start line.
        """
        far = -float(camera_side)
        if name == "coach":
            look = Look(
                skin_bgr=(120, 160, 210),
                shirt_bgr=(70, 60, 40),
                shorts_bgr=(60, 50, 45),
                shoe_bgr=(200, 200, 200),
                sleeves="long",
                legwear="long",
                build=0.9,
            )
            return cls("coach", -2.0, 3.0 * far, 90.0 * -far, 0.0, 0.0, 1.80, look)
        if name == "walker":
            look = Look(
                skin_bgr=(90, 125, 175),
                shirt_bgr=(160, 130, 60),
                shorts_bgr=(140, 100, 60),
                sleeves="short",
                legwear="long",
                build=0.85,
            )
            return cls("walker", 20.0, 4.0 * far, 180.0, 1.4, 0.0, 1.72, look)
        if name == "jogger":
            look = Look(
                skin_bgr=(140, 170, 215),
                shirt_bgr=(60, 170, 230),
                shorts_bgr=(40, 40, 40),
                build=0.85,
            )
            return cls("jogger", -6.0, 5.0 * far, 0.0, 3.2, 0.0, 1.70, look)
        if name == "runner":
            look = Look(
                skin_bgr=(60, 90, 135),
                shirt_bgr=(200, 200, 200),
                shorts_bgr=(120, 60, 20),
                build=0.95,
            )
            return cls("runner", -6.0, 2.2 * far, 0.0, 6.5, 0.0, 1.82, look)
        raise ValueError(f"unknown decoy {name!r}: use one of {DECOY_KINDS}")


def decoy_joints(decoy: Decoy, t_s: np.ndarray) -> dict[str, np.ndarray]:
    """World joints (T, 3) of a decoy at sprint-clock times ``t_s``, same names as
    :func:`sprintlab.synth.joints_at` (17 COCO points plus heels, toes and hands).

    The gait is a sinusoidal sagittal model (thigh, knee, arm angles at a speed-dependent
    cadence), dropped onto the ground so that the lowest foot point touches it.
    """
    t = np.atleast_1d(np.asarray(t_s, dtype=float))
    h = decoy.stature_m
    tau = np.maximum(t - decoy.start_s, 0.0)
    v = decoy.speed_mps
    run = decoy.kind in ("jogger", "runner")
    moving = decoy.kind != "coach" and v > 0
    step_hz = (2.6 + 0.1 * v if run else 1.6 + 0.2 * v) if moving else 0.0
    phase = np.pi * step_hz * tau  # one stride per 2π
    amp_q = np.radians(38.0 if run else 22.0) if moving else 0.0
    amp_k = np.radians(95.0 if run else 40.0) if moving else 0.0
    lean = np.radians(8.0 if run else 3.0) if moving else 0.0
    thigh, shank, upper, fore, hand = 0.245 * h, 0.246 * h, 0.186 * h, 0.146 * h, 0.054 * h
    fwd_flat, ankle_up, heel_back = 0.55 * 0.152 * h, 0.039 * h, 0.19 * 0.152 * h
    sway = 0.01 * h * np.sin(2 * np.pi * 0.25 * t) if not moving else 0.0
    local: dict[str, np.ndarray] = {}  # name -> (T, 3) as (forward, up, right)

    def pt(a, y, b):
        return np.stack(np.broadcast_arrays(a, y, b), axis=-1).astype(float)

    hip_a = v * tau
    for side, sgn, off in (("left", -1.0, 0.0), ("right", 1.0, np.pi)):
        q = amp_q * np.sin(2 * phase + off)
        flex = amp_k * np.clip(np.sin(2 * phase + off - 1.2), 0, None) + np.radians(4.0)
        knee_a = hip_a + thigh * np.sin(q)
        knee_y = -thigh * np.cos(q)
        ank_a = knee_a + shank * np.sin(q - flex)
        ank_y = knee_y - shank * np.cos(q - flex)
        rho = 0.45 * (flex - np.radians(4.0))  # toes point down in the swing
        cr, sr = np.cos(rho), np.sin(rho)
        toe = (ank_a + fwd_flat * cr - ankle_up * sr, ank_y - fwd_flat * sr - ankle_up * cr)
        heel = (ank_a - heel_back * cr - ankle_up * sr, ank_y + heel_back * sr - ankle_up * cr)
        z_leg = sgn * 0.054 * h
        local[f"{side}_hip"] = pt(hip_a, 0.0, sgn * 0.055 * h + sway)
        local[f"{side}_knee"] = pt(knee_a, knee_y, sgn * 0.055 * h + sway)
        local[f"{side}_ankle"] = pt(ank_a, ank_y, z_leg + sway)
        local[f"{side}_toe"] = pt(toe[0], toe[1], z_leg + sway)
        local[f"{side}_heel"] = pt(heel[0], heel[1], z_leg + sway)
        local[f"_{side}_q"] = q
    trunk = 0.288 * h
    sho_a, sho_y = hip_a + trunk * np.sin(lean), trunk * np.cos(lean)
    for side, sgn in (("left", -1.0), ("right", 1.0)):
        q_same = local.pop(f"_{side}_q")
        gamma = -0.8 * q_same + (np.radians(4.0) if not moving else 0.0)
        bend = np.radians(85.0 if run else 18.0) if moving else np.radians(12.0)
        el = (sho_a + upper * np.sin(gamma), sho_y - upper * np.cos(gamma))
        wr = (el[0] + fore * np.sin(gamma + bend), el[1] - fore * np.cos(gamma + bend))
        hd = (wr[0] + hand * np.sin(gamma + bend), wr[1] - hand * np.cos(gamma + bend))
        zs = sgn * 0.1295 * h + sway
        local[f"{side}_shoulder"] = pt(sho_a, sho_y, zs)
        local[f"{side}_elbow"] = pt(el[0], el[1], zs + sgn * 0.01 * h)
        local[f"{side}_wrist"] = pt(wr[0], wr[1], zs + sgn * 0.005 * h)
        local[f"{side}_hand"] = pt(hd[0], hd[1], zs)
    # Head as in the sprinter model: centre above the shoulders, face forward.
    e_t = np.array([np.sin(lean), np.cos(lean)])
    e_h = np.array([0.0, 1.0])
    e_f = np.array([1.0, 0.0])
    c_a = sho_a + 0.06 * h * (e_t[0] + e_h[0])
    c_y = sho_y + 0.06 * h * (e_t[1] + e_h[1])
    sway_z = sway if isinstance(sway, np.ndarray) else 0.0
    local["nose"] = pt(c_a + 0.055 * h, c_y - 0.01 * h, sway_z)
    for side, sgn in (("left", -1.0), ("right", 1.0)):
        local[f"{side}_eye"] = pt(
            c_a + 0.045 * h * e_f[0], c_y + 0.01 * h, sgn * 0.017 * h + sway_z
        )
        local[f"{side}_ear"] = pt(c_a - 0.01 * h, c_y, sgn * 0.04 * h + sway_z)
    # Stand on the ground: the lowest heel/toe point at y = 0.
    lowest = np.min([local[f"{s}_{p}"][:, 1] for s in SIDES for p in ("toe", "heel")], axis=0)
    psi = np.radians(decoy.heading_deg)
    fwd = np.array([np.cos(psi), 0.0, np.sin(psi)])
    right = np.cross(fwd, [0.0, 1.0, 0.0])
    base = np.array([decoy.x_m, 0.0, decoy.z_m])
    out = {}
    for name in (*KEYPOINT_NAMES, *EXTRA_POINTS):
        a, y, b = local[name][:, 0], local[name][:, 1] - lowest, local[name][:, 2]
        out[name] = (
            base + a[:, None] * fwd + y[:, None] * np.array([0.0, 1.0, 0.0]) + b[:, None] * right
        )
    return out


# --------------------------------------------------------------------------------------------------
# Frames


@dataclass(frozen=True)
class _Person:
    joints: dict[str, np.ndarray]  # name -> (N, 3) at the N requested times
    look: Look
    stature_m: float


class ClipRenderer:
    """Renders frames of one synthetic sprint (plus decoys) seen by one camera.

    Parameters
    ----------
    params : SprintParams
    camera : PinholeCamera
        The camera (its yaw at every frame when ``pan_follow``, see :meth:`camera_at`).
    fps : float
        Capture rate; sets the exposure for motion blur (half the frame interval).
    seed : int
        Seeds textures, the athlete's look (unless ``look`` is given) and the sensor noise.
    decoys : sequence of Decoy or str
        Extra people (names as in :meth:`Decoy.preset`).
    look : Look, optional
    pan_follow : bool
        Pan (yaw) the camera at every frame so that its axis points at the athlete's hips.
    motion_blur : bool
        Average ``blur_samples`` renders spread over the exposure.
    noise_sigma : float
        Standard deviation of the Gaussian sensor noise in 8-bit levels (0 = none).
    realism : Realism, optional
        Phone-footage factors (low-sun shadow, turf, painted lines, banner, shake, flicker);
        default all off.
    """

    def __init__(
        self,
        params: SprintParams,
        camera: PinholeCamera,
        *,
        fps: float,
        seed: int = 0,
        decoys: Sequence[Decoy | str] = (),
        look: Look | None = None,
        pan_follow: bool = False,
        motion_blur: bool = False,
        blur_samples: int = 4,
        noise_sigma: float = 0.0,
        realism: Realism | None = None,
    ) -> None:
        if not (math.isfinite(fps) and fps > 0):
            raise ValueError(f"fps must be positive, got {fps!r}")
        if noise_sigma < 0 or not 2 <= blur_samples <= 16:
            raise ValueError("noise_sigma must be >= 0 and blur_samples 2–16")
        self.params = params
        self.camera = camera
        self.fps = float(fps)
        self.seed = int(seed)
        side = 1 if camera.position_m[2] >= 0 else -1
        self.decoys = tuple(d if isinstance(d, Decoy) else Decoy.preset(d, side) for d in decoys)
        self.look = look if look is not None else Look.athlete(seed)
        self.pan_follow = bool(pan_follow)
        self.motion_blur = bool(motion_blur)
        self.blur_samples = int(blur_samples)
        self.noise_sigma = float(noise_sigma)
        plan = plan_sprint(params)
        self.end_s = plan.end_s
        self.realism = realism if realism is not None else Realism()
        steps = {c.number: c.toe_x_m for c in plan.contacts if not c.is_stance}
        missing = [n for n in self.realism.paint_lines_at_steps if n not in steps]
        if missing:
            raise ValueError(
                f"paint_lines_at_steps {missing} are beyond the sprint's {len(steps)} steps"
            )
        self.paint_lines_x_m = self.realism.paint_lines_x_m + tuple(
            steps[n] for n in self.realism.paint_lines_at_steps
        )
        self._static: tuple[PinholeCamera, np.ndarray, np.ndarray, list[ConeSprite]] | None = None
        self._noise: np.ndarray | None = None

    # ---- geometry --------------------------------------------------------------------------

    def athlete_joints(self, t_s: np.ndarray) -> dict[str, np.ndarray]:
        """The athlete's world joints (T, 3) at sprint-clock times ``t_s``."""
        return joints_at(self.params, np.clip(np.asarray(t_s, dtype=float), 0.0, self.end_s))

    def camera_at(self, t_s: float) -> PinholeCamera:
        """The camera at time ``t_s`` (panned towards the hips when ``pan_follow``)."""
        if not self.pan_follow:
            return self.camera
        j = self.athlete_joints(np.array([t_s]))
        hip = 0.5 * (j["left_hip"][0] + j["right_hip"][0])
        return self.camera.with_yaw(self.camera.yaw_towards_deg(np.array([hip[0], 0.0, 0.0])))

    def keypoints_px(self, t_s: np.ndarray) -> np.ndarray:
        """True COCO-17 keypoints of the athlete in pixels, (T, 17, 2), at times ``t_s``."""
        t = np.atleast_1d(np.asarray(t_s, dtype=float))
        j = self.athlete_joints(t)
        world = np.stack([j[name] for name in KEYPOINT_NAMES], axis=1)  # (T, 17, 3)
        if not self.pan_follow:
            kp = self.camera.project(world)
        else:
            kp = np.stack([self.camera_at(ti).project(world[i]) for i, ti in enumerate(t)])
        if self.realism.shake_px > 0:  # where they are in the shaken picture
            kp = kp + self.shake_px(t)[:, None, :]
        return kp

    def shake_px(self, t_s: np.ndarray) -> np.ndarray:
        """Tripod shake (dx, dy) of the frames at times ``t_s``, pixels, shape (T, 2)."""
        return shake_offsets_px(self.realism, self.seed, t_s)

    def _people(self, times: np.ndarray) -> list[_Person]:
        people = [_Person(self.athlete_joints(times), self.look, self.params.stature_m)]
        people += [_Person(decoy_joints(d, times), d.look, d.stature_m) for d in self.decoys]
        return people

    def scene(self, camera: PinholeCamera) -> tuple[np.ndarray, np.ndarray, list[ConeSprite]]:
        """(background with cones, background without cones, cone sprites) for ``camera``; the
        images are shared: copy before drawing."""
        if self._static is not None and self._static[0] == camera:
            return self._static[1:]
        ss = 1 if self.pan_follow else 2
        rl = self.realism
        if rl.custom_ground or self.paint_lines_x_m:
            clean = render_background(
                camera,
                self.seed,
                ss=ss,
                turf=rl.turf,
                turf_texture=rl.turf_texture,
                lines_x_m=self.paint_lines_x_m,
                line_width_m=rl.paint_line_width_m,
                field_paint=rl.field_paint,
            )
        else:
            clean = render_background(camera, self.seed, ss=ss)
        sprites = cone_sprites(camera)
        full = clean.copy()
        for sp in sorted(sprites, key=lambda s: -s.depth_m):
            paste_sprite(full, sp)
        self._static = (camera, full, clean, sprites)
        return full, clean, sprites

    # ---- drawing ---------------------------------------------------------------------------

    def exposure_times(self, t_s: float) -> np.ndarray:
        """Instants averaged for the frame at ``t_s`` (the middle of the exposure)."""
        if not self.motion_blur:
            return np.array([float(t_s)])
        half = 0.25 / self.fps  # 180° shutter: exposure = half the frame interval
        return float(t_s) + np.linspace(-half, half, self.blur_samples)

    def render(self, t_s: float, frame_index: int = 0) -> np.ndarray:
        """The BGR uint8 frame showing the sprint at time ``t_s`` (sprint clock)."""
        camera = self.camera_at(t_s)
        full, clean, sprites = self.scene(camera)
        rl = self.realism
        if rl.banner:  # the banner moves: draw it on the clean ground, then the cones on top
            clean = clean.copy()
            draw_banner(clean, camera, t_s, self.seed)
            full = clean.copy()
            for sp in sorted(sprites, key=lambda s: -s.depth_m):
                paste_sprite(full, sp)
            frame = full
        else:
            frame = full.copy()
        times = self.exposure_times(t_s)
        people = self._people(times)
        roi = self._roi(camera, people)
        if roi is not None:
            x0, y0, x1, y1 = roi
            acc = np.zeros((y1 - y0, x1 - x0, 3), np.float32)
            for k in range(times.size):
                sub = clean[y0:y1, x0:x1].copy()  # never draw into the cached background
                at_k = [{n: p[k] for n, p in person.joints.items()} for person in people]
                for person, j in zip(people, at_k, strict=True):
                    if rl.blob_shadow:
                        draw_shadow(sub, j, camera, person.stature_m, (x0, y0))
                    if rl.has_sun:
                        draw_cast_shadow(
                            sub, j, camera, person.look, person.stature_m, rl, (x0, y0)
                        )
                # Painter's algorithm: cones and people from the farthest to the nearest.
                items: list[tuple[float, ConeSprite | tuple[_Person, dict[str, np.ndarray]]]]
                items = [(sp.depth_m, sp) for sp in sprites]
                for person, j in zip(people, at_k, strict=True):
                    hip = 0.5 * (j["left_hip"] + j["right_hip"])
                    items.append((float(camera.depth_m(hip)), (person, j)))
                for _, item in sorted(items, key=lambda it: -it[0]):
                    if isinstance(item, ConeSprite):
                        paste_sprite(sub, item, (x0, y0))
                    else:
                        person, j = item
                        draw_person(sub, j, camera, person.look, person.stature_m, (x0, y0))
                acc += sub
            frame[y0:y1, x0:x1] = np.clip(acc / times.size + 0.5, 0, 255).astype(np.uint8)
        # What the phone does to the picture: the tripod shakes, the lights flicker, the sensor
        # adds noise.
        if rl.shake_px > 0:
            frame = shift_image(frame, self.shake_px(np.array([t_s]))[0])
        if rl.flicker > 0:
            frame = apply_gain(frame, float(flicker_gain(rl, np.array([t_s]))[0]))
        if self.noise_sigma > 0:
            frame = self._add_noise(frame, frame_index)
        return frame

    def _roi(
        self, camera: PinholeCamera, people: list[_Person]
    ) -> tuple[int, int, int, int] | None:
        boxes = []
        sun = sun_direction(self.realism) if self.realism.has_sun else None
        for person in people:
            pts = np.concatenate(list(person.joints.values()))
            if sun is not None:  # the ground the long shadow falls on is redrawn too
                pts = np.concatenate([pts, _ground_shadow(pts, sun)])
            p = camera.project(pts)
            p = p[np.all(np.isfinite(p), axis=1)]
            if p.size == 0:
                continue
            d = float(np.median(camera.depth_m(pts)))
            pad = 0.35 * person.stature_m * camera.focal_px / max(d, 0.1)
            boxes.append(np.concatenate([p.min(axis=0) - pad, p.max(axis=0) + pad]))
        if not boxes:
            return None
        b = np.array(boxes)
        x0 = int(np.clip(np.floor(b[:, 0].min()), 0, camera.width_px))
        y0 = int(np.clip(np.floor(b[:, 1].min()), 0, camera.height_px))
        x1 = int(np.clip(np.ceil(b[:, 2].max()), 0, camera.width_px))
        y1 = int(np.clip(np.ceil(b[:, 3].max()), 0, camera.height_px))
        return (x0, y0, x1, y1) if x1 > x0 and y1 > y0 else None

    def _add_noise(self, frame: np.ndarray, frame_index: int) -> np.ndarray:
        pad = 37
        h, w = frame.shape[:2]
        if self._noise is None or self._noise.shape[:2] != (h + pad, w + pad):
            rng = np.random.default_rng([self.seed, 4])
            # One bank of noise, cut at a different offset each frame: fresh-looking grain at the
            # cost of one addition per frame.
            self._noise = np.round(rng.normal(0.0, self.noise_sigma, (h + pad, w + pad, 3))).astype(
                np.int16
            )
        rng = np.random.default_rng([self.seed, 5, frame_index])
        dy, dx = (int(v) for v in rng.integers(0, pad, 2))
        window = self._noise[dy : dy + h, dx : dx + w]
        return np.clip(frame.astype(np.int16) + window, 0, 255).astype(np.uint8)


# --------------------------------------------------------------------------------------------------
# Clips


@dataclass(frozen=True)
class RenderedClip:
    """What :func:`render_clip` wrote.

    Attributes
    ----------
    video_path, sidecar_path, truth_path : Path
    truth : SprintTruth
        Exact events, steps and splits (times on the sprint clock).
    camera : PinholeCamera
        The camera (at frame 0 when it pans).
    fps : float
    start_s : float
        Sprint-clock time of frame 0.
    keypoints_px : ndarray, shape (n_frames, 17, 2)
        True projected COCO-17 keypoints of the athlete in every frame.
    markers : tuple of FieldMarker
        Calibration markers written to the sidecar (for frame 0).
    """

    video_path: Path
    sidecar_path: Path
    truth_path: Path
    truth: SprintTruth
    camera: PinholeCamera
    fps: float
    start_s: float
    keypoints_px: np.ndarray
    markers: tuple[FieldMarker, ...] = ()

    def __post_init__(self) -> None:
        kp = np.asarray(self.keypoints_px, dtype=float)
        if kp.ndim != 3 or kp.shape[1:] != (len(KEYPOINT_NAMES), 2) or kp.shape[0] < 1:
            raise ValueError(f"keypoints_px must have shape (n_frames, 17, 2), got {kp.shape}")
        if not (math.isfinite(self.fps) and self.fps > 0):
            raise ValueError(f"fps must be positive, got {self.fps!r}")
        kp.setflags(write=False)
        object.__setattr__(self, "keypoints_px", kp)
        object.__setattr__(self, "markers", tuple(self.markers))

    @property
    def n_frames(self) -> int:
        return int(self.keypoints_px.shape[0])

    @property
    def t_s(self) -> np.ndarray:
        """Sprint-clock time of every frame."""
        return self.start_s + np.arange(self.n_frames) / self.fps


def _default_duration_s(renderer: ClipRenderer, start_s: float) -> float:
    """Until the athlete has left the picture (fixed camera) or the motion ends."""
    end = renderer.end_s
    if renderer.pan_follow:
        return end - start_s
    t = np.arange(start_s, end, 1.0 / renderer.fps)
    kp = renderer.keypoints_px(t)
    cam = renderer.camera
    inside = (
        (kp[..., 0] >= 0)
        & (kp[..., 0] < cam.width_px)
        & (kp[..., 1] >= 0)
        & (kp[..., 1] < cam.height_px)
    ).any(axis=1)
    moving = t > renderer.params.first_movement_s
    gone = np.flatnonzero(moving & ~inside)
    if gone.size:
        return float(t[gone[0]] - start_s) + 2.0 / renderer.fps
    return end - start_s


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return (
            repr(v)
            if math.isfinite(v)
            else ("nan" if math.isnan(v) else ("inf" if v > 0 else "-inf"))
        )
    if isinstance(v, str):
        return json.dumps(v)  # a JSON string is a valid TOML basic string
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    raise TypeError(f"cannot write {type(v).__name__} to TOML")


def _sidecar_text(
    fps: float,
    stature_m: float,
    camera: PinholeCamera,
    markers: Sequence[FieldMarker],
    notes: str,
    extra_camera: dict[str, Any],
    shift_px: Sequence[float] = (0.0, 0.0),
) -> str:
    direction = "left_to_right" if camera.run_direction == 1 else "right_to_left"
    lines = [
        f"capture_fps = {_toml_value(float(fps))}",
        f"athlete_height_m = {_toml_value(float(stature_m))}",
        f"run_direction = {_toml_value(direction)}",
        f"notes = {_toml_value(notes)}",
        "",
        "[camera]",
    ]
    for k, v in {**camera.to_dict(), **extra_camera}.items():
        lines.append(f"{k} = {_toml_value(v)}")
    for m in markers:
        u, v = camera.project(np.array(m.world_m)) + np.asarray(shift_px, float)
        lines += [
            "",
            "[[marker]]",
            f"image_px = {_toml_value([float(u), float(v)])}",
            f"track_m = {_toml_value(float(m.track_m))}",
            f"lateral_m = {_toml_value(float(m.lateral_m))}",
        ]
    return "\n".join(lines) + "\n"


def render_clip(
    params: SprintParams,
    out_dir: Path,
    *,
    fps: float = 240.0,
    width: int = 1920,
    height: int = 1080,
    camera: PinholeCamera | None = None,
    duration_s: float | None = None,
    start_s: float = 0.0,
    motion_blur: bool = False,
    noise_sigma: float = 2.0,
    decoys: Sequence[Decoy | str] = (),
    name: str = "rep",
    seed: int = 0,
    look: Look | None = None,
    pan_follow: bool = False,
    crf: int = 23,
    bitrate_kbps: float | None = None,
    realism: Realism | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> RenderedClip:
    """Render the sprint ``params`` to ``out_dir/name.mp4`` with its sidecar and truth files.

    Parameters
    ----------
    params : SprintParams
    out_dir : Path
        Created if missing.
    fps : float
        Capture (and playback) rate of the clip.
    width, height : int
        Frame size in pixels (must match ``camera`` when one is given).
    camera : PinholeCamera, optional
        Default: ``PinholeCamera.side_view(width_px=width, height_px=height)`` (11 m from the
        lane, 1.2 m high, looking at 7.9 m: the stance and the first ten steps are in view).
    duration_s : float, optional
        Clip length in seconds; default until the athlete has left the picture (fixed camera)
        or the end of the synthetic motion.
    start_s : float
        Sprint-clock time of the first frame (render a later part of the sprint).
    motion_blur : bool
        Average 4 sub-frame renders over a 180° shutter.
    noise_sigma : float
        Gaussian sensor noise in 8-bit levels.
    decoys : sequence of Decoy or str
        Extra people, e.g. ``("coach", "runner")``.
    name : str
        File stem of the outputs.
    seed : int
        Seeds textures, colours and noise: same arguments, same pixels.
    look : Look, optional
        The athlete's appearance (default: ``Look.athlete(seed)``).
    pan_follow : bool
        Pan the camera to follow the athlete's hips (markers are then valid for frame 0 only).
    crf : int
        x264 quality (lower is better, larger files).
    bitrate_kbps : float, optional
        Encode at this average bit rate instead of ``crf`` (a phone's recording or a messaging
        app's re-encode: e.g. 2000–8000 kbit/s for 1080p).
    realism : Realism, optional
        Phone-footage factors (low-sun shadow, turf, painted lines, banner, tripod shake,
        flicker); all off by default. With shake, the truth's ``keypoints_px`` are where the
        keypoints are in the shaken frames and ``shake_px`` lists each frame's (dx, dy); the
        sidecar's markers are where frame 0 shows them (where a coach would click them).
    progress : callable, optional
        Called as ``progress(frames_done, n_frames)`` after each frame.

    Returns
    -------
    RenderedClip
    """
    if camera is None:
        camera = PinholeCamera.side_view(width_px=width, height_px=height)
    if (camera.width_px, camera.height_px) != (int(width), int(height)):
        raise ValueError(
            f"camera is {camera.width_px}x{camera.height_px} but width x height is {width}x{height}"
        )
    renderer = ClipRenderer(
        params,
        camera,
        fps=fps,
        seed=seed,
        decoys=decoys,
        look=look,
        pan_follow=pan_follow,
        motion_blur=motion_blur,
        noise_sigma=noise_sigma,
        realism=realism,
    )
    end_s = renderer.end_s
    if not 0.0 <= start_s < end_s:
        raise ValueError(f"start_s must be within the sprint (0 to {end_s:.3f} s), got {start_s}")
    if duration_s is None:
        duration_s = _default_duration_s(renderer, start_s)
    n = round(duration_s * fps)
    if n < 1:
        raise ValueError(f"duration_s={duration_s} gives no frames at {fps} fps")
    t = start_s + np.arange(n) / fps
    if t[-1] > end_s + 1e-9:
        raise ValueError(
            f"The synthetic sprint is defined up to {end_s:.3f} s: ask for at most "
            f"{end_s - start_s:.3f} s from start_s = {start_s:g} s, or raise n_steps."
        )
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    video = out_dir / f"{name}.mp4"
    sidecar = out_dir / f"{name}.toml"
    truth_path = out_dir / f"{name}.truth.json"

    keypoints = renderer.keypoints_px(t)
    with H264Writer(
        video, fps, camera.width_px, camera.height_px, crf=crf, bitrate_kbps=bitrate_kbps
    ) as writer:
        for i, ti in enumerate(t):
            writer.write(renderer.render(float(ti), i))
            if progress is not None:
                progress(i + 1, n)

    markers = field_markers(camera)
    notes = (
        f"Synthetic sprint rendered by sprintlab (seed {seed}); markers are exact projections of "
        "the yard-line/lane-line crossings."
    )
    if pan_follow:
        notes += " The camera pans: the markers hold for frame 0 only."
    shift = renderer.shake_px(t[:1])[0] if renderer.realism.shake_px > 0 else (0.0, 0.0)
    if renderer.realism.shake_px > 0:
        notes += " The camera shakes: the markers are where frame 0 shows them."
    sidecar.write_text(
        _sidecar_text(
            fps, params.stature_m, camera, markers, notes, {"pan_follow": pan_follow}, shift
        )
    )
    truth = sprint_truth(params)
    doc = {
        "format": "sprintlab-synthetic-truth",
        "version": 1,
        "truth": truth.to_dict(),
        "params": {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(params).items()},
        "fps": float(fps),
        "start_s": float(start_s),
        "n_frames": int(n),
        "seed": int(seed),
        "camera": camera.to_dict(),
        "pan_follow": bool(pan_follow),
        "near_side": camera.near_side,
        "run_direction": "left_to_right" if camera.run_direction == 1 else "right_to_left",
        "decoys": [{k: v for k, v in asdict(d).items() if k != "look"} for d in renderer.decoys],
        "keypoint_names": list(KEYPOINT_NAMES),
        "keypoints_px_note": "one row per frame: x0, y0, x1, y1, ... (COCO-17 order), pixels",
        "keypoints_px": np.round(keypoints.reshape(n, -1), 3).tolist(),
    }
    if pan_follow:
        doc["camera_yaw_deg"] = [round(renderer.camera_at(float(ti)).yaw_deg, 6) for ti in t]
    if bitrate_kbps is not None:
        doc["bitrate_kbps"] = float(bitrate_kbps)
    rl = renderer.realism
    if rl != Realism():
        doc["realism"] = {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(rl).items()}
        doc["paint_lines_x_m"] = [round(x, 6) for x in renderer.paint_lines_x_m]
    if rl.shake_px > 0:
        doc["shake_px_note"] = "one row per frame: dx, dy of the whole picture, pixels"
        doc["shake_px"] = np.round(renderer.shake_px(t), 4).tolist()
    if rl.flicker > 0:
        doc["flicker_gain"] = np.round(flicker_gain(rl, t), 6).tolist()
    truth_path.write_text(json.dumps(doc) + "\n")
    return RenderedClip(
        video,
        sidecar,
        truth_path,
        truth,
        camera,
        float(fps),
        float(start_s),
        keypoints,
        tuple(markers),
    )


def render_scenario(scenario: Any, folder: Path) -> tuple[Path, Path]:
    """Render one :class:`sprintlab.validate.Scenario` into ``folder``; returns (clip, truth)."""
    camera = PinholeCamera.side_view(
        distance_m=scenario.camera_distance_m,
        width_px=scenario.width_px,
        height_px=scenario.height_px,
        pan_deg=scenario.pan_deg,
        run_direction=scenario.run_direction,
    )
    look = getattr(scenario, "look", "")
    realism = Realism(
        sun_elevation_deg=getattr(scenario, "sun_elevation_deg", None),
        sun_azimuth_deg=getattr(scenario, "sun_azimuth_deg", 240.0),
        turf=getattr(scenario, "turf", "grass"),
        turf_texture=getattr(scenario, "turf_texture", 0.0),
        paint_lines_at_steps=tuple(getattr(scenario, "paint_lines_at_steps", ())),
        banner=getattr(scenario, "banner", False),
        shake_px=getattr(scenario, "shake_px", 0.0),
        shake_hz=getattr(scenario, "shake_hz", 12.0),
        flicker=getattr(scenario, "flicker", 0.0),
    )
    options: dict[str, Any] = {
        "noise_sigma": getattr(scenario, "noise_sigma", 2.0),
        "crf": getattr(scenario, "crf", 23),
        "bitrate_kbps": getattr(scenario, "bitrate_kbps", None),
        "motion_blur": getattr(scenario, "motion_blur", False),
        "realism": realism,
    }
    clip = render_clip(
        SprintParams(**dict(getattr(scenario, "params", {}))),
        Path(folder),
        look=Look.preset(look) if look else None,
        fps=scenario.fps,
        width=scenario.width_px,
        height=scenario.height_px,
        camera=camera,
        duration_s=scenario.duration_s,
        decoys=tuple(scenario.decoys),
        name=scenario.name,
        seed=scenario.seed,
        **(options | dict(scenario.extra)),
    )
    return clip.video_path, clip.truth_path
