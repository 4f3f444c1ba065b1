"""Generator G (a human therapist, tests/learn/g_synth.py) and what learn makes of it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from backstroke.analyze.log_files import read_csv_columns as _read_csv
from backstroke.learn.demo import tool_code
from backstroke.routine.schema import Routine
from tests.learn.g_synth import g_demo
from tests.learn.scoring import learn_routine


@pytest.mark.parametrize("seed", range(8))
def test_g_score_is_a_valid_routine_in_whole_beats(seed: int) -> None:
    d = g_demo(seed)
    Routine.model_validate(d.routine())
    beats = np.diff(d.meta["bounds_beats"])
    # every piece lasts whole beats, except the two halves of a leg split by a dwell
    whole = np.isclose(beats, np.round(beats))
    assert whole.mean() > 0.9
    assert 50 <= d.spec.bpm <= 80 and 3 <= len(d.spec.blocks) <= 5


@pytest.mark.parametrize(
    ("label", "code"),
    [("Fore Arm", 1.0), ("lower arm", 1.0), ("ELBOW", 1.0), ("thumb_tip", 2.0),
     ("pollex", 2.0), ("both_palms", 0.0), ("open-hand", 0.0), ("heel of hand", 0.0)],
)  # fmt: skip
def test_tool_labels_as_analyze_reads_them(label: str, code: float) -> None:
    assert tool_code(label) == code


def _learned(seed: int, labelled: bool, tmp_path: Path) -> tuple[Routine, float]:
    d = g_demo(seed, labelled=labelled)
    cols = _read_csv(d.write_csv(tmp_path / f"g{seed}.csv"))
    return learn_routine(cols)


@pytest.mark.slow
def test_learn_g_tempo_and_sequence(tmp_path: Path) -> None:
    """Human timing (jitter, lag, strokes that leave at speed): the beat within 3 % on
    most demonstrations, the block sequence right without labels."""
    right_bpm = right_seq = 0
    seeds = range(6)
    for seed in seeds:
        d = g_demo(seed, labelled=False)
        routine, bpm = _learned(seed, False, tmp_path)
        right_bpm += abs(bpm - d.spec.bpm) / d.spec.bpm <= 0.03
        right_seq += [b.technique for b in routine.blocks] == [b.technique for b in d.spec.blocks]
    assert right_bpm >= 5
    assert right_seq >= 5


def test_labelled_forearm_glide_is_forearm(tmp_path: Path) -> None:
    """Seed 1 names its last forearm block "ulnar glide 5"; the tool column says forearm."""
    d = g_demo(1, labelled=True)
    assert any("glide" in str(x) for x in d.columns["block"] if x)
    routine, _ = _learned(1, True, tmp_path)
    assert [b.technique for b in routine.blocks] == [b.technique for b in d.spec.blocks]


def test_a_return_stub_is_no_stroke(tmp_path: Path) -> None:
    """Seed 30's one-lane thumb strip (one pass of 19 beats) ends in 0.7 s of work back
    down (the quick return starting at working force, over 3 cm of path): it is the
    return's start, so the block is one strip, one pass, and the glides 4 strokes."""
    d = g_demo(30, labelled=False)
    assert [b.technique for b in d.spec.blocks][1:3] == ["glide", "thumb_strip"]
    assert d.passes[2] == 1
    routine, _ = _learned(30, False, tmp_path)
    assert [b.technique for b in routine.blocks] == [b.technique for b in d.spec.blocks]
    assert routine.blocks[2].repeat.planned_passes == 1
    assert routine.blocks[1].repeat.planned_passes == d.passes[1]
