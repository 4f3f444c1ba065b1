"""Generator I's score: what therapist I means to play, drawn from a seed.

Half of generator I (see ``tests/learn/i_synth.py``, written blind). A score is the
music's tempo (51.5–78 BPM, stepping ±2 % from block to block), the meter the
therapist counts in, the back (0.42–0.60 m), the knots, the recorder's settings, and
3–5 blocks, each with its force, passes (fixed, or until the tissue softens) and its
phrase: the beats of one pass, a whole number of bars, and how they are split between
the legs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

_LABELS = {
    "en": {
        "rest": ["Settle and breathe", "Hands on - connect"],
        "glide": ["Long strokes", "Warm-up sweeps", "Effleurage"],
        "forearm": ["Ulnar work", "Forearm sweeps", "Deep lat strokes"],
        "thumb_strip": ["Paraspinal stripping", "Erector work", "Thumb strips"],
        "closing": ["Closing hold"],
    },
    "de": {
        "rest": ["Auflegen"],
        "glide": ["Ausstreichen"],
        "forearm": ["Unterarm"],
        "thumb_strip": ["Daumenstriche"],
        "closing": ["Abschluss"],
    },
}
_TOOLS = {
    "palms": ["Heel of hand", "flat hands", "Open hand", "both palms"],
    "forearm": ["Lower arm", "fore-arm", "Forearms", "ulna"],
    "thumb": ["Thumb pad", "both thumbs", "Thumb_tip", "pollex"],
}
_FORCE_N = {"rest": (4.0, 9.0), "glide": (8.0, 25.0), "forearm": (15.0, 35.0)}
_FORCE_N["thumb_strip"] = (8.0, 22.0)
MAX_SESSION_S = 900.0


@dataclass
class IBlock:
    technique: str
    force_n: float
    passes: int = 1
    until: bool = False
    soft_pass: int = -1  # the first soft pass of an until-softening block
    soft_by_pass: list[float] = field(default_factory=lambda: [1.0])
    pass_beats: int = 8  # one pass (per side, per strip): a whole number of bars
    share: float = 0.5  # of the phrase, the first leg's (down, or the strip)
    u_min: float = 0.1
    u_max: float = 0.9
    u_rest: float = 0.8
    rest_beats: int = 16
    sides: tuple[int, ...] = (1, -1)  # +1 the client's left
    lateral_m: float = 0.075
    lanes_m: tuple[float, ...] = (0.03,)
    dwell_beats: int = 0
    return_beats: int = 2
    ramp: float = 0.0  # pressure heavier toward the waist (+) or the shoulders (−)
    build_up: bool = False  # the first stroke builds from 60 % to the force
    label: str = ""

    def strips(self) -> int:
        return len(self.sides) * (len(self.lanes_m) if self.technique == "thumb_strip" else 1)

    def beats(self) -> int:
        if self.technique == "rest":
            return self.rest_beats
        return self.passes * self.strips() * self.pass_beats


@dataclass
class IScore:
    bpm: float
    block_bpm: list[float]
    meter: int
    back_length_m: float
    blocks: list[IBlock]
    knots: list[tuple[float, float, float, float]]  # u, v (m), radius (m), ratio
    hold_p: float
    rate_hz: float
    clock_offset_s: float
    tissue_a_n: float
    tissue_b_per_m: float
    positions: bool
    tool_names: dict[str, str]


def _phrase(rng: np.random.Generator, length_m: float, period_s: float, meter: int,
            speed: tuple[float, float], legs: int = 2) -> int:  # fmt: skip
    """Beats of a pass of ``legs`` legs at a drawn speed, rounded to whole bars, each
    leg within 2–16 beats and 1.2–8 cm/s."""
    leg = length_m / (rng.uniform(*speed) * period_s)
    low = max(2.0, length_m / (0.08 * period_s))
    high = min(16.0, length_m / (0.012 * period_s))
    total = legs * float(np.clip(leg, low, high))
    bars = max(1, round(total / meter))
    while bars * meter > legs * high and bars > 1:
        bars -= 1
    while bars * meter < legs * low:
        bars += 1
    return bars * meter


def _softening(rng: np.random.Generator, b: IBlock) -> None:
    if b.until:
        s = int(rng.integers(1, 4))
        drop = rng.uniform(0.08, 0.14)
        b.soft_pass, b.passes = s, s + 2
        b.soft_by_pass = [1.0] * s + [1.0 - 0.75 * drop, 1.0 - drop]
    else:
        b.soft_by_pass = [1.0 - 0.004 * i for i in range(b.passes)]


def _stroke_block(rng: np.random.Generator, tech: str, length_m: float, period_s: float,
                  meter: int) -> IBlock:  # fmt: skip
    b = IBlock(tech, float(np.round(rng.uniform(*_FORCE_N[tech]), 1)))
    b.ramp = float(rng.uniform(0.0, 0.14) * rng.choice([-1, 1]))
    b.build_up = bool(rng.random() < 0.4)
    b.share = float(rng.uniform(0.38, 0.62))
    side = rng.random()
    b.sides = (1, -1) if side < 0.65 else ((1,) if side < 0.83 else (-1,))
    b.until = bool(rng.random() < 0.35)
    if tech == "glide":
        b.u_min, b.u_max = rng.uniform(0.05, 0.15), rng.uniform(0.85, 0.95)
        b.sides = (0,)
        b.pass_beats = _phrase(rng, (b.u_max - b.u_min) * length_m, period_s, meter, (0.022, 0.045))
        b.passes = int(rng.integers(2, 6))
    elif tech == "forearm":
        b.u_min, b.u_max = rng.uniform(0.10, 0.20), rng.uniform(0.42, 0.55)
        b.lateral_m = float(rng.uniform(0.06, 0.10))
        b.pass_beats = _phrase(rng, (b.u_max - b.u_min) * length_m, period_s, meter, (0.025, 0.05))
        b.passes = int(rng.integers(2, 5))
    else:
        b.u_min, b.u_max = rng.uniform(0.08, 0.15), rng.uniform(0.6, 0.93)
        n_lanes = 1 if b.until else int(rng.integers(1, 4))
        inner, step = rng.uniform(0.024, 0.032), rng.uniform(0.007, 0.012)
        b.lanes_m = tuple(float(inner + step * j) for j in range(n_lanes))
        strip_m = (b.u_max - b.u_min) * length_m
        strip = int(np.clip(round(strip_m / (rng.uniform(0.02, 0.04) * period_s)), 4, 16))
        b.return_beats = max(2, int(np.ceil(strip_m / (0.08 * period_s))))
        b.pass_beats = -(-(strip + b.return_beats) // meter) * meter
        b.share = strip / b.pass_beats
        b.passes = int(rng.integers(1, max(2, 8 // b.strips()) + 1))
        if b.passes >= 2 and rng.random() < 0.4:
            b.dwell_beats = int(rng.integers(2, 7))
    _softening(rng, b)
    return b


def _sequence(rng: np.random.Generator) -> list[str]:
    n = int(rng.integers(3, 6))
    opening = rng.random() < 0.75
    closing = n >= 4 and rng.random() < 0.25
    strokes: list[str] = []
    for _ in range(n - opening - closing):
        options = [
            t for t in ("glide", "forearm", "thumb_strip") if not strokes or t != strokes[-1]
        ]
        weights = np.array([2.0 if t == "glide" and not strokes else 1.0 for t in options])
        strokes.append(str(rng.choice(options, p=weights / weights.sum())))
    return ["rest"] * opening + strokes + ["closing"] * closing


def make_score(rng: np.random.Generator) -> IScore:
    bpm = float(rng.uniform(51.5, 78.0))
    meter = int(rng.choice([3, 4, 6], p=[0.3, 0.5, 0.2]))
    length_m = float(rng.uniform(0.42, 0.60))
    period_s = 60.0 / bpm
    vocab = _LABELS[str(rng.choice(["en", "de"], p=[0.7, 0.3]))]
    blocks: list[IBlock] = []
    for tech in _sequence(rng):
        if tech in ("rest", "closing"):
            b = IBlock("rest", float(np.round(rng.uniform(*_FORCE_N["rest"]), 1)))
            b.u_rest = float(rng.uniform(0.7, 0.88))
            bars = round(rng.uniform(12.0, 30.0) / period_s / meter)
            b.rest_beats = max(meter, bars * meter)
        else:
            b = _stroke_block(rng, tech, length_m, period_s, meter)
        b.label = str(rng.choice(vocab[tech]))
        blocks.append(b)
    knots = [
        (rng.uniform(0.15, 0.85), rng.choice([-1, 1]) * rng.uniform(0.025, 0.055),
         rng.uniform(0.004, 0.007), rng.uniform(1.5, 2.5))
        for _ in range(int(rng.integers(0, 4)))
    ]  # fmt: skip
    for b in blocks:  # knot work needs a knot on one of its lanes
        if b.dwell_beats:
            u = rng.uniform(b.u_min + 0.15, b.u_max - 0.15)
            knots.append((u, b.sides[0] * b.lanes_m[-1], 0.006, float(rng.uniform(1.8, 2.5))))
    while sum(b.beats() for b in blocks) * period_s > MAX_SESSION_S:
        longest = max((b for b in blocks if b.technique != "rest"), key=IBlock.beats)
        if longest.passes <= 1 or longest.until:
            break
        longest.passes -= 1
        longest.soft_by_pass = longest.soft_by_pass[: longest.passes]
    # the tempo steps block to block; the truth is the beat-weighted geometric mean
    offsets = np.log1p(rng.uniform(-0.02, 0.02, len(blocks)))
    weights = np.array([b.beats() for b in blocks], float)
    offsets -= np.sum(weights * offsets) / weights.sum()
    offsets *= min(1.0, np.log(1.0198) / max(np.abs(offsets).max(), 1e-12))
    d15_m, b_per_m = rng.uniform(0.006, 0.010), rng.uniform(120.0, 220.0)
    rate = float(rng.choice([100, 125, 200, 250, 400, 500, 1000],
                            p=[0.15, 0.15, 0.2, 0.2, 0.1, 0.12, 0.08]))  # fmt: skip
    return IScore(
        bpm=bpm,
        block_bpm=[float(bpm * np.exp(c)) for c in offsets],
        meter=meter,
        back_length_m=length_m,
        blocks=blocks,
        knots=[(float(a), float(b), float(c), float(d)) for a, b, c, d in knots],
        hold_p=float(rng.uniform(0.05, 0.3)),
        rate_hz=rate,
        clock_offset_s=float(rng.uniform(3600.0, 80000.0)),
        tissue_a_n=float(15.0 / np.expm1(b_per_m * d15_m)),
        tissue_b_per_m=float(b_per_m),
        positions=bool(rng.random() < 0.5),
        tool_names={face: str(rng.choice(names)) for face, names in _TOOLS.items()},
    )
