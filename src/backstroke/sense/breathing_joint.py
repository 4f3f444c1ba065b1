"""The breath taken out of a block's passes together: one profile ``g(u)`` for all.

A pass alone cannot always tell its breath from the back's profile along u. On a
continuous zigzag ``u(t)`` is symmetric about the pass's middle, so the part of the
breath that is symmetric in time (``cos ω(t − t_mid)``) is a function of u too: the
per-pass fit (``breathing_removal.fit_breathing``) hands some of it to the profile or
takes some of the profile for breath, and the pass's mean depth comes out a few per
cent off (measured: a zigzag glide read 5–12 % "softer" on passes the tissue had not
changed). Passes of one block press the same line of the back, and they meet the
breath at other phases: with one profile shared by every pass the breath is told apart.

Passes are fitted together when they press the same line (the quartiles of their
``v`` within 5 mm: a glide's passes; a thumb's lanes are apart). Each pass ``p`` is
modelled as

    depth_p(t) = s_p · g(u(t)) + b_p(t)

- ``g(u)``: the depth profile along the back (linear hats in u), shared by the passes.
- ``s_p``: the pass's scale (softening or another force deepen the whole pass).
- ``b_p(t)``: the pass's breath, its first two harmonics at the pass's own rate (the
  rate wanders from breath to breath; each pass's is refined with ``g`` held fixed).

The fit alternates between ``g`` (with every pass's breath, by least squares) and each
pass's ``s_p``, breath and rate; a few rounds converge. This is the breathing model's
softening half: the live listener and ``analyze`` both take the breath out of a
block's passes through :meth:`BreathingTracker.clean_passes
<backstroke.sense.breathing_session.BreathingTracker.clean_passes>`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from backstroke.sense.breathing_removal import (
    MIN_FIT_SAMPLES,
    MIN_PASS_SAMPLES,
    RATE_SCAN,
    U_BINS,
    _bin_means,
    _hat_basis,
    _osc,
)

ROUNDS = 4
# Each pass's rate is refined over ±12 % around the rate it came with (the session's:
# the rate wanders from breath to breath).
RATE_REFINE = np.linspace(0.88, 1.12, 13)


# Passes whose lower and upper quartiles of v both lie within this of a group's first
# pass press the same line of the back (a thumb's lanes do not).
SAME_LINE_M = 0.005


@dataclass(frozen=True)
class PassDepth:
    """One pass's samples: ``(N,)`` times (s), chart positions and depths (m); ``v``
    (m across the back) when known, to tell passes on other lines apart."""

    t_s: NDArray[np.float64]
    u: NDArray[np.float64]
    depth_m: NDArray[np.float64]
    v: NDArray[np.float64] | None = None


def same_line_groups(passes: Sequence[PassDepth]) -> list[list[int]]:
    """The passes (indices, in order) grouped by the line they press: the quartiles of
    their ``v`` within ``SAME_LINE_M`` of the group's first pass's (one group without v)."""
    groups: list[tuple[tuple[float, float] | None, list[int]]] = []
    for i, p in enumerate(passes):
        v = None if p.v is None else np.asarray(p.v, dtype=np.float64)
        v = None if v is None else v[np.isfinite(v)]
        key = (
            None
            if v is None or v.size == 0
            else (
                float(np.quantile(v, 0.25)),
                float(np.quantile(v, 0.75)),
            )
        )
        for k, members in groups:
            if (k is None and key is None) or (
                k is not None
                and key is not None
                and abs(k[0] - key[0]) <= SAME_LINE_M
                and abs(k[1] - key[1]) <= SAME_LINE_M
            ):
                members.append(i)
                break
        else:
            groups.append((key, [i]))
    return [members for _, members in groups]


@dataclass
class _Binned:
    """A pass's 20 Hz bin means: centred times, chart positions, depths; its rates."""

    t_mid: float
    tc: NDArray[np.float64]
    hat: NDArray[np.float64]
    d: NDArray[np.float64]
    rate0: float
    rate: float


def _usable(p: PassDepth, rate: float | None, lo: float, hi: float) -> _Binned | None:
    ok = np.isfinite(p.t_s) & np.isfinite(p.u) & np.isfinite(p.depth_m)
    if rate is None or not math.isfinite(rate) or rate <= 0 or ok.sum() < MIN_PASS_SAMPLES:
        return None
    # As the per-pass fit: 1.5 breaths at least, or the pass cannot tell its breath.
    if np.ptp(p.u[ok]) < 0.05 or np.ptp(p.t_s[ok]) < 1.5 * 60.0 / (rate * RATE_SCAN.min()):
        return None
    tb, ub, db, _ = _bin_means(p.t_s[ok], p.u[ok], p.depth_m[ok])
    if tb.size < MIN_FIT_SAMPLES:
        return None
    t_mid = float(p.t_s[ok].mean())
    return _Binned(t_mid, tb - t_mid, _hat_basis(ub, lo, hi), db, float(rate), float(rate))


def _pass_fit(
    b: _Binned, hg: NDArray[np.float64], rate: float
) -> tuple[float, NDArray[np.float64], float]:
    """``(s_p, breath coefficients, residual)`` of one pass with ``g`` fixed (``hg``: g
    at the pass's bins)."""
    a = np.column_stack([hg, _osc(b.tc, rate)])
    coef, *_ = np.linalg.lstsq(a.T @ a, a.T @ b.d, rcond=None)
    r = b.d - a @ coef
    return float(coef[0]), np.asarray(coef[1:], dtype=np.float64), float(r @ r)


def remove_breathing_joint(
    passes: Sequence[PassDepth], rates_bpm: Sequence[float | None]
) -> list[NDArray[np.float64]]:
    """Each pass's depth with its breath taken out, one profile shared (module doc).

    Args:
        passes: the block's passes (their loaded samples).
        rates_bpm: each pass's breathing rate to start from (the session's),
            breaths/min; ``None`` where none is known.

    Returns:
        One ``(N,)`` array per pass: its depth minus its fitted breath; a pass that
        cannot tell its breath (too short, too few samples, no rate) is returned as
        measured. A single usable pass is fitted as the per-pass fit would.
    """
    if len(rates_bpm) != len(passes):
        raise ValueError(f"{len(passes)} passes but {len(rates_bpm)} rates")
    out = [np.asarray(p.depth_m, dtype=np.float64).copy() for p in passes]
    us = np.concatenate([np.asarray(p.u, dtype=np.float64) for p in passes] or [np.zeros(0)])
    us = us[np.isfinite(us)]
    if us.size == 0 or np.ptp(us) <= 0:
        return out
    lo, hi = float(us.min()), float(us.max())
    binned = [_usable(p, r, lo, hi) for p, r in zip(passes, rates_bpm, strict=True)]
    use = [i for i, b in enumerate(binned) if b is not None]
    scale = {i: 1.0 for i in use}
    coefs: dict[int, NDArray[np.float64]] = {}
    nb = U_BINS
    for _ in range(ROUNDS):
        # g and every pass's breath together (the breath columns are the pass's own).
        ncol = nb + 4 * len(use)
        gram = np.zeros((ncol, ncol))
        rhs = np.zeros(ncol)
        for j, i in enumerate(use):
            b = binned[i]
            assert b is not None
            a = np.concatenate([scale[i] * b.hat, _osc(b.tc, b.rate)], axis=1)
            cols = np.r_[np.arange(nb), nb + 4 * j + np.arange(4)]
            gram[np.ix_(cols, cols)] += a.T @ a
            rhs[cols] += a.T @ b.d
        sol, *_ = np.linalg.lstsq(gram, rhs, rcond=None)
        g = sol[:nb]
        for i in use:
            b = binned[i]
            assert b is not None
            hg = b.hat @ g
            fits = [_pass_fit(b, hg, b.rate0 * f) for f in RATE_REFINE]
            k = int(np.argmin([f[2] for f in fits]))
            b.rate = b.rate0 * float(RATE_REFINE[k])
            scale[i], coefs[i], _ = fits[k]
    for i in use:
        b = binned[i]
        assert b is not None
        p = passes[i]
        osc = _osc(np.asarray(p.t_s, dtype=np.float64) - b.t_mid, b.rate) @ coefs[i]
        out[i] = np.where(np.isfinite(osc), out[i] - osc, out[i])
    return out
