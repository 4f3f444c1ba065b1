"""A client who shifts on the table: what the simulated tissue receives stays in limits.

The fast sim cases are in ``tests/safety/test_fault_matrix.py``; here: the summary's
truth fields, the planned lift-off not counted as a break, and the MuJoCo backend.
"""

from __future__ import annotations

import pytest
from bench.fault_matrix import run_case

from backstroke.body.back_model import BackModel
from backstroke.body.client_file import load_client
from backstroke.music.grid import BeatGrid
from backstroke.robot.factory import make_robot
from backstroke.routine.schema import Routine
from backstroke.session.runner import SessionRunner


def short_thumb() -> Routine:
    return Routine.model_validate(
        {
            "name": "short-thumb",
            "start_force_fraction": 1.0,
            "blocks": [
                {"technique": "rest", "duration_s": 2.0},
                {
                    "technique": "thumb_strip",
                    "side": "left",
                    "target_force_n": 25.0,
                    "u_min": 0.3,
                    "u_max": 0.55,
                    "repeat": {"passes": 1},
                },
            ],
        }
    )


def test_sim_truth_reports_limit_fractions_and_no_lift_off_break() -> None:
    client = load_client()
    back = BackModel(client)
    robot = make_robot("sim", client, back, seed=3)
    res = SessionRunner(short_thumb(), back, BeatGrid.constant(60.0), robot, seed=3).run()
    truth = robot.sim_truth()  # type: ignore[attr-defined]
    assert res.safety_fault is None
    assert 0.0 < truth["limit_fraction_force"] <= 1.0
    assert 0.0 < truth["limit_fraction_pressure"] <= 1.0
    # one seamless stroke: the planned lift-off at the end is not a contact break
    assert truth["contact_breaks"] == 0
    assert res.summary["contact_breaks"] == 0


def test_the_planner_caps_a_thumb_near_the_spine_at_the_bone_limit() -> None:
    # 25 N asked; bone lies within a client's shift of the lane: ≤ 0.765 × 15 N planned
    from backstroke.plan.planner import compile_plan

    back = BackModel(load_client())
    plan = compile_plan(short_thumb(), back, BeatGrid.constant(60.0))
    thumb = [c.samples for c in plan.chunks]
    peak = max(float(s["target_force_n"][s["tool"] == 2].max(initial=0.0)) for s in thumb)
    assert 0.0 < peak <= 0.765 * 15.0 + 1e-9


@pytest.mark.mujoco
@pytest.mark.parametrize("direction", ["toward", "left"])
def test_mujoco_thumb_strip_shift_stays_within_the_zone_limit(direction: str) -> None:
    pytest.importorskip("mujoco")
    r = run_case(
        "move",
        "thumb_strip",
        1,
        backend="mujoco",
        size_cm=3.0,
        direction=direction,
        at_fraction=0.5,
        routine=short_thumb(),
    )
    assert r.limit_fraction_force <= 1.0, r
    assert r.limit_fraction_pressure <= 1.0, r
