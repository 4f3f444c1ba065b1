"""Demonstrations from generator F: written last, its first run blind (never tuned on).

Independent of backstroke's planner and of generators A–E (nothing imported from them
or from ``backstroke``). Its own choices:

- cycloidal strokes (velocity ``1 − cos``: the speed is a raised cosine, zero at both
  ends), every stroke lasting whole beats on a beat grid with 25 ms jitter, and a
  half-beat or one-beat hold at about a fifth of the turnarounds;
- the palms' path wanders sideways (± 4 mm, one slow wave per stroke);
- force per stroke as a hump (8 % more at mid-stroke than at its ends, mean = the
  block's force), a slow drift over the session (± 6 %), AR(1) noise and white noise,
  and a first-order lag (τ 0.3–0.5 s) towards every new level;
- transitions as light palm moves (1.8–4.5 N) at 4–6 cm/s that bow out over the
  midline; thumb returns go down the midline, then out to the next lane;
- a rest at the start (65 %) or not, and sometimes one between two work blocks;
- tissue: Hertz-like depth ``d ∝ F^(2/3)`` with stiffness rising towards the shoulders
  and breathing (12–18 /min) in the depth; softening per pass when the master repeats
  "until it softens";
- 50, 120 or 250 Hz with a few dropped samples; the clock in seconds since some start;
- positions on a curved back (``x_m, y_m, z_m``, skin arc length = the back length) in
  60 % of the logs; extra columns another recorder writes (``pressure_kpa``,
  ``sensor_temp_c``, ``frame``);
- labels (when asked) as yet another recorder writes them: tools ``palm`` / ``hand`` /
  ``thumbs`` / ``forearm`` / ``elbow``; blocks ``A hold``, ``B effleurage``,
  ``C forearm``, ``D thumbs``… with transitions ``move`` or empty;
- a learner's variants of the same routine (``variant``): ``too_hard`` (every block
  40 % harder), ``too_fast`` (strokes in half the beats), ``lifting_off`` (the hands
  leave the skin for 0.4–0.8 s three times, mid-stroke), with noise of their own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

TOOL_WORDS = {"palms": ("palm", "hand"), "forearm": ("forearm", "elbow"), "thumb": ("thumbs",)}
BLOCK_WORDS = {
    "rest": ("hold", "rest", "listening"),
    "glide": ("effleurage", "glide", "long strokes"),
    "forearm": ("forearm", "forearm work"),
    "thumb_strip": ("thumbs", "thumb strip"),
}


@dataclass
class FBlock:
    technique: str
    force_n: float
    passes: int
    until: bool = False


@dataclass
class FDemo:
    columns: dict[str, Any]
    blocks: list[FBlock]
    bpm: float
    back_length_m: float
    duration_s: float


@dataclass
class _Move:
    u0: float
    v0: float
    u1: float
    v1: float
    beats: float
    force_n: float
    tool: str
    block: int  # -1 = transition
    pass_index: int
    bow_m: float = 0.0  # sideways bow of a transition
    hump: bool = False  # force hump along a stroke
    drop: float = 0.0  # softening of the tissue at this pass (fraction)


def _cycloid(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return x - np.sin(2 * np.pi * x) / (2 * np.pi)


VARIANTS = ("too_hard", "too_fast", "lifting_off")


def f_demo(seed: int, *, labels: bool, variant: str | None = None) -> FDemo:
    """One demonstration of generator F from ``seed`` (a learner's ``variant`` of it)."""
    if variant is not None and variant not in VARIANTS:
        raise ValueError(f"variant {variant!r} not in {VARIANTS}")
    g = np.random.default_rng(4_040_000 + 17 * seed)
    bpm = float(g.uniform(50, 80))
    beat = 60.0 / bpm
    back = float(g.uniform(0.45, 0.58))
    n_blocks = int(g.integers(3, 6))
    kinds: list[str] = ["rest"] if g.random() < 0.65 else []
    while len(kinds) < n_blocks:
        if len(kinds) >= 2 and kinds[-1] != "rest" and g.random() < 0.12:
            kinds.append("rest")
            continue
        pool = [k for k in ("glide", "forearm", "thumb_strip") if not kinds or k != kinds[-1]]
        kinds.append(str(g.choice(pool)))
    light = float(g.uniform(1.8, 4.5))
    moves: list[_Move] = []
    pos = [float(g.uniform(0.75, 0.85)), 0.0]

    def go(u1: float, v1: float, beats: float, f: float, tool: str, b: int, p: int, **kw: Any):
        moves.append(_Move(pos[0], pos[1], u1, v1, beats, f, tool, b, p, **kw))
        pos[0], pos[1] = u1, v1

    def light_to(u1: float, v1: float) -> None:
        dist = math.hypot((u1 - pos[0]) * back, v1 - pos[1])
        if dist < 0.005:
            return
        beats = max(2, round(dist / float(g.uniform(0.04, 0.06)) / beat))
        go(u1, v1, beats, light, "palms", -1, -1, bow_m=float(g.uniform(-0.02, 0.02)))

    def turn(f: float, tool: str, b: int, p: int, drop: float = 0.0) -> None:
        r = g.random()
        if r < 0.1:
            go(pos[0], pos[1], 1, f, tool, b, p, drop=drop)
        elif r < 0.2:
            go(pos[0], pos[1], 0.5, f, tool, b, p, drop=drop)

    truth: list[FBlock] = []
    for bi, kind in enumerate(kinds):
        if kind == "rest":
            u = float(g.uniform(0.72, 0.86))
            light_to(u, 0.0)
            f = float(g.uniform(3.5, 8.0))
            go(u, 0.0, round(float(g.uniform(9.0, 25.0)) / beat), f, "palms", bi, 0)
            truth.append(FBlock("rest", f, 1))
            continue
        if kind == "glide":
            f = float(g.uniform(8.0, 22.0))
            lo, hi = float(g.uniform(0.06, 0.14)), float(g.uniform(0.83, 0.93))
            b = max(4, round((hi - lo) * back / float(g.uniform(0.025, 0.065)) / beat))
            until = g.random() < 0.45
            per = float(g.uniform(0.02, 0.045))
            n = (math.ceil(0.055 / per) + int(g.integers(1, 3))) if until else int(g.integers(1, 6))
            light_to(hi, 0.0)
            for p in range(n):
                drop = per * p if until else 0.0
                go(lo, 0.0, b, f, "palms", bi, p, hump=True, drop=drop)
                turn(f, "palms", bi, p, drop)
                go(hi, 0.0, b, f, "palms", bi, p, hump=True, drop=drop)
                turn(f, "palms", bi, p, drop)
            truth.append(FBlock("glide", f, n, until))
            continue
        side = str(g.choice(["both", "both", "left", "right"]))
        signs = {"both": (1.0, -1.0), "left": (1.0,), "right": (-1.0,)}[side]
        if kind == "forearm":
            f = float(g.uniform(14.0, 32.0))
            lat = float(g.uniform(0.06, 0.10))
            lo, hi = float(g.uniform(0.11, 0.18)), float(g.uniform(0.46, 0.56))
            b = max(3, round((hi - lo) * back / float(g.uniform(0.025, 0.05)) / beat))
            n = int(g.integers(1, 4))
            for p in range(n):
                for sg in signs:
                    light_to(hi, sg * lat)
                    go(lo, sg * lat, b, f, "forearm", bi, p, hump=True)
                    turn(f, "forearm", bi, p)
                    go(hi, sg * lat, b, f, "forearm", bi, p, hump=True)
            truth.append(FBlock("forearm", f, n))
            continue
        f = float(g.uniform(7.0, 18.0))
        lat = float(g.uniform(0.026, 0.038))
        lo, hi = float(g.uniform(0.08, 0.14)), float(g.uniform(0.84, 0.93))
        b = max(5, round((hi - lo) * back / float(g.uniform(0.02, 0.045)) / beat))
        n = int(g.integers(1, 4))
        for p in range(n):
            for sg in signs:
                if abs(pos[1]) > 0.01 and pos[0] > 0.5:  # down the midline, then out
                    light_to(lo + 0.05, 0.0)
                light_to(lo, sg * lat)
                go(hi, sg * lat, b, f, "thumb", bi, p, hump=True)
        truth.append(FBlock("thumb_strip", f, n))
    noise = 1 + (VARIANTS.index(variant) + 1 if variant else 0)
    gr = np.random.default_rng(7_070_000 + 31 * seed + 1_000_003 * noise)
    if variant == "too_hard":
        for m in moves:
            m.force_n *= 1.4 if m.block >= 0 else 1.0
    if variant == "too_fast":
        for m in moves:
            if m.block >= 0 and (m.u0, m.v0) != (m.u1, m.v1):
                m.beats = max(1.0, m.beats / 2.0)
    lifts = variant == "lifting_off"
    return _render(gr, moves, truth, kinds, bpm, back, lifts, labels)


def _render(
    g: np.random.Generator,
    moves: list[_Move],
    truth: list[FBlock],
    kinds: list[str],
    bpm: float,
    back: float,
    lifts: bool,
    labels: bool,
) -> FDemo:
    beat = 60.0 / bpm
    lead = float(g.uniform(0.4, 1.2))
    grid = np.concatenate([[0.0], np.cumsum([m.beats for m in moves])])
    edges = lead + beat + grid * beat + g.normal(0.0, 0.025, grid.size)
    edges[0] = lead + beat
    edges = np.maximum.accumulate(edges + np.arange(edges.size) * 1e-6)
    end = edges[-1] + beat + lead
    rate = float(g.choice([50.0, 120.0, 250.0]))
    t = np.arange(0.0, end, 1.0 / rate)
    keep = g.random(t.size) > 0.01  # a few dropped samples
    t = t[keep]
    i = np.clip(np.searchsorted(edges, t, side="right") - 1, 0, len(moves) - 1)
    x = np.clip((t - edges[i]) / np.maximum(edges[i + 1] - edges[i], 1e-9), 0.0, 1.0)
    s = _cycloid(x)
    u0 = np.array([m.u0 for m in moves])[i]
    v0 = np.array([m.v0 for m in moves])[i]
    u1 = np.array([m.u1 for m in moves])[i]
    v1 = np.array([m.v1 for m in moves])[i]
    u = u0 + (u1 - u0) * s
    v = v0 + (v1 - v0) * s
    bow = np.array([m.bow_m for m in moves])[i]
    v = v + bow * np.sin(np.pi * s)
    palms_work = np.array([m.tool == "palms" and m.block >= 0 for m in moves])[i]
    wander = 0.004 * np.sin(2 * np.pi * s + 1.3)
    v = v + np.where(palms_work & (u0 != u1), wander, 0.0)
    level = np.array([m.force_n for m in moves])[i]
    hump = np.array([m.hump for m in moves])[i]
    level = level * np.where(hump, 1.0 + 0.08 * (np.sin(np.pi * s) - 2.0 / np.pi), 1.0)
    # First-order lag towards each level, then drift, AR(1) and white noise.
    tau = float(g.uniform(0.3, 0.5))
    lag = np.empty(t.size)
    acc = 0.0
    prev_t = t[0]
    for k in range(t.size):
        a = math.exp(-(t[k] - prev_t) / tau)
        acc = a * acc + (1.0 - a) * level[k]
        lag[k] = acc
        prev_t = t[k]
    env = np.clip((t - lead) / beat, 0.0, 1.0) * np.clip((end - lead - t) / beat, 0.0, 1.0)
    drift = 1.0 + float(g.uniform(-0.06, 0.06)) * np.sin(np.pi * t / end)
    ar = np.zeros(t.size)
    e = g.normal(0.0, 1.0, t.size)
    for k in range(1, t.size):
        ar[k] = 0.995 * ar[k - 1] + 0.1 * e[k]
    force = lag * env * drift * (1.0 + 0.02 * ar) + g.normal(0.0, 0.25, t.size) * (env > 0)
    force = np.maximum(force, 0.0)
    if lifts:
        work = [j for j, m in enumerate(moves) if m.block >= 0 and m.tool != "palms"]
        work = work or [j for j, m in enumerate(moves) if m.block >= 0 and m.u0 != m.u1]
        for j in g.choice(work, size=3, replace=len(work) < 3):
            mid = 0.5 * (edges[j] + edges[j + 1]) + float(g.uniform(-0.3, 0.3))
            half = 0.5 * float(g.uniform(0.4, 0.8))
            force[(t > mid - half) & (t < mid + half)] = 0.0
    # Tissue: Hertz-like depth, stiffer towards the shoulders, breathing, softening.
    drop = np.array([m.drop for m in moves])[i]
    k_mod = float(g.uniform(0.8, 1.3)) * (1.0 + 0.35 * u) * (1.0 - drop)
    breath_hz = float(g.uniform(12, 18)) / 60.0
    breath = 0.0004 * np.sin(2 * np.pi * breath_hz * t + float(g.uniform(0, 6)))
    depth = 0.0035 * (force / 10.0) ** (2.0 / 3.0) / k_mod**0.8
    depth = np.where(force > 0.3, depth + breath + g.normal(0.0, 1.5e-5, t.size), 0.0)
    clock = float(g.uniform(0.0, 5000.0))
    cols: dict[str, Any] = {
        "t_s": t + clock,
        "u": u + g.normal(0.0, 0.0006 / back, t.size),
        "v": v + g.normal(0.0, 0.0006, t.size),
        "normal_force_n": force,
        "indentation_m": depth,
        "pressure_kpa": force / 50.0 * 10.0,
        "sensor_temp_c": 31.0 + 0.3 * np.sin(t / 90.0),
        "frame": np.arange(t.size),
    }
    if g.random() < 0.6:
        # A curved spine in the sagittal plane whose arc length from u=0 to u=1 is `back`.
        ss = np.linspace(0.0, 1.0, 401)
        bump = float(g.uniform(0.02, 0.05))
        zz = bump * np.sin(np.pi * ss * 1.1)
        theta = np.arcsin(np.clip(np.gradient(zz, ss) / back, -0.9, 0.9))
        xx = np.concatenate([[0.0], np.cumsum(np.cos(theta[1:]) * np.diff(ss) * back)])
        cols["x_m"] = np.interp(u, ss, xx)
        cols["y_m"] = v
        cols["z_m"] = np.interp(u, ss, zz) - 0.4 * v**2
    if labels:
        tw = {k: str(g.choice(w)) for k, w in TOOL_WORDS.items()}
        bw = {k: str(g.choice(w)) for k, w in BLOCK_WORDS.items()}
        between = str(g.choice(["move", ""]))
        tools = [m.tool for m in moves]
        blk = [m.block for m in moves]
        cols["tool"] = [tw[tools[j]] for j in i.tolist()]
        cols["block"] = [
            f"{chr(65 + blk[j])} {bw[kinds[blk[j]]]}" if blk[j] >= 0 else between
            for j in i.tolist()
        ]
    return FDemo(cols, truth, bpm, back, float(t[-1] - t[0]))
