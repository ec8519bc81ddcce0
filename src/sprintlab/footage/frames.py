"""Repeated and blended frames (frame-rate conversion), and the track without them."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np

from .stats import FootageSettings, FootageStats

if TYPE_CHECKING:
    from ..track import KeypointTrack


# --------------------------------------------------------------------------------------------
# Repeated frames


@dataclass(frozen=True)
class RepeatCheck:
    """Do frames repeat the one before (frame-rate conversion, duplicated frames)?

    Attributes
    ----------
    fired : bool
    n_repeated : int
        Frames found repeating the previous one (among the counted ones).
    n_counted : int
        Frame pairs that could be judged (the picture moves around them).
    fraction : float
        ``n_repeated / n_counted``.
    threshold_fraction : float
    period_frames : int
        When the repeats follow a regular pattern, its period in frames (0 otherwise).
    repeat_phases : tuple of int
        Frame numbers modulo ``period_frames`` that repeat.
    distinct_fps : float
        Rate of the distinct frames (the original recording) when the pattern is regular; NaN
        otherwise.
    repeated_frames : tuple of int
        Frame numbers treated as repeats (the whole pattern over the clip when regular, else the
        ones found).
    sentence : str
    """

    fired: bool
    n_repeated: int
    n_counted: int
    fraction: float
    threshold_fraction: float
    period_frames: int = 0
    repeat_phases: tuple[int, ...] = ()
    distinct_fps: float = math.nan
    repeated_frames: tuple[int, ...] = field(default=(), repr=False)
    sentence: str = ""

    @property
    def regular(self) -> bool:
        """True when the repeats follow one periodic pattern (then frames can be re-timed)."""
        return self.period_frames > 0

    @property
    def frames_to_drop(self) -> tuple[int, ...]:
        """Frames that show no new instant."""
        return self.repeated_frames


def _repeat_pattern(
    index: np.ndarray, counted: np.ndarray, repeated: np.ndarray, max_period: int
) -> tuple[int, tuple[int, ...]]:
    """Smallest period P and phases (frame number mod P) that explain the repeats, or (0, ())."""
    n_rep = int(repeated.sum())
    if n_rep < 3:
        return 0, ()
    for period in range(2, max_period + 1):
        phase = index % period
        phases = []
        for p in range(period):
            at = counted & (phase == p)
            if at.sum() >= 2 and repeated[at].mean() >= 0.8:
                phases.append(p)
        if not phases or len(phases) >= period:
            continue
        in_pattern = np.isin(phase, phases)
        explained = int((repeated & in_pattern).sum())
        outside_counted = counted & ~in_pattern
        stray = int((repeated & outside_counted).sum())
        if explained >= 0.9 * n_rep and stray <= 0.05 * max(1, int(outside_counted.sum())):
            return period, tuple(phases)
    return 0, ()


def _dip_reference(d: np.ndarray, r: int) -> np.ndarray:
    """min(max of the r values before, max of the r values after) for each element (NaN as 0)."""
    filled = np.where(np.isfinite(d), d, 0.0)
    padded = np.concatenate([np.zeros(r), filled, np.zeros(r)])
    win = np.lib.stride_tricks.sliding_window_view(padded, r)
    n = d.shape[0]
    before = win[:n].max(axis=1)
    after = win[r + 1 : r + 1 + n].max(axis=1)
    return np.minimum(before, after)


def repeat_check(stats: FootageStats, settings: FootageSettings | None = None) -> RepeatCheck:
    """Find frames that repeat the previous one, from every frame's difference to the previous.

    As in :func:`sprintlab.video.probe` (which looks at ~80 sampled frames), a pair is still when
    its difference is at most max(``repeat_still_levels``, ``repeat_still_relative`` × the local
    typical difference), the typical difference being the smaller of the largest differences
    in the ``repeat_max_run + 1`` pairs before and after it (a repeat is a dip between moving
    pairs on both sides; a sudden camera jerk next to a calm stretch is not); only pairs between
    moving pairs no more than ``repeat_max_run`` apart are counted, so the still set position or
    an empty scene is not taken for repeats. Here every frame is seen, so the repeats' pattern
    (e.g. every 5th frame in a 24 → 30 fps conversion) is found and the frames to drop are known
    over the whole clip.
    """
    s = settings or FootageSettings()
    d = stats.diff_prev_levels
    n = d.shape[0]
    empty = RepeatCheck(False, 0, 0, 0.0, s.repeat_min_fraction)
    if n < 4:
        return empty
    reference = _dip_reference(d, s.repeat_max_run + 1)
    valid = np.isfinite(d) & (reference >= s.repeat_static_levels)
    still = valid & (d <= np.maximum(s.repeat_still_levels, s.repeat_still_relative * reference))
    moving = np.flatnonzero(valid & ~still)
    counted = np.zeros(n, dtype=bool)
    repeated = np.zeros(n, dtype=bool)
    for a, b in itertools.pairwise(moving.tolist()):
        if b - a <= s.repeat_max_run + 1:
            counted[a + 1 : b + 1] = True
            repeated[a + 1 : b] = still[a + 1 : b]
    if moving.size:
        counted[moving[0]] = True
    n_counted, n_rep = int(counted.sum()), int(repeated.sum())
    fraction = n_rep / n_counted if n_counted else 0.0
    fired = n_rep >= 2 and fraction > s.repeat_min_fraction
    if not fired:
        return RepeatCheck(False, n_rep, n_counted, fraction, s.repeat_min_fraction)
    index = stats.frame_index
    period, phases = _repeat_pattern(index, counted, repeated, s.repeat_max_run)
    if period:
        rep_frames = tuple(int(i) for i in index[np.isin(index % period, phases)] if i > 0)
        distinct_fps = stats.fps * (period - len(phases)) / period
        sentence = (
            f"{n_rep} of {n_counted} frames judged repeat the previous one ({fraction:.0%}: "
            f"{len(phases)} in every {period}), so the clip was recorded at about "
            f"{distinct_fps:.4g} fps and converted to {stats.fps:.4g} fps; a repeated frame shows "
            f"the athlete up to {1000 / stats.fps:.0f} ms late, so sprintlab analysed only the "
            f"{index.size - len(rep_frames)} distinct frames, timed at the original "
            f"{distinct_fps:.4g} fps. Use the original recording if you have it."
        )
    else:
        rep_frames = tuple(int(i) for i in index[repeated])
        distinct_fps = math.nan
        sentence = (
            f"{n_rep} of {n_counted} frames judged repeat the previous one ({fraction:.0%}), in "
            "no regular pattern (dropped or duplicated frames, a variable frame rate), so the "
            "true time of each frame is unknown: contact, flight and step times and the splits "
            "are left empty. Use the original recording."
        )
    return RepeatCheck(
        True,
        n_rep,
        n_counted,
        fraction,
        s.repeat_min_fraction,
        period,
        phases,
        distinct_fps,
        rep_frames,
        sentence,
    )


def distinct_frames(track: KeypointTrack, check: RepeatCheck | BlendCheck) -> KeypointTrack:
    """The track without the repeated (or blended) frames, re-timed at the original rate.

    Only for a regular pattern (``check.regular``): the distinct frames are evenly spaced at
    ``check.distinct_fps`` and placed so that their mean time matches their timestamps' mean.
    Any other track is returned unchanged.
    """
    if not (check.fired and check.regular):
        return track
    keep = ~np.isin(track.frame_index, np.array(check.frames_to_drop, dtype=np.int64))
    t_old = track.t_s[keep]
    rank = np.arange(t_old.size) / check.distinct_fps
    t_new = rank + float(np.mean(t_old - rank))
    return replace(
        track,
        t_s=t_new,
        xy=track.xy[keep],
        conf=track.conf[keep],
        fps=check.distinct_fps,
        frame_index=track.frame_index[keep],
    )


# --------------------------------------------------------------------------------------------
# Blended frames


@dataclass(frozen=True)
class BlendCheck:
    """Are some frames blends of their neighbours (frame-rate conversion by blending)?

    Attributes
    ----------
    fired : bool
    n_blended : int
        Frames that look like the average of their neighbours, among the judged ones.
    n_counted : int
        Frames judged (the picture changes across them and they are clearly one or the other).
    fraction : float
    threshold_fraction : float
    period_frames : int
        Period of the blends' pattern in frames (the check fires only on a regular pattern: a
        real clip whose picture moves by less than a pixel between frames looks blended
        everywhere, not in a pattern).
    blend_phases : tuple of int
    distinct_fps : float
        Rate of the real frames; NaN when not fired.
    blended_frames : tuple of int
        Frame numbers following the pattern over the whole clip.
    sentence : str
    """

    fired: bool
    n_blended: int
    n_counted: int
    fraction: float
    threshold_fraction: float
    period_frames: int = 0
    blend_phases: tuple[int, ...] = ()
    distinct_fps: float = math.nan
    blended_frames: tuple[int, ...] = field(default=(), repr=False)
    sentence: str = ""

    @property
    def regular(self) -> bool:
        """True when fired (blends are reported only in a regular pattern)."""
        return self.period_frames > 0

    @property
    def frames_to_drop(self) -> tuple[int, ...]:
        """Frames that show no real instant."""
        return self.blended_frames


def blend_check(stats: FootageStats, settings: FootageSettings | None = None) -> BlendCheck:
    """Find frames that are the average of their neighbours, in a regular pattern.

    A frame is judged where the picture changes across it (``blend_span_levels`` at least
    ``repeat_static_levels``): blended when its residual from the neighbours' average is at most
    ``blend_max_ratio`` of that change. The check fires when more than ``repeat_min_fraction``
    of the judged frames are blended and the blends follow one periodic pattern (at least 80% of
    the judged frames at its phases, at most 5% elsewhere) with real frames between them (e.g.
    every other frame of a 30 → 60 fps conversion).
    """
    s = settings or FootageSettings()
    r, span = stats.blend_residual_levels, stats.blend_span_levels
    with np.errstate(invalid="ignore", divide="ignore"):
        valid = np.isfinite(r) & np.isfinite(span) & (span >= s.repeat_static_levels)
        ratio = np.where(valid, r / np.where(valid, span, 1.0), np.nan)
    blended = valid & (ratio <= s.blend_max_ratio)
    counted = valid
    n_counted, n_blend = int(counted.sum()), int(blended.sum())
    fraction = n_blend / n_counted if n_counted else 0.0
    quiet = BlendCheck(False, n_blend, n_counted, fraction, s.repeat_min_fraction)
    if n_blend < 3 or fraction <= s.repeat_min_fraction:
        return quiet
    index = stats.frame_index
    period, phases = _repeat_pattern(index, counted, blended, s.repeat_max_run)
    if not period:
        return quiet
    frames = tuple(int(i) for i in index[np.isin(index % period, phases)])
    distinct_fps = stats.fps * (period - len(phases)) / period
    sentence = (
        f"{n_blend} of {n_counted} frames judged are blends of their neighbours "
        f"({len(phases)} in every {period}), so the clip was recorded at about "
        f"{distinct_fps:.4g} fps and converted to {stats.fps:.4g} fps by blending frames; a "
        "blended frame shows no real instant, so sprintlab analysed only the "
        f"{index.size - len(frames)} real frames, timed at the original {distinct_fps:.4g} fps. "
        "Use the original recording if you have it."
    )
    return BlendCheck(
        True,
        n_blend,
        n_counted,
        fraction,
        s.repeat_min_fraction,
        period,
        phases,
        distinct_fps,
        frames,
        sentence,
    )
