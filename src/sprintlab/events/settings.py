"""Settings of the event detectors: :class:`EventSettings`, in physical units.

Every duration is in seconds and every length in metres or as a fraction of stature; the
detectors convert them with the clip's fps. The field names are recorded in ``rep.json``
provenance and read from the ``[analysis.events]`` table of a config file
(:mod:`sprintlab.config`): add fields, never rename them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields


@dataclass(frozen=True)
class EventSettings:
    """Parameters of the event detectors (physical units; converted with the clip's fps inside).

    Attributes
    ----------
    fm_speed_mps : float
        Forward hip speed that counts as moving out of the stance.
    fm_sustain_s : float
        The hip must stay above ``fm_speed_mps`` this long to count as first movement.
    fm_fit_max_mps : float
        Upper speed of the early rise used to extrapolate the onset.
    fm_rest_back_s, fm_rest_k, fm_rest_min_m : float
        When the body is already away from its rest position at the onset found from the speed
        (more than ``fm_rest_k`` robust SDs of the rest position, and at least
        ``fm_rest_min_m``), first movement moves back to where it left rest, searched up to
        ``fm_rest_back_s`` earlier (see :func:`.first_movement._left_rest`).
    fm_rest_jump_m, fm_rest_jump_s : float
        That move back is made only when the body got ``fm_rest_jump_m`` ahead within
        ``fm_rest_jump_s`` of leaving rest: a start, not a creep of the set position.
    fm_seen_before_s, fm_seen_frac : float
        First movement is reported only when the athlete's body was found in at least
        ``fm_seen_frac`` of the frames of the ``fm_seen_before_s`` before it (the set position
        was observed; see :mod:`sprintlab.start`).
    fm_rest_travel_m : float
        ... and the body travelled at most this far forward in that time (at rest: a set
        position's drift and the keypoints' jitter are a few cm; 0.2 s of a start covers 10 cm
        by its end, of a walk 30 cm).
    fm_fit_agreement_s : float
        ... and when the start time of the velocity curve fitted to the whole run lies within
        this of it (rendered scenarios: within 0.07 s; an untracked set position put the onset
        0.4 s early).
    fm_uncertainty_floor_s : float
        Least uncertainty of an observed first movement, s: the spread of its errors through
        the stock pose model on the rendered scenarios (−30..+37 ms over twelve clips). Not yet
        validated on real footage with a reference start time.
    hip_cutoff_hz : float
        Low-pass cutoff for the hip velocity used by first movement.
    core_speed_min_mps, core_speed_frac : float
        An ankle is "still" when its horizontal speed is below the larger of ``core_speed_min_mps``
        and ``core_speed_frac`` × the hip's forward speed.
    core_height_frac : float
        An ankle is "low" when its height is below this fraction of stature.
    min_core_s : float
        Shortest still-and-low run that can seed a contact.
    foot_radius_frac : float
        Prior ankle-to-ball distance as a fraction of stature (anthropometry: ankle height 0.039 H,
        ankle to metatarsal heads ≈ 0.08 H).
    contact_tol_m : float
        Smallest tolerance on the ankle's distance from the pivot circle; the detector widens it to
        three times the noise it measures within the contact, and to ``jitter_tol_factor`` times
        the ankle keypoints' per-frame jitter over the clip.
    bridge_off_s, bridge_on_s : float
        Towards toe-off, the ankle may leave the pivot circle for up to ``bridge_off_s`` and the
        contact goes on when it is back on the circle for ``bridge_on_s`` (see
        :func:`.candidates.circle._grow`).
        0.05 s: longer gaps (0.08, 0.1 s tried) changed nothing more on the rendered scenarios.
    jitter_tol_factor : float
        Multiple of the ankle keypoints' jitter (robust SD of raw minus low-passed ankles, m)
        that the circle's tolerance is at least. A contact's own core is often only a few frames
        long and misses the larger scatter of a far-side ankle, so the contact broke into a
        short piece (or was lost); the clip-wide jitter sees it. Exact keypoints have no jitter
        and keep the smallest tolerance. 2 was the best of 1, 2 and 3 on the rendered scenarios
        (3 made step lengths worse); none of them changes exact-keypoint results.
    merge_dist_m : float
        Cores closer than this along the lane (and close in time) are one contact.
    same_foot_m : float
        Cores of the two ankle labels that are still at the same time are one foot only when
        closer than this (the two feet of the set position are further apart).
    min_contact_s, max_contact_s : float
        Plausible contact durations; contacts outside are dropped with a warning.
    ankle_height_frac : float
        Height of the ankle joint above the ground with the foot flat, as a fraction of stature
        (anthropometry: 0.039 H).
    level_percentile : float
        Percentile of an ankle's height over its horizontally still frames taken as its height in
        contact (the flat-foot part of stance is the lowest still part).
    min_step_frac : float
        Shortest distance along the lane between successive running contacts (and between the
        front foot of the set stance and the first step), as a fraction of stature. Running
        forward, every contact lands ahead of the previous one; a "contact" closer than this is a
        fragment of a neighbouring one (a heel lift, a swing foot slowing down) or a keypoint
        glitch.
    min_step_s : float
        Shortest time between successive touchdowns (8 Hz; sprinters' step rate is 4–5.5 Hz).
    max_double_support_s : float
        How far a touchdown may precede the previous contact's toe-off. Sprint steps have a
        flight phase; this only absorbs the timing uncertainty of the two events.
    min_first_step_s : float
        Earliest touchdown of step 1 after first movement. The first step lands only after the
        stance push (front-foot push 0.3–0.45 s in block and 3-point starts); a contact that
        starts sooner is a stance foot seen again (the front foot is often hidden under the body
        in the set position and only found once the athlete rises).
    step_rate_hz : float
        Typical step rate of a sprint (4–5 Hz from step 1), used to tell a missed contact (an
        interval of about two step times) from a slow step.
    gap_core_height_frac : float
        Where timing says a contact was missed (:func:`.sequence._missing_windows`), contacts
        are looked for again with this looser height test in place of ``core_height_frac``: a
        pose model can put a far-side stance ankle 10–20 cm too high through a whole contact,
        and a foot horizontally still while the body runs is on the ground.
    min_first_contact_s, min_first_step_time_s : float
        A first running contact shorter than ``min_first_contact_s`` and followed by the next
        touchdown within ``min_first_step_time_s`` is not step 1 but a fragment: the front foot
        of the stance rolling onto its toes, or the swing foot grazing past it. Step 1's contact
        lasts 0.15–0.25 s and its step time (contact plus flight) is at least 0.2 s.
    step2_after_fm_s, step2_from_rear_frac : float
        The first touchdown found is step 2 (step 1 was missed) when it lands both later than
        ``step2_after_fm_s`` after first movement and further than ``step2_from_rear_frac`` ×
        stature ahead of the rear foot of the set stance. Step 1 lands 0.35–0.5 s after first
        movement in block and 3-point starts (the front-foot push of 0.3–0.45 s and a short
        flight) and step 2 a step time (≥ 0.2 s) later; step 1 lands 1.1–1.9 m ahead of the rear
        foot (stance length 0.3–0.6 m plus a first step of 0.8–1.3 m), step 2 a further
        1.0–1.4 m. Either alone can be fooled (a slow rise, a long stance); both together are
        not a step 1.
    td_approach_s, td_settle_s : float
        Touchdown is re-timed on the landing foot's forward motion over this much approach before
        and this much stance after it (see :func:`.foot_stop`).
    td_search_before_s, td_search_after_s : float
        How far before and after the circle's touchdown the stop is searched.
    place_window_s, place_stance_frac : float
        The foot's place is the ankle's robust mean position over this long after touchdown,
        and at most this fraction of the contact (see :func:`.foot_place`).
    td_robust_m : float
        Scale of the robust (Huber) loss of the stop fit: ankle positions further than this from
        the fitted path count less (a keypoint put on the other foot for a frame).
    td_max_height_frac : float
        Ankle samples higher than this fraction of stature are not the landing foot near touchdown.
    td_agree_s : float
        When the circle's touchdown and the stop agree within this, the circle's is kept (it is
        the sharper of the two when the ankle's height is right).
    fm_min_peak_factor : float
        The hip's forward speed must reach this multiple of ``fm_speed_mps`` somewhere in the
        clip for the athlete to count as leaving the stance.
    fm_rise_start_frac : float
        The early rise of the hip's speed, fitted to find the onset, starts where the speed
        passed this fraction of ``fm_speed_mps``; when the rise cannot be extrapolated, that
        point is the onset.
    fm_onset_back_max_s : float
        The onset extrapolated from the early rise is taken only when it lies at most this long
        before the threshold crossing.
    fm_rest_window_s : float
        The rest position is the median body position over this long before the window searched
        for leaving rest (see ``fm_rest_back_s``).
    fm_rest_min_s : float
        ... and is measured only when the body was seen for at least this long (and at least
        5 frames) in that window.
    level_min_still_s : float
        An ankle label's height in contact (see ``level_percentile``) is measured only when it
        was horizontally still for at least this long (and at least 5 frames); else its offset
        is 0.
    merge_gap_s : float
        Cores at the same place are one contact when the later starts at most this long after
        the earlier ends.
    foot_radius_min_factor, foot_radius_max_factor : float
        Each fit of the ankle-to-ball radius stays within these multiples of the radius it
        starts from (the prior ``foot_radius_frac`` × stature, then the previous fit), so that
        the ankle samples of two different feet (both down in the set position) cannot fit one
        huge circle.
    radius_prior_weight : float
        Weight of the pull of the fitted radius towards the radius it starts from (a residual
        of this times their difference, m), which keeps short, nearly still contacts (a small
        arc) well posed.
    circle_robust_m : float
        Scale of the robust (soft L1) loss of the pivot-circle fit: ankle samples further than
        this from the circle count less.
    noise_tol_factor : float
        The tolerance on the ankle's distance from the pivot circle is at least this multiple of
        the robust spread measured within the contact's core (see ``contact_tol_m``).
    max_dropout_s : float
        While a contact is grown, frames with no ankle on the circle and an ankle missing (a
        dropout of the planted ankle) are passed over for up to this long in a row (and at least
        2 frames).
    edge_cap_tol_factor, edge_cap_radius_frac : float
        Touchdown and toe-off are timed on the frames of approach (departure) while the ankle is
        closer to the circle than the larger of these multiples of the tolerance and of the
        radius.
    edge_near_radius_frac : float
        ... and at least two such frames are used while the ankle is within this fraction of the
        radius of the circle (at low frame rates one frame can jump past the cap).
    hinge_inside_s, hinge_outside_s : float
        The hinge fit of touchdown and toe-off uses this much of the contact (at least 2 frames)
        and up to this much outside it (at least 3 frames).
    td_circle_window_s : float
        The ankle's place on the circle at touchdown is its mean height over this long of the
        first frames of contact (at least 2 frames).
    ambiguous_step_margin : float
        An interval between touchdowns within this many typical step periods of a border between
        step counts (1.5, 2.5, ... periods) could be either count; the legs' labels decide it.
    stance_step1_periods : float
        The first running contact is step 1 for sure when it lands within this many typical
        step periods of the last toe-off of the set stance (then the stance feet take their
        sides from it).
    fusion_agree_frames : float
        Image and pose events (:mod:`sprintlab.events.fusion`) further apart than this many
        frames are reported as disagreeing (the step says so and its uncertainty widens).
    fusion_min_duration_share : float
        An image contact shorter than this share of the pose's contact was cut short (a shadow
        or a limb passed over the standing foot): its toe-off is not used.
    fusion_match_window_s : float
        An image contact and a pose contact are the same one when their times overlap, or come
        within this of each other.
    sole_place_weight : float
        Weight (0–1) of the still sole's place in the foot's place (:mod:`sprintlab.events.sole`);
        the pose's stance ankle has the rest. 0: the pose alone.
    sole_place_min_contacts : int
        Least number of contacts whose sole the image saw for the sole to be used (their median
        offset to the pose's ankle ties the sole to the ankle).
    sole_width_tolerance : float
        A still sole is used for the foot's place only when its width is within this fraction
        of the rep's median sole width (:func:`sprintlab.events.sole.one_foot`).
    sole_place_pose_sd_m : float
        Scatter (SD, m) of the pose's stance-ankle place from contact to contact: the sole's
        weight falls as the sole and the pose disagree by more than this allows
        (:func:`sprintlab.events.sole.sole_weight`).
    """

    fm_speed_mps: float = 0.3
    fm_sustain_s: float = 0.2
    fm_fit_max_mps: float = 1.5
    fm_rest_back_s: float = 0.25
    fm_rest_k: float = 4.0
    fm_rest_min_m: float = 0.003
    fm_rest_jump_m: float = 0.01
    fm_rest_jump_s: float = 0.1
    fm_seen_before_s: float = 0.2
    fm_seen_frac: float = 0.8
    fm_rest_travel_m: float = 0.1
    fm_fit_agreement_s: float = 0.2
    fm_uncertainty_floor_s: float = 0.04
    hip_cutoff_hz: float = 8.0
    core_speed_min_mps: float = 0.6
    core_speed_frac: float = 0.25
    core_height_frac: float = 0.10
    min_core_s: float = 0.015
    foot_radius_frac: float = 0.088
    contact_tol_m: float = 0.012
    merge_dist_m: float = 0.30
    same_foot_m: float = 0.12
    min_contact_s: float = 0.04
    max_contact_s: float = 0.6
    ankle_height_frac: float = 0.039
    level_percentile: float = 20.0
    min_step_frac: float = 0.2
    min_step_s: float = 0.12
    max_double_support_s: float = 0.03
    min_first_step_s: float = 0.25
    step_rate_hz: float = 4.3
    gap_core_height_frac: float = 0.15
    min_first_contact_s: float = 0.10
    min_first_step_time_s: float = 0.18
    step2_after_fm_s: float = 0.55
    step2_from_rear_frac: float = 1.1
    td_approach_s: float = 0.12
    td_settle_s: float = 0.05
    td_search_before_s: float = 0.09
    td_search_after_s: float = 0.025
    td_robust_m: float = 0.03
    td_max_height_frac: float = 0.2
    td_agree_s: float = 0.008
    jitter_tol_factor: float = 2.0
    place_window_s: float = 0.06
    place_stance_frac: float = 0.5
    bridge_off_s: float = 0.05
    bridge_on_s: float = 0.02
    fm_min_peak_factor: float = 3.0
    fm_rise_start_frac: float = 0.5
    fm_onset_back_max_s: float = 0.3
    fm_rest_window_s: float = 0.35
    fm_rest_min_s: float = 0.1
    level_min_still_s: float = 0.05
    merge_gap_s: float = 0.1
    foot_radius_min_factor: float = 0.5
    foot_radius_max_factor: float = 2.0
    radius_prior_weight: float = 0.3
    circle_robust_m: float = 0.01
    noise_tol_factor: float = 3.0
    max_dropout_s: float = 0.05
    edge_cap_tol_factor: float = 4.0
    edge_cap_radius_frac: float = 0.25
    edge_near_radius_frac: float = 0.5
    hinge_inside_s: float = 0.02
    hinge_outside_s: float = 0.06
    td_circle_window_s: float = 0.01
    ambiguous_step_margin: float = 0.25
    stance_step1_periods: float = 1.5
    fusion_agree_frames: float = 2.0
    fusion_match_window_s: float = 0.03
    fusion_min_duration_share: float = 0.5
    sole_place_weight: float = 0.5
    sole_place_min_contacts: int = 3
    sole_place_pose_sd_m: float = 0.05
    sole_width_tolerance: float = 0.4

    def __post_init__(self) -> None:
        # Every parameter is a non-negative physical quantity; a few must be strictly positive
        # or fractions, and a value outside that is a mistake in a settings file, not a choice.
        for f in fields(self):
            v = getattr(self, f.name)
            if not (isinstance(v, int | float) and math.isfinite(v) and v >= 0):
                raise ValueError(f"{f.name} must be a finite number >= 0, got {v!r}")
        positive = (
            "fm_speed_mps",
            "fm_sustain_s",
            "fm_seen_before_s",
            "hip_cutoff_hz",
            "circle_robust_m",
        )
        for name in positive:
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)}")
        for name in ("fm_seen_frac", "core_speed_frac", "place_stance_frac", "fm_rise_start_frac"):
            if not 0 < getattr(self, name) <= 1:
                raise ValueError(f"{name} must be in (0, 1], got {getattr(self, name)}")
        if self.min_contact_s >= self.max_contact_s:
            raise ValueError("min_contact_s must be less than max_contact_s")
        if not self.sole_place_weight <= 1:
            raise ValueError(f"sole_place_weight must be in [0, 1], got {self.sole_place_weight}")
        if not self.foot_radius_min_factor < self.foot_radius_max_factor:
            raise ValueError("foot_radius_min_factor must be less than foot_radius_max_factor")
        if not self.ambiguous_step_margin <= 0.5:
            raise ValueError(
                f"ambiguous_step_margin must be at most 0.5 (half a step period), "
                f"got {self.ambiguous_step_margin}"
            )
