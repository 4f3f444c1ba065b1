"""The learned routine's planned duration against the demonstration's (issue 17: ±30 %).

The causes once found, each pinned: the planner's return glide after a block's last pass,
holds at a strip's ends read as dwells (strips joined, passes lost), the back length
read short from noisy positions, a resting hand's sway cut into a stroke, a label
naming no technique taken for a block, a lagging force step missed. The fast tests use
demonstrations that missed before the fixes; the slow one runs every generator's seeds.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from backstroke.body.back_model import BackModel
from backstroke.body.client_file import ClientSpec
from backstroke.learn.demo import estimate_back_length_m, log_from_columns, make_demo
from backstroke.learn.elements import figures
from backstroke.music.grid import BeatGrid
from backstroke.plan.planner import compile_plan
from backstroke.routine.schema import Routine
from tests.learn.blind_synth import blind
from tests.learn.e_synth import e_demo
from tests.learn.f_synth import f_demo
from tests.learn.fresh_synth import fresh
from tests.learn.heldout_synth import generate
from tests.learn.scoring import score


def _score(g: Any, truth: Any) -> Any:
    return score(
        g.columns,
        techniques=[b.technique for b in truth],
        forces_n=[b.force_n for b in truth],
        passes=[b.passes for b in truth],
        bpm=g.bpm,
        back_length_m=g.back_length_m,
        duration_s=g.duration_s,
    )


def _routine(blocks: list[dict[str, Any]]) -> Routine:
    return Routine.model_validate({"name": "t", "bpm": 60, "blocks": blocks})


def _block_segments(routine: Routine, index: int) -> list[Any]:
    back = BackModel(ClientSpec().resolved())
    plan = compile_plan(routine, back, BeatGrid.constant(60))
    return [ts for ch in plan.chunks for ts in ch.timed if ts.block == index and ts.pass_index >= 0]


def test_no_return_glide_after_a_blocks_last_pass() -> None:
    thumb = {"technique": "thumb_strip", "target_force_n": 10, "side": "both"}
    thumb["lateral_m"] = 0.03
    forearm = {"technique": "forearm", "target_force_n": 15, "side": "both"}
    r = _routine([{**thumb, "repeat": {"passes": 2}}, {**forearm, "repeat": {"passes": 1}}])
    segs = _block_segments(r, 0)
    last = [ts for ts in segs if ts.pass_index == 1]
    first = [ts for ts in segs if ts.pass_index == 0]
    # The first pass returns to the next pass's start; the last ends on its last strip.
    assert first[-1].segment.kind == "transition"
    assert last[-1].segment.kind == "stroke" and last[-1].segment.label == "up right"
    fore = _block_segments(r, 1)
    assert fore[-1].segment.kind == "stroke" and fore[-1].segment.label == "up right"
    # Until softening: the static plan's last pass may be followed by more, it returns.
    until = {"until": "softening", "min_passes": 2, "max_passes": 4}
    segs = _block_segments(_routine([{**thumb, "repeat": until}]), 0)
    assert segs[-1].segment.kind == "transition"


def test_plan_stays_on_the_skin_after_a_last_strip() -> None:
    thumb = {"technique": "thumb_strip", "target_force_n": 10, "lateral_m": 0.03}
    r = _routine([{**thumb, "side": "left", "repeat": {"passes": 1}}, {"technique": "rest"}])
    plan = compile_plan(r, BackModel(ClientSpec().resolved()), BeatGrid.constant(60))
    s = plan.samples()
    on = np.flatnonzero(s["in_contact"] > 0.5)
    assert on.size and bool(np.all(s["in_contact"][on[0] : on[-1] + 1] > 0.5))


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("E6", lambda: (lambda g: (g, g.blocks))(e_demo(6, labels=False))),
        ("C31", lambda: (lambda g: (g, g.blocks))(blind(31, labels=False))),
        ("F18", lambda: (lambda g: (g, g.blocks))(f_demo(18, labels=False))),
        ("F3-labels", lambda: (lambda g: (g, g.blocks))(f_demo(3, labels=True))),
    ],
)
def test_once_missed_demonstrations_now_hold(name: str, make: Any) -> None:
    g, truth = make()
    s = _score(g, truth)
    assert s.sequence_ok, (name, s.learned, s.truth)
    assert s.duration_err <= 0.30 and s.force_err <= 0.15 and s.passes_err <= 1, (name, s)


def test_holds_at_a_strips_ends_are_no_dwells() -> None:
    g = blind(31, labels=False)  # thumbs load up and release in place, no knot holds
    fig = figures(make_demo(log_from_columns(g.columns)))
    thumb = fig.blocks[0]
    assert thumb.technique == "thumb_strip"
    assert thumb.dwells == 0 and thumb.strokes == 4 and thumb.passes == g.blocks[0].passes


def test_back_length_from_noisy_positions() -> None:
    g = e_demo(8, labels=False)  # 0.8 mm position noise at 30 Hz: once read 13 % short
    c = log_from_columns(g.columns).columns
    assert estimate_back_length_m(c) == pytest.approx(g.back_length_m, rel=0.02)


def test_a_swaying_rest_is_one_rest() -> None:
    g = f_demo(0, labels=False)  # the palms creep 5 mm and sway 4 mm while resting
    fig = figures(make_demo(log_from_columns(g.columns)))
    assert [b.technique for b in fig.blocks] == [b.technique for b in g.blocks]
    assert fig.blocks[0].duration_s > 8.0


GENERATORS: dict[str, Any] = {
    "B": lambda s, lab: (lambda g: (g, g.truth))(generate(s, labels=lab)),
    "C": lambda s, lab: (lambda g: (g, g.blocks))(blind(s, labels=lab)),
    "D": lambda s, lab: (lambda g: (g, g.blocks))(fresh(s, labels=lab)),
    "E": lambda s, lab: (lambda g: (g, g.blocks))(e_demo(s, labels=lab)),
    "F": lambda s, lab: (lambda g: (g, g.blocks))(f_demo(s, labels=lab)),
}


@pytest.mark.slow
@pytest.mark.parametrize("gen", sorted(GENERATORS))
def test_planned_duration_within_30_percent_on_every_seed(gen: str) -> None:
    bad = []
    for seed in range(40):
        g, truth = GENERATORS[gen](seed, False)
        s = _score(g, truth)
        if s.duration_err > 0.30:
            bad.append((seed, round(s.duration_err, 3)))
    assert not bad, bad
