"""The beat period of music: tempogram, tempo prior, salience and the metrical level."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from backstroke.music.beat_track import LOCAL_PERIOD_SPAN, local_max, track_beats
from backstroke.music.onset_envelope import FPS

MIN_BPM = 40.0
MAX_BPM = 180.0
"""Tempo range considered (BPM)."""
PRIOR_OCTAVES_BELOW = 0.8  # std (octaves) of the tempo prior below its mode
PRIOR_OCTAVES_ABOVE = 0.6  # and above it
TEMPOGRAM_WIN_S = 12.0
OFFBEAT_RATIO_0 = 0.35  # accent ratio at which both metrical levels are equally likely
OFFBEAT_GAIN = 3.0  # log-odds per unit of accent ratio
MAX_CANDIDATES = 6  # tempogram peaks scored by beat salience
SALIENCE_WEIGHT = 2.0


def bpm_to_lag(bpm: float) -> float:
    return 60.0 * FPS / bpm


def tempogram(
    onset: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Autocorrelation tempogram over ``TEMPOGRAM_WIN_S`` windows (hop a quarter window).

    Returns
    -------
    acf : (L,) float64 mean normalised autocorrelation by lag (frames), acf[0] = 1.
    local : (W, L) float64 per-window autocorrelation.
    centres : (W,) float64 window centres (frames).
    """
    n = onset.size
    max_lag = int(np.ceil(2 * bpm_to_lag(MIN_BPM))) + 2
    win = min(n, round(TEMPOGRAM_WIN_S * FPS))
    hop = max(1, win // 4)
    starts = list(range(0, max(1, n - win + 1), hop))
    if starts[-1] + win < n:
        starts.append(n - win)
    nfft = 1 << int(np.ceil(np.log2(2 * win)))
    lags = np.arange(max_lag)
    # Unbiased: divide by the overlap so long lags (slow tempi) are not penalised.
    overlap = np.maximum(win - lags, 1).astype(np.float64)
    local = np.zeros((len(starts), max_lag))
    for k, s in enumerate(starts):
        x = onset[s : s + win] - onset[s : s + win].mean()
        spec = np.fft.rfft(x, nfft)
        ac = np.fft.irfft(np.abs(spec) ** 2, nfft)[:max_lag] / overlap
        if ac[0] > 0:
            local[k] = ac / ac[0]
    centres = np.asarray(starts, dtype=np.float64) + win / 2
    return local.mean(axis=0), local, centres


def log_prior(bpm: NDArray[np.float64] | float, prior_bpm: float) -> NDArray[np.float64]:
    """Log of an asymmetric log-normal tempo prior with its mode at ``prior_bpm``.

    Wider below the mode than above: massage music is slow, and a doubled tempo (strokes
    rushed) is the worse error. With the defaults, a level and its double are equally
    likely a priori when the slow one is at 45.6 BPM (and the fast one at 91.3 BPM).
    """
    octaves = np.log2(np.asarray(bpm, dtype=np.float64) / prior_bpm)
    z = octaves / np.where(octaves < 0, PRIOR_OCTAVES_BELOW, PRIOR_OCTAVES_ABOVE)
    return -0.5 * z * z


def peak_lag(acf: NDArray[np.float64], lag: float, span: float = 0.06) -> float:
    """Refine ``lag`` to the acf maximum within ±span, with parabolic interpolation."""
    lo = max(1, int(np.floor(lag * (1 - span))))
    hi = min(acf.size - 2, int(np.ceil(lag * (1 + span))))
    if hi <= lo:
        return lag
    i = lo + int(np.argmax(acf[lo : hi + 1]))
    a, b, c = acf[i - 1], acf[i], acf[i + 1]
    den = a - 2 * b + c
    shift = 0.5 * (a - c) / den if den < 0 else 0.0
    return float(i + np.clip(shift, -0.5, 0.5))


def choose_period(
    acf: NDArray[np.float64],
    onset: NDArray[np.float64],
    accent: NDArray[np.float64],
    prior_bpm: float,
) -> float:
    """Beat period (frames) from the tempogram, the beat salience and the prior.

    1. Candidates: the tempogram peaks in the tempo range.
    2. Each is scored by log tempogram height + log beat salience (how strong the
       onsets are that beats tracked at that period land on) + log prior. Salience
       rejects lags that are multiples of a regular subdivision but not of the beat
       (e.g. 5 triplet-eighths), which the tempogram alone cannot tell apart.
    3. Metrical level: the tempogram and the salience cannot tell a beat from its
       double or half. For the neighbours (slow S, fast F = k S, k = 2 or 3) we track
       beats at S and compare the onsets at the k - 1 in-between positions with the
       onsets on the beats: a ratio near 1 says the in-between onsets are beats too (F),
       a clearly weaker one says they are a subdivision (S). The log-prior difference
       is added, so only clear evidence overrides the prior.
    """
    peak = local_max(onset, 2)
    accent_peak = local_max(accent, 2)
    lag_lo = bpm_to_lag(MAX_BPM)
    lag_hi = min(bpm_to_lag(MIN_BPM), acf.size - 2.0)
    lo, hi = int(np.ceil(lag_lo)), int(np.floor(lag_hi))
    seg = acf[lo - 1 : hi + 2]
    is_peak = (seg[1:-1] >= seg[:-2]) & (seg[1:-1] > seg[2:]) & (seg[1:-1] > 0)
    cands = [peak_lag(acf, float(lo + i), 0.02) for i in np.flatnonzero(is_peak)]
    if not cands:
        return bpm_to_lag(prior_bpm)
    heights = np.array([acf[round(c)] for c in cands])
    keep = np.argsort(-heights)[:MAX_CANDIDATES]
    best_lag, best_score = cands[0], -np.inf
    for i in keep:
        lag = cands[i]
        beats = track_beats(onset, np.full(onset.size, lag))
        if beats.size < 3:
            continue
        salience = float(np.mean(peak[beats])) / max(float(np.mean(peak)), 1e-12)
        score = (
            np.log(max(heights[i], 1e-6))
            + SALIENCE_WEIGHT * np.log(max(salience, 1e-6))
            + float(log_prior(60.0 * FPS / lag, prior_bpm))
        )
        if score > best_score:
            best_lag, best_score = lag, score

    lag = best_lag
    for _ in range(2):  # at most two metrical moves
        moved = False
        for k in (2, 3):
            for slow, fast in ((k * lag, lag), (lag, lag / k)):
                if not (lag_lo / 1.06 <= fast and slow <= lag_hi * 1.06):  # ±6 %: drift
                    continue
                ratio = between_ratio(onset, accent_peak, slow, k)
                logit = OFFBEAT_GAIN * (ratio - OFFBEAT_RATIO_0) + float(
                    log_prior(60.0 * FPS / fast, prior_bpm)
                    - log_prior(60.0 * FPS / slow, prior_bpm)
                )
                new = fast if logit > 0 else slow
                if abs(new - lag) > 1e-9:
                    lag = peak_lag(acf, new, 0.04)
                    moved = True
                    break
            if moved:
                break
        if not moved:
            break
    return lag


def between_ratio(
    onset: NDArray[np.float64], peak: NDArray[np.float64], lag: float, k: int
) -> float:
    """Mean accent at the k - 1 positions between beats tracked at ``lag``, over the beats'.

    ``peak`` is the accent envelope's running maximum over ±2 frames, (T,) like ``onset``.
    """
    beats = track_beats(onset, np.full(onset.size, lag))
    if beats.size < 3:
        return 1.0
    on = float(np.mean(peak[beats[:-1]]))
    frac = np.arange(1, k)[None, :] / k
    between = np.round(beats[:-1, None] + frac * np.diff(beats)[:, None]).astype(int)
    return float(np.mean(peak[between])) / max(on, 1e-12)


def local_period(
    local_acf: NDArray[np.float64], centres: NDArray[np.float64], lag: float, n: int
) -> NDArray[np.float64]:
    """(n,) float64 beat period per frame: each window's tempogram peak near ``lag``.

    Windows with no clear periodicity there (a pause, a free-time passage) use ``lag``.
    """
    lo = max(1, int(np.floor(lag * (1 - LOCAL_PERIOD_SPAN))))
    hi = int(np.ceil(lag * (1 + LOCAL_PERIOD_SPAN))) + 1
    peaks = np.array(
        [
            peak_lag(row, lag, LOCAL_PERIOD_SPAN) if row[lo:hi].max() >= 0.1 else lag
            for row in local_acf
        ]
    )
    if peaks.size >= 3:  # a median over three windows rejects a single bad window
        padded = np.pad(peaks, 1, mode="edge")
        peaks = np.median(np.lib.stride_tricks.sliding_window_view(padded, 3), axis=1)
    period = np.interp(np.arange(n, dtype=np.float64), centres, peaks)
    return np.clip(period, lag * (1 - LOCAL_PERIOD_SPAN), lag * (1 + LOCAL_PERIOD_SPAN))
