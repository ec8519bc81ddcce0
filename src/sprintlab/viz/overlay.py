"""Overlay drawing: skeleton, shin and trunk lines, step numbers at touchdowns (OpenCV, BGR images).

Pure drawing on one image at a time; the pipeline streams frames through it into an H.264 writer.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ..skeleton import ANKLE, KNEE, KP, SEGMENTS

NEAR_COLOR = (60, 200, 255)  # BGR amber: the leg labelled right
FAR_COLOR = (255, 180, 60)  # BGR light blue: the leg labelled left
BODY_COLOR = (235, 235, 235)
SHIN_COLOR = (0, 230, 0)
TRUNK_COLOR = (0, 0, 255)


@dataclass(frozen=True)
class StepMark:
    """A step to label on the overlay: shown from touchdown to toe-off at the landing foot."""

    number: int
    side: str
    td_s: float
    to_s: float
    shin_angle_td_deg: float


def _pt(p: np.ndarray) -> tuple[int, int] | None:
    if not np.all(np.isfinite(p)):
        return None
    return round(float(p[0])), round(float(p[1]))


def draw_pose(image: np.ndarray, xy_px: np.ndarray, *, scale: float = 1.0) -> None:
    """Draw the COCO skeleton of one person (``xy_px`` shape (17, 2), NaN = missing) in place."""
    thick = max(1, round(2 * scale))
    for a, b in SEGMENTS:
        pa, pb = _pt(xy_px[a]), _pt(xy_px[b])
        if pa is None or pb is None:
            continue
        left = KP(a).name.startswith("LEFT") and KP(b).name.startswith("LEFT")
        right = KP(a).name.startswith("RIGHT") and KP(b).name.startswith("RIGHT")
        color = FAR_COLOR if left else NEAR_COLOR if right else BODY_COLOR
        cv2.line(image, pa, pb, color, thick, cv2.LINE_AA)
    for k in range(xy_px.shape[0]):
        p = _pt(xy_px[k])
        if p is not None:
            cv2.circle(image, p, thick + 1, BODY_COLOR, -1, cv2.LINE_AA)


def draw_angle_lines(
    image: np.ndarray, xy_px: np.ndarray, side: str, *, scale: float = 1.0
) -> None:
    """Draw the shin (ankle -> knee) of ``side`` and the trunk (hip-mid -> shoulder-mid)."""
    thick = max(2, round(3 * scale))
    ankle, knee = _pt(xy_px[ANKLE[side]]), _pt(xy_px[KNEE[side]])
    if ankle and knee:
        cv2.line(image, ankle, knee, SHIN_COLOR, thick, cv2.LINE_AA)
    hip = 0.5 * (xy_px[KP.LEFT_HIP] + xy_px[KP.RIGHT_HIP])
    sho = 0.5 * (xy_px[KP.LEFT_SHOULDER] + xy_px[KP.RIGHT_SHOULDER])
    ph, ps = _pt(hip), _pt(sho)
    if ph and ps:
        cv2.line(image, ph, ps, TRUNK_COLOR, thick, cv2.LINE_AA)


def draw_text(
    image: np.ndarray, text: str, org: tuple[int, int], *, scale: float = 1.0, color=(255, 255, 255)
) -> None:
    """Readable text: dark outline under a light fill."""
    font_scale = 0.6 * scale
    thick = max(1, round(1.5 * scale))
    cv2.putText(
        image, text, org, cv2.FONT_HERSHEY_SIMPLEX, font_scale, (0, 0, 0), thick + 2, cv2.LINE_AA
    )
    cv2.putText(image, text, org, cv2.FONT_HERSHEY_SIMPLEX, font_scale, color, thick, cv2.LINE_AA)


def draw_frame(
    image: np.ndarray,
    xy_px: np.ndarray,
    t_s: float,
    marks: list[StepMark],
    *,
    header: str = "",
) -> np.ndarray:
    """Draw pose, and for a foot in contact its shin/trunk lines and step number, on a copy."""
    out = image.copy()
    scale = max(0.6, out.shape[0] / 720)
    draw_pose(out, xy_px, scale=scale)
    for m in marks:
        if np.isfinite(m.td_s) and m.td_s - 1e-9 <= t_s <= (
            m.to_s if np.isfinite(m.to_s) else m.td_s
        ):
            draw_angle_lines(out, xy_px, m.side, scale=scale)
            foot = _pt(xy_px[ANKLE[m.side]])
            if foot:
                label = f"{m.number}"
                if np.isfinite(m.shin_angle_td_deg):
                    label += f"  shin {m.shin_angle_td_deg:.0f} deg"
                draw_text(out, label, (foot[0] - 10, foot[1] + int(40 * scale)), scale=scale)
    draw_text(out, f"{header}  t = {t_s:6.3f} s", (int(12 * scale), int(30 * scale)), scale=scale)
    return out
