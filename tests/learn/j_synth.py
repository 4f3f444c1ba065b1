"""Generator J: a therapist who counts in eights and pairs and breathes with the client.

Written blind for issue 17's held-out check (session 9): from DESIGN §6.3 (the contact
log), docs/logs.md, docs/routines.md, docs/learn.md (what a demonstration is and how one
is recorded, not its figures or limits), the routine schema and the seed text, and only
the interface of generator I (its docstring and public names). Nothing of
``backstroke.learn`` or ``backstroke.sense``, nor the other generators' bodies, was
read, and it calls nothing of backstroke.

The therapist ("J") works to one slow piece of music at 50–80 BPM (a live recording: its
tempo sways by up to 0.8 %; the truth's BPM is the music's mean tempo over the session's
beats, ``block_bpm`` each block's). She counts long strokes in phrases of eight beats
and pairs (legs of 4–24 beats chosen for a comfortable pace: glides 2–5 cm/s, forearm
1.5–4, thumb strips 1.2–3.5), short moves (returns, crossings, transitions) in pairs
of beats. At a turn she flows straight on, holds a pair of beats, or waits for the
client's next out-breath (whole beats, 1–3). She sets off slowly, surges through the
middle of a stroke and settles into its end (each stroke a regularised incomplete beta
``I(α, β; τ)``, α 1.3–3.5, peak speed kept under 9.5 cm/s). Every event falls on a
beat, with a human's error: correlated (AR(1), σ 12–35 ms) and a habit of being a
little early or late (−20 … +10 ms). Thumbs sink in over the first fifth of a strip and
come back down by a light palm glide; a fixed-pass thumb block shares its lanes out over
its passes (pass p runs lanes p, p + P …, covering the band once, as docs/routines.md
says), one listening for softening runs every lane each pass; in knot blocks a strip
stops on a knot felt on an earlier strip for whole breaths (2–3, in whole beats).
A first pass is lighter (85 %) in some fixed-pass glide and forearm blocks; the glide's return
is 90–100 % of its stroke down. Light glides (3–6 N) on the skin join the blocks; the
hands touch down once and lift off once. The score is ``tests/learn/j_score.py``, the
client ``tests/learn/j_client.py``, the rig ``tests/learn/j_log.py``.

Where the contracts are silent (what a clinic would record): no ``pass_index`` and no
``target_force_n`` (a person has no commanded force); block names from the clinic's
notes (English, French, Spanish) or block numbers with −1 between; the back length
given to the learner when the log has no positions is the clinic's tape measure (to
the centimetre).

Truth: techniques in order, per-block force (the intended plateau), passes, BPM, back
length, the duration from the first touch to the lift-off, the back length to give.
``j_demo(seed, labels)`` gives a demonstration; ``j_learner(seed, fault, labels)`` the
same score played by a learner with one fault (``FAULT_ELEMENT``), with a learner's
timing (σ 45–80 ms, late) and a less steady hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from scipy.special import beta as beta_fn

from tests.learn.j_log import Rig, Seg, draw_rig, render, to_csv
from tests.learn.j_score import (
    FACE,
    JBlock,
    JScore,
    beat_errors,
    beat_grid,
    make_score,
    pick_beats,
    soft_at,
)

__all__ = ["FAULTS", "FAULT_ELEMENT", "JDemo", "JTruth", "j_demo", "j_learner", "to_csv"]

FAULTS = ("too_hard", "too_fast", "lifting_off")
FAULT_ELEMENT = {"too_hard": "pressure", "too_fast": "speed", "lifting_off": "continuity"}
PEAK_SPEED_M_S = 0.095


@dataclass
class JTruth:
    techniques: list[str]
    forces_n: list[float]
    passes: list[int]
    bpm: float
    back_length_m: float
    duration_s: float  # first touch to lift-off
    given_back_length_m: float | None  # the back length to give when the log has no positions
    block_bpm: list[float] = field(default_factory=list)


@dataclass
class JDemo:
    columns: dict[str, Any]
    truth: JTruth
    score: JScore = field(repr=False)
    segs: list[Seg] = field(repr=False, default_factory=list)


@dataclass
class _Note:
    """A segment in beats, before it is timed (``seg``'s times are filled in then), and
    its place in its block's passes (the tissue softens as they go on)."""

    beat: int
    beats: int
    seg: Seg
    x0: float = 0.0
    x1: float = 0.0


class _Composer:
    """Lays the score out in whole beats (the hands' path, force and holds)."""

    def __init__(self, score: JScore, rng: np.random.Generator, fault: str | None):
        self.s, self.rng, self.fault = score, rng, fault
        self.period = score.period_s
        self.grid = beat_grid(score, 6000)
        self.notes: list[_Note] = []
        self.beat = 0
        self.u, self.v, self.f = score.blocks[0].u_hi, 0.0, 0.0
        self.felt: list[int] = []

    def add(
        self,
        beats: int,
        kind: str,
        u1: float,
        v1: float,
        f1: float,
        face: str,
        block: int,
        stroke: bool = False,
        ramp: float = 1.0,
        knot: int = -1,
    ) -> None:
        beats = max(1, int(beats))
        a = b = 2.0
        if kind == "move" and stroke:
            mean = np.hypot((u1 - self.u) * self.s.client.back_length_m, v1 - self.v) / (
                beats * self.period
            )
            a = float(self.rng.uniform(1.3, 3.5))
            while a > 1.3 and mean / (beta_fn(a, a) * 2 ** (2 * a - 2)) > PEAK_SPEED_M_S:
                a -= 0.1
            b = a * float(self.rng.uniform(0.85, 1.2))
        seg = Seg(0, 0, self.u, u1, self.v, v1, self.f, f1, kind, face, block, a, b, ramp)
        seg.knot = knot
        self.notes.append(_Note(self.beat, beats, seg))
        self.beat += beats
        self.u, self.v, self.f = u1, v1, f1

    def hold(
        self, beats: int, f1: float, face: str, block: int, ramp: float = 1.0, knot: int = -1
    ) -> None:
        self.add(beats, "hold", self.u, self.v, f1, face, block, ramp=ramp, knot=knot)

    def turn(self, b: JBlock, f: float, face: str, block: int) -> None:
        if b.turn == "pair":
            self.hold(2, f, face, block)
        elif b.turn == "breath":
            br = self.s.client.breath
            now = float(br.phase(self.grid[self.beat]))
            target = (np.floor((now - np.pi) / (2 * np.pi)) + 1) * 2 * np.pi + np.pi
            m = 1
            while m < 3 and float(br.phase(self.grid[self.beat + m])) < target:
                m += 1
            self.hold(m, f, face, block)

    def legs(self, n: int) -> int:
        return max(1, n // 2) if self.fault == "too_fast" else n

    def force(self, b: JBlock) -> float:
        return b.force_n * (1.4 if self.fault == "too_hard" else 1.0)

    def travel(self, u1: float, v1: float, f: float, face: str, block: int) -> None:
        d = np.hypot((u1 - self.u) * self.s.client.back_length_m, v1 - self.v)
        n = pick_beats(self.rng, max(d, 0.05), self.period, [2, 4, 6, 8], 0.02, 0.06)
        self.add(n, "move", u1, v1, f, face, block, ramp=0.3)

    def block(self, i: int, b: JBlock) -> None:
        light, face, F = self.s.light_n, FACE[b.technique], self.force(b)
        start_v = b.sides[0] * b.lanes_m[0] if b.lanes_m else 0.0
        start_u = b.u_lo if b.technique == "thumb_strip" else b.u_hi
        if not self.notes:  # the touch: hands come down where the block starts
            self.u, self.v = start_u, start_v
            self.hold(2, light, "palms", -1, ramp=0.3)
        elif (abs(self.u - start_u), abs(self.v - start_v)) != (0.0, 0.0):
            self.travel(start_u, start_v, light, "palms", -1)
        if face != "palms":
            self.hold(2, light, face, -1)  # changing tool on the skin
        first = len(self.notes)
        getattr(self, "_" + b.technique)(i, b, F, light, face)
        _progress(self.notes[first:], b.passes if b.technique != "rest" else 1)

    def _rest(self, i: int, b: JBlock, F: float, light: float, face: str) -> None:
        self.hold(b.rest_beats, F, face, i, ramp=2 / b.rest_beats)

    def _glide(self, i: int, b: JBlock, F: float, light: float, face: str) -> None:
        for p in range(b.passes):
            f = F * (0.85 if b.build and p == 0 else 1.0)
            self.add(
                self.legs(b.leg_beats),
                "move",
                b.u_lo,
                0.0,
                f,
                face,
                i,
                True,
                ramp=0.25 if p == 0 else 1.0,
            )
            self.turn(b, f * b.up_share, face, i)
            self.add(self.legs(b.leg_beats), "move", b.u_hi, 0.0, f * b.up_share, face, i, True)
            if p < b.passes - 1:
                self.turn(b, F, face, i)

    def _forearm(self, i: int, b: JBlock, F: float, light: float, face: str) -> None:
        lat = b.lanes_m[0]
        for p in range(b.passes):
            f = F * (0.85 if b.build and p == 0 else 1.0)
            for k, side in enumerate(b.sides):
                if k > 0:
                    self.add(b.short_beats, "move", b.u_hi, side * lat, light, face, i, ramp=0.25)
                self.add(
                    self.legs(b.leg_beats), "move", b.u_lo, side * lat, f, face, i, True, ramp=0.25
                )
                self.turn(b, f, face, i)
                self.add(self.legs(b.leg_beats), "move", b.u_hi, side * lat, f, face, i, True)
            if len(b.sides) > 1 and p < b.passes - 1:
                self.add(b.short_beats, "move", b.u_hi, b.sides[0] * lat, light, face, i, ramp=0.25)
            elif p < b.passes - 1:
                self.turn(b, f, face, i)

    def _strips(self, b: JBlock) -> list[tuple[int, float, float]]:
        out = []
        n = len(b.lanes_m)
        for p in range(b.passes):
            lanes = b.lanes_m if b.until else b.lanes_m[p :: b.passes] or [b.lanes_m[p % n]]
            out += [(p, side, lane) for side in b.sides for lane in lanes]
        return out

    def _thumb_strip(self, i: int, b: JBlock, F: float, light: float, face: str) -> None:
        strips = self._strips(b)
        knots = self.s.client.knots
        for j, (p, side, lane) in enumerate(strips):
            v = side * lane
            f = F * (0.85 if b.build and p == 0 else 1.0)
            stops = sorted(
                (ku, k)
                for k, (ku, kv, _, _) in enumerate(knots)
                if b.dwell
                and np.sign(kv) == side
                and abs(abs(kv) - lane) <= 0.009
                and b.u_lo + 0.04 < ku < b.u_hi - 0.04
                and k in self.felt
            )
            beats, u_from = self.legs(b.leg_beats), b.u_lo
            for ku, k in stops:
                n1 = int(np.clip(round(beats * (ku - u_from) / (b.u_hi - u_from)), 1, beats - 1))
                self.add(n1, "move", ku, v, f, face, i, True, ramp=0.2 if u_from == b.u_lo else 1)
                period = 1 / self.s.client.breath.rate_hz
                dwell = int(np.clip(np.ceil(self.rng.integers(2, 4) * period / self.period), 2, 16))
                self.hold(dwell, f, face, i, knot=k)
                beats, u_from = beats - n1, ku
            self.add(beats, "move", b.u_hi, v, f, face, i, True, ramp=0.2 if not stops else 1)
            self.felt += [
                k
                for k, (_, kv, _, _) in enumerate(knots)
                if np.sign(kv) == side and abs(abs(kv) - lane) <= 0.009
            ]
            if j < len(strips) - 1:
                self.turn(b, light, face, i)
                nxt = strips[j + 1][1] * strips[j + 1][2]
                self.add(b.short_beats, "move", b.u_lo, nxt, light, "palms", i, ramp=0.2)


def _progress(notes: list[_Note], passes: int) -> None:
    """Each note's place in its block's passes (the tissue softens as they go on)."""
    total = sum(n.beats for n in notes)
    done = 0
    for n in notes:
        n.x0, n.x1 = passes * done / total, passes * (done + n.beats) / total
        done += n.beats


@dataclass
class Played:
    """A performance: timed segments (air before the touch and after the lift), the
    music's beats, and each block's first and last beat (the touch is beat 0)."""

    segs: list[Seg]
    grid: Any
    lift_beat: int
    spans: dict[int, tuple[int, int]]


def play(
    score: JScore,
    rng: np.random.Generator,
    fault: str | None = None,
    timing: tuple[float, float, float] | None = None,
    composer: type[_Composer] | None = None,
) -> Played:
    """The score played by the master (or a learner with ``fault`` and ``timing``:
    mean, σ and correlation of the error on the beat, s), laid out by ``composer``
    (J's own by default)."""
    c = (composer or _Composer)(score, rng, fault)
    for i, b in enumerate(score.blocks):
        c.block(i, b)
    last = score.blocks[-1]
    c.hold(2, 0.0, FACE[last.technique], len(score.blocks) - 1)  # the release
    mean, sd, rho = timing or (rng.uniform(-0.02, 0.01), rng.uniform(0.012, 0.035), 0.6)
    at = c.grid[: c.beat + 1] + beat_errors(rng, c.beat + 1, mean, sd, rho, c.period)
    segs = []
    for n in c.notes:
        blk = score.blocks[n.seg.block] if n.seg.block >= 0 else None
        soft = (soft_at(blk, n.x0), soft_at(blk, n.x1)) if blk else (1.0, 1.0)
        t0, t1 = at[n.beat], at[n.beat + n.beats]
        segs.append(replace(n.seg, t0=t0, t1=t1, soft0=soft[0], soft1=soft[1]))
    first, end = segs[0], segs[-1]
    pre, post = rng.uniform(1.0, 3.0), rng.uniform(1.0, 2.5)
    air: dict[str, Any] = {"f0_n": 0.0, "f1_n": 0.0, "kind": "air", "block": -1}
    down: dict[str, Any] = {"t0": first.t0 - pre, "t1": first.t0, "u1": first.u0}
    down["u0"] = first.u0 + 0.03
    up: dict[str, Any] = {"t0": end.t1, "t1": end.t1 + post, "u0": end.u1, "u1": end.u1 + 0.04}
    segs.insert(0, replace(first, v1=first.v0, **down, **air))
    segs.append(replace(end, v0=end.v1, **up, **air))
    spans: dict[int, tuple[int, int]] = {}
    for n in c.notes:
        if n.seg.block >= 0:
            k0, k1 = spans.get(n.seg.block, (n.beat, n.beat))
            spans[n.seg.block] = (min(k0, n.beat), max(k1, n.beat + n.beats))
    return Played(segs, c.grid, c.beat, spans)


def _truth(score: JScore, played: Played, rig: Rig) -> JTruth:
    blocks, grid, segs = score.blocks, played.grid, played.segs

    def bpm(k0: int, k1: int) -> float:
        return float(60 * (k1 - k0) / (grid[k1] - grid[k0]))

    L = score.client.back_length_m
    return JTruth(
        techniques=[b.technique for b in blocks],
        forces_n=[b.force_n for b in blocks],
        passes=[b.passes for b in blocks],
        bpm=bpm(0, played.lift_beat),
        back_length_m=L,
        duration_s=float(segs[-1].t0 - segs[1].t0),
        given_back_length_m=None if rig.positions else round(L, 2),
        block_bpm=[bpm(*played.spans[i]) for i in range(len(blocks))],
    )


def _rig(score: JScore, labels: bool) -> Rig:
    return draw_rig(np.random.default_rng([score.seed, 0x4A, 2]), labels, score.names)


def j_demo(seed: int, labels: bool) -> JDemo:
    """Demonstration ``seed`` (with or without tool/block labels) and its truth."""
    score = make_score(seed)
    rig = _rig(score, labels)
    rng = np.random.default_rng([seed, 0x4A, 1])
    played = play(score, rng)
    cols = render(played.segs, score.client, rig, rng, [])
    return JDemo(cols, _truth(score, played, rig), score, played.segs)


def j_learner(seed: int, fault: str, labels: bool) -> dict[str, Any]:
    """The score of demonstration ``seed`` played by a learner with ``fault``."""
    if fault not in FAULTS:
        raise ValueError(f"fault {fault!r}: one of {FAULTS}")
    score = make_score(seed)
    rig = _rig(score, labels)
    rng = np.random.default_rng([seed, 0x4A, 3, FAULTS.index(fault)])
    timing = (rng.uniform(0.0, 0.03), rng.uniform(0.045, 0.08), 0.3)
    segs = play(score, rng, None if fault == "lifting_off" else fault, timing).segs
    lifts: list[tuple[float, float]] = []
    if fault == "lifting_off":
        work = [
            s
            for s in segs
            if s.kind == "move" and s.block >= 0 and s.f1_n > score.light_n and s.t1 - s.t0 > 2.0
        ]
        for s in (work[int(k)] for k in sorted(rng.choice(len(work), 3, replace=False))):
            mid = s.t0 + rng.uniform(0.3, 0.6) * (s.t1 - s.t0)
            lifts.append((mid, mid + rng.uniform(0.4, 1.0)))
    return render(segs, score.client, rig, rng, lifts, force_sway=0.05)
