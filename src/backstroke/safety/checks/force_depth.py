"""Force and depth must tell the same story (a lying force sensor, whatever the backend).

Deep in the skin with (almost) no force, or a large force with the tool barely in it,
for longer than ``mismatch_s`` means the force sensor is lying: retreat
(``force_depth``). ``expected_stiffness_n_m`` is a typical skin stiffness, refined by
the runner from the rest phase.

Depth is measured from the **touch point**: where the force first rose past
``TOUCH_N`` the skin was ``f / k`` above the tool, so the model surface's offset from
the real skin is known from then on (a body fitted to a scan is off by its
registration). Until the first touch the tool may search ``surface_offset_m`` below
the model surface; after it the band widens by ``tan(surface_tilt) ×`` the distance
from the touch point along the skin (a registration's tilt). A lost contact (< 0.3 N
for 50 ms) searches again.
With a touch point the check also measures ``k`` itself — the median secant stiffness
over the first ``LEARN_S`` of contact above 2 N — since a depth measured from a model
surface that is off the skin gives a wrong ``k`` to whoever else measures it.
"""

from __future__ import annotations

import math

import numpy as np

from backstroke.errors import BackstrokeError
from backstroke.safety.checks.base import Finding, Measurement
from backstroke.safety.slots import BoolSlot, FloatSlot

# Slots of the state array (safety/slots.py; the Supervisor's fused tick reads them).
K_N_M, FOR_S, HAS_OFFSET, OFFSET_M, TRAVEL_M, LOW_S, LEARNING, TOUCH_P = range(8)
N_SLOTS = TOUCH_P + 3

TOUCH_N = 1.0  # first touch: the force rising past this
LOST_N, LOST_S = 0.3, 0.05  # contact lost: below this force for this long
LEARN_S = 2.0  # contact time over which k is learnt from the touch point


class ForceDepth:
    """Force/depth consistency.

    Args:
        dt_s: control period (s).
        depth_m: "deep" starts here (m).
        ratio_low: deep with less than ``ratio_low × k × depth`` → too soft.
        ratio_high: more than ``ratio_high × k × (depth + 3 mm) + 5 N`` → too hard.
        mismatch_s: how long a mismatch must last (s).
        expected_stiffness_n_m: k (N/m).
        surface_offset_m: how far the model surface may lie from the skin (m).
        surface_tilt_deg: how much it may be tilted (°).
    """

    _k_n_m = FloatSlot(K_N_M)
    _for_s = FloatSlot(FOR_S)
    _travel_m = FloatSlot(TRAVEL_M)
    _low_s = FloatSlot(LOW_S)
    _learning = BoolSlot(LEARNING)  # k is still being learnt (fewer samples than LEARN_S)

    def __init__(
        self,
        dt_s: float,
        depth_m: float,
        ratio_low: float,
        ratio_high: float,
        mismatch_s: float,
        expected_stiffness_n_m: float = 2000.0,
        surface_offset_m: float = 0.0,
        surface_tilt_deg: float = 0.0,
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
        self._k = np.zeros(N_SLOTS)
        self._k_n_m = expected_stiffness_n_m
        self._k_samples: list[float] = []
        self._learning = True
        self.surface_offset_m = surface_offset_m
        self.tilt = math.tan(math.radians(surface_tilt_deg))

    @property
    def _offset_m(self) -> float | None:
        """Model surface − skin along the normal at the touch point (m; None: no touch)."""
        return float(self._k[OFFSET_M]) if self._k[HAS_OFFSET] != 0.0 else None

    @_offset_m.setter
    def _offset_m(self, value: float | None) -> None:
        self._k[HAS_OFFSET] = 0.0 if value is None else 1.0
        self._k[OFFSET_M] = 0.0 if value is None else value

    @property
    def _touch_p(self) -> tuple[float, float, float]:
        x, y, z = self._k[TOUCH_P : TOUCH_P + 3].tolist()
        return (x, y, z)

    @_touch_p.setter
    def _touch_p(self, value: tuple[float, float, float]) -> None:
        self._k[TOUCH_P : TOUCH_P + 3] = value

    @property
    def expected_stiffness_n_m(self) -> float:
        """k (N/m): given, or learnt from the touch point when there is one."""
        return self._k_n_m

    @expected_stiffness_n_m.setter
    def expected_stiffness_n_m(self, value: float) -> None:
        if self.surface_offset_m == 0.0:  # the exact body: the runner's rest figure
            self._k_n_m = float(value)

    def forget_touch(self) -> None:
        """The model surface moved (a body re-registered from touch): the touch point's
        offset no longer holds; it is learnt again at the next touch (searching
        ``surface_offset_m`` until then, as before the first)."""
        self._offset_m = None

    def update(self, tick: Measurement) -> Finding | None:
        model_depth, fn, k = tick.model_depth_m, tick.normal_force_n, self._k_n_m
        if self._offset_m is not None or (fn > TOUCH_N and self.surface_offset_m > 0.0):
            self._follow_touch(tick, model_depth, fn, k)  # (nothing to follow otherwise)
        if self._offset_m is None:
            depth, band = model_depth, 0.0
            searching = self.surface_offset_m
        else:
            depth = model_depth - self._offset_m
            band = min(self.tilt * self._travel_m, self.surface_offset_m)
            searching = 0.0
        shallowest = depth - band - searching  # the least the tool can be in the skin
        too_soft = shallowest > self.depth_m and fn < self.ratio_low * k * shallowest
        reach = depth + band + 0.003
        if reach < 0.001:  # (max(reach, 0.001) written out: the same answer, NaN included)
            reach = 0.001
        too_hard = fn > self.ratio_high * k * reach + 5.0
        if not (too_soft or too_hard):
            self._for_s = 0.0
            return None
        self._for_s += self.dt_s
        if self._for_s > self.mismatch_s:
            return Finding("force_depth", fn, k * depth, "retreat")
        return None

    def _follow_touch(self, tick: Measurement, model_depth: float, fn: float, k: float) -> None:
        p, n = tick.state.position_m, tick.normal
        if self._offset_m is None:
            if fn > TOUCH_N and self.surface_offset_m > 0.0:
                self._offset_m = model_depth - fn / k
                self._touch_p = p
                self._travel_m = 0.0
            return
        # how far (along the skin) the tool is from where it touched
        o = self._touch_p
        dx, dy, dz = p[0] - o[0], p[1] - o[1], p[2] - o[2]
        dn = dx * n[0] + dy * n[1] + dz * n[2]
        t2 = dx * dx + dy * dy + dz * dz - dn * dn
        self._travel_m = math.sqrt(t2) if t2 > 0.0 else 0.0
        depth = model_depth - self._offset_m
        if fn > 2.0 and depth > 0.001 and len(self._k_samples) < LEARN_S / self.dt_s:
            self._k_samples.append(fn / depth)
            if len(self._k_samples) >= LEARN_S / self.dt_s:
                self._k_n_m = float(np.median(self._k_samples))
                self._learning = False
        self._low_s = self._low_s + self.dt_s if fn < LOST_N else 0.0
        if self._low_s > LOST_S:
            self._offset_m = None
