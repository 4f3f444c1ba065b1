"""What a sensor check reads and returns, and the interface the Supervisor loops over."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, Protocol

from backstroke.robot.protocol import RobotState, Vec3

Action = Literal["retreat", "moved"]


@dataclass(frozen=True, slots=True)
class Finding:
    """One check's verdict for this tick.

    Attributes:
        kind: the safety event kind (e.g. ``force_disagree``, ``client_moved``).
        value: what was measured (SI).
        limit: what it was compared with (same unit).
        action: ``retreat`` (end the session in a controlled retreat) or ``moved``
            (the client is moving: bone limits apply for the move memory).
    """

    kind: str
    value: float
    limit: float
    action: Action


@dataclass(slots=True)
class Measurement:
    """One tick's measurement as the checks see it (one instance, refilled each tick).

    Attributes:
        state: the robot's measurement now.
        normal: the skin's outward normal at the plan point (unit, frame B).
        raw_normal_force_n: the F/T sensor's normal force this sample (N; may be NaN).
        normal_force_n: its median over the last 3 samples (N; finite once valid).
        model_depth_m: how far the measured TCP is below the model surface along the
            normal (m).
    """

    state: RobotState
    normal: Vec3 = (0.0, 0.0, 1.0)
    raw_normal_force_n: float = math.nan
    normal_force_n: float = math.nan
    model_depth_m: float = 0.0


class SensorCheck(Protocol):
    """A check on the measurement: pure in its inputs, with its own small memory."""

    def update(self, tick: Measurement) -> Finding | None:
        """Read one tick; a finding when something is wrong (or the client moves)."""
        ...
