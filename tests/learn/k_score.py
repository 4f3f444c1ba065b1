"""Generator K's score: what a master who counts in threes means to do, from a seed.

Part of generator K (``tests/learn/k_synth.py``); written in session 10 before the
learner's tempo was tuned, calling nothing of backstroke. The client, the music's sway
and the softening rule are generator J's (``tests/learn/j_score.py``,
``tests/learn/j_client.py``); the master is not: she counts strokes in threes (legs of
3, 6, 9, 12, 15 or 18 beats, returns and crossings of 3, or 2 when short), turns with no
hold, one beat or three, and now and then rests her hands on the back between passes
for a pause of 4–7 beats (``pause_odds`` of the turns between passes). Blocks repeat a
fixed number of passes (2–4; thumbs 2–3) or until she feels the tissue soften (J's rule).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tests.learn.j_client import Client, draw_client
from tests.learn.j_score import NAMES, JBlock, JScore, felt_passes, pick_beats

THREES = [3, 6, 9, 12, 15, 18]


@dataclass
class KBlock(JBlock):
    pause_odds: float = 0.0  # chance of a pause at a turn between passes
    rubato: float = 0.0  # share of a stroke she lingers on before a hold (taken from it)


def _sequence(rng: np.random.Generator) -> list[str]:
    seq = ["rest"] if rng.random() < 0.7 else []
    seq.append("glide")
    middle = ["thumb_strip", "forearm"] if rng.random() < 0.5 else ["forearm", "thumb_strip"]
    seq += middle[: int(rng.integers(1, 3))]
    if len(seq) < 3 or rng.random() < 0.3:
        seq.append("glide")
    return seq


def _block(
    rng: np.random.Generator, tech: str, closing: bool, cl: Client, period_s: float, light_n: float
) -> KBlock:
    L = cl.back_length_m
    until = not closing and tech != "rest" and rng.random() < 0.4
    sides = [1.0, -1.0] if rng.random() < 0.5 else [-1.0, 1.0]
    lanes: list[float] = []
    u_lo, u_hi = float(rng.uniform(0.08, 0.16)), float(rng.uniform(0.82, 0.92))
    if tech == "rest":
        force = rng.uniform(light_n + 2, 9)
        u_lo = u_hi = float(rng.uniform(0.7, 0.84))
    elif tech == "glide":
        force = rng.uniform(7, 11) if closing else rng.uniform(9, 19)
    elif tech == "forearm":
        force = rng.uniform(17, 32)
        u_lo, u_hi = float(rng.uniform(0.12, 0.22)), float(rng.uniform(0.45, 0.6))
        lanes = [float(rng.uniform(0.065, 0.1))]
        if rng.random() < 0.25:
            sides = sides[:1]
    else:
        force = rng.uniform(11, 21)
        u_hi = float(rng.uniform(0.5, 0.88))
        n_lanes = int(rng.integers(1, 4))
        spacing = float(rng.uniform(0.009, 0.014))
        inner = float(rng.uniform(0.022, 0.055 - spacing * (n_lanes - 1)))
        lanes = [inner + i * spacing for i in range(n_lanes)]
    top = 4 if tech == "thumb_strip" or closing else 5
    passes = 1 if tech == "rest" else int(rng.integers(2, top))
    dist = (u_hi - u_lo) * L
    lo, hi = {"glide": (0.02, 0.05), "forearm": (0.015, 0.04)}.get(tech, (0.012, 0.035))
    b = KBlock(
        technique=tech,
        force_n=float(round(force, 1)),
        passes=passes,
        until=until,
        u_lo=u_lo,
        u_hi=u_hi,
        lanes_m=lanes,
        sides=sides,
        leg_beats=pick_beats(rng, dist, period_s, THREES, lo, hi),
        short_beats=pick_beats(rng, max(dist, 0.12), period_s, [2, 3, 6], 0.035, 0.08),
        turn=str(rng.choice(["flow", "one", "three"])),
        dwell=tech == "thumb_strip" and rng.random() < 0.4,
        drop=float(rng.uniform(0.02, 0.2)),
        tau_passes=float(rng.uniform(1.0, 4.0)),
        build=False,
        up_share=float(rng.uniform(0.88, 1.0)),
        rest_beats=int(rng.choice([15, 18, 24, 27])),
        rest_u=u_lo,
        pause_odds=float(rng.choice([0.0, 0.25, 0.5])),
        rubato=float(rng.uniform(0.0, 0.08)),
    )
    if until:
        most = int(rng.integers(4, 8)) if tech != "thumb_strip" else int(rng.integers(3, 5))
        b.passes = felt_passes(b, cl.n, rng.uniform(0.04, 0.06), int(rng.integers(2, 4)), most)
    return b


def make_score(seed: int) -> JScore:
    """Score ``seed`` (J's score type, its blocks ``KBlock``)."""
    rng = np.random.default_rng([seed, 0x4B])
    client = draw_client(rng)
    bpm = float(rng.uniform(50, 80))
    light_n = float(rng.uniform(3, 5.5))
    seq = _sequence(rng)
    blocks = [
        _block(rng, t, i == len(seq) - 1 and t == "glide" and i > 1, client, 60 / bpm, light_n)
        for i, t in enumerate(seq)
    ]
    names = [str(rng.choice(NAMES[b.technique])) for b in blocks]
    return JScore(
        seed=seed,
        bpm=bpm,
        drift=float(rng.uniform(0.0, 0.006)),
        drift_period_s=float(rng.uniform(80, 240)),
        drift_phase=float(rng.uniform(0, 6.3)),
        client=client,
        blocks=blocks,
        light_n=light_n,
        names=names,
    )
