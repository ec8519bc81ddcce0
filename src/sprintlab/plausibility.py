"""Per-step values that a sprint start cannot produce, flagged (never hidden or changed).

A coach acts on these numbers; a value outside what a human sprinter does in the first ten
steps is more likely a measurement gone wrong (a touchdown a few frames off, a missed contact,
a swapped leg) than a feat, so it is named where the coach sees it, with the step to check on
the video.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from .metric_registry import METRICS

if TYPE_CHECKING:
    from .results import RepResult

#: Contact times of the first ten steps lie within this (s); see the metric registry.
PLAUSIBLE_CONTACT_S = METRICS["contact_time_s"].plausible or (0.0, math.inf)

MAX_SHIN_JUMP_DEG = 20.0
"""Largest change of the shin angle at touchdown between neighbouring steps (deg): it rises
steadily, by a few degrees per step, from ~45° at step 1 towards vertical."""


@dataclass(frozen=True)
class Implausible:
    """One flagged value: ``metric`` of step ``step`` is ``value`` (its units), and ``why``."""

    step: int
    metric: str
    value: float
    why: str

    def to_dict(self) -> dict[str, Any]:
        return {"step": self.step, "metric": self.metric, "value": self.value, "why": self.why}


def implausible_values(
    steps: Sequence[dict[str, Any]], peak_hip_velocity_mps: float
) -> list[Implausible]:
    """The values of ``steps`` (rows of the steps table) no sprint start produces.

    - a contact time outside :data:`PLAUSIBLE_CONTACT_S`;
    - a step velocity (step length × frequency, the mean speed over the step) above the peak
      hip velocity of the same rep;
    - a shin angle at touchdown that changes by more than :data:`MAX_SHIN_JUMP_DEG` from the
      previous step (both steps are named: which one is off is not known).

    Missing values (NaN, None) are not flagged.
    """

    def num(row: dict[str, Any], key: str) -> float:
        v = row.get(key)
        try:
            v = float(v)
        except (TypeError, ValueError):
            return math.nan
        return v

    out: list[Implausible] = []
    low, high = PLAUSIBLE_CONTACT_S
    ordered = sorted(steps, key=lambda r: int(r.get("number") or 0))
    for row in ordered:
        n = int(row.get("number") or 0)
        ct = num(row, "contact_time_s")
        if math.isfinite(ct) and not low <= ct <= high:
            out.append(
                Implausible(
                    n,
                    "contact_time_s",
                    ct,
                    f"step {n}: contact time {ct:.3f} s, outside the {low:.2f}–{high:.2f} s of "
                    "a sprint start's first steps",
                )
            )
        v = num(row, "step_velocity_mps")
        if math.isfinite(v) and math.isfinite(peak_hip_velocity_mps) and v > peak_hip_velocity_mps:
            out.append(
                Implausible(
                    n,
                    "step_velocity_mps",
                    v,
                    f"step {n}: step velocity {v:.1f} m/s, above the rep's peak hip velocity of "
                    f"{peak_hip_velocity_mps:.1f} m/s (its length or its time is off)",
                )
            )
    for prev, row in itertools.pairwise(ordered):
        a, b = num(prev, "shin_angle_td_deg"), num(row, "shin_angle_td_deg")
        n0, n1 = int(prev.get("number") or 0), int(row.get("number") or 0)
        jump = abs(b - a) if math.isfinite(a) and math.isfinite(b) else 0.0
        if n1 == n0 + 1 and jump > MAX_SHIN_JUMP_DEG:
            out.append(
                Implausible(
                    n1,
                    "shin_angle_td_deg",
                    b,
                    f"steps {n0} and {n1}: the shin angle at touchdown changes by {b - a:+.0f}° "
                    f"({a:.0f}° to {b:.0f}°), more than the {MAX_SHIN_JUMP_DEG:.0f}° a sprinter's "
                    "shin changes from one step to the next",
                )
            )
    return out


IMPLAUSIBLE_NOTE = "value(s) a sprint start cannot produce, probably measured wrong: "


def implausible_warning(found: Sequence[Implausible]) -> str | None:
    """One sentence naming every flagged value, or None."""
    if not found:
        return None
    return (
        f"{len(found)} {IMPLAUSIBLE_NOTE}"
        + "; ".join(f.why for f in found)
        + ". Check those steps on the video."
    )


def flag_implausible(result: RepResult) -> RepResult:
    """``result`` with its implausible values flagged: ``extra["implausible"]`` (a list of
    :meth:`Implausible.to_dict`) and one warning naming them, both replacing earlier flags (run
    again after values are withheld)."""
    peak = result.extra.get("peak_hip_velocity_mps")
    peak = float(peak) if peak is not None else math.nan
    found = implausible_values([s.to_dict() for s in result.steps], peak)
    warnings = [w for w in result.warnings if IMPLAUSIBLE_NOTE not in w]
    if (note := implausible_warning(found)) is not None:
        warnings.append(note)
    extra = {**result.extra, "implausible": [f.to_dict() for f in found]}
    return replace(result, warnings=warnings, extra=extra)
