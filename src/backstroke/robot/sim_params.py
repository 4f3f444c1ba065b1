"""Constants of the built-in simulated arm and its F/T sensor (``SimRobotParams``)."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

from backstroke.errors import RobotError

NOISE_BLOCK = 4096  # noise samples drawn per refill (× 3 axes)
# Largest constant error of the arm's joint-torque force estimate (N): payload and
# friction model errors of a well-identified arm.
JOINT_MODEL_ERROR_N = 1.0
# A tool change rolls the new face onto the skin: it starts at this fraction of the
# TCP's depth and reaches all of it after ROLL_S.
ROLL_START = 0.6
ROLL_S = 0.1


@dataclass(frozen=True)
class SimRobotParams:
    """Constants of the simulated arm and sensor.

    Attributes:
        bandwidth_hz: natural frequency of the critically damped position lag.
        max_speed_m_s: TCP speed limit.
        max_accel_m_s2: TCP acceleration limit.
        force_noise_n: σ of the F/T sensor's Gaussian noise, per axis (N).
        max_bias_n: largest norm of the sensor's constant bias (N); drawn from the seed.
        refresh_m: tangential slide of the foot that triggers a surface lookup (m).
        refresh_s: longest time between surface lookups (s).
        accel_window_s: time constant of the low-passed acceleration vector whose
            magnitude the client feels as jerks.
    """

    bandwidth_hz: float = 30.0
    max_speed_m_s: float = 1.0
    max_accel_m_s2: float = 10.0
    force_noise_n: float = 0.07
    max_bias_n: float = 0.1
    refresh_m: float = 0.002
    refresh_s: float = 0.05
    accel_window_s: float = 0.03

    def __post_init__(self) -> None:
        for f in fields(self):
            x = getattr(self, f.name)
            if not (math.isfinite(x) and x >= 0.0):
                raise RobotError(f"SimRobotParams.{f.name} must be finite and ≥ 0, got {x!r}")
        if self.bandwidth_hz <= 0 or self.max_speed_m_s <= 0 or self.max_accel_m_s2 <= 0:
            raise RobotError("SimRobotParams: bandwidth, speed and acceleration limits must be > 0")
        if self.refresh_m <= 0 or self.refresh_s <= 0 or self.accel_window_s <= 0:
            raise RobotError("SimRobotParams: refresh_m, refresh_s, accel_window_s must be > 0")
