"""Choosing the session's beat grid: ``--bpm``, the client's music, or the routine's bpm."""

from __future__ import annotations

from pathlib import Path

from backstroke.errors import RoutineError
from backstroke.music.grid import BeatGrid
from backstroke.routine.schema import Routine


def beat_grid_for(
    routine: Routine, *, bpm: float | None = None, music: Path | None = None
) -> tuple[BeatGrid, list[str]]:
    """The beat grid and any notes (e.g. a fallback from unsteady music to the routine bpm)."""
    if bpm is not None and music is not None:
        raise RoutineError("give --bpm or --music, not both", key="--bpm/--music")
    if music is not None:
        from backstroke.music.tempo import estimate_tempo

        result = estimate_tempo(music)
        if not result.steady:
            note = (
                f"music '{music}' has no steady beat (confidence {result.confidence:.2f}); "
                f"using the routine's {routine.bpm:g} BPM"
            )
            return BeatGrid.constant(routine.bpm), [note]
        return result.beat_grid(), [
            f"tempo from '{music}': {result.bpm:.1f} BPM, confidence {result.confidence:.2f}"
        ]
    if bpm is not None:
        if not 30.0 <= bpm <= 200.0:
            raise RoutineError(
                "tempo out of range", key="--bpm", value=bpm, allowed="30 to 200 BPM"
            )
        return BeatGrid.constant(bpm), []
    return BeatGrid.constant(routine.bpm), []
