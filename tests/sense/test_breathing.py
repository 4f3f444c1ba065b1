"""Breathing rate and baseline stiffness from a rest hold."""

from __future__ import annotations

import numpy as np
import pytest

from backstroke.sense.breathing import (
    baseline_stiffness_n_m,
    breathing_rate_bpm,
    rest_listening,
)
from tests.sense.synth import rest_log


def test_rate_within_one_breath_per_minute_over_seeds() -> None:
    errs = []
    for seed in range(60):
        rng = np.random.default_rng(seed)
        rate = float(rng.uniform(12, 20))
        cols = rest_log(
            rate_bpm=rate,
            duration_s=float(rng.uniform(15, 30)),
            rate_hz=float(rng.choice([100.0, 1000.0])),
            amp_n=float(rng.uniform(0.15, 0.6)),
            noise_n=0.1,
            seed=seed,
        )
        got = breathing_rate_bpm(cols["normal_force_n"], cols["t_s"])
        assert got is not None, seed
        errs.append(abs(got - rate))
    assert max(errs) < 1.0, max(errs)


def test_irregular_breathing_with_drift() -> None:
    """Rate wandering ±5 %, a second harmonic and a slow force drift."""
    for seed in range(20):
        rng = np.random.default_rng(seed)
        fs, dur = 100.0, float(rng.uniform(15, 30))
        t = np.arange(0, dur, 1 / fs)
        rate = float(rng.uniform(12, 20))
        ph = np.cumsum(2 * np.pi * rate / 60 * (1 + 0.05 * np.sin(2 * np.pi * t / 11)) / fs)
        f = 6 + 0.4 * (np.sin(ph) + 0.3 * np.sin(2 * ph + 1)) + rng.normal(0, 0.1, t.size)
        f += np.cumsum(rng.normal(0, 0.0063, t.size))
        mean_rate = 60 * ph[-1] / (2 * np.pi) / dur
        got = breathing_rate_bpm(f, t)
        assert got is not None and abs(got - mean_rate) < 1.0


def test_from_position_too() -> None:
    cols = rest_log(rate_bpm=14.0, seed=2)
    got = breathing_rate_bpm(cols["z_m"], cols["t_s"])
    assert got == pytest.approx(14.0, abs=0.5)


def test_no_clear_peak_is_none() -> None:
    rng = np.random.default_rng(0)
    t = np.arange(0, 20, 0.01)
    false = sum(
        breathing_rate_bpm(6 + rng.normal(0, 0.1, t.size), t) is not None for _ in range(30)
    )
    assert false == 0
    assert breathing_rate_bpm(np.full(t.size, 6.0), t) is None


def test_short_or_bad_input() -> None:
    cols = rest_log(duration_s=10.0)
    assert breathing_rate_bpm(cols["normal_force_n"], cols["t_s"]) is None
    assert breathing_rate_bpm(np.ones(1), np.zeros(1)) is None
    with pytest.raises(ValueError):
        breathing_rate_bpm(np.ones(3), np.ones(4))


def test_baseline_and_rest_listening() -> None:
    cols = rest_log(stiffness_n_m=1800.0, rate_bpm=16.0, seed=4)
    base = baseline_stiffness_n_m(cols["normal_force_n"], cols["indentation_m"])
    assert base == pytest.approx(1800.0, rel=0.01)
    rate, k = rest_listening(cols["t_s"], cols["normal_force_n"], cols["indentation_m"])
    assert rate == pytest.approx(16.0, abs=1.0) and k == base
    assert baseline_stiffness_n_m(np.zeros(5), np.zeros(5)) is None
