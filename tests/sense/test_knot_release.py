"""Dwell on a knot until it is heard to release: whole breaths, stiffness no longer falling.

The holds come from a generator of their own: a force loop holding a steady force with
noise, a knot that yields exponentially (depth growing by a random share with a random
time constant), and a breath of random rate, amplitude and phase on the depth.
"""

from __future__ import annotations

import numpy as np
import pytest

from backstroke.sense.knot_release import SETTLE_CHANGE, hear_dwell


def _hold(
    rng: np.random.Generator, dur_s: float, yield_share: float, tau_s: float, rate_bpm: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    t = np.arange(0.0, dur_s, 0.001)
    force = 10.0 + rng.normal(0.0, 0.05, t.size)
    depth0 = float(rng.uniform(0.003, 0.006))
    depth = depth0 * (1.0 + yield_share * (1.0 - np.exp(-t / tau_s)))
    amp = float(rng.uniform(0.001, 0.002))
    depth = depth - amp * np.cos(2 * np.pi * rate_bpm / 60.0 * t + rng.uniform(0, 6.3))
    return 100.0 + t, force, depth


@pytest.mark.parametrize("seed", range(8))
def test_a_knot_that_has_let_go_is_released(seed: int) -> None:
    rng = np.random.default_rng(seed)
    rate = float(rng.uniform(11.0, 19.0))
    # yields 5-10 % in the first second, then holds
    t, f, d = _hold(rng, 3.2 * 60.0 / rate, float(rng.uniform(0.05, 0.1)), 0.3, rate)
    heard = hear_dwell(t, f, d, rate)
    assert len(heard.stiffness_by_breath_n_m) >= 2
    assert heard.settled


@pytest.mark.parametrize("seed", range(8))
def test_a_knot_still_yielding_is_not_released(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    rate = float(rng.uniform(11.0, 19.0))
    period = 60.0 / rate
    # still yielding fast: 25-40 % with a time constant of a few breaths
    t, f, d = _hold(rng, 3.2 * period, float(rng.uniform(0.25, 0.4)), 3.0 * period, rate)
    heard = hear_dwell(t, f, d, rate)
    k = heard.stiffness_by_breath_n_m
    assert abs(k[-1] / k[-2] - 1.0) > SETTLE_CHANGE
    assert not heard.settled
    assert heard.stiffness_change is not None and heard.stiffness_change < -0.05


def test_a_short_hold_cannot_tell() -> None:
    rng = np.random.default_rng(7)
    t, f, d = _hold(rng, 3.0, 0.05, 0.3, 15.0)
    heard = hear_dwell(t, f, d, 15.0)
    assert not heard.settled and heard.stiffness_change is None
    empty = hear_dwell([], [], [], None)
    assert empty.stiffness_by_breath_n_m == () and not empty.settled
