"""The MuJoCo backend: UR5 kinematics, contact tuning, base placement, a real session.

Marked ``mujoco`` (needs the extra); the session and the press tests are also ``slow``
(about half a minute together on one core).
"""

from __future__ import annotations

import math
import os

import numpy as np
import pytest

pytest.importorskip("mujoco")
pytest.importorskip("mink")

from backstroke.body.back_model import BackModel
from backstroke.body.client_file import load_client
from backstroke.errors import RobotError
from backstroke.robot import mujoco_arm as arm
from backstroke.robot.mujoco_contact import SHAPE
from backstroke.robot.mujoco_placement import Workspace, place_base
from backstroke.robot.protocol import RobotCommand
from backstroke.tools import Tool

pytestmark = pytest.mark.mujoco


@pytest.fixture(scope="module")
def client_back():  # type: ignore[no-untyped-def]
    client = load_client()
    return client, BackModel(client)


# ---------------------------------------------------------------------------- fast checks
def test_closed_form_ik_round_trip() -> None:
    rng = np.random.default_rng(0)
    q = rng.uniform(-3.0, 3.0, (200, 6))
    pose = arm.fk(q)
    found = np.zeros(200, dtype=bool)
    for branch in arm.BRANCHES:
        qb, ok = arm.ik(pose, *branch)
        err = np.abs(arm.fk(qb) - pose).max(axis=(1, 2))
        assert np.all(err[ok] < 1e-6)
        found |= ok & np.all(np.abs(np.angle(np.exp(1j * (qb - q)))) < 1e-6, axis=1)
    assert found.mean() > 0.98  # the original configuration is one of the 8 branches


def test_fk_matches_the_mujoco_model(client_back) -> None:  # type: ignore[no-untyped-def]
    import mujoco

    from backstroke.robot.mujoco_scene import BasePose, build_scene

    _, back = client_back
    base = BasePose((0.2, -0.5, 0.1), 0.7)
    model = mujoco.MjModel.from_xml_string(build_scene(back, base, timestep_s=0.001).xml)
    data = mujoco.MjData(model)
    rng = np.random.default_rng(1)
    tool = model.body("tool").id
    for q in rng.uniform(-3.0, 3.0, (5, 6)):
        data.qpos[:6] = q
        mujoco.mj_kinematics(model, data)
        expect = base.matrix() @ arm.fk(q)[0]
        assert np.allclose(data.xpos[tool], expect[:3, 3], atol=1e-6)
        assert np.allclose(data.xmat[tool].reshape(3, 3), expect[:3, :3], atol=1e-6)


def test_normalised_impedance_fits_the_tissue_law() -> None:
    x = np.linspace(0.01, 0.85, 400)
    ratio = SHAPE.normalised_law(x) * (1.0 - x) ** 2
    assert np.max(np.abs(ratio - 1.0)) < 0.02


def test_unreachable_plan_is_refused(client_back) -> None:  # type: ignore[no-untyped-def]
    _, back = client_back
    far = Workspace.from_samples(np.array([[2.5, 0.0, 0.3]]), np.array([[0.0, 0.0, 1.0]]))
    with pytest.raises(RobotError, match="out of the UR5's reach"):
        place_base(back, far)


# ---------------------------------------------------------------------------- the robot
@pytest.fixture(scope="module")
def robot(client_back):  # type: ignore[no-untyped-def]
    from backstroke.robot.mujoco import MujocoRobot

    client, back = client_back
    r = MujocoRobot(back, client, seed=11)
    yield r
    r.close()


def test_placement_has_margin(robot) -> None:  # type: ignore[no-untyped-def]
    p = robot.placement
    assert p.joint_margin_rad >= math.radians(20.0)
    assert p.clearance_m >= 0.02
    # a pose 2 m away is refused on the placed arm, before anything moves
    far = Workspace.from_samples(np.array([[2.5, 0.0, 0.3]]), np.array([[0.0, 0.0, 1.0]]))
    with pytest.raises(RobotError, match="refused before moving"):
        robot.check_plan(far)


def test_viewer_needs_a_display(robot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    robot._open_viewer()
    assert robot._viewer is None
    assert "no display" in robot.sim_truth()["viewer"]


@pytest.mark.slow
def test_static_press_follows_the_tissue_law(robot, client_back) -> None:  # type: ignore[no-untyped-def]
    """Hold the palms at depths giving ~5..30 N: MuJoCo's force within 10 % of the tissue's."""
    _, back = client_back
    u, v = 0.45, 0.0
    p = back.point(u, v)
    n = back.normal(u, v)
    robot.start(Tool.PALMS, tuple(p + 0.02 * n), tuple(n))
    t = 0.0
    pairs = []
    orig = robot.tissue.press
    model_force: list[float] = []

    def press(*args: float) -> tuple[float, float]:
        f = orig(*args)
        model_force.append(f[0] + f[1])
        return f

    robot.tissue.press = press  # type: ignore[method-assign]
    try:
        for depth in (0.004, 0.008, 0.011, 0.013):
            target = p - depth * n
            for _ in range(400):
                t += 1e-3
                robot.step(RobotCommand(Tool.PALMS, tuple(target), tuple(n), t))
            physics = sum(robot._contact_normals())
            pairs.append((model_force[-1], physics))
    finally:
        robot.tissue.press = orig  # type: ignore[method-assign]
    for tissue_n, physics_n in pairs:
        if 5.0 <= tissue_n <= 30.0:
            assert abs(physics_n - tissue_n) <= 0.10 * tissue_n, pairs
    assert max(f for f, _ in pairs) >= 15.0, pairs


# ---------------------------------------------------------------------------- a session
def _breaks(result) -> list[tuple[float, float]]:  # type: ignore[no-untyped-def]
    """Intervals (s) of lost contact (< 0.5 N for > 20 ms) between first touch and lift-off."""
    c, p = result.data.columns, result.data.plan_columns
    idx = np.flatnonzero(p["in_contact"] > 0)
    t = c["t_s"][idx[0] : idx[-1] + 1]
    touching = c["normal_force_n"][idx[0] : idx[-1] + 1] >= 0.5
    first = int(np.flatnonzero(touching)[0])
    lost = np.concatenate([[0], (~touching[first:]).astype(np.int8), [0]])
    edges = np.diff(lost)
    out = []
    for a, b in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True):
        if b < lost.size - 2 and (b - a) * 1e-3 > 0.02:
            out.append((float(t[first + a]), float(t[first + b - 1])))
    return out


def _planner_transition(result, t0: float) -> bool:  # type: ignore[no-untyped-def]
    """Whether a break starts at a tool change or in the release before lift-off.

    The release ramps the target force to zero while the plan is still "in contact":
    once the target is below the 0.5 N contact threshold, the measured force follows it.
    """
    c, p = result.data.columns, result.data.plan_columns
    t = c["t_s"]
    i = int(np.searchsorted(t, t0))
    window = slice(max(0, i - 200), i + 1)
    tool_change = np.unique(p["tool"][window]).size > 1
    releasing = bool(np.all(c["target_force_n"][i:] < 0.5))
    return tool_change or releasing


@pytest.mark.slow
def test_glide_and_thumb_strip_session(client_back) -> None:  # type: ignore[no-untyped-def]
    from backstroke.music.grid import BeatGrid
    from backstroke.robot.mujoco import MujocoRobot
    from backstroke.routine.schema import Routine
    from backstroke.session.runner import SessionRunner

    client, back = client_back
    routine = Routine.model_validate(
        {
            "name": "mujoco-test",
            "blocks": [
                {
                    "technique": "glide",
                    "target_force_n": 12,
                    "u_min": 0.35,
                    "u_max": 0.65,
                    "repeat": {"passes": 1},
                },
                {
                    "technique": "thumb_strip",
                    "side": "left",
                    "target_force_n": 10,
                    "u_min": 0.35,
                    "u_max": 0.65,
                    "repeat": {"passes": 1},
                },
            ],
        }
    )
    robot = MujocoRobot(back, client, seed=3)
    try:
        result = SessionRunner(routine, back, BeatGrid.constant(60.0), robot, seed=3).run()
    finally:
        robot.close()
    s = result.summary
    truth = robot.sim_truth()
    assert result.safety_fault is None, result.safety_fault
    assert s["force_rmse_n"] <= 0.5, s["force_rmse_n"]
    assert s["orientation_error_deg"]["mean"] <= 3.0, s["orientation_error_deg"]
    assert not truth["joint_limits_reached"]
    assert min(truth["joint_margin_min_deg"]) > 20.0
    assert truth["arm_environment_contacts"] == 0
    # Supervisor: no force or pressure limit (soft or hard) was ever reached
    limits = [e for e in s["safety_events"] if e["kind"] in ("force", "pressure")]
    assert not limits, limits
    assert truth["max_force_n"] < 20.0
    # "stacking the bones": contact force within 10° of the tool axis under load
    assert truth["cone"]["ticks"] > 1000
    assert truth["cone"]["max_deg"] <= 10.0, truth["cone"]
    # the physics followed the tissue law over the working range
    assert truth["contact_vs_tissue_law_error"]["mean"] < 0.03
    if s["contact_breaks"]:
        breaks = _breaks(result)
        others = [b for b in breaks if not _planner_transition(result, b[0])]
        assert not others, f"contact lost outside planner transitions: {others}"
        pytest.xfail(
            f"{s['contact_breaks']} contact break(s), all at a planned tool change or in the "
            f"zero-force release before lift-off {breaks} (the sim backend shows them too)"
        )


def test_no_display_env_is_respected() -> None:
    from backstroke.robot.mujoco import has_display

    assert has_display() == bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
