"""One whole session from files: load, plan, run, log, summarise, report.

Outputs go to a fresh directory (never one holding an earlier session; locked while
the session writes): ``session.mcap`` (written as the session runs), ``summary.json``
(written atomically at the end: absent or complete) and ``report.html``. Bad input —
including an output folder that cannot be written — fails before the robot starts.
A signal or a full disk retreats and still writes the outputs (``interrupts``).
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from backstroke.atomic_io import write_json_atomic
from backstroke.body.back_model import BackModel
from backstroke.body.client_file import client_file_path, load_client
from backstroke.errors import (
    BackstrokeError,
    InputFileError,
    SafetyFault,
    SessionInterrupted,
)
from backstroke.robot.factory import backend_names, make_robot
from backstroke.routine.duration import check_duration
from backstroke.routine.io import load_routine
from backstroke.safety.limits import SafetyLimits
from backstroke.session.interrupts import DISK_FULL, GuardedLog, Interrupts
from backstroke.session.outputs import OutputDir, OutputError
from backstroke.session.runner import SessionResult, SessionRunner
from backstroke.session.summary import Summary, validate_summary
from backstroke.tempo_source import beat_grid_for

# A body fitted to a scan and registered to the arm is off the real skin by the cell's
# registration (its spec: 12 mm, 3.5°): the Supervisor's force/depth check measures depth
# from the touch point and allows for that.
SCANNED_BODY_LIMITS = SafetyLimits(surface_offset_m=0.012, surface_tilt_deg=3.5)


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


@dataclass(frozen=True)
class SessionOutcome:
    """What a session left behind.

    Attributes:
        ended_because: ``completed``, ``safety_stop``, ``client_stop``,
            ``interrupted: SIGINT`` (``SIGTERM``, ``SIGHUP``) or ``disk_full``.
        written: the output files actually written.
        problems: one line each for outputs that could not be written.
        summary: what summary.json holds (a JSON-ready dict).
        typed_summary: the same as the typed model (``backstroke.session.summary``;
            read it by attribute), or None when the model refused it (``problems`` says
            why: a figure gone bad).
    """

    summary: dict[str, Any]
    out: Path
    fault: SafetyFault | None
    notes: tuple[str, ...]
    ended_because: str = "completed"
    written: tuple[Path, ...] = ()
    problems: tuple[str, ...] = ()
    typed_summary: Summary | None = None

    @property
    def exit_code(self) -> int:
        if self.ended_because.startswith("interrupted") or self.ended_because in (
            DISK_FULL,
            "log_write_failed",
        ):
            return SessionInterrupted.exit_code
        if self.problems:
            return SessionInterrupted.exit_code
        return 0 if self.fault is None else self.fault.exit_code


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
    memory = _ClientMemory.open(req, back) if req.client_name is not None else None
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
            return _live(
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


def _live(
    req: SessionRequest,
    interrupts: Interrupts,
    outdir: OutputDir,
    robot: Any,
    routine: Any,
    client: Any,
    back: BackModel,
    grid: Any,
    notes: list[str],
    seed: int,
    memory: _ClientMemory | None,
    watch: Any = None,
    registration: Any = None,
) -> SessionOutcome:
    """The session proper: the robot exists, the output folder is ours (locked)."""
    from backstroke.session.log import SessionLogWriter

    try:
        _copy_client_file(req.client, req.out)
        writer = SessionLogWriter(req.out / "session.mcap", back=back)
    except OSError as exc:
        _remove_partial(req.out)
        raise OutputError(f"--out {req.out}: cannot write ({exc.strerror or exc})") from None
    outdir.keep()
    log = GuardedLog(writer, interrupts)
    result: SessionResult | None = None
    stopped_at_once: SessionInterrupted | None = None
    attached = False
    try:
        runner = SessionRunner(
            routine,
            back,
            grid,
            robot,
            seed=seed,
            on_ticks=log.on_chunk,
            preferred_scale=memory.pressure_scale if memory else 1.0,
            known_knots=memory.known_knots if memory else (),
            regions=memory.regions if memory else None,
            observer=None if watch is None else watch.observe,
            control_rate_hz=getattr(robot, "control_rate_hz", 1000.0),
            limits=None if registration is None else SCANNED_BODY_LIMITS,
        )
        if hasattr(robot, "on_fault"):  # wall-clock arms: reflexes, lost link → retreat
            robot.on_fault = runner.supervisor.start_retreat
        info = _session_info(req, routine.name, client.name, seed, notes)
        info["body"] = "exact" if registration is None else "scan"
        log.write_json("/session", info)
        from backstroke.session.keys import KeyControls

        interrupts.attach(runner.supervisor.request_stop, robot.stop)
        attached = True
        if watch is not None:
            watch.attach(runner, back, grid)
        try:
            with KeyControls(runner.supervisor.press if watch is None else watch.press):
                result = runner.run()
        except SessionInterrupted as exc:  # a second signal outside the runner's loop
            stopped_at_once = exc
        except Exception:
            if not interrupts.immediate:
                raise
            stopped_at_once = SessionInterrupted(interrupts.reason or "interrupted", t_s=0.0)
        finally:
            interrupts.detach()
        if result is not None and isinstance(result.safety_fault, SessionInterrupted):
            stopped_at_once = result.safety_fault
        summary = result.summary if result is not None else _stub_summary(seed)
        fault = result.safety_fault if result is not None else stopped_at_once
        if isinstance(fault, SessionInterrupted) and fault.immediate:
            fault.t_s = float(summary.get("duration_s") or 0.0)  # the handler knew no time
        if watch is not None and result is not None:
            watch.finish(result.summary, result.safety_fault)
        ended = _ended_because(fault, interrupts, log)
        summary["ended_because"] = ended
        if stopped_at_once is not None or interrupts.immediate:
            summary.setdefault("safety_events", []).append(
                {
                    "t_s": summary.get("duration_s"),
                    "kind": "interrupted",
                    "value": 1.0,
                    "limit": 0.0,
                    "action": "stop",
                }
            )
        if log.error is not None:
            summary["log_error"] = f"{log.error.strerror or log.error}"
        summary["client"] = client.name
        summary["routine"] = routine.name
        summary["intention"] = routine.intention
        summary["backend"] = req.backend if req.robot is None else str(robot.name)
        summary["notes"] = list(notes)
        injected = getattr(robot, "faults", None)
        if injected:
            duration = float(summary.get("duration_s") or 0.0)
            summary["injected_faults"] = [
                {
                    "kind": f.kind,
                    "param": f.param,
                    "at_s": None if f.at_s is None else round(float(f.at_s), 3),
                    "fired": f.at_s is not None and float(f.at_s) <= duration,
                }
                for f in injected
            ]
        if registration is not None:
            summary["body"] = registration.summary(summary)
        sim_truth = getattr(robot, "sim_truth", None)
        if callable(sim_truth):
            summary["sim_truth"] = sim_truth()
        loop_stats = getattr(robot, "loop_stats", None)
        if callable(loop_stats):
            summary["loop_period_ms"] = loop_stats()
        typed, why_untyped = _typed_summary(summary)
        log.write_json("/summary", typed.to_json_dict() if typed is not None else summary)
    except SessionInterrupted:
        if not attached:  # a signal before the robot touched the client: nothing kept
            log.close()
            _remove_partial(req.out)
        raise
    finally:
        interrupts.detach()
        log.close()
    return _write_outputs(
        req, summary, typed, why_untyped, result, back, memory, fault, tuple(notes), ended
    )


def _say(line: str) -> None:
    import sys

    with contextlib.suppress(OSError, ValueError):
        print(line, file=sys.stderr, flush=True)


def _ended_because(fault: SafetyFault | None, interrupts: Interrupts, log: GuardedLog) -> str:
    if log.failed:
        return interrupts.reason or DISK_FULL
    if fault is None:
        return "completed"
    if fault.kind == "interrupted":
        return interrupts.reason or "interrupted"
    if fault.kind == "client_stop":
        return "client_stop"
    return "safety_stop"


def _stub_summary(seed: int) -> dict[str, Any]:
    """The summary of a session stopped at once before anything was recorded."""
    from backstroke import __version__

    return {
        "duration_s": 0.0,
        "contact_breaks": 0,
        "max_normal_force_n": 0.0,
        "max_pressure_n_cm2": 0.0,
        "safety_events": [],
        "seed": seed,
        "backstroke_version": __version__,
    }


def _typed_summary(summary: dict[str, Any]) -> tuple[Summary | None, str]:
    """The summary as the typed model (report, store, ``/summary`` and summary.json use it).

    A summary the model refuses (a sensor gone NaN in a required figure) is kept as the
    plain dict for summary.json; the reason comes back to name it in the outputs' problems.
    """
    try:
        return validate_summary(_json_safe(summary), "summary"), ""
    except BackstrokeError as exc:
        return None, str(exc)


def _write_outputs(
    req: SessionRequest,
    summary: dict[str, Any],
    typed: Summary | None,
    why_untyped: str,
    result: SessionResult | None,
    back: BackModel,
    memory: _ClientMemory | None,
    fault: SafetyFault | None,
    notes: tuple[str, ...],
    ended: str,
) -> SessionOutcome:
    """summary.json and report.html; a file that cannot be written is one line, not a crash."""
    written: list[Path] = []
    problems: list[str] = []
    log_path = req.out / "session.mcap"
    if log_path.exists():
        written.append(log_path)
    # What summary.json holds is what the caller gets (the Python API, sweeps).
    doc = typed.to_json_dict() if typed is not None else _json_safe(summary)
    try:
        write_json_atomic(req.out / "summary.json", doc)
        written.append(req.out / "summary.json")
    except OSError as exc:
        problems.append(f"{req.out / 'summary.json'}: cannot write ({exc.strerror or exc})")
    if result is not None and typed is None:
        problems.append(f"{req.out / 'report.html'}: not written ({why_untyped})")
        if memory is not None:
            memory.store.close()
    elif result is not None and typed is not None:
        from backstroke.report.html import write_report

        try:
            history = memory.record(typed, req.out, req.music) if memory else None
            write_report(req.out, typed, result.data, back, history=history)
            written.append(req.out / "report.html")
        except OSError as exc:
            problems.append(f"{req.out / 'report.html'}: cannot write ({exc.strerror or exc})")
    elif memory is not None:
        memory.store.close()
    return SessionOutcome(doc, req.out, fault, notes, ended, tuple(written), tuple(problems), typed)


def _json_safe(obj: Any) -> Any:
    """NaN/inf (a sensor gone bad) become null: summary.json is always valid JSON."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_json_safe(v) for v in obj]
    return obj


def _remove_partial(out: Path) -> None:
    for name in ("client.toml", "session.mcap"):
        with contextlib.suppress(OSError):
            (out / name).unlink()


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
    regions: Any = None
    skip: tuple[str, ...] = ()
    music: str | None = None

    @classmethod
    def open(cls, req: SessionRequest, back: BackModel) -> _ClientMemory:
        from backstroke.store.db import Store
        from backstroke.store.history import client_history

        name = req.client_name or ""
        store = Store(req.db)
        store.get_or_create_client(name, req.client)
        prefs = store.preferences(name)
        knots = client_history(store, name).known_knots()
        from backstroke.session.preferences import RegionalPreference

        regions = RegionalPreference.from_json(list(prefs.regional), back.back_length_m)
        return cls(
            store,
            name,
            back.back_length_m,
            prefs.pressure_scale,
            knots,
            regions,
            prefs.skip_techniques,
            prefs.music,
        )

    def apply(self, routine: Any, grid: Any, notes: list[str], req: SessionRequest) -> Any:
        """The routine without the techniques this client skips; their music if none given."""
        from backstroke.session.preferences import without_skipped

        kept, skip_notes = without_skipped([b.technique for b in routine.blocks], self.skip)
        routine = routine.model_copy(update={"blocks": [routine.blocks[i] for i in kept]})
        if self.music and req.music is None and req.bpm is None:
            try:
                grid, more = beat_grid_for(routine, bpm=None, music=Path(self.music))
                notes = [*notes, *more, f"music: the client's remembered {self.music}"]
            except BackstrokeError as exc:
                notes = [*notes, f"the client's remembered music is not usable ({exc})"]
        return routine, grid, [*notes, *skip_notes]

    def record(self, summary: Summary, out: Path, music: Path | None = None) -> Any:
        from backstroke.store.history import client_history

        self.store.record_session(self.name, summary, out, back_length_m=self.back_length_m)
        self.store.set_preferences(
            self.name,
            pressure_scale=summary.pressure_preference,
            skip_techniques=sorted({*self.skip, *summary.skipped_techniques}),
            regional=summary.regional_preference,
            music=None if music is None else music.resolve(),
        )
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
