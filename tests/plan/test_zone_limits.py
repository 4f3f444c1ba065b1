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


_ZONES: list[ZoneLimits] = []


def _zones() -> ZoneLimits:
    if not _ZONES:
        _ZONES.append(ZoneLimits(BackModel(load_client())))
    return _ZONES[0]


@settings(max_examples=300)
@given(
    st.sampled_from(list(Tool)),
    st.floats(-0.1, 1.1),
    st.floats(-0.4, 0.4),
    st.sampled_from([-0.01, 0.0, 0.008, 0.015, 0.035]),
)
def test_over_bone_is_the_pads_interpolated_clearance(
    tool: Tool, u: float, v: float, margin: float
) -> None:
    """The Supervisor's fast lookup (cell bounds first) answers as the plain rule does:
    some pad's bilinear clearance below the margin (off the grid too)."""
    zones = _zones()
    pads = {Tool.PALMS: (0.05, -0.05), Tool.FOREARM: (0.0,), Tool.THUMB: (0.0,)}[tool]
    plain = any(zones.clearance_at(u, v + p) < margin for p in pads)
    assert zones.over_bone(tool, u, v, margin) == plain


def test_over_bone_matches_on_the_zone_edges() -> None:
    """Points straddling the bone's edge (where the shortcut must not answer): an
    independent sweep across the spine and the scapulae at 0.1 mm steps."""
    zones = _zones()
    for tool in Tool:
        m = pad_margin_m(tool)
        for u in (0.2, 0.45, 0.7, 0.85):
            for v in np.arange(-0.15, 0.15, 0.0001).tolist():
                plain = (
                    any(zones.clearance_at(u, v + p) < m for p in (0.05, -0.05))
                    if (tool is Tool.PALMS)
                    else zones.clearance_at(u, v) < m
                )
                assert zones.over_bone(tool, u, v, m) == plain


def _envelope_plain(values: np.ndarray, t: np.ndarray, slope: float) -> np.ndarray:
    """The two full passes the envelope stands for."""
    vals = np.array(values, dtype=np.float64).tolist()
    steps = (np.abs(np.diff(t)) * slope).tolist()
    for i in range(1, len(vals)):
        vals[i] = min(vals[i], vals[i - 1] + steps[i - 1])
    for i in range(len(vals) - 2, -1, -1):
        vals[i] = min(vals[i], vals[i + 1] + steps[i])
    return np.asarray(vals)


@settings(max_examples=100)
@given(
    st.lists(st.sampled_from([0.0, 7.5, 15.3, 30.6, 34.0]), min_size=1, max_size=200),
    st.sampled_from([0.0, 1.0, 12.0, 500.0]),
    st.floats(0.0005, 0.02),
)
def test_envelope_equals_the_full_passes(values: list[float], slope: float, dt: float) -> None:
    """Flat caps with steps (the planner's case): bit for bit the full two passes."""
    t = np.arange(len(values)) * dt
    v = np.asarray(values)
    assert np.array_equal(lipschitz_envelope(v, t, slope), _envelope_plain(v, t, slope))
