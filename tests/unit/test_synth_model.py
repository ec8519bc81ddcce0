"""The synthetic sprinter: exact truth, rigid body, feet that roll without sliding."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest

from sprintlab.skeleton import KEYPOINT_NAMES, KP, LEG_PAIRS
from sprintlab.synth import (
    EXTRA_POINTS,
    STEP_KEYS,
    SprintParams,
    add_noise,
    burst_mask,
    decoy_track,
    drop_keypoints,
    joints_at,
    plan_sprint,
    simulate,
    sprint_truth,
    swap_legs,
    to_track,
)
from sprintlab.synth.model import Body, hip_displacement_m

P = SprintParams()
VARIANTS = [
    P,
    SprintParams(front_foot="right", stature_m=1.72, mass_kg=80.0, v_max_mps=8.4, tau_s=0.7),
    SprintParams(stature_m=1.95, v_max_mps=10.0, contact_time_s=(0.19, 0.105), n_steps=10),
]
DT_S = 5e-4  # dense sampling of the continuous motion (2 kHz)


def dense(params: SprintParams) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    t = np.arange(0.0, plan_sprint(params).end_s, DT_S)
    return t, joints_at(params, t)


def side_xy(j: dict[str, np.ndarray], name: str) -> np.ndarray:
    return j[name][:, :2]


def progression(pair: tuple[float, float], step: int, k: float = 3.0) -> float:
    """Independent restatement of c_i = c_inf + (c_1 - c_inf) e^(-(i-1)/k) through step 10."""
    e9 = np.exp(-9.0 / k)
    c_inf = (pair[1] - pair[0] * e9) / (1.0 - e9)
    return c_inf + (pair[0] - c_inf) * np.exp(-(step - 1) / k)


@pytest.mark.parametrize("params", VARIANTS)
def test_stance_toe_is_fixed_on_the_ground_during_every_contact(params):
    t, j = dense(params)
    truth = sprint_truth(params)
    assert len(truth.contacts) >= params.n_steps + 2
    for c in truth.contacts:
        ts = np.r_[np.linspace(c["td_s"], c["to_s"], 101), t[(t >= c["td_s"]) & (t <= c["to_s"])]]
        toe = joints_at(params, ts)[f"{c['foot']}_toe"]
        assert np.max(np.abs(toe[:, 0] - c["toe_x_m"])) < 1e-9
        assert np.max(np.abs(toe[:, 1])) < 1e-9
    assert np.min(j["left_toe"][:, 1]) > -1e-12  # sanity: dense grid really sampled


@pytest.mark.parametrize("params", VARIANTS)
def test_touchdown_and_toeoff_are_the_first_and_last_instants_of_contact(params):
    truth = sprint_truth(params)
    for c in truth.contacts:
        toe = lambda t, c=c: joints_at(params, np.array([t]))[f"{c['foot']}_toe"][0, 1]  # noqa: E731
        assert toe(c["to_s"]) == pytest.approx(0.0, abs=1e-12)
        if c["to_s"] + 2e-3 <= truth.end_s:
            assert toe(c["to_s"] + 2e-3) > 1e-7
        if not c["is_stance"]:
            assert toe(c["td_s"]) == pytest.approx(0.0, abs=1e-12)
            assert toe(c["td_s"] - 2e-3) > 1e-7


@pytest.mark.parametrize("params", VARIANTS)
def test_feet_and_hands_never_go_below_the_ground(params):
    _, j = dense(params)
    for side in ("left", "right"):
        for point in ("toe", "heel", "ankle", "knee", "hand", "wrist"):
            assert np.min(j[f"{side}_{point}"][:, 1]) >= -1e-12, (side, point)


@pytest.mark.parametrize("params", VARIANTS)
def test_segment_lengths_are_constant_in_3d(params):
    _, j = dense(params)
    h = params.stature_m
    body = Body.from_stature(h)
    hip_mid = 0.5 * (j["left_hip"] + j["right_hip"])
    shoulder_mid = 0.5 * (j["left_shoulder"] + j["right_shoulder"])
    expected = {("hip_mid", "shoulder_mid"): 0.288 * h}
    for s in ("left", "right"):
        expected |= {
            (f"{s}_hip", f"{s}_knee"): 0.245 * h,
            (f"{s}_knee", f"{s}_ankle"): 0.246 * h,
            (f"{s}_shoulder", f"{s}_elbow"): 0.186 * h,
            (f"{s}_elbow", f"{s}_wrist"): 0.146 * h,
            (f"{s}_wrist", f"{s}_hand"): 0.054 * h,
            (f"{s}_ankle", f"{s}_toe"): body.foot_r_m,
            (f"{s}_heel", f"{s}_toe"): body.heel_toe_m,
            (f"{s}_ankle", f"{s}_heel"): None,  # rigid foot: constant, value not prescribed
        }
    pts = j | {"hip_mid": hip_mid, "shoulder_mid": shoulder_mid}
    for (a, b), length in expected.items():
        d = np.linalg.norm(pts[a] - pts[b], axis=1)
        assert np.ptp(d) < 1e-9, (a, b)
        if length is not None:
            assert d[0] == pytest.approx(length, abs=1e-9), (a, b)
    for a, b in (("left_hip", "right_hip"), ("left_shoulder", "right_shoulder")):
        assert np.ptp(np.linalg.norm(j[a] - j[b], axis=1)) < 1e-12
    # The heel sits 0.19 foot lengths behind the ankle and the MTP 0.55 ahead of it.
    assert body.heel_toe_m == pytest.approx(0.74 * 0.152 * h)


def test_sides_and_lateral_positions_follow_the_camera_convention():
    _, j = dense(P)
    assert set(j) == set(KEYPOINT_NAMES) | set(EXTRA_POINTS)
    for name, pts in j.items():
        assert np.ptp(pts[:, 2]) == 0.0
        if name.startswith("right"):
            assert pts[0, 2] > 0  # camera on the athlete's right side, +z towards it
        elif name.startswith("left"):
            assert pts[0, 2] < 0
    assert j["left_ankle"][0, 2] == -0.10 and j["right_toe"][0, 2] == 0.10


@pytest.mark.parametrize("params", VARIANTS)
def test_step_lengths_sum_to_the_distance_between_first_and_last_contact(params):
    truth = sprint_truth(params)
    front = next(c for c in truth.contacts if c["is_stance"] and c["foot"] == params.front_foot)
    last = truth.steps[-1]
    last_contact = next(c for c in truth.contacts if c["number"] == last["number"])
    total = sum(s["step_length_m"] for s in truth.steps)
    assert total == pytest.approx(last_contact["ankle_x_td_m"] - front["ankle_x_td_m"], abs=1e-9)
    assert front["ankle_x_td_m"] == pytest.approx(params.x_front_m, abs=1e-12)
    rear = next(c for c in truth.contacts if c["is_stance"] and c["foot"] != params.front_foot)
    assert rear["ankle_x_td_m"] == pytest.approx(params.x_front_m - params.rear_offset_m, abs=1e-12)
    # Each step length is ankle x at TD minus ankle x at the previous TD (other foot).
    tds = [front["ankle_x_td_m"]]
    tds += [
        next(c for c in truth.contacts if c["number"] == s["number"])["ankle_x_td_m"]
        for s in truth.steps
    ]
    assert np.allclose([s["step_length_m"] for s in truth.steps], np.diff(tds), atol=1e-12)
    feet = [s["foot"] for s in truth.steps]
    assert feet[0] != params.front_foot and all(a != b for a, b in itertools.pairwise(feet))


@pytest.mark.parametrize("params", VARIANTS)
def test_truth_angles_at_touchdown_equal_the_parameter_progression(params):
    truth = sprint_truth(params)
    for s in truth.steps:
        i = s["number"]
        assert s["shin_angle_td_deg"] == pytest.approx(
            progression(params.shin_angle_td_deg, i), abs=1e-6
        )
        assert s["trunk_angle_td_deg"] == pytest.approx(
            progression(params.trunk_angle_td_deg, i), abs=1e-6
        )
    assert truth.steps[9]["shin_angle_td_deg"] == pytest.approx(
        params.shin_angle_td_deg[1], abs=1e-6
    )


def test_truth_angles_match_an_independent_computation_from_sampled_joints():
    truth = sprint_truth(P)
    for s in truth.steps[:4]:
        j = {k: v[0, :2] for k, v in joints_at(P, np.array([s["touchdown_s"]])).items()}
        f = s["foot"]
        hip, knee, ankle = j[f"{f}_hip"], j[f"{f}_knee"], j[f"{f}_ankle"]
        sh = 0.5 * (j["left_shoulder"] + j["right_shoulder"])

        def angle(u, v):
            return np.degrees(np.arccos(np.dot(u, v) / np.linalg.norm(u) / np.linalg.norm(v)))

        assert s["knee_angle_td_deg"] == pytest.approx(angle(hip - knee, ankle - knee), abs=1e-9)
        assert s["hip_angle_td_deg"] == pytest.approx(angle(sh - hip, knee - hip), abs=1e-9)
        assert s["touchdown_distance_m"] == pytest.approx(ankle[0] - hip[0], abs=1e-12)
        assert 0 < s["knee_angle_td_deg"] < 180 and s["toeoff_distance_m"] < 0


@pytest.mark.parametrize("params", VARIANTS)
def test_contact_and_flight_times_equal_the_parameters(params):
    truth = sprint_truth(params)
    assert len(truth.steps) == params.n_steps
    for s in truth.steps:
        i = s["number"]
        assert list(s) == list(STEP_KEYS)
        assert s["contact_time_s"] == pytest.approx(
            progression(params.contact_time_s, i), abs=1e-12
        )
        assert s["flight_time_s"] == pytest.approx(progression(params.flight_time_s, i), abs=1e-12)
        assert s["step_time_s"] == pytest.approx(
            s["contact_time_s"] + s["flight_time_s"], abs=1e-12
        )
        assert s["step_frequency_hz"] == pytest.approx(1.0 / s["step_time_s"], rel=1e-12)
        assert s["step_velocity_mps"] == pytest.approx(
            s["step_length_m"] / s["step_time_s"], rel=1e-12
        )
    first = truth.steps[0]
    front = next(c for c in truth.contacts if c["is_stance"] and c["foot"] == params.front_foot)
    assert first["touchdown_s"] == pytest.approx(front["to_s"] + params.exit_flight_s, abs=1e-12)
    assert front["to_s"] == pytest.approx(params.first_movement_s + params.front_push_s, abs=1e-12)


def test_hip_mid_follows_the_mono_exponential():
    t, j = dense(P)
    truth = sprint_truth(P)
    x = 0.5 * (j["left_hip"][:, 0] + j["right_hip"][:, 0])
    tp = np.maximum(t - P.first_movement_s, 0.0)
    v_max, tau = P.v_max_mps, P.tau_s
    expected = truth.hip_x0_m + v_max * (tp + tau * np.exp(-tp / tau)) - v_max * tau
    assert np.max(np.abs(x - expected)) < 1e-12
    assert np.max(np.abs(truth.hip_x_m(t) - expected)) < 1e-12
    v = np.gradient(x, t)[1:-1]
    assert np.max(np.abs(v - v_max * (1 - np.exp(-tp / tau))[1:-1])) < 3e-3  # central differences
    assert np.max(np.abs(truth.hip_v_mps(t) - v_max * (1 - np.exp(-tp / tau)))) < 1e-12
    still = t < P.first_movement_s
    assert np.ptp(x[still]) == 0.0 and np.ptp(j["nose"][still], axis=0).max() == 0.0


def test_splits_are_where_hip_mid_crosses_the_yard_lines():
    truth = sprint_truth(P)
    yards = {"5yd_s": 5, "10yd_s": 10, "20yd_s": 20, "40yd_s": 40}
    for key, yd in yards.items():
        t_cross = P.first_movement_s + truth.splits[key]
        assert truth.hip_x_m(np.array([t_cross]))[0] == pytest.approx(yd * 0.9144, abs=1e-9)
        x = truth.hip_x0_m + hip_displacement_m(P, np.array([t_cross - 1e-6, t_cross + 1e-6]))
        assert x[0] < yd * 0.9144 < x[1]
    s = truth.splits
    assert s["5yd_s"] < s["10yd_s"] < s["20yd_s"] < s["40yd_s"]
    assert 4.3 < s["40yd_s"] < 5.3 and 0.33 < s["10yd_s"] / s["40yd_s"] < 0.40  # combine-like


def test_same_sprint_at_60_120_240_fps_gives_the_same_truth_and_motion():
    sprints = {fps: simulate(P, fps, 2.5) for fps in (60, 120, 240)}
    dicts = [json.dumps(s.truth.to_dict(), sort_keys=True) for s in sprints.values()]
    assert dicts[0] == dicts[1] == dicts[2]
    a, b = sprints[60], sprints[240]
    assert a.coco_world_m.shape == (150, 17, 2) and b.coco_world_m.shape == (600, 17, 2)
    assert np.max(np.abs(a.coco_world_m - b.coco_world_m[::4])) < 1e-9
    assert np.allclose(b.t_s, np.arange(600) / 240, atol=0, rtol=0)


def test_simulate_shapes_types_and_json():
    s = simulate(P, 120.0, 1.5)
    assert s.t_s.shape == (180,) and s.coco_world_m.shape == (180, 17, 2)
    for k, name in enumerate(KEYPOINT_NAMES):
        assert np.array_equal(s.coco_world_m[:, k], s.joints_m[name][:, :2])
    assert np.array_equal(s.coco_world_m[:, KP.LEFT_HIP], s.joints_m["left_hip"][:, :2])
    d = json.loads(json.dumps(s.truth.to_dict()))
    assert d["first_movement_s"] == P.first_movement_s and len(d["steps"]) == P.n_steps
    assert set(d["splits"]) == {"5yd_s", "10yd_s", "20yd_s", "40yd_s"}
    assert d["v_max_mps"] == P.v_max_mps and d["tau_s"] == P.tau_s
    with pytest.raises(ValueError):
        s.coco_world_m[0, 0, 0] = 1.0  # read-only


def test_motion_is_continuous_in_position_and_velocity():
    # Halving the sampling step halves the largest sample-to-sample change of position and of
    # velocity for a C1 motion; a jump in either would keep it constant. The one intended kink is
    # the foot's impact at each running touchdown, so velocity is checked away from those.
    end = plan_sprint(P).end_s
    td = np.array([c.td_s for c in plan_sprint(P).contacts if not c.is_stance])

    def away_from_touchdowns(t):
        return np.min(np.abs(t[:, None] - td[None, :]), axis=1) > 0.003

    for name in ("left_ankle", "right_toe", "right_heel", "left_knee", "right_wrist", "nose"):
        dx, dv = [], []
        for h in (2, 1):
            t = np.arange(0.0, end, h * DT_S)
            j = joints_at(P, t)[name]
            dx.append(np.abs(np.diff(j, axis=0)).max())
            acc = np.abs(np.diff(j, n=2, axis=0)).max(axis=1)[away_from_touchdowns(t[1:-1])]
            dv.append(acc.max() / h)
        assert dx[1] < 0.55 * dx[0] and dv[1] < 0.55 * dv[0], name
        assert dx[1] / DT_S < 25.0, name  # fastest point (swing foot/hand) under 25 m/s


def test_touchdown_is_an_impact_and_toeoff_starts_from_rest():
    plan = plan_sprint(P)
    c = next(c for c in plan.contacts if not c.is_stance and c.number == 3)
    side = f"{c.foot}_toe"
    eps = 1e-4
    before = joints_at(P, np.array([c.td_s - 2 * eps, c.td_s - eps]))[side]
    v_td = (before[1, 1] - before[0, 1]) / eps
    assert v_td == pytest.approx(-P.touchdown_speed_mps, rel=0.05)
    # Leaves from rest: the toe's speed grows from zero, in proportion to the time since toe-off.
    speeds = []
    for h in (1e-5, 2e-5):
        after = joints_at(P, np.array([c.to_s + h, c.to_s + 2 * h]))[side]
        speeds.append(np.linalg.norm(after[1] - after[0]) / h)
    assert speeds[0] < 0.05
    assert speeds[1] == pytest.approx(2 * speeds[0], rel=0.2)


def test_the_plausibility_envelope():
    truth = sprint_truth(P)
    s = truth.steps
    assert 0.5 < s[0]["step_length_m"] < 1.2 and 1.6 < s[9]["step_length_m"] < 2.3
    assert s[0]["touchdown_distance_m"] < s[9]["touchdown_distance_m"]
    assert all(-0.9 < x["toeoff_distance_m"] < -0.3 for x in s)
    plan = plan_sprint(P)
    assert 0.35 * P.stature_m < float(plan.hip_y(s[9]["touchdown_s"])) < 0.53 * P.stature_m


def test_bad_parameters_and_durations_are_refused():
    with pytest.raises(ValueError, match="stature_m"):
        SprintParams(stature_m=3.0)
    with pytest.raises(ValueError, match="front_foot"):
        SprintParams(front_foot="middle")
    with pytest.raises(ValueError, match="contact_time_s"):
        SprintParams(contact_time_s=(0.2, 0.5))
    with pytest.raises(ValueError, match="reach"):
        plan_sprint(SprintParams(v_max_mps=12.0, contact_time_s=(0.25, 0.2)))
    with pytest.raises(ValueError, match="n_steps"):
        simulate(P, 240, 10.0)


# --- degrade -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def track():
    return to_track(simulate(P, 240, 2.5))


def test_to_track_is_the_ideal_world_track(track):
    assert track.space == "world" and track.fps == 240 and np.all(track.conf == 1.0)
    assert track.xy.shape == (600, 17, 2) and not np.isnan(track.xy).any()


def test_white_and_correlated_noise_have_the_asked_sigma(track):
    rng = np.random.default_rng(1)
    noisy = add_noise(track, 0.02, rng=rng)
    e = (noisy.xy - track.xy).ravel()
    assert np.std(e) == pytest.approx(0.02, rel=0.03) and abs(np.mean(e)) < 1e-3
    smooth = add_noise(track, 0.02, rng=np.random.default_rng(2), autocorr_s=0.05)
    d = smooth.xy - track.xy
    assert np.std(d) == pytest.approx(0.02, rel=0.15)
    lag = 12  # 0.05 s at 240 fps: correlation exp(-1)
    r = np.mean(d[lag:] * d[:-lag]) / np.mean(d * d)
    assert r == pytest.approx(np.exp(-1.0), abs=0.1)
    r_white = np.mean((noisy.xy - track.xy)[1:] * (noisy.xy - track.xy)[:-1]) / 0.02**2
    assert abs(r_white) < 0.05


def test_drop_keypoints_in_bursts(track):
    out = drop_keypoints(track, 0.2, burst_s=0.05, rng=np.random.default_rng(3))
    missing = np.isnan(out.xy[..., 0])
    assert missing.mean() == pytest.approx(0.2, abs=0.01)
    assert np.all(out.conf[missing] == 0.0) and np.all(np.isnan(out.xy[missing]))
    runs = np.diff(np.r_[0, missing[:, 0].astype(int), 0])
    lengths = np.flatnonzero(runs == -1) - np.flatnonzero(runs == 1)
    assert np.all(lengths % 12 == 0)  # whole bursts of 0.05 s (adjacent bursts may touch)
    whole = drop_keypoints(track, 0.1, burst_s=0.1, rng=np.random.default_rng(4), whole_frames=True)
    gone = np.isnan(whole.conf[:, 0])
    assert np.all(np.isnan(whole.xy[gone])) and gone.sum() == 48


def test_burst_mask_counts():
    m = burst_mask(1000, 0.09, 10, np.random.default_rng(5))
    assert m.sum() == 90
    assert not burst_mask(100, 0.0, 5, np.random.default_rng(6)).any()


def test_swap_legs_swaps_knees_and_ankles_only(track):
    out, mask = swap_legs(track, 0.09, burst_s=0.1, rng=np.random.default_rng(7), return_mask=True)
    assert mask.sum() == round(0.09 * 600 / 24) * 24
    for left, right in LEG_PAIRS:
        assert np.array_equal(out.xy[mask, left], track.xy[mask, right])
        assert np.array_equal(out.xy[~mask, left], track.xy[~mask, left])
    others = [k for k in range(17) if k not in {i for pair in LEG_PAIRS for i in pair}]
    assert np.array_equal(out.xy[:, others], track.xy[:, others])


def test_decoy_walks_through_at_its_speed(track):
    d = decoy_track(track, speed_mps=1.5, x_start_m=-3.0, stature_m=1.7)
    assert d.xy.shape == track.xy.shape and d.space == "world"
    hip = d.midpoint(KP.LEFT_HIP, KP.RIGHT_HIP)
    assert np.allclose(np.diff(hip[:, 0]) * 240, 1.5)
    assert np.all(d.xy[..., 1] > -0.05) and np.nanmax(d.xy[..., 1]) < 1.7
    jog = decoy_track(track, speed_mps=-3.5, x_start_m=10.0)
    assert jog.xy[-1, KP.NOSE, 0] < jog.xy[0, KP.NOSE, 0]


@pytest.mark.parametrize("pitch_deg", [12.0, 20.0])
def test_forefoot_landing_can_roll_the_sole_flat(pitch_deg):
    """Heel up at touchdown, heel down 40% into the contact; the touchdown is still the
    forefoot's first touch and the events do not move."""
    p = SprintParams(foot_pitch_td_deg=pitch_deg, foot_pitch_dip_deg=pitch_deg)
    plan = plan_sprint(p)
    c = next(c for c in plan.contacts if c.number == 3)
    t = np.linspace(c.td_s, c.to_s, 801)
    j = joints_at(p, t)
    heel, toe = j[f"{c.foot}_heel"][:, 1], j[f"{c.foot}_toe"][:, 1]
    np.testing.assert_allclose(toe, 0.0, atol=1e-9)
    body = Body.from_stature(p.stature_m)
    assert heel[0] == pytest.approx(body.heel_toe_m * np.sin(np.radians(pitch_deg)), rel=1e-6)
    assert heel.min() == pytest.approx(0.0, abs=1e-6)
    assert t[np.argmin(heel)] == pytest.approx(c.td_s + 0.4 * (c.to_s - c.td_s), abs=2e-3)
    assert np.all(joints_at(p, np.array([c.td_s - 1e-3]))[f"{c.foot}_toe"][:, 1] > 0)
    default = sprint_truth(SprintParams(foot_pitch_td_deg=pitch_deg)).to_dict()["steps"]
    rolled = sprint_truth(p).to_dict()["steps"]
    for a, b in zip(default, rolled, strict=True):
        assert (a["touchdown_s"], a["toeoff_s"]) == (b["touchdown_s"], b["toeoff_s"])
    with pytest.raises(ValueError, match="rolls flat"):
        SprintParams(foot_pitch_td_deg=pitch_deg, foot_pitch_dip_deg=pitch_deg + 1)
