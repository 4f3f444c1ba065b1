"""Knot or bump of the fitted skin: the lane pressed again at a second force tells."""

from __future__ import annotations

import math

import numpy as np
import pytest

from backstroke.sense.knot_merge import KnotDetection
from backstroke.session.knot_check import CHECK_FORCE_FRACTION, check_segments, confirmed

L_M = 0.5  # back length
V_M = 0.03  # the lane
S_KNOT, S_BUMP = 0.15, 0.22  # along the back (m)


def lane_run(
    force_n: float, t0_s: float, phase: float, *, knot: float, bump_m: float, seed: int
) -> dict[str, np.ndarray]:
    """A strip up the lane at ``force_n``: depth = model offset + F / k(s) + breathing.

    The tissue is ``1 + knot`` times stiffer over 8 mm at ``S_KNOT``; the model skin
    lies ``bump_m`` too high over 12 mm at ``S_BUMP`` (read as that much deeper)."""
    rng = np.random.default_rng(seed)
    s = np.arange(0.10, 0.28, 0.025 / 1000.0)  # 25 mm/s at 1 kHz
    t = t0_s + np.arange(s.size) / 1000.0
    k = 1500.0 * (1.0 + knot * np.exp(-0.5 * ((s - S_KNOT) / 0.004) ** 2))
    # soft tissue stiffens with depth: secant k grows with force
    k *= (force_n / 10.0) ** 0.3
    depth = force_n / k + bump_m * np.exp(-0.5 * ((s - S_BUMP) / 0.006) ** 2)
    depth += 0.002 * np.sin(2 * math.pi * 0.25 * t + phase) + 0.004  # breath, offset
    f = force_n + 0.05 * rng.standard_normal(s.size)
    return {
        "t_s": t,
        "plan_u": s / L_M,
        "plan_v": np.full(s.size, V_M),
        "indentation_m": depth,
        "normal_force_n": f,
    }


def det(s_m: float) -> KnotDetection:
    return KnotDetection(s_m / L_M, V_M, math.nan, math.nan, math.nan, 1.1, 0, 1)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_second_force_confirms_the_knot_not_the_bump(seed: int) -> None:
    # at one force, a 10 % knot and a 0.35 mm bump of the model read alike
    full = lane_run(10.0, 0.0, 0.3 * seed, knot=0.12, bump_m=0.00035, seed=seed)
    low = lane_run(
        10.0 * CHECK_FORCE_FRACTION, 40.0, 1.7 * seed, knot=0.12, bump_m=0.00035, seed=seed + 9
    )
    out = confirmed(
        [det(S_KNOT), det(S_BUMP)], full, low, back_length_m=L_M, breathing_rate_bpm=15.0
    )
    assert [round(d.u * L_M, 3) for d in out] == [S_KNOT]


def test_no_knot_no_confirmation() -> None:
    full = lane_run(10.0, 0.0, 0.0, knot=0.0, bump_m=0.0004, seed=4)
    low = lane_run(5.0, 40.0, 2.0, knot=0.0, bump_m=0.0004, seed=5)
    assert confirmed([det(S_BUMP)], full, low, back_length_m=L_M, breathing_rate_bpm=15.0) == []


def test_check_segments_run_each_lane_and_come_back() -> None:
    segs = check_segments(
        [(0.03, 0.1, 0.5), (-0.03, 0.12, 0.5)],
        start=(0.5, 0.06),
        end=(0.5, 0.06),
        force_n=5.0,
        speed_m_s=0.025,
        tilt_deg=3.0,
        transition_force_n=2.0,
        back_length_m=L_M,
    )
    kinds = [(s.kind, s.label) for s in segs]
    assert kinds == [
        ("transition", "return"),
        ("hold", "load"),
        ("stroke", "check left"),
        ("transition", "return"),
        ("hold", "load"),
        ("stroke", "check right"),
        ("transition", "return"),
    ]
    assert segs[2].force_n == 5.0 and segs[-1].end == (0.5, 0.06)
