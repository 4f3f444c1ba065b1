"""The elements of a demonstration, in figures: per block and for the whole massage.

Per block: force (median over its strokes), speed (skin distance over stroke time),
lane (lateral offset, side), region (u range), strokes, passes, softening (the
``sense.softening`` detector fed one pass at a time), dwells. For the whole massage:
the beat (``learn.beat``) against the strokes per minute, rest at the start, continuity
(lifts = ``sense.contact.contact_breaks``; pauses), coverage of the back, force and
pressure per zone, the transitions' force, and the knots ``backstroke.analyze`` finds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from backstroke.analyze import analyze_log
from backstroke.learn.beat import BeatFit
from backstroke.learn.demo import Demo
from backstroke.learn.onsets import beat_of_moves, stop_samples
from backstroke.learn.pieces import Piece, turnaround_samples
from backstroke.learn.segment import Block, Segmentation, segment
from backstroke.sense.contact import contact_breaks
from backstroke.sense.softening import DEFAULT_THRESHOLD, SofteningDetector
from backstroke.sense.stiffness import secant_stiffness
from backstroke.tools import TOOLS, Tool

TECH_TOOL = {
    "rest": Tool.PALMS,
    "glide": Tool.PALMS,
    "forearm": Tool.FOREARM,
    "thumb_strip": Tool.THUMB,
}
# Zones along the back (u from the waist): DESIGN §5 landmarks L1 (u ≈ 0.29), T7 (≈ 0.61).
ZONES: tuple[tuple[str, float, float], ...] = (
    ("low back", 0.0, 0.29),
    ("mid back", 0.29, 0.61),
    ("shoulder blades", 0.61, 1.01),
)
PAUSE_MIN_S = 2.0
# A held dwell reads this much longer than it was: the slow ends of the strokes either
# side of it count as still too.
DWELL_TAILS_S = 0.6
# How many passes past the softening pass still count as "stopped when it softened".
UNTIL_SLACK_PASSES = 1
MIN_STRIP_M = 0.03
# Techniques whose strokes are joined by light moves the routine times on their own.
LIGHT_MOVES = ("thumb_strip", "forearm")
# A brief work piece under this share of the block's median stroke is a return's start.
STUB_FRACTION = 0.25
STUB_S = 1.0
# Thumb strips whose lateral offsets lie further apart than the routine schema's
# smallest lane spacing run on different lanes.
LANE_GAP_M = 0.004


@dataclass
class BlockFigures:
    """What one block did (SI units)."""

    technique: str
    label: str | None
    t0_s: float
    duration_s: float
    force_n: float
    force_cv: float
    speed_m_s: float | None = None
    speed_cv: float = 0.0
    lateral_m: float = 0.0
    side: str = "both"
    u_min: float = 0.0
    u_max: float = 1.0
    u_rest: float = 0.78
    strokes: int = 0
    passes: int = 1
    stroke_s: float | None = None
    stroke_beats: int | None = None
    softening_pass: int | None = None
    stiffness_by_pass_n_m: list[float] = field(default_factory=list)
    until_softening: bool = False
    dwells: int = 0
    dwell_s: float | None = None
    dwell_beats: int | None = None
    pauses: int = 0
    lanes_m: list[float] = field(default_factory=list)
    transition_speed_m_s: float | None = None
    # thumb band whose lanes were shared out over the passes (each pass some lanes of
    # every side), not every lane in every pass
    lanes_shared: bool = False


@dataclass
class Figures:
    """The whole demonstration in figures."""

    duration_s: float
    back_length_m: float
    beat: BeatFit
    strokes_per_min: float | None
    blocks: list[BlockFigures]
    rest_s: float
    lifts: int
    pauses: int
    coverage: float
    zone_force_n: dict[str, float]
    zone_pressure_n_cm2: dict[str, float]
    transition_force_n: float | None
    transitions: int
    knots: list[dict[str, Any]]
    breathing_rate_bpm: float | None
    segmentation: Segmentation | None = None

    def of(self, technique: str) -> list[BlockFigures]:
        return [b for b in self.blocks if b.technique == technique]


def _sides(v: np.ndarray) -> str:
    left = float(np.mean(v > 0.005))
    right = float(np.mean(v < -0.005))
    if left >= 0.2 and right >= 0.2:
        return "both"
    return "left" if left > right else "right"


def _length_m(d: Demo, p: Piece) -> float:
    dt = np.diff(d.t_s[p.a : p.b])
    return float(np.sum(d.speed_m_s[p.a : p.b - 1] * dt))


def _transition_speed_m_s(d: Demo, b: Block) -> float | None:
    """Mean speed of the light moves inside a thumb or forearm block (its returns and
    crosses) at least ``MIN_STRIP_M`` long: skin distance over their time."""
    if b.technique not in LIGHT_MOVES:
        return None
    moves = [(p, _length_m(d, p)) for p in b.pieces if p.kind == "light"]
    long = [(p, m) for p, m in moves if m >= MIN_STRIP_M]
    time_s = sum(p.duration_s(d) for p, _ in long)
    if not long or time_s <= 0.0:
        return None
    return sum(m for _, m in long) / time_s


def _shared_passes(d: Demo, strips: list[list[Piece]]) -> list[list[list[Piece]]]:
    """A thumb block's strips grouped into passes by side: a pass ends when the thumbs
    come back to the side they started on. A master who sweeps every lane of a side
    before the other side's changes side twice a pass; one who shares the lanes out over
    the passes (some lanes of each side per pass, docs/routines.md) changes side as
    often, with fewer strips between: the number of passes is that of returns to the
    first side, not strips / lanes / sides (generator J: 3 passes of one lane each on
    3 lanes read as 1)."""
    side = [np.sign(np.median(d.v_m[s[0].a : s[-1].b])) for s in strips]
    out: list[list[list[Piece]]] = []
    for k, s in enumerate(strips):
        if k == 0 or (side[k] == side[0] and side[k - 1] != side[0]):
            out.append([])
        out[-1].append(s)
    return out


def _lanes_m(d: Demo, strips: list[list[Piece]]) -> list[float]:
    """The thumb lanes a block's strips ran on (m from the midline, inner first): the
    strips' median ``|v|`` grouped where consecutive offsets lie more than
    ``LANE_GAP_M`` apart (both sides together: a master works the same lanes on both)."""
    offs = sorted(
        float(np.median(np.abs(np.concatenate([d.v_m[q.a : q.b] for q in s])))) for s in strips
    )
    lanes: list[list[float]] = []
    for x in offs:
        if lanes and x - lanes[-1][-1] <= LANE_GAP_M:
            lanes[-1].append(x)
        else:
            lanes.append([x])
    return [float(np.median(g)) for g in lanes]


def _strips(d: Demo, block: Block) -> list[list[Piece]]:
    """Strokes; parts split by a dwell, a lift or a blip (< 1 s) joined into one stroke.
    A work piece that travels under 3 cm, or a brief one (under ``STUB_S``) under a
    quarter of the block's median stroke, is no stroke: the start of a return before its
    force has dropped, cut off at the turnaround (a quick light return's first
    centimetres at working force)."""
    out: list[list[Piece]] = []
    after_dwell = False
    lengths = [_length_m(d, p) for p in block.pieces if p.kind == "work"]
    long_m = [x for x in lengths if x >= MIN_STRIP_M]
    stub_m = STUB_FRACTION * float(np.median(long_m)) if long_m else 0.0
    for p in block.pieces:
        if p.kind == "work" and (
            _length_m(d, p) < MIN_STRIP_M or (_length_m(d, p) < stub_m and p.duration_s(d) < STUB_S)
        ):
            continue
        if p.kind != "work" and p.duration_s(d) < 1.0 and after_dwell:
            continue
        if p.kind == "work":
            if after_dwell and out:
                out[-1].append(p)
            else:
                out.append([p])
            after_dwell = False
        elif (p.kind == "still" and p.technique == "dwell") or p.kind == "off":
            after_dwell = True  # a dwell or a lift does not end the strip
        else:
            after_dwell = False
    return out


def _block_figures(
    d: Demo, b: Block, beat: BeatFit, k_all: np.ndarray, threshold: float
) -> BlockFigures:
    t = d.t_s
    if b.technique == "rest":
        holds = [p for p in b.pieces if p.kind == "still"] or b.pieces
        a, e = holds[0].a, holds[-1].b
        f = d.force_smooth_n[a:e]
        return BlockFigures(
            "rest",
            b.label,
            float(t[a]),
            float(t[e - 1] - t[a]),
            float(np.median(f)),
            float(np.std(f)) / max(float(np.mean(f)), 1e-9),
            u_rest=float(np.median(d.u[a:e])),
            strokes=0,
            passes=1,
        )
    strips = _strips(d, b)
    strokes = b.strokes()
    idx = np.concatenate([np.arange(p.a, p.b) for p in strokes])
    per_force = np.array([np.median(d.force_smooth_n[p.a : p.b]) for p in strokes])
    durs = np.array([sum(p.duration_s(d) for p in s) for s in strips])
    lens = np.array([sum(_length_m(d, p) for p in s) for s in strips])
    speeds = lens / np.maximum(durs, 1e-6)
    v = d.v_m[idx]
    side = "both" if b.technique == "glide" else _sides(v)
    sides = 2 if side == "both" else 1
    lanes = _lanes_m(d, strips) if b.technique == "thumb_strip" and strips else []
    # a thumb pass sweeps every lane on each side once
    per_pass = {"glide": 2, "forearm": 2 * sides, "thumb_strip": sides * max(1, len(lanes))}[
        b.technique
    ]
    passes = max(1, round(len(strips) / per_pass))
    groups = [strips[p * per_pass : (p + 1) * per_pass] for p in range(passes)]
    shared = _shared_passes(d, strips) if len(lanes) > 1 and sides == 2 else []
    lanes_shared = len(shared) > passes  # more returns to the first side than sweeps
    if lanes_shared:
        passes, groups = len(shared), shared
    det = SofteningDetector(threshold)
    for group in groups:
        if not group:
            break
        ii = np.concatenate([np.arange(q.a, q.b) for s in group for q in s])
        det.add_pass(k_all[ii], d.u[ii], t[ii])
    soft = det.softening_pass
    dwells = [p for p in b.pieces if p.kind == "still" and p.technique == "dwell"]
    pauses = [
        p
        for p in b.pieces
        if p.kind == "still" and p.technique == "pause" and p.duration_s(d) >= PAUSE_MIN_S
    ]
    period = beat.period_s
    stroke_s = float(np.median(durs)) if durs.size else None
    dwell_s = float(np.median([p.duration_s(d) for p in dwells])) if dwells else None
    return BlockFigures(
        technique=b.technique,
        label=b.label,
        t0_s=float(t[b.a]),
        duration_s=float(t[b.b - 1] - t[b.a]),
        force_n=float(np.median(d.force_smooth_n[idx])),
        force_cv=float(np.std(per_force)) / max(float(np.mean(per_force)), 1e-9),
        speed_m_s=float(lens.sum() / max(durs.sum(), 1e-6)),
        speed_cv=float(np.std(speeds)) / max(float(np.mean(speeds)), 1e-9),
        lateral_m=float(np.median(np.abs(v))),
        side=side,
        u_min=float(np.percentile(d.u[idx], 1)),
        u_max=float(np.percentile(d.u[idx], 99)),
        strokes=len(strips),
        passes=passes,
        stroke_s=stroke_s,
        stroke_beats=(max(1, round(stroke_s / period)) if stroke_s and period else None),
        softening_pass=soft,
        stiffness_by_pass_n_m=[round(x, 1) for x in det.stiffness_by_pass_n_m],
        until_softening=soft is not None and passes <= soft + 2 + UNTIL_SLACK_PASSES,
        dwells=len(dwells),
        dwell_s=dwell_s,
        dwell_beats=(
            max(1, round((dwell_s - DWELL_TAILS_S) / period)) if dwell_s and period else None
        ),
        pauses=len(pauses),
        lanes_m=[round(x, 4) for x in lanes],
        transition_speed_m_s=_transition_speed_m_s(d, b),
        lanes_shared=lanes_shared,
    )


def _coverage_and_zones(
    d: Demo, blocks: list[Block]
) -> tuple[float, dict[str, float], dict[str, float]]:
    nu, nv = 46, 25
    grid = np.zeros((nu, nv), dtype=bool)
    ue = np.linspace(0.05, 0.95, nu + 1)
    ve = np.linspace(-0.12, 0.12, nv + 1)
    vc = 0.5 * (ve[1:] + ve[:-1])
    zone_f: dict[str, list[float]] = {z[0]: [] for z in ZONES}
    zone_p: dict[str, list[float]] = {z[0]: [] for z in ZONES}
    for b in blocks:
        spec = TOOLS[TECH_TOOL[b.technique]]
        pieces = [p for p in b.pieces if p.kind in ("work", "still")]
        for p in pieces:
            step = max(1, int(d.rate_hz / 10))
            ii = np.arange(p.a, p.b, step)
            iu = np.clip(np.searchsorted(ue, d.u[ii]) - 1, 0, nu - 1)
            inside = (d.u[ii] >= 0.05) & (d.u[ii] <= 0.95)
            for j, cu in zip(ii[inside], iu[inside], strict=True):
                grid[cu] |= np.abs(vc - d.v_m[j]) <= spec.half_width_m
            if p.kind != "work":
                continue
            f = d.force_smooth_n[ii]
            for name, lo, hi in ZONES:
                m = (d.u[ii] >= lo) & (d.u[ii] < hi)
                zone_f[name].extend(f[m].tolist())
                zone_p[name].extend((f[m] / spec.area_cm2).tolist())
    cov = float(grid.mean())
    zf = {k: float(np.mean(x)) for k, x in zone_f.items() if x}
    zp = {k: float(np.mean(x)) for k, x in zone_p.items() if x}
    return cov, zf, zp


def figures(d: Demo, *, threshold: float = DEFAULT_THRESHOLD, use_labels: bool = True) -> Figures:
    """Every element of the demonstration (see the module docstring)."""
    seg = segment(d, use_labels=use_labels)
    turns = turnaround_samples(d)
    holds_end = [p.b - 1 for p in seg.pieces if p.kind == "still"]
    stops = np.concatenate([stop_samples(d), np.asarray(holds_end, dtype=np.int64)])
    beat = beat_of_moves(d, stops)
    k_all = secant_stiffness(d.force_n, d.indentation_m)
    blocks = [_block_figures(d, b, beat, k_all, threshold) for b in seg.blocks]
    strokes = [s for b in blocks for s in [b] if b.stroke_s]
    all_durs = np.diff(d.t_s[turns]) if turns.size > 1 else np.zeros(0)
    spm = 60.0 / float(np.median(all_durs)) if all_durs.size else None
    rest_s = 0.0
    if blocks and blocks[0].technique == "rest":
        rest_s = blocks[0].duration_s
    trans_f = [float(np.median(d.force_smooth_n[p.a : p.b])) for p in seg.transitions]
    cov, zf, zp = _coverage_and_zones(d, seg.blocks)
    base = analyze_log(d.log, threshold, back_length_m=d.back_length_m)
    del strokes
    return Figures(
        duration_s=d.duration_s,
        back_length_m=d.back_length_m,
        beat=beat,
        strokes_per_min=spm,
        blocks=blocks,
        rest_s=rest_s,
        lifts=contact_breaks(d.t_s, d.force_n),
        pauses=sum(b.pauses for b in blocks),
        coverage=cov,
        zone_force_n=zf,
        zone_pressure_n_cm2=zp,
        transition_force_n=float(np.median(trans_f)) if trans_f else None,
        transitions=sum(
            1 for p in seg.transitions if seg.blocks and seg.blocks[0].a <= p.a < seg.blocks[-1].b
        ),
        knots=list(base.get("knots") or []),
        breathing_rate_bpm=base.get("breathing_rate_bpm"),
        segmentation=seg,
    )


def finite(x: float | None) -> bool:
    return x is not None and math.isfinite(x)
