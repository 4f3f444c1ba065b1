"""Reading a configuration file (TOML) into a dict of keys, or one error line.

Any byte sequence gives a dict or one ``InputFileError``: missing file, directory,
special file, huge file, empty file, binary data, invalid UTF-8, TOML syntax (with the
line, column and, where it can be told, the key), absurdly long numbers, deep nesting,
NaN and infinities.
"""

from __future__ import annotations

import math
import os
import re
import stat
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from backstroke.config_errors import key_part
from backstroke.errors import InputFileError

MAX_FILE_BYTES = 256_000
"""Largest configuration file read (a routine or client file is a few kB)."""

MAX_DEPTH = 16
"""Deepest nesting of tables and lists accepted (routine files need 4)."""


def load_toml(path: str | Path, error: type[InputFileError]) -> dict[str, Any]:
    """Read a TOML file into a dict, or raise ``error`` naming the file and the problem."""
    p = Path(path)
    raw = _read_bytes(p, error)
    if not raw.strip():
        raise error("file is empty", path=p, allowed="a TOML file of 'key = value' lines")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise error("text in UTF-16, not UTF-8", path=p, allowed="a TOML file saved as UTF-8")
    if b"\x00" in raw:
        at = raw.index(b"\x00")
        raise error(
            f"not a text file (a NUL byte at line {_line_of(raw, at)})",
            path=p,
            key=_key_at_byte(raw, at),
            allowed="a TOML file",
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise error(
            f"not UTF-8 text (an invalid byte at line {_line_of(raw, exc.start)})",
            path=p,
            key=_key_at_byte(raw, exc.start),
            allowed="a TOML file in UTF-8",
        ) from None
    data = _parse_toml(text, p, error)
    _check_values(data, p, error)
    if not data:
        raise error("file has no keys", path=p, allowed="a TOML file of 'key = value' lines")
    return data


def _read_bytes(p: Path, error: type[InputFileError]) -> bytes:
    try:
        st = os.stat(p)
    except FileNotFoundError:
        raise error("file not found", path=p) from None
    except (OSError, ValueError) as exc:
        raise error(f"cannot open file: {_reason(exc)}", path=p) from None
    if stat.S_ISDIR(st.st_mode):
        raise error("is a directory, expected a TOML file", path=p)
    if not stat.S_ISREG(st.st_mode):
        raise error("not a regular file, expected a TOML file", path=p)
    if st.st_size > MAX_FILE_BYTES:
        raise error(
            f"file is {st.st_size} bytes, too large",
            path=p,
            allowed=f"at most {MAX_FILE_BYTES} bytes",
        )
    try:
        with open(p, "rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
    except (OSError, ValueError) as exc:
        raise error(f"cannot read file: {_reason(exc)}", path=p) from None
    if len(raw) > MAX_FILE_BYTES:
        raise error("file is too large", path=p, allowed=f"at most {MAX_FILE_BYTES} bytes")
    return raw


def _reason(exc: BaseException) -> str:
    return str(getattr(exc, "strerror", None) or exc)


_AT_LINE = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_AT_END = re.compile(r"\s*\(at end of document\)\s*$")


def _parse_toml(text: str, p: Path, error: type[InputFileError]) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = _AT_LINE.search(msg)
        if m:
            line, col = int(m.group(1)), int(m.group(2))
            msg = _AT_LINE.sub("", msg)
            where = f"line {line}, column {col}"
        elif _AT_END.search(msg):
            line = text.count("\n") + 1
            msg = _AT_END.sub("", msg)
            where = "the end of the file"
        else:
            line, where = 0, "an unknown place"
        raise error(
            f"TOML syntax error at {where}: {msg}",
            path=p,
            key=_key_on_line(text, line),
            allowed='TOML syntax, e.g. key = 1.5, key = "text", [table], [[list_of_tables]]',
        ) from None
    except RecursionError:
        raise error(
            "nested too deeply to read", path=p, allowed=f"at most {MAX_DEPTH} levels"
        ) from None
    except ValueError:  # an integer with more than 4300 digits
        long_number = re.search(r"\d{300,}", text)
        line = text.count("\n", 0, long_number.start()) + 1 if long_number else 0
        raise error(
            "number too long to read" + (f" at line {line}" if line else ""),
            path=p,
            key=_key_on_line(text, line),
            allowed="a number of at most 4300 digits",
        ) from None


_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]\[#]+?)\s*\]\]?\s*(#.*)?$")
_KEY_PART = r"""(?:[A-Za-z0-9_-]+|"[^"\\]*"|'[^']*')"""
_KEY = re.compile(rf"^\s*({_KEY_PART}(?:\s*\.\s*{_KEY_PART})*)\s*=")


def _key_on_line(text: str, line: int) -> str | None:
    """Best guess of the dotted key written on ``line`` (1-based), e.g. ``blocks[1].bpm``."""
    lines = text.split("\n")
    if not 1 <= line <= len(lines):
        return None
    prefix = ""
    counts: dict[str, int] = {}
    for raw in lines[: line - 1]:
        h = _HEADER.match(raw)
        if h is None:
            continue
        name = _dotted_parts(h.group(2))
        if h.group(1) == "[[":
            counts[name] = counts.get(name, -1) + 1
            prefix = f"{name}[{counts[name]}]"
        else:
            prefix = name
    k = _KEY.match(lines[line - 1])
    if k is None:
        return None
    key = _dotted_parts(k.group(1))
    return f"{prefix}.{key}" if prefix else key


def _dotted_parts(written: str) -> str:
    """``a."b c".d`` as written in TOML → the same key, each part shown safely."""
    parts = re.findall(_KEY_PART, written)
    return ".".join(key_part(part.strip("\"'")) for part in parts)


def _key_at_byte(raw: bytes, at: int) -> str | None:
    """Best guess of the key written on the line of byte ``at`` (for undecodable files)."""
    text = raw.decode("utf-8", errors="replace").replace("\x00", " ")
    return _key_on_line(text, _line_of(raw, at))


def _line_of(raw: bytes, at: int) -> int:
    return raw.count(b"\n", 0, at) + 1


def _check_values(data: dict[str, Any], p: Path, error: type[InputFileError]) -> None:
    """Reject NaN/infinities and nesting deeper than ``MAX_DEPTH`` (iteratively)."""
    # Paths are linked tuples (parent, part), turned into a dotted key only for an error.
    stack: list[tuple[dict[str, Any] | list[Any], int, tuple[Any, ...]]] = [(data, 0, ())]
    while stack:
        obj, depth, path = stack.pop()
        if depth >= MAX_DEPTH:
            raise error(
                "nested too deeply",
                path=p,
                key=_linked_key(path),
                allowed=f"at most {MAX_DEPTH} levels",
            )
        pairs: Iterable[tuple[Any, Any]] = obj.items() if isinstance(obj, dict) else enumerate(obj)
        for k, v in pairs:
            if isinstance(v, float) and not math.isfinite(v):
                raise error(
                    "value must be a finite number",
                    path=p,
                    key=_linked_key((path, k)),
                    value=v,
                    allowed="a number",
                )
            if isinstance(v, dict | list) and v:
                stack.append((v, depth + 1, (path, k)))


def _linked_key(path: tuple[Any, ...]) -> str:
    parts: list[object] = []
    while path:
        path, part = path
        parts.append(part)
    key = ""
    for part in reversed(parts):
        key += f"[{part}]" if isinstance(part, int) else ("." if key else "") + key_part(str(part))
    return key
