"""Pacing of the driver's loop on the arm's clock, and its period record.

The runner calls ``step()`` back to back; the driver waits until the arm's own clock
(its state time stamp, 1 ms resolution) has advanced one control period past the last
cycle's deadline, then measures. On a real FR3 the arm's clock *is* the wall clock (its
1 kHz loop is hard real time), so this is wall-clock pacing, locked to the arm's cycle;
a simulated arm that falls behind the wall clock on a busy machine slows the session
down with it instead of starving it of fresh data.

Deadlines are absolute (a short overshoot is made up by the next cycle); a cycle that
wakes more than a whole period late restarts the schedule from now instead of running
fast to catch up, so the lateness shows in the time stamps the Supervisor's watchdog
checks. The wall-clock period from wake-up to wake-up is recorded for
``loop_period_ms {rate_hz, p50, p99}``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

POLL_S = 0.0003  # how often the arm's clock is read while waiting


class LoopClock:
    """Absolute-deadline pacing at ``rate_hz`` on a clock ``arm_time_s()`` (seconds).

    Args:
        rate_hz: the loop rate.
        arm_time_s: the arm's clock (default: the wall clock).
        timeout_s: longest wait for the arm's clock to advance (the arm is gone).
    """

    def __init__(
        self,
        rate_hz: float,
        arm_time_s: Callable[[], float] | None = None,
        timeout_s: float = 0.1,
    ) -> None:
        self.rate_hz = float(rate_hz)
        self.period_s = 1.0 / self.rate_hz
        self._clock = arm_time_s or time.perf_counter
        self.timeout_s = timeout_s
        self.t0 = self._clock()
        self._next = self.t0
        self._last_wall: float | None = None
        self._periods_s: list[float] = []
        self._holds_s: list[float] = []
        self.late = 0
        self.timeouts = 0

    def restart(self) -> float:
        """Start a new schedule (and a new record) now; returns the clock's time."""
        self._periods_s = []
        self._holds_s = []
        self.late = 0
        self.timeouts = 0
        self.t0 = self._clock()
        self._next = self.t0
        self._last_wall = None
        return self.t0

    def wait(self) -> float:
        """Wait for the next period boundary; returns the clock's time since :meth:`restart`."""
        self._next += self.period_s
        wall0 = time.perf_counter()
        now = self._clock()
        while now < self._next - 1e-6:
            ahead = self._next - now
            time.sleep(min(ahead, POLL_S) if ahead < 0.002 else ahead - 0.001)
            now = self._clock()
            if time.perf_counter() - wall0 > self.timeout_s:
                self.timeouts += 1
                break
        if now - self._next > self.period_s:
            self.late += 1
            self._next = now
        wall = time.perf_counter()
        if self._last_wall is not None:
            self._periods_s.append(wall - self._last_wall)
        self._last_wall = wall
        return now - self.t0

    def resume_after_hold(self) -> float:
        """The caller was away (the arm held its last target): continue the schedule.

        The time the caller was away is taken out of the reported time (so it is not a
        late cycle of this loop) and recorded as a hold; returns its length (s).
        """
        now = self._clock()
        held = max(0.0, now - self._next)
        self.t0 += held
        self._next = now
        self._last_wall = None
        self._holds_s.append(held)
        return held

    def now(self) -> float:
        """The clock's time since :meth:`restart`, without waiting."""
        return self._clock() - self.t0

    def stats(self) -> dict[str, Any]:
        """``{rate_hz, p50, p99, max, cycles, late_cycles, timeouts, holds, hold_max_ms}``.

        Periods in ms; ``holds``: times the caller was away between cycles (the arm held
        its last target), with the longest.
        """
        base: dict[str, Any] = {
            "rate_hz": self.rate_hz,
            "holds": len(self._holds_s),
            "hold_max_ms": round(max(self._holds_s) * 1e3, 1) if self._holds_s else 0.0,
        }
        if not self._periods_s:
            return {
                **base,
                "p50": None,
                "p99": None,
                "max": None,
                "cycles": 0,
                "late_cycles": self.late,
                "timeouts": self.timeouts,
            }
        ms = np.asarray(self._periods_s) * 1e3
        return {
            **base,
            "p50": round(float(np.percentile(ms, 50)), 3),
            "p99": round(float(np.percentile(ms, 99)), 3),
            "max": round(float(ms.max()), 3),
            "cycles": int(ms.size),
            "late_cycles": self.late,
            "timeouts": self.timeouts,
        }
