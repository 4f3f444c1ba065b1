"""``--backend franka-sim``: the very same Franka driver against a franky-sim server.

:class:`FrankaSimRobot` starts the server (a child process with backstroke's table,
client and tool in its MuJoCo scene, :mod:`~backstroke.robot.franka.sim.server`) on a
free loopback address, connects an unchanged :class:`~backstroke.robot.franka.driver.
FrankaRobot` to it over libfranka's protocol and delegates the ``Robot`` protocol to it.
The only other link is the side channel a real cell has too: the tool indexer. The
truth for ``sim_truth`` (contact forces on the back) comes from the server's scene, never
through the driver.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from backstroke.body.back_model import BackModel
from backstroke.body.client_file import ClientSpec
from backstroke.robot.franka.driver import FrankaRobot, FrankaSettings
from backstroke.robot.franka.frames import BodyPose
from backstroke.robot.franka.sim.launcher import FrankaSimServer
from backstroke.robot.protocol import RobotCommand, RobotState, Vec3
from backstroke.tools import Tool

# Where franky-sim's cell puts the client: beside the arm, the spine across its front,
# the skin about 0.2–0.25 m above the arm's base (table top level with its foot).
DEFAULT_BODY_POSE = "0.48,-0.25,0.2,90"


class FrankaSimRobot:
    """franky-sim server + Franka driver (implements ``Robot``; see the module docstring).

    Args:
        client: the client file (the server builds the true tissue from it).
        back: the client's BackModel (unused here beyond the server's copy).
        body_pose: registration of B in the arm's base (``None``: the default cell).
        control_rate_hz: the driver's loop rate.
    """

    name = "franka-sim"
    force_direction_error_n = FrankaRobot.force_direction_error_n

    def __init__(
        self,
        client: ClientSpec,
        back: BackModel,
        *,
        body_pose: BodyPose | None = None,
        control_rate_hz: float = 250.0,
    ) -> None:
        del back  # the server rebuilds it from the client file
        if client.seed is None or client.stiffness_n_m is None:
            client = client.resolved()
        self.pose = body_pose or BodyPose.parse(DEFAULT_BODY_POSE)
        self.server = FrankaSimServer(client, self.pose)
        try:
            self.driver = FrankaRobot(
                self.server.hostname,
                self.pose,
                control_rate_hz=control_rate_hz,
                settings=FrankaSettings(realtime=False),
                select_tool=self.server.select_tool,
            )
        except BaseException:
            self.server.close()
            raise
        self.control_rate_hz = self.driver.control_rate_hz
        self._truth: dict[str, Any] | None = None

    # ---------------------------------------------------------------- protocol
    def start(self, tool: Tool, position_m: Vec3, axis: Vec3) -> RobotState:
        return self.driver.start(tool, position_m, axis)

    def step(self, command: RobotCommand) -> RobotState:
        return self.driver.step(command)

    def stop(self) -> RobotState:
        return self.driver.stop()

    def close(self) -> None:
        """Driver first (the arm stops), then the server (idempotent)."""
        with contextlib.suppress(Exception):
            self.driver.close()
        if self._truth is None:
            with contextlib.suppress(Exception):
                self._truth = self.server.truth()
        self.server.close()

    # ---------------------------------------------------------------- extras
    @property
    def on_fault(self) -> Callable[[float, str, float, float], None] | None:
        return self.driver.on_fault

    @on_fault.setter
    def on_fault(self, fn: Callable[[float, str, float, float], None] | None) -> None:
        self.driver.on_fault = fn

    def preflight(self, samples: dict[str, Any]) -> None:
        self.driver.preflight(samples)

    def loop_stats(self) -> dict[str, Any]:
        return self.driver.loop_stats()

    def sim_truth(self) -> dict[str, Any]:
        """What the simulated back received, from the server's scene (JSON-ready)."""
        if self._truth is None:
            self._truth = self.server.truth()
        out = dict(self._truth)
        out.update(
            {
                "arm": "Franka FR3 (franky-sim, MuJoCo) over libfranka's protocol",
                "body_pose": self.pose.text(),
                "force_bias_zeroed_n": self.driver.bias_n,
                "driver_setup_s": dict(self.driver.setup_s),
                "robot_faults": list(self.driver.faults),
            }
        )
        return out
