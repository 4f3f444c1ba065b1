"""Benchmark of ``backstroke.music.tempo``: speed and accuracy → bench/results/music.json.

Speed, on a synthesised 5-minute track:
  (a) first call in a fresh process with an empty NUMBA_CACHE_DIR,
  (b) the same in a second fresh process (cache warm),
  (c) in-process, after a warm-up call (median of 3).
Accuracy, on synthetic clips (tests/music/music_synth.py, seeds disjoint from the
tests'): tempo error, octave errors, beat F-measure (±30 ms), beat offset, confidence.
With the baseline (default), the same figures for librosa's default
``beat.beat_track`` show what the slow-tempo prior and the octave check buy.

Run: ``.venv/bin/python -m bench.music [--quick] [--no-baseline]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "music.json"
sys.path.insert(0, str(ROOT / "tests" / "music"))

from music_synth import KINDS, Track, f_measure, make_track  # noqa: E402

RHYTHMIC = tuple(k for k in KINDS if k != "ambient")
BPMS = (50, 57, 64, 71, 78, 84, 90)
DRIFTS = (-0.05, 0.0, 0.05)
SEED_BASE = 10_000  # the tests use seeds < 100
OCTAVE_RATIOS = (0.5, 2.0, 1.0 / 3.0, 3.0, 2.0 / 3.0, 1.5)

_CHILD = """
import json, sys, time
t0 = time.perf_counter()
from backstroke.music.tempo import estimate_tempo
t1 = time.perf_counter()
r = estimate_tempo(sys.argv[1])
t2 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "call_s": t2 - t1, "bpm": r.bpm,
                  "numba_loaded": "numba" in sys.modules}))
"""

_CHILD_LIBROSA = """
import json, sys, time
t0 = time.perf_counter()
import librosa, numpy as np
y, sr = librosa.load(sys.argv[1], sr=22050, mono=True)
t1 = time.perf_counter()
tempo, beats = librosa.beat.beat_track(y=y, sr=sr, units="time")
t2 = time.perf_counter()
bpm = float(np.atleast_1d(tempo)[0])
print(json.dumps({"import_s": t1 - t0, "call_s": t2 - t1, "bpm": bpm,
                  "numba_loaded": "numba" in sys.modules}))
"""


def _fresh_process(code: str, path: Path, cache_dir: Path) -> dict[str, Any]:
    env = dict(os.environ, NUMBA_CACHE_DIR=str(cache_dir))
    t0 = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", code, str(path)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    wall_s = time.perf_counter() - t0
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    return {"wall_s": round(wall_s, 3), **{k: _r(v) for k, v in figures.items()}}


def _r(value: Any, digits: int = 3) -> Any:
    return round(float(value), digits) if isinstance(value, float) else value


def _speed(path: Path, baseline: bool) -> dict[str, Any]:
    from backstroke.music.tempo import estimate_tempo

    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as cache:
        out["a_fresh_process_empty_numba_cache"] = _fresh_process(_CHILD, path, Path(cache))
        out["b_fresh_process_warm_numba_cache"] = _fresh_process(_CHILD, path, Path(cache))
    estimate_tempo(path)  # warm-up
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        estimate_tempo(path)
        times.append(time.perf_counter() - t0)
    out["c_in_process_after_warmup_s"] = round(float(np.median(times)), 3)
    if baseline:
        with tempfile.TemporaryDirectory() as cache:
            out["librosa_beat_track_fresh_process_empty_numba_cache"] = _fresh_process(
                _CHILD_LIBROSA, path, Path(cache)
            )
            out["librosa_beat_track_fresh_process_warm_numba_cache"] = _fresh_process(
                _CHILD_LIBROSA, path, Path(cache)
            )
    return out


def _octave_error(est_bpm: float, true_bpm: float) -> bool:
    ratio = est_bpm / true_bpm
    return abs(ratio - 1.0) > 0.04 and any(abs(ratio / r - 1.0) <= 0.04 for r in OCTAVE_RATIOS)


def _offsets_s(est_s: np.ndarray, ref_s: np.ndarray) -> np.ndarray:
    if est_s.size == 0:
        return np.zeros(0)
    idx = np.clip(np.searchsorted(est_s, ref_s), 1, max(est_s.size - 1, 1))
    lo = est_s[np.maximum(idx - 1, 0)]
    hi = est_s[np.minimum(idx, est_s.size - 1)]
    nearest = np.where(np.abs(lo - ref_s) < np.abs(hi - ref_s), lo, hi)
    err = nearest - ref_s
    return err[np.abs(err) < 0.1]


def _score(rows: list[dict[str, Any]], offsets: list[np.ndarray]) -> dict[str, Any]:
    err = np.array([r["bpm_error_pct"] for r in rows])
    fm = np.array([r["f_measure"] for r in rows])
    off = np.concatenate(offsets) if offsets else np.zeros(0)
    ok = np.abs(err) <= 2.0
    return {
        "clips": len(rows),
        "bpm_within_2pct": int(ok.sum()),
        "octave_errors": int(sum(r["octave_error"] for r in rows)),
        "octave_errors_by_ratio": _by_ratio(rows),
        "bpm_abs_error_pct_median": _r(float(np.median(np.abs(err)))),
        "bpm_abs_error_pct_max_when_right_octave": _r(float(np.max(np.abs(err[ok]))))
        if ok.any()
        else None,
        "beat_f_measure_mean": _r(float(fm.mean())),
        "beat_f_measure_min": _r(float(fm.min())),
        "clips_with_f_measure_ge_0.9": int((fm >= 0.9).sum()),
        "beat_offset_ms_median": _r(float(np.median(off)) * 1e3, 2) if off.size else None,
        "beat_offset_ms_p90_abs": _r(float(np.percentile(np.abs(off), 90)) * 1e3, 2)
        if off.size
        else None,
    }


def _by_ratio(rows: list[dict[str, Any]]) -> dict[str, int]:
    """Octave errors counted by estimated/true ratio, e.g. {"x2": 60, "x1/2": 7}."""
    names = {0.5: "x1/2", 2.0: "x2", 1 / 3: "x1/3", 3.0: "x3", 2 / 3: "x2/3", 1.5: "x3/2"}
    counts: dict[str, int] = {}
    for row in rows:
        if row["octave_error"]:
            ratio = row["bpm"] / row["true_bpm"]
            name = names[min(names, key=lambda r: abs(ratio / r - 1.0))]
            counts[name] = counts.get(name, 0) + 1
    return counts


def _librosa_estimate(path: Path) -> tuple[float, np.ndarray]:
    import librosa

    y, sr = librosa.load(str(path), sr=22050, mono=True)
    tempo, beats = librosa.beat.beat_track(y=y, sr=sr, units="time")
    return float(np.atleast_1d(tempo)[0]), np.asarray(beats, dtype=np.float64)


def _accuracy(tracks: list[Track], workdir: Path, baseline: bool) -> dict[str, Any]:
    import soundfile as sf

    from backstroke.music.tempo import STEADY_CONFIDENCE, estimate_tempo

    ours: list[dict[str, Any]] = []
    ours_off: list[np.ndarray] = []
    theirs: list[dict[str, Any]] = []
    theirs_off: list[np.ndarray] = []
    ambient_conf: list[float] = []
    rhythmic_conf: list[float] = []
    for i, track in enumerate(tracks):
        path = workdir / f"clip{i:03d}.wav"
        sf.write(str(path), track.audio, track.sr_hz)
        result = estimate_tempo(path)
        if not track.rhythmic:
            ambient_conf.append(result.confidence)
            continue
        rhythmic_conf.append(result.confidence)
        ours.append(_row(track, result.bpm, result.beats_s))
        ours_off.append(_offsets_s(result.beats_s, track.beats_s))
        if baseline:
            bpm, beats_s = _librosa_estimate(path)
            theirs.append(_row(track, bpm, beats_s))
            theirs_off.append(_offsets_s(beats_s, track.beats_s))
        print(
            f"  {track.name:28s} true {track.bpm:6.2f}  ours {result.bpm:6.2f} "
            f"F {ours[-1]['f_measure']:.2f} conf {result.confidence:.2f}"
            + (f"  librosa {theirs[-1]['bpm']:6.2f}" if baseline else ""),
            flush=True,
        )
    out: dict[str, Any] = {
        "ours": _score(ours, ours_off),
        "confidence": {
            "steady_threshold": STEADY_CONFIDENCE,
            "rhythmic_min": _r(min(rhythmic_conf)),
            "rhythmic_median": _r(float(np.median(rhythmic_conf))),
            "rhythmic_below_threshold": int(sum(c < STEADY_CONFIDENCE for c in rhythmic_conf)),
            "ambient_clips": len(ambient_conf),
            "ambient_max": _r(max(ambient_conf)) if ambient_conf else None,
            "ambient_at_or_above_threshold": int(sum(c >= STEADY_CONFIDENCE for c in ambient_conf)),
        },
        "failures": [r for r in ours if abs(r["bpm_error_pct"]) > 2 or r["f_measure"] < 0.9],
    }
    if baseline:
        out["librosa_default_beat_track"] = _score(theirs, theirs_off)
    return out


def _version(dist: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return None


def _row(track: Track, bpm: float, beats_s: np.ndarray) -> dict[str, Any]:
    return {
        "clip": track.name,
        "true_bpm": _r(track.bpm),
        "bpm": _r(bpm),
        "bpm_error_pct": _r((bpm / track.bpm - 1.0) * 100.0),
        "octave_error": _octave_error(bpm, track.bpm),
        "f_measure": _r(f_measure(beats_s, track.beats_s, window_s=0.030)),
    }


def _synthetic_set(quick: bool) -> list[Track]:
    tracks = []
    seed = SEED_BASE
    drifts = (0.05,) if quick else DRIFTS
    for kind in RHYTHMIC:
        for bpm in BPMS:
            for drift in drifts:
                tracks.append(make_track(kind, bpm, duration_s=20.0, drift=drift, seed=seed))
                seed += 1
    for _ in range(4 if quick else 10):
        tracks.append(make_track("ambient", 70.0, duration_s=20.0, seed=seed))
        seed += 1
    return tracks


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.music", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="one drift per tempo, 4 pads")
    parser.add_argument("--no-baseline", action="store_true", help="skip librosa's tracker")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    baseline = not args.no_baseline

    import soundfile as sf  # the audio extra; ModuleNotFoundError → bench.run skips us

    from backstroke.music.tempo import estimate_tempo

    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        print("synthesising a 5-minute track ...", flush=True)
        long_track = make_track("piano_melody", 66.0, duration_s=300.0, drift=0.05, seed=777)
        long_path = workdir / "five_minutes.wav"
        sf.write(str(long_path), long_track.audio, long_track.sr_hz)
        long_result = estimate_tempo(long_path)
        print("timing ...", flush=True)
        speed = _speed(long_path, baseline)
        print(json.dumps(speed, indent=1), flush=True)
        print("accuracy on the synthetic set ...", flush=True)
        accuracy = _accuracy(_synthetic_set(args.quick), workdir, baseline)

    report = {
        "what": "backstroke.music.tempo.estimate_tempo on synthetic massage music",
        "command": "python -m bench.music" + (" --quick" if args.quick else ""),
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "numpy": np.__version__,
            "libsndfile": sf.__libsndfile_version__,
            **{name: _version(name) for name in ("soundfile", "soxr", "librosa", "numba")},
        },
        "speed_5min_track": {
            "track": long_track.name + " (5 min, 44.1 kHz mono WAV)",
            **speed,
        },
        "five_minute_track_accuracy": _row(long_track, long_result.bpm, long_result.beats_s)
        | {"confidence": _r(long_result.confidence)},
        "accuracy_20s_clips": accuracy,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps({k: report[k] for k in ("speed_5min_track", "accuracy_20s_clips")}, indent=1))
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
