"""The lines across the lane as a ruler: distance along the lane of any point on the ground.

Yard lines (every 5 yards) are parallel on the ground, so in the picture they pass through one
vanishing point, and a line through that point and any ground point is the world line of equal
distance along the lane through it. Where such a line crosses a reference row of the picture,
its column ``u`` and the distance ``x`` along the lane are related by a 1-D projective map
``x = (a u + b) / (c u + 1)`` (exact for a pinhole camera, whatever its pan or tilt), fitted to
the yard lines at their known spacing. Which line is which is found by consensus: three lines
taken as neighbours (or with one line missing between them) fix a map, and the map most lines
fall on a whole number of spacings of wins, so a missing, worn or extra line does not shift
the count.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

import numpy as np

from .lines import ImageLine

#: Largest distance from a whole number of spacings for a line to count as on the ruler.
INDEX_TOLERANCE = 0.08


@dataclass(frozen=True)
class CrossRuler:
    """The lines across the lane with their places along it.

    Attributes
    ----------
    vanishing_px : ndarray (3,)
        Their vanishing point, homogeneous image coordinates.
    lines : tuple of ImageLine
        The lines on the ruler, in order of ``index``.
    index : ndarray of int
        Each line's place in spacings from the first (0, 1, 2, ...; a missing line leaves a gap).
    spacing_m : float
        Distance between neighbouring lines along the lane, metres.
    ref_row_px : float
        The picture row where the lines are read.
    coeffs : ndarray (3,)
        ``(a, b, c)`` of ``u = (a x + b) / (c x + 1)``, ``x`` in spacings and ``u`` in
        normalised columns ``(col - u0_px) / scale_px`` (fitted in the picture, where every
        line is measured about as well).
    u0_px, scale_px : float
    rms_m : float
        Scatter of the lines about the fitted ruler, metres along the lane.
    """

    vanishing_px: np.ndarray
    lines: tuple[ImageLine, ...]
    index: np.ndarray
    spacing_m: float
    ref_row_px: float
    coeffs: np.ndarray
    u0_px: float
    scale_px: float
    rms_m: float

    def column_at_ref(self, xy_px: np.ndarray) -> np.ndarray:
        """Where the line through the vanishing point and each point crosses the reference row."""
        p = np.asarray(xy_px, float)
        v = self.vanishing_px
        hom = np.concatenate([p, np.ones((*p.shape[:-1], 1))], axis=-1)
        lines = np.cross(hom, v)
        a, b, c = lines[..., 0], lines[..., 1], lines[..., 2]
        with np.errstate(divide="ignore", invalid="ignore"):
            return -(b * self.ref_row_px + c) / a

    def x_m(self, xy_px: np.ndarray) -> np.ndarray:
        """Distance along the lane (metres from the ruler's first line, + towards larger
        index) of ground points ``(..., 2)`` in image pixels."""
        return self._x_of_u(self.column_at_ref(xy_px))

    def _x_of_u(self, u_px: np.ndarray) -> np.ndarray:
        u = (np.asarray(u_px, float) - self.u0_px) / self.scale_px
        return _invert(self.coeffs, u) * self.spacing_m


def fit_projective(x: np.ndarray, u: np.ndarray, w: np.ndarray | None = None) -> np.ndarray:
    """Least-squares (a, b, c) of u = (a x + b) / (c x + 1) (linearised: a x + b - c x u = u),
    each point weighted by ``w`` (default equal)."""
    a = np.column_stack([x, np.ones_like(x), -x * u])
    sw = np.ones_like(u) if w is None else np.sqrt(w)
    return np.linalg.lstsq(a * sw[:, None], u * sw, rcond=None)[0]


def reference_columns(
    lines: list[ImageLine], vanishing_px: np.ndarray, ref_row_px: float
) -> tuple[np.ndarray, np.ndarray]:
    """Where each line, held through the vanishing point, crosses the reference row, and how
    well that is known (px, 1 sd).

    A line is the one through the vanishing point and the middle of its paint: the point
    holds it, so a short stretch of paint near the horizon still gives a line. Its column at
    the reference row is as uncertain as the paint's scatter, spread over its length and
    multiplied by the lever from the vanishing point (reading far beyond the paint costs)."""
    v = np.asarray(vanishing_px, float)
    vp = v[:2] / v[2]
    cols, sds = [], []
    for ln in lines:
        mid = ln.ends_px.mean(axis=0)
        d = mid - vp
        if abs(d[1]) < 1e-9:
            cols.append(np.nan)
            sds.append(np.inf)
            continue
        t = (ref_row_px - vp[1]) / d[1]
        col = vp[0] + t * d[0]
        lever = abs(t)  # distance from the point to the row, in units of point-to-paint
        sds.append(max(ln.rms_px, 0.3) / np.sqrt(max(ln.length_px, 1.0)) * max(lever, 1.0) * 10)
        cols.append(col)
    return np.array(cols, float), np.array(sds, float)


def _predict(coeffs: np.ndarray, x: np.ndarray) -> np.ndarray:
    a, b, c = coeffs
    with np.errstate(divide="ignore", invalid="ignore"):
        return (a * x + b) / (c * x + 1.0)


def _invert(coeffs: np.ndarray, u: np.ndarray) -> np.ndarray:
    a, b, c = coeffs
    with np.errstate(divide="ignore", invalid="ignore"):
        return (u - b) / (a - c * u)


def _on_ruler(k: np.ndarray, seed: int, max_gap: int = 2) -> np.ndarray | None:
    """Which lines sit on whole places of a hypothesis (``k``, in spacings; lines in picture
    order), going out from the three that made it (``seed``) while neighbours are at most
    ``max_gap`` places apart; None when the places are not in order or one is taken twice."""
    near = np.abs(k - np.round(k)) <= INDEX_TOLERANCE
    near[seed : seed + 3] = True
    whole = np.round(k)
    keep = np.zeros(k.size, bool)
    keep[seed : seed + 3] = True
    for step, stop in ((1, k.size), (-1, -1)):
        last = whole[seed + 2] if step == 1 else whole[seed]
        j = seed + 3 if step == 1 else seed - 1
        while j != stop:
            if near[j]:
                gap = (whole[j] - last) * step
                if gap <= 0 or gap > max_gap:
                    break
                keep[j], last = True, whole[j]
            j += step
    w = whole[keep]
    if np.any(np.diff(w) <= 0):
        return None
    return keep


def index_by_consensus(
    u: np.ndarray, *, min_lines: int = 3, linear: bool = False
) -> tuple[np.ndarray, np.ndarray] | None:
    """Which of the sorted positions ``u`` (picture units, in order) are evenly spaced lines on
    the ground, and their places (0, 1, 2, ...; a missing line leaves a gap): three lines taken
    as neighbours (or with one line missing between them) fix a 1-D projective map, and the
    map most lines fall on whole places of wins. None when fewer than ``min_lines`` agree.

    With ``linear`` the map is a straight line (positions already proportional to distance on
    the ground, e.g. ``1 / (row - horizon row)`` with the horizon known), which two of the
    three lines fix and the third checks."""
    best: tuple[int, float, np.ndarray, np.ndarray] | None = None
    for i in range(len(u) - 2):
        for d1, d2 in product((1, 2), repeat=2):
            k3 = np.array([0.0, d1, d1 + d2])
            if linear:
                slope, icpt = np.polyfit(k3, u[i : i + 3], 1)
                if slope == 0:
                    continue
                k = (u - icpt) / slope
                seed = k[i : i + 3]
                if np.any(np.abs(seed - np.round(seed)) > INDEX_TOLERANCE):
                    continue
            else:
                k = _invert(fit_projective(k3, u[i : i + 3]), u)
            near = _on_ruler(k, i)
            if near is None:
                continue
            whole = np.round(k[near])
            resid = float(np.sqrt(np.mean((k[near] - whole) ** 2)))
            n = int(np.count_nonzero(near))
            if best is None or n > best[0] or (n == best[0] and resid < best[1]):
                best = (n, resid, near, whole)
    if best is None or best[0] < min_lines:
        return None
    _, _, near, whole = best
    return near, (whole - whole.min()).astype(int)


def fit_ruler(
    lines: list[ImageLine],
    vanishing_px: np.ndarray,
    spacing_m: float,
    ref_row_px: float,
    *,
    min_lines: int = 3,
) -> CrossRuler | None:
    """The ruler of ``lines`` (those through ``vanishing_px``), or None when fewer than
    ``min_lines`` of them agree on one.

    Parameters
    ----------
    lines : list of ImageLine
        Lines across the lane (through the vanishing point).
    vanishing_px : ndarray (3,)
    spacing_m : float
        Their spacing on the ground (4.572 m for yard lines every 5 yards).
    ref_row_px : float
        A picture row on the ground, away from the vanishing point's row (e.g. where the feet
        land).
    """
    if len(lines) < min_lines:
        return None
    cols, sds = reference_columns(lines, vanishing_px, ref_row_px)
    ok = np.isfinite(cols)
    lines = [ln for ln, k in zip(lines, ok, strict=True) if k]
    cols, sds = cols[ok], sds[ok]
    order = np.argsort(cols)
    lines = [lines[i] for i in order]
    cols, sds = cols[order], sds[order]
    if cols.size < min_lines:
        return None
    u0 = float(np.mean(cols))
    scale = float(max(np.ptp(cols), 1.0))
    u = (cols - u0) / scale
    found = index_by_consensus(u, min_lines=min_lines)
    if found is None:
        return None
    near, index = found
    w = 1.0 / sds[near] ** 2
    coeffs = fit_projective(index.astype(float), u[near], w)
    x_fit = _invert(coeffs, u[near]) * float(spacing_m)
    rms = float(np.sqrt(np.average((x_fit - index * float(spacing_m)) ** 2, weights=w)))
    kept = tuple(ln for ln, k in zip(lines, near, strict=True) if k)
    return CrossRuler(
        vanishing_px=np.asarray(vanishing_px, float),
        lines=kept,
        index=index,
        spacing_m=float(spacing_m),
        ref_row_px=float(ref_row_px),
        coeffs=coeffs,
        u0_px=u0,
        scale_px=scale,
        rms_m=rms,
    )
