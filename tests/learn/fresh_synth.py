"""Fresh blind demonstrations (generator D), written last; its first run was blind.

Its own choices: a skewed velocity profile (Beta(2, 3): quick start, long slow end;
the start is quadratic, not cubic), stroke-to-stroke force changes (log-normal, 5 %),
dropped samples, no positions in the log (the learner must assume a back length),
thumb strips on both sides with optional 3-beat dwells on knots, labels that are
sometimes words the learner has no entry for (``deep work``, ``opening``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass
class FreshBlock:
    technique: str
    force_n: float
    passes: int


@dataclass
class Fresh:
    columns: dict[str, Any]
    blocks: list[FreshBlock]
    bpm: float
    back_length_m: float
    duration_s: float


WORDS = {
    "rest": ["opening", "Rest and breathe"],
    "glide": ["long strokes down the back", "Glide"],
    "forearm": ["deep work", "Forearm"],
    "thumb_strip": ["strip the erectors", "Thumbs"],
}
TOOLS = {"palms": ["Hand", "palm"], "forearm": ["Forearm", "elbow"], "thumb": ["Thumbs", "thumb"]}


def _beta23(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return 6 * x**2 - 8 * x**3 + 3 * x**4


def fresh(seed: int, *, labels: bool) -> Fresh:
    g = np.random.default_rng(555_000 + seed)
    bpm = float(g.uniform(50, 80))
    beat = 60.0 / bpm
    back = float(g.uniform(0.47, 0.55))
    nb = int(g.integers(3, 6))
    kinds: list[str] = ["rest"] if g.random() < 0.6 else []
    while len(kinds) < nb:
        kinds.append(
            str(
                g.choice(
                    [k for k in ("glide", "forearm", "thumb_strip") if not kinds or k != kinds[-1]]
                )
            )
        )
    knots = [(float(g.uniform(0.35, 0.75)), 0.032), (float(g.uniform(0.35, 0.75)), -0.032)]
    plan: list[list[Any]] = []  # [u0, v0, u1, v1, beats, force, tool, block]
    at = [0.78, 0.0]
    light = float(g.uniform(3.0, 5.0))

    def seg(u1: float, v1: float, beats: float, force: float, tool: str, block: int) -> None:
        plan.append([at[0], at[1], u1, v1, beats, force, tool, block])
        at[0], at[1] = u1, v1

    def glide_to(u1: float, v1: float) -> None:
        d = math.hypot((u1 - at[0]) * back, v1 - at[1])
        if d > 0.005:
            seg(u1, v1, max(2, math.ceil(d / 0.04 / beat)), light, "palms", -1)

    truth = []
    for bi, k in enumerate(kinds):
        if k == "rest":
            f = float(g.uniform(4.5, 8.0))
            seg(at[0], at[1], int(g.integers(12, 26)), f, "palms", bi)
            truth.append(FreshBlock("rest", f, 1))
        elif k == "glide":
            f = float(g.uniform(10, 20))
            b = int(g.integers(6, 13))
            drop = float(g.uniform(0.025, 0.04)) if g.random() < 0.5 else 0.0
            n = (math.ceil(0.06 / drop) + 2) if drop else int(g.integers(2, 5))
            glide_to(0.9, 0.0)
            for p in range(n):
                seg(0.1, 0.0, b, f * (1 - drop * p) ** 0 * float(g.lognormal(0, 0.05)), "palms", bi)
                plan[-1].append(drop * p)
                seg(0.9, 0.0, b, plan[-1][5], "palms", bi)
                plan[-1].append(drop * p)
            truth.append(FreshBlock("glide", f, n))
        elif k == "forearm":
            f = float(g.uniform(16, 30))
            b = int(g.integers(4, 9))
            n = int(g.integers(1, 4))
            lat = float(g.uniform(0.06, 0.1))
            for _ in range(n):
                for sg in (1.0, -1.0):
                    glide_to(0.5, sg * lat)
                    ff = f * float(g.lognormal(0, 0.05))
                    seg(0.14, sg * lat, b, ff, "forearm", bi)
                    seg(0.5, sg * lat, b, ff, "forearm", bi)
            truth.append(FreshBlock("forearm", f, n))
        else:
            f = float(g.uniform(9, 18))
            b = int(g.integers(8, 15))
            n = int(g.integers(1, 3))
            dwell = int(g.choice([0, 3]))
            for _ in range(n):
                for sg in (1.0, -1.0):
                    glide_to(0.1, sg * 0.032)
                    ff = f * float(g.lognormal(0, 0.05))
                    stops = sorted(u for u, v in knots if v * sg > 0) if dwell else []
                    marks = [0.1, *stops, 0.9]
                    for j in range(len(marks) - 1):
                        seg(
                            marks[j + 1],
                            sg * 0.032,
                            max(2, round(b * (marks[j + 1] - marks[j]) / 0.8)),
                            ff,
                            "thumb",
                            bi,
                        )
                        if j < len(stops):
                            seg(marks[j + 1], sg * 0.032, dwell, ff, "thumb", bi)
            truth.append(FreshBlock("thumb_strip", f, n))
    edges = (1 + np.concatenate([[0.0], np.cumsum([s[4] for s in plan])])) * beat
    edges += g.normal(0, 0.025, edges.size)
    end = edges[-1] + 1.5 * beat
    t = np.arange(0.0, end, 0.01)
    t = t[g.random(t.size) > 0.02]  # dropped samples
    i = np.clip(np.searchsorted(edges, t, side="right") - 1, 0, len(plan) - 1)
    x = (t - edges[i]) / (edges[i + 1] - edges[i])
    arr = np.array([s[:6] for s in plan], dtype=float)
    moving = (arr[:, 0] != arr[:, 2]) | (arr[:, 1] != arr[:, 3])
    sfrac = np.where(moving[i], _beta23(x), 0.0)
    u = arr[i, 0] + (arr[i, 2] - arr[i, 0]) * sfrac
    v = arr[i, 1] + (arr[i, 3] - arr[i, 1]) * sfrac
    level = arr[i, 5]
    # 0.4 s moving-average ramps between levels; touch-down / release over a beat.
    n = 40
    lv = np.convolve(
        np.concatenate([np.full(n, level[0]), level, np.full(n, level[-1])]), np.ones(n) / n, "same"
    )[n:-n]
    env = np.clip(t / beat, 0, 1) * np.clip((end - t) / beat, 0, 1)
    force = lv * env * (1 + 0.02 * np.sin(2 * np.pi * 0.25 * t)) + g.normal(0, 0.1, t.size)
    soft = np.array([1 - (s[8] if len(s) > 8 else 0.0) for s in plan])[i]
    k = 2100.0 * (1 + 0.1 * np.cos(4 * u)) * soft
    for ku, kv in knots:
        k *= 1 + 0.8 * np.exp(-(((u - ku) * back) ** 2 + (v - kv) ** 2) / (2 * 0.003**2))
    depth = np.where(force > 0.3, np.maximum(force, 0) / k, 0.0) + g.normal(0, 1e-5, t.size)
    cols: dict[str, Any] = {
        "t_s": t,
        "u": u + g.normal(0, 0.0005, t.size),
        "v": v + g.normal(0, 0.0005, t.size),
        "normal_force_n": force,
        "indentation_m": depth,
    }
    if labels:
        tw = {kk: str(g.choice(vv)) for kk, vv in TOOLS.items()}
        bw = {kk: str(g.choice(vv)) for kk, vv in WORDS.items()}
        cols["tool"] = [tw[plan[j][6]] for j in i]
        cols["block"] = [bw[kinds[plan[j][7]]] if plan[j][7] >= 0 else "moving on" for j in i]
    return Fresh(cols, truth, bpm, back, float(t[-1] - t[0]))
