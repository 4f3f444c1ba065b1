"""A fitted body whose skin lies a centimetre off the real one, in depth: the force loop
holds the force, and the approach does not press into a skin above the model surface.

The body is fitted to a scan without registration error, then registered 8 mm too low or
too high on purpose (``true_from_fit`` moved along the back's normal): the model surface
is that far below or above the skin the robot presses. The force loop schedules its gain
on the stiffness ``F / depth``; a depth below the model surface then reads the tissue
many times too stiff (or never, below zero) or too soft, and the loop runs slow or
overshoots. It now divides by the depth below the skin where the touches place it
(``TouchDepth.skin_offset_along``), and an approach that touches before the plan does
lifts (``ForceController`` off the skin).
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache
from typing import Any

import numpy as np
import pytest

from backstroke.app.session import SCANNED_BODY_LIMITS
from backstroke.body.back_model import BackModel
from backstroke.body.client_file import ScanSpec, load_client
from backstroke.body.scan_registration import scan_and_fit
from backstroke.music.grid import BeatGrid
from backstroke.robot.factory import make_robot
from backstroke.robot.registered import registered_robot
from backstroke.routine.schema import Routine
from backstroke.session.runner import SessionRunner

ROUTINE = {
    "name": "offset-scan",
    "start_force_fraction": 1.0,
    "blocks": [
        {"technique": "rest", "duration_s": 4.0, "target_force_n": 6.0},
        {"technique": "glide", "target_force_n": 10.0, "repeat": {"passes": 2}},
    ],
}
PERFECT = ScanSpec(noise_m=0.0005, registration_error_m=0.0, registration_error_deg=0.0)


@cache
def offset_session(offset_m: float, seed: int = 7) -> tuple[dict[str, Any], dict[str, Any]]:
    """Summary and columns (recorded and plan) of the routine on a body fitted
    ``offset_m`` above (> 0) or below the real skin."""
    client = load_client()
    true_back = BackModel(client)
    reg = scan_and_fit(true_back, PERFECT, seed)
    shift = np.eye(4)
    shift[2, 3] = offset_m  # frame B's z is the back's outward normal
    reg = replace(reg, true_from_fit=shift @ reg.true_from_fit)
    robot = registered_robot(make_robot("sim", client, true_back, seed=seed), reg)
    runner = SessionRunner(
        Routine.model_validate(ROUTINE),
        reg.fit,
        BeatGrid.constant(90.0),
        robot,
        seed=seed,
        limits=SCANNED_BODY_LIMITS,
    )
    res = runner.run()
    assert res.safety_fault is None, res.safety_fault
    plan = {f"plan_{k}": v for k, v in res.data.plan_columns.items()}
    return res.summary, {**res.data.columns, **plan}


@pytest.mark.parametrize("offset_m", [-0.008, 0.012])
def test_the_force_is_held_on_a_body_off_the_skin(offset_m: float) -> None:
    s, _ = offset_session(offset_m)
    assert s["contact_breaks"] == 0
    assert s["force_rmse_n"] < 0.2, s["force_rmse_n"]


def test_an_approach_onto_a_skin_above_the_model_does_not_press() -> None:
    _, c = offset_session(-0.008)
    off = c["plan_in_contact"] == 0
    assert np.nanmax(c["normal_force_n"][off]) < 2.0
