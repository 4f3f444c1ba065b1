"""How long a routine takes, estimated before anything is planned (a resource bound).

Planning and running allocate memory in proportion to the session's duration (1 kHz
samples), so a routine that would run for hours is refused up front with one line
(``MAX_SESSION_S``). The estimate follows the planner's rules closely enough for a
bound (within about ±30 % of the planned duration on the presets). Each block estimates
its own pass (``estimated_pass_s`` on the block models): every stroke leg covers
``(u_max - u_min) × back length`` at the block's speed (the planner aims the mean speed
at 90 % of it) or lasts ``beats_per_stroke`` beats; a glide pass is two legs (down and
back), a forearm or thumb pass two legs per side (a thumb block covering the band: one
and a half per lane, a return being quicker; its lanes shared out over its passes); a
rest lasts its ``duration_s`` (or 4 s per breath, 16 s by default).
"""

from __future__ import annotations

from pathlib import Path

from backstroke.errors import RoutineError
from backstroke.routine.schema import Routine

# The longest session backstroke plans or runs: 1 hour, every block at its most passes
# (the presets take 6–10 minutes). Memory grows with the session (1 kHz samples).
MAX_SESSION_S = 3600.0
# Approach, lead-ins, transitions and lift-off: a few seconds per block.
_OVERHEAD_PER_BLOCK_S = 8.0
# The reference back (DESIGN §5: C7 → PSIS 0.51 m) for checks without a client.
NOMINAL_BACK_LENGTH_M = 0.51


def pass_duration_s(routine: Routine, index: int, back_length_m: float, period_s: float) -> float:
    """Estimated duration of one pass of block ``index`` (s)."""
    return routine.blocks[index].estimated_pass_s(
        back_length_m, period_s, routine.speed.default_m_s
    )


def estimated_duration_s(
    routine: Routine, back_length_m: float, period_s: float, *, most: bool = True
) -> float:
    """Estimated session duration (s): every block at its most passes (or its planned)."""
    total = 0.0
    for i, block in enumerate(routine.blocks):
        passes = block.most_passes if most else block.planned_passes
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
