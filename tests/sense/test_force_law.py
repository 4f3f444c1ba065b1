"""The local force–depth law heard from the force's own wander, and the equal-force bound
it gives a lighter pass (issue 13, sense.force_law).

The passes come from a small generator of their own: a power law ``F = c δⁿ``
(n 1.2–1.8, β = 1 − 1/n), a profile of humps along the back, strokes down and back at
200 Hz, and three ways the force's wander reaches the depth: the tissue follows it, the
wander is the sensor's only (the depth never sees it), or the tissue creeps after it.
A force step at the start of a pass, lighter or harder, with or without the tissue
giving way in that same pass (the case a splice cannot tell from the force's own effect).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import signal

from backstroke.sense.force_bridge import RawPass
from backstroke.sense.force_law import equal_force_bound, stiffening_exponent_max
from backstroke.sense.softening import SofteningDetector
from backstroke.sense.stiffness import secant_stiffness

RATE_HZ = 200.0
D0_M = 0.01


def _passes(
    seed: int,
    n_exp: float,
    answer: str,
    step: float = 1.0,
    soft_drop: float = 0.0,
    change_pass: int = 3,
    n_pass: int = 7,
) -> list[tuple[np.ndarray, ...]]:
    """``[(t, u, k, f) per pass]``; the step and the softening both start ``change_pass``."""
    rng = np.random.default_rng([13, 6, seed])
    c = float(rng.uniform(1500.0, 3000.0)) * D0_M
    f0 = float(rng.uniform(10.0, 18.0))
    leg = int(0.8 * 0.5 / 0.04 * RATE_HZ)
    x = 0.5 - 0.5 * np.cos(np.pi * np.linspace(0.0, 1.0, leg))
    one = np.concatenate([0.9 - 0.8 * x, 0.1 + 0.8 * x])
    ph = float(rng.uniform(0, 6.3))
    out = []
    for p in range(n_pass):
        t = (p * one.size + np.arange(one.size)) / RATE_HZ
        later = p >= change_pass
        tone = (1.0 - soft_drop if later else 1.0) * (1 + 0.1 * np.sin(6 * np.pi * one + ph))
        f_true = f0 * (step if later else 1.0) * (1 + rng.normal(0, 0.015, one.size))
        f_tissue = f_true if answer != "sensor" else np.full(one.size, f0 * (step if later else 1))
        # ``tone`` scales the secant at any force: a 14 % drop is 14 % at equal force.
        depth = D0_M * (f_tissue / c) ** (1.0 / n_exp) / tone
        if answer == "creep":
            a = 0.3
            depth = signal.lfilter([a], [1.0, a - 1.0], depth, zi=[depth[0] * (1 - a)])[0]
        depth = depth + rng.normal(0, 5e-6, one.size)
        out.append((t, one.copy(), secant_stiffness(f_true, depth), f_true))
    return out


def _raw(passes: list[tuple[np.ndarray, ...]]) -> list[RawPass | None]:
    return [RawPass(t, u, k, f) for t, u, k, f in passes]


@pytest.mark.parametrize("n_exp", [1.2, 1.5, 1.8])
@pytest.mark.parametrize("answer", ["follows", "sensor", "creep"])
def test_the_bound_is_never_below_the_true_exponent(n_exp: float, answer: str) -> None:
    """Whatever reaches the depth, the bound is at or above β = 1 − 1/n; where the tissue
    follows the force it is close (within 0.06)."""
    passes = _passes(1, n_exp, answer)
    f0 = float(np.median(passes[0][3]))
    beta = stiffening_exponent_max(_raw(passes[:3]), f0, 0.05)
    assert beta is not None
    true = 1.0 - 1.0 / n_exp
    assert beta >= true
    if answer == "follows":
        assert beta <= true + 0.06
    if answer == "sensor":
        assert beta > 0.9  # the depth never saw the wander: nothing is known of the law


def test_too_few_samples_give_no_exponent() -> None:
    t = np.arange(50) / RATE_HZ
    p = RawPass(t, np.linspace(0.1, 0.9, 50), np.full(50, 2000.0), np.full(50, 12.0))
    assert stiffening_exponent_max([p, None], 12.0, 0.05) is None


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("n_exp", [1.2, 1.6])
@pytest.mark.parametrize("step", [0.75, 0.8, 1.25])
def test_softening_with_the_step_is_heard(seed: int, n_exp: float, step: float) -> None:
    """The tissue gives way by 14 % in the very pass the force steps: heard within ±1."""
    det = SofteningDetector(0.05)
    for t, u, k, f in _passes(seed, n_exp, "follows", step=step, soft_drop=0.14):
        det.add_pass(k, u, t, force_n=f)
    assert det.force_changed_at == [3]
    assert det.softening_pass is not None and abs(det.softening_pass - 3) <= 1


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("n_exp", [1.2, 1.8])
@pytest.mark.parametrize("answer", ["follows", "sensor", "creep"])
@pytest.mark.parametrize("step", [0.7, 0.8, 1.3])
def test_a_step_of_force_alone_is_never_softening(
    seed: int, n_exp: float, answer: str, step: float
) -> None:
    det = SofteningDetector(0.05)
    for t, u, k, f in _passes(seed, n_exp, answer, step=step):
        det.add_pass(k, u, t, force_n=f)
    assert det.force_changed_at == [3]
    assert det.softening_pass is None


def test_equal_force_bound_cases() -> None:
    kw = {"threshold": 0.05, "force_match": 0.05}
    # Harder: the measured figure bounds it; lighter: only with β known.
    assert equal_force_bound(0.9, 12.0, 10.0, None, **kw) == pytest.approx(0.9)
    assert math.isnan(equal_force_bound(0.9, 8.0, 10.0, None, **kw))
    assert equal_force_bound(0.85, 8.0, 10.0, 0.2, **kw) == pytest.approx(0.85 * 1.25**0.2)
    # Not softer than the threshold once bounded, or at the same force: nothing known.
    assert math.isnan(equal_force_bound(0.92, 8.0, 10.0, 0.4, **kw))
    assert math.isnan(equal_force_bound(0.8, 10.2, 10.0, 0.2, **kw))
    assert math.isnan(equal_force_bound(float("nan"), 12.0, 10.0, 0.2, **kw))
