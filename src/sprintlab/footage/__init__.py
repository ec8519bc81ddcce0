"""Footage checks: does the clip itself allow the numbers sprintlab reports?

Some clips analyse without error and still give wrong numbers: the camera pans, zooms or shakes
(pixels no longer mean the same metres), the athlete runs towards the camera (the side-view
calibration does not hold), frames repeat or are blends of their neighbours (a 24 fps
recording converted to 30 fps: times are off by up to a frame), two people sprint (which one
was measured?) or the light flickers.

This package measures these from the frames the analysis decodes anyway:

- :class:`FootageAccumulator` is fed every decoded frame once (a grey copy at most
  ``stats_width_px`` wide, about 2 ms per 1080p frame) and keeps per-frame statistics plus a
  small grey image every ``motion_interval_s`` (58 kB each: 14 MB for a 10 s clip);
- pure functions turn the accumulated arrays (and the athlete's track) into checks, and
  :func:`footage_report` gathers them into a :class:`FootageReport`;
- :func:`withhold_outputs` blanks what a fired check makes unreliable, in one place.

All positions are image pixels of the full-resolution clip (x right, y down) unless a name says
otherwise; times in seconds, frequencies in Hz.

One module per job: :mod:`.stats` (settings and per-frame statistics), :mod:`.camera` (camera
motion), :mod:`.crossing` (running across the view), :mod:`.frames` (repeated and blended
frames), :mod:`.flicker`, :mod:`.runners` (several runners) and :mod:`.report` (the report and
withholding). Everything is imported from here.
"""

from __future__ import annotations

from .camera import CameraMotion, CameraMotionCheck, camera_motion_check, estimate_camera_motion
from .crossing import CrossingCheck, body_length_px, crossing_check
from .flicker import FlickerCheck, flicker_check
from .frames import BlendCheck, RepeatCheck, blend_check, distinct_frames, repeat_check
from .report import FootageReport, footage_report, superseded_by, withhold_outputs
from .runners import RunnersCheck, RunnerSeen, runners_check
from .stats import FootageAccumulator, FootageSettings, FootageStats

__all__ = [
    "BlendCheck",
    "CameraMotion",
    "CameraMotionCheck",
    "CrossingCheck",
    "FlickerCheck",
    "FootageAccumulator",
    "FootageReport",
    "FootageSettings",
    "FootageStats",
    "RepeatCheck",
    "RunnerSeen",
    "RunnersCheck",
    "blend_check",
    "body_length_px",
    "camera_motion_check",
    "crossing_check",
    "distinct_frames",
    "estimate_camera_motion",
    "flicker_check",
    "footage_report",
    "repeat_check",
    "runners_check",
    "superseded_by",
    "withhold_outputs",
]
