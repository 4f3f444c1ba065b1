"""Techniques, one module each: rest, glide, forearm, thumb_strip, transition.

Each yields untimed :class:`~backstroke.technique.segment.Segment` lists for one pass;
the planner times and samples them.
"""

from backstroke.technique.segment import Segment

__all__ = ["Segment"]
