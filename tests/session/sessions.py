"""One simulated session for the session tests (default client, 60 BPM)."""

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
