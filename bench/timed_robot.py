"""A Robot proxy that measures the time spent inside the backend."""

from __future__ import annotations

import time

from backstroke.robot.protocol import Robot, RobotCommand, RobotState, Vec3
from backstroke.tools import Tool


class TimedRobot:
    """Forwards to ``robot`` and records the wall time of every ``step`` (ns)."""

    def __init__(self, robot: Robot) -> None:
        self.robot = robot
        self.name = robot.name
        self.control_rate_hz = robot.control_rate_hz
        self.step_ns: list[int] = []

    def start(self, tool: Tool, position_m: Vec3, axis: Vec3) -> RobotState:
        return self.robot.start(tool, position_m, axis)

    def step(self, command: RobotCommand) -> RobotState:
        t0 = time.perf_counter_ns()
        st = self.robot.step(command)
        self.step_ns.append(time.perf_counter_ns() - t0)
        return st

    def stop(self) -> RobotState:
        return self.robot.stop()

    def close(self) -> None:
        self.robot.close()

    def sim_truth(self) -> dict[str, object]:
        truth = getattr(self.robot, "sim_truth", None)
        return dict(truth()) if callable(truth) else {}
