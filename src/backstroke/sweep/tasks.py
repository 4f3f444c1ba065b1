"""Sweep tasks: one (routine, client, seed) session, run on a dask worker into one row.

A task carries the text of its client file (and of its routine, when that is a file),
so a worker needs no shared file system: it writes them into a temporary session
directory, runs the session through ``backstroke.app.session.run_session`` exactly
as ``backstroke run --client FILE --routine R --seed S`` does, reads what it needs back,
and returns the row. The session's files (``session.mcap``, ``report.html``: several MB
each) are deleted unless the sweep keeps them (``--keep-sessions``).

:func:`run_task` never raises for a failing session: the row then carries ``error``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import tempfile
import time
import traceback
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from backstroke.routine.io import PRESETS

if TYPE_CHECKING:
    from backstroke.app.session import SessionOutcome
    from backstroke.session.summary import Summary

CLIENTS_DIR = "clients"
SESSIONS_DIR = "sessions"


@dataclass(frozen=True)
class SweepTask:
    """One session of a sweep.

    Attributes:
        task_id: 16 hex digits from (routine, client_file, seed): the row's identity.
        routine: the routine as the user gave it (preset name or file path).
        routine_text: the routine file's text (``None`` for a preset).
        client_file: the client file relative to the sweep directory (``clients/x.toml``).
        client_text: the client file's text.
        seed: the session seed (``backstroke run --seed``).
        keep_dir: where to keep the session's files, or ``None`` to delete them.
        bpm: a tempo override (``None``: the routine's own).
    """

    task_id: str
    routine: str
    routine_text: str | None
    client_file: str
    client_text: str
    seed: int
    keep_dir: str | None = None
    bpm: float | None = None


def task_id(routine: str, client_file: str, seed: int) -> str:
    """The identity of a session in a sweep (what resuming compares)."""
    key = json.dumps([routine, client_file, int(seed)])
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def routine_text(routine: str) -> str | None:
    """The routine file's text, or ``None`` for a preset name."""
    return None if routine in PRESETS else Path(routine).read_text(encoding="utf-8")


def make_tasks(
    routines: list[str],
    clients: list[tuple[str, str, int]],
    *,
    keep_root: Path | None = None,
    bpm: float | None = None,
) -> list[SweepTask]:
    """Every (routine, client) pair, client by client (a partial sweep covers each routine).

    Args:
        routines: routines as given (preset names or paths).
        clients: ``(client_file relative to DIR, file text, session seed)`` per client.
        keep_root: ``DIR/sessions`` to keep each session's files there, else ``None``.
        bpm: tempo override for every session.
    """
    texts = {r: routine_text(r) for r in routines}
    tasks = []
    for client_file, text, seed in clients:
        for r in routines:
            tid = task_id(r, client_file, seed)
            keep = None if keep_root is None else str(keep_root / tid)
            tasks.append(SweepTask(tid, r, texts[r], client_file, text, seed, keep, bpm))
    return tasks


def _worker_name() -> str:
    try:
        from distributed import get_worker

        w = get_worker()
        return str(w.name if w.name is not None else w.address)
    except (ImportError, ValueError):
        return f"{socket.gethostname()}:{os.getpid()}"


def _max_rss_mb() -> float | None:
    try:
        import resource
    except ImportError:  # pragma: no cover - not on Windows
        return None
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1)


def base_row(task: SweepTask) -> dict[str, Any]:
    """The columns every row has, whether the session ran or not."""
    return {
        "task_id": task.task_id,
        "routine": task.routine,
        "client_file": task.client_file,
        "seed": task.seed,
    }


def run_task(task: SweepTask) -> dict[str, Any]:
    """Run one session and return its row (``error`` set, never raised, when it failed)."""
    start = time.perf_counter()
    cpu_start = time.process_time()
    row = base_row(task)
    tmp = Path(tempfile.mkdtemp(prefix=f"backstroke-sweep-{task.task_id}-"))
    figures: dict[str, Any] = {}  # what _run found before it failed, if it failed
    error: str | None = None
    trace: str | None = None
    try:
        _run(task, tmp, figures)
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}".replace("\n", " ")
        trace = traceback.format_exc(limit=8)
    finally:
        if task.keep_dir is not None and (tmp / "out").exists():
            keep = Path(task.keep_dir)
            shutil.rmtree(keep, ignore_errors=True)
            keep.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(tmp / "out"), keep)
        shutil.rmtree(tmp, ignore_errors=True)
    row.update({k: v for k, v in figures.items() if k not in row})
    row["error"] = error
    if trace is not None:
        row["error_traceback"] = trace
    row["wall_s"] = round(time.perf_counter() - start, 3)
    row["cpu_s"] = round(time.process_time() - cpu_start, 3)
    row["worker"] = _worker_name()
    row["worker_pid"] = os.getpid()
    row["worker_max_rss_mb"] = _max_rss_mb()
    row["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    return row


def _run(task: SweepTask, tmp: Path, out: dict[str, Any]) -> None:
    """Run the session in ``tmp``; fill ``out`` with the row's columns as they are known."""
    from backstroke.app.session import SessionRequest, run_session
    from backstroke.body.client_file import load_client
    from backstroke.sweep.population import client_parameters
    from backstroke.sweep.row import derived_figures, flatten

    client_path = tmp / Path(task.client_file).name
    client_path.write_text(task.client_text, encoding="utf-8")
    routine = task.routine
    if task.routine_text is not None:
        routine_path = tmp / "routine.toml"
        routine_path.write_text(task.routine_text, encoding="utf-8")
        routine = str(routine_path)
    spec = load_client(client_path)
    out.update(client_parameters(spec))
    req = SessionRequest(
        routine=routine, client=client_path, bpm=task.bpm, seed=task.seed, out=tmp / "out"
    )
    outcome = run_session(req)
    summary = _summary_of(outcome, tmp / "out")
    fault = getattr(outcome, "fault", None)
    out["safety_fault"] = None if fault is None else str(fault)
    contact = _contact_columns(tmp / "out" / "session.mcap")
    flat = flatten(summary.to_json_dict())
    # ``routine`` stays the routine as given (what ``run --routine`` takes); the summary's
    # routine (the file's ``name``) becomes ``routine_name``.
    flat["routine_name"] = flat.pop("routine", None)
    out.update(flat)
    out.update(derived_figures(summary, spec, contact))


def _summary_of(outcome: SessionOutcome, out_dir: Path) -> Summary:
    """The typed summary of the session (what summary.json holds).

    Raises:
        BackstrokeError: the session's summary failed the model (a figure gone bad):
            the row's ``error`` names the key.
    """
    from backstroke.session.summary import load_summary

    if outcome.typed_summary is not None:
        return outcome.typed_summary
    return load_summary(out_dir / "summary.json")


def _contact_columns(path: Path) -> dict[str, Any] | None:
    """The contact log's ``t_s``, ``block``, ``pass_index`` (for the time to softening)."""
    if not path.exists():
        return None
    from backstroke.session.log import read_session_log

    cols = read_session_log(path).contact_columns()
    return {k: cols[k] for k in ("t_s", "block", "pass_index") if k in cols}
