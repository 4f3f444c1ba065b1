"""The session runner: executes the plan through Controller → Supervisor → Robot.

It asks the planner for one chunk at a time (approach, each block's lead-in, one pass,
lift-off), runs it at the control rate, and after each pass *listens*: the pass's
stiffness profile goes to the softening detector (``until = "softening"`` blocks stop
when the tissue has softened, within ``min_passes``..``max_passes``), thumb strips go to
the knot detector (later passes dwell on the knots found), the rest phase gives the
baseline stiffness, and the breathing is heard all session (the rest and every pass,
``sense.breathing_session``): the summary's rate and its course over time. Force starts
at the routine's ``start_force_fraction`` of target and deepens as the trust heard from
the measurements grows (``sense.trust``: calm passes whose stiffness has settled at equal
force, a breath no longer slowing nor faster than the calmest; signals and clamps take it
back); within a
listening block it is held constant so stiffness stays comparable pass to pass.

The runner hears the client only through the robot's measurements (DESIGN §2).
"""

from __future__ import annotations

import contextlib
import gc
import math
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from backstroke.body.back_model import BackModel
from backstroke.body.scanned_back import ScannedBack
from backstroke.control.axis_follow import AxisFollower
from backstroke.control.force_controller import ControllerGains, ForceController
from backstroke.errors import RobotError, SafetyFault
from backstroke.music.grid import BeatGrid
from backstroke.plan.plan import COLUMNS, TOOL_CODES, PlanChunk
from backstroke.plan.planner import Planner
from backstroke.plan.zone_limits import PLAN_FRACTION, zone_limits_for
from backstroke.robot.protocol import Robot, RobotCommand
from backstroke.routine.schema import Block, Routine, ThumbStripBlock
from backstroke.safety.limits import SafetyLimits
from backstroke.safety.supervisor import Supervisor
from backstroke.sense.breathing_session import BreathingTracker
from backstroke.sense.knot_release import NOT_RELEASED, RELEASED, hear_dwell
from backstroke.sense.trust import TrustEstimate
from backstroke.session.knot_check import CHECK_FORCE_FRACTION, check_segments, lanes_to_check
from backstroke.session.listening import BlockListener, breathing_and_baseline
from backstroke.session.palpate import (
    LateralShift,
    felt_shift,
    palpation_segments,
    shifted_body,
    swap_point,
)
from backstroke.session.preferences import ClientVoice, RegionalPreference
from backstroke.session.progress import Tick
from backstroke.session.summary import SCHEMA_VERSION
from backstroke.session.touch_depth import TouchDepth
from backstroke.technique.segment import hold
from backstroke.tools import TOOLS, Tool

# A dwell on a knot lasts at most this many times the block's dwell_beats.
DWELL_CAP_FACTOR = 4
# A dwell belongs to a knot heard within this distance on the skin (m).
KNOT_DWELL_M = 0.015

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


@dataclass
class BlockResult:
    index: int
    technique: str
    passes: int = 0
    softening_pass: int | None = None
    stiffness_by_pass_n_m: list[float] = field(default_factory=list)
    ended_because: str = ""
    force_scale: float = 1.0
    threshold: float | None = None
    force_changed_at: list[int] = field(default_factory=list)


@dataclass
class SessionData:
    """Everything recorded, as columns of equal length (control rate)."""

    columns: dict[str, NDArray[np.float64]]
    plan_columns: dict[str, NDArray[np.float64]]


@dataclass
class SessionResult:
    summary: dict[str, Any]
    data: SessionData
    safety_fault: SafetyFault | None


class SessionRunner:
    """Runs one session on one robot.

    Args:
        routine: the validated routine.
        back: the client's BackModel (registered body model).
        grid: the beat grid.
        robot: any Robot backend.
        seed: recorded in the summary (the backend owns the randomness).
        control_rate_hz: control loop rate.
        preferred_scale: the client's remembered pressure preference (0.5..1.5).
        known_knots: chart points of knots from earlier sessions (extra attention).
        on_chunk: called with each finished chunk's recorded columns.
        on_ticks: called like ``on_chunk`` with the ticks since its last call, at least
            every second of session time and at the end of every chunk (a log writer:
            a killed process then loses at most a second).
        regions: the client's remembered regional preference (where to press less).
        observer: called with a :class:`Tick` every ``observe_every`` ticks (live views).
    """

    def __init__(
        self,
        routine: Routine,
        back: BackModel,
        grid: BeatGrid,
        robot: Robot,
        *,
        seed: int = 0,
        control_rate_hz: float = 1000.0,
        limits: SafetyLimits | None = None,
        gains: ControllerGains | None = None,
        preferred_scale: float = 1.0,
        known_knots: tuple[tuple[float, float], ...] = (),
        on_chunk: Any = None,
        on_ticks: Any = None,
        time_ticks: bool = False,
        regions: RegionalPreference | None = None,
        observer: Any = None,
        observe_every: int = 10,
    ) -> None:
        self.routine = routine
        self.back = back
        self.grid = grid
        self.robot = robot
        self.seed = seed
        self.rate_hz = control_rate_hz
        self.dt_s = 1.0 / control_rate_hz
        self.planner = Planner(routine, back, grid, rate_hz=control_rate_hz)
        self.limits = limits or SafetyLimits()
        self.zones = zone_limits_for(back)
        self.supervisor = Supervisor(robot, self.limits, self.dt_s, zones=self.zones)
        self._baseline_n_m: float | None = None
        # A body seen through a scan (its surface may be off the skin): the listeners
        # hear the indentation below the skin as the robot's own contact places it.
        self.touch_depth = TouchDepth(back) if self.limits.surface_offset_m > 0.0 else None
        self.controller = ForceController(self.dt_s, gains)
        # ... and the tool axis follows the skin it feels (the plan's normals are the fit's).
        self.axis_follower = AxisFollower(self.dt_s) if self.touch_depth is not None else None
        # ... and the spine is felt across before the thumb works beside it (palpate.py).
        self.palpation: LateralShift | None = None
        self.preferred_scale = float(np.clip(preferred_scale, 0.5, 1.5))
        self.known_knots = known_knots
        self.on_chunk = on_chunk
        self.on_ticks = on_ticks
        # The client's voice (web helper): overall and regional preference, skips, signals.
        self.voice = ClientVoice(
            self.preferred_scale, regions or RegionalPreference((), back.back_length_m)
        )
        self.observer, self.observe_every = observer, max(1, int(observe_every))
        self.knots_found: list[dict[str, float]] = []
        # Every dwell on a knot: where, how long, whether it was heard to release.
        self.knot_dwells: list[dict[str, Any]] = []
        self.breathing_rate_bpm: float | None = None
        # The session's one breathing model: the rest and every pass (listening.py).
        self.breathing = BreathingTracker()
        # Trust heard from the measurements (sense/trust.py) sets how deep the force goes.
        self.trust = TrustEstimate(routine.start_force_fraction)
        self._calm_breathing_set = False
        self.trust_scale = self.trust.force_fraction
        self._scale_now = self.trust_scale * self.preferred_scale
        self._cols: list[dict[str, NDArray[np.float64]]] = []
        self._plan_cols: list[dict[str, NDArray[np.float64]]] = []
        self._started = False
        self._cap_now = 0.0
        # Wall time of every tick (ns) when asked: for the benchmark only.
        self.tick_ns: list[int] | None = [] if time_ticks else None

    # ------------------------------------------------------------------ public
    def run(self) -> SessionResult:
        with _rare_collections():
            return self._run()

    def _run(self) -> SessionResult:
        wall0 = time.perf_counter()
        fault: SafetyFault | None = None
        blocks: list[BlockResult] = []
        knots: list[dict[str, float]] = self.knots_found
        baseline: float | None = None
        try:
            chunk = self.planner.approach(0)
            self._execute(chunk)
            beat, point, handoff = chunk.end_beat, chunk.end_point, chunk.handoff
            for i, block in enumerate(self.routine.blocks):
                res = BlockResult(i, block.technique)
                if block.listens_for_softening:
                    res.threshold = block.softening_threshold
                blocks.append(res)
                lead = self.planner.lead_in(i, beat, point, handoff)
                if lead is not None:
                    self._execute(lead)
                    beat, point, handoff = lead.end_beat, lead.end_point, lead.handoff
                if self._palpates(block):  # a fitted body: where is the real spine?
                    beat, point, handoff = self._palpate(i, beat, point, handoff)
                listener = BlockListener(block, self.back, self.breathing, self.touch_depth)
                self.trust.new_block()
                dwell: tuple[tuple[float, float], ...] = tuple(
                    k for k in self.known_knots if block.hears_knots
                )
                most = block.most_passes
                listening = block.listens_for_softening
                res.force_scale = self.trust_scale
                dwells_before = len(self.knot_dwells)
                for p in range(most):
                    calm_before = self._calm_marker()
                    heard_before = len(self.breathing.samples)
                    if block.dwells and dwell:
                        cols, (beat, point, handoff) = self._pass_with_dwells(
                            block, i, p, beat, handoff, dwell
                        )
                    else:
                        chunk = self.planner.one_pass(i, p, beat, handoff, dwell_at=dwell)
                        cols = self._execute(chunk)
                        beat, point, handoff = chunk.end_beat, chunk.end_point, chunk.handoff
                    res.passes = p + 1
                    listener.add_pass(cols)
                    if listener.candidates:  # a fitted body: knot or bump of the fit?
                        beat, point, handoff = self._check_knots(
                            block, i, p, listener, (beat, point, handoff)
                        )
                    skipped = self.voice.take_skip(block.technique)
                    self.breathing_rate_bpm = self.breathing.rate_bpm
                    if block.hears_breathing:
                        rest_rate, baseline = breathing_and_baseline(cols, self.touch_depth)
                        self.breathing.add_rest(_mid_time(cols), rest_rate)
                        self.breathing_rate_bpm = self.breathing.rate_bpm
                        if baseline is not None:
                            self.supervisor.expected_stiffness_n_m = baseline
                            self._baseline_n_m = baseline
                        self._calm_breathing(rest_rate)
                        res.ended_because = "rest complete"
                        break
                    if skipped:
                        res.ended_because = "skipped"
                        break
                    if block.dwells:
                        dwell = tuple(self.known_knots) + listener.knot_points()
                    calm = self._calm_marker() == calm_before
                    self._hear_trust(cols, listener, calm, heard_before)
                    if not listening:  # a listening block keeps one force (softening)
                        self.trust_scale = self.trust.force_fraction
                    if listening:
                        if p + 1 >= block.min_passes and listener.softened():
                            res.ended_because = "softening"
                            break
                    elif p + 1 >= block.planned_passes:
                        res.ended_because = "passes"
                        break
                else:
                    res.ended_because = "max_passes"
                res.softening_pass = listener.softening_pass()
                res.stiffness_by_pass_n_m = listener.stiffness_by_pass()
                res.force_changed_at = listener.force_changed_at()
                knots += _with_dwells(
                    listener.knots(), self.knot_dwells[dwells_before:], self.back.back_length_m
                )
                self.trust_scale = self.trust.force_fraction
            self._execute(self.planner.lift_off(beat, point, handoff))
        except SafetyFault as exc:
            fault = exc
            if blocks:
                blocks[-1].ended_because = "safety_stop"
        wall = time.perf_counter() - wall0
        data = SessionData(_joined(self._cols), _joined(self._plan_cols))
        breathing = self.breathing.rate_bpm
        summary = self._summary(data, blocks, knots, breathing, baseline, wall)
        return SessionResult(summary, data, fault)

    # ------------------------------------------------------------------ internals
    def _calm_marker(self) -> tuple[int, int]:
        sup = self.supervisor
        return (len(sup.events), len(sup.signals))

    def _deepen_steps(self, t_s: NDArray[np.float64], up_step: float) -> list[float]:
        """Per tick, how much the force scale may rise: ``up_step``, or, breath-paced,
        ``up_step`` on the exhale and nothing on the inhale (before any breath is
        heard, at every tick)."""
        exhale = self.breathing.exhale(t_s) if self.routine.breath_paced else None
        if exhale is None:
            return [up_step] * t_s.size
        return np.where(exhale, up_step, 0.0).tolist()

    def _pass_with_dwells(
        self,
        block: Block,
        index: int,
        pass_index: int,
        beat: int,
        handoff: Any,
        dwell: tuple[tuple[float, float], ...],
    ) -> tuple[dict[str, NDArray[np.float64]], tuple[int, tuple[float, float], Any]]:
        """A thumb pass run piece by piece, each dwell held until the knot is heard to
        release (``sense.knot_release``: whole breaths, the stiffness no longer falling)
        or ``DWELL_CAP_FACTOR × dwell_beats`` have passed. Returns the pass's recorded
        columns and where it ended ``(beat, point, handoff)``."""
        segs = self.planner.pass_segments(index, dwell, pass_index)
        pieces: list[list[Any]] = [[]]
        for sg in segs:
            pieces[-1].append(sg)
            if sg.label == "dwell":
                pieces.append([])
        if not pieces[-1]:
            pieces.pop()
        parts: list[dict[str, NDArray[np.float64]]] = []
        point = (0.0, 0.0)
        cap_beats = DWELL_CAP_FACTOR * block.dwell_beats_per_knot
        for piece in pieces:
            chunk = self.planner.chunk_of(piece, beat, handoff, block=index, pass_index=pass_index)
            parts.append(self._execute(chunk))
            beat, point, handoff = chunk.end_beat, chunk.end_point, chunk.handoff
            last = piece[-1]
            if last.label != "dwell":
                continue
            ts = chunk.timed[-1]
            held = [_since(parts[-1], ts.t0_s)]
            beats_done = ts.beats
            u, v = float(last.u[-1]), float(last.v_m[-1])
            rate = self.breathing.rate_bpm
            heard = hear_dwell(*_dwell_columns(held), rate)
            breath_beats = math.ceil(60.0 / (rate or 15.0) / self.grid.period_s)
            extend = max(self.planner.step, breath_beats)
            while not heard.settled and beats_done + extend <= cap_beats:
                seg = hold(Tool.THUMB, u, v, force_n=last.force_n, beats=extend, label="dwell")
                chunk = self.planner.chunk_of(
                    [seg], beat, handoff, block=index, pass_index=pass_index
                )
                parts.append(self._execute(chunk))
                beat, point, handoff = chunk.end_beat, chunk.end_point, chunk.handoff
                beats_done += chunk.timed[-1].beats
                held.append(parts[-1])
                heard = hear_dwell(*_dwell_columns(held), rate)
            t_held = np.concatenate([h["t_s"] for h in held])
            change = heard.stiffness_change
            self.knot_dwells.append(
                {
                    "u": round(u, 4),
                    "v": round(v, 4),
                    "pass": pass_index,
                    "t_s": round(float(t_held[0]), 2) if t_held.size else None,
                    "dwell_s": round(float(np.ptp(t_held)), 2) if t_held.size else 0.0,
                    "outcome": RELEASED if heard.settled else NOT_RELEASED,
                    "stiffness_change": None if change is None else round(change, 4),
                }
            )
        cols = {k: np.concatenate([c[k] for c in parts]) for k in parts[0]}
        return cols, (beat, point, handoff)

    def _check_knots(
        self, block: Block, index: int, pass_index: int, listener: BlockListener, at: Any
    ) -> tuple[int, tuple[float, float], Any]:
        """The lanes of the pass's knot candidates run again at a second force, back to
        where the pass ended (``session/knot_check``); returns ``(beat, point, handoff)``."""
        beat, point, handoff = at
        lanes = (
            lanes_to_check(listener.candidates, block, self.back, index, pass_index)
            if isinstance(block, ThumbStripBlock)
            else []
        )
        if not lanes:
            listener.candidates = []
            return beat, point, handoff
        segs = check_segments(
            lanes,
            start=point,
            end=point,
            force_n=CHECK_FORCE_FRACTION * listener.strip_force_n,
            speed_m_s=self.planner.block_speed_m_s(block),
            tilt_deg=block.tilt_deg,
            transition_force_n=self.routine.transition_force_n,
            back_length_m=self.back.back_length_m,
        )
        chunk = self.planner.chunk_of(segs, beat, handoff, block=index, pass_index=pass_index)
        listener.add_check(self._execute(chunk))
        return chunk.end_beat, chunk.end_point, chunk.handoff

    def _palpates(self, block: Block) -> bool:
        return (
            self.touch_depth is not None
            and self.palpation is None
            and isinstance(block, ThumbStripBlock)
            and isinstance(self.back, ScannedBack)
        )

    def _palpate(self, index: int, beat: int, point: Any, handoff: Any) -> tuple[int, Any, Any]:
        """Feel the back across (``session/palpate``) and, when trusted, plan on the body
        moved to where the robot felt it; back to the block's start on it."""
        old = self.back
        if not isinstance(old, ScannedBack):  # (checked by _palpates)
            return beat, point, handoff
        segs = palpation_segments(
            old, start=point, transition_force_n=self.routine.transition_force_n
        )
        chunk = self.planner.chunk_of(segs, beat, handoff, block=index, pass_index=-1)
        shift = felt_shift(old, self._execute(chunk))
        self.palpation = shift
        beat, end, handoff = chunk.end_beat, chunk.end_point, chunk.handoff
        if shift.trusted:
            new = shifted_body(old, shift)
            swap = swap_point(old, new, end[0])
            move = self.planner.lead_in(index, beat, end, handoff, to=swap)
            if move is not None:
                self._execute(move)
                beat, handoff = move.end_beat, move.handoff
            p = old.point(np.array([swap[0]]), np.array([swap[1]]))
            uu, vv = new.project(p)
            end = (float(np.ravel(uu)[0]), float(np.ravel(vv)[0]))
            # the tool stays where it is: its depth below the new skin
            dh = float((new.height_m(p[:, 0], p[:, 1]) - old.height_m(p[:, 0], p[:, 1]))[0])
            self.controller.reset_depth(self.controller.depth_m + dh * float(old.normal(*swap)[2]))
            self.back = new
            self.planner = Planner(self.routine, new, self.grid, rate_hz=self.rate_hz)
            self.zones = zone_limits_for(new)
            self.supervisor.rebase_body(self.zones)
            if self.touch_depth is not None:
                self.touch_depth.rebase(old, new)
        lead = self.planner.lead_in(index, beat, end, handoff)
        if lead is None:
            return beat, end, handoff
        self._execute(lead)
        return lead.end_beat, lead.end_point, lead.handoff

    def _calm_breathing(self, rate_bpm: float | None) -> None:
        """The client's calm breathing rate (the rest's, else the first heard)."""
        if rate_bpm is not None and not self._calm_breathing_set:
            self.trust.rest(rate_bpm)
            self._calm_breathing_set = True

    def _hear_trust(
        self,
        cols: dict[str, NDArray[np.float64]],
        listener: BlockListener,
        calm: bool,
        heard_before: int,
    ) -> None:
        """Hear one pass's trust: its stiffness (at equal force), calm, breathing."""
        new = self.breathing.samples[heard_before:]
        rate = new[-1].rate_bpm if new else None
        self._calm_breathing(rate)
        stiffness, same_force = listener.trust_evidence()
        t_end = float(cols["t_s"][-1]) if cols["t_s"].size else 0.0
        self.trust.after_pass(
            t_end, stiffness, calm=calm, breathing_rate_bpm=rate, same_force=same_force,
            segment_n_m=listener.trust_segment() or None,
        )  # fmt: skip

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
        # after the loop, or in _rare_collections if a tick raises).
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
        sup = self.supervisor
        ctrl = self.controller
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
                ctrl.on_tool_change(depth)
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
            d = update(target, fn, depth, IC[i])
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

    # ------------------------------------------------------------------ summary
    def _summary(
        self,
        data: SessionData,
        blocks: list[BlockResult],
        knots: list[dict[str, float]],
        breathing: float | None,
        baseline: float | None,
        wall_s: float,
    ) -> dict[str, Any]:
        from backstroke import __version__
        from backstroke.session.metrics import beat_alignment, session_metrics

        c, p = data.columns, data.plan_columns
        metrics = session_metrics(c, p, self.dt_s)
        # Turnarounds as the robot measured them (every 10th tick is plenty), vs beats.
        on = np.flatnonzero(p["in_contact"] > 0)[::10]
        pts = np.stack([c["x_m"][on], c["y_m"][on], c["z_m"][on]], axis=1)
        measured_u = self.back.project(pts)[0] if on.size else np.zeros(0)
        t_on = c["t_s"][on]
        beats = self.grid.beats_between(float(t_on[0]), float(t_on[-1])) if on.size else t_on
        alignment = beat_alignment(t_on, measured_u, beats)
        duration = float(c["t_s"][-1] - c["t_s"][0]) if c["t_s"].size else 0.0
        sup = self.supervisor
        return finite_json(
            {
                "schema_version": SCHEMA_VERSION,
                "duration_s": round(duration, 3),
                "sim_realtime_factor": round(duration / wall_s, 2) if wall_s > 0 else None,
                **metrics,
                "max_normal_force_n": round(sup.max_normal_force_n, 3),
                "max_pressure_n_cm2": round(sup.max_pressure_n_cm2, 4),
                "blocks": [
                    {
                        "technique": b.technique,
                        "passes": b.passes,
                        "softening_pass": b.softening_pass,
                        "stiffness_by_pass_n_m": [round(x, 1) for x in b.stiffness_by_pass_n_m],
                        "ended_because": b.ended_because,
                        "force_scale": round(b.force_scale, 3),
                        "threshold": b.threshold,
                        **({"force_changed_at": b.force_changed_at} if b.force_changed_at else {}),
                    }
                    for b in blocks
                ],
                "knots": knots,
                "knot_dwells": self.knot_dwells,
                "breathing_rate_bpm": None if breathing is None else round(breathing, 2),
                "breathing_over_time": self.breathing.over_time(),
                "trust_over_time": self.trust.history,
                "full_depth_t_s": self.trust.full_depth_t_s,
                "baseline_stiffness_n_m": None if baseline is None else round(baseline, 1),
                "tempo": {
                    "bpm": round(self.grid.bpm, 3),
                    "source": self.grid.source,
                    "beat_step": self.planner.step,
                    "beats_s": [round(float(b), 4) for b in self.grid.beats_s],
                    **alignment,
                },
                "pressure_preference": round(self.preferred_scale, 3),
                "regional_preference": self.voice.regions.to_json(),
                "client_signals": self.voice.signals,
                "skipped_techniques": list(self.voice.skipped),
                "safety_events": [
                    {
                        "t_s": round(e.t_s, 4),
                        "kind": e.kind,
                        "value": round(e.value, 4),
                        "limit": round(e.limit, 4),
                        "action": e.action,
                    }
                    for e in sup.events
                ],
                **(
                    {
                        "surface_refinement": self.touch_depth.offset().to_json(),
                        **(
                            {}
                            if self.palpation is None
                            else {"palpation": self.palpation.to_json()}
                        ),
                    }
                    if self.touch_depth is not None
                    else {}
                ),
                "seed": self.seed,
                "backstroke_version": __version__,
            }
        )


def _since(cols: dict[str, NDArray[np.float64]], t0_s: float) -> dict[str, NDArray[np.float64]]:
    """The recorded columns from ``t0_s`` on."""
    m = cols["t_s"] >= t0_s - 1e-9
    return {k: cols[k][m] for k in ("t_s", "normal_force_n", "indentation_m")}


def _dwell_columns(
    held: list[dict[str, NDArray[np.float64]]],
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Time, force and depth of a dwell's pieces, joined."""
    return (
        np.concatenate([h["t_s"] for h in held]),
        np.concatenate([h["normal_force_n"] for h in held]),
        np.concatenate([h["indentation_m"] for h in held]),
    )


def _with_dwells(
    knots: list[dict[str, Any]], dwells: list[dict[str, Any]], back_length_m: float
) -> list[dict[str, Any]]:
    """Each knot with what its dwell heard (the latest dwell within ``KNOT_DWELL_M``)."""
    out = []
    for k in knots:
        near = [
            d
            for d in dwells
            if math.hypot((d["u"] - k["u"]) * back_length_m, d["v"] - k["v"]) <= KNOT_DWELL_M
        ]
        out.append({**k, "dwell": near[-1]} if near else k)
    return out


def _plan_velocity(
    s: dict[str, NDArray[np.float64]], dt_s: float
) -> list[tuple[float, float, float]]:
    """The plan's velocity per sample (m/s, frame B), as tuples for the tick loop."""
    x = np.stack([s["x_m"], s["y_m"], s["z_m"]], axis=1)
    v = np.gradient(x, axis=0) / dt_s if x.shape[0] > 1 else np.zeros_like(x)
    return list(zip(*(v[:, j].tolist() for j in range(3)), strict=True))


def _mid_time(cols: dict[str, NDArray[np.float64]]) -> float:
    """Centre time (s) of a chunk's recorded ticks."""
    t = cols["t_s"]
    return float(0.5 * (t[0] + t[-1])) if t.size else 0.0


def _kept(column: str, values: NDArray[np.float64]) -> NDArray[Any]:
    """A chunk's column as kept until the summary: time as float64 (ms over an hour),
    the rest as float32 (sub-µm, sub-mN); always a copy, so the chunk can go."""
    return values.copy() if column == "t_s" else values.astype(np.float32)


def _joined(chunks: list[dict[str, NDArray[Any]]]) -> dict[str, NDArray[Any]]:
    """Concatenate per-chunk columns, releasing each column's chunks as it goes (the
    peak is one column twice, not the whole session)."""
    if not chunks:
        return {}
    out = {}
    for c in list(chunks[0]):
        out[c] = np.concatenate([d.pop(c) for d in chunks])
    chunks.clear()
    return out


@contextlib.contextmanager
def _rare_collections() -> Iterator[None]:
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


def finite_json(obj: Any) -> Any:
    """``obj`` with every non-finite float (NaN, ±inf from a faulty sensor) as None, so
    the summary is valid JSON; numpy scalars become Python numbers."""
    if isinstance(obj, dict):
        return {k: finite_json(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [finite_json(v) for v in obj]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj
