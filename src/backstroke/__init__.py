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

__all__ = [
    "BackstrokeError",
    "ClientError",
    "PlanError",
    "RobotError",
    "RoutineError",
    "SafetyFault",
    "__version__",
]
