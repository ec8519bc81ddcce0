"""Ground contacts timed from the image at the feet (a fixed camera sees a foot stop).

:func:`scan_frames` cuts a thin band of every frame along the ground line
(:mod:`~sprintlab.footimage.band`), separates the athlete from the ground and its shadow and
finds what stands still (:mod:`~sprintlab.footimage.evidence`), and times each contact from
that (:mod:`~sprintlab.footimage.detect`). :mod:`~sprintlab.footimage.fuse` puts those times
on the pose's contacts, which keep which leg it was and where the foot was placed.
"""

from .detect import ImageContact, find_image_contacts
from .scan import FootImageResult, scan_frames, unused
from .settings import FootImageSettings

__all__ = [
    "FootImageResult",
    "FootImageSettings",
    "ImageContact",
    "find_image_contacts",
    "scan_frames",
    "unused",
]
