"""The PSIS dimples (the dimples of Venus) on the height grid of frame P.

The posterior superior iliac spines lie under two small skin dimples either side of the
sacrum, 3–7 cm from the midline. Where the scan shows them, they place the PSIS
directly (level and lateral offsets); where it does not (a thick fat layer, a noisy
camera) the PSIS level comes from the gluteal rise (``scan_midline.psis_s_m``) and the
lateral offsets from the waist's width (``scan_landmarks``).

A dimple is a local low of the skin's *relief*: the heights minus their smoothed
version (σ = ``RELIEF_SIGMA_M``), itself smoothed over the dimple's size
(σ = ``DIMPLE_SIGMA_M``). On each side the deepest low within ``SEARCH_M`` of the
gluteal estimate is taken; the pair is accepted only when both are deeper than
``MIN_DEPTH_M`` and than ``NOISE_FACTOR`` times the relief's robust spread in the
search window, and they mirror each other (levels within ``MAX_LEVEL_GAP_M``, lateral
offsets within ``MAX_OFFSET_GAP_M``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage
from scipy.interpolate import UnivariateSpline

from backstroke.body.scan_axis import HeightGrid

FloatArray = NDArray[np.float64]

RELIEF_SIGMA_M = 0.025
DIMPLE_SIGMA_M = 0.006
SEARCH_M = 0.05
LATERAL_M = (0.03, 0.07)
MIN_DEPTH_M = 0.0012
NOISE_FACTOR = 2.5
MAX_LEVEL_GAP_M = 0.025
MAX_OFFSET_GAP_M = 0.02


@dataclass(frozen=True)
class Dimples:
    """The PSIS dimples in frame P: level ``s_m``, lateral offsets from the midline."""

    s_m: float
    left_m: float  # toward +t (the client's left)
    right_m: float
    depth_m: float


def _smooth(h: FloatArray, sigma_cells: float) -> FloatArray:
    have = np.isfinite(h)
    w = ndimage.gaussian_filter(have.astype(float), sigma_cells)
    z = ndimage.gaussian_filter(np.where(have, h, 0.0), sigma_cells)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = z / w
    return np.asarray(np.where(w > 0.3, out, np.nan))


def relief_m(grid: HeightGrid) -> FloatArray:
    """The skin's relief ``(n_s, n_t)``: smoothed heights minus their broad trend."""
    cell = grid.cell_m
    fine = _smooth(grid.h_m, max(DIMPLE_SIGMA_M / cell, 0.6))
    broad = _smooth(grid.h_m, RELIEF_SIGMA_M / cell)
    return np.asarray(np.where(np.isfinite(grid.h_m), fine - broad, np.nan))


def find_dimples(grid: HeightGrid, mid: UnivariateSpline, s_guess_m: float) -> Dimples | None:
    """The PSIS dimples near ``s_guess_m``, or None if the scan does not show them."""
    rel = relief_m(grid)
    rows = np.flatnonzero(np.abs(grid.s_m - s_guess_m) <= SEARCH_M)
    if rows.size < 5:
        return None
    t = grid.t_m
    best: dict[float, tuple[float, float, float]] = {}
    window = []
    for sgn in (1.0, -1.0):
        deepest = (np.inf, np.nan, np.nan)
        for i in rows:
            c = float(mid(grid.s_m[i]))
            off = sgn * (t - c)
            band = (off >= LATERAL_M[0]) & (off <= LATERAL_M[1]) & np.isfinite(rel[i])
            if band.sum() < 3:
                continue
            window.append(rel[i, band])
            j = int(np.flatnonzero(band)[np.argmin(rel[i, band])])
            if rel[i, j] < deepest[0]:
                deepest = (float(rel[i, j]), float(grid.s_m[i]), float(off[j]))
        if not np.isfinite(deepest[0]):
            return None
        best[sgn] = deepest
    vals = np.concatenate(window)
    spread = 1.4826 * float(np.median(np.abs(vals - np.median(vals))))
    depth = -max(best[1.0][0], best[-1.0][0])
    if depth < max(MIN_DEPTH_M, NOISE_FACTOR * spread):
        return None
    if abs(best[1.0][1] - best[-1.0][1]) > MAX_LEVEL_GAP_M:
        return None
    if abs(best[1.0][2] - best[-1.0][2]) > MAX_OFFSET_GAP_M:
        return None
    return Dimples(
        s_m=0.5 * (best[1.0][1] + best[-1.0][1]),
        left_m=best[1.0][2],
        right_m=best[-1.0][2],
        depth_m=depth,
    )
