"""The techniques by block kind (``technique = "…"`` in a routine file).

Adding a technique: its block model in ``routine/schema.py`` (the routine file's
contract), one module here implementing :class:`~backstroke.technique.protocol.Technique`
and one entry below. The planner, the runner and the listener stay as they are.
"""

from __future__ import annotations

from typing import Any

from backstroke.errors import PlanError
from backstroke.technique import forearm, glide, rest, thumb_strip
from backstroke.technique.protocol import Technique

TECHNIQUES: dict[str, Technique[Any]] = {
    t.kind: t for t in (rest.TECHNIQUE, glide.TECHNIQUE, forearm.TECHNIQUE, thumb_strip.TECHNIQUE)
}


def technique_for(kind: str, index: int | None = None) -> Technique[Any]:
    """The technique of a block kind.

    Raises:
        PlanError: for a kind no technique implements (naming the block).
    """
    try:
        return TECHNIQUES[kind]
    except KeyError:
        raise PlanError(
            f"unknown technique {kind!r} (known: {', '.join(sorted(TECHNIQUES))})", block=index
        ) from None
