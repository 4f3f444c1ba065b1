"""Numbers behind the report's figures, derived from the recorded 1 kHz columns.

Pure numpy; no plotting. The report never shows the 1 kHz samples themselves: time
plots get a min/max envelope (spikes survive) or window means at 10–20 points per
second, paths and step-like signals are simplified to a tolerance, and the back map is
built from 100 ms windows. Everything shown is what the robot measured; the plan's
columns are used only for what was *meant* (target, planned speed, block, tool, planned
contact).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np
from numpy.typing import NDArray

from backstroke.plan.plan import TOOL_CODES
from backstroke.sense.contact import in_contact_mask
from backstroke.tools import TOOLS

if TYPE_CHECKING:
    from backstroke.body.back_model import BackModel

FloatArray = NDArray[np.float64]


class SessionColumns(Protocol):
    """What the report needs of a recording: ``backstroke.session.runner.SessionData``.

    Attributes:
        columns: recorded columns at the control rate (``t_s``, ``x_m`` .. ``z_m``,
            ``ax`` .. ``az``, ``fx_n`` .. ``fz_n``, ``normal_force_n``,
            ``target_force_n``, ``indentation_m``), each ``(N,)``.
        plan_columns: the plan at the same ticks (``plan/plan.py`` ``COLUMNS``).
    """

    columns: dict[str, FloatArray]
    plan_columns: dict[str, FloatArray]


# --------------------------------------------------------------------------- time axis
def sample_period_s(t_s: FloatArray) -> float:
    """Median sample period of ``t_s`` (s); 1 ms when there are fewer than two samples."""
    if t_s.size < 2:
        return 1e-3
    return float(np.median(np.diff(t_s)))


def is_uniform(t_s: FloatArray, rel_tol: float = 0.01) -> bool:
    """Whether ``t_s`` is evenly spaced (so a plot can use ``x0``/``dx`` instead of x)."""
    if t_s.size < 3:
        return True
    d = np.diff(t_s)
    med = float(np.median(d))
    return med > 0 and bool(np.all(np.abs(d - med) <= rel_tol * med))


def _bins(n: int, per_bin: int) -> tuple[int, int]:
    per_bin = max(1, per_bin)
    return (n + per_bin - 1) // per_bin, per_bin


def _pad(y: FloatArray, nb: int, per: int, fill: float) -> NDArray[np.float64]:
    out = np.full(nb * per, fill)
    out[: y.size] = y
    return out.reshape(nb, per)


def window_mean(y: FloatArray, per_bin: int) -> FloatArray:
    """Mean of each consecutive ``per_bin`` samples (NaN-aware; the last window may be short)."""
    nb, per = _bins(y.size, per_bin)
    if y.size == 0:
        return np.zeros(0)
    a = _pad(np.asarray(y, dtype=np.float64), nb, per, np.nan)
    finite = np.isfinite(a)
    cnt = finite.sum(axis=1)
    tot = np.where(finite, a, 0.0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(cnt > 0, tot / np.maximum(cnt, 1), np.nan)


def window_max(y: FloatArray, per_bin: int) -> FloatArray:
    """Max of each consecutive ``per_bin`` samples (NaN ignored; all-NaN → NaN)."""
    nb, per = _bins(y.size, per_bin)
    if y.size == 0:
        return np.zeros(0)
    a = _pad(np.asarray(y, dtype=np.float64), nb, per, np.nan)
    a = np.where(np.isfinite(a), a, -np.inf)
    m = a.max(axis=1)
    return np.where(np.isfinite(m), m, np.nan)


def minmax_envelope(y: FloatArray, per_bin: int) -> FloatArray:
    """Two points per window — its min and max, in the order they occurred.

    Peaks and dips survive decimation (a 1 ms spike still shows). Returns ``(2·nb,)``;
    point ``j`` belongs at time ``t0 + (j + 0.5) · per_bin · dt / 2``.
    """
    nb, per = _bins(y.size, per_bin)
    if y.size == 0:
        return np.zeros(0)
    a = _pad(np.asarray(y, dtype=np.float64), nb, per, np.nan)
    finite = np.isfinite(a)
    lo_i = np.argmin(np.where(finite, a, np.inf), axis=1)
    hi_i = np.argmax(np.where(finite, a, -np.inf), axis=1)
    rows = np.arange(nb)
    lo, hi = a[rows, lo_i], a[rows, hi_i]
    empty = ~finite.any(axis=1)
    lo[empty] = np.nan
    hi[empty] = np.nan
    first_lo = lo_i <= hi_i
    out = np.empty(2 * nb)
    out[0::2] = np.where(first_lo, lo, hi)
    out[1::2] = np.where(first_lo, hi, lo)
    return out


def simplify(
    x: FloatArray, y: FloatArray, tol: float, *, vertical: bool = True
) -> NDArray[np.intp]:
    """Indices of a Ramer–Douglas–Peucker simplification of the polyline ``(x, y)``.

    Args:
        x, y: ``(N,)`` coordinates (finite).
        tol: largest allowed deviation: of ``y`` from the chord at the same ``x`` when
            ``vertical`` (time series), else the perpendicular distance (paths).

    Returns:
        sorted indices into ``x``, first and last always kept.
    """
    n = x.size
    if n <= 2:
        return np.arange(n)
    keep = np.zeros(n, dtype=bool)
    keep[0] = keep[-1] = True
    stack = [(0, n - 1)]
    while stack:
        i0, i1 = stack.pop()
        if i1 - i0 < 2:
            continue
        xs, ys = x[i0 + 1 : i1], y[i0 + 1 : i1]
        dx, dy = x[i1] - x[i0], y[i1] - y[i0]
        if vertical:
            frac = (xs - x[i0]) / dx if dx != 0 else np.zeros_like(xs)
            dev = np.abs(ys - (y[i0] + frac * dy))
        else:
            norm = float(np.hypot(dx, dy))
            if norm == 0.0:
                dev = np.hypot(xs - x[i0], ys - y[i0])
            else:
                dev = np.abs(dy * (xs - x[i0]) - dx * (ys - y[i0])) / norm
        j = int(np.argmax(dev))
        if dev[j] > tol:
            k = i0 + 1 + j
            keep[k] = True
            stack += [(i0, k), (k, i1)]
    return np.flatnonzero(keep)


# --------------------------------------------------------------------------- intervals
def runs(mask: NDArray[np.bool_]) -> list[tuple[int, int]]:
    """``[start, end)`` index pairs of the runs of True in ``mask``."""
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(
        zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist(), strict=True)
    )


def block_spans(t_s: FloatArray, block: FloatArray) -> list[tuple[int, float, float]]:
    """``(block index, t0, t1)`` for each stretch of the session spent in one block."""
    out: list[tuple[int, float, float]] = []
    if t_s.size == 0:
        return out
    b = np.round(block).astype(np.int64)
    change = np.flatnonzero(np.diff(b)) + 1
    starts = np.concatenate([[0], change])
    ends = np.concatenate([change, [b.size]])
    dt = sample_period_s(t_s)
    for i0, i1 in zip(starts.tolist(), ends.tolist(), strict=True):
        if b[i0] >= 0:
            out.append((int(b[i0]), float(t_s[i0]), float(t_s[i1 - 1]) + dt))
    return out


# --------------------------------------------------------------------------- windows
@dataclass(frozen=True)
class Windows:
    """The session in short windows (default 100 ms), for maps and speed.

    Attributes (each ``(W,)`` unless noted):
        window_s: window length.
        t_s: window centre times.
        xyz_m: ``(W, 3)`` mean measured tool position in frame B.
        normal_force_n: mean measured normal force.
        pressure_mean_n_cm2: mean pressure while touching (NaN when not touching).
        pressure_max_n_cm2: largest 1 ms pressure in the window (0 when not touching).
        contact_fraction: share of the window with force ≥ 0.5 N.
        tool: tool code (index into ``TOOL_CODES``) at the window's centre.
        block: block index at the window's centre (-1 outside blocks).
    """

    window_s: float
    t_s: FloatArray
    xyz_m: FloatArray
    normal_force_n: FloatArray
    pressure_mean_n_cm2: FloatArray
    pressure_max_n_cm2: FloatArray
    contact_fraction: FloatArray
    tool: NDArray[np.int64]
    block: NDArray[np.int64]

    @property
    def speed_m_s(self) -> FloatArray:
        """Measured tool speed from the window-mean positions (central differences)."""
        if self.t_s.size < 2:
            return np.zeros(self.t_s.size)
        vel = np.gradient(self.xyz_m, self.t_s, axis=0)
        return np.asarray(np.linalg.norm(vel, axis=1), dtype=np.float64)


def tool_area_cm2(tool_codes: FloatArray) -> FloatArray:
    """Contact area (cm²) of each sample's tool (``TOOLS[tool].area_cm2``)."""
    areas = np.array([TOOLS[t].area_cm2 for t in TOOL_CODES])
    idx = np.clip(np.nan_to_num(tool_codes, nan=0.0).astype(np.int64), 0, len(TOOL_CODES) - 1)
    return np.asarray(areas[idx], dtype=np.float64)


def pressure_n_cm2(data: SessionColumns) -> FloatArray:
    """Mean contact pressure of every sample: normal force / tool area (N/cm², ≥ 0)."""
    fn = np.nan_to_num(data.columns["normal_force_n"], nan=0.0)
    return np.maximum(fn, 0.0) / tool_area_cm2(data.plan_columns["tool"])


def windows(data: SessionColumns, window_s: float = 0.1) -> Windows:
    """Cut the recording into ``window_s`` windows (see :class:`Windows`)."""
    c, p = data.columns, data.plan_columns
    t = c["t_s"]
    per = max(1, round(window_s / sample_period_s(t)))
    fn = c["normal_force_n"]
    touching = in_contact_mask(fn)
    pres = pressure_n_cm2(data)
    xyz = np.stack([window_mean(c[k], per) for k in ("x_m", "y_m", "z_m")], axis=1)
    frac = window_mean(touching.astype(np.float64), per)
    pmean = window_mean(np.where(touching, pres, np.nan), per)
    pmax = np.nan_to_num(window_max(np.where(touching, pres, 0.0), per), nan=0.0)
    centre = np.minimum(np.arange(frac.size) * per + per // 2, t.size - 1)
    return Windows(
        window_s=per * sample_period_s(t),
        t_s=window_mean(t, per),
        xyz_m=xyz,
        normal_force_n=window_mean(fn, per),
        pressure_mean_n_cm2=pmean,
        pressure_max_n_cm2=pmax,
        contact_fraction=frac,
        tool=np.nan_to_num(p["tool"][centre], nan=0.0).astype(np.int64),
        block=np.round(np.nan_to_num(p["block"][centre], nan=-1.0)).astype(np.int64),
    )


def chart_of(
    back: BackModel, xyz_m: FloatArray, chunk: int = 4000
) -> tuple[FloatArray, FloatArray]:
    """Chart ``(u, v_m)`` of frame-B points ``(N, 3)`` (non-finite rows → NaN), in chunks."""
    n = xyz_m.shape[0]
    u = np.full(n, np.nan)
    v = np.full(n, np.nan)
    ok = np.flatnonzero(np.all(np.isfinite(xyz_m), axis=1))
    for i in range(0, ok.size, chunk):
        idx = ok[i : i + chunk]
        uu, vv = back.project(xyz_m[idx])
        u[idx], v[idx] = uu, vv
    return u, v


# --------------------------------------------------------------------------- pressure map
@dataclass(frozen=True)
class PressureMap:
    """Pressure per area of the back, on the chart (chart metres: ``s = u·L``, ``v``).

    Attributes:
        bin_m: bin size (square).
        s_centres_m: ``(S,)`` bin centres along the spine (from the waist).
        v_centres_m: ``(V,)`` bin centres across (+ = client's left).
        mean_n_cm2: ``(S, V)`` time-weighted mean pressure under the tool (NaN: never touched).
        max_n_cm2: ``(S, V)`` largest pressure (NaN: never touched).
        contact_s: ``(S, V)`` contact time, weighted by the share of the tool's
            footprint that lay over the bin.
    """

    bin_m: float
    s_centres_m: FloatArray
    v_centres_m: FloatArray
    mean_n_cm2: FloatArray
    max_n_cm2: FloatArray
    contact_s: FloatArray


def pressure_map(back: BackModel, win: Windows, bin_m: float = 0.01) -> PressureMap:
    """Spread each touching window's pressure over its tool's footprint and bin it.

    A tool's footprint is one rectangle per pad (palms: two pads either side of the
    spine), ``2·half_length_m`` along the spine and ``area / pads / (2·half_length_m)``
    across. Positions are the measured tool positions projected on the chart.
    """
    L = back.back_length_m
    v_lim = float(np.max(back.v_max_m(np.linspace(0, 1, 101))))
    s_edges = np.arange(0.0, L + bin_m, bin_m)
    nv = int(np.ceil(v_lim / bin_m))
    v_edges = np.arange(-nv, nv + 1) * bin_m
    shape = (s_edges.size - 1, v_edges.size - 1)
    wsum = np.zeros(shape)
    psum = np.zeros(shape)
    pmax = np.full(shape, -np.inf)
    sel = np.flatnonzero((win.contact_fraction > 0.0) & np.isfinite(win.pressure_mean_n_cm2))
    if sel.size:
        u, v = chart_of(back, win.xyz_m[sel])
        good = np.isfinite(u)
        sel, u, v = sel[good], u[good], v[good]
        s = u * L
        step = bin_m / 2.0
        for code, tool in enumerate(TOOL_CODES):
            m = win.tool[sel] == code
            if not np.any(m):
                continue
            spec = TOOLS[tool]
            hl = spec.half_length_m
            hw = spec.area_m2 / len(spec.pads_v_m) / (2.0 * hl) / 2.0
            ds = np.linspace(-hl, hl, max(1, int(np.ceil(2 * hl / step)) + 1))
            dv = np.linspace(-hw, hw, max(1, int(np.ceil(2 * hw / step)) + 1))
            weight = (win.contact_fraction[sel][m] * win.window_s) / (ds.size * dv.size)
            pm = win.pressure_mean_n_cm2[sel][m]
            px = win.pressure_max_n_cm2[sel][m]
            for pad in spec.pads_v_m:
                for a in ds:
                    for b in dv:
                        si = np.searchsorted(s_edges, s[m] + a, side="right") - 1
                        vi = np.searchsorted(v_edges, v[m] + pad + b, side="right") - 1
                        ok = (si >= 0) & (si < shape[0]) & (vi >= 0) & (vi < shape[1])
                        np.add.at(wsum, (si[ok], vi[ok]), weight[ok])
                        np.add.at(psum, (si[ok], vi[ok]), weight[ok] * pm[ok])
                        np.maximum.at(pmax, (si[ok], vi[ok]), px[ok])
    touched = wsum > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(touched, psum / np.where(touched, wsum, 1.0), np.nan)
    return PressureMap(
        bin_m=bin_m,
        s_centres_m=0.5 * (s_edges[:-1] + s_edges[1:]),
        v_centres_m=0.5 * (v_edges[:-1] + v_edges[1:]),
        mean_n_cm2=mean,
        max_n_cm2=np.where(touched, pmax, np.nan),
        contact_s=wsum,
    )


def capsule_outline(
    a_sv_m: tuple[float, float], b_sv_m: tuple[float, float], radius_m: float, n: int = 24
) -> tuple[FloatArray, FloatArray]:
    """Closed outline ``(s, v)`` of a keep-out capsule (segment ``a→b`` swept by ``radius_m``)."""
    a = np.asarray(a_sv_m, dtype=np.float64)
    b = np.asarray(b_sv_m, dtype=np.float64)
    d = b - a
    ang = float(np.arctan2(d[1], d[0])) if np.any(d) else 0.0
    th1 = ang + np.linspace(-np.pi / 2, np.pi / 2, n)
    th0 = ang + np.linspace(np.pi / 2, 3 * np.pi / 2, n)
    s = np.concatenate([b[0] + radius_m * np.cos(th1), a[0] + radius_m * np.cos(th0)])
    v = np.concatenate([b[1] + radius_m * np.sin(th1), a[1] + radius_m * np.sin(th0)])
    return np.append(s, s[0]), np.append(v, v[0])
