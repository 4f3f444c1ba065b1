"""Pace a simulated robot to the wall clock, so a person can watch and press buttons.

:class:`PacedRobot` wraps any :class:`~backstroke.robot.protocol.Robot`: after each step
it sleeps while the robot's session time is ahead of ``speed`` × the wall time since the
first step. It sleeps in slices of at least ``slack_s`` of wall time (sleeping every 1 ms
tick would cost more than the tick), so the session is never more than ``slack_s`` ahead
of the wall. When it falls behind by more than ``max_lag_s`` (the runner thinking between
passes, or a backend slower than ``speed``) the pacing restarts from that moment: a pause
stays a pause, and the session never races ahead to catch up.
The robot's own clock (which the Supervisor's watchdog reads) is untouched.
"""

from __future__ import annotations

import math
import time
from typing import Any

from backstroke.errors import BackstrokeError
from backstroke.robot.protocol import Robot, RobotCommand, RobotState, Vec3
from backstroke.tools import Tool

MAX_SPEED = 1000.0


class PacedRobot:
    """A Robot whose session time runs at ``speed`` × wall-clock time.

    Args:
        robot: the backend to pace (its ``t_s`` is session time).
        speed: session seconds per wall second (1 = real time), 0.1..1000.
        slack_s: how far (wall seconds) the session may run ahead before a sleep.
        max_lag_s: how far it may fall behind before the pacing restarts from now.

    Raises:
        BackstrokeError: ``speed`` outside 0.1..1000.
    """

    def __init__(
        self, robot: Robot, speed: float = 1.0, slack_s: float = 0.004, max_lag_s: float = 0.05
    ) -> None:
        if not (math.isfinite(speed) and 0.1 <= speed <= MAX_SPEED):
            raise BackstrokeError(f"--speed {speed!r} outside 0.1..{MAX_SPEED:g}")
        self.inner = robot
        self.speed = float(speed)
        self.slack_s = slack_s
        self.max_lag_s = max_lag_s
        self.resyncs = 0
        self.name = robot.name
        self.control_rate_hz = robot.control_rate_hz
        self._t0: float | None = None
        self._wall0 = 0.0
        self.slept_s = 0.0

    def __getattr__(self, name: str) -> Any:
        # sim_truth() and other backend extras pass through.
        return getattr(self.inner, name)

    def _pace(self, state: RobotState) -> None:
        now = time.perf_counter()
        if self._t0 is None:
            self._t0, self._wall0 = state.t_s, now
            return
        ahead = (state.t_s - self._t0) / self.speed - (now - self._wall0)
        if ahead < -self.max_lag_s:
            # Behind (the runner paused between passes, or the backend is slower than
            # `speed`): carry on from here instead of racing to catch up.
            self._t0, self._wall0 = state.t_s, now
            self.resyncs += 1
        elif ahead > self.slack_s:
            time.sleep(ahead)
            self.slept_s += ahead

    def start(self, tool: Tool, position_m: Vec3, axis: Vec3) -> RobotState:
        state = self.inner.start(tool, position_m, axis)
        self._t0 = None
        self._pace(state)
        return state

    def step(self, command: RobotCommand) -> RobotState:
        state = self.inner.step(command)
        self._pace(state)
        return state

    def stop(self) -> RobotState:
        return self.inner.stop()

    def close(self) -> None:
        self.inner.close()
