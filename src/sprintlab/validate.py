"""Accuracy harness: render known sprints, analyse them through the real model, score the result.

Each :class:`Scenario` is one camera/clip set-up of the synthetic sprinter; :func:`run_scenarios`
renders it, runs :func:`sprintlab.pipeline.analyze_clip` (pose model included), scores the rep
against the renderer's truth with :mod:`sprintlab.accuracy`, and pools the raw differences over all
scenarios. Nothing here is tuned to the scenarios: they are fixed, seeded, and shared with CI.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from .accuracy import UNITS, Agreement, agreement, differences, score


@dataclass(frozen=True)
class Scenario:
    """One rendered test clip.

    Attributes
    ----------
    name : str
    fps : float
        Capture rate.
    width_px, height_px : int
    camera_distance_m : float
        Camera to lane centre.
    run_direction : int
        +1 left to right in the image, −1 right to left.
    pan_deg : float
        Camera yaw away from perpendicular to the lane.
    decoys : tuple of str
        Extra people (as the renderer names them).
    duration_s : float
        Clip length (from the start of the stance).
    seed : int
    params : dict
        Overrides of the synthetic sprinter's :class:`~sprintlab.synth.SprintParams` (the set
        position's hip height and trunk angle, for instance).
    look : str
        A named outfit (:meth:`~sprintlab.synth.render.Look.preset`); empty: seeded.
    noise_sigma : float
        Sensor noise, 8-bit levels.
    crf : int
        x264 quality of the clip (lower: better); ignored with ``bitrate_kbps``.
    bitrate_kbps : float or None
        Encode at this average bit rate instead.
    motion_blur : bool
        Shutter blur (sub-frames averaged over a 180° shutter).
    shake_px, shake_hz, flicker, sun_elevation_deg, sun_azimuth_deg, turf, turf_texture,
    paint_lines_at_steps, banner
        Phone-footage factors, as in :class:`~sprintlab.synth.realism.Realism` (all off by
        default): tripod shake (largest offset, px; highest frequency, Hz: a hand-held phone
        sways slowly and far), mains flicker (relative amplitude at
        120 Hz), a low sun's cast shadow (elevation and azimuth, degrees; None: no sun),
        "grass" or "dark" turf, a coarser turf texture (0–2), white lines painted across the
        lane under the touchdowns of these steps, a waving banner behind the lane.
    factor : str
        What this scenario changes from its base (a label for the per-factor table).
    """

    name: str
    fps: float = 240.0
    width_px: int = 1920
    height_px: int = 1080
    camera_distance_m: float = 11.0
    run_direction: int = 1
    pan_deg: float = 0.0
    decoys: tuple[str, ...] = ()
    duration_s: float = 3.2
    seed: int = 0
    extra: dict[str, Any] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    look: str = ""
    noise_sigma: float = 2.0
    crf: int = 23
    bitrate_kbps: float | None = None
    motion_blur: bool = False
    shake_px: float = 0.0
    shake_hz: float = 12.0
    flicker: float = 0.0
    sun_elevation_deg: float | None = None
    sun_azimuth_deg: float = 240.0
    turf: str = "grass"
    turf_texture: float = 0.0
    paint_lines_at_steps: tuple[int, ...] = ()
    banner: bool = False
    factor: str = ""


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("fixed_240fps_1080p"),
    Scenario("fixed_120fps_1080p", fps=120.0),
    Scenario("far_16m", camera_distance_m=16.0),
    Scenario("right_to_left", run_direction=-1),
    Scenario("decoy_runner", decoys=("runner",)),
    Scenario("oblique_8deg", pan_deg=8.0),
)

_LOW = {"stance_hip_height_m": 0.36 * 1.85, "stance_trunk_angle_deg": 0.0}
_HIGH = {"stance_hip_height_m": 0.48 * 1.85, "stance_trunk_angle_deg": -25.0}
START_SCENARIOS: tuple[Scenario, ...] = (
    Scenario("start_low_dark_11m", params=_LOW, look="dark", duration_s=2.4, seed=5),
    Scenario("start_low_light_16m", params=_LOW, look="light", camera_distance_m=16.0,
             duration_s=2.4, seed=5),
    Scenario("start_low_light_18m_rtl", params=_LOW, look="light", camera_distance_m=18.0,
             run_direction=-1, duration_s=2.4, seed=5),
    Scenario("start_high_dark_16m_720p", params=_HIGH, look="dark", camera_distance_m=16.0,
             width_px=1280, height_px=720, run_direction=-1, duration_s=2.4, seed=5),
    Scenario("start_std_dark_13m_720p", look="dark", camera_distance_m=13.0, width_px=1280,
             height_px=720, duration_s=2.4, seed=5),
    Scenario("start_mid_seeded_14m_rtl", camera_distance_m=14.0, run_direction=-1,
             params={"stance_hip_height_m": 0.38 * 1.85, "stance_trunk_angle_deg": -5.0},
             duration_s=2.4, seed=5),
)  # fmt: skip
"""Set positions (hips at 0.36, 0.42 and 0.48 of stature), dark and light outfits, 11–18 m,
1080p and 720p: is the crouched athlete tracked from the first frame, and first movement seen?
(A light low stance at 18 m scores 0.02 on the full frame, below the search threshold.)"""

_FACTOR_BASE = Scenario("factor_clean_240fps", duration_s=2.4, seed=5, factor="clean")


def _factor(name: str, label: str, **change: Any) -> Scenario:
    return replace(_FACTOR_BASE, name=f"factor_{name}", factor=label, **change)


FACTOR_SCENARIOS: tuple[Scenario, ...] = (
    _FACTOR_BASE,
    _factor("noise6", "sensor noise σ=6", noise_sigma=6.0),
    _factor("crf32", "x264 crf 32", crf=32),
    _factor("shake2px", "tripod shake 2 px", shake_px=2.0),
    _factor("handheld", "hand-held: sways 10 px", shake_px=10.0, shake_hz=3.0),
    _factor("flicker4pct", "120 Hz flicker ±4%", flicker=0.04),
    _factor("blur", "shutter blur", motion_blur=True),
    _factor("lowsun20", "low sun 20° shadow", sun_elevation_deg=20.0),
    _factor("white_shoes_lines", "white shoes, white lines", look="white_shoes",
            paint_lines_at_steps=tuple(range(1, 11))),
    _factor("black_shoes_dark_turf", "black shoes, dark turf", look="black_shoes", turf="dark"),
    _factor("textured_turf", "coarse turf texture", turf_texture=1.0),
    _factor("banner", "waving banner behind", banner=True),
    _factor("forefoot_roll", "lands heel-up 15°, rolls flat",
            params={"foot_pitch_td_deg": 15.0, "foot_pitch_dip_deg": 15.0}),
    _factor("clean_60fps", "60 fps", fps=60.0),
    _factor("clean_30fps", "30 fps", fps=30.0),
    _factor("phone", "all: noise 4, crf 28, shake 1 px, flicker, blur, low sun",
            noise_sigma=4.0, crf=28, shake_px=1.0, flicker=0.04, motion_blur=True,
            sun_elevation_deg=20.0),
)  # fmt: skip
"""One clean 240 fps 1080p clip of the default set-up and, from the same seed, one clip per
phone-footage factor (and the clean clip at 60 and 30 fps): how much does each factor alone cost
the detection of touchdowns and toe-offs? See :func:`format_factor_table`."""

SMALL_SCENARIO = Scenario("ci_small_240fps_720p", width_px=1280, height_px=720, duration_s=2.4)
"""The scenario CI runs on every commit (a shorter, smaller clip of the fixed set-up)."""

SMALL_PHONE_SCENARIO = replace(
    SMALL_SCENARIO,
    name="ci_small_phone_240fps_720p",
    factor="phone: noise 4, crf 28, shake 1 px, flicker 4%, low sun",
    noise_sigma=4.0,
    crf=28,
    shake_px=1.0,
    flicker=0.04,
    sun_elevation_deg=20.0,
)
"""The small scenario degraded as phone footage is: CI keeps a regression bound on it too."""

SMALL_HANDHELD_SCENARIO = replace(
    SMALL_SCENARIO,
    name="ci_small_handheld_240fps_720p",
    factor="hand-held: the picture sways up to 10 px",
    shake_px=10.0,
    shake_hz=3.0,
)
"""The small scenario filmed hand-held: the camera's motion must be followed, not only found."""


RENDER_KEY_FILE = ".render-key"
"""Written next to a rendered scenario: the key of the scenario and renderer that made it."""


def render_key(scenario: Scenario) -> str:
    """Hash of a scenario's parameters and the synthetic sprinter's and renderer's source code.

    A rendered clip is reused only under the same key, so a change to the scenario, the motion
    model or the renderer renders it again.
    """
    h = hashlib.sha256(json.dumps(asdict(scenario), sort_keys=True, default=str).encode())
    for source in sorted((Path(__file__).parent / "synth").glob("*.py")):
        h.update(source.name.encode())
        h.update(source.read_bytes())
    return h.hexdigest()


def _rendered_files(scenario: Scenario, folder: Path) -> tuple[Path, Path]:
    return folder / f"{scenario.name}.mp4", folder / f"{scenario.name}.truth.json"


def cached_render(scenario: Scenario, folder: Path) -> tuple[Path, Path] | None:
    """The (clip, truth) an earlier run rendered for this very scenario and renderer, or None."""
    clip, truth = _rendered_files(scenario, folder)
    stamp = folder / RENDER_KEY_FILE
    if not (clip.is_file() and truth.is_file() and stamp.is_file()):
        return None
    return (clip, truth) if stamp.read_text().strip() == render_key(scenario) else None


def _render_or_reuse(
    scenario: Scenario,
    folder: Path,
    render: Callable[[Scenario, Path], tuple[Path, Path]],
    progress: Callable[[str], None] | None,
) -> tuple[Path, Path]:
    cached = cached_render(scenario, folder)
    if cached is not None:
        if progress:
            progress(f"{scenario.name}: reusing the clip rendered earlier")
        return cached
    if progress:
        progress(f"{scenario.name}: rendering")
    (folder / RENDER_KEY_FILE).unlink(missing_ok=True)
    clip, truth = render(scenario, folder)
    (folder / RENDER_KEY_FILE).write_text(render_key(scenario) + "\n")
    return clip, truth


def _pooled(per_rep: list[dict[str, tuple[list[float], int]]]) -> dict[str, Agreement]:
    pooled: dict[str, Agreement] = {}
    for metric, unit in UNITS.items():
        if not any(metric in rep for rep in per_rep):
            continue
        diffs: list[float] = []
        missing = 0
        for rep in per_rep:
            d, m = rep.get(metric, ([], 0))
            diffs += d
            missing += m
        pooled[metric] = agreement(metric, unit, diffs, missing)
    return pooled


def format_table(title: str, rows: dict[str, Agreement]) -> str:
    """Plain-text table: metric, unit, n, missing, bias, 95% limits, MAE, max, share <= 1 frame."""
    lines = [
        title,
        f"{'metric':22s} {'unit':6s} {'n':>4s} {'miss':>4s} {'bias':>8s} "
        f"{'95% limits':>19s} {'MAE':>7s} {'max':>7s} {'<=1fr':>6s}",
    ]
    for a in rows.values():

        def f(v: float, w: int = 7) -> str:
            return f"{v:{w}.2f}" if math.isfinite(v) else f"{'–':>{w}s}"

        within = f"{100 * a.within_1_frame:5.0f}%" if math.isfinite(a.within_1_frame) else "     –"
        lines.append(
            f"{a.metric:22s} {a.unit:6s} {a.n:4d} {a.n_missing:4d} {f(a.bias, 8)} "
            f"[{f(a.loa_low, 8)}, {f(a.loa_high, 8)}] {f(a.mae)} {f(a.max_abs)} {within}"
        )
    return "\n".join(lines)


def format_factor_table(report: dict[str, Any], scenarios: tuple[Scenario, ...] = ()) -> str:
    """One row per scenario of a :func:`run_scenarios` report: the share of touchdowns and
    toe-offs within one frame of the truth and their mean absolute errors (frames), the steps
    found of those in view, the contact-time bias and 95% limits of agreement (ms) and the step
    length's MAE (cm).
    ``scenarios`` supplies the factor labels.
    """
    labels = {sc.name: sc.factor for sc in scenarios}
    lines = [
        "accuracy per factor (events within ±1 frame; contact time measured − true, ms; step "
        "length MAE, cm)",
        f"{'scenario':28s} {'factor':30s} {'TD<=1fr':>7s} {'TO<=1fr':>7s} {'TD MAE':>6s} "
        f"{'TO MAE':>6s} {'steps':>7s} {'CT bias':>8s} {'CT 95% limits':>17s} {'SL MAE':>6s}",
    ]

    def get(d: dict | None, key: str) -> float:
        v = None if d is None else d.get(key)
        return math.nan if v is None else float(v)

    for name, sc in report.get("scenarios", {}).items():
        label = labels.get(name, "")[:30]
        if "error" in sc:
            lines.append(f"{name:28s} {label:30s} error: {sc['error']}"[:200])
            continue
        td, to, ct = sc.get("touchdown_s"), sc.get("toeoff_s"), sc.get("contact_time_s")
        sl = sc.get("step_length_m")

        def pct(d: dict | None) -> str:
            v = get(d, "within_1_frame")
            return f"{100 * v:6.0f}%" if math.isfinite(v) else f"{'–':>7s}"

        def num(v: float, w: int) -> str:
            return f"{v:{w}.1f}" if math.isfinite(v) else f"{'–':>{w}s}"

        found, missing = int(get(td, "n") if td else 0), int(get(td, "n_missing") if td else 0)
        steps = f"{found}/{found + missing}"
        limits = f"[{num(get(ct, 'loa_low'), 6)}, {num(get(ct, 'loa_high'), 6)}]"
        lines.append(
            f"{name:28s} {label:30s} {pct(td)} {pct(to)} {num(get(td, 'mae'), 6)} "
            f"{num(get(to, 'mae'), 6)} {steps:>7s} {num(get(ct, 'bias'), 8)} {limits:>17s} "
            f"{num(get(sl, 'mae'), 6)}"
        )
    return "\n".join(lines)


def score_rep_dir(rep_dir: Path, truth_path: Path) -> tuple[dict[str, Agreement], dict]:
    """Score one analysed rep folder against a truth file; also return the raw differences.

    Only the steps the clip shows whole are scored: a step whose toe-off falls after the last
    frame cannot be measured, and counting it as missed would blame the pipeline for the clip.
    """
    doc = json.loads((Path(rep_dir) / "rep.json").read_text())
    truth = truth_in_view(json.loads(Path(truth_path).read_text()))
    fps = float(doc["video"]["capture_fps"])
    return score(doc, truth, fps), differences(doc, truth, fps)


def _rescore(folder: Path, truth_path: Path) -> Path:
    """Re-run the analysis of the newest rep folder under ``folder/reps`` from its keypoints."""
    if not truth_path.is_file():
        raise FileNotFoundError(
            f"nothing to rescore in {folder}: run the scenario once without --rescore"
        )
    return _rescore_rep(folder)


def _rescore_rep(folder: Path) -> Path:
    """Re-run the analysis of the newest rep folder under ``folder/reps`` from its keypoints
    (the image stage too, when the clip is still where it was)."""
    from .footimage.settings import FootImageSettings
    from .pipeline import reanalyze_rep

    reps = sorted(
        (p for p in (folder / "reps").glob("*/keypoints.npz")), key=lambda p: p.stat().st_mtime
    )
    if not reps:
        raise FileNotFoundError(f"nothing to rescore in {folder}: run it once without --rescore")
    # The image stage is after the pose model too: timed again when the clip is still there.
    rep = reps[-1].parent
    clip = json.loads((rep / "rep.json").read_text())["video"]["path"]
    feet = FootImageSettings() if Path(clip).is_file() else None
    return reanalyze_rep(rep, overlay=False, feet=feet)[1]


def run_real(
    folder: Path,
    labels_path: Path,
    work_dir: Path,
    analyze: Callable[[Path, Path], Path] | None,
    tolerance_frames: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Analyse the real clips of ``folder`` a labels file names and score their steps against
    the contacts marked by hand (:mod:`sprintlab.reallabels`).

    Parameters
    ----------
    folder : Path
        Holds ``<clip>.<ext>`` for each clip of the labels.
    labels_path : Path
    work_dir : Path
        Rep folders go to ``work_dir/<clip>/reps``.
    analyze : callable or None
        ``analyze(clip_path, out_dir) -> rep_dir``; None: rescore the newest rep an earlier run
        left in ``work_dir/<clip>/reps`` (the analysis after the pose model and the image stage
        again, no model).

    Returns
    -------
    dict
        ``clips`` (per clip: labelled, found, false, errors, or ``error``), ``pooled``
        (touchdown and toe-off agreement in frames), ``_table`` and ``_pooled_table``.
    """
    from .reallabels import (
        DEFAULT_TOLERANCE_FRAMES,
        format_scores,
        load_contact_labels,
        pooled,
        score_clip,
    )

    tol = DEFAULT_TOLERANCE_FRAMES if tolerance_frames is None else tolerance_frames
    labels = load_contact_labels(labels_path)
    report: dict[str, Any] = {"labels": str(labels_path), "tolerance_frames": tol, "clips": {}}
    scores = []
    for clip, contacts in sorted(labels.items()):
        out = Path(work_dir) / clip
        try:
            if analyze is None:
                rep_dir = _rescore_rep(out)
            else:
                found = sorted(p for p in Path(folder).glob(f"{clip}.*") if p.is_file())
                if not found:
                    raise FileNotFoundError(f"no clip named {clip} in {folder}")
                if progress:
                    progress(f"{clip}: analysing")
                rep_dir = analyze(found[0], out / "reps")
            doc = json.loads((Path(rep_dir) / "rep.json").read_text())
        except Exception as err:  # a failed clip is a result, reported as such
            report["clips"][clip] = {"error": f"{type(err).__name__}: {err}"}
            continue
        steps = [(int(s["touchdown_frame"]), s.get("toeoff_frame")) for s in doc["steps"]]
        sc = score_clip(clip, steps, contacts, tol)
        scores.append(sc)
        report["clips"][clip] = asdict(sc)
    table = pooled(scores)
    report["pooled"] = {k: v.to_dict() for k, v in table.items()}
    report["_table"] = format_scores(scores)
    report["_pooled_table"] = format_table(
        f"real clips against the marked contacts (found within ±{tol} frames)", table
    )
    return report


def score_exact_keypoints(clip: Path, truth_path: Path) -> tuple[dict[str, Agreement], dict]:
    """Score the analysis alone on a rendered clip's exact 2D keypoints (no pose model).

    The renderer's projection of the athlete's joints replaces the pose model's output; the
    calibration comes from the clip's sidecar as in :func:`sprintlab.pipeline.analyze_clip`, so
    perspective, the camera's angle and the legs beside the athlete plane are all in play. What
    this leaves is the error of the analysis itself; the gap to the full run is the pose model's.
    """
    doc = json.loads(Path(truth_path).read_text())
    rep = _analyze_exact(Path(clip), doc).to_json_dict()
    fps = float(doc["fps"])
    truth = truth_in_view(doc)
    return score(rep, truth, fps), differences(rep, truth, fps)


def analyze_exact_keypoints(clip: Path, truth_path: Path) -> Any:
    """The :class:`~sprintlab.results.RepResult` of a rendered clip's exact 2D keypoints."""
    return _analyze_exact(Path(clip), json.loads(Path(truth_path).read_text()))


def _analyze_exact(clip: Path, doc: dict[str, Any]) -> Any:
    import numpy as np

    from .pipeline import analyze_track, load_calibration_input, marker_calibration
    from .track import KeypointTrack

    fps = float(doc["fps"])
    kp = np.asarray(doc["keypoints_px"], dtype=float).reshape(len(doc["keypoints_px"]), -1, 2)
    n = kp.shape[0]
    track = KeypointTrack(
        t_s=np.arange(n) / fps,
        xy=kp,
        conf=np.where(np.isfinite(kp[..., 0]), 1.0, 0.0),
        fps=fps,
    )
    calib_input = load_calibration_input(Path(clip), None)
    size = (int(doc["camera"]["width_px"]), int(doc["camera"]["height_px"]))
    height = calib_input.athlete_height_m if calib_input else None
    calib = marker_calibration(calib_input, size, height)
    if calib is None:
        raise ValueError(f"{clip} has no usable calibration sidecar")
    return analyze_track(
        track, calib, rep_id=Path(clip).stem, video={"capture_fps": fps}, stature_m=height
    )


def truth_in_view(truth_file: dict[str, Any]) -> dict[str, Any]:
    """The truth document limited to the steps whose toe-off is within the rendered frames."""
    truth = dict(truth_file.get("truth", truth_file))
    fps, n = truth_file.get("fps"), truth_file.get("n_frames")
    if fps and n:
        last_s = float(truth_file.get("start_s", 0.0)) + (int(n) - 1) / float(fps)
        truth["steps"] = [s for s in truth.get("steps", []) if s["toeoff_s"] <= last_s]
    return truth


def run_scenarios(
    scenarios: tuple[Scenario, ...],
    work_dir: Path,
    *,
    render: Callable[[Scenario, Path], tuple[Path, Path]] | None,
    analyze: Callable[[Path, Path], Path] | None,
    progress: Callable[[str], None] | None = None,
    exact_keypoints: bool = False,
) -> dict[str, Any]:
    """Render, analyse and score each scenario; returns the ``accuracy.json`` document.

    Parameters
    ----------
    render : callable or None
        ``render(scenario, folder) -> (clip_path, truth_path)``. A clip rendered earlier for the
        same scenario by the same renderer (:func:`render_key`) is reused instead. None:
        rescore, i.e. use the clip, truth and rep folder an earlier run left in
        ``work_dir/<scenario>/`` and re-run only the analysis after the pose model on its cached
        keypoints (seconds, no model).
    analyze : callable or None
        ``analyze(clip_path, out_dir) -> rep_dir``; ignored when rescoring.
    exact_keypoints : bool
        Score the analysis on the renderer's exact keypoints instead of the pose model's
        (:func:`score_exact_keypoints`); ``analyze`` is not used. Without ``render``, the clip
        ``work_dir/<scenario>/`` holds is used whatever made it.
    """
    report: dict[str, Any] = {"scenarios": {}, "pooled": {}}
    raw: list[dict[str, tuple[list[float], int]]] = []
    for sc in scenarios:
        if progress and (render is None or exact_keypoints):
            progress(f"{sc.name}: {'exact keypoints' if exact_keypoints else 'rescoring'}")
        folder = Path(work_dir) / sc.name
        folder.mkdir(parents=True, exist_ok=True)
        try:
            if exact_keypoints:
                if render is not None:
                    clip, truth_path = _render_or_reuse(sc, folder, render, progress)
                else:
                    clip, truth_path = _rendered_files(sc, folder)
                    if not (clip.is_file() and truth_path.is_file()):
                        raise FileNotFoundError(f"no rendered clip in {folder}")
                scores, diffs = score_exact_keypoints(clip, truth_path)
            else:
                if render is None or analyze is None:
                    truth_path = _rendered_files(sc, folder)[1]
                    rep_dir = _rescore(folder, truth_path)
                else:
                    clip, truth_path = _render_or_reuse(sc, folder, render, progress)
                    if progress:
                        progress(f"{sc.name}: analysing")
                    rep_dir = analyze(clip, folder / "reps")
                scores, diffs = score_rep_dir(rep_dir, truth_path)
        except Exception as err:  # a failed scenario is a result, reported as such
            report["scenarios"][sc.name] = {"error": f"{type(err).__name__}: {err}"}
            continue
        raw.append(diffs)
        report["scenarios"][sc.name] = {k: v.to_dict() for k, v in scores.items()}
        report["scenarios"][sc.name]["_table"] = format_table(sc.name, scores)
    report["pooled"] = {k: v.to_dict() for k, v in _pooled(raw).items()}
    report["_pooled_table"] = format_table("all scenarios pooled", _pooled(raw))
    return report


@dataclass(frozen=True)
class TrackScenario:
    """A synthetic keypoint-track scenario (no rendering, no pose model).

    Isolates everything after the pose model: the ideal world keypoints of the synthetic sprinter
    at ``fps``, with correlated keypoint noise (``noise_m``, 10 ms correlation), left/right leg
    swaps in bursts (``swap_fraction``) and dropouts (``drop_fraction``), over ``seeds``.
    """

    name: str
    fps: float = 240.0
    noise_m: float = 0.0
    swap_fraction: float = 0.0
    drop_fraction: float = 0.0
    seeds: tuple[int, ...] = (0,)


TRACK_SCENARIOS: tuple[TrackScenario, ...] = (
    TrackScenario("ideal_240fps"),
    TrackScenario("ideal_120fps", fps=120.0),
    TrackScenario("ideal_60fps", fps=60.0),
    TrackScenario("noise3mm_swaps_drops_240fps", 240.0, 0.003, 0.09, 0.05, (1, 2, 3, 4, 5)),
    TrackScenario("noise10mm_swaps_drops_240fps", 240.0, 0.010, 0.09, 0.05, (1, 2, 3, 4, 5)),
)


def run_track_scenarios(
    scenarios: tuple[TrackScenario, ...] = TRACK_SCENARIOS,
) -> dict[str, Any]:
    """Score the analysis after the pose model on synthetic keypoint tracks (fast, no model)."""
    import numpy as np

    from .calibration import Calibration
    from .pipeline import analyze_track
    from .synth import SprintParams, simulate
    from .synth.degrade import add_noise, drop_keypoints, swap_legs, to_track

    params = SprintParams()
    identity = Calibration(image_to_world=np.eye(3), method="line", rms_residual_m=0.0)
    report: dict[str, Any] = {"scenarios": {}}
    for sc in scenarios:
        sprint = simulate(params, sc.fps, 3.2)
        truth = sprint.truth.to_dict()
        raw: list[dict[str, tuple[list[float], int]]] = []
        for seed in sc.seeds:
            rng = np.random.default_rng(seed)
            track = to_track(sprint)
            if sc.noise_m:
                track = add_noise(track, sc.noise_m, rng=rng, autocorr_s=0.01)
            if sc.swap_fraction:
                track = swap_legs(track, sc.swap_fraction, burst_s=0.03, rng=rng)
            if sc.drop_fraction:
                track = drop_keypoints(track, sc.drop_fraction, burst_s=0.03, rng=rng)
            res = analyze_track(
                track.with_xy(track.xy, space="px"),
                identity,
                rep_id=sc.name,
                video={},
                stature_m=params.stature_m,
            )
            raw.append(differences(res.to_json_dict(), truth, sc.fps))
        pooled = _pooled(raw)
        report["scenarios"][sc.name] = {k: v.to_dict() for k, v in pooled.items()}
        report["scenarios"][sc.name]["_table"] = format_table(
            f"{sc.name} ({len(sc.seeds)} run(s), first 10 steps)", pooled
        )
    return report
