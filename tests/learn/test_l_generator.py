"""Generator L itself (tests/learn/l_synth.py): its logs keep DESIGN §6.3 and ``analyze``
reads them; its truth agrees with the log it wrote. Not a test of learning."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest

from backstroke.body.back_model import BackModel
from backstroke.body.client_file import ClientSpec
from backstroke.cli import main as cli_main
from backstroke.config import validate
from backstroke.errors import RoutineError
from backstroke.music.grid import BeatGrid
from backstroke.plan.planner import compile_plan
from backstroke.routine.schema import Routine
from tests.learn.l_client import drops
from tests.learn.l_score import draw_score
from tests.learn.l_synth import FAULT_ELEMENT, l_demo, l_learner, l_to_csv, learner_demo

SEEDS = range(12)
REQUIRED = ("t_s", "u", "v", "normal_force_n", "indentation_m")


def _in_span(t: np.ndarray, span: tuple[float, float], margin_s: float) -> np.ndarray:
    return (t > span[0] + margin_s) & (t < span[1] - margin_s)


@pytest.mark.parametrize("seed", SEEDS)
def test_log_keeps_the_contact_log_contract(seed: int) -> None:
    d = l_demo(seed, labels=seed % 2 == 0)
    c = d.columns
    n = len(c["t_s"])
    for name in REQUIRED:
        assert np.all(np.isfinite(c[name])), name
        assert len(c[name]) == n
    assert np.all(np.diff(c["t_s"]) > 0)
    rate_hz = 1.0 / float(np.median(np.diff(c["t_s"])))
    assert 95 < rate_hz < 520
    assert np.all(c["indentation_m"] >= 0)
    assert np.all((c["u"] >= 0) & (c["u"] <= 1))
    assert ("block" in c) == ("tool" in c) == (seed % 2 == 0)
    assert ("x_m" in c) == d.score.positions
    assert (d.truth.given_back_length_m is None) == d.score.positions
    assert 3 <= len(d.truth.techniques) <= 5
    assert 50 <= d.truth.bpm <= 80


def test_samples_are_dropped_now_and_then() -> None:
    gaps = [np.diff(l_demo(s, False).columns["t_s"]) for s in SEEDS]
    assert all(np.max(g) > 1.5 * np.median(g) for g in gaps)


@pytest.mark.parametrize("seed", [0, 3, 5])
def test_analyze_reads_the_written_csv(
    seed: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    d = l_demo(seed, labels=seed != 3)
    path = tmp_path / "demo.csv"
    l_to_csv(d.columns, str(path))
    with pytest.raises(SystemExit) as exc:
        cli_main(["analyze", str(path), "--json"])
    assert exc.value.code in (0, None)
    out = json.loads(capsys.readouterr().out)
    assert out["contact_breaks"] == 0  # the master never lifts her hands
    assert abs(out["duration_s"] - d.truth.duration_s) < 0.05 * d.truth.duration_s + 1.0


@pytest.mark.parametrize("seed", SEEDS)
def test_truth_is_a_valid_routine(seed: int) -> None:
    t = l_demo(seed, False).truth
    r = validate(Routine, t.routine, path=None, error=RoutineError)
    assert [b.technique for b in r.blocks] == t.techniques
    assert [b.target_force_n for b in r.blocks] == pytest.approx(t.forces_n, abs=0.006)


@pytest.mark.parametrize("seed", SEEDS)
def test_measured_force_in_a_block_is_the_truth_force(seed: int) -> None:
    d = l_demo(seed, labels=True)
    c = d.columns
    t, f = c["t_s"], c["normal_force_n"]
    tool = np.asarray(c["tool"])
    for b, span, force in zip(d.score.blocks, d.truth.block_spans_s, d.truth.forces_n, strict=True):
        sel = _in_span(t, span, 1.5) & (tool == b.tool_name)  # the block's own face
        if b.technique == "thumb_strip":  # strips go up; the light way back comes down
            sel &= np.gradient(c["u"], t) > 0.005
        assert sel.sum() > 100
        assert float(np.mean(f[sel])) == pytest.approx(force, rel=0.08), b.technique


@pytest.mark.parametrize("seed", SEEDS)
def test_duration_is_the_blocks_and_their_links(seed: int) -> None:
    d = l_demo(seed, labels=False)
    tr, s = d.truth, d.score
    c = d.columns
    on = np.flatnonzero(c["normal_force_n"] >= 0.5)
    assert c["t_s"][on[-1]] - c["t_s"][on[0]] == pytest.approx(tr.duration_s, abs=0.5)
    spans = tr.block_spans_s
    assert spans[0][0] == pytest.approx(c["t_s"][on[0]], abs=0.3)
    assert spans[-1][1] == pytest.approx(c["t_s"][on[-1]], abs=0.3)
    links = sum(b[0] - a[1] for a, b in itertools.pairwise(spans))
    assert all(b[0] > a[1] for a, b in itertools.pairwise(spans))
    assert links < 8 * s.beat_s * len(spans) + 1.0  # transitions: at most 8 beats each
    for b, span in zip(s.blocks, spans, strict=True):
        strokes = b.rest_beats if b.technique == "rest" else b.beats_per_stroke * b.passes
        legs = {"rest": 1, "glide": 2, "forearm": 2, "thumb_strip": 1}[b.technique]
        sides = 2 if b.side == "both" and b.technique in ("forearm", "thumb_strip") else 1
        assert span[1] - span[0] >= 0.97 * strokes * legs * sides * s.beat_s - 0.5


def _waist_turns(u: np.ndarray, t: np.ndarray, u_low: float) -> np.ndarray:
    """Times the hands turned at the waist end (local minima of u below ``u_low``)."""
    low = u < u_low
    edges = np.flatnonzero(np.diff(low.astype(int)) == 1)
    ends = np.flatnonzero(np.diff(low.astype(int)) == -1)
    return np.array([t[a + np.argmin(u[a : b + 1])] for a, b in zip(edges, ends, strict=False)])


@pytest.mark.parametrize("seed", SEEDS)
def test_glide_passes_and_beats_in_the_log(seed: int) -> None:
    d = l_demo(seed, labels=False)
    c, s = d.columns, d.score
    for b, span in zip(s.blocks, d.truth.block_spans_s, strict=True):
        if b.technique != "glide":
            continue
        sel = _in_span(c["t_s"], span, 0.0)
        turns = _waist_turns(c["u"][sel], c["t_s"][sel], b.u_min + 0.04)
        assert len(turns) == b.passes
        period_beats = np.diff(turns) / s.beat_s
        # a pass is two strokes of whole beats; jitter and the odd longer stroke aside
        assert np.all(np.abs(period_beats - 2 * b.beats_per_stroke) < 2.6)
        assert np.median(np.abs(period_beats - 2 * b.beats_per_stroke)) < 0.5


def test_softening_blocks_soften_and_others_do_not() -> None:
    blocks = [b for s in range(40) for b in draw_score(s).blocks if b.technique != "rest"]
    soft = [b for b in blocks if b.until_softening]
    assert soft and len(soft) < len(blocks)
    for b in blocks:
        dr = drops(b)
        if b.until_softening:
            assert b.soft_pass is not None and b.passes == b.soft_pass + 2
            assert dr[b.soft_pass - 1] < 0.04 and min(dr[b.soft_pass :]) >= 0.06
        else:
            assert max(dr) < 0.02


def test_softening_shows_in_the_logged_stiffness() -> None:
    for seed in range(40):
        d = l_demo(seed, labels=False)
        for b, span in zip(d.score.blocks, d.truth.block_spans_s, strict=True):
            if b.technique == "glide" and b.until_softening:
                c = d.columns
                sel = _in_span(c["t_s"], span, 0.0)
                t, u = c["t_s"][sel], c["u"][sel]
                k = c["normal_force_n"][sel] / np.maximum(c["indentation_m"][sel], 1e-4)
                turns = _waist_turns(u, t, b.u_min + 0.04)
                mid = (u > 0.3) & (u < 0.6)
                first = np.median(k[mid & (t < turns[0])])
                last = np.median(k[mid & (t > turns[-2]) & (t < turns[-1])])
                assert last < 0.96 * first
                return
    pytest.fail("no glide block until softening in 40 seeds")


@pytest.mark.parametrize("seed", [0, 2, 5, 9])
def test_positions_are_on_a_back_in_the_robot_frame(seed: int) -> None:
    d = next(
        l_demo(s, False)
        for s in range(seed, seed + 40)
        if draw_score(s).positions
        and any(b.technique in ("glide", "forearm") for b in draw_score(s).blocks)
    )
    c, s = d.columns, d.score
    xyz = np.stack([c["x_m"], c["y_m"], c["z_m"]], axis=1)
    on = c["normal_force_n"] > 0.5
    assert np.linalg.norm(np.median(xyz[on], axis=0)) > 0.2  # not the body frame's origin
    b, span = next(
        (b, sp)
        for b, sp in zip(s.blocks, d.truth.block_spans_s, strict=True)
        if b.technique in ("glide", "forearm")
    )
    sel = _in_span(c["t_s"], span, 0.0)
    u = c["u"][sel]
    # the first stroke down: its skin path covers (Δu × back length), the chart being
    # arc length on the skin
    hi = int(np.flatnonzero(u < b.u_min + 0.002)[0])
    leg = xyz[sel][: hi + 1 : 25]  # every 25th sample: the depth noise would add up
    path_m = np.sum(np.linalg.norm(np.diff(leg, axis=0), axis=1))
    assert path_m == pytest.approx((u[0] - u[hi]) * s.back_length_m, rel=0.08)


def test_same_seed_same_demo() -> None:
    a, b = l_demo(4, True).columns, l_demo(4, True).columns
    assert a.keys() == b.keys()
    for k in a:
        assert np.array_equal(np.asarray(a[k]), np.asarray(b[k])), k


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_learner_variants_carry_their_fault(seed: int) -> None:
    assert set(FAULT_ELEMENT) == {"too_hard", "too_fast", "lifting_off"}
    master = l_demo(seed, labels=True)
    m_on = master.columns["normal_force_n"] > 2.0
    hard = l_learner(seed, "too_hard", True)
    h_on = hard["normal_force_n"] > 2.0
    ratio = np.mean(hard["normal_force_n"][h_on]) / np.mean(master.columns["normal_force_n"][m_on])
    assert 1.2 < ratio < 1.5
    fast = learner_demo(seed, "too_fast", False)
    assert fast.truth.duration_s < 0.75 * master.truth.duration_s
    lift = learner_demo(seed, "lifting_off", False)
    assert len(lift.lifts_s) == 3
    c = lift.columns
    for a, b in lift.lifts_s:
        sel = (c["t_s"] > a + 0.2) & (c["t_s"] < b - 0.05)
        assert sel.any() and np.all(c["normal_force_n"][sel] < 0.5)
    with pytest.raises(ValueError):
        l_learner(seed, "too_slow", False)


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4, 5])
def test_the_truth_routine_planned_lasts_as_the_demo(seed: int) -> None:
    """The routine she performed, planned at her tempo on a back of her client's length,
    lasts as long as her demonstration within 30 % (the planner's approach and returns
    add a little): the truth's passes, beats and returns are the log's."""
    t = l_demo(seed, False).truth
    routine = validate(Routine, t.routine, path=None, error=RoutineError)
    back = BackModel(ClientSpec(back_length_m=t.back_length_m).resolved())
    plan = compile_plan(routine, back, BeatGrid.constant(t.bpm))
    assert plan.duration_s == pytest.approx(t.duration_s, rel=0.3)
