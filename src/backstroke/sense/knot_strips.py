"""Which samples make one strip, and where a strip's force is steady.

A strip is one leg of u (between turnarounds) in one pass on one lane side (sign of v).
Soft tissue stiffens with depth, so where the force along a strip changes (a client's
"too much", a cap near bone) its secant stiffness steps too: the knot finder searches
each plateau of steady force on its own.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

from backstroke.sense.passes import DEFAULT_HYSTERESIS_U, turnarounds
from backstroke.sense.stiffness import binned_median

BIN_M = 0.001
# Lateral band around the midline that counts as "on the spine" (side 0).
MIDLINE_BAND_M = 0.005
# A strip is cut where its force leaves ±6 % of the plateau it is on.
FORCE_STEP = 0.06
# Consecutive samples farther apart than this on the skin, or across it, are not one lane.
JUMP_M = 0.005
LANE_STEP_M = 0.002


def breath_mean(
    t_s: NDArray[np.float64], x: NDArray[np.float64], period_s: float
) -> NDArray[np.float64]:
    """``x`` averaged over one breath centred on each sample (``(N,)``, NaN ignored).

    A force loop that gives way to the breath makes the force rise and fall with it;
    a mean over a whole period takes every harmonic of the breath out and leaves a
    step (a client's "too much") a step, blurred over one breath.
    """
    t = np.asarray(t_s, dtype=np.float64)
    xx = np.asarray(x, dtype=np.float64)
    ok = np.isfinite(t) & np.isfinite(xx)
    out = np.full(xx.shape, np.nan)
    if not np.any(ok) or not math.isfinite(period_s) or period_s <= 0:
        return np.where(ok, xx, np.nan)
    tt, vv = t[ok], xx[ok]
    order = np.argsort(tt, kind="stable")
    tt, vv = tt[order], vv[order]
    cs = np.concatenate([[0.0], np.cumsum(vv)])
    lo = np.searchsorted(tt, tt - 0.5 * period_s, side="left")
    hi = np.searchsorted(tt, tt + 0.5 * period_s, side="right")
    mean = (cs[hi] - cs[lo]) / np.maximum(hi - lo, 1)
    res = np.empty(tt.size)
    res[order] = mean
    out[ok] = res
    return out


def _median_of_few(x: list[float]) -> float:
    """``np.median`` of one to three floats, exactly (sorted middle; mean of two)."""
    y = sorted(x)
    n = len(y)
    return y[n // 2] if n % 2 else (y[n // 2 - 1] + y[n // 2]) / 2


def force_plateaus(
    s_m: NDArray[np.float64],
    force_n: NDArray[np.float64],
    *,
    bin_m: float = BIN_M,
    t_s: NDArray[np.float64] | None = None,
    breath_period_s: float | None = None,
) -> list[NDArray[np.int64]]:
    """Sample indices of each stretch of a strip at steady force (within ``FORCE_STEP``).

    The force is binned along the strip (``s_m``, m); walking the bins in order, a
    plateau ends at the first bin off its reference (the median of its first 3 bins) by
    more than ``FORCE_STEP``; samples in no bin with a finite force are left out. With
    the samples' times ``t_s`` and a breath period, the force is first averaged over one
    breath (``breath_mean``): a force that breathes is steady, not a step per breath.
    """
    if t_s is not None and breath_period_s is not None:
        force_n = np.where(np.isfinite(force_n), breath_mean(t_s, force_n, breath_period_s), np.nan)
    ok = np.isfinite(s_m) & np.isfinite(force_n)
    if not np.any(ok):
        return []
    s0 = float(np.min(s_m[ok]))
    b = np.floor((s_m - s0) / bin_m).astype(np.int64)
    b[~ok] = -1
    nb = int(b.max()) + 1
    prof, _ = binned_median(force_n[ok], b[ok], nb)
    # Python floats: the walk is sequential and runs once per strip (thousands a log).
    label_l = [-1] * nb
    seg, ref = -1, math.nan
    start: list[float] = []
    for i, f in enumerate(prof.tolist()):
        if not math.isfinite(f):
            continue
        if seg < 0 or abs(f - ref) > FORCE_STEP * ref:
            seg += 1
            start = []
        if len(start) < 3:
            start.append(f)
            ref = _median_of_few(start)
        label_l[i] = seg
    label = np.asarray(label_l, dtype=np.int64)
    per_sample = np.where(b >= 0, label[np.maximum(b, 0)], -1)
    return [np.flatnonzero(per_sample == k) for k in range(seg + 1)]


def strip_groups(
    u: ArrayLike,
    v: ArrayLike,
    pass_of: ArrayLike,
    hysteresis: float = DEFAULT_HYSTERESIS_U,
    back_length_m: float = 0.51,
) -> list[NDArray[np.int64]]:
    """Sample indices of each strip: one leg of u (between turnarounds) in one pass, one
    side, one lane.

    A lane ends where consecutive samples lie more than ``JUMP_M`` apart on the skin or
    ``LANE_STEP_M`` apart across it (the samples between two thumb lanes, a return
    glide, are not in the record the finder is given).

    Args:
        u: ``(N,)`` chart coordinate.
        v: ``(N,)`` lateral coordinate, m.
        pass_of: ``(N,)`` pass number (``-1`` = in no pass; dropped).
        hysteresis: see ``turnarounds``.
        back_length_m: converts u to metres along the back.

    Returns:
        Index arrays in order of first sample.
    """
    uu = np.asarray(u, dtype=np.float64)
    vv = np.asarray(v, dtype=np.float64)
    p = np.asarray(pass_of, dtype=np.int64)
    n = uu.size
    if n == 0:
        return []
    turns, _ = turnarounds(uu, hysteresis)
    leg = np.searchsorted(turns, np.arange(n), side="right").astype(np.int64)
    side = np.where(np.abs(vv) < MIDLINE_BAND_M, 0, np.sign(vv)).astype(np.int64) + 1
    du_m = np.abs(np.diff(uu)) * back_length_m
    dv_m = np.abs(np.diff(vv))
    jump = (np.hypot(du_m, dv_m) > JUMP_M) | (dv_m > LANE_STEP_M)
    run = np.concatenate([[0], np.cumsum(jump)]).astype(np.int64)
    key = np.stack([p, leg, run, side], axis=1)
    key[p < 0] = -1
    uniq, first, inverse = np.unique(key, axis=0, return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1)
    groups: list[NDArray[np.int64]] = []
    for g in np.argsort(first, kind="stable"):
        if uniq[g][0] < 0:
            continue
        groups.append(np.flatnonzero(inverse == g))
    return groups
