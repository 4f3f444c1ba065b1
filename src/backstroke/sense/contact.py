"""Contact continuity and still holds, from the measured force and the chart position.

"Once you have laid your hands on the client, they don't leave the client until the
end of the massage." A *contact break* is the measured normal force staying below
0.5 N for more than 20 ms after contact began; each break counts once, however long,
and the final release (a low-force run that lasts to the end of the record) is not a
break.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from backstroke.tools import CONTACT_FORCE_N

BREAK_MIN_S = 0.02
# Float tolerance on the 20 ms comparison (samples at exactly 20 ms are not a break).
_TIME_EPS_S = 1e-9


def planned_contact(in_contact: ArrayLike, planned_force_n: ArrayLike | None) -> NDArray[np.bool_]:
    """Where the plan expects the skin: in contact *and* asking for at least the contact
    force (``(N,)`` each; no planned force: the flags alone). The release's last
    moments, where the planned force has already ramped below it, expect no contact: a
    flicker there is not a break."""
    flags = np.asarray(in_contact) > 0
    if planned_force_n is None:
        return flags
    return flags & (np.asarray(planned_force_n) >= CONTACT_FORCE_N)


def break_intervals(
    t_s: ArrayLike,
    normal_force_n: ArrayLike,
    *,
    within: ArrayLike | None = None,
    contact_force_n: float = CONTACT_FORCE_N,
    min_break_s: float = BREAK_MIN_S,
) -> list[tuple[float, float]]:
    """Where contact was lost, as ``(t0, t1)`` seconds (see the module docstring).

    A run of low-force samples starting at sample ``a`` and ending before sample ``b``
    (the first sample back in contact) lasts ``t[b] - t[a]`` and is reported as
    ``(t[a], t[b])``. This is the one contact rule: the summary, ``analyze``, the report
    and the simulator's truth all count with it.

    Args:
        t_s: ``(N,)`` sample times, s, increasing.
        normal_force_n: ``(N,)`` measured normal force, N (NaN counts as no contact).
        within: optional ``(N,)`` planned-contact flags; only the span from the first to
            the last planned-contact sample is judged (the planned lift-off ends it).
        contact_force_n: force below which the tool is off the skin.
        min_break_s: a low-force run must last longer than this to count.

    Returns:
        The breaks in time order. When contact never began: none, or with ``within``
        one break spanning the whole planned contact.
    """
    t = np.asarray(t_s, dtype=np.float64)
    f = np.asarray(normal_force_n, dtype=np.float64)
    if t.shape != f.shape or t.ndim != 1:
        raise ValueError(f"t_s {t.shape} and force {f.shape} must be equal 1-D shapes")
    if within is not None:
        planned = np.flatnonzero(np.asarray(within) > 0)
        if planned.size == 0:
            return []
        t, f = t[planned[0] : planned[-1] + 1], f[planned[0] : planned[-1] + 1]
    touching = np.nan_to_num(f, nan=-np.inf) >= contact_force_n
    first = np.flatnonzero(touching)
    if first.size == 0:
        # Planned contact that never touched is one break lasting the whole plan.
        return [(float(t[0]), float(t[-1]))] if within is not None else []
    lost = ~touching[first[0] :]
    tt = t[first[0] :]
    edges = np.diff(np.concatenate([[0], lost.astype(np.int8), [0]]))
    starts, stops = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    inside = stops < lost.size  # a run reaching the end is the final release
    t0, t1 = tt[starts[inside]], tt[stops[inside]]
    keep = t1 - t0 > min_break_s + _TIME_EPS_S
    return list(zip(t0[keep].tolist(), t1[keep].tolist(), strict=True))


def contact_breaks(
    t_s: ArrayLike,
    normal_force_n: ArrayLike,
    *,
    within: ArrayLike | None = None,
    contact_force_n: float = CONTACT_FORCE_N,
    min_break_s: float = BREAK_MIN_S,
) -> int:
    """Number of contact breaks: ``len(break_intervals(...))`` (same arguments)."""
    return len(
        break_intervals(
            t_s,
            normal_force_n,
            within=within,
            contact_force_n=contact_force_n,
            min_break_s=min_break_s,
        )
    )


def contact_intervals(t_s: ArrayLike, normal_force_n: ArrayLike) -> list[tuple[float, float]]:
    """Measured contact (force ≥ 0.5 N) as ``(t0, t1)`` s; gaps that are not breaks
    (≤ 20 ms) are bridged. ``t1`` is one sample period past the last touching sample."""
    t = np.asarray(t_s, dtype=np.float64)
    touching = in_contact_mask(normal_force_n)
    if t.size == 0:
        return []
    dt = float(np.median(np.diff(t))) if t.size > 1 else 0.0
    edges = np.diff(np.concatenate([[0], touching.astype(np.int8), [0]]))
    out: list[tuple[float, float]] = []
    for i0, i1 in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True):
        t0, t1 = float(t[i0]), float(t[i1 - 1]) + dt
        if out and t0 - out[-1][1] <= BREAK_MIN_S + _TIME_EPS_S:
            out[-1] = (out[-1][0], t1)
        else:
            out.append((t0, t1))
    return out


def still_holds(
    t_s: ArrayLike,
    u: ArrayLike,
    *,
    band_u: float = 0.02,
    min_duration_s: float = 15.0,
) -> list[tuple[int, int]]:
    """Stretches where ``u`` stays within a band of ``band_u`` for at least ``min_duration_s``.

    The record is cut into whole seconds; consecutive seconds whose joint u range stays
    inside the band form a hold (a rest, a long dwell).

    Args:
        t_s: ``(N,)`` sample times, s, increasing.
        u: ``(N,)`` chart coordinate.
        band_u: widest u range that counts as still.
        min_duration_s: shortest hold reported.

    Returns:
        ``[(start, stop), ...]`` sample index ranges (stop exclusive), in time order.
    """
    t = np.asarray(t_s, dtype=np.float64)
    uu = np.asarray(u, dtype=np.float64)
    if t.size < 2:
        return []
    sec = np.floor(t - t[0]).astype(np.int64)
    starts = np.flatnonzero(np.concatenate([[True], sec[1:] != sec[:-1]]))
    lo = np.minimum.reduceat(uu, starts)
    hi = np.maximum.reduceat(uu, starts)
    stops = np.concatenate([starts[1:], [t.size]])
    dt = float(np.median(np.diff(t)))
    out: list[tuple[int, int]] = []
    i = 0
    m = starts.size
    while i < m:
        a_lo, a_hi, j = lo[i], hi[i], i + 1
        while j < m and max(a_hi, hi[j]) - min(a_lo, lo[j]) <= band_u:
            a_lo, a_hi = min(a_lo, lo[j]), max(a_hi, hi[j])
            j += 1
        if a_hi - a_lo <= band_u:
            a, b = int(starts[i]), int(stops[j - 1])
            if t[b - 1] - t[a] + dt >= min_duration_s - 1e-9:  # N samples span N periods
                out.append((a, b))
        i = j
    return out


def in_contact_mask(normal_force_n: ArrayLike) -> NDArray[np.bool_]:
    """``(N,)`` samples with at least the contact force (0.5 N)."""
    f = np.asarray(normal_force_n, dtype=np.float64)
    return np.nan_to_num(f, nan=-np.inf) >= CONTACT_FORCE_N
