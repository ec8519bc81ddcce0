"""Put the image's contact times on the pose's contacts.

The pose keeps what it is good at: that there is a step, which leg, where the foot was placed
and the angles. The image, where it saw the same contact (overlapping in time, at the place of
the pose's stance ankle), times touchdown and toe-off. Each event says how it was timed
(``"image"``, ``"pose"``, or ``"both"`` when they agree within ``fusion_agree_frames``) and how
sure it is (frames, 95% limits measured on the rendered scenarios, widened to the disagreement
when the two disagree). Where the image's times would break the sequence of steps the pose's
times obeyed (two touchdowns closer than any step, or a contact overlapping the next), the pose's
times are put back and the step says so.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, replace

import numpy as np

from ..footimage.result import FootImageResult, ImageContact
from .base import Contact
from .settings import EventSettings

#: 95% limits of touchdown and toe-off errors, frames, by how they were timed: the six rendered
#: scenarios of ``make accuracy`` through the stock pose model (image: touchdown −3.8..+3.0,
#: toe-off −1.8..+4.3, earlier −5.1..+4.5 and −2.3..+4.4; pose alone: −13.2..+13.3 and
#: −14.7..+11.2), rounded up and kept at the wider. On twelve real 30 fps phone starts against
#: contacts marked by eye (``validate --real``): touchdown −2.3..+3.1, toe-off −4.8..+1.6 frames.
UNCERTAINTY_FRAMES = {
    ("touchdown", "image"): 5.0,
    ("toeoff", "image"): 5.0,
    ("touchdown", "pose"): 14.0,
    ("toeoff", "pose"): 15.0,
}
#: The capture rate the figures above hold at (the scenarios are 240 fps but one at 120).
MEASURED_AT_FPS = 240.0
#: Least 95% limits, frames, at any rate: the twelve real 30 fps starts' touchdown and toe-off.
FLOOR_FRAMES = {"touchdown": 3.0, "toeoff": 5.0}


def uncertainty_frames(event: str, source: str, fps: float) -> float:
    """95% limits (frames at ``fps``) of an event timed by ``source`` (``"pose"``/``"image"``).

    The limits measured at 240 fps hold as a time (the pose model's lag and the image's blur
    last so many milliseconds): ±14 frames of the pose at 240 fps are ±58 ms, 3.5 frames at
    60 fps. They are never below :data:`FLOOR_FRAMES`, what real 30 fps footage showed: a
    frame's worth of quantisation and a person's marking set that floor, not the milliseconds.
    """
    at_240 = UNCERTAINTY_FRAMES[(event, source)]
    if not (math.isfinite(fps) and fps > 0):
        return at_240
    return max(round(at_240 / MEASURED_AT_FPS * fps, 1), FLOOR_FRAMES[event])


@dataclass(frozen=True)
class EventTiming:
    """How one event was timed."""

    source: str
    uncertainty_frames: float
    pose_minus_image_frames: float = math.nan


def _timing(event: str, pose_s: float, image_s: float, fps: float, s: EventSettings):
    if not math.isfinite(image_s):
        return EventTiming("pose", uncertainty_frames(event, "pose", fps))
    delta = (pose_s - image_s) * fps if math.isfinite(pose_s) else math.nan
    base = uncertainty_frames(event, "image", fps)
    if math.isfinite(delta) and abs(delta) <= s.fusion_agree_frames:
        return EventTiming("both", base, delta)
    # A tenth of a frame is as fine as a disagreement between two timings means anything.
    widened = max(base, round(abs(delta), 1)) if math.isfinite(delta) else base
    return EventTiming("image", widened, delta)


def image_times(c: ImageContact, t_s: np.ndarray, fps: float) -> tuple[float, float]:
    """Touchdown and toe-off of an image contact, s: half a frame before its first frame on the
    ground and half a frame after its last (the instant lies somewhere between two frames)."""
    n = len(t_s)
    if not (0 <= c.td_frame < n and 0 <= c.to_frame < n):
        return math.nan, math.nan
    return float(t_s[c.td_frame]) - 0.5 / fps, float(t_s[c.to_frame]) + 0.5 / fps


def fuse_contacts(
    contacts: list[Contact],
    image: FootImageResult,
    t_image_s: np.ndarray,
    t_s: np.ndarray,
    ankle_px: dict[str, np.ndarray],
    fps: float,
    athlete_px: float,
    first_movement_s: float,
    settings: EventSettings | None = None,
) -> tuple[list[Contact], list[str], int]:
    """The pose's contacts with the image's touchdown and toe-off where the image saw them.

    Parameters
    ----------
    contacts : list of Contact
        The pose's contacts (stance contacts of the set position are left as they are).
    image : FootImageResult
    t_image_s : ndarray
        Times of the frames the image stage numbered (its ``td_frame``/``to_frame`` index it).
    t_s : ndarray
        Times of the analysed track (the contacts' frame numbers index it).
    ankle_px : dict
        ``{"left": (T, 2), "right": (T, 2)}`` pixel ankles of the analysed track.
    athlete_px : float
        The athlete's height in pixels (for the place test).
    first_movement_s : float
        Contacts touching down before it are the set position.

    Returns
    -------
    contacts : list of Contact
        With ``td_source``, ``to_source``, ``td_uncertainty_frames``, ``to_uncertainty_frames``
        set on every contact.
    notes : list of str
        One sentence naming the contacts where image and pose disagree by more than the image's
        95% limits (smaller disagreements show in each event's source and uncertainty), one
        naming those whose toe-off the image lost.
    unmatched : int
        Image contacts after first movement that no pose contact took.
    """
    s = settings or EventSettings()
    if not image.used:
        return [_pose_only(c, fps) for c in contacts], [], 0
    times = [image_times(ic, t_image_s, fps) for ic in image.contacts]
    taken: set[int] = set()
    out = []
    disagree: list[int] = []  # indices into out
    cut: list[int] = []
    fm = first_movement_s if math.isfinite(first_movement_s) else -math.inf
    for c in contacts:
        if c.td_source == "image":
            # Seen only by the image (:mod:`.candidates.image`): already timed by it.
            taken.update(k for k, ic in enumerate(image.contacts) if ic.td_frame == c.td_frame)
            out.append(c)
            continue
        if not (math.isfinite(c.td_s) and c.td_s >= fm):
            out.append(_pose_only(c, fps))
            continue
        j = _match(c, image.contacts, times, taken, t_s, ankle_px, athlete_px, fm, s)
        if j is None:
            out.append(_pose_only(c, fps))
            continue
        taken.add(j)
        td_img, to_img = times[j]
        if _cut_short(td_img, to_img, c, s):
            # A shadow or a limb passing over the standing foot ended the image's contact
            # early: its toe-off is not believed, the pose's stands.
            to_img = math.nan
            cut.append(len(out))
        td = _timing("touchdown", c.td_s, td_img, fps, s)
        to = _timing("toeoff", c.to_s, to_img, fps, s)
        new_td = td_img
        new_to = to_img if math.isfinite(to_img) and math.isfinite(c.to_s) else c.to_s
        if _far_apart(td) or _far_apart(to):
            disagree.append(len(out))
        out.append(
            replace(
                c,
                td_s=new_td,
                to_s=new_to,
                td_frame=_first_at_or_after(t_s, new_td),
                to_frame=_last_at_or_before(t_s, new_to),
                td_source=td.source,
                to_source=to.source,
                td_uncertainty_frames=td.uncertainty_frames,
                to_uncertainty_frames=to.uncertainty_frames,
                sole_px=_sole(image.contacts[j]),
            )
        )
    out, reverted = _keep_sequence(contacts, out, fm, fps, s)
    # What was put back on the pose's times is no longer the image's to explain.
    disagree_at = [f"{out[k].td_s:.2f}" for k in disagree if out[k].td_source != "pose"]
    cut_at = [f"{out[k].td_s:.2f}" for k in cut if out[k].td_source != "pose"]
    notes = []
    if reverted:
        notes.append(
            "the image's times would have put two steps closer together than any step (or "
            f"overlapping) at {', '.join(reverted)} s: the pose's times are kept for those "
            "contacts; check those steps on the video"
        )
    if disagree_at:
        notes.append(
            "the image and the pose disagree by more than the image's own error on the "
            f"contact(s) touching down at {', '.join(disagree_at)} s: the image's times are used "
            "and their uncertainty widened to the disagreement; check those steps on the video"
        )
    if cut_at:
        notes.append(
            f"the image lost the standing foot early on the contact(s) touching down at "
            f"{', '.join(cut_at)} s (a shadow or a limb passed over it): their toe-off comes from "
            "the pose"
        )
    after_fm = [
        k for k, (a, _) in enumerate(times) if math.isfinite(a) and a >= fm and k not in taken
    ]
    return out, notes, len(after_fm)


def _keep_sequence(
    pose: list[Contact],
    fused: list[Contact],
    first_movement_s: float,
    fps: float,
    s: EventSettings,
) -> tuple[list[Contact], list[str]]:
    """Undo the image's times where they break the sequence the pose's times obeyed.

    The sequence of steps (:mod:`.sequence`) was chosen on the pose's times: successive
    touchdowns at least ``min_step_s`` apart, a contact not overlapping the next one by more than
    ``max_double_support_s``. On 30 fps phone footage the image sees a running foot as several
    1–2-frame pieces, and a piece next to the right contact can retime it onto its neighbour
    (measured on a real start: touchdowns at frames 226 and 233, both right, moved to 229 and
    230). Where two successive fused contacts break those rules and the pose's did not, every
    member of the pair the image moved by more than ``fusion_agree_frames`` gets its pose times
    back, with the pose's uncertainty.

    Returns the contacts and the touchdown times (s, as text) of those put back.
    """
    by_id = {id(f): p for p, f in zip(pose, fused, strict=True)}

    def breaks(a: Contact, b: Contact) -> bool:
        return b.td_s - a.td_s < s.min_step_s or (
            math.isfinite(a.to_s) and b.td_s < a.to_s - s.max_double_support_s
        )

    def moved(f: Contact) -> bool:
        p = by_id[id(f)]
        if f.td_source != "image" and f.to_source != "image":
            return False
        if p.td_source == "image":  # seen only by the image: it has no pose times to go back to
            return False
        shift = max(abs(f.td_s - p.td_s), abs(f.to_s - p.to_s) if math.isfinite(p.to_s) else 0.0)
        return shift * fps > s.fusion_agree_frames

    running = sorted(
        (f for f in fused if math.isfinite(f.td_s) and f.td_s >= first_movement_s),
        key=lambda f: f.td_s,
    )
    back: set[int] = set()
    for a, b in itertools.pairwise(running):
        if breaks(a, b) and not breaks(by_id[id(a)], by_id[id(b)]):
            back.update(id(f) for f in (a, b) if moved(f))
    if not back:
        return fused, []
    out = [_pose_only(by_id[id(f)], fps) if id(f) in back else f for f in fused]
    when = [f"{by_id[id(f)].td_s:.2f}" for f in running if id(f) in back]
    return out, when


def _far_apart(timing: EventTiming) -> bool:
    """Image and pose further apart than the image's 95% limits."""
    limit = max(UNCERTAINTY_FRAMES[("touchdown", "image")], UNCERTAINTY_FRAMES[("toeoff", "image")])
    d = timing.pose_minus_image_frames
    return timing.source == "image" and math.isfinite(d) and abs(d) > limit


def _cut_short(td_img: float, to_img: float, c: Contact, s: EventSettings) -> bool:
    """True when the image's contact lasts less than ``fusion_min_duration_share`` of the
    pose's."""
    pose_s = c.to_s - c.td_s
    return bool(
        math.isfinite(pose_s)
        and pose_s > 0
        and to_img - td_img < s.fusion_min_duration_share * pose_s
    )


def _sole(ic: ImageContact) -> tuple[float, float, float]:
    """The still sole of an image contact: (first column, last column, ground row), pixels."""
    return (float(ic.x0_px), float(ic.x1_px), float(ic.ground_y_px))


def _pose_only(c: Contact, fps: float) -> Contact:
    return replace(
        c,
        td_source="pose",
        to_source="pose",
        td_uncertainty_frames=uncertainty_frames("touchdown", "pose", fps),
        to_uncertainty_frames=uncertainty_frames("toeoff", "pose", fps),
    )


def _first_at_or_after(t_s: np.ndarray, t: float) -> int:
    i = int(np.searchsorted(t_s, t - 1e-9))
    return min(i, len(t_s) - 1)


def _last_at_or_before(t_s: np.ndarray, t: float) -> int:
    i = int(np.searchsorted(t_s, t + 1e-9, side="right")) - 1
    return max(i, 0)


def _match(
    c: Contact,
    found: tuple[ImageContact, ...],
    times: list[tuple[float, float]],
    taken: set[int],
    t_s: np.ndarray,
    ankle_px: dict[str, np.ndarray],
    athlete_px: float,
    first_movement_s: float,
    s: EventSettings,
) -> int | None:
    """The image contact that is this pose contact: overlapping in time (or within
    ``fusion_match_window_s``) and under the pose's stance ankle; the largest overlap wins. An
    image contact that began before first movement holds the set position (the stance feet and
    their shadow joined to it), never a step's touchdown; one longer than ``max_contact_s`` is
    not a running contact (the blocks, or a foot in the set position, stand still for seconds)
    and is never taken either."""
    to_pose = c.to_s if math.isfinite(c.to_s) else c.td_s
    mid = 0.5 * (c.td_s + to_pose)
    k = int(np.clip(np.searchsorted(t_s, mid), 0, len(t_s) - 1))
    leg = c.label or c.side
    # The stance ankle over the whole contact (its median), not in one frame: the pose model
    # swaps the legs for a few frames as the swing foot passes the standing one, and a
    # hand-held 240 fps rep's mid-contact frame put the stance ankle 31 px ahead of its sole.
    i0 = int(np.clip(np.searchsorted(t_s, c.td_s), 0, len(t_s) - 1))
    i1 = int(np.clip(np.searchsorted(t_s, to_pose), i0, len(t_s) - 1))
    over = ankle_px.get(leg, ankle_px[c.side])[i0 : i1 + 1, 0]
    x = float(np.nanmedian(over)) if np.any(np.isfinite(over)) else math.nan
    if not math.isfinite(x):
        x = float(np.nanmean([a[k, 0] for a in ankle_px.values()]))
    best, best_overlap = None, -math.inf
    for j, (ic, (a, b)) in enumerate(zip(found, times, strict=True)):
        if j in taken or not math.isfinite(a) or a < first_movement_s or b - a > s.max_contact_s:
            continue
        overlap = min(b, to_pose) - max(a, c.td_s)
        if overlap < -s.fusion_match_window_s:
            continue
        if math.isfinite(x) and not (
            ic.x0_px - 0.25 * athlete_px <= x <= ic.x1_px + 0.25 * athlete_px
        ):
            continue
        if overlap > best_overlap:
            best, best_overlap = j, overlap
    return best
