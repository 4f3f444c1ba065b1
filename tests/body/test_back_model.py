"""BackModel: chart round trip, normals, landmarks, bone depth, mesh."""

from __future__ import annotations

import numpy as np
from hypothesis import given

from backstroke.body.back_model import BackModel
from tests.strategies import clients


@given(clients())
def test_chart_round_trip_under_half_a_millimetre(client) -> None:  # type: ignore[no-untyped-def]
    back = BackModel(client)
    uu, vv = back.grid(41, 31)
    pts = back.point(uu, vv).reshape(-1, 3)
    u, v = back.project(pts)
    err_m = np.linalg.norm(back.point(u, v) - pts, axis=1)
    assert err_m.max() <= 0.0005
    # Off-skin points project along the normal onto the same chart point.
    n = back.normal(uu, vv).reshape(-1, 3)
    u2, v2 = back.project(pts + 0.01 * n)
    assert np.max(np.abs(u2 - uu.ravel()) * back.back_length_m) < 0.0005
    assert np.max(np.abs(v2 - vv.ravel())) < 0.0005


@given(clients())
def test_chart_distances_are_skin_distances(client) -> None:  # type: ignore[no-untyped-def]
    back = BackModel(client)
    u = np.linspace(0, 1, 400)
    assert abs(back.path_length_m(u, np.zeros_like(u)) - back.back_length_m) < 0.002
    for uu in (0.2, 0.5, 0.8):
        v = np.linspace(-0.1, 0.1, 400)
        assert abs(back.path_length_m(np.full_like(v, uu), v) - 0.2) < 0.001


def test_frame_axes_and_orientation(default_back: BackModel) -> None:
    tu, tv, n = default_back.frame(np.array([0.1, 0.5, 0.9]), np.array([0.0, 0.05, -0.1]))
    for a in (tu, tv, n):
        np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-9)
    assert np.all(n[:, 2] > 0.7)  # posterior
    assert np.all(tu[:, 0] > 0.7)  # cranial
    np.testing.assert_allclose(np.einsum("ij,ij->i", tu, n), 0.0, atol=1e-6)


def test_body_frame_origin_at_iliac_crest_level(default_back: BackModel) -> None:
    l4 = default_back.landmarks["L4"]
    assert np.linalg.norm(l4.point_m) < 1e-6
    c7 = default_back.landmarks["C7"]
    assert c7.point_m[0] > 0.3  # x is cranial


def test_landmark_levels_follow_reference_fractions(default_back: BackModel) -> None:
    lm = default_back.landmarks
    for name, frac in (("T4", 0.21), ("T7", 0.39), ("T10", 0.54), ("L1", 0.71), ("L4", 0.86)):
        assert abs(lm[name].u - (1 - frac)) < 1e-9
    assert lm["scapula_inferior_angle_left"].v_m > 0 > lm["scapula_inferior_angle_right"].v_m


def test_bone_depth_minimal_over_spine_and_scapula(default_back: BackModel) -> None:
    b = default_back
    spine = b.bone_depth_m(0.3, 0.0)
    erector = b.bone_depth_m(0.3, 0.04)
    scap = b.landmarks["scapula_inferior_angle_left"]
    assert spine < 0.5 * erector
    assert b.bone_depth_m(scap.u, scap.v_m) < 0.5 * erector
    crest = b.landmarks["iliac_crest_top_left"]
    assert b.bone_depth_m(crest.u, crest.v_m) < 0.6 * erector


def test_keep_out_zones_cover_bony_landmarks(default_back: BackModel) -> None:
    b = default_back
    for name in ("T7", "scapula_inferior_angle_left", "iliac_crest_top_right"):
        lm = b.landmarks[name]
        assert b.keep_out_clearance_m(lm.u, lm.v_m) < 0


def test_mesh_is_a_surface_of_the_back(default_back: BackModel) -> None:
    m = default_back.mesh
    assert len(m.faces) > 1000
    assert m.face_normals[:, 2].mean() > 0.8
    # Mesh vertices are chart points: they project back onto themselves.
    u, v = default_back.project(m.vertices[::97])
    assert np.linalg.norm(default_back.point(u, v) - m.vertices[::97], axis=1).max() < 5e-4


def test_project_keeps_a_non_finite_point_to_itself(default_back: BackModel) -> None:
    """A NaN or inf position (a faulty encoder) projects to NaN without spoiling the
    other points; no points gives empty arrays."""
    good = default_back.point(0.4, 0.03)
    pts = np.array([[np.nan, 0.0, 0.1], good, [np.inf, 0.0, 0.0]])
    u, v = default_back.project(pts)
    assert np.isnan(u[0]) and np.isnan(u[2]) and np.isnan(v[0])
    assert abs(u[1] - 0.4) < 1e-6 and abs(v[1] - 0.03) < 1e-6
    u0, v0 = default_back.project(np.zeros((0, 3)))
    assert u0.shape == (0,) and v0.shape == (0,)
