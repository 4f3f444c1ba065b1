"""``backstroke learn``: from a synthesised master's demonstration back to its routine."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from backstroke.cli import app
from backstroke.learn.beat import fit_beat
from backstroke.learn.demo import log_from_columns, make_demo, tool_code
from backstroke.learn.elements import figures
from backstroke.learn.segment import technique_of_label
from backstroke.routine.io import load_routine
from backstroke.routine.schema import GlideBlock, RestBlock, ThumbStripBlock
from tests.learn.e_synth import e_demo
from tests.learn.heldout_synth import generate
from tests.learn.master_synth import Style, TrueKnot, spa_like, synthesize
from tests.learn.scoring import score

KNOTS = [TrueKnot(0.5, 0.03), TrueKnot(0.7, -0.03)]


def write_csv(path: Path, cols: dict[str, Any]) -> Path:
    keys = list(cols)
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(keys)
        for row in zip(*[cols[k] for k in keys], strict=True):
            w.writerow(row)
    return path


@pytest.fixture(scope="module")
def master_demo() -> Any:
    return synthesize(spa_like(64), bpm=64, style=Style(seed=1, knots=KNOTS))


@pytest.mark.parametrize("labels", [False, True])
def test_learns_the_spa_like_routine(labels: bool) -> None:
    demo = synthesize(spa_like(64), bpm=64, style=Style(seed=2, knots=KNOTS, labels=labels))
    fig = figures(make_demo(log_from_columns(demo.columns), 0.51))
    assert [b.technique for b in fig.blocks] == ["rest", "glide", "forearm", "thumb_strip"]
    assert fig.beat.bpm == pytest.approx(64, rel=0.01)
    forces = [b.force_n for b in fig.blocks]
    assert forces == pytest.approx([6.0, 12.0, 20.0, 11.0], rel=0.1)
    glide, forearm, thumb = fig.blocks[1:]
    assert glide.until_softening and abs(glide.passes - demo.passes[1]) <= 1
    assert not forearm.until_softening and forearm.passes == 2 and forearm.side == "both"
    assert forearm.lateral_m == pytest.approx(0.075, abs=0.005)
    assert thumb.passes == 2 and thumb.dwells == 4 and thumb.dwell_beats == 4
    assert glide.stroke_beats == 10 and forearm.stroke_beats == 6
    assert fig.lifts == 0 and fig.rest_s == pytest.approx(18 * 60 / 64 * 64 / 60, abs=2.0)


def test_learn_command_writes_a_routine_check_accepts(tmp_path: Path, master_demo: Any) -> None:
    log = write_csv(tmp_path / "master.csv", master_demo.columns)
    out = tmp_path / "learned.toml"
    runner = CliRunner()
    res = runner.invoke(app, ["learn", str(log), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "rest → glide → forearm → thumb strip" in res.output
    assert runner.invoke(app, ["check", str(out)]).exit_code == 0
    r = load_routine(out)
    assert isinstance(r.blocks[0], RestBlock)
    assert isinstance(r.blocks[1], GlideBlock) and r.blocks[1].repeat.until == "softening"
    assert isinstance(r.blocks[3], ThumbStripBlock) and r.blocks[3].dwell_on_knots
    assert r.bpm == pytest.approx(64, abs=1)


def test_learned_routine_plans_as_long_as_the_demonstration(master_demo: Any) -> None:
    s = score(
        master_demo.columns,
        techniques=["rest", "glide", "forearm", "thumb_strip"],
        forces_n=[b.force_n for b in master_demo.blocks],
        passes=master_demo.passes,
        bpm=64,
        back_length_m=0.51,
        duration_s=master_demo.duration_s,
    )
    assert s.ok, s.to_dict()


@pytest.mark.parametrize("seed", [0, 3])
@pytest.mark.parametrize("labels", [False, True])
def test_generator_b_demonstrations(seed: int, labels: bool) -> None:
    g = generate(seed, labels=labels)
    s = score(
        g.columns,
        techniques=[b.technique for b in g.truth],
        forces_n=[b.force_n for b in g.truth],
        passes=[b.passes for b in g.truth],
        bpm=g.bpm,
        back_length_m=g.back_length_m,
        duration_s=g.duration_s,
    )
    assert s.ok, s.to_dict()


def test_back_length_from_positions() -> None:
    g = generate(5, labels=False)
    d = make_demo(log_from_columns(g.columns))
    assert d.back_length_m == pytest.approx(g.back_length_m, rel=0.03)


def test_free_text_labels() -> None:
    assert [tool_code(x) for x in ("palm", "Hands", "THUMBS", "elbow", "2", 1, "paw")][:6] == [
        0.0,
        0.0,
        2.0,
        1.0,
        2.0,
        1.0,
    ]
    assert np.isnan(tool_code("paw"))
    assert technique_of_label("Opening rest") == "rest"
    assert technique_of_label("thumbs along the spine") == "thumb_strip"
    assert technique_of_label("") == "transition"
    assert technique_of_label("7") is None


@settings(max_examples=30, deadline=None)
@given(
    bpm=st.floats(50, 80),
    beats=st.lists(st.integers(1, 12), min_size=12, max_size=40),
    jitter=st.floats(0.0, 0.03),
    seed=st.integers(0, 1000),
)
def test_beat_fit_recovers_the_tempo(
    bpm: float, beats: list[int], jitter: float, seed: int
) -> None:
    """Onsets on whole beats (any pattern with a 1- or 2-beat step) give the tempo back."""
    rng = np.random.default_rng(seed)
    beats = [*beats, 1, 2, 3]  # a pattern that is not all multiples of one number
    times = np.cumsum([0, *beats]) * 60.0 / bpm + rng.normal(0, jitter, len(beats) + 1)
    fit = fit_beat(times)
    assert fit.bpm == pytest.approx(bpm, rel=0.01)


def test_bad_demo_is_one_line_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("t_s,u\n0,0.5\n")
    out = tmp_path / "r.toml"
    res = CliRunner().invoke(app, ["learn", str(bad), "--out", str(out)])
    assert res.exit_code == 2
    assert res.output.count("\n") == 1 and "backstroke: error:" in res.output
    assert not out.exists()


def test_lifts_are_counted_not_strokes() -> None:
    demo = synthesize(spa_like(60), bpm=60, style=Style(seed=4, knots=KNOTS, lifts=3))
    fig = figures(make_demo(log_from_columns(demo.columns), 0.51))
    assert fig.lifts == 3
    assert [b.passes for b in fig.blocks[2:]] == [2, 2]


@pytest.mark.parametrize("fmt", ["mcap", "parquet"])
def test_reads_mcap_and_parquet_with_numeric_labels(tmp_path: Path, fmt: str) -> None:
    """Tool codes and block indices (-1 between blocks), as backstroke's own logs write."""
    demo = synthesize(spa_like(70), bpm=70, style=Style(seed=5, knots=KNOTS, labels=True))
    cols = dict(demo.columns)
    names = {"rest": 0, "glide": 1, "forearm": 2, "thumbs": 3, "transition": -1}
    cols["block"] = np.array([names[b] for b in cols["block"]], dtype=float)
    cols["tool"] = np.array([tool_code(x) for x in cols["tool"]], dtype=float)
    path = tmp_path / f"demo.{fmt}"
    if fmt == "mcap":
        from backstroke.session.log import SessionLogWriter

        with SessionLogWriter(path) as log:
            log.write_state(cols)
    else:
        pa = pytest.importorskip("pyarrow")
        import pyarrow.parquet as pq

        pq.write_table(pa.table({k: np.asarray(v) for k, v in cols.items()}), path)
    out = tmp_path / "r.toml"
    res = CliRunner().invoke(app, ["learn", str(path), "--out", str(out)])
    assert res.exit_code == 0, res.output
    r = load_routine(out)
    assert [b.technique for b in r.blocks] == ["rest", "glide", "forearm", "thumb_strip"]
    assert r.bpm == pytest.approx(70, rel=0.03)


def test_short_demonstrations_use_the_arrivals() -> None:
    """Few back-to-back strokes, nearly all multiples of 5 beats (so 4/5 and 6/5 of the
    tempo fit the onsets almost as well), fitted with a common lag: the arrival of the
    odd stroke, which runs straight into the next one, tells — on nearly every such
    demonstration. Some stay ambiguous (documented in docs/learn.md), so this is a rate
    over 300 fixed draws, not a property of each: it was 96 % when written."""
    draws = np.random.default_rng(20261201)
    right = 0
    n = 300
    for _ in range(n):
        bpm = draws.uniform(50, 80)
        beats = list(draws.choice([5, 5, 5, 10, 15], size=int(draws.integers(5, 10))))
        odd = int(draws.choice([3, 4, 6, 7, 8, 9]))
        lag = draws.uniform(-0.06, 0.12)
        period = 60.0 / bpm
        moves = np.array([*beats[:2], odd, *beats[2:]], dtype=float) * period
        starts = np.concatenate([[0.0], np.cumsum(moves)[:-1]])
        starts += draws.normal(0, 0.02, moves.size)
        fit = fit_beat(starts + lag * moves, durations_s=moves * (1.0 - 2.0 * lag))
        right += abs(fit.bpm - bpm) <= 0.03 * bpm
    assert right / n >= 0.93, right / n


@pytest.mark.parametrize("seed", [0, 3, 13])
def test_generator_e_demonstrations(seed: int) -> None:
    """Generator E (30/90 Hz, a clock offset, trapezoid moves, arcing transitions,
    closing rests): seeds whose first blind run failed on the rests (3: the opening rest
    read as a pause; 13: the closing rest as a release) and one that passed (0)."""
    g = e_demo(seed, labels=False)
    s = score(
        g.columns,
        techniques=[b.technique for b in g.blocks],
        forces_n=[b.force_n for b in g.blocks],
        passes=[b.passes for b in g.blocks],
        bpm=g.bpm,
        back_length_m=g.back_length_m,
        duration_s=g.duration_s,
    )
    assert s.ok, s.to_dict()
