"""The breathing model of a stroke: separating the breath from the tissue in a pass.

The force loop holds the force while the back rises and falls with each breath, so the
tool's depth below the nominal skin carries the breathing motion on top of the
tissue's own (spatial) indentation: ``depth(t) = g(u(t)) − b(t)``. A pass visits the
back at changing breathing phases, so one linear least squares fit separates a smooth
profile ``g(u)`` (binned in u) from a breathing oscillation ``b(t)`` (its first two
harmonics). The rate is scanned ±15 % around a known rate (the rest's, or the session's
so far), or over 8–24 breaths/min when none is known, and refined between the best grid
rates; twice that rate is taken instead when it fits about as well (the second harmonic
lets half the true rate pass for the breath, and a wrong rate known so far must not lock
the session in). The same fit gives the pass's breathing rate, amplitude and phase, so breathing
is heard during every stroke of the session, not only during the rest.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

U_BINS = 24
RATE_SCAN = np.linspace(0.85, 1.15, 13)
RESTING_RATES_BPM = np.linspace(8.0, 24.0, 33)
# A fit whose breath explains less than this share of the depth left after the
# profile is not a breath (wander, noise).
MIN_BREATH_R2 = 0.3
# The fit runs on 20 Hz bin means: a breath (≤ 0.6 Hz) and a smooth profile lose
# nothing, and a 1 kHz pass costs 50× less.
FIT_HZ = 20.0
MIN_FIT_SAMPLES = 60
# Fewer finite samples in a pass than this and it cannot tell its breath.
MIN_PASS_SAMPLES = 200
# A rate twice the best one is taken when its residual is at most this much larger
# (the model's second harmonic makes half the rate fit nearly as well); the fastest
# breath considered at all.
OCTAVE_TOLERANCE = 0.15
MAX_RATE_BPM = 30.0


@dataclass(frozen=True)
class BreathingFit:
    """The breath heard in one pass.

    Attributes:
        t_mid_s: centre time of the pass's samples.
        rate_bpm: breaths per minute.
        amplitude_m: amplitude of the fundamental (half the peak-to-peak rise), m.
        phase_rad: phase of the fundamental at ``t_mid_s`` (``b ∝ cos(ωt' + phase)``,
            ``t' = t − t_mid_s``).
        r2: share of the depth left after the profile that the breath explains.
        oscillation_m: ``(N,)`` the fitted breathing motion at the input samples.
    """

    t_mid_s: float
    rate_bpm: float
    amplitude_m: float
    phase_rad: float
    r2: float
    oscillation_m: NDArray[np.float64]

    @property
    def confident(self) -> bool:
        return self.r2 >= MIN_BREATH_R2


def _hat_basis(uu: NDArray[np.float64], lo: float, hi: float) -> NDArray[np.float64]:
    """Linear "hat" functions over u bins: a smooth profile g(u)."""
    pos = np.clip((uu - lo) / (hi - lo) * (U_BINS - 1), 0, U_BINS - 1 - 1e-9)
    i = np.floor(pos).astype(int)
    w = pos - i
    hat = np.zeros((uu.size, U_BINS))
    hat[np.arange(uu.size), i] = 1 - w
    hat[np.arange(uu.size), i + 1] += w
    return hat


def _bin_means(
    t: NDArray[np.float64],
    u: NDArray[np.float64],
    d: NDArray[np.float64],
    g: NDArray[np.int64] | None = None,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], NDArray[np.int64]]:
    """Means of ``t, u, d`` in ``1 / FIT_HZ`` time bins, each of one profile group ``g``
    (default all 0; empty bins dropped, a bin across a change of group split), and the
    bins' groups."""
    b = np.floor((t - t.min()) * FIT_HZ).astype(np.int64)
    n_groups = 1 if g is None else int(g.max()) + 1
    if g is not None:
        b = b * n_groups + g  # a bin's group is its index modulo n_groups
    n = np.bincount(b)
    has = n > 0
    means = [np.bincount(b, x)[has] / n[has] for x in (t, u, d)]
    return means[0], means[1], means[2], np.flatnonzero(has) % n_groups


def _osc(tc: NDArray[np.float64], rate_bpm: float) -> NDArray[np.float64]:
    om = 2 * math.pi * rate_bpm / 60.0
    return np.stack(
        [np.cos(om * tc), np.sin(om * tc), np.cos(2 * om * tc), np.sin(2 * om * tc)], axis=1
    )


def _huber_fit(a: NDArray[np.float64], y: NDArray[np.float64]) -> tuple[float, NDArray[np.float64]]:
    """Least squares of ``a @ coef ≈ y`` reweighted twice (Huber, 1.5 robust σ): a knot
    the coarse profile cannot follow is down-weighted instead of bending the breath.
    Returns ``(Huber loss, coef)``."""
    # Weighted normal equations (a few dozen columns): a tall least squares per
    # reweighting cost 90 % of a demonstration's analysis. lstsq on the small Gram
    # matrix keeps the minimum-norm answer when a u bin no sample reached is empty.
    coef, *_ = np.linalg.lstsq(a.T @ a, a.T @ y, rcond=None)
    loss = 0.0
    for _ in range(3):
        r = y - a @ coef
        sigma = 1.4826 * float(np.median(np.abs(r - np.median(r)))) + 1e-12
        c = 1.5 * sigma
        ar = np.abs(r)
        loss = float(np.sum(np.where(ar <= c, 0.5 * r * r, c * (ar - 0.5 * c))))
        w2 = np.where(ar <= c, 1.0, c / np.maximum(ar, 1e-300))
        aw = a * w2[:, None]
        coef, *_ = np.linalg.lstsq(aw.T @ a, aw.T @ y, rcond=None)
    return loss, np.asarray(coef, dtype=np.float64)


def fit_breathing(
    t_s: ArrayLike,
    u: ArrayLike,
    depth_m: ArrayLike,
    known_rate_bpm: float | None = None,
    *,
    robust: bool = False,
    profile_group: ArrayLike | None = None,
) -> BreathingFit | None:
    """The breath in one pass (``(N,)`` inputs), or None when the pass cannot tell.

    None when there are too few samples, or the pass covers too little of the back or
    too little time (1.5 breaths at the slowest rate scanned) to tell space from breath.
    ``robust`` reweights the fit (Huber) so that a local bump the coarse profile cannot
    follow (a knot under a thumb) does not pull the breath's rate and phase.
    ``profile_group``: optional ``(N,)`` small non-negative ints; each group gets its
    own profile ``g(u)`` under the one breath (the same stretch of back pressed at two
    forces: two depth profiles, one back breathing under both).
    """
    t = np.asarray(t_s, dtype=np.float64)
    uu = np.asarray(u, dtype=np.float64)
    d = np.asarray(depth_m, dtype=np.float64)
    grp = (
        np.zeros(t.size, dtype=np.int64)
        if profile_group is None
        else np.asarray(profile_group, dtype=np.int64)
    )
    ok = np.isfinite(t) & np.isfinite(uu) & np.isfinite(d) & (grp >= 0)
    if known_rate_bpm is not None and math.isfinite(known_rate_bpm):
        rates = known_rate_bpm * RATE_SCAN
    else:
        rates = RESTING_RATES_BPM
    if (
        ok.sum() < MIN_PASS_SAMPLES
        or np.ptp(uu[ok]) < 0.05
        or np.ptp(t[ok]) < 1.5 * 60.0 / rates.min()
    ):
        return None
    tb, ub, db, gb = _bin_means(t[ok], uu[ok], d[ok], grp[ok])
    if tb.size < MIN_FIT_SAMPLES:
        return None
    lo, hi = float(ub.min()), float(ub.max())
    hat = _hat_basis(ub, lo, hi)
    n_groups = int(gb.max()) + 1
    if n_groups > 1:  # one block of hat columns per group
        hat = np.concatenate([hat * (gb == k)[:, None] for k in range(n_groups)], axis=1)
    n_prof = hat.shape[1]
    t_mid = float(t[ok].mean())
    tc = tb - t_mid
    # Normal equations of [hat | osc]: the hat blocks are shared by every rate scanned,
    # and a 28×28 solve costs nothing next to a tall least squares (a threaded BLAS made
    # those 30 ms each on a busy machine). lstsq keeps the minimum-norm answer when a u
    # bin no sample reached leaves a zero column.
    hth, htd = hat.T @ hat, hat.T @ db
    base, *_ = np.linalg.lstsq(hth, htd, rcond=None)
    base_res = float(np.sum((hat @ base - db) ** 2))

    def residual(rate: float) -> tuple[float, NDArray[np.float64]]:
        osc = _osc(tc, rate)
        if robust:
            return _huber_fit(np.concatenate([hat, osc], axis=1), db)
        hto = hat.T @ osc
        gram = np.block([[hth, hto], [hto.T, osc.T @ osc]])
        coef, *_ = np.linalg.lstsq(gram, np.concatenate([htd, osc.T @ db]), rcond=None)
        fitted = hat @ coef[:n_prof] + osc @ coef[n_prof:]
        return float(np.sum((fitted - db) ** 2)), coef

    def best(grid: NDArray[np.float64]) -> tuple[float, float, NDArray[np.float64]]:
        scores = [residual(float(r))[0] for r in grid]
        j = int(np.argmin(scores))
        rate = float(grid[j])
        if 0 < j < grid.size - 1:  # parabola through the best three grid rates
            a, b, c = scores[j - 1], scores[j], scores[j + 1]
            den = a - 2.0 * b + c
            if den > 0:
                rate += 0.5 * (a - c) / den * float(grid[1] - grid[0])
        res, coef = residual(rate)
        return rate, res, coef

    rate, res, full = best(rates)
    # The model's second harmonic lets half the true rate fit a breath almost as well
    # as the rate itself: a rate twice as fast that fits about as well is the breath.
    if 2.0 * rate <= MAX_RATE_BPM:
        res2, _ = residual(2.0 * rate)
        if res2 <= res * (1.0 + OCTAVE_TOLERANCE):
            rate, res, full = best(2.0 * rate * RATE_SCAN)
    coef = full[n_prof:]
    osc = _osc(t - t_mid, rate) @ coef
    if robust:  # r² of the plain residual, comparable with the unreweighted fit's
        design = np.concatenate([hat, _osc(tc, rate)], axis=1)
        res = float(np.sum((db - design @ full) ** 2))
    r2 = 1.0 - res / base_res if base_res > 0 else 0.0
    return BreathingFit(
        t_mid_s=t_mid,
        rate_bpm=rate,
        amplitude_m=float(math.hypot(coef[0], coef[1])),
        phase_rad=float(math.atan2(-coef[1], coef[0])),
        r2=float(r2),
        oscillation_m=np.asarray(osc, dtype=np.float64),
    )


def remove_breathing(
    t_s: ArrayLike,
    u: ArrayLike,
    depth_m: ArrayLike,
    breathing_rate_bpm: float | None,
    *,
    robust: bool = False,
    profile_group: ArrayLike | None = None,
) -> NDArray[np.float64]:
    """``depth_m`` with the fitted breathing motion taken out (``(N,)`` each;
    ``profile_group`` as in :func:`fit_breathing`).

    Returns the input unchanged when :func:`fit_breathing` cannot tell.
    """
    d = np.asarray(depth_m, dtype=np.float64)
    fit = fit_breathing(t_s, u, d, breathing_rate_bpm, robust=robust, profile_group=profile_group)
    if fit is None:
        return d.copy()
    # depth = g(u) + osc  →  the breathing-free depth is depth − osc.
    return np.asarray(d - fit.oscillation_m, dtype=np.float64)
