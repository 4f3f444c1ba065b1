"""A simulated body tracker: the cell's depth camera watching the client on the table.

It reports how far the client has shifted from the registered pose, as a camera would:
frames at ``rate_hz``, each with Gaussian noise, delivered ``latency_s`` after capture.
Simulated backends use it (through the fault injector, which moves the client) so the
Supervisor hears a move the way a real cell would — late and noisy, never exactly.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from backstroke.errors import BackstrokeError
from backstroke.robot.protocol import Vec3


class SimulatedBodyCamera:
    """Noisy, late samples of the client's shift (m, frame B).

    Args:
        rate_hz: frame rate (a depth camera: 15–90 Hz).
        latency_s: capture → delivery delay (s).
        noise_m: σ of each frame's error per axis (m).
        seed: noise seed.
    """

    def __init__(
        self, rate_hz: float = 30.0, latency_s: float = 0.05, noise_m: float = 0.0015, seed: int = 0
    ) -> None:
        if not 1.0 <= rate_hz <= 1000.0:
            raise BackstrokeError(f"camera rate_hz {rate_hz} outside 1..1000")
        if not 0.0 <= latency_s <= 1.0 or not 0.0 <= noise_m <= 0.05:
            raise BackstrokeError(
                f"camera latency_s {latency_s} (0..1) or noise_m {noise_m} (0..0.05) out of range"
            )
        self.period_s = 1.0 / rate_hz
        self.latency_s = latency_s
        self.noise_m = noise_m
        self._rng = np.random.default_rng(np.random.SeedSequence([int(seed), 0xCA3]))
        self._next_capture_s = 0.0
        self._in_flight: deque[tuple[float, Vec3]] = deque()
        self._latest: Vec3 | None = None

    def observe(self, t_s: float, true_shift_m: Vec3) -> Vec3 | None:
        """Capture if a frame is due, and return the newest frame delivered by ``t_s``
        (``None`` before the first one arrives)."""
        if t_s >= self._next_capture_s:
            e = self._rng.normal(0.0, self.noise_m, 3) if self.noise_m > 0 else np.zeros(3)
            frame = (
                true_shift_m[0] + float(e[0]),
                true_shift_m[1] + float(e[1]),
                true_shift_m[2] + float(e[2]),
            )
            self._in_flight.append((t_s + self.latency_s, frame))
            self._next_capture_s = max(self._next_capture_s + self.period_s, t_s)
        while self._in_flight and self._in_flight[0][0] <= t_s:
            self._latest = self._in_flight.popleft()[1]
        return self._latest
