"""Stacking the bones: the force cone check, the Supervisor's clamp and retreat, the
summary's cone error, and a session on oiled and on dry (sticky) skin."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from backstroke.body.back_model import BackModel
from backstroke.body.client_file import load_client
from backstroke.errors import BackstrokeError
from backstroke.music.grid import BeatGrid
from backstroke.robot.protocol import RobotCommand, RobotState, Vec3
from backstroke.robot.sim import SimRobot
from backstroke.routine.schema import Routine
from backstroke.safety.checks import ForceCone, Measurement
from backstroke.safety.limits import SafetyLimits
from backstroke.safety.supervisor import Supervisor
from backstroke.session.metrics import force_cone_error
from backstroke.session.runner import SessionRunner
from backstroke.tissue.model import Tissue
from backstroke.tools import FORCE_CONE_HALF_ANGLE_DEG, FORCE_CONE_LOAD_N, TOOLS, Tool

DT = 1e-3
UP: Vec3 = (0.0, 0.0, 1.0)


def tilted(force_n: float, angle_deg: float, azimuth_deg: float = 0.0) -> Vec3:
    """A force of ``force_n`` along ``UP`` tilted by ``angle_deg`` (frame B)."""
    a, b = math.radians(angle_deg), math.radians(azimuth_deg)
    return (
        force_n * math.sin(a) * math.cos(b),
        force_n * math.sin(a) * math.sin(b),
        force_n * math.cos(a),
    )


def state(force: Vec3, tool: Tool = Tool.PALMS, k: int = 0) -> RobotState:
    return RobotState(k * DT, k, tool, (0.0, 0.0, 0.0), UP, force, (0.0, 0.0, 0.0), "")


def ticks_to_finding(check: ForceCone, force: Vec3, n: int, tool: Tool = Tool.PALMS) -> int | None:
    for k in range(n):
        finding = check.update(Measurement(state(force, tool, k)))
        if finding is not None:
            return k
    return None


def test_constructor_refuses_bad_values() -> None:
    with pytest.raises(BackstrokeError, match="half_angle_deg"):
        ForceCone(DT, half_angle_deg=0.0)
    with pytest.raises(BackstrokeError, match="confirm_s"):
        ForceCone(DT, confirm_s=0.0)


@given(
    force_n=st.floats(FORCE_CONE_LOAD_N, 39.0),
    angle_deg=st.floats(0.0, FORCE_CONE_HALF_ANGLE_DEG - 0.05),
    azimuth_deg=st.floats(0.0, 360.0),
)
def test_inside_the_cone_is_never_a_finding(
    force_n: float, angle_deg: float, azimuth_deg: float
) -> None:
    check = ForceCone(DT)
    assert ticks_to_finding(check, tilted(force_n, angle_deg, azimuth_deg), 600) is None
    assert not check.out_of_cone


@given(
    axial_n=st.floats(FORCE_CONE_LOAD_N + 0.01, 39.0),
    angle_deg=st.floats(FORCE_CONE_HALF_ANGLE_DEG + 0.05, 80.0),
    azimuth_deg=st.floats(0.0, 360.0),
)
def test_outside_the_cone_retreats_within_the_confirm_time(
    axial_n: float, angle_deg: float, azimuth_deg: float
) -> None:
    check = ForceCone(DT, confirm_s=0.25)
    force_n = axial_n / math.cos(math.radians(angle_deg))
    k = ticks_to_finding(check, tilted(force_n, angle_deg, azimuth_deg), 600)
    assert k is not None and k <= 0.25 / DT + 1
    assert check.out_of_cone and check.angle_deg == pytest.approx(angle_deg, abs=1e-6)


def test_an_uncertain_sensor_widens_the_cone_by_its_error() -> None:
    # 10 N axial: tan(10°) × 10 = 1.76 N of shear allowed, + 2 N for a joint-torque estimate
    wide = ForceCone(DT, tolerance_n=2.0)
    assert ticks_to_finding(wide, (3.6, 0.0, 10.0), 2000) is None
    assert ticks_to_finding(ForceCone(DT, tolerance_n=2.0), (3.9, 0.0, 10.0), 2000) is not None
    assert ticks_to_finding(ForceCone(DT), (2.0, 0.0, 10.0), 2000) is not None


def test_light_touch_is_not_judged() -> None:
    # below the load the direction is the sensor's bias, not shear
    assert ticks_to_finding(ForceCone(DT), tilted(FORCE_CONE_LOAD_N * 0.9, 40.0), 2000) is None


def test_axial_load_over_the_tool_ceiling() -> None:
    limit = TOOLS[Tool.THUMB].max_force_n
    check = ForceCone(DT)
    # one sample over rides through (a spike), two running retreat
    assert check.update(Measurement(state((0.0, 0.0, limit + 5.0), Tool.THUMB))) is None
    assert check.update(Measurement(state((0.0, 0.0, limit - 1.0), Tool.THUMB))) is None
    assert check.update(Measurement(state((0.0, 0.0, limit + 5.0), Tool.THUMB))) is None
    finding = check.update(Measurement(state((0.0, 0.0, limit + 5.0), Tool.THUMB)))
    assert finding is not None and finding.kind == "axial_load" and finding.limit == limit


class ShearingRobot:
    """Goes where commanded and measures 10 N (sheared by ``angle_deg`` from
    ``start_tick`` on): a shear that backing off does not relieve."""

    name = "shearing"
    control_rate_hz = 1000.0

    def __init__(self, angle_deg: float, start_tick: int) -> None:
        self.angle_deg = angle_deg
        self.start_tick = start_tick
        self.tick = 0
        self.commands: list[RobotCommand] = []

    def _state(self, pos: Vec3, tool: Tool) -> RobotState:
        fn = 10.0
        angle = self.angle_deg if self.tick >= self.start_tick else 0.0
        return state(tilted(fn, angle), tool, self.tick)

    def start(self, tool: Tool, position_m: Vec3, axis: Vec3) -> RobotState:
        return self._state(position_m, tool)

    def step(self, command: RobotCommand) -> RobotState:
        self.commands.append(command)
        self.tick += 1
        return self._state(command.position_m, command.tool)

    def stop(self) -> RobotState:
        return self._state(self.commands[-1].position_m, Tool.PALMS)

    def close(self) -> None:
        pass


def test_supervisor_clamps_then_retreats_on_shear() -> None:
    robot = ShearingRobot(angle_deg=25.0, start_tick=200)
    sup = Supervisor(robot, SafetyLimits(), DT)
    sup.start(Tool.PALMS, (0.0, 0.0, 0.0), UP)
    for i in range(3000):
        cmd = RobotCommand(Tool.PALMS, (0.0, 0.0, -0.005), UP, i * DT)
        _, mode = sup.step(cmd, UP, 0.005, False)
        if mode == "stopped":
            break
    kinds = [(e.kind, e.action) for e in sup.events]
    assert kinds.index(("force_cone", "clamp")) < kinds.index(("force_cone", "retreat"))
    assert sup.fault is not None and sup.fault.kind == "force_cone"
    assert sup.mode == "stopped"
    # while clamped the tool backed off: the commands rose above the asked -5 mm
    z = [c.position_m[2] for c in robot.commands[200:400]]
    assert max(z) > -0.005 + 1e-4


def test_backoff_m_is_what_the_clamps_add_to_the_command() -> None:
    """A face handed over during a clamp is asked ``backoff_m`` deeper than where the
    tool is (the session adds it back, the Supervisor takes it off again): the clamps
    never raise the command by more than that (the normal speed limit may lag it)."""
    robot = ShearingRobot(angle_deg=13.0, start_tick=100)
    sup = Supervisor(robot, SafetyLimits(), DT)
    sup.start(Tool.PALMS, (0.0, 0.0, -0.005), UP)  # there already: no speed clamp
    seen = []
    for i in range(400):
        before = sup.backoff_m
        cmd = RobotCommand(Tool.PALMS, (0.0, 0.0, -0.005), UP, i * DT)
        sup.step(cmd, UP, 0.005, False)
        if sup.mode != "running":
            break
        rise = robot.commands[-1].position_m[2] + 0.005
        assert -1e-12 <= rise <= before + 1e-12
        seen.append((before, rise))
    assert len(seen) > 100 and max(r for _, r in seen) > 1e-4


def test_oblique_force_shear_within_the_cone_runs_on() -> None:
    robot = ShearingRobot(angle_deg=8.0, start_tick=10)
    sup = Supervisor(robot, SafetyLimits(), DT)
    sup.start(Tool.PALMS, (0.0, 0.0, 0.0), UP)
    for i in range(2000):
        sup.step(RobotCommand(Tool.PALMS, (0.0, 0.0, -0.005), UP, i * DT), UP, 0.005, False)
    assert sup.mode == "running"
    assert not [e for e in sup.events if e.kind in ("force_cone", "axial_load")]


def test_cone_error_from_columns() -> None:
    n = 1000
    angle = np.where(np.arange(n) < 900, 3.0, 12.0)
    force = np.where(np.arange(n) < 100, 2.0, 10.0)  # the first 100 are light touch
    a = np.radians(angle)
    cols = {
        "fx_n": force * np.sin(a),
        "fy_n": np.zeros(n),
        "fz_n": force * np.cos(a),
        "ax": np.zeros(n),
        "ay": np.zeros(n),
        "az": np.ones(n),
    }
    err = force_cone_error(cols, DT)
    assert err["max"] == pytest.approx(12.0, abs=1e-3)
    assert err["mean"] == pytest.approx((800 * 3.0 + 100 * 12.0) / 900, abs=1e-3)
    assert err["over_s"] == pytest.approx(0.1, abs=1e-9)
    none = force_cone_error({k: v[:100] for k, v in cols.items()}, DT)
    assert none == {"mean": None, "max": None, "over_s": 0.0}


def short_session(friction: float) -> dict[str, object]:
    client = load_client()
    back = BackModel(client)
    tissue = Tissue(back, client)
    tissue.friction_coefficient = friction
    robot = SimRobot(back, tissue, seed=5)
    routine = Routine.model_validate(
        {
            "name": "cone",
            "start_force_fraction": 1.0,
            "blocks": [
                {"technique": "rest", "duration_s": 8.0},
                {"technique": "glide", "target_force_n": 12.0, "repeat": {"passes": 1}},
            ],
        }
    )
    return SessionRunner(routine, back, BeatGrid.constant(60.0), robot, seed=5).run().summary


def test_oiled_skin_keeps_the_force_in_the_cone() -> None:
    s = short_session(0.05)
    cone = s["force_cone_deg"]
    assert cone["max"] is not None and cone["max"] < FORCE_CONE_HALF_ANGLE_DEG
    assert cone["over_s"] == 0.0
    assert not [e for e in s["safety_events"] if e["kind"] in ("force_cone", "axial_load")]


def test_dry_skin_shears_and_the_session_retreats() -> None:
    # μ = 0.4: the friction alone tilts the force ~22° off the axis while gliding
    s = short_session(0.4)
    kinds = [(e["kind"], e["action"]) for e in s["safety_events"]]
    assert kinds.index(("force_cone", "clamp")) < kinds.index(("force_cone", "retreat"))
    limit = TOOLS[Tool.PALMS].max_force_n
    assert s["max_normal_force_n"] < limit
