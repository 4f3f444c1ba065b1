"""The force law of one pad, the tissue parameters, the chart grid and breathing."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from backstroke.errors import ClientError
from backstroke.tissue import (
    Breathing,
    TissueParams,
    indentation_for_force_m,
    pad_force_array_n,
    pad_force_n,
)

stiff = st.floats(200.0, 5000.0)
depth = st.floats(0.008, 0.08)


@given(stiff, depth, st.floats(-0.05, 0.0))
def test_no_adhesion(k: float, d: float, delta: float) -> None:
    assert pad_force_n(k, d, delta) == 0.0
    assert pad_force_n(k, d, delta, rate_m_s=-1.0) == 0.0


@given(stiff, depth, st.floats(1e-5, 0.2), st.floats(1e-5, 0.2))
def test_monotone_in_indentation(k: float, d: float, a: float, b: float) -> None:
    lo, hi = sorted((a, b))
    assert pad_force_n(k, d, lo) <= pad_force_n(k, d, hi) + 1e-12


@given(stiff, depth, st.floats(1e-4, 0.2))
def test_scalar_and_vector_laws_agree(k: float, d: float, delta: float) -> None:
    assert pad_force_n(k, d, delta) == pytest.approx(
        float(pad_force_array_n(k, d, delta)), rel=1e-12
    )


@given(stiff, depth)
def test_continuous_at_cap_and_finite_over_bone(k: float, d: float) -> None:
    cap = 0.85
    below = pad_force_n(k, d, cap * d * (1 - 1e-9))
    above = pad_force_n(k, d, cap * d * (1 + 1e-9))
    assert above == pytest.approx(below, rel=1e-6)
    assert math.isfinite(pad_force_n(k, d, 3 * d))


@given(stiff, depth)
def test_linear_for_small_indentation(k: float, d: float) -> None:
    delta = 1e-4 * d
    assert pad_force_n(k, d, delta) / delta == pytest.approx(k, rel=1e-3)


@given(stiff, depth, st.floats(0.5, 80.0))
def test_indentation_for_force_inverts(k: float, d: float, f: float) -> None:
    delta = float(indentation_for_force_m(k, d, f))
    assert pad_force_n(k, d, delta) == pytest.approx(f, rel=1e-6)


def test_damping_adds_force_when_pressing_in() -> None:
    static = pad_force_n(2000.0, 0.03, 0.006)
    moving = pad_force_n(2000.0, 0.03, 0.006, rate_m_s=0.01, damping_s=0.01)
    assert moving > static
    assert pad_force_n(2000.0, 0.03, 0.006, rate_m_s=-10.0) == 0.0  # never pulls


def test_thin_tissue_stiffens_steeply() -> None:
    # Same pad, same 10 mm: over a spinous process (14 mm) vs the erector (35 mm).
    bone = pad_force_n(1000.0, 0.014, 0.010)
    muscle = pad_force_n(1000.0, 0.035, 0.010)
    assert bone > 5 * muscle


@pytest.mark.parametrize(
    "kwargs",
    [
        {"cap_ratio": 0.99},
        {"damping_s": -1.0},
        {"friction_range": (0.06, 0.03)},
        {"breath_amplitude_range_m": (0.0, 0.004)},
        {"softening_dose_n_cm2_s": 0.0},
        {"comfort_bone_n_cm2": 9.0},
        {"variation": float("nan")},
    ],
)
def test_params_validated(kwargs: dict) -> None:
    with pytest.raises(ClientError):
        TissueParams(**kwargs)


@given(st.floats(8.0, 24.0), st.integers(0, 2**16))
def test_breathing_is_a_pure_function_of_time(rate: float, seed: int) -> None:
    a = Breathing(rate, np.random.default_rng(seed))
    b = Breathing(rate, np.random.default_rng(seed))
    ts = np.linspace(0.0, 600.0, 37)
    forward = [a.offset_fraction(t) for t in ts]
    backward = [b.offset_fraction(t) for t in ts[::-1]][::-1]
    assert forward == backward
    assert all(-0.5 <= x <= 0.6 for x in forward)


@given(st.floats(8.0, 24.0), st.integers(0, 2**16))
def test_breathing_rate_and_continuity(rate: float, seed: int) -> None:
    br = Breathing(rate, np.random.default_rng(seed))
    t = np.arange(0.0, 240.0, 0.05)
    x = np.array([br.offset_fraction(s) for s in t])
    assert float(np.max(np.abs(np.diff(x)))) < 0.1  # continuous, also across breaths
    spec = np.abs(np.fft.rfft(x - x.mean()))
    freqs = np.fft.rfftfreq(x.size, 0.05)
    peak = freqs[int(np.argmax(spec[1:])) + 1]
    assert peak == pytest.approx(rate / 60.0, rel=0.1)


def test_breathing_rate_validated() -> None:
    with pytest.raises(ClientError):
        Breathing(0.0, np.random.default_rng(0))
