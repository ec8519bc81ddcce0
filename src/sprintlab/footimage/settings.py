"""Settings of the image-based contact detector (physical units, or fractions of the athlete's
height in pixels; converted with the clip's fps and the athlete's size inside)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, is_dataclass


@dataclass(frozen=True)
class StabiliseSettings:
    """Parameters of :func:`sprintlab.footimage.stabilise.frame_motion`.

    Attributes
    ----------
    max_features : int
        Most background corners taken from the reference frame.
    feature_spacing_frac : float
        Least distance between two corners, as a fraction of the picture's height.
    box_margin_frac : float
        The athlete's box is widened by this fraction of its height on every side before its
        pixels are left out (limbs reach outside the detector's box; the shadow lies beside it).
    flow_window_frac : float
        Side of the Lucas–Kanade window, fraction of the picture's height.
    flow_levels : int
        Pyramid levels of the flow (each halves the picture: 3 follows ~60 px per frame).
    max_roundtrip_px : float
        A corner followed into the frame and back must land within this of where it started.
    ransac_px : float
        Largest distance of a corner from the fitted transform to count as background (inlier).
    min_inliers : int
        Fewest agreeing corners for a frame's transform to be measured.
    min_inlier_share : float
        ... and at least this share of the corners that were followed.
    min_measured_share : float
        The image stage uses a moving camera's clip only when at least this share of its frames
        was registered.
    max_residual_px : float
        ... and the 90th percentile of the frames' residuals (median distance of the agreeing
        corners from the fitted similarity, px) is at most this: a larger one means the
        background does not move as one picture (parallax of a walking camera, a turning
        scene), so the ground band would not hold still.
    min_direct_share : float
        ... and at least this share of its frames was registered on the reference frame itself
        (not chained from a neighbour): a camera that pans with the athlete leaves the
        reference's background behind, and chained transforms drift.
    max_shift_frac : float
        ... and no frame moved further from the reference than this fraction of the picture's
        width: a larger turn is a pan, whose perspective a similarity does not hold.
    max_frames_mb : float
        Most memory the clip's grey frames may take while the motion is measured (MB). A longer
        or larger clip (a hand-held 240 fps slow-motion of several seconds) is measured on
        frames reduced to fit, and the motion is given back in full-resolution pixels.
    """

    max_features: int = 600
    feature_spacing_frac: float = 0.012
    box_margin_frac: float = 0.25
    flow_window_frac: float = 0.03
    flow_levels: int = 3
    max_roundtrip_px: float = 0.5
    ransac_px: float = 1.0
    min_inliers: int = 20
    min_inlier_share: float = 0.3
    min_measured_share: float = 0.9
    max_residual_px: float = 0.8
    min_direct_share: float = 0.9
    max_shift_frac: float = 0.15
    max_frames_mb: float = 768.0

    def __post_init__(self) -> None:
        for name in ("max_features", "flow_levels", "min_inliers"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"StabiliseSettings.{name} must be >= 1")
        for name in (
            "feature_spacing_frac",
            "flow_window_frac",
            "max_roundtrip_px",
            "ransac_px",
            "max_frames_mb",
            "max_shift_frac",
        ):
            if not float(getattr(self, name)) > 0:
                raise ValueError(f"StabiliseSettings.{name} must be > 0")
        for name in ("min_inlier_share", "min_measured_share", "min_direct_share"):
            if not 0.0 <= float(getattr(self, name)) <= 1.0:
                raise ValueError(f"StabiliseSettings.{name} must be within 0..1")
        if not (self.box_margin_frac >= 0 and self.max_residual_px > 0):
            raise ValueError("StabiliseSettings: box_margin_frac >= 0, max_residual_px > 0")


@dataclass(frozen=True)
class FootImageSettings:
    """Parameters of :mod:`sprintlab.footimage`.

    Attributes
    ----------
    enabled : bool
        Look at the image at the feet at all (off: contacts come from the pose alone). These
        settings shape what the clip's frames show and are part of the pose stage (their image
        contacts are kept in rep.json and re-used by ``reanalyze``); how image and pose times are
        combined is in :class:`sprintlab.events.EventSettings`.
    band_above_frac, band_below_frac : float
        The ground band reaches this far above and below the ground line the pose suggests
        (fractions of the athlete's standing height in pixels): enough for the shoe and for a
        ground line a few pixels off.
    ankle_height_frac : float
        Height of the ankle keypoint above the sole with the foot on the ground, as a fraction
        of stature (anthropometry: 0.039; the model's ankle sits a little higher).
    occupancy_above_frac, occupancy_below_frac : float
        Rows of the band (about the ground line) where a still foot is looked for.
    background_margin_frac : float
        A column of the band shows the background in a frame when the athlete's box, widened
        by this fraction of its height on each side, does not cover it.
    background_frames : int
        Most frames whose median makes a column's background.
    min_background_frames : int
        Fewest free frames for a column to have a background (else it is not used).
    foreground_levels : float
        Colour difference from the background (largest channel, 8-bit levels, after a 3×3 blur
        and the frame's brightness gain is divided out) that makes a pixel foreground.
    still_levels : float
        Largest change between consecutive frames of a still pixel (raised to
        ``still_noise_factor`` × the measured frame-to-frame noise when that is larger).
    still_noise_factor : float
    shadow_ratio_min, shadow_ratio_max, shadow_chroma_spread : float
        A pixel whose brightness (sum of channels) is within [min, max] of its background's
        and whose chromaticity (each channel over the sum) is within ``shadow_chroma_spread``
        of the background's is a cast shadow, not the athlete.
    occupied_fraction : float
        A column is occupied by a still foot when this fraction of its rows is.
    min_run_s : float
        Shortest time a column must stay occupied to be part of a contact (a swinging foot
        crosses a column in a few milliseconds).
    touchdown_width_m, toeoff_width_m : float
        Width of still sole on the ground (estimated in metres from the athlete's size) that
        marks a contact's start and its end.
    min_contact_s : float
        Shortest image contact kept.
    merge_gap_s : float
        Pieces of contact at the same place with a gap up to this long are one contact (a
        shadow or a limb passing over the standing foot interrupts it).
    template_at : float
        Where in the contact (0 = start, 1 = end) the foot's picture is taken for the
        touchdown search: early, when the foot is surely down but not yet rolling.
    template_above_frac : float
        Rows of that picture above the ground row (fraction of the athlete's height): the
        sole, not the shin, which turns while the foot is still.
    search_px : int
        Largest displacement searched when matching the foot's picture.
    in_place_px, in_place_vertical_px : float
        The foot is in its stance place when its picture matches within these displacements
        (sub-pixel peak), along the ground and up from it. Tighter up: a foot coming down
        slows and its last pixel above the ground is what tells it is not yet down (1 px is
        about 1 cm at 1080p from 11 m), while along the ground a landing shoe still settles
        by a pixel.
    min_match : float
        ... and with at least this normalised correlation.
    max_back_s : float
        How far before the contact's core the touchdown is searched.
    shake_px : float
        The band is registered frame by frame when the 90th percentile of the measured shake
        exceeds this (px).
    stabilise : StabiliseSettings
        How a hand-held camera's motion is measured (:mod:`sprintlab.footimage.stabilise`)
        when the footage check finds that the camera moves, and when it is good enough to use.
    """

    enabled: bool = True
    band_above_frac: float = 0.10
    band_below_frac: float = 0.12
    ankle_height_frac: float = 0.045
    occupancy_above_frac: float = 0.045
    occupancy_below_frac: float = 0.02
    background_margin_frac: float = 0.3
    background_frames: int = 41
    min_background_frames: int = 5
    foreground_levels: float = 30.0
    still_levels: float = 8.0
    still_noise_factor: float = 3.0
    shadow_ratio_min: float = 0.3
    shadow_ratio_max: float = 0.93
    shadow_chroma_spread: float = 0.04
    occupied_fraction: float = 0.3
    min_run_s: float = 0.04
    touchdown_width_m: float = 0.04
    toeoff_width_m: float = 0.02
    min_contact_s: float = 0.04
    merge_gap_s: float = 0.04
    template_at: float = 0.3
    template_above_frac: float = 0.03
    search_px: int = 4
    in_place_px: float = 1.0
    in_place_vertical_px: float = 0.5
    min_match: float = 0.6
    max_back_s: float = 0.3
    shake_px: float = 0.75
    stabilise: StabiliseSettings = field(default_factory=StabiliseSettings)

    def __post_init__(self) -> None:
        for f in fields(self):
            v = getattr(self, f.name)
            if isinstance(v, bool) or is_dataclass(v):
                continue
            if not (isinstance(v, int | float) and math.isfinite(v) and v >= 0):
                raise ValueError(f"FootImageSettings.{f.name} must be a number >= 0, got {v!r}")
        if not 0.0 <= self.template_at <= 1.0:
            raise ValueError("FootImageSettings.template_at must be within 0..1")
        if not 0.0 < self.occupied_fraction <= 1.0:
            raise ValueError("FootImageSettings.occupied_fraction must be within (0, 1]")
