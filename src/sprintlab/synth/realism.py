"""Phone-footage realism for rendered clips: the things that break image-based contact detection.

:class:`Realism` gathers the optional scene factors and frame degradations of
:class:`~sprintlab.synth.render.ClipRenderer`; every one is off by default, and with all of them
off the renderer draws exactly the pixels it drew before they existed.

Scene factors (drawn into the picture): a long cast shadow from a low sun
(``sun_elevation_deg``, ``sun_azimuth_deg``), dark artificial turf (``turf``) and a coarser
ground texture (``turf_texture``), white lines painted across the lane where the feet land
(``paint_lines_x_m``, ``paint_lines_at_steps``), and a banner waving behind the lane (``banner``).

Frame degradations (applied to the finished frame, in this order): tripod shake (a sub-pixel
translation of the whole frame, ``shake_px``, ``shake_hz``), mains flicker (a global gain
``1 + flicker * cos(2π · flicker_hz · t)`` sampled at the frame times), then the sensor noise of
the renderer. Sensor noise, motion blur and the encoder's quality stay arguments of
:func:`~sprintlab.synth.render.render_clip` as before.

This module has no drawing code: the pure functions here give the shake offsets, the flicker
gain and the sun's direction; :mod:`~sprintlab.synth.render` and :mod:`~sprintlab.synth.scene`
draw.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

__all__ = [
    "TURFS",
    "Realism",
    "apply_gain",
    "flicker_gain",
    "shake_offsets_px",
    "shift_image",
    "sun_direction",
]

TURFS = ("grass", "dark")
"""Ground colours: the default natural grass, or dark (worn, wet-looking) artificial turf."""

_SHAKE_WAVES = 3  # sinusoids per axis in the shake: few enough that the peak nears shake_px
_SHAKE_MIN_HZ = 1.5


@dataclass(frozen=True)
class Realism:
    """Optional realism factors of a rendered clip (all off by default).

    Parameters
    ----------
    sun_elevation_deg : float or None
        Elevation of a directional sun above the horizon, degrees (5–80). None: no sun, only the
        soft blob under the body. With a sun every body part casts its own shadow onto the
        ground along the light (at 20° the shadow is 2.7 statures long).
    sun_azimuth_deg : float
        Horizontal direction *towards* the sun in the world frame, degrees from +x (the running
        direction) towards +z (the side of the default camera). 180: the sun is behind the start
        line and the shadow points down the lane; 90: the sun is behind the camera and the
        shadow points away from it; the default 240 puts the sun low behind the athlete on the
        far side, so the whole body's shadow (legs, arms, head) lies on the ground in front of
        the camera, joined to the foot in contact.
    shadow_strength : float
        Share of the light the shadow removes from the ground (0–0.9).
    penumbra_m : float
        Softness of the shadow's edge on the ground, metres (Gaussian sigma).
    blob_shadow : bool
        Keep the soft dark blob on the ground under the body (the light from the whole sky
        blocked); False leaves the cast shadow alone.
    turf : {"grass", "dark"}
        Ground colour: natural grass, or dark artificial turf (for black shoes on dark ground).
    turf_texture : float
        0: the default texture; up to 2: coarser clumps, worn patches, rubber-crumb specks and
        stronger mowing stripes (a busy ground for an image-based foot detector).
    paint_lines_x_m : tuple of float
        World x (m) of extra white lines painted across the lane (|z| ≤ 1 m).
    paint_lines_at_steps : tuple of int
        Steps (1-based) under whose touchdown toe point (MTP) a line is painted across the lane.
    paint_line_width_m : float
        Width of those lines, metres (field paint is 0.10 m).
    banner : bool
        A striped advertising banner on the far side of the lane (x 1.5–10.5 m, 5 m beyond the
        lane centre, 0–1 m high) that waves in the wind: different pixels in every frame,
        behind the athlete's shins and knees.
    shake_px : float
        Tripod shake: the largest translation of the whole frame on each axis, pixels (RMS is
        about 0.4 of it). A smooth random motion (three sinusoids per axis at 1.5 Hz to
        ``shake_hz``, seeded), so the same seconds shake the same at any frame rate.
    shake_hz : float
        Highest frequency in the shake, Hz.
    flicker : float
        Relative amplitude of mains flicker (0.04 = ±4 %): the frame at time ``t`` is scaled by
        ``1 + flicker * cos(2π · flicker_hz · t)``. At 240 fps and 120 Hz that alternates frame by
        frame; at 30 or 60 fps it is sampled at the same phase every frame (a constant gain).
    flicker_hz : float
        Flicker frequency: twice the mains frequency (100 or 120 Hz).
    field_paint : {"lanes", "football", "track", "none"}
        The field's markings (:func:`sprintlab.synth.scene.ground_texture`): yard lines with two
        lane lines (the default), yard lines with hash marks, a running track (red, lane lines
        1.22 m apart, a start line and other events' marks), or none.
    """

    sun_elevation_deg: float | None = None
    sun_azimuth_deg: float = 240.0
    shadow_strength: float = 0.5
    penumbra_m: float = 0.03
    blob_shadow: bool = True
    turf: str = "grass"
    turf_texture: float = 0.0
    paint_lines_x_m: tuple[float, ...] = ()
    paint_lines_at_steps: tuple[int, ...] = ()
    paint_line_width_m: float = 0.10
    field_paint: str = "lanes"
    banner: bool = False
    shake_px: float = 0.0
    shake_hz: float = 12.0
    flicker: float = 0.0
    flicker_hz: float = 120.0

    def __post_init__(self) -> None:
        if self.sun_elevation_deg is not None and not 5.0 <= self.sun_elevation_deg <= 80.0:
            raise ValueError(f"sun_elevation_deg must be 5–80°, got {self.sun_elevation_deg}")
        if not math.isfinite(self.sun_azimuth_deg):
            raise ValueError("sun_azimuth_deg must be finite")
        if not 0.0 <= self.shadow_strength <= 0.9:
            raise ValueError(f"shadow_strength must be 0–0.9, got {self.shadow_strength}")
        if not 0.0 <= self.penumbra_m <= 0.5:
            raise ValueError(f"penumbra_m must be 0–0.5 m, got {self.penumbra_m}")
        if self.turf not in TURFS:
            raise ValueError(f"turf must be one of {TURFS}, got {self.turf!r}")
        if self.field_paint not in ("lanes", "football", "track", "none"):
            raise ValueError(
                "field_paint must be 'lanes', 'football', 'track' or 'none', "
                f"got {self.field_paint!r}"
            )
        if not 0.0 <= self.turf_texture <= 2.0:
            raise ValueError(f"turf_texture must be 0–2, got {self.turf_texture}")
        object.__setattr__(self, "paint_lines_x_m", tuple(float(x) for x in self.paint_lines_x_m))
        object.__setattr__(
            self, "paint_lines_at_steps", tuple(int(s) for s in self.paint_lines_at_steps)
        )
        if any(s < 1 for s in self.paint_lines_at_steps):
            raise ValueError("paint_lines_at_steps are step numbers from 1")
        if not 0.02 <= self.paint_line_width_m <= 1.0:
            raise ValueError(f"paint_line_width_m must be 0.02–1 m, got {self.paint_line_width_m}")
        if not 0.0 <= self.shake_px <= 20.0:
            raise ValueError(f"shake_px must be 0–20 px, got {self.shake_px}")
        if not _SHAKE_MIN_HZ < self.shake_hz <= 120.0:
            raise ValueError(f"shake_hz must be above {_SHAKE_MIN_HZ} and at most 120 Hz")
        if not 0.0 <= self.flicker <= 0.5:
            raise ValueError(f"flicker must be 0–0.5, got {self.flicker}")
        if not 1.0 <= self.flicker_hz <= 1000.0:
            raise ValueError(f"flicker_hz must be 1–1000 Hz, got {self.flicker_hz}")

    @property
    def has_sun(self) -> bool:
        """True when a low sun casts shadows."""
        return self.sun_elevation_deg is not None

    @property
    def custom_ground(self) -> bool:
        """True when the ground texture differs from the default one."""
        return (
            self.turf != "grass"
            or self.turf_texture > 0
            or bool(self.paint_lines_x_m)
            or self.field_paint != "lanes"
        )


def sun_direction(realism: Realism) -> np.ndarray:
    """Unit world vector (3,) pointing from the ground towards the sun (its y is positive)."""
    if realism.sun_elevation_deg is None:
        raise ValueError("no sun: sun_elevation_deg is None")
    el, az = math.radians(realism.sun_elevation_deg), math.radians(realism.sun_azimuth_deg)
    return np.array([math.cos(el) * math.cos(az), math.sin(el), math.cos(el) * math.sin(az)])


def shake_offsets_px(realism: Realism, seed: int, t_s: np.ndarray) -> np.ndarray:
    """Translation (dx, dy) of the whole frame at times ``t_s``, pixels, shape (T, 2).

    Per axis a sum of three sinusoids with seeded frequencies (1.5 Hz to ``shake_hz``), phases
    and weights that add up to ``shake_px``, so ``|dx|, |dy| <= shake_px``. Zero without shake.
    """
    t = np.atleast_1d(np.asarray(t_s, dtype=float))
    if realism.shake_px <= 0:
        return np.zeros((t.size, 2))
    rng = np.random.default_rng([int(seed), 6])
    freq = rng.uniform(_SHAKE_MIN_HZ, realism.shake_hz, (2, _SHAKE_WAVES))
    phase = rng.uniform(0.0, 2.0 * np.pi, (2, _SHAKE_WAVES))
    weight = rng.uniform(0.5, 1.0, (2, _SHAKE_WAVES))
    weight *= realism.shake_px / weight.sum(axis=1, keepdims=True)
    waves = np.sin(2.0 * np.pi * freq[None] * t[:, None, None] + phase[None])  # (T, 2, K)
    return (weight[None] * waves).sum(axis=-1)


def flicker_gain(realism: Realism, t_s: np.ndarray) -> np.ndarray:
    """Global brightness gain of the frames at times ``t_s`` (ones without flicker)."""
    t = np.atleast_1d(np.asarray(t_s, dtype=float))
    return 1.0 + realism.flicker * np.cos(2.0 * np.pi * realism.flicker_hz * t)


def shift_image(image: np.ndarray, offset_px: np.ndarray) -> np.ndarray:
    """``image`` moved by ``offset_px`` = (dx, dy) pixels (sub-pixel, bicubic; edges mirrored):
    the content at (x, y) is found at (x + dx, y + dy) afterwards."""
    dx, dy = (float(v) for v in offset_px)
    m = np.array([[1.0, 0.0, dx], [0.0, 1.0, dy]])
    h, w = image.shape[:2]
    return cv2.warpAffine(
        image, m, (w, h), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT_101
    )


def apply_gain(image: np.ndarray, gain: float) -> np.ndarray:
    """``image`` (uint8) with every value scaled by ``gain``, rounded and clipped to 0–255."""
    return np.clip(image.astype(np.float32) * float(gain) + 0.5, 0, 255).astype(np.uint8)
