"""Fuzzing the routine and client parsers (hypothesis).

Documents are built from valid ones (the presets, the default client, the examples,
random valid routines) by mutating values: other types, out-of-range and huge numbers,
NaN and infinities, unicode text, deleted keys, extra keys, other techniques. Written
as TOML and loaded like any user file, each either is valid or raises a ``RoutineError``
/ ``ClientError`` whose message is one line. Random bytes raise an ``InputFileError``.
Nothing else may escape.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
import re
import tempfile
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from backstroke.body.back_model import BackModel
from backstroke.body.client_file import DEFAULT_CLIENT_FILE, load_client
from backstroke.check import check_file
from backstroke.errors import ClientError, InputFileError, RoutineError
from backstroke.routine.io import PRESETS, load_routine, preset_path
from tests.strategies import routine_dicts

ROOT = Path(__file__).resolve().parents[1]
FUZZ = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=True,
)


def _load(path: Path) -> dict[str, Any]:
    with open(path, "rb") as fh:
        return tomllib.load(fh)


ROUTINE_SEEDS = [_load(preset_path(n)) for n in PRESETS] + [
    _load(p) for p in sorted((ROOT / "examples" / "routines").glob("*.toml"))
]
CLIENT_SEEDS = [
    _load(DEFAULT_CLIENT_FILE),
    {"seed": 3},
    {"name": "narrow", "shoulder_width_m": 0.33, "waist_width_m": 0.25, "knots": []},
]
KEYS = [
    "technique", "target_force_n", "repeat", "passes", "until", "side", "u", "v", "seed",
    "knots", "blocks", "bpm", "speed", "max_m_s", "x", "", "ключ", "a b", "tab\there",
]  # fmt: skip


# ---------------------------------------------------------------- TOML writer


def _toml_str(s: str) -> str:
    out = []
    for c in s:
        if c in '"\\':
            out.append("\\" + c)
        elif ord(c) < 0x20 or ord(c) == 0x7F:
            out.append(f"\\u{ord(c):04x}")
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


def _toml_key(k: str) -> str:
    return k if re.fullmatch(r"[A-Za-z0-9_-]+", k) else _toml_str(k)


def toml_value(v: object) -> str:
    """A value as inline TOML."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return _toml_str(v)
    if isinstance(v, dt.date | dt.time):
        return v.isoformat()
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{_toml_key(k)} = {toml_value(x)}" for k, x in v.items()) + "}"
    raise TypeError(type(v))


def to_toml(doc: dict[str, Any]) -> str:
    return "".join(f"{_toml_key(k)} = {toml_value(v)}\n" for k, v in doc.items())


# ---------------------------------------------------------------- mutations

scalars = st.one_of(
    st.integers(-(10**6), 10**6),
    st.integers(-(10**400), 10**400),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, -1, 1e-300, 1e300, 0.5, 2**63, -0.0, 4.2e9]),
    st.booleans(),
    st.text(max_size=30),
    st.sampled_from(["rest", "glide", "forearm", "thumb_strip", "softening", "both", "12"]),
    st.dates(),
    st.datetimes().map(lambda d: d.replace(microsecond=0)),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=8)), inner, max_size=4),
    ),
    max_leaves=8,
)


def _paths(obj: object, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every location in a document: keys of tables and indices of lists."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield (*prefix, k)
            yield from _paths(v, (*prefix, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield (*prefix, i)
            yield from _paths(v, (*prefix, i))


def _get(doc: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        doc = doc[part]
    return doc


def _parent(doc: Any, path: tuple[Any, ...]) -> Any:
    return _get(doc, path[:-1])


@st.composite
def mutated(draw: st.DrawFn, seeds: st.SearchStrategy[dict[str, Any]]) -> dict[str, Any]:
    """A valid document with up to four mutations."""
    doc = copy.deepcopy(draw(seeds))
    for _ in range(draw(st.integers(0, 4))):
        paths = list(_paths(doc))
        op = draw(st.sampled_from(["replace", "scale", "delete", "add", "tag", "dup"]))
        if op == "add" or not paths:
            tables = [(), *(p for p in paths if isinstance(_get(doc, p), dict))]
            target = _get(doc, draw(st.sampled_from(tables)))
            target[draw(st.one_of(st.sampled_from(KEYS), st.text(max_size=10)))] = draw(values)
            continue
        path = draw(st.sampled_from(paths))
        parent = _parent(doc, path)
        last = path[-1]
        if op == "replace":
            parent[last] = draw(values)
        elif op == "scale":
            old = parent[last]
            if isinstance(old, int | float) and not isinstance(old, bool):
                factor = draw(st.sampled_from([-1, 0, 0.5, 1.0001, 2, 10, 1000, 1e300]))
                try:
                    parent[last] = old * factor
                except OverflowError:  # a huge int times a float
                    parent[last] = -old
            else:
                parent[last] = draw(scalars)
        elif op == "delete":
            del parent[last]
        elif op == "tag":
            if isinstance(parent[last], dict):
                parent[last]["technique"] = draw(
                    st.sampled_from(["rest", "glide", "forearm", "thumb_strip", "Glide", ""])
                )
            else:
                parent[last] = draw(scalars)
        elif op == "dup" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[last]))
    return doc


routine_docs = st.one_of(st.sampled_from(ROUTINE_SEEDS), routine_dicts())
client_docs = st.sampled_from(CLIENT_SEEDS)


@st.composite
def text_damage(draw: st.DrawFn, text: str) -> str:
    """Now and then break the TOML text itself (a character inserted, deleted or swapped)."""
    if not text or not draw(st.sampled_from([False, False, False, True])):
        return text
    i = draw(st.integers(0, len(text) - 1))
    kind = draw(st.sampled_from(["insert", "delete", "cut"]))
    if kind == "insert":
        return text[:i] + draw(st.sampled_from(list("[]{}=\"',.#\n\\ \x00é"))) + text[i:]
    if kind == "delete":
        return text[:i] + text[i + 1 :]
    return text[:i]


@pytest.fixture(scope="module")
def scratch() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as d:
        yield Path(d)


def _one_line(exc: InputFileError, path: Path) -> None:
    event(f"{type(exc).__name__}: {re.sub(r'[0-9]+', 'N', exc.message.split(' (')[0])[:50]}")
    line = str(exc)
    assert len(line.splitlines()) == 1, line
    assert line.startswith(f"{path}:"), line


# ---------------------------------------------------------------- properties


@settings(FUZZ, max_examples=400)
@given(doc=mutated(routine_docs), data=st.data())
def test_mutated_routines_are_valid_or_one_routine_error(
    scratch: Path, doc: dict[str, Any], data: st.DataObject
) -> None:
    text = to_toml(doc)
    assert tomllib.loads(text) is not None  # the writer writes TOML
    text = data.draw(text_damage(text))
    path = scratch / "routine.toml"
    path.write_text(text, encoding="utf-8")
    try:
        routine = load_routine(path)
    except RoutineError as exc:
        _one_line(exc, path)
    else:
        event("valid routine")
        assert 1 <= len(routine.blocks) <= 40
    try:
        check_file(path)
    except InputFileError as exc:
        _one_line(exc, path)


@settings(FUZZ, max_examples=250)
@given(doc=mutated(client_docs), data=st.data())
def test_mutated_clients_are_valid_or_one_client_error(
    scratch: Path, doc: dict[str, Any], data: st.DataObject
) -> None:
    text = data.draw(text_damage(to_toml(doc)))
    path = scratch / "client.toml"
    path.write_text(text, encoding="utf-8")
    try:
        client = load_client(path)
    except ClientError as exc:
        _one_line(exc, path)
    else:
        # A valid client is a body: its knots lie on its surface chart.
        event("valid client")
        back = BackModel(client)
        for k in client.knots or ():
            assert abs(k.v) <= float(back.v_max_m(k.u))
    try:
        check_file(path)
    except InputFileError as exc:
        _one_line(exc, path)


@settings(FUZZ, max_examples=300)
@given(
    raw=st.one_of(
        st.binary(max_size=600),
        st.binary(max_size=200).map(lambda b: b'name = "x"\n' + b),
        st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass")),
    )
)
def test_random_bytes_give_an_input_file_error(scratch: Path, raw: bytes) -> None:
    path = scratch / "bytes.toml"
    path.write_bytes(raw)
    try:
        result = check_file(path)
    except InputFileError as exc:
        _one_line(exc, path)
    else:  # only when the bytes happen to be a valid file
        assert "valid" in result and len(result.splitlines()) == 1
