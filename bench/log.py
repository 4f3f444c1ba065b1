"""Session log benchmark: size and CPU of writing and reading the spa demo's session.mcap.

Runs the demo session once, keeping what the runner hands the log (``on_ticks``), then
replays it into ``SessionLogWriter`` (best of 3, CPU time) and reads the file back.
Writes bench/results/log.json.
"""

from __future__ import annotations

import json
import platform
import tempfile
import time
from pathlib import Path
from typing import Any

from backstroke.body.back_model import BackModel
from backstroke.body.client_file import load_client
from backstroke.robot.factory import make_robot
from backstroke.routine.io import load_routine
from backstroke.session.log import SessionLogWriter, read_session_log
from backstroke.session.runner import SessionRunner
from backstroke.tempo_source import beat_grid_for

RESULTS = Path(__file__).parent / "results" / "log.json"


def _session() -> tuple[BackModel, list[tuple[Any, Any, list[Any]]], dict[str, Any]]:
    routine = load_routine("spa")
    client = load_client(None)
    back = BackModel(client)
    grid, _ = beat_grid_for(routine, bpm=None, music=None)
    seed = client.seed or 0
    calls: list[tuple[Any, Any, list[Any]]] = []
    runner = SessionRunner(
        routine,
        back,
        grid,
        make_robot("sim", client, back, seed=seed),
        seed=seed,
        on_ticks=lambda c, p, e: calls.append((c, p, list(e))),
    )
    return back, calls, runner.run().summary


def _write(path: Path, back: BackModel, calls: list[Any], summary: dict[str, Any]) -> float:
    c0 = time.process_time()
    with SessionLogWriter(path, back=back) as log:
        for cols, plan, events in calls:
            log.on_chunk(cols, plan, events)
        log.write_json("/summary", summary)
    return time.process_time() - c0


def main() -> None:
    back, calls, summary = _session()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "session.mcap"
        write_cpu = min(_write(path, back, calls, summary) for _ in range(3))
        c0 = time.process_time()
        log = read_session_log(path)
        read_cpu = time.process_time() - c0
        size = path.stat().st_size
    duration = float(summary["duration_s"])
    result = {
        "machine": {"python": platform.python_version(), "cpu": platform.processor() or "?"},
        "session_s": duration,
        "hand_overs": len(calls),
        "samples": int(log.state["t_s"].size),
        "file_bytes": size,
        "kB_per_session_s": round(size / duration / 1e3, 2),
        "write_cpu_s": round(write_cpu, 3),
        "read_cpu_s": round(read_cpu, 3),
        "complete": log.complete,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
