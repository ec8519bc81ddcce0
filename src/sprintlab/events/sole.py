"""The foot's place from the still sole the image saw, blended with the pose's stance ankle.

The pose model's stance ankle scatters by several centimetres from contact to contact (step
length 95% limits ±15 cm on the rendered scenarios, ±11 cm even with every touchdown on its true
frame). The image stage (:mod:`sprintlab.footimage`) sees the sole standing still on the ground
band; where its rear end lies is an independent reading of the foot's place, sharp on clean
footage and coarser under compression, flicker or dark shoes. The rear end sits a shoe-dependent
distance behind the ankle, so it is tied to the ankle by the rep's own median offset (pose ankle
minus sole rear end over the contacts both saw); the foot's place is then the weighted mean of
the two readings, the sole weighted by how well it agrees with the pose in this rep
(:func:`sole_weight`). A still region much wider or narrower than the rep's typical sole is not
one foot (step 1 next to the stance's rear foot, a piece of a sole) and is not used
(:func:`one_foot`).

Measured (step length, measured − true, ``validate --rescore``): six rendered scenarios MAE
5.9 → 3.5 cm, 95% limits −16.3..+14.2 → −10.4..+9.2 cm; sixteen degraded factor clips MAE
5.4 → 3.8 cm, −14.8..+14.2 → −11.5..+11.1 cm, better or equal in fifteen factors (the 30 fps
clip 9.6 → 10.2 cm). The sole alone did better on clean footage and worse under degradations,
so neither reading is used alone.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from .base import Contact
from .settings import EventSettings

if TYPE_CHECKING:
    from ..calibration import Calibration


def sole_ends_m(c: Contact, calib: Calibration, offset_m: float) -> tuple[float, float]:
    """World x (m, in the contact's leg plane) of the rear and front ends of the still sole
    (rear: nearer the start line, +x is the running direction); NaN without one."""
    if c.sole_px is None:
        return math.nan, math.nan
    x0, x1, ground_y = c.sole_px
    ends = calib.to_world(np.array([[x0, ground_y], [x1, ground_y]], dtype=float))
    if offset_m:
        ends = calib.to_offset_plane(ends, offset_m)
    xs = ends[:, 0]
    if not np.isfinite(xs).all():
        return math.nan, math.nan
    return float(np.min(xs)), float(np.max(xs))


def sole_rear_x_m(c: Contact, calib: Calibration, offset_m: float) -> float:
    """World x (m, in the contact's leg plane) of the rear end of the still sole; NaN without
    one."""
    return sole_ends_m(c, calib, offset_m)[0]


def one_foot(widths_m: np.ndarray, tolerance: float) -> np.ndarray:
    """Which still soles are one foot: within ``tolerance`` (a fraction) of the rep's median
    width. Much wider is two feet or a foot and its shadow seen as one (typically step 1, next
    to the stance's rear foot); much narrower is a piece of a sole."""
    ok = np.isfinite(widths_m)
    if not ok.any():
        return ok
    median = float(np.median(widths_m[ok]))
    return ok & (np.abs(widths_m - median) <= tolerance * median)


def sole_weight(diffs_m: np.ndarray, s: EventSettings) -> float:
    """Weight of the sole's place in one rep, from how well the two readings agree.

    The differences pose − sole scatter by both readings' errors: ``var = var_pose + var_sole``.
    With the pose's scatter ``sole_place_pose_sd_m`` known, the weight that minimises the
    blend's variance is ``var_pose / var``, capped at ``sole_place_weight``: when the sole reads
    as well as the pose it gets the cap; when compression, flicker or dark shoes make it
    scatter, it counts less (robust spread: 1.4826 × the median absolute deviation).
    """
    mad = float(np.median(np.abs(diffs_m - np.median(diffs_m))))
    spread = 1.4826 * mad
    if not math.isfinite(spread) or spread <= 0:
        return s.sole_place_weight
    return min(s.sole_place_weight, (s.sole_place_pose_sd_m / spread) ** 2)


def blend_sole_place(
    contacts: list[Contact],
    calib: Calibration,
    offsets_m: dict[str, float],
    first_movement_s: float,
    settings: EventSettings | None = None,
) -> tuple[list[Contact], int]:
    """Running contacts with ``foot_x_m`` (and ``pivot_x_m`` by as much) moved towards the
    still sole's place; returns the contacts and how many were moved.

    ``contacts`` are in their leg planes (:func:`sprintlab.legplanes.place_contacts`). Set-stance
    contacts, contacts a person set and those the image did not see keep the pose's place. With
    fewer than ``sole_place_min_contacts`` soles, or weight 0, nothing moves.
    """
    s = settings or EventSettings()
    fm = first_movement_s if math.isfinite(first_movement_s) else -math.inf
    ends = np.array(
        [
            sole_ends_m(c, calib, offsets_m.get(c.side, 0.0))
            if math.isfinite(c.td_s) and c.td_s >= fm and math.isfinite(c.foot_x_m)
            else (math.nan, math.nan)
            for c in contacts
        ],
        dtype=float,
    ).reshape(-1, 2)
    keep = one_foot(ends[:, 1] - ends[:, 0], s.sole_width_tolerance)
    rear = [float(r) if k else math.nan for r, k in zip(ends[:, 0], keep, strict=True)]
    pairs = [(c.foot_x_m, r) for c, r in zip(contacts, rear, strict=True) if math.isfinite(r)]
    if s.sole_place_weight == 0 or len(pairs) < s.sole_place_min_contacts:
        return contacts, 0
    diffs = np.array([pose - r for pose, r in pairs])
    offset = float(np.median(diffs))
    w = sole_weight(diffs, s)
    out, moved = [], 0
    for c, r in zip(contacts, rear, strict=True):
        if not math.isfinite(r):
            out.append(c)
            continue
        delta = w * (r + offset - c.foot_x_m)
        out.append(replace(c, foot_x_m=c.foot_x_m + delta, pivot_x_m=c.pivot_x_m + delta))
        moved += 1
    return out, moved
