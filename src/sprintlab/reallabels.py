"""Scoring steps against ground contacts marked by hand on real footage.

A labels file is a CSV with one row per ground contact: ``clip`` (the file name without its
extension), ``contact`` (1, 2, ... in time order; 0 marks a row that is not a contact, such as
the block exit, and is skipped), ``touchdown_frame`` and ``toeoff_frame`` (0-based frame
indexes; toe-off may be empty when the clip ends or the foot leaves the picture). Other columns
(``confidence``, ``note``, ...) are kept for people and ignored here.

A labelled contact is *found* when a step of the rep touches down within ``tolerance_frames``
of it; each step answers at most one label, the nearest first. Steps that answer no label are
*false*. Touchdown and toe-off errors are the step's frame minus the label's, in frames of the
clip (at 30 fps one frame is 33 ms).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from .accuracy import Agreement, agreement

#: A step this many frames or fewer from a labelled touchdown is that contact.
DEFAULT_TOLERANCE_FRAMES = 3

_REQUIRED = ("clip", "contact", "touchdown_frame", "toeoff_frame")


@dataclass(frozen=True)
class LabelledContact:
    """One contact marked by hand (frames are 0-based indexes of the clip)."""

    touchdown_frame: int
    toeoff_frame: int | None


@dataclass(frozen=True)
class ClipScore:
    """How one rep's steps answer one clip's labelled contacts.

    Attributes
    ----------
    n_labelled, n_found, n_false : int
        Labelled contacts, those a step answered, steps that answered none.
    td_errors_frames, to_errors_frames : tuple of float
        Step minus label, frames, for the contacts found (toe-off where both are known).
    """

    clip: str
    n_labelled: int
    n_found: int
    n_false: int
    td_errors_frames: tuple[float, ...]
    to_errors_frames: tuple[float, ...]


def load_contact_labels(path: Path) -> dict[str, list[LabelledContact]]:
    """The labelled contacts of a labels file, per clip in time order.

    Raises
    ------
    ValueError
        With one sentence naming the file and line, for a missing column or a bad number.
    """
    path = Path(path)
    out: dict[str, list[LabelledContact]] = {}
    with path.open(newline="") as f:
        reader = csv.DictReader(f)
        missing = [c for c in _REQUIRED if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{path}: the labels need the column(s) {', '.join(missing)}")
        for line, row in enumerate(reader, start=2):
            try:
                if int(row["contact"]) == 0:
                    continue
                td = int(row["touchdown_frame"])
                to = int(row["toeoff_frame"]) if (row["toeoff_frame"] or "").strip() else None
            except (TypeError, ValueError):
                raise ValueError(
                    f"{path}, line {line}: contact, touchdown_frame and toeoff_frame must be "
                    "whole frame numbers (toeoff_frame may be empty)"
                ) from None
            if td < 0 or (to is not None and to < td):
                raise ValueError(
                    f"{path}, line {line}: a touchdown frame must be >= 0 and the toe-off "
                    "no earlier than it"
                )
            out.setdefault(row["clip"].strip(), []).append(LabelledContact(td, to))
    for contacts in out.values():
        contacts.sort(key=lambda c: c.touchdown_frame)
    return out


def score_clip(
    clip: str,
    steps: list[tuple[int, int | None]],
    labels: list[LabelledContact],
    tolerance_frames: int = DEFAULT_TOLERANCE_FRAMES,
) -> ClipScore:
    """Match a rep's steps, ``(touchdown_frame, toeoff_frame)`` (toe-off None or < 0 when not
    measured), to a clip's labelled contacts and measure the errors (see the module
    docstring)."""
    pairs = sorted(
        (abs(s[0] - lab.touchdown_frame), i, j)
        for i, lab in enumerate(labels)
        for j, s in enumerate(steps)
        if abs(s[0] - lab.touchdown_frame) <= tolerance_frames
    )
    taken_label: set[int] = set()
    taken_step: set[int] = set()
    td_err: list[float] = []
    to_err: list[float] = []
    for _, i, j in pairs:
        if i in taken_label or j in taken_step:
            continue
        taken_label.add(i)
        taken_step.add(j)
        lab, (td, to) = labels[i], steps[j]
        td_err.append(float(td - lab.touchdown_frame))
        if lab.toeoff_frame is not None and to is not None and to >= 0:
            to_err.append(float(to - lab.toeoff_frame))
    return ClipScore(
        clip,
        len(labels),
        len(taken_label),
        len(steps) - len(taken_step),
        tuple(td_err),
        tuple(to_err),
    )


def pooled(scores: list[ClipScore]) -> dict[str, Agreement]:
    """Touchdown and toe-off agreement over every clip's found contacts (missing: the labelled
    contacts no step answered)."""
    missed = sum(s.n_labelled - s.n_found for s in scores)
    td = [e for s in scores for e in s.td_errors_frames]
    to = [e for s in scores for e in s.to_errors_frames]
    return {
        "touchdown_frame": agreement("touchdown_frame", "frames", td, missed),
        "toeoff_frame": agreement("toeoff_frame", "frames", to, missed),
    }


def format_scores(scores: list[ClipScore]) -> str:
    """One line per clip (labelled, found, false) and the totals."""
    lines = [f"{'clip':12s} {'labelled':>8s} {'found':>6s} {'false':>6s}"]
    for s in scores:
        lines.append(f"{s.clip:12s} {s.n_labelled:8d} {s.n_found:6d} {s.n_false:6d}")
    n = sum(s.n_labelled for s in scores)
    found = sum(s.n_found for s in scores)
    false = sum(s.n_false for s in scores)
    share = f" ({100 * found / n:.0f}%)" if n else ""
    lines.append(f"{'all':12s} {n:8d} {found:6d} {false:6d}   found{share}")
    return "\n".join(lines)
