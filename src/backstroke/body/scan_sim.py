"""A simulated depth-camera scan of a true BackModel lying prone on a table.

Used by the simulated backends (the system must plan on a *fitted* body, never the
true one) and as the first test-data generator for the scan fit.

The whole client is a height field over the table in frame B: the BackModel's back
(u ∈ [0, 1]) with flanks falling to the table, the sacrum and buttocks below the PSIS,
legs, the shoulder tops, neck and head above C7, and the arms (at the sides, overhead,
or hanging off the table). The scene is posed in the scan (robot base) frame S by a
yaw and an offset; the camera samples it on a regular grid seen from a point above
the table (points hidden from that viewpoint are dropped), then adds depth noise along
the ray, holes, flying pixels at depth edges and a few stray points.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from scipy.interpolate import RegularGridInterpolator

from backstroke.body.back_model import BackModel

FloatArray = NDArray[np.float64]
ARMS = ("sides", "overhead", "hanging")
FLANK_M = 0.012  # the flank falls to the table just outside the chart (full_width_m)


@dataclass(frozen=True)
class ScanPose:
    """Where the client lies in the scan frame S.

    Attributes:
        yaw_rad: rotation of B's x (cranial) about S's z.
        offset_m: position in S of B's origin projected on the table (x, y).
        table_z_m: height of the table top in S.
        torso_depth_m: back (B origin) height above the table top.
        arms: one of ``ARMS``.
    """

    yaw_rad: float = 0.0
    offset_m: tuple[float, float] = (0.6, 0.0)
    table_z_m: float = 0.0
    torso_depth_m: float = 0.21
    arms: str = "sides"


@dataclass(frozen=True)
class CameraSpec:
    """The depth camera: sampling, noise and artefacts.

    Attributes:
        spacing_m: grid spacing of the samples on the table plane.
        noise_m: depth noise along the ray, 1 σ.
        height_m: camera height above the table top (it looks down).
        lateral_m: camera offset from the body's centre across the table (S frame).
        hole_fraction: fraction of the samples lost in holes (discs 1–4 cm).
        flying_fraction: fraction of the depth-edge samples turned into flying pixels.
        coverage: fraction of the back's width in view (one flank cut off below 1).
        table_half_m: half-size of the visible table around the body (x, y in B).
        registration: ``(offset_m (3,), rotation vector (3,))`` applied to the whole
            scan: the error of the camera-to-robot calibration.
    """

    spacing_m: float = 0.004
    noise_m: float = 0.0015
    height_m: float = 1.2
    lateral_m: float = 0.25
    hole_fraction: float = 0.02
    flying_fraction: float = 0.3
    coverage: float = 1.0
    table_half_m: tuple[float, float] = (1.1, 0.4)
    registration: tuple[tuple[float, float, float], tuple[float, float, float]] = field(
        default=((0.0, 0.0, 0.0), (0.0, 0.0, 0.0))
    )


@dataclass(frozen=True)
class SimScan:
    """A simulated scan and its truth.

    Attributes:
        points_m: ``(N, 3)`` scan points in S.
        s_from_b: ``(4, 4)`` true transform from frame B to S (before registration error).
        landmarks_m: true landmarks in S, name → ``(3,)``.
        midline_m: ``(K, 3)`` true skin midline PSIS → C7 in S.
    """

    points_m: FloatArray
    s_from_b: FloatArray
    landmarks_m: dict[str, FloatArray]
    midline_m: FloatArray


def _smin(a: FloatArray, b: FloatArray, k: float) -> FloatArray:
    return np.asarray(-k * np.logaddexp(-a / k, -b / k), dtype=np.float64)


def _capsule_top(
    x: FloatArray,
    y: FloatArray,
    a: tuple[float, float],
    b: tuple[float, float],
    r: float,
    z0: float,
) -> FloatArray:
    """Top height of a horizontal capsule (axis at height ``z0``) over (x, y)."""
    ax, ay = a
    dx, dy = b[0] - ax, b[1] - ay
    t = np.clip(((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy), 0.0, 1.0)
    d2 = (x - ax - t * dx) ** 2 + (y - ay - t * dy) ** 2
    return np.where(d2 < r * r, z0 + np.sqrt(np.maximum(r * r - d2, 0.0)), -np.inf)


def _back_table(back: BackModel) -> RegularGridInterpolator:
    """z(x, y) of the back's skin on a 2 mm table (clamped to the chart's edge beyond it).

    Two 1-D passes: along each chart row (fixed u) z and x as functions of y, then
    along each y column z as a function of x (x is monotone in u).
    """
    uu, vv = back.grid(241, 161)
    pts = back.point(uu, vv)
    ys = np.arange(-0.30, 0.30 + 1e-9, 0.002)
    x0, x1 = float(pts[0, :, 0].min()), float(pts[-1, :, 0].max())
    xs = np.linspace(x0, x1, int((x1 - x0) / 0.002) + 1)
    zr = np.empty((uu.shape[0], ys.size))
    xr = np.empty_like(zr)
    for i in range(uu.shape[0]):
        zr[i] = np.interp(ys, pts[i, :, 1], pts[i, :, 2])
        xr[i] = np.interp(ys, pts[i, :, 1], pts[i, :, 0])
    table = np.empty((xs.size, ys.size))
    for j in range(ys.size):
        table[:, j] = np.interp(xs, xr[:, j], zr[:, j])
    return RegularGridInterpolator((xs, ys), table, bounds_error=False, fill_value=None)


def body_height_field(back: BackModel, x: FloatArray, y: FloatArray, pose: ScanPose) -> FloatArray:
    """Height z (frame B) of the client's upper surface over points (x, y) of B; -inf off it."""
    table = -pose.torso_depth_m
    back_z = _back_table(back)
    x0, x1 = float(back.point(0.0, 0.0)[0]), float(back.point(1.0, 0.0)[0])
    z1 = float(back.point(1.0, 0.0)[2])
    xc = np.clip(x, x0, x1)
    # Back surface (clamped to the chart's x range; extended below/above by shapes).
    zb = back_z(np.stack([xc, y], -1))
    uc = np.clip((xc - x0) / (x1 - x0), 0.0, 1.0)
    half = 0.5 * back.full_width_m(uc) * 1.0
    side = np.where(y >= 0, 1.0, -1.0)
    edge = back_z(np.stack([xc, side * half * 0.995], -1))
    depth = edge - table
    out = np.clip((np.abs(y) - half) / FLANK_M, 0.0, 1.0)
    zb = np.where(np.abs(y) > half, table + depth * np.sqrt(np.maximum(1 - out**2, 0.0)), zb)
    zb = np.where(out >= 1.0, -np.inf, zb)
    # Below the PSIS: sacrum, cleft and buttocks, then the thighs.
    below = np.maximum(x0 - x, 0.0)
    glute = (
        0.045
        * np.exp(-(((below - 0.08) / 0.06) ** 2))
        * np.exp(-(((np.abs(y) - 0.07) / 0.08) ** 2))
    )
    cleft = 0.012 * np.exp(-((y / 0.012) ** 2)) * np.clip((below - 0.03) / 0.04, 0, 1)
    fall = 0.9 * np.clip(below - 0.15, 0.0, None)
    zb = np.where(x < x0, zb + glute - cleft - fall, zb)
    zb = np.where((x < x0) & (zb < table + 0.05), -np.inf, zb)
    # Above C7: shoulder tops round off over 6 cm except the neck.
    above = np.maximum(x - x1, 0.0)
    drop = depth * (1 - np.sqrt(np.maximum(1 - (above / 0.06) ** 2, 0.0)))
    zb = np.where(x > x1, np.where(above < 0.06, zb - drop, -np.inf), zb)
    # Legs, neck, head, arms.
    sw = back.shoulder_width_m
    parts = [zb, np.full_like(x, table)]
    for g in (1.0, -1.0):
        parts.append(
            _capsule_top(x, y, (x0 - 0.16, g * 0.085), (x0 - 0.95, g * 0.11), 0.07, table + 0.07)
        )
    parts.append(_capsule_top(x, y, (x1 - 0.03, 0.0), (x1 + 0.09, 0.0), 0.055, z1 - 0.075))
    head = 1 - ((x - x1 - 0.19) / 0.11) ** 2 - (y / 0.08) ** 2
    parts.append(np.where(head > 0, table + 0.10 + 0.09 * np.sqrt(np.maximum(head, 0)), -np.inf))
    for g in (1.0, -1.0):
        sh = (x1 - 0.05, g * (0.5 * sw + 0.02))
        if pose.arms == "sides":
            parts.append(
                _capsule_top(x, y, sh, (x1 - 0.68, g * (0.5 * sw + 0.05)), 0.045, table + 0.045)
            )
        elif pose.arms == "overhead":
            parts.append(_capsule_top(x, y, sh, (x1 + 0.55, g * 0.26), 0.045, table + 0.05))
        else:  # hanging: only the upper arm's top is seen at the table edge
            parts.append(
                _capsule_top(x, y, sh, (x1 - 0.12, g * (0.5 * sw + 0.06)), 0.05, table + 0.02)
            )
    h = np.max(np.nan_to_num(np.stack(parts), nan=-np.inf), axis=0)
    return np.asarray(h, dtype=np.float64)


def _rot(rotvec: FloatArray) -> FloatArray:
    th = float(np.linalg.norm(rotvec))
    if th < 1e-12:
        return np.eye(3)
    k = rotvec / th
    kx = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    return np.eye(3) + np.sin(th) * kx + (1 - np.cos(th)) * kx @ kx


def pose_transform(pose: ScanPose) -> FloatArray:
    """``(4, 4)`` transform from B to S for a pose (B's z along S's z)."""
    t = np.eye(4)
    t[:3, :3] = _rot(np.array([0.0, 0.0, pose.yaw_rad]))
    t[:3, 3] = [pose.offset_m[0], pose.offset_m[1], pose.table_z_m + pose.torso_depth_m]
    return t


@dataclass(frozen=True)
class _Raster:
    """The scene's height field (frame B) on a regular grid, looked up by nearest cell."""

    x0: float
    y0: float
    step: float
    h: FloatArray

    def __call__(self, x: FloatArray, y: FloatArray) -> FloatArray:
        i = np.clip(np.rint((x - self.x0) / self.step).astype(int), 0, self.h.shape[0] - 1)
        j = np.clip(np.rint((y - self.y0) / self.step).astype(int), 0, self.h.shape[1] - 1)
        inside = (x >= self.x0) & (y >= self.y0)
        inside &= x <= self.x0 + self.step * (self.h.shape[0] - 1)
        inside &= y <= self.y0 + self.step * (self.h.shape[1] - 1)
        return np.where(inside, self.h[i, j], -np.inf)


def simulate_scan(
    back: BackModel, pose: ScanPose, camera: CameraSpec, rng: np.random.Generator
) -> SimScan:
    """Scan the true ``back`` at ``pose`` with ``camera``; see the module docstring."""
    s_from_b = pose_transform(pose)
    hx, hy = camera.table_half_m
    x0, x1 = float(back.point(0.0, 0.0)[0]), float(back.point(1.0, 0.0)[0])
    xm = 0.5 * (x0 + x1) - 0.15
    step = 0.002
    rx = np.arange(xm - hx, xm + hx + step, step)
    ry = np.arange(-hy, hy + step, step)
    mx, my = np.meshgrid(rx, ry, indexing="ij")
    raster = _Raster(
        float(rx[0]),
        float(ry[0]),
        step,
        body_height_field(back, mx.ravel(), my.ravel(), pose).reshape(mx.shape),
    )
    # Regular camera grid in S covering the table region around the body.
    corners_b = np.array([[xm - hx, -hy], [xm + hx, -hy], [xm - hx, hy], [xm + hx, hy]])
    r2 = s_from_b[:2, :2]
    corners_s = corners_b @ r2.T + s_from_b[:2, 3]
    lo, hi = corners_s.min(0), corners_s.max(0)
    gx = np.arange(lo[0], hi[0], camera.spacing_m) + rng.uniform(0, camera.spacing_m)
    gy = np.arange(lo[1], hi[1], camera.spacing_m) + rng.uniform(0, camera.spacing_m)
    sx, sy = (a.ravel() for a in np.meshgrid(gx, gy, indexing="ij"))
    bxy = (np.stack([sx, sy], -1) - s_from_b[:2, 3]) @ r2
    keep = (np.abs(bxy[:, 0] - xm) <= hx) & (np.abs(bxy[:, 1]) <= hy)
    sx, sy, bxy = sx[keep], sy[keep], bxy[keep]
    hb = raster(bxy[:, 0], bxy[:, 1])
    ok = np.isfinite(hb)
    sz = hb + s_from_b[2, 3]
    pts = np.stack([sx, sy, sz], -1)[ok]
    bxy = bxy[ok]
    centre = s_from_b[:3, 3] + s_from_b[:3, :3] @ np.array([xm + 0.15, 0.0, 0.0])
    cam = centre + np.array([0.0, 0.0, camera.height_m - pose.torso_depth_m])
    cam[:2] += camera.lateral_m * s_from_b[:2, 1]
    visible = _visible(pts, cam, raster, s_from_b)
    pts, bxy = pts[visible], bxy[visible]
    if camera.coverage < 1.0:
        half = 0.5 * back.full_width_m(np.clip((bxy[:, 0] - x0) / (x1 - x0), 0, 1))
        cut = half * (1.0 - 2.0 * (1.0 - camera.coverage))
        pts = pts[(bxy[:, 1] > -cut) | (bxy[:, 0] < x0 - 0.05) | (bxy[:, 0] > x1)]
    pts = _artefacts(pts, cam, camera, rng)
    off, rv = (np.asarray(a, dtype=np.float64) for a in camera.registration)
    if np.any(off) or np.any(rv):
        c = s_from_b[:3, 3]
        pts = (pts - c) @ _rot(rv).T + c + off
    lms = {
        n: s_from_b[:3, :3] @ np.asarray(lm.point_m) + s_from_b[:3, 3]
        for n, lm in back.landmarks.items()
    }
    uu = np.linspace(0, 1, 101)
    mid = back.point(uu, np.zeros_like(uu)) @ s_from_b[:3, :3].T + s_from_b[:3, 3]
    return SimScan(pts, s_from_b, lms, mid)


def _visible(
    pts: FloatArray, cam: FloatArray, raster: _Raster, s_from_b: FloatArray
) -> NDArray[np.bool_]:
    """True where the segment point → camera stays above the scene (march 24 steps)."""
    vis = np.ones(len(pts), dtype=bool)
    r2 = s_from_b[:2, :2]
    for f in np.linspace(0.01, 0.4, 24):
        q = pts + f * (cam - pts)
        bxy = (q[:, :2] - s_from_b[:2, 3]) @ r2
        h = raster(bxy[:, 0], bxy[:, 1]) + s_from_b[2, 3]
        vis &= ~(q[:, 2] < h - 0.003)
    return vis


def _artefacts(
    pts: FloatArray, cam: FloatArray, camera: CameraSpec, rng: np.random.Generator
) -> FloatArray:
    ray = cam - pts
    dist = np.linalg.norm(ray, axis=1, keepdims=True)
    ray = ray / dist
    pts = pts + ray * rng.normal(0.0, camera.noise_m, (len(pts), 1))
    # Holes: discs of 1-4 cm until the requested fraction is gone.
    keep = np.ones(len(pts), dtype=bool)
    target = camera.hole_fraction * len(pts)
    while (~keep).sum() < target:
        c = pts[rng.integers(len(pts)), :2]
        r = rng.uniform(0.01, 0.04)
        keep &= np.sum((pts[:, :2] - c) ** 2, axis=1) > r * r
    pts, ray, dist = pts[keep], ray[keep], dist[keep]
    # Flying pixels at depth edges: slide a sample along its ray toward the camera.
    from scipy.spatial import cKDTree

    tree = cKDTree(pts[:, :2])
    _, nb = tree.query(pts[:, :2], k=5)
    jump = np.ptp(pts[nb, 2], axis=1)
    edge = np.flatnonzero(jump > 0.03)
    fly = edge[rng.random(edge.size) < camera.flying_fraction]
    pts[fly] += (
        ray[fly]
        * rng.uniform(0.005, 0.6, (fly.size, 1))
        * jump[fly, None]
        / np.maximum(ray[fly, 2:3], 0.3)
    )
    stray = rng.uniform(
        pts.min(0), pts.max(0) + np.array([0.0, 0.0, 0.3]), (max(len(pts) // 2000, 1), 3)
    )
    return np.concatenate([pts, stray])
