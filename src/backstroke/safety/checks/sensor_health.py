"""Is the data alive and sane? Late ticks, stale samples, non-finite values.

- **watchdog**: the robot's clock advanced more than one period; late time adds up and
  drains at one period per tick — beyond ``missed_deadline_s`` → retreat.
- **stale**: the sensor's sample counter did not move for longer than ``stale_s``.
- **invalid**: NaN/inf force or position for longer than ``invalid_s`` (a single bad
  sample rides through; the Supervisor holds the last good judgement meanwhile).
"""

from __future__ import annotations

from math import isfinite  # (one lookup fewer per call: four calls per tick)

import numpy as np

from backstroke.errors import BackstrokeError
from backstroke.safety.checks.base import Finding, Measurement
from backstroke.safety.slots import BoolSlot, FloatSlot, IntSlot

# Slots of the state array (safety/slots.py; the Supervisor's fused tick reads them).
VALID, LATE_S, STALE_FOR_S, INVALID_FOR_S, HAS_PREV, PREV_T_S, PREV_SEQ = range(7)
N_SLOTS = 7


class SensorHealth:
    """Watchdog, stale and invalid data (the first to fire this tick is returned).

    Args:
        dt_s: control period (s).
        missed_deadline_s, stale_s, invalid_s: see the module docstring (s).
    """

    valid = BoolSlot(VALID)
    _late_s = FloatSlot(LATE_S)
    _stale_for_s = FloatSlot(STALE_FOR_S)
    _invalid_for_s = FloatSlot(INVALID_FOR_S)
    _has_prev = BoolSlot(HAS_PREV)  # the previous sample's time and counter
    _prev_t_s = FloatSlot(PREV_T_S)
    _prev_seq = IntSlot(PREV_SEQ)

    def __init__(self, dt_s: float, missed_deadline_s: float, stale_s: float, invalid_s: float):
        if not 0.0 < dt_s <= 0.1:
            raise BackstrokeError(f"SensorHealth: dt_s {dt_s} outside (0, 0.1]")
        for name, v in (("missed_deadline_s", missed_deadline_s), ("stale_s", stale_s)):
            if not 0.0 < v <= 1.0:
                raise BackstrokeError(f"SensorHealth: {name} {v} outside (0, 1]")
        if not 0.0 < invalid_s <= 1.0:
            raise BackstrokeError(f"SensorHealth: invalid_s {invalid_s} outside (0, 1]")
        self.dt_s = dt_s
        self.missed_deadline_s = missed_deadline_s
        self.stale_s = stale_s
        self.invalid_s = invalid_s
        self._k = np.zeros(N_SLOTS)
        self.valid = True

    def update(self, tick: Measurement) -> Finding | None:
        st, dt = tick.state, self.dt_s
        found: Finding | None = None
        if self._has_prev:
            late = st.t_s - self._prev_t_s - dt
            if late > 0.5 * dt:
                self._late_s += late
            else:
                drained = self._late_s - dt  # (max(0, ·) written out)
                self._late_s = drained if drained > 0.0 else 0.0
            if self._late_s > self.missed_deadline_s:
                found = Finding("watchdog", self._late_s, self.missed_deadline_s, "retreat")
            if st.seq == self._prev_seq:
                self._stale_for_s += dt
                if self._stale_for_s > self.stale_s and found is None:
                    found = Finding("stale", self._stale_for_s, self.stale_s, "retreat")
            else:
                self._stale_for_s = 0.0
        self._has_prev, self._prev_t_s, self._prev_seq = True, st.t_s, st.seq
        p = st.position_m
        self.valid = (
            isfinite(tick.raw_normal_force_n)
            and isfinite(p[0])
            and isfinite(p[1])
            and isfinite(p[2])
        )
        if self.valid:
            self._invalid_for_s = 0.0
        else:
            self._invalid_for_s += dt
            if self._invalid_for_s > self.invalid_s and found is None:
                found = Finding("invalid", self._invalid_for_s, self.invalid_s, "retreat")
        return found
