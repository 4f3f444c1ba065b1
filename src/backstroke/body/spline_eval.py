"""A tensor-product spline at scattered points, fast and to the bit what scipy gives.

``RectBivariateSpline.ev`` runs FITPACK's ``bispeu``: for every point a linear search
for the knot interval and the de Boor–Cox recurrence (``fpbspl``), then the sum over
the (k+1)² coefficients (``fpbisp``). :func:`spline_ev` does the same operations in the
same order in a numba kernel (a binary search finds the same interval), about ten times
faster: the planner and the projections evaluate the back's chart map at every
control tick of a session (millions of points).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.interpolate import RectBivariateSpline

from backstroke.jit import numba_njit

FloatArray = NDArray[np.float64]


@numba_njit()
def _fpbspl(t: Any, k: int, x: float, l: int, h: Any, hh: Any) -> None:  # noqa: E741
    """FITPACK ``fpbspl``: the k+1 B-splines non-zero at ``x``, ``t[l-1] <= x < t[l]``
    (``l`` 1-based as in FITPACK), into ``h``."""
    h[0] = 1.0
    for j in range(1, k + 1):
        for i in range(j):
            hh[i] = h[i]
        h[0] = 0.0
        for i in range(1, j + 1):
            li = l + i
            lj = li - j
            tli = t[li - 1]
            tlj = t[lj - 1]
            if tli != tlj:
                f = hh[i - 1] / (tli - tlj)
                h[i - 1] = h[i - 1] + f * (tli - x)
                h[i] = f * (x - tlj)
            else:
                h[i] = 0.0


@numba_njit()
def _interval(t: Any, k1: int, nk1: int, arg: float, last: int) -> int:
    """FITPACK's knot interval (1-based ``l``): the first ``l`` in ``k1..nk1`` with
    ``arg < t[l]``, else ``nk1`` (also for NaN). ``last`` (the previous point's) is
    kept when it is that one (points along a path), else bisection finds it."""
    if (last == k1 or arg >= t[last - 1]) and (last == nk1 or arg < t[last]):
        return last
    lo = k1
    hi = nk1
    while lo < hi:
        mid = (lo + hi) // 2
        if arg < t[mid]:
            hi = mid
        else:
            lo = mid + 1
    return lo


@numba_njit()
def _bispeu(tx: Any, ty: Any, c: Any, kx: int, ky: int, x: Any, y: Any, out: Any) -> None:
    kx1 = kx + 1
    ky1 = ky + 1
    nkx1 = tx.size - kx1
    nky1 = ty.size - ky1
    tbx, tex = tx[kx1 - 1], tx[nkx1]
    tby, tey = ty[ky1 - 1], ty[nky1]
    hx = np.empty(kx1)
    hy = np.empty(ky1)
    hh = np.empty(max(kx1, ky1))
    lx = kx1
    ly = ky1
    for m in range(x.size):
        ax = x[m]
        if ax < tbx:
            ax = tbx
        if ax > tex:
            ax = tex
        lx = _interval(tx, kx1, nkx1, ax, lx)
        _fpbspl(tx, kx, ax, lx, hx, hh)
        ay = y[m]
        if ay < tby:
            ay = tby
        if ay > tey:
            ay = tey
        ly = _interval(ty, ky1, nky1, ay, ly)
        _fpbspl(ty, ky, ay, ly, hy, hh)
        l1 = (lx - kx1) * nky1 + (ly - ky1)
        sp = 0.0
        for i1 in range(kx1):
            for j1 in range(ky1):
                sp = sp + c[l1 + j1] * hx[i1] * hy[j1]
            l1 += nky1
        out[m] = sp


def spline_ev(spline: RectBivariateSpline, x: ArrayLike, y: ArrayLike) -> FloatArray:
    """``spline.ev(x, y)`` (points ``(x[i], y[i])``, broadcast; no derivatives)."""
    xx, yy = np.broadcast_arrays(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64))
    tx, ty, c = spline.tck[:3]
    kx, ky = spline.degrees
    out = np.empty(xx.size)
    _bispeu(
        np.ascontiguousarray(tx, dtype=np.float64),
        np.ascontiguousarray(ty, dtype=np.float64),
        np.ascontiguousarray(c, dtype=np.float64),
        int(kx),
        int(ky),
        np.ascontiguousarray(xx.ravel()),
        np.ascontiguousarray(yy.ravel()),
        out,
    )
    return out.reshape(xx.shape)
