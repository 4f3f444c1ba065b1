"""The target force and tool along a chunk: force ramps and rolling tool handovers."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from backstroke.plan.plan import TOOL_CODES, TimedSegment
from backstroke.tools import Tool

# Target force ramps over this long (s) when a segment's force differs from the last.
FORCE_RAMP_S = 1.0
# Changing tool is a rolling handover: the old face unloads to this light force over
# the first HANDOVER_S of the new segment, then the new face loads up.
HANDOVER_FORCE_N = 1.5
# The lightest force a block starts from on first touch (twice the contact threshold).
TOUCH_FORCE_N = 1.0
HANDOVER_S = 0.5
PALMS_TAKEOVER_RATIO = 0.5

# What a chunk hands to the next: the target force and the tool it ended with.
Handoff = tuple[float, Tool]


def _cosine(x: NDArray[np.float64]) -> NDArray[np.float64]:
    return 0.5 * (1.0 - np.cos(np.pi * np.clip(x, 0.0, 1.0)))


def force_and_tool(
    t: NDArray[np.float64],
    idx: NDArray[np.intp],
    timed: list[TimedSegment],
    prev: Handoff,
    force: NDArray[np.float64],
    tool: NDArray[np.float64],
) -> None:
    """Fill the target force and tool columns in place.

    Where a segment's force differs from the one before, it ramps (cosine, over
    ``FORCE_RAMP_S``). Where the tool changes, the old tool stays on for the first
    ``HANDOVER_S`` while its force unloads to ``HANDOVER_FORCE_N``; then the new tool
    loads up from there — so no face ever lands on the skin at a depth meant for another.
    """
    prev_force, prev_tool = prev
    for i, ts in enumerate(timed):
        seg = ts.segment
        m = idx == i
        tr = t[m] - ts.t0_s
        f = np.full(tr.size, seg.force_n)
        code = np.full(tr.size, float(TOOL_CODES.index(seg.tool)))
        # After the approach (no force yet) a block starts from a light touch: a plan
        # asking for less than the contact threshold would ask for a break.
        start_force = TOUCH_FORCE_N if prev_force < TOUCH_FORCE_N <= seg.force_n else prev_force
        load_t0 = 0.0
        if seg.tool != prev_tool and ts.duration_s > 0:
            hand = min(HANDOVER_S, 0.3 * ts.duration_s)
            # All faces share the skin's zero of depth: at one depth the broad palms
            # press about twice what a thumb or forearm does, so a face handing over to
            # the palms unloads to half the handover force first (no step of force),
            # and the palms handing over to a narrower face unload only to twice it
            # (the new face then meets the skin at about the handover force, not half).
            hand_n = HANDOVER_FORCE_N
            if seg.tool == Tool.PALMS:
                hand_n *= PALMS_TAKEOVER_RATIO
            elif prev_tool == Tool.PALMS:
                hand_n /= PALMS_TAKEOVER_RATIO
            low = min(hand_n, prev_force, max(seg.force_n, 0.0))
            before = tr < hand
            code[before] = TOOL_CODES.index(prev_tool)
            # unload over the first 60 % and hold: the old face settles at the low
            # force (and its depth) before the new face takes over
            f[before] = prev_force + (low - prev_force) * _cosine(tr[before] / (0.6 * hand))
            start_force, load_t0 = low, hand
        if start_force != seg.force_n:
            ramp = min(FORCE_RAMP_S, 0.4 * ts.duration_s)
            after = tr >= load_t0
            x = (tr[after] - load_t0) / ramp
            f[after] = start_force + (seg.force_n - start_force) * _cosine(x)
        force[m] = f
        tool[m] = code
        prev_force, prev_tool = seg.force_n, seg.tool
