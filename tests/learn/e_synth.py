"""Demonstrations from generator E: written after the tempo fix, its first run blind.

Independent of backstroke's planner and of generators A–D. Its own choices:

- a motion-capture-like log: 30 or 90 Hz, the clock starting at an arbitrary time
  (100–900 s), half a second without contact before touch-down and after lift-off;
- trapezoidal velocity (constant acceleration over the first and last 20–35 % of a
  move: the start is quadratic, not cubic);
- a one-beat hold at about a third of the turnarounds (whole beats, as to music);
- the first stroke of a block at 92 % of the block's force (settling in);
- transitions that arc out sideways at 1.5–4 N;
- a rest at the start, at the end (a closing rest), both or neither;
- force noise with rare spikes, position noise of 0.8 mm;
- tissue depth as a power law (``d ∝ F^0.7``), softening per pass;
- positions (``x_m, y_m, z_m``) in half the logs;
- labels from a vocabulary of its own (``Step 2 - effleurage``, ``settle``, ``sweep``;
  tools ``flat hand``, ``ulna``, ``thumb tips``) — some words the learner cannot know.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

BLOCK_WORDS = {
    "rest": ["settle", "Step {n} - rest", "quiet hold"],
    "glide": ["sweep", "Step {n} - effleurage", "long glide"],
    "forearm": ["roll", "Step {n} - forearm", "forearm pressure"],
    "thumb_strip": ["trace", "Step {n} - thumbs", "thumb stripping"],
}
TOOL_WORDS = {
    "palms": ["flat hand", "palm"],
    "forearm": ["ulna", "forearm"],
    "thumb": ["thumb tips"],
}


@dataclass
class EBlock:
    technique: str
    force_n: float
    passes: int


@dataclass
class EDemo:
    columns: dict[str, Any]
    blocks: list[EBlock]
    bpm: float
    back_length_m: float
    duration_s: float
    edges_s: np.ndarray  # the moves' boundaries on the log's clock (for diagnosis)


def _trapezoid(x: np.ndarray, acc: float) -> np.ndarray:
    """Position 0→1 under a trapezoidal velocity with acceleration fraction ``acc``."""
    x = np.clip(x, 0.0, 1.0)
    vmax = 1.0 / (1.0 - acc)
    a = vmax / acc
    s_acc = 0.5 * a * acc**2
    return np.where(
        x < acc,
        0.5 * a * x**2,
        np.where(x > 1 - acc, 1.0 - 0.5 * a * (1.0 - x) ** 2, s_acc + vmax * (x - acc)),
    )


def e_demo(seed: int, *, labels: bool) -> EDemo:
    """One demonstration of generator E from ``seed``."""
    g = np.random.default_rng(90_210 + seed)
    bpm = float(g.uniform(50, 80))
    beat = 60.0 / bpm
    back = float(g.uniform(0.44, 0.58))
    n_blocks = int(g.integers(3, 6))
    rest_first = g.random() < 0.55
    rest_last = g.random() < 0.3 and n_blocks >= 3 + rest_first
    kinds: list[str] = []
    n_work = n_blocks - rest_first - rest_last
    while len(kinds) < n_work:
        pool = [k for k in ("glide", "forearm", "thumb_strip") if not kinds or k != kinds[-1]]
        kinds.append(str(g.choice(pool)))
    kinds = (["rest"] if rest_first else []) + kinds + (["rest"] if rest_last else [])
    acc = float(g.uniform(0.2, 0.35))
    light = float(g.uniform(1.5, 4.0))
    knots = [(float(g.uniform(0.35, 0.7)), s * float(g.uniform(0.022, 0.034))) for s in (1, -1)]
    # Moves: [u0, v0, u1, v1, beats, force, tool, block, pass, via_v]
    moves: list[list[Any]] = []
    pos = [0.8, 0.0]

    def add(u1: float, v1: float, beats: int, f: float, tool: str, blk: int, ps: int) -> None:
        moves.append([pos[0], pos[1], u1, v1, beats, f, tool, blk, ps, 0.0])
        pos[0], pos[1] = u1, v1

    def hold(beats: int, f: float, tool: str, blk: int, ps: int) -> None:
        add(pos[0], pos[1], beats, f, tool, blk, ps)

    def transit(u1: float, v1: float) -> None:
        d = math.hypot((u1 - pos[0]) * back, v1 - pos[1])
        if d < 0.004:
            return
        beats = max(2, math.ceil(d / 0.035 / beat))
        add(u1, v1, beats, light, "palms", -1, -1)
        moves[-1][9] = float(g.uniform(0.015, 0.03)) * (1 if g.random() < 0.5 else -1)

    def maybe_hold(f: float, tool: str, blk: int, ps: int) -> None:
        if g.random() < 0.33:
            hold(1, f, tool, blk, ps)

    truth: list[EBlock] = []
    drops: dict[int, float] = {}
    for bi, k in enumerate(kinds):
        if k == "rest":
            transit(float(g.uniform(0.7, 0.85)), 0.0)
            f = float(g.uniform(4.0, 8.0))
            hold(int(g.integers(10, 22)), f, "palms", bi, 0)
            truth.append(EBlock("rest", f, 1))
            continue
        if k == "glide":
            f = float(g.uniform(9.0, 19.0))
            lo, hi = float(g.uniform(0.08, 0.14)), float(g.uniform(0.84, 0.92))
            speed = float(g.uniform(0.025, 0.06))
            b = max(4, round((hi - lo) * back / speed / beat))
            until = g.random() < 0.4
            drop = float(g.uniform(0.025, 0.04)) if until else 0.0
            n = (
                next(s for s in range(1, 40) if s * drop >= 0.06) + 2
                if until
                else int(g.integers(1, 6))
            )
            transit(hi, 0.0)
            for p in range(n):
                ff = f * (0.92 if p == 0 else 1.0)
                add(lo, 0.0, b, ff, "palms", bi, p)
                maybe_hold(f, "palms", bi, p)
                add(hi, 0.0, b, f, "palms", bi, p)
                maybe_hold(f, "palms", bi, p)
            drops[bi] = drop
            truth.append(EBlock("glide", f, n))
            continue
        side = str(g.choice(["both", "left", "right"]))
        signs = {"both": (1.0, -1.0), "left": (1.0,), "right": (-1.0,)}[side]
        if k == "forearm":
            f = float(g.uniform(15.0, 30.0))
            lat = float(g.uniform(0.055, 0.09))
            lo, hi = float(g.uniform(0.12, 0.18)), float(g.uniform(0.45, 0.55))
            b = max(3, round((hi - lo) * back / float(g.uniform(0.025, 0.05)) / beat))
            n = int(g.integers(1, 4))
            for p in range(n):
                for sg in signs:
                    transit(hi, sg * lat)
                    first = p == 0 and sg == signs[0]
                    add(lo, sg * lat, b, f * (0.92 if first else 1.0), "forearm", bi, p)
                    maybe_hold(f, "forearm", bi, p)
                    add(hi, sg * lat, b, f, "forearm", bi, p)
            truth.append(EBlock("forearm", f, n))
            continue
        f = float(g.uniform(8.0, 17.0))
        lat = float(g.uniform(0.022, 0.035))
        lo, hi = float(g.uniform(0.08, 0.13)), float(g.uniform(0.85, 0.92))
        b = max(5, round((hi - lo) * back / float(g.uniform(0.02, 0.04)) / beat))
        n = int(g.integers(1, 4))
        dwell = int(g.choice([0, 2, 3, 5]))
        for p in range(n):
            for sg in signs:
                transit(lo, sg * lat)
                stops = sorted(ku for ku, kv in knots if kv * sg > 0) if dwell else []
                marks = [lo, *stops, hi]
                for j in range(len(marks) - 1):
                    part = max(2, round(b * (marks[j + 1] - marks[j]) / (hi - lo)))
                    add(marks[j + 1], sg * lat, part, f, "thumb", bi, p)
                    if j < len(stops):
                        hold(dwell, f, "thumb", bi, p)
        truth.append(EBlock("thumb_strip", f, n))
    # Timeline: touch-down after 0.5 s, boundaries on beats with 15 ms jitter.
    n_beats = np.concatenate([[0.0], np.cumsum([m[4] for m in moves])])
    lead = 0.5 + beat
    edges = lead + n_beats * beat + g.normal(0, 0.015, n_beats.size)
    end = edges[-1] + beat + 0.5
    rate = float(g.choice([30.0, 90.0]))
    t = np.arange(0.0, end, 1.0 / rate)
    i = np.clip(np.searchsorted(edges, t, side="right") - 1, 0, len(moves) - 1)
    arr = np.array([m[:6] for m in moves], dtype=float)
    x = (t - edges[i]) / (edges[i + 1] - edges[i])
    s = _trapezoid(x, acc)
    u = arr[i, 0] + (arr[i, 2] - arr[i, 0]) * s
    v = arr[i, 1] + (arr[i, 3] - arr[i, 1]) * s
    via = np.array([m[9] for m in moves])[i]
    v = v + via * np.sin(np.pi * s)  # the arc follows the path (no velocity jump)
    level = arr[i, 5]
    ramp = max(2, int(0.35 * rate))
    level = np.convolve(
        np.concatenate([np.full(ramp, level[0]), level, np.full(ramp, level[-1])]),
        np.ones(ramp) / ramp,
        "same",
    )[ramp:-ramp]
    env = np.clip((t - 0.5) / beat, 0, 1) * np.clip((end - 0.5 - t) / beat, 0, 1)
    force = level * env * (1 + 0.03 * np.sin(2 * np.pi * 0.13 * t + g.uniform(0, 6)))
    force = force + g.normal(0, 0.2, t.size) * (env > 0)
    spikes = g.random(t.size) < 0.01
    force = np.where(spikes & (env > 0), force + 3.0, force)
    force = np.maximum(force, 0.0)
    # Tissue: power law with knots and softening per pass.
    k = float(g.uniform(1800, 2600)) * (1 + 0.1 * np.cos(3.0 * u))
    for ku, kv in knots:
        k = k * (1 + 0.9 * np.exp(-(((u - ku) * back) ** 2 + (v - kv) ** 2) / (2 * 0.004**2)))
    blk = np.array([m[7] for m in moves])[i]
    ps = np.array([m[8] for m in moves])[i]
    soft = 1.0 - np.array([drops.get(int(b), 0.0) for b in blk]) * np.maximum(ps, 0)
    depth = 0.004 * (force / 10.0) ** 0.7 * (2000.0 / (k * soft)) ** 0.7
    depth = np.where(force > 0.3, depth + g.normal(0, 1e-5, t.size), 0.0)
    clock = float(g.uniform(100.0, 900.0))
    cols: dict[str, Any] = {
        "t_s": t + clock,
        "u": u + g.normal(0, 0.0008 / back, t.size),
        "v": v + g.normal(0, 0.0008, t.size),
        "normal_force_n": force,
        "indentation_m": depth,
    }
    if g.random() < 0.5:
        cols["x_m"] = u * back
        cols["y_m"] = v
        cols["z_m"] = 0.025 * np.sin(np.pi * u) - 0.5 * v**2
    if labels:
        tw = {kk: str(g.choice(vv)) for kk, vv in TOOL_WORDS.items()}
        bw = {kk: str(g.choice(vv)) for kk, vv in BLOCK_WORDS.items()}
        tools = [m[6] for m in moves]
        cols["tool"] = [tw[tools[j]] for j in i]
        cols["block"] = [
            bw[kinds[int(b)]].format(n=int(b) + 1) if b >= 0 else "" for b in blk.tolist()
        ]
    return EDemo(cols, truth, bpm, back, float(t[-1] - t[0]), edges + clock)
