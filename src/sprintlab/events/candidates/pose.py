"""Contact detector on pose keypoints: the ankles of a world-frame keypoint track.

COCO keypoints have an ankle but no toe. During a sprint contact the foot rolls over the ball of
the foot, a point fixed on the ground, so the ankle stays on a circle of radius ``R``
(ankle-to-ball distance) around that pivot from touchdown to toe-off — including the heel lift
before toe-off, when the ankle already moves forward and up (which is why "ankle still"
detectors place toe-off early). The detector therefore

1. finds stance *cores*: the ankle low and almost still horizontally (both ankle labels pooled,
   since the pose model swaps legs; :mod:`.cores`);
2. merges cores seen by either ankle label at the same place into one contact;
3. fits the pivot (ball of the foot) and ``R`` to the ankle samples of the contact and grows the
   contact while the nearer ankle stays on that circle (:mod:`.circle`);
4. places toe-off at sub-frame precision where the ankle's departure from the circle extrapolates
   to zero (:mod:`.edges`), and touchdown where the landing foot stops moving forward
   (:func:`~.foot.foot_stop`; the circle's touchdown, which the ankle's height can delay, seeds
   that search); the foot's place is where that stop leaves the ankle (:func:`~.foot.foot_place`).

Sides are read from the majority label of the stance ankle; alternation is enforced afterwards
(:mod:`sprintlab.events.numbering`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ...kinematics import velocity
from ...skeleton import SIDES
from ..base import Contact
from ..settings import EventSettings
from .circle import _circle_departure, _contact_state, _fit_circle, _grow
from .cores import _Core, _find_cores, _merge_cores, ankle_height_offsets
from .edges import _edge_time
from .foot import foot_place, foot_stop

FIT_ROUNDS = 3
"""Rounds of fitting the pivot circle and growing the contact around it."""
MIN_UNKNOWN_FRAMES = 2
"""Frames of dropout passed over while growing a contact, at least (see ``max_dropout_s``)."""
MIN_ON_FRAMES = 2
"""Frames back on the circle that resume a contact, at least (see ``bridge_on_s``)."""
MIN_TD_CIRCLE_FRAMES = 2
"""Frames of early contact averaged for the ankle's place on the circle, at least."""


def _fit_contact(
    g: list[_Core],
    t_s: np.ndarray,
    ankles: dict[str, np.ndarray],
    ankles_raw: dict[str, np.ndarray] | None,
    fps: float,
    stature_m: float,
    s: EventSettings,
    jitter: float,
) -> Contact:
    """One contact from a group of cores: pivot circle, extent, touchdown, toe-off and place."""
    n = len(t_s)
    radius0 = s.foot_radius_frac * stature_m
    start = min(c.start for c in g)
    stop = max(c.stop for c in g)
    px = float(np.median([c.pivot_x_m for c in g]))
    radius = radius0
    tol = s.contact_tol_m
    lo, hi = start, stop - 1
    for _ in range(FIT_ROUNDS):
        _, which = _circle_departure(ankles, px, radius)
        sel = np.arange(lo, hi + 1)
        pts = np.stack([ankles[SIDES[w]][i] for i, w in zip(sel, which[sel], strict=True)])
        px, radius = _fit_circle(pts, px, radius, s)
        e, which = _circle_departure(ankles, px, radius)
        core_e = e[start:stop]
        noise = 1.4826 * float(np.nanmedian(np.abs(core_e - np.nanmedian(core_e))))
        # The core's scatter alone is too small a sample when the core is a few frames; the
        # clip's keypoint jitter keeps a noisy (far-side) stance in one piece (rendered
        # scenarios: 51 -> 55 of 60 steps found, contact time MAE 36 -> 31 ms).
        tol = max(s.contact_tol_m, s.noise_tol_factor * noise, s.jitter_tol_factor * jitter)
        state = _contact_state(ankles, px, radius, tol)
        lo, hi = _grow(
            state,
            start,
            stop - 1,
            max_unknown=max(MIN_UNKNOWN_FRAMES, round(s.max_dropout_s * fps)),
            max_off=round(s.bridge_off_s * fps),
            min_on_after=max(MIN_ON_FRAMES, round(s.bridge_on_s * fps)),
        )
    cap = max(s.edge_cap_tol_factor * tol, s.edge_cap_radius_frac * radius)
    e_raw = e if ankles_raw is None else _circle_departure(ankles_raw, px, radius)[0]
    near = s.edge_near_radius_frac * radius
    td_s = np.nan if lo == 0 else _edge_time(t_s, (e_raw, e), lo, -1, fps, cap, near, s)
    to_s = np.nan if hi == n - 1 else _edge_time(t_s, (e_raw, e), hi, +1, fps, cap, near, s)
    to_frame = int(np.searchsorted(t_s, to_s + 1e-9)) - 1 if np.isfinite(to_s) else -1
    votes = which[lo : hi + 1]
    right_share = float(np.mean(votes == 1)) if votes.size else 0.5
    side = "right" if right_share >= 0.5 else "left"
    agreement = right_share if side == "right" else 1 - right_share
    # Ankle x at touchdown from the circle: the ankle sits behind the pivot at the touchdown
    # height, averaged over the first frames of contact to beat per-frame noise.
    k = min(hi + 1, lo + max(MIN_TD_CIRCLE_FRAMES, round(s.td_circle_window_s * fps)))
    a_td = np.stack([ankles[SIDES[w]][i] for i, w in zip(range(lo, k), which[lo:k], strict=True)])
    y_td = float(np.nanmean(a_td[:, 1]))
    foot_x = px - float(np.sqrt(max(radius**2 - min(y_td, radius) ** 2, 0.0)))
    if np.isfinite(td_s):
        td_stop, x_stop = foot_stop(t_s, ankles_raw or ankles, foot_x, td_s, fps, stature_m, s)
        # Where the foot came to rest is read straight off the ankle's forward position;
        # the circle's place needs the ankle's height and a clean stance, and the model
        # garbles both when the swing foot passes the stance foot (step length MAE over
        # the rendered scenarios 21 -> 16 cm).
        if np.isfinite(x_stop):
            foot_x = x_stop
        # The stop replaces the circle's touchdown when the two disagree (the ankle's height
        # was off); it never eats the contact.
        if (
            np.isfinite(td_stop)
            and abs(td_stop - td_s) > s.td_agree_s
            and (not np.isfinite(to_s) or td_stop < to_s - s.min_contact_s)
        ):
            td_s = td_stop
        # The foot's place from its whole early stance (foot place MAE over the rendered
        # scenarios: near 5.7 -> 3.1 cm, far 8.0 -> 4.4 cm).
        place = foot_place(t_s, ankles_raw or ankles, foot_x, td_s, to_s, stature_m, s)
        if np.isfinite(place):
            foot_x = place
    td_frame = int(np.searchsorted(t_s, td_s - 1e-9)) if np.isfinite(td_s) else -1
    return Contact(
        td_s=td_s,
        to_s=to_s,
        td_frame=td_frame,
        to_frame=to_frame,
        pivot_x_m=px,
        foot_x_m=foot_x,
        radius_m=radius,
        side=side,
        label=side,
        side_agreement=agreement,
        noise_m=noise,
    )


def _keypoint_jitter_m(
    ankles: dict[str, np.ndarray], ankles_raw: dict[str, np.ndarray] | None
) -> float:
    """Per-frame scatter of the ankle keypoints about their low-passed path (m, robust SD).

    Zero without raw ankles. Exact keypoints give almost zero, a pose model's keypoints a few cm.
    """
    if ankles_raw is None:
        return 0.0
    d = np.concatenate([ankles_raw[side] - ankles[side] for side in SIDES])
    d = d[np.all(np.isfinite(d), axis=1)]
    if d.size == 0:
        return 0.0
    return float(1.4826 * np.median(np.abs(d - np.median(d, axis=0))))


class PoseContactDetector:
    """Candidate contacts from world-frame ankle trajectories (a :class:`~..base.ContactDetector`).

    Parameters
    ----------
    t_s : ndarray, shape (T,)
        Frame times (s).
    ankles : dict
        ``{"left": (T, 2), "right": (T, 2)}`` ankle positions in metres (x forward, y up, ground
        at y = 0), low-passed, legs repaired as well as possible (residual swaps are tolerated).
    hip_x_m : ndarray, shape (T,)
        Hip-mid x, for the speed-relative stillness threshold.
    fps : float
        Capture rate (Hz).
    stature_m : float
        Athlete's stature (sets the foot radius and height thresholds).
    settings : EventSettings
    ankles_raw : dict, optional
        The same ankles before low-pass filtering; touchdown and toe-off are timed on these.
    """

    def __init__(
        self,
        t_s: np.ndarray,
        ankles: dict[str, np.ndarray],
        hip_x_m: np.ndarray,
        fps: float,
        stature_m: float,
        settings: EventSettings,
        ankles_raw: dict[str, np.ndarray] | None = None,
    ) -> None:
        s = settings
        self.t_s = t_s
        self.ankles = ankles
        self.ankles_raw = ankles_raw
        self.fps = fps
        self.stature_m = stature_m
        self.settings = s
        self.hip_vx = velocity(hip_x_m, fps, cutoff_hz=s.hip_cutoff_hz)
        self.height_offsets_m = ankle_height_offsets(ankles, self.hip_vx, fps, stature_m, s)
        self.jitter_m = _keypoint_jitter_m(ankles, ankles_raw)

    def candidates(self, windows: Sequence[tuple[float, float]] | None = None) -> list[Contact]:
        """One contact per group of stance cores.

        The first look (``windows=None``) takes cores lower than ``core_height_frac`` × stature.
        The second look takes only cores inside ``windows`` (s), with the looser
        ``gap_core_height_frac``: a pose model can put a far-side stance ankle 10–20 cm too high
        for a whole contact.
        """
        s, t_s = self.settings, self.t_s
        height_frac = s.core_height_frac if windows is None else s.gap_core_height_frac
        cores = _find_cores(
            self.ankles,
            self.hip_vx,
            self.fps,
            self.stature_m,
            s,
            self.height_offsets_m,
            height_frac=height_frac,
        )
        if windows is not None:
            cores = [
                c
                for c in cores
                if any(a <= t_s[c.start] and t_s[c.stop - 1] <= b for a, b in windows)
            ]
        return [
            _fit_contact(
                g, t_s, self.ankles, self.ankles_raw, self.fps, self.stature_m, s, self.jitter_m
            )
            for g in _merge_cores(cores, self.fps, s)
        ]
