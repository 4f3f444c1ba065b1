"""Checking the vectors a backend is commanded with (``RobotCommand`` positions, axes)."""

from __future__ import annotations

import math
from typing import Any

from backstroke.errors import RobotError
from backstroke.robot.protocol import Vec3


def finite_vec3(x: Any, what: str, backend: str) -> Vec3:
    """``x`` as three finite floats.

    Raises:
        RobotError: not three numbers, or not finite (naming ``what`` and the backend).
    """
    try:
        a, b, c = (float(t) for t in x)
    except (TypeError, ValueError):
        raise RobotError(f"{what} must be three numbers, got {x!r}", backend=backend) from None
    if not (math.isfinite(a) and math.isfinite(b) and math.isfinite(c)):
        raise RobotError(f"{what} must be finite, got {x!r}", backend=backend)
    return a, b, c


def unit_vec3(x: Any, what: str, backend: str) -> Vec3:
    """``x`` normalised to unit length.

    Raises:
        RobotError: as ``finite_vec3``, or a zero vector.
    """
    a, b, c = finite_vec3(x, what, backend)
    n = math.sqrt(a * a + b * b + c * c)
    if n < 1e-9:
        raise RobotError(f"{what} must be a non-zero vector", backend=backend)
    return a / n, b / n, c / n
