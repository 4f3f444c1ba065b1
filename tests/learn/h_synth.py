"""Generator H: a therapist's demonstration, written from the contracts alone.

Written before reading ``backstroke.learn``, the other generators or the benchmark:
from DESIGN §6.3 (the contact log), docs/logs.md, docs/learn.md (what a demonstration
is), docs/routines.md, the routine schema and the seed text. It calls nothing of
backstroke (no planner, no tissue model).

The therapist ("H") plays a score to music at 50–80 BPM whose tempo drifts slowly (up
to 1 % over the session): every movement starts and ends on a beat (human jitter of
2–5 % of a beat around a steady personal lag), strokes last whole beats (3, 4, 5, 6 or
8 where the stroke's length allows a sane speed, else 10, 12 or 16; constant within a
block, different down and up, or mixed stroke by stroke), the hand's speed is a skewed
bell (``τ^a (1 − τ)^b``, a and b drawn per stroke), turnarounds hold a beat now and then.
The force varies stroke by stroke, rises or sags along a stroke, follows the client's
breath and lags behind a new level (first order). Blocks (3–5): a rest on the upper
back, palm glides down to the waist and back, forearm strokes down and up one or both
sides, thumb strips up one or several lanes per side with light palm returns, and knot
work (thumb strips that dwell on knots for whole beats); light transitions between. A
block repeats either a fixed number of passes or until the tissue softens (the master
stops one pass after the first soft pass). The tissue is a stiffening spring with
bony ends, knots, softening and a breathing surface; the log is sampled at 125–500 Hz
with an uneven clock and dropped samples, with optional positions, optional tool and
block columns (labels of its own) and extra columns.

``h_demo(seed, labels)`` gives a demonstration and its truth; ``h_learner(seed, fault,
labels)`` the same routine played by a learner with one fault (``FAULT_ELEMENT``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.special import betainc

FAULTS = ("too_hard", "too_fast", "lifting_off")
FAULT_ELEMENT = {"too_hard": "pressure", "too_fast": "speed", "lifting_off": "continuity"}

_WORK_BEATS = (3, 4, 5, 6, 8)
_LONG_BEATS = (10, 12, 16)
# Surface speed (m/s) each technique's strokes are played at (lo, hi).
_SPEED = {"glide": (0.02, 0.07), "forearm": (0.015, 0.06), "thumb_strip": (0.012, 0.045)}
_TOOL_WORDS = {
    "palms": ("Palms", "heel of hand", "both hands", "Flat-Hand", "open_hand", "PALMAR"),
    "forearm": ("Forearm", "fore arm", "Lower-Arm", "elbow", "forearms"),
    "thumb": ("thumb", "Thumb Pad", "both_thumbs", "pollex", "thumb tip"),
}
_BLOCK_WORDS = {
    "rest": ("Opening hold", "Rest & breathe", "settle in", "Listen"),
    "glide": ("Effleurage", "long glides", "warm-up strokes", "Palm glide"),
    "forearm": ("forearm work", "deep strokes", "Forearm sweep"),
    "thumb_strip": ("thumb strips", "erector work", "paraspinal stripping"),
    "knots": ("knot work", "trigger points", "knots"),
}
_BETWEEN_WORDS = ("", "between", "change")
_TOOL_OF = {"rest": "palms", "glide": "palms", "forearm": "forearm", "thumb_strip": "thumb"}


@dataclass
class HBlock:
    technique: str
    force_n: float
    passes: int = 1
    until: bool = False
    soft_pass: int = -1  # the first soft pass of an until-softening block
    beats: tuple[int, int] = (4, 4)  # down (or strip) and up (or return) beats
    beat_mode: str = "const"  # const | updown | mixed
    u_min: float = 0.1
    u_max: float = 0.9
    u_rest: float = 0.8
    rest_beats: int = 16
    side: str = "both"
    lanes_m: tuple[float, ...] = (0.03,)
    side_blocked: bool = False
    dwell_beats: int = 0
    return_beats: int = 3
    hold_p: float = 0.1
    hump: float = 0.0
    label: str = ""


@dataclass
class HScore:
    bpm: float
    back_length_m: float
    blocks: list[HBlock]
    knots: list[tuple[float, float, float, float]]  # u, v (m), radius (m), ratio


@dataclass
class HTruth:
    techniques: list[str]
    forces_n: list[float]
    passes: list[int]
    bpm: float
    back_length_m: float
    duration_s: float
    given_back_length_m: float | None


@dataclass
class HDemo:
    columns: dict[str, Any]
    truth: HTruth
    score: HScore = field(repr=False)


def _feasible_beats(dist_m: float, period_s: float, lo: float, hi: float) -> list[int]:
    ok = [n for n in _WORK_BEATS if lo <= dist_m / (n * period_s) <= hi]
    if not ok:
        ok = [n for n in _LONG_BEATS if lo <= dist_m / (n * period_s) <= hi]
    if not ok:
        ok = [min(_WORK_BEATS + _LONG_BEATS, key=lambda n: abs(dist_m / (n * period_s) - lo))]
    return ok


def _sequence(rng: np.random.Generator) -> list[str]:
    n = int(rng.integers(3, 6))
    seq = ["rest" if rng.random() < 0.75 else "glide"]
    while len(seq) < n:
        last = len(seq) == n - 1
        if last and seq[-1] != "rest" and rng.random() < 0.25:
            seq.append("rest")
            continue
        if not last and len(seq) > 1 and seq[-1] != "rest" and rng.random() < 0.08:
            seq.append("rest")
            continue
        pool = [t for t in ("glide", "forearm", "thumb_strip") if t != seq[-1]]
        seq.append(str(rng.choice(pool)))
    return seq


def make_score(rng: np.random.Generator) -> HScore:
    bpm = float(rng.uniform(50.0, 80.0))
    period = 60.0 / bpm
    back = float(rng.uniform(0.46, 0.56))
    blocks: list[HBlock] = []
    knots: list[tuple[float, float, float, float]] = []
    prev_rest_u: float | None = None
    for tech in _sequence(rng):
        if tech == "rest":
            u_rest = float(rng.uniform(0.72, 0.88))
            rest_s = float(rng.uniform(10.0, 24.0))
            blocks.append(
                HBlock(
                    "rest",
                    float(rng.uniform(4.0, 8.0)),
                    u_rest=u_rest,
                    rest_beats=max(4, round(rest_s / period)),
                )
            )
            prev_rest_u = u_rest
            continue
        b = HBlock(tech, 0.0)
        if tech == "glide":
            b.force_n = float(rng.uniform(8.0, 22.0))
            b.u_max = float(rng.uniform(0.82, 0.93))
            if prev_rest_u is not None and rng.random() < 0.5:
                b.u_max = prev_rest_u
            b.u_min = float(rng.uniform(0.05, 0.2))
            until_p, fixed = 0.4, (2, 6)
        elif tech == "forearm":
            b.force_n = float(rng.uniform(14.0, 35.0))
            b.u_min = float(rng.uniform(0.08, 0.2))
            b.u_max = float(rng.uniform(max(0.45, b.u_min + 0.25), 0.62))
            b.side = str(rng.choice(["both", "both", "both", "left", "right"]))
            b.lanes_m = (float(rng.uniform(0.055, 0.1)),)
            b.side_blocked = b.side == "both" and rng.random() < 0.3
            until_p, fixed = 0.25, (1, 4)
        else:
            b.force_n = float(rng.uniform(7.0, 20.0))
            b.u_min = float(rng.uniform(0.08, 0.16))
            b.u_max = float(rng.uniform(0.55, 0.92))
            b.side = str(rng.choice(["both", "both", "both", "left", "right"]))
            if rng.random() < 0.5:
                b.lanes_m = (float(rng.uniform(0.025, 0.04)),)
            else:
                first, step = float(rng.uniform(0.022, 0.03)), float(rng.uniform(0.008, 0.014))
                n_lanes = int(rng.integers(2, 4))
                b.lanes_m = tuple(
                    x for x in (first + i * step for i in range(n_lanes)) if x <= 0.062
                )
            if rng.random() < 0.5:
                b.dwell_beats = int(rng.integers(2, 7))
                sides = ["left", "right"] if b.side == "both" else [b.side]
                for _ in range(int(rng.integers(1, 4))):
                    sgn = 1.0 if str(rng.choice(sides)) == "left" else -1.0
                    lane = float(rng.choice(b.lanes_m))
                    knots.append(
                        (
                            float(rng.uniform(b.u_min + 0.1, b.u_max - 0.1)),
                            sgn * (lane + float(rng.normal(0.0, 0.002))),
                            float(rng.uniform(0.005, 0.008)),
                            float(rng.uniform(1.7, 2.3)),
                        )
                    )
            many = len(b.lanes_m) > 1
            until_p, fixed = 0.3, (1, 3) if many else (1, 4)
        if rng.random() < until_p:
            b.until = True
            b.soft_pass = int(rng.integers(1, 4 if tech != "glide" else 5))
            b.passes = b.soft_pass + 2
        else:
            b.passes = int(rng.integers(fixed[0], fixed[1] + 1))
        dist = (b.u_max - b.u_min) * back
        lo, hi = _SPEED[tech]
        ok = _feasible_beats(dist, period, lo, hi)
        n1 = int(rng.choice(ok))
        n2 = int(rng.choice(ok))
        b.beat_mode = str(rng.choice(["const", "const", "updown", "mixed"]))
        if tech == "thumb_strip":
            # strips go up only: "updown" is one strip length; the return is a light
            # palm glide, quicker, at most 7 cm/s
            ret = [n for n in (2, 3, 4, 5, 6, 8) if dist / (n * period) <= 0.07]
            b.return_beats = ret[0] if ret else 8
            if b.beat_mode == "updown":
                b.beat_mode = "const"
        if b.beat_mode == "const":
            n2 = n1
        b.beats = (n1, n2)
        b.hold_p = float(rng.uniform(0.0, 0.3))
        b.hump = float(rng.uniform(-0.05, 0.06))
        blocks.append(b)
        prev_rest_u = None
    return HScore(bpm, back, blocks, knots)


@dataclass
class _Seg:
    t0: float
    t1: float
    u0: float
    u1: float
    v0: float
    v1: float
    force_n: float
    tool: str
    block: int  # index into the score's blocks, -1 between blocks
    moving: bool
    a: float = 2.0
    b: float = 2.0
    hump: float = 0.0
    soft0: float = 0.0
    soft1: float = 0.0


class _Player:
    """Movements on a drifting beat, with a human's timing."""

    def __init__(self, rng: np.random.Generator, bpm: float, t_start: float) -> None:
        self.rng = rng
        period = 60.0 / bpm
        drift = float(rng.uniform(-0.01, 0.01))
        n = 6000
        k = np.arange(n)
        per = period * (1.0 + np.clip(drift * k / 500.0, -0.01, 0.01))
        lag = float(rng.uniform(-0.04, 0.08))
        sigma = float(rng.uniform(0.02, 0.05))
        self.grid = t_start + np.concatenate([[0.0], np.cumsum(per)])[:n]
        self.jit = period * (lag + rng.normal(0.0, sigma, n))
        self.period = period
        self.k = 0
        self.segs: list[_Seg] = []
        self.u = 0.8
        self.v = 0.0
        self.soft = 0.0

    def time(self, k: int) -> float:
        return float(self.grid[k] + self.jit[k])

    def move(
        self,
        u1: float,
        v1: float,
        beats: int,
        force_n: float,
        tool: str,
        block: int,
        *,
        hump: float = 0.0,
        soft_to: float | None = None,
    ) -> None:
        beats = max(1, int(beats))
        s1 = self.soft if soft_to is None else soft_to
        self.segs.append(
            _Seg(
                self.time(self.k),
                self.time(self.k + beats),
                self.u,
                u1,
                self.v,
                v1,
                force_n,
                tool,
                block,
                True,
                float(self.rng.uniform(1.0, 2.6)),
                float(self.rng.uniform(1.0, 2.6)),
                hump,
                self.soft,
                s1,
            )
        )
        self.k += beats
        self.u, self.v, self.soft = u1, v1, s1

    def hold(self, beats: int, force_n: float, tool: str, block: int) -> None:
        if beats <= 0:
            return
        self.segs.append(
            _Seg(
                self.time(self.k),
                self.time(self.k + beats),
                self.u,
                self.u,
                self.v,
                self.v,
                force_n,
                tool,
                block,
                False,
                soft0=self.soft,
                soft1=self.soft,
            )
        )
        self.k += beats


def _stroke_beats(b: HBlock, rng: np.random.Generator, second: bool, fast: bool) -> int:
    n1, n2 = b.beats
    n = int(rng.choice([n1, n2])) if b.beat_mode == "mixed" else n2 if second else n1
    if fast:
        n = max(1, math.ceil(n / 2))
    return n


def _play_block(
    p: _Player, bi: int, b: HBlock, score: HScore, force_scale: float, fast: bool
) -> None:
    rng = p.rng
    tool = _TOOL_OF[b.technique]
    light = float(min(4.0, max(1.5, 0.35 * b.force_n)))
    if b.technique == "rest":
        p.hold(b.rest_beats, b.force_n * force_scale, tool, bi)
        return
    sigma = float(rng.uniform(0.03, 0.07))

    def work_force() -> float:
        return b.force_n * force_scale * float(np.exp(rng.normal(0.0, sigma)))

    def soft_after(pass_i: int) -> float:
        if b.until:
            return p.soft + (0.09 if pass_i == b.soft_pass else 0.0)
        return p.soft + 0.005

    def maybe_hold(force_n: float, t: str) -> None:
        if rng.random() < b.hold_p:
            p.hold(1, force_n, t, bi)

    if b.technique == "glide":
        for i in range(b.passes):
            target = soft_after(i)
            p.move(
                b.u_min,
                0.0,
                _stroke_beats(b, rng, False, fast),
                work_force(),
                tool,
                bi,
                hump=b.hump,
                soft_to=(p.soft + target) / 2,
            )
            maybe_hold(b.force_n * force_scale, tool)
            p.move(
                b.u_max,
                0.0,
                _stroke_beats(b, rng, True, fast),
                work_force(),
                tool,
                bi,
                hump=b.hump,
                soft_to=target,
            )
            if i < b.passes - 1:
                maybe_hold(b.force_n * force_scale, tool)
        return

    sides = ["left", "right"] if b.side == "both" else [b.side]
    sgn = {"left": 1.0, "right": -1.0}

    if b.technique == "forearm":
        lat = b.lanes_m[0]
        order: list[tuple[int, str]]
        if b.side_blocked:
            order = [(i, s) for s in sides for i in range(b.passes)]
        else:
            order = [(i, s) for i in range(b.passes) for s in sides]
        for j, (i, s) in enumerate(order):
            v = sgn[s] * lat
            if abs(p.v - v) > 0.01:
                p.move(b.u_max, v, int(rng.integers(2, 4)), light, tool, bi)
            target = soft_after(i) if s == sides[-1] or b.side_blocked else p.soft
            p.move(
                b.u_min, v, _stroke_beats(b, rng, False, fast), work_force(), tool, bi, hump=b.hump
            )
            maybe_hold(b.force_n * force_scale, tool)
            p.move(
                b.u_max,
                v,
                _stroke_beats(b, rng, True, fast),
                work_force(),
                tool,
                bi,
                hump=b.hump,
                soft_to=target,
            )
            if j < len(order) - 1:
                maybe_hold(b.force_n * force_scale, tool)
        return

    # thumb strips: up each lane, a light palm glide back down to the next lane's start
    dwell_from = 0 if rng.random() < 0.5 else 1
    lanes = [(s, lane) for s in sides for lane in b.lanes_m]
    for i in range(b.passes):
        target = soft_after(i)
        for j, (s, lane) in enumerate(lanes):
            v = sgn[s] * lane
            if abs(p.v - v) > 0.003 or abs(p.u - b.u_min) > 0.02:
                p.move(b.u_min, v, 2, light, "palms", bi)
            beats = _stroke_beats(b, rng, False, fast)
            f = work_force()
            stops = sorted(
                ku
                for ku, kv, _r, _q in score.knots
                if abs(kv - v) < 0.006 and b.u_min + 0.03 < ku < b.u_max - 0.03
            )
            last = j == len(lanes) - 1
            soft_to = target if last else p.soft
            if b.dwell_beats and i >= dwell_from and stops:
                u_from = b.u_min
                for ku in stops:
                    share = (ku - u_from) / (b.u_max - b.u_min)
                    p.move(ku, v, max(1, round(beats * share)), f, tool, bi, hump=b.hump)
                    p.hold(b.dwell_beats, f * float(rng.uniform(1.0, 1.1)), tool, bi)
                    u_from = ku
                share = (b.u_max - u_from) / (b.u_max - b.u_min)
                p.move(
                    b.u_max,
                    v,
                    max(1, round(beats * share)),
                    f,
                    tool,
                    bi,
                    hump=b.hump,
                    soft_to=soft_to,
                )
            else:
                p.move(b.u_max, v, beats, f, tool, bi, hump=b.hump, soft_to=soft_to)
            maybe_hold(f, tool)
            if last and i == b.passes - 1:
                break
            nxt_s, nxt_lane = lanes[(j + 1) % len(lanes)]
            p.move(b.u_min, sgn[nxt_s] * nxt_lane, b.return_beats, light, "palms", bi)


def _transition(p: _Player, to_u: float, to_v: float, force_n: float) -> None:
    dist = math.hypot((to_u - p.u) * 0.51, to_v - p.v)
    if dist < 0.01:
        p.hold(1, force_n, "palms", -1)
        return
    beats = max(2, math.ceil(dist / (0.05 * p.period)))
    p.move(to_u, to_v, beats, force_n, "palms", -1)
    if p.rng.random() < 0.5:
        p.hold(1, force_n, "palms", -1)


def _start_of(b: HBlock) -> tuple[float, float]:
    if b.technique == "rest":
        return b.u_rest, 0.0
    if b.technique == "glide":
        return b.u_max, 0.0
    side = "right" if b.side == "right" else "left"
    v = (1.0 if side == "left" else -1.0) * b.lanes_m[0]
    if b.technique == "forearm":
        return b.u_max, v
    return b.u_min, v


def play(
    score: HScore, rng: np.random.Generator, fault: str | None = None
) -> tuple[list[_Seg], float, float]:
    """The score played: segments, first touch and lift-off times (s)."""
    t_touch = float(rng.uniform(0.0, 300.0))
    p = _Player(rng, score.bpm, t_touch + 0.5)
    p.u, p.v = _start_of(score.blocks[0])
    scale = float(rng.uniform(1.35, 1.5)) if fault == "too_hard" else 1.0
    fast = fault == "too_fast"
    for bi, b in enumerate(score.blocks):
        if bi > 0:
            prev = score.blocks[bi - 1]
            u, v = _start_of(b)
            light = min(5.0, 0.4 * min(prev.force_n, b.force_n) * scale)
            if b.technique == "glide" and prev.technique == "rest" and abs(u - p.u) < 0.005:
                pass  # the glide starts from the resting hands
            else:
                _transition(p, u, v, max(1.5, float(rng.uniform(0.6, 1.0)) * light))
        _play_block(p, bi, b, score, scale, fast)
    return p.segs, t_touch, p.segs[-1].t1 + 0.5


def _lifts(segs: list[_Seg], rng: np.random.Generator, n: int) -> list[tuple[float, float]]:
    work = [s for s in segs if s.moving and s.block >= 0 and s.t1 - s.t0 > 2.0]
    picks = rng.choice(len(work), size=min(n, len(work)), replace=False)
    out = []
    for i in sorted(picks):
        s = work[int(i)]
        mid = s.t0 + float(rng.uniform(0.3, 0.7)) * (s.t1 - s.t0)
        out.append((mid, float(rng.uniform(0.4, 1.0))))
    return out


def _spine(arc_m: np.ndarray, back: float, phase: float, amp: float) -> tuple[Any, Any]:
    """x, z (m) of a curved spine whose arc length is ``arc_m``."""
    s = np.linspace(-0.05, back * 1.5, 2000)
    theta = amp * np.sin(2 * np.pi * s / back + phase)
    ds = np.diff(s, prepend=s[0])
    x = np.cumsum(np.cos(theta) * ds)
    z = np.cumsum(np.sin(theta) * ds)
    return np.interp(arc_m, s, x), np.interp(arc_m, s, z)


def render(
    score: HScore,
    segs: list[_Seg],
    t_touch: float,
    t_lift: float,
    rng: np.random.Generator,
    *,
    labels: bool,
    lifts: list[tuple[float, float]] | None = None,
) -> dict[str, Any]:
    """The contact log's columns (DESIGN §6.3) of a played score."""
    dt = 0.002
    t = np.arange(t_touch - 0.3, t_lift + 0.3, dt)
    t0s = np.array([s.t0 for s in segs])
    idx = np.clip(np.searchsorted(t0s, t, side="right") - 1, 0, len(segs) - 1)
    t0 = t0s[idx]
    t1 = np.array([s.t1 for s in segs])[idx]
    tau = np.clip((t - t0) / np.maximum(t1 - t0, 1e-6), 0.0, 1.0)
    moving = np.array([s.moving for s in segs])[idx]
    a = np.array([s.a for s in segs])[idx]
    b = np.array([s.b for s in segs])[idx]
    prog = np.where(moving, betainc(a + 1.0, b + 1.0, tau), 0.0)
    u0 = np.array([s.u0 for s in segs])[idx]
    u1 = np.array([s.u1 for s in segs])[idx]
    v0 = np.array([s.v0 for s in segs])[idx]
    v1 = np.array([s.v1 for s in segs])[idx]
    u = u0 + (u1 - u0) * prog
    v = v0 + (v1 - v0) * prog
    # a hand is never perfectly on its line: slow wander across and along
    w_f = rng.uniform(0.05, 0.2, 2)
    v = v + 0.0015 * np.sin(2 * np.pi * w_f[0] * t + rng.uniform(0, 6.3))
    u = u + 0.002 * np.sin(2 * np.pi * w_f[1] * t + rng.uniform(0, 6.3))
    hump = np.array([s.hump for s in segs])[idx]
    f_target = np.array([s.force_n for s in segs])[idx] * (
        1.0 + np.where(moving, hump * np.sin(np.pi * tau), 0.0)
    )
    # the hand's force lags behind a new level (first order)
    lag_s = float(rng.uniform(0.15, 0.4))
    alpha = dt / (lag_s + dt)
    force = np.empty_like(f_target)
    acc = f_target[0]
    for i, x in enumerate(f_target):
        acc += alpha * (x - acc)
        force[i] = acc
    breath_hz = float(rng.uniform(12.0, 18.0)) / 60.0
    phase = float(rng.uniform(0.0, 6.3))
    breath = np.sin(2 * np.pi * breath_hz * t + phase)
    force *= 1.0 + float(rng.uniform(0.02, 0.05)) * breath
    slow = np.cumsum(rng.normal(0.0, 1.0, t.size)) * math.sqrt(dt)
    slow = (slow - np.linspace(slow[0], slow[-1], t.size)) * 0.01
    force *= 1.0 + np.clip(slow, -0.04, 0.04)
    # touch-down and lift-off ramps; the learner's lifts
    env = np.clip((t - t_touch) / 0.4, 0.0, 1.0) * np.clip((t_lift - t) / 0.4, 0.0, 1.0)
    for mid, dur in lifts or []:
        gap = np.clip((np.abs(t - mid) - dur / 2) / 0.08, 0.0, 1.0)
        env = env * gap
    force *= env
    # tissue: a stiffening spring, stiffer over bone, knots, softening
    soft0 = np.array([s.soft0 for s in segs])[idx]
    soft1 = np.array([s.soft1 for s in segs])[idx]
    soft = soft0 + (soft1 - soft0) * tau
    k0 = float(rng.uniform(1500.0, 3000.0))
    tool = np.array([s.tool for s in segs])[idx]
    k_tool = np.select([tool == "thumb", tool == "forearm"], [0.55, 0.9], 1.0)
    spatial = (
        1.0 + 0.3 * np.exp(-(((u - 0.02) / 0.06) ** 2)) + 0.35 * np.exp(-(((u - 0.97) / 0.05) ** 2))
    )
    knot = np.ones_like(u)
    for ku, kv, kr, kq in score.knots:
        d2 = ((u - ku) * score.back_length_m) ** 2 + (v - kv) ** 2
        knot += (kq - 1.0) * np.exp(-d2 / (2 * kr * kr))
    k = k0 * k_tool * spatial * knot * (1.0 - np.clip(soft, 0.0, 0.5))
    d_c = 0.02
    depth = (-k + np.sqrt(k * k + 4.0 * (k / d_c) * np.maximum(force, 0.0))) / (2 * k / d_c)
    lifted_gap = 0.004 * (1.0 - env)
    amp = float(rng.uniform(0.001, 0.0025))
    indent = depth - lifted_gap + amp * breath
    # the recorder's clock: 125–500 Hz, uneven, dropped samples and bursts
    rate = float(rng.choice([125.0, 200.0, 250.0, 333.0, 400.0, 500.0]))
    n_out = int((t[-1] - t[0]) * rate)
    steps = (1.0 / rate) * (1.0 + rng.uniform(-0.15, 0.15, n_out))
    ts = t[0] + np.cumsum(steps)
    ts = ts[ts < t[-1]]
    keep = rng.random(ts.size) > float(rng.uniform(0.005, 0.03))
    for _ in range(int(rng.integers(2, 6))):
        c = float(rng.uniform(ts[0], ts[-1]))
        keep &= np.abs(ts - c) > float(rng.uniform(0.01, 0.075))
    ts = ts[keep]
    cols: dict[str, Any] = {
        "t_s": ts,
        "u": np.interp(ts, t, u) + rng.normal(0.0, 0.0005, ts.size),
        "v": np.interp(ts, t, v) + rng.normal(0.0, 0.0004, ts.size),
        "normal_force_n": np.interp(ts, t, force)
        + rng.normal(0.0, float(rng.uniform(0.05, 0.25)), ts.size),
        "indentation_m": np.interp(ts, t, indent) + rng.normal(0.0, 8e-5, ts.size),
    }
    if rng.random() < 0.5:
        arc = np.interp(ts, t, u) * score.back_length_m
        x, z = _spine(arc, score.back_length_m, float(rng.uniform(0, 6.3)), 0.12)
        vv = cols["v"]
        cols["x_m"] = x + rng.normal(0.0, 0.0003, ts.size)
        cols["y_m"] = vv + rng.normal(0.0, 0.0003, ts.size)
        cols["z_m"] = z - 0.8 * vv**2 - np.interp(ts, t, depth) + rng.normal(0, 3e-4, ts.size)
    if labels:
        words = {face: str(rng.choice(w)) for face, w in _TOOL_WORDS.items()}
        seg_i = np.clip(np.searchsorted(t0s, ts, side="right") - 1, 0, len(segs) - 1)
        cols["tool"] = [words[segs[i].tool] for i in seg_i]
        numeric = rng.random() < 0.3
        between = str(rng.choice(_BETWEEN_WORDS))
        names = []
        for j, blk in enumerate(score.blocks):
            key = "knots" if blk.dwell_beats else blk.technique
            word = str(rng.choice(_BLOCK_WORDS[key]))
            names.append(f"{j + 1} - {word}" if rng.random() < 0.5 else word)
        if numeric:
            cols["block"] = np.array([segs[i].block for i in seg_i], dtype=float)
        else:
            cols["block"] = [names[segs[i].block] if segs[i].block >= 0 else between for i in seg_i]
    cols["glove_temp_c"] = 31.0 + 0.001 * (ts - ts[0]) + rng.normal(0.0, 0.05, ts.size)
    cols["frame_no"] = np.arange(ts.size, dtype=float)
    cols["status"] = ["ok" if r > 0.01 else "warn" for r in rng.random(ts.size)]
    return cols


def _truth(score: HScore, t_touch: float, t_lift: float, given: bool) -> HTruth:
    return HTruth(
        techniques=[b.technique for b in score.blocks],
        forces_n=[b.force_n for b in score.blocks],
        passes=[b.passes for b in score.blocks],
        bpm=score.bpm,
        back_length_m=score.back_length_m,
        duration_s=t_lift - t_touch,
        given_back_length_m=score.back_length_m if given else None,
    )


def h_demo(seed: int, labels: bool) -> HDemo:
    """Demonstration ``seed`` (with or without tool/block labels) and its truth."""
    rng = np.random.default_rng([8, 1, seed])
    score = make_score(rng)
    segs, t_touch, t_lift = play(score, rng)
    cols = render(score, segs, t_touch, t_lift, rng, labels=labels)
    return HDemo(cols, _truth(score, t_touch, t_lift, "x_m" not in cols), score)


def h_learner(seed: int, fault: str, labels: bool) -> dict[str, Any]:
    """The routine of demonstration ``seed`` played by a learner with ``fault``."""
    if fault not in FAULTS:
        raise ValueError(f"fault {fault!r}: one of {FAULTS}")
    score = make_score(np.random.default_rng([8, 1, seed]))
    rng = np.random.default_rng([8, 2, seed, FAULTS.index(fault)])
    segs, t_touch, t_lift = play(score, rng, fault)
    lifts = _lifts(segs, rng, 3) if fault == "lifting_off" else None
    return render(score, segs, t_touch, t_lift, rng, labels=labels, lifts=lifts)


def to_csv(columns: dict[str, Any], path: str) -> None:
    """Write the columns as a CSV contact log."""
    names = list(columns)
    n = len(columns["t_s"])
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(",".join(names) + "\n")
        for i in range(n):
            row = []
            for name in names:
                x = columns[name][i]
                row.append(x if isinstance(x, str) else f"{float(x):.6g}")
            fh.write(",".join(row) + "\n")
