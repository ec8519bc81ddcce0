"""Does the lens bend straight lines? Read from the field's long painted lines.

A phone's wide lens pulls the picture towards its middle (barrel distortion): a straight line
``d`` from the picture's centre bows by about ``k1 · d · (L / 2)²`` over a length ``L`` (all in
units of the picture's width; the one-term radial model ``r_d = r (1 + k1 r²)``). Each long line
gives its bow (a parabola through its paint, placed to a fraction of a pixel); ``k1`` is the
weighted least-squares fit over the lines. Lengths measured near the picture's sides are then
off by about ``k1 r²`` (``r`` = 0.5 at the side), which is what the user is told.

Measured on the real phone starts (1280 × 720): lane lines bow 2-3 px over the picture's
width, ``k1`` ≈ 0.03, lengths at the sides about 0.8% short; rendered pictures (a pinhole) bow
less than 0.3 px.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .lines import ImageLine, paint_across

#: Lines shorter than this share of the picture's width do not show a bow.
MIN_LENGTH_OF_WIDTH = 0.4
#: Warn when lengths at the picture's sides come out off by more than this (%).
WARN_EDGE_PCT = 0.5


@dataclass(frozen=True)
class LensBend:
    """How much the lens bends straight lines.

    Attributes
    ----------
    k1 : float
        One-term radial distortion, picture widths (negative: barrel).
    sd : float
        Its standard error.
    lines : int
        Long lines it was read from.
    max_bow_px : float
        The largest bow of a line found (px).
    edge_pct : float
        How far off a length at the picture's side comes out (per cent, ``100 |k1| 0.5²``).
    """

    k1: float
    sd: float
    lines: int
    max_bow_px: float
    edge_pct: float

    @property
    def significant(self) -> bool:
        """Bent beyond ``WARN_EDGE_PCT`` at the sides, and clearly more than the fit's noise."""
        return self.edge_pct > WARN_EDGE_PCT and abs(self.k1) > 3.0 * self.sd

    def to_dict(self) -> dict:
        return {
            "k1": self.k1,
            "k1_sd": self.sd,
            "lines": self.lines,
            "max_bow_px": self.max_bow_px,
            "edge_pct": self.edge_pct,
            "significant": self.significant,
        }

    def sentence(self) -> str:
        return (
            f"the lens bends straight lines (the field's lines bow by up to "
            f"{self.max_bow_px:.1f} px): lengths near the picture's sides come out about "
            f"{self.edge_pct:.1f}% {'short' if self.k1 < 0 else 'long'}; steps in the middle "
            "of the picture are measured best (a phone's wide lens bends more than its main one)"
        )


def line_bow_px(
    line: ImageLine, response: np.ndarray, half_width_px: int = 3
) -> tuple[float, float]:
    """The bow of ``line`` (px: the parabola through its paint's centres, at its middle
    against its ends; + towards its normal) and the scatter left about that parabola (px)."""
    profile = paint_across(line, response, half_width_px, min_samples=20)
    if profile is None:
        return math.nan, math.nan
    along, shift, mass = profile
    s = along - line.span_px / 2.0
    c = np.polyfit(s, shift, 2, w=np.sqrt(mass))
    resid = float(np.sqrt(np.mean((shift - np.polyval(c, s)) ** 2)))
    # The parabola's middle against the chord between its ends.
    return float(-c[0] * (line.span_px / 2.0) ** 2), resid


def lens_bend(
    lines: list[ImageLine], response: np.ndarray, size_px: tuple[int, int]
) -> LensBend | None:
    """``k1`` from the bows of the long lines among ``lines``, or None when fewer than two are
    long enough."""
    w, h = size_px
    centre = np.array([w / 2.0, h / 2.0])
    rows, rhs, weights, bows = [], [], [], []
    for ln in lines:
        if ln.span_px < MIN_LENGTH_OF_WIDTH * w:
            continue
        bow, resid = line_bow_px(ln, response)
        if not math.isfinite(bow):
            continue
        # Signed distance of the line from the centre along its normal (picture widths), and
        # its half-length: a line bows towards the centre under barrel distortion (k1 < 0).
        d = (float(ln.normal @ centre) - ln.offset_px) / w
        half = ln.span_px / 2.0 / w
        rows.append(d * half**2)
        rhs.append(bow / w)
        # The bow's standard error: the scatter left over its ~10 px independent stretches
        # (at least 0.05 px), in picture widths like the bow.
        sd_bow = max(resid / math.sqrt(ln.span_px / 10.0), 0.05) / w
        weights.append(1.0 / sd_bow**2)
        bows.append(abs(bow))
    if len(rows) < 2:
        return None
    a, b, wt = np.array(rows), np.array(rhs), np.array(weights)
    denom = float(np.sum(wt * a * a))
    if denom <= 0:
        return None
    k1 = float(np.sum(wt * a * b) / denom)
    # Standard error from the lines' own scatter about the fit (at least as the weights say).
    resid = b - k1 * a
    dof = max(len(rows) - 1, 1)
    scale = max(float(np.sum(wt * resid**2)) / dof, 1.0)
    sd = math.sqrt(scale / denom)
    return LensBend(k1, sd, len(rows), float(max(bows)), 100.0 * abs(k1) * 0.25)
