"""Contacts the image saw, as candidates where the pose missed a step.

The image stage (:mod:`sprintlab.footimage`) finds a foot standing still on the ground; it does
not know which foot it is nor where the ankle was. :func:`image_candidates` borrows both from
the pose: the ankle (either label) nearest to the still sole, its world position early in the
contact, and its label as the side. :class:`ImageContactDetector` offers those contacts only at
the second look, where timing says a step is missing: the pose's own contacts stay the
backbone of the sequence, and the image's times are put on them afterwards
(:mod:`sprintlab.events.fusion`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ...footimage.result import FootImageResult
from ..base import Contact
from ..fusion import image_times, uncertainty_frames
from ..settings import EventSettings

#: The side of an image contact comes from the nearest ankle's label: an even vote.
_IMAGE_SIDE_AGREEMENT = 0.5


def image_candidates(
    image: FootImageResult,
    t_s: np.ndarray,
    ankles_px: dict[str, np.ndarray],
    ankles_m: dict[str, np.ndarray],
    fps: float,
    stature_m: float,
    settings: EventSettings | None = None,
) -> list[Contact]:
    """The image's contacts as :class:`~..base.Contact` candidates (times from the image,
    place and side from the nearest ankle).

    Parameters
    ----------
    image : FootImageResult
        Its frame numbers index ``t_s``.
    t_s : ndarray, shape (T,)
    ankles_px, ankles_m : dict
        ``{"left": (T, 2), "right": (T, 2)}`` ankle keypoints in pixels and in metres (world).
    fps, stature_m : float
    """
    s = settings or EventSettings()
    if not image.used:
        return []
    athlete_px = float(image.geometry.get("athlete_px", math.nan))
    if not math.isfinite(athlete_px):
        return []
    radius_m = s.foot_radius_frac * stature_m
    out = []
    for ic in image.contacts:
        td_s, to_s = image_times(ic, t_s, fps)
        if not (math.isfinite(td_s) and math.isfinite(to_s)):
            continue
        # The ankle over the still sole in the first frames of the contact.
        first = slice(ic.td_frame, min(ic.to_frame, ic.td_frame + max(1, round(0.02 * fps))) + 1)
        best, best_d = None, 0.25 * athlete_px
        for label, a in ankles_px.items():
            x = np.nanmedian(a[first, 0]) if np.isfinite(a[first, 0]).any() else math.nan
            d = max(ic.x0_px - x, x - ic.x1_px, 0.0) if math.isfinite(x) else math.inf
            if d <= best_d:
                best, best_d = label, d
        if best is None:
            continue
        xs = ankles_m[best][first, 0]
        if not np.isfinite(xs).any():
            continue
        foot_x = float(np.nanmedian(xs))
        out.append(
            Contact(
                td_s=td_s,
                to_s=to_s,
                td_frame=ic.td_frame,
                to_frame=ic.to_frame,
                pivot_x_m=foot_x + radius_m,
                foot_x_m=foot_x,
                radius_m=radius_m,
                side=best,
                label=best,
                side_agreement=_IMAGE_SIDE_AGREEMENT,
                noise_m=math.nan,
                td_source="image",
                to_source="image",
                td_uncertainty_frames=uncertainty_frames("touchdown", "image", fps),
                to_uncertainty_frames=uncertainty_frames("toeoff", "image", fps),
                sole_px=(float(ic.x0_px), float(ic.x1_px), float(ic.ground_y_px)),
            )
        )
    return out


class ImageContactDetector:
    """A :class:`~..base.ContactDetector` of the image's contacts, asked only at the second
    look: it proposes the contacts whose touchdown lies in a window where a step is missing."""

    def __init__(self, contacts: Sequence[Contact]) -> None:
        self.contacts = list(contacts)

    def candidates(self, windows: Sequence[tuple[float, float]] | None = None) -> list[Contact]:
        if windows is None:
            return []
        return [c for c in self.contacts if any(a < c.td_s < b for a, b in windows)]


class CombinedDetector:
    """Several detectors asked in turn; their candidates pooled."""

    def __init__(self, *detectors) -> None:
        self.detectors = detectors

    def candidates(self, windows: Sequence[tuple[float, float]] | None = None) -> list[Contact]:
        return [c for d in self.detectors for c in d.candidates(windows)]
