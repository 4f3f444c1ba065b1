"""Generator K: a therapist who counts in threes, with lognormal strokes and rubato.

Written in session 10 for issue 17's held-out check, before the learner's tempo was
tuned that session, and run once (``python -m bench.learn --blind-k``, kept in
bench/results/learn_blind_K_first_run.json). It calls nothing of backstroke. The client,
the rig and the music's sway are generator J's (``tests/learn/j_client.py``,
``tests/learn/j_log.py``, ``tests/learn/j_score.py``); the hands are not:

- Strokes follow a **lognormal speed profile** — the kinematic theory of human rapid
  movement (Plamondon): speed ∝ ``lognormal_pdf(τ; μ, σ) · (1 − τ⁶)`` over the stroke's
  ``τ`` 0..1, its log-spread σ 0.2–0.5 and its peak at 30–60 % of the stroke, so the
  hand creeps off (every derivative vanishes at the start, far from a cubic start) and
  stops with a short brake; peak speed kept under 9.5 cm/s.
- **Tempo habits** (``tests/learn/k_score.py``): legs in threes (3–18 beats), short
  moves of 2, 3 or 6 beats, turns with no hold, one beat or three, **pauses** of 4–7
  beats at half the force between passes.
- **Rubato**: before a hold she lingers, arriving late by up to 8 % of the stroke (the
  time is taken from the hold, which still ends on the beat); she leaves a long stroke
  (9 beats or more) early by 0–60 ms; her error on the beat is correlated (AR(1), σ
  10–30 ms) around a habit of −15 … +15 ms.

Truth, ``k_demo`` and ``k_learner`` are as generator J's (``JTruth``: the BPM is the
music's mean tempo over the session).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from scipy.special import ndtr

from tests.learn.j_log import Seg, draw_rig, render, to_csv
from tests.learn.j_score import JScore
from tests.learn.j_synth import FAULT_ELEMENT, FAULTS, JTruth, Played, _Composer, _truth, play
from tests.learn.k_score import KBlock, make_score

__all__ = ["FAULTS", "FAULT_ELEMENT", "KDemo", "k_demo", "k_learner", "lognormal_progress"]

PEAK_SPEED_M_S = 0.095
TAPER_POWER = 6


def lognormal_progress(sigma: Any, mode: Any, tau: Any) -> Any:
    """Progress 0..1 of a stroke whose speed is ``lognormal_pdf(τ) · (1 − τ^6)``
    (log-spread ``sigma``, peak of the pdf at ``mode``), in closed form."""
    sigma, mode = np.asarray(sigma, dtype=float), np.asarray(mode, dtype=float)
    mu = np.log(mode) + sigma**2
    p = TAPER_POWER
    moment = np.exp(p * mu + 0.5 * (p * sigma) ** 2)

    def area(x: Any) -> Any:
        lx = np.log(np.maximum(x, 1e-12))
        return ndtr((lx - mu) / sigma) - moment * ndtr((lx - mu - p * sigma**2) / sigma)

    tau = np.clip(np.asarray(tau, dtype=float), 0.0, 1.0)
    return np.clip(area(tau) / area(np.ones_like(tau)), 0.0, 1.0)


def _peak_share(sigma: float, mode: float) -> float:
    """Peak speed over mean speed of the profile."""
    tau = np.linspace(0, 1, 801)
    return float(np.max(np.diff(lognormal_progress(sigma, mode, tau))) * 800)


class _KComposer(_Composer):
    """J's layout of a block, with K's strokes, turns and pauses."""

    def add(
        self,
        beats: int,
        kind: str,
        u1: float,
        v1: float,
        f1: float,
        face: str,
        block: int,
        stroke: bool = False,
        ramp: float = 1.0,
        knot: int = -1,
    ) -> None:
        u0, v0, n = self.u, self.v, len(self.notes)
        super().add(beats, kind, u1, v1, f1, face, block, stroke, ramp, knot)
        sigma, mode = 0.35, 0.5
        if kind == "move" and stroke:
            mean = np.hypot((u1 - u0) * self.s.client.back_length_m, v1 - v0) / (
                max(1, int(beats)) * self.period
            )
            sigma, mode = float(self.rng.uniform(0.2, 0.5)), float(self.rng.uniform(0.3, 0.6))
            while sigma < 0.6 and mean * _peak_share(sigma, mode) > PEAK_SPEED_M_S:
                mode, sigma = (mode + 0.05, sigma) if mode < 0.6 else (mode, sigma + 0.05)
        seg = self.notes[n].seg
        seg.alpha, seg.beta = sigma, mode

    def turn(self, b: Any, f: float, face: str, block: int) -> None:
        kb: KBlock = b
        if kb.turn == "one":
            self.hold(1, f, face, block)
        elif kb.turn == "three":
            self.hold(3, f, face, block)
        if block >= 0 and self.rng.random() < kb.pause_odds / 2:
            self.hold(int(self.rng.integers(4, 8)), 0.5 * f, face, block, ramp=0.3)


def _rubato(segs: list[Seg], score: JScore, rng: np.random.Generator) -> list[Seg]:
    """K's liberties with the beat: late into a hold, early out of a long stroke."""
    out = list(segs)
    period = score.period_s
    for k in range(1, len(out)):
        a, b = out[k - 1], out[k]
        shift = 0.0
        if a.kind == "move" and b.kind == "hold" and a.block >= 0:
            rub = float(getattr(score.blocks[a.block], "rubato", 0.0))
            shift = min(rub * (a.t1 - a.t0), 0.5 * (b.t1 - b.t0))
        elif b.kind == "move" and b.t1 - b.t0 >= 8.5 * period and a.kind == "hold":
            shift = -min(float(rng.uniform(0.0, 0.06)), 0.4 * (a.t1 - a.t0))
        if shift:
            out[k - 1] = replace(a, t1=a.t1 + shift)
            out[k] = replace(b, t0=b.t0 + shift)
    return out


@dataclass
class KDemo:
    columns: dict[str, Any]
    truth: JTruth
    score: JScore = field(repr=False)
    segs: list[Seg] = field(repr=False, default_factory=list)


def _play(score: JScore, rng: np.random.Generator, fault: str | None, timing: Any) -> Played:
    played = play(score, rng, fault, timing, _KComposer)
    return replace(played, segs=_rubato(played.segs, score, rng))


def k_demo(seed: int, labels: bool) -> KDemo:
    """Demonstration ``seed`` (with or without tool/block labels) and its truth."""
    score = make_score(seed)
    rig = draw_rig(np.random.default_rng([seed, 0x4B, 2]), labels, score.names)
    rng = np.random.default_rng([seed, 0x4B, 1])
    timing = (rng.uniform(-0.015, 0.015), rng.uniform(0.01, 0.03), 0.5)
    played = _play(score, rng, None, timing)
    cols = render(played.segs, score.client, rig, rng, [], profile=lognormal_progress)
    return KDemo(cols, _truth(score, played, rig), score, played.segs)


def k_learner(seed: int, fault: str, labels: bool) -> dict[str, Any]:
    """The score of demonstration ``seed`` played by a learner with ``fault`` (a
    learner's looser, later timing; three lifts of 0.4–1 s for ``lifting_off``)."""
    if fault not in FAULTS:
        raise ValueError(f"fault {fault!r}: one of {FAULTS}")
    score = make_score(seed)
    rig = draw_rig(np.random.default_rng([seed, 0x4B, 2]), labels, score.names)
    rng = np.random.default_rng([seed, 0x4B, 3, FAULTS.index(fault)])
    timing = (rng.uniform(0.0, 0.03), rng.uniform(0.045, 0.08), 0.3)
    segs = _play(score, rng, None if fault == "lifting_off" else fault, timing).segs
    lifts: list[tuple[float, float]] = []
    if fault == "lifting_off":
        work = [
            s
            for s in segs
            if s.kind == "move" and s.block >= 0 and s.f1_n > score.light_n and s.t1 - s.t0 > 2.0
        ]
        for s in (work[int(k)] for k in sorted(rng.choice(len(work), 3, replace=False))):
            mid = s.t0 + rng.uniform(0.3, 0.6) * (s.t1 - s.t0)
            lifts.append((mid, mid + rng.uniform(0.4, 1.0)))
    return render(segs, score.client, rig, rng, lifts, force_sway=0.05, profile=lognormal_progress)


__all__ += ["to_csv"]
