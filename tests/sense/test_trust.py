"""Trust from measurement: settles deepen, relaxing holds, signals and clamps step back."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backstroke.errors import BackstrokeError
from backstroke.sense.trust import (
    BREATH_PASSES,
    TrustEstimate,
    breathing_trend,
    stiffness_drift_per_min,
)

PASS_S = 30.0  # a spa glide pass


def _passes_to_full(drops: list[float], start: float = 0.7) -> int:
    est = TrustEstimate(start)
    k = 2000.0
    for i, d in enumerate(drops):
        k *= 1.0 - d
        est.after_pass(PASS_S * (i + 1), k, calm=True)
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
    """Breathing well above the calmest heard (median of three passes) holds trust."""
    est = TrustEstimate(0.7)
    est.rest(14.0)
    for i, r in enumerate((14.2, 13.9)):
        est.after_pass(PASS_S * (i + 1), 2000.0, calm=True, breathing_rate_bpm=r)
    est.after_pass(PASS_S * 3, 2000.0, calm=True, breathing_rate_bpm=17.0)
    assert est.history[-1]["why"] != "breathing faster"  # one fast pass is not tension
    held = est.trust
    est.after_pass(PASS_S * 4, 2000.0, calm=True, breathing_rate_bpm=17.5)
    assert est.trust == held and est.history[-1]["why"] == "breathing faster"
    for i in range(3):
        est.after_pass(PASS_S * (i + 5), 2000.0, calm=True, breathing_rate_bpm=14.1)
    assert est.trust > held


def test_slowing_breathing_holds_and_steady_breathing_does_not() -> None:
    """A client whose breath is still slowing is still relaxing: trust waits."""
    slowing = TrustEstimate(0.7)
    steady = TrustEstimate(0.7)
    k = 2000.0
    for i in range(10):
        k *= 1.0 - 0.008  # −1.6 %/min: settling, small steps
        rate = 18.0 - 0.4 * i
        slowing.after_pass(PASS_S * (i + 1), k, calm=True, breathing_rate_bpm=rate)
        steady.after_pass(PASS_S * (i + 1), k, calm=True, breathing_rate_bpm=15.0)
    assert slowing.history[-1]["why"] == "breathing slowing"
    assert steady.full_depth_t_s is not None and slowing.full_depth_t_s is None


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
    est.after_pass(30.0, 2000.0, calm=True)  # first pass: nothing to compare with
    first = est.trust
    assert 0.0 < first < 0.34
    est.after_pass(60.0, 2100.0, calm=True)  # one difference: cannot tell yet
    second = est.trust
    est.after_pass(90.0, 2205.0, calm=True)  # +5 % a pass, steadily: tensing
    assert est.trust == second and est.history[-1]["why"] == "tensing"
    est.new_block()
    est.after_pass(300.0, 5000.0, calm=True)  # another tool, later: not compared
    assert est.history[-1]["why"] == "calm"


def test_a_long_calm_uncompared_pass_counts_for_its_length() -> None:
    """Thumb lanes over the band cannot be compared: four calm minutes count more than
    half a minute, up to a settled pass's step."""
    short, long = TrustEstimate(0.7), TrustEstimate(0.7)
    short.after_pass(30.0, None, calm=True)
    short.after_pass(60.0, None, calm=True)
    long.after_pass(30.0, None, calm=True)
    long.after_pass(270.0, None, calm=True)
    assert long.trust > short.trust
    assert long.trust - long.history[0]["trust"] <= 0.34 + 1e-9  # type: ignore[operator]


def test_a_relaxing_verdict_holds_uncompared_passes_while_it_is_fresh() -> None:
    est = TrustEstimate(0.7)
    k = 2000.0
    for i in range(4):
        k *= 0.97  # −3 % a pass: −6 %/min
        est.after_pass(PASS_S * (i + 1), k, calm=True)
    assert est.history[-1]["why"] == "still relaxing"
    held = est.trust
    est.new_block()
    est.after_pass(150.0, 2500.0, calm=True)  # another tool, right after
    assert est.trust == held and "heard before" in str(est.history[-1]["why"])
    est.new_block()
    est.after_pass(400.0, 2500.0, calm=True)  # long after: the verdict has expired
    assert est.trust > held


@given(
    st.floats(-0.2, 0.2),
    st.floats(300.0, 5000.0),
    st.lists(st.floats(5.0, 300.0), min_size=2, max_size=8),
)
def test_drift_of_an_exact_exponential(rate_per_min: float, k0: float, gaps: list[float]) -> None:
    """``k = k0·exp(r t / 60)`` gives drift ``r`` with no error, whatever ``k0``."""
    t = [sum(gaps[: i + 1]) for i in range(len(gaps))]
    k = [k0 * math.exp(rate_per_min * x / 60.0) for x in t]
    fit = stiffness_drift_per_min(t, k)
    assert fit is not None
    drift, err = fit
    assert drift == pytest.approx(rate_per_min, abs=1e-9)
    if len(t) > 2:
        assert err == pytest.approx(0.0, abs=1e-6)
    scaled = stiffness_drift_per_min(t, [3.0 * x for x in k])
    assert scaled is not None and scaled[0] == pytest.approx(drift, abs=1e-9)


def test_drift_needs_two_passes_apart() -> None:
    assert stiffness_drift_per_min([10.0], [2000.0]) is None
    assert stiffness_drift_per_min([10.0, 10.0], [2000.0, 2100.0]) is None
    d = stiffness_drift_per_min([0.0, 60.0], [2000.0, 1960.0])
    assert d is not None and d[1] == pytest.approx(abs(d[0]))  # one difference: no trust


@given(st.lists(st.floats(8.0, 24.0), min_size=2 * BREATH_PASSES, max_size=12))
def test_breathing_trend_sign(rates: list[float]) -> None:
    """Slowing gives a negative trend, steady none, and a scaled series the same."""
    trend = breathing_trend(rates)
    assert trend is not None
    assert breathing_trend([15.0] * len(rates)) == pytest.approx(0.0)
    scaled = breathing_trend([1.1 * r for r in rates])
    assert scaled == pytest.approx(trend)
    slowing = sorted(rates, reverse=True)
    t_slow = breathing_trend(slowing)
    assert t_slow is not None and t_slow <= 0.0
    assert breathing_trend(rates[: 2 * BREATH_PASSES - 1]) is None
