"""The start model that times a demonstration's strokes is chosen fairly (learn.onsets)."""

from __future__ import annotations

from bench.learn import _csv_columns

from tests.learn.j_synth import j_demo, to_csv
from tests.learn.scoring import learn_routine


def test_bell_timed_strokes_are_not_outvoted_by_the_penalty() -> None:
    # J seed 21 (50.8 BPM): the bell model times its strokes on the true tempo, the
    # cubic one at 5/4 of it; a penalty of 1 per move for the bell's extra numbers
    # chose the cubic (62.9 BPM).
    d = j_demo(21, labels=False)
    _, bpm = learn_routine(_csv_columns(d.columns, to_csv), d.truth.given_back_length_m)
    assert abs(bpm / d.truth.bpm - 1) <= 0.03
