"""``thumb_strip``: thumbs up the long muscles either side of the spine, L5 → T1.

"Using your thumbs, start at the lower back and apply pressure to the long muscles on
either side of the spine pushing upwards as you travel up the back. You will probably
feel tight spots and/or knots." Strips always go upward, in lanes across the
paraspinal band clear of bone (``thumb_lanes``), each loaded up in place at its start;
the return to the next strip's start is a light palm glide. A pass may dwell (hold
still, whole beats) on knots found earlier: each knot on the lane of this pass nearest
to it (same side, within one lane spacing or, for single lines, anywhere on that side).
"""

from __future__ import annotations

import numpy as np

from backstroke.body.back_model import BackModel
from backstroke.routine.schema import ThumbStripBlock
from backstroke.technique.protocol import PassRequest, Point
from backstroke.technique.segment import Segment, hold, line, stroke
from backstroke.technique.thumb_lanes import Lane, pass_lanes
from backstroke.technique.transition import transition
from backstroke.tools import Tool

# Beats the thumb holds still at each lane's start while it takes over and loads up.
LOAD_BEATS = 2


def pass_start(block: ThumbStripBlock, back: BackModel, index: int, pass_index: int) -> Point:
    """Chart point ``(u, v_m)`` where pass ``pass_index`` starts."""
    v, lo, _ = pass_lanes(block, back, index, pass_index)[0]
    return lo, v


def _stops(
    block: ThumbStripBlock,
    lane_list: list[Lane],
    i: int,
    dwell_at: tuple[tuple[float, float], ...],
) -> list[float]:
    """u of the knots lane ``i`` dwells on: those nearest to it among the pass's lanes."""
    v, lo, hi = lane_list[i]
    reach = block.lane_spacing_m if block.covers_band else float("inf")
    out = []
    for u, kv in dwell_at:
        if np.sign(kv) != np.sign(v) or not lo + 0.02 < u < hi - 0.02:
            continue
        near = [
            abs(kv - lv)
            for (lv, llo, lhi) in lane_list
            if np.sign(lv) == np.sign(kv) and llo < u < lhi
        ]
        if abs(kv - v) <= min(near) + 1e-12 and abs(kv - v) <= reach:
            out.append(u)
    return sorted(out)


def one_pass(
    block: ThumbStripBlock,
    back: BackModel,
    index: int,
    *,
    force_n: float,
    speed_m_s: float,
    transition_force_n: float,
    dwell_at: tuple[tuple[float, float], ...] = (),
    pass_index: int = 0,
) -> list[Segment]:
    """Pass ``pass_index``: its strips (with dwells at ``dwell_at`` chart points) and the
    returns; the last return ends where the next pass starts."""
    segs: list[Segment] = []
    lane_list = pass_lanes(block, back, index, pass_index)
    for i, (v, lo, hi) in enumerate(lane_list):
        side = "left" if v > 0 else "right"
        stops = _stops(block, lane_list, i, dwell_at)
        marks = [lo, *stops, hi]
        # Take over from the palms and load up in place: the strip is heard at its
        # force from its first millimetre (knots sit near L5 too).
        segs.append(hold(Tool.THUMB, lo, v, force_n=force_n, beats=LOAD_BEATS, label="load"))
        for j in range(len(marks) - 1):
            segs.append(
                stroke(
                    line(marks[j], v, marks[j + 1], v),
                    tool=Tool.THUMB,
                    force_n=force_n,
                    tilt_deg=block.tilt_deg,
                    speed_m_s=speed_m_s,
                    beats=block.beats_per_stroke if not stops else None,
                    label=f"up {side}",
                )
            )
            if j < len(stops):
                segs.append(
                    hold(
                        Tool.THUMB,
                        marks[j + 1],
                        v,
                        force_n=force_n,
                        beats=block.dwell_beats,
                        label="dwell",
                    )
                )
        if i + 1 < len(lane_list):
            nxt_u, nxt_v = lane_list[i + 1][1], lane_list[i + 1][0]
        else:
            nxt_u, nxt_v = pass_start(block, back, index, pass_index + 1)
        t = transition(
            (hi, v),
            (nxt_u, nxt_v),
            back_length_m=back.back_length_m,
            force_n=transition_force_n,
            speed_m_s=block.transition_speed_or(speed_m_s),
            label="return",
        )
        if t is not None:
            segs.append(t)
    return segs


class ThumbStrip:
    kind = "thumb_strip"

    def start_point(self, block: ThumbStripBlock, back: BackModel, index: int) -> Point:
        return pass_start(block, back, index, 0)

    def one_pass(self, block: ThumbStripBlock, req: PassRequest) -> list[Segment]:
        return one_pass(
            block,
            req.back,
            req.index,
            force_n=req.force_n,
            speed_m_s=req.speed_m_s,
            transition_force_n=req.transition_force_n,
            dwell_at=req.dwell_at if block.dwells else (),
            pass_index=req.pass_index,
        )


TECHNIQUE = ThumbStrip()
