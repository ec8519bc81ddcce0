"""Start and foot events: first movement, touchdown and toe-off.

The decision runs in steps, one module each:

- :mod:`.first_movement`: when the athlete leaves the set stance;
- :mod:`.candidates`: contact detectors propose candidate ground contacts behind the
  :class:`~.base.ContactDetector` protocol (:mod:`.base`; pose keypoints today);
- :mod:`.sequence`: the candidates that form a plausible forward sequence of steps, and where
  timing says a contact is missing (a second look there);
- :mod:`.numbering`: alternation of feet, step 1 or 2, the sides of the set stance;
- :mod:`.contacts`: :func:`detect_contacts`, which runs those steps;
- :mod:`.fusion`: the image's touchdown and toe-off (:mod:`sprintlab.footimage`) put on the
  contacts the pose found, each event saying how it was timed and how sure it is;
- :mod:`.settings`: :class:`EventSettings`, every parameter in physical units.
"""

from __future__ import annotations

# Besides the public names (``__all__``), single steps of the decision (the ``X as X`` imports)
# stay importable from here for the unit tests that check them one by one.
from .base import Contact, ContactDetector
from .candidates import ImageContactDetector, PoseContactDetector, image_candidates
from .candidates.circle import OFF as OFF
from .candidates.circle import ON as ON
from .candidates.circle import UNKNOWN as UNKNOWN
from .candidates.circle import _grow as _grow
from .candidates.cores import ankle_height_offsets
from .candidates.foot import foot_place, foot_stop
from .candidates.pose import _keypoint_jitter_m as _keypoint_jitter_m
from .contacts import decide_contacts, detect_contacts
from .first_movement import FirstMovement, detect_first_movement
from .fusion import fuse_contacts
from .numbering import _enforce_alternation as _enforce_alternation
from .numbering import _number_first_step as _number_first_step
from .numbering import _stance_sides as _stance_sides
from .numbering import _step_counts as _step_counts
from .sequence import _drop_implausible as _drop_implausible
from .sequence import _drop_start_fragment as _drop_start_fragment
from .sequence import _missing_windows as _missing_windows
from .sequence import _select_sequence as _select_sequence
from .settings import EventSettings

__all__ = [
    "Contact",
    "ContactDetector",
    "EventSettings",
    "FirstMovement",
    "ImageContactDetector",
    "PoseContactDetector",
    "ankle_height_offsets",
    "decide_contacts",
    "detect_contacts",
    "detect_first_movement",
    "foot_place",
    "foot_stop",
    "fuse_contacts",
    "image_candidates",
]
