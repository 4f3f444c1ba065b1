"""Supervisor on a scripted robot: every limit, every reaction."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backstroke.robot.protocol import RobotCommand, RobotState, Vec3
from backstroke.safety.limits import SafetyLimits
from backstroke.safety.supervisor import Supervisor
from backstroke.tools import TOOLS, Tool

DT = 1e-3
UP: Vec3 = (0.0, 0.0, 1.0)


class ScriptedRobot:
    """Goes exactly where commanded; the force comes from a script of (tick, position)."""

    name = "scripted"
    control_rate_hz = 1000.0

    def __init__(self, force: Callable[[int, Vec3], float], *, seq_step: int = 1) -> None:
        self.force = force
        self.tick = 0
        self.seq = 0
        self.seq_step = seq_step
        self.commands: list[RobotCommand] = []
        self.signal = ""
        self.clock_s = 0.0
        self.late_s = 0.0

    def _state(self, pos: Vec3, tool: Tool) -> RobotState:
        f = self.force(self.tick, pos)
        return RobotState(
            self.clock_s, self.seq, tool, pos, UP, (0.0, 0.0, f), (0.0, 0.0, 0.0), self.signal
        )

    def start(self, tool: Tool, position_m: Vec3, axis: Vec3) -> RobotState:
        return self._state(position_m, tool)

    def step(self, command: RobotCommand) -> RobotState:
        self.commands.append(command)
        self.tick += 1
        self.seq += self.seq_step
        self.clock_s += DT + self.late_s
        return self._state(command.position_m, command.tool)

    def stop(self) -> RobotState:
        return self._state(self.commands[-1].position_m, Tool.PALMS)

    def close(self) -> None:
        pass


def drive(sup: Supervisor, robot: ScriptedRobot, ticks: int, tool: Tool = Tool.PALMS) -> None:
    sup.start(tool, (0.0, 0.0, 0.0), UP)
    for i in range(ticks):
        sup.step(RobotCommand(tool, (0.0, 0.0, -0.005), UP, i * DT), UP, 0.005, False)
        if sup.mode == "stopped":
            break


def test_force_over_limit_retreats_and_lifts_clear() -> None:
    limit = TOOLS[Tool.PALMS].max_force_n
    robot = ScriptedRobot(lambda k, p: 10.0 if k < 50 else limit + 5.0)
    sup = Supervisor(robot, SafetyLimits(), DT)
    drive(sup, robot, 5000)
    assert sup.fault is not None and sup.fault.kind == "force"
    assert sup.mode == "stopped"
    z = [c.position_m[2] for c in robot.commands]
    k = z.index(max(z))
    # After the fault the tool only moves away from the skin, at the retreat speed.
    after = z[51 : k + 1]
    assert all(b >= a - 1e-12 for a, b in itertools.pairwise(after))
    assert max(z) >= SafetyLimits().retreat_height_m - 1e-9


def test_soft_limit_backs_off_without_stopping() -> None:
    limit = TOOLS[Tool.THUMB].max_force_n
    soft = SafetyLimits().soft_fraction * limit

    def force(k: int, p: Vec3) -> float:
        # A stiff spot: force grows with depth below z = 0.
        return max(0.0, -p[2]) * (soft + 2.0) / 0.005

    robot = ScriptedRobot(force)
    sup = Supervisor(robot, SafetyLimits(), DT)
    drive(sup, robot, 500, Tool.THUMB)
    assert sup.mode == "running"
    assert any(e.kind == "force" and e.action == "clamp" for e in sup.events)
    assert sup.max_normal_force_n < limit


def test_stale_samples_retreat() -> None:
    robot = ScriptedRobot(lambda k, p: 10.0, seq_step=0)
    sup = Supervisor(robot, SafetyLimits(), DT)
    drive(sup, robot, 100)
    assert sup.fault is not None and sup.fault.kind == "stale"
    assert sup.fault.t_s <= SafetyLimits().stale_s + 3 * DT


def test_nan_samples_retreat() -> None:
    robot = ScriptedRobot(lambda k, p: math.nan if k > 10 else 10.0)
    sup = Supervisor(robot, SafetyLimits(), DT)
    drive(sup, robot, 100)
    assert sup.fault is not None and sup.fault.kind == "invalid"


def test_a_single_nan_rides_through() -> None:
    robot = ScriptedRobot(lambda k, p: math.nan if k == 10 else 10.0)
    sup = Supervisor(robot, SafetyLimits(), DT)
    drive(sup, robot, 100)
    assert sup.fault is None


def test_late_ticks_trip_the_watchdog() -> None:
    robot = ScriptedRobot(lambda k, p: 10.0)
    robot.late_s = 0.004
    sup = Supervisor(robot, SafetyLimits(), DT)
    drive(sup, robot, 100)
    assert sup.fault is not None and sup.fault.kind == "watchdog"


def test_client_stop_retreats() -> None:
    robot = ScriptedRobot(lambda k, p: 10.0)
    sup = Supervisor(robot, SafetyLimits(), DT)
    sup.start(Tool.PALMS, (0.0, 0.0, 0.0), UP)
    for i in range(20):
        if i == 10:
            robot.signal = "stop"
        sup.step(RobotCommand(Tool.PALMS, (0.0, 0.0, -0.005), UP, i * DT), UP, 0.005, False)
    assert sup.fault is not None and sup.fault.kind == "client_stop"


@given(st.floats(0.0, 0.05), st.floats(-0.05, 0.05), st.floats(-0.02, 0.02))
def test_commands_never_exceed_speed_limits(dx: float, dy: float, dz: float) -> None:
    robot = ScriptedRobot(lambda k, p: 5.0)
    lim = SafetyLimits()
    sup = Supervisor(robot, lim, DT)
    sup.start(Tool.PALMS, (0.0, 0.0, 0.0), UP)
    prev = (0.0, 0.0, 0.0)
    for i in range(5):
        sup.step(RobotCommand(Tool.PALMS, (dx, dy, dz), UP, i * DT), UP, 0.0, False)
        p = robot.commands[-1].position_m
        tangential = math.hypot(p[0] - prev[0], p[1] - prev[1])
        assert tangential <= lim.max_speed_m_s * DT * 1.001
        assert abs(p[2] - prev[2]) <= lim.max_normal_speed_m_s * DT * 1.001
        prev = p


def test_limits_are_validated() -> None:
    from backstroke.errors import BackstrokeError

    with pytest.raises(BackstrokeError):
        SafetyLimits(bone_factor=2.0)
    assert SafetyLimits().force_limit_n(Tool.THUMB, True) < TOOLS[Tool.THUMB].max_force_n


def test_force_sensor_that_reads_too_little_for_the_depth_retreats() -> None:
    # A sensor drifting low: 15 mm into the skin but it reads 1 N.
    robot = ScriptedRobot(lambda k, p: 1.0)
    sup = Supervisor(robot, SafetyLimits(), DT)
    sup.start(Tool.PALMS, (0.0, 0.0, 0.0), UP)
    for i in range(400):
        sup.step(RobotCommand(Tool.PALMS, (0.0, 0.0, -0.015), UP, i * DT), UP, 0.015, False)
    assert sup.fault is not None and sup.fault.kind == "force_depth"


def test_pressed_controls_reach_the_supervisor_within_a_tick() -> None:
    robot = ScriptedRobot(lambda k, p: 10.0)
    sup = Supervisor(robot, SafetyLimits(), DT)
    sup.start(Tool.PALMS, (0.0, 0.0, 0.0), UP)
    sup.press("lighter")
    sup.step(RobotCommand(Tool.PALMS, (0.0, 0.0, -0.005), UP, 0.0), UP, 0.005, False)
    assert sup.signals == [(0.0, "lighter")]
    sup.press("stop")
    sup.step(RobotCommand(Tool.PALMS, (0.0, 0.0, -0.005), UP, DT), UP, 0.005, False)
    assert sup.fault is not None and sup.fault.kind == "client_stop"
    with pytest.raises(Exception, match="unknown client control"):
        sup.press("harder")


def test_request_stop_retreats_at_the_next_tick() -> None:
    robot = ScriptedRobot(lambda k, p: 10.0)
    sup = Supervisor(robot, SafetyLimits(), DT)
    sup.start(Tool.PALMS, (0.0, 0.0, 0.0), UP)
    sup.step(RobotCommand(Tool.PALMS, (0.0, 0.0, -0.005), UP, 0.0), UP, 0.005, False)
    sup.request_stop("interrupted")
    assert sup.mode == "running"  # queued, not acted on from another thread
    sup.step(RobotCommand(Tool.PALMS, (0.0, 0.0, -0.005), UP, DT), UP, 0.005, False)
    assert sup.fault is not None and sup.fault.kind == "interrupted"
    assert sup.fault.action == "retreat" and sup.fault.t_s == DT


def test_a_client_pushing_into_the_tool_is_escaped_fast() -> None:
    # The skin rises toward the tool at 15 cm/s (a 3 cm shift in 0.3 s) on 3000 N/m
    # tissue: the force grows at 450 N/s until the tool gets away.
    lim = SafetyLimits()
    skin = {"z": -0.005}

    def force(k: int, p: Vec3) -> float:
        if k > 100:
            skin["z"] = min(skin["z"] + 0.15 * DT, 0.025)
        return max(0.0, skin["z"] - p[2]) * 3000.0 + 10.0

    robot = ScriptedRobot(force)
    sup = Supervisor(robot, lim, DT)
    sup.start(Tool.THUMB, (0.0, 0.0, 0.0), UP)
    peak = 0.0
    for i in range(1500):
        cmd = RobotCommand(Tool.THUMB, (0.0, 0.0, -0.005), UP, i * DT)
        st_, _ = sup.step(cmd, UP, 0.005, False)
        peak = max(peak, st_.force_n[2])
        if sup.mode == "stopped":
            break
    assert sup.fault is not None and sup.fault.kind == "client_moved"
    assert sup.fault.t_s - 0.1 < 0.05  # noticed within 50 ms of the push starting
    assert peak < TOOLS[Tool.THUMB].max_force_n * lim.bone_factor
    assert sup.mode == "stopped"


def test_bone_is_decided_from_the_measured_position() -> None:
    # The plan says 3 cm left of the spine (soft tissue); the robot is measured 2.5 cm
    # further toward the midline, over the spinous processes: bone limits apply.
    from backstroke.body.back_model import BackModel
    from backstroke.body.client_file import load_client
    from backstroke.plan.zone_limits import ZoneLimits

    back = BackModel(load_client())
    zones = ZoneLimits(back)
    u, v = 0.5, 0.03
    p = tuple(float(x) for x in back.point(u, v))
    tu, tv, n = (tuple(float(x) for x in a) for a in back.frame(u, v))
    for offset_m, bone in ((0.0, False), (-0.025, True)):
        where = tuple(p[i] + offset_m * tv[i] for i in range(3))

        class Offset(ScriptedRobot):
            at: Vec3 = (0.0, 0.0, 0.0)

            def step(self, command: RobotCommand) -> RobotState:
                super().step(command)
                return self._state(self.at, command.tool)

        robot = Offset(lambda k, q: 10.0)
        robot.at = where  # type: ignore[assignment]
        sup = Supervisor(robot, SafetyLimits(), DT, zones=zones)
        sup.start(Tool.THUMB, p, n)  # type: ignore[arg-type]
        sup.step(
            RobotCommand(Tool.THUMB, p, n, 0.0),  # type: ignore[arg-type]
            n,  # type: ignore[arg-type]
            0.0,
            False,
            (u, v),
            (tu, tv),  # type: ignore[arg-type]
        )
        assert sup.over_bone_now is bone
