"""The Supervisor's limits on a command: tangential and normal speed, the tool axis
within ``max_axis_tilt_deg`` of the skin normal, and the clamps' back-off."""

from __future__ import annotations

import math

from backstroke.robot.protocol import RobotCommand, Vec3
from backstroke.safety.events import Clamps
from backstroke.safety.limits import SafetyLimits
from backstroke.tools import Tool


class CommandLimit:
    """Limits each running tick's command (its clamps go to ``clamps``).

    Args:
        limits: the safety limits.
        dt_s: control period (s).
        clamps: the Supervisor's clamp episodes (``axis_tilt`` and ``speed`` here).
    """

    def __init__(self, limits: SafetyLimits, dt_s: float, clamps: Clamps) -> None:
        self.limits = limits
        self.dt_s = dt_s
        self._clamps = clamps
        self._cos_tilt = math.cos(math.radians(limits.max_axis_tilt_deg))
        self._sin_tilt = math.sin(math.radians(limits.max_axis_tilt_deg))
        # a tick's largest tangential and normal step, and the steps that are clamped
        max_t, max_n = limits.max_speed_m_s * dt_s, limits.max_normal_speed_m_s * dt_s
        self._step_limits = (max_t, max_n, max_t * 1.0001, max_n * 1.0001)
        self.last_tool: Tool | None = None

    def limit(
        self, command: RobotCommand, normal: Vec3, last: Vec3 | None, backoff_m: float
    ) -> RobotCommand:
        """``command`` within the limits, from the last command sent ``last``, backed
        off ``backoff_m`` along ``normal`` (``command`` itself when nothing changes)."""
        px, py, pz = command.position_m
        nx, ny, nz = normal
        changed = False
        axis = command.axis
        clamping = self._clamps.on
        c = axis[0] * nx + axis[1] * ny + axis[2] * nz
        # (NaN passes: the robot refuses a non-finite axis)
        if c < self._cos_tilt or "axis_tilt" in clamping:
            over = c < self._cos_tilt
            angle = math.degrees(math.acos(max(-1.0, min(1.0, c))))
            tilt_deg = self.limits.max_axis_tilt_deg
            self._clamps.clamp(command.t_s, "axis_tilt", angle, tilt_deg, over)
            if over:
                axis = self._axis_within_tilt(axis, normal, c)
                changed = True
        if backoff_m:
            b = backoff_m
            px, py, pz = px + b * nx, py + b * ny, pz + b * nz
            changed = True
        if command.tool is not self.last_tool:
            # Another face takes over: the TCP itself is redefined (the end effector
            # rolls onto the new face), so this step is not a motion over the skin.
            self.last_tool = command.tool
            last = None
        if last is not None:
            dx, dy, dz = px - last[0], py - last[1], pz - last[2]
            dn = dx * nx + dy * ny + dz * nz
            tx, ty, tz = dx - dn * nx, dy - dn * ny, dz - dn * nz
            step_t = math.sqrt(tx * tx + ty * ty + tz * tz)
            max_t, max_n, over_t_m, over_n_m = self._step_limits
            over_t = step_t > over_t_m
            if over_t:
                s = max_t / step_t
                tx, ty, tz = tx * s, ty * s, tz * s
            over_n = abs(dn) > over_n_m
            if over_n:
                dn = math.copysign(max_n, dn)
            if over_t or "speed" in clamping:
                max_speed = self.limits.max_speed_m_s
                self._clamps.clamp(command.t_s, "speed", step_t / self.dt_s, max_speed, over_t)
            if over_t or over_n:
                px = last[0] + tx + dn * nx
                py = last[1] + ty + dn * ny
                pz = last[2] + tz + dn * nz
                changed = True
        if not changed:
            return command
        return RobotCommand(command.tool, (px, py, pz), axis, command.t_s)

    def _axis_within_tilt(self, axis: Vec3, normal: Vec3, c: float) -> Vec3:
        """``axis`` turned toward ``normal`` onto the ``max_axis_tilt_deg`` cone
        (``c``: their dot product)."""
        tx, ty, tz = axis[0] - c * normal[0], axis[1] - c * normal[1], axis[2] - c * normal[2]
        t = math.sqrt(tx * tx + ty * ty + tz * tz)
        if not t > 1e-9:  # straight into the skin, or not a direction: the normal
            return normal
        s = self._sin_tilt / t
        k = self._cos_tilt
        return (k * normal[0] + s * tx, k * normal[1] + s * ty, k * normal[2] + s * tz)
