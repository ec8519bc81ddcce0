"""The field's lines that calibrated a rep, drawn over a frame: a coach sees at a glance that the
start, 5 and 10 yards sit on the painted lines."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from ..units import YARD_M
from .overlay import draw_text

GRID_COLOR = (0, 215, 255)  # BGR: amber, apart from the skeleton's colours
START_COLOR = (80, 255, 80)


def _label(x_m: float) -> str:
    if abs(x_m) < 1e-6:
        return "start"
    yards = x_m / YARD_M
    if abs(yards - round(yards)) < 0.01:
        return f"{round(yards)} yd"
    return f"{x_m:.1f} m"


def draw_field_grid(
    image: np.ndarray,
    grid: Sequence[tuple[float, Sequence[float], Sequence[float]]],
    *,
    scale: float = 1.0,
) -> np.ndarray:
    """A copy of ``image`` with each grid line (distance from the start line in metres, its end
    near the camera and its far end, full-size pixels times ``scale``) drawn and labelled."""
    out = image.copy()
    layer = out.copy()
    size = max(0.6, out.shape[0] / 720)
    thick = max(1, round(2 * size))
    for x_m, near, far in grid:
        a = (round(float(near[0]) * scale), round(float(near[1]) * scale))
        b = (round(float(far[0]) * scale), round(float(far[1]) * scale))
        color = START_COLOR if abs(x_m) < 1e-6 else GRID_COLOR
        cv2.line(layer, a, b, color, thick + (1 if color == START_COLOR else 0), cv2.LINE_AA)
    # Lines half see-through, so the paint under them stays visible.
    out = cv2.addWeighted(layer, 0.6, out, 0.4, 0.0)
    for x_m, near, far in grid:
        # Labelled where the line crosses the athlete's ground line (the middle of its ends).
        x = 0.5 * (float(near[0]) + float(far[0])) * scale
        y = 0.5 * (float(near[1]) + float(far[1])) * scale
        if 0 <= x < out.shape[1] - 30 * size and 0 <= y < out.shape[0]:
            org = (int(x) + int(6 * size), int(min(y + 28 * size, out.shape[0] - 8 * size)))
            draw_text(out, _label(x_m), org, scale=size)
    return out
