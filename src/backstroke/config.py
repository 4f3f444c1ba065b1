"""Loading typed configuration files (TOML) with one-line errors.

Every user file goes through :func:`load_toml` and :func:`validate`, so a bad file
always yields the same kind of message: the file, the key, the value, what is allowed.

* :func:`load_toml` turns any byte sequence into a dict of keys or one error: missing
  file, directory, special file, huge file, empty file, binary data, invalid UTF-8,
  TOML syntax (with the line, column and, where it can be told, the key), absurdly long
  numbers, deep nesting, NaN and infinities.
* :func:`validate` checks the dict against a pydantic model in strict mode: a number
  must be written as a number (``true`` or ``"12"`` is not silently turned into 1 or 12).
* :func:`error_from_validation` names the dotted key (``blocks[2].repeat.max_passes``),
  the value, and what is allowed, taken from the model's field constraints.
* Model validators raise :class:`FieldError` to name the key they object to.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import annotated_types as at
from pydantic import BaseModel, ConfigDict, ValidationError

from backstroke.config_errors import FieldError, error_from_validation, key_part, length_of
from backstroke.config_read import MAX_DEPTH, MAX_FILE_BYTES, load_toml
from backstroke.errors import InputFileError

__all__ = [
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "FieldError",
    "StrictModel",
    "error_from_validation",
    "key_part",
    "load_toml",
    "validate",
]

M = TypeVar("M", bound=BaseModel)


class StrictModel(BaseModel):
    """Base for config models: unknown keys are errors, values are validated on assignment."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, frozen=True)


def validate(
    model: type[M],
    data: dict[str, Any],
    *,
    path: str | Path | None,
    error: type[InputFileError],
    strict: bool = True,
) -> M:
    """Validate ``data`` against ``model``; the first error becomes one ``error`` line.

    ``strict`` (the default, for files) takes values as written: a number must be a
    number, not ``true`` or ``"12"``; a whole number must not be ``2.0``.
    """
    for name, field in model.model_fields.items():
        # A list far longer than allowed: say so before validating every item of it.
        items = data.get(name)
        most = next((m.max_length for m in field.metadata if isinstance(m, at.MaxLen)), None)
        if isinstance(items, list) and most is not None and len(items) > most:
            raise error(
                f"too many items ({len(items)})",
                path=path,
                key=key_part(name),
                allowed=length_of(field),
            )
    try:
        return model.model_validate(data, strict=strict)
    except ValidationError as exc:
        raise error_from_validation(exc, model, path=path, error=error) from None
