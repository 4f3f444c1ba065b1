"""Feeling the back across: the real spine's sideways shift from the fitted body."""

from __future__ import annotations

import numpy as np
import pytest

from backstroke.body.scanned_back import ScannedBack, SurfaceGrid
from backstroke.plan.plan import TOOL_CODES
from backstroke.safety.checks.base import Measurement
from backstroke.safety.checks.force_depth import ForceDepth
from backstroke.session.palpate import (
    FORCE_N,
    LEVELS_U,
    felt_shift,
    fit_line,
    palpation_segments,
    shifted_body,
)
from backstroke.tools import Tool


def _height(x: np.ndarray, y: np.ndarray, mid: np.ndarray) -> np.ndarray:
    """A back's cross-section: a broad dome, two erector bulges, the spine's valley."""
    w = y - mid
    return np.asarray(
        0.20
        - 1.2 * w**2
        + 0.005 * np.exp(-0.5 * ((np.abs(w) - 0.035) / 0.014) ** 2)
        - 0.002 * np.exp(-0.5 * (w / 0.008) ** 2)
        + 0.02 * x,
        dtype=np.float64,
    )


def _body(a_m: float = 0.0, b: float = 0.0) -> ScannedBack:
    """An analytic back whose spine is ``y = a + b x`` (frame B)."""
    x = np.arange(-0.12, 0.58, 0.005)
    y = np.arange(-0.25, 0.25, 0.005)
    xx, yy = np.meshgrid(x, y, indexing="ij")
    z = _height(xx, yy, a_m + b * xx)
    grid = SurfaceGrid(float(x[0]), float(y[0]), 0.005, z)
    mx = np.linspace(0.0, 0.45, 46)
    return ScannedBack(grid, mx, a_m + b * mx, np.eye(4), np.full(mx.size, 0.17))


def _felt(fit: ScannedBack, a_m: float, b: float, seed: int) -> dict[str, np.ndarray]:
    """What the palpation's sweeps record when the real spine is at ``y = a + b x``:
    the tool's height on the real skin (1.5 mm in, 0.3 mm of noise)."""
    rng = np.random.default_rng(seed)
    parts = []
    for u in LEVELS_U:
        v = np.linspace(-0.08, 0.08, 4000)
        p = fit.point(np.full_like(v, u), v)
        z = _height(p[:, 0], p[:, 1], a_m + b * p[:, 0]) - 0.0015
        z += 0.0003 * rng.standard_normal(v.size)
        parts.append(
            {
                "x_m": p[:, 0],
                "y_m": p[:, 1],
                "z_m": z,
                "normal_force_n": FORCE_N + 0.05 * rng.standard_normal(v.size),
                "target_force_n": np.full(v.size, FORCE_N),
                "plan_u": np.full(v.size, u),
                "plan_in_contact": np.ones(v.size),
                "plan_tool": np.full(v.size, float(TOOL_CODES.index(Tool.THUMB))),
                "plan_speed_m_s": np.full(v.size, 0.03),
            }
        )
    return {k: np.concatenate([c[k] for c in parts]) for k in parts[0]}


@pytest.mark.parametrize(("a_m", "yaw_deg"), [(0.012, 3.0), (-0.02, -2.0), (0.0, 0.0)])
def test_the_felt_shift_is_the_real_spines(a_m: float, yaw_deg: float) -> None:
    fit = _body()
    b = float(np.tan(np.radians(yaw_deg)))
    shift = felt_shift(fit, _felt(fit, a_m, b, seed=3))
    assert shift.trusted
    x = np.array([lv[0] for lv in shift.levels])
    assert np.max(np.abs(shift.at(x) - (a_m + b * x))) < 0.003
    moved = shifted_body(fit, shift)
    xs = np.linspace(0.05, 0.4, 8)
    assert np.max(np.abs(moved._m(xs) - (a_m + b * xs))) < 0.003  # the chart's spine
    true_h = _height(xs, a_m + b * xs + 0.03, a_m + b * xs)
    assert np.max(np.abs(moved.height_m(xs, a_m + b * xs + 0.03) - true_h)) < 0.001


def test_levels_that_disagree_are_not_trusted() -> None:
    assert not fit_line([(0.0, 0.01, 0.001), (0.15, -0.02, 0.001), (0.3, 0.02, 0.001)]).trusted
    assert not fit_line([(0.0, 0.01, 0.001)]).trusted  # one level: no line
    assert not fit_line([(0.0, 0.035, 0.001), (0.3, 0.06, 0.001)]).trusted  # too far
    assert fit_line([(0.0, 0.01, 0.001), (0.15, 0.015, 0.001), (0.3, 0.02, 0.001)]).trusted


def test_the_sweeps_cross_the_spine_at_a_light_force() -> None:
    fit = _body()
    segs = palpation_segments(fit, start=(0.3, 0.03), transition_force_n=4.0)
    sweeps = [s for s in segs if s.label == "palpate"]
    assert len(sweeps) == len(LEVELS_U)
    for s in sweeps:
        assert s.tool == Tool.THUMB and s.force_n == FORCE_N
        assert s.v_m.min() < -0.05 and s.v_m.max() > 0.05


def _tick(depth_m: float, force_n: float) -> Measurement:
    from types import SimpleNamespace

    state = SimpleNamespace(position_m=(0.1, 0.0, 0.2))
    return Measurement(
        state=state,  # type: ignore[arg-type]
        model_depth_m=depth_m,
        normal_force_n=force_n,
        normal=(0.0, 0.0, 1.0),
    )


def test_force_depth_learns_its_touch_again_after_the_body_moved() -> None:
    chk = ForceDepth(0.001, 0.01, 0.3, 3.0, 0.3, 2000.0, surface_offset_m=0.012)
    chk.update(_tick(0.012, 2.0))  # touch: the model 11 mm above the skin
    assert chk._offset_m == pytest.approx(0.011)
    chk.forget_touch()
    chk.update(_tick(0.002, 2.0))  # the moved body: 1 mm above
    assert chk._offset_m == pytest.approx(0.001)


@pytest.mark.slow
def test_the_tight_clients_worst_scan_ends_without_a_stop() -> None:
    """Tight client, seed 7, the worst [scan] errors: without the palpation the left
    lane ran over the real spine and the client said stop (243 s)."""
    from bench.scan_sessions import WORST, one

    row = one("tight", 7, WORST)
    assert row["ended"] == "completed", row["fault"]
    assert row["contact_breaks"] == 0
    assert row["bone_contact_s"] == 0.0
