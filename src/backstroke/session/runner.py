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

Here: the session's blocks and passes and what is heard after each. Its bases hold the
rest: ``detours.Detours`` the chunks it adds (dwells, knot checks, palpation) and
``chunk_ticks.ChunkTicker`` the 1 kHz tick loop; ``assemble`` builds the summary.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from numpy.typing import NDArray

from backstroke.body.back_model import BackModel
from backstroke.control.axis_follow import AxisFollower
from backstroke.control.force_controller import (
    FITTED_BODY_BANDWIDTH_HZ,
    ControllerGains,
    ForceController,
)
from backstroke.errors import SafetyFault
from backstroke.music.grid import BeatGrid
from backstroke.plan.planner import Planner
from backstroke.plan.zone_limits import zone_limits_for
from backstroke.robot.protocol import Robot
from backstroke.routine.schema import Routine
from backstroke.safety.limits import SafetyLimits
from backstroke.safety.supervisor import Supervisor
from backstroke.sense.breathing_session import BreathingTracker
from backstroke.sense.trust import TrustEstimate
from backstroke.session.assemble import finite_json, session_summary
from backstroke.session.chunk_ticks import RECORD_COLUMNS, rare_collections
from backstroke.session.detours import DWELL_CAP_FACTOR, KNOT_DWELL_M, Detours, with_dwells
from backstroke.session.listening import BlockListener, breathing_and_baseline
from backstroke.session.palpate import LateralShift
from backstroke.session.preferences import ClientVoice, RegionalPreference
from backstroke.session.recording import BlockResult, SessionData, SessionResult, joined
from backstroke.session.touch_depth import TouchDepth

# Callers import these from here (the runner's public names, wherever they live).
__all__ = [
    "DWELL_CAP_FACTOR",
    "KNOT_DWELL_M",
    "RECORD_COLUMNS",
    "BlockResult",
    "SessionData",
    "SessionResult",
    "SessionRunner",
    "finite_json",
]


class SessionRunner(Detours):
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
        if gains is None and self.touch_depth is not None:
            gains = ControllerGains(bandwidth_hz=FITTED_BODY_BANDWIDTH_HZ)
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
        with rare_collections():
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
                knots += with_dwells(
                    listener.knots(), self.knot_dwells[dwells_before:], self.back.back_length_m
                )
                self.trust_scale = self.trust.force_fraction
            self._execute(self.planner.lift_off(beat, point, handoff))
        except SafetyFault as exc:
            fault = exc
            if blocks:
                blocks[-1].ended_because = "safety_stop"
        wall = time.perf_counter() - wall0
        data = SessionData(joined(self._cols), joined(self._plan_cols))
        breathing = self.breathing.rate_bpm
        summary = session_summary(self, data, blocks, knots, breathing, baseline, wall)
        return SessionResult(summary, data, fault)

    # ------------------------------------------------------------------ internals
    def _calm_marker(self) -> tuple[int, int]:
        sup = self.supervisor
        return (len(sup.events), len(sup.signals))

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


def _mid_time(cols: dict[str, NDArray[np.float64]]) -> float:
    """Centre time (s) of a chunk's recorded ticks."""
    t = cols["t_s"]
    return float(0.5 * (t[0] + t[-1])) if t.size else 0.0
