"""COCO-17 keypoint layout used by the YOLO pose models.

Indices follow the COCO person-keypoint order. Left and right are the athlete's own sides.
"""

from __future__ import annotations

from enum import IntEnum


class KP(IntEnum):
    """COCO-17 keypoint indices."""

    NOSE = 0
    LEFT_EYE = 1
    RIGHT_EYE = 2
    LEFT_EAR = 3
    RIGHT_EAR = 4
    LEFT_SHOULDER = 5
    RIGHT_SHOULDER = 6
    LEFT_ELBOW = 7
    RIGHT_ELBOW = 8
    LEFT_WRIST = 9
    RIGHT_WRIST = 10
    LEFT_HIP = 11
    RIGHT_HIP = 12
    LEFT_KNEE = 13
    RIGHT_KNEE = 14
    LEFT_ANKLE = 15
    RIGHT_ANKLE = 16


N_KEYPOINTS: int = 17

KEYPOINT_NAMES: tuple[str, ...] = tuple(k.name.lower() for k in KP)

LEFT_RIGHT_PAIRS: tuple[tuple[int, int], ...] = (
    (KP.LEFT_EYE, KP.RIGHT_EYE),
    (KP.LEFT_EAR, KP.RIGHT_EAR),
    (KP.LEFT_SHOULDER, KP.RIGHT_SHOULDER),
    (KP.LEFT_ELBOW, KP.RIGHT_ELBOW),
    (KP.LEFT_WRIST, KP.RIGHT_WRIST),
    (KP.LEFT_HIP, KP.RIGHT_HIP),
    (KP.LEFT_KNEE, KP.RIGHT_KNEE),
    (KP.LEFT_ANKLE, KP.RIGHT_ANKLE),
)
"""Pairs (left, right) of mirrored keypoints."""

LEG_PAIRS: tuple[tuple[int, int], ...] = (
    (KP.LEFT_KNEE, KP.RIGHT_KNEE),
    (KP.LEFT_ANKLE, KP.RIGHT_ANKLE),
)
"""The leg keypoints that pose models swap between sides on side views."""

SIDES: tuple[str, str] = ("left", "right")

ANKLE: dict[str, int] = {"left": KP.LEFT_ANKLE, "right": KP.RIGHT_ANKLE}
KNEE: dict[str, int] = {"left": KP.LEFT_KNEE, "right": KP.RIGHT_KNEE}
HIP: dict[str, int] = {"left": KP.LEFT_HIP, "right": KP.RIGHT_HIP}
WRIST: dict[str, int] = {"left": KP.LEFT_WRIST, "right": KP.RIGHT_WRIST}
SHOULDER: dict[str, int] = {"left": KP.LEFT_SHOULDER, "right": KP.RIGHT_SHOULDER}

SEGMENTS: tuple[tuple[int, int], ...] = (
    (KP.LEFT_SHOULDER, KP.RIGHT_SHOULDER),
    (KP.LEFT_SHOULDER, KP.LEFT_ELBOW),
    (KP.LEFT_ELBOW, KP.LEFT_WRIST),
    (KP.RIGHT_SHOULDER, KP.RIGHT_ELBOW),
    (KP.RIGHT_ELBOW, KP.RIGHT_WRIST),
    (KP.LEFT_SHOULDER, KP.LEFT_HIP),
    (KP.RIGHT_SHOULDER, KP.RIGHT_HIP),
    (KP.LEFT_HIP, KP.RIGHT_HIP),
    (KP.LEFT_HIP, KP.LEFT_KNEE),
    (KP.LEFT_KNEE, KP.LEFT_ANKLE),
    (KP.RIGHT_HIP, KP.RIGHT_KNEE),
    (KP.RIGHT_KNEE, KP.RIGHT_ANKLE),
    (KP.NOSE, KP.LEFT_EYE),
    (KP.NOSE, KP.RIGHT_EYE),
)
"""Bones drawn in overlays, as pairs of keypoint indices."""


def other_side(side: str) -> str:
    """Return the opposite side name (``"left"`` <-> ``"right"``)."""
    if side not in SIDES:
        raise ValueError(f"side must be 'left' or 'right', got {side!r}")
    return "right" if side == "left" else "left"
