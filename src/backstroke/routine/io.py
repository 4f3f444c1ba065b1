"""Loading routines from files or preset names."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from backstroke.config import load_toml, validate
from backstroke.errors import RoutineError
from backstroke.routine.schema import Routine

PRESETS = ("spa", "sports")


def preset_path(name: str) -> Path:
    """Path of a shipped preset routine file."""
    return Path(str(resources.files("backstroke.routine") / "presets" / f"{name}.toml"))


def load_routine(path_or_preset: str | Path) -> Routine:
    """A routine from a TOML file, or a preset by name (``spa``, ``sports``)."""
    text = str(path_or_preset)
    if text in PRESETS:
        p = preset_path(text)
    else:
        p = Path(text)
        if not p.exists() and p.suffix == "":
            raise RoutineError(
                "no such file or preset", path=p, allowed="a TOML file or " + ", ".join(PRESETS)
            )
    data = load_toml(p, RoutineError)
    routine = validate(Routine, data, path=p, error=RoutineError)
    from backstroke.routine.duration import NOMINAL_BACK_LENGTH_M, check_duration

    # A routine that would run for hours is refused here (check, plan and run); run and
    # plan check again on the client's own back and tempo.
    check_duration(routine, NOMINAL_BACK_LENGTH_M, 60.0 / routine.bpm, p)
    return routine
