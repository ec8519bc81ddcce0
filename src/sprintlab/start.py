"""Is the start seen? First movement is reported only when the athlete was observed at rest.

A split is the time from first movement to a line, so a first movement that was not observed
shifts every split. Two ways it goes wrong on real footage: the athlete is not found in the set
position (crouched, small, dark), so the track begins with the athlete already running and the
onset lands on the first tracked frame; or the clip starts after the start. Both looked like a
normal rep and gave splits 0.2–0.4 s slow. :func:`check_start` therefore asks two questions of
the onset found by :func:`sprintlab.events.detect_first_movement`:

1. **Was the athlete seen at rest just before it?** Body points (hips, shoulders, head) must have
   been found in at least ``fm_seen_frac`` of the frames of the ``fm_seen_before_s`` before the
   onset, that window must lie inside the clip, and the body must not have travelled more than
   ``fm_rest_travel_m`` forward in it (a rolling or walking start has no first movement).
2. **Does the run agree with it?** The velocity curve ``v_max·(1 − e^(−t'/τ))`` fitted to the
   hip's path from 0.5 s before the onset on has its own start time ``t0`` (the onset only
   seeds it). On the rendered scenarios it lies within 0.07 s of the observed onset; an onset
   more than ``fm_fit_agreement_s`` away from it is not the start of this run.

When either fails, first movement and the splits measured from it are withheld (NaN with a
warning that says what to film instead); the onset used internally, only so that no stance
contact is taken for a step, is then the fitted ``t0``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .events import EventSettings, FirstMovement
from .profile import ProfileError, fit_velocity_curve


@dataclass(frozen=True)
class StartCheck:
    """First movement as reported, with how far it can be trusted.

    Attributes
    ----------
    first_movement : FirstMovement
        The onset used to separate the stance from the steps (always finite when the sprint was
        found): the observed onset, or the velocity fit's ``t0`` when that was not observed.
    observed : bool
        True when the onset can be reported: the athlete was seen at rest before it and the run
        agrees with it. Splits are measured only then.
    uncertainty_s : float
        Half-width of the range the reported onset's error is expected in, s (NaN when not
        observed): the spread measured on rendered clips, widened by any unseen frames just
        before the onset.
    seen_share : float
        Share of frames, in the ``fm_seen_before_s`` before the onset, in which the body was
        found (0 when that window starts before the clip).
    fit_t0_s : float
        Start time of the velocity fit, s (NaN when it could not be fitted).
    reason : str
        Why the onset is withheld, as a sentence for the coach; empty when observed.
    """

    first_movement: FirstMovement
    observed: bool
    uncertainty_s: float
    seen_share: float
    fit_t0_s: float
    reason: str = ""

    @property
    def reported_s(self) -> float:
        """First movement for rep.json and the splits: the onset when observed, else NaN."""
        return self.first_movement.time_s if self.observed else math.nan

    def to_dict(self) -> dict[str, object]:
        """The rep.json ``first_movement`` block."""
        return {
            "time_s": self.reported_s,
            "uncertainty_s": self.uncertainty_s,
            "observed": self.observed,
            "seen_share_before": self.seen_share,
            "velocity_fit_t0_s": self.fit_t0_s,
            "reason": self.reason,
        }


def body_seen(xy_body_px: np.ndarray) -> np.ndarray:
    """Frames (T,) in which any of the given body points (T, K, 2) was found (finite)."""
    return np.isfinite(np.asarray(xy_body_px, dtype=float)).all(axis=2).any(axis=1)


def _fit_t0_s(t_s: np.ndarray, hip_x_m: np.ndarray, onset_s: float) -> float:
    """Start of the velocity curve fitted from 0.5 s before ``onset_s`` on (as the profile fits
    it: earlier motion, such as walking into the stance, is not part of the run); the onset only
    seeds the fit's start, which is free to move to where the run says."""
    try:
        return float(fit_velocity_curve(t_s, hip_x_m, first_movement_s=onset_s).t0_s)
    except ProfileError:
        return math.nan


def check_start(
    t_s: np.ndarray,
    seen: np.ndarray,
    hip_x_m: np.ndarray,
    body_x_m: np.ndarray,
    fm: FirstMovement,
    fps: float,
    settings: EventSettings | None = None,
) -> StartCheck:
    """Decide whether first movement was observed, and how precisely.

    Parameters
    ----------
    t_s : ndarray (T,)
        Frame times, s.
    seen : ndarray of bool (T,)
        Frames in which the athlete's body points were found by the pose model (before any gap
        filling), see :func:`body_seen`.
    hip_x_m : ndarray (T,)
        Hip-mid position along the lane, m (NaN where unknown), for the velocity fit.
    body_x_m : ndarray (T,)
        The body's forward position (:func:`sprintlab.kinematics.body_forward_x`), m: it may
        travel at most ``fm_rest_travel_m`` in the ``fm_seen_before_s`` before the onset.
    fm : FirstMovement
        The onset found from the body's forward speed.
    fps : float
    settings : EventSettings, optional

    Returns
    -------
    StartCheck
        ``uncertainty_s`` is ``fm_uncertainty_floor_s`` (the spread of first movement through the
        pose model measured on the rendered scenarios) combined with the time the body went
        unseen just before the onset (the onset could be anywhere in such a gap) and half a frame.
    """
    s = settings or EventSettings()
    t = np.asarray(t_s, dtype=float)
    seen = np.asarray(seen, dtype=bool)
    fit_t0 = _fit_t0_s(t, hip_x_m, fm.time_s)
    window = (t >= fm.time_s - s.fm_seen_before_s) & (t < fm.time_s)
    inside = fm.time_s - t[0] >= s.fm_seen_before_s - 0.5 / fps
    share = float(seen[window].mean()) if inside and window.any() else 0.0
    bx = np.asarray(body_x_m, dtype=float)[window & seen]
    bx = bx[np.isfinite(bx)]
    travel_m = float(bx.max() - bx.min()) if bx.size else 0.0
    first_seen_s = float(t[np.argmax(seen)]) if seen.any() else math.inf
    reason = ""
    if first_seen_s > fm.time_s - s.fm_seen_before_s + 0.5 / fps and first_seen_s > t[0]:
        reason = (
            f"the athlete was first found {first_seen_s - t[0]:.2f} s into the clip, less than "
            f"{s.fm_seen_before_s:.1f} s before moving (the set position was not tracked)"
        )
    elif not inside:
        reason = (
            f"the clip shows only {max(fm.time_s - t[0], 0.0):.2f} s of the set position before "
            "the athlete moves (or starts after the start)"
        )
    elif share < s.fm_seen_frac:
        reason = (
            f"the athlete was found in only {100 * share:.0f}% of the frames of the "
            f"{s.fm_seen_before_s:.1f} s before moving (the set position was not tracked)"
        )
    elif travel_m > s.fm_rest_travel_m:
        reason = (
            f"the athlete was not at rest before moving (the body travelled "
            f"{100 * travel_m:.0f} cm forward in the {s.fm_seen_before_s:.1f} s before; a start "
            "from a set position is needed)"
        )
    elif np.isfinite(fit_t0) and abs(fit_t0 - fm.time_s) > s.fm_fit_agreement_s:
        reason = (
            f"the onset found from the body's motion ({fm.time_s:.2f} s) and the start of the "
            f"fitted velocity curve ({fit_t0:.2f} s) disagree by {abs(fit_t0 - fm.time_s):.2f} s"
        )
    if reason:
        onset = fit_t0 if np.isfinite(fit_t0) else fm.time_s
        onset = max(onset, float(t[0]))
        internal = FirstMovement(
            time_s=onset,
            frame=int(np.searchsorted(t, onset - 1e-9)),
            detect_time_s=max(fm.detect_time_s, onset),
        )
        return StartCheck(internal, False, math.nan, share, fit_t0, reason)
    before = np.flatnonzero(seen & (t < fm.time_s))
    # Unseen frames right before the onset: it could lie anywhere among them.
    gap_s = max(float(fm.time_s - t[before[-1]]) - 1.0 / fps, 0.0) if before.size else 0.0
    uncertainty = math.sqrt(s.fm_uncertainty_floor_s**2 + gap_s**2 + (0.5 / fps) ** 2)
    return StartCheck(fm, True, uncertainty, share, fit_t0)


WITHHELD_START_PREFIX = "First movement is not reported"
"""How the warning of :func:`withheld_start_warning` begins (other checks that withhold the start
for a reason of their own replace it)."""


def withheld_start_warning(check: StartCheck) -> str:
    """The warning for a withheld first movement: why, what is left out, and what to film."""
    return (
        f"{WITHHELD_START_PREFIX}: {check.reason}; the 5/10/20/40-yard splits and the "
        "20/40-yard estimate are left empty rather than timed from a wrong start. Film from at "
        "least one second before the start with the whole athlete in view in the set position."
    )
