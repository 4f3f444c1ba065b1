"""Moving the arm off the skin to a joint goal: a cosine-blended joint path streamed on
the arm's clock under joint impedance."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from backstroke.robot.franka.loop_clock import LoopClock
from backstroke.robot.franka.preflight import FrankaSetupError

FloatArray = NDArray[np.float64]
JOINT_SPEED_RAD_S = 0.6  # mean speed of the largest joint on the way to the start pose
JOINT_STIFFNESS = (600.0, 600.0, 600.0, 600.0, 250.0, 150.0, 50.0)  # N·m/rad, that move


def move_joints(fr: Any, arm: Any, clock: LoopClock, q_goal: FloatArray) -> None:
    """Off the skin, to ``q_goal``: a smooth joint path under joint impedance.

    The path is streamed on the arm's clock at the control rate (cosine blend, the
    largest joint at ``JOINT_SPEED_RAD_S`` on average), then held for a moment; the
    joint tracker then hands over to the Cartesian one.
    """
    q_a = np.asarray(arm.state.q, dtype=np.float64)
    span = float(np.max(np.abs(q_goal - q_a)))
    duration = max(1.0, span / JOINT_SPEED_RAD_S)
    tracker = fr.JointImpedanceTracker(arm, stiffness=np.asarray(JOINT_STIFFNESS))
    try:
        clock.restart()
        t = 0.0
        while t < duration + 0.5:
            x = min(t / duration, 1.0)
            blend = 0.5 - 0.5 * math.cos(math.pi * x)
            rate = 0.5 * math.pi * math.sin(math.pi * x) / duration
            tracker.set_target(q_a + blend * (q_goal - q_a), dq=rate * (q_goal - q_a))
            t = clock.wait()
            if not arm.is_in_control:
                arm.join_motion(0.0)  # raises the arm's reason
                raise FrankaSetupError("the arm stopped on its way to the start pose")
    finally:
        tracker.stop()
    err = float(np.max(np.abs(np.asarray(arm.state.q) - q_goal)))
    if err > math.radians(2.0):
        raise FrankaSetupError(f"the arm stopped {math.degrees(err):.1f}° short of the start pose")
