"""First touch: the plan never asks for less than a light touch once in contact, and the
guarded and tight clients on the sports preset keep contact from the first touch."""

from __future__ import annotations

import numpy as np
import pytest

from backstroke.body.back_model import BackModel
from backstroke.body.client_file import load_client
from backstroke.music.grid import BeatGrid
from backstroke.plan.force_profile import TOUCH_FORCE_N
from backstroke.plan.planner import compile_plan
from backstroke.robot.factory import make_robot
from backstroke.routine.io import load_routine
from backstroke.sense.contact import CONTACT_FORCE_N
from backstroke.session.runner import SessionRunner


@pytest.mark.parametrize("preset", ["spa", "sports"])
def test_the_first_block_starts_from_a_light_touch(preset: str) -> None:
    plan = compile_plan(load_routine(preset), BackModel(load_client()), BeatGrid.constant(60.0))
    first = next(c for c in plan.chunks if np.any(c.samples["block"] >= 0))
    s = first.samples
    touching = (s["block"] >= 0) & (s["in_contact"] > 0)
    assert np.any(touching)
    assert s["target_force_n"][touching][0] >= TOUCH_FORCE_N > 2 * CONTACT_FORCE_N - 1e-9


@pytest.mark.slow
@pytest.mark.parametrize("name", ["guarded", "tight"])
def test_no_break_at_first_touch_on_the_sports_preset(name: str) -> None:
    client = load_client(name)
    back = BackModel(client)
    robot = make_robot("sim", client, back, seed=client.seed or 0)
    routine = load_routine("sports")
    res = SessionRunner(routine, back, BeatGrid.constant(60.0), robot, seed=client.seed or 0).run()
    assert res.summary["contact_breaks"] == 0
    assert res.safety_fault is None
