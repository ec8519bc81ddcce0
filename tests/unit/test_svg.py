"""Static SVG charts of the team report (sprintlab.viz.svg)."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import numpy as np

from sprintlab.viz.svg import bar_chart, box_plot

NS = "{http://www.w3.org/2000/svg}"


def test_bars_are_as_long_as_their_values_and_names_are_escaped():
    svg = bar_chart(
        ["Bo <b>", "Ann"],
        [
            2.0,
            1.0,
        ][:2],
        title="10 yd & co",
        digits=2,
    )
    root = ET.fromstring(svg)  # well-formed: every name escaped
    bars = [r for r in root.iter(f"{NS}rect")]
    assert len(bars) == 2
    w = [float(b.get("width")) for b in bars]
    assert math.isclose(w[0], 2 * w[1], rel_tol=1e-3)
    texts = [t.text for t in root.iter(f"{NS}text")]
    assert "Bo <b>" in texts and "2.00" in texts and "10 yd & co" in texts
    assert "<b>" not in svg  # escaped, never markup


def test_missing_values_are_left_out_and_the_heading_is_optional():
    svg = bar_chart(["a", "b"], [1.0, math.nan], title="t", heading=False)
    root = ET.fromstring(svg)
    assert len(list(root.iter(f"{NS}rect"))) == 1
    assert "t" not in [t.text for t in root.iter(f"{NS}text")]
    assert root.find(f"{NS}title").text == "t"


def test_box_plot_names_every_athlete_at_their_value():
    rng = np.random.default_rng(0)
    groups = [
        ("WR combine", rng.normal(1.6, 0.05, 200)),
        ("RB combine", rng.normal(1.62, 0.05, 200)),
    ]
    points = [("WR combine", "Ann Lee", 1.70), ("RB combine", "Bo Diaz", 1.81)]
    root = ET.fromstring(box_plot(groups, points, title="10 yd", unit="s"))
    labels = [t.text for t in root.iter(f"{NS}text")]
    assert "Ann Lee 1.70" in labels and "Bo Diaz 1.81" in labels
    dots = list(root.iter(f"{NS}circle"))
    assert len(dots) == 2
    # Larger times are drawn higher up (smaller SVG y): Bo's 1.81 s above Ann's 1.70 s.
    y = {d.find(f"{NS}title").text.split(":")[0]: float(d.get("cy")) for d in dots}
    assert y["Bo Diaz"] < y["Ann Lee"]
    assert len(list(root.iter(f"{NS}rect"))) == 2  # one box per group


def test_box_plot_without_values_says_so():
    assert "No values." in box_plot([("X", np.array([]))], [], title="t", unit="s")
