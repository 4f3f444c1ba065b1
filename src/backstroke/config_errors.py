"""One error line from a pydantic validation error: the dotted key, the value and what
is allowed, taken from the model's field constraints."""

from __future__ import annotations

import difflib
import re
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import annotated_types as at
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from backstroke.errors import InputFileError


class FieldError(ValueError):
    """A model validator's objection to one key (a ``ValueError``, so pydantic wraps it).

    Args:
        key: the key, relative to the model that raises, e.g. ``"waist_width_m"`` or
            ``"blocks[2].target_force_n"``.
        message: what is wrong, e.g. ``"must not exceed shoulder_width_m (0.4)"``.
        value: the offending value (shown in the error line).
        allowed: what would be accepted, in words.
    """

    def __init__(
        self, key: str, message: str, *, value: object = None, allowed: str | None = None
    ) -> None:
        super().__init__(f"{key}: {message}")
        self.key = key
        self.message = message
        self.value = value
        self.allowed = allowed


_TYPE_MESSAGES = {
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "string_type": "must be text in quotes",
    "list_type": "must be a list",
    "model_type": "must be a table",
    "model_attributes_type": "must be a table",
    "dict_type": "must be a table",
    "finite_number": "must be a finite number",
    "literal_error": "not an allowed value",
    "string_too_short": "text too short",
    "string_too_long": "text too long",
}


def error_from_validation(
    exc: ValidationError,
    model: type[BaseModel],
    *,
    path: str | Path | None,
    error: type[InputFileError],
) -> InputFileError:
    """The first validation error as one ``error`` naming file, key, value and allowed."""
    errors = exc.errors(include_url=False)
    first = errors[0]
    if first.get("type") == "missing":
        # A misspelt key shows up as a missing key and an unknown one: name the unknown one.
        parent = tuple(first.get("loc", ()))[:-1]
        first = next(
            (
                e
                for e in errors
                if e.get("type") == "extra_forbidden" and tuple(e.get("loc", ()))[:-1] == parent
            ),
            first,
        )
    where = _walk(model, tuple(first.get("loc", ())))
    key = where.key
    msg = str(first.get("msg", "invalid value"))
    etype = str(first.get("type", ""))
    ctx = first.get("ctx") or {}
    value: object = first.get("input")
    what = {"routine": " in a routine file", "client": " in a client file"}.get(error.kind, "")
    allowed: str | None = None

    if etype == "extra_forbidden":
        name = str(first["loc"][-1]) if first.get("loc") else ""
        fields = list(where.owner.model_fields) if where.owner is not None else []
        tag = _tag_of(where.owner) if where.owner is not None else None
        msg = f"unknown key for a {tag} block" if tag is not None else f"unknown key{what}"
        close = difflib.get_close_matches(name, fields, n=1)
        having = [str(_tag_of(m)) for m in where.siblings if name in m.model_fields]
        if tag is not None and having:
            msg += f" (it is a key of {', '.join(having)})"
        elif close:
            msg += f" (did you mean '{close[0]}'?)"
        allowed = "one of " + ", ".join(fields) if fields else None
    elif etype in {"union_tag_not_found", "union_tag_invalid"}:
        disc = str(ctx.get("discriminator", "technique")).strip("'\"")
        key = f"{key}.{disc}" if key else disc
        tags = [str(_tag_of(m)) for m in where.members]
        allowed = ", ".join(tags) if tags else str(ctx.get("expected_tags", "")).replace("'", "")
        if etype == "union_tag_not_found":
            msg, value = "required key is missing", None
            if not isinstance(first.get("input"), dict):
                msg = f"must be a table with a {disc} key"
                value = first.get("input")
        else:
            given = first.get("input")
            value = given.get(disc, ctx.get("tag")) if isinstance(given, dict) else ctx.get("tag")
            msg = f"unknown {disc}"
            close = difflib.get_close_matches(str(value), tags, n=1)
            if close:
                msg += f" (did you mean '{close[0]}'?)"
    elif etype == "missing":
        msg, value = "required key is missing", None
        allowed = _allowed_for(where.field, where.annotation)
    elif etype == "value_error" and isinstance(ctx.get("error"), FieldError):
        fe: FieldError = ctx["error"]
        key = _join(key, fe.key)
        msg, value, allowed = fe.message, fe.value, fe.allowed
    elif etype in {"greater_than_equal", "less_than_equal", "greater_than", "less_than"}:
        msg = "out of range"
        allowed = _range_of(where.field, plain=True) or msg.replace("Input should be ", "")
    elif etype in {"too_short", "too_long"}:
        n = ctx.get("actual_length")
        msg = "too few items" if etype == "too_short" else "too many items"
        msg += f" ({n})" if n is not None else ""
        allowed = length_of(where.field) or msg
        value = None
    elif etype in _TYPE_MESSAGES:
        msg = _TYPE_MESSAGES[etype]
        if etype in {"float_type", "int_type"} and isinstance(value, str):
            msg += " (write it without quotes)"
        elif etype == "float_type" and isinstance(value, int) and not isinstance(value, bool):
            msg = "number too large"
        elif etype == "literal_error":
            close = difflib.get_close_matches(str(value), _literal_args(where.annotation), n=1)
            if close:
                msg += f" (did you mean '{close[0]}'?)"
        allowed = _allowed_for(where.field, where.annotation)
    elif msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    if isinstance(value, dict):
        value = None
    return error(msg, path=path, key=key or None, value=value, allowed=allowed)


@dataclass
class _Where:
    """Where a pydantic error location points in the model tree."""

    key: str = ""
    owner: type[BaseModel] | None = None  # the model that has (or lacks) the last key
    field: FieldInfo | None = None  # the field of the last key, if any
    annotation: Any = None  # the type expected at the location
    members: tuple[type[BaseModel], ...] = ()  # tagged models of a union at the location
    siblings: tuple[type[BaseModel], ...] = ()  # the union ``owner`` was picked from


def _walk(model: type[BaseModel], loc: tuple[Any, ...]) -> _Where:
    """Follow ``loc`` through ``model``: dotted key (union tags dropped), field and type."""
    w = _Where(owner=model, annotation=model, members=(model,))
    for part in loc:
        if isinstance(part, int):
            w.key += f"[{part}]"
            w.annotation = _item_type(w.annotation)
            w.field = None
        else:
            members = tuple(_models_in(w.annotation))
            if len(members) > 1:
                tagged = [m for m in members if _tag_of(m) == part]
                if tagged:  # a discriminated union: pydantic puts the tag in the location
                    w.owner, w.siblings = tagged[0], members
                    w.annotation = tagged[0]
                    continue
            if len(members) != 1:
                # Not a model here (e.g. a plain union's branch name): nothing to name.
                continue
            w.owner = members[0]
            w.field = members[0].model_fields.get(str(part))
            w.annotation = w.field.annotation if w.field is not None else None
            w.key = _join(w.key, key_part(str(part)))
        w.members = tuple(_models_in(w.annotation)) if w.annotation is not None else ()
    return w


def _join(prefix: str, key: str) -> str:
    if not prefix:
        return key
    return prefix + key if key.startswith("[") else f"{prefix}.{key}"


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def key_part(name: str) -> str:
    """A key as written in TOML: bare when it can be, else quoted and escaped."""
    if _BARE_KEY.fullmatch(name):
        return name
    escaped = "".join(c if c.isprintable() and c not in '"\\' else _escape(c) for c in name)
    return f'"{escaped}"'


def _escape(c: str) -> str:
    return {'"': '\\"', "\\": "\\\\"}.get(c) or (
        f"\\u{ord(c):04x}" if ord(c) <= 0xFFFF else f"\\U{ord(c):08x}"
    )


def _strip(annotation: Any) -> Any:
    """``X`` from ``Annotated[X, ...]`` and ``X | None``."""
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    if _is_union(annotation):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return _strip(args[0])
    return annotation


def _is_union(annotation: Any) -> bool:
    return typing.get_origin(annotation) in (typing.Union, types.UnionType)


def _item_type(annotation: Any) -> Any:
    a = _strip(annotation)
    if typing.get_origin(a) in (list, tuple):
        args = typing.get_args(a)
        return args[0] if args else None
    return None


def _tag_of(model: type[BaseModel]) -> object:
    field = model.model_fields.get("technique")
    if field is None or typing.get_origin(field.annotation) is not Literal:
        return None
    args = typing.get_args(field.annotation)
    return args[0] if args else None


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    """The BaseModels inside ``M``, ``M | None``, ``Annotated[A | B, ...]`` (not lists)."""
    a = _strip(annotation)
    if isinstance(a, type) and issubclass(a, BaseModel):
        return [a]
    if _is_union(a):
        out: list[type[BaseModel]] = []
        for arg in typing.get_args(a):
            out += _models_in(arg)
        return out
    return []


def _literal_args(annotation: Any) -> list[str]:
    a = _strip(annotation)
    return [str(x) for x in typing.get_args(a)] if typing.get_origin(a) is Literal else []


def _g(x: object) -> str:
    return f"{x:g}" if isinstance(x, float) else str(x)


def _range_of(field: FieldInfo | None, *, plain: bool = False) -> str | None:
    """``"30 to 200"`` (or ``"more than 0, at most 45"``) from a field's bounds."""
    if field is None:
        return None
    lo: object = None
    hi: object = None
    lo_open = hi_open = False
    for m in field.metadata:
        if isinstance(m, at.Ge):
            lo = m.ge
        elif isinstance(m, at.Gt):
            lo, lo_open = m.gt, True
        elif isinstance(m, at.Le):
            hi = m.le
        elif isinstance(m, at.Lt):
            hi, hi_open = m.lt, True
    if lo is None and hi is None:
        return None
    if lo is not None and hi is not None and not lo_open and not hi_open:
        return f"{_g(lo)} to {_g(hi)}"
    parts = []
    if lo is not None:
        parts.append(f"{'more than' if lo_open else 'at least'} {_g(lo)}")
    if hi is not None:
        parts.append(f"{'less than' if hi_open else 'at most'} {_g(hi)}")
    return ", ".join(parts)


def length_of(field: FieldInfo | None) -> str | None:
    if field is None:
        return None
    lo = next((m.min_length for m in field.metadata if isinstance(m, at.MinLen)), None)
    hi = next((m.max_length for m in field.metadata if isinstance(m, at.MaxLen)), None)
    if lo is not None and hi is not None:
        return f"{lo} to {hi}"
    if hi is not None:
        return f"at most {hi}"
    return f"at least {lo}" if lo is not None else None


def _allowed_for(field: FieldInfo | None, annotation: Any) -> str | None:
    """What a key accepts, in words, from its type and constraints."""
    a = _strip(annotation)
    literal = _literal_args(a)
    if literal:
        return ", ".join(literal)
    if a is bool:
        return "true or false"
    if a in (int, float):
        kind = "a whole number" if a is int else "a number"
        rng = _range_of(field)
        if rng is None:
            return kind
        return f"{kind} from {rng}" if rng[0].isdigit() or rng[0] == "-" else f"{kind}, {rng}"
    if a is str:
        length = length_of(field)
        return f"text in quotes, {length} characters" if length else "text in quotes"
    models = _models_in(a)
    if len(models) > 1:
        tags = ", ".join(str(_tag_of(m)) for m in models)
        return f"a table with technique = one of {tags}"
    if len(models) == 1:
        return "a table of " + ", ".join(models[0].model_fields)
    if typing.get_origin(a) is list:
        inner = _models_in(_item_type(a))
        length = length_of(field)
        if len(inner) > 1:
            tags = ", ".join(str(_tag_of(m)) for m in inner)
            text = f"a list of tables, each with technique = one of {tags}"
        elif len(inner) == 1:
            text = "a list of tables of " + ", ".join(inner[0].model_fields)
        else:
            text = "a list"
        return f"{text} ({length} items)" if length else text
    return None
