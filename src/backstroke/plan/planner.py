"""Compile routine + BackModel + tempo into timed, sampled chunks (pure, deterministic)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from numpy.typing import NDArray

from backstroke.body.back_model import BackModel
from backstroke.errors import PlanError
from backstroke.music.grid import BeatGrid
from backstroke.plan.force_profile import HANDOVER_S, Handoff, force_and_tool
from backstroke.plan.force_profile import TOUCH_FORCE_N as TOUCH_FORCE_N  # the former home
from backstroke.plan.plan import (
    COLUMNS,
    TANGENT_COLUMNS,
    TOOL_CODES,
    BlockSummary,
    Plan,
    PlanChunk,
    TimedSegment,
)
from backstroke.plan.timing import Limits, beat_step, beats_for_move, sample_move
from backstroke.plan.zone_limits import PLAN_FRACTION, SHIFT_REACH_M, zone_limits_for
from backstroke.routine.schema import SPEED_FLOOR_M_S, Block, Routine
from backstroke.technique.protocol import PassRequest
from backstroke.technique.registry import technique_for
from backstroke.technique.segment import Segment, hold
from backstroke.technique.transition import transition
from backstroke.tools import BONE_LIMIT_FACTOR, TOOLS, Tool

# The tool hovers this far above the skin before first touch and after lift-off (m).
HOVER_M = 0.03


class Planner:
    """Pure planner for one routine on one back at one tempo.

    Args:
        routine: validated routine.
        back: the client's BackModel.
        grid: beat grid (constant BPM or tracked music beats).
        rate_hz: sample rate of produced chunks (≥ 100 Hz).
    """

    def __init__(
        self, routine: Routine, back: BackModel, grid: BeatGrid, *, rate_hz: float = 100.0
    ) -> None:
        if not 100.0 <= rate_hz <= 10_000.0:
            raise PlanError(f"sample rate {rate_hz} Hz outside 100..10000 Hz")
        self.routine = routine
        self.back = back
        self.grid = grid
        self.rate_hz = rate_hz
        self.step = beat_step(grid.period_s)
        self.zones = zone_limits_for(back)
        sp = routine.speed
        self.limits = Limits(sp.max_m_s, sp.max_accel_m_s2, sp.max_jerk_m_s3)

    # ------------------------------------------------------------------ blocks
    def block_force_n(self, index: int) -> float:
        return self.routine.blocks[index].target_force_n * self.routine.pressure_scale

    def block_speed_m_s(self, block: Block) -> float:
        return block.speed_or(self.routine.speed.default_m_s)

    def start_point(self, index: int) -> tuple[float, float]:
        b = self.routine.blocks[index]
        return technique_for(b.technique, index).start_point(b, self.back, index)

    def pass_segments(
        self, index: int, dwell_at: tuple[tuple[float, float], ...] = (), pass_index: int = 0
    ) -> list[Segment]:
        """Untimed segments of pass ``pass_index`` of block ``index`` (ends where the next
        pass starts: where it started, unless thumb lanes are shared out over passes)."""
        b = self.routine.blocks[index]
        req = PassRequest(
            back=self.back,
            index=index,
            pass_index=pass_index,
            force_n=self.block_force_n(index),
            speed_m_s=self.block_speed_m_s(b),
            transition_force_n=self.routine.transition_force_n,
            beat_period_s=self.grid.period_s,
            dwell_at=dwell_at,
        )
        return self._even_lane_force(technique_for(b.technique, index).one_pass(b, req))

    def _even_lane_force(self, segs: list[Segment]) -> list[Segment]:
        """Thumb segments at one force: the lowest cap any lane of the pass meets (a pass
        without thumb segments is returned as it is).

        Knots are heard as stiffness peaks along a strip, and soft tissue's secant
        stiffness changes with force: a cap stepping the force down where the lane nears
        bone would cut a knot in two or fake one at the step.
        """
        lane_u: dict[float, list[float]] = {}
        for sg in segs:
            if sg.tool == Tool.THUMB:
                lane_u.setdefault(round(float(sg.v_m[0]), 6), []).extend(sg.u.tolist())
        caps = {}
        for v, us in lane_u.items():
            u = np.linspace(min(us), max(us), 200)
            near = self.zones.near_bone(Tool.THUMB, u, np.full(u.size, v), SHIFT_REACH_M)
            full = TOOLS[Tool.THUMB].max_force_n * PLAN_FRACTION
            caps[v] = full * BONE_LIMIT_FACTOR if bool(np.any(near)) else full
        # One force for the whole pass: the lowest lane's. The outer lanes, far from the
        # spine, would otherwise take the full target where the inner ones are halved.
        cap = min(caps.values(), default=float("inf"))
        return [
            replace(sg, force_n=min(sg.force_n, cap)) if sg.tool == Tool.THUMB else sg
            for sg in segs
        ]

    # ------------------------------------------------------------------ chunks
    def approach(self, start_beat: int = 0) -> PlanChunk:
        """From hovering above the first block's start down to first touch."""
        u, v = self.start_point(0)
        seg = hold(self._tool_of(0), u, v, force_n=0.0, beats=2 * self.step, label="approach")
        return self._chunk([seg], start_beat, None, block=-1, pass_index=-1, hover=(1.0, 0.0))

    def lead_in(
        self,
        index: int,
        start_beat: int,
        from_point: tuple[float, float],
        prev: Handoff,
        to: tuple[float, float] | None = None,
    ) -> PlanChunk | None:
        """A light transition from ``from_point`` to block ``index``'s start (or ``to``),
        if needed."""
        seg = transition(
            from_point,
            self.start_point(index) if to is None else to,
            back_length_m=self.back.back_length_m,
            force_n=self.routine.transition_force_n,
            speed_m_s=max(self.block_speed_m_s(self.routine.blocks[index]), 0.03),
            label="lead-in",
        )
        if seg is None:
            return None
        return self._chunk([seg], start_beat, prev, block=index, pass_index=-1)

    def one_pass(
        self,
        index: int,
        pass_index: int,
        start_beat: int,
        prev: Handoff,
        dwell_at: tuple[tuple[float, float], ...] = (),
    ) -> PlanChunk:
        """One pass of block ``index`` starting on ``start_beat`` after ``prev``."""
        segs = self.pass_segments(index, dwell_at, pass_index)
        if _ends_block(self.routine.blocks[index], pass_index):
            segs = _without_return(segs)
        return self._chunk(segs, start_beat, prev, block=index, pass_index=pass_index)

    def chunk_of(
        self,
        segs: list[Segment],
        start_beat: int,
        prev: Handoff,
        *,
        block: int,
        pass_index: int,
    ) -> PlanChunk:
        """Time and sample ``segs`` (a piece of a pass from :meth:`pass_segments`, or a
        hold extending a dwell) as one chunk from ``start_beat`` after ``prev``."""
        return self._chunk(list(segs), start_beat, prev, block=block, pass_index=pass_index)

    def lift_off(self, start_beat: int, point: tuple[float, float], prev: Handoff) -> PlanChunk:
        """Force ramps to zero on the skin, then the tool rises off it."""
        tool = prev[1]  # release with the face in contact: no tool change at the end
        settle = hold(tool, *point, force_n=0.0, beats=self.step, label="release")
        rise = hold(tool, *point, force_n=0.0, beats=2 * self.step, label="lift-off")
        a = self._chunk([settle], start_beat, prev, block=-1, pass_index=-1)
        b = self._chunk(
            [rise], a.end_beat, a.handoff, block=-1, pass_index=-1, hover=(0.0, 1.0), last=True
        )
        return _concat(a, b)

    # ------------------------------------------------------------------ internals
    def _tool_of(self, index: int) -> Tool:
        return self.routine.blocks[index].tool()

    def _time(
        self,
        segs: list[Segment],
        start_beat: int,
        block: int,
        pass_index: int,
        prev_tool: Tool,
    ) -> list[TimedSegment]:
        out = []
        beat = start_beat
        period = self.grid.period_s
        for seg in segs:
            # A face with a lane to keep (forearm, thumb) unloads in place before the
            # move starts; the palms may unload while already moving.
            delay = (
                HANDOVER_S
                if seg.tool != prev_tool and prev_tool != Tool.PALMS and seg.kind != "hold"
                else 0.0
            )
            prev_tool = seg.tool
            if seg.kind == "hold":
                length = 0.0
                beats = max(self.step, -(-int(seg.beats or 1) // self.step) * self.step)
            else:
                length = self.back.path_length_m(seg.u, seg.v_m)
                if seg.beats is not None:
                    beats = seg.beats
                    mean = length / (beats * period)
                    if mean > self.limits.max_speed_m_s or mean < SPEED_FLOOR_M_S:
                        raise PlanError(
                            f"'{seg.label}' would average {mean * 100:.1f} cm/s in {beats} beats "
                            f"at {self.grid.bpm:.0f} BPM; allowed {SPEED_FLOOR_M_S * 100:.0f}–"
                            f"{self.limits.max_speed_m_s * 100:.0f} cm/s",
                            block=block,
                        )
                else:
                    beats = beats_for_move(
                        length, seg.speed_m_s, period, self.step, self.limits, delay
                    )
            t0 = float(self.grid.beat_time(beat))
            t1 = float(self.grid.beat_time(beat + beats))
            out.append(TimedSegment(seg, block, pass_index, beat, beats, t0, t1, length, delay))
            beat += beats
        return out

    def _chunk(
        self,
        segs: list[Segment],
        start_beat: int,
        prev: Handoff | None,
        *,
        block: int,
        pass_index: int,
        hover: tuple[float, float] | None = None,
        last: bool = False,
    ) -> PlanChunk:
        first = segs[0]
        timed = self._time(segs, start_beat, block, pass_index, prev[1] if prev else first.tool)
        samples = self._sample(
            timed, prev or (first.force_n, first.tool), hover=hover, include_end=last
        )
        end = timed[-1]
        return PlanChunk(
            timed=tuple(timed),
            samples=samples,
            end_beat=end.beat0 + end.beats,
            end_point=end.segment.end,
            handoff=(end.segment.force_n, end.segment.tool),
        )

    def _sample(
        self,
        timed: list[TimedSegment],
        prev: Handoff,
        *,
        hover: tuple[float, float] | None,
        include_end: bool,
    ) -> dict[str, NDArray[np.float64]]:
        rate = self.rate_hz
        t0, t1 = timed[0].t0_s, timed[-1].t1_s
        k0 = int(np.ceil(t0 * rate - 1e-6))
        k1 = int(np.floor(t1 * rate + 1e-6)) if include_end else int(np.ceil(t1 * rate - 1e-6))
        t = np.arange(k0, k1 + (1 if include_end else 0)) / rate
        n = t.size
        u = np.empty(n)
        v = np.empty(n)
        speed = np.zeros(n)
        force = np.empty(n)
        tilt = np.zeros(n)
        tool = np.empty(n)
        blk = np.full(n, float(timed[0].block))
        pss = np.full(n, float(timed[0].pass_index))
        idx = np.searchsorted([ts.t1_s for ts in timed], t, side="right")
        idx = np.minimum(idx, len(timed) - 1)
        for i, ts in enumerate(timed):
            m = idx == i
            if not np.any(m):
                continue
            seg = ts.segment
            tr = t[m] - ts.t0_s
            if seg.kind == "hold" or ts.length_m == 0.0:
                u[m], v[m] = seg.u[-1], seg.v_m[-1]
            else:
                s, ds, _ = sample_move(
                    ts.length_m, ts.duration_s - ts.delay_s, self.limits, tr - ts.delay_s
                )
                pts = self.back.point(seg.u, seg.v_m)
                arc = np.concatenate(
                    [[0.0], np.cumsum(np.linalg.norm(np.diff(pts, axis=0), axis=1))]
                )
                arc *= ts.length_m / arc[-1]
                u[m] = np.interp(s, arc, seg.u)
                v[m] = np.interp(s, arc, seg.v_m)
                speed[m] = ds
                cruise = max(seg.speed_m_s, 1e-3)
                tilt[m] = np.deg2rad(seg.tilt_deg) * np.clip(ds / (0.5 * cruise), 0.0, 1.0)
            blk[m] = ts.block
            pss[m] = ts.pass_index
        force_and_tool(t, idx, timed, prev, force, tool)
        # Never ask for more than the zone the path crosses allows (bone within a
        # client's shift of a pad: the stricter limit), tool changes included.
        codes = tool.astype(np.int64).tolist()
        caps = self.zones.force_cap_n([TOOL_CODES[k] for k in codes], u, v, t)
        np.minimum(force, caps, out=force)
        pos = self.back.point(u, v)
        tu, tv, nrm = self.back.frame(u, v)
        # Travel direction on the skin, from the chart velocity.
        du = np.gradient(u, t) if n > 1 else np.zeros(n)
        dv = np.gradient(v, t) if n > 1 else np.zeros(n)
        d = tu * (du * self.back.back_length_m)[:, None] + tv * dv[:, None]
        dn = np.linalg.norm(d, axis=1, keepdims=True)
        d = np.where(dn > 1e-9, d / np.maximum(dn, 1e-12), 0.0)
        axis = np.cos(tilt)[:, None] * nrm - np.sin(tilt)[:, None] * d
        axis /= np.linalg.norm(axis, axis=1, keepdims=True)
        in_contact = np.ones(n)
        if hover is not None:
            frac = (t - t0) / max(t1 - t0, 1e-9)
            h0, h1 = hover
            smooth = frac * frac * (3 - 2 * frac)
            height = HOVER_M * (h0 + (h1 - h0) * smooth)
            pos = pos + nrm * height[:, None]
            in_contact = (height <= 1e-9).astype(float)
            force = np.zeros(n)
        out = {
            "t_s": t,
            "u": u,
            "v": v,
            "x_m": pos[:, 0],
            "y_m": pos[:, 1],
            "z_m": pos[:, 2],
            "nx": nrm[:, 0],
            "ny": nrm[:, 1],
            "nz": nrm[:, 2],
            "ax": axis[:, 0],
            "ay": axis[:, 1],
            "az": axis[:, 2],
            "speed_m_s": speed,
            "in_contact": in_contact,
            "tool": tool,
            "target_force_n": force,
            "block": blk,
            "pass_index": pss,
            **{c: tu[:, k] for k, c in enumerate(TANGENT_COLUMNS[:3])},
            **{c: tv[:, k] for k, c in enumerate(TANGENT_COLUMNS[3:])},
        }
        return {
            c: np.ascontiguousarray(out[c], dtype=np.float64) for c in COLUMNS + TANGENT_COLUMNS
        }


def _ends_block(block: Block, pass_index: int) -> bool:
    """No pass of the block can follow pass ``pass_index`` (the runner never goes past
    ``most_passes``; a fixed count is its own most)."""
    return pass_index + 1 >= block.most_passes


def _without_return(segs: list[Segment]) -> list[Segment]:
    """The pass without its closing light glide back to the block's start (a thumb
    strip's return, the forearm's crossing back): after the last pass the next block's
    lead-in (or the lift-off) starts from where the last stroke ended."""
    end = len(segs)
    while end > 1 and segs[end - 1].kind == "transition":
        end -= 1
    return segs[:end]


def _concat(a: PlanChunk, b: PlanChunk) -> PlanChunk:
    return PlanChunk(
        timed=a.timed + b.timed,
        samples={
            c: np.concatenate([a.samples[c], b.samples[c]]) for c in a.samples if c in b.samples
        },
        end_beat=b.end_beat,
        end_point=b.end_point,
        handoff=b.handoff,
    )


def compile_plan(
    routine: Routine, back: BackModel, grid: BeatGrid, *, rate_hz: float = 100.0
) -> Plan:
    """The static session plan: every block with its planned passes, one contact interval."""
    planner = Planner(routine, back, grid, rate_hz=rate_hz)
    chunks = [planner.approach(0)]
    beat, point, handoff = chunks[0].end_beat, chunks[0].end_point, chunks[0].handoff
    summaries = []
    for i, block in enumerate(routine.blocks):
        lead = planner.lead_in(i, beat, point, handoff)
        if lead is not None:
            chunks.append(lead)
            beat, point, handoff = lead.end_beat, lead.end_point, lead.handoff
        first = None
        for p in range(block.planned_passes):
            ch = planner.one_pass(i, p, beat, handoff)
            first = first or ch
            chunks.append(ch)
            beat, point, handoff = ch.end_beat, ch.end_point, ch.handoff
        if first is None:
            raise PlanError("block has no passes", block=i)
        summaries.append(
            BlockSummary(
                index=i,
                technique=block.technique,
                planned_passes=block.planned_passes,
                max_passes=block.most_passes,
                until=block.until,
                pass_duration_s=first.t1_s - first.t0_s,
                pass_length_m=sum(ts.length_m for ts in first.timed),
                force_n=planner.block_force_n(i),
            )
        )
    chunks.append(planner.lift_off(beat, point, handoff))
    beats = grid.beats_between(chunks[0].t0_s, chunks[-1].t1_s)
    return Plan(
        chunks=tuple(chunks),
        blocks=tuple(summaries),
        bpm=grid.bpm,
        beats_s=beats,
        beat_step=planner.step,
        tempo_source=grid.source,
    )
