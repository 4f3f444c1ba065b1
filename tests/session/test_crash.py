"""A session killed mid-way (SIGKILL) leaves a readable log and no half summary."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from backstroke.session.log import read_session_log


@pytest.mark.slow
def test_killed_run_leaves_a_readable_log_and_no_summary(tmp_path: Path) -> None:
    out = tmp_path / "killed"
    cmd = [sys.executable, "-c", "from backstroke.cli import main; main()"]
    r = subprocess.run(
        [*cmd, "run", "--routine", "spa", "--bpm", "60", "--out", str(out), "--inject", "kill@25"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert r.returncode == -9, r.stderr
    assert not (out / "summary.json").exists()
    assert not list(out.glob(".summary.json*"))
    log = read_session_log(out / "session.mcap")
    assert not log["complete"]
    t = log["state"]["t_s"]
    # Chunks are flushed at least every second of session time.
    assert t.size > 0 and t[-1] >= 20.0
