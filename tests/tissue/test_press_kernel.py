"""The compiled fast path (tissue/press_kernel.py) gives the same bits as the Python it
replaced, on random states: every force returned and every slot of ``P`` written."""

from __future__ import annotations

import numpy as np
import pytest

from backstroke.tissue import press_kernel as pk


def _ref_pad(s: list[float], o: int, delta: float, prev: float, a: float, b: float) -> float:
    ab = a * b
    k0, ka, kb, kab, d0, da, db, dab, _amp = s[o : o + 9]
    k = k0 + ka * a + kb * b + kab * ab
    d = d0 + da * a + db * b + dab * ab
    x = delta / d
    dd = s[pk.DAMP] * (delta - prev)
    if dd > delta:
        dd = delta
    if x < s[pk.CAP]:
        q = 1.0 / (1.0 - x)
        f = k * q * q * (delta + dd)
    else:
        f = k * (s[pk.CAP_F] * d + s[pk.CAP_SLOPE] * (delta - s[pk.CAP] * d + dd))
    return 0.0 if f < 0.0 else f


def _ref_press(s: list[float], t: float, u: float, v: float, g0: float, g1: float) -> tuple:
    """The Python fast path as it was (TissuePress.press after the slow update)."""
    if t >= s[pk.T_SLOW]:
        return 0, 0.0, 0.0
    f0 = f1 = 0.0
    if not (g0 > -pk.CLEAR_M or g1 > -pk.CLEAR_M):
        s[pk.PREV0], s[pk.PREV1] = g0, g1
        return 1, f0, f1
    cu0, cu1, cv0, cv1, ou, ov = s[pk.CELLB : pk.CELLB + 6]
    if not (cu0 <= u < cu1 and cv0 <= v < cv1):
        return 0, 0.0, 0.0
    bo = s[pk.BO_C0] + s[pk.BO_C1] * t
    a = (u - ou) * s[pk.IDU]
    b = (v - ov) * s[pk.IDV]
    delta = g0 + s[pk.PAD0 + 8] * bo
    if delta > 0.0:
        f0 = _ref_pad(s, pk.PAD0, delta, s[pk.PREV0], a, b)
    s[pk.PREV0] = delta
    if s[pk.TWO]:
        delta = g1 + s[pk.PAD1 + 8] * bo
        if delta > 0.0:
            f1 = _ref_pad(s, pk.PAD1, delta, s[pk.PREV1], a, b)
        s[pk.PREV1] = delta
    ftot = f0 + f1
    if ftot > 0.0:
        w = pk.WINDOW
        s[w] += 1
        s[w + 1] += f0
        s[w + 3] = max(s[w + 3], f0)
        if f1:
            s[w + 2] += f1
            s[w + 4] = max(s[w + 4], f1)
        s[w + 5] = max(s[w + 5], ftot)
        il_f, il_p0, il_p1 = s[pk.INV_LIM : pk.INV_LIM + 3]
        r = r_force = ftot * il_f
        if r > s[pk.FRAC_F]:
            s[pk.FRAC_F] = r
            s[pk.FRAC_F_AT : pk.FRAC_F_AT + 3] = [t, u, v + s[pk.PADV + (0 if f0 >= f1 else 1)]]
        r = max(f0 * il_p0, f1 * il_p1) * s[pk.INV_AREA]
        if r > s[pk.FRAC_P]:
            s[pk.FRAC_P] = r
            pv = s[pk.PADV + (0 if f0 * il_p0 >= f1 * il_p1 else 1)]
            s[pk.FRAC_P_AT : pk.FRAC_P_AT + 3] = [t, u, v + pv]
        if s[pk.ON_BONE]:
            s[pk.BONE_ZONE_S] += s[pk.TICK_S]
            if r_force > 1.0:
                s[pk.BONE_S] += s[pk.TICK_S]
    return 1, f0, f1


def _random_state(rng: np.random.Generator) -> np.ndarray:
    P = pk.new_press_state()
    P[pk.T_SLOW] = rng.uniform(0.5, 1.5)
    P[pk.BO_C0], P[pk.BO_C1] = rng.normal(0.0, 0.5, 2)
    u0, v0 = rng.uniform(0.2, 0.8), rng.uniform(-0.1, 0.1)
    P[pk.CELLB : pk.CELLB + 6] = (u0 - 0.001, u0 + 0.011, v0 - 0.0005, v0 + 0.003, u0, v0)
    P[pk.IDU], P[pk.IDV] = 100.0, 400.0
    P[pk.DAMP], P[pk.CAP] = rng.uniform(0.0, 5.0), rng.uniform(0.5, 0.8)
    qc = 1.0 / (1.0 - P[pk.CAP])
    P[pk.CAP_F], P[pk.CAP_SLOPE] = P[pk.CAP] * qc * qc, (1.0 + P[pk.CAP]) * qc**3
    for o in (pk.PAD0, pk.PAD1):
        P[o : o + 4] = (rng.uniform(500, 4000), *rng.normal(0.0, 200.0, 3))
        P[o + 4 : o + 8] = (rng.uniform(0.01, 0.03), *rng.normal(0.0, 0.002, 3))
        P[o + 8] = rng.uniform(0.0, 0.004)
    P[pk.TWO] = float(rng.integers(0, 2))
    P[pk.INV_LIM : pk.INV_LIM + 3] = rng.uniform(0.02, 0.2, 3)
    P[pk.INV_AREA] = rng.uniform(0.01, 0.2)
    P[pk.PADV : pk.PADV + 2] = rng.normal(0.0, 0.03, 2)
    P[pk.ON_BONE] = float(rng.integers(0, 2))
    P[pk.TICK_S] = 0.001
    P[pk.PREV0], P[pk.PREV1] = rng.normal(0.0, 0.005, 2)
    P[pk.FRAC_F], P[pk.FRAC_P] = rng.uniform(0.0, 0.8, 2)
    return P


@pytest.mark.parametrize("seed", range(6))
def test_press_core_matches_the_python_fast_path_bit_for_bit(seed: int) -> None:
    rng = np.random.default_rng(seed)
    for _ in range(400):
        P = _random_state(rng)
        ref = P.tolist()
        t = float(rng.uniform(0.0, 2.0))
        u = float(P[pk.CELLB + 4] + rng.uniform(-0.003, 0.014))
        v = float(P[pk.CELLB + 5] + rng.uniform(-0.001, 0.004))
        g0, g1 = (float(x) for x in rng.normal(0.0, 0.01, 2))
        got = pk.press_core(P, t, u, v, g0, g1, 0)
        assert got == _ref_press(ref, t, u, v, g0, g1)
        assert P.tolist() == ref
        for _ in range(3):  # the same state on the next ticks (the viscous memory)
            t += 0.001
            g0, g1 = g0 + float(rng.normal(0.0, 2e-4)), g1 + float(rng.normal(0.0, 2e-4))
            assert pk.press_core(P, t, u, v, g0, g1, 0) == _ref_press(ref, t, u, v, g0, g1)
            assert P.tolist() == ref


def test_the_tissue_attributes_are_views_of_the_array() -> None:
    from backstroke.body.back_model import BackModel
    from backstroke.body.client_file import load_client
    from backstroke.tissue import Tissue

    client = load_client()
    tissue = Tissue(BackModel(client), client)
    P = tissue.press_state
    tissue._prev0 = 0.25
    tissue._pad0 = tuple(float(x) for x in range(9))
    tissue._two = True
    assert P[pk.PREV0] == 0.25 and P[pk.TWO] == 1.0
    assert P[pk.PAD0 : pk.PAD0 + 9].tolist() == list(range(9))
    P[pk.WINDOW + 5] = 3.5
    assert tissue._wmf == 3.5 and type(tissue._wmf) is float
