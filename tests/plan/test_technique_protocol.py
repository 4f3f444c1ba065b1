"""Techniques behind one protocol: every block kind has one, and the planner asks it."""

from __future__ import annotations

import typing
from typing import Any

import pytest

from backstroke.body.back_model import BackModel
from backstroke.errors import PlanError
from backstroke.music.grid import BeatGrid
from backstroke.plan.planner import compile_plan
from backstroke.routine.io import load_routine
from backstroke.routine.schema import Block
from backstroke.technique import registry
from backstroke.technique.protocol import PassRequest, Point
from backstroke.technique.registry import TECHNIQUES, technique_for
from backstroke.technique.segment import Segment


def _kinds() -> set[str]:
    union = typing.get_args(typing.get_args(Block)[0])
    return {typing.get_args(m.model_fields["technique"].annotation)[0] for m in union}


def test_every_block_kind_has_its_technique() -> None:
    assert set(TECHNIQUES) == _kinds()
    for kind, t in TECHNIQUES.items():
        assert t.kind == kind and callable(t.start_point) and callable(t.one_pass)


def test_an_unknown_kind_is_a_plan_error_naming_the_block() -> None:
    with pytest.raises(PlanError, match="unknown technique 'hula'") as err:
        technique_for("hula", 3)
    assert err.value.block == 3


class _Counting:
    """A technique that plans what another does and counts what it was asked."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.kind, self.passes = inner, inner.kind, []

    def start_point(self, block: Any, back: BackModel, index: int) -> Point:
        return self.inner.start_point(block, back, index)

    def one_pass(self, block: Any, req: PassRequest) -> list[Segment]:
        self.passes.append((req.index, req.pass_index, req.force_n))
        return self.inner.one_pass(block, req)


def test_the_planner_plans_each_pass_through_the_registry(
    monkeypatch: pytest.MonkeyPatch, default_back: BackModel
) -> None:
    routine = load_routine("spa")
    glide = _Counting(TECHNIQUES["glide"])
    monkeypatch.setitem(registry.TECHNIQUES, "glide", glide)
    compile_plan(routine, default_back, BeatGrid.constant(routine.bpm))
    expected = [
        (i, p, b.target_force_n * routine.pressure_scale)
        for i, b in enumerate(routine.blocks)
        if b.technique == "glide"
        for p in range(b.planned_passes)
    ]
    assert glide.passes == expected and expected
