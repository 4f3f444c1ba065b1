"""``backstroke analyze`` of a session log cut short or damaged says so: a flag in its
JSON and one warning line on stderr, and it analyses what could be read."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
from mcap.reader import make_reader

from backstroke.analyze import analyze
from backstroke.session.log import SessionLogWriter
from tests.session.test_log import _chunk


def _log(path: Path, seconds: int = 8) -> Path:
    with SessionLogWriter(path) as log:
        for i in range(seconds):
            log.on_chunk(*_chunk(float(i), 1.0, seed=i), [])
    return path


def _cli(path: Path) -> subprocess.CompletedProcess[str]:
    code = "from backstroke.cli import main; main()"
    return subprocess.run(
        [sys.executable, "-c", code, "analyze", str(path), "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_whole_log_is_not_flagged(tmp_path: Path) -> None:
    r = _cli(_log(tmp_path / "whole.mcap"))
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["log_truncated"] is False
    assert "warning" not in r.stderr


def test_truncated_log_is_flagged_with_one_warning_line(tmp_path: Path) -> None:
    path = _log(tmp_path / "whole.mcap")
    data = path.read_bytes()
    cut = tmp_path / "cut.mcap"
    cut.write_bytes(data[: len(data) // 2])
    r = _cli(cut)
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["log_truncated"] is True
    assert 0 < doc["samples"] < 8000 and doc["duration_s"] < 7.0
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("backstroke: warning: ")
    assert "truncated" in lines[0] and str(cut) in lines[0]


def test_damaged_log_is_flagged(tmp_path: Path) -> None:
    path = _log(tmp_path / "whole.mcap")
    with open(path, "rb") as f:
        chunk = make_reader(f).get_summary().chunk_indexes[3]
    data = bytearray(path.read_bytes())
    hit = chunk.chunk_start_offset + chunk.chunk_length // 2
    data[hit : hit + 8] = b"\xff" * 8
    bad = tmp_path / "bad.mcap"
    bad.write_bytes(bytes(data))
    whole = analyze(path)
    got = analyze(bad)
    assert got["log_truncated"] is True and whole["log_truncated"] is False
    assert got["samples"] == whole["samples"] - 1000
    assert np.isclose(got["duration_s"], whole["duration_s"])
