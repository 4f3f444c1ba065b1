"""The one protocol every technique implements: where a pass starts and what it plans.

A technique is an object with a ``kind`` (the routine file's ``technique = "…"``) and
two pure methods: :meth:`Technique.start_point` and :meth:`Technique.one_pass`, which
turns a :class:`PassRequest` into untimed :class:`~backstroke.technique.segment.Segment`
lists (the planner times and samples them). Everything else a block does in a session —
its passes, whether and how it listens, whether it dwells, its duration estimate — is
answered by the block model itself (``backstroke.routine.schema``), the same way for
every kind. The planner finds a block's technique with :func:`technique_for`
(``backstroke.technique.registry``); nothing downstream asks which kind a block is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, TypeVar

from backstroke.body.back_model import BackModel
from backstroke.technique.segment import Segment

# A chart point (u, v_m).
Point = tuple[float, float]
BlockT = TypeVar("BlockT", contravariant=True)


@dataclass(frozen=True)
class PassRequest:
    """What the planner asks of a technique: one pass of one block.

    Attributes:
        back: the client's BackModel (the chart the pass is planned on).
        index: the block's index in the routine (errors name it).
        pass_index: which pass (0-based): thumb lanes are shared out over passes.
        force_n: the block's target force after the pressure scale (N).
        speed_m_s: the block's cruise surface speed (m/s).
        transition_force_n: the routine's light force for moves between strokes (N).
        beat_period_s: one beat (s): holds last whole beats.
        dwell_at: chart points of knots found so far, for a block that dwells on them.
    """

    back: BackModel
    index: int
    pass_index: int
    force_n: float
    speed_m_s: float
    transition_force_n: float
    beat_period_s: float
    dwell_at: tuple[Point, ...] = ()


class Technique(Protocol[BlockT]):
    """One kind of block: what it plans.

    ``BlockT`` is the block model it plans (``GlideBlock`` for ``glide``, …).
    """

    kind: str

    def start_point(self, block: BlockT, back: BackModel, index: int) -> Point:
        """Chart point ``(u, v_m)`` where the block's first pass starts."""
        ...

    def one_pass(self, block: BlockT, req: PassRequest) -> list[Segment]:
        """Untimed segments of pass ``req.pass_index``; it ends where the next starts."""
        ...
