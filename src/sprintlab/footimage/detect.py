"""Ground contacts seen in the image: a foot standing still on the ground band.

1. **Still columns**: a band column whose occupancy rows hold a still foreground for at least
   ``min_run_s`` (a swinging foot crosses it in a few milliseconds, a foot on the ground stays
   a tenth of a second or more).
2. **Contacts**: still columns next to each other in space and time form one contact; its
   width per frame is how much still sole is on the ground.
3. **Toe-off**: the last frame in which the sole still covers ``toeoff_width_m`` of the ground
   row (the toe leaves last). The row is the one the sole covers through most of the contact
   (:func:`held_ground_row`), not one frame's lowest foreground, which a shadow edge can put
   below the sole.
4. **Touchdown**: the first frame in which the foot's lowest part is already where it stays
   (:func:`touchdown_frame`): its picture, taken early in the contact, matches within a pixel
   along the ground and half a pixel up from it. This lets the foot land on the forefoot and
   roll: only the first ground point has to stop, and the shin above it is left out.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import cv2
import numpy as np
from scipy import ndimage

from .band import BandGeometry
from .evidence import BandEvidence
from .result import ImageContact
from .settings import FootImageSettings

#: Assumed stature for turning a width in metres into pixels of the athlete's height.
_REF_STATURE_M = 1.80


def still_columns(occupancy: np.ndarray, fps: float, s: FootImageSettings) -> np.ndarray:
    """(T, C) True where a column stays occupied for at least ``min_run_s``."""
    occupied = occupancy >= s.occupied_fraction
    n = max(2, round(s.min_run_s * fps))
    vertical = np.array([[0, 1, 0], [0, 1, 0], [0, 1, 0]], dtype=bool)
    lab, count = ndimage.label(occupied, structure=vertical)
    if count == 0:
        return occupied
    sizes = np.bincount(lab.ravel())
    keep = sizes >= n
    keep[0] = False
    return keep[lab]


def _subpixel(res: np.ndarray, i: int, j: int) -> tuple[float, float]:
    def peak(a: float, b: float, c: float) -> float:
        den = a - 2.0 * b + c
        return 0.0 if abs(den) < 1e-9 else float(np.clip(0.5 * (a - c) / den, -0.5, 0.5))

    dy = peak(res[i - 1, j], res[i, j], res[i + 1, j]) if 0 < i < res.shape[0] - 1 else 0.0
    dx = peak(res[i, j - 1], res[i, j], res[i, j + 1]) if 0 < j < res.shape[1] - 1 else 0.0
    return dx, dy


def ground_row(foreground: np.ndarray, frame: int, c0: int, c1: int) -> int | None:
    """Band row of the sole's bottom in columns c0..c1 at ``frame`` (75th percentile of the
    lowest foreground row per column), or None."""
    f = foreground[frame, :, c0:c1]
    has = f.any(axis=0)
    if not has.any():
        return None
    lowest = f.shape[0] - 1 - np.argmax(f[::-1][:, has], axis=0)
    return int(np.percentile(lowest, 75))


def held_ground_row(
    foreground: np.ndarray, frames: tuple[int, int], cols: tuple[int, int], min_cols: int
) -> int | None:
    """Band row of the sole's bottom held over a contact: the lowest row that at least
    ``min_cols`` of the columns ``cols`` (c0, c1) cover in at least half of the contact's
    ``frames`` (first, last), or None.

    Toe-off is read on this row, not on one frame's: in any one frame a shadow edge or a
    swinging limb can reach below the sole, and a toe-off read on that row ends the contact
    as soon as it passes (a low sun cut a 35-frame contact to 6)."""
    (f0, f1), (c0, c1) = frames, cols
    part = foreground[f0 : f1 + 1, :, c0:c1]
    if part.size == 0:
        return None
    held = (part.sum(axis=2) >= max(1, min_cols)).mean(axis=0) >= 0.5
    rows = np.flatnonzero(held)
    return int(rows.max()) if rows.size else None


def touchdown_frame(
    grey: Callable[[int], np.ndarray],
    ref: int,
    rows: tuple[int, int],
    cols: tuple[int, int],
    earliest: int,
    s: FootImageSettings,
) -> int | None:
    """First frame of the run, going back from ``ref``, in which the foot's picture at ``ref``
    (band rows and columns given) matches in place: best displacement within ``in_place_px``
    and correlation at zero displacement at least ``min_match``. None if the picture is flat.
    ``grey(t)`` gives frame ``t``'s band in grey levels (:meth:`BandEvidence.grey`)."""
    r0, r1 = rows
    c0, c1 = cols
    tpl = np.ascontiguousarray(grey(ref)[r0:r1, c0:c1])
    if tpl.shape[0] < 2 or tpl.shape[1] < 3 or float(tpl.std()) < 1.0:
        return None
    p = s.search_px
    t = ref
    while t - 1 >= earliest:
        # The frame's rows and columns around the template, edge-padded where they run out.
        g = grey(t - 1)
        rr = np.clip(np.arange(r0 - p, r1 + p), 0, g.shape[0] - 1)
        cc = np.clip(np.arange(c0 - p, c1 + p), 0, g.shape[1] - 1)
        win = np.ascontiguousarray(g[np.ix_(rr, cc)])
        res = cv2.matchTemplate(win, tpl, cv2.TM_CCOEFF_NORMED)
        i, j = np.unravel_index(int(np.argmax(res)), res.shape)
        dx, dy = _subpixel(res, int(i), int(j))
        off_x, off_y = j + dx - p, i + dy - p
        if (
            abs(off_x) > s.in_place_px
            or abs(off_y) > s.in_place_vertical_px
            or float(res[p, p]) < s.min_match
        ):
            break
        t -= 1
    return t


def toeoff_frame(
    foreground: np.ndarray,
    ground: int,
    cols: tuple[int, int],
    ref: int,
    last: int,
    px_per_m: float,
    s: FootImageSettings,
) -> int:
    """Last frame up to ``last`` in which the sole still covers ``toeoff_width_m`` of the
    ground row (and the row above it): a foot lifted by a pixel has left it, while the shoe's
    uniform inside, higher up, still looks still for a frame or two."""
    c0, c1 = cols
    strip = foreground[:, max(0, ground - 1) : ground + 1, c0:c1].any(axis=1)
    width_m = strip.sum(axis=1) / px_per_m
    t = last
    while t > ref and width_m[t] < s.toeoff_width_m:
        t -= 1
    return t


def find_image_contacts(
    evidence: BandEvidence,
    geometry: BandGeometry,
    fps: float,
    settings: FootImageSettings | None = None,
) -> list[ImageContact]:
    """Contacts of a clip's ground band, in time order (see the module docstring)."""
    s = settings or FootImageSettings()
    px_per_m = geometry.athlete_px / _REF_STATURE_M
    still = still_columns(evidence.occupancy, fps, s)
    joined = ndimage.binary_closing(still, structure=np.ones((3, 5), dtype=bool))
    lab, _ = ndimage.label(joined)
    out: list[ImageContact] = []
    t_total = still.shape[0]
    for k, sl in enumerate(ndimage.find_objects(lab), start=1):
        if sl is None:
            continue
        part = (lab[sl] == k) & still[sl]
        width_m = part.sum(axis=1) / px_per_m
        on = np.flatnonzero(width_m >= s.touchdown_width_m)
        off = np.flatnonzero(width_m >= s.toeoff_width_m)
        if on.size == 0:
            continue
        t0, t1 = sl[0].start + int(on[0]), sl[0].start + int(off[-1])
        if (t1 - t0 + 1) / fps < s.min_contact_s:
            continue
        cols = np.flatnonzero(part.any(axis=0)) + sl[1].start
        c0, c1 = int(cols.min()), int(cols.max()) + 1
        ref = round(t0 + s.template_at * (t1 - t0))
        g = ground_row(evidence.foreground, ref, c0, c1)
        td, how = t0, "width"
        if g is not None:
            held = held_ground_row(
                evidence.foreground, (t0, t1), (c0, c1), round(s.toeoff_width_m * px_per_m)
            )
            sole = g if held is None else held
            # The foot's picture is cut on the row of its own frame: a row held over the whole
            # contact can lie below a sole that is still settling at that frame.
            r0 = max(0, g - round(s.template_above_frac * geometry.athlete_px))
            r1 = min(evidence.bands.shape[1], g + 3)
            earliest = max(0, t0 - round(s.max_back_s * fps))
            found = touchdown_frame(evidence.grey, ref, (r0, r1), (c0, c1), earliest, s)
            if found is not None:
                td, how = found, "match"
            t1 = toeoff_frame(evidence.foreground, sole, (c0, c1), ref, t1, px_per_m, s)
        if td >= t_total or t1 < td:
            continue
        x0 = geometry.col0_px + c0
        x1 = geometry.col0_px + c1
        xm = 0.5 * (x0 + x1)
        gy = (
            geometry.intercept_px + geometry.slope * xm + float(geometry.rows_px[g])
            if g is not None
            else math.nan
        )
        out.append(ImageContact(td, t1, float(x0), float(x1), gy, how, float(width_m.max())))
    out.sort(key=lambda c: c.td_frame)
    return merge_pieces(out, fps, s)


def merge_pieces(
    contacts: list[ImageContact], fps: float, s: FootImageSettings
) -> list[ImageContact]:
    """One contact from pieces at the same place separated by a short gap: a shadow or a
    swinging limb passing over a foot on the ground can interrupt its still foreground."""
    gap = max(1, round(s.merge_gap_s * fps))
    out: list[ImageContact] = []
    for c in contacts:
        prev = out[-1] if out else None
        if (
            prev is not None
            and c.td_frame - prev.to_frame <= gap
            and min(c.x1_px, prev.x1_px) > max(c.x0_px, prev.x0_px)
        ):
            out[-1] = ImageContact(
                prev.td_frame,
                max(prev.to_frame, c.to_frame),
                min(prev.x0_px, c.x0_px),
                max(prev.x1_px, c.x1_px),
                prev.ground_y_px,
                prev.touchdown_by,
                max(prev.strength, c.strength),
            )
        else:
            out.append(c)
    return out
