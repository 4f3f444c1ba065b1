"""SimRobot: the built-in backend pressing on the simulated client."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from backstroke.body.back_model import BackModel
from backstroke.body.client_file import ClientSpec, load_client
from backstroke.errors import RobotError
from backstroke.robot.protocol import Robot, RobotCommand, RobotState
from backstroke.robot.sim import SimRobot, SimRobotParams
from backstroke.tissue import Tissue, TissueParams, pad_force_n
from backstroke.tools import Tool

QUIET = TissueParams(breath_amplitude_range_m=(1e-7, 1e-7))


@pytest.fixture(scope="module")
def client() -> ClientSpec:
    return load_client()


@pytest.fixture(scope="module")
def back(client: ClientSpec) -> BackModel:
    return BackModel(client)


def make(back: BackModel, client: ClientSpec, seed: int = 1, **kw: object) -> SimRobot:
    params = kw.pop("tissue_params", None)
    return SimRobot(back, Tissue(back, client, params), seed=seed, **kw)  # type: ignore[arg-type]


def pose(back: BackModel, u: float, v: float, depth_m: float) -> tuple[tuple, tuple]:
    """TCP position ``depth_m`` into the nominal skin along the normal, and the axis."""
    s = back.point(u, v)
    n = back.normal(u, v)
    return tuple((s - depth_m * n).tolist()), tuple(n.tolist())


def hold(robot: SimRobot, tool: Tool, p: tuple, axis: tuple, ticks: int) -> list[RobotState]:
    return [robot.step(RobotCommand(tool, p, axis, 0.0)) for _ in range(ticks)]


def normal_force(st: RobotState) -> float:
    return float(np.dot(st.force_n, st.axis))


def test_implements_the_protocol(back: BackModel, client: ClientSpec) -> None:
    robot = make(back, client)
    assert isinstance(robot, Robot)
    assert robot.name == "sim"
    assert robot.control_rate_hz == 1000.0


def test_start_is_out_of_contact(back: BackModel, client: ClientSpec) -> None:
    robot = make(back, client)
    p, n = pose(back, 0.5, 0.0, -0.03)
    st = robot.start(Tool.PALMS, p, n)
    assert st.seq == 1
    assert np.allclose(st.position_m, p)
    assert np.linalg.norm(st.force_n) < 0.5
    assert st.client_signal == ""


@pytest.mark.parametrize(
    ("tool", "u", "v", "depth"),
    [
        (Tool.THUMB, 0.4, 0.035, 0.008),
        (Tool.FOREARM, 0.3, 0.05, 0.007),
        (Tool.THUMB, 0.7, -0.04, 0.01),
    ],
)
def test_pressing_down_gives_the_tissue_force(
    back: BackModel, client: ClientSpec, tool: Tool, u: float, v: float, depth: float
) -> None:
    robot = make(back, client)
    above, n = pose(back, u, v, -0.02)
    robot.start(tool, above, n)
    p, _ = pose(back, u, v, depth)
    states = hold(robot, tool, p, n, 400)
    st = states[-1]
    assert np.allclose(st.position_m, p, atol=1e-6)
    expected = robot.tissue.normal_force_n(
        tool, u, v, depth + robot.tissue.surface_offset_m(u, v, st.t_s)
    )
    assert expected > 3.0
    assert normal_force(st) == pytest.approx(expected, abs=0.4)
    # force along the normal: friction ~0 at rest, so tangential ≈ bias + noise
    f = np.asarray(st.force_n)
    tangential = f - np.dot(f, n) * np.asarray(n)
    assert np.linalg.norm(tangential) < 0.4
    assert robot.foot == pytest.approx((u, v), abs=2e-4)


def test_palms_press_with_two_pads(back: BackModel, client: ClientSpec) -> None:
    robot = make(back, client, tissue_params=QUIET)
    ts = robot.tissue
    u = 0.45
    above, n = pose(back, u, 0.0, -0.02)
    robot.start(Tool.PALMS, above, n)
    p, _ = pose(back, u, 0.0, 0.009)
    st = hold(robot, Tool.PALMS, p, n, 400)[-1]
    # Each pad rides on a spring and conforms to the back: it is as deep below its own
    # skin as the TCP is below the skin at the foot, measured along the pad's normal.
    n_arr = np.asarray(n)
    expected = 0.0
    for i, o in enumerate((0.05, -0.05)):
        skin_normal = back.normal(u, o)
        depth = 0.009 * float(np.dot(skin_normal, n_arr))
        k = ts.pad_stiffness_n_m(u, 0.0, Tool.PALMS)[i]
        d = ts.pad_depth_m(u, 0.0, Tool.PALMS)[i]
        # the skin pushes along its own normal, tilted from the tool axis
        expected += pad_force_n(k, d, depth) * float(np.dot(skin_normal, n_arr))
    assert expected > 5.0
    assert normal_force(st) == pytest.approx(expected, rel=0.02, abs=0.3)
    # the two pads share the load: little roll torque relative to F × 5 cm
    assert np.linalg.norm(st.torque_nm) < 0.25 * expected * 0.05


def test_determinism(back: BackModel, client: ClientSpec) -> None:
    k = np.arange(1500)
    us = 0.5 + 0.00002 * k
    depth = -0.01 + 0.02 * np.minimum(k / 1000, 1.0)
    pts = back.point(us, np.full_like(us, 0.035)) - depth[:, None] * back.normal(us, 0.035)
    n = tuple(back.normal(0.5, 0.035).tolist())
    cmds = [RobotCommand(Tool.THUMB, tuple(q), n, 0.0) for q in pts.tolist()]

    def run(seed: int) -> list[tuple[float, float, float]]:
        robot = make(back, client, seed=seed)
        robot.start(Tool.THUMB, cmds[0].position_m, n)
        return [robot.step(c).force_n for c in cmds]

    a, b = run(5), run(5)
    assert a == b
    assert max(f[2] for f in a) > 3.0
    c = run(6)
    assert a != c
    assert max(abs(x[2] - y[2]) for x, y in zip(a, c, strict=True)) < 1.0  # only noise differs


def test_force_noise_statistics(back: BackModel, client: ClientSpec) -> None:
    robot = make(back, client, seed=3)
    p, n = pose(back, 0.5, 0.0, -0.05)
    robot.start(Tool.PALMS, p, n)
    states = hold(robot, Tool.PALMS, p, n, 6000)
    f = np.array([s.force_n for s in states])
    bias = np.asarray(robot.sensor_bias_n)
    assert np.linalg.norm(bias) <= 0.1
    sigma = robot.params.force_noise_n
    assert np.allclose(f.mean(axis=0), bias, atol=4 * sigma / math.sqrt(len(f)))
    assert np.allclose(f.std(axis=0), sigma, rtol=0.06)
    # white: no lag-1 correlation
    z = f[:, 0] - f[:, 0].mean()
    assert abs(float(np.dot(z[1:], z[:-1]) / np.dot(z, z))) < 0.05
    seqs = [s.seq for s in states]
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))
    assert [round(s.t_s, 9) for s in states[:3]] == [0.002, 0.003, 0.004]


def test_actuator_lag_and_limits(back: BackModel, client: ClientSpec) -> None:
    robot = make(back, client)
    p0, n = pose(back, 0.5, 0.0, -0.05)
    robot.start(Tool.PALMS, p0, n)
    p1 = (p0[0] + 0.002, p0[1], p0[2])  # a 2 mm step along x
    xs = [s.position_m[0] - p0[0] for s in hold(robot, Tool.PALMS, p1, n, 100)]
    assert xs[4] < 0.001  # not instantaneous
    t90 = next(i for i, x in enumerate(xs) if x >= 0.0018)
    assert 10 <= t90 <= 40  # ~30 Hz critically damped (+ acceleration limit)
    assert max(xs) <= 0.002 + 1e-6  # critically damped: no overshoot
    # a far target: the speed limit
    far = (p0[0] + 0.3, p0[1], p0[2])
    states = hold(robot, Tool.PALMS, far, n, 600)
    v = np.diff([s.position_m[0] for s in states]) / 1e-3
    assert float(np.max(v)) == pytest.approx(robot.params.max_speed_m_s, rel=1e-6)
    assert float(np.max(np.diff(v))) / 1e-3 <= robot.params.max_accel_m_s2 * (1 + 1e-6)


def test_axis_follows(back: BackModel, client: ClientSpec) -> None:
    robot = make(back, client)
    p, n = pose(back, 0.5, 0.0, -0.05)
    robot.start(Tool.PALMS, p, n)
    tilt = (0.0, math.sin(0.1), math.cos(0.1))
    states = hold(robot, Tool.PALMS, p, tilt, 60)
    assert np.linalg.norm(states[-1].axis) == pytest.approx(1.0)
    assert np.allclose(states[-1].axis, tilt, atol=1e-4)
    assert not np.allclose(states[1].axis, tilt, atol=1e-3)


def test_friction_opposes_sliding(back: BackModel, client: ClientSpec) -> None:
    robot = make(back, client, tissue_params=QUIET)
    u0, v = 0.4, 0.04
    above, n = pose(back, u0, v, -0.01)
    robot.start(Tool.FOREARM, above, n)
    p, n = pose(back, u0, v, 0.007)
    hold(robot, Tool.FOREARM, p, n, 300)
    du = 0.03 / back.back_length_m / 1000.0  # 3 cm/s toward the head (+x)
    us = u0 + du * np.arange(1, 400)
    pts = back.point(us, np.full_like(us, v)) - 0.007 * back.normal(us, v)
    nrm = back.normal(us, v)
    states = [
        robot.step(RobotCommand(Tool.FOREARM, tuple(q), tuple(m), 0.0))
        for q, m in zip(pts.tolist(), nrm.tolist(), strict=True)
    ]
    fs = np.array([s.force_n for s in states[200:]])
    ns = np.array([s.axis for s in states[200:]])
    fn = np.einsum("ij,ij->i", fs, ns)
    ft = fs - fn[:, None] * ns
    mu = robot.tissue.friction_coefficient
    assert 0.03 <= mu <= 0.06
    assert float(np.mean(ft[:, 0])) < 0  # opposes motion along +x
    ratio = float(np.mean(np.linalg.norm(ft, axis=1)) / np.mean(fn))
    assert ratio == pytest.approx(mu, abs=0.025)


def test_client_signal_passes_through(back: BackModel, client: ClientSpec) -> None:
    robot = make(back, client, tissue_params=QUIET)
    above, n = pose(back, 0.5, 0.0, -0.01)
    robot.start(Tool.THUMB, above, n)
    gap = robot.tissue.indentation_for_force_m(Tool.THUMB, 0.5, 0.0, 9.0)
    p, _ = pose(back, 0.5, 0.0, gap)
    signals = [s.client_signal for s in hold(robot, Tool.THUMB, p, n, 1200)]
    assert "too_much" in signals
    assert signals[0] == ""


def test_stop_holds_still(back: BackModel, client: ClientSpec) -> None:
    robot = make(back, client)
    p0, n = pose(back, 0.5, 0.0, -0.05)
    robot.start(Tool.PALMS, p0, n)
    far = (p0[0] + 0.1, p0[1], p0[2])
    hold(robot, Tool.PALMS, far, n, 50)
    a = robot.stop()
    b = robot.stop()
    assert b.position_m == a.position_m
    assert b.seq == a.seq + 1
    robot.close()
    robot.close()


def test_tool_change_mid_contact(back: BackModel, client: ClientSpec) -> None:
    robot = make(back, client, tissue_params=QUIET)
    above, n = pose(back, 0.4, 0.04, -0.01)
    robot.start(Tool.FOREARM, above, n)
    p, _ = pose(back, 0.4, 0.04, 0.006)
    f_arm = normal_force(hold(robot, Tool.FOREARM, p, n, 300)[-1])
    f_thumb = normal_force(hold(robot, Tool.THUMB, p, n, 300)[-1])
    assert f_thumb < f_arm  # the thumb is the softer contact at the same depth
    assert robot.tissue.tool == Tool.THUMB


def test_errors(back: BackModel, client: ClientSpec) -> None:
    robot = make(back, client)
    p, n = pose(back, 0.5, 0.0, -0.05)
    with pytest.raises(RobotError):
        robot.step(RobotCommand(Tool.PALMS, p, n, 0.0))
    with pytest.raises(RobotError):
        robot.start(Tool.PALMS, p, (0.0, 0.0, 0.0))
    with pytest.raises(RobotError):
        robot.start(Tool.PALMS, (math.nan, 0.0, 0.0), n)
    with pytest.raises(RobotError):
        SimRobot(back, robot.tissue, seed=0, control_rate_hz=0.0)
    with pytest.raises(RobotError):
        SimRobotParams(bandwidth_hz=-1.0)


def test_sim_truth_is_json(back: BackModel, client: ClientSpec) -> None:
    robot = make(back, client)
    above, n = pose(back, 0.4, 0.035, -0.01)
    robot.start(Tool.THUMB, above, n)
    p, _ = pose(back, 0.4, 0.035, 0.008)
    hold(robot, Tool.THUMB, p, n, 500)
    truth = robot.sim_truth()
    json.dumps(truth)
    assert truth["max_force_n"] > 3.0
    assert truth["max_pressure_n_cm2"] == pytest.approx(
        truth["max_force_n"] / (math.pi * 0.8**2), rel=1e-3
    )
    assert truth["contact_time_s"] > 0.3
    assert truth["ticks"] == 501
    for key in ("trust", "guarding", "softening_max_fraction", "max_pressure_zone", "jerks"):
        assert key in truth


def test_numpy_scalars_in_commands(back: BackModel, client: ClientSpec) -> None:
    robot = make(back, client)
    s = back.point(0.5, 0.035)
    n = back.normal(0.5, 0.035)
    robot.start(Tool.THUMB, tuple(s + 0.01 * n), tuple(n))
    st = robot.step(RobotCommand(Tool.THUMB, tuple(s - 0.005 * n), tuple(n), 0.0))
    assert all(type(x) is float for x in st.position_m)
    assert all(type(x) is float for x in st.axis)


def test_a_jerk_in_contact_raises_guarding(back: BackModel, client: ClientSpec) -> None:
    def run(jump_m: float) -> SimRobot:
        robot = make(back, client, tissue_params=QUIET)
        s = back.point(0.4, 0.04)
        n_arr = back.normal(0.4, 0.04)
        n = tuple(n_arr.tolist())
        robot.start(Tool.FOREARM, tuple((s + 0.01 * n_arr).tolist()), n)
        for depth in np.linspace(-0.01, 0.006, 800):  # press in gently (2 cm/s)
            robot.step(RobotCommand(Tool.FOREARM, tuple((s - depth * n_arr).tolist()), n, 0.0))
        p = tuple((s - 0.006 * n_arr).tolist())
        hold(robot, Tool.FOREARM, p, n, 300)
        p2 = (p[0] + jump_m, p[1], p[2])  # a 1 cm step command along the spine
        hold(robot, Tool.FOREARM, p2, n, 500)
        return robot

    calm, jerky = run(0.0), run(0.01)
    assert calm.sim_truth()["jerks"] == 0
    assert jerky.sim_truth()["jerks"] >= 1
    assert jerky.tissue.guarding > calm.tissue.guarding + 0.03
