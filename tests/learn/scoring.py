"""Scoring a learned routine against the truth of a synthesised demonstration.

The issue's figures: block sequence right, force within 15 % (every block), passes
within 1 (planned passes vs what the master did), BPM within 3 %, and the routine
planned at the learned BPM on a client of the same back length lasting as long as the
demonstration within 30 %.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from backstroke.body.back_model import BackModel
from backstroke.body.client_file import ClientSpec
from backstroke.config import validate
from backstroke.errors import RoutineError
from backstroke.learn.demo import log_from_columns, make_demo
from backstroke.learn.elements import figures
from backstroke.learn.routine_out import routine_dict
from backstroke.music.grid import BeatGrid
from backstroke.plan.planner import compile_plan
from backstroke.routine.schema import RestBlock, Routine


@dataclass
class Score:
    sequence_ok: bool
    force_err: float  # worst relative error over blocks (inf if the sequence is wrong)
    passes_err: int  # worst |Δ| over stroke blocks
    bpm_err: float
    duration_err: float
    learned: list[str]
    truth: list[str]

    @property
    def ok(self) -> bool:
        return (
            self.sequence_ok
            and self.force_err <= 0.15
            and self.passes_err <= 1
            and self.bpm_err <= 0.03
            and self.duration_err <= 0.30
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "sequence_ok": self.sequence_ok,
            "force_err": round(self.force_err, 4),
            "passes_err": self.passes_err,
            "bpm_err": round(self.bpm_err, 4),
            "duration_err": round(self.duration_err, 4),
            "learned": self.learned,
            "truth": self.truth,
            "ok": self.ok,
        }


def learn_routine(
    columns: dict[str, Any], back_length_m: float | None = None
) -> tuple[Routine, float]:
    """The routine ``learn`` writes for these columns, and the learned BPM."""
    demo = make_demo(log_from_columns(columns), back_length_m)
    fig = figures(demo)
    data = routine_dict(fig, name="learned", threshold=0.05)
    return validate(Routine, data, path=None, error=RoutineError), float(data["bpm"])


def score(
    columns: dict[str, Any],
    *,
    techniques: list[str],
    forces_n: list[float],
    passes: list[int],
    bpm: float,
    back_length_m: float,
    duration_s: float,
    given_back_length_m: float | None = None,
) -> Score:
    routine, learned_bpm = learn_routine(columns, given_back_length_m)
    learned = [b.technique for b in routine.blocks]
    seq_ok = learned == techniques
    force_err = float("inf")
    passes_err = 99
    if seq_ok:
        force_err = max(
            abs(b.target_force_n - f) / f for b, f in zip(routine.blocks, forces_n, strict=True)
        )
        passes_err = max(
            (
                abs(b.repeat.planned_passes - p)
                for b, p in zip(routine.blocks, passes, strict=True)
                if not isinstance(b, RestBlock)
            ),
            default=0,
        )
    back = BackModel(ClientSpec(back_length_m=back_length_m).resolved())
    plan = compile_plan(routine, back, BeatGrid.constant(learned_bpm))
    return Score(
        seq_ok,
        force_err,
        passes_err,
        abs(learned_bpm - bpm) / bpm,
        abs(plan.duration_s - duration_s) / duration_s,
        learned,
        techniques,
    )


def score_truth(columns: dict[str, Any], t: Any) -> Score:
    """``score`` against a generator's truth (H, I, J: ``techniques``, ``forces_n``,
    ``passes``, ``bpm``, ``back_length_m``, ``duration_s``, ``given_back_length_m``)."""
    return score(
        columns,
        techniques=t.techniques,
        forces_n=t.forces_n,
        passes=t.passes,
        bpm=t.bpm,
        back_length_m=t.back_length_m,
        duration_s=t.duration_s,
        given_back_length_m=t.given_back_length_m,
    )
