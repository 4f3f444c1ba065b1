"""Generator K (tests/learn/k_synth.py) checks itself: the generator only, not the learner."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.learn.k_score import THREES, KBlock, make_score
from tests.learn.k_synth import PEAK_SPEED_M_S, k_demo, k_learner, lognormal_progress


@given(
    st.floats(0.2, 0.6), st.floats(0.3, 0.65), st.lists(st.floats(0, 1), min_size=2, max_size=30)
)
def test_lognormal_progress_runs_zero_to_one_and_never_back(
    sigma: float, mode: float, taus: list[float]
) -> None:
    tau = np.sort(np.asarray(taus))
    p = lognormal_progress(sigma, mode, tau)
    assert np.all(np.diff(p) >= -1e-12)
    ends = lognormal_progress(sigma, mode, np.array([0.0, 1.0]))
    assert ends[0] == 0.0 and abs(ends[1] - 1.0) < 1e-9


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 10_000))
def test_scores_count_in_threes(seed: int) -> None:
    s = make_score(seed)
    assert 50 <= s.bpm <= 80 and 3 <= len(s.blocks) <= 5
    for b in s.blocks:
        assert isinstance(b, KBlock)
        if b.technique != "rest":
            assert b.leg_beats in THREES and b.passes >= 2


def test_demo_truth_and_strokes() -> None:
    d = k_demo(3, labels=True)
    t = d.truth
    assert abs(t.bpm / d.score.bpm - 1) < 0.01
    assert len(t.techniques) == len(t.forces_n) == len(t.passes) == len(d.score.blocks)
    assert "block" in d.columns and "tool" in d.columns
    moves = [s for s in d.segs if s.kind == "move" and s.block >= 0]
    L = d.score.client.back_length_m
    tau = np.linspace(0, 1, 401)
    for s in moves:
        dist = np.hypot((s.u1 - s.u0) * L, s.v1 - s.v0)
        speed = np.diff(lognormal_progress(s.alpha, s.beta, tau)) * 400 * dist / (s.t1 - s.t0)
        assert speed.max() <= PEAK_SPEED_M_S * 1.6  # short moves keep the default shape
    assert t.duration_s > 60


def test_learner_variants_differ_from_the_master() -> None:
    m = k_demo(1, labels=False).columns
    hard = k_learner(1, "too_hard", labels=False)
    assert np.median(hard["normal_force_n"]) > 1.2 * np.median(m["normal_force_n"])
