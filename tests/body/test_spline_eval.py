"""spline_ev gives the same bits as scipy's RectBivariateSpline.ev (FITPACK bispeu)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.interpolate import RectBivariateSpline

from backstroke.body.back_model import BackModel
from backstroke.body.client_file import load_client
from backstroke.body.spline_eval import spline_ev


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and bool(np.array_equal(a, b, equal_nan=True))


def _random_spline(seed: int, kx: int, ky: int) -> RectBivariateSpline:
    """A spline on an uneven grid with a rough surface (not the back's)."""
    rng = np.random.default_rng(seed)
    x = np.cumsum(rng.uniform(0.01, 0.3, 23)) - 1.0
    y = np.cumsum(rng.uniform(0.05, 0.5, 17))
    z = rng.standard_normal((x.size, y.size)) + np.sin(x)[:, None] * y[None, :]
    return RectBivariateSpline(x, y, z, kx=kx, ky=ky)


@pytest.mark.parametrize(("kx", "ky"), [(3, 3), (1, 1), (2, 3), (5, 4)])
def test_random_points_and_edges_match_scipy(kx: int, ky: int) -> None:
    sp = _random_spline(kx * 10 + ky, kx, ky)
    tx, ty = sp.tck[:2]
    rng = np.random.default_rng(7)
    x = rng.uniform(tx[0] - 0.5, tx[-1] + 0.5, 20_000)
    y = rng.uniform(ty[0] - 0.5, ty[-1] + 0.5, 20_000)
    # knots exactly, the ends, outside, NaN and infinities
    edges_x = np.concatenate([tx, [np.nan, np.inf, -np.inf, tx[0], tx[-1], 0.0, -0.0]])
    edges_y = np.resize(np.concatenate([ty, [np.nan, 1e300, -1e300]]), edges_x.size)
    x = np.concatenate([x, edges_x, np.sort(x)])
    y = np.concatenate([y, edges_y, np.sort(y)[::-1]])
    assert _same(spline_ev(sp, x, y), sp.ev(x, y))


def test_back_model_chart_map_matches_scipy() -> None:
    back = BackModel(load_client())
    sp = back._y_of
    t = np.linspace(0.0, 90.0, 50_000)
    u = 0.5 + 0.49 * np.sin(0.3 * t)  # a path: the interval of the last point is reused
    w = np.abs(np.sin(0.7 * t))
    assert _same(spline_ev(sp, u, w), sp.ev(u, w))
    grid_u, grid_w = np.meshgrid(np.linspace(0, 1, 161), np.linspace(0, 1, 241), indexing="ij")
    assert _same(spline_ev(sp, grid_u, grid_w), sp.ev(grid_u, grid_w))  # every knot, 2-D


def test_shapes_and_broadcasting() -> None:
    sp = _random_spline(1, 3, 3)
    assert spline_ev(sp, np.zeros(0), np.zeros(0)).shape == (0,)
    assert spline_ev(sp, 0.3, 1.0).shape == ()
    got = spline_ev(sp, np.full((4, 5), 0.2), np.linspace(0.5, 3.0, 5))
    assert _same(got, sp.ev(np.full((4, 5), 0.2), np.broadcast_to(np.linspace(0.5, 3, 5), (4, 5))))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(-3.0, 6.0, allow_nan=False), min_size=1, max_size=40),
    st.lists(st.floats(-1.0, 9.0, allow_nan=False), min_size=1, max_size=40),
)
def test_any_points_match_scipy(xs: list[float], ys: list[float]) -> None:
    n = min(len(xs), len(ys))
    sp = _random_spline(3, 3, 3)
    x, y = np.asarray(xs[:n]), np.asarray(ys[:n])
    assert _same(spline_ev(sp, x, y), sp.ev(x, y))
