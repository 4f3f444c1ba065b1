"""Franka driver parts that need no arm: frames, wrench estimate, loop clock, reach check.

Fast (no franky-sim server): the registration and tool-orientation conventions, the
Jacobian-transpose wrench estimate against wrenches built two independent ways, the
pacing clock on a fake arm clock, and the plan reach check on a fake 7-joint arm.
"""

from __future__ import annotations

import itertools
import math
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.spatial.transform import Rotation

from backstroke.errors import BackstrokeError, MissingExtraError
from backstroke.robot.franka.frames import BodyPose, ee_poses, ee_rotation, quaternion_xyzw
from backstroke.robot.franka.loop_clock import LoopClock
from backstroke.robot.franka.preflight import FrankaSetupError, JointLimits, check_reach
from backstroke.robot.franka.wrench import WrenchEstimator, external_wrench

finite = st.floats(-0.8, 0.8, allow_nan=False)


# ---------------------------------------------------------------------------- frames
@given(finite, finite, st.floats(-0.5, 0.5), st.floats(-180, 180), finite, finite, finite)
def test_body_pose_round_trip(x, y, z, yaw, px, py, pz) -> None:  # type: ignore[no-untyped-def]
    pose = BodyPose.parse(f"{x},{y},{z},{yaw}")
    p = np.array([px, py, pz])
    assert np.allclose(pose.to_body(pose.to_base(p)), p, atol=1e-12)
    assert np.allclose(pose.matrix()[:3, 3], (x, y, z))
    assert BodyPose.parse(pose.text()).position_m == pytest.approx(pose.position_m)


@pytest.mark.parametrize("text", ["1,2,3", "a,b,c,d", "0,0,0,nan", "3,0,0,0", "0,0,2,0"])
def test_body_pose_rejects_with_one_line(text: str) -> None:
    with pytest.raises(BackstrokeError) as err:
        BodyPose.parse(text)
    assert "--body-pose" in str(err.value) and "\n" not in str(err.value)


def test_yaw_90_puts_cranial_along_base_y() -> None:
    pose = BodyPose.parse("0.5,-0.25,0.1,90")
    assert np.allclose(pose.vec_to_base([1.0, 0.0, 0.0]), [0.0, 1.0, 0.0], atol=1e-12)
    assert np.allclose(pose.to_base([0.0, 0.0, 0.0]), [0.5, -0.25, 0.1])


@given(st.floats(-0.3, 0.3), st.floats(-0.3, 0.3), st.floats(-math.pi, math.pi))
def test_ee_rotation_is_proper_and_points_into_the_skin(ax, ay, yaw) -> None:  # type: ignore[no-untyped-def]
    axis = np.array([ax, ay, 1.0]) / math.hypot(ax, ay, 1.0)
    cranial = np.array([math.cos(yaw), math.sin(yaw), 0.0])
    r = ee_rotation(axis, cranial)
    assert np.allclose(r.T @ r, np.eye(3), atol=1e-9)
    assert np.linalg.det(r) == pytest.approx(1.0)
    assert np.allclose(r[:, 2], -axis)  # z_EE = −axis: into the skin
    assert float(r[:, 0] @ cranial) > 0.9  # x_EE follows the body's cranial axis


def test_ee_poses_and_quaternion_agree_with_scipy() -> None:
    pose = BodyPose.parse("0.45,-0.25,0.2,90")
    pts = np.array([[0.2, 0.01, 0.05], [0.3, -0.02, 0.04]])
    axes = np.array([[0.0, 0.0, 1.0], [0.1, 0.0, 1.0]])
    axes /= np.linalg.norm(axes, axis=1, keepdims=True)
    t = ee_poses(pose, pts, axes)
    assert np.allclose(t[:, :3, 3], pose.to_base(pts))
    for m in t:
        q = quaternion_xyzw(m[:3, :3])
        ref = Rotation.from_matrix(m[:3, :3]).as_quat()
        assert np.allclose(q, ref, atol=1e-9) or np.allclose(q, -ref, atol=1e-9)


# ---------------------------------------------------------------------------- wrench
@given(st.integers(0, 10_000))
def test_wrench_recovers_a_known_wrench(seed: int) -> None:
    rng = np.random.default_rng(seed)
    j = rng.normal(size=(6, 7))
    f = rng.normal(scale=10.0, size=6)
    g, c = rng.normal(size=7), rng.normal(scale=0.1, size=7)
    tau_j = g + c - j.T @ f  # the arm holds against the environment's wrench
    assert np.allclose(external_wrench(tau_j, g, c, j, damping=0.0), f, atol=1e-8)


def test_wrench_on_a_planar_arm_from_statics() -> None:
    """Second generator: a 3-link planar arm pushing on a wall, torques from lever arms."""
    lengths = np.array([0.4, 0.35, 0.2])
    q = np.array([0.3, -0.8, 0.6])
    angles = np.cumsum(q)
    joints = np.vstack(
        [[0.0, 0.0], np.cumsum(np.c_[np.cos(angles), np.sin(angles)] * lengths[:, None], axis=0)]
    )
    tip = joints[-1]
    force = np.array([-12.0, 4.0])  # the wall pushes on the tip
    # τ_i = (tip − joint_i) × F: the torque the wall exerts about each joint
    lever = tip - joints[:3]
    tau_env = lever[:, 0] * force[1] - lever[:, 1] * force[0]
    jac = np.zeros((6, 7))  # embed: x, y rows; z-rotation joints 0..2; the rest unused
    for i in range(3):
        r = tip - joints[i]
        jac[0, i], jac[1, i] = -r[1], r[0]
    tau_j = -tau_env  # zero gravity and Coriolis: the motors hold the wall's torque
    w = external_wrench(np.r_[tau_j, np.zeros(4)], np.zeros(7), np.zeros(7), jac, damping=1e-9)
    assert np.allclose(w[:2], force, atol=1e-6)


def test_wrench_estimator_zeroes_and_filters() -> None:
    est = WrenchEstimator(cutoff_hz=30.0, rate_hz=250.0)
    bias = np.array([0.7, -0.2, 1.5, 0.0, 0.1, 0.0])
    for _ in range(50):
        est.add_zero_sample(bias)
    assert np.allclose(est.zero(), bias)
    step = bias + np.array([0.0, 0.0, 10.0, 0.0, 0.0, 0.0])
    ys = [est.update(step)[2] for _ in range(200)]
    assert ys[0] == pytest.approx(10.0)  # the first sample initialises the filter
    assert ys[-1] == pytest.approx(10.0)


# ---------------------------------------------------------------------------- clock
class FakeArmClock:
    """The arm's clock in ms steps; jumps when told (a late wake-up)."""

    def __init__(self) -> None:
        self.t = 0.0
        self.jumps: dict[int, float] = {}
        self.reads = 0

    def __call__(self) -> float:
        self.reads += 1
        self.t += self.jumps.pop(self.reads, 0.001)
        return self.t


def test_loop_clock_paces_on_the_arm_clock_and_counts_late_cycles() -> None:
    arm = FakeArmClock()
    clock = LoopClock(250.0, arm)
    clock.restart()
    times = [clock.wait() for _ in range(20)]
    assert all(b - a == pytest.approx(0.004, abs=1e-9) for a, b in itertools.pairwise(times))
    arm.jumps[arm.reads + 1] = 0.050  # the loop wakes 50 ms late
    late = clock.wait()
    assert late - times[-1] > 0.04
    assert clock.stats()["late_cycles"] == 1
    after = clock.wait()
    assert after - late == pytest.approx(0.004, abs=1e-9)  # no catch-up burst


def test_loop_clock_hold_is_not_lateness() -> None:
    arm = FakeArmClock()
    clock = LoopClock(250.0, arm)
    clock.restart()
    t1 = clock.wait()
    arm.t += 0.3  # the caller was away 300 ms
    held = clock.resume_after_hold()
    t2 = clock.wait()
    assert held == pytest.approx(0.3, abs=0.005)
    assert t2 - t1 < 0.01
    stats = clock.stats()
    assert stats["holds"] == 1 and stats["late_cycles"] == 0
    assert stats["hold_max_ms"] == pytest.approx(300.0, abs=5.0)


# ---------------------------------------------------------------------------- reach
class CartesianArm:
    """A fake 7-joint arm: joints 0–2 slide along x, y, z; 3–5 rotate about x, y, z
    (in sequence, about the moving axes); joint 6 is a spare roll about z."""

    def pose(self, q: np.ndarray) -> np.ndarray:
        t = np.eye(4)
        t[:3, 3] = q[:3]
        rot = Rotation.from_euler("XYZ", q[3:6]) * Rotation.from_euler("Z", q[6])
        t[:3, :3] = rot.as_matrix()
        return t

    def jacobian(self, q: np.ndarray) -> np.ndarray:
        j = np.zeros((6, 7))
        j[:3, :3] = np.eye(3)
        eps = 1e-6
        r0 = Rotation.from_matrix(self.pose(q)[:3, :3])
        for k in range(3, 7):
            dq = np.zeros(7)
            dq[k] = eps
            r1 = Rotation.from_matrix(self.pose(q + dq)[:3, :3])
            j[3:, k] = (r1 * r0.inv()).as_rotvec() / eps
        return j


LIMITS = JointLimits(np.full(7, -1.0), np.full(7, 1.0))


def _target(x: float, y: float, z: float, yaw: float) -> np.ndarray:
    t = np.eye(4)
    t[:3, 3] = (x, y, z)
    t[:3, :3] = Rotation.from_euler("Z", yaw).as_matrix()
    return t


def test_reach_check_follows_a_reachable_path() -> None:
    targets = np.stack([_target(0.1 * s, 0.05, -0.2, 0.3 * s) for s in np.linspace(0, 1, 12)])
    q = check_reach(
        CartesianArm(), targets, [f"p{i}" for i in range(12)], np.zeros(7), LIMITS, 0.05
    )
    arm = CartesianArm()
    for qi, ti in zip(q, targets, strict=True):
        assert np.allclose(arm.pose(qi)[:3, 3], ti[:3, 3], atol=1e-3)


def test_reach_check_names_the_unreachable_pose() -> None:
    targets = np.stack([_target(0.1, 0.0, 0.0, 0.0), _target(1.5, 0.0, 0.0, 0.0)])
    with pytest.raises(FrankaSetupError) as err:
        check_reach(CartesianArm(), targets, ["first", "t=3.00 s"], np.zeros(7), LIMITS, 0.05)
    assert "t=3.00 s" in str(err.value) and "not reachable" in str(err.value)
    assert err.value.exit_code == 2


def test_reach_check_refuses_poses_near_a_joint_limit() -> None:
    targets = np.stack([_target(0.98, 0.0, 0.0, 0.0)])  # reachable, 0.02 from x's limit
    with pytest.raises(FrankaSetupError) as err:
        check_reach(CartesianArm(), targets, ["edge"], np.zeros(7), LIMITS, 0.05)
    assert "joint 1" in str(err.value) and "edge" in str(err.value)


def test_joint_limits_from_urdf() -> None:
    joints = "".join(
        f'<joint name="j{i}" type="revolute"><limit lower="{-i - 1}" upper="{i + 1}"/></joint>'
        for i in range(7)
    )
    lim = JointLimits.from_urdf(f'<robot name="r">{joints}<joint name="f" type="fixed"/></robot>')
    assert lim.lower.tolist() == [-1, -2, -3, -4, -5, -6, -7]
    with pytest.raises(FrankaSetupError):
        JointLimits.from_urdf('<robot name="r"/>')


# ---------------------------------------------------------------------------- layering
def test_driver_imports_no_simulator_and_no_tissue() -> None:
    code = (
        "import sys, backstroke.robot.franka.driver, backstroke.robot.factory; "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('mujoco', 'franky_sim') "
        "or m.startswith('backstroke.tissue') or m.startswith('backstroke.robot.franka.sim')]; "
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_missing_extra_names_franka(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    from backstroke.robot.franka.sim import launcher

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "franky_sim" else real(name, *a),
    )
    with pytest.raises(MissingExtraError) as err:
        launcher._require_extra()
    assert "'franka' extra" in str(err.value)


def test_franka_backend_needs_ip_and_pose() -> None:
    from backstroke.body.back_model import BackModel
    from backstroke.body.client_file import load_client
    from backstroke.robot.factory import make_robot

    client = load_client()
    back = BackModel(client)
    with pytest.raises(BackstrokeError, match="--robot-ip"):
        make_robot("franka", client, back, seed=0, body_pose="0.5,0,0,90")
    with pytest.raises(BackstrokeError, match="--body-pose"):
        make_robot("franka", client, back, seed=0, robot_ip="192.0.2.1")
