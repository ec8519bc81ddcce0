"""Errors a user can act on.

Each exception carries one sentence that says what went wrong and what to do. The CLI prints
``str(error)`` to stderr and exits non-zero; batch runs record it and go on.
"""

from __future__ import annotations


class SprintlabError(Exception):
    """Base class for every error sprintlab reports to a user."""


class VideoError(SprintlabError):
    """The file is not a readable video (not a video, truncated, zero frames)."""


class ModelNotFoundError(SprintlabError):
    """The pose weights file is missing."""


class NoAthleteError(SprintlabError):
    """No person was found, or nobody moved like a sprinter."""


class CalibrationError(SprintlabError):
    """Calibration input is missing, malformed or self-contradictory."""


class AnalysisError(SprintlabError):
    """The clip was read but the sprint could not be measured (e.g. the athlete never moves)."""
