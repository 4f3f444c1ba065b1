"""estimate_tempo on synthetic massage music with known beats (fully offline).

The clips are rendered by ``music_synth`` (numpy) and written to temporary WAV / FLAC /
OGG / MP3 files, so the whole path (decode, resample, onset envelope, tempo, beats) runs.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("librosa")
sf = pytest.importorskip("soundfile")

from music_synth import Track, f_measure, make_track  # noqa: E402

from backstroke.errors import AudioError, MissingExtraError  # noqa: E402
from backstroke.music import audio_read, tempo  # noqa: E402
from backstroke.music.grid import BeatGrid  # noqa: E402
from backstroke.music.tempo import STEADY_CONFIDENCE, TempoResult, estimate_tempo  # noqa: E402

pytestmark = pytest.mark.audio

CLIP_S = 20.0


@lru_cache(maxsize=32)
def _track(kind: str, bpm: float, drift: float = 0.0, seed: int = 1, sr_hz: int = 44100) -> Track:
    return make_track(kind, bpm, duration_s=CLIP_S, drift=drift, seed=seed, sr_hz=sr_hz)


def _write(tmp_path: Path, track: Track, ext: str = "wav", *, stereo: bool = False) -> Path:
    path = tmp_path / f"{track.name.replace('@', '_').replace('%', 'pc')}.{ext}"
    audio = np.stack([track.audio, 0.6 * track.audio], axis=1) if stereo else track.audio
    sf.write(str(path), audio, track.sr_hz)
    return path


def _offsets_s(est_s: np.ndarray, ref_s: np.ndarray, within_s: float = 0.1) -> np.ndarray:
    """Signed error of each reference beat's nearest estimate, for matches within 100 ms."""
    idx = np.clip(np.searchsorted(est_s, ref_s), 1, est_s.size - 1)
    nearest = np.where(
        np.abs(est_s[idx - 1] - ref_s) < np.abs(est_s[idx] - ref_s), est_s[idx - 1], est_s[idx]
    )
    err = nearest - ref_s
    return err[np.abs(err) < within_s]


# Instruments x tempi 50-90 BPM x drift ±5 % x weak/missing downbeats.
ACCURACY_CASES = [
    ("pluck_kick", 60, 0.0),  # soft kick + plucked eighths: must not read 120
    ("pluck_kick", 50, -0.05),  # slowest tempo, drifting slower
    ("bells", 72, 0.05),  # every other downbeat missing
    ("bells", 90, 0.0),
    ("piano_melody", 55, 0.05),  # chords / single notes / free melody
    ("piano_melody", 84, -0.05),  # strong-weak beats: must not read 42
    ("drum_weak_downbeat", 66, 0.0),  # no drum on beat 1, shaker on eighths
    ("drum_weak_downbeat", 90, 0.05),
    ("harp_triplets", 50, 0.0),  # triplet arpeggio: must not read 150 or 75
    ("harp_triplets", 78, -0.05),
]


@pytest.mark.parametrize(("kind", "bpm", "drift"), ACCURACY_CASES)
def test_tempo_and_beats_match_the_truth(tmp_path: Path, kind: str, bpm: float, drift: float):
    track = _track(kind, bpm, drift)
    result = estimate_tempo(_write(tmp_path, track))

    assert result.bpm == pytest.approx(track.bpm, rel=0.02), (
        f"{track.name}: {result.bpm:.2f} BPM, true {track.bpm:.2f}"
    )
    f = f_measure(result.beats_s, track.beats_s, window_s=0.030)
    assert f >= 0.9, f"{track.name}: beat F-measure {f:.3f}"
    assert result.steady and result.confidence >= STEADY_CONFIDENCE
    assert result.duration_s == pytest.approx(CLIP_S, abs=1e-3)
    assert np.all(np.diff(result.beats_s) > 0)


def test_sixty_is_never_read_as_one_twenty(tmp_path: Path):
    for seed in (2, 3):
        track = _track("pluck_kick", 60, 0.0, seed)
        bpm = estimate_tempo(_write(tmp_path, track)).bpm
        assert bpm == pytest.approx(60.0, rel=0.02), f"seed {seed}: {bpm:.1f} BPM"


def test_onset_lag_is_compensated(tmp_path: Path):
    """The beats sit on the attacks, not 20-40 ms after them (DESIGN §5)."""
    offsets = []
    for kind, bpm in (("pluck_kick", 72), ("drum_weak_downbeat", 60), ("bells", 84)):
        track = _track(kind, bpm)
        result = estimate_tempo(_write(tmp_path, track))
        offsets.append(_offsets_s(result.beats_s, track.beats_s))
    err_s = np.concatenate(offsets)
    assert abs(float(np.median(err_s))) < 0.005
    assert float(np.percentile(np.abs(err_s), 90)) < 0.015


@pytest.mark.parametrize("seed", [4, 5])
def test_ambient_pad_is_not_steady(tmp_path: Path, seed: int):
    track = _track("ambient", 70, 0.0, seed)
    result = estimate_tempo(_write(tmp_path, track))
    assert result.confidence < STEADY_CONFIDENCE
    assert not result.steady
    assert 0.0 <= result.confidence <= 1.0


@pytest.mark.parametrize("ext", ["flac", "ogg", "mp3"])
def test_compressed_stereo_formats(tmp_path: Path, ext: str):
    if ext.upper() not in sf.available_formats():
        pytest.skip(f"this libsndfile ({sf.__libsndfile_version__}) cannot write {ext}")
    track = _track("drum_weak_downbeat", 72, 0.0, 6, 48000)
    result = estimate_tempo(_write(tmp_path, track, ext, stereo=True))
    assert result.bpm == pytest.approx(track.bpm, rel=0.02)
    assert f_measure(result.beats_s, track.beats_s) >= 0.9
    assert result.duration_s == pytest.approx(CLIP_S, abs=0.05)


def test_same_file_gives_the_same_json(tmp_path: Path):
    path = _write(tmp_path, _track("piano_melody", 66, 0.03, 7, 22050))
    first = estimate_tempo(path).to_json()
    second = estimate_tempo(str(path)).to_json()
    assert json.dumps(first) == json.dumps(second)


def test_json_shape_and_beat_grid(tmp_path: Path):
    result = estimate_tempo(_write(tmp_path, _track("bells", 60)))
    doc = result.to_json()
    assert set(doc) == {"bpm", "beats_s", "confidence", "duration_s"}
    assert isinstance(doc["beats_s"], list) and all(isinstance(b, float) for b in doc["beats_s"])
    for value in (doc["bpm"], doc["confidence"], doc["duration_s"], *doc["beats_s"]):
        assert round(value, 4) == value
    json.dumps(doc)  # plain JSON types only

    grid = result.beat_grid()
    assert isinstance(grid, BeatGrid)
    assert grid.source == "music"
    assert grid.bpm == pytest.approx(result.bpm)
    np.testing.assert_array_equal(grid.beats_s, result.beats_s)


def test_only_the_first_part_of_a_long_file_is_analysed(tmp_path, monkeypatch):
    monkeypatch.setattr(audio_read, "MAX_ANALYSIS_S", 10.0)
    result = estimate_tempo(_write(tmp_path, _track("pluck_kick", 72)))
    assert result.duration_s == pytest.approx(CLIP_S, abs=1e-3)  # the file's length
    assert result.beats_s[-1] <= 10.0
    assert result.bpm == pytest.approx(72.0, rel=0.02)


def test_result_is_frozen():
    result = TempoResult(bpm=60.0, beats_s=np.array([0.5, 1.5]), confidence=0.9, duration_s=2)
    with pytest.raises(AttributeError):
        result.bpm = 61.0  # type: ignore[misc]
    assert result.steady


# -- bad input ------------------------------------------------------------------------


def _tone(seconds: float, sr: int = 22050) -> np.ndarray:
    return (0.3 * np.sin(2 * np.pi * 220.0 * np.arange(int(seconds * sr)) / sr)).astype(np.float32)


def _expect_audio_error(path: Path, fragment: str) -> AudioError:
    with pytest.raises(AudioError) as info:
        estimate_tempo(path)
    err = info.value
    assert err.path == str(path)
    assert str(path) in str(err)
    assert fragment in str(err)
    assert err.exit_code == 2
    return err


def test_missing_file(tmp_path: Path):
    _expect_audio_error(tmp_path / "nope.wav", "not found")


def test_directory(tmp_path: Path):
    _expect_audio_error(tmp_path, "not a file")


def test_not_audio(tmp_path: Path):
    path = tmp_path / "notes.mp3"
    path.write_text("this is a shopping list, not music\n" * 50)
    _expect_audio_error(path, "cannot decode")


def test_empty_file(tmp_path: Path):
    path = tmp_path / "empty.wav"
    path.write_bytes(b"")
    _expect_audio_error(path, "cannot decode")


def test_silence(tmp_path: Path):
    path = tmp_path / "silence.wav"
    sf.write(str(path), np.zeros(22050 * 10, np.float32), 22050)
    _expect_audio_error(path, "silent")


def test_near_silence_below_threshold(tmp_path: Path):
    path = tmp_path / "hiss.flac"
    noise = 1e-4 * np.random.default_rng(0).standard_normal(22050 * 10)  # -80 dBFS
    sf.write(str(path), noise.astype(np.float32), 22050)
    err = _expect_audio_error(path, "silent")
    assert err.value is not None and err.value < tempo.SILENCE_DBFS


def test_too_short(tmp_path: Path):
    path = tmp_path / "short.wav"
    sf.write(str(path), _tone(5.0), 22050)
    err = _expect_audio_error(path, "too short")
    assert err.value == pytest.approx(5.0, abs=0.01)
    assert err.allowed is not None and "6 s" in err.allowed


def test_nan_samples(tmp_path: Path):
    path = tmp_path / "nan.wav"
    audio = _tone(10.0)
    audio[22050 * 3] = np.nan
    sf.write(str(path), audio, 22050, subtype="FLOAT")
    _expect_audio_error(path, "NaN")


def test_prior_out_of_range(tmp_path: Path):
    with pytest.raises(AudioError) as info:
        estimate_tempo(tmp_path / "any.wav", prior_bpm=300.0)
    assert info.value.key == "prior_bpm"


def test_missing_extra_is_reported(tmp_path: Path, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "soundfile", None)  # import soundfile -> ImportError
    with pytest.raises(MissingExtraError) as info:
        estimate_tempo(tmp_path / "any.wav")
    assert info.value.extra == "audio"


# -- slower ---------------------------------------------------------------------------


@pytest.mark.slow
def test_three_minute_drifting_track(tmp_path: Path):
    track = make_track("piano_melody", 63, duration_s=180.0, drift=0.05, seed=11, sr_hz=22050)
    result = estimate_tempo(_write(tmp_path, track, "flac"))
    assert result.bpm == pytest.approx(track.bpm, rel=0.02)
    assert f_measure(result.beats_s, track.beats_s) >= 0.9
    assert result.steady
