"""Held-out demonstrations (generator B): written apart from generator A, never tuned on.

Differences from ``master_synth`` on purpose: random routines (50–80 BPM, 3–5 blocks,
forces, lanes, beats per stroke, sides, dwells drawn from ranges), minimum-jerk motion
that may hold a fraction of a beat at each turnaround, force wobble as a sum of slow
sinusoids, linear force ramps, a nonlinear force–depth law, positions on a curved back
(so the back length is in the log), other sample rates, other label vocabularies
(``hands``, ``THUMB``, ``elbow``; blocks ``Opening rest``, ``Effleurage``…, transitions
blank).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

TECHS = ("glide", "forearm", "thumb_strip")
TOOL_WORDS = {
    "palms": ("hands", "Palm", "flat hands"),
    "forearm": ("forearm", "elbow", "Forearm"),
    "thumb": ("THUMB", "thumbs", "thumb"),
}
BLOCK_WORDS = {
    "rest": ("Opening rest", "listen", "REST"),
    "glide": ("Effleurage", "palm glide", "long strokes"),
    "forearm": ("Forearm work", "forearm"),
    "thumb_strip": ("Thumb strip", "thumbs along the spine", "strip"),
}


@dataclass
class Truth:
    technique: str
    force_n: float
    passes: int = 1
    until: bool = False
    beats: int = 0
    lateral_m: float = 0.0
    side: str = "both"
    dwell_beats: int = 0


@dataclass
class HeldOut:
    columns: dict[str, Any]
    truth: list[Truth]
    bpm: float
    back_length_m: float
    duration_s: float
    knots: list[tuple[float, float]] = field(default_factory=list)


def _min_jerk(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return x**3 * (10 - 15 * x + 6 * x * x)


def draw_routine(rng: np.random.Generator, n_blocks: int) -> list[Truth]:
    seq: list[str] = []
    if rng.random() < 0.75:
        seq.append("rest")
    while len(seq) < n_blocks:
        options = [t for t in TECHS if not seq or seq[-1] != t]
        seq.append(str(rng.choice(options)))
    out = []
    for tech in seq:
        if tech == "rest":
            out.append(Truth("rest", float(rng.uniform(4.5, 8.0))))
        elif tech == "glide":
            until = bool(rng.random() < 0.6)
            out.append(Truth("glide", float(rng.uniform(9, 20)), int(rng.integers(2, 5)), until))
        elif tech == "forearm":
            side = str(rng.choice(["both", "both", "left", "right"]))
            out.append(
                Truth(
                    "forearm",
                    float(rng.uniform(15, 30)),
                    int(rng.integers(1, 4)),
                    lateral_m=float(rng.uniform(0.06, 0.10)),
                    side=side,
                )
            )
        else:
            out.append(
                Truth(
                    "thumb_strip",
                    float(rng.uniform(9, 18)),
                    int(rng.integers(1, 3)),
                    lateral_m=float(rng.uniform(0.026, 0.038)),
                    dwell_beats=int(rng.choice([0, 2, 3, 4])),
                )
            )
    return out


def generate(seed: int, *, labels: bool, n_blocks: int | None = None) -> HeldOut:
    """One held-out demonstration from ``seed``."""
    rng = np.random.default_rng(10_000 + seed)
    bpm = float(rng.uniform(50, 80))
    beat = 60.0 / bpm
    length = float(rng.uniform(0.46, 0.56))
    truth = draw_routine(rng, n_blocks or int(rng.integers(3, 6)))
    knots = [(float(rng.uniform(0.3, 0.8)), float(s * rng.uniform(0.027, 0.036))) for s in (1, -1)]
    hold_frac = float(rng.choice([0.0, 0.25]))
    light_n = float(rng.uniform(2.5, 5.0))
    # Moves: (kind, block, tool, u0, v0, u1, v1, beats, force, pass).
    moves: list[tuple[str, int, str, float, float, float, float, float, float, int]] = []
    here = (0.8, 0.0)

    def go(u1: float, v1: float, block: int) -> None:
        nonlocal here
        dist = math.hypot((u1 - here[0]) * length, v1 - here[1])
        if dist > 0.004:
            beats = max(2, math.ceil(dist / 0.045 / beat))
            moves.append(("light", block, "palms", *here, u1, v1, beats, light_n, -1))
        here = (u1, v1)

    for bi, tr in enumerate(truth):
        if tr.technique == "rest":
            u = float(rng.uniform(0.72, 0.85))
            go(u, 0.0, -1)
            beats = round(float(rng.uniform(12, 30)) / beat)
            moves.append(("hold", bi, "palms", u, 0.0, u, 0.0, beats, tr.force_n, 0))
            continue
        if tr.technique == "glide":
            lo, hi = float(rng.uniform(0.06, 0.12)), float(rng.uniform(0.86, 0.93))
            speed = float(rng.uniform(0.028, 0.055))
            tr.beats = max(4, round((hi - lo) * length / speed / beat))
            drop = float(rng.uniform(0.02, 0.04)) if tr.until else 0.0
            if tr.until:
                s = next(k for k in range(1, 40) if k * drop >= 0.06)
                tr.passes = s + 2
            go(hi, 0.0, -1)
            for p in range(tr.passes):
                moves.append(("stroke", bi, "palms", hi, 0.0, lo, 0.0, tr.beats, tr.force_n, p))
                moves.append(("stroke", bi, "palms", lo, 0.0, hi, 0.0, tr.beats, tr.force_n, p))
            tr.__dict__["drop"] = drop
            continue
        signs = {"both": (1.0, -1.0), "left": (1.0,), "right": (-1.0,)}[tr.side]
        if tr.technique == "forearm":
            lo, hi = float(rng.uniform(0.1, 0.16)), float(rng.uniform(0.46, 0.55))
            speed = float(rng.uniform(0.025, 0.05))
            tr.beats = max(3, round((hi - lo) * length / speed / beat))
            go(hi, signs[0] * tr.lateral_m, -1)
            for p in range(tr.passes):
                for sg in signs:
                    v = sg * tr.lateral_m
                    go(hi, v, bi)
                    moves.append(("stroke", bi, "forearm", hi, v, lo, v, tr.beats, tr.force_n, p))
                    moves.append(("stroke", bi, "forearm", lo, v, hi, v, tr.beats, tr.force_n, p))
                    here = (hi, v)
            continue
        lo, hi = float(rng.uniform(0.08, 0.12)), float(rng.uniform(0.85, 0.93))
        speed = float(rng.uniform(0.02, 0.04))
        tr.beats = max(4, round((hi - lo) * length / speed / beat))
        go(lo, signs[0] * tr.lateral_m, -1)
        for p in range(tr.passes):
            for sg in signs:
                v = sg * tr.lateral_m
                go(lo, v, bi)
                stops = [k[0] for k in knots if k[1] * sg > 0 and lo + 0.1 < k[0] < hi - 0.1]
                marks = [lo, *(stops if tr.dwell_beats else []), hi]
                for j in range(len(marks) - 1):
                    part = max(2, round(tr.beats * (marks[j + 1] - marks[j]) / (hi - lo)))
                    moves.append(
                        ("stroke", bi, "thumb", marks[j], v, marks[j + 1], v, part, tr.force_n, p)
                    )
                    if j < len(marks) - 2:
                        moves.append(
                            (
                                "hold",
                                bi,
                                "thumb",
                                marks[j + 1],
                                v,
                                marks[j + 1],
                                v,
                                tr.dwell_beats,
                                tr.force_n,
                                p,
                            )
                        )
                here = (hi, v)
    # Timeline on beats, human jitter.
    rate = float(rng.choice([50.0, 120.0]))
    n_beats = np.concatenate([[2.0], 2.0 + np.cumsum([m[7] for m in moves])])
    edges = n_beats * beat + rng.normal(0, 0.035, n_beats.size)
    end = edges[-1] + 2 * beat
    t = np.arange(0.0, end, 1.0 / rate)
    k = np.clip(np.searchsorted(edges, t, side="right") - 1, 0, len(moves) - 1)
    u = np.empty(t.size)
    v = np.empty(t.size)
    level = np.empty(t.size)
    for i, m in enumerate(moves):
        sel = k == i
        span = edges[i + 1] - edges[i]
        x = (t[sel] - edges[i]) / (span * (1.0 - hold_frac) if m[0] == "stroke" else span)
        s = _min_jerk(x) if m[0] != "hold" else np.zeros(x.size)
        u[sel] = m[3] + (m[5] - m[3]) * s
        v[sel] = m[4] + (m[6] - m[4]) * s
        level[sel] = m[8]
    # Linear ramps between levels over ramp_s; touch-down and lift-off ramps.
    ramp_n = max(2, int(float(rng.uniform(0.3, 0.7)) * rate))
    kern = np.ones(ramp_n) / ramp_n
    level = np.convolve(
        np.concatenate([np.full(ramp_n, level[0]), level, np.full(ramp_n, level[-1])]), kern, "same"
    )[ramp_n:-ramp_n]
    env = np.clip(t / (1.5 * beat), 0, 1) * np.clip((end - t) / (1.5 * beat), 0, 1)
    wob = sum(
        float(rng.uniform(0.01, 0.025))
        * np.sin(2 * np.pi * float(rng.uniform(0.05, 0.3)) * t + float(rng.uniform(0, 6.3)))
        for _ in range(3)
    )
    br_hz = float(rng.uniform(12, 18)) / 60.0
    breath = np.sin(2 * np.pi * br_hz * t)
    force = level * env * (1 + wob + 0.015 * breath) + rng.normal(0, 0.15, t.size)
    # Tissue: k0 field with knots; nonlinear depth d = d0 · ln(1 + F / F0); softening.
    k0 = float(rng.uniform(1500, 2600)) * (1 + 0.1 * np.sin(3.0 * u))
    for ku, kv in knots:
        r2 = ((u - ku) * length) ** 2 + (v - kv) ** 2
        k0 = k0 * (1 + 0.9 * np.exp(-r2 / (2 * 0.004**2)))
    for i, m in enumerate(moves):
        if m[1] >= 0 and m[9] > 0:
            k0[k == i] *= 1.0 - truth[m[1]].__dict__.get("drop", 0.0) * m[9]
    f0 = 8.0
    depth = (f0 / k0) * np.log1p(np.maximum(force, 0) / f0) + 0.0003 * breath
    depth = np.where(force > 0.3, depth + rng.normal(0, 1e-5, t.size), 0.0)
    # Positions on a curved back: x along the spine, z a bulge.
    s_m = u * length
    x = s_m
    y = v
    z = 0.02 * np.sin(np.pi * u) - 8.0 * (v**2) * 0.1
    cols: dict[str, Any] = {
        "t_s": t,
        "u": u + rng.normal(0, 0.0004, t.size),
        "v": v + rng.normal(0, 0.0004, t.size),
        "normal_force_n": force,
        "indentation_m": depth,
        "x_m": x,
        "y_m": y,
        "z_m": z,
        "operator_note": ["demo"] * t.size,
    }
    if labels:
        pick = {kk: str(rng.choice(vv)) for kk, vv in TOOL_WORDS.items()}
        bpick = {kk: str(rng.choice(vv)) for kk, vv in BLOCK_WORDS.items()}
        cols["tool"] = [pick[moves[i][2]] for i in k]
        cols["block"] = [bpick[truth[moves[i][1]].technique] if moves[i][1] >= 0 else "" for i in k]
    del cols["operator_note"]
    return HeldOut(cols, truth, bpm, length, float(t[-1]), knots)
