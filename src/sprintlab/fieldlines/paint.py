"""Painted lines on the ground: where the picture shows field or track paint.

Paint is a thin stripe brighter and greyer than the surface around it (white or yellow lines on
grass, turf or a rubber track). Its evidence is the white top-hat of the image's darkest channel:
grass is dark in blue and red, a red track in blue and green, and white paint is bright in all
three, so the darkest channel separates paint from any coloured surface; the top-hat keeps what
is brighter than its surroundings within ``max_width_px``, so a shadow across the field (which
darkens the paint and the surface alike) changes the contrast but not the shape.

Only the ground counts: the surface is the colour of the picture's bottom rows (the camera films
the ground in front of the lane), and sky, stands and fences above it are left out.
"""

from __future__ import annotations

import cv2
import numpy as np


def surface_mask(
    image_bgr: np.ndarray, *, max_width_px: int = 31, far_margin_px: int | None = None
) -> np.ndarray:
    """Pixels of the running surface (bool, H × W): below the first break, going up each
    column from the bottom of the picture, in the bottom rows' colour.

    The colour is the median of the bottom tenth of the picture in Lab; a pixel is in that colour
    when its chroma is within a tolerance of it (set from the spread of those rows; a shadow
    changes lightness far more than colour). Painted lines and small marks up to
    ``max_width_px`` do not break a column; sky, stands and trees above the field do, even when
    their colour is close to the grass, because the field ends below them.
    """
    h = image_bgr.shape[0]
    lab = cv2.cvtColor(image_bgr, cv2.COLOR_BGR2LAB).astype(np.float32)
    bottom = lab[int(0.9 * h) :].reshape(-1, 3)
    centre = np.median(bottom, axis=0)
    chroma = np.linalg.norm(lab[..., 1:] - centre[1:], axis=2)
    spread = float(np.percentile(np.linalg.norm(bottom[:, 1:] - centre[1:], axis=1), 90))
    near = (chroma <= max(8.0, 2.0 * spread)).astype(np.uint8)
    k = max(3, int(max_width_px)) | 1
    # Bridge paint and marks (a slanted line near the camera crosses a column over about twice
    # its width), then keep each column's run up from the bottom.
    near = cv2.morphologyEx(near, cv2.MORPH_CLOSE, np.ones((2 * k + 1, 1), np.uint8))
    near = cv2.morphologyEx(near, cv2.MORPH_CLOSE, np.ones((1, k), np.uint8))
    near = cv2.morphologyEx(near, cv2.MORPH_OPEN, np.ones((5, 5), np.uint8))
    run = np.cumprod(near[::-1].astype(bool), axis=0)[::-1]
    # Where the field ends is a straight edge (the far side, a fence, a wall's foot); a column
    # whose run leaks above it into stands of a similar colour is an outlier of that edge.
    top = h - run.sum(axis=0)
    edge = _far_edge(top.astype(float), band_px=k)
    rows = np.arange(h)[:, None]
    # The last stretch before the far edge is left out: there a field's lines crowd together
    # a few pixels apart and the foot of whatever stands beyond it blends in (a track's far
    # lane lines lie just below it: ``far_margin_px`` keeps them).
    margin = k if far_margin_px is None else int(far_margin_px)
    return run.astype(bool) & (rows >= edge[None, :] + margin)


def _far_edge(top_rows: np.ndarray, band_px: int) -> np.ndarray:
    """Per column, the row where the surface ends: a straight line through the columns' tops
    that most of them agree with (within ``band_px``), leaks upwards ignored."""
    cols = np.arange(top_rows.size, dtype=float)
    best, best_n = None, -1
    # Candidate lines through pairs of block medians; the one most columns support wins.
    blocks = np.array_split(np.arange(top_rows.size), 16)
    meds = np.array([[cols[b].mean(), np.median(top_rows[b])] for b in blocks if b.size])
    for i in range(len(meds)):
        for j in range(i + 1, len(meds)):
            (x0, y0), (x1, y1) = meds[i], meds[j]
            line = y0 + (y1 - y0) * (cols - x0) / (x1 - x0)
            n = int(np.count_nonzero(np.abs(top_rows - line) <= band_px))
            if n > best_n:
                best, best_n = line, n
    if best is None:
        return np.full(top_rows.size, float(np.median(top_rows)))
    ok = np.abs(top_rows - best) <= band_px
    slope, intercept = np.polyfit(cols[ok], top_rows[ok], 1)
    # The edge is where the lowest supporting columns stop (a leak can only go up).
    return np.maximum(intercept + slope * cols, 0.0)


def paint_response(image_bgr: np.ndarray, *, max_width_px: int = 31) -> np.ndarray:
    """How much brighter than its surroundings each pixel's darkest channel is (float32, grey
    levels): the white top-hat over ``max_width_px``, which lines narrower than that pass."""
    darkest = image_bgr.min(axis=2)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (max_width_px, max_width_px))
    return cv2.morphologyEx(darkest, cv2.MORPH_TOPHAT, kernel).astype(np.float32)


def paint_mask(
    image_bgr: np.ndarray,
    *,
    rows_px: tuple[int, int] | None = None,
    max_width_px: int = 31,
    min_contrast: float = 20.0,
    far_margin_px: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Paint on the running surface: (mask bool H × W, response float32 H × W).

    A pixel is paint when its top-hat response (:func:`paint_response`) is at least
    ``min_contrast`` grey levels and 2.5 times the surface's own texture (the 90th percentile
    of the surface's response), and it lies on the surface
    (:func:`surface_mask`, ``far_margin_px`` rows below its far edge at least: default
    ``max_width_px``) within ``rows_px`` (first, one past the last; default all rows): the
    stretch of ground around the lane, where the lines are measured.
    """
    response = paint_response(image_bgr, max_width_px=max_width_px)
    surface = surface_mask(image_bgr, max_width_px=max_width_px, far_margin_px=far_margin_px)
    if rows_px is not None:
        r0, r1 = (int(np.clip(r, 0, surface.shape[0])) for r in rows_px)
        surface[:r0] = False
        surface[r1:] = False
    if not surface.any():
        return np.zeros(surface.shape, bool), response
    # Above the surface's own texture (grass blades and clumps, rubber crumb: its 90th
    # percentile) by a margin, and never below ``min_contrast``.
    texture = float(np.percentile(response[surface], 90))
    mask = surface & (response >= max(min_contrast, 2.5 * texture))
    return mask, response
