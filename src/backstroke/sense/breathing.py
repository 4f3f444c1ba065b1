"""Breathing rate and baseline stiffness from a rest hold (DESIGN §1 ``rest``).

"Rest both your hands at the client's upper back, close your eyes and just listen."
While the palms rest at a light, steady force, the client's breathing lifts the back by
a few millimetres; the force (or the tool's position) rises and falls with it. The rate
is the spectral peak of that signal in the breathing band:

1. average into 10 Hz bins (anti-aliasing; any input rate from 20 Hz up),
2. remove a linear trend, band-pass 0.1–0.6 Hz (6–36 breaths/min, zero phase),
3. Hann window, zero-padded FFT, peak in the band, parabolic interpolation of the log
   power around the peak, then a least-squares sinusoid fit around it,
4. no rate (``None``) when the hold is shorter than 15 s or the peak is not clear:
   its power must stand ``min_peak_ratio`` (10) times above the median power of the
   band outside the peak's main lobe, and the fitted sinusoid must explain at least
   ``min_fit_r2`` (65 %) of the band-passed variance (broadband wander does not).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import optimize, signal

from backstroke.sense.stiffness import median_stiffness, secant_stiffness

MIN_REST_S = 15.0
BAND_HZ = (0.1, 0.6)
RESAMPLE_HZ = 10.0
MIN_PEAK_RATIO = 10.0
MIN_FIT_R2 = 0.65
_PAD = 16


def _uniform(t_s: NDArray[np.float64], x: NDArray[np.float64], fs_hz: float) -> NDArray[np.float64]:
    """Bin-average ``x`` onto a uniform grid at ``fs_hz``; empty bins interpolated."""
    k = np.floor((t_s - t_s[0]) * fs_hz).astype(np.int64)
    nb = int(k[-1]) + 1
    sums = np.bincount(k, weights=x, minlength=nb)
    counts = np.bincount(k, minlength=nb)
    have = counts > 0
    grid = np.arange(nb, dtype=np.float64)
    return np.interp(grid, grid[have], sums[have] / counts[have])


def _sine_fit(t: NDArray[np.float64], y: NDArray[np.float64], f_hz: float) -> float:
    """Residual sum of squares of the best sinusoid (+ offset) at ``f_hz``."""
    a = np.column_stack(
        [np.cos(2 * np.pi * f_hz * t), np.sin(2 * np.pi * f_hz * t), np.ones_like(t)]
    )
    coef, *_ = np.linalg.lstsq(a, y, rcond=None)
    return float(np.sum((y - a @ coef) ** 2))


def _lobe_fit(
    y: NDArray[np.float64], fs_hz: float, f0_hz: float, half_width_hz: float
) -> tuple[float, float]:
    """``(frequency, R²)`` of the least-squares sinusoid (+ offset) near ``f0_hz``."""
    t = np.arange(y.size) / fs_hz
    lo, hi = max(1e-3, f0_hz - half_width_hz), f0_hz + half_width_hz
    res = optimize.minimize_scalar(
        lambda f: _sine_fit(t, y, f), bounds=(lo, hi), method="bounded", options={"xatol": 1e-5}
    )
    f = float(res.x) if res.success else f0_hz
    total = float(np.sum((y - y.mean()) ** 2))
    r2 = 1.0 - _sine_fit(t, y, f) / total if total > 0 else 0.0
    return f, r2


def breathing_rate_bpm(
    signal_values: ArrayLike,
    t_s: ArrayLike,
    *,
    min_duration_s: float = MIN_REST_S,
    band_hz: tuple[float, float] = BAND_HZ,
    min_peak_ratio: float = MIN_PEAK_RATIO,
    min_fit_r2: float = MIN_FIT_R2,
) -> float | None:
    """Breaths per minute from a rest hold, or ``None`` without a clear rhythm.

    Args:
        signal_values: ``(N,)`` normal force (N) or tool position (m) during the hold;
            non-finite samples are dropped.
        t_s: ``(N,)`` sample times, s, increasing.
        min_duration_s: shortest usable hold.
        band_hz: breathing band ``(low, high)``, Hz.
        min_peak_ratio: peak power over the band's median power off the peak.
        min_fit_r2: share of the band-passed signal's variance the fitted sinusoid must
            explain.

    Returns:
        The rate in breaths/min, or ``None``.
    """
    x = np.asarray(signal_values, dtype=np.float64)
    t = np.asarray(t_s, dtype=np.float64)
    if x.shape != t.shape or x.ndim != 1:
        raise ValueError(f"signal {x.shape} and t_s {t.shape} must be equal 1-D shapes")
    ok = np.isfinite(x) & np.isfinite(t)
    x, t = x[ok], t[ok]
    if t.size < 2 or np.any(np.diff(t) <= 0):
        return None
    # A hold of N samples covers N sample periods (1500 samples at 100 Hz = 15 s).
    if t[-1] - t[0] + float(np.median(np.diff(t))) < min_duration_s - 1e-9:
        return None
    fs = RESAMPLE_HZ
    y = signal.detrend(_uniform(t, x, fs))
    lo_hz, hi_hz = band_hz
    sos = signal.butter(2, [lo_hz, hi_hz], btype="bandpass", fs=fs, output="sos")
    y = signal.sosfiltfilt(sos, y)
    if not np.any(y):
        return None
    nfft = 1 << math.ceil(math.log2(y.size * _PAD))
    power = np.abs(np.fft.rfft(y * np.hanning(y.size), nfft)) ** 2
    freqs = np.fft.rfftfreq(nfft, 1.0 / fs)
    band = np.flatnonzero((freqs >= lo_hz) & (freqs <= hi_hz))
    i = int(band[np.argmax(power[band])])
    if i in (band[0], band[-1]):
        return None  # at the band edge: not a breathing peak
    lobe_hz = 2.0 * fs / y.size  # Hann main-lobe half-width
    off = band[np.abs(freqs[band] - freqs[i]) > lobe_hz]
    if off.size < 4 or power[i] < min_peak_ratio * float(np.median(power[off])):
        return None
    a, b, c = np.log(power[i - 1 : i + 2] + 1e-300)
    den = a - 2.0 * b + c
    delta = 0.5 * (a - c) / den if den < 0 else 0.0
    f_peak = float(freqs[i] + delta * (freqs[1] - freqs[0]))
    f_fit, r2 = _lobe_fit(y, fs, f_peak, 0.5 * fs / y.size)
    if r2 < min_fit_r2:
        return None  # broadband wander, not a rhythm
    return 60.0 * f_fit


def baseline_stiffness_n_m(normal_force_n: ArrayLike, indentation_m: ArrayLike) -> float | None:
    """Median secant stiffness of the rest hold, N/m, or ``None`` without usable samples.

    Args:
        normal_force_n: ``(N,)`` force, N.
        indentation_m: ``(N,)`` indentation, m.
    """
    k = median_stiffness(secant_stiffness(normal_force_n, indentation_m))
    return k if math.isfinite(k) else None


def rest_listening(
    t_s: ArrayLike, normal_force_n: ArrayLike, indentation_m: ArrayLike
) -> tuple[float | None, float | None]:
    """``(breathing_rate_bpm, baseline_stiffness_n_m)`` of one rest hold (``(N,)`` each)."""
    return (
        breathing_rate_bpm(normal_force_n, t_s),
        baseline_stiffness_n_m(normal_force_n, indentation_m),
    )
