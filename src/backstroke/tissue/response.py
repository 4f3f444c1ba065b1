"""The client's slow update (every ``slow_update_s``): what a session does to them.

Dose and softening under the pads, the TRUTH records of force and pressure received,
comfort and the client's signal (with its latency), contact breaks, over-speed,
over-pressure and jerks, and trust and guarding with the tone and breathing rate they
set (``guarding.py``); the breathing offset the fast path reads, as a line over the
next window.
"""

from __future__ import annotations

import math

import numpy as np

from backstroke.tissue.guarding import breath_factor, guarding_target, tone_factor
from backstroke.tissue.pads import TissuePads
from backstroke.tissue.press_kernel import BO_C0, BO_C1, WINDOW
from backstroke.tissue.state import SIGNALS
from backstroke.tools import CONTACT_FORCE_N

_RENORM_EXP = 25.0  # renormalise the lazily decaying dose grid past growth e^25


class TissueResponse(TissuePads):
    """The slow path of the simulated client (see the module docstring)."""

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
            period, tau_rec, tau_trust, tau_g, relax, _tone_k, comfort_k,
            brk_gap, brk_min, brk_g, brk_t, fast_g, fast_t, over_g, over_t,
            jerk_ref, jerk_g, jerk_t,
        ) = self._slow_k  # fmt: skip
        tick = self.tick_s
        P = self._P  # the fast path's window (press_kernel.py), read once
        wn, wf0, wf1, wm0, wm1, wmf = P[WINDOW : WINDOW + 6].tolist()
        two = self._two
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
        P[BO_C1] = slope
        P[BO_C0] = b_a - slope * t_a
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
            dose = wf0 * inv_area * tick
            self._pending[0] += dose * growth
            self._dose_mean[0] += dose * growth
            if two:
                d1 = wf1 * inv_area * tick
                self._pending[1] += d1 * growth
                self._dose_mean[1] += d1 * growth
                dose += d1
            self._dose_total += dose
            # records and comfort
            if wmf > self._max_force_n:
                self._max_force_n = wmf
                self._max_force_at = (t_s, u, v_m)
            if wm0 >= wm1 or not two:
                pm, pv = wm0 * inv_area, self._tf.pads_v_m[0]
            else:
                pm, pv = wm1 * inv_area, self._tf.pads_v_m[1]
            if pm > self._max_pressure:
                self._max_pressure = pm
                self._max_pressure_at = (t_s, u, v_m + pv)
            ratio = wm0 * inv_area * self._ithr[0]
            if two:
                r1 = wm1 * inv_area * self._ithr[1]
                if r1 > ratio:
                    ratio = r1
            self._contact_time_s += contact_s
            if wmf >= CONTACT_FORCE_N:  # the one contact rule (sense/contact.py)
                # contact run (for breaks)
                if not self._had_contact:
                    self._had_contact = True
                    self._t_run_start = self._t_last_slow
                elif self._break_open and t_s - self._t_run_start >= brk_min:
                    # back on the skin for good: the last break was not the lift-off
                    # (a touch shorter than a contact run, e.g. a breath meeting the
                    # hand as it rises, leaves the lift-off the last loss)
                    self._break_open = False
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
        if (
            self._had_contact
            and t_s - self._t_last_contact >= brk_gap
            and not (wn and wmf >= CONTACT_FORCE_N)
        ):
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
        g_target = guarding_target(trust, self.trust0, self.guarding0, relax)
        w = (t_s - self._t_last_slow) / tau_g
        g = self._guarding
        g += (g_target - g) * (w if w < 1.0 else 1.0) + dg
        g = 0.0 if g < 0.0 else (1.0 if g > 1.0 else g)
        self._trust = trust
        self._guarding = g
        rest, tone, breath = self._guard_k  # guarding.py: tension → tone, breathing
        self._tone_ratio = tone_factor(g, rest, tone) / self._tone0
        self.breathing.rate_factor = breath_factor(g, rest, breath) / self._breath0
        self._comfort_factor = 1.0 + comfort_k * (0.5 - g)
        # --- reset the window
        P[WINDOW : WINDOW + 6] = 0.0
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
