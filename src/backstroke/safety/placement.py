"""Where the tool is on the client: over bone or not, from the *measured* TCP.

The measured TCP is projected on the model's chart around the plan point (the chart is
linear there: ``u`` along the back, ``v`` across it, through the skin's unit tangents),
with the pad's margin. When a body tracker says the client has moved, the tool's place
on the client is its measured position less the client's shift. Conservative: anything
it cannot place (non-finite data, too far from the plan point for the linear chart)
counts as bone.
"""

from __future__ import annotations

import math
from typing import Any

from backstroke.jit import numba_njit
from backstroke.plan.zone_limits import (
    TOOL_INDEX,
    Z_LEN,
    Z_MARGIN,
    Z_TOOL,
    Z_TOOL_N,
    ZoneLimits,
    over_bone_in,
)
from backstroke.robot.protocol import Vec3
from backstroke.tools import Tool

# With a body tracker: shifts below the deadband are registration noise (m); beyond it,
# how far from the plan point the chart is trusted (m) and the extra pad margin for
# the tracker's noise (m).
TRACKER_DEADBAND_M = 0.004
TRACKED_REACH_M = 0.04
TRACKER_MARGIN_M = 0.002
NO_SHIFT_M = (0.0, 0.0, 0.0)  # no tracked shift (bone_near's shift_m when has_shift is False)


def over_bone_at(
    zones: ZoneLimits,
    tool: Tool,
    position_m: Vec3,
    surface_m: Vec3,
    normal: Vec3,
    plan_uv: tuple[float, float],
    tangents: tuple[Vec3, Vec3],
    *,
    untracked_reach_m: float,
    client_shift_m: Vec3 | None = None,
) -> bool:
    """Whether the tool's pads are on (or within their margin of) bone.

    Args:
        position_m: the measured TCP (m, frame B).
        surface_m: the model's skin point under the plan point (m, frame B).
        normal: the skin's outward unit normal there.
        plan_uv: the plan point's chart coordinates ``(u, v_m)``.
        tangents: unit ∂/∂u and ∂/∂v directions of the skin there.
        untracked_reach_m: without a tracked shift, a TCP this far (tangentially) from
            the plan point counts as bone (the arm is not where it was sent).
        client_shift_m: the tracked shift of the client, if a tracker sees it.
    """
    s = NO_SHIFT_M if client_shift_m is None else client_shift_m
    tu, tv = tangents
    code, reach = TOOL_INDEX[tool], untracked_reach_m
    tracked = client_shift_m is not None
    return bool(
        bone_near(
            zones.table, code, position_m, surface_m, normal, plan_uv, tu, tv, reach, s, tracked
        )
    )


@numba_njit()
def bone_near(
    Z: Any,
    tool: int,
    p: Any,
    surface_m: Any,
    n: Any,
    plan_uv: Any,
    tu: Any,
    tv: Any,
    untracked_reach_m: float,
    shift_m: Any,
    has_shift: bool,
) -> bool:
    """:func:`over_bone_at` on the bone table ``Z`` (``ZoneLimits.table``) — the one
    body of the rule, for the Supervisor's Python path and its fused tick."""
    if not (math.isfinite(p[0]) and math.isfinite(p[1]) and math.isfinite(p[2])):
        return True
    px, py, pz = p[0], p[1], p[2]
    reach_m = untracked_reach_m
    margin_m = Z[Z_TOOL + Z_TOOL_N * tool + Z_MARGIN]
    s = shift_m
    if has_shift and s[0] * s[0] + s[1] * s[1] + s[2] * s[2] > TRACKER_DEADBAND_M**2:
        px, py, pz = px - s[0], py - s[1], pz - s[2]
        reach_m, margin_m = TRACKED_REACH_M, margin_m + TRACKER_MARGIN_M
    dx, dy, dz = px - surface_m[0], py - surface_m[1], pz - surface_m[2]
    dn = dx * n[0] + dy * n[1] + dz * n[2]
    dx, dy, dz = dx - dn * n[0], dy - dn * n[1], dz - dn * n[2]
    if dx * dx + dy * dy + dz * dz > reach_m * reach_m:
        return True
    u = plan_uv[0] + (dx * tu[0] + dy * tu[1] + dz * tu[2]) / Z[Z_LEN]
    v = plan_uv[1] + dx * tv[0] + dy * tv[1] + dz * tv[2]
    return over_bone_in(Z, tool, u, v, margin_m)
