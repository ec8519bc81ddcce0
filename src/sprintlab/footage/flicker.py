"""Light flicker: a periodic oscillation of the picture's mean brightness."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import signal

from .stats import FootageSettings


@dataclass(frozen=True)
class FlickerCheck:
    """Does the light flicker (a periodic oscillation of the picture's mean brightness)?

    Attributes
    ----------
    fired : bool
    frequency_hz : float
        Frequency of the strongest oscillation above ``flicker_min_hz`` as sampled (an alias of
        the light's frequency when that is above half the frame rate).
    amplitude_pct : float
        Its amplitude in % of the mean brightness.
    snr : float
        Its spectral peak over the median of the spectrum.
    light_hz : tuple of float
        Mains-light frequencies (50, 60, 100, 120 Hz) that alias to ``frequency_hz`` at this rate.
    threshold_amplitude_pct : float
    sentence : str
    """

    fired: bool
    frequency_hz: float
    amplitude_pct: float
    snr: float
    light_hz: tuple[float, ...]
    threshold_amplitude_pct: float
    sentence: str = ""


def _alias_hz(f_hz: float, fps: float) -> float:
    return abs(f_hz - fps * round(f_hz / fps))


def flicker_check(
    brightness_levels: np.ndarray, fps: float, settings: FootageSettings | None = None
) -> FlickerCheck:
    """Look for a periodic oscillation of the mean brightness (LED, sodium or fluorescent light).

    The brightness series has its slow part removed (linear trend), then its periodogram
    (``scipy.signal.periodogram``, Hann window) gives the strongest peak at or above
    ``flicker_min_hz``; a sinusoid fitted at that frequency (least squares, with a cubic trend)
    gives the amplitude.
    """
    s = settings or FootageSettings()
    b = np.asarray(brightness_levels, dtype=float)
    b = b[np.isfinite(b)]
    none = FlickerCheck(False, math.nan, math.nan, math.nan, (), s.flicker_min_amplitude_pct)
    if b.size < 16 or not np.mean(b) > 0:
        return none
    f, p = signal.periodogram(b, fs=fps, window="hann", detrend="linear")
    band = (f >= s.flicker_min_hz) & (f > 2.0 * fps / b.size)
    if band.sum() < 4:
        return none
    k = np.flatnonzero(band)[int(np.argmax(p[band]))]
    f0 = float(f[k])
    snr = float(p[k] / max(np.median(p[band]), 1e-12))
    t = np.arange(b.size) / fps
    tn = (t - t.mean()) / max(t.std(), 1e-9)
    design = np.column_stack(
        [np.cos(2 * np.pi * f0 * t), np.sin(2 * np.pi * f0 * t), np.ones_like(t), tn, tn**2, tn**3]
    )
    coef, *_ = np.linalg.lstsq(design, b, rcond=None)
    amp = float(np.hypot(coef[0], coef[1]))
    if abs(f0 - fps / 2) < fps / b.size:
        amp = float(abs(coef[0]))  # at the Nyquist rate the sine term is not seen
    amp_pct = 100.0 * amp / float(np.mean(b))
    light = tuple(
        float(x) for x in (50.0, 60.0, 100.0, 120.0) if abs(_alias_hz(x, fps) - f0) <= 1.5
    )
    fired = amp_pct > s.flicker_min_amplitude_pct and snr >= s.flicker_min_snr
    sentence = ""
    if fired:
        src = (
            " (" + " or ".join(f"{x:g} Hz" for x in light) + f" lighting seen at {fps:.4g} fps)"
            if light and any(abs(x - f0) > 1.5 for x in light)
            else ""
        )
        sentence = (
            f"The light flickers: the picture's brightness oscillates by ±{amp_pct:.1f}% at "
            f"{f0:.1f} Hz{src}. The pose keypoints are hardly affected, but the picture of each "
            "frame differs in brightness, which can hide repeated frames and disturbs any "
            "comparison of frames; film in daylight or under flicker-free light if you can."
        )
    return FlickerCheck(fired, f0, amp_pct, snr, light, s.flicker_min_amplitude_pct, sentence)
