"""Tempo and beats from the client's own music (slow massage music, about 50–90 BPM).

``estimate_tempo(path)`` reads an audio file and returns a :class:`TempoResult`: the
tempo, the beat times, a confidence, and the duration. The method (docs/music.md):

1. decode to mono 22.05 kHz (soundfile, streamed and resampled with soxr; other formats
   through audioread);
2. onset envelope: positive flux of the log-compressed mel magnitude at 86 frames/s,
   and an accent envelope (flux of the linear magnitude);
3. tempo: autocorrelation tempogram averaged over 12 s windows; its peaks are scored
   with the beat salience and an asymmetric log-normal prior with its mode at
   ``prior_bpm`` (librosa's 120 BPM prior doubles slow music); the metrical level
   (T/3, T/2, T, 2T, 3T) is then decided from the accent between the candidate beats
   relative to the accent on them, with the prior as tie-breaker;
4. beats: a dynamic-programming tracker (Ellis 2007) with a local period taken from the
   windowed tempogram, so slow tempo drift is followed and missing beats are bridged;
5. beat times to sub-frame precision (parabolic peak). The flux between frames t - 1
   and t is stamped at frame t (frames centred), which avoids the 20–40 ms lag of
   librosa's envelope: the measured residual is about -1 ms (docs/music.md);
6. confidence: pulse clarity (tempogram peak height), beat salience and regularity.

Nothing here JIT-compiles (no numba, no librosa import), so the first call in a fresh
process costs the same as the next. ``NUMBA_CACHE_DIR`` is still pointed at a writable
cache for any later librosa use in the process.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from backstroke.errors import AudioError
from backstroke.music.audio_read import SR_HZ, read_mono
from backstroke.music.beat_track import local_max, refine_times, track_beats, trim_silence
from backstroke.music.grid import BeatGrid
from backstroke.music.onset_envelope import FPS, onset_envelope
from backstroke.music.tempo_period import (
    MAX_BPM,
    MIN_BPM,
    bpm_to_lag,
    choose_period,
    local_period,
    tempogram,
)

MIN_DURATION_S = 4 * 60.0 / MIN_BPM
"""Shortest accepted audio: four beats at the slowest tempo considered (6 s)."""
SILENCE_DBFS = -60.0
"""Audio whose RMS level is below this (dB re full scale) is rejected as silent."""
STEADY_CONFIDENCE = 0.5
"""``TempoResult.steady`` is ``confidence >= STEADY_CONFIDENCE``."""


@dataclass(frozen=True, eq=False)
class TempoResult:
    """Tempo and beats of one audio file.

    Attributes:
        bpm: tempo (beats per minute), 60 / median inter-beat interval.
        beats_s: (N,) float64 strictly increasing beat times (s) from the file start.
        confidence: pulse clarity in [0, 1]; beat-less music (ambient pads) scores
            below ``STEADY_CONFIDENCE``.
        duration_s: length of the file (s); beats cover at most the first
            ``MAX_ANALYSIS_S`` of it.
    """

    bpm: float
    beats_s: NDArray[np.float64]
    confidence: float
    duration_s: float

    @property
    def steady(self) -> bool:
        """True when the beat is clear enough to pace strokes on (else use the routine BPM)."""
        return self.confidence >= STEADY_CONFIDENCE

    def to_json(self) -> dict[str, Any]:
        """``{"bpm", "beats_s", "confidence", "duration_s"}``, floats rounded to 4 decimals."""
        return {
            "bpm": round(float(self.bpm), 4),
            "beats_s": [round(float(b), 4) for b in self.beats_s],
            "confidence": round(float(self.confidence), 4),
            "duration_s": round(float(self.duration_s), 4),
        }

    def beat_grid(self) -> BeatGrid:
        """The beats as the planner's :class:`BeatGrid` (source ``"music"``)."""
        return BeatGrid(bpm=float(self.bpm), beats_s=self.beats_s.copy(), source="music")


def estimate_tempo(path: str | Path, *, prior_bpm: float = 70.0) -> TempoResult:
    """Estimate the tempo and beat times of an audio file.

    Parameters
    ----------
    path : audio file (WAV, FLAC, OGG, MP3, ...).
    prior_bpm : mode of the tempo prior (BPM); slow massage music sits around 70. The
        half/double boundary for ambiguous music sits at 0.67x and 1.35x this.

    Returns
    -------
    TempoResult

    Raises
    ------
    AudioError
        The file is missing or cannot be decoded, contains NaN samples, is silent, or is
        shorter than ``MIN_DURATION_S``.
    MissingExtraError
        soundfile or librosa (the ``audio`` extra) is not installed.
    """
    path = Path(path)
    if not (np.isfinite(prior_bpm) and MIN_BPM <= prior_bpm <= MAX_BPM):
        raise AudioError(
            "tempo prior out of range",
            path=path,
            key="prior_bpm",
            value=prior_bpm,
            allowed=f"{MIN_BPM:g}..{MAX_BPM:g} BPM",
        )
    y, duration_s = read_mono(path)
    analysed_s = y.size / SR_HZ
    if analysed_s < MIN_DURATION_S:
        raise AudioError(
            f"audio too short for a tempo ({analysed_s:.2f} s)",
            path=path,
            value=round(analysed_s, 3),
            allowed=f">= {MIN_DURATION_S:g} s (four beats at {MIN_BPM:g} BPM)",
        )
    mean_square = float(np.dot(y, y)) / y.size  # no (n,) temporary: y can be 100 MB
    rms_dbfs = max(10.0 * np.log10(mean_square + 1e-20), -120.0)
    if rms_dbfs < SILENCE_DBFS:
        raise AudioError(
            f"audio is silent (RMS {rms_dbfs:.1f} dBFS)",
            path=path,
            value=round(rms_dbfs, 1),
            allowed=f"RMS level >= {SILENCE_DBFS:g} dBFS",
        )
    y *= np.float32(1.0 / max(float(y.max()), -float(y.min())))  # level-independent envelope

    onset, accent, level_db = onset_envelope(y)
    acf, local_acf, centres = tempogram(onset)
    period = choose_period(acf, onset, accent, prior_bpm)
    period_by_frame = local_period(local_acf, centres, period, onset.size)
    beat_frames = trim_silence(track_beats(onset, period_by_frame), level_db)
    if beat_frames.size < 2:
        # No pulse at all: a regular grid at the tempogram's tempo, confidence 0.
        beats_s = np.arange(0.0, analysed_s, period / FPS)
        return _result(60.0 * FPS / period, beats_s, 0.0, duration_s)
    beats_s = refine_times(beat_frames, onset)
    pulse_clarity = confidence(acf, period, onset, beat_frames)
    bpm = 60.0 / float(np.median(np.diff(beats_s)))
    return _result(bpm, beats_s, pulse_clarity, duration_s)


def _result(bpm: float, beats_s: NDArray[np.float64], conf: float, dur: float) -> TempoResult:
    beats = np.asarray(beats_s, dtype=np.float64)
    beats.setflags(write=False)
    return TempoResult(
        bpm=float(bpm),
        beats_s=beats,
        confidence=float(np.clip(conf, 0.0, 1.0)),
        duration_s=float(dur),
    )


def confidence(
    acf: NDArray[np.float64],
    lag: float,
    onset: NDArray[np.float64],
    beats: NDArray[np.int64],
) -> float:
    """Pulse clarity in [0, 1]: sqrt(clarity * salience) * regularity.

    clarity: tempogram height at the beat period above the median of the searched lag
        range (0.5 above it scores 1).
    salience: mean onset peak at the beats over the mean onset peak, mapped from
        1.5 (beats land on nothing special) .. 5.5 (every beat is a strong onset) to 0..1.
    regularity: 1 - (std of the change of successive inter-beat intervals / mean
        interval) / 0.15; slow drift keeps it near 1, a tracker wandering between
        unrelated onsets lowers it.

    On the synthetic set (docs/music.md) rhythmic clips have clarity >= 0.38, salience
    ratio >= 4.3, jitter <= 0.017, and ambient pads clarity <= 0.27, ratio <= 3.0,
    jitter >= 0.025; the scales put the gap between them around STEADY_CONFIDENCE.
    """
    if beats.size < 3:
        return 0.0
    lag_lo = int(np.ceil(bpm_to_lag(MAX_BPM)))
    lag_hi = min(int(np.floor(bpm_to_lag(MIN_BPM))), acf.size - 1)
    floor = max(float(np.median(acf[lag_lo : lag_hi + 1])), 0.0)
    clarity = float(np.clip((acf[round(lag)] - floor) / 0.5, 0.0, 1.0))
    peak = local_max(onset, 2)
    ratio = float(np.mean(peak[beats])) / max(float(np.mean(peak)), 1e-12)
    salience = float(np.clip((ratio - 1.5) / 4.0, 0.0, 1.0))
    ibi = np.diff(beats).astype(np.float64)
    jitter = float(np.std(np.diff(ibi))) / float(np.mean(ibi)) if ibi.size > 1 else 0.0
    regularity = float(np.clip(1.0 - jitter / 0.15, 0.0, 1.0))
    return float(np.sqrt(clarity * salience) * regularity)
