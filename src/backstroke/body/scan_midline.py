"""The spine's midline and the back's ends (C7, PSIS level) on the height grid of frame P.

* Midline: each cross-section of the back is mirror-symmetric about the spine (the
  paraspinal valley sits between two equal erector bulges and the ribs fall away
  evenly), so the midline's lateral position at ``s`` is the ``t`` that best matches
  the profile with its mirror image over the central 2.5–12 cm (arms and flanks are
  left out). The per-row centres are median-filtered and smoothed with a spline.
* C7: the vertebra prominens at the base of the neck, the knee where the skin midline
  leaves the upper back's trend to fall into the neck (:func:`c7_s_m`). The
  search is anchored on the shoulder tops (where, from the head down, the upper width
  reaches the shoulders' full width); without a step, C7 is taken
  ``C7_BELOW_SHOULDER_TOP_M`` caudal of the shoulder tops.
* PSIS level: the sacral dimples sit above the buttocks' apex. On the paramedian
  profile (6 cm either side of the midline, over the glutes and the erectors) the
  apex is the highest point caudal of the lumbar valley (refined by a parabola);
  the PSIS lies ``APEX_TO_PSIS_M`` cranial of it. When the rise from the valley to
  the apex is too shallow to read (under 1.5 cm), the back length falls back on
  DESIGN §5 (0.51 m).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.interpolate import UnivariateSpline
from scipy.ndimage import median_filter

from backstroke.body.scan_axis import HeightGrid, top_height_m, upper_width_m

FloatArray = NDArray[np.float64]

C7_BELOW_SHOULDER_TOP_M = 0.041  # fallback when no knee is found
NECK_STEP_M = 0.008
NECK_FALL_M = 0.015
KNEE_M = 0.002
PROMINENS_SEARCH_M = 0.025  # C7 searched this far caudal of the knee
PROMINENS_RISE_M = 0.001  # a prominens rises this much over the stretch caudal of it
APEX_TO_PSIS_M = 0.088
DEFAULT_BACK_LENGTH_M = 0.51
SYMMETRY_BAND_M = (0.025, 0.12)
CUT_SLOPES = np.linspace(-0.15, 0.15, 7)  # cut directions tried per row (dt/ds)
PARAMEDIAN_M = 0.06
NECK_GAP_FRACTION = 0.6  # of the widths either side: a neck, not the upper back
NECK_GAP_SPAN_M = 0.15


@dataclass(frozen=True)
class Midline:
    """The midline in frame P: ``t_m`` at every ``s_m`` (both ``(K,)``), PSIS → C7."""

    s_m: FloatArray
    t_m: FloatArray
    s_psis_m: float
    s_c7_m: float
    psis_from_shape: bool


def shoulder_top_s_m(grid: HeightGrid) -> float:
    """``s`` where, from the head down, the upper width first reaches 80 % of full.

    A wide band beside the head (elbows out, hands under the forehead) reaches it too,
    but caudal of it, within ``NECK_GAP_SPAN_M``, lies a neck: a row narrower than
    ``NECK_GAP_FRACTION`` of both the band and the shoulders caudal of it. The upper
    back just below the shoulder tops is never that much narrower than both, so such
    a band is passed over for the next one caudal of the neck.
    """
    w = upper_width_m(grid, top_height_m(grid))
    full = float(np.percentile(w[w > 0], 95))
    rows = np.flatnonzero(w >= 0.8 * full)
    j = int(rows[-1])
    span = round(NECK_GAP_SPAN_M / grid.cell_m)
    while j > span:
        lo = j - span
        g = lo + int(np.argmin(w[lo:j]))
        band, caudal = float(w[g : j + 1].max()), float(w[lo : g + 1].max())
        if caudal < 0.8 * full or w[g] >= NECK_GAP_FRACTION * min(band, caudal):
            break
        j = int(rows[rows < g][-1])
    return float(grid.s_m[j])


def midline_profile_m(grid: HeightGrid, mid: UnivariateSpline) -> FloatArray:
    """Height ``(n_s,)`` on the midline (median over ±1.5 cm), per row; NaN where unseen."""
    out = np.full(grid.h_m.shape[0], np.nan)
    for i, s in enumerate(grid.s_m):
        prof = _row_profile(grid, i)
        c = float(mid(s))
        band = prof[np.abs(grid.t_m - c) <= 0.015]
        if np.isfinite(band).any():
            out[i] = float(np.nanmedian(band))
    return out


def c7_s_m(grid: HeightGrid, mid: UnivariateSpline, s_top_m: float) -> float | None:
    """``s`` of C7: the knee where the skin midline leaves the back for the neck.

    Walking toward the head from ``s_top_m - 0.10`` to ``s_top_m + 0.12``, each row's
    midline height is compared with the line fitted to the 4 cm of midline 1.5 cm
    caudal of it. The fall into the neck is the first row more than ``NECK_STEP_M``
    below that line with most of the next 2 cm seen also below it (the neck, not a
    noisy row) and the skin within 5 cm falling ``NECK_FALL_M`` below the line (the
    neck, not the back's own curvature). The knee is the last row before the fall
    still within ``KNEE_M`` of the line (the fall itself is often a hole and does not
    move it); C7, the most prominent point at the base of the neck, is the highest row
    above the line within ``PROMINENS_SEARCH_M`` caudal of the knee
    (:func:`prominens_s_m`).
    """
    hm = midline_profile_m(grid, mid)
    s = grid.s_m
    step = grid.cell_m
    n_fit = round(0.04 / step)
    gap = round(0.015 / step)
    ahead = max(2, round(0.02 / step))
    start = int(np.searchsorted(s, s_top_m - 0.10))
    stop = int(np.searchsorted(s, s_top_m + 0.12))
    for i in range(max(start, n_fit + gap), min(stop, len(s) - ahead)):
        if not np.isfinite(hm[i]):
            continue
        # The trend: the last 4 cm of midline seen at least 1.5 cm caudal of the row
        # (the fall into the neck is often a hole several centimetres long).
        hi = i - gap
        seen = np.flatnonzero(np.isfinite(hm[max(hi - 3 * n_fit, 0) : hi]))
        if seen.size < 0.6 * n_fit:
            continue
        lo = max(hi - 3 * n_fit, 0) + int(seen[max(seen.size - n_fit, 0)])
        ok = np.isfinite(hm[lo:hi])
        a, b = np.polyfit(s[lo:hi][ok], hm[lo:hi][ok], 1)
        if hm[i] >= a * s[i] + b - NECK_STEP_M:
            continue
        nxt = hm[i + 1 : i + ahead + 1]
        below = a * s[i + 1 : i + ahead + 1] + b - nxt
        below = below[np.isfinite(below)]
        if below.size == 0 or np.mean(below > NECK_STEP_M) < 0.6:
            continue
        prev = np.flatnonzero(np.isfinite(hm[lo:i]) & (hm[lo:i] >= a * s[lo:i] + b - KNEE_M))
        after = hm[i : i + round(0.05 / step) + 1]
        neck = float(np.nanmin(after))
        if a * s[i] + b - neck < NECK_FALL_M:
            continue  # the back curving away, not the fall into the neck
        s_knee = float(s[lo + prev[-1]]) if prev.size else float(s[i - 1])
        w = (s >= s_knee - PROMINENS_SEARCH_M) & (s <= s_knee) & np.isfinite(hm)
        return prominens_s_m(s[w], hm[w] - (a * s[w] + b), s_knee)
    return None


def prominens_s_m(s_m: FloatArray, above_m: FloatArray, s_knee_m: float) -> float:
    """C7, the vertebra prominens: the most prominent row of the stretch ``s_m`` caudal
    of the knee (``above_m``: each row's height above the back's trend), refined by a
    parabola through its neighbours.

    The knee itself (the last row on the trend before the fall into the neck) lies on
    the prominens' cranial side or beyond it (the neck's skin often continues level for
    1–2 cm before it falls, mostly unseen): on the slices and the loft it put C7
    1–2.3 cm cranial of the prominens, which stands 1–5 mm above the trend. Where the
    back rounds smoothly into the neck without a prominens (the shell, the
    signed-distance body) the stretch is flat or falls, its highest row anywhere on a
    noisy flat one (shell-4: 2.5 cm caudal): unless a row rises ``PROMINENS_RISE_M``
    over the rows caudal of it, the knee is C7.
    """
    k = int(np.argmax(above_m)) if len(s_m) else 0
    if k == 0 or float(above_m[k] - np.min(above_m[:k])) < PROMINENS_RISE_M:
        return s_knee_m  # no prominens stands out of a flat or falling stretch
    best = float(s_m[k])
    if 0 < k < len(s_m) - 1:
        a, b, c = above_m[k - 1 : k + 2]
        den = a - 2 * b + c
        if den < 0:
            best += float(0.5 * (a - c) / den * (s_m[k + 1] - s_m[k - 1]) / 2)
    return best


def _row_profile(grid: HeightGrid, i: int) -> FloatArray:
    lo, hi = max(i - 1, 0), min(i + 2, grid.h_m.shape[0])
    band = grid.h_m[lo:hi]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns stay NaN
        prof = np.nanmedian(band, axis=0)
    ok = np.isfinite(prof)
    if ok.sum() < 8:
        return np.full(grid.h_m.shape[1], np.nan)
    return np.asarray(np.interp(grid.t_m, grid.t_m[ok], prof[ok], left=np.nan, right=np.nan))


def symmetric_centre_m(
    t_m: FloatArray, h_m: FloatArray, guess_m: float, with_cost: bool = False
) -> Any:
    """The ``t`` about which the profile ``h_m(t_m)`` is most mirror-symmetric (NaN-aware).

    With ``with_cost``: ``(t, cost)``, the cost the mean squared mirror difference.
    """
    ok = np.isfinite(h_m)
    if ok.sum() < 10:
        return None
    tt, hh = t_m[ok], h_m[ok]
    cands = guess_m + np.arange(-0.04, 0.0405, 0.001)
    off = np.arange(SYMMETRY_BAND_M[0], SYMMETRY_BAND_M[1], 0.004)
    right = np.interp(cands[:, None] - off[None, :], tt, hh, left=np.nan, right=np.nan)
    left = np.interp(cands[:, None] + off[None, :], tt, hh, left=np.nan, right=np.nan)
    d2 = (left - right) ** 2
    valid = np.isfinite(d2)
    n = valid.sum(axis=1)
    cost = np.where(n >= 8, np.nansum(d2, axis=1) / np.maximum(n, 1), np.inf)
    k = int(np.argmin(cost))
    if not np.isfinite(cost[k]):
        return None
    t_best = float(cands[k])
    if 0 < k < len(cands) - 1 and np.all(np.isfinite(cost[k - 1 : k + 2])):
        a, b, c = cost[k - 1 : k + 2]
        den = a - 2 * b + c
        if den > 0:
            t_best = float(cands[k] + 0.001 * 0.5 * (a - c) / den)
    return (t_best, float(cost[k])) if with_cost else t_best


def _cross_profile(grid: HeightGrid, i: int, centre_m: float, slope: float) -> FloatArray:
    """Row ``i``'s profile over ``grid.t_m``, cut square to a midline of slope ``dt/ds``.

    Where the spine bends sideways, the torso's cross-sections turn with it: a cut at
    constant ``s`` crosses the two sides at different levels and is not symmetric. The
    cell at lateral ``t`` is read ``-slope·(t − centre)`` along ``s`` from the row.
    """
    if abs(slope) < 1e-3:
        return _row_profile(grid, i)
    rows = np.rint(i - slope * (grid.t_m - centre_m) / grid.cell_m).astype(int)
    ok = (rows >= 1) & (rows < grid.h_m.shape[0] - 1)
    cols = np.arange(grid.h_m.shape[1])
    prof = np.full(grid.h_m.shape[1], np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN cells stay NaN
        band = np.stack([grid.h_m[rows[ok] + k, cols[ok]] for k in (-1, 0, 1)])
        prof[ok] = np.nanmedian(band, axis=0)
    good = np.isfinite(prof)
    if good.sum() < 8:
        return np.full(grid.h_m.shape[1], np.nan)
    return np.asarray(np.interp(grid.t_m, grid.t_m[good], prof[good], left=np.nan, right=np.nan))


def midline_centres(
    grid: HeightGrid,
    s_lo_m: float,
    s_hi_m: float,
    guess_m: float = 0.0,
    along: UnivariateSpline | None = None,
) -> tuple[FloatArray, FloatArray]:
    """Raw symmetric centres ``(s, t)`` of the rows within ``[s_lo_m, s_hi_m]``.

    With ``along`` (a previous midline ``t(s)``), each row is cut square to it and its
    centre searched about it; else the rows are cut at constant ``s`` about ``guess_m``.
    """
    s_out, t_out = [], []
    rows = np.flatnonzero((grid.s_m >= s_lo_m) & (grid.s_m <= s_hi_m))
    slopes = np.zeros(len(rows))
    if along is not None:
        # The cut direction per row (the most mirror-symmetric), median-filtered along
        # the back: a row's own choice among the directions is noisy.
        for k, i in enumerate(rows):
            g = float(along(grid.s_m[i]))
            costs = []
            for slope in CUT_SLOPES:
                found = symmetric_centre_m(
                    grid.t_m, _cross_profile(grid, int(i), g, float(slope)), g, with_cost=True
                )
                costs.append(np.inf if found is None else found[1])
            slopes[k] = CUT_SLOPES[int(np.argmin(costs))] if np.isfinite(min(costs)) else 0.0
        slopes = median_filter(slopes, size=9, mode="nearest")
    for k, i in enumerate(rows):
        s = float(grid.s_m[i])
        if along is None:
            c = symmetric_centre_m(grid.t_m, _row_profile(grid, int(i)), guess_m)
        else:
            g = float(along(s))
            c = symmetric_centre_m(grid.t_m, _cross_profile(grid, int(i), g, float(slopes[k])), g)
        if c is not None:
            s_out.append(s)
            t_out.append(c)
    return np.asarray(s_out), np.asarray(t_out)


def smooth_midline(s_m: FloatArray, t_m: FloatArray, noise_m: float = 0.002) -> UnivariateSpline:
    """A smoothing spline ``t(s)`` through median-filtered centres."""
    t = median_filter(t_m, size=7, mode="nearest")
    resid = t_m - t
    keep = np.abs(resid) < max(4 * 1.4826 * float(np.median(np.abs(resid))), 0.003)
    # Beyond the rows it was fitted on it stays at its end value (ext=3): a cubic's
    # extrapolation runs off the body within centimetres.
    return UnivariateSpline(s_m[keep], t_m[keep], k=3, s=int(keep.sum()) * noise_m**2, ext=3)


def paramedian_profile_m(grid: HeightGrid, mid: UnivariateSpline) -> FloatArray:
    """Mean height ``(n_s,)`` PARAMEDIAN_M either side of the midline, per row."""
    out = np.full(grid.h_m.shape[0], np.nan)
    for i, s in enumerate(grid.s_m):
        prof = _row_profile(grid, i)
        c = float(mid(s))
        vals = np.interp([c - PARAMEDIAN_M, c + PARAMEDIAN_M], grid.t_m, prof)
        out[i] = float(np.nanmean(vals)) if np.any(np.isfinite(vals)) else np.nan
    ok = np.isfinite(out)
    if ok.sum() >= 2:
        out = np.interp(grid.s_m, grid.s_m[ok], out[ok])
    k = max(1, round(0.015 / grid.cell_m))
    pad = np.pad(out, k, mode="edge")
    return np.asarray(np.convolve(pad, np.ones(2 * k + 1) / (2 * k + 1), mode="valid"))


def psis_s_m(grid: HeightGrid, mid: UnivariateSpline, s_c7_m: float) -> tuple[float, bool]:
    """``s`` of the PSIS level and whether it came from the gluteal rise (else proportion)."""
    hp = paramedian_profile_m(grid, mid)
    s = grid.s_m
    fallback = s_c7_m - DEFAULT_BACK_LENGTH_M
    glute = (s >= s_c7_m - 0.78) & (s <= s_c7_m - 0.38)
    if glute.sum() < 5:
        return fallback, False
    ig = int(np.flatnonzero(glute)[np.argmax(hp[glute])])
    lumbar = (s > s[ig]) & (s <= s_c7_m - 0.22)
    if lumbar.sum() < 5:
        return fallback, False
    iv = int(np.flatnonzero(lumbar)[np.argmin(hp[lumbar])])
    rise = hp[ig] - hp[iv]
    if rise < 0.015:
        return fallback, False
    apex = float(s[ig])
    if 0 < ig < len(s) - 1:
        a, b, c = hp[ig - 1 : ig + 2]
        den = a - 2 * b + c
        if den < 0:
            apex += 0.5 * (a - c) / den * (s[1] - s[0])
    return apex + APEX_TO_PSIS_M, True
