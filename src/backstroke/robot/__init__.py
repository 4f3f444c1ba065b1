"""Robot backends behind one protocol: ``sim`` (built-in), ``mujoco`` (extra), real drivers."""

from backstroke.robot.protocol import Robot, RobotCommand, RobotState

__all__ = ["Robot", "RobotCommand", "RobotState"]
