"""One whole session from files: load, plan, run, log, summarise, report.

Outputs go to a fresh directory: ``session.mcap`` (written as the session runs),
``summary.json`` (written atomically at the end: absent or complete) and
``report.html``. Bad input fails before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from backstroke.body.back_model import BackModel
from backstroke.body.client_file import load_client
from backstroke.errors import BackstrokeError, SafetyFault
from backstroke.plan.io import write_json_atomic
from backstroke.robot.factory import BACKENDS, make_robot
from backstroke.routine.io import load_routine
from backstroke.session.runner import SessionResult, SessionRunner
from backstroke.tempo_source import beat_grid_for


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
    robot_ip: str | None = None
    body_pose: str | None = None


@dataclass(frozen=True)
class SessionOutcome:
    summary: dict[str, Any]
    out: Path
    fault: SafetyFault | None
    notes: tuple[str, ...]

    @property
    def exit_code(self) -> int:
        return 0 if self.fault is None else self.fault.exit_code


def run_session(req: SessionRequest) -> SessionOutcome:
    """Run a whole session; raises BackstrokeError (exit 2) on bad input before writing."""
    if req.backend not in BACKENDS:
        raise BackstrokeError(f"unknown backend '{req.backend}' (allowed: {', '.join(BACKENDS)})")
    routine = load_routine(req.routine)
    client = load_client(req.client)
    back = BackModel(client)
    grid, notes = beat_grid_for(routine, bpm=req.bpm, music=req.music)
    seed = client.seed if req.seed is None else req.seed
    if seed is None or not 0 <= seed < 2**32:
        raise BackstrokeError(f"--seed {seed} outside 0..4294967295")
    from backstroke.robot.faults import FaultInjector, FaultSpec

    faults = [FaultSpec.parse(text) for text in req.inject]
    memory = _ClientMemory.open(req, back) if req.client_name else None
    robot = make_robot(
        req.backend, client, back, seed=seed, robot_ip=req.robot_ip, body_pose=req.body_pose
    )
    _preflight(robot, routine, back, grid)
    if faults:
        robot = FaultInjector(robot, faults, seed=seed)
    req.out.mkdir(parents=True, exist_ok=True)
    _copy_client_file(req.client, req.out)
    from backstroke.session.log import SessionLogWriter

    with SessionLogWriter(req.out / "session.mcap") as log:
        runner = SessionRunner(
            routine,
            back,
            grid,
            robot,
            seed=seed,
            on_chunk=log.on_chunk,
            preferred_scale=memory.pressure_scale if memory else 1.0,
            known_knots=memory.known_knots if memory else (),
            control_rate_hz=getattr(robot, "control_rate_hz", 1000.0),
        )
        if hasattr(robot, "on_fault"):  # wall-clock arms: reflexes, lost link → retreat
            robot.on_fault = runner.supervisor.start_retreat
        log.write_json("/session", _session_info(req, routine.name, client.name, seed, notes))
        from backstroke.robot.franka.interrupt import retreat_on_signals
        from backstroke.session.keys import KeyControls

        with KeyControls(runner.supervisor.press), retreat_on_signals(runner.supervisor):
            result: SessionResult = runner.run()
        summary = result.summary
        summary["client"] = client.name
        summary["routine"] = routine.name
        summary["intention"] = routine.intention
        summary["backend"] = req.backend
        summary["notes"] = list(notes)
        sim_truth = getattr(robot, "sim_truth", None)
        if callable(sim_truth):
            summary["sim_truth"] = sim_truth()
        loop_stats = getattr(robot, "loop_stats", None)
        if callable(loop_stats):
            summary["loop_period_ms"] = loop_stats()
        log.write_json("/summary", summary)
    robot.close()
    write_json_atomic(req.out / "summary.json", summary)
    from backstroke.report.html import write_report

    history = memory.record(summary, req.out) if memory else None
    write_report(req.out, summary, result.data, back, history=history)
    return SessionOutcome(summary, req.out, result.safety_fault, tuple(notes))


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


def _copy_client_file(client: Path | None, out: Path) -> None:
    """Keep the client file beside the session so ``backstroke report DIR`` can redraw it."""
    from backstroke.body.client_file import DEFAULT_CLIENT_FILE

    src = DEFAULT_CLIENT_FILE if client is None else client
    (out / "client.toml").write_bytes(src.read_bytes())


@dataclass
class _ClientMemory:
    """A returning client: their preferences and knots in, this session out."""

    store: Any
    name: str
    back_length_m: float
    pressure_scale: float
    known_knots: tuple[tuple[float, float], ...]

    @classmethod
    def open(cls, req: SessionRequest, back: BackModel) -> _ClientMemory:
        from backstroke.store.db import Store
        from backstroke.store.history import client_history

        name = req.client_name or ""
        store = Store(req.db)
        store.get_or_create_client(name, req.client)
        prefs = store.preferences(name)
        knots = client_history(store, name).known_knots()
        return cls(store, name, back.back_length_m, prefs.pressure_scale, knots)

    def record(self, summary: dict[str, Any], out: Path) -> Any:
        from backstroke.store.history import client_history

        self.store.record_session(self.name, summary, out, back_length_m=self.back_length_m)
        history = client_history(self.store, self.name)
        self.store.close()
        return history


def _session_info(
    req: SessionRequest, routine: str, client: str, seed: int, notes: list[str]
) -> dict[str, Any]:
    return {
        "routine": routine,
        "client": client,
        "seed": seed,
        "backend": req.backend,
        "bpm": req.bpm,
        "music": None if req.music is None else str(req.music),
        "notes": notes,
        "inject": list(req.inject),
    }
