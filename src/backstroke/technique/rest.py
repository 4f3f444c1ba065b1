"""``rest``: both palms resting on the upper back; listen and breathe.

"Rest both your hands at the client's upper back, close your eyes and just listen."
The session runner estimates the breathing rate and the baseline stiffness here.
"""

from __future__ import annotations

import math

from backstroke.body.back_model import BackModel
from backstroke.routine.schema import RestBlock
from backstroke.technique.protocol import PassRequest, Point
from backstroke.technique.segment import Segment, hold
from backstroke.tools import Tool


class Rest:
    kind = "rest"

    def start_point(self, block: RestBlock, back: BackModel, index: int) -> Point:
        return block.u, 0.0

    def one_pass(self, block: RestBlock, req: PassRequest) -> list[Segment]:
        """A single hold of whole beats lasting at least the block's ``hold_s``."""
        beats = max(1, math.ceil(block.hold_s / req.beat_period_s - 1e-9))
        return [hold(Tool.PALMS, block.u, 0.0, force_n=req.force_n, beats=beats, label="rest")]


TECHNIQUE = Rest()
