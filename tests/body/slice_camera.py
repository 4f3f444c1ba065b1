"""The third generator's camera: a structured-light depth camera, rendered by z-buffer.

Unlike ``scan_sim`` (regular grid, visibility test) and ``phantom_camera`` (ray
marching), the scene's skin is sampled densely (1.5 mm), every sample is projected into
a tilted pinhole camera and into the projector beside it (baseline 5–9 cm), and a
z-buffer keeps the nearest sample per pixel; a pixel is valid only when the projector
sees the same point (the projector's shadow beside steep edges is a hole). Depth noise
grows as distance^1.5, with a low-frequency ripple; holes are blobs from thresholded
smoothed noise; flying pixels sit on the camera ray between a depth edge's two sides;
a few salt pixels take random depths. Points outside the table's working volume are
cropped as a depth driver's region of interest would.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage

from tests.body.slice_body import SliceBody

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class StructuredLight:
    pixel_m: float = 0.005  # pixel footprint at the table top
    noise_m: float = 0.0015  # 1 σ at 1 m
    height_m: float = 1.15
    lateral_m: float = 0.0  # camera offset across the body
    along_m: float = 0.0
    baseline_m: float = 0.07
    hole_fraction: float = 0.02
    flying: float = 0.4
    salt: float = 0.0005
    table_half_m: float = 0.34


@dataclass(frozen=True)
class SliceScan:
    points_m: FloatArray
    landmarks_m: dict[str, FloatArray]
    midline_m: FloatArray
    s_from_e: FloatArray
    back_length_m: float


def _zbuffer(
    pts_c: FloatArray, f_px: float, n: int
) -> tuple[NDArray[np.int64], FloatArray, NDArray[np.int64]]:
    """Pixel index, depth and winning sample per occupied pixel (camera looks along +z)."""
    u = np.rint(pts_c[:, 0] / pts_c[:, 2] * f_px + n / 2).astype(np.int64)
    v = np.rint(pts_c[:, 1] / pts_c[:, 2] * f_px + n / 2).astype(np.int64)
    ok = (u >= 0) & (u < n) & (v >= 0) & (v < n) & (pts_c[:, 2] > 0)
    idx = np.flatnonzero(ok)
    pix = u[idx] * n + v[idx]
    order = np.lexsort((pts_c[idx, 2], pix))
    pix_s = pix[order]
    first = np.concatenate([[True], pix_s[1:] != pix_s[:-1]])
    win = idx[order][first]
    return pix_s[first], pts_c[win, 2], win


def _look_at(eye: FloatArray, target: FloatArray) -> FloatArray:
    """Rows: camera x, y, z (z toward the target) in the world frame."""
    z = target - eye
    z /= np.linalg.norm(z)
    x = np.cross(np.array([0.0, 1.0, 0.0]), z)
    if np.linalg.norm(x) < 1e-6:
        x = np.array([1.0, 0.0, 0.0])
    x /= np.linalg.norm(x)
    y = np.cross(z, x)
    return np.stack([x, y, z])


def scan_body(
    body: SliceBody,
    cam: StructuredLight,
    yaw_rad: float,
    at_m: tuple[float, float, float],
    tilt_rad: tuple[float, float],
    rng: np.random.Generator,
) -> SliceScan:
    """Scan ``body`` lying with frame E yawed, tilted and shifted into S."""
    step = 0.0015
    xs = np.arange(-1.05, body.x_c7 + 0.75, step)
    ys = np.arange(-cam.table_half_m, cam.table_half_m + 1e-9, step)
    mx, my = (a.ravel() for a in np.meshgrid(xs, ys, indexing="ij"))
    mz = body.height(mx, my)
    # The table top under everything, and arms hanging past its edge are still sampled.
    wide = np.abs(my) < cam.table_half_m
    pts_e = np.stack([mx[wide], my[wide], mz[wide]], axis=1)
    extra_y = np.concatenate(
        [
            np.arange(cam.table_half_m, cam.table_half_m + 0.12, step),
            -np.arange(cam.table_half_m, cam.table_half_m + 0.12, step),
        ]
    )
    ex, ey = (a.ravel() for a in np.meshgrid(xs, extra_y, indexing="ij"))
    ez = body.limbs(ex, ey)
    keep = np.isfinite(ez) & (ez > 0)
    pts_e = np.concatenate([pts_e, np.stack([ex[keep], ey[keep], ez[keep]], 1)])
    # Camera in E: above the back's centre, offset, looking at the back.
    centre = np.array([0.45 * body.x_c7, 0.0, 0.1])
    eye = centre + np.array([cam.along_m, cam.lateral_m, cam.height_m])
    rows = _look_at(eye, centre)
    proj = eye + 0.0
    proj[:2] += cam.baseline_m * rows[0, :2] / max(np.linalg.norm(rows[0, :2]), 1e-9)
    f_px = cam.height_m / cam.pixel_m
    n = int(2.6 / cam.pixel_m)
    pc = (pts_e - eye) @ rows.T
    pix, depth, win = _zbuffer(pc, f_px, n)
    # Projector visibility: the sample must also win the projector's z-buffer (±3 mm).
    pp = (pts_e - proj) @ rows.T
    ppix, pdepth, _ = _zbuffer(pp, f_px * 1.3, int(n * 1.3))
    pmap = np.full(int(n * 1.3) ** 2, np.inf)
    pmap[ppix] = pdepth
    q = pp[win]
    nn = int(n * 1.3)
    pu = np.clip(np.rint(q[:, 0] / q[:, 2] * f_px * 1.3 + nn / 2).astype(np.int64), 0, nn - 1)
    pv = np.clip(np.rint(q[:, 1] / q[:, 2] * f_px * 1.3 + nn / 2).astype(np.int64), 0, nn - 1)
    lit = q[:, 2] <= pmap[pu * nn + pv] + 0.003
    img = np.full(n * n, np.nan)
    img[pix] = depth
    # Flying pixels across depth edges: on the ray, between the two sides.
    im2 = img.reshape(n, n)
    nb = np.nanmax(np.stack([np.roll(im2, 1, 0), np.roll(im2, -1, 1)]), axis=0).ravel()[pix]
    edge = np.nan_to_num(np.abs(nb - depth), nan=0.0) > 0.025
    fly = edge & (rng.random(pix.size) < cam.flying)
    a = rng.uniform(0.15, 0.85, pix.size)
    d = np.where(fly, a * depth + (1 - a) * np.nan_to_num(nb, nan=0.0), depth)
    # Noise ∝ distance^1.5 plus a smooth ripple; salt pixels.
    ripple = ndimage.gaussian_filter(rng.normal(0, 1, (n, n)), 12).ravel()
    ripple *= 0.0004 / max(float(ripple.std()), 1e-12)
    d = d + rng.normal(0, 1, pix.size) * cam.noise_m * (d / 1.0) ** 1.5 + ripple[pix]
    salt = rng.random(pix.size) < cam.salt
    d = np.where(salt, d * rng.uniform(0.7, 1.0, pix.size), d)
    # Holes: blobs of thresholded smoothed noise.
    blob = ndimage.gaussian_filter(rng.normal(0, 1, (n, n)), 4).ravel()
    thr = np.quantile(blob, 1 - cam.hole_fraction) if cam.hole_fraction > 0 else np.inf
    valid = lit & (blob[pix] < thr)
    uu = (pix // n - n / 2) / f_px
    vv = (pix % n - n / 2) / f_px
    rays = np.stack([uu, vv, np.ones_like(uu)], 1)
    pts_cam = rays[valid] * d[valid, None]
    pts_e_out = pts_cam @ rows + eye
    # Region of interest: the table's working volume.
    roi = (pts_e_out[:, 2] > -0.05) & (pts_e_out[:, 2] < 0.6)
    pts_e_out = pts_e_out[roi]
    # E → S: tilt (the table is not level with the base), yaw, shift.
    tx, ty = tilt_rad
    rx = np.array([[1, 0, 0], [0, np.cos(tx), -np.sin(tx)], [0, np.sin(tx), np.cos(tx)]])
    ry = np.array([[np.cos(ty), 0, np.sin(ty)], [0, 1, 0], [-np.sin(ty), 0, np.cos(ty)]])
    c, s = np.cos(yaw_rad), np.sin(yaw_rad)
    rz = np.array([[c, -s, 0], [s, c, 0], [0, 0, 1.0]])
    rot = rz @ ry @ rx
    s_from_e = np.eye(4)
    s_from_e[:3, :3] = rot
    s_from_e[:3, 3] = at_m
    pts_s = pts_e_out @ rot.T + np.asarray(at_m)
    lms = {k: rot @ v + np.asarray(at_m) for k, v in body.landmarks().items()}
    mid = body.midline() @ rot.T + np.asarray(at_m)
    length = float(np.linalg.norm(np.diff(body.midline(401), axis=0), axis=1).sum())
    return SliceScan(pts_s, lms, mid, s_from_e, length)


def slice_case_scan(seed: int) -> tuple[SliceBody, StructuredLight, SliceScan]:
    """The bench's scan number ``seed`` from this generator (its own random draws)."""
    rng = np.random.default_rng(80_000 + seed)
    from tests.body.slice_body import ARM_POSES_E

    body = SliceBody.draw(rng, ARM_POSES_E[seed % len(ARM_POSES_E)])
    cam = StructuredLight(
        pixel_m=float(rng.uniform(0.0035, 0.006)),
        noise_m=float(rng.uniform(0.001, 0.0025)),
        height_m=float(rng.uniform(0.9, 1.4)),
        lateral_m=float(rng.uniform(-0.25, 0.25)),
        along_m=float(rng.uniform(-0.2, 0.2)),
        baseline_m=float(rng.uniform(0.05, 0.09)),
        hole_fraction=float(rng.uniform(0.0, 0.04)),
        flying=float(rng.uniform(0.2, 0.8)),
        table_half_m=float(rng.uniform(0.31, 0.36)),
    )
    yaw = float(rng.uniform(-np.pi, np.pi))
    at = (
        float(rng.uniform(0.2, 0.8)),
        float(rng.uniform(-0.4, 0.4)),
        float(rng.uniform(-0.1, 0.1)),
    )
    tilt = (float(rng.uniform(-0.05, 0.05)), float(rng.uniform(-0.05, 0.05)))
    return body, cam, scan_body(body, cam, yaw, at, tilt, rng)
