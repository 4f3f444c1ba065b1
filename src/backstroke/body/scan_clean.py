"""From a raw scan to the client's points: the table plane, stray points, the body.

* The table is the highest large horizontal-ish plane with a body on top of it and
  nothing just under it (see :func:`fit_table`): plane hypotheses come from flat local
  patches (robust to a table that is only partly in view), are scored on a
  subsample, and the winner is refined by least squares on its inliers (RANSAC-style
  with local sampling).
* Flying pixels and strays are points whose nearest neighbours are far away
  (statistical outlier removal on the k-nearest-neighbour distance).
* The body is the largest connected blob of points above the table.

Frames: everything stays in the scan frame S (metres); heights are along the table's
unit normal ``normal`` (pointing up, away from the table top).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage
from scipy.spatial import cKDTree

FloatArray = NDArray[np.float64]

MAX_TILT_DEG = 25.0  # the table top is within this of the scan frame's horizontal
INLIER_M = 0.006
TABLE_SHARE_OF_LARGEST = 0.3  # a table candidate has this share of the largest plane's points
SAME_LEVEL_M = 0.05  # patches' planes within this of each other are one level
ABOVE_TABLE_M = 0.015  # body points are at least this high above the table top
MIN_BODY_AREA_M2 = 0.12  # a prone adult's back alone covers well over this
JUST_UNDER_M = (0.02, 0.05)  # the band under a table top where nothing is seen
JUST_UNDER_SHARE = 0.02  # of the scan's points (a table's edge, multipath)


@dataclass(frozen=True)
class Table:
    """The support plane: ``height(p) = normal · p + offset_m``.

    Attributes:
        normal: ``(3,)`` unit normal, up.
        offset_m: plane offset (m).
        inlier_fraction: share of the scan's points on the plane (0 if not seen).
    """

    normal: FloatArray
    offset_m: float
    inlier_fraction: float

    def height_m(self, points_m: FloatArray) -> FloatArray:
        """Signed heights ``(N,)`` of points ``(N, 3)`` above the table top."""
        return np.asarray(points_m @ self.normal + self.offset_m, dtype=np.float64)


def spacing_m(points_m: FloatArray) -> float:
    """Typical sample spacing: median nearest-neighbour distance."""
    d, _ = cKDTree(points_m).query(points_m, k=2)
    return float(np.median(d[:, 1]))


def _plane(pts: FloatArray) -> tuple[FloatArray, float, float]:
    c = pts.mean(axis=0)
    _, s, vt = np.linalg.svd(pts - c, full_matrices=False)
    n = vt[2] if vt[2, 2] >= 0 else -vt[2]
    return n, float(-n @ c), float(s[2] / np.sqrt(len(pts)))


def fit_table(points_m: FloatArray, rng: np.random.Generator) -> Table:
    """The table plane, or a horizontal plane under the lowest points if none is seen.

    A patch counts as flat when its RMS about its plane is under 3 mm or twice the
    scan's own noise (the flattest quarter of the horizontal patches' RMS), whichever
    is larger, and the inlier band widens with that noise too: a noisier camera (or a
    farther one) still finds its table, not a tilted plane through one side of it.
    The table is the highest plane with something on top that has at least
    ``TABLE_SHARE_OF_LARGEST`` of the largest's points: the floor beside a narrow
    table can show more points than the table. What is on top must cover a body's
    footprint (``MIN_BODY_AREA_M2``): a broad flat back is a plane too; and under it,
    ``JUST_UNDER_M``, almost nothing is seen (a plane through the body has skin there).
    """
    sub = points_m[rng.choice(len(points_m), min(len(points_m), 40000), replace=False)]
    tree = cKDTree(sub)
    cos_tilt = np.cos(np.deg2rad(MAX_TILT_DEG))
    patches = []
    for i in rng.choice(len(sub), min(len(sub), 160), replace=False):
        _, nb = tree.query(sub[i], k=40)
        n, off, rms = _plane(sub[nb])
        if n[2] >= cos_tilt:
            patches.append((n, off, rms))
    noise = float(np.percentile([p[2] for p in patches], 25)) if patches else 0.0
    flat = max(0.003, 2.0 * noise)
    band = max(INLIER_M, 3.0 * noise)
    cands: list[tuple[int, FloatArray, float]] = []
    for n, off, rms in patches:
        if rms > flat:
            continue
        h = sub @ n + off
        inl = int(np.count_nonzero(np.abs(h) < band))
        if np.count_nonzero(h > 0.03) < 0.03 * len(sub):
            continue  # nothing on top: the back's own crest or a lid, not the table
        cands.append((inl, n, off))
    best: tuple[int, FloatArray, float] | None = None
    if cands:
        # The table is the highest large plane: the floor beside a narrow table can
        # show more points than the table does, but the body lies on the table.
        most = max(c[0] for c in cands)
        large = [c for c in cands if c[0] >= TABLE_SHARE_OF_LARGEST * most]
        while large and best is None:
            top = max(-c[2] for c in large)  # n·p = -off on the plane
            # Of the patches at that level (one plane, seen from several patches), the
            # one with the most inliers, as before.
            level = [c for c in large if -c[2] > top - SAME_LEVEL_M]
            cand = max(level, key=lambda c: c[0])
            # What lies on a table is a body: a broad flat back (a prone client's
            # lumbar and thoracic skin) has only the shoulders and buttocks above it.
            # And nothing lies just under a table top (the camera sees it from above;
            # only the floor, far below): a plane through the body, flat at a noisy
            # camera's tolerance, has the body's own skin continuing under it.
            h = sub @ cand[1] + cand[2]
            under = float(np.mean((h < -JUST_UNDER_M[0]) & (h > -JUST_UNDER_M[1])))
            if (
                under < JUST_UNDER_SHARE
                and _area_above_m2(sub, cand[1], cand[2]) >= MIN_BODY_AREA_M2
            ):
                best = cand
            large = [c for c in large if -c[2] <= top - SAME_LEVEL_M]
    if best is None or best[0] < 0.05 * len(sub):
        n = np.array([0.0, 0.0, 1.0])
        return Table(n, -float(np.percentile(points_m[:, 2], 0.5)), 0.0)
    _, n, off = best
    for thr in (band, max(0.004, 2.0 * noise)):
        h = points_m @ n + off
        n, off, _ = _plane(points_m[np.abs(h) < thr])
    frac = float(np.mean(np.abs(points_m @ n + off) < band))
    return Table(n, off, frac)


def _area_above_m2(points_m: FloatArray, n: FloatArray, off: float) -> float:
    """Footprint (2 cm cells) of the points more than 3 cm above the plane ``(n, off)``."""
    up = points_m[points_m @ n + off > 0.03]
    cells = np.unique(np.floor(up[:, :2] / 0.02).astype(np.int64), axis=0)
    return float(len(cells)) * 0.02 * 0.02


def remove_outliers(points_m: FloatArray, spacing: float, k: int = 8) -> FloatArray:
    """Drop points whose mean distance to their ``k`` neighbours is far above typical."""
    d, _ = cKDTree(points_m).query(points_m, k=k + 1)
    mean = d[:, 1:].mean(axis=1)
    med = float(np.median(mean))
    mad = float(np.median(np.abs(mean - med))) + 1e-9
    keep = mean < max(med + 6.0 * 1.4826 * mad, 2.5 * spacing)
    return points_m[keep]


def body_points(points_m: FloatArray, table: Table, spacing: float) -> FloatArray | None:
    """Points of the largest blob above the table (``None`` when there is no body)."""
    h = table.height_m(points_m)
    above = points_m[h > ABOVE_TABLE_M]
    if len(above) < 500:
        return None
    above = remove_outliers(above, spacing)
    cell = max(0.01, 2.5 * spacing)
    ij = np.floor(above[:, :2] / cell).astype(np.int64)
    ij -= ij.min(axis=0)
    shape = tuple(int(v) + 1 for v in ij.max(axis=0))
    occ = np.zeros(shape, dtype=bool)
    occ[ij[:, 0], ij[:, 1]] = True
    # Parts seen apart by a hole (the steep fall from the shoulders into the neck is
    # often unseen) stay one body: blobs are labelled after bridging gaps of ~4 cells.
    occ = ndimage.binary_dilation(occ, iterations=2)
    labels, n = ndimage.label(occ, structure=np.ones((3, 3)))
    if n == 0:
        return None
    lab = labels[ij[:, 0], ij[:, 1]]
    counts = np.bincount(lab[lab > 0], minlength=n + 1)
    biggest = int(np.argmax(counts))
    area = float(np.count_nonzero(labels == biggest)) * cell * cell
    if area < MIN_BODY_AREA_M2:
        return None
    return above[lab == biggest]
