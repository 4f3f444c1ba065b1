"""The session runner's tick loop: one plan chunk run at the control rate.

:class:`ChunkTicker` is the part of :class:`~backstroke.session.runner.SessionRunner`
that turns a chunk's samples into robot commands through Controller → Supervisor,
ramping the force scale, capping the target by the zones, changing tools and recording
every tick (``RECORD_COLUMNS``). The loop is the hot path: everything per tick is a
local built once per chunk, so it stays a method of the runner's own class (no calls or
attribute look-ups added per tick).
"""

from __future__ import annotations

import contextlib
import gc
import math
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
from numpy.typing import NDArray

from backstroke.body.back_model import BackModel
from backstroke.control.axis_follow import AxisFollower
from backstroke.control.force_controller import ForceController
from backstroke.errors import RobotError, SafetyFault
from backstroke.plan.plan import COLUMNS, TOOL_CODES, PlanChunk
from backstroke.plan.zone_limits import PLAN_FRACTION, ZoneLimits
from backstroke.robot.protocol import Robot, RobotCommand
from backstroke.routine.schema import Routine
from backstroke.safety.limits import SafetyLimits
from backstroke.safety.supervisor import Supervisor
from backstroke.sense.breathing_session import BreathingTracker
from backstroke.sense.trust import TrustEstimate
from backstroke.session.preferences import ClientVoice
from backstroke.session.progress import Tick
from backstroke.session.touch_depth import TouchDepth
from backstroke.tools import TOOLS

# Recorded per tick (1 kHz), in this order.
RECORD_COLUMNS = (
    "t_s",
    "x_m",
    "y_m",
    "z_m",
    "ax",
    "ay",
    "az",
    "fx_n",
    "fy_n",
    "fz_n",
    "normal_force_n",
    "target_force_n",
    "indentation_m",
)


class ChunkTicker:
    """Runs chunks tick by tick; the state it reads is set by ``SessionRunner``."""

    routine: Routine
    back: BackModel
    robot: Robot
    rate_hz: float
    dt_s: float
    limits: SafetyLimits
    zones: ZoneLimits
    supervisor: Supervisor
    controller: ForceController
    axis_follower: AxisFollower | None
    touch_depth: TouchDepth | None
    voice: ClientVoice
    breathing: BreathingTracker
    trust: TrustEstimate
    trust_scale: float
    preferred_scale: float
    observer: Any
    observe_every: int
    on_chunk: Any
    on_ticks: Any
    tick_ns: list[int] | None
    _cols: list[dict[str, NDArray[np.float64]]]
    _plan_cols: list[dict[str, NDArray[np.float64]]]
    _started: bool
    _cap_now: float
    _scale_now: float

    def _deepen_steps(self, t_s: NDArray[np.float64], up_step: float) -> list[float]:
        """Per tick, how much the force scale may rise: ``up_step``, or, breath-paced,
        ``up_step`` on the exhale and nothing on the inhale (before any breath is
        heard, at every tick)."""
        exhale = self.breathing.exhale(t_s) if self.routine.breath_paced else None
        if exhale is None:
            return [up_step] * t_s.size
        return np.where(exhale, up_step, 0.0).tolist()

    def _force_scale(self) -> float:
        return self.trust_scale * self.preferred_scale

    def _apply_signals(self, since: int, u: float = math.nan, v: float = math.nan) -> None:
        """Hear the new signals with the tool at chart point ``(u, v)`` (preferences.py)."""
        for t, sig in self.supervisor.signals[since:]:
            self.voice.hear(t, sig, u, v)
            self.trust.client_signal(t, sig)
        self.preferred_scale = self.voice.overall
        self.trust_scale = min(self.trust_scale, self.trust.force_fraction)

    def _execute(self, chunk: PlanChunk) -> dict[str, NDArray[np.float64]]:
        """Run one chunk tick by tick; returns its recorded columns."""
        s = chunk.samples
        n = s["t_s"].size
        T = s["t_s"].tolist()
        X, Y, Z = s["x_m"].tolist(), s["y_m"].tolist(), s["z_m"].tolist()
        NX, NY, NZ = s["nx"].tolist(), s["ny"].tolist(), s["nz"].tolist()
        AX, AY, AZ = s["ax"].tolist(), s["ay"].tolist(), s["az"].tolist()
        F = s["target_force_n"].tolist()
        U, V, B, P = s["u"].tolist(), s["v"].tolist(), s["block"].tolist(), s["pass_index"].tolist()
        R = self.voice.regions.scale_at(s["u"], s["v"]).tolist()
        obs, every = self.observer, self.observe_every
        IC = (s["in_contact"] > 0).tolist()
        tools = [TOOL_CODES[k] for k in s["tool"].astype(np.int64).tolist()]
        bone = self._over_bone(s).tolist()
        if "tux" in s:  # the planner's own tangents
            tan = [s[c].tolist() for c in ("tux", "tuy", "tuz", "tvx", "tvy", "tvz")]
        else:
            tu_a, tv_a, _ = self.back.frame(s["u"], s["v"])
            tan = [*tu_a.T.tolist(), *tv_a.T.tolist()]
        # Per-tick tuples built once per chunk (the Supervisor takes them as they are),
        # with no cyclic collection until the ticks are done: none of this makes a
        # cycle, and each collection would walk every tuple still alive (on again
        # after the loop, or in rare_collections if a tick raises).
        collect = gc.isenabled()
        gc.disable()
        NRM = list(zip(NX, NY, NZ, strict=True))
        AXIS = list(zip(AX, AY, AZ, strict=True))
        follow = self.axis_follower
        SLIDE = _plan_velocity(s, self.dt_s) if follow is not None else AXIS
        UV = list(zip(U, V, strict=True))
        TAN = list(zip(zip(*tan[:3], strict=True), zip(*tan[3:], strict=True), strict=True))
        # The most a target may be here (zones within a client's shift of the pads).
        CAP = self.zones.force_cap_n(tools, s["u"], s["v"], s["t_s"]).tolist()
        transition = self._is_transition(chunk)
        # The model surface's height above the skin as the touches place it: the loop
        # works below that skin (touch_depth.py); a refit since the last chunk moves
        # its depth, not the tool.
        td = self.touch_depth
        sup = self.supervisor
        ctrl = self.controller
        SKIN = [0.0] * n
        if td is not None:
            skin, jump = td.skin_offset_along(s)
            SKIN = skin.tolist()
            ctrl.depth_m -= jump
        if not self._started:
            self._started = True
            sup.start(tools[0], (X[0], Y[0], Z[0]), (AX[0], AY[0], AZ[0]))
        last = sup.last_state
        if last is None:  # start() always sets it
            raise RobotError("no state from the robot after start", backend=self.robot.name)
        st = last
        rec: list[tuple[float, ...]] = []
        append = rec.append
        bone_f = self.limits.bone_factor
        bone_cap = {t: TOOLS[t].max_force_n * PLAN_FRACTION * bone_f for t in set(tools)}
        cap_rise = 12.0 * self.dt_s  # N per tick: a cap comes back up gently
        cap_now = self._cap_now
        signals = sup.signals
        sig_seen = len(signals)
        scale = self._scale_now
        goal = self._force_scale()
        light_n = self.routine.transition_force_n
        # Deeper ramps at 25 %/s (breath-paced: on the exhale only); lighter at 100 %/s.
        up_step, down_step = 0.25 * self.dt_s, 1.0 * self.dt_s
        UP = self._deepen_steps(s["t_s"], up_step)
        tick_ns = self.tick_ns
        clock = time.perf_counter_ns
        isfinite = math.isfinite
        update = ctrl.update
        step = sup.step
        last_tool = st.tool
        fx, fy, fz = st.force_n
        px, py, pz = st.position_m
        # on_ticks gets the ticks at least every second of session time.
        parts: list[NDArray[np.float64]] = []
        done = 0
        report_every = int(self.rate_hz) if self.on_ticks is not None else n + 1
        for i in range(n):
            if tick_ns is not None:
                tick_ns.append(clock())
            if scale != goal:
                scale = min(scale + UP[i], goal) if goal > scale else max(scale - down_step, goal)
            t = T[i]
            normal = NRM[i]
            nx, ny, nz = normal
            x, y, z = X[i], Y[i], Z[i]
            fn = fx * nx + fy * ny + fz * nz
            depth = (x - px) * nx + (y - py) * ny + (z - pz) * nz
            tool = tools[i]
            target = F[i] * scale * R[i]
            if transition[i]:
                # a transition glides at its own light force whatever the trust; where it
                # blends into or out of a stroke, no harder than that stroke is pressed
                light = target if target > light_n else light_n
                target = F[i] if F[i] < light else light
            if tool is not last_tool:
                # the new face starts where the tool is: the clamps' back-off, which the
                # Supervisor keeps adding, is part of the command (without it a thumb
                # held back 4.6 mm out of the force cone handed over 0.5 mm off the skin)
                ctrl.on_tool_change(depth - SKIN[i] + sup.backoff_m)
                if follow is not None:
                    follow.reset()  # a new face: its own contact (the palms' two pads)
                last_tool = tool
            # Cap by the zones near the plan and by where the tool is measured to be.
            # (min() written out: it keeps the first when equal, as here)
            cap = CAP[i]
            if bone[i] or sup.over_bone_now:
                low = bone_cap[tool]
                if low < cap:
                    cap = low
            if cap < cap_now:
                cap_now = cap
            else:
                rise = cap_now + cap_rise
                cap_now = rise if rise < cap else cap
            if target > cap_now:
                target = cap_now
            if not isfinite(fn):
                fn = target  # hold: the Supervisor decides whether the data is bad for long
            if not IC[i]:  # off the skin: lift from where the tracked client is now
                sh = sup.client_shift_m
                ctrl.off_skin_depth_m = (
                    0.0 if sh is None else -(sh[0] * nx + sh[1] * ny + sh[2] * nz)
                )
            d = update(target, fn, depth - SKIN[i], IC[i]) + SKIN[i]
            axis = AXIS[i]
            if follow is not None:
                axis = follow.update(normal, axis, st.force_n, SLIDE[i], IC[i])
            cmd = RobotCommand(tool, (x - d * nx, y - d * ny, z - d * nz), axis, t)
            st, mode = step(cmd, normal, d, bone[i], UV[i], TAN[i])
            fx, fy, fz = st.force_n
            px, py, pz = st.position_m
            ax, ay, az = st.axis
            # t, the normal force and the indentation are added per report (_report)
            append((px, py, pz, ax, ay, az, fx, fy, fz, target))
            if len(signals) != sig_seen:
                self._apply_signals(sig_seen, U[i], V[i])
                sig_seen = len(signals)
                goal = self._force_scale()
            if obs is not None and i % every == 0:
                fn_i = fx * nx + fy * ny + fz * nz
                obs(
                    Tick(
                        t,
                        st.position_m,
                        st.force_n,
                        fn_i,
                        target,
                        U[i],
                        V[i],
                        int(B[i]),
                        int(P[i]),
                        mode,
                        scale,
                        R[i],
                        tool.value,
                    )
                )
            if tick_ns is not None:
                tick_ns[-1] = clock() - tick_ns[-1]
            if len(rec) == report_every:
                parts.append(self._report(rec, s, done))
                done += len(rec)
                rec.clear()
            if mode == "stopped":
                break
        self._scale_now = scale
        self._cap_now = cap_now
        parts.append(self._report(rec, s, done))
        rec.clear()
        del NRM, AXIS, SLIDE, UV, TAN  # freed before collecting again: nothing to walk
        if collect:
            gc.enable()
        arr = np.concatenate(parts)
        cols = {c: arr[:, j] for j, c in enumerate(RECORD_COLUMNS)}
        m = arr.shape[0]
        plan_cols = {c: s[c][:m] for c in COLUMNS}
        if self.touch_depth is not None:
            self.touch_depth.add(cols, plan_cols)
        # Kept for the summary and report: float32 but time (memory bounded by the
        # session's length at ~0.15 MB/s, not the chunk's other columns).
        self._cols.append({c: _kept(c, v) for c, v in cols.items()})
        self._plan_cols.append({c: _kept(c, v) for c, v in plan_cols.items()})
        if self.routine.breath_paced:
            on = plan_cols["in_contact"] > 0
            self.breathing.hear_phase(cols["t_s"][on], cols["indentation_m"][on])
        if self.on_chunk is not None:
            self.on_chunk(cols, plan_cols, sup.events)
        if sup.mode != "running" and sup.fault is not None:
            ev = sup.fault
            if sup.mode != "stopped":
                self._finish_retreat(chunk)
            raise SafetyFault(ev.kind, value=ev.value, limit=ev.limit, t_s=ev.t_s)
        return {**cols, **{f"plan_{c}": v for c, v in plan_cols.items()}}

    def _report(
        self, rec: list[tuple[float, ...]], s: dict[str, NDArray[np.float64]], i0: int
    ) -> NDArray[np.float64]:
        """Ticks ``rec`` (from tick ``i0`` of the chunk) as an array, handed to ``on_ticks``.

        ``rec`` holds position, axis, force and target per tick; the time, the normal
        force and the indentation come from the plan's columns here (the same
        arithmetic the tick would do, once per report).
        """
        got = np.asarray(rec, dtype=np.float64).reshape(-1, 10)
        m = got.shape[0]
        sl = slice(i0, i0 + m)
        nx, ny, nz = s["nx"][sl], s["ny"][sl], s["nz"][sl]
        px, py, pz = got[:, 0], got[:, 1], got[:, 2]
        fn = got[:, 6] * nx + got[:, 7] * ny + got[:, 8] * nz
        depth = (s["x_m"][sl] - px) * nx + (s["y_m"][sl] - py) * ny + (s["z_m"][sl] - pz) * nz
        arr = np.column_stack([s["t_s"][sl], got[:, :9], fn, got[:, 9], depth])
        if self.on_ticks is not None and m:
            self.on_ticks(
                {c: arr[:, j] for j, c in enumerate(RECORD_COLUMNS)},
                {c: s[c][sl] for c in COLUMNS},
                self.supervisor.events,
            )
        return np.asarray(arr, dtype=np.float64)

    def _finish_retreat(self, chunk: PlanChunk) -> None:
        """Keep ticking the Supervisor's retreat until the tool is clear of the skin."""
        sup = self.supervisor
        st = sup.last_state
        t = chunk.t1_s if st is None else st.t_s
        last = chunk.samples
        normal = (float(last["nx"][-1]), float(last["ny"][-1]), float(last["nz"][-1]))
        tool = TOOL_CODES[int(last["tool"][-1])]
        for _ in range(int(2.0 * self.rate_hz)):
            t += self.dt_s
            pos = st.position_m if st is not None else (0.0, 0.0, 0.0)
            _, mode = sup.step(RobotCommand(tool, pos, normal, t), normal, 0.0, False)
            if mode == "stopped":
                break
        sup.stop()

    def _over_bone(self, s: dict[str, NDArray[np.float64]]) -> NDArray[np.bool_]:
        """Whether each sample's contact patch centre(s) lie over a bony zone."""
        u, v = s["u"], s["v"]
        out = np.zeros(u.size, dtype=bool)
        for code, tool in enumerate(TOOL_CODES):
            m = s["tool"] == code
            if not np.any(m):
                continue
            for pad in TOOLS[tool].pads_v_m:
                out[m] |= self.back.keep_out_clearance_m(u[m], v[m] + pad) < 0.0
        return out

    @staticmethod
    def _is_transition(chunk: PlanChunk) -> list[bool]:
        t = chunk.samples["t_s"]
        out = np.zeros(t.size, dtype=bool)
        for ts in chunk.timed:
            if ts.segment.kind == "transition" or ts.block < 0:
                out |= (t >= ts.t0_s) & (t < ts.t1_s + 1e-9)
        return out.tolist()


def _plan_velocity(
    s: dict[str, NDArray[np.float64]], dt_s: float
) -> list[tuple[float, float, float]]:
    """The plan's velocity per sample (m/s, frame B), as tuples for the tick loop."""
    x = np.stack([s["x_m"], s["y_m"], s["z_m"]], axis=1)
    v = np.gradient(x, axis=0) / dt_s if x.shape[0] > 1 else np.zeros_like(x)
    return list(zip(*(v[:, j].tolist() for j in range(3)), strict=True))


def _kept(column: str, values: NDArray[np.float64]) -> NDArray[Any]:
    """A chunk's column as kept until the summary: time as float64 (ms over an hour),
    the rest as float32 (sub-µm, sub-mN); always a copy, so the chunk can go."""
    return values.copy() if column == "t_s" else values.astype(np.float32)


@contextlib.contextmanager
def rare_collections() -> Iterator[None]:
    """Cyclic garbage collection rarely during a session (the previous thresholds after).

    A chunk builds a few hundred thousand per-tick tuples that live until it ends;
    with the default thresholds they set off full collections over the whole heap
    (≈ 12 % of a simulated session's time). Nothing per tick makes reference cycles:
    reference counting frees it all.
    """
    before = gc.get_threshold()
    enabled = gc.isenabled()
    gc.set_threshold(max(before[0], 50_000), max(before[1], 20), max(before[2], 100))
    try:
        yield
    finally:
        gc.set_threshold(*before)
        if enabled:
            gc.enable()  # (a tick loop that raised had it off)
