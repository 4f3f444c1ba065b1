"""Loading typed configuration files (TOML) with one-line errors.

Every user file goes through :func:`load_toml` and :func:`validate`, so a bad file
always yields the same kind of message: the file, the key, the value, what is allowed.
"""

from __future__ import annotations

import math
import tomllib
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from backstroke.errors import InputFileError

M = TypeVar("M", bound=BaseModel)

MAX_FILE_BYTES = 1_000_000


class StrictModel(BaseModel):
    """Base for config models: unknown keys are errors, values are validated on assignment."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, frozen=True)


def load_toml(path: str | Path, error: type[InputFileError]) -> dict[str, Any]:
    """Read a TOML file into a dict, or raise ``error`` naming the file and the problem."""
    p = Path(path)
    if not p.exists():
        raise error("file not found", path=p)
    if p.is_dir():
        raise error("is a directory, expected a TOML file", path=p)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise error(f"cannot read file: {exc.strerror}", path=p) from None
    if len(raw) > MAX_FILE_BYTES:
        raise error(f"file is {len(raw)} bytes, larger than {MAX_FILE_BYTES}", path=p)
    if not raw.strip():
        raise error("file is empty", path=p, allowed="a TOML table of keys")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise error("not a text file (invalid UTF-8)", path=p) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(f"TOML syntax error: {exc}", path=p) from None
    _reject_non_finite(data, p, error, "")
    return data


def _reject_non_finite(obj: object, path: Path, error: type[InputFileError], key: str) -> None:
    if isinstance(obj, float) and not math.isfinite(obj):
        raise error("value must be a finite number", path=path, key=key, value=obj)
    if isinstance(obj, dict):
        for k, v in obj.items():
            _reject_non_finite(v, path, error, f"{key}.{k}" if key else str(k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            _reject_non_finite(v, path, error, f"{key}[{i}]")


def validate(
    model: type[M], data: dict[str, Any], *, path: str | Path | None, error: type[InputFileError]
) -> M:
    """Validate ``data`` against ``model``; the first error becomes one ``error`` line."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise error_from_validation(exc, model, path=path, error=error) from None


def error_from_validation(
    exc: ValidationError,
    model: type[BaseModel],
    *,
    path: str | Path | None,
    error: type[InputFileError],
) -> InputFileError:
    """The first validation error as one ``error`` naming file, key, value and allowed."""
    first = exc.errors(include_url=False)[0]
    key, parent = _walk(model, tuple(first.get("loc", ())))
    msg = str(first.get("msg", "invalid value"))
    etype = str(first.get("type", ""))
    if etype == "extra_forbidden":
        allowed = "one of " + ", ".join(sorted(parent)) if parent else None
        return error("unknown key", path=path, key=key, allowed=allowed)
    value = first.get("input") if etype != "missing" else None
    if isinstance(value, dict | list):
        value = None
    ctx = first.get("ctx") or {}
    allowed = None
    if etype in {"greater_than_equal", "less_than_equal", "greater_than", "less_than"}:
        allowed = msg.replace("Input should be ", "")
        msg = "out of range"
    elif etype in {"literal_error", "union_tag_invalid"} and (
        "expected" in ctx or "expected_tags" in ctx
    ):
        allowed = str(ctx.get("expected", ctx.get("expected_tags")))
        msg = "not an allowed value"
    elif etype == "missing":
        msg = "required key is missing"
    elif msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    return error(msg, path=path, key=key or None, value=value, allowed=allowed)


def _walk(model: type[BaseModel], loc: tuple[Any, ...]) -> tuple[str, list[str]]:
    """Dotted key for ``loc`` (union tags dropped) and the field names of its parent model."""
    current: Any = model
    key = ""
    parent_fields: list[str] = list(model.model_fields)
    for i, part in enumerate(loc):
        if isinstance(part, int):
            key += f"[{part}]"
            continue
        members = _models_in(current)
        if len(members) > 1:
            # A discriminated union: pydantic puts the tag in the location; skip it.
            tagged = [m for m in members if _tag_of(m) == part]
            if tagged:
                current = tagged[0]
                parent_fields = list(current.model_fields)
                continue
        if len(members) == 1:
            current = members[0]
        is_last = i == len(loc) - 1
        if isinstance(current, type) and issubclass(current, BaseModel):
            parent_fields = list(current.model_fields)
            field = current.model_fields.get(str(part))
            current = field.annotation if field is not None else None
            if not is_last:
                parent_fields = []
        key += ("." if key else "") + str(part)
    return key, parent_fields


def _tag_of(model: type[BaseModel]) -> object:
    field = model.model_fields.get("technique")
    args = getattr(field.annotation, "__args__", ()) if field is not None else ()
    return args[0] if args else None


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    """The BaseModels inside ``M``, ``list[M]``, ``M | None``, ``Annotated[A | B, ...]``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    out: list[type[BaseModel]] = []
    for arg in getattr(annotation, "__args__", ()) or ():
        out += _models_in(arg)
    origin = getattr(annotation, "__origin__", None)
    if origin is not None and not out:
        out += _models_in(origin)
    return out


def _dotted(loc: tuple[Any, ...] | list[Any]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out
