"""Start and foot events: first movement, touchdown and toe-off.

Definitions (../shared/design/metrics.md):

- **First movement**: the athlete leaves the set stance; the hip-mid starts to move forward and keeps
  moving. The onset is placed where the early rise of the hip's forward speed extrapolates to zero,
  so it does not depend on the detection threshold.
- **Touchdown / toe-off**: first and last instant of ground contact of a foot.

COCO keypoints have an ankle but no toe. During a sprint contact the foot rolls over the ball of the
foot, a point fixed on the ground, so the ankle stays on a circle of radius ``R`` (ankle-to-ball
distance) around that pivot from touchdown to toe-off — including the heel lift before toe-off, when
the ankle already moves forward and up (which is why "ankle still" detectors place toe-off early).
The detector therefore

1. finds stance *cores*: the ankle low and almost still horizontally (both ankle labels pooled,
   since the pose model swaps legs);
2. merges cores seen by either ankle label at the same place into one contact;
3. fits the pivot (ball of the foot) and ``R`` to the ankle samples of the contact and grows the
   contact while the nearer ankle stays on that circle;
4. places touchdown and toe-off at sub-frame precision where the ankle's departure from the circle
   extrapolates to zero;
5. assigns sides afterwards, by the majority label of the stance ankle, and enforces alternation.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from scipy.optimize import least_squares

from .errors import AnalysisError
from .kinematics import velocity
from .skeleton import SIDES


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
        three times the noise it measures within the contact.
    merge_dist_m : float
        Cores closer than this along the lane (and close in time) are one contact.
    min_contact_s, max_contact_s : float
        Plausible contact durations; contacts outside are dropped with a warning.
    """

    fm_speed_mps: float = 0.3
    fm_sustain_s: float = 0.2
    fm_fit_max_mps: float = 1.5
    hip_cutoff_hz: float = 8.0
    core_speed_min_mps: float = 0.6
    core_speed_frac: float = 0.25
    core_height_frac: float = 0.10
    min_core_s: float = 0.015
    foot_radius_frac: float = 0.088
    contact_tol_m: float = 0.012
    merge_dist_m: float = 0.30
    min_contact_s: float = 0.04
    max_contact_s: float = 0.6


@dataclass(frozen=True)
class FirstMovement:
    """First movement out of the stance.

    Attributes
    ----------
    time_s : float
        Onset time in seconds from the first frame.
    frame : int
        Index of the first frame at or after the onset.
    detect_time_s : float
        Time the forward hip speed first exceeded the threshold (always >= ``time_s``).
    """

    time_s: float
    frame: int
    detect_time_s: float


@dataclass(frozen=True)
class Contact:
    """One ground contact of one foot.

    Attributes
    ----------
    td_s, to_s : float
        Touchdown and toe-off, seconds from the first frame (NaN when outside the clip).
    td_frame, to_frame : int
        First and last frame in contact (-1 when unknown).
    pivot_x_m : float
        Position along the lane of the ball of the foot (the pivot of the roll-over), metres.
    foot_x_m : float
        Ankle x at touchdown (metrics.md's foot position), metres.
    radius_m : float
        Fitted ankle-to-ball distance.
    side : str
        "left" or "right" (after alternation is enforced).
    label : str
        The pose model's label of the ankle that was on the ground (majority over the contact);
        use it to read that leg's knee and ankle, which may differ from ``side`` after relabelling.
    side_agreement : float
        Fraction of contact frames in which the pose model's label of the stance ankle agreed.
    noise_m : float
        Robust spread of the ankle about the fitted circle within the contact.
    """

    td_s: float
    to_s: float
    td_frame: int
    to_frame: int
    pivot_x_m: float
    foot_x_m: float
    radius_m: float
    side: str
    label: str
    side_agreement: float
    noise_m: float


def detect_first_movement(
    t_s: np.ndarray, hip_x_m: np.ndarray, fps: float, settings: EventSettings | None = None
) -> FirstMovement:
    """Find when the hip-mid starts moving forward out of the stance.

    Raises
    ------
    AnalysisError
        If the hip never moves forward steadily (the athlete never leaves the stance).
    """
    s = settings or EventSettings()
    vx = velocity(hip_x_m, fps, cutoff_hz=s.hip_cutoff_hz)
    n_sustain = max(2, int(round(s.fm_sustain_s * fps)))
    moving = np.nan_to_num(vx, nan=-1.0) >= s.fm_speed_mps
    start = -1
    for i in np.flatnonzero(moving):
        window = moving[i : i + n_sustain]
        if len(window) == n_sustain and window.all():
            start = int(i)
            break
    if start < 0:
        raise AnalysisError(
            "The athlete never leaves the stance in this clip: the hips do not move forward "
            "steadily. Check that the clip covers the start and that the right person is tracked."
        )
    # Extrapolate the early rise to zero speed: fit v(t) with a quadratic over the samples from
    # just before the threshold crossing up to fm_fit_max_mps, and take its root.
    lo = start
    while lo > 0 and np.isfinite(vx[lo - 1]) and vx[lo - 1] > 0.5 * s.fm_speed_mps:
        lo -= 1
    hi = start
    while hi + 1 < len(vx) and np.isfinite(vx[hi + 1]) and vx[hi + 1] <= s.fm_fit_max_mps:
        hi += 1
    onset = float(t_s[start])
    if hi - lo >= 3:
        tt = t_s[lo : hi + 1] - t_s[start]
        coef = np.polyfit(tt, vx[lo : hi + 1], 2 if hi - lo >= 5 else 1)
        roots = np.roots(coef)
        real = roots[np.isreal(roots)].real
        cand = real[(real <= 0) & (real > -0.3)]
        if cand.size:
            onset = float(t_s[start] + cand.max())
    onset = max(onset, float(t_s[0]))
    frame = int(np.searchsorted(t_s, onset - 1e-9))
    return FirstMovement(time_s=onset, frame=frame, detect_time_s=float(t_s[start]))


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    padded = np.concatenate([[False], mask, [False]])
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


@dataclass(frozen=True)
class _Core:
    start: int
    stop: int  # exclusive
    side: str
    pivot_x_m: float


def _pivot_x(ankle: np.ndarray, radius_m: float) -> np.ndarray:
    """Ball-of-foot x for ankle samples on a circle of ``radius_m`` around a ground point ahead."""
    dy = np.clip(ankle[:, 1], -radius_m, radius_m)
    return ankle[:, 0] + np.sqrt(np.maximum(radius_m**2 - dy**2, 0.0))


def _find_cores(
    ankles: dict[str, np.ndarray],
    hip_vx: np.ndarray,
    fps: float,
    stature_m: float,
    s: EventSettings,
) -> list[_Core]:
    radius = s.foot_radius_frac * stature_m
    speed_lim = np.maximum(s.core_speed_min_mps, s.core_speed_frac * np.nan_to_num(hip_vx))
    min_len = max(2, int(round(s.min_core_s * fps)))
    cores: list[_Core] = []
    for side, a in ankles.items():
        vx = velocity(a[:, 0], fps)
        with np.errstate(invalid="ignore"):
            ok = (np.abs(vx) < speed_lim) & (a[:, 1] < s.core_height_frac * stature_m)
        for start, stop in _runs(ok):
            if stop - start < min_len:
                continue
            px = float(np.nanmedian(_pivot_x(a[start:stop], radius)))
            cores.append(_Core(start, stop, side, px))
    return cores


def _merge_cores(cores: list[_Core], fps: float, s: EventSettings) -> list[list[_Core]]:
    """Group cores at the same place and time (possibly seen under both ankle labels)."""
    groups: list[list[_Core]] = []
    max_gap = int(round(0.1 * fps))
    for core in sorted(cores, key=lambda c: c.start):
        for g in groups:
            g_stop = max(c.stop for c in g)
            g_px = float(np.median([c.pivot_x_m for c in g]))
            if abs(core.pivot_x_m - g_px) < s.merge_dist_m and core.start <= g_stop + max_gap:
                g.append(core)
                break
        else:
            groups.append([core])
    return groups


def _circle_departure(
    ankles: dict[str, np.ndarray], pivot_x_m: float, radius_m: float
) -> tuple[np.ndarray, np.ndarray]:
    """Signed distance of the ankles from the pivot circle, using per frame the ankle closer to it.

    Returns ``e`` (T,) = distance to the pivot minus the radius for the chosen ankle, and ``which``
    (T,) = 0 for the left label, 1 for the right. Choosing by closeness to the *circle* (not to the
    pivot) keeps a swinging foot that passes near the planted one from being taken for it.
    """
    pivot = np.array([pivot_x_m, 0.0])
    e = np.stack([np.linalg.norm(ankles[side] - pivot, axis=1) - radius_m for side in SIDES])
    score = np.where(np.isfinite(e), np.abs(e), np.inf)
    which = np.argmin(score, axis=0)
    best = e[which, np.arange(e.shape[1])]
    return best, which


def _fit_circle(ankle: np.ndarray, pivot_x0: float, radius0: float) -> tuple[float, float]:
    """Least-squares ball-of-foot x and radius for ankle samples rolling over a ground point.

    The radius is pulled weakly towards the anthropometric prior so that short, nearly still
    contacts (a small arc) stay well posed.
    """
    pts = ankle[np.all(np.isfinite(ankle), axis=1)]
    if len(pts) < 3:
        return pivot_x0, radius0

    def resid(p: np.ndarray) -> np.ndarray:
        px, r = p
        d = np.hypot(pts[:, 0] - px, pts[:, 1]) - r
        return np.concatenate([d, [0.3 * (r - radius0)]])

    sol = least_squares(resid, x0=[pivot_x0, radius0], loss="soft_l1", f_scale=0.01)
    return float(sol.x[0]), float(sol.x[1])


def _edge_time(
    t_s: np.ndarray, e: np.ndarray, inside: int, direction: int, tol: float
) -> tuple[float, int]:
    """Sub-frame time where the departure ``e`` from the circle extrapolates to zero.

    Walks from the last in-contact frame ``inside`` in ``direction`` (-1 = back in time for
    touchdown, +1 = forward for toe-off) over the frames leaving the circle, fits a line to the
    first few departures above ``tol`` and returns its zero crossing, clamped to lie between the last
    frame in contact and the first frame out. Returns NaN when the clip ends inside the contact.
    """
    n = len(e)
    out = inside + direction
    if out < 0 or out >= n or not np.isfinite(e[out]):
        return np.nan, -1
    idx = [out]
    j = out + direction
    while 0 <= j < n and len(idx) < 4 and np.isfinite(e[j]) and e[j] < 8 * tol:
        idx.append(j)
        j += direction
    idx = sorted([inside, *idx])
    tt = t_s[idx]
    ee = e[idx]
    t_in, t_out = float(t_s[inside]), float(t_s[out])
    if len(idx) >= 3:
        slope, icpt = np.polyfit(tt, ee, 1)
        if slope * direction > 0:
            t0 = -icpt / slope
            lo, hi = min(t_in, t_out), max(t_in, t_out)
            return float(np.clip(t0, lo, hi)), inside
    return 0.5 * (t_in + t_out), inside


def detect_contacts(
    t_s: np.ndarray,
    ankles: dict[str, np.ndarray],
    hip_x_m: np.ndarray,
    fps: float,
    stature_m: float,
    settings: EventSettings | None = None,
) -> tuple[list[Contact], list[str]]:
    """Detect ground contacts of both feet from world-frame ankle trajectories.

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

    Returns
    -------
    contacts : list of Contact
        In time order, sides alternating.
    warnings : list of str
    """
    s = settings or EventSettings()
    warnings: list[str] = []
    hip_vx = velocity(hip_x_m, fps, cutoff_hz=s.hip_cutoff_hz)
    radius0 = s.foot_radius_frac * stature_m
    groups = _merge_cores(_find_cores(ankles, hip_vx, fps, stature_m, s), fps, s)
    n = len(t_s)
    contacts: list[Contact] = []
    for g in groups:
        start = min(c.start for c in g)
        stop = max(c.stop for c in g)
        px = float(np.median([c.pivot_x_m for c in g]))
        radius = radius0
        tol = s.contact_tol_m
        lo, hi = start, stop - 1
        for _ in range(3):
            _, which = _circle_departure(ankles, px, radius)
            sel = np.arange(lo, hi + 1)
            pts = np.stack([ankles[SIDES[w]][i] for i, w in zip(sel, which[sel], strict=True)])
            px, radius = _fit_circle(pts, px, radius)
            e, which = _circle_departure(ankles, px, radius)
            core_e = e[start:stop]
            noise = 1.4826 * float(np.nanmedian(np.abs(core_e - np.nanmedian(core_e))))
            tol = max(s.contact_tol_m, 3.0 * noise)
            lo, hi = start, stop - 1
            # Grow while the ankle stays on the circle (two consecutive frames off end the contact).
            while lo - 1 >= 0 and not (_off(e, lo - 1, tol) and _off(e, lo - 2, tol)):
                lo -= 1
            while hi + 1 < n and not (_off(e, hi + 1, tol) and _off(e, hi + 2, tol)):
                hi += 1
            while lo < hi and _off(e, lo, tol):
                lo += 1
            while hi > lo and _off(e, hi, tol):
                hi -= 1
        td_s, td_frame = (np.nan, -1) if lo == 0 else _edge_time(t_s, e, lo, -1, tol)
        to_s, to_frame = (np.nan, -1) if hi == n - 1 else _edge_time(t_s, e, hi, +1, tol)
        votes = which[lo : hi + 1]
        right_share = float(np.mean(votes == 1)) if votes.size else 0.5
        side = "right" if right_share >= 0.5 else "left"
        agreement = right_share if side == "right" else 1 - right_share
        # Ankle x at touchdown from the circle: the ankle sits behind the pivot at the touchdown
        # height, averaged over the first frames of contact to beat per-frame noise.
        k = min(hi + 1, lo + max(2, int(round(0.01 * fps))))
        a_td = np.stack([ankles[SIDES[w]][i] for i, w in zip(range(lo, k), which[lo:k], strict=True)])
        y_td = float(np.nanmean(a_td[:, 1]))
        foot_x = px - float(np.sqrt(max(radius**2 - min(y_td, radius) ** 2, 0.0)))
        contacts.append(
            Contact(
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
        )
    contacts = _drop_implausible(contacts, t_s, s, warnings)
    contacts = _enforce_alternation(contacts, warnings)
    return contacts, warnings


def _off(e: np.ndarray, i: int, tol: float) -> bool:
    """True when frame ``i`` is off the contact circle (outside the clip counts as off)."""
    if i < 0 or i >= len(e):
        return True
    return not (np.isfinite(e[i]) and abs(e[i]) <= tol)


def _drop_implausible(
    contacts: list[Contact], t_s: np.ndarray, s: EventSettings, warnings: list[str]
) -> list[Contact]:
    kept: list[Contact] = []
    for c in sorted(contacts, key=lambda c: c.pivot_x_m):
        t0 = c.td_s if np.isfinite(c.td_s) else t_s[0]
        t1 = c.to_s if np.isfinite(c.to_s) else t_s[-1]
        dur = t1 - t0
        if dur < s.min_contact_s:
            continue
        if dur > s.max_contact_s and np.isfinite(c.td_s) and np.isfinite(c.to_s):
            warnings.append(
                f"a ground contact at x = {c.pivot_x_m:.2f} m lasted {dur:.2f} s, longer than a "
                "sprint contact; it was left out"
            )
            continue
        kept.append(c)
    return sorted(kept, key=lambda c: (np.nan_to_num(c.td_s, nan=-1.0), c.pivot_x_m))


def _enforce_alternation(contacts: list[Contact], warnings: list[str]) -> list[Contact]:
    """Make running contacts alternate feet, keeping the labelling most contacts agree with.

    Stance contacts (touchdown before the clip) keep their own labels: both feet are down there.
    """
    running = [i for i, c in enumerate(contacts) if np.isfinite(c.td_s)]
    if len(running) < 2:
        return contacts
    labels = np.array([1 if contacts[i].side == "right" else 0 for i in running])
    weights = np.array([contacts[i].side_agreement for i in running])
    parity = np.arange(len(running)) % 2
    score_a = np.sum(weights * (labels == parity))  # pattern left, right, left, ...
    score_b = np.sum(weights * (labels != parity))
    pattern = parity if score_a >= score_b else 1 - parity
    changed = int(np.sum(pattern != labels))
    if changed:
        warnings.append(
            f"{changed} contact(s) were relabelled left/right so that steps alternate feet"
        )
    out = list(contacts)
    for i, lab in zip(running, pattern, strict=True):
        out[i] = replace(out[i], side=SIDES[int(lab)])
    return out


__all__ = [
    "Contact",
    "EventSettings",
    "FirstMovement",
    "detect_contacts",
    "detect_first_movement",
]
