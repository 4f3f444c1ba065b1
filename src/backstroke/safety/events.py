"""The Supervisor's events: one per clamp episode, fault or client signal."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SafetyEvent:
    """One clamp, fault or client signal.

    Attributes:
        t_s: session time.
        kind: e.g. ``force``, ``pressure``, ``speed``, ``force_rate``, ``stale``,
            ``invalid``, ``watchdog``, ``client_stop``, ``too_much``.
        value: the measured value (SI; pressure in N/cm²).
        limit: the limit it was compared with (same unit).
        action: ``clamp``, ``retreat`` or ``notice``.
    """

    t_s: float
    kind: str
    value: float
    limit: float
    action: str


class Clamps:
    """The clamps under way, by kind: one ``clamp`` event at the start of each episode
    (appended to ``events``), not one per tick."""

    def __init__(self, events: list[SafetyEvent]) -> None:
        self.events = events
        self.on: dict[str, bool] = {}  # (empty: nothing clamped; read every tick)

    def clamp(self, t_s: float, kind: str, value: float, limit: float, on: bool) -> None:
        """This tick's verdict for ``kind``: an event if an episode starts."""
        if on:
            if kind not in self.on:
                self.events.append(SafetyEvent(t_s, kind, value, limit, "clamp"))
                self.on[kind] = True
        else:
            self.on.pop(kind, None)
