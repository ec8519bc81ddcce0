"""The image contact detector on drawn bands: a foot that lands, stands and leaves."""

from __future__ import annotations

import numpy as np
import pytest

from sprintlab.footimage.band import BandGeometry, cut_bands
from sprintlab.footimage.detect import find_image_contacts
from sprintlab.footimage.evidence import band_evidence, free_columns
from sprintlab.footimage.scan import scan_frames
from sprintlab.footimage.settings import FootImageSettings

FPS = 240.0
H_PX = 180.0  # athlete height in the picture
W, ROWS = 800, 40
GROUND = 30  # band row of the ground


def _ground(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    g = np.zeros((ROWS, W, 3), np.float32)
    g[..., 1] = 120 + rng.normal(0, 6, (ROWS, W))
    g[..., 0] = 50 + rng.normal(0, 3, (ROWS, W))
    g[..., 2] = 60 + rng.normal(0, 3, (ROWS, W))
    return g


def _draw_foot(img: np.ndarray, x: float, bottom: float, length: int = 22, height: int = 6):
    x0, x1 = round(x), round(x) + length
    b = round(bottom)
    img[max(0, b - height) : b, x0:x1] = (40, 40, 200)  # a red shoe (BGR)
    img[max(0, b - height) : b, x1 - 3 : x1] = (60, 60, 230)  # a toe cap, so it has texture
    img[max(0, b - height - 8) : b - height, x0 + 4 : x0 + 9] = (150, 170, 200)  # the ankle


def _clip(
    td: int,
    to: int,
    n: int = 200,
    *,
    shadow: bool = False,
    flicker: float = 0.0,
    forward_px: float = 2.0,
    down_px: float = 0.8,
):
    """Bands of a foot swinging in from the left (``forward_px`` and ``down_px`` a frame), down
    to the ground at ``td``, still until ``to``, then lifting away; the athlete's box passes
    over the middle only in frames 40-160."""
    ground = _ground()
    frames = []
    x_stance = 190.0
    for t in range(n):
        img = ground.copy()
        if shadow:  # a soft moving shadow crossing the band
            sx = int(100 + 1.5 * t)
            img[GROUND - 2 : GROUND + 6, sx : sx + 40] *= 0.6
        if td - 12 <= t < td:
            k = td - t  # frames before touchdown: in the air, moving forward and down
            _draw_foot(img, x_stance - forward_px * k, GROUND - down_px * k)
        elif td <= t <= to:
            _draw_foot(img, x_stance, GROUND)
        elif to < t <= to + 12:
            k = t - to
            _draw_foot(img, x_stance + 3.0 * k, GROUND - 1.5 * k)
        if flicker:
            img *= 1.0 + flicker * (1 if t % 2 else -1)
        frames.append(np.clip(img, 0, 255).astype(np.uint8))
    bands = np.stack(frames)
    boxes = np.full((n, 4), np.nan)
    on = np.arange(n)
    inside = (on >= 40) & (on < 160)
    boxes[inside] = (120.0, 0.0, 300.0, H_PX)
    boxes[~inside] = (-400.0, 0.0, -300.0, H_PX)  # far out of the band
    return bands, boxes


def _geometry() -> BandGeometry:
    rows = np.arange(ROWS, dtype=np.float32) - GROUND
    return BandGeometry(0.0, 500.0, 0, W, rows, H_PX)


def _detect(bands, boxes, settings=None):
    s = settings or FootImageSettings()
    g = _geometry()
    free = free_columns(boxes, g.col0_px, g.n_cols, s.background_margin_frac * H_PX)
    ev = band_evidence(bands, free, g.rows_px, g.athlete_px, s)
    return find_image_contacts(ev, g, FPS, s), ev


@pytest.mark.parametrize(("td", "to"), [(80, 110), (95, 120)])
def test_a_still_foot_is_one_contact_timed_to_the_frame(td, to):
    contacts, _ = _detect(*_clip(td, to))
    assert len(contacts) == 1
    c = contacts[0]
    assert abs(c.td_frame - td) <= 1
    assert abs(c.to_frame - to) <= 1
    assert c.x0_px <= 195 and c.x1_px >= 205  # under the stance foot


def test_a_moving_shadow_is_not_a_contact_nor_a_foot():
    bands, boxes = _clip(80, 110, shadow=True)
    contacts, ev = _detect(bands, boxes)
    assert len(contacts) == 1
    assert abs(contacts[0].td_frame - 80) <= 1 and abs(contacts[0].to_frame - 110) <= 1
    # frame 60: the shadow is at columns 190..230 and no foot is there
    assert not ev.foreground[60, GROUND - 2 : GROUND + 6, 195:225].any()


def test_a_foot_one_pixel_above_the_ground_is_not_down_yet():
    """Coming straight down a pixel a frame (about 2.4 m/s at 1 cm a pixel and 240 fps), the
    foot's picture one pixel above its stance place matches well: only the height tells."""
    contacts, _ = _detect(*_clip(80, 110, forward_px=0.0, down_px=1.0))
    assert len(contacts) == 1
    assert contacts[0].td_frame == 80 and abs(contacts[0].to_frame - 110) <= 1


def test_a_dark_patch_below_the_sole_early_in_the_contact_does_not_end_it():
    """Toe-off is read on the row the sole covers through the contact: a dark patch just below
    the standing foot through its first 40% (a shadow edge, the other shoe) must not become
    the ground row, though it is there in the frame the foot's picture is taken from."""
    bands, boxes = _clip(80, 110)
    bands[76:93, GROUND : GROUND + 3, 185:215] = (15, 15, 15)
    contacts, _ = _detect(bands, boxes)
    assert len(contacts) == 1
    assert abs(contacts[0].td_frame - 80) <= 1 and abs(contacts[0].to_frame - 110) <= 1


def test_flicker_is_divided_out():
    contacts, ev = _detect(*_clip(80, 110, flicker=0.04))
    assert len(contacts) == 1
    assert abs(contacts[0].td_frame - 80) <= 1 and abs(contacts[0].to_frame - 110) <= 1
    assert np.ptp(ev.gain[:30]) > 0.06  # it was measured


def test_tripod_shake_is_measured_and_removed():
    bands, boxes = _clip(80, 110)
    rng = np.random.default_rng(3)
    shifts = rng.integers(-2, 3, size=(len(bands), 2))
    shaken = np.stack(
        [np.roll(b, tuple(s[::-1]), axis=(0, 1)) for b, s in zip(bands, shifts, strict=True)]
    )
    contacts, ev = _detect(shaken, boxes)
    assert len(contacts) == 1
    assert abs(contacts[0].td_frame - 80) <= 1 and abs(contacts[0].to_frame - 110) <= 1
    free_frames = np.r_[0:30, 170:200]
    err = np.abs(ev.shift_px[free_frames] - shifts[free_frames])
    assert np.median(err) < 0.5


def test_no_foot_no_contact():
    bands, boxes = _clip(80, 110)
    bands[:] = bands[0]
    contacts, _ = _detect(bands, boxes)
    assert contacts == []


def test_scan_says_why_it_cannot_place_the_band():
    n = 20
    xy = np.full((n, 17, 2), np.nan)
    conf = np.zeros((n, 17))
    boxes = np.full((n, 4), np.nan)
    out = scan_frames([], xy, conf, boxes, (640, 480), FPS)
    assert not out.used and "ground band" in out.reason


def test_settings_refuse_nonsense():
    with pytest.raises(ValueError, match="template_at"):
        FootImageSettings(template_at=2.0)
    with pytest.raises(ValueError, match="min_run_s"):
        FootImageSettings(min_run_s=-1.0)


def test_bands_are_cut_into_one_array_and_a_wrong_frame_count_shows():
    """With the expected count the bands are written as they come (same pixels as the list
    path); a clip that gives fewer or more frames than tracked is seen by its length."""
    geom = _geometry()
    frames = [np.full((560, W, 3), 10 * i, np.uint8) for i in range(5)]
    listed = cut_bands(iter(frames), geom)
    assert listed.shape == (5, ROWS, W, 3) and int(listed[3].min()) == int(listed[3].max()) == 30
    np.testing.assert_array_equal(cut_bands(iter(frames), geom, n_frames=5), listed)
    assert cut_bands(iter(frames), geom, n_frames=7).shape[0] == 5
    assert cut_bands(iter(frames), geom, n_frames=3).shape[0] == 5
