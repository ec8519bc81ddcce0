"""Choosing the running contacts that form a plausible sequence of sprint steps.

Candidate contacts include fragments: the front foot of the set stance seen again as it rolls
onto its toes, a swing foot that slows down low over the ground, two pieces of one contact.
This module drops implausible candidates, keeps the most plausible forward chain of steps,
leaves out a fragment before step 1, and says where timing shows a contact is missing (so a
detector can look again there).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from .base import Contact
from .numbering import _step_counts
from .settings import EventSettings


def _drop_implausible(
    contacts: list[Contact],
    t_s: np.ndarray,
    s: EventSettings,
    warnings: list[str],
    first_movement_s: float | None,
) -> list[Contact]:
    kept: list[Contact] = []
    for c in sorted(contacts, key=lambda c: c.pivot_x_m):
        t0 = c.td_s if np.isfinite(c.td_s) else t_s[0]
        t1 = c.to_s if np.isfinite(c.to_s) else t_s[-1]
        dur = t1 - t0
        if dur < s.min_contact_s:
            continue
        stance = first_movement_s is not None and t0 < first_movement_s + s.min_first_step_s
        if stance and np.isfinite(c.td_s):
            c = replace(c, td_s=np.nan, td_frame=-1)  # down before the start: a stance foot
        if dur > s.max_contact_s and not stance and np.isfinite(c.td_s) and np.isfinite(c.to_s):
            warnings.append(
                f"a ground contact at x = {c.pivot_x_m:.2f} m lasted {dur:.2f} s, longer than a "
                "sprint contact; it was left out"
            )
            continue
        kept.append(c)
    return sorted(kept, key=lambda c: (np.nan_to_num(c.td_s, nan=-1.0), c.pivot_x_m))


def _select_sequence(
    contacts: list[Contact],
    stature_m: float,
    s: EventSettings,
    warnings: list[str],
    end_s: float = -np.inf,
) -> list[Contact]:
    """Keep the running contacts that form the most plausible sequence of sprint steps.

    Candidate contacts include fragments: the front foot of the set stance seen again as it rolls
    onto its toes, a swing foot that slows down low over the ground, two pieces of one contact.
    Running forward, successive contacts (i) land ahead of one another by a step, (ii) are at
    least ``min_step_s`` apart, (iii) do not overlap beyond the timing uncertainty, and the first
    one lands ahead of the front foot of the set stance. Among the chains of candidates that
    obey these rules, the one with the longest total ground contact is kept (weighted interval
    scheduling by dynamic programming): a fragment can only enter the chain by displacing the
    contact it is part of, which is longer. Stance contacts (down before first movement) are kept.
    A contact still down at the end of the data (``end_s``, s) counts until then.
    """
    stance = [c for c in contacts if not np.isfinite(c.td_s)]
    running = sorted((c for c in contacts if np.isfinite(c.td_s)), key=lambda c: c.td_s)
    if not running:
        return contacts
    min_step = s.min_step_frac * stature_m
    front_x = max((c.foot_x_m for c in stance), default=-np.inf)
    # A foot still down when the clip ends is in contact until then: with the end at its own
    # touchdown it would weigh nothing and lose every tie to the chain without it.
    end = max(end_s, max(c.td_s for c in running))

    def duration(c: Contact) -> float:
        return (c.to_s if np.isfinite(c.to_s) else end) - c.td_s

    def follows(a: Contact, b: Contact) -> bool:
        return (
            b.foot_x_m - a.foot_x_m >= min_step
            and b.td_s - a.td_s >= s.min_step_s
            and (not np.isfinite(a.to_s) or b.td_s >= a.to_s - s.max_double_support_s)
        )

    n = len(running)
    best = np.full(n, -np.inf)
    prev = np.full(n, -1)
    for j, c in enumerate(running):
        if c.foot_x_m - front_x >= min_step:
            best[j] = duration(c)
        for i in range(j):
            if np.isfinite(best[i]) and follows(running[i], c):
                cand = best[i] + duration(c)
                if cand > best[j]:
                    best[j], prev[j] = cand, i
    if not np.isfinite(best).any():
        return stance
    chain = []
    j = int(np.argmax(best))
    while j >= 0:
        chain.append(running[j])
        j = int(prev[j])
    chain.reverse()
    dropped = n - len(chain)
    if dropped:
        warnings.append(
            f"{dropped} candidate contact(s) that did not fit a forward sequence of steps "
            "(behind or too close to a neighbour, or overlapping it) were left out"
        )
    return sorted(stance, key=lambda c: c.pivot_x_m) + chain


def _drop_start_fragment(
    contacts: list[Contact], s: EventSettings, warnings: list[str]
) -> list[Contact]:
    """Leave out a first running contact too brief and too soon before the next to be step 1.

    Measured on rendered starts: as the rear leg swings past the pushing front foot, the pose
    model put both ankles low between the feet for 75 ms, and that "contact" 0.13 s before the
    real step 1 was numbered step 1, shifting every step's number by one.
    """
    running = sorted((c for c in contacts if np.isfinite(c.td_s)), key=lambda c: c.td_s)
    if len(running) < 2 or not np.isfinite(running[0].to_s):
        return contacts
    first, nxt = running[0], running[1]
    contact_s, step_s = first.to_s - first.td_s, nxt.td_s - first.td_s
    if contact_s >= s.min_first_contact_s or step_s >= s.min_first_step_time_s:
        return contacts
    warnings.append(
        f"a {1000 * contact_s:.0f} ms contact {step_s:.2f} s before the next touchdown was left "
        "out: too brief and too soon to be step 1"
    )
    return [c for c in contacts if c is not first]


def _missing_windows(
    contacts: list[Contact],
    first_movement_s: float | None,
    s: EventSettings,
    end_s: float | None = None,
) -> list[tuple[float, float]]:
    """Time windows (s) where timing says a contact was missed.

    Between two running contacts whose touchdowns count as two or more steps apart (1.5 typical
    step times or more, :func:`.numbering._step_counts`): from the first one's toe-off to the
    second one's touchdown. Before the first running contact when it lands later than
    ``step2_after_fm_s`` after first movement: from where step 1 can land (``min_first_step_s``)
    to its touchdown. After the last running contact when the clip goes on for 1.5 typical
    step times or more after its touchdown (``end_s``, the last frame's time): from its toe-off
    to ``end_s`` (a detector proposes nothing where the athlete is out of view).
    """
    running = sorted((c for c in contacts if np.isfinite(c.td_s)), key=lambda c: c.td_s)
    windows: list[tuple[float, float]] = []
    if running and first_movement_s is not None and np.isfinite(first_movement_s):
        if running[0].td_s - first_movement_s > s.step2_after_fm_s:
            windows.append((first_movement_s + s.min_first_step_s, running[0].td_s))
    if len(running) >= 2:
        counts = _step_counts(np.array([c.td_s for c in running]), s.step_rate_hz)
        for a, b, k in zip(running[:-1], running[1:], counts, strict=True):
            if k > 1:
                windows.append((a.to_s if np.isfinite(a.to_s) else a.td_s, b.td_s))
    if running and end_s is not None and (end_s - running[-1].td_s) * s.step_rate_hz >= 1.5:
        last = running[-1]
        windows.append((last.to_s if np.isfinite(last.to_s) else last.td_s, end_s))
    return windows
