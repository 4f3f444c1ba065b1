"""``compare`` and ``analyze --explain``: the learner's real fault comes first."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from backstroke.cli import app
from backstroke.learn.compare import ELEMENTS, differences
from backstroke.learn.demo import log_from_columns, make_demo
from backstroke.learn.elements import Figures, figures
from tests.learn.master_synth import Style, TrueKnot, spa_like, synthesize
from tests.learn.test_learn import write_csv

KNOTS = [TrueKnot(0.5, 0.03), TrueKnot(0.7, -0.03)]
VARIANTS = {
    "too hard": ({"force_scale": 1.4}, "pressure"),
    "too fast": ({"beat_scale": 0.5}, "speed"),
    "lifting off": ({"lifts": 3}, "continuity"),
}


def _fig(bpm: float, **style: Any) -> Figures:
    demo = synthesize(spa_like(bpm), bpm=bpm, style=Style(knots=KNOTS, **style))
    return figures(make_demo(log_from_columns(demo.columns), 0.51))


@pytest.fixture(scope="module")
def master() -> Figures:
    return _fig(58, seed=11)


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_real_fault_in_the_first_three(master: Figures, variant: str) -> None:
    style, element = VARIANTS[variant]
    learner = _fig(58, seed=12, **style)
    diffs = differences(master, learner)
    assert element in [d.element for d in diffs[:3]], [d.advice for d in diffs[:5]]
    assert all(d.element in ELEMENTS for d in diffs)
    effects = [d.effect for d in diffs]
    assert effects == sorted(effects, reverse=True)


def test_same_routine_other_day_is_no_difference(master: Figures) -> None:
    again = _fig(58, seed=13)
    assert [d.element for d in differences(master, again)] == []


def test_advice_gives_both_figures(master: Figures) -> None:
    learner = _fig(58, seed=12, lifts=3)
    top = differences(master, learner)[0]
    assert top.element == "continuity" and (top.master, top.learner) == (0, 3)
    assert top.advice == "you lifted your hands 3 times; the master never did"
    fast = differences(master, _fig(58, seed=12, beat_scale=0.5))
    glide = next(d for d in fast if d.element == "speed" and "glide" in d.advice)
    assert "twice as fast" in glide.advice and "cm/s" in glide.advice
    assert glide.learner == pytest.approx(2 * glide.master, rel=0.15)


def test_compare_json_and_explain_cli(tmp_path: Path) -> None:
    m = synthesize(spa_like(66), bpm=66, style=Style(seed=1, knots=KNOTS))
    lv = synthesize(spa_like(66), bpm=66, style=Style(seed=2, knots=KNOTS, force_scale=1.4))
    mp = write_csv(tmp_path / "m.csv", m.columns)
    lp = write_csv(tmp_path / "l.csv", lv.columns)
    runner = CliRunner()
    res = runner.invoke(app, ["compare", str(mp), str(lp), "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert set(out) == {"differences"}
    first = out["differences"][0]
    assert set(first) == {"element", "master", "learner", "advice"}
    assert first["element"] == "pressure" and first["learner"] > 1.3 * first["master"]
    text = runner.invoke(app, ["compare", str(mp), str(lp)])
    assert text.exit_code == 0 and text.output.startswith("1. pressure: you pressed")
    rep = tmp_path / "rep"
    ex = runner.invoke(app, ["analyze", str(mp), "--explain", "--report", str(rep)])
    assert ex.exit_code == 0, ex.output
    for word in (
        "rest at the start",
        "continuity",
        "BPM",
        "strokes/min",
        "speed:",
        "pressure by technique",
        "pressure by zone",
        "coverage",
        "passes",
        "waited for softening",
        "dwells",
    ):
        assert word in ex.output, word
    page = (rep / "learn.html").read_text()
    assert "<script" in page and "<script src=" not in page  # plotly inline, no network
    assert page.count('class="plotly-graph-div"') >= 6
    js = runner.invoke(app, ["analyze", str(mp), "--explain", "--json"])
    data = json.loads(js.output)
    assert data["beat_bpm"] == pytest.approx(66, abs=1)
    assert [b["technique"] for b in data["blocks"]] == ["rest", "glide", "forearm", "thumb_strip"]
