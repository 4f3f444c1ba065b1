"""Passes from turning points: examples and hypothesis properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from backstroke.sense.passes import (
    derive_pass_index,
    pass_count,
    pass_indices,
    renumber_passes,
    stroke_periods_s,
    turnarounds,
)
from tests.sense.synth import glide_log


def _zigzag(
    ends: list[float],
    *,
    start: float,
    rate_hz: float = 100.0,
    speed_u_s: float = 0.06,
    dwells_s: list[float] | None = None,
    noise: float = 0.0,
    seed: int = 0,
) -> np.ndarray:
    """u from ``start`` through each end in turn (linear legs, optional dwells)."""
    rng = np.random.default_rng(seed)
    pieces = [np.array([start])]
    cur = start
    for i, e in enumerate(ends):
        n = max(2, round(abs(e - cur) / speed_u_s * rate_hz))
        pieces.append(np.linspace(cur, e, n + 1)[1:])
        if dwells_s:
            pieces.append(np.full(round(dwells_s[i % len(dwells_s)] * rate_hz), e))
        cur = e
    u = np.concatenate(pieces)
    return u + (rng.normal(0.0, noise, u.size) if noise else 0.0)


def test_glide_passes_from_turning_points() -> None:
    log = glide_log(passes=5, noise_n=0.1, dwell_s=1.0)
    got = derive_pass_index(log.columns["u"])
    assert pass_count(got) == 5
    truth = log.columns["pass_index"].astype(np.int64)
    # Boundaries fall in the middle of the 1 s dwell at the shoulders (200 samples).
    b_got = np.flatnonzero(np.diff(got))
    b_true = np.flatnonzero(np.diff(truth))
    assert np.all(np.abs(b_got - (b_true - 100)) <= 5)


def test_thumb_like_cycle_starting_low() -> None:
    u = _zigzag([0.9, 0.1, 0.9, 0.1, 0.9, 0.1], start=0.1)
    p = derive_pass_index(u)
    assert pass_count(p) == 3
    idx, kinds = turnarounds(u)
    assert kinds.tolist() == [1, -1, 1, -1, 1]
    # Boundaries are the minima (the end the motion started from).
    assert set(np.flatnonzero(np.diff(p))) == {int(i) - 1 for i in idx[kinds < 0]}


def test_no_reversal_is_one_pass() -> None:
    assert pass_count(derive_pass_index(np.linspace(0.1, 0.9, 500))) == 1
    assert pass_count(derive_pass_index(np.full(300, 0.5))) == 1
    assert derive_pass_index(np.array([0.3])).tolist() == [0]
    assert derive_pass_index(np.zeros(0)).size == 0


def test_wobble_below_hysteresis_is_ignored() -> None:
    u = np.linspace(0.9, 0.1, 2000)
    u[1000:1100] += np.linspace(0, 0.015, 100)  # a small back-step, 0.015 < 0.02
    assert turnarounds(u)[0].size == 0


def test_small_trailing_move_joins_the_last_pass() -> None:
    u = _zigzag([0.1, 0.9, 0.1, 0.9, 0.85], start=0.9)  # lift-off nudge after the last pass
    assert pass_count(derive_pass_index(u)) == 2


def test_small_leading_move_joins_the_first_pass() -> None:
    u = _zigzag([0.95, 0.1, 0.95, 0.1, 0.95], start=0.9)  # lead-in up to the start
    assert pass_count(derive_pass_index(u)) == 2


def test_dwell_turnaround_is_middle_of_the_pause() -> None:
    u = _zigzag([0.1, 0.9], start=0.9, rate_hz=100, dwells_s=[4.0])
    idx, kinds = turnarounds(u)
    n_leg = round(0.8 / 0.06 * 100)
    assert kinds.tolist() == [-1]
    assert abs(int(idx[0]) - (n_leg + 200)) <= 5


def test_given_pass_index_wins_and_is_renumbered() -> None:
    u = _zigzag([0.1, 0.9, 0.1, 0.9], start=0.9)
    given_idx = np.where(np.arange(u.size) < u.size // 3, 7.0, 9.0)
    given_idx[:10] = -1
    got = pass_indices(u, given_idx)
    assert got[:10].tolist() == [-1] * 10
    assert set(got[10:].tolist()) == {0, 1}
    assert renumber_passes(np.array([5.0, 5.0, 2.0, np.nan, 2.0, 5.0])).tolist() == [
        0,
        0,
        1,
        -1,
        1,
        0,
    ]


def test_stroke_periods() -> None:
    rate = 100.0
    u = _zigzag([0.1, 0.9, 0.1, 0.9, 0.1], start=0.9, rate_hz=rate, speed_u_s=0.08)
    t = np.arange(u.size) / rate
    per = stroke_periods_s(t, u)
    assert per.size == 3
    assert np.allclose(per, 0.8 / 0.08, atol=0.05)


def test_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        turnarounds(np.array([0.1, np.nan, 0.3, 0.2]))
    with pytest.raises(ValueError):
        turnarounds(np.zeros((3, 2)))
    with pytest.raises(ValueError):
        turnarounds(np.zeros(5), hysteresis=0.0)


@st.composite
def cycles(draw: st.DrawFn) -> tuple[np.ndarray, int]:
    """A noisy record of whole passes: starts at one end (shoulders or waist), ends that
    vary pass to pass by up to 0.2 in u, random speeds, dwells and noise."""
    passes = draw(st.integers(1, 6))
    top_first = draw(st.booleans())
    ends: list[float] = []
    for _ in range(passes):
        low = draw(st.floats(0.05, 0.25))
        high = draw(st.floats(0.75, 0.95))
        ends += [low, high] if top_first else [high, low]
    start = ends[-1]  # starts at the end it comes back to
    dwells = draw(st.lists(st.floats(0.0, 3.0), min_size=1, max_size=4))
    u = _zigzag(
        ends,
        start=start,
        rate_hz=draw(st.sampled_from([50.0, 100.0, 500.0])),
        speed_u_s=draw(st.floats(0.02, 0.2)),
        dwells_s=dwells,
        noise=draw(st.floats(0.0, 0.001)),  # σ ≤ 0.5 mm on the back; h = 0.02 ≈ 1 cm
        seed=draw(st.integers(0, 1000)),
    )
    return u, passes


@given(cycles())
def test_property_pass_count_matches_cycles(case: tuple[np.ndarray, int]) -> None:
    u, passes = case
    p = derive_pass_index(u)
    assert pass_count(p) == passes
    steps = np.diff(p)
    assert p[0] == 0
    assert set(np.unique(steps).tolist()) <= {0, 1}


@given(cycles())
def test_property_turnarounds_alternate(case: tuple[np.ndarray, int]) -> None:
    u, _ = case
    idx, kinds = turnarounds(u)
    assert np.all(np.diff(idx) > 0)
    assert np.all(kinds[1:] != kinds[:-1])
    # Each turnaround lies within half the hysteresis of its leg's extreme.
    edges = [0, *idx.tolist(), u.size - 1]
    for j, k in enumerate(kinds.tolist()):
        leg = u[edges[j] : edges[j + 2] + 1]
        ext = leg.max() if k > 0 else leg.min()
        assert abs(u[idx[j]] - ext) <= 0.01 + 1e-12


@given(cycles(), st.floats(-0.04, 0.04))
def test_property_invariant_to_offset_and_mirror(case: tuple[np.ndarray, int], du: float) -> None:
    u, _ = case
    base = derive_pass_index(u)
    for other in (derive_pass_index(u + du), derive_pass_index(1.0 - u)):
        # Same passes; a boundary may move by a sample where u sits exactly on a tolerance.
        assert pass_count(other) == pass_count(base)
        diff = np.flatnonzero(np.diff(other)) - np.flatnonzero(np.diff(base))
        assert np.all(np.abs(diff) <= 2)


@given(cycles(), st.integers(2, 4))
def test_property_decimation_keeps_the_count(case: tuple[np.ndarray, int], step: int) -> None:
    u, passes = case
    assert pass_count(derive_pass_index(u[::step])) == passes


@given(cycles())
def test_property_every_pass_reaches_the_far_end(case: tuple[np.ndarray, int]) -> None:
    u, _ = case
    p = derive_pass_index(u)
    idx, kinds = turnarounds(u)
    if idx.size == 0:
        return
    near_top = abs(u[0] - u.max()) < abs(u[0] - u.min())
    far_kind = -1 if near_top else 1
    far = idx[kinds == far_kind]
    for q in range(pass_count(p)):
        members = np.flatnonzero(p == q)
        inside = far[(far >= members[0]) & (far <= members[-1])]
        last = q == pass_count(p) - 1
        assert inside.size == 1 or (last and inside.size == 0)


@given(
    st.floats(0.4, 0.62),
    st.integers(2, 6),
    st.sampled_from([-1.0, 1.0]),
)
def test_property_a_lead_in_from_mid_back_is_no_pass(
    u_start: float, passes: int, first_way: float
) -> None:
    """Hands set down mid-back (even nearer the other end) and moved to one end before
    the strokes: the strokes' cycles are the passes, and the lead-in joins the first.
    Before, the end nearer the first sample won, so a lead-in from u 0.55 to the waist
    shifted every pass by half a cycle and counted one pass more (the ward's logs)."""
    lo, hi = 0.1, 0.9
    start, other = (lo, hi) if first_way < 0 else (hi, lo)
    leg = np.linspace(0.0, 1.0, 200)[1:]
    pieces = [u_start + (start - u_start) * np.linspace(0.0, 1.0, 120)]
    for _ in range(passes):
        pieces += [start + (other - start) * leg, other + (start - other) * leg]
    u = np.concatenate(pieces)
    p = derive_pass_index(u)
    assert pass_count(p) == passes
    # Every pass after the first starts at the lead-in's end.
    starts = np.flatnonzero(np.diff(p)) + 1
    assert np.allclose(u[starts], start, atol=0.01)


def test_a_return_in_the_air_after_the_last_stroke_is_no_pass() -> None:
    """Upward strokes on the back with the returns in the air; the log ends after the
    last return (the hands lifted to the waist for the next block). Along u that return
    is a full pass; on the back it is none: with the loaded samples it joins the last."""
    u = _zigzag([0.1, 0.9, 0.1, 0.9, 0.1, 0.9, 0.1], start=0.9)
    up = np.r_[False, np.diff(u) > 0]  # in contact on the way up only
    assert pass_count(derive_pass_index(u)) == 4  # along u alone
    assert pass_count(derive_pass_index(u, loaded=up)) == 3
    assert pass_count(pass_indices(u, loaded=up)) == 3
    # The same strokes in contact both ways: every pass is a stroke.
    assert pass_count(derive_pass_index(u, loaded=np.ones(u.size, dtype=bool))) == 4


def test_a_move_in_the_air_to_the_first_stroke_is_no_pass() -> None:
    u = _zigzag([0.1, 0.9, 0.1, 0.9, 0.1, 0.9], start=0.9)
    on = np.ones(u.size, dtype=bool)
    first_down = np.argmin(u[: u.size // 3])
    on[:first_down] = False  # the way down to where the first stroke begins, in the air
    assert pass_count(derive_pass_index(u)) == 3
    assert pass_count(derive_pass_index(u, loaded=on)) == 3
    on[: np.flatnonzero(np.diff(derive_pass_index(u)))[0] + 1] = False  # the whole first
    assert pass_count(derive_pass_index(u, loaded=on)) == 2
