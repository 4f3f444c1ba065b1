"""``backstroke sweep``: try routines on a population of virtual clients (dask.distributed)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from backstroke.errors import BackstrokeError

if TYPE_CHECKING:
    from backstroke.sweep.runner import SweepConfig

EXIT_INTERRUPTED = 4


def _fail(exc: BackstrokeError) -> None:
    typer.echo(f"backstroke: error: {exc}", err=True)
    raise typer.Exit(exc.exit_code)


def sweep(
    routine: Annotated[
        list[str] | None,
        typer.Option(help="routine TOML file or preset (spa, sports); repeat for several"),
    ] = None,
    population: Annotated[
        int | None, typer.Option(help="number of virtual clients (drawn from --seed)")
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="sweep directory (rows, clients, report)")
    ] = None,
    seed: Annotated[int, typer.Option(help="population seed")] = 0,
    scheduler: Annotated[
        str | None, typer.Option(help="address of a running dask scheduler (tcp://host:8786)")
    ] = None,
    workers: Annotated[
        int | None, typer.Option(help="local worker processes (default: CPU count)")
    ] = None,
    bpm: Annotated[float | None, typer.Option(help="tempo for every session")] = None,
    keep_sessions: Annotated[
        bool, typer.Option(help="keep each session's files in DIR/sessions/<task_id>/")
    ] = False,
    retry_errors: Annotated[bool, typer.Option(help="run failed sessions again")] = False,
    progress: Annotated[bool, typer.Option(help="show a progress bar")] = True,
    report: Annotated[
        Path | None, typer.Option(help="only rebuild DIR/report.html from DIR's Parquet")
    ] = None,
) -> None:
    """Run every routine on every client of a virtual population; rows to Parquet, a report.

    Resumable: the same command again runs only the sessions not yet in --out.
    """
    from backstroke.sweep.report import routine_table, table_lines, write_sweep_report
    from backstroke.sweep.store import SweepStore

    try:
        if report is not None:
            if routine or population is not None or out is not None:
                raise BackstrokeError("--report DIR rebuilds a report: give it alone")
            if not SweepStore(report).rows():
                raise BackstrokeError(f"--report {report}: no sweep rows under this directory")
            path = write_sweep_report(report)
            for line in table_lines(routine_table(SweepStore(report).rows())):
                typer.echo(line)
            typer.echo(f"wrote {path}")
            return
        config = _config(routine, population, out, seed, scheduler, workers, bpm)
    except BackstrokeError as exc:
        _fail(exc)
        return
    from dataclasses import replace

    from backstroke.sweep.runner import run_sweep

    config = replace(
        config, keep_sessions=keep_sessions, retry_errors=retry_errors, progress=progress
    )
    try:
        result = run_sweep(config)
    except BackstrokeError as exc:
        _fail(exc)
        return
    except KeyboardInterrupt:
        typer.echo(
            "backstroke: interrupted; the finished sessions are kept, "
            "run the same command again to resume",
            err=True,
        )
        raise typer.Exit(EXIT_INTERRUPTED) from None
    rate = result.sessions_per_min
    typer.echo(
        f"{result.total} sessions: {result.skipped} already in {config.out}, {result.ran} run "
        f"({result.failed} failed) in {result.wall_s:.1f} s"
        + (
            f", {rate:.1f} sessions/min on {result.workers} "
            + ("worker" if result.workers == 1 else "workers")
            if rate
            else ""
        )
    )
    for err in result.errors[:5]:
        typer.echo(f"  failed: {err}")
    for line in table_lines(routine_table(SweepStore(config.out).rows())):
        typer.echo(line)
    typer.echo(f"wrote {config.out / 'sweep.parquet'} ({result.rows} rows)")
    typer.echo(f"wrote {result.report}")


def _config(
    routine: list[str] | None,
    population: int | None,
    out: Path | None,
    seed: int,
    scheduler: str | None,
    workers: int | None,
    bpm: float | None,
) -> SweepConfig:
    from backstroke.sweep.runner import SweepConfig

    if not routine:
        raise BackstrokeError("--routine: give at least one routine (file or preset)")
    if population is None or population < 1:
        raise BackstrokeError(f"--population {population}: give a number of clients, at least 1")
    if out is None:
        raise BackstrokeError("--out: give the sweep directory")
    if scheduler is not None and workers is not None:
        raise BackstrokeError("--scheduler and --workers: give one (a cluster, or local workers)")
    if workers is not None and workers < 1:
        raise BackstrokeError(f"--workers {workers}: need at least 1")
    if bpm is not None and not 30.0 <= bpm <= 200.0:
        raise BackstrokeError(f"--bpm {bpm:g}: allowed 30 to 200")
    if not 0 <= seed < 2**32:
        raise BackstrokeError(f"--seed {seed} outside 0..4294967295")
    return SweepConfig(
        routines=tuple(routine),
        population=population,
        out=out,
        seed=seed,
        workers=workers if workers is not None else max(1, os.cpu_count() or 1),
        scheduler=scheduler,
        bpm=bpm,
    )
