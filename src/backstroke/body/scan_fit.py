"""Fit a ScannedBack to a scan of a prone client (points in the robot base frame S).

Pipeline (each step in its own module):

1. ``scan_clean``: table plane (robust, local-patch RANSAC + least squares), flying
   pixels and strays (k-NN distance), the body = largest blob above the table.
2. ``scan_axis``: long axis (footprint PCA), head end (neck vs legs), height grid.
3. ``scan_midline``: midline from cross-section mirror symmetry, C7 from the neck
   base, PSIS level from the gluteal rise; the frame is re-yawed onto the midline's
   chord and the steps repeat once.
4. Here: frame B (origin on the midline at L4, x along the chord PSIS → C7), the skin
   height field in B (median grid, holes filled from the mirror side, then by
   normalised Gaussian smoothing and nearest values), and the fit's quality:
   ``fit_rms_m`` (robust RMS of the back's points about the fitted skin) and
   ``coverage`` (share of the back's chart with scan points on it).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage
from scipy.spatial import cKDTree

from backstroke.body import anatomy
from backstroke.body.scan_axis import (
    BodyFrame,
    height_grid,
    orient_head,
    provisional_frame,
    top_height_m,
)
from backstroke.body.scan_clean import body_points, fit_table, spacing_m
from backstroke.body.scan_dimples import DimplePair, find_dimples
from backstroke.body.scan_io import Scan, ScanError
from backstroke.body.scan_landmarks import (
    SCAPULA_INFERIOR_ANGLE_FRACTION,
    reference_half_widths_m,
)
from backstroke.body.scan_midline import (
    C7_BELOW_SHOULDER_TOP_M,
    c7_s_m,
    midline_centres,
    psis_s_m,
    shoulder_top_s_m,
    smooth_midline,
)
from backstroke.body.scan_scapula import fused_level_x_m, inferior_angle_m
from backstroke.body.scan_width import chart_half_width_m, half_widths_m
from backstroke.body.scanned_back import ScannedBack, SurfaceGrid

FloatArray = NDArray[np.float64]

SURFACE_MARGIN_M = 0.05
MIN_BACK_LENGTH_M = 0.30
MAX_BACK_LENGTH_M = 0.75
SQUARE_CUT_PASSES = 1  # midline passes cutting the back square to the previous midline
HOLE_ALONG_X_WEIGHT = 4.0  # a hole is bridged along the spine this much more than across


def fit_scan(scan: Scan) -> ScannedBack:
    """The client's back fitted to ``scan``; raises :class:`ScanError` if none is there."""
    pts = scan.points_m
    rng = np.random.default_rng(0)
    sp = spacing_m(pts)
    table = fit_table(pts, rng)
    body = body_points(pts, table, sp)
    if body is None:
        raise ScanError(
            "no body lies on the table (nothing large above the table top)", path=scan.path
        )
    cell = max(0.005, 1.25 * sp)
    frame = provisional_frame(body, table, cell)
    extent = np.ptp(frame.local(body)[:, 0])
    if extent < 0.6:
        raise ScanError(
            f"the object on the table is {extent:.2f} m long: not a prone body", path=scan.path
        )
    frame, margin = orient_head(body, frame, cell)
    s_psis = s_c7 = 0.0
    c7_seen = False
    mid = None
    from_shape = False
    for _ in range(3):
        grid = height_grid(frame.local(body), cell)
        s_top = shoulder_top_s_m(grid)
        guess = 0.0 if mid is None else float(mid(s_top - 0.3))
        ss, tt = midline_centres(grid, s_top - 0.85, s_top + 0.08, guess)
        if len(ss) < 20:
            raise ScanError(
                "no back found: the cross-sections are not mirror-symmetric", path=scan.path
            )
        mid = smooth_midline(ss, tt)
        knee = c7_s_m(grid, mid, s_top)
        s_c7 = knee if knee is not None else s_top - C7_BELOW_SHOULDER_TOP_M
        c7_seen = knee is not None
        s_psis, from_shape = psis_s_m(grid, mid, s_c7)
        back_rows = (ss >= s_psis) & (ss <= s_c7)
        if back_rows.sum() < 10:
            raise ScanError("no back found between the neck and the pelvis", path=scan.path)
        slope, icpt = np.polyfit(ss[back_rows], np.asarray(mid(ss[back_rows])), 1)
        if abs(slope) < 1e-3 and abs(icpt) < 1e-3:
            break
        frame = frame.turned(float(np.arctan(slope)), float(icpt))
        mid = None
    # The final midline from the back's own cross-sections only (PSIS level to C7): the
    # neck's and head's (turned, with the hands beside it) would pull its cranial end.
    guess = 0.0 if mid is None else float(mid(0.5 * (s_psis + s_c7)))
    if mid is None:
        grid = height_grid(frame.local(body), cell)
    ss, tt = midline_centres(grid, s_psis - 0.05, s_c7, guess)
    mid = smooth_midline(ss, tt)
    dimples = find_dimples(grid, mid, s_psis)
    if dimples is not None:
        s_psis = dimples.level_s_m
    for _ in range(SQUARE_CUT_PASSES):
        ss, tt = midline_centres(grid, s_psis - 0.05, s_c7, along=mid)
        mid = smooth_midline(ss, tt)
    length = s_c7 - s_psis
    if not MIN_BACK_LENGTH_M <= length <= MAX_BACK_LENGTH_M:
        raise ScanError(
            f"the back found is {length:.2f} m long (C7 to PSIS): not a prone adult's back",
            path=scan.path,
        )
    psis_from = "dimples" if dimples else ("buttocks" if from_shape else "proportions")
    back = _build(scan, body, frame, grid, mid, s_psis, s_c7, psis_from, margin, sp)
    if dimples is not None:
        back.quality["landmarks_b"].update(_dimples_b(back, frame, grid, dimples))
    back.quality["landmark_confidence"] = landmark_confidence(
        psis_from, c7_seen, back.quality["landmarks_from"]["scapula_inferior_angle"]
    )
    return back


def landmark_confidence(psis_from: str, c7_seen: bool, scapula_from: str) -> dict[str, str]:
    """How far each landmark rests on what the skin showed: "high" (a cue seen at the
    landmark itself), "medium" (a cue nearby plus a rule), "low" (body proportions).
    The generators' anatomies disagree on proportions by several centimetres (e.g. the
    buttocks' apex lies 7-14 cm caudal of the PSIS), so "low" may be out of the limits."""
    psis = {"dimples": "high", "buttocks": "medium"}.get(psis_from, "low")
    level = "medium" if psis == "high" else "low"  # the crests' level: L4 from the PSIS
    return {
        "C7": "high" if c7_seen else "low",
        "psis": psis,
        "iliac_crest_top": level,
        "scapula_inferior_angle": "medium" if scapula_from.startswith("blade") else "low",
        "back_length": psis if c7_seen else "low",
    }


def _dimples_b(
    back: ScannedBack, frame: BodyFrame, grid: Any, pair: DimplePair
) -> dict[str, list[float]]:
    """The dimples as the PSIS, B's ``(x, y)``; left = the client's left (B's +y)."""
    out = []
    for s, t in (pair.first_st_m, pair.second_st_m):
        p = np.array([s, t, _cell_height(grid, np.array([s, t]))])
        out.append(back.to_body(frame.axes.T @ p + frame.origin_m))
    left, right = sorted(out, key=lambda q: -q[1])
    return {
        "psis_left": [round(float(left[0]), 5), round(float(left[1]), 5)],
        "psis_right": [round(float(right[0]), 5), round(float(right[1]), 5)],
    }


def _build(
    scan: Scan,
    body: FloatArray,
    frame: BodyFrame,
    grid: Any,
    mid: Any,
    s_psis: float,
    s_c7: float,
    psis_from: str,
    margin: float,
    sp: float,
) -> ScannedBack:
    ps = np.array([s_psis, float(mid(s_psis)), 0.0])
    pc = np.array([s_c7, float(mid(s_c7)), 0.0])
    ij = [_cell_height(grid, p) for p in (ps, pc)]
    ps[2], pc[2] = ij
    chord = pc - ps
    ex = chord / np.linalg.norm(chord)
    ez = np.array([0.0, 0.0, 1.0]) - ex[2] * ex
    ez /= np.linalg.norm(ez)
    ey = np.cross(ez, ex)
    r_p_from_b = np.stack([ex, ey, ez], axis=1)
    s_l4 = s_psis + anatomy.level_u("L4") * (s_c7 - s_psis)
    origin_p = np.array(
        [s_l4, float(mid(s_l4)), _cell_height(grid, np.array([s_l4, float(mid(s_l4))]))]
    )
    s_from_p = np.eye(4)
    s_from_p[:3, :3] = frame.axes.T
    s_from_p[:3, 3] = frame.origin_m
    p_from_b = np.eye(4)
    p_from_b[:3, :3] = r_p_from_b
    p_from_b[:3, 3] = origin_p
    s_from_b = s_from_p @ p_from_b
    local = frame.local(body)
    in_b = (local - origin_p) @ r_p_from_b
    x_psis = float((ps - origin_p) @ ex)
    x_c7 = float((pc - origin_p) @ ex)
    sel = (in_b[:, 0] > x_psis - SURFACE_MARGIN_M) & (in_b[:, 0] < x_c7 + SURFACE_MARGIN_M)
    sel &= np.abs(in_b[:, 1]) < 0.32
    xs = np.linspace(x_psis, x_c7, 121)
    s_of_x = s_psis + (xs - x_psis) / (x_c7 - x_psis) * (s_c7 - s_psis)
    mid_p = np.stack([s_of_x, np.asarray(mid(s_of_x)), np.zeros_like(xs)], axis=1)
    mid_y = (mid_p - origin_p) @ ey
    scene = frame.local(scan.points_m)
    near = (scene[:, 0] > s_psis - 0.05) & (scene[:, 0] < s_c7 + 0.05)
    near &= np.abs(scene[:, 1] - float(mid(0.5 * (s_psis + s_c7)))) < 0.45
    left, right = half_widths_m(height_grid(scene[near], grid.cell_m), mid, s_of_x)
    half = chart_half_width_m(s_of_x, left, right)
    surface, measured = _surface(in_b[sel], xs, mid_y, max(0.005, 1.25 * sp))
    back = ScannedBack(surface, xs, mid_y, s_from_b, half)
    rms, outliers = _fit_rms(back, in_b[sel])
    back.quality = {
        "fit_rms_m": rms,
        "outlier_fraction": outliers,
        "coverage": _coverage(back, in_b[sel]),
        "head_margin": round(float(margin), 3),
        "psis_from_shape": psis_from != "proportions",
        "landmarks_from": {"psis": psis_from, "iliac_crest_top": "proportions (L4)"},
        "landmarks_b": {},
        "points": len(scan.points_m),
        "body_points": len(body),
        "spacing_m": round(sp, 5),
    }
    del measured
    _scapula_level(back, in_b[sel])
    return back


def _scapula_level(back: ScannedBack, pts_b: FloatArray) -> None:
    """The scapulae's inferior angles' level from the blades' lower edge (quality)."""
    w = SCAPULA_INFERIOR_ANGLE_FRACTION * reference_half_widths_m(back)["shoulders"]
    prop = float(back._x_of_u(anatomy.level_u("T7")))
    edge = inferior_angle_m(back, pts_b, w, prop)
    x, source = fused_level_x_m(None if edge is None else edge.x_m, prop)
    back.quality["landmarks_from"]["scapula_inferior_angle"] = source
    back.quality["landmarks_b"]["scapula_inferior_angle_x"] = round(x, 5)
    if edge is not None and source.startswith("blade"):
        # The tip's lateral offset as the skin showed it (arms overhead swing it out).
        for side, sgn in (("left", 1.0), ("right", -1.0)):
            y = float(back._m(x)) + sgn * edge.w_m
            back.quality["landmarks_b"][f"scapula_inferior_angle_{side}"] = (
                round(x, 5),
                round(y, 5),
            )


def _cell_height(grid: Any, p: FloatArray) -> float:
    i = int(np.clip(np.rint((p[0] - grid.s0_m) / grid.cell_m), 0, grid.h_m.shape[0] - 1))
    j = int(np.clip(np.rint((p[1] - grid.t0_m) / grid.cell_m), 0, grid.h_m.shape[1] - 1))
    win = grid.h_m[max(i - 2, 0) : i + 3, max(j - 2, 0) : j + 3]
    return float(np.nanmedian(win)) if np.any(np.isfinite(win)) else top_height_m(grid)


def _surface(
    pts_b: FloatArray, mid_x: FloatArray, mid_y: FloatArray, cell: float
) -> tuple[SurfaceGrid, NDArray[np.bool_]]:
    """Median grid of the back's points in B, holes filled, smoothed (σ = 1.5 cells)."""
    g = height_grid(pts_b, cell)
    z = g.h_m.copy()
    measured = np.isfinite(z)
    # Mirror-fill: an unseen cell takes the height of its mirror image across the midline.
    xg = g.s_m
    yg = g.t_m
    my = np.interp(xg, mid_x, mid_y)
    mirror_y = 2 * my[:, None] - yg[None, :]
    jj = np.rint((mirror_y - g.t0_m) / cell).astype(int)
    okj = (jj >= 0) & (jj < z.shape[1])
    ii = np.repeat(np.arange(z.shape[0])[:, None], z.shape[1], 1)
    mirrored = np.where(okj, z[ii, np.clip(jj, 0, z.shape[1] - 1)], np.nan)
    z = np.where(measured, z, mirrored)
    # A hole the mirror did not fill (on the midline it is its own mirror) is bridged
    # by the smoothest surface through its rim (``_bridge_holes``): a nearest-cell fill
    # left steps of 3-6 mm there, 40° on the plan's normals.
    have = np.isfinite(z)
    z, have = _bridge_holes(z, have)
    w = ndimage.gaussian_filter(have.astype(float), 1.5)
    zs = ndimage.gaussian_filter(np.where(have, z, 0.0), 1.5)
    with np.errstate(invalid="ignore", divide="ignore"):
        smooth = zs / w
    smooth = np.where(w > 0.05, smooth, np.nan)
    fill = ~np.isfinite(smooth)
    if fill.all():
        raise ScanError("no back surface left after cleaning the scan")
    idx = ndimage.distance_transform_edt(fill, return_distances=False, return_indices=True)
    smooth = smooth[tuple(idx)]
    return SurfaceGrid(g.s0_m, g.t0_m, cell, smooth), measured


def _bridge_holes(z: FloatArray, have: NDArray[np.bool_]) -> tuple[FloatArray, NDArray[np.bool_]]:
    """``z`` with every enclosed hole (cells without data surrounded by data) filled by
    the solution of a Laplace equation with the rim as boundary, neighbours along x
    (the spine) weighing ``HOLE_ALONG_X_WEIGHT`` times those across: exact for a
    sloped plane, and a furrow along the spine is carried across (its profile changes
    slowly along x, fast across it). Returns the grid and where it now has heights."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.linalg import spsolve

    hole = ndimage.binary_fill_holes(have) & ~have
    if not hole.any():
        return z, have
    idx = -np.ones(z.shape, dtype=np.int64)
    cells = np.argwhere(hole)
    idx[hole] = np.arange(len(cells))
    rows, cols, vals = [], [], []
    rhs = np.zeros(len(cells))
    diag = np.zeros(len(cells))
    for (di, dj), wt in (((1, 0), HOLE_ALONG_X_WEIGHT), ((-1, 0), HOLE_ALONG_X_WEIGHT),
                         ((0, 1), 1.0), ((0, -1), 1.0)):  # fmt: skip
        ni, nj = cells[:, 0] + di, cells[:, 1] + dj
        ok = (ni >= 0) & (ni < z.shape[0]) & (nj >= 0) & (nj < z.shape[1])
        k = np.flatnonzero(ok)
        diag[k] += wt
        nb = idx[ni[k], nj[k]]
        unknown = nb >= 0
        rows.append(k[unknown])
        cols.append(nb[unknown])
        vals.append(np.full(int(unknown.sum()), -wt))
        known = ~unknown
        rhs[k[known]] += wt * z[ni[k[known]], nj[k[known]]]
    n = len(cells)
    a = coo_matrix(
        (np.concatenate([diag, *vals]), (np.concatenate([np.arange(n), *rows]),
         np.concatenate([np.arange(n), *cols]))), shape=(n, n),
    ).tocsr()  # fmt: skip
    out = z.copy()
    out[hole] = spsolve(a, rhs)
    return out, have | hole


def _chart_points(back: ScannedBack, pts_b: FloatArray) -> NDArray[np.bool_]:
    x0, x1 = float(back.point(0.0, 0.0)[0]), float(back.point(1.0, 0.0)[0])
    u = np.clip((pts_b[:, 0] - x0) / (x1 - x0), 0.0, 1.0)
    inside = (pts_b[:, 0] >= x0) & (pts_b[:, 0] <= x1)
    off = np.abs(pts_b[:, 1] - back._m(pts_b[:, 0]))
    return np.asarray(inside & (off < 0.5 * back.full_width_m(u) * 0.95))


def _fit_rms(back: ScannedBack, pts_b: FloatArray) -> tuple[float, float]:
    sel = _chart_points(back, pts_b)
    r = pts_b[sel, 2] - back.height_m(pts_b[sel, 0], pts_b[sel, 1])
    ok = np.abs(r) < 0.015
    if not ok.any():
        return float("nan"), 1.0
    return round(float(np.sqrt(np.mean(r[ok] ** 2))), 6), round(float(1 - ok.mean()), 4)


def _coverage(back: ScannedBack, pts_b: FloatArray) -> float:
    """Share of a 1 cm chart grid over the back whose cells hold scan points."""
    uu, vv = back.grid(int(back.back_length_m / 0.01) + 1, 41)
    cells = back.point(uu, vv).reshape(-1, 3)
    d, _ = cKDTree(pts_b[:, :2]).query(cells[:, :2], k=1)
    return round(float(np.mean(d < 0.01)), 4)
