"""The foot's place blended from the still sole and the pose's ankle (sprintlab.events.sole)."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from sprintlab.calibration import Calibration, Marker
from sprintlab.events import Contact, EventSettings
from sprintlab.events.sole import blend_sole_place, one_foot, sole_rear_x_m, sole_weight

# 100 px per metre, ground at image row 900, +x to the right.
CALIB = Calibration.from_markers(
    (Marker((100.0, 900.0), 0.0), Marker((1100.0, 900.0), 10.0)), image_size_px=(1920, 1080)
)


def _contact(k: int, ankle_x: float, pose_error: float, sole_error: float | None) -> Contact:
    # The sole's rear end lies 0.10 m behind the ankle; the pose and the sole each err.
    sole = None
    if sole_error is not None:
        rear_px = 100.0 + 100.0 * (ankle_x - 0.10 + sole_error)
        sole = (rear_px, rear_px + 25.0, 900.0)
    return Contact(
        td_s=1.0 + 0.25 * k, to_s=1.15 + 0.25 * k, td_frame=240 + 60 * k, to_frame=276 + 60 * k,
        pivot_x_m=ankle_x + pose_error + 0.1, foot_x_m=ankle_x + pose_error, radius_m=0.1,
        side=("left", "right")[k % 2], label=("left", "right")[k % 2], side_agreement=1.0,
        noise_m=0.01, sole_px=sole,
    )  # fmt: skip


def test_the_rear_end_of_the_sole_in_metres():
    c = _contact(0, 2.0, 0.0, 0.0)
    assert math.isclose(sole_rear_x_m(c, CALIB, 0.0), 1.90, abs_tol=1e-6)
    assert math.isnan(sole_rear_x_m(_contact(0, 2.0, 0.0, None), CALIB, 0.0))


def test_a_sharp_sole_halves_the_pose_scatter_and_keeps_its_offset_to_the_ankle():
    rng = np.random.default_rng(1)
    ankles = 1.0 + 1.5 * np.arange(8)
    pose_err = rng.normal(0, 0.05, 8)
    contacts = [
        _contact(k, a, e, 0.0) for k, (a, e) in enumerate(zip(ankles, pose_err, strict=True))
    ]
    out, moved = blend_sole_place(contacts, CALIB, {}, 0.5)
    assert moved == 8
    err = np.array([c.foot_x_m for c in out]) - ankles
    # Half of each pose error is left, plus half the median pose error (the tie to the ankle).
    expected = 0.5 * pose_err + 0.5 * np.median(pose_err)
    assert np.allclose(err, expected, atol=1e-6)
    assert np.std(err) < 0.6 * np.std(pose_err)
    # The pivot moved with the foot.
    assert all(
        math.isclose(o.pivot_x_m - o.foot_x_m, c.pivot_x_m - c.foot_x_m, abs_tol=1e-9)
        for o, c in zip(out, contacts, strict=True)
    )


def test_a_scattered_sole_counts_less_and_too_few_soles_count_not_at_all():
    s = EventSettings()
    assert sole_weight(np.array([0.0, 0.01, -0.01, 0.02, -0.02]), s) == s.sole_place_weight
    wide = np.array([0.0, 0.2, -0.2, 0.15, -0.15, 0.3])
    assert sole_weight(wide, s) < 0.1
    few = [_contact(k, 1.0 + k, 0.03, 0.0 if k < 2 else None) for k in range(5)]
    out, moved = blend_sole_place(few, CALIB, {}, 0.5)
    assert moved == 0 and out == few
    # Weight 0 in the settings: the pose alone.
    off = EventSettings(sole_place_weight=0.0)
    many = [_contact(k, 1.0 + k, 0.03, 0.0) for k in range(5)]
    assert blend_sole_place(many, CALIB, {}, 0.5, off) == (many, 0)


def test_a_still_region_much_wider_or_narrower_than_one_sole_is_not_used():
    widths = np.array([0.55, 0.30, 0.28, 0.07, 0.27, 0.25, math.nan])
    assert one_foot(widths, 0.4).tolist() == [False, True, True, False, True, True, False]
    # In the blend: step 1 seen with the stance's rear foot (a 0.6 m wide still region whose
    # rear end is 0.4 m behind) keeps the pose's place.
    contacts = [_contact(k, 1.0 + 1.5 * k, 0.0, 0.0) for k in range(5)]
    x0, x1, gy = contacts[0].sole_px
    contacts[0] = replace(contacts[0], sole_px=(x0 - 40.0, x1 + 20.0, gy))
    out, moved = blend_sole_place(contacts, CALIB, {}, 0.5)
    assert moved == 4 and out[0].foot_x_m == contacts[0].foot_x_m
