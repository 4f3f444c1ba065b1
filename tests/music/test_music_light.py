"""What needs no audio extra: lazy imports, the F-measure helper, the tracker core."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest
from music_synth import beat_times, f_measure

from backstroke.music import beat_track, onset_envelope, tempo_period


def test_importing_tempo_pulls_in_no_audio_stack():
    code = textwrap.dedent(
        """
        import sys
        import backstroke.music.tempo
        heavy = [m for m in ("librosa", "soundfile", "numba", "soxr") if m in sys.modules]
        assert not heavy, heavy
        """
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.audio
def test_estimate_tempo_does_not_jit(tmp_path):
    """The first call in a fresh process must not wait for numba (tens of seconds)."""
    pytest.importorskip("librosa")
    sf = pytest.importorskip("soundfile")
    sr = 22050
    t = np.arange(8 * sr) / sr
    clicks = np.zeros_like(t)
    for b in beat_times(70.0, 8.0):
        i = int(b * sr)
        clicks[i : i + 2000] += np.exp(-np.arange(2000) / 300.0) * np.sin(
            2 * np.pi * 300.0 * np.arange(2000) / sr
        )
    path = tmp_path / "clicks.wav"
    sf.write(str(path), (0.5 * clicks).astype(np.float32), sr)
    code = textwrap.dedent(
        f"""
        import sys
        from backstroke.music.tempo import estimate_tempo
        r = estimate_tempo({str(path)!r})
        assert abs(r.bpm - 70.0) < 1.5, r.bpm
        assert "numba" not in sys.modules and "librosa" not in sys.modules
        """
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_f_measure():
    ref = np.array([1.0, 2.0, 3.0, 4.0])
    assert f_measure(ref, ref) == 1.0
    assert f_measure(ref + 0.029, ref) == 1.0
    assert f_measure(ref + 0.031, ref) == 0.0
    assert f_measure(np.array([1.0, 2.0]), ref) == pytest.approx(2 * 1.0 * 0.5 / 1.5)
    assert f_measure(np.array([1.0, 1.01, 2.0, 3.0, 4.0]), ref) == pytest.approx(
        2 * 0.8 * 1.0 / 1.8
    )  # one-to-one: a double hit counts once
    assert f_measure(np.zeros(0), ref) == 0.0


def test_tracker_follows_a_drifting_pulse_with_gaps():
    """Impulses drifting 60 -> 63 BPM, every fourth one missing: all beats recovered."""
    fps = onset_envelope.FPS
    beats_s = beat_times(60.0, 30.0, drift=0.05)
    onset = np.zeros(int(30.0 * fps))
    for i, b in enumerate(beats_s):
        if i % 4 != 0:
            onset[round(b * fps)] = 1.0
    period = np.full(onset.size, 60.0 * fps / 61.5)
    found_s = beat_track.track_beats(onset, period) / fps
    inner = beats_s[(beats_s > found_s[0] - 0.05) & (beats_s < found_s[-1] + 0.05)]
    assert inner.size >= beats_s.size - 2
    assert f_measure(found_s, inner, window_s=0.03) >= 0.95


def test_prior_prefers_slow_tempi():
    lp = tempo_period.log_prior
    assert lp(70.0, 70.0) == 0.0
    assert lp(60.0, 70.0) > lp(120.0, 70.0)
    assert lp(45.0, 70.0) < lp(90.0, 70.0)
