"""Planning on a scanned body: the [scan] section, the registration, the wrapper."""

from __future__ import annotations

import numpy as np
import pytest

from backstroke.body.back_model import BackModel
from backstroke.body.client_file import ClientSpec, ScanSpec, load_client
from backstroke.body.scan_registration import planning_body, scan_and_fit
from backstroke.config import validate
from backstroke.errors import ClientError
from backstroke.robot.protocol import RobotCommand, RobotState
from backstroke.robot.registered import RegisteredRobot
from backstroke.tools import Tool


def test_scan_section_defaults_and_bounds() -> None:
    c = validate(ClientSpec, {"scan": {}}, path=None, error=ClientError)
    assert c.scan == ScanSpec(
        noise_m=0.0015, registration_error_m=0.005, registration_error_deg=2.0, coverage=0.9
    )
    with pytest.raises(ClientError):
        validate(ClientSpec, {"scan": {"coverage": 1.5}}, path=None, error=ClientError)
    with pytest.raises(ClientError):
        validate(ClientSpec, {"scan": {"noise": 0.001}}, path=None, error=ClientError)
    assert load_client().scan is None  # no section: the exact body, as before


def test_registration_error_is_what_the_file_asks_for() -> None:
    back = BackModel(load_client())
    assert planning_body(load_client(), back, 7) == (back, None)
    reg = scan_and_fit(
        back, ScanSpec(noise_m=0.001, registration_error_m=0.01, registration_error_deg=3.0), 5
    )
    r, t = reg.true_from_fit[:3, :3], reg.true_from_fit[:3, 3]
    ang = np.degrees(np.arccos((np.trace(r) - 1) / 2))
    # the fit absorbs part of the error; what is left is of the size asked for
    assert 0.5 < ang < 4.5 and np.linalg.norm(t) < 0.03
    # the fitted skin, mapped into the true frame, lies near the true skin
    uu, vv = reg.fit.grid(21, 11)
    p = reg.fit.point(uu, vv).reshape(-1, 3) @ r.T + t
    u, v = back.project(p)
    assert np.median(np.linalg.norm(back.point(u, v) - p, axis=1)) < 0.02


class _Echo:
    """A stand-in backend that reports back exactly what it was commanded (frame B_true)."""

    name = "echo"
    control_rate_hz = 1000.0

    def __init__(self) -> None:
        self.last: RobotCommand | None = None

    def _state(self, p: tuple[float, float, float], a: tuple[float, float, float]) -> RobotState:
        f = (5 * a[0], 5 * a[1], 5 * a[2])
        return RobotState(0.0, 0, Tool.PALMS, p, a, f, (0.0, 0.0, 0.0))

    def start(self, tool: Tool, position_m, axis):  # type: ignore[no-untyped-def]
        return self._state(position_m, axis)

    def step(self, command: RobotCommand) -> RobotState:
        self.last = command
        return self._state(command.position_m, command.axis)

    def stop(self) -> RobotState:
        return self._state((0.0, 0.0, 0.0), (0.0, 0.0, 1.0))

    def close(self) -> None:
        pass


def test_wrapper_maps_commands_to_the_truth_and_states_back() -> None:
    back = BackModel(load_client())
    reg = scan_and_fit(back, ScanSpec(), 3)
    inner = _Echo()
    robot = RegisteredRobot(
        inner, reg.true_from_fit, back, reg.fit, reg.s_from_true, {"palms": 10.0}
    )
    p_fit = (0.1, 0.02, 0.03)
    a_fit = (0.0, 0.0, 1.0)
    st = robot.step(RobotCommand(Tool.PALMS, p_fit, a_fit, 0.0))
    assert inner.last is not None
    expect = reg.true_from_fit[:3, :3] @ np.asarray(p_fit) + reg.true_from_fit[:3, 3]
    np.testing.assert_allclose(inner.last.position_m, expect, atol=1e-12)
    # what the system reads back is in its own (fitted) frame again
    np.testing.assert_allclose(st.position_m, p_fit, atol=1e-12)
    np.testing.assert_allclose(st.axis, a_fit, atol=1e-12)
    np.testing.assert_allclose(np.dot(st.force_n, st.axis), 5.0, atol=1e-12)
    for _ in range(19):
        robot.step(RobotCommand(Tool.PALMS, p_fit, a_fit, 0.0))
    truth = robot.sim_truth()
    assert truth["bone_contact_s"] == 0.0
    assert truth["surface_error_m"]["mean"] is not None  # 1 sample every 10 ticks
