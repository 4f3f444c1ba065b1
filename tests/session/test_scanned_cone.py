"""A session on a body fitted to a scan keeps the force in the cone: the tool axis
follows the skin it feels, not the fitted normals (``control/axis_follow``)."""

from __future__ import annotations

from typing import Any

from backstroke.app.session import SCANNED_BODY_LIMITS
from backstroke.body.back_model import BackModel
from backstroke.body.client_file import ScanSpec, load_client
from backstroke.body.scan_registration import scan_and_fit
from backstroke.music.grid import BeatGrid
from backstroke.robot.factory import make_robot
from backstroke.robot.registered import registered_robot
from backstroke.routine.schema import Routine
from backstroke.session.runner import SessionRunner
from backstroke.tools import FORCE_CONE_HALF_ANGLE_DEG

ROUTINE = {
    "name": "cone-scan",
    "start_force_fraction": 1.0,
    "blocks": [
        {"technique": "rest", "duration_s": 4.0, "target_force_n": 6.0},
        {
            "technique": "thumb_strip",
            "side": "left",
            "cover": "line",
            "lateral_m": 0.04,
            "u_max": 0.55,
            "target_force_n": 8.0,
            "repeat": {"passes": 1},
        },
    ],
}


def scanned_session(follow: bool, seed: int = 7) -> dict[str, Any]:
    client = load_client()
    true_back = BackModel(client)
    reg = scan_and_fit(true_back, ScanSpec(), seed)  # a good depth camera
    robot = registered_robot(make_robot("sim", client, true_back, seed=seed), reg)
    routine = Routine.model_validate(ROUTINE)
    runner = SessionRunner(
        routine, reg.fit, BeatGrid.constant(90.0), robot, seed=seed, limits=SCANNED_BODY_LIMITS
    )
    if not follow:
        runner.axis_follower = None
    return runner.run().summary


def test_a_fitted_body_keeps_the_force_in_the_cone() -> None:
    s = scanned_session(follow=True)
    kinds = {e["kind"] for e in s["safety_events"] if e["action"] == "retreat"}
    assert not kinds, kinds
    assert s["force_cone_deg"]["max"] < FORCE_CONE_HALF_ANGLE_DEG + 1.5
    assert s["force_cone_deg"]["over_s"] < 0.1
