"""The master's returns keep their own pace in the learned routine, so its plan lasts
as long as the demonstration (generator H seeds whose quick returns were planned at
the strokes' speed: +35 % and +32 % before ``transition_speed_m_s``)."""

from __future__ import annotations

import pytest

from backstroke.routine.schema import ThumbStripBlock
from tests.learn.h_synth import h_demo
from tests.learn.scoring import learn_routine, score_truth


@pytest.mark.parametrize("seed", [11, 15])
def test_quick_returns_are_learned_and_the_duration_holds(seed: int) -> None:
    d = h_demo(seed, labels=False)
    t = d.truth
    routine, _ = learn_routine(d.columns, t.given_back_length_m)
    thumbs = [b for b in routine.blocks if isinstance(b, ThumbStripBlock)]
    assert thumbs
    for b in thumbs:
        assert b.transition_speed_m_s is not None
        assert b.speed_m_s is not None and b.transition_speed_m_s > b.speed_m_s
        assert b.transition_speed_m_s <= routine.speed.max_m_s
    s = score_truth(d.columns, t)
    assert s.duration_err <= 0.30
