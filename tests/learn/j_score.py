"""Generator J's score: what the master means to do, drawn from a seed.

Part of generator J (``tests/learn/j_synth.py``); written blind from the contracts
(DESIGN §6.3, docs/logs.md, docs/routines.md, the routine schema, the seed text), calling
nothing of backstroke. A score is the music's tempo, the client, and 3–5 blocks: a rest
on the upper back (most demonstrations), palm glides, forearm strokes (one or both
sides), thumb strips up 1–4 lanes a side (dwelling on knots in some blocks), a closing
glide now and then. Each block repeats a fixed number of passes or until the master
feels the tissue soften: she stops one pass after the first pass whose stiffness at her
force is her threshold (4–6 %) below the first pass's, within at least 2–3 and at most
5–8 passes (thumb strips 4–5). Fixed blocks run 2–5 passes (thumb strips and a closing
glide 2–3).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from tests.learn.j_client import Client, draw_client

FACE = {"rest": "palms", "glide": "palms", "forearm": "forearm", "thumb_strip": "thumb"}

# Block names as the clinic's notes write them (English, French, Spanish).
NAMES = {
    "rest": ["Opening hold", "Repos", "Contacto inicial", "Centering"],
    "glide": ["Effleurage", "Long strokes", "Glissés", "Deslizamientos"],
    "forearm": ["Forearm work", "Avant-bras", "Antebrazo", "Forearm strokes"],
    "thumb_strip": ["Paraspinal stripping", "Pouces", "Pulgares", "Thumb strips"],
}


@dataclass
class JBlock:
    technique: str
    force_n: float
    passes: int
    until: bool
    u_lo: float
    u_hi: float
    lanes_m: list[float]  # forearm: its line; thumb: the lanes' distances from the midline
    sides: list[float]  # +1 the client's left, -1 right, in the order worked
    leg_beats: int  # one stroke leg (glide, forearm) or one strip (thumb)
    short_beats: int  # a return, a crossing
    turn: str  # at the turn: "flow" (none), "pair" (two beats), "breath" (until an exhale)
    dwell: bool
    drop: float  # the tissue's softening under this block: deepest drop of c
    tau_passes: float
    build: bool  # the first pass a little lighter (fixed passes only)
    up_share: float  # glide: the return's force over the stroke down's
    rest_beats: int = 0
    rest_u: float = 0.78


@dataclass
class JScore:
    seed: int
    bpm: float
    drift: float  # the music's slow tempo sway (live players), relative
    drift_period_s: float
    drift_phase: float
    client: Client
    blocks: list[JBlock]
    light_n: float
    names: list[str]

    @property
    def period_s(self) -> float:
        return 60.0 / self.bpm


def soft_at(b: JBlock, x: float) -> float:
    """The tissue's stiffness factor after ``x`` passes of block ``b``."""
    return float(1 - b.drop * (1 - np.exp(-x / b.tau_passes)))


def felt_passes(b: JBlock, n: float, threshold: float, least: int, most: int) -> int:
    """Passes a master listening for softening plays: one past the first soft pass."""
    for p in range(1, most):
        if (soft_at(b, p + 0.5) / soft_at(b, 0.5)) ** (1 / n) <= 1 - threshold:
            return int(np.clip(p + 2, least, most))
    return most


def pick_beats(
    rng: np.random.Generator,
    dist_m: float,
    period_s: float,
    choices: list[int],
    lo: float,
    hi: float,
) -> int:
    """A whole number of beats from ``choices`` putting the mean speed in ``lo``..``hi``."""
    ok = [n for n in choices if lo <= dist_m / (n * period_s) <= hi]
    if ok:
        return int(rng.choice(ok))
    mid = 0.5 * (lo + hi)
    return min(choices, key=lambda n: abs(dist_m / (n * period_s) - mid))


def _sequence(rng: np.random.Generator) -> list[str]:
    middle = [t for t in ("forearm", "thumb_strip") if rng.random() < 0.75] or ["thumb_strip"]
    if len(middle) == 2 and rng.random() < 0.35:
        middle.reverse()
    seq = (["rest"] if rng.random() < 0.85 else []) + ["glide", *middle]
    if len(seq) < 3 or (len(seq) < 5 and rng.random() < 0.4):
        seq.append("glide")
    return seq


def _block(
    rng: np.random.Generator, tech: str, closing: bool, cl: Client, period_s: float, light_n: float
) -> JBlock:
    L = cl.back_length_m
    odds = {"glide": 0.6, "forearm": 0.4, "thumb_strip": 0.35}.get(tech, 0.0)
    until = not closing and rng.random() < odds
    sides = [1.0, -1.0] if rng.random() < 0.5 else [-1.0, 1.0]
    lanes: list[float] = []
    if tech == "rest":
        force = rng.uniform(light_n + 1.5, 10)
        u_lo = u_hi = rng.uniform(0.72, 0.85)
    elif tech == "glide":
        force = rng.uniform(max(6, 1.8 * light_n), 12) if closing else rng.uniform(8, 20)
        u_lo, u_hi = rng.uniform(0.06, 0.14), rng.uniform(0.85, 0.93)
    elif tech == "forearm":
        force = rng.uniform(18, 35)
        u_lo, u_hi = rng.uniform(0.1, 0.2), rng.uniform(0.42, 0.55)
        lanes = [float(rng.uniform(0.06, 0.1))]
        if rng.random() < 0.3:
            sides = sides[:1]
    else:
        force = rng.uniform(10, 22)
        u_lo, u_hi = rng.uniform(0.08, 0.15), rng.uniform(0.45, 0.9)
        if rng.random() < 0.15:
            sides = sides[:1]
    top = 4 if tech == "thumb_strip" or closing else 6
    passes = 1 if tech == "rest" else int(rng.integers(2, top))
    if tech == "thumb_strip":
        n_lanes = int(rng.integers(1, 3)) if until else min(4, passes * int(rng.integers(1, 3)))
        spacing = min(rng.uniform(0.008, 0.015), 0.038 / max(n_lanes - 1, 1))
        inner = rng.uniform(0.022, 0.06 - spacing * (n_lanes - 1))
        lanes = [float(inner + i * spacing) for i in range(n_lanes)]
        if until and rng.random() < 0.5:
            lanes = lanes[:1]
    dist = (u_hi - u_lo) * L
    choices, lo, hi = {
        "glide": ([6, 8, 10, 12, 16], 0.02, 0.05),
        "forearm": ([4, 6, 8, 10, 12, 16], 0.015, 0.04),
        "thumb_strip": ([8, 10, 12, 16, 18, 24], 0.012, 0.035),
    }.get(tech, ([8], 0.02, 0.05))
    b = JBlock(
        technique=tech,
        force_n=float(round(force, 1)),
        passes=passes,
        until=until,
        u_lo=float(u_lo),
        u_hi=float(u_hi),
        lanes_m=lanes,
        sides=sides,
        leg_beats=pick_beats(rng, dist, period_s, choices, lo, hi),
        short_beats=pick_beats(rng, max(dist, 0.12), period_s, [2, 4, 6, 8], 0.035, 0.07),
        turn=str(rng.choice(["flow", "pair", "breath"])),
        dwell=tech == "thumb_strip" and rng.random() < 0.5,
        drop=float(rng.uniform(0.02, 0.2)),
        tau_passes=float(rng.uniform(1.0, 4.0)),
        build=tech in ("glide", "forearm") and not until and passes >= 3 and rng.random() < 0.3,
        up_share=float(rng.uniform(0.9, 1.0)),
        rest_beats=int(rng.choice([16, 24, 32])),
        rest_u=float(u_lo),
    )
    if until:
        most = int(rng.integers(5, 9)) if tech != "thumb_strip" else int(rng.integers(4, 6))
        b.passes = felt_passes(b, cl.n, rng.uniform(0.04, 0.06), int(rng.integers(2, 4)), most)
    return b


def make_score(seed: int) -> JScore:
    rng = np.random.default_rng([seed, 0x4A])
    client = draw_client(rng)
    bpm = float(rng.uniform(50, 80))
    light_n = float(rng.uniform(3, 6))
    seq = _sequence(rng)
    blocks = [
        _block(rng, t, i == len(seq) - 1 and t == "glide" and i > 1, client, 60 / bpm, light_n)
        for i, t in enumerate(seq)
    ]
    names = [str(rng.choice(NAMES[b.technique])) for b in blocks]
    for i, b in enumerate(blocks):
        if b.technique == "glide" and i == len(blocks) - 1 and i > 1:
            names[i] = str(rng.choice(["Closing effleurage", "Glissés de fin", "Cierre"]))
    return JScore(
        seed=seed,
        bpm=bpm,
        drift=float(rng.uniform(0.0, 0.008)),
        drift_period_s=float(rng.uniform(60, 200)),
        drift_phase=float(rng.uniform(0, 6.3)),
        client=client,
        blocks=blocks,
        light_n=light_n,
        names=names,
    )


def beat_grid(score: JScore, n: int) -> Any:
    """The music's beats (s): a slow sway of the tempo around ``score.bpm``."""
    t = np.zeros(n)
    w = 2 * np.pi / score.drift_period_s
    for k in range(1, n):
        t[k] = t[k - 1] + 60 / (
            score.bpm * (1 + score.drift * np.sin(w * t[k - 1] + score.drift_phase))
        )
    return t + 5.0


def beat_errors(
    rng: np.random.Generator, n: int, mean_s: float, sd_s: float, rho: float, period_s: float
) -> Any:
    """A human's error on each beat (s): correlated from beat to beat (AR(1)), a habit of
    being early or late, never more than a fifth of a beat."""
    err = np.zeros(n)
    for k in range(1, n):
        err[k] = rho * err[k - 1] + np.sqrt(1 - rho * rho) * sd_s * rng.standard_normal()
    return np.clip(err + mean_s, -0.2 * period_s, 0.2 * period_s)
