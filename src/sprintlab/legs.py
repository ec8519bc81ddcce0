"""Leg identity per frame, anchored on the detected ground contacts.

Pose models on side views confuse the two legs: near touchdown they flicker between labels frame
to frame, and a constant-velocity continuity repair then follows the wrong branch (measured on
rendered clips, it made the labels worse). The ground contacts, found from both ankle labels
pooled, carry the identity instead, from the mechanics of running:

- **in stance** the stance foot rolls over a point fixed on the ground, so the stance ankle is the
  one on that contact's pivot circle, and the other ankle belongs to the other leg;
- **in flight** between two successive contacts the leg that just left the ground is behind the
  one about to land (the swing foot has passed the stance foot before toe-off), so the front ankle
  is the leg of the next contact and the rear ankle the leg of the previous one;
- the contacts alternate feet (see :func:`sprintlab.events.detect_contacts`).

Knees and hips follow the ankles by segment rigidity: of the two ways to pair the knees with the
(already identified) ankles, the one whose two shank lengths are closer to the athlete's shank
length is right; likewise hips with knees by the thigh length. Frames that no contact anchors
(before the first contact, across a missed contact, after the last one) keep the labels they had.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from itertools import pairwise

import numpy as np

from .events import Contact
from .skeleton import ANKLE, HIP, KNEE, SIDES
from .track import KeypointTrack


@dataclass(frozen=True)
class LegIdentity:
    """Outcome of :func:`assign_legs`.

    Attributes
    ----------
    track : KeypointTrack
        The track with hips, knees and ankles relabelled.
    anchored : ndarray of bool, shape (T,)
        Frames whose ankle identity comes from a contact (stance or flight between two contacts).
    swapped : ndarray of bool, shape (T,)
        Frames whose ankle labels were exchanged relative to the input.
    """

    track: KeypointTrack
    anchored: np.ndarray
    swapped: np.ndarray


def _contact_span(c: Contact, n: int) -> tuple[int, int]:
    lo = c.td_frame if np.isfinite(c.td_s) and c.td_frame >= 0 else 0
    hi = c.to_frame if np.isfinite(c.to_s) and c.to_frame >= 0 else n - 1
    return max(lo, 0), min(hi, n - 1)


def _ankle_roles(track: KeypointTrack, contacts: list[Contact]) -> np.ndarray:
    """Per frame, the side each ankle label belongs to: ``role[t]`` = +1 keep, -1 exchange, 0 not
    anchored (no contact tells)."""
    n = track.n_frames
    a = {s: np.asarray(track.point(ANKLE[s]), dtype=float) for s in SIDES}
    role = np.zeros(n, dtype=np.int8)
    taken = np.zeros(n, dtype=bool)  # frames anchored by a stance (flight does not override)
    # Stance: the ankle on the pivot circle is the contact's foot.
    for c in contacts:
        lo, hi = _contact_span(c, n)
        if hi < lo:
            continue
        pivot = np.array([c.pivot_x_m, 0.0])
        sl = slice(lo, hi + 1)
        e = {s: np.abs(np.linalg.norm(a[s][sl] - pivot, axis=1) - c.radius_m) for s in SIDES}
        el = np.where(np.isfinite(e["left"]), e["left"], np.inf)
        er = np.where(np.isfinite(e["right"]), e["right"], np.inf)
        near = 0.5 * c.radius_m  # a lone ankle is the stance one only when it is on the foot
        stance_is_left = np.where(np.isfinite(el) & np.isfinite(er), el <= er, el <= near)
        stance_is_right = np.where(np.isfinite(el) & np.isfinite(er), er < el, er <= near)
        want_left = c.side == "left"
        r = np.zeros(hi + 1 - lo, dtype=np.int8)
        r[stance_is_left] = 1 if want_left else -1
        r[stance_is_right] = -1 if want_left else 1
        # Two contacts at once (both feet down in the set stance): a frame they disagree on
        # stays unanchored.
        prev = role[sl]
        clash = taken[sl] & (prev != 0) & (r != 0) & (prev != r)
        r[clash] = 0
        r[taken[sl] & ~clash & (r == 0)] = prev[taken[sl] & ~clash & (r == 0)]
        role[sl] = r
        taken[sl] = True
    # Flight between successive running contacts: the front ankle lands next.
    running = sorted((c for c in contacts if np.isfinite(c.td_s)), key=lambda c: c.td_s)
    for prev_c, next_c in pairwise(running):
        if next_c.steps_since_prev != 1 or not np.isfinite(prev_c.to_s):
            continue
        lo, hi = prev_c.to_frame + 1, next_c.td_frame - 1
        if hi < lo or prev_c.side == next_c.side:
            continue
        sl = slice(lo, hi + 1)
        xl, xr = a["left"][sl, 0], a["right"][sl, 0]
        both = np.isfinite(xl) & np.isfinite(xr) & ~taken[sl]
        left_front = xl > xr
        want_left_front = next_c.side == "left"
        r = np.where(left_front == want_left_front, 1, -1).astype(np.int8)
        role[sl] = np.where(both, r, role[sl])
    return role


def _pair_by_length(
    xy: np.ndarray, parent: dict[str, int], child: dict[str, int], length: float
) -> np.ndarray:
    """Frames where exchanging the ``child`` labels makes both parent–child segments closer to
    ``length`` (segment rigidity). NaN distances count as no evidence."""

    def seg(p: str, c: str) -> np.ndarray:
        return np.linalg.norm(xy[:, parent[p]] - xy[:, child[c]], axis=1)

    straight = (seg("left", "left") - length) ** 2 + (seg("right", "right") - length) ** 2
    crossed = (seg("left", "right") - length) ** 2 + (seg("right", "left") - length) ** 2
    with np.errstate(invalid="ignore"):
        return np.isfinite(straight) & np.isfinite(crossed) & (crossed < straight)


def _swap(xy: np.ndarray, conf: np.ndarray, frames: np.ndarray, pair: dict[str, int]) -> None:
    left, right = pair["left"], pair["right"]
    xy[frames, left], xy[frames, right] = xy[frames, right].copy(), xy[frames, left].copy()
    conf[frames, left], conf[frames, right] = conf[frames, right].copy(), conf[frames, left].copy()


def segment_length(track: KeypointTrack, a: dict[str, int], b: dict[str, int]) -> float:
    """Median length of the segment ``a``–``b`` over both legs and all frames, pairing per frame
    the way that gives the shorter total (robust to the model's label swaps). NaN when unseen."""
    xy = np.asarray(track.xy, dtype=float)
    d = {(p, c): np.linalg.norm(xy[:, a[p]] - xy[:, b[c]], axis=1) for p in SIDES for c in SIDES}
    straight = np.stack([d["left", "left"], d["right", "right"]])
    crossed = np.stack([d["left", "right"], d["right", "left"]])
    with np.errstate(invalid="ignore"):
        use = np.where(np.sum(crossed, axis=0) < np.sum(straight, axis=0), crossed, straight)
    vals = use[np.isfinite(use)]
    return float(np.median(vals)) if vals.size else float("nan")


def assign_legs(track: KeypointTrack, contacts: list[Contact]) -> LegIdentity:
    """Relabel the hips, knees and ankles of a world-frame track per frame from the contacts.

    Parameters
    ----------
    track : KeypointTrack
        World-frame track (metres, ground at y = 0), before low-pass filtering.
    contacts : list of Contact
        The detected contacts with their final sides (alternating), as returned by
        :func:`sprintlab.events.detect_contacts`.
    """
    xy = np.array(track.xy, dtype=float)
    conf = np.array(track.conf, dtype=float)
    role = _ankle_roles(track, contacts)
    swapped = role < 0
    _swap(xy, conf, swapped, ANKLE)
    shank = segment_length(track, KNEE, ANKLE)
    if np.isfinite(shank):
        _swap(xy, conf, _pair_by_length(xy, ANKLE, KNEE, shank), KNEE)
    thigh = segment_length(track, HIP, KNEE)
    if np.isfinite(thigh):
        _swap(xy, conf, _pair_by_length(xy, KNEE, HIP, thigh), HIP)
    out = replace(track, xy=xy, conf=conf)
    return LegIdentity(track=out, anchored=role != 0, swapped=swapped)


__all__ = ["LegIdentity", "assign_legs", "segment_length"]
