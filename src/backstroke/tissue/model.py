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
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from backstroke.body.back_model import BackModel
from backstroke.body.client_file import ClientSpec
from backstroke.errors import ClientError
from backstroke.tissue.breathing import Breathing
from backstroke.tissue.fields import TissueFields, ToolFields
from backstroke.tissue.grid import ChartGrid
from backstroke.tissue.mechanics import pad_force_array_n, pad_force_n
from backstroke.tissue.params import TissueParams
from backstroke.tools import Tool, limits_for

FloatArray = NDArray[np.float64]

SIGNALS = ("", "too_much", "stop")
_CLEAR_M = 0.006  # gaps below -6 mm cannot touch the skin, whatever the breathing
_CELL_MARGIN = 0.15  # fraction of a cell the bilinear patch extends past its cell
_RENORM_EXP = 25.0  # renormalise the lazily decaying dose grid past growth e^25


class Tissue:
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

    def __init__(
        self, back: BackModel, client: ClientSpec, params: TissueParams | None = None
    ) -> None:
        if client.seed is None or client.stiffness_n_m is None:
            raise ClientError("the tissue needs a resolved client; call resolved() first")
        p = TissueParams() if params is None else params
        self.params = p
        self.back = back
        self.client = client
        seeds = np.random.SeedSequence(int(client.seed)).spawn(4)
        rng_fields, rng_breath, rng_signal, rng_misc = (np.random.default_rng(s) for s in seeds)
        self.friction_coefficient = float(rng_misc.uniform(*p.friction_range))
        breath_amp = float(rng_misc.uniform(*p.breath_amplitude_range_m))
        self.grid = ChartGrid(back, p.grid_spacing_m)
        self.fields = TissueFields(back, client, p, self.grid, rng_fields, breath_amp)
        self.breathing = Breathing(
            client.value("breathing_rate_bpm"),
            rng_breath,
            period_jitter=p.breath_period_jitter,
            amplitude_jitter=p.breath_amplitude_jitter,
            inhale_fraction=p.breath_inhale_fraction,
        )
        self._rng_signal = rng_signal
        self._latencies: list[float] = []
        # Per-tool flat node lists for the per-cell lookups.
        self._lists: dict[Tool, tuple[list[float], list[float], list[float], list[float]]] = {}
        for tool, tf in self.fields.tools.items():
            self._lists[tool] = (
                tf.stiffness_n_m.ravel().tolist(),
                tf.depth_m.ravel().tolist(),
                tf.dose_scale_n_cm2_s.ravel().tolist(),
                tf.comfort_n_cm2.ravel().tolist(),
            )
        self._amp_list: list[float] = self.fields.breath_amplitude_m.ravel().tolist()
        # TRUTH zones: a node is over bone when a keep-out zone covers it.
        g = self.grid
        self._bone_list: list[bool] = (
            (back.keep_out_clearance_m(g.uu, g.vv_m) < 0.0).ravel().tolist()
        )
        # Softening: dose grid stored as D·exp((t - t_ref)/tau) (lazy decay).
        self.softening_max = min(p.softening_cap, p.softening_max * client.value("softening_rate"))
        self._dose = np.zeros(self.grid.shape)
        self._t_ref = 0.0
        # Client state.
        self.guarding0 = client.value("guarding")
        self.trust0 = 1.0 - self.guarding0
        self._trust = self.trust0
        self._guarding = self.guarding0
        self._tone0 = 1.0 + p.guarding_tone * self.guarding0
        self._tone_ratio = 1.0
        self._comfort_factor = 1.0 + p.comfort_guarding_slope * (0.5 - self.guarding0)
        self.client_signal = ""
        # Constants of the fast path.
        self._cap = p.cap_ratio
        qc = 1.0 / (1.0 - p.cap_ratio)
        self._cap_f = p.cap_ratio * qc * qc
        self._cap_slope = (1.0 + p.cap_ratio) * qc * qc * qc
        self._inhale = p.breath_inhale_fraction
        self._pi_in = math.pi / p.breath_inhale_fraction
        self._pi_ex = math.pi / (1.0 - p.breath_inhale_fraction)
        self._calm_v = p.calm_speed_m_s
        self._max_v = p.max_speed_m_s
        self._calm_band_inv = 1.0 / (p.max_speed_m_s - p.calm_speed_m_s)
        self._jerk_a2 = p.jerk_accel_m_s2**2
        self._hyst = p.comfort_hysteresis
        self._stop = p.stop_ratio
        self._idu = 1.0 / self.grid.du
        self._idv = 1.0 / self.grid.dv_m
        self._slow_k = (
            p.slow_update_s, p.recovery_tau_s, p.trust_tau_s, p.guarding_tau_s,
            p.trust_relaxation, p.guarding_tone, p.comfort_guarding_slope,
            p.break_min_gap_s - 1e-9, p.break_min_contact_s, p.break_guarding, p.break_trust,
            p.overspeed_guarding_per_s, p.overspeed_trust_per_s,
            p.overpressure_guarding_per_s, p.overpressure_trust_per_s,
            p.jerk_refractory_s, p.jerk_guarding, p.jerk_trust,
        )  # fmt: skip
        self._soft_alpha = 1.0 - math.exp(-p.slow_update_s / p.softening_response_s)
        self.set_control_period(0.001)
        self._reset_runtime()
        self.select_tool(Tool.PALMS)

    # ================================================================== runtime state
    def set_control_period(self, tick_s: float) -> None:
        """The period (s) at which :meth:`press` is called (one call per tick)."""
        if not (math.isfinite(tick_s) and 1e-5 <= tick_s <= 0.02):
            raise ClientError(
                "control period out of range", key="tick_s", value=tick_s, allowed="1e-5..0.02 s"
            )
        self.tick_s = float(tick_s)
        self._damp = self.params.damping_s / self.tick_s  # on δ(k) − δ(k−1)

    def _reset_runtime(self) -> None:
        # breathing, piecewise linear over each slow window: bo(t) = c0 + c1 t
        self._bo_c0 = 0.0
        self._bo_c1 = 0.0
        self._bo_t = math.nan
        self._bo_v = 0.0
        self._br_start = 0.0
        self._br_end = -math.inf
        self._br_inv = 1.0
        self._br_scale = 1.0
        self._prev0 = 0.0
        self._prev1 = 0.0
        # the window (between slow updates): contact ticks, force sums and maxima
        self._wn = 0
        self._wf0 = self._wf1 = 0.0
        self._wm0 = self._wm1 = self._wmf = 0.0
        self._t_slow = -math.inf
        self._t_last_slow = 0.0
        self._t_now = 0.0
        self._t_last_jerk = -math.inf
        self._had_contact = False
        self._t_run_start = 0.0
        self._t_last_contact = 0.0
        # comfort signal
        self._raw_level = 0
        self._queue: list[tuple[float, int]] = []
        # records
        self._max_force_n = 0.0
        self._max_force_at: tuple[float, float, float] = (0.0, 0.0, 0.0)
        self._max_pressure = 0.0
        self._max_pressure_at: tuple[float, float, float] = (0.0, 0.0, 0.0)
        self._frac_f = 0.0
        self._frac_p = 0.0
        self._frac_f_at: tuple[float, float, float] = (0.0, 0.0, 0.0)
        self._frac_p_at: tuple[float, float, float] = (0.0, 0.0, 0.0)
        self._bone_s = 0.0
        self._break_open = False
        self._contact_time_s = 0.0
        self._dose_total = 0.0
        self._counts = {
            "jerks": 0,
            "contact_breaks": 0,
            "too_much_episodes": 0,
            "stop_episodes": 0,
        }
        self._overspeed_s = 0.0
        self._overpressure_s = 0.0

    # ================================================================== fast path
    def select_tool(self, tool: Tool) -> None:
        """Make ``tool`` the one in contact (its pads, fields and footprint)."""
        tf = self.fields.tools[Tool(tool)]
        if hasattr(self, "_pending"):
            self._flush_dose()
        self.tool = tf.tool
        self._tf = tf
        self._two = len(tf.pads_v_m) > 1
        self._inv_area = 1.0 / tf.pad_area_cm2
        n = len(tf.pads_v_m)
        # the dose footprint follows the pad in steps of ~1/4 of its half-size
        g = self.grid
        self._reslice = (
            max(1, round(0.25 * tf.pad_half_u_m / (g.du * g.back_length_m))),
            max(1, round(0.25 * tf.pad_half_v_m / g.dv_m)),
        )
        self._slices: list[tuple[slice, slice]] = [(slice(0, 1), slice(0, 1))] * n
        self._dose_mean = [0.0] * n
        self._pending = [0.0] * n
        self._dose_scale = [1.0] * n
        self._soft = [0.0] * n
        self._coef: list[tuple[float, ...]] = [(0.0,) * 10] * n
        self._ithr = [0.0] * n
        self._pad0: tuple[float, ...] = (0.0,) * 9
        self._pad1: tuple[float, ...] = (0.0,) * 9
        self._bone = [False] * n
        self._inv_lim = (1.0, 1.0, 1.0)
        self._locate(0.5, 0.0)

    def _locate(self, u: float, v_m: float) -> None:
        """Cache the cell of ``(u, v_m)`` and each pad's bilinear coefficients there.

        Off the grid the fields are held at the edge (constant coefficients).
        """
        g = self.grid
        i, j, _, _ = g.cell(u, v_m)
        nv = g.n_v
        k_list, d_list, q_list, c_list = self._lists[self.tool]
        amp = self._amp_list
        u_lo = g.u0 + i * g.du
        v_lo = g.v0_m + j * g.dv_m
        a = (u - u_lo) / g.du
        b = (v_m - v_lo) / g.dv_m
        inside = 0.0 <= a <= 1.0 and 0.0 <= b <= 1.0
        if inside:  # bounds with a margin: no re-location chatter on a cell edge
            mu, mv = _CELL_MARGIN * g.du, _CELL_MARGIN * g.dv_m
            self._cellb = (u_lo - mu, u_lo + g.du + mu, v_lo - mv, v_lo + g.dv_m + mv, u_lo, v_lo)
        else:  # a box around the point itself; fields constant inside it
            a = min(max(a, 0.0), 1.0)
            b = min(max(b, 0.0), 1.0)
            self._cellb = (
                u - 0.5 * g.du, u + 0.5 * g.du, v_m - 0.5 * g.dv_m, v_m + 0.5 * g.dv_m, u, v_m
            )  # fmt: skip
        tf = self._tf
        coefs: list[tuple[float, ...]] = []
        w11 = a * b
        w10 = a - w11
        w01 = b - w11
        w00 = 1.0 - a - b + w11

        def at(lst: list[float], k: int) -> float:
            return lst[k] * w00 + lst[k + 1] * w01 + lst[k + nv] * w10 + lst[k + nv + 1] * w11

        for n, col in enumerate(tf.pad_columns):
            k = i * nv + min(max(j + col, 0), nv - 2)
            if inside:
                k00, k01, k10, k11 = k_list[k], k_list[k + 1], k_list[k + nv], k_list[k + nv + 1]
                d00, d01, d10, d11 = d_list[k], d_list[k + 1], d_list[k + nv], d_list[k + nv + 1]
                coefs.append(
                    (
                        k00, k10 - k00, k01 - k00, k11 - k10 - k01 + k00,
                        d00, d10 - d00, d01 - d00, d11 - d10 - d01 + d00,
                        at(amp, k), at(c_list, k),
                    )
                )  # fmt: skip
            else:
                coefs.append(
                    (at(k_list, k), 0.0, 0.0, 0.0, at(d_list, k), 0.0, 0.0, 0.0, at(amp, k),
                     at(c_list, k))
                )  # fmt: skip
            self._dose_scale[n] = at(q_list, k)
            bl = self._bone_list
            self._bone[n] = bl[k] or bl[k + 1] or bl[k + nv] or bl[k + nv + 1]
            sl = g.box_slices(u, v_m + tf.pads_v_m[n], tf.pad_half_u_m, tf.pad_half_v_m)
            old = self._slices[n]
            if sl != old and (
                abs(sl[0].start - old[0].start) >= self._reslice[0]
                or abs(sl[1].start - old[1].start) >= self._reslice[1]
                or sl[0].stop - sl[0].start != old[0].stop - old[0].start
                or sl[1].stop - sl[1].start != old[1].stop - old[1].start
            ):
                if self._pending[n]:
                    self._dose[self._slices[n]] += self._pending[n]
                    self._pending[n] = 0.0
                self._slices[n] = sl
                self._dose_mean[n] = float(self._dose[sl].mean())
        self._coef = coefs
        bone0, bone1 = self._bone[0], self._bone[-1]
        f_lim = limits_for(self.tool, bone0 or bone1)[0]
        self._inv_lim = (
            1.0 / f_lim,
            1.0 / limits_for(self.tool, bone0)[1],
            1.0 / limits_for(self.tool, bone1)[1],
        )
        self._rebuild_pads()

    def _rebuild_pads(self) -> None:
        """Per-pad tuples of the fast path from cell coefficients and the slow state.

        Pad tuple: ``(k00, ka, kb, kab, d00, da, db, dab, amp)`` with the stiffness
        coefficients already multiplied by (1 − s) × tone and the thickness ones by
        (1 + s), ``s`` the pad's softening fraction.
        """
        tr = self._tone_ratio
        cf = self._comfort_factor
        self._applied = (tr, cf, self._soft[0], self._soft[-1])
        pads = []
        for n, c in enumerate(self._coef):
            s = self._soft[n]
            m = (1.0 - s) * tr
            e = 1.0 + s
            pads.append(
                (
                    c[0] * m,
                    c[1] * m,
                    c[2] * m,
                    c[3] * m,
                    c[4] * e,
                    c[5] * e,
                    c[6] * e,
                    c[7] * e,
                    c[8],
                )
            )
            self._ithr[n] = 1.0 / (c[9] * cf)
        self._pad0 = pads[0]
        self._pad1 = pads[1] if len(pads) > 1 else pads[0]

    def press(
        self,
        t_s: float,
        u: float,
        v_m: float,
        gap0_m: float,
        gap1_m: float,
        speed2_m2_s2: float,
        accel2_m2_s4: float,
    ) -> tuple[float, float]:
        """Advance the client to ``t_s`` under the tool and return the pads' normal forces.

        The fast path: called once per control period (:meth:`set_control_period`) by a
        robot backend, with ``t_s`` increasing by that period.

        Args:
            t_s: time (s).
            u, v_m: chart point of the TCP's foot on the nominal skin.
            gap0_m, gap1_m: geometric indentation (m) of pad 0 and pad 1 into the
                *nominal* skin, ``(S_i − p_i)·n_i`` (positive = into the skin); the
                breathing offset is added here. For one-pad tools pass ``gap1_m =
                gap0_m`` (it is ignored).
            speed2_m2_s2: squared tangential speed of the tool over the skin (m²/s²).
            accel2_m2_s4: squared magnitude of the tool's recent (low-passed)
                acceleration (m²/s⁴), sampled for jerk detection.

        Returns:
            ``(force0_n, force1_n)``: normal force on each pad (N, ≥ 0; 0 for a
            missing pad).
        """
        if t_s >= self._t_slow:
            self._slow_update(t_s, u, v_m, math.sqrt(speed2_m2_s2), accel2_m2_s4)
        f0 = 0.0
        f1 = 0.0
        if gap0_m > -_CLEAR_M or gap1_m > -_CLEAR_M:
            bo = self._bo_c0 + self._bo_c1 * t_s
            cu0, cu1, cv0, cv1, ou, ov = self._cellb
            if not (cu0 <= u < cu1 and cv0 <= v_m < cv1):
                self._locate(u, v_m)
                ou, ov = self._cellb[4:]
            a = (u - ou) * self._idu
            b = (v_m - ov) * self._idv
            ab = a * b
            k0, ka, kb, kab, d0, da, db, dab, amp = self._pad0
            delta = gap0_m + amp * bo
            if delta > 0.0:
                k = k0 + ka * a + kb * b + kab * ab
                d = d0 + da * a + db * b + dab * ab
                x = delta / d
                dd = self._damp * (delta - self._prev0)
                if dd > delta:  # viscous part at most the elastic one
                    dd = delta
                if x < self._cap:
                    q = 1.0 / (1.0 - x)
                    f0 = k * q * q * (delta + dd)
                else:
                    f0 = k * (self._cap_f * d + self._cap_slope * (delta - self._cap * d + dd))
                if f0 < 0.0:
                    f0 = 0.0
            self._prev0 = delta
            if self._two:
                k0, ka, kb, kab, d0, da, db, dab, amp = self._pad1
                delta = gap1_m + amp * bo
                if delta > 0.0:
                    k = k0 + ka * a + kb * b + kab * ab
                    d = d0 + da * a + db * b + dab * ab
                    x = delta / d
                    dd = self._damp * (delta - self._prev1)
                    if dd > delta:  # viscous part at most the elastic one
                        dd = delta
                    if x < self._cap:
                        q = 1.0 / (1.0 - x)
                        f1 = k * q * q * (delta + dd)
                    else:
                        f1 = k * (self._cap_f * d + self._cap_slope * (delta - self._cap * d + dd))
                    if f1 < 0.0:
                        f1 = 0.0
                self._prev1 = delta
            ftot = f0 + f1
            if ftot > 0.0:
                self._wn += 1
                self._wf0 += f0
                if f0 > self._wm0:
                    self._wm0 = f0
                if f1:
                    self._wf1 += f1
                    if f1 > self._wm1:
                        self._wm1 = f1
                if ftot > self._wmf:
                    self._wmf = ftot
                # worst received / limit of the tool and the TRUE zone under it now
                il_f, il_p0, il_p1 = self._inv_lim
                r = ftot * il_f
                if r > self._frac_f:
                    self._frac_f = r
                    self._frac_f_at = (t_s, u, v_m + self._tf.pads_v_m[0 if f0 >= f1 else 1])
                r = (f0 * il_p0 if f0 * il_p0 > f1 * il_p1 else f1 * il_p1) * self._inv_area
                if r > self._frac_p:
                    self._frac_p = r
                    pv = self._tf.pads_v_m[0 if f0 * il_p0 >= f1 * il_p1 else 1]
                    self._frac_p_at = (t_s, u, v_m + pv)
                if self._bone[0] or self._bone[-1]:
                    self._bone_s += self.tick_s
        else:
            self._prev0 = gap0_m
            self._prev1 = gap1_m
        return f0, f1

    @property
    def last_indentation_m(self) -> float:
        """The shallowest pad's indentation at the last press (m, breathing included)."""
        return min(self._prev0, self._prev1) if self._two else self._prev0

    def shift_gaps(self, d0_m: float, d1_m: float) -> None:
        """The caller re-expanded its skin geometry: the pads' last gaps move by
        ``(d0_m, d1_m)`` with no motion (keeps the viscous term continuous)."""
        self._prev0 += d0_m
        self._prev1 += d1_m

    # ================================================================== slow path
    def _breath_fraction(self, t_s: float) -> float:
        """Exact breathing offset fraction at ``t_s`` (cached cycle; see Breathing)."""
        if not (self._br_start <= t_s < self._br_end):
            start, period, scale = self.breathing.cycle(t_s)
            self._br_start = start
            self._br_end = start + period
            self._br_inv = 1.0 / period
            self._br_scale = scale
        ph = (t_s - self._br_start) * self._br_inv
        if ph < self._inhale:
            w = 0.5 - 0.5 * math.cos(ph * self._pi_in)
        else:
            w = 0.5 + 0.5 * math.cos((ph - self._inhale) * self._pi_ex)
        return self._br_scale * w - 0.5

    def _flush_dose(self) -> None:
        """Add the pads' pending dose to the grid (over their current footprints)."""
        for i, sl in enumerate(self._slices):
            if self._pending[i]:
                self._dose[sl] += self._pending[i]
                self._pending[i] = 0.0

    def _signal_change(self, t_s: float, level: int) -> None:
        if level > self._raw_level:
            key = "stop_episodes" if level == 2 else "too_much_episodes"
            self._counts[key] += 1
        self._raw_level = level
        if not self._latencies:
            z = np.clip(self._rng_signal.standard_normal(256), -3.0, 3.0)
            lat = self.params.signal_latency_s + self.params.signal_jitter_s * z
            self._latencies = np.maximum(lat, 0.0)[::-1].tolist()
        self._queue.append((t_s + self._latencies.pop(), level))

    def _slow_update(
        self, t_s: float, u: float, v_m: float, speed_m_s: float, accel2_m2_s4: float
    ) -> None:
        """Every ``slow_update_s``: dose and softening, comfort, trust and guarding.

        Works on the window since the last update (contact ticks, force sums and
        maxima); speed and acceleration are sampled now. Pure-Python scalar math: the
        dose reaches the grid lazily (:meth:`_flush_dose`).
        """
        (
            period, tau_rec, tau_trust, tau_g, relax, tone_k, comfort_k,
            brk_gap, brk_min, brk_g, brk_t, fast_g, fast_t, over_g, over_t,
            jerk_ref, jerk_g, jerk_t,
        ) = self._slow_k  # fmt: skip
        tick = self.tick_s
        wn = self._wn
        contact_s = wn * tick
        inv_area = self._inv_area
        # --- breathing: the next window's line through (t_a, b_a) and (t_b, b_b)
        t_b = t_s + period
        b_b = self._breath_fraction(t_b)
        if self._bo_t != self._bo_t:  # nan: first window
            t_a, b_a = t_s, self._breath_fraction(t_s)
        else:
            t_a, b_a = self._bo_t, self._bo_v
        slope = (b_b - b_a) / (t_b - t_a) if t_b > t_a else 0.0
        self._bo_c1 = slope
        self._bo_c0 = b_a - slope * t_a
        self._bo_t = t_b
        self._bo_v = b_b
        # --- softening dose under the pads
        x = (t_s - self._t_ref) / tau_rec
        if x > _RENORM_EXP:
            decay = math.exp(-x)
            self._dose *= decay
            self._dose_mean = [m * decay for m in self._dose_mean]
            self._pending = [m * decay for m in self._pending]
            self._t_ref = t_s
            x = 0.0
        growth = math.exp(x)
        ratio = 0.0
        dg = 0.0
        trust = self._trust
        if wn:
            dose = self._wf0 * inv_area * tick
            self._pending[0] += dose * growth
            self._dose_mean[0] += dose * growth
            if self._two:
                d1 = self._wf1 * inv_area * tick
                self._pending[1] += d1 * growth
                self._dose_mean[1] += d1 * growth
                dose += d1
            self._dose_total += dose
            # records and comfort
            if self._wmf > self._max_force_n:
                self._max_force_n = self._wmf
                self._max_force_at = (t_s, u, v_m)
            if self._wm0 >= self._wm1 or not self._two:
                pm, pv = self._wm0 * inv_area, self._tf.pads_v_m[0]
            else:
                pm, pv = self._wm1 * inv_area, self._tf.pads_v_m[1]
            if pm > self._max_pressure:
                self._max_pressure = pm
                self._max_pressure_at = (t_s, u, v_m + pv)
            ratio = self._wm0 * inv_area * self._ithr[0]
            if self._two:
                r1 = self._wm1 * inv_area * self._ithr[1]
                if r1 > ratio:
                    ratio = r1
            self._contact_time_s += contact_s
            self._break_open = False
            # contact run (for breaks)
            if not self._had_contact:
                self._had_contact = True
                self._t_run_start = self._t_last_slow
            self._t_last_contact = t_s
            # trust: calm, slow contact builds it; speed, pressure, jerks spend it
            if speed_m_s <= self._calm_v:
                trust += (1.0 - trust) * contact_s / tau_trust
            elif speed_m_s < self._max_v:
                calm = (self._max_v - speed_m_s) * self._calm_band_inv
                trust += (1.0 - trust) * contact_s * calm / tau_trust
            else:
                self._overspeed_s += contact_s
                dg += contact_s * fast_g
                trust -= contact_s * fast_t
            if ratio > 1.0:
                self._overpressure_s += contact_s
                dg += contact_s * over_g
                trust -= contact_s * over_t
            if accel2_m2_s4 > self._jerk_a2 and t_s - self._t_last_jerk >= jerk_ref:
                self._counts["jerks"] += 1
                self._t_last_jerk = t_s
                dg += jerk_g
                trust -= jerk_t
        elif self._had_contact and t_s - self._t_last_contact >= brk_gap:
            if self._t_last_contact - self._t_run_start >= brk_min:
                self._counts["contact_breaks"] += 1
                self._break_open = True
                dg += brk_g
                trust -= brk_t
            self._had_contact = False
        soft = self._soft
        if self.softening_max > 0.0:
            # what the pad feels follows the dose under it with a short lag (smooths the
            # steps of the footprint moving from node to node)
            smax = self.softening_max
            inv_g = 1.0 / growth
            a = self._soft_alpha
            for i in range(len(soft)):
                target = smax * (1.0 - math.exp(-self._dose_mean[i] * inv_g / self._dose_scale[i]))
                soft[i] += (target - soft[i]) * a
        # --- the client's signal (window granularity, then latency)
        lvl = self._raw_level
        if lvl == 0:
            new = 2 if ratio > self._stop else (1 if ratio > 1.0 else 0)
        elif lvl == 1:
            new = 2 if ratio > self._stop else (1 if ratio > self._hyst else 0)
        else:
            new = 2 if ratio > self._stop * self._hyst else (1 if ratio > self._hyst else 0)
        if new != lvl:
            self._signal_change(t_s, new)
        queue = self._queue
        while queue and t_s >= queue[0][0]:
            self.client_signal = SIGNALS[queue.pop(0)[1]]
        # --- guarding relaxes toward a target set by trust; events add to it
        trust = 0.0 if trust < 0.0 else (1.0 if trust > 1.0 else trust)
        t0 = self.trust0
        if trust >= t0:
            gain = (trust - t0) / (1.0 - t0) if t0 < 1.0 else 0.0
        else:
            gain = (trust - t0) / t0
        g_target = self.guarding0 * (1.0 - relax * gain)
        g_target = 0.0 if g_target < 0.0 else (1.0 if g_target > 1.0 else g_target)
        w = (t_s - self._t_last_slow) / tau_g
        g = self._guarding
        g += (g_target - g) * (w if w < 1.0 else 1.0) + dg
        g = 0.0 if g < 0.0 else (1.0 if g > 1.0 else g)
        self._trust = trust
        self._guarding = g
        self._tone_ratio = (1.0 + tone_k * g) / self._tone0
        self._comfort_factor = 1.0 + comfort_k * (0.5 - g)
        # --- reset the window
        self._wn = 0
        self._wf0 = self._wf1 = 0.0
        self._wm0 = self._wm1 = self._wmf = 0.0
        self._t_last_slow = t_s
        self._t_now = t_s
        self._t_slow = t_s + period
        # --- refresh the fast path's pad tuples when the slow state moved enough
        applied = self._applied
        if (
            abs(self._tone_ratio - applied[0]) > 2e-5
            or abs(self._comfort_factor - applied[1]) > 1e-3
            or abs(soft[0] - applied[2]) > 2e-5
            or abs(soft[-1] - applied[3]) > 2e-5
        ):
            self._rebuild_pads()

    # ================================================================== truth API
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
            "trust": self._trust,
            "guarding": self._guarding,
            "tone_multiplier": self._tone_ratio,
            "softening_max_fraction": float(np.max(soft[on_back])),
            "softening_mean_fraction": float(np.mean(soft[on_back])),
            "softening_cap_fraction": self.softening_max,
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
