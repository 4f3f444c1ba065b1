"""Generator L: a recorded demonstration of a human master, and its truth.

Written blind to ``backstroke.learn`` and to generators B–K. The master performs
``l_score.draw_score(seed)``: on a back of plausible length lying at a plausible pose in
the robot frame, her hands keep to the beat only as well as a person does (±60–120 ms,
a late start or an early arrival, the odd stroke one beat long), their speed rises and
falls within a stroke (bell-like, plateau or skewed), she breathes with the client into
the force, the sensor is noisy and its offset drifts, the recorder samples at 100–500 Hz
and drops samples, and blocks are linked by light glides in contact. ``l_demo`` gives the
log's columns and the truth; ``l_learner`` a learner's take on the same routine with one
fault; ``l_to_csv`` writes a log as a recorder would.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from scipy.signal import lfilter

from tests.learn.l_client import Body, drops, stiffness
from tests.learn.l_score import TOOL_OF, LBlock, LScore, draw_score

__all__ = ["FAULT_ELEMENT", "LDemo", "LTruth", "l_demo", "l_learner", "l_to_csv"]

FAULT_ELEMENT = {"too_hard": "pressure", "too_fast": "speed", "lifting_off": "continuity"}
# tissue: indentation (m) at a reference force (N) per contact face, force ~ depth**1.5
DEPTH_AT_N = {"palms": (0.010, 20.0), "forearm": (0.011, 25.0), "thumb": (0.008, 15.0)}
FORCE_TAU_S = 0.35  # how quickly a hand settles on a new pressure


@dataclass
class _Move:
    k0: float  # beats from the first touch
    k1: float
    u0: float
    u1: float
    v0: float
    v1: float
    force_n: float
    kind: str  # stroke, hold, transition, across, return
    block: int
    pass_k: int = -1
    face: str = "palms"
    jitter: tuple[bool, bool] = (True, True)  # start / end on a beat (else continuous)
    t0: float = 0.0
    t1: float = 0.0
    shape: tuple[str, float] = ("bell", 1.0)


@dataclass
class LTruth:
    techniques: list[str]
    forces_n: list[float]
    passes: list[int]
    bpm: float
    back_length_m: float
    duration_s: float  # first touch to lift-off
    given_back_length_m: float | None  # to give when the log has no positions
    routine: dict[str, Any] = field(default_factory=dict)
    block_spans_s: list[tuple[float, float]] = field(default_factory=list)


@dataclass
class LDemo:
    columns: dict[str, Any]
    truth: LTruth
    score: LScore = field(repr=False)
    lifts_s: list[tuple[float, float]] = field(default_factory=list)


class _Composer:
    """The routine as moves on the beat grid (beats, chart positions, force, face)."""

    def __init__(self, score: LScore, rng: np.random.Generator) -> None:
        self.s, self.rng = score, rng
        self.moves: list[_Move] = []
        self.k = 0.0
        self.u, self.v = 0.0, 0.0
        self.left_first = bool(rng.random() < 0.5)
        self.return_face = "thumb" if rng.random() < 0.4 else "palms"

    def add(
        self, u1: float, v1: float, beats: float, force: float, kind: str, blk: int, **kw: Any
    ) -> None:
        self.moves.append(
            _Move(self.k, self.k + beats, self.u, u1, self.v, v1, force, kind, blk, **kw)
        )
        self.k += beats
        self.u, self.v = u1, v1

    def legs(self, b: LBlock) -> int:
        """A stroke's beats: the odd one is one beat longer."""
        return b.beats_per_stroke + int(self.rng.random() < 0.06)

    def force(self, b: LBlock) -> float:
        return b.force_n * (1.0 + 0.03 * float(self.rng.standard_normal()))

    def start_of(self, b: LBlock) -> tuple[float, float]:
        if b.technique == "rest":
            return b.rest_u, 0.0
        if b.technique == "glide":
            return b.u_max, 0.0
        if b.technique == "forearm":
            return b.u_max, self.sides(b)[0] * b.lateral_m
        return b.u_min, self.sides(b)[0] * b.lateral_m

    def sides(self, b: LBlock) -> list[int]:
        if b.side == "left":
            return [1]
        if b.side == "right":
            return [-1]
        return [1, -1] if self.left_first else [-1, 1]

    def compose(self) -> list[_Move]:
        tf = self.s.transition_force_n
        for i, b in enumerate(self.s.blocks):
            u1, v1 = self.start_of(b)
            if i == 0:
                self.u, self.v = u1, v1
            else:
                dist = float(np.hypot((u1 - self.u) * self.s.back_length_m, v1 - self.v))
                beats = int(np.clip(round(dist / 0.05 / self.s.beat_s), 2, 8))
                self.add(u1, v1, beats, tf, "transition", i, face="palms")
            getattr(self, b.technique)(i, b)
        return self.moves

    def rest(self, i: int, b: LBlock) -> None:
        self.add(self.u, self.v, b.rest_beats, self.force(b), "hold", i, pass_k=0)

    def glide(self, i: int, b: LBlock) -> None:
        for p in range(b.passes):
            sway = 0.004 * float(self.rng.standard_normal())
            self.add(b.u_min, sway, self.legs(b), self.force(b), "stroke", i, pass_k=p)
            self.add(b.u_max, 0.0, self.legs(b), self.force(b), "stroke", i, pass_k=p)

    def forearm(self, i: int, b: LBlock) -> None:
        sides, tf = self.sides(b), self.s.transition_force_n
        for p in range(b.passes):
            for j, sign in enumerate(sides):
                v = sign * (b.lateral_m + 0.004 * float(self.rng.standard_normal()))
                if j > 0:  # a light glide across the top to the other side
                    self.add(b.u_max, v, b.return_beats, tf, "across", i, face="palms")
                kw = {"pass_k": p, "face": "forearm"}
                self.add(b.u_min, v, self.legs(b), self.force(b), "stroke", i, **kw)
                self.add(b.u_max, v, self.legs(b), self.force(b), "stroke", i, **kw)
            if len(sides) > 1 and p < b.passes - 1:
                v0 = sides[0] * b.lateral_m
                self.add(b.u_max, v0, b.return_beats, tf, "across", i, face="palms")

    def thumb_strip(self, i: int, b: LBlock) -> None:
        sides = self.sides(b)
        for p in range(b.passes):
            for j, sign in enumerate(sides):
                v = sign * (b.lateral_m + 0.002 * float(self.rng.standard_normal()))
                if p > 0 or j > 0:  # the light way back down to the next strip's start
                    tf = self.s.transition_force_n
                    self.add(b.u_min, v, b.return_beats, tf, "return", i, face=self.return_face)
                self.strip(i, b, p, v)

    def strip(self, i: int, b: LBlock, p: int, v: float) -> None:
        """One strip up; on later passes of a dwelling block the thumb holds on knots."""
        beats, force = self.legs(b), self.force(b)
        stops = sorted(
            k.u
            for k in self.s.knots
            if b.dwell
            and p > 0
            and abs(k.v_m - v) < k.radius_m + 0.004
            and b.u_min + 0.03 < k.u < b.u_max - 0.03
        )
        u_from = b.u_min
        kw = {"pass_k": p, "face": "thumb"}
        for n, u_k in enumerate(stops):
            share = (u_k - u_from) / (b.u_max - b.u_min) * beats
            self.add(u_k, v, share, force, "stroke", i, jitter=(n == 0, False), **kw)
            self.add(u_k, v, b.dwell_beats, force, "hold", i, jitter=(False, False), **kw)
            u_from = u_k
        share = (b.u_max - u_from) / (b.u_max - b.u_min) * beats
        self.add(b.u_max, v, share, force, "stroke", i, jitter=(not stops, True), **kw)


def _shape(rng: np.random.Generator, habit: float) -> tuple[str, float]:
    r = rng.random()
    if r < habit:
        return ("bell", float(rng.uniform(0.75, 1.35)))  # skew: the peak early or late
    return ("plateau", float(rng.uniform(0.1, 0.3)))  # ramp fraction


def _progress(shape: tuple[str, float], tau: Any) -> Any:
    """Share of the way covered at ``tau`` in [0, 1] (bell: min-jerk, skewed; plateau:
    smooth ramps around a constant speed)."""
    kind, p = shape
    if kind == "bell":
        x = tau**p
        return x**3 * (10 - 15 * x + 6 * x**2)
    r = p
    v_max = 1.0 / (1.0 - r)
    up = np.clip(tau / r, 0, 1)
    down = np.clip((1 - tau) / r, 0, 1)
    ramp_area = r * v_max * (up**3 - up**4 / 2)  # integral of a smoothstep speed ramp
    mid = np.clip(tau - r, 0, 1 - 2 * r) * v_max
    end = r * v_max * (down**3 - down**4 / 2)
    return np.where(tau < r, ramp_area, np.where(tau > 1 - r, 1 - end, r * v_max / 2 + mid))


def _time(moves: list[_Move], beat_s: float, rng: np.random.Generator) -> list[_Move]:
    """Moves timed against the beat: jittered, a late start or an early arrival now and
    then, a still pause wherever the hand arrives before the next stroke starts."""
    sigma = float(rng.uniform(0.04, 0.07))
    habit = float(rng.uniform(0.3, 0.9))

    def jit() -> float:
        j = float(np.clip(rng.normal(0.0, sigma), -0.12, 0.12))
        r = rng.random()
        return (
            j
            + float(rng.uniform(0.1, 0.2)) * (r < 0.06)
            - float(rng.uniform(0.1, 0.2)) * (r > 0.94)
        )

    out: list[_Move] = []
    for m in moves:
        t0 = m.k0 * beat_s + (jit() if m.jitter[0] else 0.0)
        t1 = m.k1 * beat_s + (jit() if m.jitter[1] else 0.0)
        if out:
            last = out[-1]
            if t0 > last.t1 + 1e-3:  # arrived early: hold still until the stroke starts
                out.append(replace(last, u0=last.u1, v0=last.v1, kind="hold", t0=last.t1, t1=t0))
            t0 = out[-1].t1
        t1 = max(t1, t0 + 0.3)
        out.append(replace(m, t0=t0, t1=t1, shape=_shape(rng, habit)))
    return out


def _sample(
    score: LScore,
    moves: list[_Move],
    rng: np.random.Generator,
    labels: bool,
    lifts: list[tuple[float, float]],
) -> dict[str, Any]:
    rate = float(rng.choice([100.0, 120.0, 200.0, 250.0, 400.0, 500.0]))
    pre, post = float(rng.uniform(0.3, 1.2)), float(rng.uniform(0.3, 1.2))
    t_touch = pre + float(rng.uniform(0.0, 2.0))  # the recorder starts before the touch
    t = np.arange(-pre, moves[-1].t1 + post, 1.0 / rate)
    t0s = np.array([m.t0 for m in moves])
    idx = np.clip(np.searchsorted(t0s, t, side="right") - 1, 0, len(moves) - 1)
    u, v, f_tgt = np.empty_like(t), np.empty_like(t), np.empty_like(t)
    soft = np.zeros_like(t)
    for j, m in enumerate(moves):
        sel = idx == j
        tau = np.clip((t[sel] - m.t0) / (m.t1 - m.t0), 0.0, 1.0)
        s = _progress(m.shape, tau) if m.kind != "hold" else np.zeros_like(tau)
        u[sel] = m.u0 + (m.u1 - m.u0) * s
        v[sel] = m.v0 + (m.v1 - m.v0) * s
        f_tgt[sel] = m.force_n
        if m.pass_k >= 0:
            soft[sel] = drops(score.blocks[m.block])[m.pass_k]
    contact = (t >= 0.0) & (t <= moves[-1].t1)
    for a, b in lifts:
        contact &= ~((t >= a) & (t <= b))
    alpha = 1.0 - np.exp(-1.0 / rate / FORCE_TAU_S)
    f_s = lfilter([alpha], [1.0, alpha - 1.0], f_tgt, zi=[f_tgt[0] * (1 - alpha)])[0]
    m_s = lfilter(
        [1 - np.exp(-1 / rate / 0.03)], [1.0, -np.exp(-1 / rate / 0.03)], contact.astype(float)
    )
    breath_hz = float(rng.uniform(12.0, 18.0)) / 60.0
    phase = 2 * np.pi * np.cumsum(breath_hz * (1 + 0.05 * np.sin(t / 40.0))) / rate
    amp = float(rng.uniform(0.03, 0.07)) * np.where(f_tgt < 9.0, 1.4, 1.0)
    pole = np.exp(-1.0 / rate / 2.0)  # a pressure that wanders over seconds
    wander = lfilter([1.0 - pole], [1.0, -pole], rng.standard_normal(t.size))
    wander /= max(float(np.std(wander)), 1e-9)
    f_true = np.maximum(f_s * (1 + amp * np.sin(phase) + 0.03 * np.tanh(wander)), 0.2) * m_s
    # the sensor: tared before the session, its offset drifting by up to 0.1 N
    offset = float(rng.uniform(-0.05, 0.05)) + float(rng.uniform(-0.07, 0.07)) * t / t[-1]
    force = f_true + offset + rng.normal(0.0, float(rng.uniform(0.03, 0.1)), t.size)
    d_ref = np.array([DEPTH_AT_N[m.face][0] for m in moves])[idx]
    f_ref = np.array([DEPTH_AT_N[m.face][1] for m in moves])[idx]
    # the drop is in the secant at equal force (depth ~ force**(2/3): the law takes it
    # to the power 1.5)
    k = stiffness(score, u, v) * (1.0 - soft) ** 1.5 * float(rng.uniform(0.8, 1.25))
    depth = d_ref * (f_true / (f_ref * k)) ** (1 / 1.5)
    depth = np.maximum(depth + rng.normal(0.0, 1e-4, t.size), 0.0) * (m_s > 0.02)
    keep = np.ones(t.size, bool)  # the recorder drops samples, alone and in bursts
    keep[rng.random(t.size) < 0.01] = False
    for _ in range(int(rng.integers(0, 4))):
        a = int(rng.integers(0, t.size))
        keep[a : a + int(rate * rng.uniform(0.05, 0.3))] = False
    keep[[0, -1]] = True
    keep[np.searchsorted(t, 0.0)] = True
    t_s = t + t_touch + rng.uniform(-0.1, 0.1, t.size) / rate
    cols: dict[str, Any] = {
        "t_s": t_s,
        "u": u,
        "v": v,
        "normal_force_n": force,
        "indentation_m": depth,
    }
    if score.positions:
        air = np.where(contact, 0.0, 0.02 * (1.0 - m_s))
        body = Body(score.back_length_m, rng)
        xyz = body.points(u, v, air - depth)
        cols |= {"x_m": xyz[:, 0], "y_m": xyz[:, 1], "z_m": xyz[:, 2]}
    cols = {c: a[keep] for c, a in cols.items()}
    if labels:
        palm = score.extra["palm_label"]
        name = [b.block_name for b in score.blocks]
        tname = [b.tool_name for b in score.blocks]
        per_move = [
            (
                score.transition_label or name[m.block]
                if m.kind == "transition"
                else name[m.block],
                palm if m.face == "palms" else tname[m.block],
            )
            for m in moves
        ]
        on = contact[keep] | (m_s[keep] > 0.02)
        pairs = [per_move[j] if o else ("", "") for j, o in zip(idx[keep], on, strict=True)]
        cols |= {"block": [p[0] for p in pairs], "tool": [p[1] for p in pairs]}
    cols["sample"] = np.flatnonzero(keep)
    cols["_t_touch"] = t_touch
    return cols


def _perform(score: LScore, seed: int, labels: bool, lift_count: int = 0) -> LDemo:
    rng = np.random.default_rng([seed, 0x4C, 1])
    moves = _time(_Composer(score, rng).compose(), score.beat_s, rng)
    lifts: list[tuple[float, float]] = []
    strokes = [m for m in moves if m.kind == "stroke" and m.t1 - m.t0 > 3.0]
    for j in sorted(rng.choice(len(strokes), size=min(lift_count, len(strokes)), replace=False)):
        m = strokes[int(j)]
        a = float(rng.uniform(m.t0 + 0.5, m.t1 - 2.0))
        lifts.append((a, a + float(rng.uniform(0.5, 1.2))))
    cols = _sample(score, moves, rng, labels, lifts)
    t_touch = cols.pop("_t_touch")
    spans = []
    for i in range(len(score.blocks)):
        own = [m for m in moves if m.block == i and m.kind != "transition"]
        spans.append((own[0].t0 + t_touch, own[-1].t1 + t_touch))
    truth = LTruth(
        techniques=[b.technique for b in score.blocks],
        forces_n=[b.force_n for b in score.blocks],
        passes=[b.passes for b in score.blocks],
        bpm=score.bpm,
        back_length_m=score.back_length_m,
        duration_s=moves[-1].t1,
        given_back_length_m=None if score.positions else score.back_length_m,
        routine=score.routine_dict(),
        block_spans_s=spans,
    )
    return LDemo(cols, truth, score, [(a + t_touch, b + t_touch) for a, b in lifts])


def l_demo(seed: int, labels: bool) -> LDemo:
    """Seed ``seed``'s master demonstration, with or without ``block``/``tool`` labels."""
    return _perform(draw_score(seed), seed, labels)


def learner_demo(seed: int, fault: str, labels: bool) -> LDemo:
    """A learner performing the master's routine of ``seed`` with one fault (her own
    hands: another performance of the same score)."""
    score = draw_score(seed)
    if fault not in FAULT_ELEMENT:
        raise ValueError(f"unknown fault {fault!r} (allowed: {sorted(FAULT_ELEMENT)})")
    if fault == "too_hard":
        for b in score.blocks:
            b.force_n = min(
                b.force_n * 1.4,
                {"palms": 38.0, "forearm": 44.0, "thumb": 29.0}[TOOL_OF[b.technique]],
            )
    if fault == "too_fast":
        for b in score.blocks:
            if b.beats_per_stroke:
                b.beats_per_stroke = max(2, round(b.beats_per_stroke / 2))
    return _perform(score, seed + 10_000, labels, 3 if fault == "lifting_off" else 0)


def l_learner(seed: int, fault: str, labels: bool) -> dict[str, Any]:
    """The learner variant's log columns (``too_hard``, ``too_fast``, ``lifting_off``)."""
    return learner_demo(seed, fault, labels).columns


def l_to_csv(columns: dict[str, Any], path: str) -> None:
    """The log as a CSV a recorder writes (numbers in full, labels as text)."""
    names = list(columns)
    fmt = {c: "{:.5f}" if c == "t_s" else "{:.7g}" for c in names}
    rows = [",".join(names)]
    data = [columns[c] for c in names]
    for r in range(len(data[0])):
        cells = []
        for c, col in zip(names, data, strict=True):
            x = col[r]
            cells.append(x if isinstance(x, str) else fmt[c].format(x))
        rows.append(",".join(cells))
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(rows) + "\n")
