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

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from backstroke.body.back_model import BackModel
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


def pad_margin_m(tool: Tool) -> float:
    """The Supervisor's bone margin for one pad of ``tool`` (m)."""
    return PAD_MARGINS_M[tool]


@dataclass(frozen=True)
class ZoneTables:
    """What :meth:`ZoneLimits.over_bone` reads, for a compiled copy of it
    (``safety/fast_tick.py``): the grid, the clearances and the cell minima (flat,
    row-major), and each tool's per-TCP-cell minima."""

    nv: int
    du: float
    fu_max: float
    v0: float
    length_m: float
    spacing_m: float
    clearance: list[float]
    cell_min: list[float]
    tool_min: Callable[[Tool], list[float]]


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

    def tables(self) -> ZoneTables:
        """The tables :meth:`over_bone` reads (for a compiled copy of it)."""
        return ZoneTables(
            self._nv, self._du, self._fu_max, self._v0, self.length_m, _SPACING_M,
            self._flat, self._cell_min, self._tool_cells_min,
        )  # fmt: skip

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
        of a keep-out zone (the same bilinear values as :meth:`clearance_at`)."""
        nv = self._nv
        # (min/max written out: the same answers, NaN included, at 1 kHz)
        fu = u / self._du
        if fu < 0.0:
            fu = 0.0
        if self._fu_max < fu:
            fu = self._fu_max
        i = int(fu)
        fv = (v_m - self._v0) / _SPACING_M
        if 0.0 <= fv < nv - 1:
            tool_min = self._tool_min.get(tool) or self._tool_cells_min(tool)
            if tool_min[i * nv + int(fv)] >= margin_m:
                return False  # no cell any pad can be in comes within the margin
        a = fu - i
        cell_min = self._cell_min
        c = self._flat
        for pad in _PADS_V_M[tool]:
            fv = min(max((v_m + pad - self._v0) / _SPACING_M, 0.0), nv - 1.000001)
            j = int(fv)
            k = i * nv + j
            if cell_min[k] >= margin_m:
                continue  # every corner clears the margin: so does the bilinear value
            b = fv - j
            clearance = (
                c[k] * (1 - a) * (1 - b)
                + c[k + 1] * (1 - a) * b
                + c[k + nv] * a * (1 - b)
                + c[k + nv + 1] * a * b
            )
            if clearance < margin_m:
                return True
        return False

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
