"""Small static charts as inline SVG, for reports that must mail, print and open on a phone.

No script and no library: a horizontal bar chart (leaderboards) and box plots with named points
(an athlete against a reference population). Every text is escaped. The drawings scale to their
container (``viewBox``, ``width="100%"``).
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

import numpy as np

FONT = "font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif"
BAR_COLOR = "#1f77b4"
BOX_COLOR = "#9aa7b8"
POINT_COLOR = "#d62728"


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def _svg(width: float, height: float, body: list[str], title: str) -> str:
    return (
        f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {width:.0f} {height:.0f}' "
        f"width='100%' role='img' aria-label='{_esc(title)}' "
        f"style='{FONT};max-width:{width:.0f}px'>"
        f"<title>{_esc(title)}</title>" + "".join(body) + "</svg>"
    )


def bar_chart(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    title: str,
    digits: int = 2,
    width: float = 560.0,
    heading: bool = True,
) -> str:
    """Horizontal bars, one per label, longest value widest; NaN values are left out.

    The axis starts at zero (a bar's length is its value), so small differences look small.
    ``heading``: draw the title above the bars (it is the chart's accessible name either way).
    """
    rows = [
        (str(lab), float(v))
        for lab, v in zip(labels, values, strict=True)
        if v is not None and math.isfinite(float(v))
    ]
    bar_h, gap, label_w = 22.0, 6.0, 170.0
    top = 30.0 if heading else 4.0
    height = top + len(rows) * (bar_h + gap) + 10
    body = (
        [f"<text x='0' y='18' font-size='15' font-weight='600'>{_esc(title)}</text>"]
        if heading
        else []
    )
    vmax = max((v for _, v in rows), default=1.0) or 1.0
    span = width - label_w - 60
    for k, (lab, v) in enumerate(rows):
        y = top + k * (bar_h + gap)
        w = max(1.0, span * max(v, 0.0) / vmax)
        body.append(
            f"<text x='{label_w - 6:.0f}' y='{y + bar_h * 0.7:.1f}' font-size='13' "
            f"text-anchor='end'>{_esc(lab)}</text>"
            f"<rect x='{label_w:.0f}' y='{y:.1f}' width='{w:.1f}' height='{bar_h:.0f}' "
            f"fill='{BAR_COLOR}'><title>{_esc(lab)}: {v:.{digits}f}</title></rect>"
            f"<text x='{label_w + w + 4:.1f}' y='{y + bar_h * 0.7:.1f}' font-size='13'>"
            f"{v:.{digits}f}</text>"
        )
    return _svg(width, height, body, title)


def box_plot(
    groups: Sequence[tuple[str, np.ndarray]],
    points: Sequence[tuple[str, str, float]],
    *,
    title: str,
    unit: str,
    width: float = 560.0,
    height: float = 420.0,
) -> str:
    """Box plots of reference values per group, with named points drawn over them.

    ``groups``: (name, values) — the box spans the quartiles, the whiskers the 5th to 95th
    percentiles, the line is the median. ``points``: (group name, label, value) — each point is
    drawn at its group and labelled with its name and value.
    """
    left, right, top, bottom = 56.0, 20.0, 34.0, 40.0
    finite = [np.asarray(v, float)[np.isfinite(np.asarray(v, float))] for _, v in groups]
    allv = np.concatenate([*finite, np.array([p[2] for p in points], float)])
    allv = allv[np.isfinite(allv)]
    body = [f"<text x='0' y='18' font-size='15' font-weight='600'>{_esc(title)}</text>"]
    if allv.size == 0 or not groups:
        body.append("<text x='0' y='48' font-size='13'>No values.</text>")
        return _svg(width, 60, body, title)
    lo, hi = float(np.percentile(allv, 1)), float(np.percentile(allv, 99))
    for p in points:
        lo, hi = min(lo, p[2]), max(hi, p[2])
    pad = 0.06 * (hi - lo) if hi > lo else 0.1
    lo, hi = lo - pad, hi + pad
    plot_h = height - top - bottom

    def y_of(v: float) -> float:
        return top + plot_h * (hi - v) / (hi - lo)

    # Value axis: five ticks.
    for t in np.linspace(lo, hi, 5):
        y = y_of(float(t))
        body.append(
            f"<line x1='{left:.0f}' x2='{width - right:.0f}' y1='{y:.1f}' y2='{y:.1f}' "
            "stroke='#e5e5e5'/>"
            f"<text x='{left - 6:.0f}' y='{y + 4:.1f}' font-size='11' text-anchor='end'>"
            f"{t:.2f}</text>"
        )
    body.append(
        f"<text x='12' y='{top + plot_h / 2:.0f}' font-size='12' "
        f"transform='rotate(-90 12 {top + plot_h / 2:.0f})' text-anchor='middle'>"
        f"{_esc(unit)}</text>"
    )
    slot = (width - left - right) / len(groups)
    centre = {}
    for k, ((name, _), vals) in enumerate(zip(groups, finite, strict=True)):
        cx = left + slot * (k + 0.5)
        centre[name] = cx
        half = min(40.0, slot * 0.25)
        if vals.size:
            p5, q1, med, q3, p95 = np.percentile(vals, [5, 25, 50, 75, 95])
            body.append(
                f"<line x1='{cx:.1f}' x2='{cx:.1f}' y1='{y_of(p95):.1f}' y2='{y_of(p5):.1f}' "
                f"stroke='{BOX_COLOR}'/>"
                f"<rect x='{cx - half:.1f}' y='{y_of(q3):.1f}' width='{2 * half:.1f}' "
                f"height='{max(1.0, y_of(q1) - y_of(q3)):.1f}' fill='{BOX_COLOR}' "
                f"fill-opacity='0.45' stroke='{BOX_COLOR}'><title>{_esc(name)}: median "
                f"{med:.2f}, middle half {q1:.2f}–{q3:.2f} (n={vals.size})</title></rect>"
                f"<line x1='{cx - half:.1f}' x2='{cx + half:.1f}' y1='{y_of(med):.1f}' "
                f"y2='{y_of(med):.1f}' stroke='#555' stroke-width='2'/>"
            )
        body.append(
            f"<text x='{cx:.1f}' y='{height - 14:.0f}' font-size='12' text-anchor='middle'>"
            f"{_esc(name)}</text>"
        )
    # Points with their names; neighbours in one group alternate sides so labels do not collide.
    for k, (group, label, value) in enumerate(sorted(points, key=lambda p: (p[0], p[2]))):
        if group not in centre or not math.isfinite(value):
            continue
        cx, cy = centre[group], y_of(value)
        side = 1 if k % 2 == 0 else -1
        tx = cx + side * (min(40.0, slot * 0.25) + 8)
        anchor = "start" if side > 0 else "end"
        body.append(
            f"<circle cx='{cx:.1f}' cy='{cy:.1f}' r='5.5' fill='{POINT_COLOR}' stroke='#fff'>"
            f"<title>{_esc(label)}: {value:.2f}</title></circle>"
            f"<text x='{tx:.1f}' y='{cy + 4:.1f}' font-size='12' text-anchor='{anchor}' "
            f"fill='{POINT_COLOR}'>{_esc(label)} {value:.2f}</text>"
        )
    return _svg(width, height, body, title)
