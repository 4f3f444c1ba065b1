"""The PSIS from the dimples of Venus: a pair of pits either side of the sacrum.

The posterior superior iliac spines lie under two skin dimples 3–7 cm either side of
the midline, just above the buttocks. On the height grid of frame P (smoothed at
``PIT_SIGMA_M``, about a dimple's size) a dimple is a *pit*: the skin is concave up
in every direction (both Hessian eigenvalues positive, the smaller at least
``ISOTROPY`` of the larger: a crease, such as where the buttocks meet the back or the
erectors' edge, is concave in one direction only) and it lies ``depth`` below the ring
of skin ``RING_M`` around it. A pair is two pits at the same level (within
``PAIR_LEVEL_M``) and the same distance from the midline (within ``PAIR_SPREAD_M``),
searched within ``SEARCH_M`` of the PSIS level the buttocks give. Both must be deeper
than ``MIN_DEPTH_M`` and than ``NOISE_FACTOR`` times the smoothed grid's noise, and
within ``PAIR_DEPTH_RATIO`` of each other; else there is no pair and the PSIS level stays
as the buttocks (or the proportions) give it.

On the four generators the fit was developed on, none shows a pair: the parametric
body and the phantom have no dimples, the slices bury theirs under the buttocks'
ellipsoids (29 of 30 scans), and the loft's 3.5 mm dimples sit on the erectors'
slope, where they are a change of slope, not a pit. The finder's thresholds are set so
that it fires on none of them (false alarms), and its test scans carry dimples of
their own (``tests/body/test_scan_dimples.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage

from backstroke.body.scan_axis import HeightGrid
from backstroke.body.scan_relief import grid_noise_m, hessian_eigen, smooth_nan

FloatArray = NDArray[np.float64]

PIT_SIGMA_M = 0.007
RING_M = 0.02
ISOTROPY = 0.35
LATERAL_M = (0.03, 0.07)  # dimples' distance from the midline
SEARCH_M = 0.06  # about the buttocks' PSIS level
PAIR_LEVEL_M = 0.012
PAIR_SPREAD_M = 0.012
MIN_DEPTH_M = 0.002
NOISE_FACTOR = 5.0
PAIR_DEPTH_RATIO = 2.0


@dataclass(frozen=True)
class DimplePair:
    """Two dimples in frame P: ``(s, t)`` of each (metres) and the shallower's depth."""

    first_st_m: tuple[float, float]
    second_st_m: tuple[float, float]
    depth_m: float

    @property
    def level_s_m(self) -> float:
        return 0.5 * (self.first_st_m[0] + self.second_st_m[0])


def pit_depth_m(grid: HeightGrid) -> FloatArray:
    """Per cell, how far the skin lies below its ring ``RING_M`` around, where it is a
    pit (concave up in every direction, isotropic); 0 elsewhere. ``(n_s, n_t)``."""
    f = smooth_nan(grid.h_m, PIT_SIGMA_M / grid.cell_m)
    lo, hi = hessian_eigen(f, grid.cell_m)
    k = max(1, round(RING_M / grid.cell_m))
    ring = []
    for a in np.linspace(0, 2 * np.pi, 8, endpoint=False):
        di, dj = round(k * np.cos(a)), round(k * np.sin(a))
        ring.append(np.roll(np.roll(f, -di, 0), -dj, 1))
    with np.errstate(invalid="ignore"):
        depth = np.nanmean(np.stack(ring), axis=0) - f
        pit = (lo > 0) & (lo >= ISOTROPY * hi) & np.isfinite(depth)
    return np.asarray(np.where(pit, depth, 0.0), dtype=np.float64)


def find_dimples(grid: HeightGrid, mid: Any, s_guess_m: float) -> DimplePair | None:
    """The dimple pair nearest in strength to the PSIS level ``s_guess_m``, or None."""
    depth = pit_depth_m(grid)
    f = smooth_nan(grid.h_m, PIT_SIGMA_M / grid.cell_m)
    noise = grid_noise_m(grid.h_m, f) * grid.cell_m / (2 * np.sqrt(np.pi) * PIT_SIGMA_M)
    need = max(MIN_DEPTH_M, NOISE_FACTOR * noise) if np.isfinite(noise) else np.inf
    rows = np.flatnonzero(np.abs(grid.s_m - s_guess_m) <= SEARCH_M)
    if rows.size == 0 or not np.isfinite(need):
        return None
    win = (max(1, round(PAIR_LEVEL_M / grid.cell_m)) * 2 + 1, 1)
    best: tuple[float, int, float] | None = None
    offs = np.arange(LATERAL_M[0], LATERAL_M[1] + 1e-9, 0.5 * grid.cell_m)
    spread = max(1, round(PAIR_SPREAD_M / (0.5 * grid.cell_m)))
    near = ndimage.maximum_filter(depth, size=win, mode="constant")
    for i in rows:
        c = float(mid(grid.s_m[i]))
        left = np.interp(c + offs, grid.t_m, near[i], left=0.0, right=0.0)
        right = np.interp(c - offs, grid.t_m, near[i], left=0.0, right=0.0)
        left = ndimage.maximum_filter1d(left, 2 * spread + 1)
        pair = np.minimum(left, right)
        k = int(np.argmax(pair))
        if pair[k] >= need and (best is None or pair[k] > best[0]):
            best = (float(pair[k]), int(i), float(offs[k]))
    if best is None:
        return None
    _, i_row, off = best
    c = float(mid(grid.s_m[i_row]))
    sides = []
    for sgn in (1.0, -1.0):
        box = _box(grid, grid.s_m[i_row], c + sgn * off)
        sub = depth[box]
        ii, jj = np.unravel_index(int(np.argmax(sub)), sub.shape)
        sides.append((float(grid.s_m[box[0]][ii]), float(grid.t_m[box[1]][jj]), float(sub[ii, jj])))
    (s1, t1, d1), (s2, t2, d2) = sides
    # Both pits deep enough on their own, and alike: a dimple pair is symmetric.
    if min(d1, d2) < need or max(d1, d2) > PAIR_DEPTH_RATIO * min(d1, d2):
        return None
    if abs(abs(t1 - c) - abs(t2 - c)) > PAIR_SPREAD_M or abs(s1 - s2) > PAIR_LEVEL_M:
        return None
    return DimplePair((s1, t1), (s2, t2), min(d1, d2))


def _box(grid: HeightGrid, s_m: float, t_m: float) -> tuple[slice, slice]:
    i = round((s_m - grid.s0_m) / grid.cell_m)
    j = round((t_m - grid.t0_m) / grid.cell_m)
    ki = max(1, round(PAIR_LEVEL_M / grid.cell_m))
    kj = max(1, round(PAIR_SPREAD_M / grid.cell_m))
    return (
        slice(max(i - ki, 0), min(i + ki + 1, grid.h_m.shape[0])),
        slice(max(j - kj, 0), min(j + kj + 1, grid.h_m.shape[1])),
    )
