"""CLI pieces of the live view: the watch behind ``--live/--speed/--quiet`` and ``replay``."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from backstroke.errors import BackstrokeError
from backstroke.session.progress import SessionWatch


def make_watch(live: bool, port: int, speed: float | None, quiet: bool) -> SessionWatch:
    """The watch for ``run``/``demo``: progress on the terminal unless ``quiet``; with
    ``live``, a browser view on ``port`` and a session paced to the wall clock
    (``speed``, default 1).

    Raises:
        BackstrokeError: a bad ``--speed`` or ``--port``, or the web extra missing.
    """
    if live and speed is None:
        speed = 1.0
    if speed is not None:
        from backstroke.robot.pacing import MAX_SPEED

        if not 0.1 <= speed <= MAX_SPEED:
            raise BackstrokeError(f"--speed {speed:g}: allowed 0.1..{MAX_SPEED:g}")
    views = []
    if live:
        from backstroke.web.live import LiveDashboard

        views.append(LiveDashboard(port=port))
    return SessionWatch(quiet=quiet, speed=speed, views=views)


def replay(
    log: Annotated[Path, typer.Argument(help="session.mcap written by run/demo")],
    live: Annotated[bool, typer.Option("--live", help="play it at wall-clock speed")] = False,
    port: Annotated[int, typer.Option(help="port of the view (local)")] = 8080,
    speed: Annotated[float, typer.Option(help="session seconds per wall second")] = 1.0,
) -> None:
    """Show a recorded session in the live view with a time slider (Ctrl-C ends)."""
    from backstroke.web.replay import ReplayServer, back_for, load_replay

    try:
        if not 0.1 <= speed <= 1000.0:
            raise BackstrokeError(f"--speed {speed:g}: allowed 0.1..1000")
        data = load_replay(log)
        server = ReplayServer(data, back_for(log), port=port, live=live, speed=speed)
    except BackstrokeError as exc:
        typer.echo(f"backstroke: error: {exc}", err=True)
        raise typer.Exit(exc.exit_code) from None
    typer.echo(f"replay of {log} ({data.t1_s - data.t0_s:.0f} s): {server.url} (Ctrl-C ends)")
    try:
        while True:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
