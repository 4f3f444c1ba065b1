"""``backstroke clients`` and ``backstroke history NAME``: the client memory on the command line.

Plain functions with typer annotations; ``backstroke.cli`` registers them as commands.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from backstroke.errors import BackstrokeError

_DB_HELP = (
    "client database (default: $BACKSTROKE_DB, else "
    "$XDG_DATA_HOME/backstroke/clients.sqlite or ~/.local/share/backstroke/clients.sqlite)"
)


def _fail(exc: BackstrokeError) -> None:
    typer.echo(f"backstroke: error: {exc}", err=True)
    raise typer.Exit(exc.exit_code)


def clients(
    db: Annotated[Path | None, typer.Option("--db", metavar="FILE", help=_DB_HELP)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """List the clients the database remembers, with their preferences."""
    from backstroke.store.db import Store

    try:
        with Store(db) as store:
            rows = store.clients()
            path = store.path
    except BackstrokeError as exc:
        _fail(exc)
        return
    if as_json:
        typer.echo(json.dumps({"db": str(path), "clients": [c.to_json() for c in rows]}))
        return
    if not rows:
        typer.echo(f"no clients yet in {path} (run with --client-name NAME to add one)")
        return
    from backstroke.store.history import text_table

    body = [
        [
            c.name,
            str(c.sessions),
            (c.last_session_at or "—")[:16].replace("T", " "),
            f"{c.preferences.pressure_scale:.2f}",
            ", ".join(c.preferences.skip_techniques) or "—",
            c.preferences.music or "—",
            c.client_file or "(default client)",
        ]
        for c in rows
    ]
    head = ["name", "sessions", "last (UTC)", "pressure", "skip", "music", "client file"]
    for line in text_table(head, body):
        typer.echo(line)
    typer.echo(f"({len(rows)} client(s) in {path})")


def history(
    name: Annotated[str, typer.Argument(metavar="NAME", help="client name")],
    db: Annotated[Path | None, typer.Option("--db", metavar="FILE", help=_DB_HELP)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
    report: Annotated[
        Path | None,
        typer.Option(
            "--report",
            metavar="DIR",
            help="also rebuild DIR/report.html (a session directory) with this history",
        ),
    ] = None,
) -> None:
    """A client's sessions and the trend of each knot's stiffness ratio across them."""
    from backstroke.store.db import Store
    from backstroke.store.history import client_history

    try:
        with Store(db) as store:
            hist = client_history(store, name)
        if report is not None:
            from backstroke.report.cli import rebuild_report

            written = rebuild_report(report, history=hist)
    except BackstrokeError as exc:
        _fail(exc)
        return
    if as_json:
        typer.echo(json.dumps(hist.to_json()))
    else:
        for line in hist.lines():
            typer.echo(line)
    if report is not None:
        typer.echo(f"wrote {written}", err=as_json)
