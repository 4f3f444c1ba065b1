"""The simulated skin around the tool's foot: per-node tables and their second-order
expansion (the built-in simulator's contact geometry, docs/tissue.md)."""

from __future__ import annotations

import math

from backstroke.body.back_model import BackModel
from backstroke.tissue.grid import ChartGrid, SurfaceTables


def surface_tables(back: BackModel, grid: ChartGrid) -> SurfaceTables:
    """The skin tables of a back on a grid, cached on the back (they are read-only)."""
    key = ("skin_tables", grid.dv_m, grid.n_u, grid.n_v)
    return back.derived(key, lambda: SurfaceTables(back, grid))


def taylor(node: tuple[float, ...], du: float, dv: float) -> tuple[float, ...]:
    """Skin at ``(du, dv)`` from a node (second order): point, S_u, S_v, unit normal and
    the halved second fundamental form ``(L/2, M, N/2)`` (15 floats)."""
    (
        sx, sy, sz, ux, uy, uz, vx, vy, vz,
        uux, uuy, uuz, uvx, uvy, uvz, vvx, vvy, vvz,
    ) = node  # fmt: skip
    h1 = 0.5 * du * du
    h2 = du * dv
    h3 = 0.5 * dv * dv
    px = sx + ux * du + vx * dv + uux * h1 + uvx * h2 + vvx * h3
    py = sy + uy * du + vy * dv + uuy * h1 + uvy * h2 + vvy * h3
    pz = sz + uz * du + vz * dv + uuz * h1 + uvz * h2 + vvz * h3
    ax = ux + uux * du + uvx * dv
    ay = uy + uuy * du + uvy * dv
    az = uz + uuz * du + uvz * dv
    bx = vx + uvx * du + vvx * dv
    by = vy + uvy * du + vvy * dv
    bz = vz + uvz * du + vvz * dv
    nx = ay * bz - az * by
    ny = az * bx - ax * bz
    nz = ax * by - ay * bx
    inv = 1.0 / math.sqrt(nx * nx + ny * ny + nz * nz)
    nx *= inv
    ny *= inv
    nz *= inv
    return (
        px, py, pz, ax, ay, az, bx, by, bz, nx, ny, nz,
        0.5 * (nx * uux + ny * uuy + nz * uuz),
        nx * uvx + ny * uvy + nz * uvz,
        0.5 * (nx * vvx + ny * vvy + nz * vvz),
    )  # fmt: skip
