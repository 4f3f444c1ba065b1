"""The force law of soft tissue over bone, for one contact pad.

A pad of linear stiffness ``k`` (N/m) on tissue ``d`` metres thick over bone, pressed
``δ`` metres deep at ``δ'`` m/s::

    x = δ / d,  δ_v = min(damping_s · δ', δ)
    F = k (δ + δ_v) / (1 − x)^2                  for 0 < x < cap
    F = F(cap) + k_cap (δ − cap·d + δ_v)         beyond (bone: finite, steep)
    F = 0                                        for δ ≤ 0 (no adhesion)

and never below 0: the viscous part (``δ_v``, a small rate term) is at most the elastic
one, so a step of indentation cannot produce an unbounded spike.
``k_cap = k (1 + cap) / (1 − cap)^3`` is the law's slope at the cap, so force and
slope are continuous. For small ``δ`` the law is linear (``F ≈ k δ``);
as ``δ`` nears ``d`` it stiffens steeply: the same 10 mm that gives 6 N over the
erector spinae (d ≈ 35 mm) gives ~70 N over a spinous process (d ≈ 14 mm).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray


def pad_force_n(
    stiffness_n_m: float,
    depth_m: float,
    indentation_m: float,
    rate_m_s: float = 0.0,
    *,
    cap_ratio: float = 0.85,
    damping_s: float = 0.01,
) -> float:
    """Normal force (N, ≥ 0) of one pad; see the module docstring for the law."""
    if indentation_m <= 0.0:
        return 0.0
    x = indentation_m / depth_m
    dd = min(damping_s * rate_m_s, indentation_m)
    if x < cap_ratio:
        q = 1.0 / (1.0 - x)
        secant = stiffness_n_m * q * q
        f = secant * (indentation_m + dd)
    else:
        qc = 1.0 / (1.0 - cap_ratio)
        f_cap = stiffness_n_m * cap_ratio * depth_m * qc * qc
        slope = stiffness_n_m * (1.0 + cap_ratio) * qc * qc * qc
        f = f_cap + slope * (indentation_m - cap_ratio * depth_m + dd)
    return f if f > 0.0 else 0.0


def pad_force_array_n(
    stiffness_n_m: ArrayLike,
    depth_m: ArrayLike,
    indentation_m: ArrayLike,
    *,
    cap_ratio: float = 0.85,
) -> NDArray[np.float64]:
    """Vectorised static :func:`pad_force_n` (no damping); arrays broadcast, N."""
    k = np.asarray(stiffness_n_m, dtype=np.float64)
    d = np.asarray(depth_m, dtype=np.float64)
    delta = np.asarray(indentation_m, dtype=np.float64)
    x = delta / d
    xc = np.minimum(x, cap_ratio)
    f_in = k * np.maximum(delta, 0.0) / (1.0 - xc) ** 2
    qc = 1.0 / (1.0 - cap_ratio)
    f_out = k * (cap_ratio * d * qc * qc + (1.0 + cap_ratio) * qc**3 * (delta - cap_ratio * d))
    f = np.where(x < cap_ratio, f_in, f_out)
    return np.asarray(np.where(delta > 0.0, f, 0.0), dtype=np.float64)


def indentation_for_force_m(
    stiffness_n_m: ArrayLike,
    depth_m: ArrayLike,
    force_n: ArrayLike,
    *,
    cap_ratio: float = 0.85,
    iterations: int = 60,
) -> NDArray[np.float64]:
    """Static indentation (m) at which one pad gives ``force_n`` (bisection, broadcast)."""
    k = np.asarray(stiffness_n_m, dtype=np.float64)
    d = np.asarray(depth_m, dtype=np.float64)
    f = np.asarray(force_n, dtype=np.float64)
    k, d, f = np.broadcast_arrays(k, d, f)
    lo = np.zeros(k.shape)
    hi = np.maximum(d, 1e-4)
    while True:  # grow the bracket past the cap when needed
        ok = pad_force_array_n(k, d, hi, cap_ratio=cap_ratio) >= f
        if bool(np.all(ok)):
            break
        hi = np.where(ok, hi, 2.0 * hi)
    for _ in range(iterations):
        mid = 0.5 * (lo + hi)
        above = pad_force_array_n(k, d, mid, cap_ratio=cap_ratio) >= f
        hi = np.where(above, mid, hi)
        lo = np.where(above, lo, mid)
    return np.asarray(0.5 * (lo + hi), dtype=np.float64)
