"""``transition_speed_m_s``: the thumb's returns and the forearm's crosses keep their own pace."""

from __future__ import annotations

from typing import Any

import pytest

from backstroke.body.back_model import BackModel
from backstroke.config import validate
from backstroke.errors import RoutineError
from backstroke.music.grid import BeatGrid
from backstroke.plan.planner import compile_plan
from backstroke.routine.schema import THUMB_RETURN_MIN_M_S, Routine


def _routine(block: dict[str, Any], max_m_s: float = 0.1) -> Routine:
    data = {
        "bpm": 60,
        "speed": {"default_m_s": 0.02, "max_m_s": max_m_s},
        "blocks": [{"technique": "glide", "target_force_n": 10}, block],
    }
    return validate(Routine, data, path=None, error=RoutineError)


def _moves_s(routine: Routine, back: BackModel, label: str) -> float:
    """Seconds the plan spends on segments labelled ``label`` in block 1."""
    plan = compile_plan(routine, back, BeatGrid.constant(routine.bpm))
    return sum(
        ts.duration_s
        for ts in plan.timed_segments()
        if ts.block == 1 and ts.segment is not None and ts.segment.label == label
    )


THUMB = {"technique": "thumb_strip", "target_force_n": 8, "speed_m_s": 0.02}
FOREARM = {"technique": "forearm", "target_force_n": 15, "speed_m_s": 0.02}


@pytest.mark.parametrize(("block", "label"), [(THUMB, "return"), (FOREARM, "cross")])
def test_faster_light_moves_take_less_time(
    block: dict[str, Any], label: str, default_back: BackModel
) -> None:
    slow = _moves_s(_routine({**block, "transition_speed_m_s": 0.02}), default_back, label)
    fast = _moves_s(_routine({**block, "transition_speed_m_s": 0.08}), default_back, label)
    assert slow > 0.0
    assert fast < 0.6 * slow


def test_defaults_are_unchanged() -> None:
    thumb = _routine(THUMB).blocks[1]
    forearm = _routine(FOREARM).blocks[1]
    assert thumb.transition_speed_or(0.02) == THUMB_RETURN_MIN_M_S  # type: ignore[union-attr]
    assert thumb.transition_speed_or(0.06) == 0.06  # type: ignore[union-attr]
    assert forearm.transition_speed_or(0.02) == 0.02  # type: ignore[union-attr]


def test_transition_speed_over_the_routine_limit_names_its_key() -> None:
    with pytest.raises(RoutineError, match=r"blocks\[1\]\.transition_speed_m_s.*0\.08"):
        _routine({**THUMB, "transition_speed_m_s": 0.08}, max_m_s=0.05)


def test_glide_has_no_transition_speed() -> None:
    with pytest.raises(RoutineError, match=r"blocks\[1\]\.transition_speed_m_s.*unknown key"):
        _routine({"technique": "glide", "target_force_n": 10, "transition_speed_m_s": 0.05})
