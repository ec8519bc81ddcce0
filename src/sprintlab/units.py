"""Units and unit helpers.

sprintlab works in SI units throughout: metres, seconds, m/s, degrees for angles shown to people.
Names carry their unit as a suffix (``_m``, ``_s``, ``_hz``, ``_mps``, ``_deg``, ``_px``,
``_frame``).
"""

from __future__ import annotations

YARD_M: float = 0.9144
"""One yard in metres (exact, international yard)."""

G_MPS2: float = 9.81
"""Standard gravity in m/s²."""


def yards_to_m(yards: float) -> float:
    """Convert yards to metres."""
    return yards * YARD_M


def seconds_to_frames(duration_s: float, fps: float) -> int:
    """Number of whole frames (at least 1) spanning ``duration_s`` at ``fps``."""
    if fps <= 0:
        raise ValueError(f"fps must be positive, got {fps}")
    return max(1, round(duration_s * fps))
