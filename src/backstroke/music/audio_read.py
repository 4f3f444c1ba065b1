"""Decoding an audio file to mono samples at the analysis rate (the ``audio`` extra)."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import numpy as np
from numpy.typing import NDArray

from backstroke.errors import AudioError, MissingExtraError
from backstroke.jit import set_numba_cache_dir as _set_numba_cache_dir

SR_HZ = 22050
"""Analysis sample rate (Hz)."""
MAX_ANALYSIS_S = 1200.0
"""Only the first 20 minutes are analysed; the grid extrapolates past the last beat."""
ALLOWED_FORMATS = "WAV, FLAC, OGG/Vorbis, MP3 (others with ffmpeg or GStreamer installed)"


def import_audio() -> tuple[ModuleType, ModuleType, ModuleType]:
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


def read_mono(path: Path) -> tuple[NDArray[np.float32], float]:
    """Decode ``path`` to mono float32 at ``SR_HZ``.

    Returns (samples (n,) float32 covering at most ``MAX_ANALYSIS_S``, file duration in
    s). libsndfile first (WAV, FLAC, OGG, MP3, ...); audioread (ffmpeg, GStreamer, ...
    when installed) for anything else.
    """
    sf, soxr, audioread = import_audio()
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
                y, n_in = stream_resample(blocks, sr_in, path, soxr)
        except (RuntimeError, ValueError) as exc:  # e.g. a corrupt frame mid-file
            raise AudioError(
                f"cannot decode audio ({exc})", path=path, allowed=ALLOWED_FORMATS
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
                y, n_in = stream_resample(blocks, sr_in, path, soxr)
                duration_s = float(af.duration or 0.0)
        except AudioError:
            raise
        except Exception as exc:  # audioread and its backends raise many unrelated types
            raise AudioError(
                f"cannot decode audio ({type(exc).__name__})",
                path=path,
                allowed=ALLOWED_FORMATS,
            ) from exc
    if n_in == 0:
        raise AudioError("audio file holds no samples", path=path, value=0.0)
    # Trust the samples over the header (truncated files, approximate MP3 lengths).
    if n_in < MAX_ANALYSIS_S * sr_in or duration_s <= 0:
        duration_s = n_in / sr_in
    return y, duration_s


def stream_resample(
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
