"""Backend construction: one entry point, one function per backend."""

from __future__ import annotations

import os

from backstroke.body.back_model import BackModel
from backstroke.body.client_file import ClientSpec
from backstroke.errors import BackstrokeError, RobotError
from backstroke.robot.protocol import Robot

BACKENDS = ("sim", "mujoco", "franka", "franka-sim")


def make_robot(
    backend: str,
    client: ClientSpec,
    back: BackModel,
    *,
    seed: int,
    robot_ip: str | None = None,
    body_pose: str | None = None,
) -> Robot:
    """The robot for ``backend``, with the virtual client on the table when simulated.

    The client file is handed to the simulated backends only: they build the tissue
    the robot presses on; nothing above ``robot/`` ever sees it. ``robot_ip`` and
    ``body_pose`` (``x,y,z,yaw_deg`` of body frame B in the arm's base) are for the
    Franka backends.
    """
    if backend == "sim":
        return _sim(client, back, seed)
    if backend == "mujoco":
        return _mujoco(client, back, seed)
    if backend == "franka":
        return _franka(robot_ip, body_pose)
    if backend == "franka-sim":
        return _franka_sim(client, back, body_pose)
    raise RobotError(f"unknown backend '{backend}' (allowed: {', '.join(BACKENDS)})")


def _sim(client: ClientSpec, back: BackModel, seed: int) -> Robot:
    from backstroke.robot.sim import SimRobot
    from backstroke.tissue import Tissue

    return SimRobot(back, Tissue(back, client), seed=seed)


def _mujoco(client: ClientSpec, back: BackModel, seed: int) -> Robot:
    from backstroke.robot.mujoco import MujocoRobot

    return MujocoRobot(back, client, seed=seed)


def _franka(robot_ip: str | None, body_pose: str | None) -> Robot:
    if not robot_ip:
        raise BackstrokeError("--backend franka needs --robot-ip ADDR (the arm's FCI address)")
    if not body_pose:
        raise BackstrokeError(
            "--backend franka needs --body-pose x,y,z,yaw (body frame B in the arm's base, "
            "metres and degrees)"
        )
    from backstroke.robot.franka.driver import FrankaRobot
    from backstroke.robot.franka.frames import BodyPose

    return FrankaRobot(robot_ip, BodyPose.parse(body_pose), control_rate_hz=_franka_rate_hz())


def _franka_sim(client: ClientSpec, back: BackModel, body_pose: str | None) -> Robot:
    from backstroke.robot.franka.frames import BodyPose
    from backstroke.robot.franka.sim.backend import FrankaSimRobot

    pose = BodyPose.parse(body_pose) if body_pose else None
    return FrankaSimRobot(client, back, body_pose=pose, control_rate_hz=_franka_rate_hz())


def _franka_rate_hz() -> float:
    """The Franka driver's loop rate: ``BACKSTROKE_FRANKA_RATE_HZ`` (100..1000, default 250)."""
    text = os.environ.get("BACKSTROKE_FRANKA_RATE_HZ", "250")
    try:
        rate = float(text)
    except ValueError:
        rate = float("nan")
    if not 100.0 <= rate <= 1000.0:
        raise BackstrokeError(
            f"BACKSTROKE_FRANKA_RATE_HZ={text!r}: the Franka loop rate must be 100..1000 Hz"
        )
    return rate
