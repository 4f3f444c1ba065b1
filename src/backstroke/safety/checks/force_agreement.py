"""Two force sensors must agree: the F/T sensor and the arm's joint-torque estimate.

A drifting or failing F/T sensor makes the force loop press too hard (reading low) or
too light (reading high) while every force limit still looks satisfied. The arm's own
estimate of the contact force (joint torques through its model) is independent of the
F/T sensor: when the two disagree by more than ``tolerance_n + tolerance_fraction ×
force`` for longer than ``confirm_s``, the Supervisor retreats (``force_disagree``).
Until then the force limits act on the higher of the two (``joint_normal_n`` is the
joint estimate's normal force): a sensor reading a little low cannot hide inside the
tolerance.
"""

from __future__ import annotations

import math

import numpy as np

from backstroke.errors import BackstrokeError
from backstroke.safety.checks.base import Finding, Measurement
from backstroke.safety.slots import FloatSlot

# Slots of the state array (safety/slots.py; the Supervisor's fused tick reads them).
JOINT_NORMAL_N, APART_S = range(2)
N_SLOTS = 2


class ForceAgreement:
    """F/T normal force vs the joint-torque estimate (no-op when a backend has none).

    Args:
        dt_s: control period (s).
        tolerance_n: allowed disagreement at zero force (N): the joint estimate's
            model error plus the F/T sensor's bias.
        tolerance_fraction: further allowed disagreement per newton of force.
        confirm_s: disagreement lasting this long → retreat.
    """

    joint_normal_n = FloatSlot(JOINT_NORMAL_N)
    _apart_s = FloatSlot(APART_S)

    def __init__(
        self,
        dt_s: float,
        tolerance_n: float = 3.0,
        tolerance_fraction: float = 0.10,
        confirm_s: float = 0.10,
    ) -> None:
        if not (0.0 < dt_s <= 0.1 and tolerance_n > 0.0 and 0.0 <= tolerance_fraction < 1.0):
            raise BackstrokeError(
                f"ForceAgreement: dt_s {dt_s} (0..0.1], tolerance_n {tolerance_n} (> 0), "
                f"tolerance_fraction {tolerance_fraction} [0..1)"
            )
        if not 0.0 < confirm_s <= 1.0:
            raise BackstrokeError(f"ForceAgreement: confirm_s {confirm_s} outside (0, 1]")
        self.dt_s = dt_s
        self.tolerance_n = tolerance_n
        self.tolerance_fraction = tolerance_fraction
        self.confirm_s = confirm_s
        self._k = np.zeros(N_SLOTS)
        self.joint_normal_n = -math.inf

    def update(self, tick: Measurement) -> Finding | None:
        state, normal_force_n, normal = tick.state, tick.normal_force_n, tick.normal
        fj = state.force_joint_n
        if fj is None:
            self.joint_normal_n = -math.inf
            return None
        joint_n = fj[0] * normal[0] + fj[1] * normal[1] + fj[2] * normal[2]
        if not math.isfinite(joint_n):
            self.joint_normal_n = -math.inf
            return None
        # (max() written out: it keeps the first when equal, NaN included)
        most = joint_n
        if normal_force_n > most:
            most = normal_force_n
        if most < 0.0:
            most = 0.0
        tol = self.tolerance_n + self.tolerance_fraction * most
        self.joint_normal_n = joint_n
        gap = normal_force_n - joint_n
        if abs(gap) <= tol:
            apart = self._apart_s - self.dt_s
            self._apart_s = apart if apart > 0.0 else 0.0
            return None
        self._apart_s += self.dt_s
        if self._apart_s > self.confirm_s:
            return Finding("force_disagree", gap, tol, "retreat")
        return None
