"""The landing leg at each touchdown read by a second pose model (:mod:`sprintlab.pose.landmarker`).

The tracking model's knee and ankle of a sprinter's landing leg sit a few centimetres off; that
is most of the error of the shin angle at touchdown and of the foot's place once the touchdown
is timed from the image. MediaPipe's pose landmarker (heavy) places them better on side views,
and is run only on the frames within ``window_s`` of each touchdown (at least one frame either
side). :func:`read_landing_legs` reads them:

- On each frame the landing leg is the landmarker's leg whose ankle is lower; when the two
  ankles are within ``tie_m`` of the same height (legs crossing), the one nearer the contact's
  foot place. Its left/right labels are not used: they swap from one frame to the next, but the
  knee and ankle of one label belong to one leg. A frame where it barely sees that knee or ankle
  (``min_visibility``) is left out.
- The athlete must be at least ``min_stature_px`` tall in the picture, and the clip's median
  landmarker shank a plausible fraction of the stature; otherwise nothing is read, and the rep
  says why.

Two readings come from it:

- **The shin angle at touchdown** (:func:`landmark_shins`), the rigid one as for the YOLO
  keypoints (:func:`sprintlab.steps.rigid_shin_angle_deg`): ``arccos(dx / L)``, with dx the
  knee's x minus the ankle's x along the lane in the landing leg's plane, fitted linearly in
  time over the window and read at the touchdown, and L the clip's median landmarker shank (its
  knee and ankle sit a little differently on the leg than the joint centres; a length from the
  same points cancels that).
- **The foot's place** (:func:`blend_landmark_place`): the landmarker's ankle on the stance
  frames of the window, tied to the contact's place by the rep's median offset between the two
  (its ankle sits 3–4 cm ahead of the tracking model's), blended with weight ``place_weight``;
  a reading more than ``place_gate_m`` from the contact's place is a gross error and not used.

Measured with ``validate --rescore`` (same keypoints and touchdowns; before → after): six
rendered scenarios, shin at touchdown MAE 6.07° → 4.15°, step length 3.5 → 2.3 cm (95% limits
−10.4..+9.2 → −7.2..+6.4 cm), foot-to-hip distance 5.7 → 5.1 cm; sixteen degraded factor clips,
shin 7.3° → 5.7°, step length 3.8 → 2.9 cm.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from .events import Contact
from .pose.landmarker import MP_INDEX, LandmarkSource
from .skeleton import ANKLE, KNEE, SIDES
from .steps import Step, rigid_shin_angle_deg

#: Maps (T, 17, 2) clip pixels to world metres: ``(xy_px, on_leg_planes) -> (T, 17, 2)``.
WorldMap = Callable[[np.ndarray, bool], np.ndarray]


@dataclass(frozen=True)
class LandmarkerSettings:
    """Settings of the landing leg read by the pose landmarker.

    Attributes
    ----------
    enabled : bool
        Read the landing leg with the landmarker when it is installed (False: the tracking
        model's keypoints alone, as without it).
    window_s : float
        Half the time window around each touchdown read by the landmarker, seconds (at least
        one frame either side). The shin turns about 700°/s at touchdown: a short linear fit
        averages a few frames' noise without bending the angle.
    tie_m : float
        Two ankles closer than this in height are a tie, broken by the foot's place, metres.
    min_visibility : float
        Least visibility the landmarker must give the landing leg's knee and ankle on a frame
        for the frame to count (on a degraded 720p start it put an ankle on the knee at 0.2).
    min_shank_samples : int
        Fewest knee–ankle lengths needed for the clip's shank length.
    min_stature_px : float
        Smallest athlete (stature in the picture, pixels) the landmarker is asked about. On the
        rendered scenarios it placed knees and ankles within a few pixels with the athlete
        110–140 px tall; on a 480×270 clip (about 50 px) its shank came out at 0.16 × stature
        and its angles up to 35° off.
    shank_to_stature_min, shank_to_stature_max : float
        Plausible range of the landmarker's median shank length as a fraction of stature
        (0.23 measured on the rendered scenarios, 0.25–0.30 on twelve real phone starts with
        the stature from the height calibration; anatomical joint centres 0.246). Outside it
        its points are not on the legs, and nothing is read.
    max_length_change : float
        A frame whose landing-leg knee–ankle length differs from the clip's by more than this
        fraction is left out of the shin's fit (a knee or ankle put on the other leg).
    place_weight : float
        Weight of the landmarker's ankle in the foot's place (0: not used). 0.5 measured best
        on the rendered scenarios and the factor clips (0.33 and 0.67 within 0.2 cm).
    place_gate_m : float
        A landmarker ankle (after the rep's offset) further than this from the contact's place
        is not used for it, metres.
    min_place_contacts : int
        Fewest contacts with a landmarker ankle needed to tie it to the contacts' places.
    """

    enabled: bool = True
    window_s: float = 0.010
    tie_m: float = 0.06
    min_visibility: float = 0.5
    min_shank_samples: int = 6
    min_stature_px: float = 90.0
    shank_to_stature_min: float = 0.18
    shank_to_stature_max: float = 0.34
    max_length_change: float = 0.40
    place_weight: float = 0.5
    place_gate_m: float = 0.15
    min_place_contacts: int = 3

    def __post_init__(self) -> None:
        if not self.window_s >= 0:
            raise ValueError(f"window_s must be >= 0, got {self.window_s}")
        if not 0 <= self.place_weight <= 1:
            raise ValueError(f"place_weight must be in [0, 1], got {self.place_weight}")
        if not self.shank_to_stature_min < self.shank_to_stature_max:
            raise ValueError("shank_to_stature_min must be below shank_to_stature_max")


@dataclass(frozen=True)
class LegReading:
    """The landing leg around one touchdown, in the landing leg's plane (world metres).

    Attributes
    ----------
    td_s : float
        The touchdown it was read for, seconds.
    t_s : ndarray, shape (n,)
        Times of the frames where the landing leg was seen.
    knee_m, ankle_m : ndarray, shape (n, 2)
        Its knee and ankle (x along the lane, y up).
    """

    td_s: float
    t_s: np.ndarray
    knee_m: np.ndarray
    ankle_m: np.ndarray


@dataclass(frozen=True)
class LandingLegs:
    """What the landmarker read around the touchdowns of one rep.

    Attributes
    ----------
    readings : dict
        ``{touchdown frame row: LegReading}``; empty when it could not be used.
    shank_m : float
        The clip's median landmarker knee–ankle length (NaN when not read).
    record : dict
        For rep.json ``landmarker``: the model, frames read, shank and why nothing was read.
    fps : float
    """

    readings: dict[int, LegReading]
    shank_m: float
    record: dict[str, object]
    fps: float
    t_s: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0))

    def at(self, td_s: float) -> LegReading | None:
        """The reading for the touchdown at ``td_s`` (None if there is none)."""
        if not math.isfinite(td_s) or not self.readings:
            return None
        return self.readings.get(int(np.argmin(np.abs(self.t_s - td_s))))


def window_rows(t_s: np.ndarray, td_s: float, fps: float, window_s: float) -> list[int]:
    """Track rows within ``window_s`` of ``td_s`` (at least one either side)."""
    if not math.isfinite(td_s):
        return []
    centre = int(np.argmin(np.abs(np.asarray(t_s) - td_s)))
    half = max(1, round(window_s * fps))
    return [r for r in range(centre - half, centre + half + 1) if 0 <= r < len(t_s)]


def _coco(lms: dict[int, np.ndarray], n_rows: int, legs: dict[int, dict[str, str]]) -> np.ndarray:
    """(T, 17, 2) pixels with the landmarker's legs in the COCO slots; ``legs[row]`` maps the
    COCO side to the landmarker label written there."""
    xy = np.full((n_rows, 17, 2), np.nan)
    for row, sides in legs.items():
        a = lms[row]
        for coco_side, mp_side in sides.items():
            xy[row, KNEE[coco_side]] = a[MP_INDEX[(mp_side, "knee")], :2]
            xy[row, ANKLE[coco_side]] = a[MP_INDEX[(mp_side, "ankle")], :2]
    return xy


def read_landing_legs(
    touchdowns: Sequence[tuple[float, str, float]],
    t_s: np.ndarray,
    fps: float,
    source: LandmarkSource,
    world: WorldMap,
    settings: LandmarkerSettings | None = None,
    *,
    stature_m: float = math.nan,
    stature_px: float = math.nan,
) -> LandingLegs:
    """The landing leg around each touchdown ``(td_s, side, foot_x_m)`` (see the module
    docstring). ``stature_m`` and ``stature_px`` gate the landmarker (NaN skips the gate)."""
    s = settings or LandmarkerSettings()
    t_s = np.asarray(t_s, float)
    record: dict[str, object] = {"model": source.model_name, "frames_read": 0}

    def nothing(note: str, shank_m: float = math.nan) -> LandingLegs:
        record["note"] = note + "; the tracking model's keypoints are used"
        return LandingLegs({}, shank_m, record, fps, t_s)

    if stature_px < s.min_stature_px:
        return nothing(
            f"the athlete is {stature_px:.0f} px tall in the picture, below the "
            f"{s.min_stature_px:.0f} px the landmarker is trusted at"
        )
    n = len(t_s)
    windows = [(window_rows(t_s, td, fps, s.window_s), td, side, fx) for td, side, fx in touchdowns]
    lms = source.landmarks(sorted({r for rows, *_ in windows for r in rows}))
    lms = {r: a for r, a in lms.items() if np.isfinite(a[:, :2]).all(axis=1).any()}
    record["frames_read"] = len(lms)
    # Both legs as labelled, on the athlete plane: heights for the pick, lengths for L.
    plain = world(_coco(lms, n, {r: {side: side for side in SIDES} for r in lms}), False)
    lengths = np.concatenate(
        [np.linalg.norm(plain[:, KNEE[side]] - plain[:, ANKLE[side]], axis=1) for side in SIDES]
    )
    lengths = lengths[np.isfinite(lengths)]
    if lengths.size < s.min_shank_samples:
        return nothing("the landmarker found too few legs")
    shank_m = float(np.median(lengths))
    record["shank_length_m"] = round(shank_m, 4)
    lo, hi = s.shank_to_stature_min, s.shank_to_stature_max
    if math.isfinite(stature_m) and not lo * stature_m <= shank_m <= hi * stature_m:
        return nothing(
            f"the landmarker's shank is {shank_m / stature_m:.2f} × stature (plausible "
            f"{lo:.2f}–{hi:.2f}): its points are not on the legs",
            shank_m,
        )
    readings: dict[int, LegReading] = {}
    for rows, td, side, foot_x in windows:
        picks: dict[int, dict[str, str]] = {}
        for r in rows:
            if r not in lms:
                continue
            ya = {lab: plain[r, ANKLE[lab], 1] for lab in SIDES}
            if not all(math.isfinite(v) for v in ya.values()):
                continue
            if abs(ya["left"] - ya["right"]) < s.tie_m and math.isfinite(foot_x):
                lower = min(SIDES, key=lambda lab: abs(plain[r, ANKLE[lab], 0] - foot_x))
            else:
                lower = min(SIDES, key=lambda lab: ya[lab])
            seen = lms[r][[MP_INDEX[(lower, "knee")], MP_INDEX[(lower, "ankle")]], 2]
            if np.all(seen >= s.min_visibility):
                picks[r] = {side: lower}
        if not picks:
            continue
        placed = world(_coco(lms, n, picks), True)
        rr = np.array(sorted(picks))
        knee, ankle = placed[rr, KNEE[side]], placed[rr, ANKLE[side]]
        ok = np.isfinite(knee).all(axis=1) & np.isfinite(ankle).all(axis=1)
        if ok.any():
            centre = int(np.argmin(np.abs(t_s - td)))
            readings[centre] = LegReading(td, t_s[rr][ok], knee[ok], ankle[ok])
    return LandingLegs(readings, shank_m, record, fps, t_s)


def shin_at_touchdown_deg(
    reading: LegReading, shank_m: float, settings: LandmarkerSettings | None = None
) -> float:
    """The rigid shin angle at the reading's touchdown (NaN with fewer than two good frames)."""
    s = settings or LandmarkerSettings()
    dx = reading.knee_m[:, 0] - reading.ankle_m[:, 0]
    length = np.linalg.norm(reading.knee_m - reading.ankle_m, axis=1)
    ok = np.abs(length / shank_m - 1.0) <= s.max_length_change
    if ok.sum() < 2:
        return math.nan
    coef = np.polyfit(reading.t_s[ok] - reading.td_s, dx[ok], 1)
    return rigid_shin_angle_deg(float(coef[-1]), shank_m)


def landmark_shins(
    steps: Sequence[Step], legs: LandingLegs, settings: LandmarkerSettings | None = None
) -> tuple[list[Step], list[int]]:
    """Each step's ``shin_angle_td_deg`` from the landmarker where it can be read; returns the
    steps and the numbers of those whose shin it gave (``shin_td_source`` "landmarker")."""
    out: list[Step] = []
    read: list[int] = []
    for st in steps:
        reading = legs.at(st.touchdown_s)
        angle = (
            shin_at_touchdown_deg(reading, legs.shank_m, settings)
            if reading is not None
            else math.nan
        )
        if math.isfinite(angle):
            out.append(replace(st, shin_angle_td_deg=angle, shin_td_source="landmarker"))
            read.append(st.number)
        else:
            out.append(st)
    return out, read


def stance_ankle_x_m(reading: LegReading, fps: float) -> float:
    """The landmarker's ankle x on the reading's frames from the touchdown on (median; NaN
    when none): the foot's place, as the tracking model's robust mean over the early stance."""
    on = reading.t_s >= reading.td_s - 0.5 / fps
    xs = reading.ankle_m[on, 0]
    return float(np.median(xs)) if xs.size else math.nan


def blend_landmark_place(
    contacts: Sequence[Contact],
    legs: LandingLegs,
    first_movement_s: float,
    settings: LandmarkerSettings | None = None,
) -> tuple[list[Contact], int]:
    """Running contacts with ``foot_x_m`` (and ``pivot_x_m`` by as much) moved towards the
    landmarker's stance ankle; returns the contacts and how many were moved.

    The landmarker's ankle is tied to the contacts' places by the rep's median offset between
    the two; set-stance contacts and those it did not read keep their place, and with fewer
    than ``min_place_contacts`` readings nothing moves.
    """
    s = settings or LandmarkerSettings()
    fm = first_movement_s if math.isfinite(first_movement_s) else -math.inf
    marks = []
    for c in contacts:
        reading = legs.at(c.td_s) if c.td_s >= fm else None
        x = stance_ankle_x_m(reading, legs.fps) if reading is not None else math.nan
        marks.append(x if math.isfinite(x) and math.isfinite(c.foot_x_m) else math.nan)
    diffs = np.array([c.foot_x_m - x for c, x in zip(contacts, marks, strict=True) if x == x])
    if s.place_weight == 0 or diffs.size < s.min_place_contacts:
        return list(contacts), 0
    offset = float(np.median(diffs))
    out, moved = [], 0
    for c, x in zip(contacts, marks, strict=True):
        delta = x + offset - c.foot_x_m if math.isfinite(x) else math.nan
        if not (math.isfinite(delta) and abs(delta) <= s.place_gate_m):
            out.append(c)
            continue
        shift = s.place_weight * delta
        out.append(replace(c, foot_x_m=c.foot_x_m + shift, pivot_x_m=c.pivot_x_m + shift))
        moved += 1
    return out, moved
