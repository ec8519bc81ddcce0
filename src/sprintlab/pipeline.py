"""Orchestration: from a clip (or a cached pixel track) to a :class:`~sprintlab.results.RepResult`.

This is the only module that strings the stages together; each stage is a pure function elsewhere.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .calibration import Calibration, CalibrationInput, find_sidecar, load_sidecar
from .errors import AnalysisError, CalibrationError, VideoError
from .events import (
    Contact,
    EventSettings,
    ImageContactDetector,
    detect_contacts,
    detect_first_movement,
    fuse_contacts,
    image_candidates,
)
from .events.edits import EditOutcome, EventEdit, apply_edits, edit_notes, edits_from_dicts
from .events.sole import blend_sole_place
from .fieldlines.fit import AthleteGround, FieldLines
from .filtering import (
    FilterSettings,
    mask_low_confidence,
    repair_leg_swaps,
    smooth_track,
)
from .footimage.result import FootImageResult
from .footimage.result import unused as unused_image
from .footimage.settings import FootImageSettings
from .groundline import lowest_ankle_line
from .kinematics import (
    BODY_KEYPOINTS,
    body_forward_x,
    hip_mid,
    shin_angle_deg,
    trunk_angle_deg,
    velocity,
)
from .legplanes import (
    LEG_PLANE_OFFSET_TO_STATURE,
    leg_plane_offsets_m,
    place_contacts,
    to_leg_planes,
)
from .legs import assign_legs
from .overlay_video import draw_rep_overlay, overlay_arrays
from .plausibility import flag_implausible
from .profile import ProfileError, fit_velocity_curve, force_velocity_profile, split_times
from .provenance import AnalysisPart, PosePart, Provenance, file_sha256, provenance_of
from .results import RepResult, write_rep_folder
from .skeleton import ANKLE, HIP, KNEE, KP, SIDES, WRIST
from .start import body_seen, check_start, withheld_start_warning
from .steps import build_steps
from .touchdown_landmarks import (
    LandmarkerSettings,
    blend_landmark_place,
    landmark_shins,
    read_landing_legs,
)
from .track import KeypointTrack
from .tracking import TrackingSettings

if TYPE_CHECKING:
    from .footage import FootageAccumulator, FootageReport
    from .footimage.stabilise import FrameMotion
    from .pose.landmarker import ClipLandmarks, LandmarkSource
    from .tracking import AthleteTrack
    from .video import VideoMeta

Progress = Callable[[str, float], None]

LEG_TO_STATURE = 0.491
"""Thigh + shank length as a fraction of stature (Drillis & Contini)."""

SHANK_TO_STATURE = 0.246
"""Knee-to-ankle length as a fraction of stature (Drillis & Contini: 0.285 − 0.039)."""

ANKLE_HEIGHT_TO_STATURE = 0.039
"""Ankle joint height above the ground as a fraction of stature (Drillis & Contini)."""


@dataclass(frozen=True)
class AnalysisSettings:
    """Everything that shapes an analysis after the pose model."""

    filter: FilterSettings = field(default_factory=FilterSettings)
    events: EventSettings = field(default_factory=EventSettings)
    max_steps: int = 10
    hip_velocity_cutoff_hz: float = 6.0
    # Each leg's plane sits this fraction of stature to its side of the athlete plane (0: off);
    # used only when the calibration knows the camera (see sprintlab.legplanes).
    leg_plane_offset_to_stature: float = LEG_PLANE_OFFSET_TO_STATURE
    landmarker: LandmarkerSettings = field(default_factory=LandmarkerSettings)

    def __post_init__(self) -> None:
        if not isinstance(self.filter, FilterSettings) or not isinstance(
            self.events, EventSettings
        ):
            raise TypeError("filter and events must be FilterSettings and EventSettings")
        if self.max_steps < 1:
            raise ValueError(f"max_steps must be at least 1, got {self.max_steps}")
        if not self.hip_velocity_cutoff_hz > 0:
            raise ValueError(
                f"hip_velocity_cutoff_hz must be positive, got {self.hip_velocity_cutoff_hz}"
            )
        if not 0 <= self.leg_plane_offset_to_stature < 0.5:
            raise ValueError(
                "leg_plane_offset_to_stature must be in [0, 0.5), got "
                f"{self.leg_plane_offset_to_stature}"
            )


def rep_id_for(path: Path, sha256: str) -> str:
    """Folder-safe rep id: the clip's stem and the first 8 hex digits of its content hash (once:
    a clip the dashboard stored as ``<name>-<hash>`` keeps its name)."""
    stem = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in Path(path).stem)[:60]
    tag = sha256[:8]
    if stem.endswith(f"-{tag}"):
        return stem
    return f"{stem or 'clip'}-{tag}"


def leg_length_px(track: KeypointTrack) -> float:
    """Median thigh + shank length over frames and both legs (same units as the track)."""
    lengths = []
    for side in SIDES:
        hip, knee, ankle = track.point(HIP[side]), track.point(KNEE[side]), track.point(ANKLE[side])
        lengths.append(np.linalg.norm(hip - knee, axis=1) + np.linalg.norm(knee - ankle, axis=1))
    all_len = np.concatenate(lengths)
    all_len = all_len[np.isfinite(all_len)]
    return float(np.median(all_len)) if all_len.size else math.nan


def estimate_stature_m(world: KeypointTrack) -> float:
    """Stature from the leg segments of a world-frame track (thigh + shank = 0.491 × stature)."""
    return leg_length_px(world) / LEG_TO_STATURE


def height_calibration(track_px: KeypointTrack, height_m: float) -> Calibration:
    """Scale from the athlete's stature when no ground markers are given (low confidence).

    The scale comes from the athlete's leg segments in pixels; the ground is the line of the
    lowest ankle positions along the lane (:func:`sprintlab.groundline.lowest_ankle_line`: it
    follows a picture held a little off level), set at the lowest ankles over the clip (the
    feet are on the ground most of a sprint) less the ankle height; the origin is the front
    foot in the first 0.2 s (the stance), and the run direction is the direction the hips
    travel.
    """
    leg = leg_length_px(track_px)
    if not np.isfinite(leg) or leg <= 0:
        raise CalibrationError(
            "The athlete's legs were not seen clearly enough to scale the clip from their height: "
            "add ground markers to the clip's calibration file."
        )
    height_px = leg / LEG_TO_STATURE
    hip = hip_mid(track_px)
    ok = np.flatnonzero(np.all(np.isfinite(hip), axis=1))
    direction = 1 if hip[ok[-1], 0] >= hip[ok[0], 0] else -1
    all_ankles = np.concatenate([track_px.point(ANKLE[s]) for s in SIDES])
    all_ankles = all_ankles[np.all(np.isfinite(all_ankles), axis=1)]
    line = lowest_ankle_line(all_ankles, height_px)
    slope = 0.0 if line is None else line[0]
    # Level of the line: the lowest ankles measured across it, less the ankle's height.
    level = float(np.percentile(all_ankles[:, 1] - slope * all_ankles[:, 0], 98))
    level += ANKLE_HEIGHT_TO_STATURE * height_px
    n0 = max(3, round(0.2 * track_px.fps))
    first = np.concatenate([track_px.point(ANKLE[s])[:n0] for s in SIDES])
    first = first[np.all(np.isfinite(first), axis=1)]
    if first.size == 0:
        first = all_ankles
    front = first[np.argmax(direction * first[:, 0])]
    ground_y = level + slope * float(front[0])
    return Calibration.from_athlete_height(
        height_px=height_px,
        height_m=height_m,
        origin_px=(float(front[0]), ground_y),
        direction=direction,
        ground_y_px=ground_y,
        ground_slope=slope,
    )


def marker_calibration(
    calib_input: CalibrationInput | None,
    image_size_px: tuple[int, int],
    athlete_height_m: float | None,
) -> Calibration | None:
    """Calibration from ground markers, or None when the field's lines or the athlete's height
    will give the scale.

    Runs before the pose model so that a bad calibration file fails in a second, not after minutes.

    Raises
    ------
    CalibrationError
        When the markers contradict each other.
    """
    if calib_input is not None and calib_input.markers:
        return Calibration.from_markers(
            calib_input.markers,
            image_size_px=image_size_px,
            run_direction=calib_input.run_direction,
        )
    return None


#: What a clip with neither markers, nor lines found, nor a height is told.
NO_CALIBRATION = (
    "No calibration for this clip: no ground markers were given, {why}, and no athlete height "
    "is known. Put ground markers in a sidecar file next to the clip (clip.toml), pass "
    "--calib FILE, film the field's yard lines, or give --athlete-height-m for an approximate "
    "scale."
)


def resolve_calibration(
    calib_input: CalibrationInput | None,
    track_px: KeypointTrack,
    image_size_px: tuple[int, int],
    athlete_height_m: float | None,
    field: FieldLines | None = None,
) -> Calibration:
    """Calibration in order of trust: markers when there are any, else the field's lines when
    they were found (``field``), else the athlete's height.

    Raises
    ------
    CalibrationError
        With none of the three.
    """
    calib = marker_calibration(calib_input, image_size_px, athlete_height_m)
    if calib is not None:
        return calib
    if field is not None and field.calibration is not None:
        return field.calibration
    height = athlete_height_m or (calib_input.athlete_height_m if calib_input else None)
    if height is None:
        why = (
            f"the field's lines could not be used ({field.reason})"
            if field is not None
            else "the field's lines were not looked for"
        )
        raise CalibrationError(NO_CALIBRATION.format(why=why))
    return height_calibration(track_px, float(height))


def athlete_ground(
    track_px: KeypointTrack, boxes_xyxy_px: np.ndarray | None = None
) -> AthleteGround:
    """Where the athlete runs in the picture: the ground line (as :func:`height_calibration`
    places it), their standing height, the run direction, and their hands and feet in the first
    0.2 s (the set position)."""
    leg = leg_length_px(track_px)
    height_px = leg / LEG_TO_STATURE if np.isfinite(leg) and leg > 0 else math.nan
    if boxes_xyxy_px is not None:
        heights = boxes_xyxy_px[:, 3] - boxes_xyxy_px[:, 1]
        heights = heights[np.isfinite(heights)]
        if heights.size >= 5:
            # The box of the upright frames (not the crouch) is the standing height.
            height_px = float(np.percentile(heights, 75))
    hip = hip_mid(track_px)
    ok = np.flatnonzero(np.all(np.isfinite(hip), axis=1))
    direction = 1 if ok.size < 2 or hip[ok[-1], 0] >= hip[ok[0], 0] else -1
    all_ankles = np.concatenate([track_px.point(ANKLE[s]) for s in SIDES])
    all_ankles = all_ankles[np.all(np.isfinite(all_ankles), axis=1)]
    if all_ankles.size == 0 or not np.isfinite(height_px):
        return AthleteGround(0.0, math.nan, math.nan, direction)
    line = lowest_ankle_line(all_ankles, height_px)
    slope = 0.0 if line is None else line[0]
    level = float(np.percentile(all_ankles[:, 1] - slope * all_ankles[:, 0], 98))
    level += ANKLE_HEIGHT_TO_STATURE * height_px
    n0 = max(3, round(0.2 * track_px.fps))

    def first(points: list[np.ndarray]) -> np.ndarray:
        pts = np.concatenate([p[:n0] for p in points])
        return pts[np.all(np.isfinite(pts), axis=1)]

    hands = first([track_px.point(WRIST[s]) for s in SIDES])
    feet = first([track_px.point(ANKLE[s]) for s in SIDES])
    return AthleteGround(
        slope,
        level,
        float(height_px),
        direction,
        hands,
        feet,
        all_ankles,
        ANKLE_HEIGHT_TO_STATURE * height_px,
    )


def field_lines_for(
    background: np.ndarray | None,
    track_px: KeypointTrack,
    boxes_xyxy_px: np.ndarray | None,
    start_line_px: float | None = None,
    foot_image: FootImageResult | None = None,
    no_background: str = "no still picture of the field was kept",
    camera_height_m: float | None = None,
) -> FieldLines:
    """The field's lines as a calibration (:func:`sprintlab.fieldlines.fit.field_line_calibration`)
    from the clip's still background, or why not. The soles the image stage saw on the ground
    (``foot_image``) place the athlete's ground line."""
    from .fieldlines.fit import field_line_calibration, no_field_lines

    if background is None:
        return no_field_lines(no_background)
    ground = athlete_ground(track_px, boxes_xyxy_px)
    if foot_image is not None and foot_image.used and foot_image.contacts:
        soles = np.array([[c.x_mid_px, c.ground_y_px] for c in foot_image.contacts])
        ground = replace(ground, soles_px=soles)
    return field_line_calibration(
        background, ground, start_line_px=start_line_px, camera_height_m=camera_height_m
    )


def to_world(track_px: KeypointTrack, calib: Calibration) -> KeypointTrack:
    """Map every keypoint of a pixel track to metres in the world frame."""
    xy = calib.to_world(np.asarray(track_px.xy).reshape(-1, 2)).reshape(track_px.xy.shape)
    return track_px.with_xy(xy, space="world")


def _series(world: KeypointTrack, hip_vx: np.ndarray) -> pd.DataFrame:
    hip = hip_mid(world)
    data: dict[str, np.ndarray] = {
        "frame": world.frame_index,
        "t_s": world.t_s,
        "hip_x_m": hip[:, 0],
        "hip_y_m": hip[:, 1],
        "hip_vx_mps": hip_vx,
        "trunk_angle_deg": trunk_angle_deg(world),
    }
    for side in SIDES:
        data[f"shin_angle_{side}_deg"] = shin_angle_deg(world, side)
        data[f"ankle_{side}_x_m"] = world.point(ANKLE[side])[:, 0]
        data[f"ankle_{side}_y_m"] = world.point(ANKLE[side])[:, 1]
    return pd.DataFrame(data)


def acceleration_profile(
    t_s: np.ndarray,
    hip_x_m: np.ndarray,
    first_movement_s: float,
    *,
    mass_kg: float | None,
    height_m: float | None,
    split_10yd_s: float = math.nan,
    position: str | None = None,
) -> dict[str, Any]:
    """Velocity-curve fit of the hip and, when it holds and mass is known, the F–v profile.

    Returns the rep.json ``profile`` object: ``velocity_fit`` (or null), ``force_velocity`` (or
    null), ``estimate`` (the predicted 20- and 40-yard times with their band from
    :func:`sprintlab.combine.estimate_from_partial_view`, or null), ``estimate_reason`` (why the
    estimate is null; empty when there is one), ``position`` (the football position the estimate
    was compared with, null when not given) and ``notes`` saying why a part is missing.
    """
    from .combine import estimate_from_partial_view

    notes: list[str] = []
    try:
        fit = fit_velocity_curve(t_s, hip_x_m, first_movement_s=first_movement_s)
    except ProfileError as err:
        return {
            "velocity_fit": None,
            "force_velocity": None,
            "estimate": None,
            "estimate_reason": f"No 20/40-yard estimate: {err}",
            "position": position,
            "notes": [str(err)],
        }
    fv = None
    if not fit.reliable:
        notes.append(f"no force–velocity profile: {fit.reason}")
    elif mass_kg is None or height_m is None:
        notes.append("no force–velocity profile: give the body mass (--mass-kg) and height")
    else:
        try:
            fv = force_velocity_profile(fit, mass_kg=mass_kg, height_m=height_m).to_dict()
        except ProfileError as err:
            notes.append(f"no force–velocity profile: {err}")
    estimate, estimate_reason = None, ""
    try:
        estimate = estimate_from_partial_view(
            t_s, hip_x_m, first_movement_s, fit, split_10yd_s=split_10yd_s, position=position
        ).to_dict()
    except ProfileError as err:
        estimate_reason = str(err)
    return {
        "velocity_fit": fit.to_dict(),
        "force_velocity": fv,
        "estimate": estimate,
        "estimate_reason": estimate_reason,
        "position": position,
        "notes": notes,
    }


def analyze_track(
    raw_px: KeypointTrack,
    calib: Calibration,
    *,
    rep_id: str,
    video: dict[str, Any],
    stature_m: float | None = None,
    mass_kg: float | None = None,
    settings: AnalysisSettings | None = None,
    warnings: list[str] | None = None,
    position: str | None = None,
    foot_image: FootImageResult | None = None,
    to_ref: np.ndarray | None = None,
    edits: Sequence[EventEdit] = (),
    landmarks: LandmarkSource | None = None,
    progress: Progress | None = None,
) -> RepResult:
    """Everything after the pose model: clean, calibrate, detect events, build steps and splits.

    Parameters
    ----------
    raw_px : KeypointTrack
        The athlete's keypoints in pixels as the model gave them (NaN where not found).
    calib : Calibration
        Pixels -> metres.
    rep_id : str
    video : dict
        The ``video`` block of rep.json.
    stature_m : float, optional
        Athlete stature; estimated from the leg segments when not given.
    mass_kg : float, optional
        Body mass, for the force–velocity profile.
    settings : AnalysisSettings, optional
    warnings : list of str, optional
        Warnings from earlier stages (video probe, tracking) to carry into the result.
    position : str, optional
        Football position, choosing the combine group of the 20/40-yard estimate.
    foot_image : FootImageResult, optional
        What the image stage at the feet found (:mod:`sprintlab.footimage`; its frame numbers
        are rows of ``raw_px``). Its touchdowns and toe-offs replace the pose's where it saw the
        same contact; when it could not be used, the rep says so. None: pose only, silently.
    to_ref : ndarray, shape (T, 2, 3), optional
        A moving camera that was followed (:func:`follow_camera`): each frame's similarity onto
        the reference frame. The keypoints are moved there before anything is measured, so
        that ``calib`` (made in the reference frame's pixels) holds for every frame; the rep
        keeps ``raw_px`` as the model gave it.
    edits : sequence of EventEdit, optional
        A person's corrections of the contacts (:mod:`sprintlab.events.edits`), applied to the
        detected contacts before legs, steps and angles are computed; rep.json ``edits`` lists
        them with whether each still found its contact.
    landmarks : LandmarkSource, optional
        The pose landmarker on the clip's frames (:mod:`sprintlab.pose.landmarker`): the
        landing leg at each touchdown is read from it (:mod:`sprintlab.touchdown_landmarks`)
        for the shin angle and the foot's place where it can be; rep.json ``landmarker`` says
        which steps. None: the tracking model's keypoints alone.
    progress : callable, optional
        Told ``("landmarks", 0)`` when the landmarker starts reading frames and ``("steps",
        0)`` when it is done (for the bench's phases).
    """
    s = settings or AnalysisSettings()
    warns = list(warnings or []) + list(calib.warnings)
    px = raw_px if to_ref is None else in_reference_frame(raw_px, to_ref)
    masked = mask_low_confidence(px, s.filter.conf_threshold)
    repaired, swapped = repair_leg_swaps(masked, swap_penalty=s.filter.swap_penalty)
    world_raw = to_world(repaired, calib)
    world = smooth_track(world_raw, s.filter)
    stature_source = "given"
    if stature_m is None:
        stature_m = estimate_stature_m(world)
        stature_source = "estimated from the leg segments"
    hip = hip_mid(world)
    fps = px.fps
    # First movement from the body's consensus motion, not the hip point alone: the pose model's
    # hip point slides as the athlete rises out of the crouch.
    body_x = body_forward_x(world)
    fm_found = detect_first_movement(world.t_s, body_x, fps, s.events)
    # Splits hang on first movement: it is reported only when the set position was seen and
    # the run agrees with it; otherwise it is withheld and only separates stance from steps.
    seen = body_seen(np.asarray(masked.xy)[:, list(BODY_KEYPOINTS)])
    start = check_start(world.t_s, seen, hip[:, 0], body_x, fm_found, fps, s.events)
    fm = start.first_movement
    if not start.observed:
        warns.append(withheld_start_warning(start))
    ankles = {side: np.asarray(world.point(ANKLE[side])) for side in SIDES}
    ankles_raw = {side: np.asarray(world_raw.point(ANKLE[side])) for side in SIDES}
    contacts, w = detect_contacts(
        world.t_s,
        ankles,
        hip[:, 0],
        fps,
        stature_m,
        s.events,
        ankles_raw=ankles_raw,
        first_movement_s=fm.time_s,
        second_look=_image_detector(foot_image, repaired, ankles_raw, stature_m, s),
    )
    warns += w
    contacts, w, unmatched = _fuse_image(contacts, foot_image, repaired, fm.time_s, s)
    warns += w
    outcomes: list[EditOutcome] = []
    if edits:
        contacts, outcomes = apply_edits(
            contacts, edits, world.t_s, ankles, stature_m, fm.time_s, s.events
        )
        warns += edit_notes(outcomes)
    # Leg identity per frame from the contacts (stance ankle on the pivot, front ankle in flight
    # lands next), then knees and hips by segment rigidity; the track is smoothed again so that
    # no filter mixes the two legs across a label flicker. Frames no contact anchors keep the
    # model's own labels (the continuity repair above only serves contact detection).
    identity = assign_legs(to_world(masked, calib), contacts)
    # With the legs identified, each is moved into its own plane beside the athlete plane.
    offsets = leg_plane_offsets_m(calib, stature_m, s.leg_plane_offset_to_stature)
    world_raw = to_leg_planes(identity.track, calib, offsets)
    world = smooth_track(world_raw, s.filter)
    contacts = place_contacts([replace(c, label=c.side) for c in contacts], calib, offsets)
    # The foot's place: the pose's stance ankle and the still sole the image saw, blended.
    contacts, n_sole = blend_sole_place(contacts, calib, offsets, fm.time_s, s.events)
    # The landing leg at each touchdown from a second pose model, when there is one: the foot's
    # place (here) and the shin angle (after the steps are built).
    landing = None
    if landmarks is not None:

        def lm_world(xy_px: np.ndarray, on_leg_planes: bool) -> np.ndarray:
            track = raw_px.with_xy(xy_px)
            if to_ref is not None:
                track = in_reference_frame(track, to_ref)
            placed = to_world(track, calib)
            if on_leg_planes:
                placed = to_leg_planes(placed, calib, offsets)
            return np.asarray(placed.xy)

        if progress:
            progress("landmarks", 0.0)
        landing = read_landing_legs(
            [(c.td_s, c.side, c.foot_x_m) for c in contacts if math.isfinite(c.td_s)],
            world.t_s,
            fps,
            landmarks,
            lm_world,
            s.landmarker,
            stature_m=stature_m,
            stature_px=leg_length_px(masked) / LEG_TO_STATURE,
        )
        contacts, n_placed = blend_landmark_place(contacts, landing, fm.time_s, s.landmarker)
        if progress:
            progress("steps", 0.0)
    steps, w = build_steps(
        contacts,
        fm,
        world,
        raw=world_raw,
        max_steps=s.max_steps,
        shank_length_m=SHANK_TO_STATURE * stature_m,
        min_stance_length_m=s.events.merge_dist_m,
    )
    warns += w
    landmarker: dict[str, object] | None = None
    if landing is not None:
        steps, shins = landmark_shins(steps, landing, s.landmarker)
        landmarker = {**landing.record, "steps": shins, "contacts_placed": n_placed}
    splits, w = split_times(world.t_s, hip[:, 0], start.reported_s)
    if not start.observed:
        w = []  # the withheld-start warning already says why every split is empty
    if calib.method == "athlete_height":
        w = [x + " (distances are approximate: no ground markers)" for x in w]
    warns += w
    hip_vx = velocity(hip[:, 0], fps, cutoff_hz=s.hip_velocity_cutoff_hz)
    finite_v = hip_vx[np.isfinite(hip_vx)]
    peak_v = float(finite_v.max()) if finite_v.size else math.nan
    height_known = stature_source == "given"
    profile = acceleration_profile(
        world.t_s,
        hip[:, 0],
        start.reported_s,
        mass_kg=mass_kg,
        height_m=stature_m if height_known else None,
        split_10yd_s=splits.get("10yd_s", math.nan),
        position=position,
    )
    extra = {
        "athlete": {"stature_m": stature_m, "stature_source": stature_source, "mass_kg": mass_kg},
        "profile": profile,
        "first_movement": start.to_dict(),
        "peak_hip_velocity_mps": peak_v,
        "diagnostics": {
            "leg_swap_frames_repaired": int(swapped.sum()),
            "leg_identity_anchored_share": float(np.mean(identity.anchored)),
            "contacts_found": len(contacts),
            # Contacts after first movement the image saw but the pose did not (not added).
            "image_contacts_unmatched": unmatched,
            # Contacts whose place blends the still sole the image saw with the pose's ankle.
            "contacts_placed_by_sole": n_sole,
            "keypoint_coverage": float(np.mean(np.isfinite(masked.xy[:, KP.LEFT_ANKLE, 0]))),
        },
        "edits": [o.to_dict() for o in outcomes],
    }
    if landmarker is not None:
        extra["landmarker"] = landmarker
    return flag_implausible(
        RepResult(
            rep_id=rep_id,
            video=video,
            calibration={
                "method": calib.method,
                "rms_residual_m": calib.rms_residual_m,
                "confidence": calib.confidence,
                # The fitted camera (x along the lane, height, distance from the lane's centre
                # line) and how far each leg's plane was put beside it; null / 0 without a camera.
                "camera_m": None if calib.camera_m is None else list(calib.camera_m),
                "leg_plane_offset_m": max(abs(v) for v in offsets.values()),
            },
            first_movement_s=start.reported_s,
            steps=steps,
            splits=splits,
            warnings=warns,
            series=_series(world, hip_vx),
            raw_track=raw_px,
            world_track=world,
            extra=extra,
        )
    )


def in_reference_frame(track_px: KeypointTrack, to_ref: np.ndarray) -> KeypointTrack:
    """The keypoints of a moving camera's frames moved into its reference frame's pixels."""
    from .footimage.scan import track_to_reference

    to_ref = np.asarray(to_ref, float)
    if to_ref.shape != (track_px.n_frames, 2, 3):
        raise ValueError(
            f"the camera's motion has {to_ref.shape[0]} frames, the track {track_px.n_frames}"
        )
    return track_px.with_xy(track_to_reference(np.asarray(track_px.xy), to_ref))


def _image_detector(
    foot_image: FootImageResult | None,
    px_track: KeypointTrack,
    ankles_m: dict[str, np.ndarray],
    stature_m: float,
    s: AnalysisSettings,
) -> ImageContactDetector | None:
    """The image's contacts, offered where the pose missed a step (None without an image)."""
    if foot_image is None or not foot_image.used:
        return None
    ankles_px = {side: np.asarray(px_track.point(ANKLE[side])) for side in SIDES}
    found = image_candidates(
        foot_image, px_track.t_s, ankles_px, ankles_m, px_track.fps, stature_m, s.events
    )
    return ImageContactDetector(found)


def _fuse_image(
    contacts: list[Contact],
    foot_image: FootImageResult | None,
    px_track: KeypointTrack,
    first_movement_s: float,
    s: AnalysisSettings,
) -> tuple[list[Contact], list[str], int | None]:
    """The pose's contacts timed by the image where it saw them (see :mod:`.events.fusion`)."""
    if foot_image is None:
        return (
            fuse_contacts(
                contacts,
                unused_image(""),
                px_track.t_s,
                px_track.t_s,
                {},
                px_track.fps,
                1.0,
                first_movement_s,
                s.events,
            )[0],
            [],
            None,
        )
    if not foot_image.used:
        fused = fuse_contacts(
            contacts,
            foot_image,
            px_track.t_s,
            px_track.t_s,
            {},
            px_track.fps,
            1.0,
            first_movement_s,
            s.events,
        )[0]
        note = (
            f"touchdown and toe-off come from the pose model alone ({foot_image.reason}): "
            "expect them a few frames off"
        )
        return fused, [note], None
    ankle_px = {side: np.asarray(px_track.point(ANKLE[side])) for side in SIDES}
    athlete_px = float(foot_image.geometry.get("athlete_px", math.nan))
    return fuse_contacts(
        contacts,
        foot_image,
        px_track.t_s,
        px_track.t_s,
        ankle_px,
        px_track.fps,
        athlete_px,
        first_movement_s,
        s.events,
    )


def load_calibration_input(clip: Path, calib_path: Path | None) -> CalibrationInput | None:
    """The calibration file given, else the clip's sidecar (``clip.toml``), else None."""
    path = calib_path or find_sidecar(clip)
    return load_sidecar(path) if path is not None else None


MODEL_FILENAME = "yolo11n-pose.pt"


def default_model_path() -> Path:
    """The pose weights to use when none are given: ``$SPRINTLAB_MODEL`` if set, else
    ``models/yolo11n-pose.pt`` in the working folder or the source checkout (see
    :func:`sprintlab.pose.base.model_file`)."""
    from .pose.base import model_file

    return model_file(MODEL_FILENAME, "SPRINTLAB_MODEL")


@dataclass(frozen=True)
class ClipOptions:
    """What a user can state about one clip (all optional)."""

    capture_fps: float | None = None
    calib_path: Path | None = None
    athlete_height_m: float | None = None
    model_path: Path | None = None
    mass_kg: float | None = None
    overlay: bool = False
    rep_id: str | None = None
    position: str | None = None
    backend: str | None = None
    athlete_px: tuple[float, float] | None = None
    #: A person rejected the field's lines of this clip before: they are looked for (and shown
    #: with the rep) but do not calibrate it.
    field_lines_rejected: bool = False
    #: A picture column on the start line where it meets the lane, when the field's lines give
    #: the scale (the yard line nearest it is the start).
    start_line_px: float | None = None
    #: The lens's height above the ground (m): a running track's lane lines seen square-on
    #: need it for the scale along the lane.
    camera_height_m: float | None = None


def _video_block(meta: Any) -> dict[str, Any]:
    return {
        # Absolute: reanalyze redraws the overlay and times the feet again from wherever it runs.
        "path": str(Path(meta.path).resolve()),
        "container_fps": meta.container_fps,
        "capture_fps": meta.capture_fps,
        "n_frames": meta.n_frames,
        "width_px": meta.width_px,
        "height_px": meta.height_px,
    }


def analyze_clip(
    clip: Path,
    out_dir: Path,
    options: ClipOptions | None = None,
    *,
    settings: AnalysisSettings | None = None,
    tracking: TrackingSettings | None = None,
    estimator: Any = None,
    progress: Progress | None = None,
) -> tuple[RepResult, Path]:
    """Analyse one clip end to end and write its rep folder.

    Steps: probe the video, load the calibration input, run the pose model and follow the athlete
    (with ``tracking``, default :class:`~sprintlab.tracking.TrackingSettings`), analyse the track
    (with ``settings``), write ``out_dir/<rep_id>/`` (with the ``provenance`` record and what
    the overlay draws) atomically; with ``options.overlay``, then draw overlay.mp4
    (:func:`~sprintlab.overlay_video.draw_rep_overlay`).

    Returns
    -------
    result : RepResult
    rep_dir : Path
    """
    from .footage import FootageAccumulator
    from .pose.backends import load_pose_estimator
    from .prefetch import prefetch
    from .tracking import track_athlete
    from .video import iter_frames, probe

    opts = options or ClipOptions()
    clip = Path(clip)
    calib_input = load_calibration_input(clip, opts.calib_path)
    capture_fps = opts.capture_fps or (calib_input.capture_fps if calib_input else None)
    meta = probe(clip, capture_fps=capture_fps)
    size = (meta.width_px, meta.height_px)
    calib = marker_calibration(calib_input, size, opts.athlete_height_m)
    est = estimator or load_pose_estimator(opts.model_path or default_model_path(), opts.backend)
    if progress:
        progress("pose", 0.0)

    footage = FootageAccumulator(meta.capture_fps)
    athlete_px = opts.athlete_px or (calib_input.athlete_px if calib_input else None)

    # Without markers the field's lines may give the scale: a few search-pass frames are kept
    # to see the field without the athlete.
    sampler = None
    if calib is None:
        from .fieldlines.background import BackgroundSampler

        search_step = (tracking or TrackingSettings()).search_step_frame(meta.capture_fps)
        sampler = BackgroundSampler((meta.n_frames + search_step - 1) // search_step)

    passes: list[int] = []

    def frames(step: int):
        # Decoding runs a few frames ahead in its own thread while the model works; the footage
        # statistics are gathered there too, on the every-frame pass.
        passes.append(step)
        first = len(passes) == 1  # the search pass (every frame of a clip at 25 fps or less)
        source = iter_frames(meta, step=step)
        for f in prefetch(footage.tap(source) if step == 1 else source):
            if first and sampler is not None:
                sampler.offer(f.index, f.image)
            yield f.index, f.t_s, f.image

    track_settings = tracking or TrackingSettings()
    athlete = track_athlete(
        frames,
        meta.n_frames,
        meta.capture_fps,
        est,
        settings=track_settings,
        progress=progress,
        athlete_px=athlete_px,
    )
    if progress:
        progress("analysis", 0.0)
    report, raw, input_warnings = footage_checks(footage, athlete, meta, athlete_px, settings)
    # Markers are read as placed on the first frame: a followed camera's picture is then that
    # frame's (otherwise the middle frame's, which overlaps the most frames).
    markers_given = bool(calib_input and calib_input.markers)
    motion, camera_problem = follow_camera(
        meta, athlete, raw, report, track_settings.foot_image, reference_first=markers_given
    )
    to_ref = None if motion is None else motion.filled()
    if motion is not None:
        old = report.camera.sentence
        report = replace(report, camera_followed=motion.to_dict())
        input_warnings = [report.camera_sentence if w == old else w for w in input_warnings]
    if progress:
        progress("feet", 0.0)
    # Before the calibration: without markers, the soles it sees on the ground place the
    # athlete's ground line for the field's lines.
    foot_image = image_stage(
        meta, athlete, raw, report, track_settings.foot_image, motion, camera_problem
    )
    field_lines, background = None, None
    # Given on the command line, or in the clip's sidecar (the Analyse page writes it there).
    start_line_px = _given(opts.start_line_px, calib_input, "start_line_px")
    camera_height_m = _given(opts.camera_height_m, calib_input, "camera_height_m")
    if calib is not None and start_line_px is not None:
        input_warnings.append(
            "The start line given was not used: the ground markers place the start line."
        )
    if calib is not None and camera_height_m is not None:
        input_warnings.append(
            "The camera height given was not used: the ground markers give the scale."
        )
    if calib is None:
        px_ref = raw if to_ref is None else in_reference_frame(raw, to_ref)
        background, no_background = _still_background(sampler, athlete, to_ref)
        field_lines = field_lines_for(
            background,
            px_ref,
            athlete.boxes_xyxy_px if to_ref is None else None,
            no_background=no_background,
            start_line_px=start_line_px,
            foot_image=foot_image,
            camera_height_m=camera_height_m,
        )
        if opts.field_lines_rejected and field_lines.record.get("found"):
            record = {**field_lines.record, "rejected": True}
            field_lines = replace(
                field_lines, calibration=_field_lines_from_record(record).calibration, record=record
            )
        calib = resolve_calibration(calib_input, px_ref, size, opts.athlete_height_m, field_lines)
        bend = field_lines.record.get("lens_bend") or {}
        if bend.get("significant") and field_lines.calibration is None:
            # The lines' own calibration carries it; without it, the rep still should.
            from .fieldlines.lens import LensBend

            said = LensBend(
                bend["k1"], bend["k1_sd"], bend["lines"], bend["max_bow_px"], bend["edge_pct"]
            ).sentence()
            input_warnings.append(said[0].upper() + said[1:] + ".")
    height = opts.athlete_height_m or (calib_input.athlete_height_m if calib_input else None)
    if progress:
        progress("steps", 0.0)
    rep_id = opts.rep_id or rep_id_for(clip, file_sha256(clip))
    landmarks, lm_problem = clip_landmarks(
        meta,
        raw,
        athlete.boxes_xyxy_px if raw.n_frames == athlete.track.n_frames else None,
        enabled=(settings or AnalysisSettings()).landmarker.enabled,
    )
    try:
        result = analyze_track(
            raw,
            calib,
            rep_id=rep_id,
            video=_video_block(meta),
            stature_m=height,
            mass_kg=opts.mass_kg,
            settings=settings,
            warnings=input_warnings,
            position=opts.position,
            foot_image=foot_image,
            to_ref=to_ref,
            landmarks=landmarks,
            progress=progress,
        )
    except AnalysisError as err:
        if motion is None and report.camera.fired:
            # A camera that follows the athlete and could not be followed moves the picture
            # with them: their run may not show as forward motion at all. Say that first.
            raise AnalysisError(
                f"{report.camera_sentence} It could not be followed, so the athlete's run cannot "
                f"be told from the camera's: film from a tripod. ({err})"
            ) from err
        raise
    finally:
        if landmarks is not None:
            landmarks.close()
    landmark_arrays = _landmarker_record(result, landmarks, lm_problem)
    result = apply_footage_report(result, report)
    result.extra["foot_image"] = foot_image.to_dict()
    result.extra["calibration_input"] = _calibration_input_dict(calib_input, opts.athlete_height_m)
    if field_lines is not None:
        result.extra["field_lines"] = {**field_lines.record, "grid_px": list(field_lines.grid_px)}
    result.extra["input_warnings"] = input_warnings
    result.extra["tracking"] = {
        "detected_fraction": athlete.detected_fraction,
        # Frames found only by going back from where the track took hold (the set position).
        "recovered_frames": athlete.recovered_frames,
    }
    result.extra["pose_engine"] = {
        "backend": getattr(est, "backend", None),
        "model": Path(str(getattr(est, "model_path", ""))).name or None,
        "note": getattr(est, "backend_note", None),
    }
    weights = Path(opts.model_path or default_model_path()) if estimator is None else None
    pose = PosePart.current(
        weights or _weights_file(est), getattr(est, "backend", None), track_settings
    )
    result.extra["provenance"] = Provenance(
        pose, AnalysisPart.current(settings or AnalysisSettings())
    ).to_dict()
    if progress:
        progress("writing", 0.0)
    rep_dir = write_rep_folder(
        result,
        out_dir,
        extra_arrays={
            "boxes_xyxy_px": athlete.boxes_xyxy_px,
            "box_conf": athlete.box_conf,
            # A followed camera's motion: reanalyze measures in the same picture again.
            **({} if to_ref is None else {"to_ref": to_ref}),
            # The landmarker's answers: a re-analysis reads only frames it has not seen.
            **landmark_arrays,
            # What the overlay draws, for drawing it later.
            **overlay_arrays(result, calib, to_ref),
        },
    )
    # The lines found are drawn even when rejected before: the person can take them back.
    if field_lines is not None and field_lines.grid_px and background is not None:
        write_field_grid(rep_dir, background, field_lines.grid_px)
    if opts.overlay:
        # The numbers are in: the picture comes after them.
        if progress:
            progress("overlay", 0.0)
        draw_rep_overlay(rep_dir, progress=(lambda f: progress("overlay", f)) if progress else None)
    return result, rep_dir


#: The still field with the grid of lines that calibrated the rep, in its rep folder.
FIELD_GRID_FILE = "field_grid.jpg"


def write_field_grid(rep_dir: Path, background: np.ndarray, grid: Sequence[Any]) -> Path:
    """``rep_dir/field_grid.jpg``: the field without the athlete and the lines that calibrated
    the rep (:func:`sprintlab.viz.fieldgrid.draw_field_grid`), written in one step."""
    import cv2

    from .viz.fieldgrid import draw_field_grid

    image = draw_field_grid(background, grid)
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 88])
    path = Path(rep_dir) / FIELD_GRID_FILE
    if ok:
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_bytes(data.tobytes())
        os.replace(tmp, path)
    return path


def _still_background(
    sampler: Any, athlete: AthleteTrack, to_ref: np.ndarray | None
) -> tuple[np.ndarray | None, str]:
    """The field without the athlete from the kept search-pass frames, and why not when there
    is none. A followed camera's frames are first moved into its reference frame's picture
    (``to_ref``), where the analysis measures."""
    import cv2

    from .fieldlines.background import still_background
    from .footimage.scan import boxes_to_reference

    if sampler is None or not sampler.frames:
        return None, "no frames of the field were kept"
    rows = {int(fi): r for r, fi in enumerate(athlete.track.frame_index)}
    kept = [(index, image) for index, image in sampler.frames if index in rows]
    sampler.frames.clear()
    if not kept:
        return None, "the frames kept of the field are not among the tracked frames"
    boxes = athlete.boxes_xyxy_px
    seen = None
    if to_ref is not None:
        if len(to_ref) != len(boxes):
            return None, "the camera moves and its frames could not be lined up"
        boxes = boxes_to_reference(boxes, np.asarray(to_ref, float))
        h, w = kept[0][1].shape[:2]
        moved, seen = [], {}
        for index, image in kept:
            m = np.asarray(to_ref[rows[index]], np.float64)
            moved.append((index, cv2.warpAffine(image, m, (w, h), flags=cv2.INTER_LINEAR)))
            inside = cv2.warpAffine(np.full((h, w), 255, np.uint8), m, (w, h)) == 255
            seen[index] = inside
        kept = moved
    people = {index: boxes[rows[index]][None, :] for index, _ in kept}
    background, _ = still_background(kept, people, seen=seen)
    return background, ""


def follow_camera(
    meta: VideoMeta,
    athlete: AthleteTrack,
    raw: KeypointTrack,
    report: FootageReport,
    settings: FootImageSettings,
    *,
    reference_first: bool = False,
) -> tuple[FrameMotion | None, str]:
    """A moving camera's motion on every frame, when the footage check found that it moves
    and the motion can be measured well enough to take out (None and the reason otherwise;
    None and "" for a still camera).

    A hand-held phone drifts, turns and zooms a little: each frame's similarity onto a
    reference frame (the first with ``reference_first``, else the middle one) is measured from
    the background (:mod:`sprintlab.footimage.stabilise`); the analysis then measures the
    keypoints in that frame's picture and the image stage cuts the ground band through it.
    """
    if not report.camera.fired:
        return None, ""
    if raw.n_frames != athlete.track.n_frames:
        return None, "repeated or blended frames were dropped from the clip"
    try:
        return camera_motion(
            meta, athlete.boxes_xyxy_px, settings, reference_frame=0 if reference_first else None
        )
    except VideoError as err:
        return None, f"the clip could not be read again ({err})"


def clip_landmarks(
    meta: VideoMeta,
    raw: KeypointTrack,
    boxes_xyxy_px: np.ndarray | None,
    cache: dict[int, np.ndarray] | None = None,
    *,
    enabled: bool = True,
) -> tuple[ClipLandmarks | None, str]:
    """The pose landmarker on this clip's frames, or None and why it cannot run here.

    The athlete's boxes give the crops when they line up with the track's rows; otherwise
    (repeated frames dropped) a box around each row's keypoints does.
    """
    from .pose.landmarker import ClipLandmarks, boxes_from_keypoints, landmarker_problem

    if not enabled:
        return None, "the landmarker is turned off in the settings ([analysis.landmarker] enabled)"
    problem = landmarker_problem()
    if problem:
        return None, problem
    boxes = boxes_xyxy_px
    if boxes is None or len(boxes) != raw.n_frames:
        boxes = boxes_from_keypoints(np.asarray(raw.xy))
    return ClipLandmarks(meta, raw.frame_index, boxes, cache=cache), ""


def _landmarker_record(
    result: RepResult, landmarks: ClipLandmarks | None, problem: str
) -> dict[str, np.ndarray]:
    """rep.json's ``landmarker`` note when it could not run; its answers for keypoints.npz."""
    if landmarks is None:
        result.extra["landmarker"] = {"model": None, "steps": [], "note": problem}
        return {}
    if isinstance(result.extra.get("landmarker"), dict):
        result.extra["landmarker"].update(landmarks.timing())
    return landmarks.arrays()


#: Why the image stage did not run when the settings turn it off (reanalyze --feet runs it).
IMAGE_STAGE_OFF = "the image stage is turned off in the settings"


def image_stage(
    meta: VideoMeta,
    athlete: AthleteTrack,
    raw: KeypointTrack,
    report: FootageReport,
    settings: FootImageSettings,
    motion: FrameMotion | None = None,
    camera_problem: str = "",
) -> FootImageResult:
    """Time the ground contacts from the picture at the feet (:mod:`sprintlab.footimage`), or
    say why the picture cannot be used for it.

    A moving camera needs its ``motion`` (:func:`follow_camera`): the ground band is cut
    through it so that the ground holds still in the band, the contacts are placed in the
    reference frame's pixels, and the result carries the motion's summary (``stabilisation``).
    The picture is not used when the athlete does not run across it, when frames were dropped,
    or when the camera moves and could not be followed (``camera_problem`` says why).
    """
    if not settings.enabled:
        return unused_image(IMAGE_STAGE_OFF)
    if report.crossing.fired:
        return unused_image(
            "the athlete does not run across the picture, so the ground cannot be told apart "
            "from the athlete"
        )
    if raw.n_frames != athlete.track.n_frames:
        return unused_image("repeated or blended frames were dropped from the clip")
    if report.camera.fired and motion is None:
        return unused_image(f"the camera moves and could not be followed: {camera_problem}")
    return scan_feet(
        meta,
        raw,
        athlete.boxes_xyxy_px,
        settings,
        None if motion is None else motion.filled(),
        {} if motion is None else motion.to_dict(),
    )


def scan_feet(
    meta: VideoMeta,
    raw: KeypointTrack,
    boxes_xyxy_px: np.ndarray,
    settings: FootImageSettings,
    to_ref: np.ndarray | None = None,
    stabilisation: dict | None = None,
) -> FootImageResult:
    """The image stage's scan of the clip's ground band (:func:`image_stage` has decided that
    the picture can be used): the band rows of every frame decoded again, cut through a
    followed camera's motion ``to_ref`` (T, 2, 3) when given, whose summary
    (``stabilisation``) the result then carries."""
    from .footimage.scan import scan_frames
    from .prefetch import prefetch
    from .video import iter_row_bands

    def rows(row0_px: int, row1_px: int):
        return (f.image for f in prefetch(iter_row_bands(meta, row0_px, row1_px)))

    try:
        result = scan_frames(
            rows,
            np.asarray(raw.xy),
            np.asarray(raw.conf),
            boxes_xyxy_px,
            (meta.width_px, meta.height_px),
            raw.fps,
            settings,
            motion=to_ref,
        )
    except VideoError as err:
        return unused_image(f"the clip could not be read again ({err})")
    if stabilisation and result.used:
        result = replace(result, stabilisation=stabilisation)
    return result


def camera_motion(
    meta: VideoMeta,
    boxes_xyxy_px: np.ndarray,
    settings: FootImageSettings,
    *,
    reference_frame: int | None = None,
) -> tuple[FrameMotion | None, str]:
    """A moving camera's motion, every frame onto ``reference_frame`` (default: the middle
    one), measured on the clip's grey frames (decoded again; reduced when the whole clip would
    take more than ``stabilise.max_frames_mb``), and None with the reason when it is not good
    enough to take out (:func:`sprintlab.footimage.stabilise.motion_problem`)."""
    import cv2

    from .footimage.stabilise import for_reduced, frame_motion, motion_problem, reduction
    from .prefetch import prefetch
    from .video import iter_frames

    s = settings.stabilise
    scale = reduction(meta.n_frames, (meta.height_px, meta.width_px), s)
    size = (max(1, round(meta.width_px * scale)), max(1, round(meta.height_px * scale)))

    def grey(image: np.ndarray) -> np.ndarray:
        g = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
        return g if scale == 1.0 else cv2.resize(g, size, interpolation=cv2.INTER_AREA)

    frames = np.stack([grey(f.image) for f in prefetch(iter_frames(meta))])
    if frames.shape[0] != len(boxes_xyxy_px):
        return None, "the frames decoded again did not match the tracked frames"
    if scale == 1.0:
        motion = frame_motion(frames, boxes_xyxy_px, s, reference_frame=reference_frame)
    else:
        motion = frame_motion(
            frames, boxes_xyxy_px * scale, for_reduced(s, scale), reference_frame=reference_frame
        )
        motion = motion.rescaled(scale)
    problem = motion_problem(motion, s)
    return (None, problem) if problem else (motion, "")


def _weights_file(estimator: Any) -> Path | None:
    """The weights file an injected estimator was loaded from, when it says so (else None)."""
    path = getattr(estimator, "model_path", None)
    return Path(path) if path is not None and Path(path).is_file() else None


def footage_checks(
    footage: FootageAccumulator,
    athlete: AthleteTrack,
    meta: VideoMeta,
    athlete_px: tuple[float, float] | None,
    settings: AnalysisSettings | None,
) -> tuple[FootageReport, KeypointTrack, list[str]]:
    """Run the footage checks on what the pose passes gathered.

    Returns the :class:`~sprintlab.footage.FootageReport`, the athlete's pixel track to analyse
    (without repeated or blended frames, re-timed at the original rate, when they follow a
    regular pattern) and the input warnings (the probe's and the tracker's, then the checks'
    sentences; the probe's sampled repeated-frame warning gives way to the check's over every
    frame).
    """
    from .footage import distinct_frames, footage_report, superseded_by

    s = settings or AnalysisSettings()
    report = footage_report(
        footage.stats(),
        athlete.track,
        athlete.boxes_xyxy_px,
        (meta.width_px, meta.height_px),
        runners=athlete.runners,
        athlete_px=athlete_px,
        conf_threshold=s.filter.conf_threshold,
    )
    probe_warnings = [w for w in meta.warnings if not superseded_by(w, report)]
    warns = [*probe_warnings, *athlete.warnings, *report.sentences]
    return report, distinct_frames(athlete.track, report.timing_check), warns


def apply_footage_report(result: RepResult, report: FootageReport) -> RepResult:
    """Put the footage report into the rep (``footage``) and withhold what it makes unreliable."""
    from .footage import withhold_outputs

    out = withhold_outputs(
        result, distances_reason=report.distances_reason, timing_reason=report.timing_reason
    )
    out.extra["footage"] = report.to_dict()
    # What was withheld is no longer shown, so it is no longer flagged either.
    return flag_implausible(out)


def feet_again(
    doc: dict[str, Any],
    raw: KeypointTrack,
    arrays: dict[str, np.ndarray],
    settings: FootImageSettings,
    stored: FootImageResult | None,
) -> FootImageResult:
    """The image stage run again on a rep's clip, from its kept keypoints, boxes and (for a
    followed camera) motion.

    What kept the picture from being used when the rep was made (the athlete not crossing the
    picture, dropped frames, a camera that could not be followed) came from the pose passes,
    which do not run here: such a rep keeps its stored result. Raises
    :class:`~sprintlab.errors.VideoError` when the clip is not at its recorded path any more
    or no longer matches the keypoints.
    """
    from .video import probe

    if not settings.enabled:
        return unused_image(IMAGE_STAGE_OFF)
    if stored is not None and not stored.used and stored.reason != IMAGE_STAGE_OFF:
        return stored
    video = doc["video"]
    clip = Path(video["path"])
    if not clip.is_file():
        raise VideoError(
            f"the feet cannot be timed again: the clip is not at {clip} any more "
            "(analyse it again where it now is)"
        )
    meta = probe(clip, capture_fps=video.get("capture_fps"))
    boxes = arrays.get("boxes_xyxy_px")
    if meta.n_frames != raw.n_frames or boxes is None or len(boxes) != raw.n_frames:
        raise VideoError(
            f"the feet cannot be timed again: {clip} has {meta.n_frames} frames, the rep's "
            f"keypoints {raw.n_frames} (analyse the clip again)"
        )
    to_ref = arrays.get("to_ref")
    kept = stored.stabilisation if stored is not None and to_ref is not None else {}
    return scan_feet(meta, raw, boxes, settings, to_ref, kept)


def _given(value: float | None, calib_input: CalibrationInput | None, name: str) -> float | None:
    """``value`` when given, else the sidecar's ``name`` (None when neither says)."""
    if value is not None:
        return value
    return getattr(calib_input, name) if calib_input is not None else None


def _calibration_input_dict(
    calib_input: CalibrationInput | None, athlete_height_m: float | None
) -> dict[str, Any]:
    markers = []
    if calib_input is not None:
        markers = [
            {"image_px": list(m.image_px), "track_m": m.track_m, "lateral_m": m.lateral_m}
            for m in calib_input.markers
        ]
    height = athlete_height_m or (calib_input.athlete_height_m if calib_input else None)
    return {"markers": markers, "athlete_height_m": height}


def _field_lines_from_record(record: dict[str, Any] | None) -> FieldLines | None:
    """The field-line calibration kept in rep.json (None when the rep had markers)."""
    from .fieldlines.fit import no_field_lines

    if not record:
        return None
    if record.get("rejected"):
        return no_field_lines("the field's lines were rejected: the grid was not on the field")
    if record.get("found") and record.get("calibration"):
        grid = tuple((float(x), tuple(a), tuple(b)) for x, a, b in record.get("grid_px", []))
        return FieldLines(Calibration.from_dict(record["calibration"]), "", record, grid)
    return no_field_lines(str(record.get("reason", "the field's lines were not found")))


def reanalyze_rep(
    rep_dir: Path,
    *,
    settings: AnalysisSettings | None = None,
    overlay: bool = False,
    feet: FootImageSettings | None = None,
    edits: Sequence[EventEdit] | None = None,
    field_lines: bool | None = None,
) -> tuple[RepResult, Path]:
    """Re-run everything after the pose model from a rep folder's ``keypoints.npz``.

    The numbers are written first; with ``overlay`` the overlay is then redrawn when the original
    clip is still at its recorded path, otherwise an old overlay is kept (rep.json's
    ``overlay_steps`` says which steps it marks). The ``provenance`` record keeps the original
    pose part (weights, engine, tracking settings) and gets this sprintlab's analysis part; a rep
    written before provenance was recorded gets a pose part that says it is unknown.

    Parameters
    ----------
    feet : FootImageSettings, optional
        Time the contacts from the picture at the feet again with these settings (the clip is
        read again; :func:`feet_again`) instead of reusing the image contacts kept in rep.json.
    edits : sequence of EventEdit, optional
        A person's corrections of the contacts (:mod:`sprintlab.events.edits`); they replace
        the rep's. None keeps the edits rep.json lists: a re-analysis never drops them.
    field_lines : bool, optional
        False rejects the field's lines the analysis found (the person saw the grid off the
        painted lines): markers or the athlete's height calibrate instead, and the lines are
        kept, marked rejected, for True to take back. None keeps them as they are.
    """
    from .calibration import Marker
    from .results import load_rep_json, load_track_npz
    from .video import probe

    rep_dir = Path(rep_dir)
    doc = load_rep_json(rep_dir)
    raw, arrays = load_track_npz(rep_dir / "keypoints.npz")
    ci = doc.get("calibration_input") or {}
    markers = tuple(
        Marker(tuple(m["image_px"]), float(m["track_m"]), float(m.get("lateral_m", 0.0)))
        for m in ci.get("markers", [])
    )
    height = ci.get("athlete_height_m")
    video = doc["video"]
    calib_input = CalibrationInput(
        markers=markers,
        capture_fps=video.get("capture_fps"),
        athlete_height_m=height,
        run_direction="auto",
    )
    # A followed camera's motion (kept with the keypoints): measured in the same picture again.
    to_ref = arrays.get("to_ref")
    px = raw if to_ref is None else in_reference_frame(raw, to_ref)
    # The field's lines found by the analysis are kept with the rep: they calibrate again,
    # unless the person rejected them.
    lines_record = doc.get("field_lines")
    if lines_record is not None and field_lines is not None:
        lines_record = {**lines_record, "rejected": not field_lines}
    field = _field_lines_from_record(lines_record)
    calib = resolve_calibration(
        calib_input, px, (video["width_px"], video["height_px"]), height, field
    )
    input_warnings = list(doc.get("input_warnings", []))
    # The image stage read the clip's frames; its contacts are kept in rep.json and used again.
    foot_image = FootImageResult.from_dict(doc["foot_image"]) if doc.get("foot_image") else None
    if feet is not None:
        foot_image = feet_again(doc, raw, arrays, feet, foot_image)
    from .pose.landmarker import ClipLandmarks, cache_from_arrays

    clip = Path(video["path"])
    cache = cache_from_arrays(arrays)
    landmarker_on = (settings or AnalysisSettings()).landmarker.enabled
    landmarks, lm_problem = None, f"the clip {clip} is not at its recorded path"
    meta = None
    if clip.is_file():
        try:
            meta = probe(clip, capture_fps=video.get("capture_fps"), check_duplicates=False)
        except VideoError as err:
            lm_problem = f"the clip at {clip} cannot be read ({err})"
    if meta is not None:
        landmarks, lm_problem = clip_landmarks(
            meta, raw, arrays.get("boxes_xyxy_px"), cache, enabled=landmarker_on
        )
    elif cache and landmarker_on:
        # The clip has moved: the frames read before still serve the touchdowns that did not.
        landmarks = ClipLandmarks(
            None, raw.frame_index, np.full((raw.n_frames, 4), np.nan), cache=cache
        )
    try:
        result = analyze_track(
            raw,
            calib,
            rep_id=doc["rep_id"],
            video=video,
            stature_m=height,
            mass_kg=(doc.get("athlete") or {}).get("mass_kg"),
            settings=settings,
            warnings=input_warnings,
            position=(doc.get("profile") or {}).get("position"),
            foot_image=foot_image,
            to_ref=to_ref,
            edits=edits_from_dicts(doc.get("edits")) if edits is None else edits,
            landmarks=landmarks,
        )
    finally:
        if landmarks is not None:
            landmarks.close()
    arrays = {**arrays, **_landmarker_record(result, landmarks, lm_problem)}
    if foot_image is not None:
        result.extra["foot_image"] = foot_image.to_dict() if feet else doc["foot_image"]
    footage = doc.get("footage")
    if footage:
        from .footage import withhold_outputs

        withheld = footage.get("withheld") or {}
        result = flag_implausible(
            withhold_outputs(
                result,
                distances_reason=withheld.get("distances"),
                timing_reason=withheld.get("timing"),
            )
        )
        result.extra["footage"] = footage
    result.extra["calibration_input"] = ci
    if lines_record is not None:
        result.extra["field_lines"] = lines_record
    result.extra["input_warnings"] = input_warnings
    # What the pose passes found is not re-run here: keep their records.
    for key in ("pose_engine", "tracking"):
        if key in doc:
            result.extra[key] = doc[key]
    old = provenance_of(doc)
    pose = old.pose if old is not None else PosePart.unknown()
    if feet is not None and pose.tracking:
        from .provenance import settings_dict

        pose = replace(pose, tracking={**pose.tracking, "foot_image": settings_dict(feet)})
    result.extra["provenance"] = Provenance(
        pose, AnalysisPart.current(settings or AnalysisSettings())
    ).to_dict()
    arrays.update(overlay_arrays(result, calib, to_ref))
    out = write_rep_folder(result, rep_dir.parent, extra_arrays=arrays, keep_files_from=rep_dir)
    if overlay and clip.is_file():
        # Numbers first; the kept overlay (if any) shows the old steps until this redraws it.
        draw_rep_overlay(out)
    return result, out
