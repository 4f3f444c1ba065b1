"""Where the thumb strips run: lanes across the paraspinal band, clear of bone.

"Apply pressure to the long muscles on either side of the spine … you will probably
feel tight spots and/or knots." A knot 5–15 mm across is felt only by a thumb that
passes within about its radius, so one line per side finds only the knots on it. With
``cover = "band"`` the strips run in lanes ``lane_spacing_m`` apart from the innermost
line clear of the spinous processes out to the band's outer edge; each lane is trimmed
to its stretches clear of the scapulae and iliac crests (``clearance``: the longest, and
any other at least 6 cm long, e.g. above a scapula's medial border). A block
with a fixed number of passes shares the lanes out round-robin over its passes (pass
``p`` of ``P`` runs lanes ``p, p + P, …`` on each side), so the block as a whole covers
the band once; a block that listens for softening runs the same lanes every pass, so
its passes compare like with like.
"""

from __future__ import annotations

import numpy as np

from backstroke.body.back_model import BackModel
from backstroke.errors import PlanError
from backstroke.routine.schema import ThumbStripBlock
from backstroke.technique.clearance import KEEP_OUT_MARGIN_M, MIN_STROKE_U, SIDE_SIGNS, lanes
from backstroke.tools import TOOLS

Lane = tuple[float, float, float]  # (v_m, u_lo, u_hi)
# Step (m) of the search for the innermost lane clear of the spine.
_INNER_STEP_M = 0.001


# A lane's shorter clear stretches (above a scapula's medial border, say) are run too
# when at least this long (chart u; ~6 cm: a shorter strip leaves no room to hear a knot).
MIN_EXTRA_STRETCH_U = 0.12


# Besides the thumb's half-width and margin, lanes keep this much more clear of the
# scapulae and iliac crests (thin tissue near their edges: a guarded client feels it).
EXTRA_BONE_MARGIN_M = 0.004


def _clear_stretches(
    block: ThumbStripBlock, back: BackModel, v_m: float
) -> list[tuple[float, float]]:
    """Every stretch of the lane clear of bone (thumb half-width + margin, and
    ``EXTRA_BONE_MARGIN_M`` more from the scapulae and crests), in u order."""
    need = TOOLS[block.tool()].half_width_m + KEEP_OUT_MARGIN_M
    u = np.linspace(block.u_min, block.u_max, 401)
    vv = np.full_like(u, v_m)
    others = tuple(z for z in back.keep_out_zones if z.name != "spinous_processes")
    ok = back.keep_out_clearance_m(u, vv) >= need
    if others:
        ok &= back.keep_out_clearance_m(u, vv, others) >= need + EXTRA_BONE_MARGIN_M
    edges = np.diff(np.concatenate([[0], ok.astype(np.int8), [0]]))
    starts, stops = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1
    step = float(u[1] - u[0])
    out = []
    for a, e in zip(starts.tolist(), stops.tolist(), strict=True):
        lo = float(u[a]) + (step if a > 0 else 0.0)
        hi = float(u[e]) - (step if e < u.size - 1 else 0.0)
        out.append((lo, hi))
    return out


def _try_lane(block: ThumbStripBlock, back: BackModel, v_m: float, index: int) -> list[Lane]:
    """The lane's longest clear stretch (as ``clearance``), and any other long enough."""
    stretches = [(a, b) for a, b in _clear_stretches(block, back, v_m) if b - a >= MIN_STROKE_U]
    if not stretches:
        return []
    lo, hi = max(stretches, key=lambda ab: ab[1] - ab[0])
    out = [(v_m, lo, hi)]
    for a, b in stretches:
        if b - a >= MIN_EXTRA_STRETCH_U and (b < lo or a > hi):
            out.append((v_m, a, b))
    return sorted(out, key=lambda lane: lane[1])


def side_lanes(block: ThumbStripBlock, back: BackModel, index: int, sign: float) -> list[Lane]:
    """Every lane of one side (``sign`` +1 left, −1 right), inner to outer.

    Raises:
        PlanError: when no lane of the band is clear of bone on that side.
    """
    inner, outer = block.band_m
    first: list[Lane] = []
    v = inner
    while v <= outer + 1e-9:
        first = _try_lane(block, back, sign * v, index)
        if first:
            break
        v += _INNER_STEP_M
    if not first:
        raise PlanError(
            f"no thumb lane {inner * 100:.1f}–{outer * 100:.1f} cm from the midline is clear "
            "of bony landmarks",
            block=index,
        )
    v0 = abs(first[0][0])
    n = max(1, round((outer - v0) / block.lane_spacing_m + 0.499))
    step = (outer - v0) / n if n > 0 else 0.0
    out = list(first)
    for i in range(1, n + 1):
        out += _try_lane(block, back, sign * (v0 + i * step), index)
    return out


def all_lanes(block: ThumbStripBlock, back: BackModel, index: int) -> list[list[Lane]]:
    """Each side's lanes (left first when both), inner to outer."""
    if not block.covers_band:
        return [[lane] for lane in lanes(block, back, index)]
    return [side_lanes(block, back, index, sgn) for sgn in SIDE_SIGNS[block.side]]


def share(block: ThumbStripBlock) -> int:
    """Over how many passes the band's lanes are shared out (1 = every lane every pass)."""
    if not block.covers_band or block.repeat.until is not None:
        return 1
    return block.repeat.planned_passes


def pass_lanes(block: ThumbStripBlock, back: BackModel, index: int, pass_index: int) -> list[Lane]:
    """The lanes pass ``pass_index`` runs, in order (each side inner to outer)."""
    p_count = share(block)
    out: list[Lane] = []
    for side in all_lanes(block, back, index):
        p = max(1, min(p_count, len(side)))
        out += [lane for i, lane in enumerate(side) if i % p == pass_index % p]
    return out
