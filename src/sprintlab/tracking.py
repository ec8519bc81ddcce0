"""Follow one athlete through a clip, ignoring coaches, timers, walkers and other runners.

Two passes over the video, because of what the stock pose model does on side-view sprint footage
(``design/field-notes.md``): on the full frame a small or crouched athlete is often missed or scored
far below the usual 0.25 threshold, while a crop around the athlete finds the same pose with high
confidence and better keypoints. So:

1. **Search pass** (every ``search_interval_s``, full frame, large input, very low box threshold):
   find everybody, link detections over time into *tracklets* (Hungarian assignment on box-centre
   distance in box heights plus 1 − IoU, bridging gaps up to ``max_gap_s``), and choose the
   athlete: the tracklet that runs, i.e. with the highest sustained horizontal speed of its box
   centre in a consistent direction (see :func:`run_score`).
2. **Refine pass** (every frame): crop around where the athlete is expected (the chosen tracklet,
   interpolated in time and corrected by the refine detections themselves, so a fast athlete stays
   centred), run the model on the crop at a small input size, and keep the detection that overlaps
   the expected box best.

3. **Going back** (only when the athlete was missed before the track took hold, typically a
   small crouched athlete in the set position): from the first frames the athlete is tracked,
   back in time on crops guided by the next frame's box, with a lower threshold
   (:func:`recover_head`).

The video is streamed (twice, plus the head of the clip for going back) and never held in
memory: ``frames_factory(step)`` must return a fresh iterator over ``(index, t_s, image_bgr)``
every ``step`` frames.

All coordinates here are image pixels (x right, y down). Boxes are ``(x1, y1, x2, y2)``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linear_sum_assignment

from .errors import NoAthleteError, VideoError
from .footage import RunnerSeen
from .footimage.settings import FootImageSettings
from .pose.base import PoseDetections, PoseEstimator, clip_roi, predict_crop
from .skeleton import N_KEYPOINTS
from .track import KeypointTrack

FrameSource = Callable[[int], Iterable[tuple[int, float, np.ndarray]]]
ProgressCallback = Callable[[str, float], None]

# Cost given to gated (impossible) pairs so linear_sum_assignment always has a finite problem.
_GATED_COST = 1e6


@dataclass(frozen=True)
class TrackingSettings:
    """Parameters of :func:`track_athlete`. Durations in seconds, sizes relative to box height.

    Attributes
    ----------
    search_interval_s : float
        Time between search-pass frames (every frame when the clip is ≤ 25 fps).
    search_imgsz : int
        Model input size (px, long side) for the full-frame search pass.
    search_conf : float
        Box threshold of the search pass; low, because crouched athletes score ≈ 0.1 on full frames.
    max_gap_s : float
        Longest gap in a person's detections that linking bridges.
    link_gate_heights : float
        Largest distance (in box heights) between a tracklet's predicted box centre and a detection
        that may be linked, at zero gap.
    link_gate_heights_per_s : float
        Extra allowed distance (box heights) per second of gap since the tracklet's last detection.
    link_max_height_ratio : float
        Largest ratio of box heights (either way) between a tracklet and a detection it links to.
    min_run_duration_s : float
        Tracklets shorter than this are not candidates for the athlete.
    run_window_s : float
        Window over which sustained horizontal speed is measured (:func:`run_score`).
    min_direction_consistency : float
        Net over travelled horizontal path within a window (1 = straight one way) for it to count.
    min_run_speed_heights_per_s : float
        Sustained speed (box heights per second) below which a person is not running; when nobody
        reaches it the most visible person is followed, with a warning.
    tie_tolerance : float
        Candidates whose speed is within this fraction of the best are tied; the larger box wins.
    refine_imgsz : int
        Model input size (px) on the crop around the athlete.
    refine_conf : float
        Box threshold on the crop.
    crop_scale : float
        The crop is a square of this factor times the expected box's longer side (its height
        for an upright athlete), see :func:`refine_roi`.
    min_refine_iou : float
        Refine detections overlapping the expected box less than this are rejected.
    refine_weight : float
        Weight in [0, 1] of the refine pass's own prediction (last refined box moved at the
        athlete's velocity) against the search track, within the search track's time span. Outside
        it the search track is only a guess (held or extrapolated), so the own prediction is used
        alone.
    velocity_smoothing_s : float
        Time constant of the exponential smoothing of the refined box-centre velocity.
    velocity_window_s : float
        Span of the last search detections fitted to get the velocity used for extrapolation.
    max_extrapolation_s : float
        After the chosen tracklet ends, its last box moves at its last velocity for at most this
        long, then stays.
    missing_warning_fraction : float
        Warn when the athlete is missing in more than this fraction of frames.
    recover_anchor_s : float
        The track is anchored at the first run of this long with the athlete found on every
        frame; frames before it where the athlete was missed are looked at again, going back in
        time from the anchor (:func:`recover_head`).
    recover_conf, recover_min_iou : float
        Box threshold and least overlap with the next frame's box when going back: lower than
        on the forward pass, because the box in the next frame is a close guide (a crouched
        athlete scored 0.02–0.10 on full 1080p frames at 16–18 m).
    recover_back_heights, recover_ahead_heights : float
        The frames before the anchor are kept only in a region reaching this many of the
        anchor box's heights behind it (against the run direction) and ahead of it, where the
        athlete can have been before the anchor.
    recover_max_miss_s : float
        Going back stops after the athlete has been missed for this long in a row.
    recover_max_mib : float
        Memory for the frames kept to go back through, MiB (about 1.5 s of 1080p at 240 fps
        with the athlete 200 px tall).
    foot_image : FootImageSettings
        The image stage at the feet (:mod:`sprintlab.footimage`): it reads the clip's frames,
        so it belongs to the pose stage and its contacts are kept with the rep.
    """

    search_interval_s: float = 0.04
    search_imgsz: int = 960
    search_conf: float = 0.05
    max_gap_s: float = 0.5
    link_gate_heights: float = 0.5
    link_gate_heights_per_s: float = 2.0
    link_max_height_ratio: float = 2.0
    min_run_duration_s: float = 0.3
    run_window_s: float = 0.5
    min_direction_consistency: float = 0.6
    min_run_speed_heights_per_s: float = 0.5
    tie_tolerance: float = 0.1
    refine_imgsz: int = 384
    refine_conf: float = 0.1
    crop_scale: float = 1.6
    min_refine_iou: float = 0.2
    refine_weight: float = 0.7
    velocity_smoothing_s: float = 0.1
    velocity_window_s: float = 0.2
    max_extrapolation_s: float = 0.5
    missing_warning_fraction: float = 0.05
    recover_anchor_s: float = 0.05
    recover_conf: float = 0.05
    recover_min_iou: float = 0.1
    recover_back_heights: float = 3.0
    recover_ahead_heights: float = 1.0
    recover_max_miss_s: float = 0.15
    recover_max_mib: float = 256.0
    foot_image: FootImageSettings = field(default_factory=FootImageSettings)

    def __post_init__(self) -> None:
        positive = (
            "search_interval_s",
            "max_gap_s",
            "link_gate_heights",
            "min_run_duration_s",
            "run_window_s",
            "velocity_smoothing_s",
            "velocity_window_s",
            "recover_anchor_s",
            "recover_max_mib",
        )
        for name in positive:
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)}")
        non_negative = (
            "link_gate_heights_per_s",
            "min_run_speed_heights_per_s",
            "tie_tolerance",
            "max_extrapolation_s",
            "recover_back_heights",
            "recover_ahead_heights",
            "recover_max_miss_s",
        )
        for name in non_negative:
            if not getattr(self, name) >= 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}")
        for name in (
            "search_conf",
            "refine_conf",
            "min_direction_consistency",
            "min_refine_iou",
            "refine_weight",
            "missing_warning_fraction",
            "recover_conf",
            "recover_min_iou",
        ):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be in [0, 1], got {getattr(self, name)}")
        for name in ("search_imgsz", "refine_imgsz"):
            if int(getattr(self, name)) < 32:
                raise ValueError(f"{name} must be at least 32 px, got {getattr(self, name)}")
        if not self.link_max_height_ratio >= 1:
            raise ValueError("link_max_height_ratio must be >= 1")
        if not self.crop_scale >= 1:
            raise ValueError("crop_scale must be >= 1")

    def search_step_frame(self, fps: float) -> int:
        """Search-pass stride in frames at ``fps`` (at least 1)."""
        if not fps > 0:
            raise ValueError(f"fps must be positive, got {fps}")
        return max(1, round(self.search_interval_s * fps))


# --------------------------------------------------------------------------------------------
# Small box helpers
# --------------------------------------------------------------------------------------------


def _as_boxes(boxes: np.ndarray) -> np.ndarray:
    return np.asarray(boxes, dtype=float).reshape(-1, 4)


def box_centres(boxes_xyxy_px: np.ndarray) -> np.ndarray:
    """Centres ``(N, 2)`` of boxes ``(N, 4)``."""
    b = _as_boxes(boxes_xyxy_px)
    return 0.5 * (b[:, :2] + b[:, 2:])


def box_heights(boxes_xyxy_px: np.ndarray) -> np.ndarray:
    """Heights ``(N,)`` of boxes ``(N, 4)`` in px."""
    b = _as_boxes(boxes_xyxy_px)
    return b[:, 3] - b[:, 1]


def box_iou(a_xyxy_px: np.ndarray, b_xyxy_px: np.ndarray) -> np.ndarray:
    """Intersection over union of every box in ``a`` (N, 4) with every box in ``b`` (M, 4).

    Returns an (N, M) array in [0, 1]; 0 where a union is empty.
    """
    a = _as_boxes(a_xyxy_px)[:, None, :]
    b = _as_boxes(b_xyxy_px)[None, :, :]
    iw = np.clip(np.minimum(a[..., 2], b[..., 2]) - np.maximum(a[..., 0], b[..., 0]), 0, None)
    ih = np.clip(np.minimum(a[..., 3], b[..., 3]) - np.maximum(a[..., 1], b[..., 1]), 0, None)
    inter = iw * ih
    area_a = (a[..., 2] - a[..., 0]) * (a[..., 3] - a[..., 1])
    area_b = (b[..., 2] - b[..., 0]) * (b[..., 3] - b[..., 1])
    union = area_a + area_b - inter
    with np.errstate(invalid="ignore", divide="ignore"):
        iou = np.where(union > 0, inter / union, 0.0)
    return iou


def refine_roi(box_xyxy_px: np.ndarray, crop_scale: float) -> np.ndarray:
    """Crop region around an expected box: a square of side ``crop_scale`` × the box's longer side.

    For an upright athlete (taller than wide) this is the box enlarged ``crop_scale`` times and
    widened to a square, leaving room for swinging limbs. A crouched athlete's box is wider than
    tall; the square then leaves room above for the athlete to rise into before the expected box
    catches up. Returns ``(x1, y1, x2, y2)`` in px, not clipped to the image.
    """
    x1, y1, x2, y2 = np.asarray(box_xyxy_px, dtype=float).reshape(4)
    cx, cy = 0.5 * (x1 + x2), 0.5 * (y1 + y2)
    half = 0.5 * crop_scale * max(x2 - x1, y2 - y1)
    return np.array([cx - half, cy - half, cx + half, cy + half])


# --------------------------------------------------------------------------------------------
# Search pass: tracklets
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchFrame:
    """Person boxes found on one search-pass frame.

    Parameters
    ----------
    index : int
        Frame index in the video.
    t_s : float
        Frame time in seconds.
    boxes_xyxy_px : ndarray, shape (N, 4)
    box_conf : ndarray, shape (N,)
    """

    index: int
    t_s: float
    boxes_xyxy_px: np.ndarray
    box_conf: np.ndarray

    def __post_init__(self) -> None:
        boxes = _as_boxes(self.boxes_xyxy_px)
        conf = np.asarray(self.box_conf, dtype=float).reshape(-1)
        if conf.shape != (boxes.shape[0],):
            raise ValueError("box_conf must have one value per box")
        if not np.isfinite(self.t_s):
            raise ValueError("t_s must be finite")
        object.__setattr__(self, "boxes_xyxy_px", boxes)
        object.__setattr__(self, "box_conf", conf)
        object.__setattr__(self, "index", int(self.index))
        object.__setattr__(self, "t_s", float(self.t_s))

    @classmethod
    def from_detections(cls, index: int, t_s: float, dets: PoseDetections) -> SearchFrame:
        """Keep only the boxes of a frame's pose detections."""
        return cls(index, t_s, dets.boxes_xyxy_px, dets.box_conf)


@dataclass(frozen=True)
class Tracklet:
    """One person's boxes over consecutive search frames (gaps up to ``max_gap_s``).

    Parameters
    ----------
    t_s : ndarray, shape (M,)
        Detection times in seconds, strictly increasing.
    frame_index : ndarray of int, shape (M,)
    boxes_xyxy_px : ndarray, shape (M, 4)
    box_conf : ndarray, shape (M,)
    """

    t_s: np.ndarray
    frame_index: np.ndarray
    boxes_xyxy_px: np.ndarray
    box_conf: np.ndarray

    def __post_init__(self) -> None:
        t = np.asarray(self.t_s, dtype=float).reshape(-1)
        m = t.shape[0]
        if m == 0:
            raise ValueError("a tracklet needs at least one detection")
        fi = np.asarray(self.frame_index, dtype=np.int64).reshape(-1)
        boxes = _as_boxes(self.boxes_xyxy_px)
        conf = np.asarray(self.box_conf, dtype=float).reshape(-1)
        if fi.shape != (m,) or boxes.shape != (m, 4) or conf.shape != (m,):
            raise ValueError("t_s, frame_index, boxes_xyxy_px and box_conf must have M rows")
        if m > 1 and not np.all(np.diff(t) > 0):
            raise ValueError("t_s must be strictly increasing")
        for name, value in (
            ("t_s", t),
            ("frame_index", fi),
            ("boxes_xyxy_px", boxes),
            ("box_conf", conf),
        ):
            value.setflags(write=False)
            object.__setattr__(self, name, value)

    @property
    def n(self) -> int:
        """Number of detections M."""
        return int(self.t_s.shape[0])

    @property
    def duration_s(self) -> float:
        """Time from first to last detection."""
        return float(self.t_s[-1] - self.t_s[0])

    @property
    def centre_x_px(self) -> np.ndarray:
        """Horizontal box-centre position (M,) in px."""
        return box_centres(self.boxes_xyxy_px)[:, 0]

    @property
    def median_height_px(self) -> float:
        """Median box height in px."""
        return float(np.median(box_heights(self.boxes_xyxy_px)))


@dataclass
class _TrackletBuilder:
    t_s: list[float] = field(default_factory=list)
    frame_index: list[int] = field(default_factory=list)
    boxes: list[np.ndarray] = field(default_factory=list)
    conf: list[float] = field(default_factory=list)

    def add(self, frame: SearchFrame, k: int) -> None:
        self.t_s.append(frame.t_s)
        self.frame_index.append(frame.index)
        self.boxes.append(frame.boxes_xyxy_px[k])
        self.conf.append(float(frame.box_conf[k]))

    def predict(self, t_s: float, max_gap_s: float) -> np.ndarray:
        """Last box moved at the last centre velocity (zero when unknown) to time ``t_s``."""
        last = self.boxes[-1]
        if len(self.t_s) < 2 or self.t_s[-1] - self.t_s[-2] > max_gap_s:
            return last
        v = (box_centres(last)[0] - box_centres(self.boxes[-2])[0]) / (self.t_s[-1] - self.t_s[-2])
        shift = v * (t_s - self.t_s[-1])
        return last + np.tile(shift, 2)

    def build(self) -> Tracklet:
        return Tracklet(
            t_s=np.array(self.t_s),
            frame_index=np.array(self.frame_index),
            boxes_xyxy_px=np.array(self.boxes),
            box_conf=np.array(self.conf),
        )


def link_cost(
    predicted_xyxy_px: np.ndarray,
    detections_xyxy_px: np.ndarray,
    gap_s: np.ndarray,
    settings: TrackingSettings,
) -> np.ndarray:
    """Cost of linking each predicted tracklet box (L, 4) to each detection (N, 4).

    cost = |centre distance| / mean box height + (1 − IoU). Pairs farther apart than
    ``link_gate_heights + link_gate_heights_per_s × gap_s`` box heights, or whose heights differ by
    more than ``link_max_height_ratio``, are impossible (``inf``). ``gap_s`` (L,) is the time since
    each tracklet's last detection.
    """
    p = _as_boxes(predicted_xyxy_px)
    d = _as_boxes(detections_xyxy_px)
    hp = box_heights(p)[:, None]
    hd = box_heights(d)[None, :]
    mean_h = np.maximum(0.5 * (hp + hd), 1e-9)
    dist = np.linalg.norm(box_centres(p)[:, None, :] - box_centres(d)[None, :, :], axis=2) / mean_h
    cost = dist + (1.0 - box_iou(p, d))
    gate = settings.link_gate_heights + settings.link_gate_heights_per_s * np.asarray(
        gap_s, dtype=float
    ).reshape(-1, 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.maximum(hp / hd, hd / hp)
    impossible = (dist > gate) | ~(ratio <= settings.link_max_height_ratio)
    return np.where(impossible, np.inf, cost)


def link_tracklets(
    frames: Sequence[SearchFrame], settings: TrackingSettings = TrackingSettings()
) -> list[Tracklet]:
    """Link per-frame person boxes into tracklets.

    Frames are processed in time order. Each frame's detections are assigned to the tracklets seen
    within ``max_gap_s`` by the Hungarian algorithm (:func:`scipy.optimize.linear_sum_assignment`)
    on :func:`link_cost`, where a tracklet's box is first moved at its last centre velocity to the
    frame time, so a sprinter is not handed over to someone he passes. Unassigned detections start
    new tracklets.

    Returns
    -------
    list of Tracklet
        In order of first appearance.
    """
    builders: list[_TrackletBuilder] = []
    for frame in sorted(frames, key=lambda f: f.t_s):
        n_det = frame.boxes_xyxy_px.shape[0]
        if n_det == 0:
            continue
        live = [
            k
            for k, b in enumerate(builders)
            if frame.t_s - b.t_s[-1] <= settings.max_gap_s + 1e-9 and frame.t_s > b.t_s[-1]
        ]
        assigned_dets: set[int] = set()
        if live:
            predicted = np.array([builders[k].predict(frame.t_s, settings.max_gap_s) for k in live])
            gaps = np.array([frame.t_s - builders[k].t_s[-1] for k in live])
            cost = link_cost(predicted, frame.boxes_xyxy_px, gaps, settings)
            rows, cols = linear_sum_assignment(np.where(np.isfinite(cost), cost, _GATED_COST))
            for r, c in zip(rows, cols, strict=True):
                if np.isfinite(cost[r, c]):
                    builders[live[r]].add(frame, int(c))
                    assigned_dets.add(int(c))
        for c in range(n_det):
            if c not in assigned_dets:
                b = _TrackletBuilder()
                b.add(frame, c)
                builders.append(b)
    return [b.build() for b in builders]


# --------------------------------------------------------------------------------------------
# Choosing the athlete
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunScore:
    """How much a tracklet looks like someone running.

    Attributes
    ----------
    speed_px_per_s : float
        Highest sustained horizontal box-centre speed: net displacement over a window of at least
        ``run_window_s`` (the whole tracklet if shorter) divided by the window's duration, among
        windows whose motion is direction-consistent. 0 if none qualifies.
    direction : int
        +1 if that motion is towards larger image x, −1 otherwise (+1 when there is none).
    displacement_px : float
        Signed net horizontal displacement of the box centre over that window.
    """

    speed_px_per_s: float
    direction: int
    displacement_px: float


def run_score(tracklet: Tracklet, settings: TrackingSettings = TrackingSettings()) -> RunScore:
    """Score a tracklet by its highest sustained, direction-consistent horizontal speed.

    For every start sample ``i`` the window ends at the first sample at least ``run_window_s``
    later; its net displacement ``Δx`` counts when ``|Δx| / Σ|dx| ≥ min_direction_consistency``
    (a person walking to and fro, or an identity swap back and forth, does not). Tracklets
    shorter than ``run_window_s`` use their whole span; shorter than ``min_run_duration_s``, they
    score 0.

    Why speed over a window rather than the total displacement: someone walking across the whole
    frame covers more pixels than a sprinter who only runs a few steps in view (the sample clip),
    but nobody in a sprint-start clip moves as fast as the athlete.
    """
    t = tracklet.t_s
    x = tracklet.centre_x_px
    if tracklet.duration_s < settings.min_run_duration_s - 1e-9:
        return RunScore(0.0, 1, 0.0)
    path = np.concatenate([[0.0], np.cumsum(np.abs(np.diff(x)))])
    if tracklet.duration_s <= settings.run_window_s:
        starts = np.array([0])
        ends = np.array([t.shape[0] - 1])
    else:
        ends = np.searchsorted(t, t + settings.run_window_s - 1e-9)
        starts = np.arange(t.shape[0])
        ok = ends < t.shape[0]
        starts, ends = starts[ok], ends[ok]
    disp = x[ends] - x[starts]
    travelled = path[ends] - path[starts]
    with np.errstate(divide="ignore", invalid="ignore"):
        consistency = np.where(travelled > 0, np.abs(disp) / travelled, 0.0)
        speed = np.abs(disp) / (t[ends] - t[starts])
    speed = np.where(consistency >= settings.min_direction_consistency, speed, 0.0)
    best = int(np.argmax(speed))
    if not speed[best] > 0:
        return RunScore(0.0, 1, 0.0)
    d = float(disp[best])
    return RunScore(float(speed[best]), 1 if d >= 0 else -1, d)


@dataclass(frozen=True)
class AthleteChoice:
    """Which tracklet is the athlete.

    Attributes
    ----------
    index : int
        Index into the tracklet list.
    direction : int
        +1 if the athlete runs towards larger image x, −1 otherwise.
    n_candidates : int
        Tracklets lasting at least ``min_run_duration_s`` (people seen long enough to consider).
    scores : tuple of RunScore
        Score of every tracklet, in list order.
    warnings : tuple of str
    runners : tuple of int
        Indices of the tracklets that run (see :func:`choose_athlete`).
    """

    index: int
    direction: int
    n_candidates: int
    scores: tuple[RunScore, ...]
    warnings: tuple[str, ...] = ()
    runners: tuple[int, ...] = ()


def choose_athlete(
    tracklets: Sequence[Tracklet],
    settings: TrackingSettings = TrackingSettings(),
    athlete_px: tuple[float, float] | None = None,
) -> AthleteChoice:
    """Choose the athlete among tracklets: the person who runs fastest, sustained.

    Runners are tracklets whose :func:`run_score` speed is at least
    ``min_run_speed_heights_per_s`` × their median box height. The fastest runner wins; runners
    within ``tie_tolerance`` of the best speed are tied and the one with the taller median box
    (closer to the camera) wins. If nobody runs (e.g. a clip of the set position only), the
    most visible person (longest seen × box height) is chosen and a warning says so.

    With ``athlete_px`` (an image point, px) the runner whose first box is nearest that point
    is chosen instead (distance from the point to the box, 0 inside it; then to its centre);
    when nobody runs, the nearest person seen long enough.

    Raises
    ------
    NoAthleteError
        If there are no tracklets at all.
    """
    if not tracklets:
        raise NoAthleteError(
            "No person was found in this clip: check that the athlete is in view, large enough "
            "and well lit, then record again."
        )
    scores = tuple(run_score(tr, settings) for tr in tracklets)
    heights = np.array([tr.median_height_px for tr in tracklets])
    candidates = [
        k for k, tr in enumerate(tracklets) if tr.duration_s >= settings.min_run_duration_s - 1e-9
    ]
    speeds = np.array([s.speed_px_per_s for s in scores])
    runners = [
        k for k in candidates if speeds[k] >= settings.min_run_speed_heights_per_s * heights[k]
    ]
    if athlete_px is not None:
        pool = runners or candidates or list(range(len(tracklets)))
        index = min(pool, key=lambda k: _distance_to_box(athlete_px, tracklets[k]))
        return AthleteChoice(
            index, scores[index].direction, len(candidates), scores, runners=tuple(runners)
        )
    if runners:
        best_speed = max(speeds[k] for k in runners)
        tied = [k for k in runners if speeds[k] >= (1.0 - settings.tie_tolerance) * best_speed]
        index = max(tied, key=lambda k: (heights[k], speeds[k]))
        return AthleteChoice(
            index, scores[index].direction, len(candidates), scores, runners=tuple(runners)
        )
    pool = candidates or list(range(len(tracklets)))
    index = max(pool, key=lambda k: (tracklets[k].duration_s + 1e-9) * heights[k])
    warning = (
        "Nobody ran in this clip, so sprintlab follows the most visible person: check that the "
        "clip shows the start and the first steps."
    )
    return AthleteChoice(index, scores[index].direction, len(candidates), scores, (warning,))


def _distance_to_box(point_px: tuple[float, float], tracklet: Tracklet) -> tuple[float, float]:
    """(distance from the point to the tracklet's first box, 0 inside; to its centre), px."""
    x1, y1, x2, y2 = tracklet.boxes_xyxy_px[0]
    px, py = float(point_px[0]), float(point_px[1])
    outside = float(np.hypot(max(x1 - px, 0.0, px - x2), max(y1 - py, 0.0, py - y2)))
    centre = box_centres(tracklet.boxes_xyxy_px[:1])[0]
    return outside, float(np.hypot(px - centre[0], py - centre[1]))


def runners_in_view(
    tracklets: Sequence[Tracklet],
    choice: AthleteChoice,
    chosen: Tracklet,
    settings: TrackingSettings = TrackingSettings(),
    min_shared_s: float = 0.2,
    min_sprint_heights_per_s: float = 2.0,
) -> tuple[RunnerSeen, ...]:
    """The athlete and the other people sprinting at the same time, each with where they started.

    Another person counts when they are a runner (see :func:`choose_athlete`) as fast as
    ``min_sprint_heights_per_s`` box heights per second (a walker covers about 0.8, a jogger
    about 1.9, a sprinter 3–5 out of the blocks), in view at the same time
    as the chosen, extended tracklet for at least ``min_shared_s`` with its box apart from the
    athlete's (IoU below 0.3), and is not a piece of another runner already counted (its boxes
    on that runner's extended track, IoU 0.3 or more, at the times they share): pieces of one
    person's track and duplicate boxes on a person count once. Faster runners are counted first.
    When people cross, linking can hand a track from one to the other, so no more are reported
    than the most runners seen apart at one time (boxes overlapping by IoU 0.3 or more are one).
    """
    out = [_runner_seen(chosen, choice.scores[choice.index], True)]
    people = [chosen]
    others = sorted(
        (
            k
            for k in choice.runners
            if k != choice.index
            and choice.scores[k].speed_px_per_s
            >= min_sprint_heights_per_s * tracklets[k].median_height_px
        ),
        key=lambda k: -choice.scores[k].speed_px_per_s,
    )
    for k in others:
        tr = tracklets[k]
        if _same_person(tr, people[1:], settings):
            continue
        shared = (tr.t_s >= chosen.t_s[0]) & (tr.t_s <= chosen.t_s[-1])
        if not shared.any():
            continue
        iou = _iou_along(tr, chosen, shared, settings)
        apart_t = tr.t_s[shared][iou < 0.3]
        if apart_t.size >= 2 and apart_t[-1] - apart_t[0] >= min_shared_s - 1e-9:
            out.append(_runner_seen(tr, choice.scores[k], False))
            people.append(extend_tracklet(tracklets, k, settings))
    at_once = _most_runners_at_once([tracklets[k] for k in others] + [chosen], settings)
    return tuple(out[: max(1, at_once)])


def _most_runners_at_once(runners: Sequence[Tracklet], settings: TrackingSettings) -> int:
    """Largest number of runner boxes apart from each other (IoU < 0.3) at one search time."""
    times = np.unique(np.concatenate([tr.t_s for tr in runners]))
    most = 0
    for t in times:
        boxes = [expected_box(tr, t, settings) for tr in runners if tr.t_s[0] <= t <= tr.t_s[-1]]
        apart: list[np.ndarray] = []
        for b in boxes:
            if all(box_iou(b, other)[0, 0] < 0.3 for other in apart):
                apart.append(b)
        most = max(most, len(apart))
    return most


def _iou_along(
    tr: Tracklet, other: Tracklet, at: np.ndarray, settings: TrackingSettings
) -> np.ndarray:
    """IoU of ``tr``'s boxes (where ``at``) with ``other``'s expected box at the same times."""
    expected = expected_box(other, tr.t_s[at], settings)
    return np.array(
        [box_iou(b, e)[0, 0] for b, e in zip(tr.boxes_xyxy_px[at], expected, strict=True)]
    )


def _same_person(tr: Tracklet, people: Sequence[Tracklet], settings: TrackingSettings) -> bool:
    for person in people:
        shared = (tr.t_s >= person.t_s[0]) & (tr.t_s <= person.t_s[-1])
        if shared.any() and np.median(_iou_along(tr, person, shared, settings)) >= 0.3:
            return True
    return False


def _runner_seen(tracklet: Tracklet, score: RunScore, measured: bool) -> RunnerSeen:
    box = tracklet.boxes_xyxy_px[0]
    centre = box_centres(box)[0]
    height = tracklet.median_height_px
    return RunnerSeen(
        start_xy_px=(float(centre[0]), float(centre[1])),
        start_box_xyxy_px=(float(box[0]), float(box[1]), float(box[2]), float(box[3])),
        start_t_s=float(tracklet.t_s[0]),
        speed_heights_per_s=score.speed_px_per_s / height if height > 0 else float("nan"),
        median_height_px=height,
        measured=measured,
    )


# --------------------------------------------------------------------------------------------
# Expected box of the athlete over time
# --------------------------------------------------------------------------------------------


def last_velocity_px_per_s(
    tracklet: Tracklet, settings: TrackingSettings = TrackingSettings()
) -> np.ndarray:
    """Box-centre velocity (vx, vy) in px/s at the end of a tracklet.

    A straight-line fit to the centres of the last ``velocity_window_s`` (at least the last two
    detections), so one jittery box does not fling the extrapolation. Zero for one detection.
    """
    if tracklet.n < 2:
        return np.zeros(2)
    t = tracklet.t_s
    use = t >= t[-1] - settings.velocity_window_s - 1e-9
    if use.sum() < 2:
        use = np.zeros_like(use)
        use[-2:] = True
    c = box_centres(tracklet.boxes_xyxy_px)[use]
    tt = t[use] - t[-1]
    return np.array([np.polyfit(tt, c[:, k], 1)[0] for k in range(2)])


def expected_box(
    tracklet: Tracklet, t_s: float | np.ndarray, settings: TrackingSettings = TrackingSettings()
) -> np.ndarray:
    """Where the athlete's box is expected at time(s) ``t_s``, from the chosen tracklet.

    - Within the tracklet: linear interpolation of the box corners in time.
    - Before its first detection: the first box (the athlete waits in the stance).
    - After its last detection: the last box moved at :func:`last_velocity_px_per_s` for at most
      ``max_extrapolation_s``, then held.

    Returns shape (4,) for a scalar time, (T, 4) for an array of times.
    """
    scalar = np.ndim(t_s) == 0
    t = np.atleast_1d(np.asarray(t_s, dtype=float))
    tk = tracklet.t_s
    boxes = tracklet.boxes_xyxy_px
    out = np.column_stack([np.interp(t, tk, boxes[:, k]) for k in range(4)])
    after = t > tk[-1]
    if np.any(after):
        v = last_velocity_px_per_s(tracklet, settings)
        dt = np.minimum(t[after] - tk[-1], settings.max_extrapolation_s)[:, None]
        out[after] = boxes[-1] + np.tile(v, 2) * dt
    return out[0] if scalar else out


def _join(earlier: Tracklet, later: Tracklet, settings: TrackingSettings) -> tuple[float, float]:
    """Cost and junction time of continuing ``earlier`` with ``later`` (inf: not one person).

    Each of ``later``'s detections in its first ``max_gap_s`` is compared with ``earlier``'s box
    at that time (interpolated, or extrapolated past its end); the cheapest gives the junction.
    Looking past ``later``'s very first box matters: a tracklet often begins on a partial box
    (the upper body behind an obstacle) and only grows to the whole person a few frames later.
    """
    # ``later`` must start after ``earlier`` starts and end after it ends (a short duplicate
    # inside the other tracklet is not a continuation), and begin within max_gap_s of its end
    # (before or after it).
    if (
        later.t_s[0] <= earlier.t_s[0]
        or later.t_s[-1] <= earlier.t_s[-1]
        or abs(later.t_s[0] - earlier.t_s[-1]) > settings.max_gap_s
    ):
        return np.inf, np.nan
    near = later.t_s <= later.t_s[0] + settings.max_gap_s + 1e-9
    t_j = later.t_s[near]
    predicted = expected_box(earlier, t_j, settings)
    gaps = np.maximum(t_j - earlier.t_s[-1], 0.0)
    cost = np.array(
        [
            link_cost(predicted[j], later.boxes_xyxy_px[near][j], gaps[j : j + 1], settings)[0, 0]
            for j in range(t_j.shape[0])
        ]
    )
    j = int(np.argmin(cost))
    return float(cost[j]), float(t_j[j])


def _concat(earlier: Tracklet, later: Tracklet, t_junction_s: float) -> Tracklet:
    a = earlier.t_s < t_junction_s
    b = later.t_s >= t_junction_s
    return Tracklet(
        t_s=np.concatenate([earlier.t_s[a], later.t_s[b]]),
        frame_index=np.concatenate([earlier.frame_index[a], later.frame_index[b]]),
        boxes_xyxy_px=np.concatenate([earlier.boxes_xyxy_px[a], later.boxes_xyxy_px[b]]),
        box_conf=np.concatenate([earlier.box_conf[a], later.box_conf[b]]),
    )


def extend_tracklet(
    tracklets: Sequence[Tracklet], index: int, settings: TrackingSettings = TrackingSettings()
) -> Tracklet:
    """Join the chosen tracklet with the tracklets that continue it before and after.

    Linking splits one person into two tracklets when a frame holds two boxes of them (the low
    search threshold lets duplicate and partial boxes through) and the wrong one is linked on:
    the athlete's stance and the run can end up apart (the sample clip). A tracklet that starts
    earlier and ends (or overlaps) within ``max_gap_s`` of the chosen one's start, and whose box
    meets one of the chosen one's first boxes within the :func:`link_cost` gates, is joined in
    front at that junction; likewise behind. The cheapest join is made first, repeatedly, each
    tracklet at most once.
    """
    current = tracklets[index]
    used = {index}
    while True:
        best_cost, best_k, best_before, best_t = np.inf, -1, True, np.nan
        for k, other in enumerate(tracklets):
            if k in used:
                continue
            for before, (cost, t_j) in (
                (True, _join(other, current, settings)),
                (False, _join(current, other, settings)),
            ):
                if cost < best_cost:
                    best_cost, best_k, best_before, best_t = cost, k, before, t_j
        if best_k < 0:
            return current
        used.add(best_k)
        other = tracklets[best_k]
        if best_before:
            current = _concat(other, current, best_t)
        else:
            current = _concat(current, other, best_t)


def select_detection(
    boxes_xyxy_px: np.ndarray, expected_xyxy_px: np.ndarray, min_iou: float
) -> int | None:
    """Index of the box overlapping ``expected`` most; None if its IoU is below ``min_iou``."""
    boxes = _as_boxes(boxes_xyxy_px)
    if boxes.shape[0] == 0:
        return None
    iou = box_iou(boxes, expected_xyxy_px)[:, 0]
    k = int(np.argmax(iou))
    return k if iou[k] >= min_iou else None


# --------------------------------------------------------------------------------------------
# Going back in time: the set position
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecoveredFrame:
    """The athlete found on one frame by :func:`recover_head` (row into the clip's frames)."""

    row: int
    box_xyxy_px: np.ndarray
    box_conf: float
    keypoints_px: np.ndarray
    keypoint_conf: np.ndarray


def anchor_row(found: np.ndarray, n_run: int) -> int | None:
    """First row that starts ``n_run`` consecutive found rows (None when there is no such run)."""
    f = np.asarray(found, dtype=bool)
    n_run = max(1, int(n_run))
    if f.size < n_run:
        return None
    runs = np.convolve(f.astype(int), np.ones(n_run, dtype=int), mode="valid")
    hits = np.flatnonzero(runs == n_run)
    return int(hits[0]) if hits.size else None


def head_region(
    anchor_box_xyxy_px: np.ndarray, direction: int, settings: TrackingSettings
) -> np.ndarray:
    """Image region ``(x1, y1, x2, y2)`` where the athlete can be before the anchor frame.

    ``recover_back_heights`` anchor-box heights behind the box (against the run direction),
    ``recover_ahead_heights`` ahead of it, and half a height above and below; not clipped.
    """
    x1, y1, x2, y2 = np.asarray(anchor_box_xyxy_px, dtype=float).reshape(4)
    h = max(y2 - y1, 1.0)
    back, ahead = settings.recover_back_heights * h, settings.recover_ahead_heights * h
    if direction > 0:
        return np.array([x1 - back, y1 - 0.5 * h, x2 + ahead, y2 + 0.5 * h])
    return np.array([x1 - ahead, y1 - 0.5 * h, x2 + back, y2 + 0.5 * h])


def recover_head(
    frames: Iterable[tuple[int, float, np.ndarray]],
    frame_index: np.ndarray,
    boxes_xyxy_px: np.ndarray,
    fps: float,
    direction: int,
    estimator: PoseEstimator,
    settings: TrackingSettings = TrackingSettings(),
) -> list[RecoveredFrame]:
    """Find the athlete on the frames before the track took hold, going back in time.

    A crouched athlete in the set position is often missed by the forward passes (on the full
    frame a compact 3-point stance scores far below an upright runner, and the crop is placed
    from a search track that begins only once the athlete has risen), so the track would begin
    with the athlete already running and first movement could not be seen. Going back from the
    anchor (the first ``recover_anchor_s`` run with the athlete found on every frame), each
    earlier frame is searched on a crop around the athlete's box in the next frame, with the
    lower ``recover_conf``; the box moves little from one frame to the next, so it is a close
    guide through the rise back into the crouch.

    Parameters
    ----------
    frames : iterable of (index, t_s, image_bgr)
        A fresh pass over every frame from the start; read only up to the anchor frame. The
        missed frames before it are kept only within :func:`head_region`, and only the latest
        that fit in ``recover_max_mib`` (the chain back starts at the anchor), so memory stays
        bounded however long the set-up before the start.
    frame_index : ndarray of int (T,)
        Frame index of each row of the forward pass.
    boxes_xyxy_px : ndarray (T, 4)
        The forward pass's boxes, NaN where the athlete was missed.
    fps : float
    direction : int
        +1 if the athlete runs towards larger image x.
    estimator : PoseEstimator
    settings : TrackingSettings

    Returns
    -------
    list of RecoveredFrame
        Only rows the forward pass missed; empty when nothing before the anchor was missed.
    """
    boxes = np.asarray(boxes_xyxy_px, dtype=float)
    found = np.isfinite(boxes[:, 0])
    anchor = anchor_row(found, round(settings.recover_anchor_s * fps))
    if anchor is None or found[:anchor].all():
        return []
    region = head_region(boxes[anchor], direction, settings)
    stop = int(frame_index[anchor])
    row_of = {int(fi): r for r, fi in enumerate(frame_index[:anchor])}
    # The frames nearest the anchor matter most (the chain back starts there), so a ring buffer
    # keeps the latest ones within the memory budget: raw pixels, no encoding cost.
    stored: deque[tuple[int, np.ndarray, int, int]] = deque()
    budget = settings.recover_max_mib * 2**20
    it = iter(frames)
    try:
        for index, _, image in it:
            if int(index) >= stop:
                break
            r = row_of.get(int(index))
            if r is None or found[r]:
                continue
            h, w = image.shape[:2]
            x1, y1, x2, y2 = clip_roi(region, w, h)
            if x2 - x1 < 8 or y2 - y1 < 8:
                continue
            crop = image[y1:y2, x1:x2].copy()
            if stored.maxlen is None:
                stored = deque(maxlen=max(1, int(budget // crop.nbytes)))
            stored.append((r, crop, x1, y1))
    finally:
        close = getattr(it, "close", None)
        if close is not None:
            close()  # stop decoding the rest of the clip
    by_row = {r: (crop, x1, y1) for r, crop, x1, y1 in stored}
    stored.clear()

    out: list[RecoveredFrame] = []
    guide = boxes[anchor]
    max_miss = max(1, round(settings.recover_max_miss_s * fps))
    misses = 0
    for r in range(anchor - 1, -1, -1):
        if found[r]:
            guide, misses = boxes[r], 0
            continue
        if r not in by_row:
            misses += 1
        else:
            crop, ox, oy = by_row.pop(r)
            shift = np.array([ox, oy, ox, oy], dtype=float)
            dets = predict_crop(
                estimator,
                crop,
                refine_roi(guide, settings.crop_scale) - shift,
                imgsz=settings.refine_imgsz,
                conf=settings.recover_conf,
            ).translated(ox, oy)
            k = select_detection(dets.boxes_xyxy_px, guide, settings.recover_min_iou)
            if k is None:
                misses += 1
            else:
                box = dets.boxes_xyxy_px[k].copy()
                out.append(
                    RecoveredFrame(
                        r,
                        box,
                        float(dets.box_conf[k]),
                        dets.keypoints_px[k].copy(),
                        dets.keypoint_conf[k].copy(),
                    )
                )
                guide, misses = box, 0
        if misses > max_miss:
            break
    return out


# --------------------------------------------------------------------------------------------
# Result and orchestration
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AthleteTrack:
    """The athlete's keypoints and box on every frame of a clip, in image pixels.

    Attributes
    ----------
    track : KeypointTrack
        Space ``"px"``, one row per frame read (``t_s`` and ``frame_index`` of every frame);
        rows are NaN where the athlete was not found.
    boxes_xyxy_px : ndarray, shape (T, 4)
        The athlete's box per frame; NaN where not found.
    box_conf : ndarray, shape (T,)
        Box confidence per frame; NaN where not found.
    direction : int
        +1 if the athlete runs towards larger image x, −1 towards smaller x.
    n_candidates : int
        People seen for at least ``min_run_duration_s`` in the search pass.
    detected_fraction : float
        Fraction of frames in which the athlete was found, in [0, 1].
    warnings : tuple of str
        Sentences for the coach (e.g. frames where the athlete was not found).
    recovered_frames : int
        Frames before the track took hold on which the athlete was found only by going back
        in time (:func:`recover_head`).
    runners : tuple of RunnerSeen
        The athlete and anybody else running in view at the same time (see
        :func:`runners_in_view`).
    """

    track: KeypointTrack
    boxes_xyxy_px: np.ndarray
    box_conf: np.ndarray
    direction: int
    n_candidates: int
    detected_fraction: float
    warnings: tuple[str, ...] = ()
    recovered_frames: int = 0
    runners: tuple[RunnerSeen, ...] = ()

    def __post_init__(self) -> None:
        n = self.track.n_frames
        boxes = np.asarray(self.boxes_xyxy_px, dtype=float)
        conf = np.asarray(self.box_conf, dtype=float)
        if boxes.shape != (n, 4):
            raise ValueError(f"boxes_xyxy_px must have shape ({n}, 4), got {boxes.shape}")
        if conf.shape != (n,):
            raise ValueError(f"box_conf must have shape ({n},), got {conf.shape}")
        if self.direction not in (1, -1):
            raise ValueError(f"direction must be +1 or -1, got {self.direction}")
        if self.n_candidates < 0:
            raise ValueError("n_candidates must be >= 0")
        if not 0.0 <= self.detected_fraction <= 1.0:
            raise ValueError("detected_fraction must be in [0, 1]")
        for name, value in (("boxes_xyxy_px", boxes), ("box_conf", conf)):
            value.setflags(write=False)
            object.__setattr__(self, name, value)
        object.__setattr__(self, "warnings", tuple(self.warnings))


def _search_pass(
    frames: Iterable[tuple[int, float, np.ndarray]],
    n_expected: int,
    estimator: PoseEstimator,
    settings: TrackingSettings,
    progress: ProgressCallback | None,
) -> list[SearchFrame]:
    # Search frames do not depend on each other, so an engine that takes batches
    # (``predict_many``) gets them a few at a time: same detections, fewer calls. Only when its
    # own class says so: a wrapper that changes ``predict`` and forwards everything else would
    # otherwise be passed by.
    many = getattr(estimator, "predict_many", None)
    if getattr(type(estimator), "predict_many", None) is None:
        many = None
    size = max(1, int(getattr(estimator, "search_batch", 1))) if many is not None else 1
    out: list[SearchFrame] = []
    chunk: list[tuple[int, float, np.ndarray]] = []

    def flush() -> None:
        images = [image for _, _, image in chunk]
        if size == 1:
            found = [
                estimator.predict(images[0], imgsz=settings.search_imgsz, conf=settings.search_conf)
            ]
        else:
            found = many(images, imgsz=settings.search_imgsz, conf=settings.search_conf)
        for (index, t_s, _), dets in zip(chunk, found, strict=True):
            out.append(SearchFrame.from_detections(index, t_s, dets))
        chunk.clear()
        if progress is not None:
            progress("search", min(1.0, len(out) / max(n_expected, 1)))

    for item in frames:
        chunk.append(item)
        if len(chunk) >= size:
            flush()
    if chunk:
        flush()
    return out


def track_athlete(
    frames_factory: FrameSource,
    n_frames: int,
    fps: float,
    estimator: PoseEstimator,
    *,
    settings: TrackingSettings = TrackingSettings(),
    progress: ProgressCallback | None = None,
    athlete_px: tuple[float, float] | None = None,
) -> AthleteTrack:
    """Find the athlete in a clip and follow them on every frame.

    Parameters
    ----------
    frames_factory : callable
        ``frames_factory(step)`` returns a fresh iterable of ``(index, t_s, image_bgr)`` over every
        ``step``-th frame. Called once per pass (search, then refine with ``step=1``).
    n_frames : int
        Number of frames in the clip (for progress and the search stride only).
    fps : float
        True capture rate in frames per second.
    estimator : PoseEstimator
    settings : TrackingSettings
    progress : callable, optional
        Called as ``progress(stage, fraction)`` with stage ``"search"`` or ``"refine"``.
    athlete_px : tuple of float, optional
        An image point (px) on the athlete at the start: follow the runner nearest it instead of
        the fastest (see :func:`choose_athlete`).

    Returns
    -------
    AthleteTrack

    Raises
    ------
    VideoError
        If no frame could be read.
    NoAthleteError
        If nobody is found in the search pass, or the athlete is found on no frame of the refine
        pass.
    """
    if n_frames < 0:
        raise ValueError("n_frames must be >= 0")
    step = settings.search_step_frame(fps)

    # Pass 1: who is the athlete?
    n_search = (n_frames + step - 1) // step
    search_frames = _search_pass(frames_factory(step), n_search, estimator, settings, progress)
    if not search_frames:
        raise VideoError("No frames could be read from this clip: check that the file plays.")
    tracklets = link_tracklets(search_frames, settings)
    choice = choose_athlete(tracklets, settings, athlete_px)
    chosen = extend_tracklet(tracklets, choice.index, settings)
    runners = runners_in_view(tracklets, choice, chosen, settings)

    # Pass 2: follow them on every frame, on a crop.
    t_list: list[float] = []
    fi_list: list[int] = []
    xy_rows: list[np.ndarray] = []
    kc_rows: list[np.ndarray] = []
    box_rows: list[np.ndarray] = []
    conf_list: list[float] = []
    nan_xy = np.full((N_KEYPOINTS, 2), np.nan)
    nan_kc = np.full(N_KEYPOINTS, np.nan)
    nan_box = np.full(4, np.nan)

    last_box: np.ndarray | None = None
    last_t = -np.inf
    velocity = np.zeros(2)  # smoothed box-centre velocity of the refined boxes, px/s
    h_vel = settings.search_interval_s
    span_first, span_last = float(chosen.t_s[0]), float(chosen.t_s[-1])

    for index, t_s, image in frames_factory(1):
        t_s = float(t_s)
        search_box = expected_box(chosen, t_s, settings)
        recent = last_box is not None and t_s - last_t <= settings.max_gap_s
        if recent:
            own = last_box + np.tile(velocity * (t_s - last_t), 2)
            # The search track is measured only within its span; outside it is a guess.
            w = settings.refine_weight if span_first <= t_s <= span_last else 1.0
            expect = w * own + (1.0 - w) * search_box
        else:
            expect = search_box
        dets = predict_crop(
            estimator,
            image,
            refine_roi(expect, settings.crop_scale),
            imgsz=settings.refine_imgsz,
            conf=settings.refine_conf,
        )
        k = select_detection(dets.boxes_xyxy_px, expect, settings.min_refine_iou)
        t_list.append(t_s)
        fi_list.append(int(index))
        if k is None:
            xy_rows.append(nan_xy)
            kc_rows.append(nan_kc)
            box_rows.append(nan_box)
            conf_list.append(np.nan)
        else:
            box = dets.boxes_xyxy_px[k].copy()
            xy_rows.append(dets.keypoints_px[k])
            kc_rows.append(dets.keypoint_conf[k])
            box_rows.append(box)
            conf_list.append(float(dets.box_conf[k]))
            if recent and t_s > last_t:
                inst = (box_centres(box)[0] - box_centres(last_box)[0]) / (t_s - last_t)
                alpha = 1.0 - np.exp(-(t_s - last_t) / settings.velocity_smoothing_s)
                velocity = velocity + alpha * (inst - velocity)
            else:
                # (Re)start from the search track's velocity around this time.
                ahead = box_centres(expected_box(chosen, t_s + h_vel, settings))[0]
                behind = box_centres(expected_box(chosen, t_s - h_vel, settings))[0]
                velocity = (ahead - behind) / (2 * h_vel)
            last_box, last_t = box, t_s
        if progress is not None:
            progress("refine", min(1.0, len(t_list) / max(n_frames, 1)))

    if not t_list:
        raise VideoError("No frames could be read from this clip: check that the file plays.")
    # Pass 3, only when the athlete was missed before the track took hold: go back in time.
    recovered = recover_head(
        frames_factory(1),
        np.array(fi_list),
        np.stack(box_rows),
        fps,
        choice.direction,
        estimator,
        settings,
    )
    for rec in recovered:
        xy_rows[rec.row] = rec.keypoints_px
        kc_rows[rec.row] = rec.keypoint_conf
        box_rows[rec.row] = rec.box_xyxy_px
        conf_list[rec.row] = rec.box_conf
    found = np.array([np.isfinite(c) for c in conf_list])
    detected_fraction = float(found.mean())
    if not found.any():
        raise NoAthleteError(
            "The athlete was seen while searching the clip but could not be followed on any "
            "frame: record with the athlete larger in the picture and better lit."
        )
    warnings = list(choice.warnings)
    missing = 1.0 - detected_fraction
    if missing > settings.missing_warning_fraction:
        warnings.append(
            f"The athlete was not found in {100 * missing:.0f}% of frames: results near those "
            "frames are less reliable."
        )
    track = KeypointTrack(
        t_s=np.array(t_list),
        xy=np.stack(xy_rows),
        conf=np.stack(kc_rows),
        fps=fps,
        space="px",
        frame_index=np.array(fi_list, dtype=np.int64),
    )
    return AthleteTrack(
        track=track,
        boxes_xyxy_px=np.stack(box_rows),
        box_conf=np.array(conf_list),
        direction=choice.direction,
        n_candidates=choice.n_candidates,
        detected_fraction=detected_fraction,
        warnings=tuple(warnings),
        recovered_frames=len(recovered),
        runners=runners,
    )
