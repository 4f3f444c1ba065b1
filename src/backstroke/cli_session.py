"""How ``backstroke run`` and ``demo`` run a session: the options they share, the run.

The options both commands take (backend … quiet) are declared once, as the parameters
of :func:`_running`; :func:`running_options` puts them in a command's signature (typer
reads it) where the command asks for ``running: Running``, and hands the command them
as one :class:`Running`.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from backstroke.cli_usage import fail
from backstroke.errors import BackstrokeError

if TYPE_CHECKING:
    from backstroke.app.session import SessionOutcome, SessionRequest

_BACKEND_HELP = (
    "sim (built-in), mujoco (the 'mujoco' extra), franka (a real arm: --robot-ip, --body-pose) "
    "or franka-sim (franky-sim; the 'franka' extra)"
)
_NAME_HELP = "remember this client: use and update their preferences and knots"
_INJECT_HELP = (
    "fault to inject, repeatable: KIND[:PARAM][@T_S], KIND one of dropout, stale, nan, "
    "spike, drift, latency, move, stop, kill (e.g. dropout:50 = 50 ms)"
)


# Options shared by `run` and `demo` (and `plan` for the tempo).
MusicOpt = Annotated[
    Path | None, typer.Option(metavar="FILE", help="audio file to take the beats from")
]
BackendOpt = Annotated[str, typer.Option(metavar="NAME", help=_BACKEND_HELP)]
InjectOpt = Annotated[
    list[str] | None, typer.Option(metavar="KIND[:PARAM][@T_S]", help=_INJECT_HELP)
]
ClientNameOpt = Annotated[str | None, typer.Option(metavar="NAME", help=_NAME_HELP)]
ReplaceOpt = Annotated[
    bool,
    typer.Option(
        "--replace", help="clear an earlier session in the output directory first (else refused)"
    ),
]
DbOpt = Annotated[
    Path | None, typer.Option(metavar="FILE", help="client database (default: user data dir)")
]
# The live view and terminal progress (web/cli.py).
LiveOpt = Annotated[bool, typer.Option("--live", help="serve a live browser view with buttons")]
PortOpt = Annotated[int, typer.Option(metavar="N", help="port of the live view (local)")]
SpeedOpt = Annotated[
    float | None, typer.Option(metavar="X", help="session seconds per wall second")
]
QuietOpt = Annotated[bool, typer.Option("--quiet", help="no progress or summary lines")]
RobotIpOpt = Annotated[
    str | None, typer.Option(metavar="ADDR", help="the Franka's FCI address (--backend franka)")
]
BodyPoseOpt = Annotated[
    str | None,
    typer.Option(
        metavar="X,Y,Z,YAW",
        help="body frame B in the arm's base: x,y,z,yaw (m, degrees); Franka backends",
    ),
]


@dataclass(frozen=True)
class Running:
    """How a session runs and is watched (the options ``run`` and ``demo`` share)."""

    backend: str
    inject: tuple[str, ...]
    client_name: str | None
    db: Path | None
    replace: bool
    # live, port, speed, quiet (web/cli.py make_watch)
    watching: tuple[bool, int, float | None, bool]

    def run(self, **request: Any) -> None:
        """Run the session ``SessionRequest(**request)`` with these options (``request``
        may override ``replace``)."""
        from backstroke.app.session import SessionRequest

        shared = {
            "backend": self.backend,
            "inject": self.inject,
            "client_name": self.client_name,
            "db": self.db,
            "replace": self.replace,
        }
        run_request(SessionRequest(**{**shared, **request}), self.watching)


def _running(
    backend: BackendOpt = "sim",
    inject: InjectOpt = None,
    client_name: ClientNameOpt = None,
    db: DbOpt = None,
    replace: ReplaceOpt = False,
    live: LiveOpt = False,
    port: PortOpt = 8080,
    speed: SpeedOpt = None,
    quiet: QuietOpt = False,
) -> Running:
    """The shared options as one record (and their one declaration: typer reads these)."""
    return Running(
        backend, tuple(inject or ()), client_name, db, replace, (live, port, speed, quiet)
    )


def running_options(command: Callable[..., None]) -> Callable[..., None]:
    """``command`` with the options of :func:`_running` in place of its ``running``
    parameter (same place in ``--help``), called with them as one ``Running``."""
    own = inspect.signature(command, eval_str=True)
    shared = inspect.signature(_running, eval_str=True).parameters
    params: list[inspect.Parameter] = []
    for p in own.parameters.values():
        params.extend(shared.values() if p.name == "running" else [p])

    @functools.wraps(command)
    def with_running(**kw: Any) -> None:
        running = _running(**{name: kw.pop(name) for name in shared})
        command(running=running, **kw)

    with_running.__signature__ = own.replace(parameters=params)  # type: ignore[attr-defined]
    return with_running


def _say(line: str, *, err: bool = False) -> None:
    """Print, unless the terminal is gone (SIGHUP): the outputs matter, not the echo."""
    with contextlib.suppress(OSError, ValueError):
        typer.echo(line, err=err)


def _ending(outcome: SessionOutcome) -> str:
    fault = outcome.fault
    if fault is None:
        return outcome.ended_because
    if fault.kind == "interrupted":
        how = "stopped at once" if getattr(fault, "immediate", False) else "controlled retreat"
        return f"{outcome.ended_because} at t={fault.t_s:.3f} s ({how})"
    return f"{outcome.ended_because}: {fault}"


def run_request(req: SessionRequest, watching: tuple[bool, int, float | None, bool]) -> None:
    """Run ``req`` watched as ``watching`` says; its lines, its exit code."""
    from backstroke.app.session import run_session
    from backstroke.errors import SessionInterrupted
    from backstroke.session.text import summary_lines
    from backstroke.web.cli import make_watch

    quiet = watching[3]
    try:
        watch = make_watch(*watching)
        try:
            outcome = run_session(req, watch)
        finally:
            watch.close()
    except SessionInterrupted as exc:
        _say(f"backstroke: {exc} before the session started; nothing written", err=True)
        raise typer.Exit(exc.exit_code) from None
    except BackstrokeError as exc:
        fail(exc)
        return
    typed = outcome.typed_summary  # None: a figure went bad (the problems name it)
    for line in [] if quiet or typed is None else summary_lines(typed):
        _say(line)
    for path in () if quiet else outcome.written:
        _say(f"wrote {path}")
    for problem in outcome.problems:
        _say(f"backstroke: error: {problem}", err=True)
    if outcome.ended_because != "completed":
        # The client's stop in plain words (the watch's sentence); anything else as it ended.
        plain = watch.ended if outcome.ended_because == "client_stop" else None
        _say(f"backstroke: session ended: {plain or _ending(outcome)}", err=True)
    if outcome.exit_code:
        raise typer.Exit(outcome.exit_code)
