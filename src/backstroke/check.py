"""``backstroke check FILE``: validate a routine or a client file.

The file's keys decide what it is: a routine has ``blocks`` (and ``intention``, ``bpm``,
...), a client has body keys (``seed``, ``height_m``, ``knots``, ...). A file with keys
of both kinds is read as the kind it has more keys of, and the stray key is named. A
file with neither is an error that says so. Whatever the input, the outcome is one
line: a description of the valid file, or one :class:`InputFileError` whose text is a
single printable line (control characters in paths, keys and names are escaped).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from backstroke.body.client_file import ClientSpec
from backstroke.config import error_from_validation, key_part, load_toml, validate
from backstroke.errors import ClientError, InputFileError, RoutineError
from backstroke.routine.schema import Routine

ROUTINE_KEYS = tuple(Routine.model_fields)
CLIENT_KEYS = tuple(ClientSpec.model_fields)
_ROUTINE_ONLY = set(ROUTINE_KEYS) - set(CLIENT_KEYS)
_CLIENT_ONLY = set(CLIENT_KEYS) - set(ROUTINE_KEYS)


def check_file(path: str | Path) -> str:
    """Validate ``path``; return a one-line description, raise an InputFileError if invalid."""
    p = Path(path)
    try:
        return _check(p)
    except InputFileError as exc:
        raise _printable(exc) from None


def file_kind(data: dict[str, object]) -> str:
    """``"routine"``, ``"client"`` or ``"neither"`` for a file's top-level keys."""
    keys = set(data)
    r = len(keys & _ROUTINE_ONLY)
    c = len(keys & _CLIENT_ONLY)
    if r > c or (r == c and r > 0 and "blocks" in keys):
        return "routine"
    if c > 0 or r > 0:
        return "client"
    # Only shared keys (``name``) make a valid client; any other key makes it neither.
    return "client" if keys <= set(CLIENT_KEYS) else "neither"


def _check(p: Path) -> str:
    data = load_toml(p, InputFileError)
    kind = file_kind(data)
    if kind == "neither":
        key = next(k for k in data if k not in CLIENT_KEYS and k not in ROUTINE_KEYS)
        raise InputFileError(
            "unknown key: neither a routine file nor a client file",
            path=p,
            key=key_part(key),
            value=_scalar(data[key]),
            allowed=(
                f"a routine ({', '.join(ROUTINE_KEYS)}) or a client ({', '.join(CLIENT_KEYS)})"
            ),
        )
    if kind == "routine":
        _refuse_stray(data, p, "routine")
        routine = validate(Routine, data, path=p, error=RoutineError)
        from backstroke.routine.duration import NOMINAL_BACK_LENGTH_M, check_duration

        longest_s = check_duration(routine, NOMINAL_BACK_LENGTH_M, 60.0 / routine.bpm, p)
        n = len(routine.blocks)
        return (
            f"{_safe(str(p))}: valid routine {routine.name!r} "
            f"({n} block{'s' if n != 1 else ''}, {routine.intention}, "
            f"at most about {longest_s / 60:.0f} min)"
        )
    _refuse_stray(data, p, "client")
    client = validate(ClientSpec, data, path=p, error=ClientError)
    try:  # what `run` does with the file: fill every key from the defaults or the seed
        client.resolved()
    except ValidationError as exc:
        raise error_from_validation(exc, ClientSpec, path=p, error=ClientError) from None
    if client.knots is not None:
        n = len(client.knots)
        knots = f"{n} knot{'s' if n != 1 else ''}"
    else:
        knots = "no knots" if client.seed is None else f"knots drawn from seed {client.seed}"
    return f"{_safe(str(p))}: valid client {client.name!r} ({knots})"


def _refuse_stray(data: dict[str, object], p: Path, kind: str) -> None:
    """A key of the other kind of file in a ``kind`` file (routine or client) is named."""
    other, own, error = (
        ("client", ROUTINE_KEYS, RoutineError)
        if kind == "routine"
        else ("routine", CLIENT_KEYS, ClientError)
    )
    stray_keys = _CLIENT_ONLY if kind == "routine" else _ROUTINE_ONLY
    stray = next((k for k in data if k in stray_keys), None)
    if stray is not None:
        raise error(
            f"a {other} key in a {kind} file (a file is either a routine or a client)",
            path=p,
            key=stray,
            value=_scalar(data[stray]),
            allowed=f"{kind} keys: " + ", ".join(own),
        )


def _scalar(value: object) -> object:
    return None if isinstance(value, dict | list) else value


def _safe(text: str | None) -> str | None:
    """``text`` with control, line-break and undecodable characters escaped."""
    if text is None or text.isprintable():
        return text
    out = []
    for c in text:
        if c.isprintable():
            out.append(c)
        elif 0xDC80 <= ord(c) <= 0xDCFF:  # a byte of a non-UTF-8 file name
            out.append(f"\\x{ord(c) - 0xDC00:02x}")
        else:
            out.append(c.encode("unicode_escape").decode("ascii"))
    return "".join(out)


def _printable(exc: InputFileError) -> InputFileError:
    """The same error, its path, key, message and allowed text escaped to one line."""
    fields = (exc.path, exc.key, exc.message, exc.allowed)
    if all(f is None or f.isprintable() for f in fields):
        return exc
    return type(exc)(
        _safe(exc.message) or "",
        path=_safe(exc.path),
        key=_safe(exc.key),
        value=exc.value,
        allowed=_safe(exc.allowed),
    )
