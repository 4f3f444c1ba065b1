"""The whole sweep on dask: 2 routines × 12 clients on 2 local workers, killed and resumed.

Done when (issue 18): the sweep writes 24 rows and the report; killing it halfway
(SIGKILL to its process group) and re-running ends with 24 unique rows and nothing lost;
re-running once more runs 0 sessions; one row matches a single ``backstroke run``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from backstroke.check import check_file
from backstroke.cli import app
from backstroke.sweep.report import routine_table, table_lines
from backstroke.sweep.runner import SweepConfig, execute
from backstroke.sweep.tasks import make_tasks
from tests.sweep.test_determinism import SHORT, TINY, assert_row_matches_run

HERE = Path(__file__).parent
THUMBS = str(HERE / "short_thumbs.toml")
KILL_AFTER_ROWS = 8


def _command(out: Path) -> list[str]:
    script = Path(sys.executable).with_name("backstroke")
    head = [str(script)] if script.exists() else [sys.executable, "-m", "backstroke.cli"]
    return [
        *head, "sweep", "--routine", SHORT, "--routine", THUMBS, "--population", "12",
        "--seed", "7", "--workers", "2", "--out", str(out), "--no-progress",
    ]  # fmt: skip


def _parts(out: Path) -> list[Path]:
    return sorted((out / "rows").glob("part-*.parquet")) if (out / "rows").is_dir() else []


def _rows(out: Path) -> dict[str, dict[str, Any]]:
    rows = pq.read_table(out / "sweep.parquet").to_pylist()
    by_id = {r["task_id"]: r for r in rows}
    assert len(by_id) == len(rows), "duplicate rows"
    return by_id


@pytest.mark.slow
def test_sweep_killed_halfway_resumes_to_24_unique_rows(tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    cmd = _command(out)
    # 1. Start the sweep and SIGKILL its whole process group once some rows are in.
    proc = subprocess.Popen(
        cmd, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    # A guard against a hung sweep, not a speed test: generous for a loaded machine.
    deadline = time.monotonic() + 1200
    while len(_parts(out)) < KILL_AFTER_ROWS and proc.poll() is None:
        assert time.monotonic() < deadline, "sweep made no progress"
        time.sleep(0.2)
    assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    before = {p.stem[5:]: pq.read_table(p).to_pylist()[0] for p in _parts(out)}
    assert KILL_AFTER_ROWS <= len(before) < 24
    assert not (out / "sweep.parquet").exists()

    # 2. The same command resumes: only the missing sessions run.
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    first_line = done.stdout.splitlines()[0]
    assert first_line.startswith(f"24 sessions: {len(before)} already in")
    assert f"{24 - len(before)} run (0 failed)" in first_line
    rows = _rows(out)
    assert len(rows) == 24
    assert len({(r["routine"], r["client_file"]) for r in rows.values()}) == 24
    for tid, row in before.items():  # nothing written before the kill was lost or redone
        assert rows[tid]["finished_at"] == row["finished_at"]
        assert rows[tid]["wall_s"] == row["wall_s"]
    assert all(r["error"] is None for r in rows.values())
    assert (out / "report.html").stat().st_size > 100_000
    clients = sorted((out / "clients").glob("*.toml"))
    assert len(clients) == 12
    for c in clients:
        check_file(c)
    assert {r["client_file"] for r in rows.values()} == {f"clients/{c.name}" for c in clients}

    # 3. Once more: nothing to run, the same rows.
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines()[0].startswith("24 sessions: 24 already in")
    assert " 0 run " in again.stdout.splitlines()[0]
    assert {t: r["finished_at"] for t, r in _rows(out).items()} == {
        t: r["finished_at"] for t, r in rows.items()
    }

    # 4. A row (one that found knots, if any did) equals a single `backstroke run`.
    thumbs = sorted(
        (r for r in rows.values() if r["routine"] == THUMBS),
        key=lambda r: -(r["sweep.knots_found"] or 0),
    )
    row = thumbs[0]
    result = CliRunner().invoke(
        app,
        ["run", "--client", str(out / row["client_file"]), "--routine", THUMBS,
         "--seed", str(row["seed"]), "--out", str(tmp_path / "single")],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    import json

    summary = json.loads((tmp_path / "single" / "summary.json").read_text())
    assert_row_matches_run(row, summary)
    print("\n".join(table_lines(routine_table(list(rows.values())))))


@pytest.mark.slow
def test_a_failing_session_is_a_row_not_a_crashed_sweep(tmp_path: Path) -> None:
    tasks = make_tasks(
        [TINY],
        [
            ("clients/good.toml", "seed = 3\n", 3),
            ("clients/bad.toml", 'name = "bad"\nshoulder_width_m = 0.9\n', 4),
        ],
    )
    config = SweepConfig(routines=(TINY,), population=2, out=tmp_path, workers=1, progress=False)
    outcome = execute(config, tasks)
    assert (outcome.total, outcome.ran, outcome.failed, outcome.rows) == (2, 2, 1, 2)
    rows = {r["client_file"]: r for r in pq.read_table(tmp_path / "sweep.parquet").to_pylist()}
    assert rows["clients/good.toml"]["error"] is None
    assert "shoulder_width_m" in rows["clients/bad.toml"]["error"]
    # A failed row counts as done; --retry-errors runs it again (and it fails again).
    assert execute(config, tasks).ran == 0
    retry = execute(replace(config, retry_errors=True), tasks)
    assert (retry.ran, retry.failed) == (1, 1)
