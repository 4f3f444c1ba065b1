"""Generator L's score: the routine a human master performs (the truth of a demonstration).

Written blind to ``backstroke.learn`` and to generators B–K, from DESIGN §6.3, the
routine contract (docs/routines.md) and the issue: BPM 50–80, 3–5 blocks (rest, glide,
forearm, thumb strip), fixed passes or "until softening", dwells on knots, strokes in
whole beats. ``draw_score(seed)`` draws one; ``LScore.routine_dict()`` is the routine
file it amounts to (it passes ``check``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

# free-text names a therapist or an annotator might give (one set per demonstration)
BLOCK_NAMES = {
    "rest": ("Rest", "hold", "listening hands", "Settle"),
    "glide": ("Effleurage", "palm glide", "long strokes", "Gliding"),
    "forearm": ("forearm glide", "Forearm", "forearm effleurage", "Forearm work"),
    "thumb_strip": ("thumbs", "Thumb strip", "paraspinal thumb stripping", "Stripping"),
}
TOOL_NAMES = {
    "palms": ("hands", "palms", "Flat hands", "both hands"),
    "forearm": ("forearm", "Forearm", "forearms", "lower arm"),
    "thumb": ("thumbs", "thumb pads", "Thumb", "both thumbs"),
}
TOOL_OF = {"rest": "palms", "glide": "palms", "forearm": "forearm", "thumb_strip": "thumb"}
FORCE_RANGE_N = {
    "rest": (4.0, 8.0),
    "glide": (8.0, 18.0),
    "forearm": (16.0, 32.0),
    "thumb_strip": (10.0, 22.0),
}
SPEED_RANGE_M_S = {"glide": (0.025, 0.055), "forearm": (0.018, 0.04), "thumb_strip": (0.015, 0.03)}


@dataclass(frozen=True)
class LKnot:
    u: float
    v_m: float
    radius_m: float
    ratio: float  # stiffness multiplier at the centre


@dataclass
class LBlock:
    technique: str
    force_n: float
    passes: int  # passes the master performed (rest: 1)
    until_softening: bool = False
    beats_per_stroke: int = 0  # each leg (down, up, strip) lasts this many beats
    u_min: float = 0.0
    u_max: float = 0.0
    lateral_m: float = 0.0
    side: str = "both"
    dwell: bool = False
    dwell_beats: int = 0
    rest_u: float = 0.0
    rest_beats: int = 0
    soft_pass: int | None = None  # until softening: the first soft pass (confirmed next)
    speed_m_s: float = 0.0  # the leg's mean surface speed (set by the performer's back)
    return_beats: int = 0  # thumb: the light way back down; forearm: the glide across
    return_m_s: float = 0.0  # its mean speed
    block_name: str = ""
    tool_name: str = ""

    def leg_m(self, back_length_m: float) -> float:
        return (self.u_max - self.u_min) * back_length_m


@dataclass
class LScore:
    seed: int
    bpm: float
    back_length_m: float
    blocks: list[LBlock]
    knots: list[LKnot]
    transition_force_n: float
    transition_label: str  # "" = transitions carry the next block's name
    positions: bool  # the log has x_m, y_m, z_m (robot frame)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def beat_s(self) -> float:
        return 60.0 / self.bpm

    def routine_dict(self) -> dict[str, Any]:
        """The routine this score performs, as a routine file's keys."""
        out: list[dict[str, Any]] = []
        for b in self.blocks:
            d: dict[str, Any] = {"technique": b.technique, "target_force_n": round(b.force_n, 2)}
            if b.technique == "rest":
                d |= {"u": round(b.rest_u, 3), "duration_s": round(b.rest_beats * self.beat_s, 2)}
                out.append(d)
                continue
            d |= {"u_min": round(b.u_min, 3), "u_max": round(b.u_max, 3)}
            d["beats_per_stroke"] = b.beats_per_stroke
            if b.return_beats:
                d["transition_speed_m_s"] = round(float(np.clip(b.return_m_s, 0.01, 0.1)), 4)
            if b.technique == "forearm":
                d |= {"side": b.side, "lateral_m": round(b.lateral_m, 3)}
            if b.technique == "thumb_strip":
                d |= {"side": b.side, "cover": "line", "lateral_m": round(b.lateral_m, 3)}
                d |= {"dwell_on_knots": b.dwell}
                if b.dwell:
                    d["dwell_beats"] = b.dwell_beats
            d["repeat"] = {"passes": b.passes}
            if b.until_softening:  # her passes are the plan's (it holds min_passes)
                d["repeat"] = {"until": "softening", "min_passes": b.passes, "max_passes": 8}
            out.append(d)
        return {
            "name": f"master L{self.seed}",
            "bpm": round(self.bpm, 3),
            "transition_force_n": round(self.transition_force_n, 2),
            "blocks": out,
        }


def _sequence(rng: np.random.Generator) -> list[str]:
    n = int(rng.integers(3, 6))
    seq = ["rest"] if rng.random() < 0.85 else []
    strokes = ["glide", "forearm", "thumb_strip"]
    end_rest = n >= 4 and rng.random() < 0.25
    while len(seq) < n - int(end_rest):
        choices = [s for s in strokes if not seq or s != seq[-1]]
        # a human session usually warms with the palms before deeper tools
        if not any(s != "rest" for s in seq) and rng.random() < 0.7:
            choices = ["glide"]
        seq.append(str(rng.choice(choices)))
    if end_rest:
        seq.append("rest")
    return seq


def _passes(rng: np.random.Generator, b: LBlock) -> None:
    if rng.random() < 0.4:
        b.until_softening = True
        b.soft_pass = int(rng.integers(1, 5))
        b.passes = b.soft_pass + 2  # the soft pass, the confirming pass, then stop
    else:
        b.passes = int(rng.integers(2, 6))


def _block(rng: np.random.Generator, tech: str, score_len_m: float, beat_s: float) -> LBlock:
    lo, hi = FORCE_RANGE_N[tech]
    b = LBlock(tech, float(rng.uniform(lo, hi)), 1)
    if tech == "rest":
        b.rest_u = float(rng.uniform(0.72, 0.86))
        b.rest_beats = max(2, round(float(rng.uniform(10.0, 30.0)) / beat_s))
        return b
    if tech == "glide":
        b.u_min, b.u_max = float(rng.uniform(0.06, 0.14)), float(rng.uniform(0.84, 0.93))
    elif tech == "forearm":
        b.u_min, b.u_max = float(rng.uniform(0.08, 0.2)), float(rng.uniform(0.42, 0.58))
        b.lateral_m = float(rng.uniform(0.06, 0.1))
        b.side = str(rng.choice(["both", "both", "left", "right"]))
    else:
        b.u_min, b.u_max = float(rng.uniform(0.07, 0.14)), float(rng.uniform(0.6, 0.93))
        b.lateral_m = float(rng.uniform(0.026, 0.038))
        b.side = str(rng.choice(["both", "both", "both", "left", "right"]))
        b.dwell = bool(rng.random() < 0.6)
        b.dwell_beats = int(rng.integers(4, 9)) if b.dwell else 0
    _passes(rng, b)
    slo, shi = SPEED_RANGE_M_S[tech]
    leg_s = b.leg_m(score_len_m) / float(rng.uniform(slo, shi))
    b.beats_per_stroke = int(np.clip(round(leg_s / beat_s), 3, 40))
    b.speed_m_s = b.leg_m(score_len_m) / (b.beats_per_stroke * beat_s)
    if tech == "thumb_strip":  # a master returns quicker than she strips
        b.return_beats = max(2, round(0.45 * b.beats_per_stroke))
        b.return_m_s = b.leg_m(score_len_m) / (b.return_beats * beat_s)
    elif tech == "forearm" and b.side == "both":  # across the top at about 5 cm/s
        b.return_beats = max(2, round(2 * b.lateral_m / 0.05 / beat_s))
        b.return_m_s = 2 * b.lateral_m / (b.return_beats * beat_s)
    return b


def _knots(rng: np.random.Generator, blocks: list[LBlock]) -> list[LKnot]:
    """Knots on the erector spinae; a dwelling thumb block gets at least one on its line."""
    knots: list[LKnot] = []
    for b in blocks:
        if b.technique != "thumb_strip" or not b.dwell:
            continue
        sides = {"both": (1, -1), "left": (1,), "right": (-1,)}[b.side]
        for _ in range(int(rng.integers(1, 3))):
            sign = int(rng.choice(sides))
            u = float(rng.uniform(b.u_min + 0.08, b.u_max - 0.08))
            v = sign * (b.lateral_m + float(rng.uniform(-0.003, 0.003)))
            knots.append(
                LKnot(u, v, float(rng.uniform(0.006, 0.014)), float(rng.uniform(1.6, 2.4)))
            )
    for _ in range(int(rng.integers(0, 3))):  # others anywhere in the band, felt or not
        sign = 1 if rng.random() < 0.5 else -1
        knots.append(
            LKnot(
                float(rng.uniform(0.15, 0.85)),
                sign * float(rng.uniform(0.022, 0.06)),
                float(rng.uniform(0.005, 0.015)),
                float(rng.uniform(1.4, 2.2)),
            )
        )
    return knots


def draw_score(seed: int) -> LScore:
    """One master's routine for ``seed``: tempo, back, blocks, knots, how the log is kept."""
    rng = np.random.default_rng([seed, 0x4C])
    bpm = float(rng.uniform(50.0, 80.0))
    length = float(np.clip(rng.normal(0.51, 0.035), 0.44, 0.59))
    blocks = [_block(rng, t, length, 60.0 / bpm) for t in _sequence(rng)]
    for b in blocks:
        b.block_name = str(rng.choice(BLOCK_NAMES[b.technique]))
    tool_names = {k: str(rng.choice(v)) for k, v in TOOL_NAMES.items()}
    for b in blocks:
        b.tool_name = tool_names[TOOL_OF[b.technique]]
    return LScore(
        seed=seed,
        bpm=bpm,
        back_length_m=length,
        blocks=blocks,
        knots=_knots(rng, blocks),
        transition_force_n=float(rng.uniform(3.0, 5.5)),
        transition_label="" if rng.random() < 0.5 else str(rng.choice(["transition", "change"])),
        positions=bool(rng.random() < 0.7),
        extra={"palm_label": tool_names["palms"]},
    )
