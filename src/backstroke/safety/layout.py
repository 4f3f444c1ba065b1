"""The layout of the Supervisor's state array ``K`` (``safety/slots.py``).

The Supervisor's own slots (its state, then what this tick's limits measured), its
constants, a table per tool (by ``TOOL_INDEX``), then each check's slots (each check
keeps its state and its settings there). The rules that read and write ``K`` are small
compiled functions (``force_limits.py`` and each check's own file), called by the
Supervisor's Python path and by the fused tick (``fast_tick.py``) alike.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import NDArray

from backstroke.plan.zone_limits import TOOL_INDEX
from backstroke.safety.checks import (
    ForceAgreement,
    ForceCone,
    ForceDepth,
    SensorHealth,
    force_agreement,
    force_cone,
    force_depth,
    sensor_health,
)
from backstroke.safety.limits import SafetyLimits
from backstroke.safety.slots import rehome
from backstroke.tools import TOOLS, Tool

RATE_TICKS = 10  # the force rate is measured over this many ticks

# The Supervisor's own state.
BACKOFF, CONE_BACKOFF, HIST_I, LAST2A, LAST2B, RISE_S, RATE_N = range(7)
MOVED_UNTIL, LAST_FN, LAST_FLIM, MAX_FN, MAX_P = range(7, 12)
# What this tick's limits measured: the force and pressure they acted on, the force
# rate, where the tool's limits are (index of its zone row) and the soft limits' excess.
FN, PRESSURE, RATE, ZONE, OVER = range(12, 17)
HIST = 17  # the force history (RATE_TICKS)
# Constants (filled once from the limits).
C = HIST + RATE_TICKS
DT, RATE_SPAN, MOVE_RATE, MOVE_MEMORY, MOVE_CONFIRM = range(C, C + 5)
MAX_NSPEED, MAX_FRATE, ESCAPE, REACH = range(C + 5, C + 9)
# Per tool: area (cm²), axial limit (N), then per [over bone] a zone row: force limit,
# pressure limit, soft-tissue force limit, soft force and pressure limits.
TT = C + 9
TT_AREA, TT_AXIAL, TT_ZONE = 0, 1, 2
Z_FORCE, Z_PRESSURE, Z_TISSUE, Z_SOFT_FORCE, Z_SOFT_PRESSURE = range(5)
ZONE_N = 5
TT_N = TT_ZONE + 2 * ZONE_N
HEALTH = TT + TT_N * len(TOOLS)
AGREE = HEALTH + sensor_health.N_SLOTS
CONE = AGREE + force_agreement.N_SLOTS
DEPTH = CONE + force_cone.N_SLOTS
SIZE = DEPTH + force_depth.N_SLOTS


def fill_constants(
    K: NDArray[np.float64], lim: SafetyLimits, dt_s: float, axial_limit_n: Mapping[Tool, float]
) -> None:
    """The Supervisor's constants and per-tool tables in ``K``, from its limits and the
    force cone's axial ceilings."""
    K[DT : REACH + 1] = (
        dt_s, dt_s * (RATE_TICKS - 1), lim.move_rate_n_s, lim.move_memory_s,
        lim.move_confirm_s, lim.max_normal_speed_m_s, lim.max_force_rate_n_s,
        lim.escape_speed_m_s, lim.disagree_m,
    )  # fmt: skip
    soft = lim.soft_fraction
    for tool, code in TOOL_INDEX.items():
        o = TT + TT_N * code
        K[o + TT_AREA] = TOOLS[tool].area_cm2
        K[o + TT_AXIAL] = axial_limit_n[tool]
        for bone in (False, True):
            z = o + TT_ZONE + (ZONE_N if bone else 0)
            K[z : z + ZONE_N] = (
                lim.force_limit_n(tool, bone),
                lim.pressure_limit_n_cm2(tool, bone),
                lim.force_limit_n(tool, False),
                soft * lim.force_limit_n(tool, bone),
                soft * lim.pressure_limit_n_cm2(tool, bone),
            )


Checks = tuple[SensorHealth, ForceAgreement, ForceCone, ForceDepth]


def make_checks(lim: SafetyLimits, dt_s: float, force_direction_error_n: float) -> Checks:
    """The Supervisor's checks with slots in ``K`` (each on its own array until
    :func:`rehome_checks`), from its limits and the backend's force direction error."""
    return (
        SensorHealth(dt_s, lim.missed_deadline_s, lim.stale_s, lim.invalid_s),
        ForceAgreement(dt_s),
        ForceCone(dt_s, tolerance_n=force_direction_error_n),
        ForceDepth(
            dt_s, lim.mismatch_depth_m, lim.mismatch_ratio_low, lim.mismatch_ratio_high,
            lim.mismatch_s, surface_offset_m=lim.surface_offset_m,
            surface_tilt_deg=lim.surface_tilt_deg,
        ),
    )  # fmt: skip


CHECK_AT = (HEALTH, AGREE, CONE, DEPTH)  # where each of make_checks' checks lives in K


def rehome_checks(K: NDArray[np.float64], checks: Checks) -> None:
    """Move the checks' slots (their current values) into ``K``."""
    for check, at in zip(checks, CHECK_AT, strict=True):
        rehome(check, K, at)
