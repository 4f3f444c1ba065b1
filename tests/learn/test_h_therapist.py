"""Generator H (tests/learn/h_synth.py, written blind from the contracts): its logs
are contact logs, and ``learn`` gets a multi-lane thumb block's passes and the beat."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from backstroke.config import validate
from backstroke.errors import RoutineError
from backstroke.learn.compare import differences
from backstroke.learn.demo import log_from_columns, make_demo
from backstroke.learn.elements import figures
from backstroke.routine.schema import Routine, ThumbStripBlock
from tests.learn.h_synth import FAULT_ELEMENT, h_demo, h_learner
from tests.learn.scoring import score_truth


def test_h_logs_are_contact_logs() -> None:
    d = h_demo(2, labels=True)
    c = d.columns
    for key in ("t_s", "u", "v", "normal_force_n", "indentation_m", "tool", "block"):
        assert len(c[key]) == len(c["t_s"])
    assert np.all(np.diff(c["t_s"]) > 0)
    rate = (len(c["t_s"]) - 1) / (c["t_s"][-1] - c["t_s"][0])
    assert 100.0 < rate < 600.0  # not 1 kHz
    assert 50.0 <= d.truth.bpm <= 80.0
    assert 3 <= len(d.truth.techniques) <= 5
    # block 1 of seed 2 sweeps two thumb lanes per side every pass
    assert len(d.score.blocks[1].lanes_m) == 2


def test_h_multi_lane_thumbs_passes_and_beat() -> None:
    d = h_demo(2, labels=False)
    t = d.truth
    s = score_truth(d.columns, t)
    assert s.sequence_ok, (s.learned, s.truth)
    assert s.passes_err <= 1
    assert s.bpm_err <= 0.03
    assert s.force_err <= 0.15
    assert s.duration_err <= 0.30


def test_h_too_hard_learner_ranked() -> None:
    master = figures(make_demo(log_from_columns(h_demo(1, labels=True).columns)))
    learner = figures(make_demo(log_from_columns(h_learner(1, "too_hard", labels=True))))
    top = [x.element for x in differences(master, learner)[:3]]
    assert FAULT_ELEMENT["too_hard"] in top


@pytest.mark.parametrize("band", [[0.023, 0.041], (0.023, 0.041)])
def test_band_m_as_toml_array(band: object, tmp_path: Path) -> None:
    data = {
        "blocks": [
            {
                "technique": "thumb_strip",
                "target_force_n": 10.0,
                "band_m": band,
                "repeat": {"until": "softening", "min_passes": 2, "max_passes": 2},
            }
        ]
    }
    r = validate(Routine, data, path=tmp_path / "r.toml", error=RoutineError)
    b = r.blocks[0]
    assert isinstance(b, ThumbStripBlock)
    assert b.band_m == (0.023, 0.041)
    assert b.covers_band
