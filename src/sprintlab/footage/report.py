"""The footage report (every check of one clip) and the outputs a fired check withholds."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from ..profile import SPLIT_NOT_IN_VIEW
from ..start import WITHHELD_START_PREFIX
from .camera import CameraMotionCheck, camera_motion_check, estimate_camera_motion
from .crossing import BODY_TO_STATURE, CrossingCheck, body_length_px, crossing_check
from .flicker import FlickerCheck, flicker_check
from .frames import BlendCheck, RepeatCheck, blend_check, repeat_check
from .runners import RunnersCheck, RunnerSeen, runners_check
from .stats import FootageSettings, FootageStats

if TYPE_CHECKING:
    from ..results import RepResult
    from ..track import KeypointTrack


@dataclass(frozen=True)
class FootageReport:
    """All footage checks of one clip.

    Attributes
    ----------
    camera : CameraMotionCheck
    crossing : CrossingCheck
    repeats : RepeatCheck
    flicker : FlickerCheck
    runners : RunnersCheck
    athlete_height_px : float
        The athlete's standing height in the picture used by the checks (px).
    blends : BlendCheck
    camera_followed : dict, optional
        When the camera moves but its motion was measured on every frame well enough to take it
        out (:func:`sprintlab.pipeline.follow_camera`): the motion's summary (reference frame,
        residual). Distances are then measured in the reference frame's picture, not withheld.
    """

    camera: CameraMotionCheck
    crossing: CrossingCheck
    repeats: RepeatCheck
    flicker: FlickerCheck
    runners: RunnersCheck
    athlete_height_px: float
    blends: BlendCheck = field(
        default_factory=lambda: BlendCheck(False, 0, 0, 0.0, FootageSettings().repeat_min_fraction)
    )
    camera_followed: dict[str, Any] | None = None

    @property
    def sentences(self) -> list[str]:
        """The warnings of the checks that fired, and the note when the camera's motion could not
        be measured."""
        checks = (self.camera, self.crossing, self.repeats, self.blends, self.flicker, self.runners)
        return [
            self.camera_sentence if c is self.camera else c.sentence for c in checks if c.sentence
        ]

    @property
    def camera_sentence(self) -> str:
        """The camera check's warning, or, when the moving camera was followed, what was done."""
        if self.camera.fired and self.camera_followed:
            return followed_sentence(self.camera, self.camera_followed)
        return self.camera.sentence

    @property
    def distances_reason(self) -> str | None:
        """Why distances are withheld (None: they are not)."""
        reasons = []
        if self.camera.fired and not self.camera_followed:
            reasons.append("the camera moves")
        if self.crossing.fired:
            reasons.append("the athlete does not run across the view")
        return " and ".join(reasons) or None

    @property
    def timing_check(self) -> RepeatCheck | BlendCheck:
        """The check whose frames to drop before timing: repeats when they fired, else blends."""
        return self.repeats if self.repeats.fired else self.blends

    @property
    def timing_reason(self) -> str | None:
        """Why times are withheld (None: they are not)."""
        if self.repeats.fired and not self.repeats.regular:
            return "frames repeat in no regular pattern"
        return None

    def to_dict(self) -> dict[str, Any]:
        """The rep.json ``footage`` block."""
        from ..jsonutil import json_ready

        def block(check: Any, skip: tuple[str, ...] = ()) -> dict[str, Any]:
            out = {}
            for k, v in check.__dict__.items():
                if k in skip:
                    continue
                out[k] = json_ready(v)
            return out

        return {
            "camera_motion": block(self.camera),
            "crossing": block(self.crossing),
            "repeated_frames": block(self.repeats, skip=("repeated_frames",)),
            "blended_frames": block(self.blends, skip=("blended_frames",)),
            "flicker": block(self.flicker),
            "runners": block(self.runners),
            "athlete_height_px": self.athlete_height_px,
            "camera_followed": json_ready(self.camera_followed),
            "withheld": {"distances": self.distances_reason, "timing": self.timing_reason},
        }


def followed_sentence(camera: CameraMotionCheck, summary: dict[str, Any]) -> str:
    """The warning for a moving camera that was followed (``summary``: see
    ``FootageReport.camera_followed``)."""
    where = "first" if int(summary.get("reference_frame", -1)) == 0 else "middle"
    residual = float(summary.get("residual_p90_px", math.nan))
    return (
        f"{camera.movement}; its motion was measured on every frame from the background and "
        f"taken out (within {residual:.1f} px on 90% of frames), so positions and distances are "
        f"measured in the {where} frame's picture. Film from a tripod when you can: a camera "
        "carried along or turned far is not followed."
    )


def footage_report(
    stats: FootageStats,
    track_px: KeypointTrack,
    boxes_xyxy_px: np.ndarray,
    image_size_px: tuple[int, int],
    runners: Sequence[RunnerSeen] = (),
    athlete_px: tuple[float, float] | None = None,
    conf_threshold: float = 0.3,
    settings: FootageSettings | None = None,
) -> FootageReport:
    """Run every footage check on a clip's statistics and the athlete's pixel track.

    Parameters
    ----------
    stats : FootageStats
        From :class:`FootageAccumulator`.
    track_px : KeypointTrack
        The athlete's keypoints in pixels (one row per frame read).
    boxes_xyxy_px : ndarray, shape (T, 4)
        The athlete's box per row of ``track_px``.
    image_size_px : tuple of int
        (width, height) of the picture.
    runners : sequence of RunnerSeen
        People the tracker saw running (see :mod:`sprintlab.tracking`).
    athlete_px : tuple of float, optional
        The image point the user gave to choose the athlete.
    conf_threshold : float
        Keypoints below this confidence are not used.
    settings : FootageSettings, optional
    """
    from ..kinematics import hip_mid

    s = settings or FootageSettings()
    xy = np.array(track_px.xy, dtype=float)
    xy[np.asarray(track_px.conf) < conf_threshold] = np.nan
    masked = track_px.with_xy(xy)
    leg = body_length_px(masked)
    finite_leg = leg[np.isfinite(leg)]
    height_px = (
        float(np.percentile(finite_leg, 75)) / BODY_TO_STATURE if finite_leg.size else math.nan
    )
    motion = estimate_camera_motion(stats, boxes_xyxy_px, track_px.frame_index, s)
    camera = camera_motion_check(motion, height_px, s)
    t_motion = np.interp(motion.frame_index, stats.frame_index, stats.t_s)
    crossing = crossing_check(
        track_px.t_s, hip_mid(masked), leg, image_size_px, boxes_xyxy_px, motion, t_motion, s
    )
    if camera.fired:
        # A panning or zooming camera changes the athlete's size and travel in the picture by
        # itself (a pan brings the athlete nearer along the line of sight): the camera check
        # already says what is wrong; the crossing angle is kept as measured but not judged.
        crossing = replace(crossing, fired=False, sentence="")
    return FootageReport(
        camera=camera,
        crossing=crossing,
        repeats=repeat_check(stats, s),
        flicker=flicker_check(stats.brightness_levels, stats.fps, s),
        runners=runners_check(runners, athlete_px),
        athlete_height_px=height_px,
        blends=blend_check(stats, s),
    )


SUPERSEDE_MIN_JUDGED = 40
"""Frames the every-frame repeat check must have judged for its silence to overrule the probe."""


def superseded_by(warning: str, report: FootageReport) -> bool:
    """True for :func:`sprintlab.video.probe`'s repeated-frame warning (from ~80 sampled
    frames) when the repeat check, which sees every frame, says more: it fired, or it judged at
    least :data:`SUPERSEDE_MIN_JUDGED` frames of motion and found no pattern of repeats. The probe
    cannot tell a still set position in its sample from repeats (a real 30 fps phone start drew
    "11% repeat" from it, and 0 of 156 judged frames from the check over every frame)."""
    rep = report.repeats
    return (
        (rep.fired or rep.n_counted >= SUPERSEDE_MIN_JUDGED)
        and "of consecutive frames in" in warning
        and "repeat the previous one" in warning
    )


# --------------------------------------------------------------------------------------------
# Withholding


_DISTANCE_STEP_FIELDS = (
    "step_length_m",
    "step_velocity_mps",
    "touchdown_distance_m",
    "toeoff_distance_m",
    "foot_x_m",
)
_TIMING_STEP_FIELDS = (
    "contact_time_s",
    "flight_time_s",
    "step_time_s",
    "step_frequency_hz",
    "step_velocity_mps",
)
_DISTANCE_SERIES = ("hip_x_m", "hip_y_m", "hip_vx_mps", "ankle_left_x_m", "ankle_right_x_m")


def withhold_outputs(
    result: RepResult, *, distances_reason: str | None, timing_reason: str | None
) -> RepResult:
    """Blank the outputs a footage problem makes unreliable, saying why.

    With ``distances_reason``: step lengths and velocities, foot-to-hip distances at touchdown and
    toe-off, foot positions and the hip's position series. With ``timing_reason``: contact,
    flight and step times, step frequency and velocity. With either: first movement (found from
    the body's forward motion over time) and the splits, the hip's velocity series, the peak hip
    velocity and the velocity-curve profile with its 20/40-yard estimate. Returns a new result;
    the reasons are recorded in ``extra["withheld"]`` and in the rep's ``first_movement`` block,
    whose own warning gives way to the footage warning already in the rep (the footage problem
    is the cause).
    """
    if distances_reason is None and timing_reason is None:
        return result
    fields: list[str] = []
    if distances_reason:
        fields += _DISTANCE_STEP_FIELDS
    if timing_reason:
        fields += _TIMING_STEP_FIELDS
    why = "; ".join(r for r in (distances_reason, timing_reason) if r)
    steps = [replace(st, **{f: math.nan for f in fields}) for st in result.steps]
    splits = {k: math.nan for k in result.splits}
    series = result.series.copy()
    extra = dict(result.extra)
    # The footage warning is the cause: the start check's own reason and "line not in view"
    # notes about splits that are withheld anyway would only compete with it.
    warns = [
        w
        for w in result.warnings
        if not w.startswith(WITHHELD_START_PREFIX) and SPLIT_NOT_IN_VIEW not in w
    ]
    for col in _DISTANCE_SERIES if distances_reason else ("hip_vx_mps",):
        if col in series:
            series[col] = math.nan
    extra["peak_hip_velocity_mps"] = math.nan
    reason = f"No velocity curve, profile or 20/40-yard estimate: {why}."
    extra["profile"] = {
        "velocity_fit": None,
        "force_velocity": None,
        "estimate": None,
        "estimate_reason": reason,
        "position": (result.extra.get("profile") or {}).get("position"),
        "notes": [],  # the reason above says it once
    }
    extra["first_movement"] = {
        **(result.extra.get("first_movement") or {}),
        "time_s": math.nan,
        "uncertainty_s": math.nan,
        "observed": False,
        "reason": why,
    }
    extra["withheld"] = {"distances": distances_reason, "timing": timing_reason}
    return replace(
        result,
        first_movement_s=math.nan,
        steps=steps,
        splits=splits,
        series=series,
        extra=extra,
        warnings=warns,
    )
