"""The ``Robot`` protocol: what every backend (sim, MuJoCo, real driver) offers.

The Supervisor is the only caller. Frames: every vector is in body frame B (DESIGN
§4). The tool's contact point (TCP) is the centre of the active tool's patch; the tool
axis ``axis`` is the unit vector from the skin into the tool (the tool presses along
``-axis``), so with the tool flat on the skin ``axis`` equals the surface normal.

Backends are stepped at the control rate (1 kHz): :meth:`Robot.step` sends one command
and returns the state measured after it. Time is the backend's (simulated or wall).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from backstroke.tools import Tool

Vec3 = tuple[float, float, float]


@dataclass(slots=True)
class RobotCommand:
    """One Cartesian target for the tool.

    Attributes:
        tool: the active tool face.
        position_m: target TCP position (m, frame B).
        axis: target tool axis (unit, frame B; skin → tool).
        t_s: the controller's time of the command (s).
    """

    tool: Tool
    position_m: Vec3
    axis: Vec3
    t_s: float


@dataclass(slots=True)
class RobotState:
    """What the robot measured (never the command).

    Attributes:
        t_s: time of the measurement (s).
        seq: sample counter from the sensor; a repeated ``seq`` means stale data.
        tool: the active tool face.
        position_m: measured TCP position (m, frame B).
        axis: measured tool axis (unit, frame B).
        force_n: force the skin exerts on the tool (N, frame B), from the F/T sensor;
            the normal force is ``dot(force_n, axis)`` (positive when pressing).
        torque_nm: torque at the TCP (N·m, frame B).
        client_signal: ``""``, ``"too_much"``, ``"stop"``, ``"lighter"`` or ``"firmer"``
            (the client's hand-held control or voice; latency included).
        force_joint_n: a second, independent estimate of the same contact force (N,
            frame B) from the arm's joint torques and its model, or ``None`` when the
            backend has none. The Supervisor retreats when the two disagree.
        body_shift_m: how far the client has shifted from the registered pose (m, frame
            B), as a body tracker (the cell's depth camera) last saw it, latency
            included; ``None`` without a tracker.
    """

    t_s: float
    seq: int
    tool: Tool
    position_m: Vec3
    axis: Vec3
    force_n: Vec3
    torque_nm: Vec3
    client_signal: str = ""
    force_joint_n: Vec3 | None = None
    body_shift_m: Vec3 | None = None


@runtime_checkable
class Robot(Protocol):
    """A force-sensing arm with a massage end effector.

    A backend may also set ``force_direction_error_n`` (N, default 0): how far its
    measured force may point off the true one, tangentially (a wrist F/T sensor: its
    bias; an estimate from joint torques: a few newtons). The Supervisor's force cone
    allows for it.
    """

    name: str
    control_rate_hz: float

    def start(self, tool: Tool, position_m: Vec3, axis: Vec3) -> RobotState:
        """Move (off the skin) to a start pose and return the first state."""
        ...

    def step(self, command: RobotCommand) -> RobotState:
        """Send one command, advance one control period, return the new state."""
        ...

    def stop(self) -> RobotState:
        """Hold still where it is (brakes / zero velocity) and return the state."""
        ...

    def close(self) -> None:
        """Release the backend (idempotent)."""
        ...
