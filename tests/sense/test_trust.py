"""Trust from measurement: settles deepen, relaxing holds, signals and clamps step back."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backstroke.errors import BackstrokeError
from backstroke.sense.trust import TrustEstimate


def _passes_to_full(drops: list[float], start: float = 0.7) -> int:
    est = TrustEstimate(start)
    k = 2000.0
    for i, d in enumerate(drops):
        k *= 1.0 - d
        est.after_pass(float(i), k, calm=True)
        if est.trust >= 1.0:
            return i + 1
    return len(drops) + 1


def test_a_guarded_client_reaches_depth_later_than_a_relaxed_one() -> None:
    relaxed = [0.0, 0.003, 0.002, 0.001, 0.0, 0.0, 0.0, 0.0]
    guarded = [0.0, 0.06, 0.05, 0.045, 0.03, 0.02, 0.01, 0.004, 0.0, 0.0, 0.0]
    assert _passes_to_full(relaxed) < _passes_to_full(guarded)


def test_signals_halve_and_clamps_step_back() -> None:
    est = TrustEstimate(0.6)
    for i in range(4):
        est.after_pass(float(i), 2000.0, calm=True)
    assert est.trust == 1.0 and est.force_fraction == 1.0
    assert est.full_depth_t_s == 3.0
    est.client_signal(4.0, "too_much")
    assert est.trust == 0.5
    est.after_pass(5.0, 2000.0, calm=False)
    assert est.trust == pytest.approx(0.35)
    assert est.force_fraction == pytest.approx(0.6 + 0.4 * 0.35)
    assert [h["why"] for h in est.history][-2:] == ["too_much", "not calm"]


def test_faster_breathing_holds() -> None:
    est = TrustEstimate(0.7)
    est.rest(14.0)
    est.after_pass(1.0, 2000.0, calm=True, breathing_rate_bpm=17.0)
    assert est.trust == 0.0
    est.after_pass(2.0, 2000.0, calm=True, breathing_rate_bpm=14.5)
    assert est.trust > 0.0


@given(
    st.lists(
        st.tuples(st.floats(500, 5000), st.booleans(), st.sampled_from(["", "too_much", "firmer"])),
        max_size=30,
    ),
    st.floats(0.05, 1.0),
)
def test_trust_and_force_fraction_stay_in_range(
    steps: list[tuple[float, bool, str]], start: float
) -> None:
    est = TrustEstimate(start)
    for i, (k, calm, sig) in enumerate(steps):
        est.after_pass(float(i), k, calm=calm)
        est.client_signal(float(i), sig)
        assert 0.0 <= est.trust <= 1.0
        assert start - 1e-12 <= est.force_fraction <= 1.0 + 1e-12


def test_bad_start_fraction() -> None:
    with pytest.raises(BackstrokeError, match="start_force_fraction"):
        TrustEstimate(0.0)


def test_after_too_much_trust_stays_below_where_it_was() -> None:
    """The client said the force was too much: the session never asks for it again."""
    est = TrustEstimate(0.6)
    for i in range(3):
        est.after_pass(float(i), 2000.0, calm=True)
    before = est.trust
    est.client_signal(3.0, "too_much")
    for i in range(4, 30):
        est.after_pass(float(i), 2000.0, calm=True)
    assert est.trust <= before - 0.1 + 1e-12
    assert est.force_fraction < 0.6 + 0.4 * before


def test_a_stiffening_tissue_holds_and_an_uncompared_pass_steps_less() -> None:
    est = TrustEstimate(0.7)
    est.after_pass(0.0, 2000.0, calm=True)  # first pass: nothing to compare with
    first = est.trust
    assert 0.0 < first < 0.34
    est.after_pass(1.0, 2200.0, calm=True)  # +10 %: tensing
    assert est.trust == first and est.history[-1]["why"] == "tensing"
    est.new_block()
    est.after_pass(2.0, 5000.0, calm=True)  # another tool: not compared
    assert est.history[-1]["why"] == "calm"
