"""``backstroke check FILE``: validate a routine or a client file."""

from __future__ import annotations

from pathlib import Path

from backstroke.body.client_file import ClientSpec
from backstroke.config import load_toml, validate
from backstroke.errors import ClientError, InputFileError, RoutineError
from backstroke.routine.schema import Routine

# Keys that only a routine has; a file with none of them is read as a client file.
_ROUTINE_KEYS = {"blocks", "intention", "bpm", "pressure_scale", "speed"}


def check_file(path: str | Path) -> str:
    """Validate ``path``; return a one-line description, raise an InputFileError if invalid."""
    p = Path(path)
    data = load_toml(p, InputFileError)
    if _ROUTINE_KEYS & set(data):
        routine = validate(Routine, data, path=p, error=RoutineError)
        return f"{p}: valid routine '{routine.name}' ({len(routine.blocks)} blocks)"
    client = validate(ClientSpec, data, path=p, error=ClientError)
    return f"{p}: valid client '{client.name}'"
