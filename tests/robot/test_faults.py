"""FaultSpec parsing and the moving-client injector."""

from __future__ import annotations

import math

import numpy as np
import pytest

from backstroke.errors import InputFileError
from backstroke.robot.faults import MOVE_DIRECTIONS, FaultInjector, FaultSpec
from backstroke.robot.protocol import RobotCommand, RobotState, Vec3
from backstroke.tools import Tool


@pytest.mark.parametrize("text", ["move:0.05", "move:10.5", "move:-3", "move:nan", "drift:0.001"])
def test_out_of_range_parameters_are_refused_in_one_line(text: str) -> None:
    with pytest.raises(InputFileError) as e:
        FaultSpec.parse(text)
    msg = str(e.value)
    assert "\n" not in msg and "--inject" in msg and text in msg


@pytest.mark.parametrize(
    ("text", "value"), [("move:0.1", 0.1), ("move:10", 10.0), ("drift:-2", -2.0)]
)
def test_in_range_parameters_parse(text: str, value: float) -> None:
    assert FaultSpec.parse(text).param == value


class Still:
    """A robot that stays where commanded and reports no force."""

    name = "still"
    control_rate_hz = 1000.0

    def start(self, tool: Tool, position_m: Vec3, axis: Vec3) -> RobotState:
        return self.step(RobotCommand(tool, position_m, axis, 0.0))

    def step(self, command: RobotCommand) -> RobotState:
        z = (0.0, 0.0, 0.0)
        return RobotState(command.t_s, 0, command.tool, command.position_m, command.axis, z, z, "")

    def stop(self) -> RobotState:
        raise NotImplementedError

    def close(self) -> None:
        pass


@pytest.mark.parametrize("direction", sorted(MOVE_DIRECTIONS))
def test_a_named_move_shifts_the_client_by_its_size_in_0_3_s(direction: str) -> None:
    inner = Still()
    seen: list[Vec3] = []
    orig = inner.step

    def step(cmd: RobotCommand) -> RobotState:
        seen.append(cmd.position_m)
        return orig(cmd)

    inner.step = step  # type: ignore[method-assign]
    inj = FaultInjector(inner, [FaultSpec.parse("move:3@1")], seed=4, move_direction=direction)
    for k in range(1500):
        inj.step(RobotCommand(Tool.THUMB, (0.0, 0.0, 0.0), (0.0, 0.0, 1.0), k * 1e-3))
    # in the client's frame the tool moves opposite to the client's shift
    final = -np.asarray(seen[-1])
    assert np.allclose(final, 0.03 * np.asarray(MOVE_DIRECTIONS[direction]), atol=1e-9)
    half = -np.asarray(seen[1150])  # 0.15 s into the 0.3 s shift: half way (smoothstep)
    assert math.isclose(float(np.linalg.norm(half)), 0.015, rel_tol=1e-3)
    assert np.allclose(-np.asarray(seen[1300]), final, atol=1e-9)


def test_an_unknown_move_direction_is_refused() -> None:
    with pytest.raises(InputFileError, match="move direction"):
        FaultInjector(Still(), [FaultSpec.parse("move")], seed=1, move_direction="up")
