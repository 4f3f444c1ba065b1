"""The tool axis follows the felt skin: toward the force across the sliding, not along
it (friction), bounded, rate-limited, relaxed off the skin; the Supervisor bounds the
commanded axis off the normal."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backstroke.control.axis_follow import AxisFollower
from backstroke.errors import BackstrokeError
from backstroke.robot.protocol import RobotCommand, RobotState, Vec3
from backstroke.safety.limits import SafetyLimits
from backstroke.safety.supervisor import Supervisor
from backstroke.tools import Tool
from tests.safety.test_force_cone import tilted

DT = 1e-3
UP: Vec3 = (0.0, 0.0, 1.0)
STILL: Vec3 = (0.0, 0.0, 0.0)


def angle_deg(a: Vec3, b: Vec3) -> float:
    d = sum(x * y for x, y in zip(a, b, strict=True))
    na = math.sqrt(sum(x * x for x in a))
    nb = math.sqrt(sum(x * x for x in b))
    return math.degrees(math.acos(max(-1.0, min(1.0, d / (na * nb)))))


def run(f: AxisFollower, force: Vec3, slide: Vec3, ticks: int, contact: bool = True) -> Vec3:
    axis = UP
    for _ in range(ticks):
        axis = f.update(UP, UP, force, slide, contact)
    return axis


def test_constructor_refuses_bad_values() -> None:
    with pytest.raises(BackstrokeError, match="max_tilt_deg"):
        AxisFollower(DT, max_tilt_deg=30.0)
    with pytest.raises(BackstrokeError, match="tau_s"):
        AxisFollower(DT, tau_s=0.0)


def test_standing_still_the_axis_turns_onto_the_force() -> None:
    f = AxisFollower(DT)
    axis = run(f, tilted(10.0, 8.0, 30.0), STILL, 3000)
    assert angle_deg(axis, tilted(10.0, 8.0, 30.0)) < 0.1


def test_the_turn_is_rate_limited() -> None:
    f = AxisFollower(DT, rate_deg_s=10.0, tau_s=1e-3)
    axis = run(f, tilted(10.0, 12.0), STILL, 500)  # 0.5 s at 10°/s: 5° at most
    assert 4.5 < angle_deg(axis, UP) <= 5.0 + 1e-6


@given(angle=st.floats(16.0, 60.0), azimuth=st.floats(0.0, 360.0))
def test_the_tilt_is_bounded(angle: float, azimuth: float) -> None:
    f = AxisFollower(DT, max_tilt_deg=15.0, tau_s=1e-3, rate_deg_s=1000.0)
    axis = run(f, tilted(10.0, angle, azimuth), STILL, 200)
    assert angle_deg(axis, UP) == pytest.approx(15.0, abs=1e-6)


def test_friction_along_the_sliding_is_not_followed() -> None:
    # up and back along x on dry skin (μ = tan 20°: the force tilted 20° against the
    # sliding) over a skin sloping 6° across the sliding: only the 6° is followed
    mu = math.tan(math.radians(20.0))
    across = math.tan(math.radians(6.0))
    f = AxisFollower(DT)
    axis = UP
    for k in range(40_000):
        sx = 0.05 if (k // 1000) % 2 == 0 else -0.05
        force = (-math.copysign(mu, sx) * 10.0, across * 10.0, 10.0)
        axis = f.update(UP, UP, force, (sx, 0.0, 0.0), True)
    assert f.friction == pytest.approx(mu, rel=0.05)
    assert abs(math.degrees(math.atan2(axis[0], axis[2]))) < 1.5
    assert math.degrees(math.atan2(axis[1], axis[2])) == pytest.approx(6.0, abs=0.2)


def test_a_slope_along_the_sliding_is_followed() -> None:
    # oiled skin (μ 0.05) up and back over a skin tilted 7° along the sliding
    slope = math.tan(math.radians(7.0))
    f = AxisFollower(DT)
    axis = UP
    for k in range(40_000):
        sx = 0.05 if (k // 1000) % 2 == 0 else -0.05
        force = ((slope - math.copysign(0.05, sx)) * 10.0, 0.0, 10.0)
        axis = f.update(UP, UP, force, (sx, 0.0, 0.0), True)
    assert math.degrees(math.atan2(axis[0], axis[2])) == pytest.approx(7.0, abs=1.0)


def test_light_touch_holds_and_off_the_skin_relaxes() -> None:
    f = AxisFollower(DT, load_n=3.0)
    run(f, tilted(10.0, 8.0), STILL, 3000)
    held = run(f, tilted(2.0, -20.0), STILL, 1000)  # below the load: held
    assert angle_deg(held, UP) == pytest.approx(8.0, abs=0.1)
    free = run(f, (0.0, 0.0, 0.0), STILL, 1000, contact=False)
    assert angle_deg(free, UP) < 1e-6
    f.update(UP, UP, tilted(10.0, 8.0), STILL, True)
    f.reset()
    assert f.tilt == (0.0, 0.0, 0.0)


class StillRobot:
    name = "still"
    control_rate_hz = 1000.0

    def __init__(self) -> None:
        self.commands: list[RobotCommand] = []

    def _state(self, cmd: RobotCommand | None) -> RobotState:
        axis = UP if cmd is None else cmd.axis
        k = len(self.commands)
        return RobotState(k * DT, k, Tool.PALMS, (0, 0, 0), axis, (0, 0, 5.0), (0, 0, 0), "")

    def start(self, tool: Tool, position_m: Vec3, axis: Vec3) -> RobotState:
        return self._state(None)

    def step(self, command: RobotCommand) -> RobotState:
        self.commands.append(command)
        return self._state(command)

    def stop(self) -> RobotState:
        return self._state(None)

    def close(self) -> None:
        pass


def test_supervisor_bounds_the_commanded_axis_off_the_normal() -> None:
    robot = StillRobot()
    limits = SafetyLimits(max_axis_tilt_deg=25.0)
    sup = Supervisor(robot, limits, DT)
    sup.start(Tool.PALMS, (0.0, 0.0, 0.0), UP)
    for i, tilt in enumerate((5.0, 40.0, 40.0, 5.0)):
        sup.step(
            RobotCommand(Tool.PALMS, (0.0, 0.0, 0.0), tilted(1.0, tilt, 45.0), i * DT),
            UP,
            0.0,
            False,
        )
    sent = [angle_deg(c.axis, UP) for c in robot.commands]
    assert sent[0] == pytest.approx(5.0, abs=1e-6)
    assert sent[1] == pytest.approx(25.0, abs=1e-6) and sent[2] == pytest.approx(25.0, abs=1e-6)
    assert angle_deg(robot.commands[1].axis, tilted(1.0, 25.0, 45.0)) < 1e-6
    assert sent[3] == pytest.approx(5.0, abs=1e-6)
    clamps = [e for e in sup.events if e.kind == "axis_tilt"]
    assert len(clamps) == 1 and clamps[0].value == pytest.approx(40.0, abs=1e-6)
    assert sup.mode == "running"
