"""The Plan: one continuous, timed surface path from first touch to lift-off.

The planner is pure and deterministic. It builds *chunks* — the approach, a block's
lead-in, one pass of a block, the lift-off — each starting on a beat. The static
plan (``backstroke plan``) is the approach, then every block's lead-in and planned
passes, then the lift-off; the session runner asks for the same chunks one at a time
and may ask for "one more pass" of a block without replanning anything else.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from backstroke.technique.segment import Segment
from backstroke.tools import Tool

# Column names of sampled plans (DESIGN §6.5, plus the tool axis and speed).
COLUMNS = (
    "t_s",
    "u",
    "v",
    "x_m",
    "y_m",
    "z_m",
    "nx",
    "ny",
    "nz",
    "ax",
    "ay",
    "az",
    "speed_m_s",
    "in_contact",
    "tool",
    "target_force_n",
    "block",
    "pass_index",
)
# The skin's unit tangents along +u and +v at each sample (frame B): chunks carry them
# for the runner (the Supervisor reads the measured chart point through them); they are
# not part of the plan's recorded columns.
TANGENT_COLUMNS = ("tux", "tuy", "tuz", "tvx", "tvy", "tvz")
TOOL_CODES: tuple[Tool, ...] = (Tool.PALMS, Tool.FOREARM, Tool.THUMB)


@dataclass(frozen=True)
class TimedSegment:
    """A segment placed on the beat grid.

    Attributes:
        segment: the untimed segment (None for approach and lift-off moves off the skin).
        block: block index (-1 before the first and after the last block).
        pass_index: pass within the block (-1 for lead-ins).
        beat0: index of its first beat; ``beats`` whole beats long.
        t0_s, t1_s: start and end times (on beats).
        length_m: path length on the skin.
        delay_s: the move starts this long after ``t0_s`` (a handover from a tool that
            must stay in its lane happens in place first).
    """

    segment: Segment
    block: int
    pass_index: int
    beat0: int
    beats: int
    t0_s: float
    t1_s: float
    length_m: float
    delay_s: float = 0.0

    @property
    def duration_s(self) -> float:
        return self.t1_s - self.t0_s


@dataclass(frozen=True)
class PlanChunk:
    """Timed, sampled consecutive segments.

    Attributes:
        timed: the segments on the beat grid.
        samples: columns (see ``COLUMNS``), each ``(N,)``; ``tool`` holds indices into
            ``TOOL_CODES``; times are absolute session seconds; a planner's chunks
            also hold ``TANGENT_COLUMNS``.
        end_beat: the beat this chunk ends on (the next chunk starts there).
        end_point: chart ``(u, v_m)`` where it ends.
        handoff: ``(target force, tool)`` it ends with; the next chunk starts from it.
    """

    timed: tuple[TimedSegment, ...]
    samples: dict[str, NDArray[np.float64]]
    end_beat: int
    end_point: tuple[float, float]
    handoff: tuple[float, Tool]

    @property
    def t0_s(self) -> float:
        return self.timed[0].t0_s

    @property
    def t1_s(self) -> float:
        return self.timed[-1].t1_s


@dataclass(frozen=True)
class BlockSummary:
    index: int
    technique: str
    planned_passes: int
    max_passes: int
    until: str | None
    pass_duration_s: float
    pass_length_m: float
    force_n: float
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Plan:
    """A whole static session plan.

    Attributes:
        chunks: approach, per-block lead-in and passes, lift-off, in time order.
        blocks: per-block summary.
        bpm: nominal tempo; ``beats_s`` the beat times the plan used.
        beat_step: beats per stroke step (1, 2 or 4).
        tempo_source: ``"bpm"`` or ``"music"``.
        notes: planner remarks (trimmed strokes, tempo fallback...).
    """

    chunks: tuple[PlanChunk, ...]
    blocks: tuple[BlockSummary, ...]
    bpm: float
    beats_s: NDArray[np.float64]
    beat_step: int
    tempo_source: str
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def duration_s(self) -> float:
        return self.chunks[-1].t1_s - self.chunks[0].t0_s

    def samples(self) -> dict[str, NDArray[np.float64]]:
        """All chunks' samples concatenated in time order."""
        return {c: np.concatenate([ch.samples[c] for ch in self.chunks]) for c in COLUMNS}

    def timed_segments(self) -> list[TimedSegment]:
        return [ts for ch in self.chunks for ts in ch.timed]
