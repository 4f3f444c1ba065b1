"""The Supervisor's own rules on the measured force: its figures, the force and
pressure limits, the force rate and the client's push, the soft limits and back-offs.

Each is one small compiled function on the Supervisor's state array ``K``
(``layout.py``), called by its Python path (``Supervisor._check``) and by the fused tick
(``fast_tick.py``): one body of code per rule. They return codes; the events (kinds,
messages, values) stay in the Supervisor.
"""

from __future__ import annotations

from typing import Any

from backstroke.jit import numba_njit
from backstroke.safety.checks import force_cone
from backstroke.safety.events import Clamps
from backstroke.safety.layout import (
    BACKOFF,
    CONE,
    CONE_BACKOFF,
    DT,
    ESCAPE,
    FN,
    HIST,
    HIST_I,
    LAST2A,
    LAST2B,
    LAST_FLIM,
    LAST_FN,
    MAX_FN,
    MAX_FRATE,
    MAX_NSPEED,
    MAX_P,
    MOVE_CONFIRM,
    MOVE_MEMORY,
    MOVE_RATE,
    MOVED_UNTIL,
    OVER,
    PRESSURE,
    RATE,
    RATE_N,
    RATE_SPAN,
    RATE_TICKS,
    RISE_S,
    TT,
    TT_AREA,
    TT_N,
    TT_ZONE,
    Z_FORCE,
    Z_PRESSURE,
    Z_SOFT_FORCE,
    Z_SOFT_PRESSURE,
    Z_TISSUE,
    ZONE,
    ZONE_N,
)

# What force_limits finds (0: nothing).
FORCE, PRESSURE_OVER, CLIENT_MOVED = 1, 2, 3


@numba_njit()
def measured_force(K: Any, tool: int, raw_fn: float) -> float:
    """The session's largest force and pressure, and the median of the last three
    normal forces (what the limits act on: a one-sample spike, a sensor glitch, rides
    through; anything lasting two samples, 2 ms, is acted on)."""
    if raw_fn > K[MAX_FN]:
        K[MAX_FN] = raw_fn
    raw_pressure = raw_fn / K[TT + TT_N * tool + TT_AREA]
    if raw_pressure > K[MAX_P]:
        K[MAX_P] = raw_pressure
    a, b = K[LAST2A], K[LAST2B]
    K[LAST2A], K[LAST2B] = b, raw_fn
    lo, hi = (a, b) if a < b else (b, a)
    return lo if raw_fn < lo else (hi if raw_fn > hi else raw_fn)


@numba_njit()
def force_limits(
    K: Any, tool: int, bone: bool, t_s: float, tool_changed: bool, fn: float, joint_n: float
) -> int:
    """The limits of ``tool`` [over ``bone``] on the higher of the median F/T normal
    force ``fn`` and the joint estimate's ``joint_n``; the force rate over RATE_TICKS
    and the client pushing into the tool. FORCE, PRESSURE_OVER, CLIENT_MOVED or 0 (the
    figures in ``K[FN]``, ``K[PRESSURE]``, ``K[RATE]``, the limits at ``K[ZONE]``)."""
    # The retreat's "still pressed" reads the F/T sensor (the finer of the two) ...
    K[LAST_FN] = fn
    # ... but the limits act on the higher of the two force estimates.
    if joint_n > fn:  # (max() written out: it keeps the first when equal)
        fn = joint_n
    o = TT + TT_N * tool
    pressure = (0.0 if fn < 0.0 else fn) / K[o + TT_AREA]
    z = o + TT_ZONE + (ZONE_N if bone else 0)
    K[ZONE], K[FN], K[PRESSURE] = z, fn, pressure
    K[LAST_FLIM] = K[z + Z_TISSUE]
    i = int(K[HIST_I])
    K[HIST + i] = fn
    i += 1
    if i == RATE_TICKS:
        i = 0
    K[HIST_I] = i
    rate = (fn - K[HIST + i]) / K[RATE_SPAN]
    K[RATE] = rate
    # a new face settling onto the skin is not the client pushing: 30 ms grace
    rate_n = -20.0 if tool_changed else K[RATE_N] + 1.0
    K[RATE_N] = rate_n
    # The client pushing into the tool: force rising faster than any plan asks (once
    # the rate window holds real samples).
    if rate > K[MOVE_RATE] and fn > 1.0 and rate_n > RATE_TICKS:
        K[RISE_S] += K[DT]
        K[MOVED_UNTIL] = t_s + K[MOVE_MEMORY]
    else:
        K[RISE_S] = 0.0
    if fn > K[z + Z_FORCE]:
        return FORCE
    if pressure > K[z + Z_PRESSURE]:
        return PRESSURE_OVER
    if K[RISE_S] > K[MOVE_CONFIRM]:
        return CLIENT_MOVED
    return 0


@numba_njit()
def soft_excess(K: Any) -> float:
    """This tick's force, pressure and force rate over their soft limits (the largest
    ratio, also in ``K[OVER]``: above 1 the Supervisor clamps)."""
    z = int(K[ZONE])
    over = K[FN] / K[z + Z_SOFT_FORCE]
    over_p = K[PRESSURE] / K[z + Z_SOFT_PRESSURE]
    if over_p > over:
        over = over_p
    over_r = K[RATE] / K[MAX_FRATE]
    if over_r > over:
        over = over_r
    K[OVER] = over
    return over


@numba_njit()
def back_off(K: Any, over: float) -> None:
    """The clamps' back-offs along the normal: past a soft limit, faster the further
    past it (up to the escape speed); out of the force cone, in proportion to the
    excess angle (it only grows while the force is loaded, so this clamp alone never
    lifts the tool off the skin). Each comes back slowly once clear."""
    dt, speed_n = K[DT], K[MAX_NSPEED]
    cone = K[CONE_BACKOFF]
    if K[CONE + force_cone.OUT_OF_CONE] != 0.0:
        excess = K[CONE + force_cone.ANGLE_DEG] / K[CONE + force_cone.HALF_ANGLE_DEG] - 1.0
        K[CONE_BACKOFF] = cone + speed_n * (4.0 * excess if 4.0 * excess < 1.0 else 1.0) * dt
    elif cone > 0.0:
        cone = cone - 0.5 * speed_n * dt
        K[CONE_BACKOFF] = cone if cone > 0.0 else 0.0
    b = K[BACKOFF]
    if over > 1.0:
        speed = speed_n * over * over
        if K[ESCAPE] < speed:
            speed = K[ESCAPE]
        K[BACKOFF] = b + speed * dt
    elif b > 0.0:
        b = b - 0.25 * speed_n * dt
        K[BACKOFF] = b if b > 0.0 else 0.0


def limit_finding(K: Any, found: int, move_rate_n_s: float) -> tuple[str, float, float]:
    """What :func:`force_limits` found, as a retreat's kind, value and limit."""
    z = int(K[ZONE])
    if found == FORCE:
        return "force", float(K[FN]), float(K[z + Z_FORCE])
    if found == PRESSURE_OVER:
        return "pressure", float(K[PRESSURE]), float(K[z + Z_PRESSURE])
    return "client_moved", float(K[RATE]), move_rate_n_s


def soft_clamps(K: Any, clamps: Clamps, t_s: float, max_force_rate_n_s: float) -> None:
    """This tick's verdicts on the soft limits (force, pressure, force rate) as clamp
    episodes."""
    z = int(K[ZONE])
    fn, pressure, rate = float(K[FN]), float(K[PRESSURE]), float(K[RATE])
    f_soft, p_soft = float(K[z + Z_SOFT_FORCE]), float(K[z + Z_SOFT_PRESSURE])
    clamps.clamp(t_s, "force", fn, f_soft, fn > f_soft)
    clamps.clamp(t_s, "pressure", pressure, p_soft, pressure > p_soft)
    max_rate = max_force_rate_n_s
    clamps.clamp(t_s, "force_rate", rate, max_rate, rate > max_rate)
