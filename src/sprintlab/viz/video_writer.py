"""Browser-playable MP4 output (H.264 / yuv420p / faststart) through PyAV.

OpenCV's bundled FFmpeg writes ``mp4v``, which browsers do not play; PyAV's ``libx264`` does.
"""

from __future__ import annotations

import math
import os
from fractions import Fraction
from types import TracebackType

import av
import cv2
import numpy as np

__all__ = ["H264Writer"]


class H264Writer:
    """Write BGR frames to an H.264 MP4 that browsers (and ``st.video``) play.

    Output is libx264, pixel format yuv420p, ``+faststart`` (index at the front so playback can
    begin before the download ends). yuv420p needs even dimensions: an odd width or height is
    padded with one black column or row on the right or bottom.

    Parameters
    ----------
    path : str or path-like
        Output file; its folder must exist. Written as frames arrive (not atomically).
    fps : float
        Playback rate in frames per second; may be non-integer (29.97, 119.88).
    width_px, height_px : int
        Size of the images passed to :meth:`write`.
    crf : int
        x264 constant rate factor (lower = better quality, bigger file).
    bitrate_kbps : float, optional
        Average bit rate in kbit/s instead of ``crf`` (capped at that rate with a one-second
        buffer, like a phone's or a messaging app's encoder).
    preset : str
        x264 speed preset.
    faststart : bool
        Put the index at the front of the file (needed for progressive playback in browsers).

    Examples
    --------
    >>> with H264Writer("out.mp4", 30.0, 640, 360) as writer:  # doctest: +SKIP
    ...     for image in images:
    ...         writer.write(image)
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        fps: float,
        width_px: int,
        height_px: int,
        *,
        crf: int = 23,
        bitrate_kbps: float | None = None,
        preset: str = "veryfast",
        faststart: bool = True,
    ) -> None:
        if not (math.isfinite(fps) and fps > 0):
            raise ValueError(f"fps must be a positive number, got {fps!r}")
        if int(width_px) < 1 or int(height_px) < 1:
            raise ValueError(f"frame size must be positive, got {width_px}x{height_px}")
        if bitrate_kbps is not None and not (math.isfinite(bitrate_kbps) and bitrate_kbps > 0):
            raise ValueError(f"bitrate_kbps must be a positive number, got {bitrate_kbps!r}")
        self.path = os.fspath(path)
        self.fps = float(fps)
        self.width_px = int(width_px)
        self.height_px = int(height_px)
        # yuv420p subsamples chroma 2x2, so the encoded size must be even.
        self.out_width_px = self.width_px + self.width_px % 2
        self.out_height_px = self.height_px + self.height_px % 2
        # An exact rational rate keeps timestamps exact (30000/1001 for 29.97...).
        self._rate = Fraction(self.fps).limit_denominator(10_000)
        self._time_base = 1 / self._rate
        self.frames_written = 0
        self._closed = False
        options = {"movflags": "+faststart"} if faststart else {}
        self._container = av.open(self.path, mode="w", format="mp4", options=options)
        try:
            stream = self._container.add_stream("libx264", rate=self._rate)
            stream.width = self.out_width_px
            stream.height = self.out_height_px
            stream.pix_fmt = "yuv420p"
            stream.codec_context.time_base = self._time_base
            if bitrate_kbps is None:
                stream.options = {"crf": str(int(crf)), "preset": preset}
            else:
                rate = round(1000 * bitrate_kbps)
                stream.bit_rate = rate
                stream.options = {
                    "preset": preset,
                    "maxrate": str(rate),
                    "bufsize": str(rate),
                }
        except Exception:
            self._container.close()
            raise
        self._stream = stream

    def write(self, image_bgr: np.ndarray) -> None:
        """Encode one frame: BGR (H, W, 3) or grey (H, W) ``uint8`` of the constructor's size."""
        if self._closed:
            raise ValueError("cannot write to a closed H264Writer")
        image = np.asarray(image_bgr)
        if image.dtype != np.uint8:
            raise ValueError(f"image must be uint8, got {image.dtype}")
        if image.ndim == 2:
            image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
        if image.shape != (self.height_px, self.width_px, 3):
            raise ValueError(
                f"image must have shape ({self.height_px}, {self.width_px}, 3), got {image.shape}"
            )
        pad_bottom = self.out_height_px - self.height_px
        pad_right = self.out_width_px - self.width_px
        if pad_bottom or pad_right:
            image = cv2.copyMakeBorder(
                image, 0, pad_bottom, 0, pad_right, cv2.BORDER_CONSTANT, value=(0, 0, 0)
            )
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="bgr24")
        frame.pts = self.frames_written
        frame.time_base = self._time_base
        for packet in self._stream.encode(frame):
            self._container.mux(packet)
        self.frames_written += 1

    def close(self) -> None:
        """Flush the encoder and finish the file (safe to call more than once)."""
        if self._closed:
            return
        self._closed = True
        try:
            for packet in self._stream.encode(None):
                self._container.mux(packet)
        finally:
            self._container.close()

    def __enter__(self) -> H264Writer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
