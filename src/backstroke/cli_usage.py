"""One line for every command-line usage error (a bad number, a missing option …).

typer/click print a usage box of several lines; backstroke prints
``backstroke: error: --seed 'abc': not an integer`` and exits 2.
"""

from __future__ import annotations

from typing import Any

import typer

from backstroke.errors import BackstrokeError

# pydantic error types (typer validates option values with pydantic) in words.
_TYPE_WORDS = {
    "int_parsing": "not an integer",
    "int_from_float": "not an integer",
    "int_type": "not an integer",
    "float_parsing": "not a number",
    "float_type": "not a number",
    "bool_parsing": "not true/false",
    "finite_number": "not a finite number",
}


def _given_value(args: list[str], opts: list[str]) -> str | None:
    """The text the user gave for an option (``--seed abc`` or ``--seed=abc``)."""
    for i, a in enumerate(args):
        for o in opts:
            if a == o and i + 1 < len(args):
                return args[i + 1]
            if a.startswith(o + "="):
                return a[len(o) + 1 :]
    return None


def _cause_words(exc: BaseException) -> str | None:
    """The value's problem in words, from the pydantic error behind typer's message."""
    cause = exc.__cause__
    errors = getattr(cause, "errors", None)
    if not callable(errors):
        return None
    try:
        first = errors()[0]
    except (IndexError, TypeError, KeyError):
        return None
    kind = str(first.get("type", ""))
    return _TYPE_WORDS.get(kind) or _clean(str(first.get("msg", ""))).lower() or None


def usage_line(exc: Any, args: list[str]) -> str:
    """The one-line message for a click/typer ``UsageError`` (no usage box, no hint)."""
    from typer._click.exceptions import (
        BadParameter,
        MissingParameter,
        NoSuchOption,
    )

    param = getattr(exc, "param", None)
    if isinstance(exc, MissingParameter):
        hint = param.get_error_hint() if param is not None else "a parameter"
        kind = getattr(param, "param_type_name", "parameter")
        return f"missing {kind} {hint.strip(chr(39))}{_help_hint(exc)}"
    if isinstance(exc, BadParameter) and param is not None:
        opts = list(getattr(param, "opts", []) or [])
        value = _given_value(args, opts) if opts else None
        name = opts[0] if opts else str(getattr(param, "human_readable_name", param.name))
        what = _cause_words(exc) or _clean(exc.message)
        shown = f" {value!r}" if value is not None else ""
        return f"{name}{shown}: {what}"
    if isinstance(exc, NoSuchOption):
        return _clean(exc.format_message()) + _help_hint(exc)
    return _clean(exc.format_message()) + _help_hint(exc)


def _help_hint(exc: Any) -> str:
    ctx = getattr(exc, "ctx", None)
    if ctx is None:
        return ""
    return f" (see '{ctx.command_path} --help')"


def _clean(text: str) -> str:
    return " ".join(str(text).split())


def fail(exc: BackstrokeError) -> None:
    """The error as one line (``backstroke: error: ...``), then exit with its code."""
    typer.echo(f"backstroke: error: {exc}", err=True)
    raise typer.Exit(exc.exit_code)
