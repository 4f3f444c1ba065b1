"""``thumb_strip``: thumbs up the long muscles either side of the spine, L5 → T1.

"Using your thumbs, start at the lower back and apply pressure to the long muscles on
either side of the spine pushing upwards as you travel up the back. You will probably
feel tight spots and/or knots." Strips always go upward, 2.5–4 cm lateral of the
midline, clear of bone; the return to the next strip's start is a light palm glide.
A pass may dwell (hold still, whole beats) on knots found earlier.
"""

from __future__ import annotations

import numpy as np

from backstroke.body.back_model import BackModel
from backstroke.routine.schema import ThumbStripBlock
from backstroke.technique.clearance import lanes
from backstroke.technique.segment import Segment, hold, line, stroke
from backstroke.technique.transition import transition
from backstroke.tools import Tool


def start_point(block: ThumbStripBlock, back: BackModel, index: int) -> tuple[float, float]:
    v, lo, _ = lanes(block, back, index)[0]
    return lo, v


def one_pass(
    block: ThumbStripBlock,
    back: BackModel,
    index: int,
    *,
    force_n: float,
    speed_m_s: float,
    transition_force_n: float,
    dwell_at: tuple[tuple[float, float], ...] = (),
) -> list[Segment]:
    """Strips (with dwells at ``dwell_at`` chart points on the same side) and returns."""
    segs: list[Segment] = []
    lane_list = lanes(block, back, index)
    for i, (v, lo, hi) in enumerate(lane_list):
        side = "left" if v > 0 else "right"
        stops = sorted(
            u for (u, kv) in dwell_at if np.sign(kv) == np.sign(v) and lo + 0.02 < u < hi - 0.02
        )
        marks = [lo, *stops, hi]
        for j in range(len(marks) - 1):
            segs.append(
                stroke(
                    line(marks[j], v, marks[j + 1], v),
                    tool=Tool.THUMB,
                    force_n=force_n,
                    tilt_deg=block.tilt_deg,
                    speed_m_s=speed_m_s,
                    beats=block.beats_per_stroke if not stops else None,
                    label=f"up {side}",
                )
            )
            if j < len(stops):
                segs.append(
                    hold(
                        Tool.THUMB,
                        marks[j + 1],
                        v,
                        force_n=force_n,
                        beats=block.dwell_beats,
                        label="dwell",
                    )
                )
        nxt = lane_list[(i + 1) % len(lane_list)]
        t = transition(
            (hi, v),
            (nxt[1], nxt[0]),
            back_length_m=back.back_length_m,
            force_n=transition_force_n,
            speed_m_s=max(speed_m_s, 0.04),
            label="return",
        )
        if t is not None:
            segs.append(t)
    return segs
