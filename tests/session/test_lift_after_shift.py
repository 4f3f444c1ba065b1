"""After the client shifts toward the tool, the lift-off rises from where the client is."""

from __future__ import annotations

from backstroke.body.back_model import BackModel
from backstroke.body.client_file import load_client
from backstroke.control.force_controller import ForceController
from backstroke.music.grid import BeatGrid
from backstroke.plan.planner import HOVER_M
from backstroke.robot.factory import make_robot
from backstroke.robot.faults import FaultInjector, FaultSpec
from backstroke.routine.schema import Routine
from backstroke.session.runner import SessionRunner


def test_off_the_skin_the_depth_relaxes_to_where_the_skin_is() -> None:
    ctrl = ForceController(1e-3)
    ctrl.depth_m = -0.02
    ctrl.off_skin_depth_m = -0.025
    for _ in range(2000):
        d = ctrl.update(0.0, 0.0, 0.0, in_contact=False)
    assert abs(d + 0.025) < 1e-9
    ctrl.off_skin_depth_m = 0.0
    for _ in range(2000):
        d = ctrl.update(0.0, 0.0, 0.0, in_contact=False)
    assert abs(d) < 1e-9


def _routine() -> Routine:
    return Routine.model_validate(
        {
            "name": "short-glide",
            "start_force_fraction": 1.0,
            "blocks": [
                {"technique": "rest", "duration_s": 2.0},
                {"technique": "glide", "target_force_n": 8.0, "repeat": {"passes": 1}},
            ],
        }
    )


def test_the_lift_off_follows_a_client_who_moved_toward_the_tool() -> None:
    client = load_client()
    back = BackModel(client)
    grid = BeatGrid.constant(90.0)
    inner = make_robot("sim", client, back, seed=5)
    robot = FaultInjector(inner, [FaultSpec.parse("move:0.6@6")], seed=5, move_direction="toward")
    res = SessionRunner(_routine(), back, grid, robot, seed=5).run()
    assert res.safety_fault is None
    c, p = res.data.columns, res.data.plan_columns
    # The last tick hovers HOVER_M above the *moved* skin (the plan's hover point is
    # HOVER_M above the model surface, where the skin was): 6 mm above the plan.
    above = float(c["z_m"][-1] - p["z_m"][-1]) / float(p["nz"][-1])
    assert 0.0035 < above < 0.0085, above
    assert HOVER_M > 0.02
    assert abs(float(c["normal_force_n"][-1])) < 0.5
