"""One simulated session for the session tests (default client, 60 BPM), and the short
routine several of them share."""

from __future__ import annotations

from backstroke.body.back_model import BackModel
from backstroke.body.client_file import ClientSpec
from backstroke.music.grid import BeatGrid
from backstroke.robot.factory import make_robot
from backstroke.routine.schema import Routine
from backstroke.session.runner import SessionResult, SessionRunner


def run(routine: Routine, client: ClientSpec, seed: int = 3) -> SessionResult:
    back = BackModel(client)
    robot = make_robot("sim", client, back, seed=seed)
    return SessionRunner(routine, back, BeatGrid.constant(60.0), robot, seed=seed).run()


def short_routine(**glide: object) -> Routine:
    """A 16 s rest, one glide pass, one left thumb strip (``glide`` overrides the glide)."""
    blocks: list[dict[str, object]] = [
        {"technique": "rest", "duration_s": 16.0},
        {"technique": "glide", "target_force_n": 12.0, "repeat": {"passes": 1}, **glide},
        {
            "technique": "thumb_strip",
            "side": "left",
            "target_force_n": 12.0,
            "speed_m_s": 0.02,
            "repeat": {"passes": 1},
        },
    ]
    return Routine.model_validate({"name": "short", "start_force_fraction": 1.0, "blocks": blocks})
