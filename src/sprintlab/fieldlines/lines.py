"""Straight painted lines in a picture of the field, and the family that crosses the lane.

Segments of paint (:mod:`sprintlab.fieldlines.paint`) are found with the probabilistic Hough
transform, joined into whole lines when they lie on one, and each line is refitted through its
paint pixels (total least squares, weighted by the paint's contrast), which places it to a few
tenths of a pixel. Lines across the lane (yard lines, a start line) are parallel on the ground,
so in the picture they meet at one vanishing point; the lines through it are that family.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class ImageLine:
    """A straight line in the picture: points ``p`` with ``normal · p = offset_px``.

    Attributes
    ----------
    normal : ndarray (2,)
        Unit normal (x, y), pointing to +y (down) or, for a vertical line, to +x.
    offset_px : float
    length_px : float
        Length of paint along it.
    ends_px : ndarray (2, 2)
        The two ends of its paint.
    rms_px : float
        Scatter of its paint's centre line about it (px).
    """

    normal: np.ndarray
    offset_px: float
    length_px: float
    ends_px: np.ndarray
    rms_px: float

    @property
    def span_px(self) -> float:
        """Distance between its ends (its paint covers ``length_px`` of it)."""
        return float(np.linalg.norm(self.ends_px[1] - self.ends_px[0]))

    @property
    def direction(self) -> np.ndarray:
        return np.array([-self.normal[1], self.normal[0]])

    def homogeneous(self) -> np.ndarray:
        """(a, b, c) with a x + b y + c = 0."""
        return np.array([self.normal[0], self.normal[1], -self.offset_px])


def _normalised(normal: np.ndarray, offset: float) -> tuple[np.ndarray, float]:
    n = np.asarray(normal, float) / np.linalg.norm(normal)
    if n[1] < 0 or (abs(n[1]) < 1e-12 and n[0] < 0):
        n, offset = -n, -offset
    return n, float(offset)


def _segment_line(seg: np.ndarray) -> tuple[np.ndarray, float]:
    x1, y1, x2, y2 = (float(v) for v in seg)
    d = np.array([x2 - x1, y2 - y1])
    n = np.array([-d[1], d[0]])
    n, _ = _normalised(n, 0.0)
    return n, float(n @ np.array([x1, y1]))


def find_lines(
    mask: np.ndarray,
    response: np.ndarray,
    *,
    min_length_px: float = 60.0,
    join_angle_deg: float = 1.5,
    join_distance_px: float = 4.0,
    max_rms_px: float = 1.5,
) -> list[ImageLine]:
    """The painted lines of ``mask`` (bool H × W), refitted through ``response``.

    Segments (probabilistic Hough on the stripes' centre lines, :func:`centre_lines`) whose
    directions agree within ``join_angle_deg`` and whose ends lie within ``join_distance_px``
    of each other's line are one line; a line needs ``min_length_px`` of paint and its paint
    must run straight (``max_rms_px`` about it: a crooked ridge through clutter is not a line).
    Each line is refitted through the centre-line pixels within a few pixels of it, weighted
    by their contrast.
    """
    centre = centre_lines(mask)
    m8 = centre.astype(np.uint8) * 255
    segs = cv2.HoughLinesP(
        m8, 1, np.pi / 720, threshold=40, minLineLength=int(min_length_px / 2), maxLineGap=12
    )
    if segs is None:
        return []
    segs = np.asarray(segs, float).reshape(-1, 4)
    lengths = np.hypot(segs[:, 2] - segs[:, 0], segs[:, 3] - segs[:, 1])
    order = np.argsort(-lengths)
    used = np.zeros(len(segs), bool)
    ys, xs = np.nonzero(centre)
    pts = np.column_stack([xs, ys]).astype(float)
    weights = response[ys, xs].astype(float)
    out: list[ImageLine] = []
    cos_tol = np.cos(np.radians(join_angle_deg))
    for i in order:
        if used[i]:
            continue
        n, off = _segment_line(segs[i])
        group = []
        for j in order:
            if used[j]:
                continue
            nj, _ = _segment_line(segs[j])
            ends = segs[j].reshape(2, 2)
            if abs(n @ nj) >= cos_tol and np.all(np.abs(ends @ n - off) <= join_distance_px):
                group.append(j)
        used[group] = True
        line = _refit(pts, weights, n, off)
        if line is not None and line.length_px >= min_length_px and line.rms_px <= max_rms_px:
            out.append(line)
    # A wide stripe near the camera can leave two ridges a few pixels apart: one line.
    return _unique(out, join_angle_deg, 3 * join_distance_px, mask)


def centre_lines(mask: np.ndarray) -> np.ndarray:
    """The middle of each stripe of ``mask``: pixels at least as far from the stripe's edge as
    their neighbours across it (a wide line near the camera gives one segment, not two edges)."""
    dist = cv2.distanceTransform(mask.astype(np.uint8), cv2.DIST_L2, 3)
    peak = dist >= cv2.dilate(dist, np.ones((3, 3), np.uint8)) - 0.5
    return mask & peak & (dist > 0)


def _refit(
    pts: np.ndarray, weights: np.ndarray, n: np.ndarray, off: float, rounds: int = 3
) -> ImageLine | None:
    """Weighted total-least-squares line through the paint pixels near (n, off)."""
    band = 6.0
    for _ in range(rounds):
        d = pts @ n - off
        near = np.abs(d) <= band
        if np.count_nonzero(near) < 10:
            return None
        p, w = pts[near], weights[near]
        centre = (w[:, None] * p).sum(axis=0) / w.sum()
        q = p - centre
        cov = (w[:, None, None] * (q[:, :, None] * q[:, None, :])).sum(axis=0)
        _, evecs = np.linalg.eigh(cov)
        n, off = _normalised(evecs[:, 0], 0.0)
        off = float(n @ centre)
        band = 4.0
    d = pts @ n - off
    near = np.abs(d) <= band
    p, w = pts[near], weights[near]
    along = p @ np.array([-n[1], n[0]])
    # Length of paint: the span covered, without the gaps (1 px bins along the line).
    covered = np.unique(np.round(along)).size
    lo, hi = along.min(), along.max()
    t = np.array([-n[1], n[0]])
    foot = n * off
    ends = np.array([foot + lo * t, foot + hi * t])
    rms = float(np.sqrt(np.average(d[near] ** 2, weights=w)))
    return ImageLine(n, off, float(covered), ends, rms)


def _unique(
    lines: list[ImageLine], angle_deg: float, dist_px: float, mask: np.ndarray | None = None
) -> list[ImageLine]:
    """Drop lines that the refit made the same as a longer one: as near and as parallel, and
    (with ``mask``) with paint between them (two ridges of one wide stripe; two thin lines a
    few pixels apart, a track's far lane lines, have ground between them)."""
    keep: list[ImageLine] = []
    cos_tol = np.cos(np.radians(angle_deg))
    for line in sorted(lines, key=lambda ln: -ln.length_px):
        same = any(
            abs(line.normal @ k.normal) >= cos_tol
            and np.all(np.abs(line.ends_px @ k.normal - k.offset_px) <= dist_px)
            and (
                mask is None
                or np.all(np.abs(line.ends_px @ k.normal - k.offset_px) <= 1.5)
                or _painted_between(line, k, mask)
            )
            for k in keep
        )
        if not same:
            keep.append(line)
    return keep


def _painted_between(a: ImageLine, b: ImageLine, mask: np.ndarray) -> bool:
    """Whether the paint is unbroken half-way between line ``a`` and line ``b`` (sampled along
    ``a``'s paint)."""
    t = np.linspace(0.1, 0.9, 9)[:, None]
    pts = a.ends_px[0] + t * (a.ends_px[1] - a.ends_px[0])
    mid = pts - 0.5 * ((pts @ b.normal) - b.offset_px)[:, None] * b.normal[None, :]
    h, w = mask.shape
    c = np.clip(np.round(mid).astype(int), 0, [w - 1, h - 1])
    return bool(np.mean(mask[c[:, 1], c[:, 0]]) >= 0.5)


def vanishing_point(
    lines: list[ImageLine], *, tol_deg: float = 0.5, score: str = "length"
) -> tuple[np.ndarray, list[int]]:
    """The point most of the lines' paint passes through (homogeneous (3,)), and which lines do.

    Every pair of lines gives a candidate; a line supports it when the direction from its far
    end to the point is within ``tol_deg`` of its own. The candidate whose supporters have the
    most paint wins (``score="length"``), or, with ``score="drop"``, the one whose supporters
    reach furthest down the picture (their vertical extent: lines across the lane run towards
    the camera, lines along it hardly descend). The winner is refitted (least squares on its
    supporters)."""
    best, best_score, best_members = None, -1.0, []
    homs = [ln.homogeneous() for ln in lines]
    for i in range(len(lines)):
        for j in range(i + 1, len(lines)):
            v = np.cross(homs[i], homs[j])
            if not np.all(np.isfinite(v)) or np.linalg.norm(v) == 0:
                continue
            members = [k for k, ln in enumerate(lines) if passes_through(ln, v, tol_deg)]
            if score == "drop":
                value = sum(float(np.ptp(lines[k].ends_px[:, 1])) for k in members)
            else:
                value = sum(lines[k].length_px for k in members)
            if value > best_score:
                best, best_score, best_members = v, value, members
    if best is None or len(best_members) < 2:
        return np.array([np.nan, np.nan, np.nan]), []
    # Refit: the point nearest (in the lines' normal distances, weighted) to every member.
    return meeting_point([lines[k] for k in best_members]), best_members


def meeting_point(lines: list[ImageLine]) -> np.ndarray:
    """The point nearest every line (their normal distances weighted by the square root of
    their length; homogeneous, unit norm)."""
    a = np.array([ln.homogeneous() for ln in lines])
    w = np.sqrt([ln.length_px for ln in lines])
    v = np.linalg.svd(a * w[:, None])[2][-1]
    return v / np.linalg.norm(v)


def passes_through(line: ImageLine, v: np.ndarray, tol_deg: float) -> bool:
    if abs(v[2]) < 1e-12 * np.linalg.norm(v):  # a point at infinity: a direction
        to = v[:2]
    else:
        # Seen from the end farther from the point: a line whose paint comes near the point
        # would pass any direction test from its middle.
        far = max(line.ends_px, key=lambda e: np.linalg.norm(e - v[:2] / v[2]))
        to = v[:2] / v[2] - far
    norm = np.linalg.norm(to)
    if norm == 0:
        return True
    cos = abs(to @ line.direction) / norm
    return cos >= np.cos(np.radians(tol_deg))


def dash_rows(
    mask: np.ndarray,
    *,
    min_dashes: int = 5,
    max_area_px: float = 2500.0,
    tol_px: float = 2.5,
    max_slope: float = 0.6,
    keep: Callable[[np.ndarray], np.ndarray] | None = None,
) -> list[ImageLine]:
    """Rows of short painted marks along the lane (a football field's hash marks, one every
    yard): lines through the middles of at least ``min_dashes`` small paint blobs.

    Each blob of paint smaller than ``max_area_px`` (whose middle ``keep`` accepts, when given:
    e.g. a whole number of yards along the lane) is a candidate mark; a row is the line
    through two of them that passes within ``tol_px`` of the most others (at most
    ``max_slope`` steep: rows run along the lane, across the picture), refitted through its
    marks; its marks are then taken out and the next row looked for.
    """
    _, _, stats, centroids = cv2.connectedComponentsWithStats(mask.astype(np.uint8), 8)
    area = stats[1:, cv2.CC_STAT_AREA]
    small = (area >= 6) & (area <= max_area_px)
    pts = centroids[1:][small]
    if keep is not None and len(pts):
        pts = pts[np.asarray(keep(pts), bool)]
    rows: list[ImageLine] = []
    while len(pts) >= min_dashes:
        best, best_in = None, None
        order = np.argsort(pts[:, 0])
        p = pts[order]
        for i in range(len(p)):
            for j in range(i + 1, min(len(p), i + 12)):
                d = p[j] - p[i]
                if abs(d[0]) < 1e-6 or abs(d[1] / d[0]) > max_slope:
                    continue
                nrm = np.array([-d[1], d[0]]) / np.hypot(*d)
                inl = np.abs((p - p[i]) @ nrm) <= tol_px
                if best_in is None or inl.sum() > best_in.sum():
                    best, best_in = (i, j), inl
        if best is None or best_in.sum() < min_dashes:
            break
        q = p[best_in]
        centre = q.mean(axis=0)
        _, _, vt = np.linalg.svd(q - centre)
        nrm, off = _normalised(vt[-1], 0.0)
        off = float(nrm @ centre)
        along = (q - centre) @ np.array([-nrm[1], nrm[0]])
        t = np.array([-nrm[1], nrm[0]])
        ends = np.array([centre + along.min() * t, centre + along.max() * t])
        rms = float(np.sqrt(np.mean(((q @ nrm) - off) ** 2)))
        rows.append(ImageLine(nrm, off, float(np.ptp(along)), ends, rms))
        pts = p[~best_in]
    return rows


def paint_across(
    line: ImageLine, response: np.ndarray, half_width_px: int, min_samples: int = 10
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Where the paint lies across ``line``, pixel by pixel along it: (position along it from
    its first end, the paint's centroid across it (px, + towards its normal), its mass), from
    the paint response within ``half_width_px`` of it (interpolated; each sample's minimum
    taken off). Samples with under a quarter of the typical mass (gaps in the paint) are left
    out; None when fewer than ``min_samples`` are left."""
    n, t = line.normal, line.direction
    along = np.arange(0.0, line.span_px + 1.0, 1.0)
    across = np.arange(-half_width_px, half_width_px + 1, dtype=float)
    pts = line.ends_px[0][None, None, :] + along[:, None, None] * t + across[None, :, None] * n
    vals = cv2.remap(
        response.astype(np.float32),
        pts[..., 0].astype(np.float32),
        pts[..., 1].astype(np.float32),
        cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=0,
    ).astype(float)
    vals = np.clip(vals - vals.min(axis=1, keepdims=True), 0.0, None)
    mass = vals.sum(axis=1)
    if not np.any(mass > 0):
        return None
    ok = mass > 0.25 * np.median(mass[mass > 0])
    if np.count_nonzero(ok) < min_samples:
        return None
    shift = (vals[ok] * across[None, :]).sum(axis=1) / mass[ok]
    return along[ok], shift, mass[ok]


def refine_subpixel(line: ImageLine, response: np.ndarray, *, half_width_px: int = 2) -> ImageLine:
    """``line`` placed to a fraction of a pixel: across it, at every pixel of its paint, the
    centroid of the paint response within ``half_width_px`` (interpolated), and a weighted
    straight line through those centroids.

    A thin line nearly parallel to the picture's rows leaves its centre-line pixels on one
    whole row, so the plain fit is only good to half a pixel; far lane lines are a few pixels
    apart and the horizon is read from their spacing."""
    n, t = line.normal, line.direction
    profile = paint_across(line, response, half_width_px)
    if profile is None:
        return line
    along, shift, mass = profile
    a = np.polyfit(along, shift, 1, w=np.sqrt(mass))
    # The new line: through base + shift * n at each along position.
    p0 = line.ends_px[0] + a[1] * n
    p1 = line.ends_px[0] + line.span_px * t + (a[1] + a[0] * line.span_px) * n
    d = p1 - p0
    normal, off = _normalised(np.array([-d[1], d[0]]), 0.0)
    off = float(normal @ p0)
    resid = shift - np.polyval(a, along)
    rms = float(np.sqrt(np.average(resid**2, weights=mass)))
    return ImageLine(normal, off, line.length_px, np.array([p0, p1]), rms)
