"""The onset envelope of music: positive mel spectral flux, log-compressed and linear."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from backstroke.music.audio_read import SR_HZ

N_FFT = 1024  # 46 ms window: short enough for slow attacks, long enough for bass
HOP = 256
FPS = SR_HZ / HOP
"""Onset-envelope frame rate (frames/s), 86.13."""
N_MELS = 64
COMPRESSION = 100.0  # log(1 + C * magnitude / max magnitude)


def mel_filterbank(
    n_mels: int, n_fft: int, sr: float, fmin: float, fmax: float
) -> NDArray[np.float32]:
    """(n_mels, n_fft//2+1) float32 triangular filters, equal area (Slaney-style)."""

    def hz_to_mel(f: NDArray[np.float64]) -> NDArray[np.float64]:
        return 2595.0 * np.log10(1.0 + f / 700.0)

    def mel_to_hz(m: NDArray[np.float64]) -> NDArray[np.float64]:
        return 700.0 * (10.0 ** (m / 2595.0) - 1.0)

    edges = mel_to_hz(np.linspace(hz_to_mel(np.array(fmin)), hz_to_mel(np.array(fmax)), n_mels + 2))
    freqs = np.fft.rfftfreq(n_fft, 1.0 / sr)
    lo, mid, hi = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    up = (freqs[None, :] - lo) / (mid - lo)
    down = (hi - freqs[None, :]) / (hi - mid)
    fb = np.maximum(0.0, np.minimum(up, down)) * (2.0 / (hi - lo))
    return fb.astype(np.float32)


def onset_envelope(
    y: NDArray[np.float32],
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Positive mel spectral flux, log-compressed (onsets) and linear (accents).

    Parameters
    ----------
    y : (n,) float32 mono samples at ``SR_HZ``, peak 1.

    Returns
    -------
    onset : (T,) float64 flux of log(1 + C magnitude): every note, soft ones too; frame
        ``t`` is centred at ``t * HOP / SR_HZ`` s; T = n // HOP + 1.
    accent : (T,) float64 flux of the linear magnitude: how loud each onset is, used to
        tell beats from their (quieter) subdivisions.
    level_db : (T,) float64 frame power in dB relative to the loudest frame.
    """
    pad = N_FFT // 2
    ypad = np.pad(y, pad, mode="reflect" if y.size > pad else "constant")
    frames = np.lib.stride_tricks.sliding_window_view(ypad, N_FFT)[::HOP]
    window = np.hanning(N_FFT).astype(np.float32)
    fb = mel_filterbank(N_MELS, N_FFT, SR_HZ, 30.0, 8000.0)
    mel = np.empty((frames.shape[0], N_MELS), dtype=np.float32)
    step = 4096  # frames per block: bounds the STFT's memory for long files
    for i in range(0, frames.shape[0], step):
        spec = np.fft.rfft(frames[i : i + step] * window, axis=1)
        mel[i : i + step] = (np.square(np.abs(spec)) @ fb.T).astype(np.float32)
    # Log compression of the magnitude, ~40 dB deep: loud events (bass, drums, the
    # melody) weigh more than quiet high-band ornaments, unlike a plain dB flux that
    # counts a -60 dB shaker band as much as the kick.
    mag = np.sqrt(mel)  # float32 throughout: 20 minutes of frames stay ~25 MB per array
    mag *= np.float32(1.0 / max(float(mag.max()), 1e-20))
    log_mag = np.log1p(np.float32(COMPRESSION) * mag)
    onset = np.maximum(np.diff(log_mag, axis=0, prepend=log_mag[:1]), 0.0).mean(
        axis=1, dtype=np.float64
    )
    accent = np.maximum(np.diff(mag, axis=0, prepend=mag[:1]), 0.0).mean(axis=1, dtype=np.float64)
    power = mel.sum(axis=1, dtype=np.float64)
    level_db = 10.0 * np.log10(power / max(float(power.max()), 1e-30) + 1e-30)
    return onset, accent, level_db
