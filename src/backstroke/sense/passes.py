"""Passes from the stroke's turning points (DESIGN §6.3).

A *pass* is one cycle of the chart coordinate ``u`` between consecutive turnarounds at
the same end: a glide that starts at the shoulders goes to the waist and back (one
pass), a thumb strip goes up and comes back down. Turnarounds are found with
hysteresis, so sensor noise, small wobbles and pauses (a dwell on a knot, a held beat at
the end of a stroke) never split a stroke. When a log carries its own ``pass_index``
column, that grouping wins.

All functions are pure; arrays are 1-D ``float64`` of one sample per entry.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

# Hysteresis in u: about 1 cm on a 0.51 m back (a few mm would also do; noise is << this).
DEFAULT_HYSTERESIS_U = 0.02
# A trailing piece after the last boundary shorter than this fraction of a typical
# pass's u range is part of the previous pass (e.g. a small move before lift-off).
_TAIL_FRACTION = 0.5
# A first sample farther than this fraction of the ends' distance from both ends starts
# mid-back: the stretch to the first turnaround is a lead-in.
_MID_START_FRACTION = 0.25
# Samples per block when thinning u before the zig-zag scan (min and max kept).
_THIN_BLOCK = 16


def _as_1d(x: ArrayLike, name: str) -> NDArray[np.float64]:
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {arr.shape}")
    return arr


def _thin(u: NDArray[np.float64]) -> NDArray[np.int64]:
    """Indices keeping each block's min and max (in time order): extrema survive thinning."""
    n = u.size
    if n <= 4 * _THIN_BLOCK:
        return np.arange(n, dtype=np.int64)
    nb = n // _THIN_BLOCK
    body = u[: nb * _THIN_BLOCK].reshape(nb, _THIN_BLOCK)
    base = np.arange(nb, dtype=np.int64) * _THIN_BLOCK
    lo = base + np.argmin(body, axis=1)
    hi = base + np.argmax(body, axis=1)
    tail = np.arange(nb * _THIN_BLOCK, n, dtype=np.int64)
    keep = np.concatenate([[0], lo, hi, tail, [n - 1]])
    return np.unique(keep)


def turnarounds(
    u: ArrayLike, hysteresis: float = DEFAULT_HYSTERESIS_U
) -> tuple[NDArray[np.int64], NDArray[np.int8]]:
    """Confirmed turning points of ``u``.

    A turning point is an extreme of ``u`` after which ``u`` moves back by more than
    ``hysteresis``. The start and the end of the record are never turnarounds. Where
    the stroke pauses at the extreme (a held beat), the turnaround is the middle of the
    pause: the run of samples within ``hysteresis / 2`` of the extreme value.

    Args:
        u: ``(N,)`` chart coordinate along the spine (0 waist .. 1 C7), finite.
        hysteresis: reversal needed to confirm a turnaround, in units of ``u``.

    Returns:
        ``(indices, kinds)``: ``(K,)`` int64 sample indices in increasing order and
        ``(K,)`` int8 kinds, ``+1`` for a maximum (toward the shoulders), ``-1`` for a
        minimum (toward the waist); kinds alternate.
    """
    arr = _as_1d(u, "u")
    if not hysteresis > 0:
        raise ValueError(f"hysteresis must be > 0, got {hysteresis}")
    if arr.size < 3:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int8)
    if not np.all(np.isfinite(arr)):
        raise ValueError("u must be finite")
    idx = _thin(arr)
    vals = arr[idx].tolist()
    found: list[int] = []
    kinds: list[int] = []
    direction = 0
    lo_i = hi_i = 0
    lo = hi = vals[0]
    for j in range(1, len(vals)):
        x = vals[j]
        if direction == 0:
            if x > hi:
                hi, hi_i = x, j
            if x < lo:
                lo, lo_i = x, j
            if x - lo > hysteresis:
                direction, hi, hi_i = 1, x, j
            elif hi - x > hysteresis:
                direction, lo, lo_i = -1, x, j
        elif direction > 0:
            if x > hi:
                hi, hi_i = x, j
            elif hi - x > hysteresis:
                found.append(hi_i)
                kinds.append(1)
                direction, lo, lo_i = -1, x, j
        else:
            if x < lo:
                lo, lo_i = x, j
            elif x - lo > hysteresis:
                found.append(lo_i)
                kinds.append(-1)
                direction, hi, hi_i = 1, x, j
    raw = idx[np.asarray(found, dtype=np.int64)]
    out = np.array(
        [_plateau_middle(arr, int(i), k, hysteresis / 2.0) for i, k in zip(raw, kinds, strict=True)]
    )
    return out.astype(np.int64).reshape(-1), np.asarray(kinds, dtype=np.int8)


def _plateau_middle(u: NDArray[np.float64], i: int, kind: int, tol: float) -> int:
    """Middle of the contiguous run around ``i`` where ``u`` stays within ``tol`` of u[i]."""
    ext = u[i]
    if kind > 0:
        inside_before = u[:i][::-1] >= ext - tol
        inside_after = u[i + 1 :] >= ext - tol
    else:
        inside_before = u[:i][::-1] <= ext + tol
        inside_after = u[i + 1 :] <= ext + tol
    nb = int(np.argmin(inside_before)) if not inside_before.all() else inside_before.size
    na = int(np.argmin(inside_after)) if not inside_after.all() else inside_after.size
    return (i - nb + i + na) // 2


def derive_pass_index(
    u: ArrayLike, hysteresis: float = DEFAULT_HYSTERESIS_U, loaded: ArrayLike | None = None
) -> NDArray[np.int64]:
    """Pass number of every sample from the turning points of ``u``.

    Pass boundaries are the turnarounds at the end the motion started from (the end
    nearer the first sample: the shoulders for a glide that starts there, the waist
    for a strip that starts low; for a record that starts mid-back, more than a
    quarter of the way from both ends, the end of its first turnaround: the hands were
    set down and moved to where the strokes begin). Pass ``k`` runs from boundary
    ``k - 1`` (inclusive) to boundary ``k``. A leading or trailing piece that never
    reaches the far end and covers less than half a typical pass's u range (a lead-in,
    a small move before lift-off) is merged into its neighbouring pass; given
    ``loaded``, so is one whose loaded samples cover less than that (a move in the air:
    the return after the last one-way stroke, the way to where the first begins).

    Args:
        u: ``(N,)`` chart coordinate along the spine, finite.
        hysteresis: see :func:`turnarounds`.
        loaded: optional ``(N,)`` bool, the samples in contact: a pass is a stroke on
            the back, not a move in the air.

    Returns:
        ``(N,)`` int64 pass numbers ``0 .. P-1``, non-decreasing. A record without any
        turnaround is one pass (all zeros).
    """
    arr = _as_1d(u, "u")
    n = arr.size
    on = None if loaded is None else np.asarray(loaded, dtype=bool)
    if on is not None and on.shape != arr.shape:
        raise ValueError(f"loaded {on.shape} and u {arr.shape} differ in shape")
    idx, kinds = turnarounds(arr, hysteresis)
    if idx.size == 0:
        return np.zeros(n, dtype=np.int64)
    tops, bottoms = arr[idx[kinds > 0]], arr[idx[kinds < 0]]
    mid_start = False
    if tops.size and bottoms.size:
        # The end the motion started from: the one nearer the first sample.
        top, bottom = float(np.median(tops)), float(np.median(bottoms))
        near_top = abs(arr[0] - top) < abs(arr[0] - bottom)
        start_end = 1 if near_top else -1
        # Hands set down mid-back and moved to one end first (a lead-in): the passes
        # start at the end the lead-in goes to, wherever the first sample lies.
        margin = _MID_START_FRACTION * abs(top - bottom)
        if min(abs(arr[0] - top), abs(arr[0] - bottom)) > margin:
            mid_start, start_end = True, int(kinds[0])
    else:
        start_end = -int(kinds[0])
    bounds = idx[kinds == start_end]
    pass_of = np.searchsorted(bounds, np.arange(n), side="right").astype(np.int64)
    spans = _pass_spans(pass_of)
    if len(spans) < 2:
        return pass_of
    ranges = [float(np.ptp(arr[a:b])) for a, b in spans]
    typical = float(np.median(ranges[1:-1])) if len(spans) >= 3 else max(ranges)
    far = idx[kinds != start_end]
    # "Reaches the far end": comes within half a typical range of the far turnarounds'
    # level. A wiggle that turns back near the start end (hands set down a little below
    # the shoulders, then moved up to begin) is a turnaround of the far kind but no visit
    # to the far end.
    far_level = float(np.median(arr[far])) if far.size else float("nan")

    def reaches_far(a: int, b: int) -> bool:
        if not far.size:
            return False
        return bool(np.any(np.abs(arr[a:b] - far_level) < _TAIL_FRACTION * typical))

    a, b = spans[-1]
    if ranges[-1] < _TAIL_FRACTION * typical and not reaches_far(a, b):
        pass_of[a:] -= 1
    elif on is not None and _loaded_range(arr, on, a, b) < _TAIL_FRACTION * typical:
        pass_of[a:] -= 1  # the return in the air after the last one-way stroke
    a, b = spans[0]
    lead_in = mid_start or (ranges[0] < _TAIL_FRACTION * typical and not reaches_far(a, b))
    lead_in |= on is not None and _loaded_range(arr, on, a, b) < _TAIL_FRACTION * typical
    if lead_in and pass_of[-1] > 0:
        pass_of[b:] -= 1
    return pass_of


def _loaded_range(u: NDArray[np.float64], on: NDArray[np.bool_], a: int, b: int) -> float:
    """The widest u range one unbroken run of loaded samples of ``[a, b)`` covers (0 when
    none is loaded): a stroke is one run on the back; a lift-off at one end and a
    touch-down at the other are two runs that barely move."""
    seg, m = u[a:b], on[a:b]
    edges = np.flatnonzero(np.diff(m.astype(np.int8))) + 1
    best = 0.0
    for lo, hi in zip(np.r_[0, edges], np.r_[edges, m.size], strict=True):
        if m[lo]:
            best = max(best, float(np.ptp(seg[lo:hi])))
    return best


def _pass_spans(pass_of: NDArray[np.int64]) -> list[tuple[int, int]]:
    """``[start, stop)`` of each run of equal values, in order."""
    if pass_of.size == 0:
        return []
    edges = np.flatnonzero(np.diff(pass_of)) + 1
    starts = np.concatenate([[0], edges])
    stops = np.concatenate([edges, [pass_of.size]])
    return [(int(a), int(b)) for a, b in zip(starts, stops, strict=True)]


def renumber_passes(pass_index: ArrayLike) -> NDArray[np.int64]:
    """A given ``pass_index`` column as ``0 .. P-1`` in order of first appearance.

    Negative or non-finite entries (lead-ins, moves between blocks) become ``-1``:
    the sample belongs to no pass.

    Args:
        pass_index: ``(N,)`` pass labels (any numbers).

    Returns:
        ``(N,)`` int64.
    """
    arr = _as_1d(pass_index, "pass_index")
    out = np.full(arr.size, -1, dtype=np.int64)
    ok = np.isfinite(arr) & (arr >= 0)
    if not np.any(ok):
        return out
    vals = arr[ok]
    uniq, first = np.unique(vals, return_index=True)
    order = np.argsort(first, kind="stable")
    rank = np.empty(uniq.size, dtype=np.int64)
    rank[order] = np.arange(uniq.size)
    out[ok] = rank[np.searchsorted(uniq, vals)]
    return out


def pass_indices(
    u: ArrayLike,
    pass_index: ArrayLike | None = None,
    hysteresis: float = DEFAULT_HYSTERESIS_U,
    loaded: ArrayLike | None = None,
) -> NDArray[np.int64]:
    """Pass number of every sample: the given ``pass_index`` wins, else derived from ``u``.

    Args:
        u: ``(N,)`` chart coordinate along the spine.
        pass_index: optional ``(N,)`` labels from the log (see :func:`renumber_passes`).
        hysteresis: see :func:`turnarounds`.
        loaded: optional ``(N,)`` samples in contact (see :func:`derive_pass_index`).

    Returns:
        ``(N,)`` int64, ``-1`` for samples in no pass.
    """
    if pass_index is not None:
        given = _as_1d(pass_index, "pass_index")
        if given.size != np.asarray(u).size:
            raise ValueError("pass_index and u differ in length")
        return renumber_passes(given)
    return derive_pass_index(u, hysteresis, loaded)


def pass_count(pass_of: NDArray[np.int64]) -> int:
    """Number of distinct passes (``-1`` entries ignored)."""
    valid = pass_of[pass_of >= 0]
    return int(np.unique(valid).size)


def stroke_periods_s(
    t_s: ArrayLike, u: ArrayLike, hysteresis: float = DEFAULT_HYSTERESIS_U
) -> NDArray[np.float64]:
    """Durations between consecutive turnarounds: one stroke (one leg) each.

    Args:
        t_s: ``(N,)`` sample times, s, increasing.
        u: ``(N,)`` chart coordinate.
        hysteresis: see :func:`turnarounds`.

    Returns:
        ``(K-1,)`` seconds, for ``K`` turnarounds (empty when fewer than two).
    """
    t = _as_1d(t_s, "t_s")
    idx, _ = turnarounds(u, hysteresis)
    if idx.size < 2:
        return np.zeros(0, dtype=np.float64)
    return np.diff(t[idx])
