"""The fast path: the pads' normal forces at the control rate.

:meth:`TissuePress.press` is called once per control period by a robot backend:
pure-Python scalar math on the cached per-cell coefficients (a few µs per call); it
runs the slow update when its window is due.
"""

from __future__ import annotations

import math

from backstroke.tissue.response import TissueResponse

_CLEAR_M = 0.006  # gaps below -6 mm cannot touch the skin, whatever the breathing


class TissuePress(TissueResponse):
    """The 1 kHz contact force of the simulated client (see the module docstring)."""

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
            damp, cap = self._damp, self._cap
            k0, ka, kb, kab, d0, da, db, dab, amp = self._pad0
            delta = gap0_m + amp * bo
            if delta > 0.0:
                k = k0 + ka * a + kb * b + kab * ab
                d = d0 + da * a + db * b + dab * ab
                x = delta / d
                dd = damp * (delta - self._prev0)
                if dd > delta:  # viscous part at most the elastic one
                    dd = delta
                if x < cap:
                    q = 1.0 / (1.0 - x)
                    f0 = k * q * q * (delta + dd)
                else:
                    f0 = k * (self._cap_f * d + self._cap_slope * (delta - cap * d + dd))
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
                    dd = damp * (delta - self._prev1)
                    if dd > delta:  # viscous part at most the elastic one
                        dd = delta
                    if x < cap:
                        q = 1.0 / (1.0 - x)
                        f1 = k * q * q * (delta + dd)
                    else:
                        f1 = k * (self._cap_f * d + self._cap_slope * (delta - cap * d + dd))
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
                r = r_force = ftot * il_f
                if r > self._frac_f:
                    self._frac_f = r
                    self._frac_f_at = (t_s, u, v_m + self._tf.pads_v_m[0 if f0 >= f1 else 1])
                r = (f0 * il_p0 if f0 * il_p0 > f1 * il_p1 else f1 * il_p1) * self._inv_area
                if r > self._frac_p:
                    self._frac_p = r
                    pv = self._tf.pads_v_m[0 if f0 * il_p0 >= f1 * il_p1 else 1]
                    self._frac_p_at = (t_s, u, v_m + pv)
                if self._on_bone:
                    self._bone_zone_s += self.tick_s
                    if r_force > 1.0:  # over bone, above the bone limit
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
