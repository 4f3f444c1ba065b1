"""The simulated client's state: its fields, constants and runtime variables.

:class:`TissueState` builds everything a :class:`~backstroke.tissue.model.Tissue` holds
(the precomputed fields, the seeded draws, the constants of the fast path) and resets
the runtime state. The behaviour is layered on top, one concern per module:
``pads`` (the tool's pads on the chart grid), ``response`` (the client's slow update),
``press`` (the 1 kHz contact force) and ``model`` (the TRUTH API).
"""

from __future__ import annotations

import math

import numpy as np

from backstroke.body.back_model import BackModel
from backstroke.body.client_file import ClientSpec
from backstroke.errors import ClientError
from backstroke.tissue.breathing import Breathing
from backstroke.tissue.fields import TissueFields
from backstroke.tissue.grid import ChartGrid
from backstroke.tissue.guarding import breath_factor, tone_factor
from backstroke.tissue.params import TissueParams
from backstroke.tissue.press_kernel import TICK_S, PressSlots, new_press_state
from backstroke.tools import Tool

SIGNALS = ("", "too_much", "stop")


class TissueState(PressSlots):
    """Fields, seeded draws, fast-path constants and runtime state of one client.

    Args:
        back: the client's back model.
        client: the resolved client (``client.seed`` seeds every random draw).
        params: tissue constants (defaults: :class:`TissueParams`).
    """

    def __init__(
        self, back: BackModel, client: ClientSpec, params: TissueParams | None = None
    ) -> None:
        if client.seed is None or client.stiffness_n_m is None:
            raise ClientError("the tissue needs a resolved client; call resolved() first")
        p = TissueParams() if params is None else params
        self._P = new_press_state()  # the fast path's state (press_kernel.py)
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
        # Protective tension sets tone and breathing relative to the start (guarding.py).
        self._guard_k = (p.guarding_rest, p.guarding_tone, p.breath_guarding)
        self._tone0 = tone_factor(self.guarding0, p.guarding_rest, p.guarding_tone)
        self._breath0 = breath_factor(self.guarding0, p.guarding_rest, p.breath_guarding)
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

    def set_control_period(self, tick_s: float) -> None:
        """The period (s) at which :meth:`press` is called (one call per tick)."""
        if not (math.isfinite(tick_s) and 1e-5 <= tick_s <= 0.02):
            raise ClientError(
                "control period out of range", key="tick_s", value=tick_s, allowed="1e-5..0.02 s"
            )
        self.tick_s = float(tick_s)
        self._P[TICK_S] = self.tick_s
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
        self._bone_s = 0.0  # pressing a bony zone above its (bone) force limit
        self._bone_zone_s = 0.0  # pressing a bony zone at all
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
