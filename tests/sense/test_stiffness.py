"""Secant stiffness and per-pass profiles."""

from __future__ import annotations

import math

import numpy as np
import pytest

from backstroke.sense.stiffness import (
    StiffnessProfile,
    binned_median,
    median_stiffness,
    relative_stiffness,
    secant_stiffness,
    stiffness_by_pass,
    stiffness_profile,
)


def test_secant_and_masks() -> None:
    f = np.array([10.0, 0.5, 10.0, np.nan, 10.0, 20.0])
    d = np.array([0.005, 0.005, 0.0005, 0.005, np.inf, 0.01])
    k = secant_stiffness(f, d)
    assert k[0] == pytest.approx(2000.0)
    assert np.isnan(k[1])  # force < 1 N
    assert np.isnan(k[2])  # indentation < 1 mm
    assert np.isnan(k[3]) and np.isnan(k[4])
    assert k[5] == pytest.approx(2000.0)
    with pytest.raises(ValueError):
        secant_stiffness(np.ones(3), np.ones(4))


def test_binned_median_matches_numpy() -> None:
    rng = np.random.default_rng(3)
    vals = rng.normal(size=1000)
    bins = rng.integers(0, 7, 1000)
    med, counts = binned_median(vals, bins, 8)
    for b in range(7):
        assert med[b] == pytest.approx(np.median(vals[bins == b]))
        assert counts[b] == np.sum(bins == b)
    assert np.isnan(med[7]) and counts[7] == 0


def test_profile_bins_and_shared_edges() -> None:
    u = np.linspace(0.1, 0.9, 4001)
    k = 1000.0 + 1000.0 * u
    prof = stiffness_profile(k, u, bins=40)
    assert prof.u_edges[0] == pytest.approx(0.1) and prof.u_edges[-1] == pytest.approx(0.9)
    assert prof.counts.sum() == u.size
    assert np.allclose(prof.stiffness_n_m, 1000.0 + 1000.0 * prof.u_centres, rtol=1e-3)
    soft = stiffness_profile(0.9 * k, u, u_edges=prof.u_edges)
    assert relative_stiffness(soft, prof) == pytest.approx(0.9)


def test_relative_stiffness_cancels_region_and_coverage() -> None:
    """A pass covering only the stiff half still compares like for like."""
    u = np.linspace(0.1, 0.9, 4001)
    k = 1000.0 + 3000.0 * u
    ref = stiffness_profile(k, u, bins=40)
    half = u > 0.5
    part = stiffness_profile(0.95 * k[half], u[half], u_edges=ref.u_edges)
    assert relative_stiffness(part, ref) == pytest.approx(0.95, rel=1e-3)
    # The plain median would say "stiffer": the comparison by bins does not.
    assert median_stiffness(0.95 * k[half]) > median_stiffness(k)


def test_relative_stiffness_rejects_different_bins() -> None:
    a = StiffnessProfile(np.linspace(0, 1, 5), np.ones(4), np.ones(4, dtype=np.int64))
    b = StiffnessProfile(np.linspace(0, 1, 6), np.ones(5), np.ones(5, dtype=np.int64))
    with pytest.raises(ValueError):
        relative_stiffness(a, b)


def test_stiffness_by_pass_and_empty() -> None:
    k = np.array([1.0, 2.0, 3.0, np.nan, 10.0, 12.0])
    p = np.array([0, 0, 0, 1, 1, -1])
    assert stiffness_by_pass(k, p) == [2.0, 10.0]
    assert stiffness_by_pass(k, np.full(6, -1)) == []
    assert math.isnan(median_stiffness(np.array([np.nan])))
