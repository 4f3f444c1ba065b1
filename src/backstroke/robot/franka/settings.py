"""Safety and control settings of the Franka driver, and franky's lazy import."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from backstroke.errors import MissingExtraError


@dataclass(frozen=True)
class FrankaSettings:
    """Safety and control settings (SI units; see docs/franka.md for the reasons).

    Attributes:
        translational_stiffness_n_m, rotational_stiffness_nm_rad: the impedance the
            tracker holds the TCP with (gentle: a 1 cm error is 30 N).
        posture_stiffness_nm_rad: null-space pull toward the start posture.
        torque_threshold_nm, force_threshold_n: libfranka's collision thresholds
            (contact/collision reflex levels, lower and upper equal).
        relative_dynamics: speed/acceleration fraction of the arm's moves off the skin.
        joint_margin_rad: smallest allowed distance of a planned pose from a joint limit.
        zero_s: how long the force estimate is averaged off the skin for its bias.
        max_bias_n: a larger bias off the skin means the load or the model is wrong.
        wrench_cutoff_hz: low-pass of the force estimate.
        realtime: enforce libfranka's real-time check (a PREEMPT_RT kernel on a real arm).
        max_hold_s: longest time the caller may be away between two steps (planning,
            listening between passes) while the arm holds its last target; longer, and
            the gap reaches the Supervisor's watchdog as a late cycle.
    """

    translational_stiffness_n_m: float = 3000.0
    rotational_stiffness_nm_rad: float = 150.0
    posture_stiffness_nm_rad: float = 5.0
    torque_threshold_nm: tuple[float, ...] = (20.0, 20.0, 18.0, 18.0, 16.0, 14.0, 12.0)
    force_threshold_n: tuple[float, ...] = (60.0, 60.0, 60.0, 20.0, 20.0, 20.0)
    relative_dynamics: float = 0.2
    joint_margin_rad: float = math.radians(5.0)
    zero_s: float = 0.3
    max_bias_n: float = 15.0
    wrench_cutoff_hz: float = 30.0
    realtime: bool = True
    max_hold_s: float = 2.0


def load_franky() -> Any:
    try:
        import franky
    except ImportError as exc:
        raise MissingExtraError("franka", getattr(exc, "name", None) or "franky") from exc
    return franky


def classify_fault(exc: BaseException | None) -> str:
    """The summary's fault kind for a libfranka control exception (``None``: no state)."""
    text = "" if exc is None else f"{type(exc).__name__} {exc}".lower()
    if "reflex" in text or "collision" in text or "contact" in text:
        return "robot_reflex"
    if "network" in text or "communication" in text or "udp" in text or "tcp" in text:
        return "robot_communication"
    return "robot_control_error"


def one_line(exc: BaseException) -> str:
    """An exception's text on one line, at most 200 characters."""
    return " ".join(str(exc).split())[:200]
