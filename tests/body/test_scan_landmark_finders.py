"""The landmark finders (dimples, shoulder-blade edge) on generators they were not
developed on: the fifth generator (tests/body/shell_*.py, explicit dimples and plates)
and the parametric body (no dimples, no plates)."""

from __future__ import annotations

import numpy as np

from backstroke.body.back_model import BackModel
from backstroke.body.client_file import random_client
from backstroke.body.scan_axis import HeightGrid, height_grid
from backstroke.body.scan_dimples import find_dimples
from backstroke.body.scan_fit import fit_scan, landmark_confidence
from backstroke.body.scan_io import Scan
from backstroke.body.scan_scapula import GATE_M, fused_level_x_m
from backstroke.body.scan_sim import CameraSpec, ScanPose, simulate_scan
from tests.body.shell_camera import shell_case_scan


def _grid_b(fit, points_s, lo, hi):  # type: ignore[no-untyped-def]
    pb = fit.to_body(points_s)
    sel = (pb[:, 0] > lo) & (pb[:, 0] < hi) & (np.abs(pb[:, 1]) < 0.3)
    return pb[sel], height_grid(pb[sel], fit.surface.cell_m)


def test_dimples_found_on_the_fifth_generator() -> None:
    _, _, sc = shell_case_scan(0)  # dimples 3.6 mm deep, 1.7 mm noise: clearly seen
    fit = fit_scan(Scan(sc.points_m, "shell", "points"))
    truth = {k: fit.to_body(sc.landmarks_m[k]) for k in ("psis_left", "psis_right")}
    x_true = 0.5 * (truth["psis_left"][0] + truth["psis_right"][0])
    _, grid = _grid_b(fit, sc.points_m, x_true - 0.2, x_true + 0.25)
    assert fit.quality["landmark_confidence"]["psis"] == "high"
    pair = find_dimples(grid, fit._m, x_true + 0.03)  # searched about a guess 3 cm off
    assert pair is not None
    found = sorted([pair.first_st_m, pair.second_st_m], key=lambda p: -p[1])
    for (x, y), name in zip(found, ("psis_left", "psis_right"), strict=True):
        assert np.hypot(x - truth[name][0], y - truth[name][1]) < 0.015, (found, truth)


def test_no_dimples_on_a_body_without_them() -> None:
    back = BackModel(random_client(4))
    sim = simulate_scan(
        back, ScanPose(yaw_rad=0.7), CameraSpec(noise_m=0.002), np.random.default_rng(4)
    )
    fit = fit_scan(Scan(sim.points_m, "parametric", "points"))
    x0 = float(fit.point(0.0, 0.0)[0])
    _, grid = _grid_b(fit, sim.points_m, x0 - 0.2, x0 + 0.25)
    assert find_dimples(grid, fit._m, x0) is None
    assert fit.quality["landmarks_from"]["psis"] != "dimples"
    assert fit.quality["landmark_confidence"]["psis"] != "high"


def test_landmark_confidence() -> None:
    low = landmark_confidence("proportions", False, "proportions (no blade edge seen)")
    assert set(low.values()) == {"low"}
    seen = landmark_confidence("dimples", True, "blade edge and proportions")
    assert seen["psis"] == seen["C7"] == seen["back_length"] == "high"
    assert seen["iliac_crest_top"] == seen["scapula_inferior_angle"] == "medium"
    assert landmark_confidence("buttocks", True, "x")["back_length"] == "medium"


def test_blade_edge_on_the_fifth_generator() -> None:
    _, _, sc = shell_case_scan(4)
    fit = fit_scan(Scan(sc.points_m, "shell", "points"))
    assert fit.quality["landmarks_from"]["scapula_inferior_angle"].startswith("blade")
    truth = fit.to_body(sc.landmarks_m["scapula_inferior_angle_left"])
    found = np.asarray(fit.landmarks["scapula_inferior_angle_left"].point_m)
    assert abs(found[0] - truth[0]) < 0.025, (found, truth)
    out_true, out_found = (abs(p[1] - fit._m(p[0])) for p in (truth, found))
    assert abs(out_found - out_true) < 0.02, (found, truth)


def test_fused_level() -> None:
    assert fused_level_x_m(None, 0.1) == (0.1, "proportions (no blade edge seen)")
    assert fused_level_x_m(0.1 + 2 * GATE_M, 0.1)[0] == 0.1
    assert 0.11 < fused_level_x_m(0.12, 0.1)[0] < 0.12  # nearer the edge seen


def _pits_grid(pits: list[tuple[float, float]]) -> HeightGrid:
    """A gently curved back (frame P, midline t = 0) with 3 mm round pits, σ 9 mm, at
    ``pits`` ``(s, t)``, 0.3 mm noise, 5 mm cells."""
    cell = 0.005
    s = np.arange(-0.15, 0.15 + 1e-9, cell)
    t = np.arange(-0.15, 0.15 + 1e-9, cell)
    ss, tt = np.meshgrid(s, t, indexing="ij")
    h = 0.2 - 0.4 * tt**2 + 0.05 * ss
    for ps, pt in pits:
        h -= 0.003 * np.exp(-((ss - ps) ** 2 + (tt - pt) ** 2) / (2 * 0.009**2))
    h += np.random.default_rng(1).normal(0.0, 0.0003, h.shape)
    return HeightGrid(float(s[0]), float(t[0]), cell, h, np.ones(h.shape, dtype=np.int64))


def test_dimple_pair_is_a_mirror_pair() -> None:
    def mid(s: float) -> float:
        return 0.0

    pair = find_dimples(_pits_grid([(0.0, 0.045), (0.0, -0.045)]), mid, 0.02)
    assert pair is not None and abs(pair.level_s_m) < 0.003
    # 10 mm apart along the spine and 10 mm in distance from the midline: each within
    # its own limit (12 mm), but one pit's mirror image is 14 mm from the other.
    assert find_dimples(_pits_grid([(0.0, 0.045), (0.010, -0.055)]), mid, 0.02) is None
