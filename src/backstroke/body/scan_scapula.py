"""The scapulae's inferior angles from the shoulder blades' lower edge.

Seen from above, each shoulder blade is a plate a few millimetres proud of the ribs
beside it; its lower tip, the inferior angle, is where that relief ends walking down
the back. Along the back (frame B, the skin height smoothed at ``SIGMA_M``) the
relief at a lateral offset ``w`` is the skin's rise over the mean of the skin
``BAND_M`` medial and lateral of it (the ribs' own curvature adds about the same to
every row), both sides averaged (the two angles share one level). At an offset the
lower edge is where that relief steps up most, walking toward the head: the largest
difference between the mean relief over ``EDGE_M`` cranial and over ``EDGE_M`` caudal
of a row, within ``GATE_M`` of DESIGN §5's T7 (and the chart's ``SEARCH_U``); its
level is where that rise begins: the last row, walking down, still ``ONSET`` of the
step above the caudal mean. The step must exceed ``MIN_STEP_M`` and ``NOISE_FACTOR``
times its own noise, and ``SEEN`` of the rows either side of it must have been seen
(where the skin is seen only on one side, as at the flank beside an arm, the filled
rows make a false step); else the blades show nothing at that offset.

The offsets searched are ``LATERAL_SPAN`` × the proportions' (0.6–1.4 ×
``SCAPULA_INFERIOR_ANGLE_FRACTION`` of the shoulders' half-width): the arms' pose moves
the blades (overhead or hanging, the inferior angle swings 2–3 cm out) and arms at the
sides widen the silhouette the proportion is taken of, so the proportion alone is off
laterally by 2–3 cm. Beside the tip the relief begins higher up (the blade's medial
and lateral borders run up and apart from it), so of the offsets whose step is at least
``STRONG`` of the largest, the tip is the one whose edge lies lowest; its offset is the
angles' lateral position.

The edge is still a weak sign (a few millimetres over centimetres; a plate's tip may
rise gradually, or the skin over a rounded bone tip rise below it), and the ribs and
erectors give false steps where a body has no visible blades. So the level used is
``EDGE_WEIGHT`` of the edge and the rest T7 when the two lie within ``GATE_M``, else
T7 alone (:func:`fused_level_x_m`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from backstroke.body.scan_axis import HeightGrid, height_grid
from backstroke.body.scan_relief import smooth_nan

if TYPE_CHECKING:
    from backstroke.body.scanned_back import ScannedBack

FloatArray = NDArray[np.float64]

SIGMA_M = 0.008
BAND_M = 0.03
EDGE_M = 0.04
SEARCH_U = (0.45, 0.82)
MIN_STEP_M = 0.0008
NOISE_FACTOR = 4.0
ONSET = 0.1
GATE_M = 0.045
LATERAL_SPAN = tuple(0.6 + 0.1 * k for k in range(9))  # × the proportion: 0.6 … 1.4
STRONG = 0.85  # of the largest step: the offsets whose edge is as clear as the best
SUPPORT_M = 0.02
SEEN = 0.8  # share of the rows either side of a step that must have been seen
EDGE_WEIGHT = 0.75  # the edge's share of the fused level (T7's the rest)


@dataclass(frozen=True)
class BladeEdge:
    """The blades' lower edge: level ``x_m`` (B), lateral offset ``w_m``, step (m)."""

    x_m: float
    w_m: float
    step_m: float


def blade_relief_m(back: ScannedBack, grid: HeightGrid, f_m: FloatArray, w_m: float) -> FloatArray:
    """The blades' mean relief ``(n_s,)`` per grid row at lateral offset ``w_m`` (B)."""
    out = np.full(len(grid.s_m), np.nan)
    for i, x in enumerate(grid.s_m):
        c = float(back._m(x))
        vals = []
        for sgn in (1.0, -1.0):
            t = c + sgn * (w_m + np.array([-BAND_M, 0.0, BAND_M]))
            a = np.interp(t, grid.t_m, f_m[i], left=np.nan, right=np.nan)
            vals.append(a[1] - 0.5 * (a[0] + a[2]))
        v = np.asarray(vals)
        if np.isfinite(v).any():
            out[i] = float(np.nanmean(v))
    return out


def inferior_angle_m(
    back: ScannedBack,
    pts_b: FloatArray,
    w_ref_m: float,
    x_ref_m: float | None = None,
) -> BladeEdge | None:
    """The shoulder blades' lower edge, or None where the skin shows none.

    Searched at lateral offsets ``LATERAL_SPAN`` × ``w_ref_m`` and, given ``x_ref_m``
    (T7's level), within ``GATE_M`` of it; of the offsets with a clear step, the one
    whose edge lies lowest (the tip's).
    """
    cell = back.surface.cell_m
    grid = height_grid(pts_b, cell)
    f = smooth_nan(grid.h_m, SIGMA_M / cell)
    found = [_edge(back, grid, f, k * w_ref_m, x_ref_m) for k in LATERAL_SPAN]
    edges = [e for j, e in enumerate(found) if e is not None and _supported(found, j)]
    if not edges:
        return None
    top = max(e.step_m for e in edges)
    # The tip is the blade's lowest point: of the offsets whose edge is clear, the one
    # where the relief begins lowest (beside the tip it begins higher up the borders).
    return min((e for e in edges if e.step_m >= STRONG * top), key=lambda e: e.x_m)


def _supported(found: list[BladeEdge | None], j: int) -> bool:
    """A blade is wider than one offset: a neighbour sees its edge near the same level
    (a step seen at one offset alone is noise or the flank beside an arm)."""
    e = found[j]
    assert e is not None
    near = [found[k] for k in (j - 1, j + 1) if 0 <= k < len(found)]
    return any(n is not None and abs(n.x_m - e.x_m) <= SUPPORT_M for n in near)


def _edge(
    back: ScannedBack,
    grid: HeightGrid,
    f: FloatArray,
    w_m: float,
    x_ref_m: float | None,
) -> BladeEdge | None:
    xs = np.asarray(grid.s_m, dtype=np.float64)
    rel = blade_relief_m(back, grid, f, w_m)
    ok = np.isfinite(rel)
    if ok.sum() < 10:
        return None
    rel = np.interp(xs, xs[ok], rel[ok])
    n = max(2, round(EDGE_M / grid.cell_m))
    x0, x1 = (float(back._x_of_u(u)) for u in SEARCH_U)
    if x_ref_m is not None:
        x0, x1 = max(x0, x_ref_m - GATE_M), min(x1, x_ref_m + GATE_M)
    diffs = np.diff(rel)
    noise_row = float(1.4826 * np.median(np.abs(diffs - np.median(diffs)))) / np.sqrt(2)
    noise = noise_row * np.sqrt(2.0 / n)
    best, i_best = -np.inf, -1
    for i in range(n, len(xs) - n):
        if not x0 <= xs[i] <= x1 or ok[i - n : i + n].mean() < SEEN:
            continue  # outside the search, or a step onto the edge of what was seen
        c = float(np.mean(rel[i : i + n]) - np.mean(rel[i - n : i]))
        if c > best:
            best, i_best = c, i
    if i_best < 0 or best < max(MIN_STEP_M, NOISE_FACTOR * noise):
        return None
    # The tip is where the relief begins, not the middle of its rise: walking down from
    # the steepest step, the last row still ONSET of the step above the caudal mean.
    floor = float(np.mean(rel[i_best - n : i_best])) + ONSET * best
    i = i_best
    while i > i_best - n and rel[i - 1] > floor:
        i -= 1
    return BladeEdge(float(xs[i]), w_m, best)


def fused_level_x_m(edge_x_m: float | None, proportion_x_m: float) -> tuple[float, str]:
    """The inferior angles' level (B's x) and where it came from."""
    if edge_x_m is None:
        return proportion_x_m, "proportions (no blade edge seen)"
    if abs(edge_x_m - proportion_x_m) > GATE_M:
        return proportion_x_m, "proportions (the blade edge seen disagrees)"
    w = EDGE_WEIGHT
    return w * edge_x_m + (1 - w) * proportion_x_m, "blade edge and proportions"
