"""Pass-to-pass stiffness change with the client's breathing taken out.

The indentation a robot measures is its depth below a *model* of the back's surface.
The back rises and falls 2–5 mm with every breath, and the model does not, so at a
working depth of 5–10 mm the secant stiffness of a single sample is off by tens of
per cent. Each pass meets the breathing at other phases along the back, so per-pass
figures scatter by ±5–15 % pass to pass. That is more than the few per cent of
softening that has to be heard.

Under force control the breathing error is *additive* in compliance (``1 / k = d / F``).
So every pass is modelled as

    c_p(t) = s_p · g(u(t)) + a_p · cos(2π f_p t) + b_p · sin(2π f_p t)

- ``g(u)`` is the compliance profile along the back, shared by all passes: the same
  tissue, knots and all.
- ``s_p`` is the pass's scale: softening makes the tissue more compliant, so ``s_p``
  grows.
- The sinusoid is the pass's breathing, with its rate ``f_p`` searched in 0.1–0.6 Hz.

The fit alternates: ``g`` from all passes, then each pass's ``s_p`` and breathing by
least squares. It converges in about ten rounds. The pass's stiffness relative to the
first is ``s_0 / s_p``. Passes shorter than 5 s are fitted without a breathing term.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

RESAMPLE_HZ = 20.0
BREATH_BAND_HZ = (0.1, 0.6)
BREATH_STEP_HZ = 0.005
MIN_BREATH_PASS_S = 5.0
ROUNDS = 12
FREQUENCY_ROUNDS = 2


@dataclass(frozen=True)
class PassSamples:
    """One pass, averaged into ``RESAMPLE_HZ`` time bins.

    Attributes:
        t_s, u, compliance_m_n: ``(M,)`` bin means (time, chart position, 1/stiffness).
    """

    t_s: NDArray[np.float64]
    u: NDArray[np.float64]
    compliance_m_n: NDArray[np.float64]


def pass_samples(
    stiffness_n_m: NDArray[np.float64], u: NDArray[np.float64], t_s: NDArray[np.float64]
) -> PassSamples:
    """Average one pass's finite samples into 20 Hz time bins (``(N,)`` inputs)."""
    ok = np.isfinite(stiffness_n_m) & np.isfinite(u) & np.isfinite(t_s) & (stiffness_n_m > 0)
    t, uu, c = t_s[ok], u[ok], 1.0 / stiffness_n_m[ok]
    if t.size == 0:
        empty = np.zeros(0)
        return PassSamples(empty, empty, empty)
    b = np.floor((t - t.min()) * RESAMPLE_HZ).astype(np.int64)
    nb = int(b.max()) + 1
    cnt = np.bincount(b, minlength=nb)
    has = cnt > 0
    mean = [np.bincount(b, w, nb)[has] / cnt[has] for w in (t, uu, c)]
    return PassSamples(mean[0], mean[1], mean[2])


def relative_stiffness_by_pass(
    passes: list[PassSamples], u_edges: NDArray[np.float64]
) -> list[float]:
    """Each pass's stiffness relative to the first usable pass (see the module doc).

    Args:
        passes: the passes in order.
        u_edges: ``(B+1,)`` increasing bin edges in u for ``g`` (samples outside are
            not used).

    Returns:
        One ratio per pass, 1.0 for the reference; NaN for a pass without samples in
        the bins.
    """
    nb = u_edges.size - 1
    data = []
    for ps in passes:
        inside = (ps.u >= u_edges[0]) & (ps.u <= u_edges[-1])
        bins = np.clip(np.searchsorted(u_edges, ps.u[inside], side="right") - 1, 0, nb - 1)
        data.append((ps.t_s[inside], bins, ps.compliance_m_n[inside]))
    usable = [i for i, (t, _, _) in enumerate(data) if t.size >= 10]
    out = [float("nan")] * len(passes)
    if not usable:
        return out
    scale = {i: 1.0 for i in usable}
    breath = {i: np.zeros(data[i][0].size) for i in usable}
    freq: dict[int, float | None] = {i: None for i in usable}
    grid = np.arange(BREATH_BAND_HZ[0], BREATH_BAND_HZ[1] + 1e-9, BREATH_STEP_HZ)
    for rnd in range(ROUNDS):
        num, den = np.zeros(nb), np.zeros(nb)
        for i in usable:
            _, bins, c = data[i]
            np.add.at(num, bins, (c - breath[i]) * scale[i])
            np.add.at(den, bins, scale[i] ** 2)
        seen = den > 0
        g = np.interp(np.arange(nb), np.flatnonzero(seen), num[seen] / den[seen])
        for i in usable:
            t, bins, c = data[i]
            gp = g[bins]
            if t[-1] - t[0] < MIN_BREATH_PASS_S:
                scale[i] = float(gp @ c / (gp @ gp))
                continue
            known = freq[i]
            fs = grid if rnd < FREQUENCY_ROUNDS or known is None else np.array([known])
            best: tuple[float, float, NDArray[np.float64], NDArray[np.float64]] | None = None
            for f in fs.tolist():
                x = np.column_stack([gp, np.cos(2 * np.pi * f * t), np.sin(2 * np.pi * f * t)])
                coef, *_ = np.linalg.lstsq(x, c, rcond=None)
                res = float(np.sum((c - x @ coef) ** 2))
                if best is None or res < best[0]:
                    best = (res, float(f), coef, x)
            if best is None:  # pragma: no cover - the grid is never empty
                continue
            _, freq[i], coef, x = best
            scale[i] = float(coef[0])
            breath[i] = x[:, 1:] @ coef[1:]
    ref = scale[usable[0]]
    for i in usable:
        out[i] = ref / scale[i] if scale[i] > 0 else float("nan")
    return out
