"""The fast path: the pads' normal forces at the control rate.

:meth:`TissuePress.press` is called once per control period by a robot backend:
the compiled arithmetic of ``press_kernel.py`` on the cached per-cell coefficients;
the slow update (when its window is due) and the cell lookup stay Python.
"""

from __future__ import annotations

import math

from backstroke.tissue.press_kernel import press_core
from backstroke.tissue.response import TissueResponse


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
        ok, f0, f1 = press_core(self._P, t_s, u, v_m, gap0_m, gap1_m, 0)
        if not ok:  # the foot left the cached cell
            self._locate(u, v_m)
            ok, f0, f1 = press_core(self._P, t_s, u, v_m, gap0_m, gap1_m, 1)
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
