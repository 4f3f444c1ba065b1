"""Generator I itself (tests/learn/i_synth.py): its truth agrees with the log it writes.

These test the generator, not the learner: the contract's columns and ranges, the
BPM of the stroke onsets, the passes, forces and duration it claims, its learners'
faults, and that it runs without backstroke.
"""

from __future__ import annotations

import csv
import functools
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.learn.i_synth import FAULT_ELEMENT, FAULTS, IDemo, i_demo, i_learner, to_csv

ROOT = Path(__file__).resolve().parents[2]
SEEDS = range(8)


@functools.cache
def _demo(seed: int, labels: bool) -> IDemo:
    """One demonstration per seed and labels for the whole file (tests only read it)."""
    return i_demo(seed, labels)


_LIMIT_N = {"rest": 15.0, "glide": 40.0, "forearm": 45.0, "thumb_strip": 30.0}


def _contact(cols: dict, threshold_n: float = 0.5) -> tuple[float, float]:
    loaded = np.flatnonzero(np.asarray(cols["normal_force_n"]) > threshold_n)
    t = np.asarray(cols["t_s"])
    return float(t[loaded[0]]), float(t[loaded[-1]])


def _lifts(cols: dict) -> int:
    """Runs of force under 0.5 N longer than 20 ms between first touch and lift-off."""
    t, f = np.asarray(cols["t_s"]), np.asarray(cols["normal_force_n"])
    t0, t1 = _contact(cols, 1.2)  # clear of the noise on the set-down and release ramps
    inside = (t > t0) & (t < t1)
    low = (f < 0.5) & inside
    edges = np.diff(low.astype(int))
    starts, ends = np.flatnonzero(edges == 1) + 1, np.flatnonzero(edges == -1) + 1
    return int(sum(t[e - 1] - t[s] > 0.02 for s, e in zip(starts, ends, strict=False)))


def test_runs_without_backstroke() -> None:
    code = (
        "import sys; import tests.learn.i_synth as m; m.i_demo(1, True); "
        "print(sorted(k for k in sys.modules if k.split('.')[0] == 'backstroke'))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("seed", SEEDS)
def test_truth_within_the_issue_ranges(seed: int) -> None:
    d = _demo(seed, seed % 2 == 1)
    t = d.truth
    assert 3 <= len(t.techniques) <= 5
    assert 50.0 <= t.bpm <= 80.0
    assert all(50.0 <= b <= 80.0 and abs(b / t.bpm - 1) <= 0.0201 for b in t.block_bpm)
    beats = np.array([b.beats() for b in d.score.blocks], float)
    mean = np.exp(np.sum(beats * np.log(t.block_bpm)) / beats.sum())
    assert mean == pytest.approx(t.bpm, rel=1e-9)
    assert 0.42 <= t.back_length_m <= 0.60
    for tech, f, p in zip(t.techniques, t.forces_n, t.passes, strict=True):
        assert 0 < f <= _LIMIT_N[tech] and p >= 1
    assert (t.given_back_length_m is None) == ("x_m" in d.columns)


@pytest.mark.parametrize("seed", SEEDS)
def test_log_keeps_the_contract(seed: int) -> None:
    labels = seed % 2 == 0
    d = _demo(seed, labels)
    c = d.columns
    for key in ("t_s", "u", "v", "normal_force_n", "indentation_m"):
        assert np.all(np.isfinite(c[key])), key
    t = np.asarray(c["t_s"])
    assert np.all(np.diff(t) > 0) and t[-1] - t[0] < 86400
    rate = 1.0 / np.median(np.diff(t))
    assert 100 * 0.9 <= rate <= 1000 * 1.1
    assert rate == pytest.approx(d.score.rate_hz, rel=0.05)
    assert np.all(np.abs(c["u"] - 0.5) <= 1.0) and np.all(np.abs(c["v"]) <= 1.0)
    assert np.all(np.abs(c["indentation_m"]) <= 0.05)
    assert ("block" in c) == labels and ("tool" in c) == labels


def test_some_logs_drop_packets() -> None:
    gaps = []
    for seed in SEEDS:
        t = np.asarray(_demo(seed, False).columns["t_s"])
        dt = np.diff(t)
        gaps.append(int(np.sum(dt > 5 * np.median(dt))))
    assert sum(g > 0 for g in gaps) >= len(gaps) // 2


@pytest.mark.parametrize("seed", SEEDS)
def test_duration_is_the_contact_span(seed: int) -> None:
    d = _demo(seed, False)
    t0, t1 = _contact(d.columns)
    assert t1 - t0 == pytest.approx(d.truth.duration_s, abs=0.6)
    assert _lifts(d.columns) == 0  # the master never lifts


@pytest.mark.parametrize("seed", SEEDS)
def test_onsets_on_the_beat_and_the_log_follows_them(seed: int) -> None:
    d = _demo(seed, True)
    t = np.asarray(d.columns["t_s"]) - d.score.clock_offset_s
    for k, bpm in enumerate(d.truth.block_bpm):
        onsets = np.array([s.t0 for s in d.segs if s.block == k and s.kind == "work"])
        if len(onsets) < 3:
            continue
        beat_s = 60.0 / bpm
        n = np.round((onsets - onsets[0]) / beat_s)
        slope = np.polyfit(n, onsets, 1)[0]
        assert 60.0 / slope == pytest.approx(bpm, rel=0.01)
        off = (onsets - onsets[0]) / beat_s - n
        assert np.max(np.abs(off)) < 0.3  # rubato, swing and jitter: a fraction of a beat
    for s in d.segs:  # the log is where the performance says, at its events
        if s.kind == "work" and s.t1 - s.t0 > 1.0:
            j = int(np.argmin(np.abs(t - s.t0)))
            if abs(t[j] - s.t0) < 0.02:
                assert d.columns["u"][j] == pytest.approx(s.u0, abs=0.01)


def _turns(u: np.ndarray, hysteresis: float = 0.05) -> list[str]:
    """The kinds ("low"/"high") of the turnarounds of ``u``."""
    out, ext, rising = [], u[0], None
    for x in u:
        if rising is not False and x < ext - hysteresis:
            out.append("high") if rising else None
            rising, ext = False, x
        elif rising is not True and x > ext + hysteresis:
            out.append("low") if rising is False else None
            rising, ext = True, x
        elif (rising and x > ext) or (rising is False and x < ext):
            ext = x
    return out


@pytest.mark.parametrize("seed", SEEDS)
def test_forces_and_glide_passes_in_the_log(seed: int) -> None:
    d = _demo(seed, True)
    c = d.columns
    block, f = np.asarray(c["block"]), np.asarray(c["normal_force_n"])
    names = [b.label for b in d.score.blocks]
    assert [n for n in dict.fromkeys(block) if n] == list(dict.fromkeys(names))
    for k, b in enumerate(d.score.blocks):
        k_first = names.index(b.label)
        if k_first != k:  # a label used twice: the blocks share it
            continue
        sel = (block == b.label) & (f > 0.6 * b.force_n)
        assert np.median(f[sel]) == pytest.approx(b.force_n, rel=0.08)
        if b.technique == "glide" and names.count(b.label) == 1:
            u = np.asarray(c["u"])[block == b.label]
            assert _turns(u).count("low") == b.passes


@pytest.mark.parametrize("fault", FAULTS)
def test_learners_have_their_fault(fault: str) -> None:
    assert FAULT_ELEMENT[fault] in ("pressure", "speed", "continuity")
    for seed in (3, 4):
        master = _demo(seed, True)
        cols = i_learner(seed, fault, True)
        span_m, span_l = np.diff(_contact(master.columns))[0], np.diff(_contact(cols))[0]
        f_m = np.median(master.columns["normal_force_n"][master.columns["normal_force_n"] > 6])
        f_l = np.median(cols["normal_force_n"][cols["normal_force_n"] > 6])
        assert (_lifts(cols) == 3) == (fault == "lifting_off")
        assert (f_l / f_m > 1.25) == (fault == "too_hard")
        assert (span_l / span_m < 0.85) == (fault == "too_fast")


def test_same_seed_same_log() -> None:
    a, b = i_demo(5, True).columns, i_demo(5, True).columns
    assert list(a) == list(b)
    assert all(np.array_equal(a[k], b[k]) for k in a)


def test_csv_round_trip(tmp_path: Path) -> None:
    d = _demo(5, True)  # a short log at 100 Hz
    path = tmp_path / "i.csv"
    to_csv(d.columns, str(path))
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == list(d.columns)
    assert len(rows) - 1 == len(d.columns["t_s"])
    j = rows[0].index("t_s")
    t = np.array([float(r[j]) for r in rows[1:]])
    assert np.all(np.diff(t) > 0)
