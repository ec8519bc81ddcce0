"""Video input: probe a clip, then stream its frames with capture-time timestamps.

Phones and high-speed cameras often store a slow-motion recording at a normal playback rate: a
clip captured at 240 frames per second may say 30 fps in its container. Every time in sprintlab is
in *capture* time, so :func:`probe` keeps both rates apart:

- ``container_fps`` is the rate the file plays at (from the container's timestamps);
- ``capture_fps`` is the true recording rate, equal to ``container_fps`` unless the user states it.

A frame whose presentation timestamp is ``t_container`` seconds after the first frame happened
``t_container * container_fps / capture_fps`` seconds after it in real life.

Decoding uses PyAV (FFmpeg). :func:`iter_frames` streams frames one at a time (never the whole clip
in memory) as BGR ``uint8`` images with the display rotation applied.
"""

from __future__ import annotations

import itertools
import math
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

from .errors import VideoError

__all__ = [
    "CaptureFpsError",
    "VideoFrame",
    "VideoMeta",
    "iter_frames",
    "probe",
    "read_frame",
]

# A container rate at or below this could be a slow-motion clip stored at a playback rate.
LOW_CONTAINER_FPS = 60.0
# Timestamp jitter: an interval is irregular when it differs from 1/fps by more than this fraction.
JITTER_TOLERANCE = 0.10
# ... and the clip is flagged when more than max(this count, 1 % of intervals) are irregular.
JITTER_MIN_COUNT = 3
# Duplicated frames are flagged when more than this fraction of sampled consecutive pairs repeat.
DUPLICATE_FRACTION = 0.05
# A stated capture rate may be this much (relative) below the container rate (29.97 vs 30).
_CAPTURE_FPS_REL_TOL = 0.005
# The clip is reported as incomplete when it is short of the header's frame count by more than
# max(this count, 2 % of the header count).
_TRUNCATION_MIN_MISSING = 2
# Duplicate check: frames are compared in grey at most this wide ...
_DUP_SAMPLE_WIDTH_PX = 320
# ... in windows of this many consecutive frames (a clip this long or shorter is checked whole).
_DUP_WINDOW_FRAMES = 40
# Pair difference = this percentile of |grey difference| (robust to single noisy pixels, yet
# sensitive to a small athlete moving in a large frame).
_DUP_PERCENTILE = 99.9
# A window whose largest pair differences stay below this many grey levels is static: it cannot
# tell duplicates from a still scene and is not counted.
_DUP_STATIC_LEVELS = 8.0
# A pair is "still" when its difference is at most max(this many levels, 25 % of the window's
# reference difference): an encoder refines a repeated frame a little (measured up to ~20 % of
# a real change at crf 23), while consecutive real frames differ by at least ~45 % of the
# window's reference once the athlete runs.
_DUP_STILL_LEVELS = 2.0
_DUP_STILL_RELATIVE = 0.25
# A repeat must lie between moving pairs no further than this (an up-sampling factor up to 16),
# so a scene that becomes still (athlete left the frame) is not mistaken for repeats.
_DUP_MAX_RUN = 16

# Formats FFmpeg can open that are not videos: text shown as ANSI art, still images (the
# single-image demuxers are also all named "*_pipe").
_NOT_VIDEO_FORMATS = frozenset({"tty", "image2"})


class CaptureFpsError(VideoError, ValueError):
    """The stated capture rate is impossible: not positive, or below the file's playback rate."""


@dataclass(frozen=True, eq=False)
class VideoMeta:
    """What :func:`probe` learned about a clip.

    Parameters
    ----------
    path : str
        The video file.
    width_px, height_px : int
        Display size in pixels, after the rotation in ``rotation_deg`` is applied.
    n_frames : int
        Number of frames that can actually be decoded.
    container_fps : float
        Rate the file plays at, in frames per second (average over the decodable frames).
    capture_fps : float
        True recording rate in frames per second; equals ``container_fps`` unless the user
        stated it. Never below ``container_fps``.
    rotation_deg : int
        Clockwise rotation (0, 90, 180 or 270) applied to the stored picture for display, as in the
        ``rotate`` tag phones write for portrait clips.
    duration_s : float
        Clip duration in capture time: last timestamp plus one capture frame interval.
    codec : str
        FFmpeg codec name, e.g. ``"h264"``, ``"hevc"``, ``"vp9"``.
    timestamps_s : ndarray, shape (n_frames,)
        Capture time of each frame in seconds from the first frame (``timestamps_s[0] == 0``),
        strictly increasing: container presentation time times ``time_scale``.
    warnings : tuple of str
        Problems a user should know about (irregular timestamps, repeated frames, a playback
        rate that may hide slow motion, an incomplete file). Each is one sentence.
    pts : ndarray of int64, shape (n_frames,), optional
        Presentation timestamp of each frame in ``time_base`` units (``None`` when the file has
        none); used to seek and to number decoded frames.
    time_base : Fraction, optional
        Unit of ``pts`` in seconds.
    """

    path: str
    width_px: int
    height_px: int
    n_frames: int
    container_fps: float
    capture_fps: float
    rotation_deg: int
    duration_s: float
    codec: str
    timestamps_s: np.ndarray = field(repr=False)
    warnings: tuple[str, ...] = ()
    pts: np.ndarray | None = field(default=None, repr=False)
    time_base: Fraction | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", os.fspath(self.path))
        for name in ("width_px", "height_px", "n_frames"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
            object.__setattr__(self, name, int(value))
        for name in ("container_fps", "capture_fps"):
            value = float(getattr(self, name))
            if not math.isfinite(value) or value <= 0:
                raise ValueError(f"{name} must be a positive finite number, got {value!r}")
            object.__setattr__(self, name, value)
        if self.capture_fps < self.container_fps * (1 - _CAPTURE_FPS_REL_TOL):
            raise CaptureFpsError(_capture_fps_message(self.capture_fps, self.container_fps))
        if self.rotation_deg not in (0, 90, 180, 270):
            raise ValueError(f"rotation_deg must be 0, 90, 180 or 270, got {self.rotation_deg!r}")
        t = np.array(self.timestamps_s, dtype=float)
        if t.shape != (self.n_frames,):
            raise ValueError(f"timestamps_s must have shape ({self.n_frames},), got {t.shape}")
        if not np.all(np.isfinite(t)) or t[0] != 0.0 or np.any(np.diff(t) <= 0):
            raise ValueError("timestamps_s must be finite, start at 0 and strictly increase")
        t.setflags(write=False)
        object.__setattr__(self, "timestamps_s", t)
        duration = float(self.duration_s)
        if not math.isfinite(duration) or duration < t[-1]:
            raise ValueError("duration_s must be finite and at least the last timestamp")
        object.__setattr__(self, "duration_s", duration)
        object.__setattr__(self, "warnings", tuple(str(w) for w in self.warnings))
        if self.pts is not None:
            pts = np.array(self.pts, dtype=np.int64)
            if pts.shape != (self.n_frames,) or np.any(np.diff(pts) <= 0):
                raise ValueError("pts must have one strictly increasing value per frame")
            if self.time_base is None:
                raise ValueError("time_base is required when pts is given")
            pts.setflags(write=False)
            object.__setattr__(self, "pts", pts)
        if self.time_base is not None:
            object.__setattr__(self, "time_base", Fraction(self.time_base))

    @property
    def time_scale(self) -> float:
        """Capture seconds per container second: ``container_fps / capture_fps`` (<= 1)."""
        return self.container_fps / self.capture_fps


@dataclass(frozen=True, eq=False)
class VideoFrame:
    """One decoded frame.

    Parameters
    ----------
    index : int
        Frame number in the clip, from 0.
    t_s : float
        Capture time in seconds from the first frame (``meta.timestamps_s[index]``).
    image : ndarray of uint8, shape (H, W, 3)
        BGR picture with the display rotation applied, possibly downscaled.
    scale : float
        Output width divided by the clip's display width (1.0 when not downscaled); divide
        pixel coordinates measured on ``image`` by it to get full-resolution pixels.
    """

    index: int
    t_s: float
    image: np.ndarray
    scale: float = 1.0

    def __post_init__(self) -> None:
        if self.index < 0:
            raise ValueError(f"index must be >= 0, got {self.index}")
        img = self.image
        if not isinstance(img, np.ndarray) or img.dtype != np.uint8 or img.ndim != 3:
            raise ValueError("image must be a uint8 array of shape (H, W, 3)")
        if img.shape[2] != 3:
            raise ValueError(f"image must have 3 channels (BGR), got shape {img.shape}")
        if not (math.isfinite(self.scale) and self.scale > 0):
            raise ValueError(f"scale must be positive, got {self.scale}")


# --------------------------------------------------------------------------------------------
# probe


def probe(
    path: str | os.PathLike[str],
    capture_fps: float | None = None,
    *,
    check_duplicates: bool = True,
) -> VideoMeta:
    """Read a clip's metadata and check that it can be analysed.

    The video packets are demuxed (cheap, no decoding) to count frames and read their timestamps;
    the first frame and the last group of pictures are decoded to confirm that the frames really
    decode; with ``check_duplicates`` up to about 80 frames are decoded at low resolution to spot
    repeated frames.

    Parameters
    ----------
    path : str or path-like
        Video file (MP4, MOV, MKV, ...).
    capture_fps : float, optional
        True recording rate in frames per second, when the file plays slower than it was
        filmed (slow motion). Must be at least the file's playback rate.
    check_duplicates : bool
        Look for repeated consecutive frames (a low-rate capture converted to a high rate).

    Returns
    -------
    VideoMeta

    Raises
    ------
    VideoError
        The file is missing, empty, not a video, damaged so that no frame decodes, or holds no
        frame.
    CaptureFpsError
        ``capture_fps`` is not positive or is below the file's playback rate (a ``VideoError``
        and a ``ValueError``).
    """
    p = Path(path)
    if capture_fps is not None and not (math.isfinite(capture_fps) and capture_fps > 0):
        raise CaptureFpsError(
            f"The capture fps must be a positive number of frames per second, got {capture_fps!r}."
        )
    if not p.exists():
        raise VideoError(f"The video file {p} does not exist; check the path and try again.")
    if not p.is_file():
        raise VideoError(f"{p} is a folder, not a video file; give the path of the clip itself.")
    if p.stat().st_size == 0:
        raise VideoError(
            f"The video file {p} is empty (0 bytes); copy the clip again from the camera or phone."
        )
    try:
        container = av.open(str(p))
    except (av.error.FFmpegError, OSError) as exc:
        raise VideoError(
            f"{p} is not a video sprintlab can read (or it is badly damaged); "
            "give an MP4 or MOV clip as saved by the camera or phone."
        ) from exc
    try:
        return _probe_open(p, container, capture_fps, check_duplicates)
    finally:
        container.close()


def _probe_open(
    p: Path,
    container: av.container.InputContainer,
    capture_fps: float | None,
    check_duplicates: bool,
) -> VideoMeta:
    fmt = container.format.name
    if fmt in _NOT_VIDEO_FORMATS or fmt.endswith("_pipe"):
        raise VideoError(
            f"{p} is not a video (it looks like text or a still image); give a video clip."
        )
    if not container.streams.video:
        raise VideoError(f"{p} has no video track; give a video clip, not an audio file.")
    stream = container.streams.video[0]
    codec = stream.codec_context.name
    header_frames = int(stream.frames or 0)
    packets = _demux_index(container, stream)

    if packets.n_good == 0:
        if header_frames > 0 or packets.n_bad > 0 or packets.demux_failed:
            raise VideoError(
                f"{p} is damaged or incomplete and no frame could be read; "
                "copy the clip again from the camera or phone."
            )
        raise VideoError(f"{p} contains no video frames; record or export the clip again.")

    # Presentation order = sorted presentation timestamps (packets come in decode order).
    pts: np.ndarray | None = None
    time_base = Fraction(stream.time_base) if stream.time_base else None
    warnings: list[str] = []
    if packets.pts is not None and time_base is not None:
        pts = np.sort(np.asarray(packets.pts, dtype=np.int64))
        if np.any(np.diff(pts) <= 0):
            warnings.append(
                f"{p.name} has repeated frame timestamps, so frames are timed by their number "
                "and the frame rate; re-export the clip if the timing looks wrong."
            )
            pts = None

    # Confirm that frames decode: the first one (which also gives the display rotation) and
    # the last group of pictures (which gives the number of decodable frames).
    stream.thread_type = "AUTO"
    frames = _decode(container, stream, pts, 0, None)
    first = next((f for _, f in frames), None)
    frames.close()
    if first is None:
        raise VideoError(
            f"{p} is damaged and no frame could be decoded; "
            "copy the clip again from the camera or phone."
        )
    rotation_deg = _rotation_cw_deg(first)
    coded_w, coded_h = first.width, first.height
    n_frames = _count_decodable(container, stream, pts, packets)
    if n_frames == 0:
        raise VideoError(
            f"{p} is damaged and no frame could be decoded; "
            "copy the clip again from the camera or phone."
        )
    expected = max(header_frames, packets.n_good + packets.n_bad)
    if expected - n_frames > max(_TRUNCATION_MIN_MISSING, 0.02 * expected):
        warnings.append(
            f"{p.name} seems incomplete: only {n_frames} of {expected} frames could be read; "
            "copy the clip again from the camera or phone if the sprint is cut short."
        )
    if pts is not None:
        pts = pts[:n_frames]

    container_fps = _container_fps(stream, pts, time_base)
    if capture_fps is None:
        capture = container_fps
    else:
        capture = float(capture_fps)
        if capture < container_fps * (1 - _CAPTURE_FPS_REL_TOL):
            raise CaptureFpsError(_capture_fps_message(capture, container_fps))
    time_scale = container_fps / capture

    if pts is not None and time_base is not None:
        t_container = (pts - pts[0]).astype(float) * float(time_base)
        jitter = _jitter_warning(p.name, t_container, container_fps)
        if jitter:
            warnings.append(jitter)
    else:
        t_container = np.arange(n_frames, dtype=float) / container_fps
    timestamps_s = t_container * time_scale
    duration_s = float(timestamps_s[-1] + 1.0 / capture)

    if check_duplicates and n_frames >= 3:
        keyframe_index = (
            np.searchsorted(pts, np.asarray(packets.keyframe_pts, dtype=np.int64))
            if pts is not None
            else np.zeros(0, dtype=np.int64)
        )
        dup = _duplicate_warning(p.name, container, stream, pts, keyframe_index, n_frames, capture)
        if dup:
            warnings.append(dup)
    if capture_fps is None and container_fps <= LOW_CONTAINER_FPS:
        warnings.append(
            f"This clip plays at {container_fps:.4g} fps; if it was filmed in slow motion, "
            "give --capture-fps (e.g. --capture-fps 240)."
        )

    width_px, height_px = (coded_h, coded_w) if rotation_deg in (90, 270) else (coded_w, coded_h)
    return VideoMeta(
        path=str(p),
        width_px=width_px,
        height_px=height_px,
        n_frames=n_frames,
        container_fps=container_fps,
        capture_fps=capture,
        rotation_deg=rotation_deg,
        duration_s=duration_s,
        codec=codec,
        timestamps_s=timestamps_s,
        warnings=tuple(warnings),
        pts=pts,
        time_base=time_base if pts is not None else None,
    )


def _capture_fps_message(capture_fps: float, container_fps: float) -> str:
    return (
        f"The capture fps ({capture_fps:g}) must be at least the rate the file plays at "
        f"({container_fps:.4g} fps); give the rate the camera recorded at, e.g. --capture-fps 240."
    )


@dataclass(frozen=True)
class _PacketIndex:
    """Video packets found by demuxing (decode order)."""

    n_good: int
    n_bad: int  # packets the demuxer marked corrupt (typically the cut-off last one)
    pts: list[int] | None  # None when some packet has no timestamp
    keyframe_pts: list[int]
    demux_failed: bool


def _demux_index(
    container: av.container.InputContainer, stream: av.video.VideoStream
) -> _PacketIndex:
    n_good = n_bad = 0
    pts: list[int] | None = []
    keyframe_pts: list[int] = []
    failed = False
    try:
        for packet in container.demux(stream):
            # Size 0 is the flush packet; "discard" packets lie before an edit list's start and
            # the decoder drops their frames.
            if packet.size == 0 or packet.is_discard:
                continue
            if packet.is_corrupt:
                n_bad += 1
                continue
            n_good += 1
            if pts is not None:
                if packet.pts is None:
                    pts = None
                else:
                    pts.append(int(packet.pts))
                    if packet.is_keyframe:
                        keyframe_pts.append(int(packet.pts))
    except (av.error.FFmpegError, OSError):
        # A truncated file can end with a read error; what was read so far is still usable.
        failed = True
    return _PacketIndex(n_good, n_bad, pts, keyframe_pts, failed)


def _decode(
    container: av.container.InputContainer,
    stream: av.video.VideoStream,
    pts: np.ndarray | None,
    start_index: int,
    stop_index: int | None,
    *,
    allow_seek: bool = True,
) -> Iterator[tuple[int, av.VideoFrame]]:
    """Yield ``(index, frame)`` for frames ``start_index <= index < stop_index``.

    Seeks to the keyframe before ``start_index`` when timestamps allow, else decodes from the
    start and numbers frames by counting. Packets the demuxer marks corrupt and packets the
    decoder rejects are skipped, so a damaged file yields the frames that do decode.
    """
    pts_to_index = {int(v): i for i, v in enumerate(pts)} if pts is not None else None
    seeked = False
    if allow_seek and pts_to_index is not None and start_index > 0:
        container.seek(int(pts[start_index]), stream=stream, backward=True)
        seeked = True
    else:
        first_pts = int(pts[0]) if pts is not None else int(stream.start_time or 0)
        try:
            container.seek(first_pts, stream=stream, backward=True)
        except av.error.FFmpegError:
            pass  # unseekable input (raw stream): a fresh container is already at the start
    stream.codec_context.flush_buffers()

    counter = 0
    for frame in _decoded_frames(container, stream):
        if pts_to_index is not None and frame.pts is not None:
            index = pts_to_index.get(int(frame.pts))
            if index is None:
                continue  # not a frame of the clip (e.g. past a truncation point)
        elif seeked:
            # Cannot number frames after a seek without timestamps: start again from frame 0.
            yield from _decode(container, stream, None, start_index, stop_index)
            return
        else:
            index = counter
        counter += 1
        if seeked and counter == 1 and index > start_index:
            # The seek landed after the wanted frame (inexact index): decode from the start.
            yield from _decode(container, stream, pts, start_index, stop_index, allow_seek=False)
            return
        if stop_index is not None and index >= stop_index:
            return
        if index >= start_index:
            yield index, frame


def _decoded_frames(
    container: av.container.InputContainer, stream: av.video.VideoStream
) -> Iterator[av.VideoFrame]:
    try:
        for packet in container.demux(stream):
            if packet.is_corrupt or packet.is_discard:
                continue
            try:
                frames = packet.decode()  # the final empty packet flushes the decoder
            except av.error.InvalidDataError:
                continue  # one damaged packet: keep the rest of the clip
            yield from frames
    except (av.error.EOFError, av.error.InvalidDataError, OSError):
        # Read error at a truncation point: flush what the decoder still holds.
        try:
            yield from stream.codec_context.decode(None)
        except av.error.FFmpegError:
            return


def _count_decodable(
    container: av.container.InputContainer,
    stream: av.video.VideoStream,
    pts: np.ndarray | None,
    packets: _PacketIndex,
) -> int:
    """Frames that decode: the index after the last decodable frame of the last GOP."""
    if pts is not None and packets.keyframe_pts:
        last_key_index = int(np.searchsorted(pts, max(packets.keyframe_pts)))
        last = -1
        for index, _ in _decode(container, stream, pts, last_key_index, None):
            last = index
        if last >= 0:
            return last + 1
    # No timestamps or the last GOP did not decode: count by decoding everything.
    return sum(1 for _ in _decode(container, stream, None, 0, None))


def _rotation_cw_deg(frame: av.VideoFrame) -> int:
    # PyAV reports the display matrix rotation counter-clockwise; phones tag portrait clips with a
    # clockwise "rotate" value, which is what users see in other tools.
    ccw = float(getattr(frame, "rotation", 0) or 0)
    return round(-ccw / 90.0) % 4 * 90


def _container_fps(
    stream: av.video.VideoStream, pts: np.ndarray | None, time_base: Fraction | None
) -> float:
    declared = stream.average_rate or stream.guessed_rate or stream.base_rate
    declared_fps = float(declared) if declared else math.nan
    if pts is not None and time_base is not None and pts.size >= 2:
        span_s = float((int(pts[-1]) - int(pts[0])) * time_base)
        measured = (pts.size - 1) / span_s
        # Prefer the declared (exact, rational) rate unless the frames say otherwise, e.g. in a
        # truncated file whose header duration covers frames that are gone.
        if math.isfinite(declared_fps) and abs(measured / declared_fps - 1) <= 0.01:
            return declared_fps
        return measured
    if math.isfinite(declared_fps) and declared_fps > 0:
        return declared_fps
    raise VideoError("The frame rate of this clip is unknown; re-export it as an MP4 file.")


def _jitter_warning(name: str, t_container_s: np.ndarray, container_fps: float) -> str | None:
    if t_container_s.size < 3:
        return None
    nominal = 1.0 / container_fps
    bad = int(np.sum(np.abs(np.diff(t_container_s) - nominal) > JITTER_TOLERANCE * nominal))
    n = t_container_s.size - 1
    if bad > max(JITTER_MIN_COUNT, 0.01 * n):
        return (
            f"{name} has irregular frame timestamps ({bad} of {n} frame intervals differ from "
            f"1/{container_fps:.4g} s by more than {JITTER_TOLERANCE:.0%}), as in variable frame "
            "rate recordings; sprintlab uses the timestamps, but a constant-rate export is safer."
        )
    return None


def _duplicate_warning(
    name: str,
    container: av.container.InputContainer,
    stream: av.video.VideoStream,
    pts: np.ndarray | None,
    keyframe_index: np.ndarray,
    n_frames: int,
    capture_fps: float,
) -> str | None:
    length = _DUP_WINDOW_FRAMES
    if n_frames <= 2 * length:
        starts = [0]
        length = n_frames
    else:
        # Two windows near a third and two thirds of the clip, where the athlete is most likely
        # moving (the start of a clip is often the still set position). A window starts on a
        # nearby keyframe when there is one, so no frame is decoded only to reach it.
        starts = []
        for target in (n_frames // 3 - length // 2, 2 * n_frames // 3 - length // 2):
            near = keyframe_index[
                (np.abs(keyframe_index - target) <= length // 2)
                & (keyframe_index + length <= n_frames)
            ]
            start = int(near[np.argmin(np.abs(near - target))]) if near.size else target
            if all(abs(start - s) >= length for s in starts):
                starts.append(start)
    counted = repeats = 0
    spacings: list[int] = []
    for start in starts:
        c, r, sp = _count_repeats(_grey_window(container, stream, pts, start, start + length))
        counted += c
        repeats += r
        spacings += sp
    if counted == 0 or repeats < 2:
        return None
    fraction = repeats / counted
    if fraction <= DUPLICATE_FRACTION:
        return None
    # Repeats of an up-sampled clip come in runs: the new frames are `spacing` pairs apart.
    original_fps = capture_fps / float(np.median(spacings))
    return (
        f"{fraction:.0%} of consecutive frames in {name} repeat the previous one, so it was "
        f"probably recorded at about {original_fps:.0f} fps and converted to {capture_fps:.4g} "
        "fps; timing is only as precise as the original rate, so use the original recording."
    )


def _grey_window(
    container: av.container.InputContainer,
    stream: av.video.VideoStream,
    pts: np.ndarray | None,
    start: int,
    stop: int,
) -> list[np.ndarray]:
    out: list[np.ndarray] = []
    for _, frame in _decode(container, stream, pts, start, stop):
        w, h = frame.width, frame.height
        if w > _DUP_SAMPLE_WIDTH_PX:
            h = max(1, round(h * _DUP_SAMPLE_WIDTH_PX / w))
            w = _DUP_SAMPLE_WIDTH_PX
        out.append(
            frame.reformat(width=w, height=h, format="gray", interpolation="AREA").to_ndarray()
        )
    return out


def _count_repeats(grey: list[np.ndarray]) -> tuple[int, int, list[int]]:
    """Find repeated frames among consecutive grey frames.

    Returns (pairs counted, pairs that repeat the previous frame, spacings between the
    changing pairs that enclose repeats). Only pairs between the first and last changing pair
    are counted, and a still stretch longer than ``_DUP_MAX_RUN`` pairs is a still scene (the
    athlete left the frame or has not started), not repeats.
    """
    if len(grey) < 3:
        return 0, 0, []
    diff = np.array(
        [
            np.percentile(np.abs(b.astype(np.int16) - a.astype(np.int16)), _DUP_PERCENTILE)
            for a, b in itertools.pairwise(grey)
        ]
    )
    # Second-largest difference: robust to a single glitch such as a flash.
    reference = float(np.sort(diff)[-2])
    if reference < _DUP_STATIC_LEVELS:
        return 0, 0, []
    still = diff <= max(_DUP_STILL_LEVELS, _DUP_STILL_RELATIVE * reference)
    moving_idx = np.flatnonzero(~still)
    if moving_idx.size < 2:
        return 0, 0, []
    counted, repeats = 1, 0
    spacings: list[int] = []
    for gap in np.diff(moving_idx).tolist():
        if gap <= _DUP_MAX_RUN + 1:
            counted += gap
            repeats += gap - 1
            spacings.append(gap)
        else:
            counted += 1
    return counted, repeats, spacings


# --------------------------------------------------------------------------------------------
# frames


_CV2_ROTATE = {
    90: cv2.ROTATE_90_CLOCKWISE,
    180: cv2.ROTATE_180,
    270: cv2.ROTATE_90_COUNTERCLOCKWISE,
}


def iter_frames(
    meta: VideoMeta,
    *,
    start_frame: int = 0,
    stop_frame: int | None = None,
    step: int = 1,
    max_width_px: int | None = None,
) -> Iterator[VideoFrame]:
    """Stream decoded frames ``start_frame, start_frame + step, ...`` below ``stop_frame``.

    Frames are decoded one at a time (only one frame is held in memory), converted to BGR, rotated
    for display and, with ``max_width_px``, downscaled (area interpolation) so that the width is
    at most ``max_width_px`` while keeping the aspect ratio.

    Parameters
    ----------
    meta : VideoMeta
        From :func:`probe`.
    start_frame : int
        First frame index to yield (seeks to the keyframe before it when the file allows).
    stop_frame : int, optional
        Index one past the last frame to yield; default ``meta.n_frames``.
    step : int
        Yield every ``step``-th frame (all frames are still decoded; only yielded ones are
        converted).
    max_width_px : int, optional
        Downscale wider frames to this width.

    Yields
    ------
    VideoFrame
    """
    if step < 1:
        raise ValueError(f"step must be >= 1, got {step}")
    stop = meta.n_frames if stop_frame is None else min(int(stop_frame), meta.n_frames)
    if not 0 <= start_frame:
        raise ValueError(f"start_frame must be >= 0, got {start_frame}")
    if max_width_px is not None and max_width_px < 1:
        raise ValueError(f"max_width_px must be >= 1, got {max_width_px}")
    if start_frame >= stop:
        return

    scale = 1.0
    out_w, out_h = meta.width_px, meta.height_px
    if max_width_px is not None and meta.width_px > max_width_px:
        out_w = int(max_width_px)
        out_h = max(1, round(meta.height_px * max_width_px / meta.width_px))
        scale = out_w / meta.width_px
    # Size before rotation (the decoder's orientation).
    coded_w, coded_h = (out_h, out_w) if meta.rotation_deg in (90, 270) else (out_w, out_h)
    rotate = _CV2_ROTATE.get(meta.rotation_deg)

    with _decoded_again(meta, start_frame, stop) as decoded:
        for index, frame in decoded:
            if (index - start_frame) % step:
                continue
            if (frame.width, frame.height) != (coded_w, coded_h):
                frame = frame.reformat(
                    width=coded_w, height=coded_h, format="bgr24", interpolation="AREA"
                )
            image = frame.to_ndarray(format="bgr24")
            if rotate is not None:
                image = cv2.rotate(image, rotate)
            yield VideoFrame(
                index=index,
                t_s=float(meta.timestamps_s[index]),
                image=np.ascontiguousarray(image),
                scale=scale,
            )


@contextmanager
def _decoded_again(
    meta: VideoMeta, start_frame: int, stop_frame: int
) -> Iterator[Iterator[tuple[int, av.VideoFrame]]]:
    """The clip opened again and decoded from ``start_frame`` to ``stop_frame``: (index, frame)
    pairs; one clear sentence when the file is gone. The file is closed on leaving."""
    try:
        container = av.open(meta.path)
    except (av.error.FFmpegError, OSError) as exc:
        raise VideoError(
            f"{meta.path} could not be opened any more; check that the file is still there."
        ) from exc
    try:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        yield _decode(container, stream, meta.pts, start_frame, stop_frame)
    finally:
        container.close()


def _plane(plane: av.video.plane.VideoPlane, rows: slice) -> np.ndarray:
    a = np.frombuffer(plane, np.uint8).reshape(plane.height, plane.line_size)
    return a[rows, : plane.width]


def iter_row_bands(meta: VideoMeta, row0_px: int, row1_px: int) -> Iterator[VideoFrame]:
    """Every frame's image rows ``row0_px`` to ``row1_px`` (exclusive), BGR.

    Only those rows are converted from the decoder's YUV 4:2:0 when the clip is stored that way,
    upright and at full size, which makes a thin band of a 1080p clip several times cheaper
    than :func:`iter_frames`; otherwise whole frames are converted and cut. The band's first
    row may be moved up by one to an even row (4:2:0 chroma pairs rows): ``image`` always
    starts at row ``row0_px`` and has ``row1_px - row0_px`` rows.
    """
    r0 = int(np.clip(row0_px, 0, meta.height_px - 1))
    r1 = int(np.clip(row1_px, r0 + 1, meta.height_px))
    if meta.rotation_deg:
        for f in iter_frames(meta):
            yield VideoFrame(f.index, f.t_s, np.ascontiguousarray(f.image[r0:r1]), f.scale)
        return
    e0, e1 = r0 - r0 % 2, min(meta.height_px + meta.height_px % 2, r1 + r1 % 2)
    with _decoded_again(meta, 0, meta.n_frames) as decoded:
        for index, frame in decoded:
            if (
                frame.format.name in ("yuv420p", "yuvj420p")
                and (frame.width, frame.height) == (meta.width_px, meta.height_px)
                and frame.width % 2 == 0
            ):
                y = _plane(frame.planes[0], slice(e0, e1))
                u = _plane(frame.planes[1], slice(e0 // 2, e1 // 2))
                v = _plane(frame.planes[2], slice(e0 // 2, e1 // 2))
                i420 = np.concatenate([y.ravel(), u.ravel(), v.ravel()])
                i420 = i420.reshape((e1 - e0) * 3 // 2, frame.width)
                image = cv2.cvtColor(i420, cv2.COLOR_YUV2BGR_I420)[r0 - e0 : r1 - e0]
            else:
                if (frame.width, frame.height) != (meta.width_px, meta.height_px):
                    frame = frame.reformat(
                        width=meta.width_px, height=meta.height_px, format="bgr24"
                    )
                image = frame.to_ndarray(format="bgr24")[r0:r1]
            yield VideoFrame(
                index=index,
                t_s=float(meta.timestamps_s[index]),
                image=np.ascontiguousarray(image),
            )


def read_frame(meta: VideoMeta, index: int) -> np.ndarray:
    """Decode one frame (BGR ``uint8``, display rotation applied, full resolution).

    Seeks to the keyframe before ``index`` and decodes up to it; meant for thumbnails and
    kinograms, not for walking through a clip (use :func:`iter_frames`).

    Raises
    ------
    IndexError
        ``index`` is outside ``0 .. n_frames - 1``.
    VideoError
        The frame could not be decoded.
    """
    if not 0 <= index < meta.n_frames:
        raise IndexError(f"frame {index} is outside the clip (0 .. {meta.n_frames - 1})")
    for frame in iter_frames(meta, start_frame=index, stop_frame=index + 1):
        return frame.image
    raise VideoError(f"Frame {index} of {meta.path} could not be decoded; the file may be damaged.")
