"""Removing breathing from the measured indentation of a pass.

The force loop holds the force while the back rises and falls with each breath, so the
tool's depth below the nominal skin carries the breathing motion on top of the
tissue's own (spatial) indentation: ``depth(t) = g(u(t)) − b(t)``. A glide pass visits
every ``u`` twice (down and up) at different breathing phases, so one linear least
squares fit separates a smooth profile ``g(u)`` (binned in u) from a breathing
oscillation at the rate heard during the rest (its first two harmonics, scanned ±15 %
around that rate, or over 8–24 breaths/min when no rest was heard). The corrected depth
is ``depth − b̂(t)``.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

U_BINS = 24
RATE_SCAN = np.linspace(0.85, 1.15, 13)
RESTING_RATES_BPM = np.linspace(8.0, 24.0, 33)


def remove_breathing(
    t_s: ArrayLike, u: ArrayLike, depth_m: ArrayLike, breathing_rate_bpm: float | None
) -> NDArray[np.float64]:
    """``depth_m`` with the fitted breathing motion added back (``(N,)`` each).

    Returns the input unchanged when there are too few samples, or the pass covers too
    little of the back or too little time to tell space from breathing.
    """
    t = np.asarray(t_s, dtype=np.float64)
    uu = np.asarray(u, dtype=np.float64)
    d = np.asarray(depth_m, dtype=np.float64)
    ok = np.isfinite(t) & np.isfinite(uu) & np.isfinite(d)
    if breathing_rate_bpm is not None and math.isfinite(breathing_rate_bpm):
        rates = breathing_rate_bpm * RATE_SCAN
    else:
        rates = RESTING_RATES_BPM
    if ok.sum() < 200 or np.ptp(uu[ok]) < 0.05 or np.ptp(t[ok]) < 1.5 * 60.0 / rates.min():
        return d.copy()
    lo, hi = float(uu[ok].min()), float(uu[ok].max())
    # Profile basis: linear "hat" functions over u bins (a smooth g(u)).
    pos = np.clip((uu - lo) / (hi - lo) * (U_BINS - 1), 0, U_BINS - 1 - 1e-9)
    i = np.floor(pos).astype(int)
    w = pos - i
    n = t.size
    hat = np.zeros((n, U_BINS))
    hat[np.arange(n), i] = 1 - w
    hat[np.arange(n), i + 1] += w
    best: tuple[float, NDArray[np.float64]] | None = None
    tc = t - t[ok].mean()
    for rate in rates:
        om = 2 * math.pi * rate / 60.0
        osc = np.stack(
            [np.cos(om * tc), np.sin(om * tc), np.cos(2 * om * tc), np.sin(2 * om * tc)], axis=1
        )
        a = np.concatenate([hat, osc], axis=1)
        coef, *_ = np.linalg.lstsq(a[ok], d[ok], rcond=None)
        resid = float(np.sum((a[ok] @ coef - d[ok]) ** 2))
        if best is None or resid < best[0]:
            best = (resid, osc @ coef[U_BINS:])
    if best is None:  # pragma: no cover - RATE_SCAN is not empty
        return d.copy()
    # depth = g(u) + osc  →  the breathing-free depth is depth − osc.
    return np.asarray(d - best[1], dtype=np.float64)
