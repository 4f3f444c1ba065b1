"""The client's controls: a hand-held button, voice, keys — what the client says.

Signals reach the Supervisor two ways: reported by the robot with each sample
(``RobotState.client_signal``, taken on change) and pressed through
:meth:`ClientControls.press` (thread-safe: keys, the web page). Both come out in
arrival order at the next tick.
"""

from __future__ import annotations

from collections import deque

from backstroke.errors import BackstrokeError

CLIENT_CONTROLS = ("stop", "lighter", "firmer", "too_much", "skip")  # too_much, skip: web


class ClientControls:
    """The queue of the client's signals.

    Attributes:
        pending: controls pressed and not yet taken (oldest first).
        last_reported: the robot's signal as last taken (a change is news).
    """

    def __init__(self) -> None:
        self.pending: deque[str] = deque()
        self.last_reported = ""

    def press(self, signal: str) -> None:
        """The client's control: one of ``CLIENT_CONTROLS`` (thread-safe)."""
        if signal not in CLIENT_CONTROLS:
            raise BackstrokeError(
                f"unknown client control '{signal}' (allowed: {', '.join(CLIENT_CONTROLS)})"
            )
        self.pending.append(signal)

    def incoming(self, robot_signal: str) -> list[str]:
        """This tick's new signals: the robot's (on change), then pressed ones."""
        out = []
        if robot_signal != self.last_reported:
            self.last_reported = robot_signal
            if robot_signal:
                out.append(robot_signal)
        while self.pending:
            out.append(self.pending.popleft())
        return out
