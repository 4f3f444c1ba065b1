"""The controlled retreat: how the tool leaves the client when a session must stop.

The tool withdraws along the skin's normal from where it was measured when the retreat
began: fast while the skin still presses on it (graded by how hard, up to the escape
speed), then at the retreat speed; blind retreats (no trustworthy force) stay slow. It
ends once it has lifted ``retreat_height_m`` past the skin *and* the force is below
``retreat_clear_force_n`` — going up to ``retreat_max_extra_m`` further if the client
keeps following the tool.
"""

from __future__ import annotations

from backstroke.robot.protocol import RobotCommand, Vec3
from backstroke.safety.limits import SafetyLimits
from backstroke.tools import Tool


class Retreat:
    """The retreat's geometry and pace (frame B, SI units).

    Args:
        limits: the retreat speeds, height and clearing force.
        dt_s: control period (s).
    """

    def __init__(self, limits: SafetyLimits, dt_s: float) -> None:
        self.limits = limits
        self.dt_s = dt_s
        self.from_m: Vec3 = (0.0, 0.0, 0.0)
        self.normal: Vec3 = (0.0, 0.0, 1.0)
        self.axis: Vec3 = (0.0, 0.0, 1.0)
        self.travel_m = 0.0
        self.total_m = 0.0

    def follow(self, normal: Vec3, axis: Vec3, depth_m: float) -> None:
        """While running: where a retreat would go from here (the plan's normal, axis and
        depth below the skin)."""
        self.normal = normal
        self.axis = axis
        self.total_m = max(depth_m, 0.0) + self.limits.retreat_height_m

    def begin(self, position_m: Vec3) -> None:
        """Start withdrawing from ``position_m`` (the measured TCP, or the last command)."""
        self.from_m = position_m
        self.travel_m = 0.0

    def step(
        self,
        tool: Tool,
        t_s: float,
        pressed_n: float,
        scale_n: float,
        *,
        blind: bool,
        moving: bool,
    ) -> tuple[RobotCommand, bool]:
        """One tick of the retreat: the command, and whether it has ended.

        Args:
            pressed_n: the skin's normal force on the tool now (N).
            scale_n: the force at which the retreat goes at full escape speed (N).
            blind: the force cannot be trusted (stale, invalid, late data).
            moving: still withdrawing (False: hold where the retreat ended).
        """
        lim = self.limits
        done = False
        if moving:
            pressed = pressed_n > lim.retreat_clear_force_n
            w = 0.0 if blind else min(max((pressed_n - 2.0) / scale_n, 0.0), 1.0)
            speed = lim.retreat_speed_m_s + w * (lim.escape_speed_m_s - lim.retreat_speed_m_s)
            self.travel_m += speed * self.dt_s
            lifted = self.travel_m >= self.total_m
            too_far = self.travel_m >= self.total_m + lim.retreat_max_extra_m
            done = (lifted and (not pressed or blind)) or too_far
        d, o, n = self.travel_m, self.from_m, self.normal
        pos = (o[0] + d * n[0], o[1] + d * n[1], o[2] + d * n[2])
        return RobotCommand(tool, pos, self.axis, t_s), done
