"""The external wrench at the TCP from measured joint torques and the arm's model.

An FR3 measures link-side joint torques ``tau_J`` (franky-sim reports the torques it
applies, gravity included). With the arm's model (gravity ``g(q)``, Coriolis ``c(q, q̇)``,
mass ``M(q)``) the joint torque the environment exerts is the residual

    tau_ext = g(q) + c(q, q̇) + M(q) q̈ − tau_J

and the wrench on the tool at the TCP solves ``Jᵀ F = tau_ext`` (``J``: the 6×7 zero
Jacobian at the end effector, base frame). With 7 joints and 6 unknowns this is the
least-squares solution ``F = (J Jᵀ + λ² I)⁻¹ J tau_ext`` (damped near singularities).
The model's error (friction, unmodelled mass) is a slowly varying bias: it is taken off
the skin at the start pose (:meth:`WrenchEstimator.zero`) and subtracted; a first-order
low-pass removes the torque sensors' noise.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]


def external_wrench(
    tau_j: FloatArray,
    gravity: FloatArray,
    coriolis: FloatArray,
    jacobian: FloatArray,
    *,
    inertial: FloatArray | None = None,
    damping: float = 1e-3,
) -> FloatArray:
    """Wrench (6,) ``[F (N), τ (N·m)]`` the environment exerts on the tool, base frame.

    Args:
        tau_j: (7,) measured joint torques (N·m).
        gravity, coriolis: (7,) model torques at the measured state (N·m).
        jacobian: (6, 7) zero Jacobian of the TCP (base frame).
        inertial: (7,) ``M(q) q̈`` when an acceleration estimate is at hand.
        damping: λ of the damped least squares.
    """
    tau_ext = np.asarray(gravity) + np.asarray(coriolis) - np.asarray(tau_j)
    if inertial is not None:
        tau_ext = tau_ext + np.asarray(inertial)
    j = np.asarray(jacobian, dtype=np.float64)
    a = j @ j.T + (damping * damping) * np.eye(6)
    return np.asarray(np.linalg.solve(a, j @ tau_ext), dtype=np.float64)


class WrenchEstimator:
    """Bias-zeroed, low-passed external wrench (base frame).

    Args:
        cutoff_hz: low-pass corner.
        rate_hz: update rate.
    """

    def __init__(self, cutoff_hz: float, rate_hz: float) -> None:
        self.alpha = 1.0 - math.exp(-2.0 * math.pi * cutoff_hz / rate_hz)
        self.bias = np.zeros(6)
        self._y: FloatArray | None = None
        self._zero_sum = np.zeros(6)
        self._zero_n = 0

    def add_zero_sample(self, raw: FloatArray) -> None:
        """One off-skin sample toward the bias."""
        self._zero_sum += raw
        self._zero_n += 1

    def zero(self) -> FloatArray:
        """Take the mean of the off-skin samples as the bias; returns it (6,)."""
        if self._zero_n:
            self.bias = self._zero_sum / self._zero_n
        self._zero_sum = np.zeros(6)
        self._zero_n = 0
        self._y = None
        return self.bias.copy()

    def update(self, raw: FloatArray) -> FloatArray:
        """Filtered, bias-free wrench (6,) from one raw estimate."""
        x = np.asarray(raw) - self.bias
        if self._y is None:
            self._y = x.copy()
        else:
            self._y += self.alpha * (x - self._y)
        return self._y.copy()
