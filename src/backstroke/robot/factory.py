"""Backend construction: one entry point, one function per backend."""

from __future__ import annotations

import importlib.metadata
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from backstroke.body.back_model import BackModel
from backstroke.body.client_file import ClientSpec
from backstroke.errors import BackstrokeError, RobotError
from backstroke.robot.protocol import Robot

ENTRY_POINT_GROUP = "backstroke.robots"


@dataclass(frozen=True)
class BackendRequest:
    """What a backend factory is given (the client only for simulated backends).

    Attributes:
        client: the virtual client (simulated backends build their tissue from it).
        back: the body model in frame B.
        seed: the session seed.
        robot_ip: a real arm's address, when one is named.
        body_pose: ``x,y,z,yaw_deg`` of body frame B in the arm's base, when given.
    """

    client: ClientSpec
    back: BackModel
    seed: int
    robot_ip: str | None = None
    body_pose: str | None = None


RobotFactory = Callable[[BackendRequest], Robot]
_REGISTRY: dict[str, RobotFactory] = {}


def register_robot(name: str, factory: RobotFactory) -> None:
    """Make ``--backend NAME`` build a robot with ``factory(request)``.

    Third-party packages register through the ``backstroke.robots`` entry point group
    instead (``name = "package.module:factory"``); this is for code in the same process.
    """
    if not name or not name.replace("-", "").replace("_", "").isalnum():
        raise BackstrokeError(f"backend name {name!r}: letters, digits, '-' and '_' only")
    _REGISTRY[name] = factory


def _entry_points() -> dict[str, Any]:
    return {ep.name: ep for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)}


def backend_names() -> tuple[str, ...]:
    """Every backend ``--backend`` accepts: built-in, registered and installed plug-ins."""
    return tuple(dict.fromkeys([*_REGISTRY, *_entry_points()]))


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
    ``body_pose`` (``x,y,z,yaw_deg`` of body frame B in the arm's base) are for real
    arms. Looks in this registry first, then in the ``backstroke.robots`` entry points.
    """
    factory = _REGISTRY.get(backend)
    if factory is None:
        ep = _entry_points().get(backend)
        if ep is None:
            raise RobotError(f"unknown backend '{backend}' (allowed: {', '.join(backend_names())})")
        try:
            factory = ep.load()
        except ImportError as exc:
            raise RobotError(f"backend '{backend}' ({ep.value}) cannot be loaded: {exc}") from None
    robot = factory(BackendRequest(client, back, seed, robot_ip, body_pose))
    if not isinstance(robot, Robot):
        raise RobotError(f"backend '{backend}' built {type(robot).__name__}, not a Robot")
    return robot


def _sim(r: BackendRequest) -> Robot:
    from backstroke.robot.sim import SimRobot
    from backstroke.tissue import Tissue

    return SimRobot(r.back, Tissue(r.back, r.client), seed=r.seed)


def _mujoco(r: BackendRequest) -> Robot:
    from backstroke.robot.mujoco import MujocoRobot

    return MujocoRobot(r.back, r.client, seed=r.seed)


def _franka(r: BackendRequest) -> Robot:
    robot_ip, body_pose = r.robot_ip, r.body_pose
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


def _franka_sim(r: BackendRequest) -> Robot:
    client, back, body_pose = r.client, r.back, r.body_pose
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


for _name, _factory in (
    ("sim", _sim),
    ("mujoco", _mujoco),
    ("franka", _franka),
    ("franka-sim", _franka_sim),
):
    register_robot(_name, _factory)
