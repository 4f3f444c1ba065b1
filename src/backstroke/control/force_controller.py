"""Hybrid force/position control at the control rate (1 kHz).

Tangential motion follows the plan; along the surface normal an admittance loop
regulates the measured normal force: the commanded depth below the model surface
integrates the force error, with its gain scheduled on the contact stiffness seen so
far (so the loop keeps a ~10 Hz bandwidth on soft and stiff tissue alike, rejecting the
0.2–0.4 Hz breathing motion). The tool axis follows the plan's axis (surface normal
tilted behind the stroke).

Per-tick code is scalar Python on purpose: at 1 kHz the numpy call overhead would
cost more than the arithmetic.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from backstroke.errors import BackstrokeError

# Stiffness assumed for a face that just touched: the loop starts slow and speeds up
# as the estimate converges (about 50 ms).
TOOL_CHANGE_STIFFNESS_N_M = 5_000.0
# Below LIGHT_TOUCH_N the loop gain is scheduled on this (soft) stiffness instead.
LIGHT_TOUCH_N = 1.0
LIGHT_TOUCH_STIFFNESS_N_M = 1_000.0
# On a body fitted to a scan the model surface's shape error (slopes off by degrees over
# centimetres) is a disturbance at the stroke's speed that the loop must take up: twice
# the crossover halves its force error (0.165 → 0.108 N on the worst-case scan bench's
# default seed 7). A body known exactly has none and keeps the default.
FITTED_BODY_BANDWIDTH_HZ = 20.0


@dataclass(frozen=True)
class ControllerGains:
    """Tuning of the normal-force loop (SI units).

    Attributes:
        bandwidth_hz: target crossover of the force loop.
        stiffness_min_n_m, stiffness_max_n_m: range of the stiffness estimate used to
            schedule the gain.
        stiffness_filter_s: time constant of the stiffness estimate.
        max_depth_rate_m_s: largest commanded normal speed (soft touch, soft re-contact).
        max_depth_m: deepest commanded depth below the model surface.
        max_lift_m: highest the loop may hold the tool *above* the model surface (a
            client who rose toward the tool is followed, not pressed into).
        contact_force_n: measured force above which the tool counts as touching.
    """

    bandwidth_hz: float = 10.0
    stiffness_min_n_m: float = 500.0
    stiffness_max_n_m: float = 30_000.0
    stiffness_filter_s: float = 0.05
    max_depth_rate_m_s: float = 0.03
    max_depth_m: float = 0.035
    max_lift_m: float = 0.06
    contact_force_n: float = 0.5

    def __post_init__(self) -> None:
        if not 0.5 <= self.bandwidth_hz <= 30.0:
            raise BackstrokeError(f"bandwidth_hz {self.bandwidth_hz} outside 0.5..30 Hz")
        if not 0 < self.stiffness_min_n_m < self.stiffness_max_n_m:
            raise BackstrokeError("need 0 < stiffness_min_n_m < stiffness_max_n_m")
        if self.max_depth_rate_m_s <= 0 or self.max_depth_m <= 0:
            raise BackstrokeError("max_depth_rate_m_s and max_depth_m must be positive")


class ForceController:
    """Admittance control of the normal force along the plan.

    Args:
        dt_s: control period (s).
        gains: loop tuning.
        initial_stiffness_n_m: prior for the stiffness estimate (from the rest phase or
            a typical back).
    """

    def __init__(
        self,
        dt_s: float,
        gains: ControllerGains | None = None,
        initial_stiffness_n_m: float = 2000.0,
    ) -> None:
        if not 1e-4 <= dt_s <= 0.02:
            raise BackstrokeError(f"control period {dt_s} s outside 0.1..20 ms")
        self.dt_s = dt_s
        self.gains = gains or ControllerGains()
        self.depth_m = 0.0
        # Where the skin is off the model surface while the plan is off the skin (m,
        # below it: a client tracked moving toward the tool makes it negative).
        self.off_skin_depth_m = 0.0
        # How far above the skin's off-skin depth the tool was when the plan left the
        # skin (m, ≤ 0), or None while in contact: a lift-off never presses back down.
        self._left_at_m: float | None = None
        self.stiffness_n_m = initial_stiffness_n_m
        self._prev_target_n = 0.0
        self._alpha = dt_s / (self.gains.stiffness_filter_s + dt_s)
        self._omega = 2.0 * math.pi * self.gains.bandwidth_hz
        g = self.gains  # frozen: its constants cached for the tick
        self._k_range = (g.stiffness_min_n_m, g.stiffness_max_n_m)
        self._depth_limits = (g.max_depth_rate_m_s, g.max_lift_m, g.max_depth_m)

    def reset_depth(self, depth_m: float = 0.0) -> None:
        self.depth_m = depth_m
        self._left_at_m = None

    def on_tool_change(self, measured_depth_m: float) -> None:
        """A new face meets the skin after the old one unloaded (the planner's handover).

        Every face shares the zero of indentation at the skin, so the new face starts
        where the tool physically is (the measured depth), not where the old face's
        command was; it is assumed stiff until measured (a gentle loop at first).
        """
        # (the skin may be above the model surface — breathing, a client who rose —
        # so a negative depth is kept: clamping it to 0 would push the new face in)
        self.depth_m = min(max(measured_depth_m, -self.gains.max_lift_m), self.gains.max_depth_m)
        self.stiffness_n_m = max(self.stiffness_n_m, TOOL_CHANGE_STIFFNESS_N_M)

    def update(
        self,
        target_force_n: float,
        measured_force_n: float,
        measured_depth_m: float,
        in_contact: bool,
    ) -> float:
        """One tick: returns the commanded depth (m) below the model surface.

        Args:
            target_force_n: the plan's normal force now (after preferences and trust).
            measured_force_n: normal component of the measured force (N, pressing > 0).
            measured_depth_m: how far the measured TCP is below the model surface (m).
                On a fitted body the runner gives the depth below the skin as the
                touches place it and adds that skin's offset to the returned depth.
            in_contact: whether the plan expects contact now.
        """
        if not in_contact:
            # Off the skin: relax the depth back to the skin's (zero, or where a tracked
            # client has moved it: ``off_skin_depth_m``) at the allowed rate — but never
            # toward the skin from where the loop left it: a breath had raised the skin
            # above the model there, and stepping back down to the model surface would
            # press into it again at the start of the lift-off.
            left = self._left_at_m
            if left is None:
                left = self._left_at_m = min(self.depth_m - self.off_skin_depth_m, 0.0)
            if measured_force_n > self.gains.contact_force_n:
                # Touching where the plan is still off the skin: the skin is above the
                # model surface (a fitted body, a breath). An approach in position would
                # press into it; lift as the loop would, and stay lifted.
                k_soft = max(self.stiffness_n_m, LIGHT_TOUCH_STIFFNESS_N_M)
                lift = self._omega * (measured_force_n - self.gains.contact_force_n) / k_soft
                self.depth_m -= min(lift, self.gains.max_depth_rate_m_s) * self.dt_s
                self._left_at_m = min(left, self.depth_m - self.off_skin_depth_m)
                self._prev_target_n = 0.0
                return self.depth_m
            gap = self.off_skin_depth_m + left - self.depth_m
            step = min(abs(gap), self.gains.max_depth_rate_m_s * self.dt_s)
            self.depth_m += math.copysign(step, gap)
            self._prev_target_n = 0.0
            return self.depth_m
        self._left_at_m = None
        # (comparisons written out: min/max calls cost more than the arithmetic here;
        # each keeps min/max's answer, NaN included)
        stiffness = self.stiffness_n_m
        if measured_force_n > 2.0 and measured_depth_m > 0.001:
            k = measured_force_n / measured_depth_m
            k_min, k_max = self._k_range
            if k_min > k:
                k = k_min
            if k_max < k:
                k = k_max
            # Tangent stiffness of stiffening tissue exceeds the secant: schedule on 1.5×.
            stiffness += self._alpha * (1.5 * k - stiffness)
            self.stiffness_n_m = stiffness
        error = target_force_n - measured_force_n
        k_loop = stiffness
        if measured_force_n < LIGHT_TOUCH_N and error > 0.0 and k_loop > LIGHT_TOUCH_STIFFNESS_N_M:
            # Barely touching, the skin is at its softest (its tangent stiffness at zero
            # indentation): a loop tuned for the stiffer working range would take
            # hundreds of ms to come back, which reads as a break in contact.
            k_loop = LIGHT_TOUCH_STIFFNESS_N_M
        rate = self._omega * error / k_loop
        rate += (target_force_n - self._prev_target_n) / self.dt_s / stiffness
        self._prev_target_n = target_force_n
        limit, lift, deepest = self._depth_limits
        if -limit > rate:
            rate = -limit
        if limit < rate:
            rate = limit
        depth = self.depth_m + rate * self.dt_s
        if -lift > depth:
            depth = -lift
        if deepest < depth:
            depth = deepest
        self.depth_m = depth
        return depth
