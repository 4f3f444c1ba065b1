"""Softening heard across a change of force that cannot be spliced, and a lead-in wiggle
that is no pass (issue 13, sense.softening / sense.passes).

The passes here come from their own small generator, independent of the recorder
generators the fixes were looked at on: a Hunt–Crossley-like power law
``F = E s δ₀ (δ/δ₀)ⁿ`` (n 1.2–1.5), a profile of humps along the back, cosine-eased
strokes down and back at 250 Hz, 1 % force noise the tissue follows, 10 µm depth noise.
The force changes by a *ramp* over most of a pass (too slow for the splice), so the
later passes are an unbridged segment of their own; the truth is the law's secant at
the first force.
"""

from __future__ import annotations

import numpy as np
import pytest

from backstroke.sense.passes import derive_pass_index
from backstroke.sense.softening import SofteningDetector
from backstroke.sense.stiffness import secant_stiffness

RATE_HZ = 250.0
D0_M = 0.01


def _passes(
    seed: int, force_mult: float, soft_drop: float, change_pass: int = 3, n_pass: int = 7
) -> tuple[list[tuple[np.ndarray, ...]], list[float]]:
    """``[(t, u, k, f) per pass]`` and the true equal-force stiffness by pass."""
    rng = np.random.default_rng([77, seed])
    n_exp = float(rng.uniform(1.2, 1.5))
    e0 = float(rng.uniform(1500.0, 3000.0))
    f0 = float(rng.uniform(10.0, 18.0))
    leg = int(0.8 * 0.5 / 0.035 * RATE_HZ)
    x = 0.5 - 0.5 * np.cos(np.pi * np.linspace(0.0, 1.0, leg))
    one = np.concatenate([0.9 - 0.8 * x, 0.1 + 0.8 * x])
    hump_ph = float(rng.uniform(0, 6.3))
    out, truth = [], []
    t0 = 0.0
    for p in range(n_pass):
        t = t0 + np.arange(one.size) / RATE_HZ
        t0 = float(t[-1]) + 1.0 / RATE_HZ
        frac = np.linspace(0.0, 1.0, one.size)
        # The force ramps over the first 80 % of pass `change_pass`; the tissue softens
        # over the same stretch (the unhearable case before the bound).
        if p < change_pass:
            ramp = np.zeros_like(frac)
        elif p == change_pass:
            ramp = np.clip(frac / 0.8, 0.0, 1.0)
        else:
            ramp = np.ones_like(frac)
        f = f0 * (1.0 + (force_mult - 1.0) * ramp) * (1.0 + rng.normal(0, 0.01, one.size))
        tone = 1.0 - soft_drop * ramp
        e = e0 * (1.0 + 0.12 * np.sin(2 * np.pi * one * 3.0 + hump_ph)) * tone
        depth = D0_M * (f / (e * D0_M)) ** (1.0 / n_exp) + rng.normal(0, 1e-5, one.size)
        out.append((t, one.copy(), secant_stiffness(f, depth), f))
        sec = f0 / (D0_M * (f0 / (e * D0_M)) ** (1.0 / n_exp))
        truth.append(float(np.mean(sec)))
    return out, [x / truth[0] for x in truth]


def _heard(passes: list[tuple[np.ndarray, ...]]) -> SofteningDetector:
    det = SofteningDetector(0.05)
    for t, u, k, f in passes:
        det.add_pass(k, u, t, force_n=f)
    return det


@pytest.mark.parametrize("seed", range(4))
def test_softening_under_a_harder_ramp_is_heard(seed: int) -> None:
    """The tissue gives way (a 14–16 % drop at equal force) while the force ramps 20 %
    up: heard within ±1 pass. (The bound hears it only when the softening outweighs the
    harder force's own stiffening: a 10 % drop under a 25 % harder ramp can stay unheard.)"""
    passes, truth = _passes(seed, force_mult=1.2, soft_drop=0.2)
    assert min(truth) < 0.87
    det = _heard(passes)
    assert det.force_changed_at, "the ramp must start a new force segment"
    assert det.softening_pass is not None and abs(det.softening_pass - 3) <= 1


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("mult", [0.7, 0.85, 1.15, 1.35])
def test_a_ramp_of_force_alone_is_never_softening(seed: int, mult: float) -> None:
    """Lighter or harder, with the tissue unchanged: no softening heard."""
    passes, truth = _passes(seed, force_mult=mult, soft_drop=0.0)
    assert min(truth) > 0.99
    assert _heard(passes).softening_pass is None


@pytest.mark.parametrize("seed", range(3))
def test_softening_under_a_lighter_ramp_is_not_claimed(seed: int) -> None:
    """A lighter pass's lower secant says nothing of the tissue: no bound is claimed, so
    only what the segments themselves show can be heard (here: nothing before pass 3)."""
    passes, _ = _passes(seed, force_mult=0.75, soft_drop=0.1)
    heard = _heard(passes).softening_pass
    assert heard is None or heard >= 3


@pytest.mark.parametrize("n_pass", [3, 6])
@pytest.mark.parametrize("set_down_u", [0.80, 0.84])
def test_a_set_down_below_the_start_end_is_no_pass(n_pass: int, set_down_u: float) -> None:
    """Hands set down a little below the shoulders, moved up to begin, then ``n_pass``
    glides down and back: the small dip is a far-kind turnaround but no pass."""
    rate = 200.0
    pieces = [
        np.linspace(0.88, set_down_u, int(1.5 * rate)),
        np.full(int(5 * rate), set_down_u),
        np.linspace(set_down_u, 0.9, int(2 * rate)),
    ]
    for _ in range(n_pass):
        pieces += [np.linspace(0.9, 0.12, int(12 * rate)), np.linspace(0.12, 0.9, int(12 * rate))]
    u = np.concatenate(pieces) + np.random.default_rng(n_pass).normal(0, 2e-4, 1)
    assert int(derive_pass_index(u).max()) + 1 == n_pass


def test_unknown_passes_neither_confirm_nor_refute() -> None:
    """On the equal-force series a soft pass is confirmed by the next pass with a figure
    (NaN: a force that could not be brought to the first), never by a NaN itself."""
    from backstroke.sense.softening import softening_pass

    nan = float("nan")
    series = [1.0, 0.99, 0.93, nan, nan, 0.92, 0.92]
    assert softening_pass(series, 0.05) == 5  # the strict reading: 2 has a NaN next
    assert softening_pass(series, 0.05, skip_unknown=True) == 2
    assert softening_pass([1.0, 0.93, nan, nan], 0.05, skip_unknown=True) is None
    assert softening_pass([1.0, 0.93, nan, 1.0, 0.9], 0.05, skip_unknown=True) is None
