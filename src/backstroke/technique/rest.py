"""``rest``: both palms resting on the upper back; listen and breathe.

"Rest both your hands at the client's upper back, close your eyes and just listen."
The session runner estimates the breathing rate and the baseline stiffness here.
"""

from __future__ import annotations

import math

from backstroke.routine.schema import RestBlock
from backstroke.technique.segment import Segment, hold
from backstroke.tools import Tool

# A resting breath at 15 breaths/min, for routines that give their rest in breaths.
NOMINAL_BREATH_S = 4.0
DEFAULT_REST_S = 16.0


def rest_duration_s(block: RestBlock) -> float:
    if block.duration_s is not None:
        return block.duration_s
    if block.breaths is not None:
        return block.breaths * NOMINAL_BREATH_S
    return DEFAULT_REST_S


def start_point(block: RestBlock) -> tuple[float, float]:
    return block.u, 0.0


def one_pass(block: RestBlock, *, force_n: float, beat_period_s: float) -> list[Segment]:
    """A single hold of whole beats lasting at least the block's duration."""
    beats = max(1, math.ceil(rest_duration_s(block) / beat_period_s - 1e-9))
    return [hold(Tool.PALMS, block.u, 0.0, force_n=force_n, beats=beats, label="rest")]
