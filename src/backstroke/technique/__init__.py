"""Techniques, one module each: rest, glide, forearm, thumb_strip (and transition).

Each implements :class:`~backstroke.technique.protocol.Technique` — where a block's pass
starts and its untimed :class:`~backstroke.technique.segment.Segment` list — and is found
by block kind in :mod:`backstroke.technique.registry`; the planner times and samples
the segments. ``transition`` is the light glide between strokes that every technique
and the planner use.
"""

from backstroke.technique.segment import Segment

__all__ = ["Segment"]
