"""The Python API: run a session on any ``Robot``, from a script or a notebook.

    from backstroke import load_client, load_routine, run_session

    outcome = run_session("spa", out="out/mine", robot=MyRobot(...))
    print(outcome.typed_summary.contact_breaks, outcome.ended_because)

Everything the command line does (checks, log, summary, report, client memory,
interruptions) happens here too; the command line is a thin layer over this.
"""

from __future__ import annotations

from pathlib import Path

# What ``backstroke`` offers is listed once, in ``backstroke._API``; the names below are
# re-exported with ``as`` (so this module needs no second list).
from backstroke.app.session import SessionOutcome as SessionOutcome
from backstroke.app.session import SessionRequest
from backstroke.app.session import run_session as _run_request
from backstroke.body.back_model import BackModel as BackModel
from backstroke.body.client_file import load_client as load_client
from backstroke.errors import BackstrokeError
from backstroke.robot.factory import BackendRequest as BackendRequest
from backstroke.robot.factory import register_robot as register_robot
from backstroke.robot.protocol import Robot as Robot
from backstroke.robot.protocol import RobotCommand as RobotCommand
from backstroke.robot.protocol import RobotState as RobotState
from backstroke.routine.io import load_routine as load_routine
from backstroke.session.summary import Summary as Summary
from backstroke.session.summary import load_summary as load_summary


def run_session(
    routine: str | Path = "spa",
    client: str | Path | None = None,
    *,
    out: str | Path,
    robot: Robot | None = None,
    backend: str = "sim",
    bpm: float | None = None,
    music: str | Path | None = None,
    seed: int | None = None,
    inject: tuple[str, ...] = (),
    client_name: str | None = None,
    db: str | Path | None = None,
    replace: bool = False,
) -> SessionOutcome:
    """Run one whole session and write ``out/{summary.json, session.mcap, report.html}``.

    Args:
        routine: a routine TOML file or a preset name (``spa``, ``sports``).
        client: a client TOML file (the default client when None). A simulated backend
            builds its virtual client from it; with your own ``robot`` it gives the body
            model the plan is made on (its back length, widths, curvature).
        out: a new or empty output folder (``replace=True`` clears an earlier session).
        robot: any object implementing :class:`backstroke.Robot` (frame B, its own
            ``control_rate_hz``, which the session honours). Overrides ``backend``.
        backend: a registered backend name (``sim``, ``mujoco``, ``franka-sim``, …, or
            one installed through the ``backstroke.robots`` entry point group).
        bpm, music: the tempo (a BPM, or an audio file to take the beats from).
        seed: the session seed (default: the client's).
        inject: fault specs as ``--inject`` takes them (``"dropout:50@20"``).
        client_name, db: remember this client in the client memory.

    Returns:
        The outcome: ``typed_summary`` (the session's :class:`~backstroke.Summary`, read
        by attribute; None only when a figure went bad, ``problems`` says which),
        ``summary`` (the dict written to summary.json, valid against ``backstroke schema
        summary``), ``ended_because``, ``exit_code``, ``written``.

    Raises:
        BackstrokeError: bad input (exit 2 on the command line), before the robot moves.
    """
    if robot is not None and not isinstance(robot, Robot):
        raise BackstrokeError(
            f"robot {type(robot).__name__} does not implement backstroke.Robot "
            "(name, control_rate_hz, start, step, stop, close)"
        )
    req = SessionRequest(
        routine=str(routine),
        client=None if client is None else Path(client),
        bpm=bpm,
        music=None if music is None else Path(music),
        seed=seed,
        backend=backend,
        out=Path(out),
        inject=tuple(inject),
        client_name=client_name,
        db=None if db is None else Path(db),
        replace=replace,
        robot=robot,
    )
    return _run_request(req)
