"""The bone table shared by the planner and the Supervisor, and the cap envelope."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from backstroke.body.back_model import BackModel
from backstroke.body.client_file import ClientSpec, load_client
from backstroke.plan.zone_limits import ZoneLimits, lipschitz_envelope, pad_margin_m
from backstroke.tools import Tool


def test_table_matches_the_back_model() -> None:
    back = BackModel(load_client())
    zones = ZoneLimits(back)
    rng = np.random.default_rng(11)  # an independent set of points, not the grid
    u = rng.uniform(0.0, 1.0, 2000)
    v = rng.uniform(-0.2, 0.2, 2000)
    exact = back.keep_out_clearance_m(u, v)
    assert np.max(np.abs(zones.clearances(u, v) - exact)) < 0.0015
    scalar = np.array([zones.clearance_at(a, b) for a, b in zip(u[:200], v[:200], strict=True)])
    assert np.allclose(scalar, zones.clearances(u[:200], v[:200]), atol=1e-12)


def test_over_bone_uses_every_pad() -> None:
    back = BackModel(ClientSpec(seed=3).resolved())
    zones = ZoneLimits(back)
    assert zones.over_bone(Tool.THUMB, 0.5, 0.0, pad_margin_m(Tool.THUMB))
    assert not zones.over_bone(Tool.THUMB, 0.5, 0.045, pad_margin_m(Tool.THUMB))
    # the palms straddle the spine: their pads (±5 cm) are clear of it
    assert not zones.over_bone(Tool.PALMS, 0.45, 0.0, pad_margin_m(Tool.PALMS))


@settings(max_examples=60)
@given(
    st.lists(st.floats(0.0, 40.0), min_size=2, max_size=60),
    st.floats(0.5, 30.0),
)
def test_envelope_is_below_and_slope_limited(values: list[float], slope: float) -> None:
    t = np.arange(len(values)) * 0.01
    env = lipschitz_envelope(np.asarray(values), t, slope)
    assert np.all(env <= np.asarray(values) + 1e-12)
    assert np.all(np.abs(np.diff(env)) <= slope * 0.01 + 1e-9)
    # the largest such function: every sample touches a value within the slope cone
    for i, e in enumerate(env):
        cone = min(v + slope * abs(t[i] - t[j]) for j, v in enumerate(values))
        assert abs(cone - e) < 1e-9
