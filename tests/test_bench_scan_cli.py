"""bench.scan's command line: bad counts give one usage line and exit 2, not a traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest
from bench.scan import parse_counts


def test_counts_parse() -> None:
    assert parse_counts(["1", "0", "2"]) == [1, 0, 2]


@pytest.mark.parametrize("argv", [["--help"], ["-1"], ["x"], ["1"] * 7])
def test_bad_counts_raise(argv: list[str]) -> None:
    with pytest.raises(ValueError):
        parse_counts(argv)


def test_bad_input_exits_2_with_one_line() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "bench.scan", "--help"], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 2
    assert len(run.stderr.strip().splitlines()) == 1
