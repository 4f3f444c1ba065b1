"""Which limits apply where: bony keep-out zones near the tool's pads, as fast lookups.

One table, shared by the planner (caps every target) and the Supervisor (decides "over
bone" from where the tool is *measured* to be): the clearance from each chart point to
the nearest keep-out zone, sampled on a 2.5 mm chart grid and read bilinearly.

Two questions, two margins:

* ``near_bone`` with ``SHIFT_REACH_M`` — could a pad end up over bone if the client
  shifts by up to 3 cm? A sideways shift on oiled skin barely shows in the force
  sensor, so the plan respects the stricter limit wherever bone lies within that reach
  of a pad: after any such shift the force the loop holds is still within the limit.
* ``over_bone`` with the tool's own margin — is bone under the patch now (the
  Supervisor, from the measured position)?
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from backstroke.body.back_model import BackModel
from backstroke.jit import numba_njit
from backstroke.tools import BONE_LIMIT_FACTOR, TOOLS, Tool

FloatArray = NDArray[np.float64]

# How far (m, on the skin) a client can shift before the Supervisor can tell.
SHIFT_REACH_M = 0.035
# A pad is "over bone" for the Supervisor when its centre is this close to a zone (m):
# half the pad's lateral size, at most 1.5 cm (the palms' pads are 7 cm wide but ride
# on springs: their edges carry little).
MAX_PAD_MARGIN_M = 0.015
# Fraction of a limit a plan may ask for (the Supervisor's soft limit is 0.85).
PLAN_FRACTION = 0.85 * 0.9
# Steepest change of a force cap along the plan (N/s): the loop follows it calmly.
CAP_SLOPE_N_S = 12.0
_SPACING_M = 0.0025
_V_EXTENT_M = 0.30


def _pad_margin_m(tool: Tool) -> float:
    spec = TOOLS[tool]
    half = spec.half_width_m if len(spec.pads_v_m) == 1 else 0.035
    return min(half, MAX_PAD_MARGIN_M)


# The Supervisor's bone margin for one pad of each tool (m).
PAD_MARGINS_M: dict[Tool, float] = {tool: _pad_margin_m(tool) for tool in TOOLS}
_PADS_V_M: dict[Tool, tuple[float, ...]] = {tool: TOOLS[tool].pads_v_m for tool in TOOLS}
# A tool's index in the bone table (and in the Supervisor's state array).
TOOL_INDEX: dict[Tool, int] = {tool: i for i, tool in enumerate(TOOLS)}
# Layout of the bone table: the grid (nv, du, fu_max, v0, length_m), where the cell
# minima and the clearances start; per tool (from Z_TOOL, Z_TOOL_N each): pad count and
# pads (3), where its per-TCP-cell minima start, its pad margin; then the arrays.
Z_NV, Z_DU, Z_FU_MAX, Z_V0, Z_LEN, Z_CELL, Z_FLAT = range(7)
Z_TOOL = 8
Z_PADS, Z_TOOL_MIN, Z_MARGIN = 0, 4, 5
Z_TOOL_N = 6


def pad_margin_m(tool: Tool) -> float:
    """The Supervisor's bone margin for one pad of ``tool`` (m)."""
    return PAD_MARGINS_M[tool]


class ZoneLimits:
    """Clearance to bone on a chart grid of one BackModel.

    Args:
        back: the BackModel the plan and the Supervisor use.
    """

    def __init__(self, back: BackModel) -> None:
        self.back = back
        self.length_m = back.back_length_m
        n_u = max(round(self.length_m / _SPACING_M), 8)
        self.u = np.linspace(0.0, 1.0, n_u + 1)
        self.v_m = np.arange(-_V_EXTENT_M, _V_EXTENT_M + 1e-9, _SPACING_M)
        uu = np.repeat(self.u[:, None], self.v_m.size, axis=1)
        vv = np.repeat(self.v_m[None, :], self.u.size, axis=0)
        self.clearance = np.asarray(back.keep_out_clearance_m(uu, vv), dtype=np.float64)
        self._flat: list[float] = self.clearance.ravel().tolist()
        self._nv = int(self.v_m.size)
        self._nu = int(self.u.size)
        self._du = float(self.u[1] - self.u[0])
        self._fu_max = self._nu - 1.000001
        self._v0 = float(self.v_m[0])
        # Per cell, the least of its four corners: a bilinear value is never below it,
        # so a cell whose corners all clear a margin answers without interpolating.
        c = self.clearance
        corner_min = np.minimum(
            np.minimum(c[:-1, :-1], c[:-1, 1:]), np.minimum(c[1:, :-1], c[1:, 1:])
        )
        cell_min = np.full(c.shape, -np.inf)
        cell_min[:-1, :-1] = corner_min
        self._cell_min: list[float] = cell_min.ravel().tolist()
        self._cell_min_grid = cell_min
        self._tool_min: dict[Tool, list[float]] = {}
        # Everything over_bone reads, for it and the Supervisor's compiled tick.
        self.table = self._bone_table()

    def _tool_cells_min(self, tool: Tool) -> list[float]:
        """Per TCP cell, the least ``cell_min`` of every cell a pad of ``tool`` can fall
        in from a TCP in that cell (rounding included): one lookup clears all pads."""
        got = self._tool_min.get(tool)
        if got is None:
            cm, nu, nv = self._cell_min_grid, self._nu, self._nv
            out = np.full((nu, nv), -np.inf)
            inner = np.full((nu, nv - 1), np.inf)
            jt = np.arange(nv - 1)
            for pad in _PADS_V_M[tool]:
                base = int(np.floor(pad / _SPACING_M))
                for dj in range(base - 1, base + 3):
                    inner = np.minimum(inner, cm[:, np.clip(jt + dj, 0, nv - 2)])
            out[:, : nv - 1] = inner
            got = self._tool_min[tool] = out.ravel().tolist()
        return got

    def _bone_table(self) -> FloatArray:
        """What :func:`over_bone_in` reads, as one array (layout: ``Z_*``)."""
        head = np.zeros(Z_TOOL + Z_TOOL_N * len(TOOL_INDEX))
        parts = [head, np.asarray(self._cell_min), np.asarray(self._flat)]
        at = head.size
        n = len(self._cell_min)
        head[Z_NV : Z_FLAT + 1] = (
            self._nv,
            self._du,
            self._fu_max,
            self._v0,
            self.length_m,
            at,
            at + n,
        )
        at += 2 * n
        for tool, code in TOOL_INDEX.items():
            pads = _PADS_V_M[tool]
            if len(pads) > 3:
                raise ValueError(f"{tool}: {len(pads)} pads, the bone table takes 3")
            o = Z_TOOL + Z_TOOL_N * code
            head[o + Z_PADS] = len(pads)
            head[o + Z_PADS + 1 : o + Z_PADS + 1 + len(pads)] = pads
            head[o + Z_TOOL_MIN] = at
            head[o + Z_MARGIN] = PAD_MARGINS_M[tool]
            tool_min = np.asarray(self._tool_cells_min(tool))
            parts.append(tool_min)
            at += tool_min.size
        return np.concatenate(parts)

    # ------------------------------------------------------------------ scalar (1 kHz)
    def clearance_at(self, u: float, v_m: float) -> float:
        """Signed distance (m) from chart point ``(u, v_m)`` to the nearest zone's edge."""
        fu = min(max(u / self._du, 0.0), self._nu - 1.000001)
        fv = min(max((v_m - self._v0) / _SPACING_M, 0.0), self._nv - 1.000001)
        i, j = int(fu), int(fv)
        a, b = fu - i, fv - j
        k = i * self._nv + j
        c = self._flat
        return (
            c[k] * (1 - a) * (1 - b)
            + c[k + 1] * (1 - a) * b
            + c[k + self._nv] * a * (1 - b)
            + c[k + self._nv + 1] * a * b
        )

    def over_bone(self, tool: Tool, u: float, v_m: float, margin_m: float) -> bool:
        """Whether any pad centre of ``tool`` at TCP ``(u, v_m)`` is within ``margin_m``
        of a keep-out zone (the same bilinear values as :meth:`clearance_at`; a point
        that is not finite counts as bone)."""
        return bool(over_bone_in(self.table, TOOL_INDEX[tool], u, v_m, margin_m))

    # ------------------------------------------------------------------ vectorised (plan)
    def clearances(self, u: FloatArray, v_m: FloatArray) -> FloatArray:
        """(N,) clearance (m) at chart points (N,)."""
        fu = np.clip(np.asarray(u) / self._du, 0.0, self._nu - 1.000001)
        fv = np.clip((np.asarray(v_m) - self._v0) / _SPACING_M, 0.0, self._nv - 1.000001)
        i, j = fu.astype(int), fv.astype(int)
        a, b = fu - i, fv - j
        c = self.clearance
        return np.asarray(
            c[i, j] * (1 - a) * (1 - b)
            + c[i, j + 1] * (1 - a) * b
            + c[i + 1, j] * a * (1 - b)
            + c[i + 1, j + 1] * a * b,
            dtype=np.float64,
        )

    def near_bone(self, tool: Tool, u: FloatArray, v_m: FloatArray, reach_m: float) -> NDArray:
        """(N,) bool: a pad of ``tool`` lies within ``reach_m`` of a keep-out zone."""
        out = np.zeros(np.shape(u), dtype=bool)
        for pad in TOOLS[tool].pads_v_m:
            out |= self.clearances(u, np.asarray(v_m) + pad) < reach_m
        return out

    def force_cap_n(
        self, tools: list[Tool], u: FloatArray, v_m: FloatArray, t_s: FloatArray
    ) -> FloatArray:
        """(N,) the largest target force a plan may ask for at each sample.

        ``PLAN_FRACTION`` of the tool's limit, halved where bone lies within
        ``SHIFT_REACH_M`` of a pad, then made to change by at most ``CAP_SLOPE_N_S`` so
        the force is already down when the patch gets near bone (and comes back up
        gently after).
        """
        n = len(tools)
        cap = np.empty(n)
        index = {tool: k for k, tool in enumerate(set(tools))}
        codes = np.fromiter((index[t] for t in tools), dtype=np.int64, count=n)
        for tool, k in index.items():
            m = codes == k
            near = self.near_bone(tool, np.asarray(u)[m], np.asarray(v_m)[m], SHIFT_REACH_M)
            full = TOOLS[tool].max_force_n * PLAN_FRACTION
            cap[m] = np.where(near, full * BONE_LIMIT_FACTOR, full)
        return lipschitz_envelope(cap, np.asarray(t_s), CAP_SLOPE_N_S)


@numba_njit()
def over_bone_in(Z: Any, tool: int, u: float, v_m: float, margin_m: float) -> bool:
    """:meth:`ZoneLimits.over_bone` on its table ``Z`` (``tool``: its ``TOOL_INDEX``):
    the one body of that rule, for the Supervisor's Python path and its fused tick."""
    if not (math.isfinite(u) and math.isfinite(v_m)):
        return True  # cannot be placed: bone (conservative)
    nv = int(Z[Z_NV])
    # (min/max written out: the same answers as Python's)
    fu = u / Z[Z_DU]
    if fu < 0.0:
        fu = 0.0
    if Z[Z_FU_MAX] < fu:
        fu = Z[Z_FU_MAX]
    i = int(fu)
    v0 = Z[Z_V0]
    fv = (v_m - v0) / _SPACING_M
    o = Z_TOOL + Z_TOOL_N * tool
    if 0.0 <= fv < nv - 1 and Z[int(Z[o + Z_TOOL_MIN]) + i * nv + int(fv)] >= margin_m:
        return False  # no cell any pad can be in comes within the margin
    a = fu - i
    cm = int(Z[Z_CELL])
    c = int(Z[Z_FLAT])
    top = nv - 1.000001
    for q in range(int(Z[o + Z_PADS])):
        fv = (v_m + Z[o + Z_PADS + 1 + q] - v0) / _SPACING_M
        if fv < 0.0:
            fv = 0.0
        if top < fv:
            fv = top
        j = int(fv)
        k = i * nv + j
        if Z[cm + k] >= margin_m:
            continue  # every corner clears the margin: so does the bilinear value
        b = fv - j
        clearance = (
            Z[c + k] * (1 - a) * (1 - b)
            + Z[c + k + 1] * (1 - a) * b
            + Z[c + k + nv] * a * (1 - b)
            + Z[c + k + nv + 1] * a * b
        )
        if clearance < margin_m:
            return True
    return False


def zone_limits_for(back: BackModel) -> ZoneLimits:
    """The (cached on the back, read-only) ZoneLimits of a back."""
    return back.derived(("zone_limits",), lambda: ZoneLimits(back))


def lipschitz_envelope(values: FloatArray, t_s: FloatArray, slope: float) -> FloatArray:
    """Largest function ≤ ``values`` whose slope is at most ``slope`` (per unit of t).

    A forward and a backward pass of ``v[i] = min(v[i], v[i∓1] + slope·|Δt|)``, run
    only where a value breaks that bound (caps are flat almost everywhere): the same
    operations, in the same order, as the full passes.
    """
    out = np.array(values, dtype=np.float64)
    n = out.size
    if n < 2:
        return out
    steps_a = np.abs(np.diff(np.asarray(t_s, dtype=np.float64))) * slope
    vals = out.tolist()
    steps = steps_a.tolist()
    # forward: from every sample that rises too fast after the previous one
    for i in (np.flatnonzero(out[1:] > out[:-1] + steps_a) + 1).tolist():
        while i < n and vals[i] > vals[i - 1] + steps[i - 1]:
            vals[i] = vals[i - 1] + steps[i - 1]
            i += 1
    out = np.asarray(vals, dtype=np.float64)
    # backward: from every sample that falls too fast into the next one
    for i in np.flatnonzero(out[:-1] > out[1:] + steps_a)[::-1].tolist():
        while i >= 0 and vals[i] > vals[i + 1] + steps[i]:
            vals[i] = vals[i + 1] + steps[i]
            i -= 1
    return np.asarray(vals, dtype=np.float64)
