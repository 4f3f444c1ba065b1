"""One strip's knot search near the strip's ends (issue 13: lanes cut by a scapula)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backstroke.sense.knot_profile import BIN_M, EDGE_M, strip_knots

BACK_LENGTH_M = 0.51


def _strip(
    knot_from_end_m: float, peak: float, fwhm_m: float, seed: int, hump_phase: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """A 20 cm strip ending at its top (s = 0.30 m), ±10 % humps every 8 cm, 1 % noise,
    and a pad-blurred knot ``knot_from_end_m`` below the end."""
    rng = np.random.default_rng(seed)
    s = np.linspace(0.10, 0.30, 8000)
    centre = 0.30 - knot_from_end_m
    sig = fwhm_m / 2.355
    k = 2000.0 * (1 + 0.1 * np.sin(2 * np.pi * s / 0.08 + hump_phase))
    k *= 1 + (peak - 1) * np.exp(-0.5 * ((s - centre) / sig) ** 2)
    k *= 1 + 0.01 * rng.standard_normal(s.size)
    return s / BACK_LENGTH_M, k


@pytest.mark.parametrize("from_end_m", [0.008, 0.010, 0.013])
def test_a_knot_near_the_lane_end_is_found(from_end_m: float) -> None:
    """Knots 8–14 mm from where a scapula's keep-out ends the lane were never reported
    (the run had to lie 12 mm from the strip's end)."""
    u, k = _strip(from_end_m, 1.3, 0.010, seed=1)
    found = strip_knots(u, np.full(u.size, 0.06), k, back_length_m=BACK_LENGTH_M)
    assert len(found) == 1
    assert abs(found[0].u * BACK_LENGTH_M - (0.30 - from_end_m)) <= 0.003


@settings(max_examples=30, deadline=None)
@given(
    from_end_m=st.floats(0.0075, 0.04),
    peak=st.floats(1.2, 1.6),
    fwhm_m=st.floats(0.006, 0.012),
    seed=st.integers(0, 10_000),
    hump_phase=st.floats(0.0, 6.28),
)
def test_a_knot_off_the_end_is_found_where_it_is(
    from_end_m: float, peak: float, fwhm_m: float, seed: int, hump_phase: float
) -> None:
    u, k = _strip(from_end_m, peak, fwhm_m, seed, hump_phase)
    found = strip_knots(u, np.full(u.size, 0.06), k, back_length_m=BACK_LENGTH_M)
    assert len(found) == 1
    assert abs(found[0].u * BACK_LENGTH_M - (0.30 - from_end_m)) <= 0.003


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), hump_phase=st.floats(0.0, 6.28), rise=st.floats(0.1, 0.6))
def test_a_rise_in_the_last_millimetres_is_not_a_knot(
    seed: int, hump_phase: float, rise: float
) -> None:
    """Whatever piles up where the thumb stops (the last ``EDGE_M``) is not reported."""
    u, k = _strip(1.0, 1.0, 0.01, seed, hump_phase)  # the knot far off the strip: none
    s = u * BACK_LENGTH_M
    k = k * (1 + rise * np.clip((s - (0.30 - EDGE_M + BIN_M)) / EDGE_M, 0, 1))
    assert strip_knots(u, np.full(u.size, 0.06), k, back_length_m=BACK_LENGTH_M) == []


@pytest.mark.parametrize("from_end_m", [0.006, 0.008, 0.011])
def test_a_faint_bump_near_the_end_is_not_a_knot(from_end_m: float) -> None:
    """A bump 8 % up within 12 mm of an end (a lab log's strip start read one) is not
    reported there: it must stand out by twice the threshold's excess. The same bump in
    the strip's middle is a knot, and a 15 % one near the end is too."""
    s = np.linspace(0.10, 0.30, 8000)

    def found(centre_m: float, peak: float) -> int:
        k = 2000.0 * (1 + (peak - 1) * np.exp(-0.5 * ((s - centre_m) / 0.0025) ** 2))
        u = s / BACK_LENGTH_M
        return len(strip_knots(u, np.full(u.size, 0.06), k, back_length_m=BACK_LENGTH_M))

    assert found(0.30 - from_end_m, 1.08) == 0
    assert found(0.10 + from_end_m, 1.08) == 0
    assert found(0.20, 1.08) == 1
    assert found(0.30 - from_end_m, 1.15) == 1
