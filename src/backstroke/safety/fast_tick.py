"""The Supervisor's checks on one nominal tick in one compiled call (numba).

After the robot's step the Supervisor places the tool (over bone or not, from the
measured TCP) and checks the measurement: the sensor's health, the median force, the
second force estimate, the force and pressure limits, the force rate, force/depth
consistency, the force cone, the soft limits. Each of those rules is one compiled
function (``placement.bone_near``, the checks' ``*_update``, ``force_limits.py``) that
the Python path calls too; :func:`post_tick` calls the same functions, in the same
order, on a scratch copy ``S`` of the state array ``K`` (``layout.py``).

It covers the ticks where nothing is found: on any finding, clamp, invalid sample, or
a path it does not cover (the touch follower learning ``k``) it returns :data:`SLOW`
and ``K`` is untouched — the Supervisor then runs its Python path on the same state,
the one choke point that decides every event. Otherwise it copies ``S`` into ``K``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from backstroke.jit import numba_njit
from backstroke.plan.zone_limits import TOOL_INDEX, ZoneLimits
from backstroke.robot.protocol import RobotState, Vec3
from backstroke.safety.checks import force_agreement, force_cone, sensor_health
from backstroke.safety.checks.force_agreement import agreement_update
from backstroke.safety.checks.force_cone import cone_update
from backstroke.safety.checks.force_depth import depth_update
from backstroke.safety.checks.sensor_health import health_update
from backstroke.safety.force_limits import back_off, force_limits, measured_force, soft_excess
from backstroke.safety.layout import (
    AGREE,
    CONE,
    DEPTH,
    HEALTH,
    MOVED_UNTIL,
    REACH,
    SIZE,
    TT,
    TT_AXIAL,
    TT_N,
)
from backstroke.safety.placement import NO_SHIFT_M, bone_near
from backstroke.tools import Tool

SLOW = -1  # post_tick's answer when the Python path must take this tick
_NO_FORCE = (0.0, 0.0, 0.0)  # the stand-in for a missing joint estimate


@numba_njit()
def post_tick(
    K: Any,
    S: Any,
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
    """One nominal tick's placement and checks on ``K`` (scratch: ``S``, its size);
    1 / 0: over bone or not, or SLOW (``K`` untouched).

    The caller has made sure the Supervisor is running, clamps nothing, no client
    signal is new and no body tracker is seen (``shift_m`` None)."""
    S[:] = K
    surface = (
        planned[0] + depth_m * n[0],
        planned[1] + depth_m * n[1],
        planned[2] + depth_m * n[2],
    )
    if plan_bone or st_t < S[MOVED_UNTIL]:
        bone = True
    else:
        bone = bone_near(Z, tool, p, surface, n, uv, tu, tv, S[REACH], NO_SHIFT_M, False)
    fn = f[0] * n[0] + f[1] * n[1] + f[2] * n[2]
    if health_update(S, HEALTH, st_t, seq, fn, p[0], p[1], p[2]) != 0:
        return SLOW
    if S[HEALTH + sensor_health.VALID] == 0.0:
        return SLOW  # invalid: held and judged by the Python path
    fn = measured_force(S, tool, fn)
    if agreement_update(S, AGREE, fn, has_fj, fj, n) != 0:
        return SLOW
    joint_n = S[AGREE + force_agreement.JOINT_NORMAL_N]
    if force_limits(S, tool, bone, t, tool_changed, fn, joint_n) != 0:
        return SLOW
    depth = (surface[0] - p[0]) * n[0] + (surface[1] - p[1]) * n[1] + (surface[2] - p[2]) * n[2]
    if depth_update(S, DEPTH, depth, fn, p, n) != 0:
        return SLOW  # a mismatch, or a sample of k to learn (a list, in Python)
    if cone_update(S, CONE, S[TT + TT_N * tool + TT_AXIAL], f, ax) != 0:
        return SLOW
    if S[CONE + force_cone.EPISODE] != 0.0:
        return SLOW  # out of the cone, or a shear episode under way: a clamp event
    over = soft_excess(S)
    if over > 1.0:
        return SLOW  # a clamp
    back_off(S, over)
    K[:] = S
    return 1 if bone else 0


_entry: list[Callable[..., int]] = []


def fused_tick() -> Callable[..., int]:
    """:func:`post_tick` compiled for the Supervisor's argument types (float64 arrays,
    int and bool codes, floats and tuples of floats), called without numba's per-call
    type dispatch (≈ 0.7 µs of a 20-argument call). It converts what it is given to
    those types; arguments that cannot be (numpy arrays for tuples) raise before any
    state is written and must go through :func:`post_tick` itself."""
    if not _entry:
        from numba import types as nt

        arr, f, i, b = nt.float64[::1], nt.float64, nt.int64, nt.boolean
        f2, f3 = nt.UniTuple(f, 2), nt.UniTuple(f, 3)
        sig = (arr, arr, arr, i, b, b, f, f, i, f3, f3, f3, f3, b, f3, f3, f, f2, f3, f3)
        _entry.append(post_tick.compile(sig))  # type: ignore[attr-defined]
    return _entry[0]


class FusedTick:
    """The Supervisor's call of :func:`post_tick`: its arguments from the tick's
    objects, a scratch array, the compiled entry (at its first use)."""

    def __init__(self) -> None:
        self._scratch = np.zeros(SIZE)  # the kernel's working copy of K
        self._tool: Tool | None = None  # the last tool, and its code
        self._code = 0
        self.post: Callable[..., int] | None = None

    def __call__(
        self,
        K: NDArray[np.float64],
        zones: ZoneLimits,
        state: RobotState,
        prev: RobotState | None,
        t_s: float,
        normal: Vec3,
        planned: Vec3,
        depth_m: float,
        over_bone: bool,
        plan_uv: tuple[float, float],
        tangents: tuple[Vec3, Vec3],
    ) -> int:
        """1 / 0: over bone or not, or SLOW (``K`` untouched)."""
        tool = state.tool
        if tool is not self._tool:
            self._tool, self._code = tool, TOOL_INDEX[tool]
        fj = state.force_joint_n
        args = (
            K, self._scratch, zones.table, self._code,
            prev is not None and tool is not prev.tool, over_bone,
            t_s, state.t_s, state.seq, state.position_m, state.force_n,
            state.axis, _NO_FORCE if fj is None else fj, fj is not None, normal,
            planned, depth_m, plan_uv, tangents[0], tangents[1],
        )  # fmt: skip
        post = self.post
        if post is None:
            post = self.post = fused_tick()
        try:
            return post(*args)
        except (TypeError, ValueError, SystemError, OverflowError):
            # not the types the entry was compiled for (e.g. numpy arrays): numba's
            # own dispatch types them (nothing was written: unboxing failed)
            return int(post_tick(*args))
