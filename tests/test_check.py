"""``backstroke check``: one line and exit 2 for every bad file, exit 0 for good ones.

The corpus in ``tests/corpus/bad`` holds hand-made bad routine and client files; the
first line of each is ``# expect: KEY``, the key its error must name. Every file is run
through the real command in a subprocess.
"""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path

import pytest
from typer.testing import CliRunner

from backstroke.body.client_file import DEFAULT_CLIENT_FILE, load_client
from backstroke.check import check_file, file_kind
from backstroke.cli import app
from backstroke.config import MAX_FILE_BYTES, load_toml, validate
from backstroke.errors import ClientError, InputFileError, RoutineError
from backstroke.routine.io import PRESETS, load_routine, preset_path
from backstroke.routine.schema import Routine

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(__file__).with_name("corpus")
BAD = sorted((CORPUS / "bad").glob("*.toml"))
GOOD = sorted(
    [
        *(preset_path(name) for name in PRESETS),
        DEFAULT_CLIENT_FILE,
        *(ROOT / "examples" / "routines").glob("*.toml"),
        *(CORPUS / "good").glob("*.toml"),
    ]
)
CLI = [sys.executable, "-c", "from backstroke.cli import main; main()", "check"]


def run_check(path: Path | str) -> subprocess.CompletedProcess[str]:
    """The real command: ``backstroke check PATH`` in a fresh interpreter."""
    return subprocess.run(
        [*CLI, str(path)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        timeout=60,
        check=False,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )


def invoke_check(path: Path | str) -> subprocess.CompletedProcess[str]:
    """The command's code in this process (typer's runner), as a CompletedProcess."""
    r = CliRunner().invoke(app, ["check", str(path)])
    return subprocess.CompletedProcess(["check", str(path)], r.exit_code, r.stdout, r.stderr)


@cache
def _corpus_runs() -> dict[Path, subprocess.CompletedProcess[str]]:
    """All corpus files checked once, two at a time (each is ~0.6 s of start-up)."""
    with ThreadPoolExecutor(max_workers=min(2, os.cpu_count() or 1)) as pool:
        return dict(zip(BAD + GOOD, pool.map(run_check, BAD + GOOD), strict=True))


def expected_key(path: Path) -> str:
    first = path.read_bytes().split(b"\n", 1)[0].decode("utf-8")
    assert first.startswith("# expect: "), f"{path.name}: first line must be '# expect: KEY'"
    return first.removeprefix("# expect: ").strip()


def assert_one_line_error(result: subprocess.CompletedProcess[str], shown_path: str) -> str:
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert result.stderr.endswith("\n")
    assert shown_path in lines[0], lines[0]
    return lines[0]


def test_corpus_is_big_enough() -> None:
    assert len(BAD) >= 30
    names = [p.name for p in BAD]
    assert sum(n.startswith("routine_") for n in names) >= 15
    assert sum(n.startswith("client_") for n in names) >= 15


def assert_names_key(path: Path, result: subprocess.CompletedProcess[str]) -> None:
    key = expected_key(path)
    line = assert_one_line_error(result, path.name)
    # The key exactly, or a deeper key under it (e.g. description[0][0]... for nesting).
    assert any(f"key '{key}{end}" in line for end in ("'", "[", ".")), (key, line)


@pytest.mark.slow
@pytest.mark.parametrize("path", BAD, ids=[p.stem for p in BAD])
def test_bad_file_gives_one_line_naming_the_key(path: Path) -> None:
    assert_names_key(path, _corpus_runs()[path])


@pytest.mark.parametrize("path", BAD, ids=[p.stem for p in BAD])
def test_bad_file_in_process(path: Path) -> None:
    assert_names_key(path, invoke_check(path))


@pytest.mark.slow
@pytest.mark.parametrize("path", GOOD, ids=[f"{p.parent.name}/{p.stem}" for p in GOOD])
def test_good_file_is_valid(path: Path) -> None:
    result = _corpus_runs()[path]
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert len(lines) == 1 and "valid" in lines[0] and path.name in lines[0]


def test_examples_and_presets_are_in_the_good_set() -> None:
    names = {p.name for p in GOOD}
    assert {"spa.toml", "sports.toml", "default.toml"} <= names
    assert len(list((ROOT / "examples" / "routines").glob("*.toml"))) >= 2


# ------------------------------------------------------------ inputs made here


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


GENERATED = {
    "empty": b"",
    "whitespace": b"  \n\t\n",
    "comments_only": b"# just a comment\n",
    "garbage": random.Random(7).randbytes(4096),
    "garbage_no_nul": bytes(b for b in random.Random(8).randbytes(4096) if b),
    "invalid_utf8": b'name = "caf\xe9"\n',
    "utf16": '[[blocks]]\ntechnique = "rest"\n'.encode("utf-16"),
    "nul": b'name = "a\x00b"\n',
    "deep_array": b"a = " + b"[" * 5000 + b"]" * 5000 + b"\n",
    "deep_table": b"a = " + b"{b = " * 3000 + b"1" + b"}" * 3000 + b"\n",
    "deep_headers": b"[" + b".".join([b"a"] * 40) + b"]\nx = 1\n",
    "long_int": b"bpm = " + b"9" * 5000 + b'\n[[blocks]]\ntechnique = "rest"\n',
    "huge": b"# pad\n" * (MAX_FILE_BYTES // 6 + 10),
    "unclosed": b'[[blocks]\ntechnique = "rest"\n',
    "png_header": b"\x89PNG\r\n\x1a\n" + bytes(range(256)),
}


@pytest.mark.parametrize("name", sorted(GENERATED))
def test_generated_bad_inputs(tmp_path: Path, name: str) -> None:
    p = _write(tmp_path, f"{name}.toml", GENERATED[name])
    assert_one_line_error(invoke_check(p), p.name)


def test_generated_garbage_through_the_real_command(tmp_path: Path) -> None:
    p = _write(tmp_path, "garbage.toml", GENERATED["garbage"])
    assert_one_line_error(run_check(p), p.name)


def test_missing_file_and_directory(tmp_path: Path) -> None:
    line = assert_one_line_error(run_check(tmp_path / "nope.toml"), "nope.toml")
    assert "not found" in line
    line = assert_one_line_error(invoke_check(tmp_path), str(tmp_path))
    assert "directory" in line


def test_odd_file_names_stay_on_one_line(tmp_path: Path) -> None:
    p = _write(tmp_path, "two\nlines\u2028.toml", b"bpm = 1\n[[blocks]]\ntechnique='rest'\n")
    result = run_check(p)
    line = assert_one_line_error(result, "two\\nlines\\u2028.toml")
    assert "key 'bpm'" in line
    ok = _write(tmp_path, "ok\r.toml", b"seed = 1\n")
    result = invoke_check(ok)
    assert result.returncode == 0 and len(result.stdout.splitlines()) == 1


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifo_is_not_read(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)
    line = assert_one_line_error(invoke_check(fifo), "pipe.toml")
    assert "not a regular file" in line


# ------------------------------------------------------------ messages in-process


def _check(tmp_path: Path, text: str, name: str = "f.toml") -> str:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    with pytest.raises(InputFileError) as info:
        check_file(p)
    line = str(info.value)
    assert len(line.splitlines()) == 1
    return line


def test_missing_technique_message(tmp_path: Path) -> None:
    line = _check(tmp_path, "[[blocks]]\ntarget_force_n = 5\n")
    assert line.endswith(
        "key 'blocks[0].technique': required key is missing "
        "(allowed: rest, glide, forearm, thumb_strip)"
    )


def test_unknown_technique_names_key_and_value(tmp_path: Path) -> None:
    line = _check(tmp_path, '[[blocks]]\ntechnique = "rest"\n[[blocks]]\ntechnique = "knead"\n')
    assert "key 'blocks[1].technique' = 'knead': unknown technique" in line
    assert "(allowed: rest, glide, forearm, thumb_strip)" in line


@pytest.mark.parametrize(("value", "shown"), [("true", "True"), ('"12"', "'12'"), ("[60]", "[60]")])
def test_numbers_are_strict(tmp_path: Path, value: str, shown: str) -> None:
    line = _check(tmp_path, f'bpm = {value}\n[[blocks]]\ntechnique = "rest"\n')
    assert f"key 'bpm' = {shown}: must be a number" in line
    assert "30 to 200" in line


def test_whole_numbers_are_strict(tmp_path: Path) -> None:
    line = _check(tmp_path, "seed = true\n")
    assert "key 'seed' = True: must be a whole number" in line
    line = _check(tmp_path, "seed = 3.0\n")
    assert "key 'seed' = 3.0: must be a whole number" in line


def test_loaders_are_strict_too(tmp_path: Path) -> None:
    r = tmp_path / "r.toml"
    r.write_text('[[blocks]]\ntechnique = "glide"\ntarget_force_n = true\n')
    with pytest.raises(RoutineError, match=r"blocks\[0\]\.target_force_n"):
        load_routine(r)
    c = tmp_path / "c.toml"
    c.write_text('height_m = "1.8"\n')
    with pytest.raises(ClientError, match="height_m"):
        load_client(c)


def test_out_of_range_gives_the_range(tmp_path: Path) -> None:
    text = '[[blocks]]\ntechnique = "glide"\ntarget_force_n = 9\n'
    text += 'repeat = { until = "softening", max_passes = 51 }\n'
    line = _check(tmp_path, text)
    assert line.endswith("key 'blocks[0].repeat.max_passes' = 51: out of range (allowed: 1 to 50)")


def test_waist_wider_than_shoulders(tmp_path: Path) -> None:
    line = _check(tmp_path, "shoulder_width_m = 0.34\nwaist_width_m = 0.36\n")
    assert "key 'waist_width_m' = 0.36" in line and "shoulder" in line


def test_key_of_another_technique(tmp_path: Path) -> None:
    line = _check(tmp_path, '[[blocks]]\ntechnique = "rest"\nside = "left"\n')
    assert "key 'blocks[0].side' = 'left': unknown key for a rest block" in line
    assert "forearm, thumb_strip" in line


def test_syntax_error_names_line_and_key(tmp_path: Path) -> None:
    line = _check(tmp_path, '[[blocks]]\ntechnique = "rest"\n[[blocks]]\ntechnique = glide\n')
    assert "key 'blocks[1].technique'" in line and "line 4" in line


def test_neither_routine_nor_client(tmp_path: Path) -> None:
    line = _check(tmp_path, "colour = 1\n")
    assert "key 'colour' = 1" in line and "neither a routine file nor a client file" in line


def test_file_kind() -> None:
    assert file_kind({"blocks": []}) == "routine"
    assert file_kind({"name": "x"}) == "client"
    assert file_kind({"seed": 1, "name": "x"}) == "client"
    assert file_kind({"blocks": [], "seed": 1}) == "routine"
    assert file_kind({"intention": "spa", "bpm": 60, "seed": 1}) == "routine"
    assert file_kind({"intention": "spa", "seed": 1, "height_m": 1.8}) == "client"
    assert file_kind({"other": 1}) == "neither"
    assert file_kind({"name": "x", "other": 1}) == "neither"


def test_bom_is_accepted(tmp_path: Path) -> None:
    p = tmp_path / "bom.toml"
    p.write_bytes(b'\xef\xbb\xbfname = "x"\n')
    assert "valid client 'x'" in check_file(p)


def test_too_many_items_before_validating_them(tmp_path: Path) -> None:
    p = tmp_path / "many.toml"
    p.write_text("blocks = [" + ", ".join(["1"] * 5000) + "]\n")
    with pytest.raises(RoutineError, match=r"key 'blocks': too many items \(5000\)"):
        check_file(p)


def test_validate_can_be_lax_for_code() -> None:
    data = {"bpm": "70", "blocks": [{"technique": "rest"}]}
    assert validate(Routine, data, path=None, error=RoutineError, strict=False).bpm == 70.0
    with pytest.raises(RoutineError):
        validate(Routine, data, path=None, error=RoutineError)


def test_load_toml_returns_the_table(tmp_path: Path) -> None:
    p = tmp_path / "t.toml"
    p.write_text("a = 1\n[b]\nc = [1.5, 2]\n")
    assert load_toml(p, InputFileError) == {"a": 1, "b": {"c": [1.5, 2]}}


def test_toml_examples_in_the_docs_are_valid(tmp_path: Path) -> None:
    text = (ROOT / "docs" / "routines.md").read_text(encoding="utf-8")
    snippets = re.findall(r"```toml\n(.*?)```", text, flags=re.S)
    whole = [s for s in snippets if "[[blocks]]" in s or s.startswith(("name", "#"))]
    assert len(whole) >= 4
    for i, snippet in enumerate(whole):
        p = tmp_path / f"doc{i}.toml"
        p.write_text(snippet, encoding="utf-8")
        assert "valid" in check_file(p)
    for line in re.findall(r"^repeat = .*$", text, flags=re.M):
        p = tmp_path / "repeat.toml"
        p.write_text(f'[[blocks]]\ntechnique = "glide"\ntarget_force_n = 10\n{line}\n')
        assert "valid routine" in check_file(p)
