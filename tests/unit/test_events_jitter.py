"""The ankle keypoints' jitter, which sets the least tolerance of the contact detector."""

from __future__ import annotations

import numpy as np
import pytest

from sprintlab.events import _keypoint_jitter_m


def _ankles(n: int = 480) -> dict[str, np.ndarray]:
    t = np.arange(n) / 240.0
    return {
        "left": np.stack([2.0 * t, 0.05 + 0.02 * np.sin(8 * t)], axis=1),
        "right": np.stack([2.0 * t + 0.4, 0.05 + 0.02 * np.cos(8 * t)], axis=1),
    }


def test_no_raw_ankles_or_exact_ones_have_no_jitter():
    smooth = _ankles()
    assert _keypoint_jitter_m(smooth, None) == 0.0
    assert _keypoint_jitter_m(smooth, {k: v.copy() for k, v in smooth.items()}) == 0.0


@pytest.mark.parametrize("sigma_m", [0.01, 0.03])
def test_the_jitter_is_the_robust_sd_of_the_scatter(sigma_m):
    smooth = _ankles()
    rng = np.random.default_rng(1)
    raw = {k: v + rng.normal(0.0, sigma_m, v.shape) for k, v in smooth.items()}
    # A few keypoints put on the wrong foot (40 cm off) and a dropout do not inflate it.
    raw["left"][100:104, 0] += 0.4
    raw["right"][200:210] = np.nan
    assert _keypoint_jitter_m(smooth, raw) == pytest.approx(sigma_m, rel=0.1)
