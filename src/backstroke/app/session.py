"""One whole session from files: load, plan, run, log, summarise, report.

Outputs go to a fresh directory (never one holding an earlier session; locked while
the session writes): ``session.mcap`` (written as the session runs), ``summary.json``
(written atomically at the end: absent or complete) and ``report.html``. Bad input —
including an output folder that cannot be written — fails before the robot starts.
A signal or a full disk retreats and still writes the outputs (``interrupts``).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from backstroke.app.client_memory import ClientMemory
from backstroke.app.session_live import SCANNED_BODY_LIMITS, live_session
from backstroke.app.session_outputs import SessionOutcome
from backstroke.body.back_model import BackModel
from backstroke.body.client_file import client_file_path, load_client
from backstroke.errors import BackstrokeError, InputFileError
from backstroke.robot.factory import backend_names, make_robot
from backstroke.routine.duration import check_duration
from backstroke.routine.io import load_routine
from backstroke.session.interrupts import Interrupts
from backstroke.session.outputs import OutputDir
from backstroke.tempo_source import beat_grid_for

# Callers import these from here.
__all__ = ["SCANNED_BODY_LIMITS", "SessionOutcome", "SessionRequest", "run_session"]


@dataclass(frozen=True)
class SessionRequest:
    """What ``backstroke run`` / ``demo`` asks for."""

    routine: str = "spa"
    client: Path | None = None
    bpm: float | None = None
    music: Path | None = None
    seed: int | None = None
    backend: str = "sim"
    out: Path = Path("out/session")
    inject: tuple[str, ...] = ()
    client_name: str | None = None
    db: Path | None = None
    replace: bool = False
    robot_ip: str | None = None
    body_pose: str | None = None
    # A body fitted to a scan (``--body body.json`` / ``--scan SCAN``): real arms only.
    body: Path | None = None
    scan: Path | None = None
    # A Robot object to run on instead of building ``backend`` (the Python API).
    robot: Any = None


def run_session(req: SessionRequest, watch: Any = None) -> SessionOutcome:
    """Run a whole session; raises BackstrokeError (exit 2) on bad input before writing.

    SIGINT, SIGTERM and SIGHUP during the session retreat and still write the outputs
    (``ended_because``, exit 4); before the robot starts they end the command at once.
    ``watch``: a ``session.progress.SessionWatch`` (terminal progress, live view, pacing).
    """
    with Interrupts() as interrupts:
        return _run_session(req, interrupts, watch)


def _run_session(req: SessionRequest, interrupts: Interrupts, watch: Any) -> SessionOutcome:
    if req.robot is None and req.backend not in backend_names():
        allowed = ", ".join(backend_names())
        raise BackstrokeError(f"unknown backend '{req.backend}' (allowed: {allowed})")
    routine = load_routine(req.routine)
    if req.client is not None:
        req = replace(req, client=client_file_path(req.client))
    client = load_client(req.client)
    true_back = back = BackModel(client)
    grid, notes = beat_grid_for(routine, bpm=req.bpm, music=req.music)
    seed = client.seed if req.seed is None else req.seed
    if seed is None or not 0 <= seed < 2**32:
        raise BackstrokeError(f"--seed {seed} outside 0..4294967295")
    longest_s = check_duration(routine, back.back_length_m, grid.period_s, req.routine)
    from backstroke.robot.faults import FaultInjector, FaultSpec

    faults = [FaultSpec.parse(text) for text in req.inject]
    for text, f in zip(req.inject, faults, strict=True):
        if f.at_s is not None and f.at_s >= longest_s:
            raise InputFileError(
                f"@{f.at_s:g} s is after the end of this session (at most about {longest_s:.0f} s)",
                key="--inject",
                value=text,
                allowed=f"0..{longest_s:.0f} s",
            )
    from backstroke.body.scan_registration import planning_body
    from backstroke.robot.registered import registered_robot

    back, registration = planning_body(client, true_back, seed)  # the scan's fit, if any
    fitted = _fitted_body(req)
    if fitted is not None:
        back = fitted.fit
    memory = ClientMemory.open(req, back) if req.client_name is not None else None
    if memory is not None:  # the client's remembered skips and music
        routine, grid, notes = memory.apply(routine, grid, notes, req)
    with OutputDir(req.out, replace=req.replace) as outdir:
        if outdir.replaced:
            _say(f"backstroke: replacing the earlier session in {req.out}")
        robot = registered_robot(
            req.robot
            if req.robot is not None
            else make_robot(
                req.backend,
                client,
                true_back,
                seed=seed,
                robot_ip=req.robot_ip,
                body_pose=req.body_pose,
            ),
            registration,
        )
        try:
            _preflight(robot, routine, back, grid)
            if faults:
                robot = FaultInjector(robot, faults, seed=seed)
            if watch is not None:
                robot = watch.pace(robot)
            return live_session(
                req,
                interrupts,
                outdir,
                robot,
                routine,
                client,
                back,
                grid,
                notes,
                seed,
                memory,
                watch,
                registration if fitted is None else fitted,
            )
        finally:
            robot.close()


# Backends that carry their own virtual client (and scan it: the client file's [scan]).
_SIMULATED = ("sim", "mujoco")


@dataclass(frozen=True)
class FittedBody:
    """A body fitted to a scan of the client on a real arm's table (``--body``/``--scan``)."""

    fit: Any  # ScannedBack
    source: str

    def summary(self, summary: dict[str, Any]) -> dict[str, Any]:
        """Add ``world_m`` (robot base frame) to the summary's knots; the body's figures."""
        from backstroke.body.scan_registration import fitted_body_summary

        return fitted_body_summary(self.fit, summary, self.source)


def _fitted_body(req: SessionRequest) -> FittedBody | None:
    """The body ``--body``/``--scan`` names (None without either); refused on a backend
    that simulates its own client (it scans that client itself: ``[scan]``)."""
    if req.body is None and req.scan is None:
        return None
    if req.robot is None and req.backend in _SIMULATED:
        raise BackstrokeError(
            f"--body/--scan: the '{req.backend}' backend scans its own virtual client "
            "(the client file's [scan] section); give them with a real arm"
        )
    from backstroke.body.scan_report import planning_back

    fit = planning_back(req.body, req.scan)
    return FittedBody(fit, str(req.body if req.body is not None else req.scan))


def _say(line: str) -> None:
    import sys

    with contextlib.suppress(OSError, ValueError):
        print(line, file=sys.stderr, flush=True)


def _preflight(robot: Any, routine: Any, back: BackModel, grid: Any) -> None:
    """A wall-clock arm checks the whole plan (reach, joint margins) before it moves."""
    check = getattr(robot, "preflight", None)
    if not callable(check):
        return
    from backstroke.plan.planner import compile_plan

    try:
        check(compile_plan(routine, back, grid).samples())
    except BaseException:
        robot.close()
        raise
