"""The athlete's ground as the clip shows it, and what the field's lines make of it."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from ..calibration import Calibration

#: Soles seen on the ground needed to level the athlete's ground line on them.
MIN_SOLES = 3
#: A start line is a line within this distance of the athlete's hands in the set position.
START_LINE_SNAP_M = 0.6


@dataclass(frozen=True)
class AthleteGround:
    """What the track says about where the athlete runs (image pixels).

    Attributes
    ----------
    slope, level_px : float
        The athlete's ground line ``y = level_px + slope * x``.
    height_px : float
        The athlete's standing height in the picture.
    direction : int
        +1 when they run towards larger picture x.
    hands_px : ndarray (N, 2)
        Their hands (wrists) in the set position (may be empty).
    feet_px : ndarray (N, 2)
        Their feet (ankles) in the set position.
    ankles_px : ndarray (N, 2)
        Every ankle seen (for levelling the ground line again).
    ankle_height_px : float
        The ankle's height above the sole.
    soles_px : ndarray (N, 2)
        Where the image stage saw a still sole on the ground (its middle, the sole's bottom).
    """

    slope: float
    level_px: float
    height_px: float
    direction: int
    hands_px: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    feet_px: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    ankles_px: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    ankle_height_px: float = 0.0
    soles_px: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))

    def with_slope(self, slope: float) -> AthleteGround:
        """The ground line at another slope, levelled again: through the soles the image
        stage saw on the ground (the middle of their quartiles), or else on the ankles as
        before (the lowest along it, 98th percentile, less the ankle's height above the sole).

        The level is the athlete's distance from the camera, and the scale hangs on it: from a
        camera 1.2 m high and 11 m away, a pixel is about 1% of every distance."""
        soles = np.asarray(self.soles_px, float).reshape(-1, 2)
        if len(soles) >= MIN_SOLES:
            # The feet land either side of the body's line: the middle of the soles' quartiles
            # lies between the two feet's rows, where a median falls on the foot seen more.
            level = float(np.mean(np.percentile(soles[:, 1] - slope * soles[:, 0], [25, 75])))
            return replace(self, slope=float(slope), level_px=level)
        if len(self.ankles_px) == 0:
            return self
        a = np.asarray(self.ankles_px, float)
        level = float(np.percentile(a[:, 1] - slope * a[:, 0], 98)) + self.ankle_height_px
        return replace(self, slope=float(slope), level_px=level)

    def line(self) -> np.ndarray:
        """Homogeneous line a x + b y + c = 0 of the ground."""
        return np.array([self.slope, -1.0, self.level_px])

    def on_ground(self, x_px: np.ndarray) -> np.ndarray:
        """Points of the ground line below picture columns ``x_px``."""
        x = np.asarray(x_px, float)
        return np.column_stack([x, self.level_px + self.slope * x])


@dataclass(frozen=True)
class FieldLines:
    """The outcome of looking for the field's lines: a calibration, or why there is none.

    ``record`` goes to rep.json (what grid, how many lines, how well they agree, where the start
    line was taken); ``grid_px`` are the yard lines to draw over a frame, each as its two ends
    on the ground (image pixels) with its distance from the start line (metres).
    """

    calibration: Calibration | None
    reason: str
    record: dict[str, Any]
    grid_px: tuple[tuple[float, tuple[float, float], tuple[float, float]], ...] = ()


def no_field_lines(reason: str, **record: Any) -> FieldLines:
    """No calibration from the lines, and why (one sentence fragment, kept in rep.json with
    anything else ``record`` says)."""
    return FieldLines(None, reason, {"found": False, "reason": reason, **record})


def start_at_set_position(front_m: float, lines_m: np.ndarray, what: str) -> tuple[float, str]:
    """The start line from where the athlete's ``what`` ("hands", "front foot") were in the
    set position (``front_m`` along the lane): the line across the lane (``lines_m``) within
    ``START_LINE_SNAP_M`` of them, else that place itself; and how it was chosen."""
    lines_m = np.asarray(lines_m, float)
    if lines_m.size:
        k = int(np.argmin(np.abs(lines_m - front_m)))
        if abs(lines_m[k] - front_m) <= START_LINE_SNAP_M:
            return float(lines_m[k]), f"the line at the athlete's {what} in the set position"
    return front_m, (
        f"the athlete's {what} in the set position (no line within {START_LINE_SNAP_M:g} m of "
        "them): name the start line if it is elsewhere"
    )
