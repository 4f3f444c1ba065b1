"""NaN-aware smoothing of a height grid (the landmark finders' skin relief).

The shoulder blades are a few millimetres of relief on a surface that curves by
centimetres, under 1–2.5 mm of depth noise; they are read from the height grid
smoothed at their own scale.
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
