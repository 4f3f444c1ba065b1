"""Trust from measurement (issue 13, point 4): a very guarded client is brought to depth
later than a relaxed twin (the same body and seed), from what the robot measures only.

The simulated client's guarding (``tissue/guarding.py``) shows as a stiffness that keeps
drifting down while the tension lets go and a breath that slows; the runner's
``TrustEstimate`` must wait for it. The truth is read only to check the premise.
"""

from __future__ import annotations

from typing import Any

import pytest

from backstroke.body.back_model import BackModel
from backstroke.body.client_file import ClientSpec
from backstroke.music.grid import BeatGrid
from backstroke.robot.factory import make_robot
from backstroke.routine.io import load_routine
from backstroke.routine.schema import Routine
from backstroke.session.runner import SessionRunner
from tests.session.knot_clients import knot_client


def _twin(guarding: float, body: int) -> tuple[dict[str, Any], dict[str, Any]]:
    spa = load_routine("spa")
    # rest, glide until softening, forearm: the blocks where the force deepens first
    routine = Routine(**{**spa.model_dump(), "blocks": spa.model_dump()["blocks"][:3]})
    base = knot_client(body).resolved()
    client = ClientSpec(**{**base.model_dump(), "guarding": guarding, "name": f"g{guarding}"})
    back = BackModel(client)
    robot = make_robot("sim", client, back, seed=7)
    s = SessionRunner(routine, back, BeatGrid.constant(routine.bpm), robot, seed=7).run().summary
    return s, robot.sim_truth()  # type: ignore[attr-defined]


@pytest.mark.slow
def test_a_guarded_twin_is_brought_to_depth_later() -> None:
    relaxed, r_truth = _twin(0.05, 523)
    guarded, g_truth = _twin(0.95, 523)
    # the premise: the guarded twin's tone let go during the session, the relaxed had none
    assert g_truth["tone_multiplier"] < 0.95 < 0.99 < r_truth["tone_multiplier"]
    assert g_truth["breathing_rate_now_bpm"] < 0.95 * g_truth["breathing_rate_start_bpm"]
    t_relaxed = relaxed["full_depth_t_s"]
    t_guarded = guarded["full_depth_t_s"]
    assert t_relaxed is not None
    assert t_guarded is None or t_guarded >= t_relaxed + 60.0
    # deepening waited: every force fraction of the guarded twin at most the relaxed one's
    by_block = zip(guarded["blocks"], relaxed["blocks"], strict=False)
    assert all(g["force_scale"] <= r["force_scale"] + 1e-9 for g, r in by_block)
    for s, truth in ((relaxed, r_truth), (guarded, g_truth)):
        assert truth["too_much_episodes"] <= 1
        assert s["contact_breaks"] == 0
        why = [h["why"] for h in s["trust_over_time"]]
        assert why  # trust was heard pass by pass
    assert any("relaxing" in str(h["why"]) for h in guarded["trust_over_time"])
