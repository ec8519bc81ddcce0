"""Several runners: which one was measured when more than one sprints in view."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class RunnerSeen:
    """One person the tracker saw running.

    Attributes
    ----------
    start_xy_px : tuple of float
        Centre of their box when first seen (full-resolution px).
    start_box_xyxy_px : tuple of float
        Their box when first seen.
    start_t_s : float
        When they were first seen (s from the first frame).
    speed_heights_per_s : float
        Sustained horizontal speed in box heights per second.
    median_height_px : float
        Their median box height.
    measured : bool
        True for the one sprintlab measured.
    """

    start_xy_px: tuple[float, float]
    start_box_xyxy_px: tuple[float, float, float, float]
    start_t_s: float
    speed_heights_per_s: float
    median_height_px: float
    measured: bool


@dataclass(frozen=True)
class RunnersCheck:
    """Is more than one person sprinting in view?

    Attributes
    ----------
    fired : bool
    n_runners : int
        People seen running at the same time as the athlete (the athlete included).
    measured_start_xy_px : tuple of float
        Where the measured runner started (NaN when unknown).
    chosen_by : str
        ``"speed"`` (the fastest, the nearer one on a tie) or ``"athlete_px"`` (the point given).
    other_starts_xy_px : tuple of tuple of float
        Where the other runners started (px), fastest first.
    sentence : str
    """

    fired: bool
    n_runners: int
    measured_start_xy_px: tuple[float, float]
    chosen_by: str
    other_starts_xy_px: tuple[tuple[float, float], ...] = ()
    sentence: str = ""


def runners_check(
    runners: Sequence[RunnerSeen], athlete_px: tuple[float, float] | None = None
) -> RunnersCheck:
    """Say which runner was measured when several sprint in view, and how to choose another."""
    measured = [r for r in runners if r.measured]
    start = measured[0].start_xy_px if measured else (math.nan, math.nan)
    chosen_by = "athlete_px" if athlete_px is not None else "speed"
    n = len(runners)
    if n < 2:
        return RunnersCheck(False, n, start, chosen_by)
    others = sorted((r for r in runners if not r.measured), key=lambda r: -r.speed_heights_per_s)
    where = f"starting at x≈{start[0]:.0f} px, y≈{start[1]:.0f} px"
    if athlete_px is not None:
        how = f"the runner nearest the point ({athlete_px[0]:.0f}, {athlete_px[1]:.0f}) given"
    else:
        words = []
        if measured:
            m = measured[0]
            speed = m.speed_heights_per_s * m.median_height_px
            if all(speed >= r.speed_heights_per_s * r.median_height_px for r in others):
                words.append("faster" if n == 2 else "fastest")
            if all(m.median_height_px >= r.median_height_px for r in others):
                words.append("nearer" if n == 2 else "nearest")
        how = f"the {' and '.join(words) or 'chosen one'} of {n} runners"
    other_txt = "; ".join(
        f"x≈{r.start_xy_px[0]:.0f} px, y≈{r.start_xy_px[1]:.0f} px at {r.start_t_s:.2f} s"
        for r in others
    )
    sentence = (
        f"{n} people sprint in view; sprintlab measured {how}, {where} (the other"
        f"{'s' if len(others) > 1 else ''} first seen at {other_txt}). To measure another, give "
        "--athlete-px X,Y (or athlete_px = [X, Y] in the clip's .toml) with a point on that "
        "runner where it is first seen."
    )
    starts = tuple(r.start_xy_px for r in others)
    return RunnersCheck(True, n, start, chosen_by, starts, sentence)
