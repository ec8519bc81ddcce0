"""Fusion of image and pose contacts: which image contact retimes which pose contact."""

from __future__ import annotations

import math

import numpy as np

from sprintlab.events.base import Contact
from sprintlab.events.fusion import fuse_contacts
from sprintlab.footimage.result import FootImageResult, ImageContact

FPS = 30.0


def _pose_contact(td_frame: int, to_frame: int) -> Contact:
    return Contact(
        td_s=td_frame / FPS,
        to_s=to_frame / FPS,
        td_frame=td_frame,
        to_frame=to_frame,
        pivot_x_m=1.0,
        foot_x_m=1.0,
        radius_m=0.1,
        side="right",
        label="right",
        side_agreement=1.0,
        noise_m=0.01,
    )


def _fuse(image_contacts: tuple[ImageContact, ...]) -> Contact:
    t_s = np.arange(240) / FPS
    ankle = np.full((240, 2), 500.0)
    image = FootImageResult(contacts=image_contacts, used=True)
    out, _, _ = fuse_contacts(
        [_pose_contact(177, 181)],
        image,
        t_s,
        t_s,
        {"left": ankle, "right": ankle},
        FPS,
        150.0,
        5.0,
    )
    return out[0]


def test_an_image_contact_of_seconds_is_not_a_running_contact():
    """The blocks with the athlete in the set position stand still from frame 20 on; they must
    not retime the first running contact (its touchdown would move seconds back)."""
    blocks = ImageContact(20, 200, 400.0, 600.0, 600.0, "match", 2.0)
    c = _fuse((blocks,))
    assert (c.td_frame, c.td_source) == (177, "pose")


def test_the_running_contact_under_the_ankle_retimes_the_pose():
    blocks = ImageContact(20, 200, 400.0, 600.0, 600.0, "match", 2.0)
    step = ImageContact(178, 182, 490.0, 510.0, 600.0, "match", 0.2)
    c = _fuse((blocks, step))
    assert (c.td_frame, c.to_frame, c.td_source) == (178, 182, "both")
    assert math.isfinite(c.td_uncertainty_frames)
