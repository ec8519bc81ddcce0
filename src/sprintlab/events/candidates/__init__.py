"""Contact detectors: each proposes candidate ground contacts behind
:class:`sprintlab.events.base.ContactDetector`.

- :class:`PoseContactDetector` (:mod:`.pose`): from the ankle keypoints of a pose model.
"""

from __future__ import annotations

from .pose import PoseContactDetector

__all__ = ["PoseContactDetector"]
