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

import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
from numpy.typing import NDArray

from backstroke.errors import AudioError, MissingExtraError
from backstroke.jit import set_numba_cache_dir as _set_numba_cache_dir
from backstroke.music.grid import BeatGrid

SR_HZ = 22050
"""Analysis sample rate (Hz)."""
N_FFT = 1024  # 46 ms window: short enough for slow attacks, long enough for bass
HOP = 256
FPS = SR_HZ / HOP
"""Onset-envelope frame rate (frames/s), 86.13."""
N_MELS = 64
COMPRESSION = 100.0  # log(1 + C * magnitude / max magnitude)

MIN_BPM = 40.0
MAX_BPM = 180.0
"""Tempo range considered (BPM)."""
MIN_DURATION_S = 4 * 60.0 / MIN_BPM
"""Shortest accepted audio: four beats at the slowest tempo considered (6 s)."""
SILENCE_REL_DB = -50.0  # frames this far below the loudest one count as silence
SILENCE_DBFS = -60.0
"""Audio whose RMS level is below this (dB re full scale) is rejected as silent."""
MAX_ANALYSIS_S = 1200.0
"""Only the first 20 minutes are analysed; the grid extrapolates past the last beat."""
STEADY_CONFIDENCE = 0.5
"""``TempoResult.steady`` is ``confidence >= STEADY_CONFIDENCE``."""

PRIOR_OCTAVES_BELOW = 0.8  # std (octaves) of the tempo prior below its mode
PRIOR_OCTAVES_ABOVE = 0.6  # and above it
TEMPOGRAM_WIN_S = 12.0
TIGHTNESS = 100.0  # DP penalty on log(interval / period)^2; local score has unit kernel sum
LOCAL_PERIOD_SPAN = 0.15  # the local period may differ from the global one by ±15 %
OFFBEAT_RATIO_0 = 0.35  # accent ratio at which both metrical levels are equally likely
OFFBEAT_GAIN = 3.0  # log-odds per unit of accent ratio
MAX_CANDIDATES = 6  # tempogram peaks scored by beat salience
SALIENCE_WEIGHT = 2.0

_ALLOWED_FORMATS = "WAV, FLAC, OGG/Vorbis, MP3 (others with ffmpeg or GStreamer installed)"


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
    y, duration_s = _read_mono(path)
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

    onset, accent, level_db = _onset_envelope(y)
    acf, local_acf, centres = _tempogram(onset)
    period = _choose_period(acf, onset, accent, prior_bpm)
    local_period = _local_period(local_acf, centres, period, onset.size)
    beat_frames = _trim_silence(_track_beats(onset, local_period), level_db)
    if beat_frames.size < 2:
        # No pulse at all: a regular grid at the tempogram's tempo, confidence 0.
        beats_s = np.arange(0.0, analysed_s, period / FPS)
        return _result(60.0 * FPS / period, beats_s, 0.0, duration_s)
    beats_s = _refine_times(beat_frames, onset)
    confidence = _confidence(acf, period, onset, beat_frames)
    bpm = 60.0 / float(np.median(np.diff(beats_s)))
    return _result(bpm, beats_s, confidence, duration_s)


def _result(bpm: float, beats_s: NDArray[np.float64], conf: float, dur: float) -> TempoResult:
    beats = np.asarray(beats_s, dtype=np.float64)
    beats.setflags(write=False)
    return TempoResult(
        bpm=float(bpm),
        beats_s=beats,
        confidence=float(np.clip(conf, 0.0, 1.0)),
        duration_s=float(dur),
    )


# -- decoding -------------------------------------------------------------------------


def _import_audio() -> tuple[ModuleType, ModuleType, ModuleType]:
    """(soundfile, soxr, audioread); MissingExtraError when the ``audio`` extra is absent.

    soxr (resampling) and audioread (fallback decoding) come with librosa. librosa itself
    is not imported here: it would pull numba in, and nothing below needs it.
    """
    _set_numba_cache_dir()  # for any librosa use later in this process
    try:
        import soundfile
    except (ImportError, OSError) as exc:  # OSError: the libsndfile library is missing
        raise MissingExtraError("audio", "soundfile") from exc
    try:
        import audioread
        import soxr
    except ImportError as exc:
        raise MissingExtraError("audio", "librosa") from exc
    return soundfile, soxr, audioread


def _read_mono(path: Path) -> tuple[NDArray[np.float32], float]:
    """Decode ``path`` to mono float32 at ``SR_HZ``.

    Returns (samples (n,) float32 covering at most ``MAX_ANALYSIS_S``, file duration in
    s). libsndfile first (WAV, FLAC, OGG, MP3, ...); audioread (ffmpeg, GStreamer, ...
    when installed) for anything else.
    """
    sf, soxr, audioread = _import_audio()
    if not path.exists():
        raise AudioError("audio file not found", path=path)
    if not path.is_file():
        raise AudioError("not a file", path=path)
    try:
        f = sf.SoundFile(str(path))
    except (RuntimeError, ValueError, TypeError, OSError):
        f = None  # not a format libsndfile knows: try audioread
    if f is not None:
        try:
            with f:
                sr_in = int(f.samplerate)
                duration_s = f.frames / sr_in
                blocks = f.blocks(blocksize=1 << 16, dtype="float32", always_2d=True)
                y, n_in = _stream_resample(blocks, sr_in, path, soxr)
        except (RuntimeError, ValueError) as exc:  # e.g. a corrupt frame mid-file
            raise AudioError(
                f"cannot decode audio ({exc})", path=path, allowed=_ALLOWED_FORMATS
            ) from exc
    else:
        try:
            with warnings.catch_warnings():
                # audioread's stdlib backend imports aifc/audioop/sunau (deprecated).
                warnings.simplefilter("ignore", DeprecationWarning)
                af = audioread.audio_open(str(path))
            with af:
                sr_in, channels = int(af.samplerate), int(af.channels)
                blocks = (
                    np.frombuffer(buf, dtype="<i2").reshape(-1, channels).astype(np.float32)
                    / np.float32(32768.0)
                    for buf in af
                )
                y, n_in = _stream_resample(blocks, sr_in, path, soxr)
                duration_s = float(af.duration or 0.0)
        except AudioError:
            raise
        except Exception as exc:  # audioread and its backends raise many unrelated types
            raise AudioError(
                f"cannot decode audio ({type(exc).__name__})",
                path=path,
                allowed=_ALLOWED_FORMATS,
            ) from exc
    if n_in == 0:
        raise AudioError("audio file holds no samples", path=path, value=0.0)
    # Trust the samples over the header (truncated files, approximate MP3 lengths).
    if n_in < MAX_ANALYSIS_S * sr_in or duration_s <= 0:
        duration_s = n_in / sr_in
    return y, duration_s


def _stream_resample(
    blocks: Iterator[NDArray[np.float32]],
    sr_in: int,
    path: Path,
    soxr: ModuleType,
) -> tuple[NDArray[np.float32], int]:
    """Downmix and resample (frames, channels) blocks to mono ``SR_HZ``, block by block.

    A long file never sits in memory at its native rate and channel count. Stops after
    ``MAX_ANALYSIS_S``. Returns (samples (n,) float32, input frames consumed).
    """
    stream = soxr.ResampleStream(sr_in, SR_HZ, 1, dtype="float32", quality="HQ")
    limit = int(MAX_ANALYSIS_S * sr_in)
    chunks: list[NDArray[np.float32]] = []
    done = 0
    for data in blocks:
        data = data[: limit - done]
        finite = np.isfinite(data).all(axis=1)
        if not finite.all():
            first_s = (done + int(np.argmin(finite))) / sr_in
            raise AudioError(
                f"audio contains NaN or infinite samples (first at {first_s:.3f} s)",
                path=path,
                allowed="finite samples",
            )
        done += data.shape[0]
        mono = np.ascontiguousarray(data.mean(axis=1, dtype=np.float32))
        chunks.append(stream.resample_chunk(mono))
        if done >= limit:
            break
    chunks.append(stream.resample_chunk(np.zeros(0, np.float32), last=True))
    return np.concatenate(chunks).astype(np.float32, copy=False), done


# -- onset envelope -------------------------------------------------------------------


def _mel_filterbank(
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


def _onset_envelope(
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
    fb = _mel_filterbank(N_MELS, N_FFT, SR_HZ, 30.0, 8000.0)
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


# -- tempo ----------------------------------------------------------------------------


def _bpm_to_lag(bpm: float) -> float:
    return 60.0 * FPS / bpm


def _tempogram(
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
    max_lag = int(np.ceil(2 * _bpm_to_lag(MIN_BPM))) + 2
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


def _log_prior(bpm: NDArray[np.float64] | float, prior_bpm: float) -> NDArray[np.float64]:
    """Log of an asymmetric log-normal tempo prior with its mode at ``prior_bpm``.

    Wider below the mode than above: massage music is slow, and a doubled tempo (strokes
    rushed) is the worse error. With the defaults, a level and its double are equally
    likely a priori when the slow one is at 45.6 BPM (and the fast one at 91.3 BPM).
    """
    octaves = np.log2(np.asarray(bpm, dtype=np.float64) / prior_bpm)
    z = octaves / np.where(octaves < 0, PRIOR_OCTAVES_BELOW, PRIOR_OCTAVES_ABOVE)
    return -0.5 * z * z


def _peak_lag(acf: NDArray[np.float64], lag: float, span: float = 0.06) -> float:
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


def _choose_period(
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
    peak = _local_max(onset, 2)
    accent_peak = _local_max(accent, 2)
    lag_lo = _bpm_to_lag(MAX_BPM)
    lag_hi = min(_bpm_to_lag(MIN_BPM), acf.size - 2.0)
    lo, hi = int(np.ceil(lag_lo)), int(np.floor(lag_hi))
    seg = acf[lo - 1 : hi + 2]
    is_peak = (seg[1:-1] >= seg[:-2]) & (seg[1:-1] > seg[2:]) & (seg[1:-1] > 0)
    cands = [_peak_lag(acf, float(lo + i), 0.02) for i in np.flatnonzero(is_peak)]
    if not cands:
        return _bpm_to_lag(prior_bpm)
    heights = np.array([acf[round(c)] for c in cands])
    keep = np.argsort(-heights)[:MAX_CANDIDATES]
    best_lag, best_score = cands[0], -np.inf
    for i in keep:
        lag = cands[i]
        beats = _track_beats(onset, np.full(onset.size, lag))
        if beats.size < 3:
            continue
        salience = float(np.mean(peak[beats])) / max(float(np.mean(peak)), 1e-12)
        score = (
            np.log(max(heights[i], 1e-6))
            + SALIENCE_WEIGHT * np.log(max(salience, 1e-6))
            + float(_log_prior(60.0 * FPS / lag, prior_bpm))
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
                ratio = _between_ratio(onset, accent_peak, slow, k)
                logit = OFFBEAT_GAIN * (ratio - OFFBEAT_RATIO_0) + float(
                    _log_prior(60.0 * FPS / fast, prior_bpm)
                    - _log_prior(60.0 * FPS / slow, prior_bpm)
                )
                new = fast if logit > 0 else slow
                if abs(new - lag) > 1e-9:
                    lag = _peak_lag(acf, new, 0.04)
                    moved = True
                    break
            if moved:
                break
        if not moved:
            break
    return lag


def _between_ratio(
    onset: NDArray[np.float64], peak: NDArray[np.float64], lag: float, k: int
) -> float:
    """Mean accent at the k - 1 positions between beats tracked at ``lag``, over the beats'.

    ``peak`` is the accent envelope's running maximum over ±2 frames, (T,) like ``onset``.
    """
    beats = _track_beats(onset, np.full(onset.size, lag))
    if beats.size < 3:
        return 1.0
    on = float(np.mean(peak[beats[:-1]]))
    frac = np.arange(1, k)[None, :] / k
    between = np.round(beats[:-1, None] + frac * np.diff(beats)[:, None]).astype(int)
    return float(np.mean(peak[between])) / max(on, 1e-12)


def _local_max(x: NDArray[np.float64], half: int) -> NDArray[np.float64]:
    """Running maximum over ±half samples. (n,) → (n,)."""
    pad = np.pad(x, half, mode="edge")
    return np.lib.stride_tricks.sliding_window_view(pad, 2 * half + 1).max(axis=1)


def _local_period(
    local_acf: NDArray[np.float64], centres: NDArray[np.float64], lag: float, n: int
) -> NDArray[np.float64]:
    """(n,) float64 beat period per frame: each window's tempogram peak near ``lag``.

    Windows with no clear periodicity there (a pause, a free-time passage) use ``lag``.
    """
    lo = max(1, int(np.floor(lag * (1 - LOCAL_PERIOD_SPAN))))
    hi = int(np.ceil(lag * (1 + LOCAL_PERIOD_SPAN))) + 1
    peaks = np.array(
        [
            _peak_lag(row, lag, LOCAL_PERIOD_SPAN) if row[lo:hi].max() >= 0.1 else lag
            for row in local_acf
        ]
    )
    if peaks.size >= 3:  # a median over three windows rejects a single bad window
        padded = np.pad(peaks, 1, mode="edge")
        peaks = np.median(np.lib.stride_tricks.sliding_window_view(padded, 3), axis=1)
    period = np.interp(np.arange(n, dtype=np.float64), centres, peaks)
    return np.clip(period, lag * (1 - LOCAL_PERIOD_SPAN), lag * (1 + LOCAL_PERIOD_SPAN))


# -- beats ----------------------------------------------------------------------------


def _track_beats(onset: NDArray[np.float64], period: NDArray[np.float64]) -> NDArray[np.int64]:
    """Dynamic-programming beat tracker (Ellis 2007) with a per-frame period.

    Parameters
    ----------
    onset : (T,) onset envelope.
    period : (T,) beat period in frames at each frame.

    Returns
    -------
    (N,) int64 increasing beat frames.
    """
    n = onset.size
    std = float(np.std(onset))
    if n < 3 or std <= 0:
        return np.zeros(0, dtype=np.int64)
    # Local score: the normalised envelope smoothed with a Gaussian of std period/32.
    sigma = max(float(np.median(period)) / 32.0, 0.5)
    k = np.arange(-int(4 * sigma) - 1, int(4 * sigma) + 2)
    kernel = np.exp(-0.5 * (k / sigma) ** 2)
    local = np.convolve(onset / std, kernel / kernel.sum(), mode="same")

    cum = np.zeros(n)
    back = np.full(n, -1, dtype=np.int64)
    t = 0
    while t < n:
        # Every predecessor is at least period/2 back, so a block of period/2 frames
        # depends only on frames before it: vectorise the DP over the block.
        h = max(1, int(np.floor(period[t] * (1 - LOCAL_PERIOD_SPAN) / 2)))
        block = np.arange(t, min(n, t + h))
        p = period[block]
        tau = np.arange(max(1, int(np.ceil(p.min() / 2))), int(np.floor(2 * p.max())) + 1)
        prev = block[:, None] - tau[None, :]
        valid = (
            (prev >= 0)
            & (prev < t)  # computed already (guards a period that jumps within the block)
            & (tau[None, :] >= p[:, None] / 2)
            & (tau[None, :] <= 2 * p[:, None])
        )
        cand = cum[np.maximum(prev, 0)] - TIGHTNESS * np.log(tau[None, :] / p[:, None]) ** 2
        cand = np.where(valid, cand, -np.inf)
        j = np.argmax(cand, axis=1)
        best = cand[np.arange(block.size), j]
        chain = best > 0  # else start a new chain here
        cum[block] = local[block] + np.where(chain, best, 0.0)
        back[block] = np.where(chain, prev[np.arange(block.size), j], -1)
        t += block.size

    # Last beat: the best cumulative score within the final period.
    last_p = int(np.ceil(period[-1]))
    end = n - last_p + int(np.argmax(cum[n - last_p :]))
    beats = []
    i = end
    while i >= 0:
        beats.append(i)
        i = int(back[i])
    out = np.asarray(beats[::-1], dtype=np.int64)
    return out


def _trim_silence(beats: NDArray[np.int64], level_db: NDArray[np.float64]) -> NDArray[np.int64]:
    """Drop leading and trailing beats in silence (below ``SILENCE_REL_DB``).

    Beats over quiet but audible music (a pad before the first note, a rest) are kept:
    the pulse goes on there, and the planner wants an unbroken grid.
    """
    audible = level_db[beats] > SILENCE_REL_DB
    if not np.any(audible):
        return beats[:0]
    first = int(np.argmax(audible))
    last = beats.size - int(np.argmax(audible[::-1]))
    return beats[first:last]


def _refine_times(
    beat_frames: NDArray[np.int64], onset: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Beat times (s) with sub-frame precision: parabolic peak of the smoothed envelope.

    (N,) int64 frames → (N,) float64 seconds. No lag offset is added: the flux between
    the frames centred at t - 1 and t is stamped at frame t, and on the synthetic set
    the tracked beats then land -0.8 ms (median) from the true attacks; see
    docs/music.md. A beat that is not at a local peak keeps its frame time.
    """
    k = np.arange(-6, 7)
    smooth = np.convolve(onset, np.exp(-0.5 * (k / 2.0) ** 2), mode="same")
    i = np.clip(beat_frames, 1, onset.size - 2)
    a, b, c = smooth[i - 1], smooth[i], smooth[i + 1]
    den = a - 2 * b + c
    peaked = (den < 0) & (b >= a) & (b >= c)
    shift = np.where(peaked, 0.5 * (a - c) / np.where(peaked, den, -1.0), 0.0)
    frames = beat_frames + np.clip(shift, -0.5, 0.5)
    return np.asarray(frames * HOP / SR_HZ, dtype=np.float64)


def _confidence(
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
    lag_lo = int(np.ceil(_bpm_to_lag(MAX_BPM)))
    lag_hi = min(int(np.floor(_bpm_to_lag(MIN_BPM))), acf.size - 1)
    floor = max(float(np.median(acf[lag_lo : lag_hi + 1])), 0.0)
    clarity = float(np.clip((acf[round(lag)] - floor) / 0.5, 0.0, 1.0))
    peak = _local_max(onset, 2)
    ratio = float(np.mean(peak[beats])) / max(float(np.mean(peak)), 1e-12)
    salience = float(np.clip((ratio - 1.5) / 4.0, 0.0, 1.0))
    ibi = np.diff(beats).astype(np.float64)
    jitter = float(np.std(np.diff(ibi))) / float(np.mean(ibi)) if ibi.size > 1 else 0.0
    regularity = float(np.clip(1.0 - jitter / 0.15, 0.0, 1.0))
    return float(np.sqrt(clarity * salience) * regularity)
