"""Tool labels a recorder invents are "not given" to the learner, never a crash; plurals
of the labels understood are understood (generator J's blind run: ``Open hands``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from backstroke.learn.demo import load_demo
from backstroke.learn.elements import figures
from backstroke.log_input import face_code
from tests.learn.h_synth import h_demo, to_csv


def test_plurals_of_understood_labels() -> None:
    assert face_code("Open hands") == 0
    assert face_code("open hand") == 0
    assert face_code("Lower arms") == 1
    assert face_code("gloves") is None


def test_labels_naming_no_tool_are_not_given(tmp_path: Path) -> None:
    cols = dict(h_demo(4, labels=True).columns)
    tool = np.asarray(cols["tool"], dtype=object).copy()
    # a recorder that names its own gear for most of the session
    tool[: 2 * tool.size // 3] = "glove rig B"
    cols["tool"] = tool
    path = tmp_path / "demo.csv"
    to_csv(cols, str(path))
    fig = figures(load_demo(path, None))  # through the reader `learn` uses
    assert fig.blocks
    assert fig.beat.bpm is not None
