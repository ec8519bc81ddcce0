import math

import numpy as np
import pytest

from sprintlab.accuracy import agreement, match_steps, score


def test_agreement_statistics_exact():
    a = agreement("step_length_m", "cm", [1.0, -1.0, 2.0, 2.0], 1)
    assert a.n == 4 and a.n_missing == 1
    assert a.bias == pytest.approx(1.0)
    sd = np.std([1.0, -1.0, 2.0, 2.0], ddof=1)
    assert a.loa_low == pytest.approx(1.0 - 1.96 * sd)
    assert a.loa_high == pytest.approx(1.0 + 1.96 * sd)
    assert a.mae == pytest.approx(1.5)
    assert a.max_abs == pytest.approx(2.0)
    assert math.isnan(a.within_1_frame)
    frames = agreement("touchdown_s", "frames", [0.5, -1.0, 1.5, 0.0], 0)
    assert frames.within_1_frame == pytest.approx(0.75)
    empty = agreement("x", "cm", [], 3)
    assert empty.n == 0 and math.isnan(empty.bias) and empty.to_dict()["bias"] is None


def test_match_and_score_with_a_missed_step():
    truth = {
        "steps": [
            {"touchdown_s": 1.0, "toeoff_s": 1.2, "step_length_m": 1.0, "step_time_s": 0.25},
            {"touchdown_s": 1.25, "toeoff_s": 1.42, "step_length_m": 1.2, "step_time_s": 0.25},
            {"touchdown_s": 1.5, "toeoff_s": 1.65, "step_length_m": 1.4, "step_time_s": 0.25},
        ],
        "splits": {"5yd_s": 1.1, "10yd_s": 1.8},
    }
    measured = {
        "steps": [
            {"touchdown_s": 1.0 + 1 / 240, "toeoff_s": 1.2, "step_length_m": 1.01},
            {"touchdown_s": 1.5 - 2 / 240, "toeoff_s": 1.65, "step_length_m": 1.38},
        ],
        "splits": {"5yd_s": 1.105, "10yd_s": None},
    }
    pairs = match_steps(measured["steps"], truth["steps"], 240)
    assert pairs[1][0] is None
    res = score(measured, truth, 240)
    assert res["touchdown_s"].n == 2 and res["touchdown_s"].n_missing == 1
    assert res["touchdown_s"].bias == pytest.approx(-0.5)
    assert res["step_length_m"].mae == pytest.approx(1.5)
    assert res["5yd_s"].bias == pytest.approx(5.0)
    assert res["10yd_s"].n == 0 and res["10yd_s"].n_missing == 1


def test_a_step_matched_by_its_touchdown_but_numbered_wrongly_scores_in_number():
    truth = {
        "steps": [
            {"number": n, "touchdown_s": td, "step_time_s": 0.25}
            for n, td in ((1, 0.83), (2, 1.08), (3, 1.32))
        ]
    }
    # Step 1 was missed and the rest were numbered from 1: each is one too low.
    measured = {"steps": [{"number": 1, "touchdown_s": 1.08}, {"number": 2, "touchdown_s": 1.32}]}
    res = score(measured, truth, 240)
    assert res["number"].n == 2 and res["number"].n_missing == 1
    assert res["number"].bias == pytest.approx(-1.0) and res["number"].mae == pytest.approx(1.0)
    right = {"steps": [{"number": 2, "touchdown_s": 1.08}, {"number": 3, "touchdown_s": 1.32}]}
    assert score(right, truth, 240)["number"].mae == 0.0


def test_first_movement_and_steps_before_it_are_scored():
    truth = {"first_movement_s": 0.40, "steps": [], "splits": {}}
    measured = {
        "first_movement_s": 0.0,  # the first frame taken for first movement
        "steps": [{"touchdown_s": 0.30}, {"touchdown_s": 0.85}],
        "splits": {},
    }
    s = score(measured, truth, 240.0)
    assert s["first_movement_s"].unit == "ms"
    assert s["first_movement_s"].bias == pytest.approx(-400.0)
    assert s["early_steps"].max_abs == 1.0  # the stance foot reported as a step
    withheld = score({"first_movement_s": None, "steps": [], "splits": {}}, truth, 240.0)
    assert withheld["first_movement_s"].n == 0 and withheld["first_movement_s"].n_missing == 1
    assert withheld["early_steps"].max_abs == 0.0
