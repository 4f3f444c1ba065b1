"""``Tissue``: the simulated client under the robot's tool.

One object holds the whole client: the precomputed fields (stiffness, thickness over
bone, knots, comfort thresholds, breathing amplitude), the softening dose grid, the
trust/guarding state, the breathing waveform, the comfort signal with its latency,
and TRUTH records (largest force and pressure actually received, and where).

Two kinds of callers:

* the simulated robot backends (``robot/sim.py``), at 1 kHz, through the fast path
  :meth:`Tissue.select_tool` / :meth:`Tissue.press` (pure-Python scalar math on cached
  per-cell coefficients; a few µs per call);
* tests and benchmarks, through the truth API (:meth:`effective_stiffness_n_m`,
  :meth:`softening_map`, :meth:`knots`, :attr:`trust`, :attr:`guarding`,
  :meth:`records`, ...). The controller and the estimators never call it (DESIGN §2).

Pads: a tool presses with one pad (forearm, thumb) or two (palms, 5 cm either side of
the TCP on the chart). The TCP's chart point ``(u, v)`` puts pad ``i`` at
``(u, v + pads_v_m[i])``; each pad has its own indentation and force.

The class is layered, one concern per module: ``state`` (fields, constants, runtime
variables) → ``pads`` (the tool's pads on the chart grid) → ``response`` (the slow
update: dose, softening, comfort, trust, guarding) → ``press`` (the 1 kHz force) →
this module (the TRUTH API).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from backstroke.errors import ClientError
from backstroke.tissue.fields import ToolFields
from backstroke.tissue.mechanics import pad_force_array_n, pad_force_n
from backstroke.tissue.press import TissuePress
from backstroke.tissue.state import SIGNALS
from backstroke.tools import Tool

FloatArray = NDArray[np.float64]

__all__ = ["SIGNALS", "Tissue"]


class Tissue(TissuePress):
    """The simulated client's tissue (see the module docstring).

    Args:
        back: the client's back model.
        client: the resolved client (``client.seed`` seeds every random draw).
        params: tissue constants (defaults: :class:`TissueParams`).

    Attributes:
        grid: the chart grid every field lives on.
        fields: the precomputed fields.
        friction_coefficient: μ of oiled skin (seeded).
        breathing: the breathing waveform.
        client_signal: the client's current (delayed) signal: ``""``, ``"too_much"``,
            ``"stop"``.
    """

    @property
    def time_s(self) -> float:
        """Time (s) of the client's last slow update (0 before the first press)."""
        return self._t_now

    @property
    def trust(self) -> float:
        """Current trust, 0..1 (TRUTH: tests and benchmarks only)."""
        return self._trust

    @property
    def guarding(self) -> float:
        """Current guarding, 0..1 (TRUTH)."""
        return self._guarding

    @property
    def tone_multiplier(self) -> float:
        """Current muscle-tone factor on stiffness relative to the start (TRUTH)."""
        return self._tone_ratio

    def surface_offset_m(self, u: float, v_m: float, t_s: float) -> float:
        """Breathing displacement (m) of the skin along its outward normal at ``t_s``."""
        amp = float(self.grid.sample(self.fields.breath_amplitude_m, u, v_m))
        return amp * self.breathing.offset_fraction(t_s)

    def _pad_points(self, tool: Tool, u: float, v_m: float) -> list[tuple[float, float]]:
        tf = self.fields.tools[Tool(tool)]
        return [(u, v_m + pv) for pv in tf.pads_v_m]

    def softening_at(self, u: float, v_m: float, tool: Tool) -> list[float]:
        """Softening fraction each pad of ``tool`` feels at TCP chart point ``(u, v_m)``."""
        tf = self.fields.tools[Tool(tool)]
        self._flush_dose()
        decay = math.exp(-(self._t_now - self._t_ref) / self.params.recovery_tau_s)
        out = []
        for pu, pv in self._pad_points(tool, u, v_m):
            sl = self.grid.box_slices(pu, pv, tf.pad_half_u_m, tf.pad_half_v_m)
            mean = float(self._dose[sl].mean()) * decay
            scale = float(self.grid.sample(tf.dose_scale_n_cm2_s, pu, pv))
            out.append(self.softening_max * (1.0 - math.exp(-mean / scale)))
        return out

    def pad_stiffness_n_m(self, u: float, v_m: float, tool: Tool) -> list[float]:
        """Linear stiffness (N/m) of each pad now: fields × (1 − softening) × tone (TRUTH)."""
        tf = self.fields.tools[Tool(tool)]
        soft = self.softening_at(u, v_m, tool)
        return [
            float(self.grid.sample(tf.stiffness_n_m, pu, pv)) * (1.0 - s) * self._tone_ratio
            for (pu, pv), s in zip(self._pad_points(tool, u, v_m), soft, strict=True)
        ]

    def pad_depth_m(self, u: float, v_m: float, tool: Tool) -> list[float]:
        """Effective tissue thickness over bone (m) under each pad now, × (1 + s) (TRUTH)."""
        tf = self.fields.tools[Tool(tool)]
        soft = self.softening_at(u, v_m, tool)
        return [
            float(self.grid.sample(tf.depth_m, pu, pv)) * (1.0 + s)
            for (pu, pv), s in zip(self._pad_points(tool, u, v_m), soft, strict=True)
        ]

    def normal_force_n(
        self, tool: Tool, u: float, v_m: float, indentation_m: float, rate_m_s: float = 0.0
    ) -> float:
        """Total normal force (N) with every pad ``indentation_m`` deep at TCP ``(u, v_m)``.

        Uses the current softening and guarding; TRUTH (tests and benchmarks only).
        """
        p = self.params
        return sum(
            pad_force_n(k, d, indentation_m, rate_m_s, cap_ratio=p.cap_ratio, damping_s=p.damping_s)
            for k, d in zip(
                self.pad_stiffness_n_m(u, v_m, tool), self.pad_depth_m(u, v_m, tool), strict=True
            )
        )

    def indentation_for_force_m(self, tool: Tool, u: float, v_m: float, force_n: float) -> float:
        """Static indentation (m, all pads equally deep) giving ``force_n`` in total (TRUTH)."""
        ks = self.pad_stiffness_n_m(u, v_m, tool)
        ds = self.pad_depth_m(u, v_m, tool)
        cap = self.params.cap_ratio

        def total(delta: float) -> float:
            return sum(pad_force_n(k, d, delta, cap_ratio=cap) for k, d in zip(ks, ds, strict=True))

        lo, hi = 0.0, 0.001
        while total(hi) < force_n:
            hi *= 2.0
            if hi > 1.0:
                raise ClientError("force unreachable", key="force_n", value=force_n)
        for _ in range(60):
            mid = 0.5 * (lo + hi)
            if total(mid) >= force_n:
                hi = mid
            else:
                lo = mid
        return 0.5 * (lo + hi)

    def effective_stiffness_n_m(
        self, u: float, v_m: float, tool: Tool, indentation_m: float | None = None
    ) -> float:
        """True effective stiffness (N/m) of ``tool`` at TCP chart point ``(u, v_m)`` now.

        Without ``indentation_m``: the linear (small-indentation) stiffness, the sum over
        the pads. With it: the secant ``F(δ)/δ`` at that indentation. TRUTH only.
        """
        if indentation_m is None:
            return float(sum(self.pad_stiffness_n_m(u, v_m, tool)))
        if indentation_m <= 0.0:
            raise ClientError("indentation must be > 0", key="indentation_m", value=indentation_m)
        return self.normal_force_n(tool, u, v_m, indentation_m) / indentation_m

    def stiffness_along_n_m(
        self, u: FloatArray, v_m: FloatArray, tool: Tool, force_n: float
    ) -> FloatArray:
        """(N,) true secant stiffness ``F/δ`` of ``tool`` at ``force_n`` along a chart path.

        Static, all pads equally deep, with the current softening and guarding (TRUTH).
        """
        uu = np.atleast_1d(np.asarray(u, dtype=np.float64))
        vv = np.atleast_1d(np.asarray(v_m, dtype=np.float64))
        ks = np.array([self.pad_stiffness_n_m(a, b, tool) for a, b in zip(uu, vv, strict=True)])
        ds = np.array([self.pad_depth_m(a, b, tool) for a, b in zip(uu, vv, strict=True)])
        lo = np.zeros(uu.shape)
        hi = np.full(uu.shape, 0.2)
        cap = self.params.cap_ratio
        for _ in range(60):
            mid = 0.5 * (lo + hi)
            f = pad_force_array_n(ks, ds, mid[:, None], cap_ratio=cap).sum(axis=1)
            above = f >= force_n
            hi = np.where(above, mid, hi)
            lo = np.where(above, lo, mid)
        return np.asarray(force_n / (0.5 * (lo + hi)), dtype=np.float64)

    def softening_map(self) -> FloatArray:
        """(n_u, n_v) true softening fraction at every grid node now (TRUTH).

        Node coordinates: ``grid.uu``, ``grid.vv_m``.
        """
        self._flush_dose()
        decay = math.exp(-(self._t_now - self._t_ref) / self.params.recovery_tau_s)
        d = self._dose * decay
        return np.asarray(
            self.softening_max * (1.0 - np.exp(-d / self.fields.dose_scale_n_cm2_s)),
            dtype=np.float64,
        )

    def dose_map_n_cm2_s(self) -> FloatArray:
        """(n_u, n_v) the current (decayed) pressure–time dose, N/cm²·s (TRUTH)."""
        self._flush_dose()
        decay = math.exp(-(self._t_now - self._t_ref) / self.params.recovery_tau_s)
        return np.asarray(self._dose * decay, dtype=np.float64)

    def knots(self) -> list[dict[str, float]]:
        """The client's knots with the stiffness ratio each tool feels at the centre (TRUTH).

        ``felt_ratio_<tool>`` = the tool's unsoftened stiffness at the knot centre over
        the same without the knot (point field divided by the knot factor).
        """
        out = []
        for k in self.client.knots or []:
            row: dict[str, float] = {
                "u": k.u,
                "v": k.v,
                "radius_m": k.radius_m,
                "stiffness_ratio": k.stiffness_ratio,
            }
            x, y, z = (float(c) for c in self.back.point(k.u, k.v))
            row.update({"x_m": x, "y_m": y, "z_m": z})
            for tool in (Tool.THUMB, Tool.FOREARM):
                row[f"felt_ratio_{tool.value}"] = self._felt_ratio(tool, k.u, k.v)
            out.append(row)
        return out

    def _felt_ratio(self, tool: Tool, u: float, v_m: float) -> float:
        f = self.fields
        with_knot = f.smooth_for(tool, f.stiffness_point_n_m)
        without = f.smooth_for(tool, f.stiffness_point_n_m / f.knot_factor)
        return float(self.grid.sample(with_knot, u, v_m) / self.grid.sample(without, u, v_m))

    def comfort_threshold_n_cm2(self, u: float, v_m: float, tool: Tool) -> list[float]:
        """Each pad's current comfort threshold of mean pressure (N/cm²) (TRUTH)."""
        tf = self.fields.tools[Tool(tool)]
        return [
            float(self.grid.sample(tf.comfort_n_cm2, pu, pv)) * self._comfort_factor
            for pu, pv in self._pad_points(tool, u, v_m)
        ]

    def zone_at(self, u: float, v_m: float) -> str:
        """Name of the region at a chart point: a keep-out zone, or soft-tissue region."""
        s = u * self.back.back_length_m
        best, name = math.inf, ""
        for z in self.back.keep_out_zones:
            c = float(z.clearance_m(s, v_m))
            if c < best:
                best, name = c, z.name
        if best <= 0.0:
            return name
        if 0.015 <= abs(v_m) <= 0.07 and u <= 0.95:
            return "erector_spinae"
        return "soft_tissue"

    def records(self) -> dict[str, Any]:
        """TRUTH records: largest force and pressure received, where, events, state."""
        tf, uf, vf = self._max_force_at
        tp, up, vp = self._max_pressure_at
        soft = self.softening_map()
        g = self.grid
        on_back = (g.uu >= 0.0) & (g.uu <= 1.0) & (np.abs(g.vv_m) <= g.v_max_m[:, None])
        return {
            "max_force_n": self._max_force_n,
            "max_force_t_s": tf,
            "max_force_u": uf,
            "max_force_v_m": vf,
            "max_force_zone": self.zone_at(uf, vf) if self._max_force_n > 0 else "",
            "max_pressure_n_cm2": self._max_pressure,
            "max_pressure_t_s": tp,
            "max_pressure_u": up,
            "max_pressure_v_m": vp,
            "max_pressure_zone": self.zone_at(up, vp) if self._max_pressure > 0 else "",
            "contact_time_s": self._contact_time_s,
            "dose_total_n_cm2_s": self._dose_total,
            "overspeed_s": self._overspeed_s,
            "overpressure_s": self._overpressure_s,
            **self._counts,
            # a break still open at the end is the lift-off (planned or a retreat's)
            "contact_breaks": self._counts["contact_breaks"] - int(self._break_open),
            "limit_fraction_force": self._frac_f,
            "limit_fraction_force_t_s": self._frac_f_at[0],
            "limit_fraction_force_zone": self.zone_at(*self._frac_f_at[1:]),
            "limit_fraction_pressure": self._frac_p,
            "limit_fraction_pressure_t_s": self._frac_p_at[0],
            "limit_fraction_pressure_zone": self.zone_at(*self._frac_p_at[1:]),
            "bone_contact_s": self._bone_s,
            "bone_zone_contact_s": self._bone_zone_s,
            "trust": self._trust,
            "guarding": self._guarding,
            "tone_multiplier": self._tone_ratio,
            "softening_max_fraction": float(np.max(soft[on_back])),
            "softening_mean_fraction": float(np.mean(soft[on_back])),
            "softening_cap_fraction": self.softening_max,
            "breathing_rate_bpm": self.breathing.rate_bpm,
            # a guarded client's breath slows as they relax (guarding.py)
            "breathing_rate_start_bpm": self.breathing.rate0_bpm,
            "breathing_rate_now_bpm": 60.0 / self.breathing.cycle(self._t_now)[1],
        }

    def limit_fractions(self, force0_n: float, force1_n: float) -> tuple[float, float]:
        """``(force, pressure)`` of the pads' forces as fractions of the limits for the
        current tool and the TRUE zone under its pads (from the last :meth:`press`)."""
        il_f, il_p0, il_p1 = self._inv_lim
        p = max(force0_n * il_p0, force1_n * il_p1) * self._inv_area
        return (force0_n + force1_n) * il_f, p

    def pad_offsets_v_m(self, tool: Tool) -> tuple[float, ...]:
        """Lateral chart offsets (m) of ``tool``'s pads from the TCP."""
        return self.fields.tools[Tool(tool)].pads_v_m

    def tool_fields(self, tool: Tool) -> ToolFields:
        """The precomputed fields of ``tool`` (TRUTH)."""
        return self.fields.tools[Tool(tool)]
