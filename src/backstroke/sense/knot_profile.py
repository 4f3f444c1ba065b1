"""One strip's knots: local stiffness peaks along one leg of one lane (DESIGN §1, §6.3).

The secant stiffness is binned every millimetre along the back and divided by its
running median over ±10 mm. That neighbourhood is short enough to follow the back's own
variation (ribs and segments make 3–5 cm humps of ±25 %), and long enough that a knot
(5–15 mm across) does not carry its own baseline along. A knot is a run of bins at least
``min_width_m`` wide where the ratio exceeds the threshold and falls back below it on
both sides (a local maximum, not the rising end of a strip, and above *both* 10 mm
flanks by half the threshold's excess, not the high side of a step), its peak at least
``EDGE_M`` (5 mm) from either end of the strip, and within ``END_ZONE_M`` (12 mm) of one
twice the threshold's excess. The threshold is ``ratio_threshold`` (1.05), or five
times the strip's robust noise in the ratio when that is higher.

Under a thumb-sized contact a 2× knot 5–10 mm across reads only 1.05–1.4× (the pad
averages it with the tissue around), which is why the threshold is low. The reported
``stiffness_ratio`` is the peak over the median of the 10 mm just outside the run on
both sides.

Distances along the back are ``Δu × back_length_m``; across it, ``v`` is already in
metres on the skin.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import ArrayLike, NDArray

from backstroke.sense.knot_merge import KnotDetection
from backstroke.sense.knot_strips import MIDLINE_BAND_M
from backstroke.sense.stiffness import binned_median

DEFAULT_BACK_LENGTH_M = 0.51
RATIO_THRESHOLD = 1.05
NOISE_FACTOR = 5.0
WINDOW_M = 0.010
FLANK_M = 0.010
# Knots closer than this to a strip's end are not reported: the thumb slows down in the
# last few millimetres, so anything that varies in time piles up in a few bins. No
# more: a scapula's keep-out ends the outer lanes 8–14 mm from knots kept clear of it.
EDGE_M = 0.005
# Within this of an end a knot must stand out by END_ZONE_EXCESS times the threshold's
# excess (a one-sided median there, and fewer bins to tell noise by).
END_ZONE_M = 0.012
END_ZONE_EXCESS = 2.0
# A run counts only if its peak exceeds the higher flank by this share of the threshold.
STEP_MARGIN = 0.5
BIN_M = 0.001
MIN_WIDTH_M = 0.003
_MAX_GAP_BINS = 3


def _fill_gaps(prof: NDArray[np.float64], max_gap: int) -> NDArray[np.float64]:
    """Linear fill of NaN runs of at most ``max_gap`` bins between finite bins."""
    out = prof.copy()
    fin = np.flatnonzero(np.isfinite(out))
    if fin.size < 2:
        return out
    gaps = np.flatnonzero(np.diff(fin) > 1)
    for g in gaps:
        a, b = int(fin[g]), int(fin[g + 1])
        if b - a - 1 <= max_gap:
            out[a + 1 : b] = np.interp(np.arange(a + 1, b), [a, b], [out[a], out[b]])
    return out


def _running_median(prof: NDArray[np.float64], half: int) -> NDArray[np.float64]:
    """NaN-aware median over ``[-half, half]`` bins around each bin (NaN if < 5 values)."""
    n = prof.size
    padded = np.concatenate([np.full(half, np.nan), prof, np.full(half, np.nan)])
    win = sliding_window_view(padded, 2 * half + 1)
    counts = np.sum(np.isfinite(win), axis=1)
    out = np.full(n, np.nan)
    enough = counts >= min(5, half + 1)
    if np.any(enough):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            out[enough] = np.nanmedian(win[enough], axis=1)
    return out


def column_or_nan(x: ArrayLike | None, n: int) -> NDArray[np.float64]:
    """An optional ``(n,)`` column as float64; all NaN when not given."""
    if x is None:
        return np.full(n, np.nan)
    arr = np.asarray(x, dtype=np.float64)
    if arr.shape != (n,):
        raise ValueError(f"expected shape ({n},), got {arr.shape}")
    return arr


def finite_median(x: NDArray[np.float64]) -> float:
    """Median of the finite values; NaN when there are none."""
    x = x[np.isfinite(x)]
    return float(np.median(x)) if x.size else float("nan")


def strip_knots(
    u: ArrayLike,
    v: ArrayLike,
    stiffness_n_m: ArrayLike,
    *,
    pass_index: int = 0,
    back_length_m: float = DEFAULT_BACK_LENGTH_M,
    ratio_threshold: float = RATIO_THRESHOLD,
    window_m: float = WINDOW_M,
    min_width_m: float = MIN_WIDTH_M,
    bin_m: float = BIN_M,
    x_m: ArrayLike | None = None,
    y_m: ArrayLike | None = None,
    z_m: ArrayLike | None = None,
) -> list[KnotDetection]:
    """Knots on one strip (one leg, one side).

    Args:
        u: ``(N,)`` chart coordinate of each sample.
        v: ``(N,)`` lateral chart coordinate, m.
        stiffness_n_m: ``(N,)`` secant stiffness, N/m, NaN where masked.
        pass_index: recorded in the detections.
        back_length_m: converts u to metres along the back.
        ratio_threshold: stiffness over its running median needed for a knot (the
            strip's noise can raise it: five robust standard deviations).
        window_m: half-width of the running median, m.
        min_width_m: narrowest run above the threshold that counts, m.
        bin_m: bin length along the back, m.
        x_m, y_m, z_m: optional ``(N,)`` positions, m.

    Returns:
        Detections in increasing u.
    """
    uu = np.asarray(u, dtype=np.float64)
    n = uu.size
    vv, k = column_or_nan(v, n), column_or_nan(stiffness_n_m, n)
    xs, ys, zs = column_or_nan(x_m, n), column_or_nan(y_m, n), column_or_nan(z_m, n)
    s = uu * back_length_m
    ok = np.isfinite(k) & np.isfinite(s)
    if np.count_nonzero(ok) < 5:
        return []
    s0 = float(s[ok].min())
    length = float(s[ok].max()) - s0
    if length < 3 * window_m:
        return []
    nb = int(length / bin_m) + 1
    b = np.floor((s - s0) / bin_m).astype(np.int64)
    b[~ok] = -1
    prof, _ = binned_median(k[ok], b[ok], nb)
    prof = _fill_gaps(prof, _MAX_GAP_BINS)
    half = max(2, round(window_m / bin_m))
    base = _running_median(prof, half)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = prof / base
    dev = ratio[np.isfinite(ratio)] - 1.0
    noise = 1.4826 * float(np.median(np.abs(dev - np.median(dev)))) if dev.size else 0.0
    threshold = max(ratio_threshold, 1.0 + NOISE_FACTOR * noise)
    above = np.isfinite(ratio) & (ratio > threshold)
    edges = np.diff(np.concatenate([[0], above.astype(np.int8), [0]]))
    starts, stops = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    min_bins = max(1, math.ceil(min_width_m / bin_m - 1e-9))
    flank = max(1, round(FLANK_M / bin_m))
    edge = round(EDGE_M / bin_m)
    end_zone = round(END_ZONE_M / bin_m)
    measured = np.flatnonzero(np.isfinite(prof))
    first_bin, last_bin = int(measured[0]), int(measured[-1])
    out: list[KnotDetection] = []
    for a, e in zip(starts.tolist(), stops.tolist(), strict=True):
        if e - a < min_bins:
            continue
        # A local maximum: the ratio is measured, and low, on both sides; off the ends.
        if a == 0 or e >= nb or not np.isfinite(ratio[a - 1]) or not np.isfinite(ratio[e]):
            continue
        seg = ratio[a:e]
        peak = a + int(np.argmax(seg))
        # The peak off the ends (its run may reach closer: a knot cut by the lane's end
        # still falls back below the threshold before it).
        if peak < first_bin + edge or peak > last_bin - edge:
            continue
        # Near an end the median is one-sided and the thumb slowing: twice the excess.
        near_end = peak < first_bin + end_zone or peak > last_bin - end_zone
        if near_end and seg.max() <= 1.0 + END_ZONE_EXCESS * (threshold - 1.0):
            continue
        w = seg - 1.0
        centres = s0 + (np.arange(a, e) + 0.5) * bin_m
        centre_m = float(np.sum(w * centres) / np.sum(w))
        left, right = prof[max(0, a - flank) : a], prof[e : e + flank]
        around = finite_median(np.concatenate([left, right]))
        strength = float(prof[peak] / around) if around > 0 else float(seg.max())
        # A peak stands above both flanks; the high side of a step (a softened region's
        # edge, a change of force) stands above one only.
        higher = max(finite_median(left), finite_median(right))
        if math.isfinite(higher) and prof[peak] < higher * (1.0 + STEP_MARGIN * (threshold - 1)):
            continue
        half_excess = 0.5 * (float(ratio[peak]) - 1.0)
        lo_i, hi_i = peak, peak
        while lo_i > 0 and np.isfinite(ratio[lo_i - 1]) and ratio[lo_i - 1] - 1.0 > half_excess:
            lo_i -= 1
        while (
            hi_i < nb - 1 and np.isfinite(ratio[hi_i + 1]) and ratio[hi_i + 1] - 1.0 > half_excess
        ):
            hi_i += 1
        sel = (b >= a) & (b < e)
        v_here = finite_median(vv[sel])
        out.append(
            KnotDetection(
                u=centre_m / back_length_m,
                v=v_here,
                x_m=finite_median(xs[sel]),
                y_m=finite_median(ys[sel]),
                z_m=finite_median(zs[sel]),
                stiffness_ratio=max(strength, float(seg.max())),
                pass_index=int(pass_index),
                side=_side(v_here),
                width_m=(hi_i - lo_i + 1) * bin_m,
            )
        )
    return out


def _side(v: float) -> int:
    if not math.isfinite(v) or abs(v) < MIDLINE_BAND_M:
        return 0
    return 1 if v > 0 else -1
