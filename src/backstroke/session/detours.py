"""The chunks the session runner adds to the plan's while it listens.

A dwell on a knot held until the knot is heard to release, the lanes of knot
candidates run again at a second force (``session/knot_check``), and the spine felt
across before the thumb works beside it on a fitted body (``session/palpate``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from backstroke.body.scanned_back import ScannedBack
from backstroke.music.grid import BeatGrid
from backstroke.plan.planner import Planner
from backstroke.plan.zone_limits import zone_limits_for
from backstroke.routine.schema import Block, ThumbStripBlock
from backstroke.sense.knot_release import NOT_RELEASED, RELEASED, hear_dwell
from backstroke.sense.knots import FALLBACK_RATE_BPM
from backstroke.session.chunk_ticks import ChunkTicker
from backstroke.session.knot_check import check_segments, stretches_to_check
from backstroke.session.listening import BlockListener
from backstroke.session.palpate import (
    LateralShift,
    felt_shift,
    palpation_segments,
    shifted_body,
    swap_point,
)
from backstroke.technique.segment import hold
from backstroke.tools import Tool

# A dwell on a knot lasts at most this many times the block's dwell_beats.
DWELL_CAP_FACTOR = 4
# A dwell belongs to a knot heard within this distance on the skin (m).
KNOT_DWELL_M = 0.015


class Detours(ChunkTicker):
    """Dwells, knot checks and palpation; the state they read is set by ``SessionRunner``."""

    grid: BeatGrid
    planner: Planner
    palpation: LateralShift | None
    knot_dwells: list[dict[str, Any]]

    def _pass_with_dwells(
        self,
        block: Block,
        index: int,
        pass_index: int,
        beat: int,
        handoff: Any,
        dwell: tuple[tuple[float, float], ...],
    ) -> tuple[dict[str, NDArray[np.float64]], tuple[int, tuple[float, float], Any]]:
        """A thumb pass run piece by piece, each dwell held until the knot is heard to
        release (``sense.knot_release``: whole breaths, the stiffness no longer falling)
        or ``DWELL_CAP_FACTOR × dwell_beats`` have passed. Returns the pass's recorded
        columns and where it ended ``(beat, point, handoff)``."""
        segs = self.planner.pass_segments(index, dwell, pass_index)
        pieces: list[list[Any]] = [[]]
        for sg in segs:
            pieces[-1].append(sg)
            if sg.label == "dwell":
                pieces.append([])
        if not pieces[-1]:
            pieces.pop()
        parts: list[dict[str, NDArray[np.float64]]] = []
        point = (0.0, 0.0)
        cap_beats = DWELL_CAP_FACTOR * block.dwell_beats_per_knot
        for piece in pieces:
            chunk = self.planner.chunk_of(piece, beat, handoff, block=index, pass_index=pass_index)
            parts.append(self._execute(chunk))
            beat, point, handoff = chunk.end_beat, chunk.end_point, chunk.handoff
            last = piece[-1]
            if last.label != "dwell":
                continue
            ts = chunk.timed[-1]
            held = [_since(parts[-1], ts.t0_s)]
            beats_done = ts.beats
            u, v = float(last.u[-1]), float(last.v_m[-1])
            rate = self.breathing.rate_bpm
            heard = hear_dwell(*_dwell_columns(held), rate)
            breath_beats = math.ceil(60.0 / (rate or 15.0) / self.grid.period_s)
            extend = max(self.planner.step, breath_beats)
            while not heard.settled and beats_done + extend <= cap_beats:
                seg = hold(Tool.THUMB, u, v, force_n=last.force_n, beats=extend, label="dwell")
                chunk = self.planner.chunk_of(
                    [seg], beat, handoff, block=index, pass_index=pass_index
                )
                parts.append(self._execute(chunk))
                beat, point, handoff = chunk.end_beat, chunk.end_point, chunk.handoff
                beats_done += chunk.timed[-1].beats
                held.append(parts[-1])
                heard = hear_dwell(*_dwell_columns(held), rate)
            t_held = np.concatenate([h["t_s"] for h in held])
            change = heard.stiffness_change
            self.knot_dwells.append(
                {
                    "u": round(u, 4),
                    "v": round(v, 4),
                    "pass": pass_index,
                    "t_s": round(float(t_held[0]), 2) if t_held.size else None,
                    "dwell_s": round(float(np.ptp(t_held)), 2) if t_held.size else 0.0,
                    "outcome": RELEASED if heard.settled else NOT_RELEASED,
                    "stiffness_change": None if change is None else round(change, 4),
                }
            )
        cols = {k: np.concatenate([c[k] for c in parts]) for k in parts[0]}
        return cols, (beat, point, handoff)

    def _check_knots(
        self, block: Block, index: int, pass_index: int, listener: BlockListener, at: Any
    ) -> tuple[int, tuple[float, float], Any]:
        """The stretches around the pass's knot candidates pressed again at two forces,
        back to where the pass ended (``session/knot_check``); returns
        ``(beat, point, handoff)``."""
        beat, point, handoff = at
        stretches = (
            stretches_to_check(listener.candidates, block, self.back, index, pass_index)
            if isinstance(block, ThumbStripBlock)
            else []
        )
        if not stretches:
            listener.candidates = []
            return beat, point, handoff
        segs = check_segments(
            stretches,
            start=point,
            end=point,
            force_n=listener.strip_force_n,
            speed_m_s=self.planner.block_speed_m_s(block),
            tilt_deg=block.tilt_deg,
            transition_force_n=self.routine.transition_force_n,
            back_length_m=self.back.back_length_m,
            breath_period_s=60.0 / (self.breathing.rate_bpm or FALLBACK_RATE_BPM),
        )
        chunk = self.planner.chunk_of(segs, beat, handoff, block=index, pass_index=pass_index)
        listener.add_check(self._execute(chunk))
        return chunk.end_beat, chunk.end_point, chunk.handoff

    def _palpates(self, block: Block) -> bool:
        return (
            self.touch_depth is not None
            and self.palpation is None
            and isinstance(block, ThumbStripBlock)
            and isinstance(self.back, ScannedBack)
        )

    def _palpate(self, index: int, beat: int, point: Any, handoff: Any) -> tuple[int, Any, Any]:
        """Feel the back across (``session/palpate``) and, when trusted, plan on the body
        moved to where the robot felt it; back to the block's start on it."""
        old = self.back
        if not isinstance(old, ScannedBack):  # (checked by _palpates)
            return beat, point, handoff
        segs = palpation_segments(
            old, start=point, transition_force_n=self.routine.transition_force_n
        )
        chunk = self.planner.chunk_of(segs, beat, handoff, block=index, pass_index=-1)
        shift = felt_shift(old, self._execute(chunk))
        self.palpation = shift
        beat, end, handoff = chunk.end_beat, chunk.end_point, chunk.handoff
        if shift.trusted:
            new = shifted_body(old, shift)
            swap = swap_point(old, new, end[0])
            move = self.planner.lead_in(index, beat, end, handoff, to=swap)
            if move is not None:
                self._execute(move)
                beat, handoff = move.end_beat, move.handoff
            p = old.point(np.array([swap[0]]), np.array([swap[1]]))
            uu, vv = new.project(p)
            end = (float(np.ravel(uu)[0]), float(np.ravel(vv)[0]))
            # the tool stays where it is: its depth below the new skin
            dh = float((new.height_m(p[:, 0], p[:, 1]) - old.height_m(p[:, 0], p[:, 1]))[0])
            self.controller.reset_depth(self.controller.depth_m + dh * float(old.normal(*swap)[2]))
            self.back = new
            self.planner = Planner(self.routine, new, self.grid, rate_hz=self.rate_hz)
            self.zones = zone_limits_for(new)
            self.supervisor.rebase_body(self.zones)
            if self.touch_depth is not None:
                self.touch_depth.rebase(old, new)
        lead = self.planner.lead_in(index, beat, end, handoff)
        if lead is None:
            return beat, end, handoff
        self._execute(lead)
        return lead.end_beat, lead.end_point, lead.handoff


def _since(cols: dict[str, NDArray[np.float64]], t0_s: float) -> dict[str, NDArray[np.float64]]:
    """The recorded columns from ``t0_s`` on."""
    m = cols["t_s"] >= t0_s - 1e-9
    return {k: cols[k][m] for k in ("t_s", "normal_force_n", "indentation_m")}


def _dwell_columns(
    held: list[dict[str, NDArray[np.float64]]],
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Time, force and depth of a dwell's pieces, joined."""
    return (
        np.concatenate([h["t_s"] for h in held]),
        np.concatenate([h["normal_force_n"] for h in held]),
        np.concatenate([h["indentation_m"] for h in held]),
    )


def with_dwells(
    knots: list[dict[str, Any]], dwells: list[dict[str, Any]], back_length_m: float
) -> list[dict[str, Any]]:
    """Each knot with what its dwell heard (the latest dwell within ``KNOT_DWELL_M``)."""
    out = []
    for k in knots:
        near = [
            d
            for d in dwells
            if math.hypot((d["u"] - k["u"]) * back_length_m, d["v"] - k["v"]) <= KNOT_DWELL_M
        ]
        out.append({**k, "dwell": near[-1]} if near else k)
    return out
