"""Rank correlation of outcomes with the client's body, checked against scipy."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import spearmanr

from backstroke.sweep.correlation import OUTCOMES, PARAMETERS, correlation_matrix, spearman

values = st.lists(
    st.tuples(
        st.one_of(st.none(), st.integers(0, 6).map(float), st.floats(-5, 5)),
        st.one_of(st.none(), st.integers(0, 3).map(float), st.floats(-5, 5)),
    ),
    max_size=40,
)


@given(pairs=values)
def test_spearman_equals_scipy_on_the_complete_pairs(
    pairs: list[tuple[float | None, float | None]],
) -> None:
    x = [a for a, _ in pairs]
    y = [b for _, b in pairs]
    got = spearman(x, y)
    both = [(a, b) for a, b in pairs if a is not None and b is not None]
    xs = np.array([a for a, _ in both])
    ys = np.array([b for _, b in both])
    if len(both) < 5 or np.ptp(xs) == 0 or np.ptp(ys) == 0:
        assert got is None
        return
    expected = float(spearmanr(xs, ys).statistic)
    assert got is not None and math.isclose(got, expected, abs_tol=1e-9)


def test_matrix_finds_a_planted_dependence() -> None:
    rng = np.random.default_rng(0)
    rows = []
    for _ in range(40):
        stiff = float(rng.uniform(1000, 3000))
        rows.append(
            {
                "client.stiffness_n_m": stiff,
                "client.guarding": float(rng.uniform(0, 1)),
                "sweep.passes": int(stiff // 500),  # more passes on stiffer backs
                "error": None,
            }
        )
    rows.append({"client.stiffness_n_m": 5000.0, "sweep.passes": 0, "error": "failed"})
    m = correlation_matrix(rows)
    passes = [o for o, _ in OUTCOMES].index("sweep.passes")
    stiffness = [p for p, _ in PARAMETERS].index("client.stiffness_n_m")
    guarding = [p for p, _ in PARAMETERS].index("client.guarding")
    assert m[passes][stiffness] is not None and m[passes][stiffness] > 0.9
    assert m[passes][guarding] is not None and abs(m[passes][guarding]) < 0.4
    height = [p for p, _ in PARAMETERS].index("client.height_m")
    assert m[passes][height] is None  # no such column in these rows
