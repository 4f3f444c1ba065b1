"""One line for every bad input (issue 11, item 9).

Runs every hostile command line in ``tests/corpus/hostile/cases.txt`` through
``backstroke.cli.main`` in this process (fast: no interpreter start per case) and
checks: the documented exit code, exactly one line on stderr starting
``backstroke: error:``, no traceback, no numpy reprs (``np.float64(…)``), nothing on
stdout, and no numpy warning.
"""

from __future__ import annotations

import os
import shlex
import shutil
import warnings
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backstroke.cli import main

CORPUS = Path(__file__).parent / "corpus" / "hostile"


def _cases() -> list[tuple[int, str]]:
    out = []
    for raw in (CORPUS / "cases.txt").read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        code, _, args = line.partition(":")
        out.append((int(code), args.strip()))
    return out


CASES = _cases()


@pytest.fixture(scope="module")
def corpus_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy: databases and folders may be touched by a failing command."""
    dst = tmp_path_factory.mktemp("hostile") / "c"
    shutil.copytree(CORPUS, dst)
    return dst


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a numpy RuntimeWarning is a failure
        with pytest.raises(SystemExit) as info:
            main(argv)
    out, err = capsys.readouterr()
    code = info.value.code
    return (code if isinstance(code, int) else 0), out, err


def _assert_one_line(code: int, want: int, out: str, err: str, label: str) -> None:
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert code == want, f"{label}: exit {code}\n{err}"
    assert len(lines) == 1, f"{label}: {len(lines)} lines\n{err}"
    assert lines[0].startswith("backstroke: error: "), f"{label}: {lines[0]}"
    assert "Traceback" not in err and "np.float64" not in err and "np.int64" not in err
    assert out == "", f"{label}: stdout {out!r}"


def test_corpus_is_big_enough() -> None:
    assert len(CASES) >= 80


@pytest.mark.parametrize(("want", "args"), CASES, ids=[a for _, a in CASES])
def test_hostile_case(
    want: int, args: str, corpus_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [
        w.replace("{c}", str(corpus_copy)).replace("{t}", str(tmp_path)) for w in shlex.split(args)
    ]
    code, out, err = _run(argv, capsys)
    _assert_one_line(code, want, out, err, args)
    # Bad input never leaves a half-written output behind.
    assert not (tmp_path / "r").exists() and not (tmp_path / "plan.json").exists()


@pytest.mark.parametrize("command", ["history", "run"])
def test_client_name_not_utf8(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name = os.fsdecode(b"ab\xff")  # as Python hands over a non-UTF-8 argument
    if command == "history":
        argv = ["history", name, "--db", str(tmp_path / "c.db")]
    else:
        argv = ["run", "--routine", "spa", "--out", str(tmp_path / "r")]
        argv += ["--client-name", name, "--db", str(tmp_path / "c.db")]
    code, out, err = _run(argv, capsys)
    _assert_one_line(code, 2, out, err, command)
    assert "valid UTF-8" in err and not (tmp_path / "r").exists()


def test_usage_errors_read_like_the_issue(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(["run", "--routine", "spa", "--out", "x", "--seed", "abc"], capsys)
    assert code == 2 and err.strip() == "backstroke: error: --seed 'abc': not an integer"
    code, _, err = _run(["analyze", "x.csv", "--softening", "lots"], capsys)
    assert err.strip() == "backstroke: error: --softening 'lots': not a number"


def test_parquet_with_extra_columns_of_any_type(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    import datetime as dt

    import numpy as np

    n = 400
    t = np.arange(n) * 0.01
    u = 0.5 + 0.3 * np.sin(t)
    t0 = dt.datetime(2026, 1, 1)
    table = pa.table(
        {
            "t_s": t,
            "u": u,
            "v": np.zeros(n),
            "normal_force_n": np.full(n, 10.0),
            "indentation_m": np.full(n, 0.005),
            "recorded_at": pa.array([t0 + dt.timedelta(seconds=float(x)) for x in t]),
            "duration": pa.array([dt.timedelta(milliseconds=10)] * n),
            "note": pa.array(["ok"] * n),
            "flags": pa.array([[1, 2]] * n),
            "meta": pa.array([{"a": 1}] * n),
            "date": pa.array([dt.date(2026, 1, 1)] * n),
        }
    )
    pq.write_table(table, tmp_path / "x.parquet")
    code, out, err = _run(["analyze", str(tmp_path / "x.parquet"), "--json"], capsys)
    assert code == 0 and err == "", err
    assert '"samples": 400' in out


def test_fault_after_the_session_ends_is_reported_not_fired(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """One glide pass takes ~37 s (at most ~39.7 s estimated): a stop at 39 s never fires."""
    import json

    routine = tmp_path / "one.toml"
    routine.write_text(
        'name = "one"\n[[blocks]]\ntechnique = "glide"\ntarget_force_n = 10\n'
        "repeat = { passes = 1 }\n"
    )
    out = tmp_path / "s"
    argv = ["run", "--routine", str(routine), "--out", str(out), "--inject", "stop@39"]
    code, _, err = _run(argv, capsys)
    assert code == 0, err
    summary = json.loads((out / "summary.json").read_text())
    assert summary["ended_because"] == "completed" and summary["duration_s"] < 39
    assert summary["injected_faults"] == [
        {"kind": "stop", "param": None, "at_s": 39.0, "fired": False}
    ]
    # And one after the longest estimate is refused before anything starts.
    code, _, err = _run([*argv[:4], str(tmp_path / "t"), "--inject", "stop@45"], capsys)
    _assert_one_line(code, 2, "", err, "stop@45")
    assert "after the end of this session" in err


_CELLS = st.one_of(
    st.sampled_from(["", "nan", "inf", "-inf", "1e400", "-0", "0x10", "palm", "Thumbs", "NaN"]),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.text(max_size=6),
)
_HEADERS = ["t_s", "u", "v", "normal_force_n", "indentation_m", "tool", "block", "pass_index"]


@settings(max_examples=60, deadline=None)
@given(
    cols=st.lists(st.sampled_from([*_HEADERS, "x_m", "extra"]), min_size=1, max_size=9),
    rows=st.lists(st.lists(_CELLS, min_size=9, max_size=9), max_size=30),
)
def test_any_csv_is_a_result_or_one_clean_error(cols: list[str], rows: list[list[str]]) -> None:
    """Whatever the cells, ``analyze`` returns a result or raises ``LogError``."""
    import csv
    import tempfile

    from backstroke.analyze import analyze
    from backstroke.errors import BackstrokeError

    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "fuzz.csv"
        with open(path, "w", newline="", encoding="utf-8", errors="surrogateescape") as f:
            w = csv.writer(f)
            w.writerow(cols)
            for r in rows:
                w.writerow(r[: len(cols)])
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            try:
                analyze(path)
            except BackstrokeError as exc:
                assert "\n" not in str(exc) and exc.exit_code == 2


def test_first_contact(capsys: pytest.CaptureFixture[str]) -> None:
    """--version; help keeps [@T_S], has no <bool> placeholder or box; README lists all."""
    from backstroke import __version__
    from backstroke.cli import app

    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0 and capsys.readouterr().out.strip() == f"backstroke {__version__}"
    commands = sorted(c.name or c.callback.__name__ for c in app.registered_commands)  # type: ignore[union-attr]
    readme = (Path(__file__).parents[1] / "README.md").read_text()
    for name in ["--help", *commands]:
        argv = [name] if name == "--help" else [name, "--help"]
        with pytest.raises(SystemExit) as info:
            main(argv)
        out = capsys.readouterr().out
        assert info.value.code == 0, name
        assert "<bool>" not in out and "╭" not in out, (name, out)
        if name in ("run", "demo"):
            assert "KIND[:PARAM][@T_S]" in out
        if name != "--help":
            assert f"backstroke {name}" in readme, name
