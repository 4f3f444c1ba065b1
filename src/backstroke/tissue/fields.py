"""Precomputed tissue fields on the chart grid, per point and as each tool feels them.

Point fields (``(n_u, n_v)`` float64 on :class:`~backstroke.tissue.grid.ChartGrid`):

* ``stiffness_point_n_m``: ``client.stiffness_n_m`` × (1 + smooth seeded variation,
  ±``variation``) × (1 − ``erector_softness`` × muscle fraction) × knot factor, before
  the tool factors and the palm calibration (:attr:`TissueFields.calibration`).
* ``knot_factor``: 1 + Σ (ratio − 1)·exp(−(r / radius)^4): flat-topped taut spots.
* ``depth_m``: soft-tissue thickness over bone, ``BackModel.bone_depth_m``.
* ``dose_scale_n_cm2_s``: dose for 63 % softening; knots need more (soften slower).
* ``breath_amplitude_m``: peak-to-peak breathing motion (more at the low/mid back).

Tool fields (:class:`ToolFields`, one pad's view, centred at each node): the point
stiffness box-averaged over the pad (thumb: Gaussian bulb of σ =
``thumb_sensing_sigma_m``) times the tool factor and the calibration, divided among the
pads; the depth as the power mean ``mean(d^-2)^(-1/2)`` over the pad (thin spots
dominate); the dose scale averaged; and the comfort threshold from that depth.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage

from backstroke.body import anatomy
from backstroke.body.back_model import BackModel
from backstroke.body.client_file import ClientSpec
from backstroke.tissue.grid import ChartGrid
from backstroke.tissue.mechanics import indentation_for_force_m
from backstroke.tissue.params import TOOL_STIFFNESS_FACTOR, TissueParams
from backstroke.tools import TOOLS, Tool

FloatArray = NDArray[np.float64]

GLIDE_U_RANGE = (0.08, 0.92)  # the palm glide used to calibrate client.stiffness_n_m


@dataclass(frozen=True)
class ToolFields:
    """How one tool's pads feel the tissue, at every grid node (pad centred there).

    Attributes:
        tool: the tool.
        pads_v_m: lateral chart offsets of the pads from the TCP (m, multiples of dv).
        pad_columns: the same in grid columns.
        pad_half_u_m, pad_half_v_m: half-sizes of one pad's footprint (m).
        pad_area_cm2: one pad's area (cm²).
        stiffness_n_m: (n_u, n_v) linear stiffness of one pad (N/m), unsoftened, at the
            client's initial guarding.
        depth_m: (n_u, n_v) effective tissue thickness under one pad (m).
        dose_scale_n_cm2_s: (n_u, n_v) dose for 63 % of the maximum softening.
        comfort_n_cm2: (n_u, n_v) comfort threshold of mean pad pressure at guarding 0.5.
    """

    tool: Tool
    pads_v_m: tuple[float, ...]
    pad_columns: tuple[int, ...]
    pad_half_u_m: float
    pad_half_v_m: float
    pad_area_cm2: float
    stiffness_n_m: FloatArray
    depth_m: FloatArray
    dose_scale_n_cm2_s: FloatArray
    comfort_n_cm2: FloatArray


def knot_factor(grid: ChartGrid, client: ClientSpec) -> FloatArray:
    """(n_u, n_v) multiplier ≥ 1 of the point stiffness from the client's knots."""
    out = np.ones(grid.shape)
    length = grid.back_length_m
    for k in client.knots or []:
        r2 = ((grid.uu - k.u) * length) ** 2 + (grid.vv_m - k.v) ** 2
        out += (k.stiffness_ratio - 1.0) * np.exp(-((r2 / k.radius_m**2) ** 2))
    return out


def muscle_fraction(grid: ChartGrid) -> FloatArray:
    """(n_u, n_v) erector spinae thickness relative to its lumbar maximum, 0..1."""
    u = np.clip(grid.uu, 0.0, 1.0)
    t = np.clip((u - anatomy.level_u("L1")) / 0.25 + 0.5, 0.0, 1.0)
    erector = (
        1 - t
    ) * anatomy.ERECTOR_THICKNESS_LUMBAR_M + t * anatomy.ERECTOR_THICKNESS_THORACIC_M
    shape = np.exp(-(((np.abs(grid.vv_m) - anatomy.ERECTOR_CENTRE_V_M) / 0.035) ** 2))
    return np.asarray(erector * shape / anatomy.ERECTOR_THICKNESS_LUMBAR_M, dtype=np.float64)


def comfort_threshold_n_cm2(depth_m: FloatArray, adipose_m: float, p: TissueParams) -> FloatArray:
    """Comfort threshold of mean pressure (N/cm²) from tissue thickness, at guarding 0.5."""
    t = (depth_m - adipose_m - p.comfort_thin_m) / (p.comfort_thick_m - p.comfort_thin_m)
    t = np.clip(t, 0.0, 1.0)
    return np.asarray(
        p.comfort_bone_n_cm2 + (p.comfort_muscle_n_cm2 - p.comfort_bone_n_cm2) * t,
        dtype=np.float64,
    )


class TissueFields:
    """All precomputed fields of one client (see the module docstring).

    Args:
        back: the client's back model.
        client: the resolved client.
        params: tissue constants.
        grid: the chart grid.
        rng: the generator for the random variation (seeded from ``client.seed``).
    """

    def __init__(
        self,
        back: BackModel,
        client: ClientSpec,
        params: TissueParams,
        grid: ChartGrid,
        rng: np.random.Generator,
        breath_amplitude_m: float,
    ) -> None:
        self.grid = grid
        p = params
        spacing = grid.dv_m
        white = rng.standard_normal(grid.shape)
        smooth = ndimage.gaussian_filter(
            white, sigma=p.variation_length_m / spacing, mode="nearest"
        )
        peak = float(np.max(np.abs(smooth)))
        self.variation = smooth / peak * p.variation if peak > 0 else np.zeros(grid.shape)
        self.muscle = muscle_fraction(grid)
        self.knot_factor = knot_factor(grid, client)
        self.stiffness_point_n_m = (
            client.value("stiffness_n_m")
            * (1.0 + self.variation)
            * (1.0 - p.erector_softness * self.muscle)
            * self.knot_factor
        )
        u = np.clip(grid.uu, 0.0, 1.0)
        v = np.clip(grid.vv_m, -grid.v_max_m[:, None], grid.v_max_m[:, None])
        self.depth_m = np.asarray(back.bone_depth_m(u, v), dtype=np.float64)
        self.dose_scale_n_cm2_s = p.softening_dose_n_cm2_s * (
            1.0 + p.knot_dose_factor * (self.knot_factor - 1.0)
        )
        rise = np.clip((u - 0.55) / 0.4, 0.0, 1.0)
        rise = rise * rise * (3.0 - 2.0 * rise)
        self.breath_amplitude_m = breath_amplitude_m * (
            1.0 - (1.0 - p.breath_shoulder_ratio) * rise
        )
        self.adipose_m = client.value("adipose_m")
        self.params = p
        raw = {tool: self._tool_fields(tool, 1.0) for tool in Tool}
        self.calibration = self._calibrate(raw[Tool.PALMS], client.value("stiffness_n_m"))
        self.tools: dict[Tool, ToolFields] = {
            tool: _scaled(f, self.calibration) for tool, f in raw.items()
        }

    # ------------------------------------------------------------------ per tool
    def _tool_fields(self, tool: Tool, calibration: float) -> ToolFields:
        spec = TOOLS[tool]
        g = self.grid
        pads = spec.pads_v_m
        cols = tuple(round(pv / g.dv_m) for pv in pads)
        pads_grid = tuple(c * g.dv_m for c in cols)
        area_cm2 = spec.area_cm2 / len(pads)
        half_u, half_v = self.pad_half_sizes_m(tool)
        size = self._box_size(half_u, half_v)
        k_eff = self.smooth_for(tool, self.stiffness_point_n_m)
        d_eff = ndimage.uniform_filter(self.depth_m**-2, size=size, mode="nearest") ** -0.5
        dose = ndimage.uniform_filter(self.dose_scale_n_cm2_s, size=size, mode="nearest")
        factor = TOOL_STIFFNESS_FACTOR[tool] * calibration / len(pads)
        return ToolFields(
            tool=tool,
            pads_v_m=pads_grid,
            pad_columns=cols,
            pad_half_u_m=half_u,
            pad_half_v_m=half_v,
            pad_area_cm2=area_cm2,
            stiffness_n_m=np.ascontiguousarray(k_eff * factor),
            depth_m=np.ascontiguousarray(d_eff),
            dose_scale_n_cm2_s=np.ascontiguousarray(dose),
            comfort_n_cm2=comfort_threshold_n_cm2(d_eff, self.adipose_m, self.params),
        )

    def _box_size(self, half_u_m: float, half_v_m: float) -> tuple[int, int]:
        g = self.grid
        cell_u = g.du * g.back_length_m
        return 2 * round(half_u_m / cell_u) + 1, 2 * round(half_v_m / g.dv_m) + 1

    def pad_half_sizes_m(self, tool: Tool) -> tuple[float, float]:
        """Half-sizes ``(along u, along v)`` in metres of one pad of ``tool``."""
        spec = TOOLS[tool]
        pads = spec.pads_v_m
        if len(pads) > 1:
            return spec.half_length_m, spec.half_width_m - max(abs(pv) for pv in pads)
        return spec.half_length_m, spec.half_width_m

    def smooth_for(self, tool: Tool, field: FloatArray) -> FloatArray:
        """A point field ``(n_u, n_v)`` as one pad of ``tool`` feels it (pad centred at nodes).

        Palms and forearm: box mean over the pad; thumb: Gaussian pressure bulb.
        """
        g = self.grid
        if tool == Tool.THUMB:
            sigma = self.params.thumb_sensing_sigma_m
            cell_u = g.du * g.back_length_m
            return np.asarray(
                ndimage.gaussian_filter(
                    field, sigma=(sigma / cell_u, sigma / g.dv_m), mode="nearest"
                ),
                dtype=np.float64,
            )
        size = self._box_size(*self.pad_half_sizes_m(tool))
        return np.asarray(
            ndimage.uniform_filter(field, size=size, mode="nearest"), dtype=np.float64
        )

    def _calibrate(self, palms: ToolFields, target_n_m: float) -> float:
        """Scale making the palms' median secant at the calibration force = ``target``."""
        u = np.linspace(*GLIDE_U_RANGE, 169)
        ks = [self.grid.sample(palms.stiffness_n_m, u, pv) for pv in palms.pads_v_m]
        ds = [self.grid.sample(palms.depth_m, u, pv) for pv in palms.pads_v_m]
        f_target = self.params.calibration_force_n
        scale = 1.0
        for _ in range(30):
            delta = _total_indentation(ks, ds, scale, f_target, self.params.cap_ratio)
            median = float(np.median(f_target / delta))
            ratio = target_n_m / median
            scale *= ratio
            if abs(ratio - 1.0) < 1e-9:
                break
        return scale

    def tool(self, tool: Tool) -> ToolFields:
        return self.tools[Tool(tool)]


def _total_indentation(
    ks: list[FloatArray], ds: list[FloatArray], scale: float, force_n: float, cap: float
) -> FloatArray:
    """Common indentation of all pads at which their forces sum to ``force_n`` (bisection)."""
    from backstroke.tissue.mechanics import pad_force_array_n

    lo = np.zeros_like(ks[0])
    hi = np.full_like(ks[0], float(np.max(indentation_for_force_m(ks[0] * scale, ds[0], force_n))))
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        f = sum(
            pad_force_array_n(k * scale, d, mid, cap_ratio=cap) for k, d in zip(ks, ds, strict=True)
        )
        above = np.asarray(f) >= force_n
        hi = np.where(above, mid, hi)
        lo = np.where(above, lo, mid)
    return np.asarray(0.5 * (lo + hi), dtype=np.float64)


def _scaled(f: ToolFields, scale: float) -> ToolFields:
    return ToolFields(
        tool=f.tool,
        pads_v_m=f.pads_v_m,
        pad_columns=f.pad_columns,
        pad_half_u_m=f.pad_half_u_m,
        pad_half_v_m=f.pad_half_v_m,
        pad_area_cm2=f.pad_area_cm2,
        stiffness_n_m=f.stiffness_n_m * scale,
        depth_m=f.depth_m,
        dose_scale_n_cm2_s=f.dose_scale_n_cm2_s,
        comfort_n_cm2=f.comfort_n_cm2,
    )
