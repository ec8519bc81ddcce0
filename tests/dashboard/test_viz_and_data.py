"""Exact answers of the dashboard's data helpers, figures, kinogram and compare video."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sprintlab.dashboard import analysis, data
from sprintlab.library import Library
from sprintlab.steps import STEP_FIELDS
from sprintlab.track import KeypointTrack
from sprintlab.video import probe
from sprintlab.viz import figures
from sprintlab.viz.compare_video import (
    CompareInput,
    CompareVideo,
    CompareVideoError,
    frame_plan,
    render_compare_video,
)
from sprintlab.viz.kinogram import kinogram_image, labelled_rows, png_bytes
from sprintlab.viz.video_writer import H264Writer


def steps_table(**columns) -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    df = pd.DataFrame({c: [math.nan] * n for c in STEP_FIELDS})
    df["number"] = list(range(1, n + 1))
    for k, v in columns.items():
        df[k] = v
    return df


def view(steps: pd.DataFrame, pk: int = 1, fps: float = 240.0) -> data.RepView:
    return data.RepView(
        rep_pk=pk,
        athlete="A",
        position="WR",
        session="S",
        date="2026-01-01",
        rep_number=1,
        rep_dir=Path("."),
        doc={"video": {"capture_fps": fps}},
        steps=steps,
        series=pd.DataFrame(),
    )


def test_units_and_labels_come_from_the_column_suffix():
    assert figures.unit_of("step_length_m") == "m"
    assert figures.unit_of("step_velocity_mps") == "m/s"
    assert figures.unit_of("step_frequency_hz") == "Hz"
    assert figures.unit_of("shin_angle_td_deg") == "°"
    assert figures.unit_of("pmax_w_per_kg") == "W/kg"
    assert figures.label_of("contact_time_s") == "Contact time (s)"
    assert data.column_label("number") == "Step"


def test_step_differences_and_the_changes_beyond_measurement_error():
    from sprintlab.measured_error import real_change

    # The thresholds are sprintlab's own measured error (two analyses of a step differ by less
    # than this 95 times in 100): step length 0.10 m, contact time 34 ms.
    assert data.MEANINGFUL_CHANGE["step_length_m"] == pytest.approx(0.096, abs=0.005)
    assert data.MEANINGFUL_CHANGE["contact_time_s"] == pytest.approx(0.034, abs=0.001)
    assert data.MEANINGFUL_CHANGE["shin_angle_td_deg"] == real_change("shin_angle_td_deg")
    a = view(steps_table(step_length_m=[1.00, 1.20, 1.40], contact_time_s=[0.20, 0.18, 0.16]))
    b = view(steps_table(step_length_m=[1.05, 1.64, 1.40], contact_time_s=[0.13, 0.18, 0.16]), 2)
    diff = data.step_differences(a, b)
    assert diff.loc[2, "step_length_m"] == pytest.approx(0.44)
    assert diff.loc[1, "contact_time_s"] == pytest.approx(-0.07)
    changes = data.largest_changes(diff)
    # 0.44 m is 4.6 x the step length's threshold, -0.07 s about 2 x the contact time's; +0.05 m
    # is within the error.
    assert [(s, f) for s, f, _, _ in changes] == [(2, "step_length_m"), (1, "contact_time_s")]
    assert changes[0][3] == pytest.approx(0.44 / data.MEANINGFUL_CHANGE["step_length_m"])


def test_differences_within_the_measured_error_are_not_called_changes():
    # What analysing the same clip twice with other settings looks like: every step a little
    # different, none by more than the measurement's own scatter.
    a = view(
        steps_table(
            step_length_m=[1.00, 1.20, 1.40],
            contact_time_s=[0.20, 0.18, 0.16],
            shin_angle_td_deg=[45.0, 55.0, 62.0],
        )
    )
    b = view(
        steps_table(
            step_length_m=[1.07, 1.12, 1.48],
            contact_time_s=[0.22, 0.155, 0.18],
            shin_angle_td_deg=[58.0, 40.0, 70.0],
        ),
        2,
    )
    assert data.largest_changes(data.step_differences(a, b)) == []


def test_contact_time_changes_are_judged_by_each_steps_own_event_uncertainty():
    # Two reps whose step-1 contact differs by 20 ms: noise when the pose timed the events
    # (±14/15 frames at 240 fps), within the metric's measured 34 ms with no event figures, a
    # real change when a person set the events (±1 frame each).
    def rep(contact, u, pk, fps=240.0):
        return view(
            steps_table(
                contact_time_s=[contact, 0.18],
                touchdown_uncertainty_frames=[u, u],
                toeoff_uncertainty_frames=[u, u],
            ),
            pk,
            fps,
        )

    for u, expected in ((1.0, [(1, "contact_time_s")]), (14.0, []), (math.nan, [])):
        a, b = rep(0.20, u, 1), rep(0.22, u, 2)
        diff = data.step_differences(a, b)
        limits = data.change_thresholds(a, b, diff)
        assert [(s, f) for s, f, _, _ in data.largest_changes(diff, thresholds=limits)] == (
            expected
        ), u
    a, b = rep(0.20, 1.0, 1), rep(0.22, 1.0, 2)
    limits = data.change_thresholds(a, b, data.step_differences(a, b))
    assert limits.loc[1, "contact_time_s"] == pytest.approx(2 / 240)  # √(1²+1²) frames × √2
    # Flight time hangs on the next step's touchdown: step 2 has none here.
    assert limits.loc[2, "flight_time_s"] == data.MEANINGFUL_CHANGE["flight_time_s"]
    # The same figures in frames at 30 fps: eight times as long.
    slow = data.change_thresholds(rep(0.2, 1.0, 1, 30.0), rep(0.2, 1.0, 2, 30.0), limits)
    assert slow.loc[1, "contact_time_s"] == pytest.approx(2 / 30)


def test_only_common_steps_are_compared():
    a = view(steps_table(step_length_m=[1.0, 1.2, 1.4]))
    b = view(steps_table(step_length_m=[1.1]), 2)
    assert list(data.step_differences(a, b).index) == [1]


def test_athlete_session_table_best_and_mean():
    reps = pd.DataFrame(
        {
            "status": ["ok", "ok", "ok", "failed"],
            "date": ["2026-01-01", "2026-01-01", "2026-02-01", "2026-02-01"],
            "session": ["A", "A", "B", "B"],
            "split_10yd_s": [1.80, 1.70, 1.65, None],
        }
    )
    t = data.athlete_session_table(reps, "split_10yd_s", "min")
    assert t["best"].tolist() == pytest.approx([1.70, 1.65])
    assert t["mean"].tolist() == pytest.approx([1.75, 1.65])
    assert t["n_reps"].tolist() == [2, 1]


def test_rep_ids_from_query_parameters():
    assert data.parse_rep_ids("3, 7,x,3") == [3, 7]
    assert data.parse_rep_ids(["1", "2,5"]) == [1, 2, 5]
    assert data.parse_rep_ids(None) == []


def test_combine_band_for_a_known_position_and_none_elsewhere():
    band = data.combine_band("split_10yd_s", "WR")
    assert band is not None and 1.4 < band.low < band.high < 1.9
    assert data.combine_band("first_step_length_m", "WR") is None
    assert data.combine_band("split_10yd_s", None) is None


def test_hip_velocity_figure_aligns_reps_at_first_movement():
    series = pd.DataFrame({"t_s": [0.0, 0.5, 1.0, 1.5], "hip_vx_mps": [0.0, 0.0, 2.0, 4.0]})
    rep = figures.RepSeries("r", steps_table(step_length_m=[1.0]), series, 0.5, {"5yd_s": 0.75})
    fig = figures.hip_velocity_figure([rep])
    assert list(fig.data[0].x) == [-0.5, 0.0, 0.5, 1.0]
    # The 5-yard split is drawn at 0.75 s after first movement, on the curve (3 m/s).
    assert fig.data[1].x[0] == 0.75 and fig.data[1].y[0] == pytest.approx(3.0)
    assert fig.layout.yaxis.title.text == "Hip horizontal velocity (m/s)"


def test_a_rep_without_first_movement_is_left_out_of_time_aligned_charts():
    series = pd.DataFrame({"t_s": [0.0, 0.5, 1.0, 1.5], "hip_vx_mps": [0.0, 0.0, 2.0, 4.0]})
    seen = figures.RepSeries("seen", steps_table(step_length_m=[1.0]), series, 0.5, {})
    unseen = figures.RepSeries("unseen", steps_table(step_length_m=[1.0]), series, math.nan, {})
    fig = figures.hip_velocity_figure([seen, unseen])
    assert [t.name for t in fig.data] == ["seen"]  # its clip time is not time from the start
    assert "Not shown, first movement not reported:<br>unseen" in fig.layout.annotations[0].text
    fit = {"v_max_mps": 9.0, "tau_s": 0.8, "t0_s": 0.5, "reliable": True}
    vfig = figures.velocity_fit_figure(series, {"velocity_fit": fit}, math.nan)
    assert list(vfig.data[0].x) == [-0.5, 0.0, 0.5, 1.0]  # from the fit's own start
    assert "first movement not reported" in vfig.layout.xaxis.title.text


def test_a_field_without_values_is_labelled_not_measured():
    rep = figures.RepSeries("r", steps_table(step_length_m=[1.0, 1.1]))
    fig = figures.steps_figure([rep], ("step_length_m", "contact_time_s"), "t")
    texts = [a.text for a in fig.layout.annotations]
    assert any("not measured" in t for t in texts)
    assert fig.layout.yaxis2.title.text == "Contact time (s)"


def test_upload_checks():
    with pytest.raises(analysis.UploadError, match="not a video file"):
        analysis.check_upload("notes.pdf", 100)
    with pytest.raises(analysis.UploadError, match="empty"):
        analysis.check_upload("a.mp4", 0)
    with pytest.raises(analysis.UploadError, match="more than the 1 MB"):
        analysis.check_upload("a.mp4", 2_000_000, max_mb=1)
    analysis.check_upload("a.MOV", 1000)


def _clip(path: Path, n: int, fps: float, value_of) -> Path:
    with H264Writer(path, fps, 64, 48, crf=0, preset="ultrafast") as w:
        for i in range(n):
            w.write(np.full((48, 64, 3), value_of(i), dtype=np.uint8))
    return path


def test_compare_frame_plan_keeps_reps_in_step():
    # Rep A filmed at 60 fps with first movement at 0.5 s; rep B at 30 fps, first movement 0.2 s.
    a = CompareInput("A", Path("a.mp4"), np.arange(60) / 60, first_movement_s=0.5)
    b = CompareInput("B", Path("b.mp4"), np.arange(30) / 30, first_movement_s=0.2)
    dt, plan = frame_plan([a, b], lead_s=0.1)
    assert dt == pytest.approx(1 / 60)  # the faster camera sets the pace
    # Composite frame k is t = -0.1 + k/60 s from first movement in both panels.
    assert plan[0].tolist() == [24, 3]  # A at 0.4 s, B at 0.1 s
    assert plan[30].tolist() == [54, 18]  # A at 0.9 s, B at 0.6 s
    assert plan[31].tolist() == [55, 18]  # B holds its frame between its 30 fps frames
    # The span runs to the end of the longer rep (B: 0.967 - 0.2 s after first movement).
    assert len(plan) == round((29 / 30 - 0.2 + 0.1) * 60) + 1
    assert plan[-1].tolist() == [59, 29]  # A has ended and holds its last frame


def test_compare_video_is_written_at_the_planned_frames(tmp_path):
    a = _clip(tmp_path / "a.mp4", 12, 60.0, lambda i: 20 * i)
    b = _clip(tmp_path / "b.mp4", 6, 30.0, lambda i: 40 * i)
    reps = [
        CompareInput("A", a, np.arange(12) / 60, first_movement_s=0.05),
        CompareInput("B", b, np.arange(6) / 30, first_movement_s=0.05),
    ]
    video = render_compare_video(reps, tmp_path / "c.mp4", panel_height_px=96, lead_s=0.0)
    meta = probe(video.path, check_duplicates=False)
    assert meta.n_frames == video.n_frames == len(frame_plan(reps, 0.0)[1])
    assert meta.height_px == 96 and meta.width_px % 2 == 0
    assert video.video_time_s(0.1) == pytest.approx(6 / 30)  # frame 6 of the composite


def test_compare_video_zooms_one_rep_and_refuses_none_five_or_a_missing_video(tmp_path):
    a = _clip(tmp_path / "a.mp4", 5, 30.0, lambda i: 100)
    one = CompareInput("A", a, np.arange(5) / 30, first_movement_s=0.0)
    for reps in ([], [one] * 5):
        with pytest.raises(CompareVideoError, match="1 to 4"):
            render_compare_video(reps, tmp_path / "c.mp4")
    alone = render_compare_video([one], tmp_path / "one.mp4")  # the Rep page's zoomed overlay
    assert alone.path.is_file() and alone.n_frames > 0
    gone = CompareInput("B", tmp_path / "gone.mp4", np.arange(5) / 30, first_movement_s=0.0)
    with pytest.raises(CompareVideoError, match="missing"):
        render_compare_video([one, gone], tmp_path / "c.mp4")
    assert isinstance(CompareVideo(tmp_path, 30.0, 0.01, 0.3, 10).slow_motion_factor(), float)


def test_follow_window_tracks_the_hips():
    n = 50
    xy = np.full((n, 17, 2), np.nan)
    x = np.linspace(100, 300, n)
    for k in range(17):
        xy[:, k, 0] = x
        xy[:, k, 1] = 100 + 5 * k  # keypoints span 80 px vertically
    track = KeypointTrack(
        t_s=np.arange(n) / 50,
        xy=xy,
        conf=np.ones((n, 17)),
        fps=50.0,
        space="px",
        frame_index=np.arange(n),
    )
    centre, height = data.follow_window(track, n, scale=0.5)
    assert height == pytest.approx(data.FOLLOW_HEIGHT_OF_BOX * 80 * 0.5)
    assert centre[n // 2, 0] == pytest.approx(0.5 * x[n // 2], abs=1.0)


def test_kinogram_of_a_fixture_rep(built_library):
    with Library.open(built_library, readonly=True) as lib:
        rep = data.load_rep(lib, 1)
    image = kinogram_image(rep.rep_dir, rep.doc)
    n = int(rep.steps["touchdown_frame"].notna().sum())
    # One tile per touchdown, five to a row, each at its full height.
    rows = -(-min(n, 10) // 5)
    assert image.shape[0] == rows * 300 + (rows - 1) * 4
    assert image.shape[1] > min(n, 5) * 150
    stacked = labelled_rows([("a very long title for a narrow image", image[:, :50])])
    assert stacked.shape[1] > 50  # the title is never cut
    assert png_bytes(image)[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_reference_band_is_inside_the_chart():
    table = pd.DataFrame(
        {"date": ["2026-01-01"], "session": ["A"], "best": [1.80], "mean": [1.85], "n_reps": [2]}
    )
    fig = figures.session_trend_figure(table, "split_10yd_s", band=(1.50, 1.60), band_label="WR")
    lo, hi = fig.layout.yaxis.range
    assert lo < 1.50 and hi > 1.85
    assert fig.layout.shapes[0].y0 == 1.50 and fig.layout.shapes[0].y1 == 1.60


def test_a_small_change_between_sessions_is_drawn_small_and_inside_the_error():
    from sprintlab.measured_error import rep_error_half_width

    # 1.13 vs 1.17 s over 10 yards: 40 ms, within one rep's measured error (±39 ms).
    table = pd.DataFrame(
        {
            "date": ["2026-01-01", "2026-02-01"],
            "session": ["A", "B"],
            "best": [1.13, 1.17],
            "mean": [1.15, 1.19],
            "n_reps": [2, 2],
        }
    )
    half = rep_error_half_width("split_10yd_s")
    assert 0.035 < half < 0.045
    fig = figures.session_trend_figure(table, "split_10yd_s", error_half_width=half)
    lo, hi = fig.layout.yaxis.range
    assert hi - lo >= figures.TREND_MIN_SPAN["split_10yd_s"] - 1e-9
    assert (1.17 - 1.13) / (hi - lo) < 0.15  # a tenth of the chart, not all of it
    band = next(t for t in fig.data if t.fill == "toself")
    assert max(band.y) == pytest.approx(1.17 + half) and min(band.y) == pytest.approx(1.13 - half)
    assert "measurement error" in band.name
    # A metric without a measured error gets no band.
    assert math.isnan(rep_error_half_width("v_max_mps"))
    plain = figures.session_trend_figure(table, "v_max_mps", error_half_width=math.nan)
    assert not any(t.fill == "toself" for t in plain.data)


def test_the_step_scrubber_finds_steps_by_number_not_by_row():
    from types import SimpleNamespace

    from sprintlab.dashboard.page_compare import step_numbers, touchdown_of_step

    # A rep in which steps 2-4 were missed: step 5 is its second row.
    gappy = pd.DataFrame({"number": [1, 5], "touchdown_s": [0.80, 1.75]})
    full = pd.DataFrame({"number": [1, 2, 3], "touchdown_s": [0.82, 1.05, 1.29]})
    reps = [SimpleNamespace(steps=gappy), SimpleNamespace(steps=full)]
    assert step_numbers(reps) == [1, 2, 3, 5]
    assert touchdown_of_step(gappy, 5) == 1.75
    assert touchdown_of_step(gappy, 2) is None  # not the row after step 1
    assert touchdown_of_step(full, 3) == 1.29
    assert touchdown_of_step(full, None) is None


def test_tables_show_no_more_digits_than_the_measurement_has():
    from sprintlab.dashboard import common

    cfg = common.table_config(["shin_angle_td_deg", "contact_time_s", "step_length_m"])
    assert cfg["shin_angle_td_deg"]["type_config"]["format"] == "%.0f"  # whole degrees
    assert cfg["contact_time_s"]["type_config"]["format"] == "%.3f"  # milliseconds
    assert cfg["step_length_m"]["type_config"]["format"] == "%.2f"  # centimetres


def test_the_overlay_says_how_slow_it_plays():
    from sprintlab.dashboard.page_rep import playback_note

    assert playback_note({"video": {"capture_fps": 240.0}}) == (
        "Plays 8× slower than real time: 240 frames per second captured, 30 shown."
    )
    assert playback_note({"video": {"capture_fps": 30.0}}) == (
        "Plays in real time (30 frames per second)."
    )
    assert playback_note({"video": {}}) == ""


def test_step_charts_leave_a_gap_where_steps_were_missed():
    from sprintlab.viz.figures import RepSeries

    steps = steps_table(step_length_m=[1.0, 1.5], contact_time_s=[0.2, 0.15])
    steps["number"] = [1, 5]  # steps 2-4 missed
    rep = RepSeries(label="r", steps=steps, series=pd.DataFrame(), first_movement_s=0.0, splits={})
    fig = figures.steps_figure([rep], ["step_length_m"], "t")
    trace = fig.data[0]
    assert list(trace.x) == [1, 2, 3, 4, 5]
    assert trace.y[0] == 1.0 and trace.y[4] == 1.5
    assert all(math.isnan(v) for v in trace.y[1:4])
    assert not trace.connectgaps
    assert "%{y:.2f} m" in trace.hovertemplate  # the registry's decimals


def test_each_panel_keeps_its_reps_colour_when_another_rep_is_left_out(tmp_path):
    import av

    from sprintlab.viz.compare_video import REP_COLOURS_BGR

    a = _clip(tmp_path / "a.mp4", 5, 30.0, lambda i: 100)
    b = _clip(tmp_path / "b.mp4", 5, 30.0, lambda i: 100)
    # Reps 1 and 3 of a comparison whose rep 2 has no first movement: red and green are
    # rep 2's and rep 3's chart colours, so the panels are blue and green.
    reps = [
        CompareInput("A", a, np.arange(5) / 30, first_movement_s=0.0, colour_index=0),
        CompareInput("C", b, np.arange(5) / 30, first_movement_s=0.0, colour_index=2),
    ]
    video = render_compare_video(reps, tmp_path / "c.mp4")
    with av.open(str(video.path)) as f:
        frame = next(f.decode(video=0)).to_ndarray(format="bgr24")
    w = frame.shape[1] // 2
    for panel, k in ((0, 0), (1, 2)):
        got = frame[4, panel * w + w // 2].astype(int)
        assert np.abs(got - np.array(REP_COLOURS_BGR[k])).max() < 40, (panel, got)


def test_the_rep_says_which_keypoints_gave_its_shin_angles():
    steps = [{"number": n} for n in (1, 2, 3)]
    assert data.landmarker_note({"steps": steps}) == ""  # analysed before the landmarker
    some = {"steps": steps, "landmarker": {"steps": [2, 3], "model": "m.task"}}
    assert data.landmarker_note(some) == (
        "Shin angles at touchdown of 2 of 3 steps from the pose landmarker (read on the frames "
        "around each touchdown); the others from the tracking model's keypoints."
    )
    none = {
        "steps": steps,
        "landmarker": {
            "steps": [],
            "note": "the athlete is 46 px tall in the picture; the tracking model's keypoints "
            "are used",
        },
    }
    assert data.landmarker_note(none) == (
        "Shin angles at touchdown from the tracking model's keypoints: the athlete is 46 px "
        "tall in the picture."
    )
