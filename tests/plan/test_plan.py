"""The plan: one continuous contact interval, on the skin, on the beat, within limits."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from backstroke.body.back_model import BackModel
from backstroke.music.grid import BeatGrid
from backstroke.plan.io import plan_to_json
from backstroke.plan.plan import TOOL_CODES, Plan
from backstroke.plan.planner import compile_plan
from backstroke.routine.io import load_routine
from backstroke.routine.schema import Routine
from backstroke.tools import TOOLS, Tool
from tests.strategies import clients, routine_dicts

BEAT_TOL_S = 1e-3


def _check_plan(plan: Plan, back: BackModel, routine: Routine) -> None:
    s = plan.samples()
    t = s["t_s"]
    # Uniform sampling at 100 Hz or finer, strictly increasing.
    dt = np.diff(t)
    assert np.all(dt > 0) and dt.max() <= 0.01 + 1e-9
    # Exactly one contact interval: contact starts once and ends once.
    ic = s["in_contact"] > 0
    assert np.sum(np.diff(ic.astype(int)) == 1) == 1
    assert np.sum(np.diff(ic.astype(int)) == -1) == 1
    assert not ic[0] and not ic[-1]
    # Every in-contact sample lies on the skin surface.
    u, v = s["u"][ic], s["v"][ic]
    pts = np.stack([s["x_m"], s["y_m"], s["z_m"]], axis=1)[ic]
    assert np.linalg.norm(back.point(u, v) - pts, axis=1).max() <= 0.0005
    # Surface speed and jerk within the routine's limits.
    lim = routine.speed
    assert s["speed_m_s"].max() <= lim.max_m_s + 1e-6
    acc = np.gradient(s["speed_m_s"], t)
    assert np.abs(acc).max() <= lim.max_accel_m_s2 * 1.05 + 1e-4
    # Keep-out: forearm and thumb patches never over bone (half-width as margin).
    for code, tool in enumerate(TOOL_CODES):
        if tool == Tool.PALMS:
            continue
        m = ic & (s["tool"] == code)
        if np.any(m):
            clear = back.keep_out_clearance_m(s["u"][m], s["v"][m])
            assert clear.min() >= TOOLS[tool].half_width_m
    # Tool axis within 10° of the surface normal, tilted only behind the stroke.
    cosang = s["ax"] * s["nx"] + s["ay"] * s["ny"] + s["az"] * s["nz"]
    assert np.degrees(np.arccos(np.clip(cosang, -1, 1))).max() <= 10.0 + 1e-6
    # Every stroke starts and ends on a beat and lasts whole beats.
    beats = plan.beats_s
    for ts in plan.timed_segments():
        for edge in (ts.t0_s, ts.t1_s):
            assert np.min(np.abs(beats - edge)) <= BEAT_TOL_S
        assert ts.beats >= 1


@pytest.mark.parametrize("preset", ["spa", "sports"])
@pytest.mark.parametrize("bpm", [50.0, 60.0, 90.0, 128.0])
def test_presets_plan_cleanly(preset: str, bpm: float, default_back: BackModel) -> None:
    routine = load_routine(preset)
    plan = compile_plan(routine, default_back, BeatGrid.constant(bpm))
    _check_plan(plan, default_back, routine)


@given(clients(), routine_dicts())
def test_random_clients_and_routines_plan_cleanly(client, data) -> None:  # type: ignore[no-untyped-def]
    back = BackModel(client)
    routine = Routine.model_validate(data)
    plan = compile_plan(routine, back, BeatGrid.constant(routine.bpm))
    _check_plan(plan, back, routine)


@given(st.floats(55, 85), st.floats(-0.05, 0.05), st.integers(0, 1000))
def test_plan_follows_tracked_beats_with_drift(bpm: float, drift: float, seed: int) -> None:
    from backstroke.body.client_file import load_client

    back = BackModel(load_client())
    rng = np.random.default_rng(seed)
    period = 60.0 / bpm
    # Beats that drift by `drift` over the track, with 5 ms jitter.
    k = np.arange(200)
    beats = 0.3 + np.cumsum(period * (1 + drift * k / k.size)) + rng.normal(0, 0.005, k.size)
    grid = BeatGrid(bpm=bpm, beats_s=np.sort(beats), source="music")
    routine = load_routine("spa")
    plan = compile_plan(routine, back, grid)
    _check_plan(plan, back, routine)


def test_same_inputs_give_byte_identical_plan(default_back: BackModel) -> None:
    routine = load_routine("spa")
    a = json.dumps(plan_to_json(compile_plan(routine, default_back, BeatGrid.constant(60))))
    b = json.dumps(plan_to_json(compile_plan(routine, default_back, BeatGrid.constant(60))))
    assert a == b


def test_fast_music_takes_two_or_four_beats_per_step(default_back: BackModel) -> None:
    routine = load_routine("spa")
    assert compile_plan(routine, default_back, BeatGrid.constant(60)).beat_step == 1
    assert compile_plan(routine, default_back, BeatGrid.constant(120)).beat_step == 2
    assert compile_plan(routine, default_back, BeatGrid.constant(200)).beat_step == 4


def test_one_more_pass_chains_without_replanning(default_back: BackModel) -> None:
    from backstroke.plan.planner import Planner

    planner = Planner(load_routine("spa"), default_back, BeatGrid.constant(60))
    a = planner.one_pass(1, 0, 40, (12.0, Tool.PALMS))
    b = planner.one_pass(1, 1, a.end_beat, a.handoff)
    assert a.end_point == b.timed[0].segment.start
    assert abs(a.t1_s - b.t0_s) < 1e-9
    # The force carries over: no step at the pass boundary.
    assert abs(a.samples["target_force_n"][-1] - b.samples["target_force_n"][0]) < 0.2


def test_plan_command_writes_plan_json(tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    cmd = [sys.executable, "-c", "from backstroke.cli import main; main()"]
    r = subprocess.run(
        [*cmd, "plan", "--routine", "spa", "--bpm", "60", "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert r.returncode == 0, r.stderr
    data = json.loads(out.read_text())
    cols = data["samples"]
    n = len(cols["t_s"])
    assert all(len(c) == n for c in cols.values())
    ic = np.array(cols["in_contact"], dtype=int)
    assert np.sum(np.diff(ic) == 1) == 1 and np.sum(np.diff(ic) == -1) == 1
    assert "one contact interval" in r.stdout
