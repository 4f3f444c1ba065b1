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
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from backstroke.plan.zone_limits import ZoneLimits
from backstroke.robot.protocol import Robot, RobotCommand, RobotState, Vec3
from backstroke.safety import fast_tick as ft
from backstroke.safety.checks import (
    BodyMotion,
    Finding,
    ForceAgreement,
    ForceCone,
    ForceDepth,
    Measurement,
    SensorCheck,
    SensorHealth,
)
from backstroke.safety.client_controls import ClientControls
from backstroke.safety.limits import SafetyLimits
from backstroke.safety.placement import over_bone_at
from backstroke.safety.retreat import Retreat
from backstroke.safety.slots import FloatSlot, IntSlot, rehome
from backstroke.tools import TOOLS, Tool

# Retreats whose sensor data cannot be trusted go at the plain retreat speed.
_BLIND_KINDS = ("stale", "invalid", "watchdog")
# The force rate is measured over this many ticks.
_RATE_TICKS = ft.RATE_TICKS
_NO_FORCE = (0.0, 0.0, 0.0)  # the fused tick's stand-in for a missing joint estimate

Mode = Literal["running", "retreating", "stopped"]


@dataclass(frozen=True)
class SafetyEvent:
    """One clamp, fault or client signal.

    Attributes:
        t_s: session time.
        kind: e.g. ``force``, ``pressure``, ``speed``, ``force_rate``, ``stale``,
            ``invalid``, ``watchdog``, ``client_stop``, ``too_much``.
        value: the measured value (SI; pressure in N/cm²).
        limit: the limit it was compared with (same unit).
        action: ``clamp``, ``retreat`` or ``notice``.
    """

    t_s: float
    kind: str
    value: float
    limit: float
    action: str


class Supervisor:
    """Wraps a Robot; the controller talks to this, never to the robot.

    Args:
        robot: any backend.
        limits: safety limits.
        dt_s: control period (s).
        zones: the back's bone map; with it (and ``plan_uv`` in :meth:`step`) the
            Supervisor decides "over bone" from the measured position.
    """

    # Scalar state in the array the fused tick shares (safety/slots.py, fast_tick.py).
    _backoff_m = FloatSlot(ft.BACKOFF)
    _cone_backoff_m = FloatSlot(ft.CONE_BACKOFF)
    _hist_i = IntSlot(ft.HIST_I)
    _last2a = FloatSlot(ft.LAST2A)  # the last two raw normal forces (for the median)
    _last2b = FloatSlot(ft.LAST2B)
    _rise_s = FloatSlot(ft.RISE_S)
    _rate_ticks = IntSlot(ft.RATE_N)
    _moved_until = FloatSlot(ft.MOVED_UNTIL)
    _last_fn = FloatSlot(ft.LAST_FN)
    _last_flim = FloatSlot(ft.LAST_FLIM)
    max_normal_force_n = FloatSlot(ft.MAX_FN)
    max_pressure_n_cm2 = FloatSlot(ft.MAX_P)
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
        self._last_tool: Tool | None = None
        self._last_state: RobotState | None = None
        self._k: NDArray[np.float64] = np.zeros(ft.SIZE)
        self._force_hist = self._k[ft.HIST : ft.HIST + _RATE_TICKS]
        self._rate_span_s = dt_s * (_RATE_TICKS - 1)
        self._clamping: dict[str, bool] = {}
        self._controls = ClientControls()
        # tool → [over bone] → force limit, pressure limit, the tool's soft-tissue force
        # limit, and the soft (clamping) force and pressure limits
        soft = limits.soft_fraction
        self._zone_limits = {
            tool: tuple(
                (
                    limits.force_limit_n(tool, bone),
                    limits.pressure_limit_n_cm2(tool, bone),
                    limits.force_limit_n(tool, False),
                    soft * limits.force_limit_n(tool, bone),
                    soft * limits.pressure_limit_n_cm2(tool, bone),
                )
                for bone in (False, True)
            )
            for tool in TOOLS
        }
        self._area_cm2 = {tool: spec.area_cm2 for tool, spec in TOOLS.items()}
        self._retreat = Retreat(limits, dt_s)
        self._cos_tilt = math.cos(math.radians(limits.max_axis_tilt_deg))
        # a tick's largest tangential and normal step, and the steps that are clamped
        max_t, max_n = limits.max_speed_m_s * dt_s, limits.max_normal_speed_m_s * dt_s
        self._step_limits = (max_t, max_n, max_t * 1.0001, max_n * 1.0001)
        self._backing_off = False  # a back-off (force or cone clamp) is under way
        self._sin_tilt = math.sin(math.radians(limits.max_axis_tilt_deg))
        # where a retreat would go from here: the last running tick's normal, axis and
        # depth (handed to the Retreat when one begins)
        self._follow: tuple[Vec3, Vec3, float] | None = None
        self._moved_until = -math.inf
        self._last_flim = 1.0
        self._requests: deque[str] = deque()
        self.over_bone_now = False
        self._health = SensorHealth(
            dt_s, limits.missed_deadline_s, limits.stale_s, limits.invalid_s
        )
        self._agreement = ForceAgreement(dt_s)
        self._body = BodyMotion()
        self._cone = ForceCone(
            dt_s, tolerance_n=float(getattr(robot, "force_direction_error_n", 0.0))
        )
        self._force_depth = ForceDepth(
            dt_s,
            limits.mismatch_depth_m,
            limits.mismatch_ratio_low,
            limits.mismatch_ratio_high,
            limits.mismatch_s,
            surface_offset_m=limits.surface_offset_m,
            surface_tilt_deg=limits.surface_tilt_deg,
        )
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
        """The fused tick's constants in ``K``, and the checks' slots moved into it."""
        K, health, ag, cone, fd = (
            self._k,
            self._health,
            self._agreement,
            self._cone,
            self._force_depth,
        )
        ft.fill_constants(K, self.limits, self._zone_limits, health, ag, cone, fd)
        for check, at in ((health, ft.HEALTH), (ag, ft.AGREE), (cone, ft.CONE), (fd, ft.DEPTH)):
            rehome(check, K, at)
        self._zone_table = np.zeros(0)
        self._zone_table_of: ZoneLimits | None = None
        self._code_tool: Tool | None = None  # the last tool's code in the fused tick
        self._code = 0
        self._post: Callable[..., int] | None = None  # ft.fused_tick(), at its first use

    # ------------------------------------------------------------------ events
    def _event(self, t_s: float, kind: str, value: float, limit: float, action: str) -> None:
        self.events.append(SafetyEvent(t_s, kind, value, limit, action))

    def _clamp_event(self, t_s: float, kind: str, value: float, limit: float, on: bool) -> None:
        # One event at the start of each clamp episode, not one per tick.
        if on:
            if kind not in self._clamping:
                self._event(t_s, kind, value, limit, "clamp")
                self._clamping[kind] = True
        else:
            self._clamping.pop(kind, None)

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
        self._last_tool = tool
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
            command = self._limit_command(command, normal)
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
            if zones is not self._zone_table_of:
                self._zone_table = ft.zone_table(zones)
                self._zone_table_of = zones
            tool = state.tool
            if tool is not self._code_tool:
                self._code_tool, self._code = tool, ft.TOOL_CODES[tool]
            prev = self._last_state
            fj = state.force_joint_n
            args = (
                self._k, self._zone_table, self._code,
                prev is not None and tool is not prev.tool, over_bone,
                command.t_s, state.t_s, state.seq, state.position_m, state.force_n,
                state.axis, _NO_FORCE if fj is None else fj, fj is not None, normal,
                planned, depth_m, plan_uv, tangents[0], tangents[1],
            )  # fmt: skip
            post = self._post
            if post is None:
                post = self._post = ft.fused_tick()
            try:
                bone_code = post(*args)
            except (TypeError, ValueError, SystemError, OverflowError):
                # not the types the entry was compiled for (e.g. numpy arrays): numba's
                # own dispatch types them (nothing was written: unboxing failed)
                bone_code = ft.post_tick(*args)
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

    def _limit_command(self, command: RobotCommand, normal: Vec3) -> RobotCommand:
        px, py, pz = command.position_m
        nx, ny, nz = normal
        changed = False
        axis = command.axis
        c = axis[0] * nx + axis[1] * ny + axis[2] * nz
        # (NaN passes: the robot refuses a non-finite axis)
        if c < self._cos_tilt or "axis_tilt" in self._clamping:
            over = c < self._cos_tilt
            angle = math.degrees(math.acos(max(-1.0, min(1.0, c))))
            tilt_deg = self.limits.max_axis_tilt_deg
            self._clamp_event(command.t_s, "axis_tilt", angle, tilt_deg, over)
            if over:
                axis = self._axis_within_tilt(axis, normal, c)
                changed = True
        if self._backing_off:  # (the back-offs, in K, are read only while one is on)
            b = self._backoff_m + self._cone_backoff_m
            px, py, pz = px + b * nx, py + b * ny, pz + b * nz
            changed = True
        last = self._last_cmd
        if command.tool is not self._last_tool:
            # Another face takes over: the TCP itself is redefined (the end effector
            # rolls onto the new face), so this step is not a motion over the skin.
            self._last_tool = command.tool
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
            if over_t or "speed" in self._clamping:
                max_speed = self.limits.max_speed_m_s
                self._clamp_event(command.t_s, "speed", step_t / self.dt_s, max_speed, over_t)
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
        lim = self.limits
        dt = self.dt_s
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
        if fn > self.max_normal_force_n:
            self.max_normal_force_n = fn
        area = self._area_cm2[st.tool]
        raw_pressure = fn / area
        if raw_pressure > self.max_pressure_n_cm2:
            self.max_pressure_n_cm2 = raw_pressure
        # Limits act on the median of the last three samples: a one-sample spike (sensor
        # glitch) rides through, anything lasting two samples (2 ms) is acted on.
        a, b = self._last2a, self._last2b
        self._last2a, self._last2b = b, fn
        lo, hi = (a, b) if a < b else (b, a)
        fn = lo if fn < lo else (hi if fn > hi else fn)  # the median of the three
        tick.normal_force_n = fn
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
        # The retreat's "still pressed" reads the F/T sensor (the finer of the two) ...
        self._last_fn = fn
        # ... but the limits act on the higher of the two force estimates.
        # (max() written out, here and below: it keeps the first when equal, as here)
        joint_n = self._agreement.joint_normal_n
        if joint_n > fn:
            fn = joint_n
        pressure = (0.0 if fn < 0.0 else fn) / area
        f_lim, p_lim, self._last_flim, f_soft, p_soft = self._zone_limits[st.tool][over_bone]
        # Force rate over the last 10 ticks.
        hist, i = self._force_hist, self._hist_i
        hist[i] = fn
        i += 1
        if i == _RATE_TICKS:
            i = 0
        self._hist_i = i
        rate = (fn - float(hist[i])) / self._rate_span_s
        self._rate_ticks += 1
        if prev is not None and st.tool is not prev.tool:
            # a new face settling onto the skin is not the client pushing: 30 ms grace
            self._rate_ticks = -20
        # The client pushing into the tool: force rising faster than any plan asks
        # (once the rate window holds real samples).
        if rate > lim.move_rate_n_s and fn > 1.0 and self._rate_ticks > _RATE_TICKS:
            self._rise_s += dt
            self._moved_until = t + lim.move_memory_s
        else:
            self._rise_s = 0.0
        if self.mode != "running":
            return
        if fn > f_lim:
            self.start_retreat(t, "force", fn, f_lim)
            return
        if pressure > p_lim:
            self.start_retreat(t, "pressure", pressure, p_lim)
            return
        if self._rise_s > lim.move_confirm_s:
            self.start_retreat(t, "client_moved", rate, lim.move_rate_n_s)
            return
        for check in self.consistency_checks:
            finding = check.update(tick)
            if finding is not None:
                self._act(t, finding)
        if self.mode != "running":
            self._cone.out_of_cone = False
            return
        over = fn / f_soft
        over_p = pressure / p_soft
        if over_p > over:
            over = over_p
        over_r = rate / lim.max_force_rate_n_s
        if over_r > over:
            over = over_r
        self._cone_clamp(t)
        if over > 1.0 or self._clamping:
            self._clamp_event(t, "force", fn, f_soft, fn > f_soft)
            self._clamp_event(t, "pressure", pressure, p_soft, pressure > p_soft)
            self._clamp_event(
                t, "force_rate", rate, lim.max_force_rate_n_s, rate > lim.max_force_rate_n_s
            )
        if over > 1.0:
            # Back off faster the further past the soft limit (up to the escape speed).
            speed = min(lim.max_normal_speed_m_s * over * over, lim.escape_speed_m_s)
            self._backoff_m += speed * dt
        elif self._backoff_m > 0.0:
            self._backoff_m = max(0.0, self._backoff_m - 0.25 * lim.max_normal_speed_m_s * dt)

    def _cone_clamp(self, t: float) -> None:
        """Shear (the force out of the cone, under load): back off in proportion to the
        excess angle while it lasts, and come back once it is inside. The back-off only
        grows while the force is loaded, so this clamp alone never lifts the tool off
        the skin; one clamp event per shear episode."""
        cone = self._cone
        lim = self.limits
        if cone.out_of_cone:
            excess = cone.angle_deg / cone.half_angle_deg - 1.0
            self._cone_backoff_m += lim.max_normal_speed_m_s * min(1.0, 4.0 * excess) * self.dt_s
        elif self._cone_backoff_m > 0.0:
            self._cone_backoff_m = max(
                0.0, self._cone_backoff_m - 0.5 * lim.max_normal_speed_m_s * self.dt_s
            )
        if cone.in_episode or "force_cone" in self._clamping:
            self._clamp_event(t, "force_cone", cone.angle_deg, cone.half_angle_deg, cone.in_episode)

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
