"""Breathing heard during strokes and over the whole session.

The passes come from a generator of its own (not tests/sense/synth.py): a random
smooth depth profile along u, a glide that goes down and back at a random speed, and
a breath with a random rate, amplitude, phase, second harmonic and slow rate wander.
"""

from __future__ import annotations

import numpy as np
import pytest

from backstroke.sense.breathing_removal import fit_breathing, remove_breathing
from backstroke.sense.breathing_session import BreathingTracker


def _glide_pass(
    rng: np.random.Generator, rate_bpm: float, t0_s: float, wander: float = 0.03
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    fs_hz = 100.0
    dur = float(rng.uniform(14.0, 30.0))
    t = t0_s + np.arange(0.0, dur, 1.0 / fs_hz)
    x = (t - t0_s) / dur
    u = 0.1 + 0.8 * (1.0 - np.abs(2.0 * x - 1.0))  # down to the waist and back
    coefs = rng.normal(0.0, 0.0008, 5)
    profile = 0.006 + sum(c * np.sin((j + 1) * np.pi * u) for j, c in enumerate(coefs))
    # The rate wanders slowly by ±wander around its mean.
    inst = rate_bpm * (1.0 + wander * np.sin(2 * np.pi * (t - t0_s) / 40.0 + rng.uniform(0, 6)))
    phase = 2 * np.pi * np.cumsum(inst / 60.0) / fs_hz + rng.uniform(0, 2 * np.pi)
    amp = float(rng.uniform(0.001, 0.0035))
    breath = amp * (np.cos(phase) + 0.2 * np.cos(2 * phase + 0.7))
    depth = profile - breath + rng.normal(0.0, 0.0002, t.size)
    return t, u, depth, breath


@pytest.mark.parametrize("seed", range(6))
def test_a_stroke_hears_the_rate_without_a_rest(seed: int) -> None:
    rng = np.random.default_rng(1000 + seed)
    rate = float(rng.uniform(10.0, 22.0))
    t, u, depth, _ = _glide_pass(rng, rate, 0.0)
    fit = fit_breathing(t, u, depth, None)
    assert fit is not None and fit.confident
    assert abs(fit.rate_bpm - rate) <= 1.5


def test_a_steady_breath_is_taken_out_of_the_depth() -> None:
    """A breath in phase with the turnaround looks like a profile along u (a pass goes
    down and back), so a short pass keeps some of it; most passes lose most of it."""
    ratios = []
    for seed in range(6):
        rng = np.random.default_rng(2000 + seed)
        rate = float(rng.uniform(10.0, 22.0))
        t, u, depth, breath = _glide_pass(rng, rate, 0.0, wander=0.0)
        cleaned = remove_breathing(t, u, depth, None)
        ratios.append(float(np.std(cleaned - (depth + breath)) / np.std(breath)))
    assert float(np.median(ratios)) < 0.25, ratios
    assert max(ratios) < 0.6, ratios


def test_the_session_rate_survives_a_bad_pass() -> None:
    rng = np.random.default_rng(77)
    rate = 15.5
    tracker = BreathingTracker()
    t0 = 20.0
    for p in range(6):
        t, u, depth, _ = _glide_pass(rng, rate, t0)
        if p == 3:
            depth = depth + rng.normal(0.0, 0.004, depth.size)  # a wriggling client
        tracker.add_pass(fit_breathing(t, u, depth, tracker.rate_bpm), float(t[-1] - t[0]))
        t0 = float(t[-1])
    assert tracker.rate_bpm is not None
    assert abs(tracker.rate_bpm - rate) <= 1.0
    times = [s["t_s"] for s in tracker.over_time()]
    assert times == sorted(times) and len(times) >= 5
    assert tracker.phase_at(t0) is not None


def test_no_estimate_means_no_rate() -> None:
    tracker = BreathingTracker()
    tracker.add_rest(5.0, None)
    tracker.add_pass(None, 20.0)
    assert tracker.rate_bpm is None and tracker.over_time() == []
    tracker.add_rest(5.0, 14.0)
    assert tracker.rate_bpm == 14.0


def _tall_fit(t: np.ndarray, u: np.ndarray, d: np.ndarray, rates: np.ndarray) -> float:
    """The rate scan solved the plain way: a tall least squares per rate (on the same
    20 Hz bin means), then the parabola through the best three, and the same rule for
    twice the rate."""
    from backstroke.sense import breathing_removal as br

    tb, ub, db, _ = br._bin_means(t, u, d)
    hat = br._hat_basis(ub, float(ub.min()), float(ub.max()))
    tc = tb - float(t.mean())

    def res(r: float) -> float:
        a = np.concatenate([hat, br._osc(tc, r)], axis=1)
        coef, *_ = np.linalg.lstsq(a, db, rcond=None)
        return float(np.sum((a @ coef - db) ** 2))

    def scan(grid: np.ndarray) -> float:
        scores = [res(float(r)) for r in grid]
        j = int(np.argmin(scores))
        rate = float(grid[j])
        if 0 < j < grid.size - 1:
            a_, b_, c_ = scores[j - 1], scores[j], scores[j + 1]
            if a_ - 2 * b_ + c_ > 0:
                rate += 0.5 * (a_ - c_) / (a_ - 2 * b_ + c_) * float(grid[1] - grid[0])
        return rate

    rate = scan(rates)
    if 2 * rate <= br.MAX_RATE_BPM and res(2 * rate) <= res(rate) * (1 + br.OCTAVE_TOLERANCE):
        rate = scan(2 * rate * br.RATE_SCAN)
    return rate


@pytest.mark.parametrize("seed", range(4))
def test_normal_equations_give_the_tall_least_squares_rate(seed: int) -> None:
    """The fit's 28×28 normal equations find the rate the tall least squares finds."""
    from backstroke.sense.breathing_removal import RATE_SCAN, RESTING_RATES_BPM

    rng = np.random.default_rng(2000 + seed)
    known = None if seed % 2 == 0 else float(rng.uniform(11.0, 20.0))
    t, u, depth, _ = _glide_pass(rng, float(rng.uniform(10.0, 22.0)), 3.0)
    fit = fit_breathing(t, u, depth, known)
    assert fit is not None
    rates = RESTING_RATES_BPM if known is None else known * RATE_SCAN
    assert abs(fit.rate_bpm - _tall_fit(t, u, depth, rates)) < 1e-6


@pytest.mark.parametrize("seed", range(4))
def test_a_rate_locked_at_half_the_breath_finds_the_breath(seed: int) -> None:
    """A wrong rate known so far (half the true one: the second harmonic fits it) does
    not lock the session in: the pass's fit takes the rate twice as fast."""
    rng = np.random.default_rng(3000 + seed)
    rate = float(rng.uniform(14.0, 22.0))
    t, u, depth, _ = _glide_pass(rng, rate, 0.0)
    fit = fit_breathing(t, u, depth, rate / 2.0)
    assert fit is not None and abs(fit.rate_bpm - rate) <= 1.5


@pytest.mark.parametrize("seed", range(4))
def test_the_exhale_is_heard_from_the_last_breaths(seed: int) -> None:
    """``exhale`` (the back falling) agrees with the true breath after the phase is heard
    on the end of a pass, for the next 10 s."""
    rng = np.random.default_rng(4000 + seed)
    rate = float(rng.uniform(10.0, 20.0))
    tracker = BreathingTracker()
    t, u, depth, breath = _glide_pass(rng, rate, 0.0, wander=0.0)
    tracker.hear_pass(t, u, depth)
    # the phase from the last breaths of a hold (the profile is flat there)
    hold = t >= t[-1] - 2.5 * 60.0 / rate
    tracker.hear_phase(t[hold], 0.006 - breath[hold])
    nxt = t[-1] + np.arange(0.0, 10.0, 0.01)
    exhale = tracker.exhale(nxt)
    assert exhale is not None
    # the true breath continued with the pass's own phase and rate (no wander)
    k = slice(-400, None)
    om = 2 * np.pi * rate / 60.0
    a = np.column_stack([np.cos(om * t[k]), np.sin(om * t[k])])
    coef, *_ = np.linalg.lstsq(a, breath[k], rcond=None)
    falling = -coef[0] * np.sin(om * nxt) + coef[1] * np.cos(om * nxt) < 0
    assert float(np.mean(exhale == falling)) >= 0.8


def test_no_phase_before_any_breath() -> None:
    tracker = BreathingTracker()
    assert tracker.exhale(np.arange(0.0, 1.0, 0.1)) is None
    tracker.hear_phase(np.arange(0.0, 20.0, 0.01), np.zeros(2000))  # no rate yet
    assert tracker.phase_ref is None


@pytest.mark.parametrize(
    ("misheard", "rate"), [(11.2, 15.0), (9.0, 13.5), (21.0, 14.0), (16.0, 11.0)]
)
def test_a_misheard_first_rate_does_not_lock_the_session_in(misheard: float, rate: float) -> None:
    """A short rest (or a first pass of a back still settling) heard at the wrong rate:
    the passes after it, scanned only around it, would fit no breath at all. Heard
    wider, they outvote the rest (it counts as 60 s of a perfect fit) within a few."""
    rng = np.random.default_rng(int(10 * misheard + rate))
    tracker = BreathingTracker()
    tracker.add_rest(5.0, misheard)
    t0 = 20.0
    for _ in range(6):
        t, u, depth, _ = _glide_pass(rng, rate, t0)
        tracker.hear_pass(t, u, depth)
        t0 = float(t[-1])
    assert tracker.rate_bpm is not None
    assert abs(tracker.rate_bpm - rate) <= 1.0, tracker.over_time()


def test_a_right_rate_so_far_is_kept_on_a_pass_that_hears_little() -> None:
    """The band's scan replaces the prior only when it explains clearly more: a pass of
    noise does not move a rate heard well."""
    rng = np.random.default_rng(5)
    tracker = BreathingTracker()
    tracker.add_rest(5.0, 15.0)
    t, u, depth, _ = _glide_pass(rng, 15.0, 20.0)
    tracker.hear_pass(t, u, depth + rng.normal(0.0, 0.004, depth.size))
    assert tracker.rate_bpm == pytest.approx(15.0, abs=0.5)
