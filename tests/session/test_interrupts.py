"""Interruptions retreat: SIGINT, SIGTERM, SIGHUP and a full disk (issue 11, item 5).

Each subprocess test starts a real ``backstroke run`` on the simulated client, waits
until the session log has data (the robot is on the client), sends the signal by the
child's pid, and checks: exit 4, ``summary.json`` with ``ended_because``, a retreat
event ``interrupted``, the last logged force near 0 (the tool is off the client), the
log readable by the stock ``mcap`` reader, ``report.html`` written, the lock removed.
"""

from __future__ import annotations

import errno
import json
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from backstroke.errors import SessionInterrupted
from backstroke.session.interrupts import DISK_FULL, GuardedLog, Interrupts
from backstroke.session.outputs import LOCK_NAME

BIN = Path(sys.executable).with_name("backstroke")


def _start(out: Path, *extra: str, **kw: Any) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    return subprocess.Popen(
        [str(BIN), "run", "--routine", "spa", "--out", str(out), *extra],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        **kw,
    )


def _wait_for_log(proc: subprocess.Popen[str], log: Path, min_bytes: int = 1_500_000) -> None:
    """Until the session log holds data: the robot is pressing on the client."""
    deadline = time.monotonic() + 120.0
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            _, err = proc.communicate()
            pytest.fail(f"the run ended before the signal: {proc.returncode}\n{err}")
        if log.exists() and log.stat().st_size >= min_bytes:
            return
        time.sleep(0.05)
    proc.kill()
    pytest.fail("no session log after 120 s")


def _stock_read(path: Path) -> int:
    """Messages the stock ``mcap`` reader finds (it raises on a damaged file)."""
    from mcap.reader import make_reader

    with open(path, "rb") as f:
        reader = make_reader(f)
        return sum(1 for _ in reader.iter_messages())


def _last_forces(path: Path) -> list[float]:
    from backstroke.session.log import read_session_log

    cols = read_session_log(path).contact_columns()
    return [float(x) for x in cols["normal_force_n"][-20:]]


def _check_retreated(out: Path, reason: str) -> dict[str, Any]:
    summary = json.loads((out / "summary.json").read_text())
    assert summary["ended_because"] == reason
    kinds = [(e["kind"], e["action"]) for e in summary["safety_events"]]
    assert ("interrupted", "retreat") in kinds
    assert (out / "report.html").stat().st_size > 1000
    assert not (out / LOCK_NAME).exists()
    assert _stock_read(out / "session.mcap") > 10
    last = _last_forces(out / "session.mcap")
    assert max(abs(f) for f in last) < 1.0, last  # the tool is off the client
    return summary


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_signal_retreats_and_writes_everything(tmp_path: Path, sig: signal.Signals) -> None:
    out = tmp_path / "out"
    proc = _start(out)
    _wait_for_log(proc, out / "session.mcap")
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 4, err
    summary = _check_retreated(out, f"interrupted: {sig.name}")
    # Pressing before the signal: the session was really under way.
    assert summary["max_normal_force_n"] > 2.0
    assert "Traceback" not in err


@pytest.mark.slow
def test_second_signal_stops_at_once(tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = _start(out)
    _wait_for_log(proc, out / "session.mcap")
    # Two different signals never merge into one: the second arrives while the first
    # is being handled (the retreat has just been asked for).
    os.kill(proc.pid, signal.SIGINT)
    os.kill(proc.pid, signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 4, err
    summary = json.loads((out / "summary.json").read_text())
    assert summary["ended_because"] == "interrupted: SIGINT"
    assert any(
        e["kind"] == "interrupted" and e["action"] == "stop" for e in summary["safety_events"]
    )
    assert "stopped at once" in err
    assert not (out / LOCK_NAME).exists()
    assert "Traceback" not in err


def _limit_file_size() -> None:  # runs in the child before exec
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes then fail with EFBIG
    resource.setrlimit(resource.RLIMIT_FSIZE, (400_000, 400_000))


@pytest.mark.slow
def test_full_disk_retreats_and_exits_4(tmp_path: Path) -> None:
    """RLIMIT_FSIZE makes the kernel refuse writes past 400 kB: the log fills up."""
    out = tmp_path / "out"
    proc = _start(out, preexec_fn=_limit_file_size)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 4, err
    summary = json.loads((out / "summary.json").read_text())
    assert summary["ended_because"] == DISK_FULL
    assert summary["log_error"]
    assert any(
        e["kind"] == "interrupted" and e["action"] == "retreat" for e in summary["safety_events"]
    )
    # The session stopped early instead of writing on into a full disk.
    assert summary["duration_s"] < 300
    # report.html (MBs) cannot be written either: one line, no traceback.
    assert "Traceback" not in err
    assert not (out / LOCK_NAME).exists()


# ------------------------------------------------------------------ in process


class _Budget:
    """A writer whose storage holds ``budget`` bytes: then ENOSPC, like a full disk."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.written = 0
        self.chunks = 0
        self.closed = False

    def _use(self, n: int) -> None:
        if self.written + n > self.budget:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self.written += n

    def on_chunk(self, cols: Any, plan_cols: Any, events: Any = ()) -> None:
        self.chunks += 1
        self._use(1000)

    def write_json(self, topic: str, obj: Any, t_s: float | None = None) -> None:
        self._use(len(json.dumps(obj, default=str)))

    def close(self) -> None:
        self.closed = True
        self._use(100)


def test_guarded_log_retreats_once_and_drops_later_writes() -> None:
    asked: list[str] = []
    with Interrupts() as intr:
        intr.attach(asked.append, lambda: None)
        budget = _Budget(2500)
        log = GuardedLog(budget, intr)
        for _ in range(5):
            log.on_chunk({}, {}, ())
        log.write_json("/summary", {"a": 1})
        log.close()
    assert budget.chunks == 3  # the third hit the limit; the rest were dropped
    assert asked == ["interrupted"]
    assert intr.reason == DISK_FULL
    assert log.failed and log.error is not None and log.error.errno == errno.ENOSPC
    assert budget.closed


def test_signal_before_the_robot_starts_ends_at_once() -> None:
    with pytest.raises(SessionInterrupted, match="SIGTERM"), Interrupts():
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(1.0)  # the handler runs here


def test_first_signal_asks_for_retreat_second_stops() -> None:
    asked: list[str] = []
    stops: list[int] = []
    # (the handler this process started with: a job started in the background by a
    # shell without job control inherits SIGINT ignored)
    before = signal.getsignal(signal.SIGINT)
    with Interrupts() as intr:
        intr.attach(asked.append, lambda: stops.append(1))
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.05)
        assert asked == ["interrupted"] and not stops
        with pytest.raises(SessionInterrupted) as info:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(1.0)
    assert stops == [1]
    assert info.value.immediate and info.value.exit_code == 4
    assert intr.reason == "interrupted: SIGINT"
    # The old handlers are back.
    assert signal.getsignal(signal.SIGINT) is before


def test_signal_after_the_robot_is_done_is_only_noted() -> None:
    with Interrupts() as intr:
        intr.attach(lambda k: None, lambda: None)
        intr.detach()
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(0.05)
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(0.05)
    assert intr.reason == "interrupted: SIGTERM" and not intr.immediate


def test_request_stop_retreats_at_the_next_tick() -> None:
    from backstroke.body.back_model import BackModel
    from backstroke.body.client_file import load_client
    from backstroke.robot.factory import make_robot
    from backstroke.robot.protocol import RobotCommand
    from backstroke.safety.limits import SafetyLimits
    from backstroke.safety.supervisor import Supervisor
    from backstroke.tools import Tool

    client = load_client(None)
    back = BackModel(client)
    robot = make_robot("sim", client, back, seed=1)
    sup = Supervisor(robot, SafetyLimits(), 0.001)
    p = back.point(0.7, 0.0)
    pos = tuple(float(x) for x in p)
    sup.start(Tool.PALMS, pos, (0.0, 0.0, -1.0))
    sup.request_stop("interrupted")
    assert sup.mode == "running"  # queued, not acted on inside the caller
    sup.step(RobotCommand(Tool.PALMS, pos, (0.0, 0.0, -1.0), 0.001), (0.0, 0.0, 1.0), 0.0, False)
    assert sup.mode in ("retreating", "stopped")
    assert sup.fault is not None and sup.fault.kind == "interrupted"
    assert (sup.fault.value, sup.fault.limit, sup.fault.action) == (1.0, 0.0, "retreat")
    robot.close()


@pytest.mark.slow
def test_closed_terminal_retreats(tmp_path: Path) -> None:
    """A real terminal (a pty) that goes away: the kernel's SIGHUP, then EIO on output."""
    import fcntl
    import pty
    import termios

    out = tmp_path / "out"
    master, slave = pty.openpty()

    def take_terminal() -> None:  # in the child: the pty becomes its controlling terminal
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    proc = subprocess.Popen(
        [str(BIN), "run", "--routine", "spa", "--out", str(out)],
        stdin=slave,
        stdout=slave,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=take_terminal,
    )
    os.close(slave)
    try:
        _wait_for_log(proc, out / "session.mcap")  # the key reader is live on the pty
    finally:
        os.close(master)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 4, err
    _check_retreated(out, "interrupted: SIGHUP")
    assert "Traceback" not in err
