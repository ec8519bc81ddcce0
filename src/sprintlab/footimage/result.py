"""What the image stage found, as kept in rep.json: plain records, no image processing.

The analysis (:mod:`sprintlab.events.fusion`) reads these from a rep folder; the detection that
makes them (:mod:`sprintlab.footimage.scan`) belongs to the pose stage, which reads the frames.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ImageContact:
    """One contact seen in the ground band.

    Attributes
    ----------
    td_frame, to_frame : int
        First and last frame (row of the band stack) with the foot on the ground.
    x0_px, x1_px : float
        Image columns spanned by the still sole.
    ground_y_px : float
        Image row of the sole's bottom at the contact's x (the ground there).
    touchdown_by : str
        "match" when the foot's picture timed the touchdown, "width" when only the still
        sole's width could (the picture did not match well enough).
    strength : float
        Largest still-sole width over the contact, metres (from the athlete's height).
    """

    td_frame: int
    to_frame: int
    x0_px: float
    x1_px: float
    ground_y_px: float
    touchdown_by: str
    strength: float

    @property
    def x_mid_px(self) -> float:
        return 0.5 * (self.x0_px + self.x1_px)

    def to_dict(self) -> dict[str, object]:
        return {
            "td_frame": int(self.td_frame),
            "to_frame": int(self.to_frame),
            "x0_px": float(self.x0_px),
            "x1_px": float(self.x1_px),
            "ground_y_px": float(self.ground_y_px),
            "touchdown_by": self.touchdown_by,
            "strength": float(self.strength),
        }

    @classmethod
    def from_dict(cls, d: dict) -> ImageContact:
        return cls(
            int(d["td_frame"]),
            int(d["to_frame"]),
            float(d["x0_px"]),
            float(d["x1_px"]),
            float(d["ground_y_px"]),
            str(d["touchdown_by"]),
            float(d["strength"]),
        )


@dataclass(frozen=True)
class FootImageResult:
    """The image stage's outcome for one clip.

    Attributes
    ----------
    contacts : tuple of ImageContact
        Frames are positions in the clip's frame numbering (``frame_index``).
    used : bool
        False when the image could not be used (then ``reason`` says why).
    reason : str
    geometry : dict
        The band's placement (:meth:`BandGeometry.to_dict`), empty when unused.
    shake_px : float
        90th percentile of the measured frame shake (px), removed before detection.
    noise_levels : float
    flicker_pct : float
        Robust spread of the frames' brightness gain, percent.
    stabilisation : dict
        A moving camera's measured motion (reference frame, share of frames measured, residual
        px: :meth:`~sprintlab.footimage.stabilise.FrameMotion.to_dict`), empty for a still
        camera; the geometry is then in the reference frame's pixels, the contacts in their own
        frames'.
    """

    contacts: tuple[ImageContact, ...] = ()
    used: bool = False
    reason: str = ""
    geometry: dict = field(default_factory=dict)
    shake_px: float = float("nan")
    noise_levels: float = float("nan")
    flicker_pct: float = float("nan")
    stabilisation: dict = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        return {
            "used": self.used,
            "reason": self.reason or None,
            "contacts": [c.to_dict() for c in self.contacts],
            "geometry": self.geometry,
            "shake_px": self.shake_px,
            "noise_levels": self.noise_levels,
            "flicker_pct": self.flicker_pct,
            "stabilisation": self.stabilisation,
        }

    @classmethod
    def from_dict(cls, d: dict) -> FootImageResult:
        return cls(
            tuple(ImageContact.from_dict(c) for c in d.get("contacts") or []),
            bool(d.get("used")),
            str(d.get("reason") or ""),
            dict(d.get("geometry") or {}),
            float(d.get("shake_px") if d.get("shake_px") is not None else "nan"),
            float(d.get("noise_levels") if d.get("noise_levels") is not None else "nan"),
            float(d.get("flicker_pct") if d.get("flicker_pct") is not None else "nan"),
            dict(d.get("stabilisation") or {}),
        )


def unused(reason: str) -> FootImageResult:
    """The image stage skipped, saying why."""
    return FootImageResult(reason=reason)
