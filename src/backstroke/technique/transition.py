"""``transition``: a light palm glide on the skin between strokes and blocks.

"Once you have laid your hands on the client, they don't leave the client until the
end": moving from one stroke's end to the next one's start stays on the skin, with
the palms (which straddle the spine, so crossing the midline is safe) at light force.
"""

from __future__ import annotations

import math

from backstroke.technique.segment import Segment, line
from backstroke.tools import Tool

# Below this chart distance (m) no transition is needed.
_SAME_POINT_M = 0.002


def transition(
    start: tuple[float, float],
    end: tuple[float, float],
    *,
    back_length_m: float,
    force_n: float,
    speed_m_s: float,
    label: str = "transition",
) -> Segment | None:
    """A light-force palm glide from ``start`` to ``end`` (chart points), or None if equal."""
    du_m = (end[0] - start[0]) * back_length_m
    dv_m = end[1] - start[1]
    if math.hypot(du_m, dv_m) < _SAME_POINT_M:
        return None
    u, v = line(start[0], start[1], end[0], end[1])
    return Segment(
        kind="transition",
        tool=Tool.PALMS,
        u=u,
        v_m=v,
        force_n=force_n,
        tilt_deg=0.0,
        speed_m_s=speed_m_s,
        label=label,
        turnaround=False,
    )
