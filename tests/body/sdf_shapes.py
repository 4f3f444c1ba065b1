"""Signed-distance primitives for the sixth scan generator (``metaball_body.py``).

Points are (N, 3) arrays in metres; distances are negative inside.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]


def smin(a: FloatArray, b: FloatArray, k: float) -> FloatArray:
    """Polynomial smooth minimum (union) with blend width ``k`` (m)."""
    h = np.clip(k - np.abs(a - b), 0.0, None) / k
    return np.asarray(np.minimum(a, b) - h * h * k * 0.25)


def smax(a: FloatArray, b: FloatArray, k: float) -> FloatArray:
    return -smin(-a, -b, k)


def ellipsoid(p: FloatArray, c: FloatArray, r: FloatArray) -> FloatArray:
    """Approximate signed distance to an axis-aligned ellipsoid (bound near the surface)."""
    q = (p - c) / r
    k0 = np.linalg.norm(q, axis=1)
    k1 = np.linalg.norm(q / r, axis=1)
    return np.asarray(k0 * (k0 - 1.0) / np.maximum(k1, 1e-9))


def capsule(p: FloatArray, a: FloatArray, b: FloatArray, ra: float, rb: float) -> FloatArray:
    ab = b - a
    t = np.clip(((p - a) @ ab) / max(float(ab @ ab), 1e-12), 0.0, 1.0)
    d = np.linalg.norm(p - (a + t[:, None] * ab), axis=1)
    return np.asarray(d - (ra + (rb - ra) * t))


def triangle(p: FloatArray, a: FloatArray, b: FloatArray, c: FloatArray) -> FloatArray:
    """Unsigned distance from points to the triangle abc (3D)."""
    n = np.cross(b - a, c - a)
    n = n / np.linalg.norm(n)
    inside = np.ones(len(p), dtype=bool)
    for u, v in ((a, b), (b, c), (c, a)):
        inside &= ((np.cross(v - u, n)) @ (p - u).T) <= 0.0
    d_plane = np.abs((p - a) @ n)
    d_edge = np.full(len(p), np.inf)
    for u, v in ((a, b), (b, c), (c, a)):
        d_edge = np.minimum(d_edge, capsule(p, u, v, 0.0, 0.0))
    return np.asarray(np.where(inside, d_plane, d_edge))


def box_dist(p: FloatArray, lo: FloatArray, hi: FloatArray) -> FloatArray:
    q = np.maximum(np.maximum(lo - p, p - hi), 0.0)
    return np.asarray(np.linalg.norm(q, axis=1))


def local_union(
    d: FloatArray,
    p: FloatArray,
    lo: FloatArray,
    hi: FloatArray,
    fn: Callable[[FloatArray], FloatArray],
    k: float,
    margin: float = 0.03,
) -> FloatArray:
    """``smin(d, fn(p), k)`` evaluated only inside the feature's box (``lo``..``hi``, the
    solid's bounds) grown by ``margin``; outside it a lower bound (the box distance)."""
    near = in_box(p, lo - margin, hi + margin)
    out = np.minimum(d, margin - 0.25 * k)
    if near.any():
        out[near] = smin(d[near], fn(p[near]), k) if k > 0 else np.minimum(d[near], fn(p[near]))
    return out


def in_box(p: FloatArray, lo: FloatArray, hi: FloatArray) -> NDArray[np.bool_]:
    x, y, z = p[:, 0], p[:, 1], p[:, 2]
    return np.asarray(
        (x > lo[0]) & (x < hi[0]) & (y > lo[1]) & (y < hi[1]) & (z > lo[2]) & (z < hi[2])
    )


def local_cut(
    d: FloatArray,
    p: FloatArray,
    lo: FloatArray,
    hi: FloatArray,
    fn: Callable[[FloatArray], FloatArray],
    k: float,
    margin: float = 0.03,
) -> FloatArray:
    """``smax(d, -fn(p), k)`` (a carved pit) inside the grown box; unchanged outside."""
    near = in_box(p, lo - margin, hi + margin)
    out = d.copy()
    if near.any():
        out[near] = smax(d[near], -fn(p[near]), k)
    return out
