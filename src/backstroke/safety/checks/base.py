"""What a sensor check returns, and the interface the Supervisor loops over."""

from __future__ import annotations

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


class SensorCheck(Protocol):
    """A check on the measurement: pure in its inputs, with its own small memory."""

    def update(self, state: RobotState, normal_force_n: float, normal: Vec3) -> Finding | None:
        """Read one tick.

        Args:
            state: the robot's measurement now.
            normal_force_n: the F/T sensor's normal force (median of 3 samples, N).
            normal: the skin's outward normal at the plan point (unit, frame B).
        """
        ...
