"""The exception tree. Every error carries the data a user needs to fix the cause.

``BackstrokeError`` is the root; the command line maps it to exit code 2 (bad input),
3 (``SafetyFault``) or 4 (``SessionInterrupted``). Messages are one line.
"""

from __future__ import annotations

from pathlib import Path


class BackstrokeError(Exception):
    """Root of every error backstroke raises on purpose."""

    exit_code: int = 2


class InputFileError(BackstrokeError):
    """A user file is wrong: names the file, the key, the value and what is allowed.

    Attributes:
        path: the file (or ``None`` for in-memory input).
        key: dotted key path inside the file, e.g. ``blocks[2].target_force_n``.
        value: the offending value as found (repr-able), or ``None``.
        allowed: what would be accepted, in words.
    """

    kind = "input"

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        key: str | None = None,
        value: object = None,
        allowed: str | None = None,
    ) -> None:
        self.path = None if path is None else str(path)
        self.key = key
        self.value = value
        self.allowed = allowed
        self.message = message
        super().__init__(self.one_line())

    def one_line(self) -> str:
        """``FILE: key KEY = VALUE: MESSAGE (allowed: ...)`` on one line."""
        parts = []
        if self.path is not None:
            parts.append(f"{self.path}:")
        if self.key is not None:
            shown = _short_repr(self.value)
            parts.append(
                f"key '{self.key}'" + (f" = {shown}" if self.value is not None else "") + ":"
            )
        parts.append(self.message)
        if self.allowed:
            parts.append(f"(allowed: {self.allowed})")
        return " ".join(parts).replace("\n", " ")


def _plain(value: object) -> object:
    """numpy scalars as the Python numbers they hold (``1.99``, not ``np.float64(1.99)``)."""
    item = getattr(value, "item", None)
    if callable(item) and type(value).__module__ == "numpy":
        try:
            return item()
        except (TypeError, ValueError):
            return value
    return value


def _short_repr(value: object, limit: int = 60) -> str:
    text = repr(_plain(value)).replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 3] + "..."


class RoutineError(InputFileError):
    """A routine file (or preset name) is invalid."""

    kind = "routine"


class ClientError(InputFileError):
    """A client file is invalid or describes an impossible body."""

    kind = "client"


class LogError(InputFileError):
    """A contact log cannot be read or lacks required columns."""

    kind = "log"


class AudioError(InputFileError):
    """An audio file cannot be decoded, is silent, or is too short for a tempo."""

    kind = "audio"


class PlanError(BackstrokeError):
    """The planner cannot build a valid plan (e.g. a speed limit cannot be met)."""

    def __init__(self, message: str, *, block: int | None = None, detail: object = None) -> None:
        self.block = block
        self.detail = detail
        prefix = f"block {block}: " if block is not None else ""
        super().__init__(prefix + message)


class MissingExtraError(BackstrokeError):
    """An optional dependency group is not installed."""

    def __init__(self, extra: str, module: str) -> None:
        self.extra = extra
        self.module = module
        super().__init__(
            f"this needs the '{extra}' extra ({module} is not installed): "
            f"pip install 'backstroke[{extra}]'"
        )


class SafetyFault(BackstrokeError):
    """The Supervisor stopped the session: a limit, a watchdog, or the client's stop.

    Attributes:
        kind: event kind, e.g. ``"force"``, ``"pressure"``, ``"watchdog"``, ``"client_stop"``.
        value: measured value that tripped it (SI units).
        limit: the limit it was compared with (SI units).
        t_s: session time of the event.
    """

    exit_code = 3

    def __init__(self, kind: str, *, value: float, limit: float, t_s: float) -> None:
        self.kind = kind
        self.value = value
        self.limit = limit
        self.t_s = t_s
        super().__init__(f"safety stop at t={t_s:.3f} s: {kind} {value:.4g} (limit {limit:.4g})")


class SessionInterrupted(SafetyFault):
    """A signal (SIGINT, SIGTERM, SIGHUP) or a full disk ended the session (exit 4).

    Attributes:
        reason: ``interrupted: SIGINT`` … or ``disk_full``.
        immediate: a second signal stopped the robot at once (no retreat).
    """

    exit_code = 4

    def __init__(self, reason: str, *, t_s: float, immediate: bool = False) -> None:
        self.reason = reason
        self.immediate = immediate
        BackstrokeError.__init__(self, reason + (" (stopped at once)" if immediate else ""))
        self.kind = "interrupted"
        self.value = 1.0
        self.limit = 0.0
        self.t_s = t_s


class RobotError(BackstrokeError):
    """A robot backend failed (driver, simulation, unreachable plan)."""

    exit_code = 1

    def __init__(self, message: str, *, backend: str | None = None) -> None:
        self.backend = backend
        super().__init__((f"{backend}: " if backend else "") + message)
