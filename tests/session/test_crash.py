"""A session killed mid-way (SIGKILL) leaves a log that holds all but the last second of
what it had simulated, and no half summary.

How far a killed session had got: the child process records the time of every command
the Supervisor has carried out in a memory-mapped file (the page cache outlives SIGKILL);
the log must reach within one second of session time of the last tick done.
"""

from __future__ import annotations

import mmap
import os
import signal
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest

from backstroke.errors import LogError
from backstroke.session.log import read_session_log

_CHILD = """
import mmap, struct, sys
from backstroke.safety.supervisor import Supervisor
f = open({progress!r}, "r+b")
mm = mmap.mmap(f.fileno(), 8)
step = Supervisor.step
def tracked(self, cmd, *args, **kwargs):
    state = step(self, cmd, *args, **kwargs)
    mm[:8] = struct.pack("<d", cmd.t_s)  # this tick is done
    return state
Supervisor.step = tracked
from backstroke.cli import main
sys.argv = ["backstroke", *{args!r}]
main()
"""
_ARGS = ["run", "--routine", "spa", "--bpm", "60", "--seed", "3"]


def _start(tmp_path: Path, *extra: str) -> tuple[subprocess.Popen[bytes], Path, Path]:
    out = tmp_path / "killed"
    progress = tmp_path / "progress"
    progress.write_bytes(bytes(8))
    code = _CHILD.format(progress=str(progress), args=[*_ARGS, "--out", str(out), *extra])
    proc = subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE)
    return proc, out, progress


def _simulated_s(progress: Path) -> float:
    with open(progress, "rb") as f, mmap.mmap(f.fileno(), 8, access=mmap.ACCESS_READ) as mm:
        return float(struct.unpack("<d", mm[:8])[0])


def _check_log(out: Path, simulated_s: float) -> float:
    """The log's last /state time; asserts it is within 1 s of ``simulated_s``."""
    assert not (out / "summary.json").exists()
    assert not list(out.glob(".summary.json*"))
    try:
        log = read_session_log(out / "session.mcap")
    except LogError:
        assert simulated_s <= 1.0, "no readable message though the session had run"
        return 0.0
    assert log.truncated and log.summary is None
    t = log.state.get("t_s")
    last = float(t[-1]) if t is not None and t.size else 0.0
    assert simulated_s - last <= 1.0 + 1e-9, (simulated_s, last)  # 1000 ticks at most
    return last


@pytest.mark.slow
def test_inject_kill_keeps_all_but_the_last_second(tmp_path: Path) -> None:
    proc, out, progress = _start(tmp_path, "--inject", "kill@15")
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == -signal.SIGKILL, err.decode()
    simulated = _simulated_s(progress)
    assert simulated == pytest.approx(15.0, abs=0.01)
    assert _check_log(out, simulated) >= 14.0


@pytest.mark.slow
@pytest.mark.parametrize(
    ("clock", "at"), [("wall", 0.5), ("wall", 2.0), ("wall", 4.0), ("session", 33.3)]
)
def test_sigkill_at_any_moment_loses_at_most_a_second(
    tmp_path: Path, clock: str, at: float
) -> None:
    """SIGKILL from outside ``at`` seconds of wall time after the session's first tick
    (whatever the machine's load), or once it has simulated ``at`` seconds (inside a
    pass, between two hand-overs to the log)."""
    proc, out, progress = _start(tmp_path)
    started: float | None = None
    while proc.poll() is None:
        simulated = _simulated_s(progress)
        if started is None and simulated > 0:
            started = time.monotonic()
        if clock == "wall":
            due = started is not None and time.monotonic() - started >= at
        else:
            due = simulated >= at
        if due:
            os.kill(proc.pid, signal.SIGKILL)
            break
        time.sleep(0.002)
    proc.communicate(timeout=600)
    assert proc.returncode == -signal.SIGKILL
    simulated = _simulated_s(progress)
    assert simulated > 0
    last = _check_log(out, simulated)
    print(f"killed at {clock} {at}: simulated {simulated:.3f} s, log to {last:.3f} s")
