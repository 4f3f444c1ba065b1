"""``glide``: palms either side of the spine, down to the waist and back to the shoulders.

"Begin by gliding slowly down the back to the waist and slowly return back to the
shoulders. Do this repeatedly until you feel a softening in the tissues."
One pass = down then up; it ends where it started, so passes chain seamlessly.
"""

from __future__ import annotations

from backstroke.body.back_model import BackModel
from backstroke.routine.schema import GlideBlock
from backstroke.technique.protocol import PassRequest, Point
from backstroke.technique.segment import Segment, leg, line
from backstroke.tools import Tool


class Glide:
    kind = "glide"

    def start_point(self, block: GlideBlock, back: BackModel, index: int) -> Point:
        return block.u_max, 0.0

    def one_pass(self, block: GlideBlock, req: PassRequest) -> list[Segment]:
        return [
            leg(block, req, Tool.PALMS, line(block.u_max, 0.0, block.u_min, 0.0), "down"),
            leg(block, req, Tool.PALMS, line(block.u_min, 0.0, block.u_max, 0.0), "up"),
        ]


TECHNIQUE = Glide()
