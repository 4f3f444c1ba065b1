"""Synthetic massage music with known beat times, for the tempo tests and the benchmark.

Everything is rendered with numpy from a seed (no audio files, no network): plucked and
bell-like partials with real attack/decay envelopes, a soft kick and a frame drum, a pad
with harmony, a breathy melody, a shaker. ``make_track`` returns the samples and the true
beat times (the grid the notes were placed on, including beats that carry no note).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

SR_HZ = 44100  # written at 44.1 kHz so the reader's resampling path is exercised

KINDS = (
    "pluck_kick",
    "bells",
    "piano_melody",
    "drum_weak_downbeat",
    "harp_triplets",
    "ambient",
)

# A-minor-ish pentatonic around middle C, in Hz.
_SCALE_HZ = np.array([220.0, 246.9, 261.6, 293.7, 329.6, 392.0, 440.0, 523.3, 587.3, 659.3])
_CHORDS_HZ = (
    (110.0, 220.0, 261.6, 329.6),  # Am
    (87.3, 174.6, 220.0, 261.6),  # F
    (130.8, 196.0, 261.6, 329.6),  # C
    (98.0, 196.0, 246.9, 293.7),  # G
)


@dataclass(frozen=True)
class Track:
    """One synthetic clip.

    Attributes:
        name: scenario label.
        audio: (n,) float32 mono samples in [-1, 1].
        sr_hz: sample rate of ``audio``.
        beats_s: (N,) float64 true beat times (s), including beats with no note.
        bpm: true tempo, 60 / median inter-beat interval.
        rhythmic: False for the beat-less ambient pad.
    """

    name: str
    audio: NDArray[np.float32]
    sr_hz: int
    beats_s: NDArray[np.float64]
    bpm: float
    rhythmic: bool

    @property
    def duration_s(self) -> float:
        return self.audio.size / self.sr_hz


def beat_times(
    bpm: float, duration_s: float, *, drift: float = 0.0, start_s: float = 0.3
) -> NDArray[np.float64]:
    """Beat times for a tempo going linearly from ``bpm`` to ``bpm * (1 + drift)``.

    Returns (N,) float64 seconds in [start_s, duration_s - 0.05].
    """
    t = np.arange(0.0, duration_s, 1e-4)
    tempo_bpm = bpm * (1.0 + drift * t / duration_s)
    phase = np.concatenate([[0.0], np.cumsum(tempo_bpm[1:] / 60.0 * 1e-4)])
    k = np.arange(0, int(phase[-1]) + 1)
    beats = start_s + np.interp(k, phase, t)
    return beats[beats <= duration_s - 0.05]


def _env(n: int, sr: int, attack_s: float, decay_s: float) -> NDArray[np.float64]:
    t = np.arange(n) / sr
    attack = np.clip(t / max(attack_s, 1e-4), 0.0, 1.0)
    return attack * np.exp(-t / decay_s)


@lru_cache(maxsize=256)  # the same note recurs: render it once
def pluck(f0_hz: float, sr: int, *, dur_s: float = 1.5, bright: float = 1.0) -> NDArray[np.float64]:
    """Plucked string: harmonic partials, higher ones decaying faster, 3 ms attack."""
    n = int(dur_s * sr)
    t = np.arange(n) / sr
    out = np.zeros(n)
    for h in range(1, 9):
        f = f0_hz * h * (1.0 + 0.0004 * h * h)  # slight stiffness inharmonicity
        if f > 0.45 * sr:
            break
        out += (bright**h / h**1.3) * np.sin(2 * np.pi * f * t) * np.exp(-t * (2.5 + 1.8 * h))
    return out * np.clip(t / 0.003, 0.0, 1.0)


@lru_cache(maxsize=256)  # the same note recurs: render it once
def bell(f0_hz: float, sr: int, *, dur_s: float = 3.0) -> NDArray[np.float64]:
    """Bell / singing-bowl: inharmonic partials (Risset ratios), long decay, 2 ms attack."""
    n = int(dur_s * sr)
    t = np.arange(n) / sr
    ratios = (0.56, 0.92, 1.19, 1.71, 2.0, 2.74, 3.0, 3.76, 4.07)
    amps = (1.0, 0.67, 1.0, 1.8, 2.67, 1.67, 1.46, 1.33, 1.33)
    decays = (2.0, 1.6, 1.0, 0.8, 0.7, 0.5, 0.4, 0.3, 0.25)
    out = np.zeros(n)
    for r, a, d in zip(ratios, amps, decays, strict=True):
        out += a * np.sin(2 * np.pi * f0_hz * r * t) * np.exp(-t / d)
    return out / 8.0 * np.clip(t / 0.002, 0.0, 1.0)


@lru_cache(maxsize=256)  # the same note recurs: render it once
def kick(sr: int, *, dur_s: float = 0.5) -> NDArray[np.float64]:
    """Soft kick: a 120 → 50 Hz sine sweep, 4 ms attack, 250 ms decay."""
    n = int(dur_s * sr)
    t = np.arange(n) / sr
    f = 50.0 + 70.0 * np.exp(-t / 0.04)
    phase = 2 * np.pi * np.cumsum(f) / sr
    return np.sin(phase) * _env(n, sr, 0.004, 0.25)


def frame_drum(sr: int, rng: np.random.Generator, *, dur_s: float = 0.6) -> NDArray[np.float64]:
    """Low frame drum: a damped 95 Hz mode plus a short low-passed noise slap."""
    n = int(dur_s * sr)
    t = np.arange(n) / sr
    body = np.sin(2 * np.pi * 95.0 * t) * _env(n, sr, 0.003, 0.18)
    noise = rng.standard_normal(n)
    noise = np.convolve(noise, np.ones(8) / 8, mode="same") * _env(n, sr, 0.002, 0.03)
    return body + 0.5 * noise


def shaker(sr: int, rng: np.random.Generator, *, dur_s: float = 0.15) -> NDArray[np.float64]:
    """Shaker: high-passed noise, 6 ms attack, 35 ms decay."""
    n = int(dur_s * sr)
    noise = np.diff(rng.standard_normal(n + 1))
    return 0.5 * noise * _env(n, sr, 0.006, 0.035)


def flute(f0_hz: float, sr: int, dur_s: float) -> NDArray[np.float64]:
    """Breathy melody note: 3 harmonics, 5 Hz vibrato, 40 ms attack, 80 ms release."""
    n = int(dur_s * sr)
    t = np.arange(n) / sr
    f = f0_hz * (1.0 + 0.004 * np.sin(2 * np.pi * 5.0 * t))
    phase = 2 * np.pi * np.cumsum(f) / sr
    tone = np.sin(phase) + 0.3 * np.sin(2 * phase) + 0.1 * np.sin(3 * phase)
    env = np.clip(t / 0.04, 0.0, 1.0) * np.clip((dur_s - t) / 0.08, 0.0, 1.0)
    return tone * env


def pad(chord_hz: tuple[float, ...], sr: int, dur_s: float, *, attack_s: float = 1.5):
    """Pad: detuned harmonic-rich voices, slow attack and release, gentle tremolo."""
    n = int(dur_s * sr)
    t = np.arange(n) / sr
    out = np.zeros(n)
    for f in chord_hz:
        for detune in (-0.003, 0.003):
            for h in (1, 2, 3):
                out += np.sin(2 * np.pi * f * (1 + detune) * h * t) / h**2
    env = np.clip(t / attack_s, 0.0, 1.0) * np.clip((dur_s - t) / attack_s, 0.0, 1.0)
    tremolo = 1.0 + 0.1 * np.sin(2 * np.pi * 0.2 * t)
    return out * env * tremolo / (2.0 * len(chord_hz))


def _add(buf: NDArray[np.float64], sig: NDArray[np.float64], at_s: float, sr: int, gain: float):
    i = round(at_s * sr)
    if i >= buf.size or i < 0:
        return
    m = min(sig.size, buf.size - i)
    buf[i : i + m] += gain * sig[:m]


def make_track(
    kind: str,
    bpm: float,
    *,
    duration_s: float = 20.0,
    drift: float = 0.0,
    seed: int = 0,
    sr_hz: int = SR_HZ,
) -> Track:
    """Render one scenario.

    Parameters
    ----------
    kind : one of ``KINDS``.
    bpm : starting tempo (beats per minute).
    duration_s : clip length (s).
    drift : relative tempo change over the clip, e.g. +0.05 ends 5 % faster.
    seed : seeds pitches, accents, micro-timing (±3 ms) and the noise floor.
    sr_hz : output sample rate.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; one of {KINDS}")
    rng = np.random.default_rng(seed)
    sr = sr_hz
    buf = np.zeros(int(duration_s * sr))
    beats = beat_times(bpm, duration_s, drift=drift)
    ibi = np.diff(beats)
    ibi = np.append(ibi, ibi[-1])

    def jit() -> float:
        return float(rng.uniform(-0.003, 0.003))

    def chord_of(bar: int) -> tuple[float, ...]:
        return _CHORDS_HZ[bar % len(_CHORDS_HZ)]

    # Harmony bed for every kind: one chord per bar (4 beats), overlapping swells.
    if kind != "ambient":
        for bar_start in range(0, beats.size, 4):
            t0 = beats[bar_start]
            t1 = beats[min(bar_start + 4, beats.size - 1)] + 1.0
            _add(buf, pad(chord_of(bar_start // 4), sr, t1 - t0 + 1.0), t0 - 0.5, sr, 0.25)

    if kind == "pluck_kick":
        for i, (b, p) in enumerate(zip(beats, ibi, strict=True)):
            if i % 4 in (0, 2):
                _add(buf, kick(sr), b + jit(), sr, 0.5)
            chord = chord_of(i // 4)
            for half in (0, 1):
                f = chord[1 + (2 * i + half) % 3] * (2.0 if half else 1.0)
                gain = (0.45 if half == 0 else 0.22) * rng.uniform(0.85, 1.15)
                _add(buf, pluck(f, sr), b + half * p / 2 + jit(), sr, gain)

    elif kind == "bells":
        for i, b in enumerate(beats):
            if i % 8 == 0:  # every other downbeat is a rest: missing downbeats
                continue
            f = _SCALE_HZ[rng.integers(3, 8)] * (0.5 if i % 4 == 0 else 1.0)
            _add(buf, bell(f, sr), b + jit(), sr, rng.uniform(0.35, 0.5))

    elif kind == "piano_melody":
        for i, b in enumerate(beats):
            chord = chord_of(i // 4)
            if i % 2 == 0:
                for f in chord[1:]:
                    _add(buf, pluck(f, sr, bright=0.8), b + jit(), sr, 0.25)
            else:
                _add(buf, pluck(chord[1], sr, bright=0.8), b + jit(), sr, 0.2)
        t = beats[0]
        while t < beats[-1]:  # free melody on eighths, quarters and halves
            j = int(np.searchsorted(beats, t, side="right")) - 1
            step = float(ibi[max(j, 0)])
            length = step * float(rng.choice([0.5, 1.0, 1.0, 2.0]))
            if rng.uniform() < 0.8:
                f = _SCALE_HZ[rng.integers(4, 10)]
                _add(buf, flute(f, sr, length * 0.95), t + jit(), sr, 0.15)
            t += length

    elif kind == "drum_weak_downbeat":
        for i, (b, p) in enumerate(zip(beats, ibi, strict=True)):
            if i % 4 != 0:  # no drum on the downbeat
                _add(buf, frame_drum(sr, rng), b + jit(), sr, 0.35 if i % 4 == 2 else 0.25)
            elif i % 8 == 0:
                _add(buf, bell(_SCALE_HZ[2], sr), b + jit(), sr, 0.15)  # soft downbeat
            for q in range(2):
                _add(buf, shaker(sr, rng), b + q * p / 2 + jit(), sr, 0.12 if q else 0.18)

    elif kind == "harp_triplets":
        for i, (b, p) in enumerate(zip(beats, ibi, strict=True)):
            chord = chord_of(i // 4)
            _add(buf, pluck(chord[0], sr, dur_s=2.0, bright=0.6), b + jit(), sr, 0.6)
            for k in range(3):
                f = chord[1 + (3 * i + k) % 3] * 2.0
                gain = (0.3 if k == 0 else 0.2) * rng.uniform(0.85, 1.15)
                _add(buf, pluck(f, sr, bright=0.9), b + k * p / 3 + jit(), sr, gain)

    else:  # ambient: chord changes at irregular times, slow swells, chimes, wind; no pulse
        t = 0.0
        while t < duration_s:
            length = float(rng.uniform(3.0, 7.0))
            chord = _CHORDS_HZ[int(rng.integers(len(_CHORDS_HZ)))]
            _add(buf, pad(chord, sr, length + 2.5, attack_s=2.0), t, sr, 0.35)
            t += length
        t = float(rng.exponential(3.0))
        while t < duration_s:  # wind chimes: sparse, at random (Poisson) times
            _add(buf, bell(float(rng.choice(_SCALE_HZ[4:])) * 2, sr), t, sr, 0.12)
            t += float(rng.exponential(3.0))
        wind = np.convolve(rng.standard_normal(buf.size), np.ones(64) / 64, mode="same")
        swell = 0.5 + 0.5 * np.sin(2 * np.pi * 0.07 * np.arange(buf.size) / sr)
        buf += 0.05 * wind * swell

    buf += 1e-4 * rng.standard_normal(buf.size)  # noise floor (-80 dB)
    buf *= 0.7 / np.max(np.abs(buf))
    true_bpm = 60.0 / float(np.median(np.diff(beats)))
    return Track(
        name=f"{kind}@{bpm:g}{'' if drift == 0 else f'{drift:+.0%}'}",
        audio=buf.astype(np.float32),
        sr_hz=sr,
        beats_s=beats,
        bpm=true_bpm,
        rhythmic=kind != "ambient",
    )


def f_measure(
    est_s: NDArray[np.float64], ref_s: NDArray[np.float64], window_s: float = 0.030
) -> float:
    """Beat F-measure: one-to-one matches within ±window_s (greedy, time-ordered).

    Both inputs (N,) and (M,) float64 seconds. Returns 2PR/(P+R), 0 when either is empty.
    """
    est = np.sort(np.asarray(est_s, dtype=np.float64))
    ref = np.sort(np.asarray(ref_s, dtype=np.float64))
    if est.size == 0 or ref.size == 0:
        return 0.0
    used = np.zeros(est.size, dtype=bool)
    hits = 0
    for r in ref:
        cand = np.flatnonzero(~used & (np.abs(est - r) <= window_s))
        if cand.size:
            used[cand[np.argmin(np.abs(est[cand] - r))]] = True
            hits += 1
    if hits == 0:
        return 0.0
    precision = hits / est.size
    recall = hits / ref.size
    return 2 * precision * recall / (precision + recall)
