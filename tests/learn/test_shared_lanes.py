"""A thumb band whose lanes the master shared out over the passes is counted by pass."""

from __future__ import annotations

from bench.learn import _csv_columns

from backstroke.learn.demo import log_from_columns, make_demo
from backstroke.learn.elements import figures
from backstroke.learn.routine_out import routine_dict, routine_toml
from tests.learn.j_synth import j_demo, to_csv
from tests.learn.scoring import learn_routine


def test_lanes_shared_over_passes_count_as_passes() -> None:
    # J seed 0: a fixed 3-pass thumb block on 3 lanes, pass p strips lane p of each side
    # (docs/routines.md); counted as strips / lanes / sides it read as 1 pass.
    d = j_demo(0, labels=False)
    routine, _ = learn_routine(_csv_columns(d.columns, to_csv), d.truth.given_back_length_m)
    i = d.truth.techniques.index("thumb_strip")
    thumb = routine.blocks[i]
    assert d.truth.passes[i] == 3
    assert thumb.cover == "band"
    assert thumb.repeat.passes == 3 and thumb.repeat.until is None


def test_every_lane_each_pass_stays_a_band_run_every_pass() -> None:
    # J seed 30: a thumb block listening for softening sweeps both lanes of a side, then
    # the other side's, 5 passes: as many returns to the first side as sweeps, so not a
    # shared band (which would plan each lane once, 40 % short).
    d = j_demo(30, labels=False)
    routine, _ = learn_routine(_csv_columns(d.columns, to_csv), d.truth.given_back_length_m)
    thumb = routine.blocks[d.truth.techniques.index("thumb_strip")]
    assert thumb.cover == "band" and thumb.repeat.until == "softening"
    assert thumb.repeat.min_passes == thumb.repeat.max_passes == 5


def test_the_evidence_of_a_shared_band_says_so() -> None:
    # The routine's comment on J seed 0's thumb block must not claim every lane each pass.
    d = j_demo(0, labels=False)
    demo = make_demo(log_from_columns(_csv_columns(d.columns, to_csv)), d.truth.given_back_length_m)
    fig = figures(demo)
    text = routine_toml(routine_dict(fig, name="learned", threshold=0.05), fig)
    thumb = next(line for line in text.splitlines() if line.startswith("# thumb_strip"))
    assert "shared out over the passes" in thumb and "each pass" not in thumb
