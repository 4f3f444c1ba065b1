"""Keeping forearm and thumbs off bony landmarks.

"Always use the fleshy part of your forearm, as meeting a bony landmark with your ulna
will not feel good to the client and may actually cause pain." A line stroke at a fixed
lateral offset is trimmed to the longest stretch where the tool's half-width plus a
margin stays clear of every keep-out zone.
"""

from __future__ import annotations

import numpy as np

from backstroke.body.back_model import BackModel
from backstroke.errors import PlanError
from backstroke.routine.schema import ForearmBlock, ThumbStripBlock
from backstroke.tools import TOOLS, Tool

# Extra distance kept between the tool's edge and a bony zone (m).
KEEP_OUT_MARGIN_M = 0.004
MIN_STROKE_U = 0.1


def clear_u_interval(
    back: BackModel, tool: Tool, v_m: float, u_min: float, u_max: float, *, block: int | None
) -> tuple[float, float]:
    """Longest ``[u_lo, u_hi] ⊆ [u_min, u_max]`` along ``v = v_m`` clear of keep-out zones.

    Raises:
        PlanError: when no stretch of at least ``MIN_STROKE_U`` is clear.
    """
    need = TOOLS[tool].half_width_m + KEEP_OUT_MARGIN_M
    u = np.linspace(u_min, u_max, 401)
    ok = back.keep_out_clearance_m(u, np.full_like(u, v_m)) >= need
    best = (0, -1)
    start = None
    for i, flag in enumerate(np.append(ok, False)):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            if i - 1 - start > best[1] - best[0]:
                best = (start, i - 1)
            start = None
    if best[1] < 0 or u[best[1]] - u[best[0]] < MIN_STROKE_U:
        raise PlanError(
            f"no stretch of u {u_min:.2f}..{u_max:.2f} at v = {v_m * 100:.1f} cm is clear of "
            f"bony landmarks for the {tool} (needs {need * 100:.1f} cm clearance)",
            block=block,
        )
    # Shrink by one grid step so the ends are strictly inside the clear stretch.
    step = u[1] - u[0]
    lo = u[best[0]] + (step if best[0] > 0 else 0.0)
    hi = u[best[1]] - (step if best[1] < u.size - 1 else 0.0)
    return float(lo), float(hi)


SIDE_SIGNS = {"both": (1.0, -1.0), "left": (1.0,), "right": (-1.0,)}


def lanes(
    block: ForearmBlock | ThumbStripBlock, back: BackModel, index: int
) -> list[tuple[float, float, float]]:
    """``(v_m, u_lo, u_hi)`` of each side's clear stroke line, left (+v) first."""
    tool = block.tool()
    out = []
    for sgn in SIDE_SIGNS[block.side]:
        v = sgn * block.lateral_m
        lo, hi = clear_u_interval(back, tool, v, block.u_min, block.u_max, block=index)
        out.append((v, lo, hi))
    return out
