"""Secant stiffness from measured force and indentation, and per-pass profiles along u.

Stiffness is the secant ``normal_force_n / indentation_m`` (DESIGN §6.3). Samples with
a tiny indentation (< 1 mm) or a light force (< 1 N) carry no usable stiffness: the
ratio of two small, noisy numbers. They are masked as NaN.

A pass's *profile* is the median stiffness in bins of ``u``; comparing two passes bin by
bin (same u bins) cancels the variation along the back (bony ends, thick muscle) and
the knots, which is what the softening detector does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

MIN_INDENTATION_M = 1e-3
MIN_FORCE_N = 1.0
DEFAULT_BINS = 40


def secant_stiffness(
    normal_force_n: ArrayLike,
    indentation_m: ArrayLike,
    *,
    min_indentation_m: float = MIN_INDENTATION_M,
    min_force_n: float = MIN_FORCE_N,
) -> NDArray[np.float64]:
    """Secant stiffness per sample, NaN where force or indentation is too small.

    Args:
        normal_force_n: ``(N,)`` measured normal force, N.
        indentation_m: ``(N,)`` indentation below the undeformed surface, m.
        min_indentation_m: samples with a smaller indentation are masked.
        min_force_n: samples with a smaller force are masked.

    Returns:
        ``(N,)`` stiffness, N/m; NaN where masked or not finite.
    """
    f = np.asarray(normal_force_n, dtype=np.float64)
    d = np.asarray(indentation_m, dtype=np.float64)
    if f.shape != d.shape:
        raise ValueError(f"force {f.shape} and indentation {d.shape} differ in shape")
    ok = np.isfinite(f) & np.isfinite(d) & (d >= min_indentation_m) & (f >= min_force_n)
    out = np.full(f.shape, np.nan)
    np.divide(f, d, out=out, where=ok)
    return out


def binned_median(
    values: ArrayLike, bin_of: ArrayLike, bins: int
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Median of ``values`` in each bin (vectorised).

    Args:
        values: ``(N,)`` finite values.
        bin_of: ``(N,)`` integer bin of each value, ``0 .. bins-1`` (others are dropped).
        bins: number of bins.

    Returns:
        ``(medians, counts)``, each ``(bins,)``; medians are NaN in empty bins.
    """
    vals = np.asarray(values, dtype=np.float64)
    b = np.asarray(bin_of, dtype=np.int64)
    keep = (b >= 0) & (b < bins) & np.isfinite(vals)
    vals, b = vals[keep], b[keep]
    counts = np.bincount(b, minlength=bins).astype(np.int64)
    med = np.full(bins, np.nan)
    if vals.size == 0:
        return med, counts
    order = np.lexsort((vals, b))
    s = vals[order]
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    has = counts > 0
    lo = starts[has] + (counts[has] - 1) // 2
    hi = starts[has] + counts[has] // 2
    med[has] = 0.5 * (s[lo] + s[hi])
    return med, counts


@dataclass(frozen=True)
class StiffnessProfile:
    """Median stiffness in bins of u over one pass.

    Attributes:
        u_edges: ``(B+1,)`` bin edges in u, increasing.
        stiffness_n_m: ``(B,)`` median stiffness per bin, N/m (NaN in empty bins).
        counts: ``(B,)`` samples per bin.
    """

    u_edges: NDArray[np.float64]
    stiffness_n_m: NDArray[np.float64]
    counts: NDArray[np.int64]

    @property
    def u_centres(self) -> NDArray[np.float64]:
        """``(B,)`` bin centres in u."""
        return 0.5 * (self.u_edges[:-1] + self.u_edges[1:])

    def usable(self, min_count: int = 1) -> NDArray[np.bool_]:
        """``(B,)`` bins with at least ``min_count`` samples and a finite median."""
        return (self.counts >= min_count) & np.isfinite(self.stiffness_n_m)


def stiffness_profile(
    stiffness_n_m: ArrayLike,
    u: ArrayLike,
    *,
    bins: int = DEFAULT_BINS,
    u_edges: ArrayLike | None = None,
) -> StiffnessProfile:
    """Median stiffness along u for one pass.

    Args:
        stiffness_n_m: ``(N,)`` per-sample stiffness, N/m (NaN = masked).
        u: ``(N,)`` chart coordinate of each sample.
        bins: number of bins over the pass's own u range (ignored with ``u_edges``).
        u_edges: ``(B+1,)`` fixed bin edges (e.g. the reference pass's), increasing.

    Returns:
        The profile; samples outside the edges are dropped.
    """
    k = np.asarray(stiffness_n_m, dtype=np.float64)
    uu = np.asarray(u, dtype=np.float64)
    if k.shape != uu.shape:
        raise ValueError(f"stiffness {k.shape} and u {uu.shape} differ in shape")
    ok = np.isfinite(k) & np.isfinite(uu)
    if u_edges is None:
        if bins < 1:
            raise ValueError(f"bins must be >= 1, got {bins}")
        if np.any(ok):
            lo, hi = float(uu[ok].min()), float(uu[ok].max())
        else:
            lo, hi = 0.0, 1.0
        if hi <= lo:
            hi = lo + 1e-9
        edges = np.linspace(lo, hi, bins + 1)
    else:
        edges = np.asarray(u_edges, dtype=np.float64)
        if edges.ndim != 1 or edges.size < 2 or np.any(np.diff(edges) <= 0):
            raise ValueError("u_edges must be 1-D, increasing, with at least 2 entries")
    nb = edges.size - 1
    b = np.searchsorted(edges, uu[ok], side="right") - 1
    b[uu[ok] == edges[-1]] = nb - 1  # the top edge belongs to the last bin
    med, counts = binned_median(k[ok], b, nb)
    return StiffnessProfile(edges, med, counts)


def median_stiffness(stiffness_n_m: ArrayLike) -> float:
    """Median of the finite stiffness samples, N/m; NaN when there are none."""
    k = np.asarray(stiffness_n_m, dtype=np.float64)
    k = k[np.isfinite(k)]
    return float(np.median(k)) if k.size else float("nan")


def stiffness_by_pass(stiffness_n_m: ArrayLike, pass_of: ArrayLike) -> list[float]:
    """Median stiffness of each pass ``0 .. P-1`` (``-1`` samples ignored), N/m."""
    k = np.asarray(stiffness_n_m, dtype=np.float64)
    p = np.asarray(pass_of, dtype=np.int64)
    if p.size == 0 or p.max(initial=-1) < 0:
        return []
    med, _ = binned_median(k, p, int(p.max()) + 1)
    return [float(x) for x in med]


def relative_stiffness(profile: StiffnessProfile, reference: StiffnessProfile) -> float:
    """Median over shared u bins of ``profile / reference`` (1.0 = unchanged).

    Both profiles must use the same edges. Falls back to the ratio of the overall
    medians of the bins when no bin is usable in both; NaN when either is empty.
    """
    if profile.u_edges.shape != reference.u_edges.shape or not np.allclose(
        profile.u_edges, reference.u_edges
    ):
        raise ValueError("profiles use different u bins")
    both = profile.usable() & reference.usable() & (reference.stiffness_n_m > 0)
    if np.any(both):
        return float(np.median(profile.stiffness_n_m[both] / reference.stiffness_n_m[both]))
    a = profile.stiffness_n_m[profile.usable()]
    b = reference.stiffness_n_m[reference.usable()]
    if a.size == 0 or b.size == 0:
        return float("nan")
    return float(np.median(a) / np.median(b))
