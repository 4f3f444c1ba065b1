"""Softening across a change of force: passes at another force brought to one (issue 13).

Soft tissue stiffens with depth, so a pass at another force has another secant
stiffness although the tissue is the same. ``SofteningDetector`` therefore compares
passes only at equal force, in *segments* of one force. Judged only inside its segment,
softening that comes with a change of force (the tissue gives way in the very pass
the client asks for "deeper" or "lighter") is never heard: the new segment's reference
is already soft, and what is left inside it is less than the threshold.

Two bridges bring a later segment to the first segment's force, without assuming any
force–depth law:

- **Same force again.** A segment whose force is within the force match of an earlier
  segment's (the force came back after a "too much") is compared with it directly.
- **Splice at an abrupt change.** When the force goes from one level to the other
  within ``MAX_TRANSITION_S``, the tissue is taken to be the same just before and just
  after the change: the ratio of the stiffness in the ``SPLICE_WINDOW_S`` after the
  change to the one before it (each at its own force, along the shared compliance
  profile ``g(u)``) is the force's own effect, and it is divided out of the later
  passes. Any softening inside that short window is counted as the force's, so the
  splice can only miss softening, never make it up.

A splice is refused when either window does not hold still (the median deviation of
its stiffness over ``g`` above the force match: the breath was not taken out, as on
one-way strokes), when either window holds a trend of force as wide as the force match
(a ramp passing through both bands), or when its factor is not physical (tissue is
stiffer at a higher force, and its depth does not shrink: ``k_before / k_after`` must
lie between 1 and ``F_before / F_after``, within the force match). A change too slow
to splice (a ramp over passes) leaves the segment unbridged too: it is judged on its
own, as before. A splice's uncertainty is held against softening: across it, a pass
must be that much softer still to count. It is the windows' spread plus the bound of
what the windows being held off their segments' forces can do to the factor (a force
loop still settling after the step, a smaller trend): with ``β ≤ 1``, no more than
the forces' own offset.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

SPLICE_HZ = 20.0
SPLICE_WINDOW_S = 5.0
MAX_TRANSITION_S = 2.0
SETTLED_S = 1.0
MIN_WINDOW_BINS = 10


@dataclass(frozen=True)
class RawPass:
    """One pass's samples before the force match: ``(N,)`` arrays."""

    t_s: NDArray[np.float64]
    u: NDArray[np.float64]
    stiffness_n_m: NDArray[np.float64]
    force_n: NDArray[np.float64]


def _bins(
    p: RawPass, u_edges: NDArray[np.float64], g: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """20 Hz means ``(t, force, compliance / g)`` of the finite samples inside the edges."""
    nb = u_edges.size - 1
    k, f, t, u = p.stiffness_n_m, p.force_n, p.t_s, p.u
    ok = np.isfinite(k) & (k > 0) & np.isfinite(f) & np.isfinite(t) & np.isfinite(u)
    ok &= (u >= u_edges[0]) & (u <= u_edges[-1])
    if not np.any(ok):
        empty = np.zeros(0)
        return empty, empty, empty
    t, f, u, k = t[ok], f[ok], u[ok], k[ok]
    gb = g[np.clip(np.searchsorted(u_edges, u, side="right") - 1, 0, nb - 1)]
    s = 1.0 / (k * gb)
    b = np.floor((t - t.min()) * SPLICE_HZ).astype(np.int64)
    cnt = np.bincount(b)
    has = cnt > 0
    return tuple(np.bincount(b, w)[has] / cnt[has] for w in (t, f, s))  # type: ignore[return-value]


@dataclass(frozen=True)
class Splice:
    """``factor = k_before / k_after``; ``uncertainty``: its relative error, estimated
    from the windows' spread (median deviation, one independent value a second)."""

    factor: float
    uncertainty: float


def splice_factor(
    before: RawPass,
    after: RawPass,
    force_before_n: float,
    force_after_n: float,
    u_edges: NDArray[np.float64],
    g: NDArray[np.float64],
    force_match: float,
    *,
    held_after_n: float | None = None,
) -> Splice | None:
    """``k_before / k_after`` across an abrupt change of force, or ``None``.

    Args:
        before, after: the pass before the new segment and its first pass.
        force_before_n, force_after_n: the two segments' forces, N.
        u_edges, g: the shared compliance profile (``compliance_fit``).
        force_match: relative band around each force that counts as "at" it.
        held_after_n: the force the passes the factor is applied to were held at, N
            (default ``force_after_n``): the windows' offset from it is held against
            softening (see the module doc).

    Returns:
        The factor that brings a stiffness measured at ``force_after_n`` to
        ``force_before_n`` (assuming the tissue did not change across the change), or
        ``None`` when the change is not abrupt or either side has too few samples.
    """
    if not np.all(np.isfinite(g)) or np.any(g <= 0):
        return None
    parts = [_bins(p, u_edges, g) for p in (before, after)]
    t = np.concatenate([p[0] for p in parts])
    f = np.concatenate([p[1] for p in parts])
    s = np.concatenate([p[2] for p in parts])
    if t.size == 0:
        return None
    order = np.argsort(t, kind="stable")
    t, f, s = t[order], f[order], s[order]
    at_a = np.abs(f - force_before_n) <= force_match * force_before_n
    at_b = np.abs(f - force_after_n) <= force_match * force_after_n
    # The change: the first bin from which the force stays at the new level for SETTLED_S.
    settled = None
    for i in np.flatnonzero(at_b):
        w = (t >= t[i]) & (t < t[i] + SETTLED_S)
        if np.mean(at_b[w]) >= 0.8:
            settled = int(i)
            break
    if settled is None:
        return None
    prior = np.flatnonzero(at_a[:settled])
    if prior.size == 0:
        return None
    last_a = int(prior[-1])
    if t[settled] - t[last_a] > MAX_TRANSITION_S:
        return None
    win_a = at_a & (t <= t[last_a]) & (t >= t[last_a] - SPLICE_WINDOW_S)
    win_b = at_b & (t >= t[settled]) & (t <= t[settled] + SPLICE_WINDOW_S)
    if np.count_nonzero(win_a) < MIN_WINDOW_BINS or np.count_nonzero(win_b) < MIN_WINDOW_BINS:
        return None
    # s is compliance over the profile: stiffness after / before = s_before / s_after.
    sa, sb = s[win_a], s[win_b]
    ma, mb = float(np.median(sa)), float(np.median(sb))
    if not (ma > 0 and mb > 0):
        return None
    # Each window must hold still (the breath taken out): spread within the force match.
    dev_a = float(np.median(np.abs(sa - ma))) / ma
    dev_b = float(np.median(np.abs(sb - mb))) / mb
    if max(dev_a, dev_b) > force_match:
        return None
    # Each window must hold its force: no trend over it as wide as the band (a ramp
    # through the bands). A force loop still settling after the step is allowed.
    for w in (win_a, win_b):
        tw, fw = t[w], f[w] / float(np.median(f[w]))
        slope = float(np.polyfit(tw - tw.mean(), fw, 1)[0])
        if abs(slope * float(np.ptp(tw))) > force_match:
            return None
    factor = mb / ma
    # Tissue is stiffer, not softer, at a higher force, and its depth does not shrink:
    # k_before / k_after lies between 1 and F_before / F_after.
    lo, hi = sorted((1.0, force_before_n / force_after_n))
    if not lo / (1 + force_match) <= factor <= hi * (1 + force_match):
        return None
    spread = float(np.hypot(dev_a, dev_b) * 1.4826 / np.sqrt(SPLICE_WINDOW_S))
    held = force_after_n if held_after_n is None else held_after_n
    return Splice(factor, spread + _offset_error(f[win_a], f[win_b], force_before_n, held))


def _offset_error(
    f_a: NDArray[np.float64], f_b: NDArray[np.float64], force_before_n: float, force_after_n: float
) -> float:
    """Bound of the factor's error from the windows being held off their segments' forces.

    The windows measure ``k(f_a) / k(f_b)`` at their own median forces, the factor is
    wanted between the force before and the one the later passes are held at. With
    ``k ∝ F^β`` and ``β ≤ 1`` the wanted factor is at most
    ``ρ = (F_before / f_a) · (f_b / F_after)`` times the measured one; only that side (a
    factor too small reads the later passes too soft) can make up softening.
    """
    rho = (force_before_n / float(np.median(f_a))) * (float(np.median(f_b)) / force_after_n)
    return max(0.0, rho - 1.0)
