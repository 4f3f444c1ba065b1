"""Generator I: a therapist who phrases strokes in bars, recorded by a glove rig.

Written blind for issue 17's held-out check: from DESIGN §6.3 (the contact log),
docs/logs.md, docs/routines.md, docs/learn.md (what a demonstration is, not its
figures), the routine schema and the seed text, and only the interface of generator H
(its docstring and public names). Nothing of ``backstroke.learn`` or the other
generators' bodies was read, and it calls nothing of backstroke.

The therapist ("I") counts in bars (3/4, 4/4 or 6/8) at 51–78.5 BPM: one pass of a
stroke is a whole number of bars, split unevenly between its legs (strokes of 2–16
beats, odd counts like 5 and 7 included), a beat taken out of the phrase now and then
to pause on the turn. Every event falls on a beat, pushed about by rubato (a slow
sway, up to 0.05 beat), swing on the off-beats and a little jitter; the music's tempo
steps by up to ±2 % from block to block (the truth's BPM is the beat-weighted
geometric mean of the blocks' tempi, exactly). The hand's speed is a powered sine
bell (``sin(πτ)^p``, p 0.6–2.2 per stroke), the pressure ramps along each stroke
(heavier toward one end), builds up over a block's first stroke now and then, and
lags the intention. Blocks (3–5): a rest on the upper back (at the start, sometimes
also at the end), palm glides, forearm strokes one or both sides, thumb strips up 1–3
lanes per side with light palm returns and a loading beat at a lane's start, knot
work (strips that hold whole beats on knots in later passes); light transitions
between. A block repeats a fixed number of passes or until the tissue softens (the
master stops one pass after the first soft pass). Backs 0.42–0.60 m. The rig
(``tests/learn/i_log.py``) records it at 100–1000 Hz.

Truth: techniques in order, per-block force (the intended plateau), passes, BPM, back
length, and the duration from the first touch to the lift-off.

``i_demo(seed, labels)`` gives a demonstration and its truth; ``i_learner(seed, fault,
labels)`` the same score played by a learner with one fault (``FAULT_ELEMENT``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tests.learn.i_log import Rig, Seg, render, to_csv
from tests.learn.i_score import IBlock, IScore, make_score

__all__ = ["FAULTS", "FAULT_ELEMENT", "IDemo", "ITruth", "i_demo", "i_learner", "to_csv"]

FAULTS = ("too_hard", "too_fast", "lifting_off")
FAULT_ELEMENT = {"too_hard": "pressure", "too_fast": "speed", "lifting_off": "continuity"}


@dataclass
class ITruth:
    techniques: list[str]
    forces_n: list[float]
    passes: list[int]
    bpm: float
    back_length_m: float
    duration_s: float
    given_back_length_m: float | None
    block_bpm: list[float] = field(default_factory=list)


@dataclass
class IDemo:
    columns: dict[str, Any]
    truth: ITruth
    score: IScore = field(repr=False)
    segs: list[Seg] = field(repr=False, default_factory=list)


@dataclass
class _Nominal:
    """A segment in beats, before it is timed."""

    beats: int
    kind: str
    u0: float
    u1: float
    v0: float
    v1: float
    f0_n: float
    f1_n: float
    face: str
    block: int
    soft: float = 1.0


_FACE = {"rest": "palms", "glide": "palms", "forearm": "forearm", "thumb_strip": "thumb"}


class _Player:
    """Lays the score out in beats, then times it (rubato, swing, jitter)."""

    def __init__(self, score: IScore, rng: np.random.Generator, fault: str | None) -> None:
        self.score, self.rng, self.fault = score, rng, fault
        self.noms: list[_Nominal] = []
        self.periods: list[float] = []
        self.u, self.v = 0.5, 0.0

    def add(self, beats: int, kind: str, u1: float, v1: float, f0: float, f1: float,
            face: str, k: int, soft: float = 1.0) -> None:  # fmt: skip
        n = _Nominal(beats, kind, self.u, u1, self.v, v1, f0, f1, face, k, soft)
        self.noms.append(n)
        self.periods.append(60.0 / self.score.block_bpm[max(k, 0)])
        self.u, self.v = u1, v1

    def force(self, b: IBlock) -> float:
        f = b.force_n * (1.4 if self.fault == "too_hard" and b.technique != "rest" else 1.0)
        return float(f * np.exp(self.rng.normal(0.0, 0.035)))

    def legs(self, total: int, share: float) -> tuple[int, int, int]:
        """A phrase of ``total`` beats split into two legs and a pause on the turn."""
        first = int(np.clip(round(total * share), 2, 16))
        second = int(np.clip(total - first, 2, 16))
        hold = 0
        if self.rng.random() < self.score.hold_p and second >= 4:
            hold, second = 1, second - 1
        if self.fault == "too_fast":
            first, second = -(-first // 2), -(-second // 2)
        return first, hold, second

    def stroke(self, b: IBlock, k: int, beats: int, u1: float, v1: float, soft: float,
               first: bool, downward: bool) -> None:  # fmt: skip
        f = self.force(b)
        g = b.ramp * (1.0 if downward else -1.0)
        f0, f1 = f * (1 - g / 2), f * (1 + g / 2)
        if first and b.build_up:
            f0 = 0.6 * f
        self.add(beats, "work", u1, v1, f0, f1, _FACE[b.technique], k, soft)

    def hold(
        self, beats: int, f: float, face: str, k: int, soft: float, kind: str = "hold"
    ) -> None:
        self.add(beats, kind, self.u, self.v, f, f, face, k, soft)


def _block_start(b: IBlock) -> tuple[float, float]:
    if b.technique == "rest":
        return b.u_rest, 0.0
    if b.technique == "glide":
        return b.u_max, 0.0
    if b.technique == "forearm":
        return b.u_max, b.sides[0] * b.lateral_m
    return b.u_min, b.sides[0] * b.lanes_m[0]


def _play_block(p: _Player, b: IBlock, k: int, light_n: float) -> None:
    first = True
    face = _FACE[b.technique]
    if b.technique == "rest":
        f = p.force(b)
        p.hold(b.rest_beats, f, face, k, 1.0, kind="rest")
        return
    for i in range(b.passes):
        soft = b.soft_by_pass[i]
        last_pass = i == b.passes - 1
        if b.technique == "glide":
            d, h, up = p.legs(b.pass_beats, b.share)
            p.stroke(b, k, d, b.u_min, 0.0, soft, first, True)
            if h:
                p.hold(h, p.force(b), face, k, soft)
            p.stroke(b, k, up, b.u_max, 0.0, soft, False, False)
            if not last_pass and p.rng.random() < p.score.hold_p:
                p.hold(1, p.force(b), face, k, soft)
        elif b.technique == "forearm":
            for j, side in enumerate(b.sides):
                lat = side * b.lateral_m
                d, h, up = p.legs(b.pass_beats, b.share)
                p.stroke(b, k, d, b.u_min, lat, soft, first, True)
                if h:
                    p.hold(h, p.force(b), face, k, soft)
                p.stroke(b, k, up, b.u_max, lat, soft, False, False)
                first = False
                if len(b.sides) == 2 and not (last_pass and j == 1):
                    nxt = b.sides[1 - j] * b.lateral_m
                    cross = max(2, int(np.ceil(2 * b.lateral_m / (0.06 * p.periods[-1]))))
                    p.add(cross, "light", b.u_max, nxt, light_n, light_n, face, k, soft)
        else:
            strips = [(s, lane) for s in b.sides for lane in b.lanes_m]
            for j, (side, lane) in enumerate(strips):
                f = p.force(b)
                if p.rng.random() < 0.5:  # the thumb loads up on the lane's start
                    p.add(1, "hold", p.u, p.v, light_n, f, face, k, soft)
                strip, _, ret = p.legs(b.pass_beats, b.share)
                knot = _knot_on(p.score, b, side * lane) if i >= 1 and b.dwell_beats else None
                if knot is not None and strip >= 4:
                    share = (knot - b.u_min) / (b.u_max - b.u_min)
                    b1 = int(np.clip(round(strip * share), 2, strip - 2))
                    p.stroke(b, k, b1, knot, side * lane, soft, first, False)
                    p.hold(b.dwell_beats, f, face, k, soft)
                    p.stroke(b, k, strip - b1, b.u_max, side * lane, soft, False, False)
                else:
                    p.stroke(b, k, strip, b.u_max, side * lane, soft, first, False)
                first = False
                if not (last_pass and j == len(strips) - 1):
                    next_side, next_lane = strips[(j + 1) % len(strips)]
                    ret, v_next = max(ret, b.return_beats), next_side * next_lane
                    p.add(ret, "light", b.u_min, v_next, light_n, light_n, "palms", k, soft)
        first = False


def _knot_on(score: IScore, b: IBlock, v_lane: float) -> float | None:
    """The u of a knot within 6 mm of this lane and inside the strip, if any."""
    for ku, kv, _r, _ratio in score.knots:
        if abs(kv - v_lane) < 0.006 and b.u_min + 0.08 < ku < b.u_max - 0.08:
            return ku
    return None


def _light(a: IBlock | None, b: IBlock | None) -> float:
    forces = [x.force_n for x in (a, b) if x is not None]
    return float(np.clip(0.4 * min(forces), 1.5, 4.5))


def play(score: IScore, rng: np.random.Generator, fault: str | None = None) -> list[Seg]:
    """The score played: timed segments, air before the touch and after the lift."""
    p = _Player(score, rng, fault)
    blocks = score.blocks
    p.u, p.v = _block_start(blocks[0])
    first_f = blocks[0].force_n if blocks[0].technique == "rest" else _light(None, blocks[0])
    p.add(2, "set", p.u, p.v, 0.0, first_f, _FACE[blocks[0].technique], -1)
    for k, b in enumerate(blocks):
        if k > 0:
            u1, v1 = _block_start(b)
            dist_m = np.hypot((u1 - p.u) * score.back_length_m, v1 - p.v)
            beats = max(2, int(np.ceil(dist_m / (0.05 * 60.0 / score.block_bpm[k]))))
            lf = _light(blocks[k - 1], b)
            p.add(beats, "light", u1, v1, lf, lf, _FACE[b.technique], -1)
            p.periods[-1] = 60.0 / score.block_bpm[k]
        _play_block(p, b, k, _light(b, None))
    last = blocks[-1]
    p.add(1, "release", p.u, p.v, p.noms[-1].f1_n, 0.0, _FACE[last.technique], -1)
    return _timed(p, score, rng)


def _timed(p: _Player, score: IScore, rng: np.random.Generator) -> list[Seg]:
    """Beats to seconds: tempo per block, every event pushed by rubato, swing, jitter."""
    lag = rng.uniform(-0.03, 0.03)
    amp, period_s, phase = rng.uniform(0.01, 0.05), rng.uniform(6.0, 16.0), rng.uniform(0, 6.3)
    swing, jitter = rng.uniform(0.0, 0.05), rng.uniform(0.01, 0.025)
    t_nom, beat = [2.0], 0  # two seconds in the air before the set-down begins
    for n, per in zip(p.noms, p.periods, strict=True):
        t_nom.append(t_nom[-1] + n.beats * per)
    times = [0.0, t_nom[0]]
    for j in range(1, len(t_nom)):
        beat += p.noms[j - 1].beats
        per = p.periods[j - 1]
        push = lag + amp * np.sin(2 * np.pi * t_nom[j] / period_s + phase)
        push += swing * (beat % 2) + rng.normal(0.0, jitter)
        times.append(t_nom[j] + per * float(np.clip(push, -0.15, 0.15)))
    times[-1] = t_nom[-1]  # the lift is no beat: it ends when the hands are off
    shape = {j: float(np.round(rng.uniform(0.6, 2.2), 1)) for j in range(len(p.noms))}
    segs = [Seg(0.0, times[1], p.noms[0].u0, p.noms[0].u0, p.noms[0].v0, p.noms[0].v0,
                0.0, 0.0, "air", p.noms[0].face, -1)]  # fmt: skip
    for j, n in enumerate(p.noms):
        segs.append(Seg(times[j + 1], times[j + 2], n.u0, n.u1, n.v0, n.v1, n.f0_n, n.f1_n,
                        n.kind, n.face, n.block, shape[j], n.soft))  # fmt: skip
    end = segs[-1]
    segs.append(Seg(end.t1, end.t1 + 1.5, end.u1, end.u1, end.v1, end.v1, 0.0, 0.0, "air",
                    end.face, -1))  # fmt: skip
    return segs


def _lifts(segs: list[Seg], rng: np.random.Generator) -> list[tuple[float, float]]:
    """A learner's three lifts (0.4–1 s), each inside a different long work stroke."""
    work = [s for s in segs if s.kind == "work" and s.t1 - s.t0 > 2.5]
    pick = sorted(rng.choice(len(work), size=min(3, len(work)), replace=False))
    out = []
    for j in pick:
        s = work[j]
        mid = rng.uniform(s.t0 + 0.35 * (s.t1 - s.t0), s.t0 + 0.65 * (s.t1 - s.t0))
        out.append((mid, mid + rng.uniform(0.4, 1.0)))
    return out


def _rig(score: IScore, rng: np.random.Generator, labels: bool) -> Rig:
    return Rig(
        rate_hz=score.rate_hz,
        clock_offset_s=score.clock_offset_s,
        epoch_ns=1_780_000_000_000_000_000 + int(score.clock_offset_s * 1e9),
        drop_per_s=rng.uniform(0.01, 0.05),
        lag_s=rng.uniform(0.08, 0.25),
        a_n=score.tissue_a_n,
        b_per_m=score.tissue_b_per_m,
        breath_rate_hz=rng.uniform(10.0, 18.0) / 60.0,
        breath_amp_m=rng.uniform(0.0008, 0.0022),
        knots=score.knots,
        positions=score.positions,
        labels=labels,
        tool_names=score.tool_names,
        block_names=[b.label for b in score.blocks],
        back_length_m=score.back_length_m,
    )


def _truth(score: IScore, segs: list[Seg]) -> ITruth:
    touch = next(s.t0 for s in segs if s.kind == "set")
    lift = next(s.t1 for s in reversed(segs) if s.kind == "release")
    return ITruth(
        techniques=[b.technique for b in score.blocks],
        forces_n=[b.force_n for b in score.blocks],
        passes=[b.passes for b in score.blocks],
        bpm=score.bpm,
        back_length_m=score.back_length_m,
        duration_s=lift - touch,
        given_back_length_m=None if score.positions else score.back_length_m,
        block_bpm=list(score.block_bpm),
    )


def i_demo(seed: int, labels: bool) -> IDemo:
    """Demonstration ``seed`` (with or without tool/block labels) and its truth."""
    score = make_score(np.random.default_rng([seed, 9001]))
    rng = np.random.default_rng([seed, 9002])
    segs = play(score, rng)
    cols = render(segs, _rig(score, rng, labels), rng, [])
    return IDemo(cols, _truth(score, segs), score, segs)


def i_learner(seed: int, fault: str, labels: bool) -> dict[str, Any]:
    """The score of demonstration ``seed`` played by a learner with ``fault``."""
    if fault not in FAULTS:
        raise ValueError(f"fault {fault!r}: one of {FAULTS}")
    score = make_score(np.random.default_rng([seed, 9001]))
    rng = np.random.default_rng([seed, 9003, FAULTS.index(fault)])
    segs = play(score, rng, fault)
    lifts = _lifts(segs, rng) if fault == "lifting_off" else []
    return render(segs, _rig(score, rng, labels), rng, lifts)
