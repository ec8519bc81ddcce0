"""Numbering the steps and reading their sides.

Sides are assigned after the sequence is chosen: by the majority label of the stance ankle,
then alternation is enforced (the feet alternate through missed contacts too, which timing
counts); the first running contact is numbered 2 when it cannot be step 1, and the set-stance
contacts take their sides from step 1.
"""

from __future__ import annotations

from dataclasses import replace
from itertools import pairwise

import numpy as np

from ..skeleton import SIDES, other_side
from .base import Contact
from .settings import EventSettings


def _step_counts(td_s: np.ndarray, step_rate_hz: float) -> np.ndarray:
    """Steps between successive touchdowns: 1, or more where contacts were missed.

    Sprint step rates stay within about 3.5–5.5 Hz from the first step on, so an interval is
    counted in periods of the typical rate: up to 1.5 periods (0.35 s at 4.3 Hz) is one step,
    up to 2.5 periods two. The median of the measured intervals is not used: it is pulled up
    exactly when many contacts were missed, and down by early touchdowns of the first steps.
    """
    gaps = np.diff(td_s)
    return np.maximum(1, np.rint(gaps * step_rate_hz)).astype(int)


def _ambiguous_links(
    td_s: np.ndarray, step_rate_hz: float, margin: float = EventSettings.ambiguous_step_margin
) -> np.ndarray:
    """Intervals between touchdowns whose number of steps timing cannot tell.

    An interval of ``g`` typical step periods is one step for g up to 1.5, two up to 2.5, ...
    Within ``margin`` (a quarter) period of those borders (1.25–1.75, 2.25–2.75, ... periods;
    see ``EventSettings.ambiguous_step_margin``) a touchdown a
    few frames early or late, or a step a little slower than typical, moves it across, so the
    count — and with it whether the two feet differ — is left to the legs' labels.
    """
    g = np.diff(td_s) * step_rate_hz
    return (g >= 1.5 - margin) & (np.abs(g - (np.floor(g) + 0.5)) < margin)


def _enforce_alternation(
    contacts: list[Contact],
    warnings: list[str],
    step_rate_hz: float = EventSettings.step_rate_hz,
    ambiguous_margin: float = EventSettings.ambiguous_step_margin,
) -> list[Contact]:
    """Make running contacts alternate feet, keeping the labelling most contacts agree with.

    A gap of two step times between detected touchdowns means a contact in between was missed:
    the feet still alternate through it, so the parity counts the missed step. Where timing
    cannot tell one step from two (:func:`_ambiguous_links`), the contacts on either side form
    separate runs, each labelled by its own majority, and the count across the link is the one of
    the two candidates that matches the feet. Stance contacts (touchdown before the clip) keep
    their own labels: both feet are down there.
    """
    running = [i for i, c in enumerate(contacts) if np.isfinite(c.td_s)]
    if len(running) < 2:
        return contacts
    td = np.array([contacts[i].td_s for i in running])
    counts = _step_counts(td, step_rate_hz)
    ambiguous = _ambiguous_links(td, step_rate_hz, ambiguous_margin)
    order = np.concatenate([[0], np.cumsum(counts)])
    labels = np.array([1 if contacts[i].side == "right" else 0 for i in running])
    weights = np.array([contacts[i].side_agreement for i in running])
    parity = order % 2
    pattern = np.empty_like(labels)
    bounds = [0, *(np.flatnonzero(ambiguous) + 1).tolist(), len(running)]
    for a, b in pairwise(bounds):
        par, lab, w = parity[a:b], labels[a:b], weights[a:b]
        score_a = np.sum(w * (lab == par))  # pattern left, right, left, ...
        score_b = np.sum(w * (lab != par))
        pattern[a:b] = par if score_a >= score_b else 1 - par
    g = np.diff(td) * step_rate_hz
    for k in np.flatnonzero(ambiguous):
        low = max(1, int(np.floor(g[k])))
        differ = pattern[k] != pattern[k + 1]
        counts[k] = low if (low % 2 == 1) == differ else low + 1
    changed = int(np.sum(pattern != labels))
    if changed:
        warnings.append(
            f"{changed} contact(s) were relabelled left/right so that steps alternate feet"
        )
    missed = int(np.sum(counts - 1))
    if missed:
        warnings.append(
            f"{missed} ground contact(s) were not detected between the ones found; the steps "
            "next to them have no length or time"
        )
    out = list(contacts)
    for k, (i, lab) in enumerate(zip(running, pattern, strict=True)):
        since = int(counts[k - 1]) if k > 0 else 1
        out[i] = replace(out[i], side=SIDES[int(lab)], steps_since_prev=since)
    return out


def _number_first_step(
    contacts: list[Contact],
    first_movement_s: float | None,
    stature_m: float,
    s: EventSettings,
    warnings: list[str],
) -> list[Contact]:
    """Number the first running contact 2 when it cannot be step 1.

    A pose model can lose step 1 altogether (measured: the far foot's first landing garbled for
    its whole contact in a right-to-left run); the first touchdown found is then step 2, and
    calling it step 1 shifts every step's number and gives step 1 a length of two steps. It is
    step 2 when it lands both late after first movement and far ahead of the rear foot of the
    set stance (see ``EventSettings.step2_after_fm_s``); without a first movement or a stance in
    view the numbering is left as it is.
    """
    if first_movement_s is None or not np.isfinite(first_movement_s):
        return contacts
    stance = [c.foot_x_m for c in contacts if not np.isfinite(c.td_s)]
    running = [i for i, c in enumerate(contacts) if np.isfinite(c.td_s)]
    if not stance or not running:
        return contacts
    i = min(running, key=lambda k: contacts[k].td_s)
    first = contacts[i]
    after_s = first.td_s - first_movement_s
    ahead_m = first.foot_x_m - min(stance)
    if after_s <= s.step2_after_fm_s or ahead_m <= s.step2_from_rear_frac * stature_m:
        return contacts
    warnings.append(
        f"step 1 was not detected: the first touchdown found lands {after_s:.2f} s after first "
        f"movement and {ahead_m:.2f} m ahead of the rear stance foot, so it is step 2"
    )
    out = list(contacts)
    out[i] = replace(first, steps_since_prev=2)
    return out


def _stance_sides(contacts: list[Contact], s: EventSettings) -> list[Contact]:
    """Sides of the set-stance contacts from step 1: the rear foot of the stance takes step 1.

    In block, 3-point and standing starts the rear leg swings through first while the front leg
    pushes longest, so the rear stance foot is step 1's side and the front one the other side.
    Stance contacts within ``merge_dist_m`` of the rearmost are that foot (seen in pieces); the
    others are the front foot. Applied when the first running contact was numbered 2 (the front
    foot's), or when it is step 1 for sure: it lands within ``stance_step1_periods`` (1.5)
    typical step periods of the last stance toe-off (a later one may be step 2 after a missed
    step 1). Otherwise the stance contacts keep the pose model's labels.
    """
    stance = [i for i, c in enumerate(contacts) if not np.isfinite(c.td_s)]
    running = [c for c in contacts if np.isfinite(c.td_s)]
    if not stance or not running:
        return contacts
    first = min(running, key=lambda c: c.td_s)
    last_to = max((contacts[i].to_s for i in stance), default=np.nan)
    step2 = first.steps_since_prev == 2
    if not step2 and (
        not np.isfinite(last_to) or first.td_s > last_to + s.stance_step1_periods / s.step_rate_hz
    ):
        return contacts
    step1_side = other_side(first.side) if step2 else first.side
    other = other_side(step1_side)
    rear_x = min(contacts[i].pivot_x_m for i in stance)
    out = list(contacts)
    for i in stance:
        rear = contacts[i].pivot_x_m - rear_x < s.merge_dist_m
        out[i] = replace(contacts[i], side=step1_side if rear else other)
    return out
