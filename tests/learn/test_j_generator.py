"""Generator J itself (tests/learn/j_synth.py): its truth agrees with the log it writes.

These test the generator, not the learner: the contract's columns and ranges
(DESIGN §6.3, docs/logs.md), determinism per seed, the truth's tempo, forces, passes
and duration measured back from the log, strokes on whole beats, its learners' faults
(each differs from the master in its element and not much in the others), the CSV it
writes, and that it runs without backstroke.
"""

from __future__ import annotations

import csv
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.learn.j_score import make_score
from tests.learn.j_synth import FAULT_ELEMENT, FAULTS, JDemo, j_demo, j_learner, play, to_csv

SEEDS = range(6)
ROOT = Path(__file__).resolve().parents[2]
# docs/logs.md's tool labels, normalised (case, spaces, - and _ do not matter).
LABELS = {
    "palms": {"palms", "palm", "hand", "hands", "flathand", "flathands", "openhand", "openhands"},
    "forearm": {"forearm", "forearms", "elbow", "elbows", "ulna", "arm", "lowerarm"},
    "thumb": {"thumb", "thumbs", "thumbpad", "thumbpads", "thumbtip", "boththumbs", "pollex"},
}
LABELS["palms"] |= {"heelofhand", "heelofthehand", "bothhands", "bothpalms", "palmar"}
TOOL = {"rest": "palms", "glide": "palms", "forearm": "forearm", "thumb_strip": "thumb"}


@cache
def demo(seed: int, labels: bool) -> JDemo:
    return j_demo(seed, labels)


@cache
def learner(seed: int, fault: str) -> dict[str, Any]:
    return j_learner(seed, fault, True)


def _norm(label: str) -> str:
    return "".join(ch for ch in label.lower() if ch not in " -_")


def _contact(cols: dict[str, Any]) -> tuple[int, int, int]:
    """First and last sample at 0.5 N or more, and the contact breaks between them (the
    force below 0.5 N for more than 20 ms, docs/logs.md)."""
    f, t = cols["normal_force_n"], cols["t_s"]
    on = np.flatnonzero(f >= 0.5)
    first, last = int(on[0]), int(on[-1])
    low = np.r_[False, f[first : last + 1] < 0.5, False]
    edges = np.flatnonzero(np.diff(low.astype(int)))
    breaks = sum(
        1
        for a, b in zip(edges[::2], edges[1::2], strict=True)
        if t[first + b] - t[first + a - 1] > 0.02
    )
    return first, last, breaks


def _block_mask(d: JDemo, cols: dict[str, Any], i: int) -> Any:
    """Samples the labels put in block ``i`` pressed with its tool."""
    tech = d.truth.techniques[i]
    blk = cols["block"]
    inside = blk == i + 1 if blk.dtype.kind in "iu" else blk == d.score.names[i]
    tool = np.array([_norm(str(x)) in LABELS[TOOL[tech]] for x in cols["tool"]])
    return inside & tool


@pytest.mark.parametrize("seed", SEEDS)
def test_columns_and_ranges_are_the_contracts(seed: int) -> None:
    for labels in (False, True):
        c = demo(seed, labels).columns
        for k in ("t_s", "u", "v", "normal_force_n", "indentation_m"):
            assert np.all(np.isfinite(c[k])), k
        assert np.all(np.diff(c["t_s"]) > 0)
        assert c["t_s"][-1] - c["t_s"][0] < 86_400
        rate = 1 / np.median(np.diff(c["t_s"]))
        assert 95 <= rate <= 1050
        assert np.all(np.abs(c["u"] - 0.5) <= 1.0) and np.all(np.abs(c["v"]) <= 1)
        assert np.all(np.abs(c["normal_force_n"]) <= 1000)
        assert np.all(np.abs(c["indentation_m"]) < 0.05)  # metres, not millimetres
        assert ("tool" in c) == labels and ("block" in c) == labels
        assert "pass_index" not in c and "target_force_n" not in c
        if labels:
            known = set().union(*LABELS.values())
            assert {_norm(x) for x in c["tool"] if x} <= known
            assert len(set(c["block"].tolist())) <= len(demo(seed, labels).truth.techniques) + 1
        if "x_m" in c:
            assert demo(seed, labels).truth.given_back_length_m is None
            assert np.all(np.abs(c["x_m"]) < 1.0)


def test_same_seed_same_log_and_other_seeds_differ() -> None:
    a, b = j_demo(3, True), demo(3, True)
    assert a.truth == b.truth
    for k in a.columns:
        assert np.array_equal(a.columns[k], b.columns[k]), k
    assert demo(3, False).truth == a.truth  # labels change the recording only
    assert demo(4, True).truth != a.truth


@pytest.mark.parametrize("seed", SEEDS)
def test_truth_is_within_the_issue_ranges(seed: int) -> None:
    t = demo(seed, False).truth
    n = len(t.techniques)
    assert 3 <= n <= 5 and len(t.forces_n) == len(t.passes) == len(t.block_bpm) == n
    assert set(t.techniques) <= set(TOOL)
    assert all(a != b for a, b in zip(t.techniques, t.techniques[1:], strict=False))
    assert 49.5 <= t.bpm <= 80.5
    assert all(abs(b / t.bpm - 1) < 0.01 for b in t.block_bpm)
    assert 0.42 <= t.back_length_m <= 0.6
    for tech, f, p in zip(t.techniques, t.forces_n, t.passes, strict=True):
        assert 0 < f <= {"palms": 40, "forearm": 45, "thumb": 30}[TOOL[tech]]
        assert p == 1 if tech == "rest" else 2 <= p <= 8
    if t.given_back_length_m is not None:
        assert abs(t.given_back_length_m - t.back_length_m) <= 0.005


@pytest.mark.parametrize("seed", SEEDS)
def test_duration_is_first_touch_to_lift_off_without_a_break(seed: int) -> None:
    d = demo(seed, False)
    first, last, breaks = _contact(d.columns)
    t = d.columns["t_s"]
    assert breaks == 0
    assert abs((t[last] - t[first]) - d.truth.duration_s) < 1.5


@pytest.mark.parametrize("seed", SEEDS)
def test_block_forces_are_the_truth(seed: int) -> None:
    d = demo(seed, True)
    c = d.columns
    measured = _plateaus(d, c)
    assert np.all(np.abs(measured / d.truth.forces_n - 1) < 0.08), measured


def _turns(u: Any, hysteresis: float = 0.02) -> list[int]:
    """Indices of the turnarounds of ``u`` (docs/logs.md's definition, without pauses)."""
    out: list[int] = []
    ext, direction = 0, 0
    for i, x in enumerate(u):
        if direction == 0:
            if abs(x - u[0]) > hysteresis:
                direction, ext = (1 if x > u[0] else -1), i
        elif direction * (x - u[ext]) >= 0:
            ext = i
        elif abs(x - u[ext]) > hysteresis:
            out.append(ext)
            direction, ext = -direction, i
    return out


@pytest.mark.parametrize("seed", SEEDS)
def test_passes_are_the_strokes_in_the_log(seed: int) -> None:
    d = demo(seed, True)
    c = d.columns
    for i, tech in enumerate(d.truth.techniques):
        m = _block_mask(d, c, i)
        b = d.score.blocks[i]
        if tech == "rest":
            assert np.ptp(c["u"][m]) < 0.02
            continue
        if tech == "thumb_strip":  # one run of thumb samples per strip (palms between)
            strips = np.flatnonzero(np.diff(np.r_[0, m.astype(int)]) == 1)
            shared = [len(b.lanes_m[p :: b.passes]) or 1 for p in range(b.passes)]
            lanes = [len(b.lanes_m)] * b.passes if b.until else shared
            assert len(strips) == len(b.sides) * sum(lanes)
            continue
        u = c["u"][m]
        lows = [k for k in _turns(u) if u[k] < b.u_lo + 0.03]
        per_pass = len(b.sides) if tech == "forearm" else 1
        assert len(lows) == d.truth.passes[i] * per_pass, (i, tech, len(lows))


@pytest.mark.parametrize("seed", SEEDS)
def test_every_stroke_lasts_whole_beats(seed: int) -> None:
    d = demo(seed, False)
    period = 60 / d.truth.bpm
    beats = np.array([(s.t1 - s.t0) / period for s in d.segs[1:-1]])
    assert np.all(beats > 0.6)
    assert np.all(np.abs(beats - np.round(beats)) < 0.45)
    # the log's glide turnarounds fall on whole beats apart as well
    for i, tech in enumerate(d.truth.techniques):
        if tech != "glide":
            continue
        lab = demo(seed, True)
        m = _block_mask(lab, lab.columns, i)
        u, t = lab.columns["u"][m], lab.columns["t_s"][m]
        k = _turns(u)
        gaps = np.diff(t[k]) / period
        assert np.median(np.abs(gaps - np.round(gaps))) < 0.25


def _plateaus(d: JDemo, cols: dict[str, Any]) -> Any:
    """Each block's median force where it presses (over 80 % of the master's force)."""
    out = []
    for i, f_true in enumerate(d.truth.forces_n):
        f = cols["normal_force_n"][_block_mask(d, cols, i)]
        out.append(np.median(f[f > 0.8 * f_true]))
    return np.array(out)


@pytest.mark.parametrize("seed", [1, 4])
@pytest.mark.parametrize("fault", FAULTS)
def test_a_learner_differs_from_the_master_in_its_element(seed: int, fault: str) -> None:
    d = demo(seed, True)
    m, lr = d.columns, learner(seed, fault)
    m0, m1, m_breaks = _contact(m)
    l0, l1, l_breaks = _contact(lr)
    dur_m, dur_l = m["t_s"][m1] - m["t_s"][m0], lr["t_s"][l1] - lr["t_s"][l0]
    force_ratio = float(np.median(_plateaus(d, lr) / _plateaus(d, m)))
    element = FAULT_ELEMENT[fault]
    if element == "pressure":
        assert force_ratio > 1.3 and abs(dur_l / dur_m - 1) < 0.05 and l_breaks == 0
    elif element == "speed":
        assert dur_l / dur_m < 0.8 and abs(force_ratio - 1) < 0.1 and l_breaks == 0
    else:
        assert l_breaks >= 3 and m_breaks == 0
        assert abs(force_ratio - 1) < 0.1 and abs(dur_l / dur_m - 1) < 0.05


def test_an_unknown_fault_is_refused() -> None:
    with pytest.raises(ValueError, match="fault"):
        j_learner(0, "too_slow", False)


def test_csv_is_a_contact_log(tmp_path: Path) -> None:
    d = demo(2, True)
    path = tmp_path / "j.csv"
    to_csv(d.columns, str(path))
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    head = rows[0]
    assert len(set(head)) == len(head)
    assert {"t_s", "u", "v", "normal_force_n", "indentation_m", "tool", "block"} <= set(head)
    assert len(rows) - 1 == len(d.columns["t_s"]) and {len(r) for r in rows} == {len(head)}
    t = np.array([float(r[head.index("t_s")]) for r in rows[1:]])
    assert np.all(np.diff(t) > 0)
    f = np.array([float(r[head.index("normal_force_n")]) for r in rows[1:]])
    assert np.allclose(f, d.columns["normal_force_n"], atol=6e-4)


def test_it_runs_without_backstroke() -> None:
    code = (
        "import sys; from tests.learn.j_synth import j_demo, j_learner; j_demo(2, True); "
        "j_learner(2, 'too_fast', False); "
        "print(any(m == 'backstroke' or m.startswith('backstroke.') for m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


def test_the_scores_vary_what_a_master_varies() -> None:
    scores = [make_score(seed) for seed in range(30)]
    blocks = [b for sc in scores for b in sc.blocks]
    assert min(sc.bpm for sc in scores) < 56 and max(sc.bpm for sc in scores) > 74
    assert {len(sc.blocks) for sc in scores} == {3, 4, 5}
    assert {b.until for b in blocks if b.technique != "rest"} == {True, False}
    assert {b.turn for b in blocks} == {"flow", "pair", "breath"}
    thumbs = [b for b in blocks if b.technique == "thumb_strip"]
    assert max(len(b.lanes_m) for b in thumbs) >= 3 and any(b.dwell for b in thumbs)
    assert {len(b.sides) for b in blocks if b.technique == "forearm"} == {1, 2}
    assert len({b.leg_beats for b in blocks if b.technique != "rest"}) >= 5
    dwelt = [s for seed in range(30) for s in play(scores[seed], np.random.default_rng(seed)).segs]
    assert any(s.knot >= 0 and s.kind == "hold" for s in dwelt)
