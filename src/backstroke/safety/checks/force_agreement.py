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
from typing import Any

import numpy as np

from backstroke.errors import BackstrokeError
from backstroke.jit import numba_njit
from backstroke.safety.checks.base import Finding, Measurement
from backstroke.safety.slots import FloatSlot

# Slots of the state array (safety/slots.py; the Supervisor's fused tick reads them):
# the state, the settings, and this tick's gap and tolerance.
JOINT_NORMAL_N, APART_S, DT_S, TOLERANCE_N, TOLERANCE_FRACTION, CONFIRM_S = range(6)
GAP_N, TOL_N = range(6, 8)
N_SLOTS = 8
DISAGREE = 1  # what agreement_update finds (0: nothing)


@numba_njit()
def agreement_update(
    K: Any, o: int, normal_force_n: float, has_joint: bool, joint: Any, n: Any
) -> int:
    """The joint estimate ``joint`` (when ``has_joint``) against the F/T normal force,
    on the slots at ``K[o:]``: DISAGREE or 0 (``K[o + JOINT_NORMAL_N]``: its normal
    force, -inf when there is none)."""
    if not has_joint:
        K[o + JOINT_NORMAL_N] = -math.inf
        return 0
    joint_n = joint[0] * n[0] + joint[1] * n[1] + joint[2] * n[2]
    if not math.isfinite(joint_n):
        K[o + JOINT_NORMAL_N] = -math.inf
        return 0
    # (max() written out: it keeps the first when equal, NaN included)
    most = joint_n
    if normal_force_n > most:
        most = normal_force_n
    if most < 0.0:
        most = 0.0
    tol = K[o + TOLERANCE_N] + K[o + TOLERANCE_FRACTION] * most
    K[o + JOINT_NORMAL_N] = joint_n
    gap = normal_force_n - joint_n
    dt = K[o + DT_S]
    if abs(gap) <= tol:
        apart = K[o + APART_S] - dt
        K[o + APART_S] = apart if apart > 0.0 else 0.0
        return 0
    apart = K[o + APART_S] + dt
    K[o + APART_S] = apart
    if apart > K[o + CONFIRM_S]:
        K[o + GAP_N], K[o + TOL_N] = gap, tol
        return DISAGREE
    return 0


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
    dt_s = FloatSlot(DT_S)
    tolerance_n = FloatSlot(TOLERANCE_N)
    tolerance_fraction = FloatSlot(TOLERANCE_FRACTION)
    confirm_s = FloatSlot(CONFIRM_S)

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
        self._k = np.zeros(N_SLOTS)
        self.dt_s = dt_s
        self.tolerance_n = tolerance_n
        self.tolerance_fraction = tolerance_fraction
        self.confirm_s = confirm_s
        self.joint_normal_n = -math.inf

    def update(self, tick: Measurement) -> Finding | None:
        fj, k = tick.state.force_joint_n, self._k
        if agreement_update(
            k, 0, tick.normal_force_n, fj is not None, _NONE if fj is None else fj, tick.normal
        ):
            return Finding("force_disagree", float(k[GAP_N]), float(k[TOL_N]), "retreat")
        return None


_NONE = (0.0, 0.0, 0.0)  # the joint estimate when there is none
