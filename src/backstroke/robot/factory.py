"""Backend construction: one entry point, one function per backend."""

from __future__ import annotations

from backstroke.body.back_model import BackModel
from backstroke.body.client_file import ClientSpec
from backstroke.errors import RobotError
from backstroke.robot.protocol import Robot

BACKENDS = ("sim", "mujoco")


def make_robot(backend: str, client: ClientSpec, back: BackModel, *, seed: int) -> Robot:
    """A simulated robot with the virtual client on the table.

    The client file is handed to the simulated backends only: they build the tissue
    the robot presses on; nothing above ``robot/`` ever sees it.
    """
    if backend == "sim":
        return _sim(client, back, seed)
    if backend == "mujoco":
        return _mujoco(client, back, seed)
    raise RobotError(f"unknown backend '{backend}' (allowed: {', '.join(BACKENDS)})")


def _sim(client: ClientSpec, back: BackModel, seed: int) -> Robot:
    from backstroke.robot.sim import SimRobot
    from backstroke.tissue import Tissue

    return SimRobot(back, Tissue(back, client), seed=seed)


def _mujoco(client: ClientSpec, back: BackModel, seed: int) -> Robot:
    from backstroke.robot.mujoco import MujocoRobot

    return MujocoRobot(back, client, seed=seed)
