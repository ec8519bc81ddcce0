"""The frames around a foot event (sprintlab.viz.stepframes)."""

from __future__ import annotations

import numpy as np

from sprintlab.skeleton import KP
from sprintlab.viz.stepframes import (
    CURRENT_COLOR,
    EVENT_COLOR,
    MIN_BOX_FRAC,
    EventFrames,
    filmstrip,
    legs_box,
)


def _pose(x_px: float, hip_y: float = 500.0, ankle_y: float = 700.0) -> np.ndarray:
    xy = np.full((17, 2), np.nan)
    for k in (KP.LEFT_HIP, KP.RIGHT_HIP):
        xy[k] = (x_px, hip_y)
    for k in (KP.LEFT_KNEE, KP.RIGHT_KNEE):
        xy[k] = (x_px + 20, (hip_y + ankle_y) / 2)
    xy[KP.LEFT_ANKLE] = (x_px - 40, ankle_y)
    xy[KP.RIGHT_ANKLE] = (x_px + 60, ankle_y - 30)
    return xy


def test_one_box_holds_the_legs_of_every_frame_with_the_ground_below():
    frames = np.stack([_pose(800.0), _pose(880.0)])
    x0, y0, x1, y1 = legs_box(frames, (1080, 1920))
    assert x0 < 800 - 40 and x1 > 880 + 60  # both frames' feet
    assert y0 < 500 and y1 > 700 + 0.2 * 200  # hips in, room under the feet
    assert (x1 - x0) == (y1 - y0)  # square by default


def test_a_small_athlete_is_not_blown_up_past_a_third_of_the_picture():
    tiny = np.stack([_pose(100.0, 120.0, 140.0)])
    _, y0, _, y1 = legs_box(tiny, (270, 480))
    assert y1 - y0 >= MIN_BOX_FRAC * 270 - 1


def test_no_leg_seen_shows_the_whole_picture():
    assert legs_box(np.full((3, 17, 2), np.nan), (270, 480)) == (0, 0, 480, 270)


def test_filmstrip_outlines_the_event_and_the_current_frame():
    images = tuple(np.full((60, 60, 3), 90, np.uint8) for _ in range(3))
    frames = EventFrames(rows=(10, 11, 12), images=images, box_px=(0, 0, 60, 60), fps=240.0)
    strip = filmstrip(frames, 11, marks=[11], current=12, per_row=3, gap_px=4)
    assert strip.shape == (60, 3 * 60 + 2 * 4, 3)
    # Bottom-left corner pixel of each tile: plain, event colour, current colour.
    corners = [strip[59, k * 64 + 1] for k in range(3)]
    assert tuple(corners[0]) == (90, 90, 90)
    assert tuple(corners[1]) == EVENT_COLOR
    assert tuple(corners[2]) == CURRENT_COLOR
