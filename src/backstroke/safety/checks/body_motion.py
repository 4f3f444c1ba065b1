"""The client moves on the table: what the body tracker (depth camera) sees.

The tracker's frames are averaged over the last ``smooth_frames`` (``shift_m``, what
the Supervisor uses to place the tool on the client); two thresholds on that shift:
- a change of more than ``moving_m`` within ``window_s`` is a sign of movement — the
  Supervisor applies bone limits for its move memory, since the camera is late;
- a shift of more than ``retreat_m`` from the registered pose means the plan no longer
  fits the body: the Supervisor retreats (``client_moved``).
"""

from __future__ import annotations

import math
from collections import deque

from backstroke.errors import BackstrokeError
from backstroke.robot.protocol import Vec3
from backstroke.safety.checks.base import Finding, Measurement


class BodyMotion:
    """Movement and large shifts of the client (no-op without a body tracker).

    Args:
        moving_m: change of the tracked shift within ``window_s`` that means "moving" (m).
        retreat_m: shift from the registered pose that ends the session (m).
        window_s: how far back a change is looked for (s).
        smooth_frames: frames averaged (a tracker's noise is ~1–2 mm per frame).
    """

    def __init__(
        self,
        moving_m: float = 0.008,
        retreat_m: float = 0.03,
        window_s: float = 0.5,
        smooth_frames: int = 3,
    ) -> None:
        if not (0.0 < moving_m < retreat_m <= 0.2 and 0.0 < window_s <= 5.0):
            raise BackstrokeError(
                f"BodyMotion: need 0 < moving_m {moving_m} < retreat_m {retreat_m} ≤ 0.2 m "
                f"and window_s {window_s} in (0, 5]"
            )
        self.moving_m = moving_m
        self.retreat_m = retreat_m
        self.window_s = window_s
        if not 1 <= smooth_frames <= 30:
            raise BackstrokeError(f"BodyMotion: smooth_frames {smooth_frames} outside 1..30")
        self._raw: deque[Vec3] = deque(maxlen=smooth_frames)
        self.shift_m: Vec3 | None = None
        self._frames: deque[tuple[float, Vec3]] = deque()
        self._last: Vec3 | None = None

    def update(self, tick: Measurement) -> Finding | None:
        state = tick.state
        s = state.body_shift_m
        if s is None or s == self._last:
            return None  # no tracker, or no new frame this tick
        self._last = s
        if not (math.isfinite(s[0]) and math.isfinite(s[1]) and math.isfinite(s[2])):
            return Finding("client_moved", math.inf, self.retreat_m, "retreat")
        raw = self._raw
        raw.append(s)
        k = len(raw)
        s = (
            sum(r[0] for r in raw) / k,
            sum(r[1] for r in raw) / k,
            sum(r[2] for r in raw) / k,
        )
        self.shift_m = s
        t = state.t_s
        frames = self._frames
        frames.append((t, s))
        while frames and frames[0][0] < t - self.window_s:
            frames.popleft()
        shift = math.sqrt(s[0] * s[0] + s[1] * s[1] + s[2] * s[2])
        if shift > self.retreat_m:
            return Finding("client_moved", shift, self.retreat_m, "retreat")
        change = max(
            math.sqrt((s[0] - p[0]) ** 2 + (s[1] - p[1]) ** 2 + (s[2] - p[2]) ** 2)
            for _, p in frames
        )
        if change > self.moving_m:
            return Finding("client_moving", change, self.moving_m, "moved")
        return None
