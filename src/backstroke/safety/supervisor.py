"""The Supervisor: the only path from the controller to a Robot, and every clamp.

Each tick it (1) limits the command (tangential and normal speed, the tool axis within
``max_axis_tilt_deg`` of the skin normal), (2) forwards it,
(3) checks what the robot measured — NaN/inf, stale samples, late ticks, normal force,
contact pressure, force rate, the client's signals — and (4) reacts: a *clamp* backs
the tool off along the normal while a soft limit is exceeded; a *fault* starts a
controlled retreat (force ramps down as the tool withdraws along the normal, then it
lifts clear) after which the session stops. Every clamp and fault is a SafetyEvent.

Where the tool is: "over bone" (the lower limits) is decided from the *measured* TCP,
projected on the model's chart around the plan point, with the pad's margin; the
stricter limits also apply while the measured position and the plan disagree by more
than ``disagree_m`` and for ``move_memory_s`` after any sign that the client moved.
A client pushing into the tool shows as the normal force rising faster than
``move_rate_n_s``: the tool escapes (backs off at ``escape_speed_m_s``) and the session
ends in a retreat (``client_moved``). Retreats withdraw fast while the skin still
presses on the tool, then at the retreat speed, and end only once the tool is clear.
"""

from __future__ import annotations

import math
from collections import deque
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from backstroke.plan.zone_limits import TOOL_INDEX, ZoneLimits
from backstroke.robot.protocol import Robot, RobotCommand, RobotState, Vec3
from backstroke.safety import fast_tick as ft
from backstroke.safety import force_limits as fl
from backstroke.safety import layout as lay
from backstroke.safety.checks import (
    BodyMotion,
    Finding,
    Measurement,
    SensorCheck,
)
from backstroke.safety.client_controls import ClientControls
from backstroke.safety.command_limit import CommandLimit
from backstroke.safety.events import Clamps, SafetyEvent
from backstroke.safety.limits import SafetyLimits
from backstroke.safety.placement import over_bone_at
from backstroke.safety.retreat import Retreat
from backstroke.safety.slots import FloatSlot
from backstroke.tools import Tool

__all__ = ["Mode", "SafetyEvent", "Supervisor"]

# Retreats whose sensor data cannot be trusted go at the plain retreat speed.
_BLIND_KINDS = ("stale", "invalid", "watchdog")

Mode = Literal["running", "retreating", "stopped"]


class Supervisor:
    """Wraps a Robot; the controller talks to this, never to the robot.

    Args:
        robot: any backend.
        limits: safety limits.
        dt_s: control period (s).
        zones: the back's bone map; with it (and ``plan_uv`` in :meth:`step`) the
            Supervisor decides "over bone" from the measured position.
    """

    # Scalar state in the array the fused tick shares (safety/slots.py, layout.py).
    _backoff_m = FloatSlot(lay.BACKOFF)
    _cone_backoff_m = FloatSlot(lay.CONE_BACKOFF)
    _moved_until = FloatSlot(lay.MOVED_UNTIL)
    _last_fn = FloatSlot(lay.LAST_FN)
    _last_flim = FloatSlot(lay.LAST_FLIM)
    max_normal_force_n = FloatSlot(lay.MAX_FN)
    max_pressure_n_cm2 = FloatSlot(lay.MAX_P)
    # The nominal tick through fast_tick.post_tick (False: the Python checks on every
    # tick, which the fused tick is tested against).
    fused = True

    def __init__(
        self, robot: Robot, limits: SafetyLimits, dt_s: float, zones: ZoneLimits | None = None
    ) -> None:
        self.robot = robot
        self.zones = zones
        self.limits = limits
        self.dt_s = dt_s
        self.mode: Mode = "running"
        self.events: list[SafetyEvent] = []
        self.fault: SafetyEvent | None = None
        self.signals: list[tuple[float, str]] = []
        self._last_cmd: Vec3 | None = None
        self._last_state: RobotState | None = None
        self._k: NDArray[np.float64] = np.zeros(lay.SIZE)
        self._clamps = Clamps(self.events)
        self._clamping = self._clamps.on
        self._controls = ClientControls()
        self._command_limit = CommandLimit(limits, dt_s, self._clamps)
        self._retreat = Retreat(limits, dt_s)
        self._backing_off = False  # a back-off (force or cone clamp) is under way
        # where a retreat would go from here: the last running tick's normal, axis and
        # depth (handed to the Retreat when one begins)
        self._follow: tuple[Vec3, Vec3, float] | None = None
        self._moved_until = -math.inf
        self._last_flim = 1.0
        self._requests: deque[str] = deque()
        self.over_bone_now = False
        self._health, self._agreement, self._cone, self._force_depth = lay.make_checks(
            limits, dt_s, float(getattr(robot, "force_direction_error_n", 0.0))
        )
        self._body = BodyMotion()
        # Checks on the measurement, in the order they run each tick: is the data alive
        # and sane; then, before the force limits, the second force estimate and the
        # body tracker; after the limits, force/depth consistency and the force cone.
        # Tuples: fast_tick.post_tick runs exactly these on a nominal tick, so a check
        # added here must be added there too (or make it answer SLOW).
        self.health_checks: tuple[SensorCheck, ...] = (self._health,)
        self.checks: tuple[SensorCheck, ...] = (self._agreement, self._body)
        self.consistency_checks: tuple[SensorCheck, ...] = (self._force_depth, self._cone)
        self._tick: Measurement | None = None
        self._fast_setup()

    def _fast_setup(self) -> None:
        """The constants in ``K``, and the checks' slots moved into it."""
        K = self._k
        lay.fill_constants(K, self.limits, self.dt_s, self._cone.axial_limit_n)
        lay.rehome_checks(K, (self._health, self._agreement, self._cone, self._force_depth))
        self._fused_tick = ft.FusedTick()

    # ------------------------------------------------------------------ events
    def _event(self, t_s: float, kind: str, value: float, limit: float, action: str) -> None:
        self.events.append(SafetyEvent(t_s, kind, value, limit, action))

    def start_retreat(self, t_s: float, kind: str, value: float, limit: float) -> None:
        """Begin a controlled retreat (idempotent); the session ends when it completes."""
        if self.mode != "running":
            return
        self.mode = "retreating"
        ev = SafetyEvent(t_s, kind, value, limit, "retreat")
        self.events.append(ev)
        self.fault = ev
        if self._follow is not None:
            self._retreat.follow(*self._follow)
        st = self._last_state
        if st is not None and _finite3(st.position_m):
            self._retreat.begin(st.position_m)
        elif self._last_cmd is not None:
            self._retreat.begin(self._last_cmd)
        else:
            self._retreat.begin(self._retreat.from_m)

    def request_stop(self, kind: str) -> None:
        """Queue an external stop (thread-safe, e.g. a signal handler): at the next tick
        the Supervisor starts a controlled retreat with a safety event ``kind``."""
        self._requests.append(str(kind))

    # ------------------------------------------------------------------ ticks
    def start(self, tool: Tool, position_m: Vec3, axis: Vec3) -> RobotState:
        st = self.robot.start(tool, position_m, axis)
        self._last_state = st
        self._last_cmd = position_m
        self._command_limit.last_tool = tool
        return st

    def step(
        self,
        command: RobotCommand,
        normal: Vec3,
        depth_m: float,
        over_bone: bool,
        plan_uv: tuple[float, float] | None = None,
        tangents: tuple[Vec3, Vec3] | None = None,
    ) -> tuple[RobotState, Mode]:
        """Check, limit and forward one command; check the measurement.

        Returns the measured state and the Supervisor's mode after this tick:
        ``running``, ``retreating`` (a controlled retreat is under way: keep stepping) or
        ``stopped`` (the retreat is complete: the session ends).

        Args:
            command: the controller's command.
            normal: the model's outward skin normal at the plan point (unit, frame B).
            depth_m: the commanded depth below the model surface (for retreat sizing).
            over_bone: the plan's own verdict (lower limits when True).
            plan_uv: the plan's chart point ``(u, v_m)`` now; with ``tangents`` (the unit
                ∂/∂u and ∂/∂v directions of the skin there) and ``zones`` the measured
                position decides too.
        """
        while self._requests:
            self.start_retreat(command.t_s, self._requests.popleft(), 1.0, 0.0)
        planned = command.position_m
        if self.mode != "running":
            command = self._retreat_command(command)
        else:
            self._follow = (normal, command.axis, depth_m)
            command = self._command_limit.limit(command, normal, self._last_cmd, self.backoff_m)
        self._last_cmd = command.position_m
        state = self.robot.step(command)
        zones = self.zones
        controls = self._controls
        if (
            self.fused
            and tangents is not None
            and plan_uv is not None
            and state.body_shift_m is None
            and self.mode == "running"
            and not self._clamping
            and zones is not None
            and self._body.shift_m is None
            and state.client_signal == controls.last_reported
            and not controls.pending
        ):
            # The common tick, fused (fast_tick.py); SLOW when anything is found.
            bone_code = self._fused_tick(
                self._k, zones, state, self._last_state, command.t_s, normal, planned,
                depth_m, over_bone, plan_uv, tangents,
            )  # fmt: skip
            if bone_code != ft.SLOW:
                self.over_bone_now = bone_code == 1
                if self._backing_off:  # (the kernel only lets a back-off decay)
                    self._backing_off = self._backoff_m > 0.0 or self._cone_backoff_m > 0.0
                self._last_state = state
                return state, self.mode
        # the model's skin under the plan point: the planned command less its depth
        surface = (
            planned[0] + depth_m * normal[0],
            planned[1] + depth_m * normal[1],
            planned[2] + depth_m * normal[2],
        )
        # Bone limits from the plan, after any sign that the client moved, or from where
        # the tool is measured to be (conservative: see placement.py).
        if over_bone or state.t_s < self._moved_until:
            bone = True
        elif self.zones is None or plan_uv is None or tangents is None:
            bone = False
        else:
            bone = over_bone_at(
                self.zones,
                state.tool,
                state.position_m,
                surface,
                normal,
                plan_uv,
                tangents,
                untracked_reach_m=self.limits.disagree_m,
                client_shift_m=self._body.shift_m,
            )
        self.over_bone_now = bone
        self._check(state, command, normal, bone, surface)
        self._backing_off = self._backoff_m > 0.0 or self._cone_backoff_m > 0.0
        self._last_state = state
        return state, self.mode

    def _retreat_command(self, command: RobotCommand) -> RobotCommand:
        fault = self.fault
        cmd, done = self._retreat.step(
            command.tool,
            command.t_s,
            self._last_fn,
            self._last_flim,
            blind=fault is not None and fault.kind in _BLIND_KINDS,
            moving=self.mode == "retreating",
        )
        if done:
            self.mode = "stopped"
        return cmd

    @property
    def expected_stiffness_n_m(self) -> float:
        """Typical skin stiffness for the force/depth check (N/m; the runner refines it
        from the rest phase)."""
        return self._force_depth.expected_stiffness_n_m

    @expected_stiffness_n_m.setter
    def expected_stiffness_n_m(self, value: float) -> None:
        self._force_depth.expected_stiffness_n_m = float(value)

    def rebase_body(self, zones: ZoneLimits) -> None:
        """The body planned on moved (re-registered from touch): its bone map, and the
        force/depth check's touch point learnt again."""
        self.zones = zones
        self._force_depth.forget_touch()

    def _act(self, t: float, finding: Finding) -> None:
        """Act on what a check found this tick (the loops over the checks are written
        out in :meth:`_check`: a call per check, and one more only when it finds)."""
        if finding.action == "moved":
            self._moved_until = t + self.limits.move_memory_s
        else:
            self.start_retreat(t, finding.kind, finding.value, finding.limit)

    @property
    def backoff_m(self) -> float:
        """How far the clamps hold the tool back along the normal now (m, ≥ 0)."""
        return self._backoff_m + self._cone_backoff_m if self._backing_off else 0.0

    @property
    def client_shift_m(self) -> Vec3 | None:
        """The client's tracked shift from the registered pose (m, frame B; None: no
        tracker), as the Supervisor uses it."""
        return self._body.shift_m

    def _check(
        self,
        st: RobotState,
        command: RobotCommand,
        normal: Vec3,
        over_bone: bool,
        surface: Vec3,
    ) -> None:
        """The measurement's checks and the limits (the same compiled rules as the
        fused tick: force_limits.py and the checks), and what to do about them."""
        t = command.t_s
        prev = self._last_state
        controls = self._controls
        if st.client_signal != controls.last_reported or controls.pending:
            self._client_signals(st.client_signal, t)
        f = st.force_n
        fn = f[0] * normal[0] + f[1] * normal[1] + f[2] * normal[2]
        tick = self._tick
        if tick is None:
            tick = self._tick = Measurement(st)
        tick.state, tick.normal, tick.raw_normal_force_n = st, normal, fn
        for check in self.health_checks:
            finding = check.update(tick)
            if finding is not None:
                self._act(t, finding)
        if not self._health.valid:
            return  # hold: judged by the health check alone until the data is valid
        K, code = self._k, TOOL_INDEX[st.tool]
        fn = tick.normal_force_n = fl.measured_force(K, code, fn)
        # How far the measured TCP is below the model surface along the normal (m), from
        # the plan's model surface point (before any clamp: a clamp's back-off is not depth).
        p, n = st.position_m, normal
        depth = (surface[0] - p[0]) * n[0] + (surface[1] - p[1]) * n[1] + (surface[2] - p[2]) * n[2]
        shift = self._body.shift_m
        if shift is not None:
            # the client's skin moved with the client (toward the tool: deeper)
            depth += shift[0] * n[0] + shift[1] * n[1] + shift[2] * n[2]
        tick.model_depth_m = depth
        for check in self.checks:
            finding = check.update(tick)
            if finding is not None:
                self._act(t, finding)
        tool_changed = prev is not None and st.tool is not prev.tool
        found = fl.force_limits(
            K, code, over_bone, t, tool_changed, fn, self._agreement.joint_normal_n
        )
        if self.mode != "running":
            return
        if found:
            self.start_retreat(t, *fl.limit_finding(K, found, self.limits.move_rate_n_s))
            return
        for check in self.consistency_checks:
            finding = check.update(tick)
            if finding is not None:
                self._act(t, finding)
        if self.mode != "running":
            self._cone.out_of_cone = False
            return
        over = fl.soft_excess(K)
        cone = self._cone
        if cone.in_episode or "force_cone" in self._clamping:
            angle, half = cone.angle_deg, cone.half_angle_deg
            self._clamps.clamp(t, "force_cone", angle, half, cone.in_episode)
        if over > 1.0 or self._clamping:
            fl.soft_clamps(K, self._clamps, t, self.limits.max_force_rate_n_s)
        fl.back_off(K, over)

    def press(self, signal: str) -> None:
        """The client's control: one of ``CLIENT_CONTROLS`` (thread-safe).

        Takes effect at the next tick (within one control period).
        """
        self._controls.press(signal)

    def _client_signals(self, robot_signal: str, t: float) -> None:
        """Robot-reported signals (on change) and pressed controls, in arrival order."""
        for sig in self._controls.incoming(robot_signal):
            self.signals.append((t, sig))
            if sig == "stop":
                self.start_retreat(t, "client_stop", 1.0, 0.0)
            else:
                self._event(t, sig, 1.0, 0.0, "notice")

    @property
    def last_state(self) -> RobotState | None:
        """The most recent measured state (None before ``start``)."""
        return self._last_state

    def stop(self) -> RobotState:
        return self.robot.stop()


def _finite3(v: Vec3) -> bool:
    return math.isfinite(v[0]) and math.isfinite(v[1]) and math.isfinite(v[2])
