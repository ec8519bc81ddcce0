"""What a ground contact is, and the protocol every contact detector follows.

Definitions (../shared/design/metrics.md):

- **Touchdown / toe-off**: first and last instant of ground contact of a foot.

A contact detector proposes *candidate* contacts: possibly fragments, stance feet and duplicates.
Choosing the sequence of steps among them (:mod:`.sequence`) and numbering the steps and sides
(:mod:`.numbering`) is left to :func:`sprintlab.events.detect_contacts`, so that detectors working
from other evidence (pose keypoints, image evidence) can plug in behind one small protocol.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class Contact:
    """One ground contact of one foot.

    Attributes
    ----------
    td_s, to_s : float
        Touchdown and toe-off, seconds from the first frame (NaN when outside the clip).
    td_frame, to_frame : int
        First and last frame in contact (-1 when unknown).
    pivot_x_m : float
        Position along the lane of the ball of the foot (the pivot of the roll-over), metres.
    foot_x_m : float
        Ankle x at touchdown (metrics.md's foot position), metres: the ankle's robust mean
        place through the early stance (:func:`sprintlab.events.foot_place`); when too few
        frames show it, where the landing ankle comes to rest in the first frames of stance
        (:func:`sprintlab.events.foot_stop`), or the ankle's place on the pivot circle at the
        touchdown height.
    radius_m : float
        Fitted ankle-to-ball distance.
    side : str
        "left" or "right" (after alternation is enforced).
    label : str
        The pose model's label of the ankle that was on the ground (majority over the contact);
        use it to read that leg's knee and ankle, which may differ from ``side`` after relabelling.
    side_agreement : float
        Fraction of contact frames in which the pose model's label of the stance ankle agreed.
    noise_m : float
        Robust spread of the ankle about the fitted circle within the contact.
    steps_since_prev : int
        Steps from the previous running contact to this one: 1 normally, 2 or more when contacts
        in between were not detected (then step length and time to this contact are unknown).
        For the first running contact, its step number: 1, or 2 when step 1 was not detected.
    td_source, to_source : str
        How touchdown and toe-off were timed: "pose" (the ankle keypoints), "image" (the foot
        seen standing on the ground, :mod:`sprintlab.footimage`) or "both" (they agree within
        two frames; the image's time is used).
    td_uncertainty_frames, to_uncertainty_frames : float
        95% limits of the event's error in frames, from the harness's figures for how it was
        timed, widened to the disagreement when image and pose disagree (NaN: not assessed).
    sole_px : (x0, x1, ground_y) or None
        Where the image saw the still sole of this contact: the image columns it spanned and
        the ground row under it (pixels of the analysed track's frame); None when the image did
        not see the contact.
    """

    td_s: float
    to_s: float
    td_frame: int
    to_frame: int
    pivot_x_m: float
    foot_x_m: float
    radius_m: float
    side: str
    label: str
    side_agreement: float
    noise_m: float
    steps_since_prev: int = 1
    td_source: str = "pose"
    to_source: str = "pose"
    td_uncertainty_frames: float = math.nan
    to_uncertainty_frames: float = math.nan
    sole_px: tuple[float, float, float] | None = None


@runtime_checkable
class ContactDetector(Protocol):
    """Something that proposes candidate ground contacts of one clip.

    A detector is built for one clip (its times, keypoints or frames, fps and settings) and then
    asked for candidates; it does not choose among them.
    """

    def candidates(self, windows: Sequence[tuple[float, float]] | None = None) -> list[Contact]:
        """Candidate contacts, in any order.

        Parameters
        ----------
        windows : sequence of (start_s, end_s), optional
            A second look: only contacts that lie within one of these time windows (s), where
            the chosen sequence says a contact is missing, with the detector's more permissive
            tests. ``None`` is the first look over the whole clip.

        Returns
        -------
        list of Contact
            ``side`` and ``label`` are the detector's own reading of the foot;
            ``steps_since_prev`` is left at 1.
        """
        ...
