"""The back's width along the spine, from the flanks the scan saw.

Walking out from the midline on each cross-section of the scene (frame P, heights
above the table; the table itself included),
the flank is where the skin has fallen to ``FLANK_LEVEL`` of the midline's height above
the table: halfway down the steep side of the torso, the silhouette an anthropometer's
breadth measures. A side the camera did not see (the walk meets a gap first) takes the
other side's half-width. The chart of a BackModel ends ``CHART_INSET_M`` inside that
silhouette on each side (where the parametric back's skin turns down into the flank).
"""

from __future__ import annotations

import warnings

import numpy as np
from numpy.typing import NDArray
from scipy.interpolate import UnivariateSpline
from scipy.ndimage import median_filter

from backstroke.body.scan_axis import HeightGrid

FloatArray = NDArray[np.float64]

FLANK_LEVEL = 0.5
CHART_INSET_M = 0.010
MAX_HALF_WIDTH_M = 0.32


def _walk(h: FloatArray, j0: int, step: int, level: float) -> float | None:
    """Cells from ``j0`` until ``h`` first falls below ``level`` (None: never seen to).

    A gap (cells nothing was seen in: the steep flank hidden from the camera) followed
    by a point below ``level`` puts the flank a quarter into the gap (at most 2 cells):
    seen from above, a torso's top stays visible and only its steep side hides.
    """
    j = j0
    while 0 <= j < len(h):
        if not np.isfinite(h[j]):
            k = j
            while 0 <= k < len(h) and not np.isfinite(h[k]):
                k += step
            if not 0 <= k < len(h):
                return None
            if h[k] < level:
                return abs(j - j0) + min(0.25 * abs(k - j), 2.0)
            j = k
            continue
        if h[j] < level:
            return float(abs(j - j0))
        j += step
    return None


def half_widths_m(
    grid: HeightGrid, mid: UnivariateSpline, s_m: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Left and right silhouette half-widths ``(K,)`` at the rows nearest to ``s_m``."""
    left = np.full(len(s_m), np.nan)
    right = np.full(len(s_m), np.nan)
    for k, s in enumerate(s_m):
        i = int(np.clip(np.rint((s - grid.s0_m) / grid.cell_m), 0, grid.h_m.shape[0] - 1))
        band = grid.h_m[max(i - 1, 0) : i + 2]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns stay NaN
            prof = np.nanmax(band, axis=0)
        j0 = int(np.clip(np.rint((float(mid(s)) - grid.t0_m) / grid.cell_m), 0, len(prof) - 1))
        win = prof[max(j0 - 2, 0) : j0 + 3]
        if not np.isfinite(win).any():
            continue
        level = FLANK_LEVEL * float(np.nanmedian(win))
        for out, step in ((left, 1), (right, -1)):
            n = _walk(prof, j0, step, level)
            if n is not None:
                out[k] = min(n * grid.cell_m, MAX_HALF_WIDTH_M)
    return left, right


def chart_half_width_m(s_m: FloatArray, left: FloatArray, right: FloatArray) -> FloatArray:
    """Smoothed chart half-width ``(K,)``: mean of the seen sides minus the inset."""
    both = np.where(np.isfinite(left) & np.isfinite(right), 0.5 * (left + right), np.nan)
    one = np.where(np.isfinite(left), left, right)
    hw = np.where(np.isfinite(both), both, one)
    ok = np.isfinite(hw)
    if ok.sum() < 6:
        return np.full(len(s_m), 0.15)
    hw = np.interp(s_m, s_m[ok], hw[ok])
    hw = median_filter(hw, size=9, mode="nearest")
    spl = UnivariateSpline(s_m, hw, k=3, s=len(s_m) * 0.003**2)
    return np.asarray(np.clip(spl(s_m) - CHART_INSET_M, 0.06, MAX_HALF_WIDTH_M), dtype=np.float64)
