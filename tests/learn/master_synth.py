"""A master's demonstration, synthesised from block parameters (generator A).

Independent of backstroke's planner and tissue model on purpose: the learner is scored
against a routine it cannot see. A demonstration is a sequence of *moves* on the
surface chart, each lasting whole beats of the music (the master moves to the beat,
with a little human jitter), with a cosine-bell velocity profile; the force follows
the technique's level with slow human variation and the breath; the tissue indents by
``F / k`` with ``k`` from a stiffness field with knots that softens pass by pass when
the master works "until softening" (the master stops once two softer passes confirm
it).

Conventions (what a recorder attached to a master's hands would give): chart ``u``
(0 waist .. 1 C7) and ``v`` (m, + left), ``normal_force_n``, ``indentation_m``; with
labels also ``tool`` and ``block`` as free text.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

LIGHT_FORCE_N = 4.0


@dataclass(frozen=True)
class TrueBlock:
    """One block of the master's routine, as the master performs it."""

    technique: str  # rest, glide, forearm, thumb_strip
    force_n: float
    beats_per_stroke: int = 8
    passes: int = 3
    until_softening: bool = False
    drop_per_pass: float = 0.0  # stiffness drop per pass (tissue truth)
    side: str = "both"
    lateral_m: float = 0.0
    u_min: float = 0.08
    u_max: float = 0.92
    rest_beats: int = 16
    dwell_beats: int = 0  # thumb strips: hold this many beats on each knot


@dataclass(frozen=True)
class TrueKnot:
    u: float
    v: float
    diameter_m: float = 0.012
    ratio: float = 2.0


@dataclass
class Demo:
    """A synthesised demonstration and its truth."""

    columns: dict[str, Any]
    blocks: list[TrueBlock]
    bpm: float
    back_length_m: float
    passes: list[int]  # per block, what the master actually did (rest: 1)
    duration_s: float


@dataclass
class Style:
    """How this performer deviates from the routine (learner variants)."""

    force_scale: float = 1.0
    beat_scale: float = 1.0  # 0.5 = strokes in half the beats (twice as fast)
    lifts: int = 0  # times the hands leave the skin mid-stroke
    seed: int = 0
    jitter_s: float = 0.02
    force_cv: float = 0.04
    labels: bool = False
    knots: list[TrueKnot] = field(default_factory=list)


@dataclass(frozen=True)
class _Move:
    kind: str  # hold, stroke, light
    block: int  # -1 = transition / outside
    technique: str
    tool: str
    u0: float
    v0: float
    u1: float
    v1: float
    beats: float
    force_n: float
    pass_index: int = -1


def _softening_passes(drop: float, threshold: float = 0.05) -> int:
    """Passes a master who waits for softening makes: up to the confirming pass."""
    for s in range(1, 40):
        if s * drop >= threshold + 0.01:
            return s + 2
    return 8


def _moves(blocks: list[TrueBlock], style: Style) -> tuple[list[_Move], list[int]]:
    out: list[_Move] = []
    done: list[int] = []
    pos = _start(blocks[0])

    def light_to(target: tuple[float, float], block: int, technique: str) -> None:
        nonlocal pos
        du = (target[0] - pos[0]) * 0.51
        dv = target[1] - pos[1]
        dist = math.hypot(du, dv)
        if dist < 0.003:
            return
        beats = max(2, round(dist / 0.04))
        out.append(_Move("light", block, technique, "palms", *pos, *target, beats, LIGHT_FORCE_N))
        pos = target

    for bi, b in enumerate(blocks):
        light_to(_start(b), -1, "transition")
        bps = max(1.0, b.beats_per_stroke * style.beat_scale)
        f = b.force_n * (style.force_scale if b.technique != "rest" else 1.0)
        if b.technique == "rest":
            out.append(_Move("hold", bi, "rest", "palms", *pos, *pos, b.rest_beats, f, 0))
            done.append(1)
            continue
        n = _softening_passes(b.drop_per_pass) if b.until_softening else b.passes
        done.append(n)
        for p in range(n):
            if b.technique == "glide":
                out.append(_Move("stroke", bi, "glide", "palms", b.u_max, 0, b.u_min, 0, bps, f, p))
                out.append(_Move("stroke", bi, "glide", "palms", b.u_min, 0, b.u_max, 0, bps, f, p))
                pos = (b.u_max, 0.0)
                continue
            sides = {"both": (1.0, -1.0), "left": (1.0,), "right": (-1.0,)}[b.side]
            for si, sg in enumerate(sides):
                v = sg * b.lateral_m
                nxt = sides[(si + 1) % len(sides)] * b.lateral_m
                if b.technique == "forearm":
                    out.append(
                        _Move("stroke", bi, "forearm", "forearm", b.u_max, v, b.u_min, v, bps, f, p)
                    )
                    out.append(
                        _Move("stroke", bi, "forearm", "forearm", b.u_min, v, b.u_max, v, bps, f, p)
                    )
                    if nxt != v:
                        out.append(
                            _Move(
                                "light",
                                bi,
                                "forearm",
                                "palms",
                                b.u_max,
                                v,
                                b.u_max,
                                nxt,
                                2,
                                LIGHT_FORCE_N,
                                p,
                            )
                        )
                    pos = (b.u_max, nxt)
                else:
                    stops = sorted(k.u for k in style.knots if np.sign(k.v) == np.sign(v))
                    stops = [s for s in stops if b.u_min + 0.05 < s < b.u_max - 0.05]
                    marks = [b.u_min, *stops, b.u_max]
                    length = b.u_max - b.u_min
                    for j in range(len(marks) - 1):
                        part = max(1.0, round(bps * (marks[j + 1] - marks[j]) / length))
                        out.append(
                            _Move(
                                "stroke",
                                bi,
                                "thumb_strip",
                                "thumb",
                                marks[j],
                                v,
                                marks[j + 1],
                                v,
                                part,
                                f,
                                p,
                            )
                        )
                        if j < len(stops) and b.dwell_beats:
                            out.append(
                                _Move(
                                    "hold",
                                    bi,
                                    "thumb_strip",
                                    "thumb",
                                    marks[j + 1],
                                    v,
                                    marks[j + 1],
                                    v,
                                    b.dwell_beats,
                                    f,
                                    p,
                                )
                            )
                    ret = max(2, round((length * 0.51) / 0.05))
                    out.append(
                        _Move(
                            "light",
                            bi,
                            "thumb_strip",
                            "palms",
                            b.u_max,
                            v,
                            b.u_min,
                            nxt,
                            ret,
                            LIGHT_FORCE_N,
                            p,
                        )
                    )
                    pos = (b.u_min, nxt)
    return out, done


def _start(b: TrueBlock) -> tuple[float, float]:
    if b.technique == "rest":
        return (b.u_max if b.u_max < 0.92 else 0.78, 0.0)
    if b.technique == "glide":
        return (b.u_max, 0.0)
    sg = -1.0 if b.side == "right" else 1.0
    if b.technique == "forearm":
        return (b.u_max, sg * b.lateral_m)
    return (b.u_min, sg * b.lateral_m)


def _profile(tau: NDArray[np.float64]) -> NDArray[np.float64]:
    """Cosine-bell velocity: position 0→1 with zero speed at both ends."""
    x = np.clip(tau, 0.0, 1.0)
    return x - np.sin(2 * np.pi * x) / (2 * np.pi)


def _smooth_noise(rng: np.random.Generator, n: int, dt: float, tau_s: float) -> NDArray[np.float64]:
    a = math.exp(-dt / tau_s)
    e = rng.normal(0.0, math.sqrt(1 - a * a), n)
    out = np.empty(n)
    acc = rng.normal()
    for i in range(n):
        acc = a * acc + e[i]
        out[i] = acc
    return out


def synthesize(
    blocks: list[TrueBlock],
    *,
    bpm: float = 60.0,
    back_length_m: float = 0.51,
    style: Style | None = None,
    rate_hz: float = 100.0,
    base_stiffness_n_m: float = 2000.0,
    breathing_bpm: float = 14.0,
) -> Demo:
    """The master's contact log for ``blocks`` at ``bpm`` (see the module docstring)."""
    st = style or Style()
    rng = np.random.default_rng(st.seed)
    moves, done = _moves(blocks, st)
    period = 60.0 / bpm
    # Boundaries on beats, plus a lead of one beat of touch-down and one of release.
    beats = np.concatenate([[1.0], np.cumsum([m.beats for m in moves]) + 1.0])
    bounds = beats * period + rng.normal(0.0, st.jitter_s, beats.size)
    bounds[0] = period
    total = bounds[-1] + period
    t = np.arange(0.0, total, 1.0 / rate_hz)
    n = t.size
    idx = np.clip(np.searchsorted(bounds, t, side="right") - 1, 0, len(moves) - 1)
    u = np.empty(n)
    v = np.empty(n)
    force = np.empty(n)
    for i, m in enumerate(moves):
        sel = idx == i
        tau = (t[sel] - bounds[i]) / (bounds[i + 1] - bounds[i])
        s = _profile(tau) if m.kind != "hold" else np.zeros(tau.size)
        u[sel] = m.u0 + (m.u1 - m.u0) * s
        v[sel] = m.v0 + (m.v1 - m.v0) * s
        force[sel] = m.force_n
    # Force ramps (0.5 s) at every change of level, touch-down and release.
    kernel = int(0.5 * rate_hz)
    padded = np.concatenate([np.full(kernel, force[0]), force, np.full(kernel, force[-1])])
    force = np.convolve(
        padded, np.hanning(2 * kernel + 1) / np.hanning(2 * kernel + 1).sum(), "same"
    )[kernel:-kernel]
    ramp = np.clip((t - 0.2 * period) / (0.8 * period), 0.0, 1.0) * np.clip(
        (total - t - 0.2 * period) / (0.8 * period), 0.0, 1.0
    )
    breath = np.sin(2 * np.pi * breathing_bpm / 60.0 * t + rng.uniform(0, 2 * np.pi))
    human = _smooth_noise(rng, n, 1.0 / rate_hz, 1.2)
    force = force * ramp * (1.0 + st.force_cv * human + 0.02 * breath)
    # Lifts: the hands leave the skin for a moment in the middle of a stroke.
    strokes = [i for i, m in enumerate(moves) if m.kind == "stroke"]
    for i in (
        rng.choice(strokes, size=min(st.lifts, len(strokes)), replace=False) if st.lifts else []
    ):
        mid = 0.5 * (bounds[i] + bounds[i + 1])
        force[(t > mid) & (t < mid + rng.uniform(0.4, 0.9))] = 0.0
    force = force + rng.normal(0.0, 0.08, n)
    # Tissue: stiffness field × softening per pass of the block.
    k = base_stiffness_n_m * (1.0 + 0.12 * np.cos(2 * np.pi * (u - 0.5) * 1.1))
    for kn in st.knots:
        r2 = ((u - kn.u) * back_length_m) ** 2 + (v - kn.v) ** 2
        k = k * (1.0 + (kn.ratio - 1.0) * np.exp(-r2 / (2 * (kn.diameter_m / 4) ** 2)))
    for i, m in enumerate(moves):
        if m.block >= 0 and m.pass_index >= 0:
            drop = blocks[m.block].drop_per_pass
            k[idx == i] *= 1.0 - drop * m.pass_index
    depth = np.maximum(force, 0.0) / k + 0.0004 * breath + rng.normal(0.0, 8e-6, n)
    depth = np.where(force > 0.3, depth, 0.0)
    cols: dict[str, Any] = {
        "t_s": np.round(t, 4),
        "u": u + rng.normal(0.0, 0.0005, n),
        "v": v + rng.normal(0.0, 0.0005, n),
        "normal_force_n": force,
        "indentation_m": depth,
    }
    if st.labels:
        tool_name = {"palms": "palm", "forearm": "forearm", "thumb": "thumbs"}
        names = {"rest": "rest", "glide": "glide", "forearm": "forearm", "thumb_strip": "thumbs"}
        cols["tool"] = [tool_name[moves[i].tool] for i in idx]
        cols["block"] = [
            names[moves[i].technique] if moves[i].block >= 0 else "transition" for i in idx
        ]
    return Demo(cols, blocks, bpm, back_length_m, done, float(t[-1] - t[0]))


def spa_like(bpm: float = 60.0) -> list[TrueBlock]:
    """Rest, glides until softening, forearm, thumb strips with dwells."""
    return [
        TrueBlock("rest", 6.0, rest_beats=round(18 * bpm / 60)),
        TrueBlock("glide", 12.0, beats_per_stroke=10, until_softening=True, drop_per_pass=0.03),
        TrueBlock(
            "forearm", 20.0, beats_per_stroke=6, passes=2, lateral_m=0.075, u_min=0.12, u_max=0.5
        ),
        TrueBlock(
            "thumb_strip",
            11.0,
            beats_per_stroke=12,
            passes=2,
            lateral_m=0.03,
            u_min=0.1,
            u_max=0.9,
            dwell_beats=4,
        ),
    ]


def with_style(demo_blocks: list[TrueBlock], **kw: Any) -> list[TrueBlock]:
    return [replace(b, **kw) for b in demo_blocks]
