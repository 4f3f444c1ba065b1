"""A regular grid over the surface chart, and the skin geometry sampled on it.

Every field of the simulated client (stiffness, tissue thickness, dose, breathing
amplitude, the skin surface itself) is precomputed on one :class:`ChartGrid` so the
1 kHz path only does bilinear index arithmetic on Python floats.

The grid is uniform in chart-metric coordinates: ``u`` nodes are ``spacing_m`` apart
along the spine (``du = spacing_m / back_length_m`` in chart units, rounded so that
``u = 0`` and ``u = 1`` are nodes) and ``v`` nodes exactly ``spacing_m`` apart in metres,
symmetric about the midline. A margin of ``margin_m`` extends the grid past the
waist/C7 ends and the flanks; there the skin is the tangent extension of the edge.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from backstroke.body.back_model import BackModel
from backstroke.errors import ClientError

FloatArray = NDArray[np.float64]


class ChartGrid:
    """Node coordinates and index arithmetic of the chart grid.

    Args:
        back: the client's back model.
        spacing_m: node spacing along the skin (m), both directions.
        margin_m: extra extent past the chart's ends (m).

    Attributes:
        u: (n_u,) chart u of the node rows (may extend below 0 and above 1).
        v_m: (n_v,) chart v (m) of the node columns.
        du, dv_m: spacings (chart units, m).
        uu, vv_m: (n_u, n_v) node coordinates.
        v_max_m: (n_u,) largest |v| on the skin at each row (its u clamped to [0, 1]).
    """

    def __init__(self, back: BackModel, spacing_m: float = 0.0025, margin_m: float = 0.05) -> None:
        if not (0.0005 <= spacing_m <= 0.02 and 0.0 <= margin_m <= 0.2):
            raise ClientError(
                "chart grid spacing/margin out of range",
                key="grid_spacing_m",
                value=(spacing_m, margin_m),
                allowed="spacing 0.0005..0.02 m, margin 0..0.2 m",
            )
        length = back.back_length_m
        n_inner = max(round(length / spacing_m), 8)
        self.du = 1.0 / n_inner
        self.dv_m = float(spacing_m)
        k_u = math.ceil(margin_m / (self.du * length))
        self.u = (np.arange(-k_u, n_inner + k_u + 1) * self.du).astype(np.float64)
        v_edge = float(np.max(back.v_max_m(np.linspace(0.0, 1.0, 201))))
        k_v = math.ceil((v_edge + margin_m) / spacing_m)
        self.v_m = (np.arange(-k_v, k_v + 1) * spacing_m).astype(np.float64)
        self.n_u = int(self.u.size)
        self.n_v = int(self.v_m.size)
        self.u0 = float(self.u[0])
        self.v0_m = float(self.v_m[0])
        self.uu = np.repeat(self.u[:, None], self.n_v, axis=1)
        self.vv_m = np.repeat(self.v_m[None, :], self.n_u, axis=0)
        self.v_max_m = np.asarray(back.v_max_m(np.clip(self.u, 0.0, 1.0)), dtype=np.float64)
        self.back_length_m = float(length)

    @property
    def shape(self) -> tuple[int, int]:
        return self.n_u, self.n_v

    def cell(self, u: float, v_m: float) -> tuple[int, int, float, float]:
        """Cell ``(i, j)`` containing a chart point (clamped) and fractions ``(a, b)``."""
        fu = (u - self.u0) / self.du
        fv = (v_m - self.v0_m) / self.dv_m
        i = min(max(math.floor(fu), 0), self.n_u - 2)
        j = min(max(math.floor(fv), 0), self.n_v - 2)
        a = min(max(fu - i, 0.0), 1.0)
        b = min(max(fv - j, 0.0), 1.0)
        return i, j, a, b

    def sample(self, field: FloatArray, u: object, v_m: object) -> FloatArray:
        """Bilinear samples of a node field ``(n_u, n_v)`` at chart points (broadcast)."""
        uu = np.asarray(u, dtype=np.float64)
        vv = np.asarray(v_m, dtype=np.float64)
        uu, vv = np.broadcast_arrays(uu, vv)
        fu = np.clip((uu - self.u0) / self.du, 0.0, self.n_u - 1.000001)
        fv = np.clip((vv - self.v0_m) / self.dv_m, 0.0, self.n_v - 1.000001)
        i = np.floor(fu).astype(np.intp)
        j = np.floor(fv).astype(np.intp)
        a = fu - i
        b = fv - j
        f = np.asarray(field, dtype=np.float64)
        x0 = f[i, j] + (f[i, j + 1] - f[i, j]) * b
        x1 = f[i + 1, j] + (f[i + 1, j + 1] - f[i + 1, j]) * b
        return np.asarray(x0 + (x1 - x0) * a, dtype=np.float64)

    def box_slices(
        self, u: float, v_m: float, half_u_m: float, half_v_m: float
    ) -> tuple[slice, slice]:
        """Index slices of the nodes inside a chart-metric box centred on ``(u, v_m)``."""
        hu = half_u_m / (self.du * self.back_length_m)
        hv = half_v_m / self.dv_m
        fu = (u - self.u0) / self.du
        fv = (v_m - self.v0_m) / self.dv_m
        i0 = min(max(math.ceil(fu - hu), 0), self.n_u - 1)
        i1 = min(max(math.floor(fu + hu) + 1, i0 + 1), self.n_u)
        j0 = min(max(math.ceil(fv - hv), 0), self.n_v - 1)
        j1 = min(max(math.floor(fv + hv) + 1, j0 + 1), self.n_v)
        return slice(i0, i1), slice(j0, j1)


class SurfaceTables:
    """The skin on the chart grid: point and first and second derivatives at every node.

    ``nodes[k]`` (``k = i * n_v + j``) is an 18-tuple ``(S, S_u, S_v, S_uu, S_uv, S_vv)``
    (each 3 floats, frame B): the skin point (m) and its partial derivatives along u (per
    chart unit) and v (per metre), as central differences over one grid cell. A
    second-order Taylor expansion from the nearest node gives the skin anywhere on the
    chart to ~O(h³) (h = grid spacing), nearly continuous from node to node. Past the
    chart's edges the skin is the tangent extension of the edge (second derivatives
    zero there).

    Attributes:
        points_m, d_du_m, d_dv, normals: (n_u, n_v, 3) arrays: point, derivatives, unit
            outward normal.
    """

    def __init__(self, back: BackModel, grid: ChartGrid) -> None:
        uu, vv = grid.uu, grid.vv_m
        vmax = grid.v_max_m[:, None]
        # Derivatives by differences over one grid cell: a local quadratic fit through the
        # neighbouring nodes, so the skin's creases (the BackModel is only C0 in places)
        # become gentle curvature instead of spikes.
        eu, ev = grid.du, grid.dv_m
        # Evaluate inside the chart, far enough from its edges for the stencils.
        uc = np.clip(uu, eu, 1.0 - eu)
        vc = np.clip(vv, -(vmax - ev), vmax - ev)
        inside = (uu >= 0.0) & (uu <= 1.0) & (np.abs(vv) <= vmax)

        def at(du: float, dv: float) -> FloatArray:
            return np.asarray(back.point(uc + du, vc + dv), dtype=np.float64)

        p0 = at(0.0, 0.0)
        pu_p, pu_m, pv_p, pv_m = at(eu, 0.0), at(-eu, 0.0), at(0.0, ev), at(0.0, -ev)
        d_du = (pu_p - pu_m) / (2 * eu)
        d_dv = (pv_p - pv_m) / (2 * ev)
        d_uu = (pu_p - 2 * p0 + pu_m) / eu**2
        d_vv = (pv_p - 2 * p0 + pv_m) / ev**2
        d_uv = (at(eu, ev) - at(eu, -ev) - at(-eu, ev) + at(-eu, -ev)) / (4 * eu * ev)
        for d2 in (d_uu, d_uv, d_vv):
            d2[~inside] = 0.0
        # Tangent extension past the edges.
        pts = p0 + (uu - uc)[..., None] * d_du + (vv - vc)[..., None] * d_dv
        n = np.cross(d_du, d_dv)
        n /= np.linalg.norm(n, axis=-1, keepdims=True)
        self.points_m = np.ascontiguousarray(pts)
        self.d_du_m = np.ascontiguousarray(d_du)
        self.d_dv = np.ascontiguousarray(d_dv)
        self.normals = np.ascontiguousarray(n)
        table = np.concatenate([pts, d_du, d_dv, d_uu, d_uv, d_vv], axis=-1).reshape(-1, 18)
        self.nodes: list[tuple[float, ...]] = [tuple(row) for row in table.tolist()]
