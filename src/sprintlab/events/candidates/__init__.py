"""Contact detectors: each proposes candidate ground contacts behind
:class:`sprintlab.events.base.ContactDetector`.

- :class:`PoseContactDetector` (:mod:`.pose`): from the ankle keypoints of a pose model.
- :class:`ImageContactDetector` (:mod:`.image`): the contacts the image at the feet saw
  (:mod:`sprintlab.footimage`), offered where the pose missed a step.
"""

from __future__ import annotations

from .image import CombinedDetector, ImageContactDetector, image_candidates
from .pose import PoseContactDetector

__all__ = ["CombinedDetector", "ImageContactDetector", "PoseContactDetector", "image_candidates"]
