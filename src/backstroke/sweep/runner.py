"""Run a sweep on dask.distributed: every (routine, client) session is one task.

Without a scheduler address the sweep starts a ``LocalCluster`` of ``workers`` processes
with one thread each (a session is single-threaded Python; threads would share the
GIL); with one it connects to that scheduler, whose workers must have the same
backstroke installed (``pip install 'backstroke[dist]'``). Workers need no shared
file system: a task carries its client and routine text and returns its row.

The process that runs the sweep is the only writer: it appends each finished row to
the store as it arrives (``store.py``), so a sweep stopped at any moment — Ctrl-C, a
closed terminal, SIGKILL — keeps every row it had received and resumes with the rest.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from backstroke.errors import BackstrokeError, MissingExtraError
from backstroke.sweep.population import population, write_clients
from backstroke.sweep.store import SweepStore
from backstroke.sweep.tasks import CLIENTS_DIR, SESSIONS_DIR, SweepTask, base_row, make_tasks


@dataclass(frozen=True)
class SweepConfig:
    """What ``backstroke sweep`` was asked for."""

    routines: tuple[str, ...]
    population: int
    out: Path
    seed: int = 0
    workers: int = 2
    scheduler: str | None = None
    keep_sessions: bool = False
    retry_errors: bool = False
    bpm: float | None = None
    progress: bool = True


@dataclass
class SweepOutcome:
    """What a sweep run did: sessions in the sweep, skipped (already in DIR), run, failed."""

    total: int
    skipped: int
    ran: int = 0
    failed: int = 0
    wall_s: float = 0.0
    startup_s: float = 0.0
    workers: int = 0
    rows: int = 0
    report: Path | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def sessions_per_min(self) -> float | None:
        """Sessions run per minute of wall time, cluster start-up excluded."""
        busy_s = self.wall_s - self.startup_s
        return None if self.ran == 0 or busy_s <= 0 else 60.0 * self.ran / busy_s


def validate_routines(routines: tuple[str, ...]) -> None:
    """Load every routine once, so bad input fails (exit 2) before anything is written."""
    from backstroke.routine.io import load_routine

    if not routines:
        raise BackstrokeError("--routine: give at least one routine (file or preset)")
    if len(set(routines)) != len(routines):
        raise BackstrokeError("--routine: the same routine is given twice")
    for r in routines:
        load_routine(r)


def prepare(config: SweepConfig) -> list[SweepTask]:
    """Validate the routines, write the clients to ``DIR/clients/`` and list every task."""
    validate_routines(config.routines)
    clients = population(config.population, config.seed)
    paths = write_clients(clients, config.out / CLIENTS_DIR)
    entries = [
        (f"{CLIENTS_DIR}/{p.name}", p.read_text(encoding="utf-8"), c.session_seed)
        for c, p in zip(clients, paths, strict=True)
    ]
    keep = config.out / SESSIONS_DIR if config.keep_sessions else None
    return make_tasks(list(config.routines), entries, keep_root=keep, bpm=config.bpm)


def run_sweep(
    config: SweepConfig, *, on_row: Callable[[dict[str, Any]], None] | None = None
) -> SweepOutcome:
    """Run the sessions not yet in ``config.out``; write rows, ``sweep.parquet`` and the report.

    Raises:
        BackstrokeError: bad input (exit 2) before anything is written.
        MissingExtraError: dask.distributed or pyarrow is not installed.
    """
    if config.scheduler is None and config.workers < 1:
        raise BackstrokeError(f"--workers {config.workers}: need at least 1")
    _need_dask()
    return execute(config, prepare(config), on_row=on_row)


def execute(
    config: SweepConfig,
    tasks: list[SweepTask],
    *,
    on_row: Callable[[dict[str, Any]], None] | None = None,
) -> SweepOutcome:
    """Run the ``tasks`` that have no row in ``config.out`` yet; compact; write the report."""
    _need_dask()
    store = SweepStore(config.out)
    store.clean_temporaries()
    done = store.done(include_errors=not config.retry_errors)
    todo = [t for t in tasks if t.task_id not in done]
    outcome = SweepOutcome(total=len(tasks), skipped=len(tasks) - len(todo))
    start = time.perf_counter()
    if todo:
        _run_tasks(config, store, todo, outcome, on_row)
    outcome.wall_s = round(time.perf_counter() - start, 3)
    table = store.compact()
    outcome.rows = 0 if table is None else table.num_rows
    from backstroke.sweep.report import write_sweep_report

    outcome.report = write_sweep_report(config.out)
    return outcome


def _need_dask() -> None:
    try:
        import distributed  # noqa: F401
    except ImportError as exc:
        raise MissingExtraError("dist", "dask.distributed") from exc


def _client(config: SweepConfig) -> tuple[Any, Any]:
    from distributed import Client, LocalCluster

    if config.scheduler is not None:
        try:
            return Client(config.scheduler, timeout="30s"), None
        except OSError as exc:
            raise BackstrokeError(
                f"--scheduler {config.scheduler}: cannot reach the dask scheduler ({exc})"
            ) from exc
    cluster = LocalCluster(
        n_workers=config.workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=logging.ERROR,
    )
    return Client(cluster), cluster


def _run_tasks(
    config: SweepConfig,
    store: SweepStore,
    todo: list[SweepTask],
    outcome: SweepOutcome,
    on_row: Callable[[dict[str, Any]], None] | None,
) -> None:
    from distributed import as_completed

    from backstroke.sweep.tasks import run_task

    t0 = time.perf_counter()
    client, cluster = _client(config)
    outcome.startup_s = round(time.perf_counter() - t0, 3)
    try:
        outcome.workers = len(client.scheduler_info().get("workers", {}))
        by_key = {f"session-{t.task_id}": t for t in todo}
        pending = as_completed(client.map(run_task, todo, key=list(by_key), pure=False, retries=0))
        with _Progress(config.progress, len(todo), outcome) as advance:
            for future in pending:
                task = by_key[str(future.key)]
                row = _row_of(future, task)
                future.release()  # the row is here now: let the cluster forget it
                if row is None:
                    continue
                store.write_row(row)
                outcome.ran += 1
                if row.get("error") is not None:
                    outcome.failed += 1
                    outcome.errors.append(f"{task.routine} × {task.client_file}: {row['error']}")
                if on_row is not None:
                    on_row(row)
                advance(row)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _row_of(future: Any, task: SweepTask) -> dict[str, Any] | None:
    """The task's row; a task dask could not run (its worker died) becomes an error row."""
    if future.status == "cancelled":
        return None
    if future.status == "error":
        exc = future.exception()
        row = base_row(task)
        row["error"] = f"{type(exc).__name__}: {exc}".replace("\n", " ")
        return row
    result: dict[str, Any] = future.result()
    return result


class _Progress:
    """A rich progress bar over the sessions on stderr (none when ``enabled`` is false)."""

    def __init__(self, enabled: bool, total: int, outcome: SweepOutcome) -> None:
        self.enabled = enabled
        self.total = total
        self.outcome = outcome
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> Callable[[dict[str, Any]], None]:
        if self.enabled:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self._bar = Progress(
                TextColumn("sessions"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[failed]} failed"),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=False,
            )
            self._bar.start()
            self._task = self._bar.add_task("sweep", total=self.total, failed=0)
        return self.advance

    def advance(self, row: dict[str, Any]) -> None:
        if self._bar is not None:
            self._bar.update(self._task, advance=1, failed=self.outcome.failed)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()
