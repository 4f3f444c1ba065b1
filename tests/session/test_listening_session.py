"""Listening all session (issue 13): breathing heard without a long rest, the force
deepened by the trust heard, paced to the exhale when the routine asks.

The client comes from the independent held-out generator (``knot_clients``); the truth
(breathing, the waveform's phase) is read from the simulator here, in the test only.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from backstroke.body.back_model import BackModel
from backstroke.music.grid import BeatGrid
from backstroke.robot.factory import make_robot
from backstroke.routine.schema import Routine
from backstroke.session.progress import Tick
from backstroke.session.runner import SessionRunner
from backstroke.session.summary import validate_summary
from tests.session.knot_clients import knot_client


def _routine(breath_paced: bool) -> Routine:
    """A short sports-like session: a rest too short to hear the breath (8 s), two
    glides, two forearm passes at a force the trust has to earn."""
    return Routine.model_validate(
        {
            "intention": "sports",
            "bpm": 72,
            "start_force_fraction": 0.6,
            "breath_paced": breath_paced,
            "speed": {"default_m_s": 0.05, "max_m_s": 0.08},
            "blocks": [
                {"technique": "rest", "duration_s": 8.0, "target_force_n": 8.0},
                {"technique": "glide", "target_force_n": 16.0, "repeat": {"passes": 2}},
                {"technique": "forearm", "target_force_n": 22.0, "repeat": {"passes": 2}},
            ],
        }
    )


def _run(routine: Routine, seed: int) -> tuple[dict[str, Any], Any, list[Tick]]:
    client = knot_client(seed).resolved()
    back = BackModel(client)
    robot = make_robot("sim", client, back, seed=seed)
    ticks: list[Tick] = []
    runner = SessionRunner(
        routine, back, BeatGrid.constant(routine.bpm), robot, seed=seed,
        observer=ticks.append, observe_every=5,
    )  # fmt: skip
    s = runner.run().summary
    return s, robot, ticks


@pytest.mark.parametrize("seed", [410, 411])
def test_breathing_is_heard_without_a_long_rest(seed: int) -> None:
    s, robot, _ = _run(_routine(False), seed)
    true_bpm = robot.tissue.breathing.rate_bpm
    assert s["breathing_rate_bpm"] is not None
    assert abs(s["breathing_rate_bpm"] - true_bpm) <= 1.5
    over = s["breathing_over_time"]
    assert len(over) >= 3 and all(o["source"] == "stroke" for o in over)
    assert [o["t_s"] for o in over] == sorted(o["t_s"] for o in over)
    typed = validate_summary(s)
    assert typed.breathing_over_time[0].rate_bpm == over[0]["rate_bpm"]
    # trust moved pass by pass, and the force followed it
    trust = s["trust_over_time"]
    assert len(trust) >= 4
    assert s["blocks"][2]["force_scale"] > s["blocks"][1]["force_scale"]


def test_breath_paced_force_deepens_on_the_exhale() -> None:
    _, robot, ticks = _run(_routine(True), 412)
    breathing = robot.tissue.breathing
    t = np.array([k.t_s for k in ticks])
    scale = np.array([k.scale for k in ticks])
    rising = np.flatnonzero(np.diff(scale) > 1e-9)
    assert rising.size >= 5  # the force deepened at least once
    # the back falls on the exhale: the surface offset decreases
    off = np.array([breathing.offset_fraction(float(x)) for x in t])
    falling = np.diff(off) < 0
    assert float(np.mean(falling[rising])) >= 0.95  # unpaced: 0.75 on this client


def test_each_knot_dwelt_on_says_whether_it_released() -> None:
    """Thumb lines over the default client's two knots: the second pass dwells on each
    knot the first pass found, for whole breaths, until its stiffness stops falling or
    the cap; every dwell is in ``knot_dwells`` and on its knot."""
    from backstroke.body.client_file import load_client
    from backstroke.session.runner import DWELL_CAP_FACTOR

    routine = Routine.model_validate(
        {
            "bpm": 60,
            "blocks": [
                {"technique": "rest", "duration_s": 16.0},
                {
                    "technique": "thumb_strip",
                    "lateral_m": 0.03,
                    "u_min": 0.22,
                    "u_max": 0.7,
                    "target_force_n": 12.0,
                    "speed_m_s": 0.03,
                    "dwell_on_knots": True,
                    "dwell_beats": 4,
                    "repeat": {"passes": 2},
                },
            ],
        }
    )
    client = load_client("default").resolved()
    back = BackModel(client)
    robot = make_robot("sim", client, back, seed=1)
    s = SessionRunner(routine, back, BeatGrid.constant(60.0), robot, seed=1).run().summary
    dwells = s["knot_dwells"]
    assert len(dwells) >= 2 and all(d["pass"] == 1 for d in dwells)
    period = 60.0 / s["breathing_rate_bpm"]
    for d in dwells:
        assert d["outcome"] in ("released", "not released after cap")
        # whole breaths were heard (two at least), and never past the cap
        assert d["dwell_s"] >= 2 * period or d["outcome"] == "not released after cap"
        assert d["dwell_s"] <= DWELL_CAP_FACTOR * 4 * 1.0 + 1e-6
    typed = validate_summary(s)
    assert sum(k.dwell is not None for k in typed.knots) >= 2
    assert s["contact_breaks"] == 0
