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
from the touch point along the skin (a registration's tilt) and by ``surface_offset ×
|n − n_touch|`` (the offset was measured along the touch point's normal ``n_touch``; a
model surface displaced by ``d``, ``|d| ≤ surface_offset``, is ``d·n`` above the skin
along ``n``, which differs from ``d·n_touch`` by at most that), never past
``surface_offset``. A lost contact (< 0.3 N for 50 ms) searches again.
With a touch point the check also measures ``k`` itself — the median secant stiffness
over the first ``LEARN_S`` of contact above 2 N — since a depth measured from a model
surface that is off the skin gives a wrong ``k`` to whoever else measures it.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from backstroke.errors import BackstrokeError
from backstroke.jit import numba_njit
from backstroke.safety.checks.base import Finding, Measurement
from backstroke.safety.slots import BoolSlot, FloatSlot

# Slots of the state array (safety/slots.py; the Supervisor's fused tick reads them):
# the state, the settings, this tick's k sample and the limit of its finding.
K_N_M, FOR_S, HAS_OFFSET, OFFSET_M, TRAVEL_M, LOW_S, LEARNING, TOUCH_P = range(8)
TOUCH_NRM = TOUCH_P + 3  # the unit normal at the touch point (3 slots)
DT_S, DEPTH_M, RATIO_LOW, RATIO_HIGH, MISMATCH_S, SEARCH_M, TILT = range(
    TOUCH_NRM + 3, TOUCH_NRM + 10
)
SAMPLE_N_M, LIMIT_N = TILT + 1, TILT + 2
N_SLOTS = LIMIT_N + 1
# What depth_update answers (bits; 0: nothing): a mismatch past mismatch_s, a sample
# of k to learn (in K[o + SAMPLE_N_M]).
MISMATCH, LEARN = 1, 2

TOUCH_N = 1.0  # first touch: the force rising past this
LOST_N, LOST_S = 0.3, 0.05  # contact lost: below this force for this long
LEARN_S = 2.0  # contact time over which k is learnt from the touch point


@numba_njit()
def depth_update(K: Any, o: int, model_depth: float, fn: float, p: Any, n: Any) -> int:
    """Force ``fn`` (N, the median) against the depth below the model surface
    ``model_depth`` (m) with the TCP at ``p``, on the slots at ``K[o:]``: MISMATCH and
    LEARN bits."""
    code = 0
    k = K[o + K_N_M]
    dt = K[o + DT_S]
    search = K[o + SEARCH_M]
    turned = 0.0  # |n − n_touch|
    if K[o + HAS_OFFSET] != 0.0:  # follow the touch point
        tp = o + TOUCH_P
        dx, dy, dz = p[0] - K[tp], p[1] - K[tp + 1], p[2] - K[tp + 2]
        dn = dx * n[0] + dy * n[1] + dz * n[2]
        t2 = dx * dx + dy * dy + dz * dz - dn * dn
        K[o + TRAVEL_M] = math.sqrt(t2) if t2 > 0.0 else 0.0
        tn = o + TOUCH_NRM
        ex, ey, ez = n[0] - K[tn], n[1] - K[tn + 1], n[2] - K[tn + 2]
        turned = math.sqrt(ex * ex + ey * ey + ez * ez)
        depth = model_depth - K[o + OFFSET_M]
        if fn > 2.0 and depth > 0.001 and K[o + LEARNING] != 0.0:
            K[o + SAMPLE_N_M] = fn / depth
            code = LEARN
        low_s = K[o + LOW_S] + dt if fn < LOST_N else 0.0
        K[o + LOW_S] = low_s
        if low_s > LOST_S:
            K[o + HAS_OFFSET] = 0.0
            K[o + OFFSET_M] = 0.0
    elif fn > TOUCH_N and search > 0.0:  # the first touch
        K[o + OFFSET_M] = model_depth - fn / k
        K[o + HAS_OFFSET] = 1.0
        K[o + TOUCH_P], K[o + TOUCH_P + 1], K[o + TOUCH_P + 2] = p[0], p[1], p[2]
        K[o + TOUCH_NRM], K[o + TOUCH_NRM + 1], K[o + TOUCH_NRM + 2] = n[0], n[1], n[2]
        K[o + TRAVEL_M] = 0.0
    if K[o + HAS_OFFSET] != 0.0:
        depth = model_depth - K[o + OFFSET_M]
        band = K[o + TILT] * K[o + TRAVEL_M] + search * turned
        if search < band:  # (min() written out)
            band = search
        searching = 0.0
    else:
        depth, band, searching = model_depth, 0.0, search
    shallowest = depth - band - searching  # the least the tool can be in the skin
    too_soft = shallowest > K[o + DEPTH_M] and fn < K[o + RATIO_LOW] * k * shallowest
    reach = depth + band + 0.003
    if reach < 0.001:  # (max(reach, 0.001) written out: the same answer, NaN included)
        reach = 0.001
    too_hard = fn > K[o + RATIO_HIGH] * k * reach + 5.0
    if not (too_soft or too_hard):
        K[o + FOR_S] = 0.0
        return code
    for_s = K[o + FOR_S] + dt
    K[o + FOR_S] = for_s
    if for_s > K[o + MISMATCH_S]:
        K[o + LIMIT_N] = k * depth
        code |= MISMATCH
    return code


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
    dt_s = FloatSlot(DT_S)
    depth_m = FloatSlot(DEPTH_M)
    ratio_low = FloatSlot(RATIO_LOW)
    ratio_high = FloatSlot(RATIO_HIGH)
    mismatch_s = FloatSlot(MISMATCH_S)
    surface_offset_m = FloatSlot(SEARCH_M)
    tilt = FloatSlot(TILT)

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
        self._k = np.zeros(N_SLOTS)
        self.dt_s = dt_s
        self.depth_m = depth_m
        self.ratio_low = ratio_low
        self.ratio_high = ratio_high
        self.mismatch_s = mismatch_s
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
        k, fn = self._k, tick.normal_force_n
        code = depth_update(k, 0, tick.model_depth_m, fn, tick.state.position_m, tick.normal)
        if code & LEARN and len(self._k_samples) < LEARN_S / self.dt_s:
            # (after this tick's check, which used the k it started with)
            self._k_samples.append(float(k[SAMPLE_N_M]))
            if len(self._k_samples) >= LEARN_S / self.dt_s:
                self._k_n_m = float(np.median(self._k_samples))
                self._learning = False
        if code & MISMATCH:
            return Finding("force_depth", fn, float(k[LIMIT_N]), "retreat")
        return None
