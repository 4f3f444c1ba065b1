"""Thumb lanes cover the paraspinal band, clear of bone, at one force per lane (issue 13)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from backstroke.body.back_model import BackModel
from backstroke.body.client_file import load_client, random_client
from backstroke.errors import RoutineError
from backstroke.music.grid import BeatGrid
from backstroke.plan.plan import TOOL_CODES
from backstroke.plan.planner import Planner
from backstroke.routine.io import load_routine
from backstroke.routine.schema import Routine, ThumbStripBlock
from backstroke.technique.clearance import KEEP_OUT_MARGIN_M
from backstroke.technique.thumb_lanes import all_lanes, pass_lanes
from backstroke.tools import TOOLS, Tool
from tests.session.knot_clients import BONE_CLEAR_M, _bone_clearance_m

THUMB = TOOL_CODES.index(Tool.THUMB)


def _block(**kw: object) -> ThumbStripBlock:
    routine = Routine.model_validate(
        {"blocks": [{"technique": "thumb_strip", "target_force_n": 12.0, **kw}]}
    )
    block = routine.blocks[0]
    assert isinstance(block, ThumbStripBlock)
    return block


@pytest.mark.parametrize("seed", [None, 3, 17, 40])
def test_every_reachable_point_of_the_band_is_near_a_lane(seed: int | None) -> None:
    """Over the block's passes, every point 2–7 cm from the midline that a thumb may
    reach (19 mm from scapulae and crests — lanes keep 16 mm — L5..T3, where a thumb may press;
    the pocket above the medial border at T1–T3 gets a lane only where it is 6 cm long)
    lies within half a lane spacing (plus
    1.5 mm where a lane stops short of bone) of a lane, and every lane stays clear of bone."""
    client = load_client() if seed is None else random_client(seed)
    back = BackModel(client)
    block = _block(repeat={"passes": 2})
    lanes = [lane for p in range(2) for lane in pass_lanes(block, back, 0, p)]
    assert sorted(lanes) == sorted(lane for side in all_lanes(block, back, 0) for lane in side)
    reach = 0.5 * block.lane_spacing_m + 0.0015
    need = TOOLS[Tool.THUMB].half_width_m + KEEP_OUT_MARGIN_M
    for sgn in (1.0, -1.0):
        for v in np.linspace(0.02, 0.07, 26):
            for u in np.linspace(0.13, 0.86, 40):
                if _bone_clearance_m(back, float(u), sgn * float(v)) < BONE_CLEAR_M + 0.003:
                    continue
                if back.keep_out_clearance_m(u, sgn * v) < need:  # no thumb may press here
                    continue
                d = [abs(sgn * v - lv) for lv, lo, hi in lanes if lo <= u <= hi]
                assert d and min(d) <= reach, (u, sgn * v)
    for lv, lo, hi in lanes:
        u = np.linspace(lo, hi, 200)
        assert back.keep_out_clearance_m(u, np.full(u.size, lv)).min() >= need - 1e-9


def test_passes_share_the_lanes_unless_listening_for_softening() -> None:
    back = BackModel(load_client())
    fixed = _block(repeat={"passes": 2})
    first, second = pass_lanes(fixed, back, 0, 0), pass_lanes(fixed, back, 0, 1)
    assert not set(first) & set(second)
    listening = _block(repeat={"until": "softening", "min_passes": 2, "max_passes": 4})
    assert pass_lanes(listening, back, 0, 0) == pass_lanes(listening, back, 0, 3)
    assert len(pass_lanes(listening, back, 0, 0)) == len(first) + len(second)


def test_lateral_m_alone_is_the_old_single_line(tmp_path: Path) -> None:
    back = BackModel(load_client())
    line = _block(lateral_m=0.035)
    assert not line.covers_band
    assert [round(lv, 4) for lv, _, _ in pass_lanes(line, back, 0, 1)] == [0.035, -0.035]
    assert _block().covers_band
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[[blocks]]\ntechnique = "thumb_strip"\ntarget_force_n = 12\n'
        'cover = "band"\nlateral_m = 0.03\nrepeat = { passes = 1 }\n'
    )
    with pytest.raises(RoutineError, match="lateral_m"):
        load_routine(bad)


@pytest.mark.parametrize("preset", ["spa", "sports"])
def test_thumb_force_is_one_value_along_each_lane(preset: str) -> None:
    """The planned thumb force does not step along a lane (a step would read as a knot)."""
    routine = load_routine(preset)
    back = BackModel(load_client())
    planner = Planner(routine, back, BeatGrid.constant(routine.bpm))
    index = next(i for i, b in enumerate(routine.blocks) if b.technique == "thumb_strip")
    for p in range(2):
        s = planner.one_pass(index, p, 0, (4.0, Tool.PALMS)).samples
        moving = (s["tool"] == THUMB) & (s["speed_m_s"] > 0.005)
        for v in np.unique(np.round(s["v"][moving], 5)):
            f = s["target_force_n"][moving & (np.round(s["v"], 5) == v)]
            # It loads up once, then holds: no step down (or up) along the lane.
            top = int(np.argmax(f >= f.max() - 1e-6))
            assert np.all(f[top:] >= f.max() - 1e-6), (v, f.min(), f.max())
