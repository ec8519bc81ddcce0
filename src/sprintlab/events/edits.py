"""A person's corrections of the detected contacts: events moved, contacts added or deleted.

A coach reviewing a rep on its frames can say "this contact touched down on frame 412, not
415", "a contact from frame 500 to 528 was missed", "the contact at frame 610 is a phantom" or
"that was the left foot". Each such statement is an :class:`EventEdit`. It names the frames of
the contact it corrects (``was_td_frame``/``was_to_frame``, as the coach saw them) rather than a
step number, so it still finds its contact when the rep is analysed again and the numbering
changes. :func:`apply_edits` puts the edits on the detected contacts; everything after (legs,
steps, angles, splits) is then computed from the edited contacts as from detected ones.

A person's events carry the source ``"coach"`` and an uncertainty of
:data:`PERSON_UNCERTAINTY_FRAMES`: marked on the frames at the capture rate, a touchdown is
within one frame of the truth.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np

from ..skeleton import SIDES
from .base import Contact
from .candidates.foot import foot_place
from .numbering import _step_counts
from .settings import EventSettings

#: 95% limits of a person's event, frames: marked on the frames themselves.
PERSON_UNCERTAINTY_FRAMES = 1.0
#: ``Contact.td_source`` / ``to_source`` of an event a person set.
PERSON = "coach"
ACTIONS = ("set", "delete")


@dataclass(frozen=True)
class EventEdit:
    """One correction of one contact, by a person.

    Attributes
    ----------
    action : str
        ``"set"``: the contact touches down on ``td_frame`` and leaves the ground after
        ``to_frame`` (both frames of the clip, the last one still in contact), on ``side`` —
        it moves a detected contact's events, or adds a contact that was missed.
        ``"delete"``: the contact spanning ``was_td_frame``..``was_to_frame`` is not a contact.
    td_frame, to_frame : int
        The person's first and last frame with the foot on the ground (``"set"``; -1 for
        ``"delete"``), as :class:`~.base.Contact` numbers them: the contact time is
        ``(to_frame - td_frame + 1) / fps``.
    side : str or None
        ``"left"`` or ``"right"``; None keeps the foot the analysis gave.
    was_td_frame, was_to_frame : int
        Frames of the detected contact this corrects (-1 when the contact was missed).
    author : str
        Who made the correction.
    created_utc : str
        When (ISO 8601, UTC).
    note : str
        Free text.
    """

    action: str
    td_frame: int = -1
    to_frame: int = -1
    side: str | None = None
    was_td_frame: int = -1
    was_to_frame: int = -1
    author: str = ""
    created_utc: str = ""
    note: str = ""

    def __post_init__(self) -> None:
        if self.action not in ACTIONS:
            raise ValueError(f"an edit is one of {', '.join(ACTIONS)}, not {self.action!r}")
        if self.side is not None and self.side not in SIDES:
            raise ValueError(f"the foot is 'left' or 'right', not {self.side!r}")
        if self.action == "set":
            if self.td_frame < 0 or self.to_frame < self.td_frame:
                raise ValueError(
                    f"a contact needs a touchdown frame at or before its toe-off frame "
                    f"(got {self.td_frame} and {self.to_frame})"
                )
        elif self.was_td_frame < 0 or self.was_to_frame < self.was_td_frame:
            raise ValueError("deleting a contact needs the frames of the contact it deletes")

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict."""
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> EventEdit:
        """The edit of :meth:`to_dict` (unknown keys, e.g. ``applied``, are ignored)."""
        names = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in d.items() if k in names})

    def describe(self) -> str:
        """One short phrase: what the edit says."""
        who = f" by {self.author}" if self.author else ""
        if self.action == "delete":
            return f"contact at frames {self.was_td_frame}-{self.was_to_frame} deleted{who}"
        foot = f" ({self.side} foot)" if self.side else ""
        if self.was_td_frame < 0:
            return f"contact at frames {self.td_frame}-{self.to_frame}{foot} added{who}"
        return (
            f"contact at frames {self.was_td_frame}-{self.was_to_frame} set to "
            f"{self.td_frame}-{self.to_frame}{foot}{who}"
        )


@dataclass(frozen=True)
class EditOutcome:
    """What :func:`apply_edits` did with one edit: ``applied`` False when nothing matched."""

    edit: EventEdit
    applied: bool

    def to_dict(self) -> dict[str, Any]:
        return {**self.edit.to_dict(), "applied": self.applied}


def _overlap(a0: int, a1: int, b0: int, b1: int) -> int:
    """Frames shared by the inclusive ranges a0..a1 and b0..b1."""
    return max(0, min(a1, b1) - max(a0, b0) + 1)


def _targets(c: Contact, e: EventEdit) -> bool:
    """Whether the edit is about detected contact ``c``.

    It is when ``c`` overlaps the contact the edit names (``was_*``), or when at least half of
    ``c`` lies within the person's new contact (a phantom piece of the same stance).
    """
    if c.td_frame < 0 or c.to_frame < 0:
        return False
    if e.was_td_frame >= 0 and _overlap(c.td_frame, c.to_frame, e.was_td_frame, e.was_to_frame):
        return True
    if e.action == "set":
        shared = _overlap(c.td_frame, c.to_frame, e.td_frame, e.to_frame)
        return shared * 2 >= c.to_frame - c.td_frame + 1
    return False


def _frame_time(t_s: np.ndarray, frame: int) -> float:
    return float(t_s[frame]) if 0 <= frame < len(t_s) else math.nan


def _person_contact(
    e: EventEdit,
    replaced: Contact | None,
    t_s: np.ndarray,
    ankles_m: dict[str, np.ndarray],
    stature_m: float,
    s: EventSettings,
) -> Contact:
    """The contact a ``"set"`` edit describes, keeping what the person did not change."""
    side = e.side or (replaced.side if replaced is not None else None)
    mid = (e.td_frame + e.to_frame) // 2
    if side is None:
        # The foot on the ground is the lower ankle through the contact.
        heights = {
            k: float(np.nanmedian(ankles_m[k][e.td_frame : e.to_frame + 1, 1])) for k in SIDES
        }
        side = min(SIDES, key=lambda k: heights[k] if math.isfinite(heights[k]) else math.inf)
    td_moved = replaced is None or e.td_frame != replaced.td_frame
    to_moved = replaced is None or e.to_frame != replaced.to_frame
    # The event happened between the frame before and the frame marked (touchdown), or the
    # frame marked and the next (toe-off): its time is taken half a frame out, as the
    # detectors' frames are taken from their times (first frame at or after touchdown, last
    # at or before toe-off). An event the person left where it was keeps its detected time.
    half = 0.5 * float(np.median(np.diff(t_s))) if len(t_s) > 1 else 0.0
    td_s = _frame_time(t_s, e.td_frame) - half if td_moved else replaced.td_s
    to_s = _frame_time(t_s, e.to_frame) + half if to_moved else replaced.to_s
    same_foot = replaced is not None and replaced.side == side
    near = replaced.foot_x_m if same_foot else float(ankles_m[side][min(mid, len(t_s) - 1), 0])
    place = (
        foot_place(t_s, ankles_m, near, td_s, to_s, stature_m, s) if math.isfinite(near) else near
    )
    if not math.isfinite(place):
        place = near
    return Contact(
        td_s=td_s,
        to_s=to_s,
        td_frame=e.td_frame,
        to_frame=e.to_frame,
        pivot_x_m=replaced.pivot_x_m if same_foot else place,
        foot_x_m=place,
        radius_m=replaced.radius_m if replaced is not None else math.nan,
        side=side,
        label=side,
        side_agreement=replaced.side_agreement if same_foot else math.nan,
        noise_m=replaced.noise_m if replaced is not None else math.nan,
        td_source=PERSON if td_moved or not same_foot else replaced.td_source,
        to_source=PERSON if to_moved or not same_foot else replaced.to_source,
        td_uncertainty_frames=(
            PERSON_UNCERTAINTY_FRAMES if td_moved else replaced.td_uncertainty_frames
        ),
        to_uncertainty_frames=(
            PERSON_UNCERTAINTY_FRAMES if to_moved else replaced.to_uncertainty_frames
        ),
        # The same stance of the same foot: the sole the image saw still places it, so a
        # moved touchdown does not move the foot (:mod:`.sole`).
        sole_px=replaced.sole_px if same_foot else None,
    )


def _renumber(
    before: list[Contact], after: list[Contact], first_movement_s: float, s: EventSettings
) -> list[Contact]:
    """``steps_since_prev`` of the running contacts after contacts were added or deleted.

    Counts between touchdowns come from timing (:func:`~.numbering._step_counts`); the step
    number of the first running contact is carried from the first contact that kept its
    touchdown frame (step numbers do not change because a contact elsewhere was corrected).
    """
    fm = first_movement_s if math.isfinite(first_movement_s) else -math.inf

    def running(cs: list[Contact]) -> list[int]:
        return [k for k, c in enumerate(cs) if math.isfinite(c.td_s) and c.td_s >= fm]

    old = running(before)
    numbers: dict[int, int] = {}
    n = 0
    for k in old:
        n += before[k].steps_since_prev
        numbers[before[k].td_frame] = n
    order = {before[k].td_frame: i for i, k in enumerate(old)}
    new = running(after)
    if not new:
        return after
    td = np.array([after[k].td_s for k in new])
    counts = _step_counts(td, s.step_rate_hz) if len(new) > 1 else np.zeros(0, int)
    cumulative = np.concatenate([[0], np.cumsum(counts)])
    anchor = next(
        (i for i, k in enumerate(new) if after[k].td_frame in numbers),
        None,
    )
    first = 1
    if anchor is not None:
        first = max(1, numbers[after[new[anchor]].td_frame] - int(cumulative[anchor]))
    out = list(after)
    out[new[0]] = replace(after[new[0]], steps_since_prev=first)
    for i, k in enumerate(new[1:], start=0):
        a, b = after[new[i]], after[k]
        if a.td_frame in order and order.get(b.td_frame) == order[a.td_frame] + 1:
            # Two detected contacts still side by side keep the analysis's count between them.
            count = numbers[b.td_frame] - numbers[a.td_frame]
        else:
            count = int(counts[i])
        out[k] = replace(b, steps_since_prev=count)
    return out


def apply_edits(
    contacts: list[Contact],
    edits: Sequence[EventEdit],
    t_s: np.ndarray,
    ankles_m: dict[str, np.ndarray],
    stature_m: float,
    first_movement_s: float,
    settings: EventSettings | None = None,
) -> tuple[list[Contact], list[EditOutcome]]:
    """The detected contacts with a person's edits applied, in the order they were made.

    Parameters
    ----------
    contacts : list of Contact
        The detected (and fused) contacts, in time order.
    edits : sequence of EventEdit
    t_s : ndarray
        Frame times (s); the edits' frame numbers index it.
    ankles_m : dict
        ``{"left": (T, 2), "right": (T, 2)}`` world ankles (m), for the new foot's place.
    stature_m : float
    first_movement_s : float
        Contacts touching down before it are the set stance.
    settings : EventSettings, optional

    Returns
    -------
    contacts : list of Contact
        In time order, ``steps_since_prev`` counted again where contacts were added or deleted.
    outcomes : list of EditOutcome
        One per edit; a ``"delete"`` that matches no contact any more is not applied.
    """
    s = settings or EventSettings()
    out = list(contacts)
    outcomes = []
    n = len(t_s)
    for e in edits:
        if e.action == "set" and e.to_frame >= n:
            outcomes.append(EditOutcome(e, False))
            continue
        hit = [k for k, c in enumerate(out) if _targets(c, e)]
        if e.action == "delete":
            out = [c for k, c in enumerate(out) if k not in hit]
            outcomes.append(EditOutcome(e, bool(hit)))
            continue
        # The detected contact the person corrected: the one overlapping the named frames most.
        replaced = None
        if hit:
            lo, hi = (
                (e.was_td_frame, e.was_to_frame)
                if e.was_td_frame >= 0
                else (e.td_frame, e.to_frame)
            )
            best = max(hit, key=lambda k: _overlap(out[k].td_frame, out[k].to_frame, lo, hi))
            replaced = out[best]
        person = _person_contact(e, replaced, t_s, ankles_m, stature_m, s)
        out = [c for k, c in enumerate(out) if k not in hit] + [person]
        outcomes.append(EditOutcome(e, True))
    out.sort(key=lambda c: (c.td_s if math.isfinite(c.td_s) else -math.inf, c.td_frame))
    if any(o.applied for o in outcomes):
        out = _renumber(list(contacts), out, first_movement_s, s)
    return out, outcomes


def edits_from_dicts(items: Sequence[dict[str, Any]] | None) -> list[EventEdit]:
    """Edits from rep.json's ``edits`` list (or the library's rows)."""
    return [EventEdit.from_dict(d) for d in items or []]


def edit_notes(outcomes: Sequence[EditOutcome]) -> list[str]:
    """The rep's warnings about edits: how many events a person set, and edits left unused."""
    notes = []
    used = [o.edit for o in outcomes if o.applied]
    if used:
        authors = sorted({e.author for e in used if e.author})
        by = f" (by {', '.join(authors)})" if authors else ""
        notes.append(
            f"{len(used)} contact(s) corrected by hand{by}: their events are the person's, "
            "the rest of the rep is computed from them"
        )
    unused = [o.edit.describe() for o in outcomes if not o.applied]
    if unused:
        notes.append(
            "edit(s) that no longer match a contact of this analysis were not applied: "
            + "; ".join(unused)
        )
    return notes
