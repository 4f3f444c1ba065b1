"""``forearm``: the fleshy forearm along the paraspinals and latissimus, off the bone.

"Apply the forearm where you were using the hands. This will take a lot of the work
out of applying deeper strokes." Each side: down to the waist and back up, at the
block's lateral offset, trimmed clear of the scapulae, spine and iliac crests. With
``side = "both"`` a pass is left down/up, a light transition across, right down/up and
a transition back, so it ends where it started.
"""

from __future__ import annotations

from backstroke.body.back_model import BackModel
from backstroke.routine.schema import ForearmBlock
from backstroke.technique.clearance import lanes
from backstroke.technique.protocol import PassRequest, Point
from backstroke.technique.segment import Segment, leg, line
from backstroke.technique.transition import transition
from backstroke.tools import Tool


class Forearm:
    kind = "forearm"

    def start_point(self, block: ForearmBlock, back: BackModel, index: int) -> Point:
        v, _, hi = lanes(block, back, index)[0]
        return hi, v

    def one_pass(self, block: ForearmBlock, req: PassRequest) -> list[Segment]:
        segs: list[Segment] = []
        lane_list = lanes(block, req.back, req.index)
        for i, (v, lo, hi) in enumerate(lane_list):
            side = "left" if v > 0 else "right"
            segs.append(leg(block, req, Tool.FOREARM, line(hi, v, lo, v), f"down {side}"))
            segs.append(leg(block, req, Tool.FOREARM, line(lo, v, hi, v), f"up {side}"))
            nxt = lane_list[(i + 1) % len(lane_list)]
            t = transition(
                (hi, v),
                (nxt[2], nxt[0]),
                back_length_m=req.back.back_length_m,
                force_n=req.transition_force_n,
                speed_m_s=block.transition_speed_or(req.speed_m_s),
                label="cross",
            )
            if t is not None:
                segs.append(t)
        return segs


TECHNIQUE = Forearm()
