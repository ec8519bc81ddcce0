"""The shin angle at touchdown read from the pose landmarker (:mod:`sprintlab.pose.landmarker`).

For each step the landmarker is run on the frames within ``window_s`` of the touchdown (at
least one frame either side). On each frame the landing leg is the landmarker's leg whose ankle
is lower; when the two ankles are within ``tie_m`` of the same height (legs crossing), the one
nearer the step's foot place. The leg's labels are not used: the landmarker swaps left and
right from one frame to the next, but its knee and ankle of one label belong to one leg.

The angle is the rigid one, as for the YOLO keypoints
(:func:`sprintlab.steps.rigid_shin_angle_deg`):
``arccos(dx / L)``, with dx the knee's x minus the ankle's x along the lane in the landing
leg's plane, fitted linearly in time over the window and read at the touchdown, and L the
clip's median landmarker shank length. The landmarker's knee and ankle sit a little differently
on the leg than the anatomical joint centres; a length from the same points cancels that.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from .pose.landmarker import MP_INDEX, LandmarkSource
from .skeleton import ANKLE, KNEE, SIDES
from .steps import Step, rigid_shin_angle_deg

#: Maps (T, 17, 2) clip pixels to world metres: ``(xy_px, on_leg_planes) -> (T, 17, 2)``.
WorldMap = Callable[[np.ndarray, bool], np.ndarray]


@dataclass(frozen=True)
class LandmarkShinSettings:
    """Settings of the landmarker's shin angle.

    Attributes
    ----------
    enabled : bool
        Read the shin at touchdown from the landmarker when it is installed (False: from the
        tracking model's keypoints, as without it).
    window_s : float
        Half the time window around each touchdown read by the landmarker, seconds (at least
        one frame either side). The shin turns about 700°/s at touchdown: a short linear fit
        averages a few frames' noise without bending the angle.
    tie_m : float
        Two ankles closer than this in height are a tie, broken by the foot's place, metres.
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
        its points are not on the legs, and the YOLO keypoints' angles stay.
    max_length_change : float
        A frame whose landing-leg knee–ankle length differs from the clip's by more than this
        fraction is left out (a knee or ankle put on the other leg).
    """

    enabled: bool = True
    window_s: float = 0.010
    tie_m: float = 0.06
    min_shank_samples: int = 6
    min_stature_px: float = 90.0
    shank_to_stature_min: float = 0.18
    shank_to_stature_max: float = 0.34
    max_length_change: float = 0.40


@dataclass(frozen=True)
class LandmarkShins:
    """What the landmarker gave: the steps (shin at touchdown replaced where it could be read)
    and a record for rep.json."""

    steps: list[Step]
    record: dict[str, object]


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


def landmark_shins(
    steps: list[Step],
    t_s: np.ndarray,
    fps: float,
    source: LandmarkSource,
    world: WorldMap,
    settings: LandmarkShinSettings | None = None,
    *,
    stature_m: float = math.nan,
    stature_px: float = math.nan,
) -> LandmarkShins:
    """Replace each step's ``shin_angle_td_deg`` by the landmarker's where it can be read.

    ``stature_m`` and ``stature_px`` (the athlete's stature in metres and in the picture) gate
    the landmarker: a small athlete is not asked, and a shank length implausible for the
    stature means its points are not on the legs. NaN skips the gate.
    """
    s = settings or LandmarkShinSettings()
    record: dict[str, object] = {"model": source.model_name, "frames_read": 0, "steps": []}
    if stature_px < s.min_stature_px:
        record["note"] = (
            f"the athlete is {stature_px:.0f} px tall in the picture, below the "
            f"{s.min_stature_px:.0f} px the landmarker is trusted at; shin angles from the YOLO "
            "keypoints"
        )
        return LandmarkShins(list(steps), record)
    t_s = np.asarray(t_s, float)
    n = len(t_s)
    windows = {st.number: window_rows(t_s, st.touchdown_s, fps, s.window_s) for st in steps}
    lms = source.landmarks(sorted({r for rows in windows.values() for r in rows}))
    lms = {r: a for r, a in lms.items() if np.isfinite(a[:, :2]).all(axis=1).any()}
    # Both legs as labelled, on the athlete plane: heights for the pick, lengths for L.
    plain = world(_coco(lms, n, {r: {side: side for side in SIDES} for r in lms}), False)
    lengths = np.concatenate(
        [np.linalg.norm(plain[:, KNEE[side]] - plain[:, ANKLE[side]], axis=1) for side in SIDES]
    )
    lengths = lengths[np.isfinite(lengths)]
    record["frames_read"] = len(lms)
    if lengths.size < s.min_shank_samples:
        record["note"] = "the landmarker found too few legs; shin angles from the YOLO keypoints"
        return LandmarkShins(list(steps), record)
    shank_m = float(np.median(lengths))
    record["shank_length_m"] = round(shank_m, 4)
    lo, hi = s.shank_to_stature_min, s.shank_to_stature_max
    if math.isfinite(stature_m) and not lo * stature_m <= shank_m <= hi * stature_m:
        record["note"] = (
            f"the landmarker's shank is {shank_m / stature_m:.2f} × stature (plausible "
            f"{lo:.2f}–{hi:.2f}): its points are not on the legs; shin angles from the YOLO "
            "keypoints"
        )
        return LandmarkShins(list(steps), record)
    out: list[Step] = []
    read: list[int] = []
    for st in steps:
        rows = [r for r in windows[st.number] if r in lms]
        picks: dict[int, dict[str, str]] = {}
        for r in rows:
            ya = {side: plain[r, ANKLE[side], 1] for side in SIDES}
            if not all(math.isfinite(v) for v in ya.values()):
                continue
            if abs(ya["left"] - ya["right"]) < s.tie_m and math.isfinite(st.foot_x_m):
                lower = min(SIDES, key=lambda side: abs(plain[r, ANKLE[side], 0] - st.foot_x_m))
            else:
                lower = min(SIDES, key=lambda side: ya[side])
            picks[r] = {st.foot: lower}
        if len(picks) < 2:
            out.append(st)
            continue
        placed = world(_coco(lms, n, picks), True)
        rr = np.array(sorted(picks))
        dx = placed[rr, KNEE[st.foot], 0] - placed[rr, ANKLE[st.foot], 0]
        length = np.linalg.norm(placed[rr, KNEE[st.foot]] - placed[rr, ANKLE[st.foot]], axis=1)
        ok = np.isfinite(dx) & (np.abs(length / shank_m - 1.0) <= s.max_length_change)
        if ok.sum() < 2:
            out.append(st)
            continue
        coef = np.polyfit(t_s[rr][ok] - st.touchdown_s, dx[ok], 1)
        angle = rigid_shin_angle_deg(float(coef[-1]), shank_m)
        if not math.isfinite(angle):
            out.append(st)
            continue
        out.append(replace(st, shin_angle_td_deg=angle, shin_td_source="landmarker"))
        read.append(st.number)
    record["steps"] = read
    return LandmarkShins(out, record)
