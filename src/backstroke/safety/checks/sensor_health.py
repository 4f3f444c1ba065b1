"""Is the data alive and sane? Late ticks, stale samples, non-finite values.

- **watchdog**: the robot's clock advanced more than one period; late time adds up and
  drains at one period per tick — beyond ``missed_deadline_s`` → retreat.
- **stale**: the sensor's sample counter did not move for longer than ``stale_s``.
- **invalid**: NaN/inf force or position for longer than ``invalid_s`` (a single bad
  sample rides through; the Supervisor holds the last good judgement meanwhile).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from backstroke.errors import BackstrokeError
from backstroke.jit import numba_njit
from backstroke.safety.checks.base import Finding, Measurement
from backstroke.safety.slots import BoolSlot, FloatSlot, IntSlot

# Slots of the state array (safety/slots.py; the Supervisor's fused tick reads them):
# the state, the settings, and the value of this tick's finding.
VALID, LATE_S, STALE_FOR_S, INVALID_FOR_S, HAS_PREV, PREV_T_S, PREV_SEQ = range(7)
DT_S, MISSED_S, STALE_S, INVALID_S, FOUND = range(7, 12)
N_SLOTS = 12
# What health_update finds (0: nothing).
WATCHDOG, STALE, INVALID = 1, 2, 3
_KINDS = ("", "watchdog", "stale", "invalid")
_LIMITS = (0, MISSED_S, STALE_S, INVALID_S)


@numba_njit()
def health_update(
    K: Any, o: int, t_s: float, seq: float, raw_fn: float, px: float, py: float, pz: float
) -> int:
    """One sample's health on the slots at ``K[o:]``: the first of WATCHDOG, STALE,
    INVALID to fire (its value in ``K[o + FOUND]``), else 0; ``K[o + VALID]``."""
    dt = K[o + DT_S]
    found = 0
    if K[o + HAS_PREV] != 0.0:
        late = t_s - K[o + PREV_T_S] - dt
        late_s = K[o + LATE_S]
        if late > 0.5 * dt:
            late_s += late
        else:
            drained = late_s - dt  # (max(0, ·) written out)
            late_s = drained if drained > 0.0 else 0.0
        K[o + LATE_S] = late_s
        if late_s > K[o + MISSED_S]:
            found = WATCHDOG
            K[o + FOUND] = late_s
        if seq == K[o + PREV_SEQ]:
            stale_s = K[o + STALE_FOR_S] + dt
            K[o + STALE_FOR_S] = stale_s
            if stale_s > K[o + STALE_S] and found == 0:
                found = STALE
                K[o + FOUND] = stale_s
        else:
            K[o + STALE_FOR_S] = 0.0
    K[o + HAS_PREV] = 1.0
    K[o + PREV_T_S] = t_s
    K[o + PREV_SEQ] = seq
    valid = math.isfinite(raw_fn) and math.isfinite(px) and math.isfinite(py) and math.isfinite(pz)
    K[o + VALID] = 1.0 if valid else 0.0
    if valid:
        K[o + INVALID_FOR_S] = 0.0
    else:
        invalid_s = K[o + INVALID_FOR_S] + dt
        K[o + INVALID_FOR_S] = invalid_s
        if invalid_s > K[o + INVALID_S] and found == 0:
            found = INVALID
            K[o + FOUND] = invalid_s
    return found


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
    dt_s = FloatSlot(DT_S)
    missed_deadline_s = FloatSlot(MISSED_S)
    stale_s = FloatSlot(STALE_S)
    invalid_s = FloatSlot(INVALID_S)

    def __init__(self, dt_s: float, missed_deadline_s: float, stale_s: float, invalid_s: float):
        if not 0.0 < dt_s <= 0.1:
            raise BackstrokeError(f"SensorHealth: dt_s {dt_s} outside (0, 0.1]")
        for name, v in (("missed_deadline_s", missed_deadline_s), ("stale_s", stale_s)):
            if not 0.0 < v <= 1.0:
                raise BackstrokeError(f"SensorHealth: {name} {v} outside (0, 1]")
        if not 0.0 < invalid_s <= 1.0:
            raise BackstrokeError(f"SensorHealth: invalid_s {invalid_s} outside (0, 1]")
        self._k = np.zeros(N_SLOTS)
        self.dt_s = dt_s
        self.missed_deadline_s = missed_deadline_s
        self.stale_s = stale_s
        self.invalid_s = invalid_s
        self.valid = True

    def update(self, tick: Measurement) -> Finding | None:
        st, k = tick.state, self._k
        p = st.position_m
        code = health_update(k, 0, st.t_s, st.seq, tick.raw_normal_force_n, p[0], p[1], p[2])
        if code == 0:
            return None
        return Finding(_KINDS[code], float(k[FOUND]), float(k[_LIMITS[code]]), "retreat")
