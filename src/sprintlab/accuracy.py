"""Scoring measured reps against ground truth: bias, 95% limits of agreement, mean absolute error.

Pure functions over plain dicts (a rep.json document and a truth document with the same per-step
keys), so the same scoring serves synthetic truth now and reference systems later.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

STEP_METRICS: dict[str, float] = {
    "number": 1.0,
    "touchdown_s": 1.0,
    "toeoff_s": 1.0,
    "contact_time_s": 1000.0,
    "flight_time_s": 1000.0,
    "step_length_m": 100.0,
    "step_time_s": 1000.0,
    "shin_angle_td_deg": 1.0,
    "shin_angle_to_deg": 1.0,
    "trunk_angle_td_deg": 1.0,
    "touchdown_distance_m": 100.0,
    "toeoff_distance_m": 100.0,
}
"""Per-step metrics scored, and the factor to the unit shown (ms, cm, deg; events in frames).

``number`` is the step's number: a step matched by its touchdown but numbered wrongly (step 1
missed and step 2 called step 1) puts every per-step figure a user reads under the wrong step."""

SHOWN_UNIT: dict[str, str] = {
    "number": "steps",
    "touchdown_s": "frames",
    "toeoff_s": "frames",
    "contact_time_s": "ms",
    "flight_time_s": "ms",
    "step_length_m": "cm",
    "step_time_s": "ms",
    "shin_angle_td_deg": "deg",
    "shin_angle_to_deg": "deg",
    "trunk_angle_td_deg": "deg",
    "touchdown_distance_m": "cm",
    "toeoff_distance_m": "cm",
}


@dataclass(frozen=True)
class Agreement:
    """Agreement of measured with true values (Bland–Altman), in the unit ``unit``.

    Attributes
    ----------
    n : int
        Pairs with both values present.
    n_missing : int
        True values without a measurement (missed steps or null fields).
    bias : float
        Mean of measured − true.
    loa_low, loa_high : float
        95% limits of agreement: bias ∓ 1.96 × SD of the differences.
    mae : float
        Mean absolute error.
    max_abs : float
        Largest absolute error.
    within_1_frame : float
        Share of |error| ≤ 1 (meaningful for events measured in frames; NaN otherwise).
    """

    metric: str
    unit: str
    n: int
    n_missing: int
    bias: float
    loa_low: float
    loa_high: float
    mae: float
    max_abs: float
    within_1_frame: float

    def to_dict(self) -> dict[str, object]:
        """JSON-ready dict (NaN -> None)."""
        return {
            k: (None if isinstance(v, float) and not math.isfinite(v) else v)
            for k, v in asdict(self).items()
        }


def agreement(metric: str, unit: str, diffs: list[float], n_missing: int) -> Agreement:
    """Summarise differences measured − true (already in ``unit``)."""
    d = np.asarray([x for x in diffs if x is not None and math.isfinite(x)], dtype=float)
    if d.size == 0:
        nan = math.nan
        return Agreement(metric, unit, 0, n_missing, nan, nan, nan, nan, nan, nan)
    sd = float(np.std(d, ddof=1)) if d.size > 1 else 0.0
    bias = float(d.mean())
    return Agreement(
        metric=metric,
        unit=unit,
        n=int(d.size),
        n_missing=n_missing,
        bias=bias,
        loa_low=bias - 1.96 * sd,
        loa_high=bias + 1.96 * sd,
        mae=float(np.mean(np.abs(d))),
        max_abs=float(np.max(np.abs(d))),
        within_1_frame=float(np.mean(np.abs(d) <= 1.0 + 1e-9)) if unit == "frames" else math.nan,
    )


def match_steps(
    measured: list[dict], truth: list[dict], fps: float
) -> list[tuple[dict | None, dict]]:
    """Pair each true step with the measured step whose touchdown is nearest (within 40% of a
    step time, else unmatched), each measured step used at most once."""
    pairs: list[tuple[dict | None, dict]] = []
    used: set[int] = set()
    for t in truth:
        best, best_d = None, math.inf
        limit = 0.4 * (t.get("step_time_s") or 0.25)
        for i, m in enumerate(measured):
            if i in used or m.get("touchdown_s") is None:
                continue
            dist = abs(m["touchdown_s"] - t["touchdown_s"])
            if dist < best_d and dist <= limit:
                best, best_d = i, dist
        if best is not None:
            used.add(best)
        pairs.append((measured[best] if best is not None else None, t))
    return pairs


def step_differences(
    measured: list[dict], truth: list[dict], fps: float, *, n_steps: int = 10
) -> dict[str, tuple[list[float], int]]:
    """Per metric: the differences measured − true over the first ``n_steps`` true steps (events in
    frames, other metrics in the units of :data:`SHOWN_UNIT`) and how many were not measured."""
    out: dict[str, tuple[list[float], int]] = {}
    pairs = match_steps(measured, truth[:n_steps], fps)
    for metric, factor in STEP_METRICS.items():
        diffs: list[float] = []
        missing = 0
        scale = fps if SHOWN_UNIT[metric] == "frames" else factor
        for m, t in pairs:
            tv = t.get(metric)
            if tv is None:
                continue
            mv = None if m is None else m.get(metric)
            if mv is None:
                missing += 1
                continue
            diffs.append((mv - tv) * scale)
        out[metric] = (diffs, missing)
    return out


SPLIT_METRICS: tuple[str, ...] = ("5yd_s", "10yd_s")
"""Splits scored (from first movement), shown in ms."""


def split_differences(measured_doc: dict, truth_doc: dict) -> dict[str, tuple[list[float], int]]:
    """Per split: ``([measured − true in ms], 0)`` or ``([], 1)`` when not measured; splits the
    truth does not have are left out."""
    out: dict[str, tuple[list[float], int]] = {}
    for split in SPLIT_METRICS:
        tv = (truth_doc.get("splits") or {}).get(split)
        mv = (measured_doc.get("splits") or {}).get(split)
        if tv is None:
            continue
        out[split] = ([(mv - tv) * 1000.0], 0) if mv is not None else ([], 1)
    return out


def start_differences(measured_doc: dict, truth_doc: dict) -> dict[str, tuple[list[float], int]]:
    """First movement (measured − true, ms; missing when withheld) and ``early_steps``: how many
    reported steps touch down before the true first movement (a stance foot taken for a step;
    the right answer is 0). Left out when the truth has no first movement."""
    tv = truth_doc.get("first_movement_s")
    if tv is None:
        return {}
    mv = measured_doc.get("first_movement_s")
    early = sum(
        1
        for st in measured_doc.get("steps", [])
        if st.get("touchdown_s") is not None and st["touchdown_s"] < tv
    )
    return {
        "first_movement_s": ([(mv - tv) * 1000.0], 0) if mv is not None else ([], 1),
        "early_steps": ([float(early)], 0),
    }


def differences(
    measured_doc: dict, truth_doc: dict, fps: float, *, n_steps: int = 10
) -> dict[str, tuple[list[float], int]]:
    """Per-step, split and start differences of one rep against its truth (see :data:`UNITS`)."""
    out = step_differences(
        measured_doc.get("steps", []), truth_doc.get("steps", []), fps, n_steps=n_steps
    )
    out.update(split_differences(measured_doc, truth_doc))
    out.update(start_differences(measured_doc, truth_doc))
    return out


UNITS: dict[str, str] = {
    **SHOWN_UNIT,
    **{split: "ms" for split in SPLIT_METRICS},
    "first_movement_s": "ms",
    "early_steps": "steps",
}
"""Unit each scored metric's differences are shown in."""


def score(
    measured_doc: dict, truth_doc: dict, fps: float, *, n_steps: int = 10
) -> dict[str, Agreement]:
    """Agreement per metric of one rep (rep.json) against its truth (steps and splits)."""
    return {
        metric: agreement(metric, UNITS[metric], diffs, missing)
        for metric, (diffs, missing) in differences(
            measured_doc, truth_doc, fps, n_steps=n_steps
        ).items()
    }
