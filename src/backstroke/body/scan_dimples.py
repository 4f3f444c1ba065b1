"""The PSIS from the dimples of Venus: a pair of pits either side of the sacrum.

The posterior superior iliac spines lie under two skin dimples 3–7 cm either side of
the midline, just above the buttocks. A dimple is a *pit*, found by a matched filter
on the height grid of frame P (median per cell): within ``FIT_RADIUS_M`` of a cell the
heights are fitted by least squares with a quadratic (the skin's own shape) plus a
round Gaussian pit of σ ``PIT_SIGMA_M``; the cell is a pit where the pit's depth is at
least ``MIN_DEPTH_M`` with a t statistic of at least ``MIN_T`` (its standard error
from the fit's residuals), and the round pit fits better than a pit stretched 3× along
any of four directions (a crease, such as where the buttocks meet the back or the
erectors' edge). A pair is two pits mirror images of each other across the midline (the
mirror of one within the ellipse of semi-axes ``PAIR_LEVEL_M`` along the spine and
``PAIR_SPREAD_M`` across of the other) and alike in depth (within
``PAIR_DEPTH_RATIO``), searched within ``SEARCH_M`` of the PSIS level the buttocks
give; else there is no pair and the PSIS level stays as the buttocks (or the
proportions) give it.

What the generators show: the parametric body and the phantom have no dimples; the
slices bury theirs under the buttocks' ellipsoids; the loft's 3.5 mm dimples sit on
the erectors' slope; the shell's 2–4 mm dimples lie 6–15 cm above the buttocks' apex.
Each pit of a pair needs t ≥ ``MIN_T`` (4; at 3, with a joint
pair test (t1 + t2)/√2 ≥ 4.5, a parametric body without dimples gave a false pair).
Pits deeper than ``MAX_DEPTH_M`` (6 mm) are folds or
creases, not dimples of Venus (at t ≥ 3 the phantom's sacral crease gave two
false pairs without this cap; session 11: at 8 mm the sixth generator's dimples, read
5.6–7.4 mm deep at t 4–10, were found on 3 more of its first 10 scans, but a parametric
body without dimples gave a pair 7.7 and 4.9 mm deep at t 3.8 and 2.8: a deep pit
that is only faintly significant is the skin's shape, not a dimple; kept at 6 mm).
The search spans ``SEARCH_M``
(10 cm) about the buttocks' guess: the apex-to-PSIS distance varies more across
people than the 8.8 cm rule assumes.
Counts on the bench's scans are in docs/scan.md; the finder is for a camera that sees
dimples clearly; ``quality.landmarks_from.psis`` says whether it did.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage

from backstroke.body.scan_axis import HeightGrid

FloatArray = NDArray[np.float64]

PIT_SIGMA_M = 0.009
FIT_RADIUS_M = 0.03
MIN_T = 2.5  # each pit of a pair
PAIR_T = 4.5  # both pits together, (t1 + t2) / sqrt(2)
LATERAL_M = (0.03, 0.07)  # dimples' distance from the midline
SEARCH_M = 0.10  # about the buttocks' PSIS level (apex to PSIS varies 6-15 cm)
PAIR_LEVEL_M = 0.012
PAIR_SPREAD_M = 0.012
MIN_DEPTH_M = 0.001
MAX_DEPTH_M = 0.006  # dimples of Venus are shallow; a deeper pit is a fold or crease
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


def _designs(cell_m: float) -> tuple[NDArray[np.int64], list[FloatArray]]:
    """Disk cell offsets ``(K, 2)`` and the design matrices ``(K, 7)`` of the local
    model: a quadratic (the skin's own shape) plus one pit, isotropic (first) or
    stretched along one of four directions (the crease alternatives)."""
    n = int(np.ceil(FIT_RADIUS_M / cell_m))
    ii, jj = np.mgrid[-n : n + 1, -n : n + 1]
    keep = np.hypot(ii, jj) * cell_m <= FIT_RADIUS_M
    off = np.stack([ii[keep], jj[keep]], axis=1)
    ds, dt = off[:, 0] * cell_m, off[:, 1] * cell_m
    base = [np.ones_like(ds), ds, dt, ds * ds, ds * dt, dt * dt]
    out = [np.stack([*base, -np.exp(-(ds**2 + dt**2) / (2 * PIT_SIGMA_M**2))], axis=1)]
    for a in np.linspace(0, np.pi, 4, endpoint=False):
        along = ds * np.cos(a) + dt * np.sin(a)
        across = -ds * np.sin(a) + dt * np.cos(a)
        g = -np.exp(-(across**2) / (2 * PIT_SIGMA_M**2) - along**2 / (2 * (3 * PIT_SIGMA_M) ** 2))
        out.append(np.stack([*base, g], axis=1))
    return off, out


def pit_fit(grid: HeightGrid, i: int, j: int, designs: Any) -> tuple[float, float, bool]:
    """At cell ``(i, j)``: the pit's depth (m), its t statistic, and whether the round
    pit explains the skin better than any crease (stretched pit) does."""
    off, mats = designs
    rr, cc = off[:, 0] + i, off[:, 1] + j
    inside = (rr >= 0) & (rr < grid.h_m.shape[0]) & (cc >= 0) & (cc < grid.h_m.shape[1])
    h = np.full(len(off), np.nan)
    h[inside] = grid.h_m[rr[inside], cc[inside]]
    ok = np.isfinite(h)
    if ok.sum() < 0.6 * len(off):
        return 0.0, 0.0, False
    y = h[ok]
    sse = []
    amp = tstat = 0.0
    for k, x in enumerate(mats):
        xk = x[ok]
        coef = np.linalg.lstsq(xk, y, rcond=None)[0]
        r = y - xk @ coef
        sse.append(float(r @ r))
        if k == 0:
            dof = max(len(y) - xk.shape[1], 1)
            var = sse[0] / dof
            cov = np.linalg.pinv(xk.T @ xk)
            amp = float(coef[-1])
            tstat = amp / float(np.sqrt(max(var * cov[-1, -1], 1e-18)))
    return amp, tstat, sse[0] <= min(sse[1:])


def pit_depth_m(
    grid: HeightGrid, rows: NDArray[np.int64], mid: Any, t_out: FloatArray | None = None
) -> FloatArray:
    """Pit depth per cell (m) where a round pit is significant (t ≥ ``MIN_T``, deeper
    than ``MIN_DEPTH_M`` and better than a crease), over the given rows 3–7 cm either
    side of the midline; 0 elsewhere. ``(n_s, n_t)``. ``t_out`` (same shape), when
    given, receives those cells' t statistics."""
    designs = _designs(grid.cell_m)
    out = np.zeros_like(grid.h_m)
    for i in rows:
        c = float(mid(grid.s_m[i]))
        lat = np.abs(grid.t_m - c)
        for j in np.flatnonzero((lat >= LATERAL_M[0] - 0.01) & (lat <= LATERAL_M[1] + 0.01)):
            amp, tstat, round_pit = pit_fit(grid, int(i), int(j), designs)
            if round_pit and tstat >= MIN_T and amp >= MIN_DEPTH_M:
                out[i, j] = amp
                if t_out is not None:
                    t_out[i, j] = tstat
    return out


def find_dimples(grid: HeightGrid, mid: Any, s_guess_m: float) -> DimplePair | None:
    """The dimple pair nearest in strength to the PSIS level ``s_guess_m``, or None."""
    rows = np.flatnonzero(np.abs(grid.s_m - s_guess_m) <= SEARCH_M)
    if rows.size == 0:
        return None
    tstat = np.zeros_like(grid.h_m)
    depth = pit_depth_m(grid, rows, mid, tstat)
    need = MIN_DEPTH_M
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
    strength: list[float] = []
    for sgn in (1.0, -1.0):
        box = _box(grid, grid.s_m[i_row], c + sgn * off)
        sub = depth[box]
        ii, jj = np.unravel_index(int(np.argmax(sub)), sub.shape)
        sides.append((float(grid.s_m[box[0]][ii]), float(grid.t_m[box[1]][jj]), float(sub[ii, jj])))
        strength.append(float(tstat[box][ii, jj]))
    (s1, t1, d1), (s2, t2, d2) = sides
    # Each pit alone may be faint (t >= MIN_T); the pair together must be clear.
    if sum(strength) / np.sqrt(2.0) < PAIR_T:
        return None
    # Both pits deep enough on their own, and alike: a dimple pair is symmetric.
    if min(d1, d2) < need or max(d1, d2) > min(PAIR_DEPTH_RATIO * min(d1, d2), MAX_DEPTH_M):
        return None
    # One pit's mirror image across the midline lies near the other: within a disk, not
    # a box (session 11: the phantom, which has no dimples, gave a pair 11 mm apart in
    # level and 10 mm in distance from the midline, each just inside its own limit).
    level_off = abs(s1 - s2) / PAIR_LEVEL_M
    spread_off = abs(abs(t1 - c) - abs(t2 - c)) / PAIR_SPREAD_M
    if np.hypot(level_off, spread_off) > 1.0:
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
