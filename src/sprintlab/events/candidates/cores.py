"""Stance cores: runs of frames where an ankle is low and almost still, and their grouping.

Both ankle labels are pooled, since the pose model swaps legs; cores seen by either label at the
same place and time are merged into one group, the seed of one contact.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...filtering import true_runs
from ...kinematics import velocity
from ..settings import EventSettings

MIN_LEVEL_SAMPLES = 5
"""Fewest still samples (besides ``level_min_still_s``) that measure an ankle's contact height."""
MIN_CORE_SAMPLES = 2
"""Fewest samples of a core (besides ``min_core_s``)."""


@dataclass(frozen=True)
class _Core:
    start: int
    stop: int  # exclusive
    side: str
    pivot_x_m: float


def _pivot_x(ankle: np.ndarray, radius_m: float) -> np.ndarray:
    """Ball-of-foot x for ankle samples on a circle of ``radius_m`` around a ground point ahead."""
    dy = np.clip(ankle[:, 1], -radius_m, radius_m)
    return ankle[:, 0] + np.sqrt(np.maximum(radius_m**2 - dy**2, 0.0))


def ankle_height_offsets(
    ankles: dict[str, np.ndarray],
    hip_vx: np.ndarray,
    fps: float,
    stature_m: float,
    s: EventSettings,
) -> dict[str, float]:
    """Per ankle label: how far its height in contact sits above the flat-foot ankle height (m).

    Pose models place the ankle keypoint with a vertical offset of their own (a few cm on the near
    leg, up to 10 cm on the far, partly hidden leg in side views), and a ground calibration a few
    cm off adds to it. The foot's height in contact is known from anatomy, so each label's offset
    is measured on its own still frames and removed before the "low" test that seeds contacts;
    without this an absolute height threshold silently drops the contacts of one leg. Event
    timing is left to the pivot-circle fits, whose free radius absorbs such an offset.
    0 when too few still frames.
    """
    speed_lim = np.maximum(s.core_speed_min_mps, s.core_speed_frac * np.nan_to_num(hip_vx))
    nominal = s.ankle_height_frac * stature_m
    offsets: dict[str, float] = {}
    for side, a in ankles.items():
        vx = velocity(a[:, 0], fps)
        with np.errstate(invalid="ignore"):
            still = (np.abs(vx) < speed_lim) & np.isfinite(a[:, 1])
        if still.sum() < max(MIN_LEVEL_SAMPLES, round(s.level_min_still_s * fps)):
            offsets[side] = 0.0
            continue
        level = float(np.percentile(a[still, 1], s.level_percentile))
        offsets[side] = level - nominal
    return offsets


def _find_cores(
    ankles: dict[str, np.ndarray],
    hip_vx: np.ndarray,
    fps: float,
    stature_m: float,
    s: EventSettings,
    height_offsets_m: dict[str, float] | None = None,
    *,
    height_frac: float | None = None,
) -> list[_Core]:
    """Runs of frames where an ankle is horizontally still and low: seeds of contacts.

    Low is below ``height_frac`` (default ``core_height_frac``) × stature above the ankle's own
    level in contact (``height_offsets_m``).
    """
    radius = s.foot_radius_frac * stature_m
    low_frac = s.core_height_frac if height_frac is None else height_frac
    offsets = height_offsets_m or {}
    speed_lim = np.maximum(s.core_speed_min_mps, s.core_speed_frac * np.nan_to_num(hip_vx))
    min_len = max(MIN_CORE_SAMPLES, round(s.min_core_s * fps))
    cores: list[_Core] = []
    for side, a in ankles.items():
        vx = velocity(a[:, 0], fps)
        with np.errstate(invalid="ignore"):
            low = a[:, 1] - offsets.get(side, 0.0) < low_frac * stature_m
            ok = (np.abs(vx) < speed_lim) & low
        for start, stop in true_runs(ok):
            if stop - start < min_len:
                continue
            px = float(np.nanmedian(_pivot_x(a[start:stop], radius)))
            cores.append(_Core(start, stop, side, px))
    return cores


def _merge_cores(cores: list[_Core], fps: float, s: EventSettings) -> list[list[_Core]]:
    """Group cores at the same place and time (possibly seen under both ankle labels)."""
    groups: list[list[_Core]] = []
    max_gap = round(s.merge_gap_s * fps)
    for core in sorted(cores, key=lambda c: c.start):
        for g in groups:
            g_stop = max(c.stop for c in g)
            g_px = float(np.median([c.pivot_x_m for c in g]))
            dist = abs(core.pivot_x_m - g_px)
            if dist >= s.merge_dist_m or core.start > g_stop + max_gap:
                continue
            # Both ankles still at the same time a few decimetres apart are two feet on the
            # ground (the set position), not one foot seen under both labels: keep them apart.
            # Only near-identical places are one foot whose two labels the model put on it.
            both_down = any(
                c.side != core.side and c.start < core.stop and core.start < c.stop for c in g
            )
            if both_down and dist >= s.same_foot_m:
                continue
            g.append(core)
            break
        else:
            groups.append([core])
    return groups
