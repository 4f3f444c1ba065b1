"""``glide``: palms either side of the spine, down to the waist and back to the shoulders.

"Begin by gliding slowly down the back to the waist and slowly return back to the
shoulders. Do this repeatedly until you feel a softening in the tissues."
One pass = down then up; it ends where it started, so passes chain seamlessly.
"""

from __future__ import annotations

from backstroke.routine.schema import GlideBlock
from backstroke.technique.segment import Segment, line, stroke
from backstroke.tools import Tool


def start_point(block: GlideBlock) -> tuple[float, float]:
    return block.u_max, 0.0


def one_pass(block: GlideBlock, *, force_n: float, speed_m_s: float) -> list[Segment]:
    def leg(path: tuple, label: str) -> Segment:
        return stroke(
            path,
            tool=Tool.PALMS,
            force_n=force_n,
            tilt_deg=block.tilt_deg,
            speed_m_s=speed_m_s,
            beats=block.beats_per_stroke,
            label=label,
        )

    return [
        leg(line(block.u_max, 0.0, block.u_min, 0.0), "down"),
        leg(line(block.u_min, 0.0, block.u_max, 0.0), "up"),
    ]
