"""The learner on generator K (tests/learn/k_synth.py): what its first blind run missed."""

from __future__ import annotations

import pytest
from bench.learn import _csv_columns

from backstroke.learn.demo import log_from_columns, make_demo
from backstroke.learn.segment import segment
from tests.learn.k_synth import k_demo, to_csv


@pytest.mark.parametrize("seed", [0, 6, 13])
def test_a_pause_between_passes_is_no_rest_block(seed: int) -> None:
    # K rests her hands on the back between passes, at half the force, after a turn
    # held at working force: the hold is cut in two at the change of force, and its
    # second half (9 s on seed 0) read as a rest block between two glide blocks; after
    # a block's last pass (seed 6: glide, pause, forearm) it read as a rest between them.
    d = k_demo(seed, labels=False)
    cols = _csv_columns(d.columns, to_csv)
    seg = segment(make_demo(log_from_columns(cols), d.truth.given_back_length_m))
    assert seg.sequence == list(d.truth.techniques)
