"""Generator G: a human therapist's demonstration, written from the contracts only.

Written before reading the learner's code or the other generators (A–F), from DESIGN
§6.3 (the contact log), docs/logs.md, docs/routines.md, ``routine/schema.py`` and the
seed text. It models a person, not the planner:

* a **score** (``GSpec``): the routine the therapist has in mind, drawn per seed — BPM
  50–80, 3–5 blocks (rest, glide, forearm, thumb strip), each stroke a whole number of
  beats, fixed passes or "until the tissue softens", thumb dwells on knots;
* a **performance** (``perform``): the person plays the score on a simulated back —
  stroke boundaries on the beat with human timing jitter and a steady lag, a turnaround
  held a whole beat or not, strokes eased in and out by a per-stroke amount, force
  that varies per stroke, sags and breathes, light glides between blocks and for the
  returns, passes that repeat until the tissue's stiffness has dropped (heard over two
  passes), dwells on the knots found in the first pass;
* a **recorder**: 120–400 Hz with uneven sample times and a clock that does not start
  at 0, dropped samples and dropped bursts, a back that breathes under an indentation
  measured against a still surface, the tool/block columns with other recorders'
  labels (or none), and extra columns the analysis must ignore.

Learner variants (``perform(..., fault=...)``) play the same score with another
person's timing and one real fault: ``too_hard`` (pressure), ``too_fast`` (speed),
``lifting_off`` (continuity).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

FAULT_ELEMENT = {"too_hard": "pressure", "too_fast": "speed", "lifting_off": "continuity"}
_PALM_LABELS = ("Flat Hand", "hands", "open-hand", "palmar", "both_palms", "heel of hand")
_FOREARM_LABELS = ("Fore Arm", "lower arm", "ELBOW", "forearms", "ulna")
_THUMB_LABELS = ("thumb pad", "Thumbs", "both thumbs", "pollex", "thumb_tip")
_BLOCK_NAMES = {
    "rest": ("settle", "listen", "opening hold"),
    "glide": ("effleurage", "long strokes", "warm up", "closing strokes"),
    "forearm": ("deep work", "forearm work", "ulnar glide"),
    "thumb_strip": ("strip", "thumbs up", "erector work"),
}


@dataclass(frozen=True)
class GBlock:
    """One block of the therapist's score (the truth a learner is scored against)."""

    technique: str
    force_n: float
    beats_per_stroke: int = 0
    u_min: float = 0.0
    u_max: float = 0.0
    u_rest: float = 0.0
    rest_beats: int = 0
    passes: int = 1  # fixed passes; for until-softening the performance decides
    until_softening: bool = False
    side: str = "both"
    lanes_m: tuple[float, ...] = ()  # lateral distance of each lane from the midline
    dwell_beats: int = 0  # 0: no dwells
    softening_drop: float = 0.05  # asymptotic stiffness drop over many passes
    softening_tau: float = 2.0  # passes


@dataclass(frozen=True)
class GSpec:
    """A therapist's score and the client it is played on."""

    seed: int
    bpm: float
    back_length_m: float
    transition_force_n: float
    blocks: tuple[GBlock, ...]
    stiffness_n_m: float
    knots: tuple[tuple[float, float, float, float], ...]  # (u, v_m, radius_m, ratio)
    breathing_rate_bpm: float
    breath_amplitude_m: float


@dataclass
class GDemo:
    """One performance: the log columns and what really happened per block."""

    spec: GSpec
    fault: str | None
    columns: dict[str, list[Any]]
    passes: list[int]  # per block, as performed
    dwells: list[int]  # per block, dwells performed
    block_t_s: list[tuple[float, float]]  # per block, first and last sample time
    duration_s: float
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def fault_element(self) -> str | None:
        return FAULT_ELEMENT.get(self.fault) if self.fault else None

    def routine(self) -> dict[str, Any]:
        """The score as a routine table (docs/routines.md), with the passes performed."""
        blocks: list[dict[str, Any]] = []
        for b, n in zip(self.spec.blocks, self.passes, strict=True):
            d: dict[str, Any] = {"technique": b.technique, "target_force_n": round(b.force_n, 2)}
            if b.technique == "rest":
                d.update(
                    u=round(b.u_rest, 3), duration_s=round(b.rest_beats * 60 / self.spec.bpm, 2)
                )
            else:
                d.update(u_min=round(b.u_min, 3), u_max=round(b.u_max, 3))
                d["beats_per_stroke"] = b.beats_per_stroke
                d["repeat"] = {"until": "softening"} if b.until_softening else {"passes": n}
            if b.technique in ("forearm", "thumb_strip"):
                d["side"] = b.side
            if b.technique == "forearm":
                d["lateral_m"] = round(b.lanes_m[0], 4)
            if b.technique == "thumb_strip":
                if len(b.lanes_m) == 1:
                    d.update(cover="line", lateral_m=round(b.lanes_m[0], 4))
                else:
                    spacing = b.lanes_m[1] - b.lanes_m[0]
                    d.update(
                        cover="band",
                        band_m=[round(b.lanes_m[0], 4), round(b.lanes_m[-1], 4)],
                        lane_spacing_m=round(spacing, 4),
                    )
                if b.dwell_beats and self.dwells[len(blocks)]:
                    d.update(dwell_on_knots=True, dwell_beats=b.dwell_beats)
            blocks.append(d)
        return {
            "name": f"g{self.spec.seed}",
            "bpm": round(self.spec.bpm, 3),
            "transition_force_n": round(self.spec.transition_force_n, 2),
            "blocks": blocks,
        }

    def write_csv(self, path: Path) -> Path:
        names = list(self.columns)
        with path.open("w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(names)
            w.writerows(zip(*(self.columns[n] for n in names), strict=True))
        return path


# ---------------------------------------------------------------- the score


def draw_spec(seed: int) -> GSpec:
    rng = np.random.default_rng([seed, 7070])
    bpm = float(rng.uniform(50.0, 80.0))
    period = 60.0 / bpm
    back = float(np.clip(rng.normal(0.51, 0.035), 0.44, 0.59))
    n_blocks = int(rng.integers(3, 6))
    seq = ["rest"] if rng.random() < 0.85 else []
    seq.append("glide" if rng.random() < 0.75 else "forearm")
    while len(seq) < n_blocks:
        options = [t for t in ("glide", "forearm", "thumb_strip") if t != seq[-1]]
        if len(seq) == n_blocks - 1 and rng.random() < 0.15:
            options.append("rest")  # a closing hold
        seq.append(str(rng.choice(options)))
    knots = []
    for _ in range(int(rng.integers(0, 4))):
        side = 1.0 if rng.random() < 0.5 else -1.0
        knots.append(
            (
                float(rng.uniform(0.2, 0.75)),
                side * float(rng.uniform(0.026, 0.042)),
                float(rng.uniform(0.005, 0.009)),
                float(rng.uniform(1.6, 2.4)),
            )
        )
    blocks = tuple(_draw_block(rng, t, period, back) for t in seq)
    return GSpec(
        seed=seed,
        bpm=bpm,
        back_length_m=back,
        transition_force_n=float(rng.uniform(2.5, 5.5)),
        blocks=blocks,
        stiffness_n_m=float(rng.uniform(1600, 2600)),
        knots=tuple(knots),
        breathing_rate_bpm=float(rng.uniform(10, 19)),
        breath_amplitude_m=float(rng.uniform(0.0012, 0.0032)),
    )


def _beats_for(leg_m: float, speed_m_s: float, period_s: float) -> int:
    return max(2, round(leg_m / speed_m_s / period_s))


def _draw_block(rng: np.random.Generator, technique: str, period: float, back: float) -> GBlock:
    if technique == "rest":
        return GBlock(
            "rest",
            float(rng.uniform(3.5, 8.0)),
            u_rest=float(rng.uniform(0.7, 0.86)),
            rest_beats=max(8, round(rng.uniform(12, 30) / period)),
        )
    until = bool(rng.random() < (0.2 if technique == "thumb_strip" else 0.4))
    soft = (
        float(rng.uniform(0.07, 0.14)) if until else float(rng.uniform(0.0, 0.06)),
        float(rng.uniform(1.0, 2.5)),
    )
    if technique == "glide":
        lo, hi = float(rng.uniform(0.06, 0.15)), float(rng.uniform(0.85, 0.94))
        speed = float(rng.uniform(0.025, 0.055))
        return GBlock(
            "glide", float(rng.uniform(8, 20)), _beats_for((hi - lo) * back, speed, period),
            lo, hi, passes=int(rng.integers(2, 5)), until_softening=until,
            softening_drop=soft[0], softening_tau=soft[1],
        )  # fmt: skip
    side = str(rng.choice(["both", "both", "both", "left", "right"]))
    if technique == "forearm":
        lo, hi = float(rng.uniform(0.10, 0.18)), float(rng.uniform(0.40, 0.55))
        speed = float(rng.uniform(0.02, 0.045))
        return GBlock(
            "forearm", float(rng.uniform(18, 34)), _beats_for((hi - lo) * back, speed, period),
            lo, hi, passes=int(rng.integers(2, 5)), until_softening=until, side=side,
            lanes_m=(float(rng.uniform(0.06, 0.10)),),
            softening_drop=soft[0], softening_tau=soft[1],
        )  # fmt: skip
    lo, hi = float(rng.uniform(0.08, 0.14)), float(rng.uniform(0.80, 0.92))
    speed = float(rng.uniform(0.012, 0.03))
    if rng.random() < 0.65:
        lanes: tuple[float, ...] = (float(rng.uniform(0.026, 0.038)),)
    else:
        inner, spacing = float(rng.choice([0.024, 0.026])), float(rng.choice([0.01, 0.012, 0.015]))
        lanes = tuple(inner + i * spacing for i in range(int(rng.integers(2, 4))))
    return GBlock(
        "thumb_strip", float(rng.uniform(10, 22)), _beats_for((hi - lo) * back, speed, period),
        lo, hi, passes=int(rng.integers(1, 4)), until_softening=until, side=side, lanes_m=lanes,
        dwell_beats=int(rng.integers(3, 7)) if rng.random() < 0.5 else 0,
        softening_drop=soft[0], softening_tau=soft[1],
    )  # fmt: skip


# ---------------------------------------------------------------- the performance


@dataclass
class _Seg:
    """One piece of the performance, between two (jittered) beat positions."""

    b0: float  # start, in beats
    b1: float  # end, in beats
    u0: float
    u1: float
    v0: float
    v1: float
    force_n: float
    tool: str  # palms / forearm / thumb
    block: int  # -1 between blocks
    pass_: int  # pass within the block (-1 none)
    ease: float = 0.6  # 0 constant speed .. 1 minimum jerk
    lifted: bool = False


class _Player:
    """Lays segments on the beat grid; keeps where the hands are."""

    def __init__(self, spec: GSpec, rng: np.random.Generator, fault: str | None) -> None:
        self.spec, self.rng, self.fault = spec, rng, fault
        self.beat = 0.0
        self.u, self.v = 0.8, 0.0
        self.segs: list[_Seg] = []
        self.dwells = [0] * len(spec.blocks)
        self.hold_at_turn = int(rng.choice([0, 0, 1]))
        self.force_gain = float(rng.uniform(0.95, 1.05))
        if fault == "too_hard":
            self.force_gain *= float(rng.uniform(1.4, 1.7))

    def _stroke_force(self, f: float) -> float:
        return f * self.force_gain * float(np.exp(self.rng.normal(0.0, 0.07)))

    def go(
        self, beats: float, u1: float, v1: float, force: float, tool: str, block: int, p: int
    ) -> None:
        ease = float(self.rng.uniform(0.3, 0.95))
        self.segs.append(
            _Seg(self.beat, self.beat + beats, self.u, u1, self.v, v1, force, tool, block, p, ease)
        )
        self.beat += beats
        self.u, self.v = u1, v1

    def hold(self, beats: float, force: float, tool: str, block: int, p: int) -> None:
        self.go(beats, self.u, self.v, force, tool, block, p)

    def stroke_beats(self, b: GBlock) -> int:
        n = b.beats_per_stroke
        return max(2, round(n / 2)) if self.fault == "too_fast" else n


def _drop(b: GBlock, p: float) -> float:
    return b.softening_drop * (1.0 - np.exp(-p / b.softening_tau))


def _passes_until_soft(b: GBlock) -> int:
    """The therapist feels the drop in a pass and once more in the next, then stops."""
    for q in range(0, 7):
        if _drop(b, q) >= 0.05 and _drop(b, q + 1) >= 0.05:
            return max(2, q + 2)
    return 8


def _play_block(pl: _Player, i: int, b: GBlock, light: float) -> int:
    rng = pl.rng
    if b.technique == "rest":
        pl.hold(b.rest_beats, b.force_n * pl.force_gain**0.3, "palms", i, 0)
        return 1
    passes = _passes_until_soft(b) if b.until_softening else b.passes
    n = pl.stroke_beats(b)
    turn = pl.hold_at_turn
    if b.technique == "glide":
        for p in range(passes):
            pl.go(n, b.u_min, 0.0, pl._stroke_force(b.force_n), "palms", i, p)
            if turn:
                pl.hold(turn, pl._stroke_force(b.force_n), "palms", i, p)
            pl.go(n, b.u_max, 0.0, pl._stroke_force(b.force_n) * 0.93, "palms", i, p)
            if turn and p < passes - 1:
                pl.hold(turn, pl._stroke_force(b.force_n), "palms", i, p)
        return passes
    sides = {"both": (1.0, -1.0), "left": (1.0,), "right": (-1.0,)}[b.side]
    if b.technique == "forearm":
        lat = b.lanes_m[0]
        for p in range(passes):
            for _k, s in enumerate(sides):
                if abs(pl.v - s * lat) > 0.005:
                    pl.go(2, b.u_max, s * lat, light, "forearm", i, p)  # across, light
                pl.go(n, b.u_min, s * lat, pl._stroke_force(b.force_n), "forearm", i, p)
                if turn:
                    pl.hold(turn, pl._stroke_force(b.force_n), "forearm", i, p)
                pl.go(n, b.u_max, s * lat, pl._stroke_force(b.force_n), "forearm", i, p)
        return passes
    # thumb strip: upward only; a light palm glide back down to the next lane
    ret = max(2, round(n * float(rng.uniform(0.35, 0.6))))
    lanes = list(b.lanes_m)
    for p in range(passes):
        own = lanes if (b.until_softening or len(lanes) == 1) else lanes[p % len(lanes) :: passes]
        own = own or [lanes[p % len(lanes)]]
        for s in sides:
            for lat in own:
                v = s * lat
                if abs(pl.u - b.u_min) > 0.02 or abs(pl.v - v) > 0.003:
                    pl.go(ret, b.u_min, v, light, "palms", i, p)
                f = pl._stroke_force(b.force_n)
                stops = []
                if b.dwell_beats and p > 0:
                    stops = sorted(
                        k[0]
                        for k in pl.spec.knots
                        if abs(k[1] - v) < 0.009 and b.u_min + 0.03 < k[0] < b.u_max - 0.03
                    )
                u_at = b.u_min
                moved = 0.0
                for ku in stops:
                    pl.dwells[i] += 1
                    part = n * (ku - u_at) / (b.u_max - b.u_min)
                    pl.go(part, ku, v, f, "thumb", i, p)
                    pl.hold(b.dwell_beats, f * float(rng.uniform(1.0, 1.1)), "thumb", i, p)
                    moved += part
                    u_at = ku
                pl.go(n - moved, b.u_max, v, f, "thumb", i, p)
    return passes


def perform(spec: GSpec, *, labelled: bool, fault: str | None = None, performer: int = 0) -> GDemo:
    """Play ``spec``: the master (``fault=None``) or a learner with one real fault."""
    if fault is not None and fault not in FAULT_ELEMENT:
        raise ValueError(f"fault {fault!r}: one of {sorted(FAULT_ELEMENT)}")
    role = 0 if fault is None else 1 + sorted(FAULT_ELEMENT).index(fault)
    rng = np.random.default_rng([spec.seed, 31, role, performer])
    pl = _Player(spec, rng, fault)
    first = spec.blocks[0]
    pl.u = first.u_rest if first.technique == "rest" else first.u_max
    pl.v = 0.0 if first.technique in ("rest", "glide") else first.lanes_m[0]
    light = spec.transition_force_n
    passes: list[int] = []
    for i, b in enumerate(spec.blocks):
        if i > 0:  # a light glide on the skin to where the next block starts
            u1 = (
                b.u_rest
                if b.technique == "rest"
                else (b.u_min if b.technique == "thumb_strip" else b.u_max)
            )
            v1 = (
                0.0
                if b.technique in ("rest", "glide")
                else {"right": -1.0}.get(b.side, 1.0) * b.lanes_m[0]
            )
            beats = int(rng.integers(2, 5))
            pl.go(beats, u1, v1, light, _tool_of(spec.blocks[i - 1]), -1, -1)
        passes.append(_play_block(pl, i, b, light))
    return _record(spec, pl, passes, labelled=labelled, fault=fault)


def _tool_of(b: GBlock) -> str:
    return {"rest": "palms", "glide": "palms", "forearm": "forearm", "thumb_strip": "thumb"}[
        b.technique
    ]


# ---------------------------------------------------------------- the recorder


def _record(
    spec: GSpec, pl: _Player, passes: list[int], *, labelled: bool, fault: str | None
) -> GDemo:
    rng = pl.rng
    period = 60.0 / spec.bpm
    segs = pl.segs
    # beat positions of every boundary -> times, with the person's lag and jitter
    bounds_b = np.array([s.b0 for s in segs] + [segs[-1].b1])
    lag = float(rng.uniform(-0.04, 0.08))
    sd = float(rng.uniform(0.02, 0.05)) * period
    bounds_t = bounds_b * period + lag + rng.normal(0.0, sd, bounds_b.size)
    bounds_t[0] = 0.0
    bounds_t = np.maximum.accumulate(bounds_t + np.arange(bounds_t.size) * 1e-6)
    lead_in = float(rng.uniform(0.6, 2.0))  # hands above the back before touch-down
    tail = float(rng.uniform(0.5, 1.5))
    rate = float(rng.uniform(120, 400))
    t_end = bounds_t[-1] + tail
    n = int((t_end + lead_in) * rate)
    t = -lead_in + np.arange(n) / rate + rng.uniform(-0.25, 0.25, n) / rate
    t = np.sort(t)
    k = np.clip(np.searchsorted(bounds_t, t, side="right") - 1, 0, len(segs) - 1)
    t0, t1 = bounds_t[k], bounds_t[k + 1]
    tau = np.clip((t - t0) / np.maximum(t1 - t0, 1e-6), 0.0, 1.0)
    ease = np.array([s.ease for s in segs])[k]
    shape = (1 - ease) * tau + ease * (10 * tau**3 - 15 * tau**4 + 6 * tau**5)
    col = lambda name: np.array([getattr(s, name) for s in segs])[k]  # noqa: E731
    u = col("u0") + (col("u1") - col("u0")) * shape
    v = col("v0") + (col("v1") - col("v0")) * shape
    # the force the hands mean, smoothed (a person changes force over a few tenths of a s)
    f_cmd = col("force_n")
    f = np.empty_like(f_cmd)
    tc = float(rng.uniform(0.15, 0.35))
    acc = f_cmd[0]
    for j in range(n):
        dt = t[j] - t[j - 1] if j else 0.0
        a = 1.0 - np.exp(-dt / tc)
        acc += a * (f_cmd[j] - acc)
        f[j] = acc
    breath_hz = spec.breathing_rate_bpm / 60.0
    ph = 2 * np.pi * breath_hz * t + rng.uniform(0, 2 * np.pi)
    f = f * (1.0 + rng.uniform(0.03, 0.07) * np.sin(ph + 0.6)) + rng.normal(0, 0.12, n)
    f += 0.1 * np.sin(2 * np.pi * rng.uniform(7, 11) * t)  # physiological tremor
    touch = np.clip((t - 0.0) / 0.6, 0.0, 1.0) * np.clip((t_end - tail - t) / 0.5 + 1.0, 0.0, 1.0)
    if fault == "lifting_off":
        work = [
            j
            for j, s in enumerate(segs)
            if s.block >= 0 and s.force_n > spec.transition_force_n + 1
        ]
        for j in rng.choice(work, size=min(len(work), int(rng.integers(3, 6))), replace=False):
            mid = 0.5 * (bounds_t[j] + bounds_t[j + 1])
            half = 0.5 * float(rng.uniform(0.3, 1.1))
            touch[(t > mid - half) & (t < mid + half)] = 0.0
    f = f * touch
    # the tissue: stiffness along the back, knots, softening per block's pass
    tool = np.array([s.tool for s in segs])[k]
    block = col("block")
    pass_ = col("pass_")
    prog = pass_ + tau  # fractional passes into the block
    stiff = spec.stiffness_n_m * np.select([tool == "forearm", tool == "thumb"], [1.25, 0.7], 1.0)
    stiff = stiff * (1.0 + 0.12 * np.sin(2 * np.pi * u / 0.16 + 1.3) * 0.5 + 0.15 * (u - 0.5))
    for ku, kv, kr, ratio in spec.knots:
        d2 = ((u - ku) * spec.back_length_m) ** 2 + (v - kv) ** 2
        stiff *= 1.0 + (ratio - 1.0) * 0.6 * np.exp(-d2 / (2 * kr**2)) * (tool == "thumb")
    soft = np.ones(n)
    for i, b in enumerate(spec.blocks):
        m = (block == i) & (pass_ >= 0)
        soft[m] = 1.0 - _drop(b, prog[m])
    stiff = stiff * soft
    d_sat = float(rng.uniform(0.015, 0.025))
    fpos = np.maximum(f, 0.0)
    depth = (np.sqrt(1.0 + 4.0 * fpos / (stiff * d_sat)) - 1.0) * d_sat / 2.0
    breath = spec.breath_amplitude_m * np.sin(ph)
    indent = np.where(touch > 0, depth - breath, -0.008 - 0.004 * rng.random()) + rng.normal(
        0, 8e-5, n
    )
    u_meas = u + rng.normal(0, 0.0008, n)
    v_meas = v + rng.normal(0, 0.0006, n)
    # dropped samples: scattered, and a few bursts
    keep = rng.random(n) > rng.uniform(0.005, 0.03)
    for _ in range(int(rng.integers(2, 7))):
        c = rng.uniform(t[0], t[-1])
        keep &= ~((t > c) & (t < c + rng.uniform(0.05, 0.4)))
    keep[0] = keep[-1] = True
    clock0 = float(rng.uniform(100.0, 50000.0))
    cols: dict[str, list[Any]] = {}
    ts = t[keep] + lead_in + clock0
    cols["time_iso"] = [
        f"2026-03-0{1 + spec.seed % 9}T10:{int(x // 60) % 60:02d}:{x % 60:06.3f}" for x in ts
    ]
    cols["t_s"] = [f"{x:.4f}" for x in ts]
    order = (
        ["u", "normal_force_n", "v", "indentation_m"]
        if rng.random() < 0.5
        else ["v", "u", "indentation_m", "normal_force_n"]
    )
    vals = {"u": u_meas, "v": v_meas, "normal_force_n": f, "indentation_m": indent}
    fmt = {"u": "{:.5f}", "v": "{:.5f}", "normal_force_n": "{:.3f}", "indentation_m": "{:.6f}"}
    for name in order:
        cols[name] = [fmt[name].format(x) for x in vals[name][keep]]
    if rng.random() < 0.5:
        cols["x_m"] = [f"{x:.4f}" for x in (u * spec.back_length_m)[keep]]
        cols["y_m"] = [f"{x:.4f}" for x in v[keep]]
        cols["z_m"] = [f"{x:.4f}" for x in (0.11 + 0.03 * np.sin(np.pi * u) - depth)[keep]]
    cols["glove_temp_c"] = [f"{x:.2f}" for x in (31.0 + 0.3 * np.sin(t / 40.0))[keep]]
    if labelled:
        labels = {
            "palms": str(rng.choice(_PALM_LABELS)),
            "forearm": str(rng.choice(_FOREARM_LABELS)),
            "thumb": str(rng.choice(_THUMB_LABELS)),
        }
        names = [
            str(rng.choice(_BLOCK_NAMES[b.technique])) + f" {i + 1}"
            for i, b in enumerate(spec.blocks)
        ]
        between_next = rng.random() < 0.5  # a recorder that switches label when the move starts
        blk = []
        for kk in k:
            bi = segs[kk].block
            if bi < 0:
                bi = segs[kk + 1].block if between_next and kk + 1 < len(segs) else -1
            blk.append(names[bi] if bi >= 0 else "")
        cols["tool"] = [labels[x] for x in tool]
        cols["block"] = blk
        cols["tool"] = [x for x, kp in zip(cols["tool"], keep, strict=True) if kp]
        cols["block"] = [x for x, kp in zip(cols["block"], keep, strict=True) if kp]
    cols["operator"] = ["ST"] * int(keep.sum())
    block_t = []
    for i in range(len(spec.blocks)):
        m = block[keep] == i
        tb = ts[m]
        block_t.append((float(tb[0]), float(tb[-1])))
    return GDemo(
        spec=spec,
        fault=fault,
        columns=cols,
        passes=passes,
        dwells=pl.dwells,
        block_t_s=block_t,
        duration_s=float(ts[-1] - ts[0]),
        meta={
            "bounds_s": bounds_t + lead_in + clock0,
            "bounds_beats": bounds_b,
            "rate_hz": rate,
            "lag_s": lag,
            "jitter_s": sd,
            "hold_at_turn": pl.hold_at_turn,
        },
    )


def g_demo(seed: int, *, labelled: bool = True) -> GDemo:
    return perform(draw_spec(seed), labelled=labelled)


def g_learner(seed: int, fault: str, *, labelled: bool = True) -> GDemo:
    return perform(draw_spec(seed), labelled=labelled, fault=fault)
