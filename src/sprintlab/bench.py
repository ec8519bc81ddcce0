"""Throughput benchmark: decoding, the naive ultralytics loop and sprintlab's ``analyze``.

All three run in one process on the same clip, several times each; the table reports medians and
the ratios sprintlab/baseline and sprintlab/decode, so a busy machine slows all of them alike and
the ratios stay meaningful. Nothing here is a test: the figures are for people (README, issue
notes), never asserted.

Definitions
-----------
decode
    PyAV decoding every frame of the clip to BGR arrays (what any analysis must at least do),
    with FFmpeg's own threading.
baseline
    ``ultralytics.YOLO(weights).track(frame, persist=True, imgsz=640)`` on every frame, the
    PyTorch model on the full frame (what a user would write first). With ``baseline_frames`` it
    runs on the first frames only: frames per second do not depend on how many.
sprintlab
    :func:`sprintlab.pipeline.analyze_clip`, end to end to the numbers (rep.json, steps.csv,
    series.csv): pose model (search and refine passes), analysis and rep folder, with the engine
    :mod:`sprintlab.pose.backends` picks.
overlay
    :func:`sprintlab.overlay_video.draw_rep_overlay` on that rep: the overlay video a user sees,
    drawn after the numbers (on demand, or with ``--overlay``).
peak memory
    Largest resident set size while a stage runs (sampled every 20 ms), MiB. Each stage runs in
    a fresh Python process of its own, so its figure holds its own imports, model and frames
    and nothing a previous stage left behind (PyTorch, loaded by the baseline, stays resident).
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import platform
import queue
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

BENCH_FPS = 240.0
#: Scratch folders a stage's process made (removed when the stage ends).
_SCRATCH: list[Path] = []
BENCH_SIZE = (1920, 1080)


@dataclass(frozen=True)
class StageResult:
    """Medians over the runs of one benchmarked stage.

    Attributes
    ----------
    name : str
    frames : int
        Frames processed per run.
    seconds : tuple of float
        Wall time of each run, s.
    fps : float
        ``frames / median(seconds)``, frames per second.
    peak_rss_mib : float
        Largest resident memory of the stage's own process seen during any run, MiB.
    phases_s : dict
        Median seconds per phase of the run (sprintlab only: load, search, refine, analysis
        (footage checks), feet (contacts timed from the image), steps, writing).
    """

    name: str
    frames: int
    seconds: tuple[float, ...]
    fps: float
    peak_rss_mib: float
    phases_s: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class BenchReport:
    """The whole benchmark: stages, ratios and where it ran."""

    clip: str
    n_frames: int
    width_px: int
    height_px: int
    capture_fps: float
    backend: str
    stages: tuple[StageResult, ...]
    machine: dict[str, Any]

    def stage(self, name: str) -> StageResult | None:
        """The stage called ``name``, if it ran."""
        return next((s for s in self.stages if s.name == name), None)

    def ratio(self, a: str, b: str) -> float:
        """``fps(a) / fps(b)``; NaN when either did not run."""
        sa, sb = self.stage(a), self.stage(b)
        if sa is None or sb is None or not sb.fps > 0:
            return float("nan")
        return sa.fps / sb.fps

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (``bench.json``)."""
        out = asdict(self)
        out["ratios"] = {
            "sprintlab_over_baseline": self.ratio("sprintlab", "baseline"),
            "sprintlab_over_decode": self.ratio("sprintlab", "decode"),
            "sprintlab_over_capture_rate": self.stage("sprintlab").fps / self.capture_fps
            if self.stage("sprintlab")
            else float("nan"),
        }
        return out


def _rss_mib() -> float:
    # Resident pages of this process (Linux); 0 where /proc is missing.
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return 0.0
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


class _PeakMemory:
    """Samples the process's resident memory in a thread while the ``with`` block runs."""

    def __init__(self, interval_s: float = 0.02) -> None:
        self.interval_s = interval_s
        self.peak_mib = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_mib = max(self.peak_mib, _rss_mib())
            self._stop.wait(self.interval_s)

    def __enter__(self) -> _PeakMemory:
        self.peak_mib = _rss_mib()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak_mib = max(self.peak_mib, _rss_mib())


def _timed_runs(
    name: str,
    runs: int,
    body: Callable[[], tuple[int, dict[str, float]]],
    on_stage: Callable[[str, int], None] | None = None,
) -> StageResult:
    seconds: list[float] = []
    phases: list[dict[str, float]] = []
    peak = 0.0
    frames = 0
    for run in range(1, runs + 1):
        if on_stage is not None:
            on_stage(name, run)
        with _PeakMemory() as mem:
            t0 = time.perf_counter()
            frames, phase = body()
            seconds.append(time.perf_counter() - t0)
        peak = max(peak, mem.peak_mib)
        phases.append(phase)
    med = float(np.median(seconds))
    keys = [k for k in phases[0]] if phases else []
    return StageResult(
        name=name,
        frames=frames,
        seconds=tuple(round(s, 3) for s in seconds),
        fps=frames / med if med > 0 else float("nan"),
        peak_rss_mib=round(peak, 1),
        phases_s={k: float(np.median([p.get(k, 0.0) for p in phases])) for k in keys},
    )


def decode_run(clip: Path) -> tuple[int, dict[str, float]]:
    """Decode every frame of ``clip`` to BGR; returns the frame count."""
    import av

    n = 0
    with av.open(str(clip)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        for frame in container.decode(stream):
            frame.to_ndarray(format="bgr24")
            n += 1
    return n, {}


def baseline_run(clip: Path, weights: Path, max_frames: int | None) -> tuple[int, dict[str, float]]:
    """The naive loop: the PyTorch model's ``track()`` at 640 on every full frame."""
    import av

    from .pose.yolo import import_ultralytics_offline

    model = import_ultralytics_offline()(str(weights), task="pose")
    n = 0
    with av.open(str(clip)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        for frame in container.decode(stream):
            model.track(frame.to_ndarray(format="bgr24"), persist=True, imgsz=640, verbose=False)
            n += 1
            if max_frames is not None and n >= max_frames:
                break
    return n, {}


def sprintlab_run(
    clip: Path, weights: Path, backend: str | None, estimator: Any = None
) -> tuple[int, dict[str, float]]:
    """``analyze_clip`` end to end into a scratch folder; returns frames and phase times."""
    from .pipeline import ClipOptions, analyze_clip

    marks: list[tuple[str, float]] = [("load", time.perf_counter())]

    def progress(stage: str, _fraction: float) -> None:
        if stage != marks[-1][0]:
            marks.append((stage, time.perf_counter()))

    out = Path(tempfile.mkdtemp(prefix="sprintlab-bench-"))
    try:
        result, _ = analyze_clip(
            clip,
            out,
            ClipOptions(model_path=weights, backend=backend),
            estimator=estimator,
            progress=progress,
        )
    finally:
        shutil.rmtree(out, ignore_errors=True)
    marks.append(("end", time.perf_counter()))
    phases: dict[str, float] = {}
    for (name, t0), (_, t1) in itertools.pairwise(marks):
        key = "load" if name == "pose" else name
        phases[key] = phases.get(key, 0.0) + (t1 - t0)
    return int(result.video.get("n_frames") or 0), phases


def overlay_run(rep_dir: Path, n_frames: int) -> tuple[int, dict[str, float]]:
    """Draw the rep's overlay video once; returns the clip's frame count."""
    from .overlay_video import draw_rep_overlay

    draw_rep_overlay(rep_dir)
    return n_frames, {}


def bench_clip_path(folder: Path, duration_s: float = 5.0) -> Path:
    """Where :func:`render_bench_clip` keeps the benchmark clip of ``duration_s`` seconds."""
    return Path(folder) / f"bench_1080p_240fps_{duration_s:g}s.mp4"


def render_bench_clip(folder: Path, duration_s: float = 5.0) -> Path:
    """Render (once) the benchmark clip: 1080p, 240 fps, ``duration_s`` long, a coach standing by.

    The athlete holds the stance for 1 s, then sprints through the picture; the clip is cached in
    ``folder`` and reused.
    """
    from .synth import SprintParams
    from .synth.render import render_clip

    clip = bench_clip_path(folder, duration_s)
    name = clip.stem
    if clip.is_file():
        return clip
    # Enough steps that the motion lasts the whole clip; the athlete leaves the picture.
    params = SprintParams(n_steps=int(8 + 4 * duration_s), first_movement_s=1.0)
    rendered = render_clip(
        params,
        folder,
        fps=BENCH_FPS,
        width=BENCH_SIZE[0],
        height=BENCH_SIZE[1],
        duration_s=duration_s,
        decoys=("coach",),
        name=name,
    )
    return Path(rendered.video_path)


def machine_facts() -> dict[str, Any]:
    """Where the benchmark ran: CPU, cores, Python and engine versions."""
    facts: dict[str, Any] = {
        "cpu": platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
    }
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                facts["cpu"] = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    for module in ("av", "ultralytics", "openvino", "torch"):
        try:
            facts[module] = __import__(module).__version__
        except (ImportError, AttributeError):
            facts[module] = None
    try:
        facts["load_average"] = [round(v, 2) for v in os.getloadavg()]
    except OSError:
        pass
    return facts


def _stage_body(name: str, args: tuple) -> tuple[Callable[[], tuple[int, dict]], str]:
    """The timed body of stage ``name`` and the engine it uses (set up outside the timing)."""
    if name == "decode":
        (clip,) = args
        return (lambda: decode_run(Path(clip))), "pyav"
    if name == "baseline":
        clip, weights, max_frames = args
        return (lambda: baseline_run(Path(clip), Path(weights), max_frames)), "pytorch"
    if name == "sprintlab":
        from .pose.backends import load_pose_estimator

        clip, weights, backend = args
        # The engine is loaded (and exported, the first time) once, outside the timed runs, as
        # in a batch where one worker analyses many clips.
        estimator = load_pose_estimator(Path(weights), backend)
        engine = str(getattr(estimator, "backend", "pytorch"))
        return (lambda: sprintlab_run(Path(clip), Path(weights), backend, estimator)), engine
    if name == "overlay":
        from .pipeline import ClipOptions, analyze_clip
        from .pose.backends import load_pose_estimator

        clip, weights, backend = args
        estimator = load_pose_estimator(Path(weights), backend)
        out = Path(tempfile.mkdtemp(prefix="sprintlab-bench-overlay-"))
        _SCRATCH.append(out)
        # The rep is analysed once, outside the timing; the overlay is drawn from it each run.
        result, rep_dir = analyze_clip(
            Path(clip), out, ClipOptions(model_path=Path(weights)), estimator=estimator
        )
        return (lambda: overlay_run(rep_dir, int(result.video.get("n_frames") or 0))), "pyav"
    raise ValueError(f"unknown benchmark stage {name!r}")


def _stage_child(name: str, runs: int, args: tuple, messages: Any) -> None:
    # Runs in the stage's own process; everything goes back through the queue.
    try:
        body, engine = _stage_body(name, args)
        result = _timed_runs(name, runs, body, lambda n, r: messages.put(("run", n, r)))
        messages.put(("done", result, engine))
    except Exception as exc:  # reported to the parent, which raises it as one sentence
        messages.put(("error", str(exc) or type(exc).__name__))
    finally:
        for folder in _SCRATCH:
            shutil.rmtree(folder, ignore_errors=True)


def run_isolated(
    name: str,
    runs: int,
    args: tuple,
    on_stage: Callable[[str, int], None] | None = None,
) -> tuple[StageResult, str]:
    """Run benchmark stage ``name`` in a fresh Python process; returns its result and engine.

    Parameters
    ----------
    name : {"decode", "baseline", "sprintlab", "overlay"}
    runs : int
    args : tuple
        ``(clip,)`` for decode, ``(clip, weights, max_frames)`` for the baseline and
        ``(clip, weights, backend)`` for sprintlab and the overlay (paths as strings).
    on_stage : callable, optional
        Called as ``on_stage(name, run)`` before each run.

    Raises
    ------
    SprintlabError
        If the stage fails (its message says why) or its process dies.
    """
    from .errors import SprintlabError

    ctx = multiprocessing.get_context("spawn")
    messages = ctx.Queue()
    child = ctx.Process(target=_stage_child, args=(name, runs, args, messages), daemon=True)
    child.start()
    try:
        while True:
            try:
                msg = messages.get(timeout=1.0)
            except queue.Empty:
                if not child.is_alive():
                    raise SprintlabError(
                        f"The {name} benchmark stopped (exit code {child.exitcode})."
                    ) from None
                continue
            if msg[0] == "run":
                if on_stage is not None:
                    on_stage(msg[1], msg[2])
            elif msg[0] == "error":
                raise SprintlabError(f"The {name} benchmark failed: {msg[1]}")
            else:
                return msg[1], msg[2]
    finally:
        child.join(timeout=30)
        if child.is_alive():
            child.terminate()


def run_bench(
    clip: Path,
    weights: Path,
    *,
    runs: int = 3,
    baseline_frames: int | None = 240,
    backend: str | None = None,
    skip_baseline: bool = False,
    on_stage: Callable[[str, int], None] | None = None,
) -> BenchReport:
    """Benchmark decode, baseline and sprintlab on ``clip`` (see the module docstring).

    Parameters
    ----------
    clip : Path
    weights : Path
        PyTorch pose weights (the baseline always uses them; sprintlab picks its engine).
    runs : int
        Runs per stage; medians are reported.
    baseline_frames : int, optional
        Frames of the baseline run (None: all). The baseline is slow; its rate is per frame.
    backend : str, optional
        sprintlab's engine (default: automatic).
    skip_baseline : bool
        Leave the baseline out (its ratio is then NaN).
    on_stage : callable, optional
        Called as ``on_stage(name, run)`` before each run, for progress display.
    """
    from .video import probe

    if runs < 1:
        raise ValueError(f"runs must be >= 1, got {runs}")
    meta = probe(Path(clip))
    stages = [run_isolated("decode", runs, (str(clip),), on_stage)[0]]
    if not skip_baseline:
        args = (str(clip), str(weights), baseline_frames)
        stages.append(run_isolated("baseline", runs, args, on_stage)[0])
    args = (str(clip), str(weights), backend)
    sprintlab, engine = run_isolated("sprintlab", runs, args, on_stage)
    stages.append(sprintlab)
    stages.append(run_isolated("overlay", runs, args, on_stage)[0])
    return BenchReport(
        clip=str(clip),
        n_frames=meta.n_frames,
        width_px=meta.width_px,
        height_px=meta.height_px,
        capture_fps=meta.capture_fps,
        backend=engine,
        stages=tuple(stages),
        machine=machine_facts(),
    )


def format_report(report: BenchReport) -> str:
    """The benchmark as a plain-text table."""
    lines = [
        f"clip: {report.clip} ({report.width_px}x{report.height_px}, {report.n_frames} frames, "
        f"{report.capture_fps:g} fps)",
        f"machine: {report.machine.get('cpu')}, {report.machine.get('cores')} cores; "
        f"sprintlab engine: {report.backend}",
        "",
        f"{'stage':<10} {'frames':>7} {'median s':>9} {'frames/s':>9} {'peak MiB':>9}  runs (s)",
    ]
    for s in report.stages:
        runs = ", ".join(f"{v:.2f}" for v in s.seconds)
        lines.append(
            f"{s.name:<10} {s.frames:>7d} {float(np.median(s.seconds)):>9.2f} {s.fps:>9.1f} "
            f"{s.peak_rss_mib:>9.0f}  {runs}"
        )
    lines.append("")
    lines.append(
        f"sprintlab / baseline: {report.ratio('sprintlab', 'baseline'):.2f}x   "
        f"sprintlab / decode: {report.ratio('sprintlab', 'decode'):.2f}x   "
        f"sprintlab / capture rate: "
        f"{report.to_dict()['ratios']['sprintlab_over_capture_rate']:.2f}x"
    )
    sl = report.stage("sprintlab")
    if sl is not None and sl.phases_s:
        total = sum(sl.phases_s.values())
        parts = ", ".join(f"{k} {v:.2f} s ({100 * v / total:.0f}%)" for k, v in sl.phases_s.items())
        lines.append(f"sprintlab phases (median): {parts}")
    return "\n".join(lines)
