"""Blind demonstrations (generator C): the held-out set for the issue's figures.

Written after the learner was finished and never used to change it. Its own choices:
bell-shaped (Gaussian) velocity profiles, a whole-beat hold at some turnarounds,
irregular sampling (60 or 200 Hz with timing jitter), force drift plus AR(1) wobble,
a rest that may come mid-routine, thumb strips on one side or both, labels either as
free text (``Palms``, ``thumb pad``, ``arm``; ``1 rest``, ``2 glide``…) or as numbers
the way backstroke's own logs write them (tool codes, block indices, -1 between blocks).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import erf

TOOL_CODE = {"palms": 0, "forearm": 1, "thumb": 2}
TOOL_TEXT = {"palms": "Palms", "forearm": "arm", "thumb": "thumb pad"}


@dataclass
class BlindBlock:
    technique: str
    force_n: float
    passes: int
    until: bool = False


@dataclass
class Blind:
    columns: dict[str, Any]
    blocks: list[BlindBlock]
    bpm: float
    back_length_m: float
    duration_s: float


def _bell(x: np.ndarray) -> np.ndarray:
    """Position 0→1 under a Gaussian velocity bell (σ = 1/6 of the move), renormalised."""
    lo, hi = erf(-0.5 / (math.sqrt(2) / 6)), erf(0.5 / (math.sqrt(2) / 6))
    return (erf((np.clip(x, 0, 1) - 0.5) / (math.sqrt(2) / 6)) - lo) / (hi - lo)


def blind(seed: int, *, labels: bool, numeric: bool = False) -> Blind:
    r = np.random.default_rng(777_000 + seed)
    bpm = float(r.uniform(50, 80))
    P = 60 / bpm
    L = float(r.uniform(0.45, 0.57))
    n_blocks = int(r.integers(3, 6))
    order: list[str] = []
    for i in range(n_blocks):
        if i == 0 and r.random() < 0.7:
            order.append("rest")
            continue
        pool = ["glide", "forearm", "thumb_strip"]
        if i >= 2 and r.random() < 0.15 and order[-1] != "rest":
            pool.append("rest")
        pool = [p for p in pool if not order or p != order[-1]]
        order.append(str(r.choice(pool)))
    light = float(r.uniform(2.0, 5.0))
    segs: list[dict[str, Any]] = []  # each: start/end chart point, beats, force, tool, block, pass
    pos = [0.8, 0.0]
    truth: list[BlindBlock] = []

    def add(
        u1: float, v1: float, beats: int, force: float, tool: str, blk: int, ps: int, hold: int = 0
    ) -> None:
        segs.append(
            dict(
                a=tuple(pos), b=(u1, v1), beats=beats, f=force, tool=tool, blk=blk, ps=ps, hold=hold
            )
        )
        pos[0], pos[1] = u1, v1

    def move_lightly(u1: float, v1: float) -> None:
        d = math.hypot((u1 - pos[0]) * L, v1 - pos[1])
        if d > 0.005:
            add(
                u1, v1, max(2, round(d / float(r.uniform(0.035, 0.05)) / P)), light, "palms", -1, -1
            )

    for bi, tech in enumerate(order):
        if tech == "rest":
            f = float(r.uniform(4.0, 8.0))
            u = float(r.uniform(0.7, 0.86))
            move_lightly(u, 0.0)
            add(u, 0.0, round(float(r.uniform(10, 28)) / P), f, "palms", bi, 0)
            truth.append(BlindBlock("rest", f, 1))
            continue
        if tech == "glide":
            f = float(r.uniform(10, 22))
            lo, hi = float(r.uniform(0.07, 0.13)), float(r.uniform(0.85, 0.92))
            beats = max(4, round((hi - lo) * L / float(r.uniform(0.025, 0.06)) / P))
            until = r.random() < 0.5
            drop = float(r.uniform(0.02, 0.045)) if until else 0.0
            n = (
                next(k for k in range(1, 30) if k * drop >= 0.06) + 2
                if until
                else int(r.integers(2, 5))
            )
            hold = int(r.random() < 0.4)
            move_lightly(hi, 0.0)
            for p in range(n):
                add(lo, 0.0, beats, f, "palms", bi, p, hold)
                add(hi, 0.0, beats, f, "palms", bi, p, hold)
            for s in segs:
                if s["blk"] == bi:
                    s["drop"] = drop
            truth.append(BlindBlock("glide", f, n, until))
            continue
        if tech == "forearm":
            f = float(r.uniform(16, 32))
            lat = float(r.uniform(0.055, 0.11))
            lo, hi = float(r.uniform(0.1, 0.18)), float(r.uniform(0.45, 0.55))
            beats = max(3, round((hi - lo) * L / float(r.uniform(0.02, 0.05)) / P))
            sides = [1.0, -1.0] if r.random() < 0.7 else [float(r.choice([1.0, -1.0]))]
            n = int(r.integers(1, 4))
            for p in range(n):
                for sg in sides:
                    move_lightly(hi, sg * lat)
                    add(lo, sg * lat, beats, f, "forearm", bi, p)
                    add(hi, sg * lat, beats, f, "forearm", bi, p)
            truth.append(BlindBlock("forearm", f, n))
            continue
        f = float(r.uniform(9, 19))
        lat = float(r.uniform(0.026, 0.039))
        lo, hi = float(r.uniform(0.08, 0.13)), float(r.uniform(0.84, 0.93))
        beats = max(4, round((hi - lo) * L / float(r.uniform(0.018, 0.04)) / P))
        sides = [1.0, -1.0] if r.random() < 0.6 else [float(r.choice([1.0, -1.0]))]
        n = int(r.integers(1, 3))
        for p in range(n):
            for sg in sides:
                move_lightly(lo, sg * lat)
                add(hi, sg * lat, beats, f, "thumb", bi, p)
        truth.append(BlindBlock("thumb_strip", f, n))
    # Time base: every segment starts on a beat (± 30 ms); irregular sampling.
    rate = float(r.choice([60.0, 200.0]))
    starts = (2 + np.concatenate([[0], np.cumsum([s["beats"] for s in segs])])) * P
    starts = starts + r.normal(0, 0.03, starts.size)
    end = starts[-1] + 2 * P
    base = np.arange(0, end, 1 / rate)
    t = base + r.uniform(0, 0.3 / rate, base.size)
    idx = np.clip(np.searchsorted(starts, t, side="right") - 1, 0, len(segs) - 1)
    u = np.empty(t.size)
    v = np.empty(t.size)
    f = np.empty(t.size)
    tool = []
    blk = np.empty(t.size)
    soft = np.ones(t.size)
    for i, s in enumerate(segs):
        m = idx == i
        span = (starts[i + 1] - starts[i]) - s["hold"] * P
        x = _bell((t[m] - starts[i]) / max(span, 1e-6))
        if s["a"] == s["b"]:
            x = np.zeros(x.size)
        u[m] = s["a"][0] + (s["b"][0] - s["a"][0]) * x
        v[m] = s["a"][1] + (s["b"][1] - s["a"][1]) * x
        f[m] = s["f"]
        blk[m] = s["blk"]
        soft[m] = 1.0 - s.get("drop", 0.0) * max(s["ps"], 0)
    tool = [segs[i]["tool"] for i in idx]
    # Force: first-order lag towards each level (τ 0.25 s), drift, AR(1) wobble, breath.
    dt = np.diff(t, prepend=t[0])
    lag = np.empty(t.size)
    acc = 0.0
    for i in range(t.size):
        a = math.exp(-dt[i] / 0.25)
        acc = a * acc + (1 - a) * f[i]
        lag[i] = acc
    ar = np.empty(t.size)
    e = r.normal(0, 1, t.size)
    z = 0.0
    for i in range(t.size):
        a = math.exp(-dt[i] / 2.0)
        z = a * z + math.sqrt(1 - a * a) * e[i]
        ar[i] = z
    breath = np.sin(2 * np.pi * float(r.uniform(11, 19)) / 60 * t + float(r.uniform(0, 6)))
    env = np.clip((t - P) / P, 0, 1) * np.clip((end - t) / (1.5 * P), 0, 1)
    drift = 1 + float(r.uniform(-0.04, 0.04)) * (t / end)
    force = lag * env * drift * (1 + 0.035 * ar + 0.02 * breath) + r.normal(0, 0.12, t.size)
    k = float(r.uniform(1600, 2800)) * (1 + 0.15 * (u - 0.5) ** 2) * soft
    depth = np.where(force > 0.3, np.maximum(force, 0) / k + 0.0005 * breath, 0.0)
    cols: dict[str, Any] = {
        "t_s": t,
        "u": u + r.normal(0, 0.0005, t.size),
        "v": v + r.normal(0, 0.0006, t.size),
        "normal_force_n": force,
        "indentation_m": depth + r.normal(0, 1.2e-5, t.size),
    }
    if labels and numeric:
        cols["tool"] = np.array([TOOL_CODE[x] for x in tool], dtype=float)
        cols["block"] = blk
    elif labels:
        cols["tool"] = [TOOL_TEXT[x] for x in tool]
        cols["block"] = [f"{int(b) + 1} {order[int(b)]}" if b >= 0 else "" for b in blk]
    return Blind(cols, truth, bpm, L, float(t[-1] - t[0]))
