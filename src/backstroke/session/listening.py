"""Listening to the tissue after each pass: the runner's bridge to ``sense/``.

Only stroke samples count — the technique's own tool, moving, in contact — so
transitions, holds and dwells do not blur the stiffness profiles. Every pass is heard
by the session's one breathing model (``sense.breathing_session.BreathingTracker``,
shared by all blocks and by ``analyze``): its breath is fitted and recorded for the
session's rate; before stiffness is compared the breath is taken out of all the block's
passes together, one profile along the back shared by them
(``BreathingTracker.clean_passes``), and the block's softening is heard afresh.

On a body known only through a scan the recorded indentation is measured below the
model surface, which is off the skin; with a ``TouchDepth`` (``session/touch_depth``)
the listener keeps its passes and, after each, hears all of them again with the
indentation below the skin as the robot's contact so far places it (one surface for
every pass of the block, so a refinement is never heard as softening; each pass's
breath is recorded once, when it is new). Its thumb-strip knots are then the candidates
a check at two forces confirms (``session/knot_check``: the runner strokes a stretch
around each again and hands the record to :meth:`BlockListener.add_check`) and those
above the threshold raised for the fit's bumps.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from backstroke.body.back_model import BackModel
from backstroke.plan.plan import TOOL_CODES
from backstroke.routine.schema import Block
from backstroke.sense.breathing import rest_listening
from backstroke.sense.breathing_joint import PassDepth
from backstroke.sense.breathing_session import BreathingTracker
from backstroke.sense.knot_merge import KnotDetection, merge_knots
from backstroke.sense.knots import RATIO_THRESHOLD, KnotDetector, knot_detections
from backstroke.sense.softening import SofteningDetector
from backstroke.sense.stiffness import secant_stiffness
from backstroke.session.knot_check import (
    GEOMETRY_NOISE_OF_FIT_RMS,
    GEOMETRY_SIGMAS,
    confirmed,
    held_candidates,
    stroke_samples,
)
from backstroke.session.touch_depth import TouchDepth

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
        self,
        block: Block,
        back: BackModel,
        breathing: BreathingTracker | None = None,
        touch_depth: TouchDepth | None = None,
    ) -> None:
        self.breathing = breathing if breathing is not None else BreathingTracker()
        self.block = block
        self.tool_code = TOOL_CODES.index(block.tool())
        self._threshold = block.softening_threshold
        self._back_length_m = back.back_length_m
        self.softening = SofteningDetector(self._threshold)
        self.knot_detector = KnotDetector(back.back_length_m)
        self.is_thumb = block.hears_knots
        self.touch_depth = touch_depth
        self._passes: list[Columns] = []
        # Each pass's stroke samples for softening (without a TouchDepth).
        self._soft_passes: list[Columns] = []
        quality = getattr(back, "quality", None) or {}
        rms = quality.get("fit_rms_m") if isinstance(quality, dict) else None
        self._geometry_noise_m = GEOMETRY_NOISE_OF_FIT_RMS * float(rms) if rms else 0.0
        # Knots on a fitted body: the last pass's candidates, and those a second force
        # confirmed (``knot_check``).
        self.candidates: list[KnotDetection] = []
        self.strip_force_n = 0.0
        self._confirmed: list[KnotDetection] = []

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
        if not self.block.has_strokes:
            return
        m = self._stroke_mask(cols)
        if self.touch_depth is None:
            heard_now = {c: v[m] for c, v in cols.items()}
            self._hear(heard_now, new=True)
            soft = ("t_s", "plan_u", "plan_v", "indentation_m", "normal_force_n")
            self._soft_passes.append({c: heard_now[c] for c in soft})
            self._hear_softening(self._soft_passes)
            return
        keep: tuple[str, ...] = ("t_s", "x_m", "y_m", "z_m", "normal_force_n", "indentation_m")
        keep += ("target_force_n",)
        keep += ("plan_u", "plan_v", "plan_nx", "plan_ny", "plan_nz")
        keep += ("plan_x_m", "plan_y_m")
        self._passes.append({c: np.asarray(cols[c][m], dtype=np.float64) for c in keep})
        if self.is_thumb and np.any(m):
            self.strip_force_n = float(np.median(cols["plan_target_force_n"][m]))
        td = self.touch_depth
        heard = [
            {
                **p,
                "indentation_m": td.depth_m(p),
                **(
                    {"knot_indentation_m": td.depth_m(p, smooth_skin=True)} if self.is_thumb else {}
                ),
            }
            for p in self._passes
        ]
        self.knot_detector = KnotDetector(
            self._back_length_m, ratio_threshold=self._knot_threshold(heard)
        )
        for i, p in enumerate(heard):
            self._hear(p, new=i == len(heard) - 1)
        self._hear_softening(heard)
        if self.is_thumb:
            self.candidates = self._candidates(heard[-1])

    def _candidates(self, p: Columns) -> list[KnotDetection]:
        """The pass's knots at the finder's own threshold (not raised for the fit), where
        the strip held its force (``held_candidates``)."""
        kd = p["knot_indentation_m"]
        found = knot_detections(
            p["plan_u"],
            p["plan_v"],
            secant_stiffness(p["normal_force_n"], kd),
            np.zeros(p["plan_u"].size, dtype=np.int64) + len(self._passes) - 1,
            normal_force_n=p["normal_force_n"],
            x_m=p["x_m"],
            y_m=p["y_m"],
            z_m=p["z_m"],
            t_s=p["t_s"],
            indentation_m=kd,
            breathing_rate_bpm=self.breathing.rate_bpm,
            back_length_m=self._back_length_m,
        )
        return held_candidates(found, p, self._back_length_m)

    def add_check(self, cols: dict[str, Any]) -> None:
        """Hear the stretches around the last pass's candidates pressed at two forces
        (``knot_check``): those the two-force stiffness confirms are knots."""
        td = self.touch_depth
        if td is None or not self.candidates:
            return
        check = stroke_samples(cols, self.tool_code)
        check["indentation_m"] = td.depth_m(check)
        self._confirmed += confirmed(
            self.candidates,
            check,
            back_length_m=self._back_length_m,
            breathing_rate_bpm=self.breathing.rate_bpm,
            geometry_noise_m=self._geometry_noise_m,
        )
        self.candidates = []

    def _knot_threshold(self, passes: list[Columns]) -> float:
        """The knot ratio threshold above a fitted skin's remaining bumps."""
        key = "knot_indentation_m"
        d = (
            np.concatenate([p.get(key, p["indentation_m"]) for p in passes])
            if passes
            else np.zeros(0)
        )
        d = d[np.isfinite(d) & (d > 0.001)]
        if d.size == 0 or self._geometry_noise_m <= 0.0:
            return RATIO_THRESHOLD
        floor = 1.0 + GEOMETRY_SIGMAS * self._geometry_noise_m / float(np.median(d))
        return max(RATIO_THRESHOLD, floor)

    def _hear_softening(self, passes: list[Columns]) -> None:
        """The block's softening heard afresh from all its passes' stroke samples, the
        breath taken out of them together (one profile along the back, as ``analyze``)."""
        cleaned = self.breathing.clean_passes(
            [PassDepth(p["t_s"], p["plan_u"], p["indentation_m"], p["plan_v"]) for p in passes]
        )
        det = SofteningDetector(self._threshold)
        for p, depth in zip(passes, cleaned, strict=True):
            k = secant_stiffness(p["normal_force_n"], depth)
            det.add_pass(k, p["plan_u"], p["t_s"], force_n=p["normal_force_n"])
        self.softening = det

    def _hear(self, cols: Columns, *, new: bool) -> None:
        """One pass's stroke samples to the knot finder; a ``new`` pass's breath is
        recorded in the session's breathing model (a pass heard again is not)."""
        if new:
            self.breathing.hear_pass(cols["t_s"], cols["plan_u"], cols["indentation_m"])
        if self.is_thumb:
            # The knot finder takes each strip's own breath out (a pass has many lanes).
            kd = cols.get("knot_indentation_m", cols["indentation_m"])
            self.knot_detector.add_pass(
                cols["plan_u"],
                cols["plan_v"],
                secant_stiffness(cols["normal_force_n"], kd),
                normal_force_n=cols["normal_force_n"],
                x_m=cols["x_m"],
                y_m=cols["y_m"],
                z_m=cols["z_m"],
                t_s=cols["t_s"],
                indentation_m=kd,
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
        if b.hears_knots and getattr(b, "covers_band", False) and b.until is None:
            return None, True
        return float(k[-1]), (len(k) - 1) not in self.softening.force_changed_at

    def trust_segment(self) -> list[float]:
        """The block's passes at the last pass's force, as heard now (N/m, oldest first;
        empty when the last pass cannot be compared, as in ``trust_evidence``)."""
        k, _ = self.trust_evidence()
        if k is None:
            return []
        starts = [0, *self.softening.force_changed_at]
        return [float(x) for x in self.softening.stiffness_by_pass_n_m[starts[-1] :]]

    def stiffness_by_pass(self) -> list[float]:
        return [float(x) for x in self.softening.stiffness_by_pass_n_m if np.isfinite(x)]

    def _knots(self) -> list[Any]:
        if not self.is_thumb:
            return []
        if self.touch_depth is not None:
            # a fitted body: those a second force confirmed, and those standing out of
            # the fit's bumps at one force (the threshold raised above them)
            dets = self.knot_detector.detections + self._confirmed
            return merge_knots(dets, back_length_m=self._back_length_m)
        return self.knot_detector.knots

    def knots(self) -> list[dict[str, Any]]:
        return [k.to_dict() for k in self._knots()]

    def knot_points(self) -> tuple[tuple[float, float], ...]:
        """Chart points of the knots found so far (to dwell on)."""
        return tuple((k.u, k.v) for k in self._knots())


def breathing_and_baseline(
    cols: Columns, touch_depth: TouchDepth | None = None
) -> tuple[float | None, float | None]:
    """Breathing rate (from the depth the tool follows) and baseline stiffness of a rest
    (the depth below the skin as touched, with a ``touch_depth``)."""
    m = cols["plan_in_contact"] > 0
    t = cols["t_s"][m]
    depth = cols["indentation_m"] if touch_depth is None else touch_depth.depth_m(cols)
    depth = depth[m]
    force = cols["normal_force_n"][m]
    # Skip the first second: force is still ramping up at first touch.
    keep = t >= t[0] + 1.0 if t.size else m[m]
    rate, _ = rest_listening(t[keep], depth[keep], depth[keep])
    _, baseline = rest_listening(t[keep], force[keep], depth[keep])
    return rate, baseline
