"""A perspective depth camera for the phantom (the independent generator's camera).

Rays from a pinhole above the table are marched down through the phantom's height
field and refined by bisection; the depth along each ray then gets noise that grows
with the square of the distance, disparity-style quantisation, grazing-angle and
random pixel dropout, stripe-shaped holes, and flying pixels that blend a pixel's depth
with a neighbour's across a depth edge.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from tests.body.phantom import Phantom

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Pinhole:
    """Camera settings; ``pixel_m`` is the pixel footprint on the table top."""

    pixel_m: float = 0.005
    noise_m: float = 0.0015  # 1 σ at the body's distance
    height_m: float = 1.1
    offset_m: tuple[float, float] = (0.0, 0.0)  # from the back's centre, S frame
    dropout: float = 0.01
    stripes: int = 3
    flying: float = 0.5
    grazing_deg: float = 78.0


@dataclass(frozen=True)
class PhantomScan:
    points_m: FloatArray
    landmarks_m: dict[str, FloatArray]
    midline_m: FloatArray
    s_from_q: FloatArray
    back_length_m: float


def render(
    ph: Phantom,
    cam: Pinhole,
    yaw_rad: float,
    at_m: tuple[float, float, float],
    rng: np.random.Generator,
) -> PhantomScan:
    """Scan phantom ``ph`` lying with its frame Q yawed by ``yaw_rad`` and at ``at_m`` in S."""
    step = 0.002
    xs = np.arange(-1.0, ph.x_c7 + 0.95, step)
    ys = np.arange(-0.55, 0.55, step)
    mx, my = np.meshgrid(xs, ys, indexing="ij")
    h = ph.height(mx.ravel(), my.ravel()).reshape(mx.shape)
    on_table = (np.abs(my) < 0.33) & (mx > -0.98) & (mx < ph.x_c7 + 0.9)
    h = np.where(on_table | (h > 0.0), np.where(h > 0.0, h, 0.0), -np.inf)

    def lookup(qx: FloatArray, qy: FloatArray) -> FloatArray:
        i = np.rint((qx - xs[0]) / step).astype(int)
        j = np.rint((qy - ys[0]) / step).astype(int)
        ok = (i >= 0) & (i < len(xs)) & (j >= 0) & (j < len(ys))
        return np.where(ok, h[np.clip(i, 0, len(xs) - 1), np.clip(j, 0, len(ys) - 1)], -np.inf)

    c, s = np.cos(yaw_rad), np.sin(yaw_rad)
    rot = np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])
    s_from_q = np.eye(4)
    s_from_q[:3, :3] = rot
    s_from_q[:3, 3] = at_m
    centre_q = np.array([0.5 * ph.x_c7 - 0.1, 0.0, 0.0])
    off_q = rot.T @ np.array([cam.offset_m[0], cam.offset_m[1], 0.0])
    eye = centre_q + off_q + np.array([0.0, 0.0, cam.height_m])
    # Pixel rays, image axes along S's x and y (the camera does not know the body's yaw).
    half = 1.25
    n = int(2 * half / cam.pixel_m)
    u = (np.arange(n) - n / 2 + rng.uniform(-0.5, 0.5)) * cam.pixel_m / cam.height_m
    du, dv = (a.ravel() for a in np.meshgrid(u, u, indexing="ij"))
    dirs_s = np.stack([du, dv, -np.ones_like(du)], axis=1)
    dirs_s /= np.linalg.norm(dirs_s, axis=1, keepdims=True)
    dirs = dirs_s @ rot  # to Q
    depth = _march(eye, dirs, lookup)
    hit = np.isfinite(depth)
    pts_q = eye + dirs[hit] * depth[hit, None]
    d_hit = depth[hit]
    # Grazing-angle dropout from the local normal.
    e = 0.004
    gx = (lookup(pts_q[:, 0] + e, pts_q[:, 1]) - lookup(pts_q[:, 0] - e, pts_q[:, 1])) / (2 * e)
    gy = (lookup(pts_q[:, 0], pts_q[:, 1] + e) - lookup(pts_q[:, 0], pts_q[:, 1] - e)) / (2 * e)
    nrm = np.stack([-gx, -gy, np.ones_like(gx)], 1)
    nrm /= np.linalg.norm(nrm, axis=1, keepdims=True)
    with np.errstate(invalid="ignore"):
        cosang = np.abs(np.einsum("ij,ij->i", nrm, -dirs[hit]))
    keep = np.nan_to_num(cosang, nan=1.0) > np.cos(np.deg2rad(cam.grazing_deg))
    # Flying pixels: blend with the image neighbour's depth across a depth edge.
    img = np.full(n * n, np.nan)
    img[hit] = depth[hit]
    img2 = img.reshape(n, n)
    nb = np.roll(img2, 1, axis=0)
    nb2 = np.roll(img2, 1, axis=1)
    jump = np.nanmax(np.stack([np.abs(img2 - nb), np.abs(img2 - nb2)]), axis=0)
    edge = (np.nan_to_num(jump) > 0.03).ravel()[hit]
    fly = edge & (rng.random(hit.sum()) < cam.flying)
    other = np.where(np.isfinite(nb.ravel()[hit]), nb.ravel()[hit], d_hit)
    alpha = rng.uniform(0.1, 0.9, hit.sum())
    d_new = np.where(fly, alpha * d_hit + (1 - alpha) * other, d_hit)
    # Depth noise ∝ distance², quantisation, random dropout, stripe holes.
    scale = (d_new / cam.height_m) ** 2
    d_new = d_new + rng.normal(0.0, cam.noise_m, d_new.size) * scale
    q = 0.0008 * scale
    d_new = np.round(d_new / q) * q
    keep &= rng.random(d_new.size) > cam.dropout
    pix = np.flatnonzero(hit)
    pi, pj = pix // n, pix % n
    for _ in range(cam.stripes):
        ci, cj = rng.integers(0, n, 2)
        ang = rng.uniform(0, np.pi)
        a = (pi - ci) * np.cos(ang) + (pj - cj) * np.sin(ang)
        b = -(pi - ci) * np.sin(ang) + (pj - cj) * np.cos(ang)
        keep &= (a / rng.uniform(10, 40)) ** 2 + (b / rng.uniform(1.5, 4)) ** 2 > 1
    pts_q = eye + dirs[hit] * d_new[:, None]
    pts_s = pts_q[keep] @ rot.T + s_from_q[:3, 3]
    lms = {k: rot @ v + s_from_q[:3, 3] for k, v in ph.landmarks().items()}
    mid = ph.midline() @ rot.T + s_from_q[:3, 3]
    length = float(np.linalg.norm(np.diff(ph.midline(401), axis=0), axis=1).sum())
    return PhantomScan(pts_s, lms, mid, s_from_q, length)


def _march(
    eye: FloatArray, dirs: FloatArray, lookup: Callable[[FloatArray, FloatArray], FloatArray]
) -> FloatArray:
    """Distance along each ray to the first point under the height field (NaN: none)."""
    f = lookup
    dz = -dirs[:, 2]
    t_lo = (eye[2] - 0.42) / dz
    t_hi = (eye[2] + 0.01) / dz
    steps = np.linspace(0.0, 1.0, 110)
    prev = t_lo.copy()
    found = np.full(len(dirs), np.nan)
    lo = np.full(len(dirs), np.nan)
    for a in steps:
        t = t_lo + a * (t_hi - t_lo)
        p = eye + dirs * t[:, None]
        under = (p[:, 2] <= f(p[:, 0], p[:, 1])) & np.isnan(found)
        found[under] = t[under]
        lo[under] = prev[under]
        prev = t
    ok = np.isfinite(found)
    a, b = lo[ok], found[ok]
    d = dirs[ok]
    for _ in range(7):
        m = 0.5 * (a + b)
        p = eye + d * m[:, None]
        under = p[:, 2] <= f(p[:, 0], p[:, 1])
        b = np.where(under, m, b)
        a = np.where(under, a, m)
    found[ok] = 0.5 * (a + b)
    return found
