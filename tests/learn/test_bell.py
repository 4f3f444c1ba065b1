"""``learn.bell``: a move's departure and arrival from its whole path, whatever its
bell's shape (beta bells of any skew, powered sine bells, minimum jerk)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import betainc

from backstroke.learn.bell import fit_bell


def _move(
    progress: np.ndarray, t0: float, dur: float, rate_hz: float, length_m: float, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, int]:
    """A straight move ``progress(τ)`` from still to still, 1.5 s of stillness either
    side, sampled at ``rate_hz`` with position noise, and the stops' indices."""
    rng = np.random.default_rng(seed)
    t = np.arange(t0 - 1.5, t0 + dur + 1.5, 1.0 / rate_hz)
    tau = np.clip((t - t0) / dur, 0.0, 1.0)
    s = length_m * np.interp(tau, np.linspace(0, 1, progress.size), progress)
    # 0.2 mm of noise, smoothed over 0.1 s as learn.onsets smooths the positions
    box = np.ones(max(1, round(0.1 * rate_hz))) / max(1, round(0.1 * rate_hz))
    x = s + np.convolve(rng.normal(0.0, 2e-4, t.size), box, "same")
    y = 0.3 * s + np.convolve(rng.normal(0.0, 2e-4, t.size), box, "same")
    # a stop detector finds each stop somewhere in the stillness either side
    i0 = int(np.searchsorted(t, t0 - rng.uniform(0.0, 1.0)))
    i1 = int(np.searchsorted(t, t0 + dur + rng.uniform(0.0, 1.0)))
    return t, x, y, i0, i1


GRID = np.linspace(0.0, 1.0, 2001)


@settings(max_examples=40, deadline=None)
@given(
    a=st.floats(1.2, 4.0),
    b=st.floats(1.2, 4.0),
    dur=st.floats(1.0, 16.0),
    rate=st.sampled_from([100.0, 250.0, 1000.0]),
    length=st.floats(0.05, 0.4),
    seed=st.integers(0, 1000),
)
def test_beta_bells_are_timed_within_five_percent_of_their_duration(
    a: float, b: float, dur: float, rate: float, length: float, seed: int
) -> None:
    t, x, y, i0, i1 = _move(betainc(a, b, GRID), 10.0, dur, rate, length, seed)
    fit = fit_bell(t, x, y, i0, i1)
    assert fit is not None
    t0, d = fit
    assert abs(t0 - 10.0) <= 0.05 * dur + 2 / rate
    assert abs(t0 + d - (10.0 + dur)) <= 0.05 * dur + 2 / rate


@settings(max_examples=30, deadline=None)
@given(p=st.floats(0.6, 2.2), dur=st.floats(1.0, 16.0), seed=st.integers(0, 1000))
def test_powered_sine_bells_outside_the_family(p: float, dur: float, seed: int) -> None:
    """``sin(πτ)^p`` is not a beta bell; its ends are still timed within 4 % of the move."""
    speed = np.sin(np.pi * GRID) ** p
    prog = np.concatenate([[0.0], np.cumsum(0.5 * (speed[1:] + speed[:-1]))])
    t, x, y, i0, i1 = _move(prog / prog[-1], 5.0, dur, 500.0, 0.3, seed)
    fit = fit_bell(t, x, y, i0, i1)
    assert fit is not None
    t0, d = fit
    assert abs(t0 - 5.0) <= 0.04 * dur
    assert abs(t0 + d - (5.0 + dur)) <= 0.04 * dur


def test_a_stroke_out_and_back_is_timed_along_its_path() -> None:
    """A glide that goes out sideways and comes back near its start: the chord between
    the stops is short, the path long; the bell is on the path."""
    rng = np.random.default_rng(3)
    t = np.arange(0.0, 14.0, 0.005)
    tau = np.clip((t - 2.0) / 10.0, 0.0, 1.0)
    prog = betainc(2.5, 2.5, tau)
    ang = np.pi * prog  # half a circle of radius 10 cm: out and back across the back
    x = 0.1 * (1 - np.cos(ang)) + rng.normal(0.0, 2e-5, t.size)
    y = 0.1 * np.sin(ang) + rng.normal(0.0, 2e-5, t.size)
    i0, i1 = int(np.searchsorted(t, 1.5)), int(np.searchsorted(t, 12.5))
    fit = fit_bell(t, x, y, i0, i1)
    assert fit is not None
    assert abs(fit[0] - 2.0) <= 0.2 and abs(fit[0] + fit[1] - 12.0) <= 0.2


def test_a_move_that_stops_half_way_is_not_a_bell() -> None:
    """Two moves run together with a long hold between: no single bell fits."""
    half = betainc(3.0, 3.0, np.linspace(0, 1, 1000))
    prog = np.concatenate([0.5 * half, np.full(1000, 0.5), 0.5 + 0.5 * half])
    t, x, y, i0, i1 = _move(prog, 2.0, 9.0, 500.0, 0.3, 0)
    assert fit_bell(t, x, y, i0, i1) is None
