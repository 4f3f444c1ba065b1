"""Pass-to-pass stiffness change, one compliance profile shared by all passes.

The indentation a robot measures is its depth below a *model* of the back's surface,
and the back rises and falls 2–5 mm with every breath. The breath is taken out of each
pass's depth first, by backstroke's one breathing model (``sense.breathing_session``,
the same live and in ``analyze``); what is left scatters far less pass to pass, but a
pass still meets the back's stiff and soft spots at other positions than the last.
Under force control compliance (``1 / k = d / F``) adds up along the back, so every pass
is modelled as

    c_p(t) = s_p · g(u(t))

- ``g(u)`` is the compliance profile along the back, shared by all passes: the same
  tissue, knots and all.
- ``s_p`` is the pass's scale: softening makes the tissue more compliant, so ``s_p``
  grows.

The fit alternates: ``g`` from all passes, then each pass's ``s_p`` by least squares;
it converges in a few rounds. The pass's stiffness relative to the first is
``s_0 / s_p``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

RESAMPLE_HZ = 20.0
ROUNDS = 12


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
    return compliance_fit(passes, u_edges)[0]


def compliance_fit(
    passes: list[PassSamples], u_edges: NDArray[np.float64]
) -> tuple[list[float], NDArray[np.float64]]:
    """The joint fit: ``(relative stiffness by pass, g)``.

    ``g`` is the ``(B,)`` compliance profile per bin of ``u_edges`` (m/N, in the scale of
    the passes' ``s_p``; empty bins interpolated, all NaN when no pass is usable).
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
        return out, np.full(nb, np.nan)
    scale = {i: 1.0 for i in usable}
    g = np.full(nb, np.nan)
    for _ in range(ROUNDS):
        num, den = np.zeros(nb), np.zeros(nb)
        for i in usable:
            _, bins, c = data[i]
            np.add.at(num, bins, c * scale[i])
            np.add.at(den, bins, scale[i] ** 2)
        seen = den > 0
        g = np.interp(np.arange(nb), np.flatnonzero(seen), num[seen] / den[seen])
        for i in usable:
            _, bins, c = data[i]
            gp = g[bins]
            scale[i] = float(gp @ c / (gp @ gp))
    ref = scale[usable[0]]
    for i in usable:
        out[i] = ref / scale[i] if scale[i] > 0 else float("nan")
    return out, g
