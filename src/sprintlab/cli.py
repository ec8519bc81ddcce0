"""Command-line interface (typer + rich): parse input, call one library function, show it."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from .errors import SprintlabError

if TYPE_CHECKING:
    from .config import Config

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="sprintlab: sprint start and acceleration analysis from side-view video.",
)
# Piped output (CI logs, files) gets a wide fixed width so the step table is never squeezed.
out_console = Console(width=None if sys.stdout.isatty() else 150)
err_console = Console(stderr=True, width=None if sys.stderr.isatty() else 150)


def _fmt(v: object, digits: int) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    return str(v)


def _first_movement_text(doc: dict) -> str:
    """``first movement at 0.412 ± 0.040 s``, or why it is not reported."""
    fm = doc.get("first_movement") or {}
    t = doc.get("first_movement_s")
    if t is None:
        return "first movement not reported (see the warnings)"
    u = fm.get("uncertainty_s")
    plus = f" ± {_fmt(u, 3)}" if u is not None else ""
    return f"first movement at {_fmt(t, 3)}{plus} s"


def print_step_table(doc: dict) -> None:
    """Print the per-step table and the splits of a rep.json document."""
    from .metric_registry import METRICS

    cols = [
        (METRICS[key].header, key, METRICS[key].digits)
        for key in (
            "number",
            "foot",
            "touchdown_s",
            "toeoff_s",
            "contact_time_s",
            "flight_time_s",
            "step_length_m",
            "step_frequency_hz",
            "step_velocity_mps",
            "shin_angle_td_deg",
            "trunk_angle_td_deg",
            "touchdown_distance_m",
        )
    ]
    table = Table(title=f"{doc['rep_id']} — {_first_movement_text(doc)}")
    for title, _, _ in cols:
        table.add_column(title, justify="right")
    for step in doc["steps"]:
        table.add_row(*[_fmt(step.get(key), d) for _, key, d in cols])
    out_console.print(table)
    splits = ", ".join(f"{k[:-2]} {_fmt(v, 2)} s" for k, v in doc["splits"].items())
    cal = doc["calibration"]
    camera = cal.get("camera_m")
    seen_from = f", camera {camera[2]:.1f} m from the lane" if camera else ""
    out_console.print(
        f"splits from first movement: {splits}   "
        f"calibration: {cal['method']} (rms {_fmt(cal.get('rms_residual_m'), 3)} m{seen_from})"
    )
    lines = doc.get("field_lines")
    if lines and lines.get("rejected"):
        out_console.print(
            "field lines: rejected ('sprintlab reanalyze REP --field-lines' takes them back)"
        )
    elif lines and lines.get("found"):
        out_console.print(
            f"field lines: {lines['grid']}, {lines['lines']} lines (distances "
            f"±{_fmt(100 * float(lines.get('distance_uncertainty_m') or 0.0), 0)} cm and "
            f"±{_fmt(lines.get('scale_uncertainty_pct'), 1)}%); "
            f"start line: {lines['start_line']}"
        )
    elif lines:
        out_console.print(f"field lines: not used ({lines.get('reason')})")
    print_profile(doc.get("profile"))
    for w in doc.get("warnings", []):
        out_console.print(f"[yellow]warning:[/yellow] {w}")


def print_profile(profile: dict | None) -> None:
    """One or two lines for the velocity fit and the force–velocity profile."""
    if not profile:
        return
    fit = profile.get("velocity_fit")
    if fit:
        status = "" if fit.get("reliable") else " [yellow](not reliable)[/yellow]"
        out_console.print(
            f"velocity fit: v_max {_fmt(fit.get('v_max_mps'), 2)} m/s, "
            f"tau {_fmt(fit.get('tau_s'), 2)} s, {_fmt(fit.get('fraction_of_vmax_in_view'), 2)} "
            f"of v_max in view, rmse {_fmt(fit.get('rmse_m'), 3)} m{status}"
        )
    fv = profile.get("force_velocity")
    if fv:
        out_console.print(
            f"force–velocity: F0 {_fmt(fv.get('F0_n_per_kg'), 2)} N/kg, "
            f"V0 {_fmt(fv.get('V0_mps'), 2)} m/s, Pmax {_fmt(fv.get('Pmax_w_per_kg'), 1)} W/kg, "
            f"RFmax {_fmt(fv.get('RF_max'), 2)}, DRF {_fmt(fv.get('DRF'), 3)}"
        )
    est = profile.get("estimate")
    if est:
        out_console.print(
            f"estimated 20 yd {_fmt(est.get('t20_s'), 2)} s "
            f"({_fmt(est.get('t20_low_s'), 2)}–{_fmt(est.get('t20_high_s'), 2)}), "
            f"40 yd {_fmt(est.get('t40_s'), 2)} s "
            f"({_fmt(est.get('t40_low_s'), 2)}–{_fmt(est.get('t40_high_s'), 2)}) "
            f"from the run in view ({est.get('method')}, combine group {est.get('group')})"
        )
    elif profile.get("estimate_reason"):
        out_console.print(f"[yellow]no 20/40 estimate:[/yellow] {profile['estimate_reason']}")
    for note in profile.get("notes", []):
        out_console.print(f"[yellow]note:[/yellow] {note}")


def _fail(err: object) -> None:
    # Plain text after the label: messages name TOML tables such as [analysis.filter], which
    # rich would take for markup.
    err_console.print(Text("error: ", style="red") + Text(str(err)), soft_wrap=True)
    raise typer.Exit(code=1)


# Options shared by the commands that run the pose model.
ModelOption = Annotated[
    Path | None,
    typer.Option(help="Ultralytics pose weights (default: models/yolo11n-pose.pt)."),
]
BackendOption = Annotated[
    str | None,
    typer.Option(
        help="Pose engine: auto (default; OpenVINO on a CPU, the GPU when there is one), "
        "openvino, onnx or pytorch. Also $SPRINTLAB_BACKEND."
    ),
]
ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        help="Settings TOML with tables [analysis], [analysis.filter], [analysis.events] and "
        "[tracking] (default: the built-in settings).",
    ),
]


def _load_config(path: Path | None) -> Config:
    """The configuration file's settings (the defaults without one); a bad file exits here."""
    from .config import config_or_default

    try:
        return config_or_default(path)
    except SprintlabError as err:
        _fail(err)
        raise  # unreachable: _fail exits


@app.command()
def analyze(
    clip: Annotated[Path, typer.Argument(help="Side-view sprint clip (mp4/mov).")],
    out: Annotated[Path, typer.Option("--out", help="Folder for rep folders.")] = Path("reps"),
    capture_fps: Annotated[
        float | None, typer.Option(help="True capture rate of a slow-motion export, e.g. 240.")
    ] = None,
    calib: Annotated[
        Path | None, typer.Option(help="Calibration TOML (default: the clip's sidecar clip.toml).")
    ] = None,
    athlete_height_m: Annotated[
        float | None,
        typer.Option(help="Athlete stature in metres (fallback scale, low confidence)."),
    ] = None,
    mass_kg: Annotated[
        float | None, typer.Option(help="Body mass in kg (for the force–velocity profile).")
    ] = None,
    model: ModelOption = None,
    overlay: Annotated[
        bool,
        typer.Option(
            help="Draw overlay.mp4 once the numbers are written (otherwise the dashboard or "
            "'sprintlab overlay' draws it when it is wanted)."
        ),
    ] = False,
    truth: Annotated[
        Path | None,
        typer.Option(help="Truth file of a rendered clip (NAME.truth.json): print the errors."),
    ] = None,
    backend: BackendOption = None,
    config: ConfigOption = None,
    athlete_px: Annotated[
        str | None,
        typer.Option(
            "--athlete-px",
            help="X,Y: a point (px) on the athlete at the start; when several people sprint, "
            "the one nearest it is measured.",
        ),
    ] = None,
    start_line: Annotated[
        float | None,
        typer.Option(
            "--start-line",
            help="X: a picture column (px) where the start line meets the lane, when the "
            "field's yard lines give the scale (default: the line at the athlete's hands).",
        ),
    ] = None,
    camera_height_m: Annotated[
        float | None,
        typer.Option(
            "--camera-height-m",
            min=0.2,
            max=30.0,
            help="Height of the camera's lens above the ground, m (a tape, within 1 cm): a "
            "running track's lane lines filmed square-on need it for the scale along the lane.",
        ),
    ] = None,
) -> None:
    """Analyse one clip: writes OUT/<rep_id>/ (rep.json, steps.csv, series.csv, keypoints.npz)
    and prints the step table; with --overlay, then draws overlay.mp4."""
    from .calibration import parse_athlete_px
    from .pipeline import ClipOptions, analyze_clip
    from .results import load_rep_json

    cfg = _load_config(config)
    try:
        point = None if athlete_px is None else parse_athlete_px(athlete_px)
    except SprintlabError as err:
        _fail(err)
    opts = ClipOptions(
        capture_fps=capture_fps,
        calib_path=calib,
        athlete_height_m=athlete_height_m,
        mass_kg=mass_kg,
        model_path=model,
        overlay=False,  # drawn below, after the step table is printed
        backend=backend,
        athlete_px=point,
        start_line_px=start_line,
        camera_height_m=camera_height_m,
    )
    try:
        from .pose.backends import requested_backend

        requested_backend(backend)
    except ValueError as err:
        _fail(str(err))
    try:
        with _stage_bar() as bar:
            task = bar.add_task("reading", total=1.0)

            def progress(stage: str, fraction: float) -> None:
                bar.update(task, description=stage, completed=fraction)

            _, rep_dir = analyze_clip(
                clip, out, opts, settings=cfg.analysis, tracking=cfg.tracking, progress=progress
            )
    except SprintlabError as err:
        _fail(err)
    rep = load_rep_json(rep_dir)
    print_step_table(rep)
    engine = rep.get("pose_engine") or {}
    if engine.get("note"):
        err_console.print(engine["note"])
    out_console.print(f"rep folder: {rep_dir}")
    if overlay:
        _draw_overlays([rep_dir])
    if truth is not None:
        from .validate import format_table, score_rep_dir

        try:
            scores, _ = score_rep_dir(rep_dir, truth)
        except (OSError, ValueError, KeyError) as err:
            _fail(f"Cannot read the truth file {truth}: {err}")
        out_console.print()
        out_console.print(
            format_table("errors against the truth (measured - true)", scores), highlight=False
        )


@app.command()
def reanalyze(
    rep_dir: Annotated[Path, typer.Argument(help="A rep folder written by 'sprintlab analyze'.")],
    overlay: Annotated[
        bool,
        typer.Option(
            help="Redraw overlay.mp4 after the numbers (the clip must be at its recorded path); "
            "otherwise a kept overlay stays, marked as drawn before."
        ),
    ] = False,
    feet: Annotated[
        bool,
        typer.Option(
            "--feet",
            help="Time the contacts from the picture at the feet again (reads the clip, with "
            "the [tracking.foot_image] settings of --config) instead of reusing the rep's.",
        ),
    ] = False,
    field_lines: Annotated[
        bool | None,
        typer.Option(
            "--field-lines/--no-field-lines",
            help="Reject the field's lines the analysis calibrated with (--no-field-lines: the "
            "markers or the athlete's height calibrate instead), or take them back.",
        ),
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Re-run everything after the pose model from REP_DIR/keypoints.npz (no model needed).

    The [analysis] settings of --config apply; the rep keeps the tracking it was made with
    (with --feet, the [tracking.foot_image] settings apply too).
    """
    from dataclasses import replace

    from .pipeline import reanalyze_rep
    from .results import load_rep_json
    from .tracking import TrackingSettings

    cfg = _load_config(config)
    if not (rep_dir / "keypoints.npz").exists():
        _fail(SprintlabError(f"{rep_dir} is not a rep folder: keypoints.npz is missing."))
    if replace(cfg.tracking, foot_image=TrackingSettings().foot_image) != TrackingSettings() or (
        not feet and cfg.tracking.foot_image != TrackingSettings().foot_image
    ):
        err_console.print(
            "note: the [tracking] settings do not apply to reanalyze (the pose model does not "
            "run; [tracking.foot_image] applies with --feet); analyse the clip again to use them."
        )
    try:
        _, out = reanalyze_rep(
            rep_dir,
            settings=cfg.analysis,
            overlay=False,
            feet=cfg.tracking.foot_image if feet else None,
            field_lines=field_lines,
        )
    except SprintlabError as err:
        _fail(err)
    print_step_table(load_rep_json(out))
    if overlay:
        _draw_overlays([out])


def _stage_bar() -> Any:
    """A transient progress bar on stderr: what runs, how far, the time left."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
    )


def _draw_overlays(rep_dirs: list[Path]) -> None:
    """Draw each rep's overlay video with a progress bar; a rep that cannot be drawn is said
    in one sentence and the others go on (exit code 1 if any failed)."""
    from .overlay_video import draw_rep_overlay

    failed = 0
    for rep_dir in rep_dirs:
        try:
            with _stage_bar() as bar:
                task = bar.add_task(f"overlay {rep_dir.name}", total=1.0)
                path = draw_rep_overlay(
                    rep_dir, progress=lambda f, t=task: bar.update(t, completed=f)
                )
        except SprintlabError as err:
            err_console.print(str(err), highlight=False)
            failed += 1
            continue
        out_console.print(f"overlay: {path}")
    if failed:
        raise typer.Exit(code=1)


@app.command()
def overlay(
    rep_dirs: Annotated[
        list[Path], typer.Argument(help="Rep folders written by 'sprintlab analyze' or batch.")
    ],
) -> None:
    """Draw the overlay video (overlay.mp4) of rep folders from their clips.

    The analysis writes its numbers first and leaves the video for later: this draws it (the
    dashboard does too, the first time it shows a rep). The clip must be at the path rep.json
    records.
    """
    missing = [d for d in rep_dirs if not (d / "rep.json").is_file()]
    for d in missing:
        err_console.print(f"{d} is not a rep folder: rep.json is missing.", highlight=False)
    _draw_overlays([d for d in rep_dirs if d not in missing])
    if missing:
        raise typer.Exit(code=1)


@app.command()
def info(
    clip: Annotated[Path, typer.Argument(help="A video file.")],
    capture_fps: Annotated[float | None, typer.Option(help="True capture rate.")] = None,
) -> None:
    """Show what sprintlab reads from a video file (size, rates, frames) and any warnings."""
    from .video import probe

    try:
        meta = probe(clip, capture_fps=capture_fps)
    except SprintlabError as err:
        _fail(err)
    out_console.print(
        f"{meta.path}: {meta.width_px}x{meta.height_px}, {meta.n_frames} frames, "
        f"plays at {meta.container_fps:.3f} fps, captured at {meta.capture_fps:.3f} fps, "
        f"{meta.duration_s:.3f} s, codec {meta.codec}, rotation {meta.rotation_deg}°"
    )
    for w in meta.warnings:
        out_console.print(f"[yellow]warning:[/yellow] {w}")


@app.command()
def profile(
    splits: Annotated[
        str,
        typer.Option(help="Split times from the clock start, e.g. 10yd=1.62,20yd=2.68,40yd=4.52"),
    ],
    mass_kg: Annotated[float | None, typer.Option(help="Body mass in kg.")] = None,
    height_m: Annotated[float | None, typer.Option(help="Standing height in metres.")] = None,
) -> None:
    """Velocity curve and force–velocity profile from typed-in split times (laser or hand)."""
    from .profile import fit_splits, force_velocity_profile, parse_splits

    try:
        parsed = parse_splits(splits)
        # A time-shift term needs a residual to be judged: with three splits and three parameters
        # the curve passes through every split and tau follows the rounding of the times.
        fit = fit_splits(list(parsed), list(parsed.values()), time_shift=len(parsed) >= 4)
        fv = None
        notes = []
        if not fit.reliable:
            notes.append(f"no force–velocity profile: {fit.reason}")
        elif mass_kg is None or height_m is None:
            notes.append("no force–velocity profile: give --mass-kg and --height-m")
        else:
            fv = force_velocity_profile(fit, mass_kg=mass_kg, height_m=height_m).to_dict()
    except SprintlabError as err:
        _fail(err)
    print_profile({"velocity_fit": fit.to_dict(), "force_velocity": fv, "notes": notes})


@app.command()
def validate(
    out: Annotated[Path, typer.Option(help="Folder for clips, reps and accuracy.json.")] = Path(
        "accuracy_output"
    ),
    tracks_only: Annotated[
        bool,
        typer.Option(
            "--tracks-only",
            help="Score only the analysis after the pose model on synthetic keypoint tracks.",
        ),
    ] = False,
    small: Annotated[
        bool,
        typer.Option(
            help="Only the small scenarios CI runs (one short rendered clip: clean, degraded "
            "as a phone's, and filmed hand-held)."
        ),
    ] = False,
    starts: Annotated[
        bool,
        typer.Option(
            "--starts",
            help="The start scenarios instead: set positions low to high, dark and light "
            "outfits, 11–18 m (is the set position tracked and first movement seen?).",
        ),
    ] = False,
    factors: Annotated[
        bool,
        typer.Option(
            "--factors",
            help="The phone-footage factors instead: one clean 240 fps clip and the same clip "
            "with one degradation each (noise, crf 32, shake, flicker, blur, low-sun shadow, "
            "white shoes on white lines, black shoes on dark turf, textured turf, a waving "
            "banner, a forefoot landing rolling flat), the clean clip at 60 and 30 fps, and the "
            "camera factors together; prints a table of accuracy per factor.",
        ),
    ] = False,
    rescore: Annotated[
        bool,
        typer.Option(
            "--rescore",
            help="Re-run only the analysis after the pose model on the keypoints an earlier run "
            "cached in OUT, and score again (no rendering, no model).",
        ),
    ] = False,
    exact_keypoints: Annotated[
        bool,
        typer.Option(
            "--exact-keypoints",
            help="Score the analysis on the renderer's exact keypoints instead of the pose "
            "model's (renders the scenarios OUT holds no current render of; no model).",
        ),
    ] = False,
    real: Annotated[
        Path | None,
        typer.Option(
            "--real",
            help="Real clips instead: analyse the clips of this folder that a labels file "
            "names and score their steps against the contacts marked by hand (found, missed, "
            "false; touchdown and toe-off errors in frames).",
        ),
    ] = None,
    labels: Annotated[
        Path | None,
        typer.Option(
            help="The labels file of --real (columns clip, contact, touchdown_frame, "
            "toeoff_frame; default: FOLDER/contacts.csv)."
        ),
    ] = None,
    athlete_height_m: Annotated[
        float | None,
        typer.Option(help="With --real: the athletes' height, to scale clips without markers."),
    ] = None,
    model: ModelOption = None,
    backend: BackendOption = None,
) -> None:
    """Accuracy harness: render known sprints, analyse them with the real model, score vs truth.

    Prints bias, 95% limits of agreement and mean absolute error per metric and scenario, and
    writes OUT/accuracy.json (with --real: OUT/real_accuracy.json).
    """
    import json

    from . import validate as v
    from .pipeline import default_model_path
    from .pose.backends import requested_backend

    try:
        requested_backend(backend)
    except ValueError as err:
        _fail(str(err))
    weights = model or default_model_path()
    if model is not None and not model.exists():
        _fail(f"Pose weights not found at {model}.")
    if real is not None:
        if tracks_only or small or starts or factors or exact_keypoints:
            _fail("--real scores real clips only: leave out the rendered scenario options.")
        labels_path = labels or real / "contacts.csv"
        if not labels_path.is_file():
            _fail(f"No labels file at {labels_path}: give --labels.")
    out.mkdir(parents=True, exist_ok=True)
    if real is not None:
        from .pipeline import ClipOptions, analyze_clip

        opts = ClipOptions(
            overlay=False, model_path=model, backend=backend, athlete_height_m=athlete_height_m
        )
        try:
            report = v.run_real(
                real,
                labels_path,
                out / "real",
                None if rescore else (lambda clip, reps: analyze_clip(clip, reps, opts)[1]),
                progress=err_console.print,
            )
        except (OSError, ValueError) as err:
            _fail(str(err))
        for name, clip in report["clips"].items():
            if "error" in clip:
                out_console.print(f"{name}: {clip['error']}")
        out_console.print(report["_table"], highlight=False)
        out_console.print()
        out_console.print(report["_pooled_table"], highlight=False)
        (out / "real_accuracy.json").write_text(json.dumps(report, indent=2) + "\n")
        out_console.print(f"written: {out / 'real_accuracy.json'}")
        return
    if tracks_only:
        report = v.run_track_scenarios()
    else:
        from .pipeline import ClipOptions, analyze_clip
        from .synth.render import render_scenario

        options = ClipOptions(overlay=False, model_path=model, backend=backend)

        def analyze(clip: Path, reps: Path) -> Path:
            return analyze_clip(clip, reps, options)[1]

        if factors and (small or starts):
            _fail("--factors is a scenario set of its own: leave out --small and --starts.")
        if small:
            scenarios = (v.SMALL_SCENARIO, v.SMALL_PHONE_SCENARIO, v.SMALL_HANDHELD_SCENARIO)
        elif starts:
            scenarios = v.START_SCENARIOS
        elif factors:
            scenarios = v.FACTOR_SCENARIOS
        else:
            scenarios = v.SCENARIOS
        report = v.run_scenarios(
            scenarios,
            out,
            render=None if rescore else render_scenario,
            analyze=None if rescore else analyze,
            progress=err_console.print,
            exact_keypoints=exact_keypoints,
        )
        if factors:
            report["_factor_table"] = v.format_factor_table(report, scenarios)
    if not (tracks_only or rescore or exact_keypoints) and Path(weights).exists():
        from .pose.backends import choose_backend

        # The figures belong to the weights and engine that made the keypoints (the export is
        # cached by now, so this only looks it up).
        choice = choose_backend(Path(weights), backend)
        report["pose"] = {"model": str(weights), "backend": choice.backend, "device": choice.device}
        out_console.print(f"pose model: {weights} on {choice.backend} ({choice.device})")
    for name, sc in report["scenarios"].items():
        out_console.print(sc.get("_table", f"{name}: {sc.get('error')}"), highlight=False)
        out_console.print()
    if "_pooled_table" in report:
        out_console.print(report["_pooled_table"], highlight=False)
    if "_factor_table" in report:
        out_console.print()
        out_console.print(report["_factor_table"], highlight=False)
    (out / "accuracy.json").write_text(json.dumps(report, indent=2) + "\n")
    out_console.print(f"written: {out / 'accuracy.json'}")


@app.command()
def render(
    out: Annotated[Path, typer.Option(help="Folder for the clip, its sidecar and truth.")] = Path(
        "rendered"
    ),
    name: Annotated[str, typer.Option(help="File stem of the outputs.")] = "rep",
    fps: Annotated[float, typer.Option(help="Capture rate of the clip, frames/s.")] = 240.0,
    width: Annotated[int, typer.Option(help="Frame width, px.")] = 1920,
    height: Annotated[int, typer.Option(help="Frame height, px.")] = 1080,
    duration_s: Annotated[
        float | None, typer.Option(help="Clip length, s (default: until the athlete leaves).")
    ] = None,
    camera_distance_m: Annotated[float, typer.Option(help="Camera to lane centre, m.")] = 11.0,
    camera_height_m: Annotated[float, typer.Option(help="Camera height above ground, m.")] = 1.2,
    pan_deg: Annotated[float, typer.Option(help="Camera yaw off perpendicular, degrees.")] = 0.0,
    right_to_left: Annotated[
        bool, typer.Option("--right-to-left", help="Run from right to left in the image.")
    ] = False,
    decoy: Annotated[
        list[str] | None,
        typer.Option(help="Extra person: coach, walker, jogger or runner (repeatable)."),
    ] = None,
    stature_m: Annotated[float, typer.Option(help="Athlete's height, m.")] = 1.85,
    v_max_mps: Annotated[float, typer.Option(help="Top speed of the velocity rise, m/s.")] = 9.3,
    tau_s: Annotated[float, typer.Option(help="Time constant of the velocity rise, s.")] = 0.80,
    motion_blur: Annotated[bool, typer.Option(help="Average sub-frames over the shutter.")] = False,
    noise: Annotated[float, typer.Option(help="Sensor noise, 8-bit levels.")] = 2.0,
    crf: Annotated[int, typer.Option(help="x264 quality (lower: better, larger).")] = 23,
    seed: Annotated[int, typer.Option(help="Seeds the look and the noise.")] = 0,
    look: Annotated[
        str | None,
        typer.Option(help="Outfit: dark, light, white_shoes or black_shoes (default: seeded)."),
    ] = None,
    bitrate_kbps: Annotated[
        float | None, typer.Option(help="Encode at this bit rate, kbit/s, instead of --crf.")
    ] = None,
    sun_elevation_deg: Annotated[
        float | None,
        typer.Option(help="A low sun this high, degrees (5–80): every limb casts a shadow."),
    ] = None,
    sun_azimuth_deg: Annotated[
        float,
        typer.Option(help="Direction to the sun, degrees from the running direction."),
    ] = 240.0,
    shake_px: Annotated[float, typer.Option(help="Tripod shake: largest offset, px.")] = 0.0,
    flicker: Annotated[
        float, typer.Option(help="120 Hz mains flicker, relative amplitude (0.04 = ±4%).")
    ] = 0.0,
    turf: Annotated[str, typer.Option(help="Ground: grass or dark (artificial turf).")] = "grass",
    turf_texture: Annotated[
        float, typer.Option(help="Coarser turf texture, 0 (default) to 2.")
    ] = 0.0,
    lines_at_steps: Annotated[
        list[int] | None,
        typer.Option(help="Paint a white line across the lane under this step's touchdown."),
    ] = None,
    banner: Annotated[
        bool, typer.Option("--banner", help="A banner waving behind the lane.")
    ] = False,
) -> None:
    """Render a synthetic 40-yard start with exact truth (clip, calibration sidecar, truth.json).

    The clip is analysed like any other: ``sprintlab analyze OUT/NAME.mp4`` finds the sidecar.
    """
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from .synth import SprintParams
    from .synth.camera import PinholeCamera
    from .synth.realism import Realism
    from .synth.render import DECOY_KINDS, Look, render_clip

    decoys = tuple(decoy or ())
    unknown = [d for d in decoys if d not in DECOY_KINDS]
    if unknown:
        _fail(f"Unknown decoy {unknown[0]!r}: choose from {', '.join(DECOY_KINDS)}.")
    try:
        params = SprintParams(stature_m=stature_m, v_max_mps=v_max_mps, tau_s=tau_s)
        realism = Realism(
            sun_elevation_deg=sun_elevation_deg,
            sun_azimuth_deg=sun_azimuth_deg,
            turf=turf,
            turf_texture=turf_texture,
            paint_lines_at_steps=tuple(lines_at_steps or ()),
            banner=banner,
            shake_px=shake_px,
            flicker=flicker,
        )
        camera = PinholeCamera.side_view(
            distance_m=camera_distance_m,
            height_m=camera_height_m,
            width_px=width,
            height_px=height,
            pan_deg=pan_deg,
            run_direction=-1 if right_to_left else 1,
        )
        with Progress(
            TextColumn("rendering"),
            BarColumn(),
            TimeRemainingColumn(),
            console=err_console,
            transient=True,
        ) as bar:
            task = bar.add_task("render", total=None)
            clip = render_clip(
                params,
                out,
                fps=fps,
                width=width,
                height=height,
                camera=camera,
                duration_s=duration_s,
                motion_blur=motion_blur,
                noise_sigma=noise,
                decoys=decoys,
                name=name,
                seed=seed,
                crf=crf,
                bitrate_kbps=bitrate_kbps,
                look=Look.preset(look) if look else None,
                realism=realism,
                progress=lambda i, n: bar.update(task, completed=i, total=n),
            )
    except ValueError as err:
        _fail(f"Cannot render that clip: {err}")
    out_console.print(f"clip:     {clip.video_path}")
    out_console.print(f"sidecar:  {clip.sidecar_path}")
    out_console.print(f"truth:    {clip.truth_path}")


@app.command()
def bench(
    clip: Annotated[
        Path | None,
        typer.Option(help="Clip to time (default: a rendered 1080p 240 fps clip, made once)."),
    ] = None,
    duration_s: Annotated[
        float, typer.Option(help="Length of the rendered clip when no --clip is given, s.")
    ] = 5.0,
    runs: Annotated[int, typer.Option(help="Runs per stage (medians are reported).")] = 3,
    baseline_frames: Annotated[
        int, typer.Option(help="Frames the slow baseline runs on (0: all).")
    ] = 240,
    skip_baseline: Annotated[bool, typer.Option(help="Leave the baseline out.")] = False,
    backend: Annotated[
        str | None, typer.Option(help="sprintlab's pose engine (default: automatic).")
    ] = None,
    model: Annotated[Path | None, typer.Option(help="PyTorch pose weights.")] = None,
    cache: Annotated[Path, typer.Option(help="Folder for the rendered clip.")] = Path(
        "bench_cache"
    ),
    out: Annotated[Path, typer.Option(help="Where to write bench.json.")] = Path("bench.json"),
) -> None:
    """Time decoding, the naive ultralytics loop and sprintlab's analyze on one clip."""
    import json

    from .bench import bench_clip_path, format_report, render_bench_clip, run_bench
    from .jsonutil import json_ready
    from .pipeline import default_model_path
    from .pose.backends import requested_backend

    try:
        requested_backend(backend)
    except ValueError as err:
        _fail(str(err))
    weights = model or default_model_path()
    if not Path(weights).exists():
        _fail(f"Pose weights not found at {weights}: see models/README.md or pass --model.")
    if clip is None:
        cache.mkdir(parents=True, exist_ok=True)
        if not bench_clip_path(cache, duration_s).is_file():
            err_console.print(f"rendering the benchmark clip into {cache} (once)...")
        clip = render_bench_clip(cache, duration_s)
    try:
        report = run_bench(
            clip,
            Path(weights),
            runs=runs,
            baseline_frames=baseline_frames or None,
            backend=backend,
            skip_baseline=skip_baseline,
            on_stage=lambda name, run: err_console.print(f"{name}: run {run} of {runs}"),
        )
    except SprintlabError as err:
        _fail(err)
    out_console.print(format_report(report), highlight=False)
    out.write_text(json.dumps(json_ready(report.to_dict()), indent=2))
    out_console.print(f"\nwritten: {out}")


def _register_library_commands() -> None:
    from . import cli_app, cli_library

    cli_library.register(app)
    cli_app.register(app)


_register_library_commands()


def main() -> None:
    """Entry point of the ``sprintlab`` command."""
    try:
        app()
    except KeyboardInterrupt:
        err_console.print("interrupted")
        sys.exit(130)


if __name__ == "__main__":
    main()
