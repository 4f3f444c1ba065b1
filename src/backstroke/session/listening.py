"""Listening to the tissue after each pass: the runner's bridge to ``sense/``.

Only stroke samples count — the technique's own tool, moving, in contact — so
transitions, holds and dwells do not blur the stiffness profiles. Every pass is heard
by the session's one breathing model (``sense.breathing_session.BreathingTracker``,
shared by all blocks and by ``analyze``): its breath is fitted, recorded for the
session's rate, and taken out of the depth before stiffness is compared.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from backstroke.body.back_model import BackModel
from backstroke.plan.plan import TOOL_CODES
from backstroke.routine.schema import Block, RestBlock, ThumbStripBlock
from backstroke.sense.breathing import rest_listening
from backstroke.sense.breathing_session import BreathingTracker
from backstroke.sense.knots import KnotDetector
from backstroke.sense.softening import SofteningDetector
from backstroke.sense.stiffness import secant_stiffness

Columns = dict[str, NDArray[np.float64]]
MIN_STROKE_SPEED_M_S = 0.005
STEADY_FORCE_RATE_N_S = 0.5


class BlockListener:
    """Per-block listening state: stiffness by pass, softening, knots.

    Args:
        block: the routine block being listened to.
        back: the BackModel (for metres along the back).
        breathing: the session's breathing tracker (a fresh one when not given).
    """

    def __init__(
        self, block: Block, back: BackModel, breathing: BreathingTracker | None = None
    ) -> None:
        self.breathing = breathing if breathing is not None else BreathingTracker()
        self.block = block
        self.tool_code = TOOL_CODES.index(block.tool())
        threshold = 0.05 if isinstance(block, RestBlock) else block.repeat.threshold
        self.softening = SofteningDetector(threshold)
        self.knot_detector = KnotDetector(back.back_length_m)
        self.is_thumb = isinstance(block, ThumbStripBlock)

    def _stroke_mask(self, cols: Columns) -> NDArray[np.bool_]:
        t = cols["t_s"]
        # Steady target only: force ramps change the depth for reasons other than tissue.
        steady = np.abs(np.gradient(cols["target_force_n"], t)) < STEADY_FORCE_RATE_N_S
        return (
            (cols["plan_tool"] == self.tool_code)
            & (cols["plan_in_contact"] > 0)
            & (cols["plan_speed_m_s"] > MIN_STROKE_SPEED_M_S)
            & steady
        )

    def add_pass(self, cols: Columns) -> None:
        """Hear one finished pass (recorded columns plus ``plan_*`` columns)."""
        if isinstance(self.block, RestBlock):
            return
        m = self._stroke_mask(cols)
        t, u = cols["t_s"][m], cols["plan_u"][m]
        depth = self.breathing.hear_pass(t, u, cols["indentation_m"][m])
        k = secant_stiffness(cols["normal_force_n"][m], depth)
        self.softening.add_pass(k, u, t, force_n=cols["normal_force_n"][m])
        if self.is_thumb:
            # The knot finder takes each strip's own breath out (a pass has many lanes).
            self.knot_detector.add_pass(
                cols["plan_u"][m],
                cols["plan_v"][m],
                secant_stiffness(cols["normal_force_n"][m], cols["indentation_m"][m]),
                normal_force_n=cols["normal_force_n"][m],
                x_m=cols["x_m"][m],
                y_m=cols["y_m"][m],
                z_m=cols["z_m"][m],
                t_s=cols["t_s"][m],
                indentation_m=cols["indentation_m"][m],
                breathing_rate_bpm=self.breathing.rate_bpm,
            )

    def softened(self) -> bool:
        return self.softening.softened

    def softening_pass(self) -> int | None:
        return self.softening.softening_pass

    def force_changed_at(self) -> list[int]:
        """Passes where the force changed, so softening was judged afresh from there."""
        return self.softening.force_changed_at

    def trust_evidence(self) -> tuple[float | None, bool]:
        """The last pass's stiffness for the trust estimate (N/m; None when it cannot
        be compared with the pass before: thumb lanes shared out over passes press other
        lines each pass) and whether it ran at the previous pass's force."""
        k = self.softening.stiffness_by_pass_n_m
        if not k or not np.isfinite(k[-1]):
            return None, True
        b = self.block
        if isinstance(b, ThumbStripBlock) and b.covers_band and b.repeat.until is None:
            return None, True
        return float(k[-1]), (len(k) - 1) not in self.softening.force_changed_at

    def stiffness_by_pass(self) -> list[float]:
        return [float(x) for x in self.softening.stiffness_by_pass_n_m if np.isfinite(x)]

    def knots(self) -> list[dict[str, Any]]:
        return [k.to_dict() for k in self.knot_detector.knots] if self.is_thumb else []

    def knot_points(self) -> tuple[tuple[float, float], ...]:
        """Chart points of the knots found so far (to dwell on)."""
        if not self.is_thumb:
            return ()
        return tuple((k.u, k.v) for k in self.knot_detector.knots)


def breathing_and_baseline(cols: Columns) -> tuple[float | None, float | None]:
    """Breathing rate (from the depth the tool follows) and baseline stiffness of a rest."""
    m = cols["plan_in_contact"] > 0
    t = cols["t_s"][m]
    depth = cols["indentation_m"][m]
    force = cols["normal_force_n"][m]
    # Skip the first second: force is still ramping up at first touch.
    keep = t >= t[0] + 1.0 if t.size else m[m]
    rate, _ = rest_listening(t[keep], depth[keep], depth[keep])
    _, baseline = rest_listening(t[keep], force[keep], depth[keep])
    return rate, baseline
