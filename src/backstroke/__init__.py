"""backstroke: a back massage with a force-controlled robot arm.

One seamless stroke that never leaves the skin, paced by music, listening for the
tissue to soften. See DESIGN.md in the docs for the architecture.
"""

from backstroke.errors import (
    BackstrokeError,
    ClientError,
    PlanError,
    RobotError,
    RoutineError,
    SafetyFault,
)

__version__ = "0.1.0"

# The Python API (backstroke.api), imported on first use so `import backstroke` stays light.
_API = (
    "BackModel",
    "BackendRequest",
    "Robot",
    "RobotCommand",
    "RobotState",
    "SessionOutcome",
    "Summary",
    "load_client",
    "load_routine",
    "load_summary",
    "register_robot",
    "run_session",
)


def __getattr__(name: str) -> object:
    if name in _API:
        from backstroke import api

        return getattr(api, name)
    raise AttributeError(f"module 'backstroke' has no attribute {name!r}")


__all__ = [
    *_API,
    "BackstrokeError",
    "ClientError",
    "PlanError",
    "RobotError",
    "RoutineError",
    "SafetyFault",
    "__version__",
]
