"""The Supervisor's checks on one nominal tick, fused and compiled (numba).

After the robot's step the Supervisor places the tool (over bone or not, from the
measured TCP) and checks the measurement: the sensor's health, the median force, the
second force estimate, the force and pressure limits, the force rate, force/depth
consistency, the force cone, the soft limits. :func:`post_tick` is that arithmetic
(``Supervisor.step`` after the robot, ``placement.over_bone_at``,
``ZoneLimits.over_bone`` and the checks' ``update``) written once more, in the same
order of operations (the same bits), on the state array ``K`` the Supervisor and its
checks share (``safety/slots.py``: their attributes are slots of ``K``).

It covers the ticks where nothing is found: on any finding, clamp, invalid sample,
or a path it does not cover (the touch follower's learning of ``k``) it returns
:data:`SLOW` *before writing anything*, and the Supervisor runs its Python checks on
the same state — the one choke point still decides every event. ``tests/safety/
test_fast_tick.py`` runs both on random states and compares every slot.

Layout of ``K``: the Supervisor's own slots, the constants of the limits and checks,
a table per tool (by :data:`TOOL_CODES`), then each check's slots.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

from backstroke.jit import numba_njit
from backstroke.plan.zone_limits import PAD_MARGINS_M, ZoneLimits
from backstroke.safety.checks import force_agreement, force_cone, force_depth, sensor_health
from backstroke.safety.checks.force_agreement import ForceAgreement
from backstroke.safety.checks.force_cone import ForceCone
from backstroke.safety.checks.force_depth import ForceDepth
from backstroke.safety.checks.sensor_health import SensorHealth
from backstroke.safety.limits import SafetyLimits
from backstroke.tools import TOOLS, Tool

RATE_TICKS = 10  # the force rate is measured over this many ticks
SLOW = -1  # post_tick's answer when the Python checks must take this tick

# The Supervisor's own state.
BACKOFF, CONE_BACKOFF, HIST_I, LAST2A, LAST2B, RISE_S, RATE_N = range(7)
MOVED_UNTIL, LAST_FN, LAST_FLIM, MAX_FN, MAX_P = range(7, 12)
HIST = 12  # the force history (RATE_TICKS)
# Constants (filled once from the limits and the checks).
C = HIST + RATE_TICKS
DT, RATE_SPAN, MOVE_RATE, MOVE_MEMORY, MOVE_CONFIRM, MAX_NSPEED, MAX_FRATE = range(C, C + 7)
REACH, MISSED, STALE, INVALID = range(C + 7, C + 11)
AG_TOL, AG_FRAC, AG_CONFIRM = range(C + 11, C + 14)
CN_LOAD, CN_TAN, CN_TOL, CN_CONFIRM = range(C + 14, C + 18)
FD_DEPTH, FD_LOW, FD_HIGH, FD_MISMATCH, FD_SEARCH, FD_TILT = range(C + 18, C + 24)
# Per tool: area (cm²), axial limit (N), bone margin (m), then per [over bone]: force
# limit, pressure limit, soft-tissue force limit, soft force and pressure limits.
TOOL_CODES: dict[Tool, int] = {tool: i for i, tool in enumerate(TOOLS)}
TT = C + 24
TT_AREA, TT_AXIAL, TT_MARGIN, TT_ZONE = 0, 1, 2, 3
TT_N = 13
HEALTH = TT + TT_N * len(TOOLS)
AGREE = HEALTH + sensor_health.N_SLOTS
CONE = AGREE + force_agreement.N_SLOTS
DEPTH = CONE + force_cone.N_SLOTS
SIZE = DEPTH + force_depth.N_SLOTS

# Layout of a zone table Z (one per ZoneLimits): nv, du, fu_max, v0, length_m, where
# cell_min and the clearances start; per tool: pad count, pads (3), where its cell
# minima start; then the arrays.
Z_NV, Z_DU, Z_FU_MAX, Z_V0, Z_LEN, Z_CELL, Z_FLAT = range(7)
Z_TOOL = 8
Z_TOOL_N = 5
_SPACING_M = 0.0025  # (ZoneLimits' grid: checked in zone_table)


def fill_constants(
    K: NDArray[np.float64],
    lim: SafetyLimits,
    zone_limits: Mapping[Tool, tuple[tuple[float, ...], ...]],
    health: SensorHealth,
    ag: ForceAgreement,
    cone: ForceCone,
    fd: ForceDepth,
) -> None:
    """The constants :func:`post_tick` reads, from the limits and the checks themselves
    (``zone_limits``: the Supervisor's per tool and [over bone] force and pressure
    limits, soft-tissue force limit, soft force and pressure limits)."""
    dt = health.dt_s
    for check in (ag, cone, fd):
        if check.dt_s != dt:
            raise ValueError(f"{type(check).__name__}: dt_s {check.dt_s}, health check {dt}")
    K[DT : MAX_FRATE + 1] = (
        dt, dt * (RATE_TICKS - 1), lim.move_rate_n_s, lim.move_memory_s, lim.move_confirm_s,
        lim.max_normal_speed_m_s, lim.max_force_rate_n_s,
    )  # fmt: skip
    K[REACH : INVALID + 1] = (
        lim.disagree_m,
        health.missed_deadline_s,
        health.stale_s,
        health.invalid_s,
    )
    K[AG_TOL : AG_CONFIRM + 1] = (ag.tolerance_n, ag.tolerance_fraction, ag.confirm_s)
    K[CN_LOAD : CN_CONFIRM + 1] = (cone.load_n, cone.cone_tan, cone.tolerance_n, cone.confirm_s)
    K[FD_DEPTH : FD_TILT + 1] = (
        fd.depth_m, fd.ratio_low, fd.ratio_high, fd.mismatch_s, fd.surface_offset_m, fd.tilt
    )  # fmt: skip
    for tool, code in TOOL_CODES.items():
        o = TT + TT_N * code
        K[o + TT_AREA] = TOOLS[tool].area_cm2
        K[o + TT_AXIAL] = cone.axial_limit_n[tool]
        K[o + TT_MARGIN] = PAD_MARGINS_M[tool]
        K[o + TT_ZONE : o + TT_N] = zone_limits[tool][0] + zone_limits[tool][1]


def zone_table(zones: ZoneLimits) -> NDArray[np.float64]:
    """``zones``' lookup tables as one array for :func:`post_tick`."""
    tables = zones.tables()
    if tables.spacing_m != _SPACING_M:
        raise ValueError(f"zone grid spacing {tables.spacing_m} m, kernel has {_SPACING_M}")
    head = np.zeros(Z_TOOL + Z_TOOL_N * len(TOOLS))
    parts = [head, np.asarray(tables.cell_min), np.asarray(tables.clearance)]
    at = head.size
    head[Z_NV : Z_FLAT + 1] = (
        tables.nv, tables.du, tables.fu_max, tables.v0, tables.length_m, at,
        at + len(tables.cell_min),
    )  # fmt: skip
    at += 2 * len(tables.cell_min)
    for tool, code in TOOL_CODES.items():
        pads = TOOLS[tool].pads_v_m
        if len(pads) > 3:
            raise ValueError(f"{tool}: {len(pads)} pads, the kernel takes 3")
        o = Z_TOOL + Z_TOOL_N * code
        head[o] = len(pads)
        head[o + 1 : o + 1 + len(pads)] = pads
        head[o + 4] = at
        tool_min = np.asarray(tables.tool_min(tool))
        parts.append(tool_min)
        at += tool_min.size
    return np.concatenate(parts)


@numba_njit()
def over_bone(Z: Any, tool: int, u: float, v_m: float, margin_m: float) -> bool:
    """ZoneLimits.over_bone on the table Z (u, v_m finite)."""
    nv = int(Z[Z_NV])
    fu = u / Z[Z_DU]
    if fu < 0.0:
        fu = 0.0
    if Z[Z_FU_MAX] < fu:
        fu = Z[Z_FU_MAX]
    i = int(fu)
    v0 = Z[Z_V0]
    fv = (v_m - v0) / _SPACING_M
    o = Z_TOOL + Z_TOOL_N * tool
    if 0.0 <= fv < nv - 1 and Z[int(Z[o + 4]) + i * nv + int(fv)] >= margin_m:
        return False  # no cell any pad can be in comes within the margin
    a = fu - i
    cm = int(Z[Z_CELL])
    c = int(Z[Z_FLAT])
    top = nv - 1.000001
    for q in range(int(Z[o])):
        fv = (v_m + Z[o + 1 + q] - v0) / _SPACING_M
        if fv < 0.0:  # (min(max(fv, 0.0), top) as Python's min and max answer)
            fv = 0.0
        if top < fv:
            fv = top
        j = int(fv)
        k = i * nv + j
        if Z[cm + k] >= margin_m:
            continue
        b = fv - j
        clearance = (
            Z[c + k] * (1 - a) * (1 - b)
            + Z[c + k + 1] * (1 - a) * b
            + Z[c + k + nv] * a * (1 - b)
            + Z[c + k + nv + 1] * a * b
        )
        if clearance < margin_m:
            return True
    return False


@numba_njit()
def post_tick(
    K: Any,
    Z: Any,
    tool: int,
    tool_changed: bool,
    plan_bone: bool,
    t: float,
    st_t: float,
    seq: float,
    p: tuple[float, float, float],
    f: tuple[float, float, float],
    ax: tuple[float, float, float],
    fj: tuple[float, float, float],
    has_fj: bool,
    n: tuple[float, float, float],
    planned: tuple[float, float, float],
    depth_m: float,
    uv: tuple[float, float],
    tu: tuple[float, float, float],
    tv: tuple[float, float, float],
) -> int:
    """One nominal tick's placement and checks; 1 / 0: over bone or not, or SLOW.

    The caller has made sure the Supervisor is running, clamps nothing, no client
    signal is new and no body tracker is seen (``shift_m`` None)."""
    dt = K[DT]
    # -- placement (over_bone_at, no tracked shift)
    if not (math.isfinite(p[0]) and math.isfinite(p[1]) and math.isfinite(p[2])):
        return SLOW
    s0 = planned[0] + depth_m * n[0]
    s1 = planned[1] + depth_m * n[1]
    s2 = planned[2] + depth_m * n[2]
    tt = TT + TT_N * tool
    if plan_bone or st_t < K[MOVED_UNTIL]:
        bone = True
    else:
        reach = K[REACH]
        dx, dy, dz = p[0] - s0, p[1] - s1, p[2] - s2
        dn = dx * n[0] + dy * n[1] + dz * n[2]
        dx, dy, dz = dx - dn * n[0], dy - dn * n[1], dz - dn * n[2]
        if dx * dx + dy * dy + dz * dz > reach * reach:
            bone = True
        else:
            u = uv[0] + (dx * tu[0] + dy * tu[1] + dz * tu[2]) / Z[Z_LEN]
            v = uv[1] + dx * tv[0] + dy * tv[1] + dz * tv[2]
            if not (math.isfinite(u) and math.isfinite(v)):
                return SLOW
            bone = over_bone(Z, tool, u, v, K[tt + TT_MARGIN])
    # -- SensorHealth
    h = HEALTH
    late_s = K[h + sensor_health.LATE_S]
    stale_s = K[h + sensor_health.STALE_FOR_S]
    if K[h + sensor_health.HAS_PREV] != 0.0:
        late = st_t - K[h + sensor_health.PREV_T_S] - dt
        if late > 0.5 * dt:
            late_s += late
        else:
            drained = late_s - dt
            late_s = drained if drained > 0.0 else 0.0
        if late_s > K[MISSED]:
            return SLOW
        if seq == K[h + sensor_health.PREV_SEQ]:
            stale_s += dt
            if stale_s > K[STALE]:
                return SLOW
        else:
            stale_s = 0.0
    fn = f[0] * n[0] + f[1] * n[1] + f[2] * n[2]
    if not math.isfinite(fn):
        return SLOW  # invalid: held and judged by the Python path
    # -- the Supervisor's force figures
    max_fn = K[MAX_FN]
    if fn > max_fn:
        max_fn = fn
    area = K[tt + TT_AREA]
    raw_pressure = fn / area
    max_p = K[MAX_P]
    if raw_pressure > max_p:
        max_p = raw_pressure
    a = K[LAST2A]
    b = K[LAST2B]
    raw_fn = fn
    lo, hi = (a, b) if a < b else (b, a)
    fn = lo if fn < lo else (hi if fn > hi else fn)
    median = fn
    depth = (s0 - p[0]) * n[0] + (s1 - p[1]) * n[1] + (s2 - p[2]) * n[2]
    # -- ForceAgreement
    g = AGREE
    apart = K[g + force_agreement.APART_S]
    joint_n = -math.inf
    if has_fj:
        jn = fj[0] * n[0] + fj[1] * n[1] + fj[2] * n[2]
        if math.isfinite(jn):
            most = jn
            if fn > most:
                most = fn
            if most < 0.0:
                most = 0.0
            tol = K[AG_TOL] + K[AG_FRAC] * most
            joint_n = jn
            gap = fn - jn
            if abs(gap) <= tol:
                apart = apart - dt
                apart = apart if apart > 0.0 else 0.0
            else:
                apart += dt
                if apart > K[AG_CONFIRM]:
                    return SLOW
    # -- limits and rate
    if joint_n > fn:
        fn = joint_n
    pressure = (0.0 if fn < 0.0 else fn) / area
    z = tt + TT_ZONE + (5 if bone else 0)
    f_lim, p_lim, flim_tissue, f_soft, p_soft = K[z], K[z + 1], K[z + 2], K[z + 3], K[z + 4]
    i = int(K[HIST_I])
    hist_at = i
    i += 1
    if i == RATE_TICKS:
        i = 0
    rate = (fn - K[HIST + i]) / K[RATE_SPAN]
    rate_n = K[RATE_N] + 1.0
    if tool_changed:
        rate_n = -20.0
    moved_until = K[MOVED_UNTIL]
    if rate > K[MOVE_RATE] and fn > 1.0 and rate_n > RATE_TICKS:
        rise = K[RISE_S] + dt
        moved_until = t + K[MOVE_MEMORY]
    else:
        rise = 0.0
    if fn > f_lim or pressure > p_lim or rise > K[MOVE_CONFIRM]:
        return SLOW
    # -- ForceDepth, with its touch follower (a fitted body) unless it would learn k
    d = DEPTH
    k = K[d + force_depth.K_N_M]
    search = K[FD_SEARCH]
    has_off = K[d + force_depth.HAS_OFFSET] != 0.0
    offset = K[d + force_depth.OFFSET_M]
    travel = K[d + force_depth.TRAVEL_M]
    low_s = K[d + force_depth.LOW_S]
    tp = d + force_depth.TOUCH_P
    tp0, tp1, tp2 = K[tp], K[tp + 1], K[tp + 2]
    if has_off or (median > force_depth.TOUCH_N and search > 0.0):
        if not has_off:  # the first touch
            offset = depth - median / k
            has_off = True
            tp0, tp1, tp2 = p[0], p[1], p[2]
            travel = 0.0
        else:
            dx, dy, dz = p[0] - tp0, p[1] - tp1, p[2] - tp2
            dn = dx * n[0] + dy * n[1] + dz * n[2]
            t2 = dx * dx + dy * dy + dz * dz - dn * dn
            travel = math.sqrt(t2) if t2 > 0.0 else 0.0
            if median > 2.0 and depth - offset > 0.001 and K[d + force_depth.LEARNING] != 0.0:
                return SLOW  # a sample of k to learn (a list, in Python)
            low_s = low_s + dt if median < force_depth.LOST_N else 0.0
            if low_s > force_depth.LOST_S:
                has_off = False
                offset = 0.0
    if has_off:
        dep = depth - offset
        band = K[FD_TILT] * travel
        if search < band:  # (min() written out)
            band = search
        searching = 0.0
    else:
        dep, band, searching = depth, 0.0, search
    shallowest = dep - band - searching
    too_soft = shallowest > K[FD_DEPTH] and median < K[FD_LOW] * k * shallowest
    reach_d = dep + band + 0.003
    if reach_d < 0.001:
        reach_d = 0.001
    too_hard = median > K[FD_HIGH] * k * reach_d + 5.0
    for_s = 0.0
    if too_soft or too_hard:
        for_s = K[d + force_depth.FOR_S] + dt
        if for_s > K[FD_MISMATCH]:
            return SLOW
    # -- ForceCone
    axial_n = f[0] * ax[0] + f[1] * ax[1] + f[2] * ax[2]
    cn = CONE
    axial_over = 0.0
    out_s = K[cn + force_cone.OUT_S]
    episode = K[cn + force_cone.EPISODE]
    angle = K[cn + force_cone.ANGLE_DEG]
    if axial_n >= K[CN_LOAD]:
        if axial_n > K[tt + TT_AXIAL]:
            if K[cn + force_cone.AXIAL_OVER] != 0.0:
                return SLOW
            axial_over = 1.0
        norm2 = f[0] * f[0] + f[1] * f[1] + f[2] * f[2]
        bound_n = K[CN_TAN] * axial_n + K[CN_TOL]
        if not norm2 - axial_n * axial_n <= bound_n * bound_n:
            return SLOW  # out of the cone: a clamp
        episode = 0.0
        angle = 0.0
        out = out_s - 0.5 * dt
        out_s = out if out > 0.0 else 0.0
    if episode != 0.0:
        return SLOW  # a shear episode under way: its clamp event is the Python path's
    # -- soft limits (any excess is a clamp)
    over = fn / f_soft
    over_p = pressure / p_soft
    if over_p > over:
        over = over_p
    over_r = rate / K[MAX_FRATE]
    if over_r > over:
        over = over_r
    if over > 1.0:
        return SLOW
    # -- nothing found: commit
    K[h + sensor_health.LATE_S] = late_s
    K[h + sensor_health.STALE_FOR_S] = stale_s
    K[h + sensor_health.INVALID_FOR_S] = 0.0
    K[h + sensor_health.VALID] = 1.0
    K[h + sensor_health.HAS_PREV] = 1.0
    K[h + sensor_health.PREV_T_S] = st_t
    K[h + sensor_health.PREV_SEQ] = seq
    K[MAX_FN] = max_fn
    K[MAX_P] = max_p
    K[LAST2A] = b
    K[LAST2B] = raw_fn
    K[g + force_agreement.JOINT_NORMAL_N] = joint_n
    K[g + force_agreement.APART_S] = apart
    K[LAST_FN] = median
    K[LAST_FLIM] = flim_tissue
    K[HIST + hist_at] = fn
    K[HIST_I] = i
    K[RATE_N] = rate_n
    K[RISE_S] = rise
    K[MOVED_UNTIL] = moved_until
    K[d + force_depth.FOR_S] = for_s
    K[d + force_depth.HAS_OFFSET] = 1.0 if has_off else 0.0
    K[d + force_depth.OFFSET_M] = offset
    K[d + force_depth.TRAVEL_M] = travel
    K[d + force_depth.LOW_S] = low_s
    K[tp], K[tp + 1], K[tp + 2] = tp0, tp1, tp2
    K[cn + force_cone.OUT_OF_CONE] = 0.0
    K[cn + force_cone.AXIAL_OVER] = axial_over
    K[cn + force_cone.OUT_S] = out_s
    K[cn + force_cone.EPISODE] = episode
    K[cn + force_cone.ANGLE_DEG] = angle
    cb = K[CONE_BACKOFF]
    if cb > 0.0:
        cb = cb - 0.5 * K[MAX_NSPEED] * dt
        K[CONE_BACKOFF] = cb if cb > 0.0 else 0.0
    bo = K[BACKOFF]
    if bo > 0.0:
        bo = bo - 0.25 * K[MAX_NSPEED] * dt
        K[BACKOFF] = bo if bo > 0.0 else 0.0
    return 1 if bone else 0


_entry: list[Callable[..., int]] = []


def fused_tick() -> Callable[..., int]:
    """:func:`post_tick` compiled for the Supervisor's argument types (float64 arrays,
    int and bool codes, floats and tuples of floats), called without numba's per-call
    type dispatch (≈ 0.7 µs of a 19-argument call). It converts what it is given to
    those types; arguments that cannot be (numpy arrays for tuples) raise before any
    state is written and must go through :func:`post_tick` itself."""
    if not _entry:
        from numba import types as nt

        arr, f, i, b = nt.float64[::1], nt.float64, nt.int64, nt.boolean
        f2, f3 = nt.UniTuple(f, 2), nt.UniTuple(f, 3)
        sig = (arr, arr, i, b, b, f, f, i, f3, f3, f3, f3, b, f3, f3, f, f2, f3, f3)
        _entry.append(post_tick.compile(sig))  # type: ignore[attr-defined]
    return _entry[0]
