"""Touchdown and toe-off of every step: the decision, step by step.

:func:`detect_contacts` runs

1. a contact detector for candidates (:mod:`.candidates`; pose keypoints today);
2. :mod:`.sequence`: implausible candidates out, the most plausible forward chain of steps kept,
   a fragment before step 1 left out;
3. a second look where timing says a contact is missing;
4. :mod:`.numbering`: alternation of feet, step 1 or 2, the sides of the set stance.
"""

from __future__ import annotations

import numpy as np

from .base import Contact, ContactDetector
from .candidates import CombinedDetector, PoseContactDetector
from .numbering import _enforce_alternation, _number_first_step, _stance_sides
from .sequence import _drop_implausible, _drop_start_fragment, _missing_windows, _select_sequence
from .settings import EventSettings


def detect_contacts(
    t_s: np.ndarray,
    ankles: dict[str, np.ndarray],
    hip_x_m: np.ndarray,
    fps: float,
    stature_m: float,
    settings: EventSettings | None = None,
    *,
    ankles_raw: dict[str, np.ndarray] | None = None,
    first_movement_s: float | None = None,
    second_look: ContactDetector | None = None,
) -> tuple[list[Contact], list[str]]:
    """Detect ground contacts of both feet from world-frame ankle trajectories.

    Parameters
    ----------
    t_s : ndarray, shape (T,)
        Frame times (s).
    ankles : dict
        ``{"left": (T, 2), "right": (T, 2)}`` ankle positions in metres (x forward, y up, ground
        at y = 0), low-passed, legs repaired as well as possible (residual swaps are tolerated).
    hip_x_m : ndarray, shape (T,)
        Hip-mid x, for the speed-relative stillness threshold.
    fps : float
        Capture rate (Hz).
    stature_m : float
        Athlete's stature (sets the foot radius and height thresholds).
    ankles_raw : dict, optional
        The same ankles before low-pass filtering (gaps may be filled). Touchdown and toe-off are
        timed on these, because a low-pass filter spreads the sharp start of a contact over
        several frames; the hinge fit does its own averaging. Defaults to ``ankles``.
    first_movement_s : float, optional
        Contacts that start before it are the set stance: kept whatever their length.
    second_look : ContactDetector, optional
        Another detector asked with the pose's permissive tests where a step is missing (the
        image's contacts, :class:`~.candidates.ImageContactDetector`).

    Returns
    -------
    contacts : list of Contact
        In time order, sides alternating.
    warnings : list of str
    """
    s = settings or EventSettings()
    detector: ContactDetector = PoseContactDetector(
        t_s, ankles, hip_x_m, fps, stature_m, s, ankles_raw=ankles_raw
    )
    if second_look is not None:
        detector = CombinedDetector(detector, second_look)
    return decide_contacts(detector, t_s, stature_m, s, first_movement_s=first_movement_s)


def decide_contacts(
    detector: ContactDetector,
    t_s: np.ndarray,
    stature_m: float,
    settings: EventSettings,
    *,
    first_movement_s: float | None = None,
) -> tuple[list[Contact], list[str]]:
    """The steps' contacts among a detector's candidates, numbered and with their sides.

    Parameters
    ----------
    detector : ContactDetector
        Proposes the candidates (first look) and looks again where a contact is missing.
    t_s : ndarray, shape (T,)
        Frame times (s).
    stature_m : float
        Athlete's stature (sets the shortest step and the stance-to-step-2 distance).
    settings : EventSettings
    first_movement_s : float, optional
        Contacts that start before it are the set stance: kept whatever their length.

    Returns
    -------
    contacts : list of Contact
        In time order, sides alternating.
    warnings : list of str
    """
    s = settings
    warnings: list[str] = []

    def contacts_from(windows: list[tuple[float, float]] | None) -> list[Contact]:
        dropped: list[str] = []
        kept = _drop_implausible(detector.candidates(windows), t_s, s, dropped, first_movement_s)
        warnings.extend(w for w in dropped if w not in warnings)
        return kept

    def sequence(candidates: list[Contact]) -> tuple[list[Contact], list[str]]:
        notes: list[str] = []
        out = _select_sequence(candidates, stature_m, s, notes, end_s=float(t_s[-1]))
        return _drop_start_fragment(out, s, notes), notes

    candidates = contacts_from(None)
    contacts, notes = sequence(candidates)
    # A second look where timing says a contact is missing, with the detector's more permissive
    # tests (the pose detector's looser ankle-height test: the pose model can put a far-side
    # stance ankle 10-20 cm too high for a whole contact).
    windows = _missing_windows(contacts, first_movement_s, s, end_s=float(t_s[-1]))
    if windows:
        # Only running contacts, as a step is what is missing there; those the first look
        # already had (they pass the permissive tests too) are not counted twice.
        seen = {(c.td_frame, c.to_frame) for c in candidates}
        extra = [
            c
            for c in contacts_from(windows)
            if (c.td_frame, c.to_frame) not in seen and np.isfinite(c.td_s)
        ]
        if extra:
            contacts, notes = sequence(candidates + extra)
            added = {id(c) for c in extra}
            second = [c for c in contacts if id(c) in added]
            seen_by_image = [c for c in second if c.td_source == "image"]
            by_pose = [c for c in second if c.td_source != "image"]
            if by_pose:
                when = ", ".join(f"{c.td_s:.2f}" for c in by_pose)
                notes.append(
                    f"{len(by_pose)} contact(s) (touchdown at {when} s) were found only by a "
                    "second look with a looser ankle-height test, where a contact was missing: "
                    "the pose model held that ankle high; treat those steps with care"
                )
            if seen_by_image:
                when = ", ".join(f"{c.td_s:.2f}" for c in seen_by_image)
                notes.append(
                    f"{len(seen_by_image)} contact(s) (touchdown at {when} s) were seen only in "
                    "the image, where the pose model missed a step: their side and place come "
                    "from the nearest ankle; treat those steps with care"
                )
    warnings += notes
    contacts = _enforce_alternation(contacts, warnings, s.step_rate_hz, s.ambiguous_step_margin)
    contacts = _number_first_step(contacts, first_movement_s, stature_m, s, warnings)
    contacts = _stance_sides(contacts, s)
    return contacts, warnings
