"""Figures of the acceleration profile: the fitted curve and the force–velocity line."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sprintlab.profile import model_velocity_mps
from sprintlab.viz.figures import force_velocity_figure, velocity_fit_figure

FIT = {"v_max_mps": 9.3, "tau_s": 0.8, "t0_s": 0.4, "reliable": True}


def test_velocity_fit_figure_draws_the_model_from_first_movement():
    t = np.arange(0, 3.0, 1 / 240)
    series = pd.DataFrame({"t_s": t, "hip_vx_mps": model_velocity_mps(t, 9.3, 0.8, 0.4)})
    fig = velocity_fit_figure(series, {"velocity_fit": FIT}, 0.4)
    measured, model = fig.data[0], fig.data[1]
    assert measured.name == "measured (hip)"
    # Time is from first movement; the model starts at t0 (here equal to first movement).
    assert model.x[0] == 0.0
    assert model.y[0] == 0.0
    k = len(model.x) // 2
    expected = 9.3 * (1 - math.exp(-model.x[k] / 0.8))
    assert abs(model.y[k] - expected) < 1e-9
    assert "9.30" in model.name and "0.80" in model.name
    assert fig.layout.yaxis.title.text.endswith("(m/s)")


def test_no_fit_no_figure():
    assert velocity_fit_figure(pd.DataFrame(), None, 0.0) is None
    assert velocity_fit_figure(pd.DataFrame(), {"velocity_fit": None}, 0.0) is None
    assert force_velocity_figure({"force_velocity": None}) is None


def test_force_velocity_figure_marks_f0_v0_and_pmax():
    fv = {"F0_n_per_kg": 8.0, "V0_mps": 10.0, "Pmax_w_per_kg": 20.0}
    fig = force_velocity_figure({"force_velocity": fv})
    line, power, marks = fig.data
    assert line.y[0] == 8.0 and abs(line.y[-1]) < 1e-12
    assert max(power.y) <= 20.0 + 1e-9
    assert abs(max(power.y) - 20.0) < 0.01  # P = F0·v·(1 − v/V0) peaks at V0/2 with F0·V0/4
    assert list(marks.x) == [0.0, 10.0, 5.0]
    assert list(marks.y) == [8.0, 0.0, 20.0]
    assert "N/kg" in fig.layout.yaxis.title.text
