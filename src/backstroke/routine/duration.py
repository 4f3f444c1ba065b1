"""How long a routine takes, estimated before anything is planned (a resource bound).

Planning and running allocate memory in proportion to the session's duration (1 kHz
samples), so a routine that would run for hours is refused up front with one line
(``MAX_SESSION_S``). The estimate follows the planner's rules closely enough for a
bound (within about ±30 % of the planned duration on the presets): every stroke leg
covers ``(u_max - u_min) × back length`` at the block's speed (the planner aims the
mean speed at 90 % of it) or lasts ``beats_per_stroke`` beats; a glide pass is two legs
(down and back), a forearm or thumb pass two legs per side (a thumb block covering the
band: one and a half per lane, a return being quicker; its lanes shared out over its
passes); a rest lasts its ``duration_s`` (or 4 s per breath, 16 s by default).
"""

from __future__ import annotations

from pathlib import Path

from backstroke.errors import RoutineError
from backstroke.routine.schema import ForearmBlock, RestBlock, Routine, ThumbStripBlock

# The longest session backstroke plans or runs: 1 hour, every block at its most passes
# (the presets take 6–10 minutes). Memory grows with the session (1 kHz samples).
MAX_SESSION_S = 3600.0
# Approach, lead-ins, transitions and lift-off: a few seconds per block.
_OVERHEAD_PER_BLOCK_S = 8.0
_NOMINAL_BREATH_S = 4.0
# The reference back (DESIGN §5: C7 → PSIS 0.51 m) for checks without a client.
NOMINAL_BACK_LENGTH_M = 0.51
_DEFAULT_REST_S = 16.0


def pass_duration_s(routine: Routine, index: int, back_length_m: float, period_s: float) -> float:
    """Estimated duration of one pass of block ``index`` (s)."""
    block = routine.blocks[index]
    if isinstance(block, RestBlock):
        if block.duration_s is not None:
            return block.duration_s
        if block.breaths is not None:
            return block.breaths * _NOMINAL_BREATH_S
        return _DEFAULT_REST_S
    sides = 1
    if isinstance(block, ForearmBlock | ThumbStripBlock):
        sides = 2 if block.side == "both" else 1
    legs: float = 2 * sides
    if isinstance(block, ThumbStripBlock) and block.covers_band:
        legs = 1.5 * sides * _thumb_lanes_per_side(block)  # a return: half a strip
    leg_m = (block.u_max - block.u_min) * back_length_m
    if block.beats_per_stroke is not None:
        leg_s = block.beats_per_stroke * period_s
    else:
        speed = block.speed_m_s if block.speed_m_s is not None else routine.speed.default_m_s
        leg_s = leg_m / (0.9 * speed)
    return legs * max(leg_s, period_s)


# The innermost thumb lane clear of the spinous processes (m from the midline), and the
# mean length of a band's lanes relative to the inner ones (the outer lanes stop below
# the scapulae).
_THUMB_INNER_M = 0.022
_THUMB_LANE_LENGTH = 0.75


def _thumb_lanes_per_side(block: ThumbStripBlock) -> float:
    """Lanes one pass of a band-covering thumb block runs on one side (length-weighted)."""
    inner, outer = block.band_m
    lanes = round(max(outer - max(inner, _THUMB_INNER_M), 0.0) / block.lane_spacing_m) + 1
    share = block.repeat.planned_passes if block.repeat.until is None else 1
    return max(1.0, -(-lanes // min(share, lanes)) * _THUMB_LANE_LENGTH)


def estimated_duration_s(
    routine: Routine, back_length_m: float, period_s: float, *, most: bool = True
) -> float:
    """Estimated session duration (s): every block at its most passes (or its planned)."""
    total = 0.0
    for i, block in enumerate(routine.blocks):
        if isinstance(block, RestBlock):
            passes = 1
        else:
            passes = block.repeat.most_passes if most else block.repeat.planned_passes
        total += passes * pass_duration_s(routine, i, back_length_m, period_s)
        total += _OVERHEAD_PER_BLOCK_S
    return total


def check_duration(
    routine: Routine, back_length_m: float, period_s: float, source: str | Path | None = None
) -> float:
    """The session's longest estimated duration (s); refuses routines over ``MAX_SESSION_S``.

    Raises:
        RoutineError: naming the file and ``blocks``.
    """
    longest = estimated_duration_s(routine, back_length_m, period_s)
    if longest > MAX_SESSION_S:
        raise RoutineError(
            f"would take about {longest / 60:.0f} min with every block at its most passes",
            path=source,
            key="blocks",
            allowed=f"a session of at most {MAX_SESSION_S / 60:g} min "
            "(fewer blocks or passes, or a faster speed)",
        )
    return longest
