"""Outputs that cannot be written are bad input, checked before the robot starts
(issue 11, item 7): exit 2 and one line; an earlier session or a second run in the
same folder refuses; never a report that merges two sessions."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from backstroke.cli import main
from backstroke.errors import BackstrokeError
from backstroke.session.outputs import LOCK_NAME, OutputDir

BIN = Path(sys.executable).with_name("backstroke")


def _main(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(argv)
    out, err = capsys.readouterr()
    code = info.value.code
    return (code if isinstance(code, int) else 0), out, err


def _one_line(err: str) -> str:
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("backstroke: error: "), err
    return lines[0]


@pytest.fixture
def no_robot(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records any robot start: these checks must come before it."""
    import backstroke.app.session as session

    started: list[str] = []

    def refuse(*args: object, **kw: object) -> None:
        started.append("robot")
        raise AssertionError("the robot was started before the output check")

    monkeypatch.setattr(session, "make_robot", refuse)
    return started


def test_out_is_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str], no_robot: list) -> None:
    f = tmp_path / "taken"
    f.write_text("mine")
    code, _, err = _main(["run", "--routine", "spa", "--out", str(f)], capsys)
    assert code == 2 and "is a file" in _one_line(err)
    assert f.read_text() == "mine" and not no_robot


def test_parent_is_a_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], no_robot: list
) -> None:
    f = tmp_path / "taken"
    f.write_text("mine")
    code, _, err = _main(["run", "--routine", "spa", "--out", str(f / "a" / "b")], capsys)
    assert code == 2 and "is a file, not a folder" in _one_line(err)
    assert not no_robot


def test_unwritable_place(capsys: pytest.CaptureFixture[str], no_robot: list) -> None:
    # /proc refuses new folders even to root (CI runs as root).
    code, _, err = _main(["run", "--routine", "spa", "--out", "/proc/backstroke-out"], capsys)
    assert code == 2 and "cannot create the folder" in _one_line(err)
    assert not no_robot


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], no_robot: list
) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        code, _, err = _main(["run", "--routine", "spa", "--out", str(ro)], capsys)
    finally:
        ro.chmod(0o755)
    assert code == 2 and "not writable" in _one_line(err)


def test_earlier_session_refuses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], no_robot: list
) -> None:
    out = tmp_path / "old"
    out.mkdir()
    (out / "summary.json").write_text('{"duration_s": 1.0}')
    code, _, err = _main(["run", "--routine", "spa", "--out", str(out)], capsys)
    line = _one_line(err)
    assert code == 2 and "earlier session" in line and "new folder" in line
    assert sorted(p.name for p in out.iterdir()) == ["summary.json"]  # untouched, no lock
    assert not no_robot


def test_second_run_into_a_locked_folder_refuses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], no_robot: list
) -> None:
    out = tmp_path / "busy"
    with OutputDir(out):  # a live run (this process) holds the folder
        assert (out / LOCK_NAME).read_text().strip() == str(os.getpid())
        code, _, err = _main(["run", "--routine", "spa", "--out", str(out)], capsys)
        assert code == 2 and "another backstroke run" in _one_line(err)
        assert (out / LOCK_NAME).exists()  # the refused run leaves the holder's lock
    assert not (out / LOCK_NAME).exists()


def test_stale_lock_is_taken_over(tmp_path: Path) -> None:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    out = tmp_path / "stale"
    out.mkdir()
    (out / LOCK_NAME).write_text(f"{gone.pid}\n")
    with OutputDir(out):
        assert (out / LOCK_NAME).read_text().strip() == str(os.getpid())
    assert not (out / LOCK_NAME).exists()


def test_missing_parents_are_created_and_removed_on_refusal(tmp_path: Path) -> None:
    deep = tmp_path / "a" / "b" / "c"
    with OutputDir(deep) as od:
        assert deep.is_dir()
        od.keep()
    assert deep.is_dir()
    # A refusal after creating the folder leaves nothing behind.
    nested = tmp_path / "x" / "y"
    nested.mkdir(parents=True)
    (nested / "session.mcap").write_bytes(b"old")
    with pytest.raises(BackstrokeError, match="earlier session"), OutputDir(nested):
        pass
    assert sorted(p.name for p in nested.iterdir()) == ["session.mcap"]


def test_plan_out_checks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _main(["plan", "--routine", "spa", "--out", str(tmp_path)], capsys)
    assert code == 2 and "is a folder" in _one_line(err)
    f = tmp_path / "file"
    f.write_text("x")
    code, _, err = _main(["plan", "--routine", "spa", "--out", str(f / "plan.json")], capsys)
    assert code == 2 and "is a file, not a folder" in _one_line(err)


def test_report_refuses_a_summary_from_another_session(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from backstroke.session.log import SessionLogWriter

    d = tmp_path / "mixed"
    d.mkdir()
    with SessionLogWriter(d / "session.mcap") as log:
        log.write_json("/summary", {"seed": 1, "duration_s": 12.0})
    other = {"seed": 2, "duration_s": 300.0, "contact_breaks": 0}
    other |= {"max_normal_force_n": 12.0, "max_pressure_n_cm2": 3.0}  # a whole summary
    (d / "summary.json").write_text(json.dumps(other))
    code, _, err = _main(["report", str(d)], capsys)
    assert code == 2 and "different sessions" in _one_line(err)
    assert not (d / "report.html").exists()


@pytest.mark.slow
def test_two_concurrent_runs_the_second_refuses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "shared"
    first = subprocess.Popen(
        [str(BIN), "run", "--routine", "spa", "--out", str(out)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while not (out / LOCK_NAME).exists():
        assert first.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    code, _, err = _main(["run", "--routine", "spa", "--out", str(out)], capsys)
    assert code == 2 and "another backstroke run" in _one_line(err)
    log = out / "session.mcap"
    while not (log.exists() and log.stat().st_size > 1_500_000):  # the robot is on the client
        assert first.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    first.send_signal(signal.SIGTERM)
    _, first_err = first.communicate(timeout=120)
    assert first.returncode == 4, first_err
    summary = json.loads((out / "summary.json").read_text())
    assert summary["ended_because"] == "interrupted: SIGTERM"
    assert not (out / LOCK_NAME).exists()


def test_replace_clears_only_the_earlier_session(tmp_path: Path) -> None:
    out = tmp_path / "again"
    out.mkdir()
    for name in ("summary.json", "session.mcap", "report.html", "client.toml"):
        (out / name).write_text("old")
    (out / "figures").mkdir()
    (out / "figures" / "force.png").write_bytes(b"png")
    (out / "my-notes.txt").write_text("keep me")
    with OutputDir(out, replace=True) as od:
        assert sorted(od.replaced) == ["client.toml", "report.html", "session.mcap", "summary.json"]
    assert sorted(p.name for p in out.iterdir()) == ["my-notes.txt"]
