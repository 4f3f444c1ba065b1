"""The session proper, once the robot exists and the output folder is ours (locked).

The runner runs with the log written as it goes; a signal or a full disk retreats and
the summary still gets what happened (``ended_because``, the injected faults, the
backend's truth), then ``session_outputs`` writes summary.json and report.html.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from backstroke.app.session_outputs import SessionOutcome, summary_model, write_outputs
from backstroke.body.back_model import BackModel
from backstroke.errors import SafetyFault, SessionInterrupted
from backstroke.safety.limits import SafetyLimits
from backstroke.session.interrupts import DISK_FULL, GuardedLog, Interrupts
from backstroke.session.outputs import OutputDir, OutputError
from backstroke.session.runner import SessionResult, SessionRunner

if TYPE_CHECKING:
    from backstroke.app.client_memory import ClientMemory
    from backstroke.app.session import SessionRequest

# A body fitted to a scan and registered to the arm is off the real skin by the cell's
# registration (its spec: 12 mm, 3.5°): the Supervisor's force/depth check measures depth
# from the touch point and allows for that.
SCANNED_BODY_LIMITS = SafetyLimits(surface_offset_m=0.012, surface_tilt_deg=3.5)


def live_session(
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
    memory: ClientMemory | None,
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
        typed, why_untyped = summary_model(summary)
        log.write_json("/summary", typed.to_json_dict() if typed is not None else summary)
    except SessionInterrupted:
        if not attached:  # a signal before the robot touched the client: nothing kept
            log.close()
            _remove_partial(req.out)
        raise
    finally:
        interrupts.detach()
        log.close()
    return write_outputs(
        req, summary, typed, why_untyped, result, back, memory, fault, tuple(notes), ended
    )


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


def _remove_partial(out: Path) -> None:
    for name in ("client.toml", "session.mcap"):
        with contextlib.suppress(OSError):
            (out / name).unlink()


def _copy_client_file(client: Path | None, out: Path) -> None:
    """Keep the client file beside the session so ``backstroke report DIR`` can redraw it."""
    from backstroke.body.client_file import DEFAULT_CLIENT_FILE

    src = DEFAULT_CLIENT_FILE if client is None else client
    (out / "client.toml").write_bytes(src.read_bytes())


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
