"""Small-scale skin relief on a height grid: NaN-aware smoothing and the Hessian.

The landmark finders read what a therapist sees by eye on a prone back: pits (the
dimples of Venus over the PSIS) and raised plates (the scapulae). Both are a few
millimetres on a surface that curves by centimetres, under 1–2.5 mm of depth noise;
they are read from the height grid smoothed at their own scale.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage

FloatArray = NDArray[np.float64]

MIN_WEIGHT = 0.3  # a smoothed cell needs this share of its Gaussian's weight seen


def smooth_nan(h_m: FloatArray, sigma_cells: float) -> FloatArray:
    """Normalised Gaussian smoothing of a grid with holes (NaN); NaN where mostly unseen."""
    have = np.isfinite(h_m)
    w = ndimage.gaussian_filter(have.astype(float), sigma_cells)
    z = ndimage.gaussian_filter(np.where(have, h_m, 0.0), sigma_cells)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(np.where(w > MIN_WEIGHT, z / w, np.nan), dtype=np.float64)


def hessian_eigen(f_m: FloatArray, cell_m: float) -> tuple[FloatArray, FloatArray]:
    """Smaller and larger eigenvalues ``(n_s, n_t)`` of the grid's Hessian (1/m)."""
    fss = (np.roll(f_m, 1, 0) - 2 * f_m + np.roll(f_m, -1, 0)) / cell_m**2
    ftt = (np.roll(f_m, 1, 1) - 2 * f_m + np.roll(f_m, -1, 1)) / cell_m**2
    fst = (
        np.roll(np.roll(f_m, 1, 0), 1, 1)
        - np.roll(np.roll(f_m, 1, 0), -1, 1)
        - np.roll(np.roll(f_m, -1, 0), 1, 1)
        + np.roll(np.roll(f_m, -1, 0), -1, 1)
    ) / (4 * cell_m**2)
    mean = 0.5 * (fss + ftt)
    root = np.sqrt(0.25 * (fss - ftt) ** 2 + fst**2)
    return np.asarray(mean - root), np.asarray(mean + root)


def grid_noise_m(h_m: FloatArray, smooth_m: FloatArray) -> float:
    """Robust 1-σ scatter of the cells about their smoothed surface (m)."""
    r = (h_m - smooth_m)[np.isfinite(h_m) & np.isfinite(smooth_m)]
    if r.size < 50:
        return float("nan")
    return float(1.4826 * np.median(np.abs(r - np.median(r))))
