"""The model surface's offset from the skin, learnt from touches and steady strokes."""

from __future__ import annotations

import numpy as np
import pytest

from backstroke.sense.surface_offset import (
    SurfaceOffset,
    fit_surface_offset,
    force_groups,
)


def _back_patch(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Points on a gently curved back (x along, y across) and their normals."""
    x = rng.uniform(-0.05, 0.4, n)
    y = rng.uniform(-0.08, 0.08, n)
    z = 0.02 * np.cos(x * 6.0) - 2.0 * y**2
    dzdx, dzdy = -0.12 * np.sin(x * 6.0), -4.0 * y
    nrm = np.column_stack([-dzdx, -dzdy, np.ones(n)])
    return np.column_stack([x, y, z]), nrm / np.linalg.norm(nrm, axis=1, keepdims=True)


def _session(rng: np.random.Generator, t: np.ndarray, w: np.ndarray, stiff_n_m: float):
    """Samples of a session on a body off by rigid (t, w): touches and two force levels."""
    p, n = _back_patch(rng, 6000)
    delta = np.einsum("ij,ij->i", n, t + np.cross(w, p - p.mean(axis=0)))
    f = np.where(np.arange(p.shape[0]) < 400, rng.uniform(0.6, 1.8, p.shape[0]), 0.0)
    loaded = f == 0.0
    f[loaded] = np.where(rng.random(int(loaded.sum())) < 0.5, 8.0, 12.0)
    f[loaded] += rng.normal(0.0, 0.2, int(loaded.sum()))
    true_depth = f / stiff_n_m
    model_depth = true_depth + delta + rng.normal(0.0, 0.0008, f.size)  # breathing, noise
    group = force_groups(np.where(loaded, np.round(f / 4.0) * 4.0, 1.0))
    return p, n, model_depth, f, group, true_depth


@pytest.mark.parametrize(
    ("seed", "tz", "rx", "ry"), [(0, 0.01, 2.0, -2.0), (1, -0.012, -3.0, 3.0), (2, 0.0, 0.0, 0.0)]
)
def test_a_rigid_registration_error_is_recovered(
    seed: int, tz: float, rx: float, ry: float
) -> None:
    rng = np.random.default_rng(seed)
    t = np.array([0.003, -0.002, tz])
    w = np.radians([rx, ry, 0.5])
    p, n, md, f, g, td = _session(rng, t, w, 2000.0)
    fit = fit_surface_offset(p, md, f, g, n, touch_stiffness_n_m=2000.0)
    err = fit.depth_m(md, p, n) - td
    loaded = f > 2.0
    # the naive depth is off by up to centimetres; the refined one by about the noise
    assert np.sqrt(np.mean(err[loaded] ** 2)) < 0.0011
    assert fit.touches == 400


def test_without_touches_nothing_is_corrected() -> None:
    rng = np.random.default_rng(3)
    p, n, md, f, g, _ = _session(rng, np.array([0, 0, 0.01]), np.zeros(3), 2000.0)
    loaded = f > 2.0
    fit = fit_surface_offset(p[loaded], md[loaded], f[loaded], g[loaded], n[loaded])
    assert fit.touches == 0 and SurfaceOffset.none().touches == 0
    np.testing.assert_allclose(fit.depth_m(md, p, n), md)


def test_a_second_generator_a_tilted_plane_seen_without_normals() -> None:
    """Independent of the first: a flat table-like patch, strokes along lines, no
    normals given (the log case), an error that is a plane."""
    lanes = []
    for y0 in (-0.04, 0.0, 0.04):
        x = np.linspace(0.0, 0.45, 2000)
        lanes.append(np.column_stack([x, np.full_like(x, y0), np.zeros_like(x)]))
    p = np.vstack(lanes)
    err_plane = 0.006 + 0.03 * (p[:, 0] - 0.2) - 0.05 * p[:, 1]  # 1.7° along, 2.9° across
    f = np.full(p.shape[0], 10.0)
    ends = np.zeros(p.shape[0], dtype=bool)
    for k in range(3):  # light turnarounds at each lane's ends
        ends[k * 2000 : k * 2000 + 60] = True
        ends[k * 2000 + 1940 : (k + 1) * 2000] = True
    f[ends] = 1.2
    stiffness = 1500.0 * (1.0 + 0.1 * np.sin(p[:, 0] * 40.0))  # tissue varies along
    td = f / stiffness
    md = td + err_plane
    g = np.where(ends, -1, 0)
    fit = fit_surface_offset(p, md, f, g, None, touch_stiffness_n_m=1500.0)
    err = fit.depth_m(md, p) - td
    assert np.max(np.abs(err[~ends])) < 0.0012
    assert np.max(np.abs(md - td)) > 0.01
