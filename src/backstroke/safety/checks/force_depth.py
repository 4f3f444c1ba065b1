"""Force and depth must tell the same story (a lying force sensor, whatever the backend).

Deep in the skin with (almost) no force, or a large force with the tool barely in it,
for longer than ``mismatch_s`` means the force sensor is lying: retreat
(``force_depth``). Depth is measured from the model surface; ``expected_stiffness_n_m``
is a typical skin stiffness, refined by the runner from the rest phase.
"""

from __future__ import annotations

from backstroke.errors import BackstrokeError
from backstroke.safety.checks.base import Finding, Tick


class ForceDepth:
    """Force/depth consistency.

    Args:
        dt_s: control period (s).
        depth_m: "deep" starts here (m).
        ratio_low: deep with less than ``ratio_low × k × depth`` → too soft.
        ratio_high: more than ``ratio_high × k × (depth + 3 mm) + 5 N`` → too hard.
        mismatch_s: how long a mismatch must last (s).
        expected_stiffness_n_m: k (N/m).
    """

    def __init__(
        self,
        dt_s: float,
        depth_m: float,
        ratio_low: float,
        ratio_high: float,
        mismatch_s: float,
        expected_stiffness_n_m: float = 2000.0,
    ) -> None:
        if not (0.0 < dt_s <= 0.1 and 0.0 < depth_m <= 0.1 and 0.0 < mismatch_s <= 2.0):
            raise BackstrokeError(
                f"ForceDepth: dt_s {dt_s}, depth_m {depth_m} or mismatch_s {mismatch_s} "
                "out of range"
            )
        if not 0.0 < ratio_low < 1.0 < ratio_high:
            raise BackstrokeError(
                f"ForceDepth: need 0 < ratio_low {ratio_low} < 1 < ratio_high {ratio_high}"
            )
        self.dt_s = dt_s
        self.depth_m = depth_m
        self.ratio_low = ratio_low
        self.ratio_high = ratio_high
        self.mismatch_s = mismatch_s
        self.expected_stiffness_n_m = expected_stiffness_n_m
        self._for_s = 0.0

    def update(self, tick: Tick) -> Finding | None:
        depth, fn, k = tick.model_depth_m, tick.normal_force_n, self.expected_stiffness_n_m
        too_soft = depth > self.depth_m and fn < self.ratio_low * k * depth
        too_hard = fn > self.ratio_high * k * max(depth + 0.003, 0.001) + 5.0
        if not (too_soft or too_hard):
            self._for_s = 0.0
            return None
        self._for_s += self.dt_s
        if self._for_s > self.mismatch_s:
            return Finding("force_depth", fn, k * depth, "retreat")
        return None
