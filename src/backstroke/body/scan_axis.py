"""The body's long axis and head end, and the height grid the fit works on.

Frame P (provisional body frame) in the scan frame S: origin on the table top under
the body, ``e_s`` along the body toward the head, ``e_h`` the table's normal (up),
``e_t = e_h × e_s`` toward the client's left (the client lies prone). Local
coordinates are ``(s, t, h)`` in metres.

The long axis is the principal axis of the body's footprint (occupied cells, so dense
regions do not weigh more). The head end is found beyond each end of the torso (where
the body's *upper* width reaches the shoulders' or the hips' full width): a neck and a
head are narrow, two thighs are wide, arms lie further out (see :func:`end_score`);
the more head-like end is the head.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from backstroke.body.scan_clean import Table

FloatArray = NDArray[np.float64]

UPPER_FRACTION = 0.55  # "upper" cells are above this fraction of the body's top height


@dataclass(frozen=True)
class BodyFrame:
    """Frame P: ``axes`` rows are ``e_s, e_t, e_h`` in S; ``origin_m`` in S."""

    origin_m: FloatArray
    axes: FloatArray

    def local(self, points_m: FloatArray) -> FloatArray:
        """``(N, 3)`` S points → ``(N, 3)`` ``(s, t, h)``."""
        return np.asarray((points_m - self.origin_m) @ self.axes.T, dtype=np.float64)

    def scan(self, local_m: FloatArray) -> FloatArray:
        """``(N, 3)`` ``(s, t, h)`` → S points."""
        return np.asarray(local_m @ self.axes + self.origin_m, dtype=np.float64)

    def turned(self, angle_rad: float, shift_t_m: float = 0.0) -> BodyFrame:
        """The frame yawed by ``angle_rad`` about ``e_h`` and shifted along ``e_t``."""
        c, s = np.cos(angle_rad), np.sin(angle_rad)
        es = c * self.axes[0] + s * self.axes[1]
        et = np.cross(self.axes[2], es)
        axes = np.stack([es, et, self.axes[2]])
        return BodyFrame(self.origin_m + shift_t_m * self.axes[1], axes)


@dataclass(frozen=True)
class HeightGrid:
    """Median height per cell of a regular ``(s, t)`` grid; NaN where nothing was seen.

    Attributes:
        s0_m, t0_m: coordinates of cell ``[0, 0]``'s centre.
        cell_m: cell size.
        h_m: ``(n_s, n_t)`` heights.
        count: ``(n_s, n_t)`` points per cell.
    """

    s0_m: float
    t0_m: float
    cell_m: float
    h_m: FloatArray
    count: NDArray[np.int64]

    @property
    def s_m(self) -> FloatArray:
        return np.asarray(self.s0_m + self.cell_m * np.arange(self.h_m.shape[0]), np.float64)

    @property
    def t_m(self) -> FloatArray:
        return np.asarray(self.t0_m + self.cell_m * np.arange(self.h_m.shape[1]), np.float64)


def height_grid(local_m: FloatArray, cell_m: float) -> HeightGrid:
    """Bin ``(s, t, h)`` points ``(N, 3)`` on a grid; each cell keeps its median height."""
    lo = np.floor(local_m[:, :2].min(axis=0) / cell_m) * cell_m
    ij = np.floor((local_m[:, :2] - lo) / cell_m).astype(np.int64)
    shape = (int(ij[:, 0].max()) + 1, int(ij[:, 1].max()) + 1)
    flat = ij[:, 0] * shape[1] + ij[:, 1]
    order = np.lexsort((local_m[:, 2], flat))
    ids, start, counts = np.unique(flat[order], return_index=True, return_counts=True)
    med = local_m[order, 2][start + counts // 2]
    h = np.full(shape[0] * shape[1], np.nan)
    n = np.zeros(shape[0] * shape[1], dtype=np.int64)
    h[ids], n[ids] = med, counts
    return HeightGrid(
        float(lo[0] + 0.5 * cell_m),
        float(lo[1] + 0.5 * cell_m),
        cell_m,
        h.reshape(shape),
        n.reshape(shape),
    )


def upper_width_m(grid: HeightGrid, top_m: float) -> FloatArray:
    """Occupied width ``(n_s,)`` of cells higher than ``UPPER_FRACTION * top_m``, per row."""
    high = np.nan_to_num(grid.h_m, nan=-1.0) > UPPER_FRACTION * top_m
    w = high.sum(axis=1).astype(np.float64) * grid.cell_m
    k = max(1, round(0.02 / grid.cell_m))
    pad = np.pad(w, k, mode="edge")
    return np.asarray(
        np.median(np.lib.stride_tricks.sliding_window_view(pad, 2 * k + 1), axis=1),
        dtype=np.float64,
    )


def top_height_m(grid: HeightGrid) -> float:
    """The body's top height: a high percentile of the cell heights."""
    return float(np.nanpercentile(grid.h_m, 98))


def end_score(grid: HeightGrid, top_m: float, from_high_s: bool) -> float:
    """How leg-like one end of the body is, in metres (lower = more head-like).

    ``j`` is the first row, walking in from this end, where the upper width reaches
    80 % of the body's full upper width (the shoulder tops, or the hips). Over the rows
    5–25 cm beyond ``j`` toward the tip, the body's footprint (anything 3 cm above the
    table) within 16 cm of the centre line is a neck and a head (12–16 cm wide) at the
    head end and two thighs (25–32 cm together) at the other; arms lie further out.
    An end with too little seen there counts as legs (0.25 m). A long footprint beyond
    ``j`` (legs) adds up to 5 cm.
    """
    w = upper_width_m(grid, top_m)
    foot = np.nan_to_num(grid.h_m, nan=-1.0) > 0.03
    high = np.nan_to_num(grid.h_m, nan=-1.0) > UPPER_FRACTION * top_m
    if from_high_s:
        w, foot, high = w[::-1], foot[::-1], high[::-1]
    full = float(np.percentile(w[w > 0], 95)) if np.any(w > 0) else 0.0
    if full <= 0:
        return 1.0
    reach = np.flatnonzero(w >= 0.8 * full)
    if reach.size == 0:
        return 1.0
    j = int(reach[0])
    t = grid.t_m
    centre = float(np.average(t, weights=high.sum(axis=0) + 1e-9))
    band = foot[:, np.abs(t - centre) < 0.16]
    lo = max(0, j - round(0.25 / grid.cell_m))
    hi = max(lo, j - round(0.05 / grid.cell_m))
    widths = band[lo:hi].sum(axis=1) * grid.cell_m
    seen = widths[widths > 0]
    enough = hi > lo and seen.size >= 0.5 * (hi - lo)
    feature = float(np.median(seen)) if enough else 0.25
    rows = np.flatnonzero(foot.any(axis=1))
    extent = (j - int(rows[0])) * grid.cell_m if rows.size else 0.0
    return feature + 0.05 * min(max(extent, 0.0), 1.0)


def provisional_frame(body_m: FloatArray, table: Table, cell_m: float) -> BodyFrame:
    """Frame P with ``e_s`` along the long axis, head direction not yet decided."""
    n = table.normal
    ref = np.array([1.0, 0.0, 0.0]) if abs(n[0]) < 0.9 else np.array([0.0, 1.0, 0.0])
    a1 = np.cross(n, ref)
    a1 /= np.linalg.norm(a1)
    a2 = np.cross(n, a1)
    xy = np.stack([body_m @ a1, body_m @ a2], axis=1)
    cells = np.unique(np.floor(xy / 0.02).astype(np.int64), axis=0).astype(np.float64) * 0.02
    c = cells.mean(axis=0)
    _, _, vt = np.linalg.svd(cells - c, full_matrices=False)
    es = vt[0, 0] * a1 + vt[0, 1] * a2
    et = np.cross(n, es)
    origin = c[0] * a1 + c[1] * a2
    origin = origin - (origin @ n + table.offset_m) * n
    return BodyFrame(origin, np.stack([es, et, n]))


def orient_head(body_m: FloatArray, frame: BodyFrame, cell_m: float) -> tuple[BodyFrame, float]:
    """Flip ``e_s`` toward the head; returns the frame and the margin of the decision."""
    grid = height_grid(frame.local(body_m), cell_m)
    top = top_height_m(grid)
    fwd = end_score(grid, top, from_high_s=True)
    back = end_score(grid, top, from_high_s=False)
    if back < fwd:
        axes = np.stack([-frame.axes[0], -frame.axes[1], frame.axes[2]])
        return BodyFrame(frame.origin_m, axes), fwd - back
    return frame, back - fwd
