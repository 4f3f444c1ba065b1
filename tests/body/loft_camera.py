"""The lofted body's camera: a time-of-flight depth camera over a real table.

Unlike the other generators' cameras, the scene is a cloud of 3D surface samples (the
body's parts are not a height field) splatted into a perspective image by a z-buffer
(the nearest sample per pixel wins, with a 2×2 splat so no sample falls between
pixels). Time-of-flight faults: depth noise ∝ distance / √(cos incidence) (dim oblique
skin is noisy), multipath bias where the skin meets the table (the depth pushed away
by up to 1 cm in the concave corner), mixed pixels at depth edges (a blend of front
and back, not on either), a lens' radial distortion left partly uncorrected (the
points bend by up to a few millimetres at the image's edge), low-reflectivity holes
and sparse salt. The table has a face hole under the head; the camera looks from a
side, tilted by up to 20°.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage
from scipy.spatial import cKDTree

from tests.body.loft_body import ARM_POSES_L, STEP_M, LoftBody, limb_points

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class TimeOfFlight:
    pixel_m: float = 0.005  # pixel footprint at the body's distance
    noise_m: float = 0.0015  # 1 σ at 1 m, head-on
    distance_m: float = 1.1
    tilt_rad: float = 0.2  # camera's look direction from the vertical
    tilt_dir_rad: float = 0.0
    hole_fraction: float = 0.02
    mixed: float = 0.5
    salt: float = 0.0005
    distortion: float = 0.004  # residual radial distortion at the image corner (m)
    table_half_m: float = 0.33


@dataclass(frozen=True)
class LoftScan:
    points_m: FloatArray
    landmarks_m: dict[str, FloatArray]
    midline_m: FloatArray
    s_from_e: FloatArray
    back_length_m: float


def table_points(body: LoftBody, half_m: float) -> FloatArray:
    xs = np.arange(-1.15, body.sigma_c7 + 0.75, 2 * STEP_M)
    ys = np.arange(-half_m, half_m, 2 * STEP_M)
    gx, gy = (a.ravel() for a in np.meshgrid(xs, ys, indexing="ij"))
    hole = ((gx - body.sigma_c7 - 0.2) / 0.09) ** 2 + (gy / 0.065) ** 2 < 1
    return np.stack([gx[~hole], gy[~hole], np.zeros((~hole).sum())], axis=1)


def scan_loft(
    body: LoftBody,
    cam: TimeOfFlight,
    yaw_rad: float,
    at_m: tuple[float, float, float],
    rng: np.random.Generator,
) -> LoftScan:
    """Scan ``body`` lying with frame E yawed by ``yaw_rad`` and shifted by ``at_m`` in S."""
    skin = np.concatenate([body.torso_points(), limb_points(body)])
    table = table_points(body, cam.table_half_m)
    scene = np.concatenate([skin, table])
    # Distance to the table: the multipath bias lives in the body–table corner.
    tree = cKDTree(table[:, :2])
    d_tab, _ = tree.query(skin[:, :2], k=1)
    low = np.concatenate([skin[:, 2], np.zeros(len(table))])
    target = np.array([0.45 * body.sigma_c7, 0.0, 0.1])
    look = np.array(
        [
            np.sin(cam.tilt_rad) * np.cos(cam.tilt_dir_rad),
            np.sin(cam.tilt_rad) * np.sin(cam.tilt_dir_rad),
            -np.cos(cam.tilt_rad),
        ]
    )
    eye = target - cam.distance_m * look
    zc = look
    xc = np.cross(zc, np.array([0.0, 1.0, 0.0]))
    xc /= np.linalg.norm(xc)
    yc = np.cross(zc, xc)
    rel = scene - eye
    pc = np.stack([rel @ xc, rel @ yc, rel @ zc], axis=1)
    f_px = cam.distance_m / cam.pixel_m
    n = int(2.8 / cam.pixel_m)
    u = pc[:, 0] / pc[:, 2] * f_px + n / 2
    v = pc[:, 1] / pc[:, 2] * f_px + n / 2
    img = np.full((n, n), np.inf)
    owner = np.full((n, n), -1, dtype=np.int64)
    order = np.argsort(-pc[:, 2])  # far first; near samples overwrite
    for du in (0.0, 0.5):
        for dv in (0.0, 0.5):
            iu = np.floor(u[order] + du).astype(np.int64)
            iv = np.floor(v[order] + dv).astype(np.int64)
            ok = (iu >= 0) & (iu < n) & (iv >= 0) & (iv < n)
            better = np.zeros(len(order), dtype=bool)
            better[ok] = pc[order[ok], 2] < img[iu[ok], iv[ok]]
            sel = order[better]
            img[iu[better], iv[better]] = pc[sel, 2]
            owner[iu[better], iv[better]] = sel
    valid = owner >= 0
    depth = np.where(valid, img, np.nan)
    # Incidence from the depth image's own gradient (dim oblique skin is noisy).
    gz = np.nan_to_num(depth, nan=float(np.nanmedian(depth)))
    gu, gv = np.gradient(gz, cam.pixel_m)
    cos_inc = 1.0 / np.sqrt(1 + np.clip(gu**2 + gv**2, 0, 400))
    sigma = cam.noise_m * (depth / 1.0) / np.sqrt(np.maximum(cos_inc, 0.15))
    d = depth + rng.normal(0, 1, depth.shape) * sigma
    # Multipath: skin near the table (low and within 4 cm of the table's edge of view).
    idx = np.where(valid, owner, 0)
    is_skin = idx < len(skin)
    near = np.zeros_like(d)
    corner = np.exp(-np.concatenate([d_tab, np.zeros(len(table))]) / 0.02)
    corner *= np.exp(-low / 0.03)
    near[valid & is_skin] = (0.01 * corner[idx])[valid & is_skin]
    d = d + near
    # Mixed pixels at depth edges: a blend of the front and the back surface.
    mx = ndimage.maximum_filter(np.nan_to_num(depth, nan=-np.inf), size=3)
    edge = valid & (mx - depth > 0.03)
    mix = edge & (rng.random(d.shape) < cam.mixed)
    a = rng.uniform(0.1, 0.9, d.shape)
    d = np.where(mix, a * depth + (1 - a) * mx, d)
    # Holes (low reflectivity blobs) and salt.
    blob = ndimage.gaussian_filter(rng.normal(0, 1, d.shape), 3.0)
    thr = np.quantile(blob, 1 - cam.hole_fraction) if cam.hole_fraction > 0 else np.inf
    keep = valid & (blob < thr)
    salt = keep & (rng.random(d.shape) < cam.salt)
    d = np.where(salt, d * rng.uniform(0.6, 1.0, d.shape), d)
    iu, iv = np.nonzero(keep)
    uu = (iu + 0.5 - n / 2) / f_px
    vv = (iv + 0.5 - n / 2) / f_px
    # Residual radial distortion: the ray bends outward with the square of the radius.
    r2 = (uu**2 + vv**2) / (1.4 / cam.distance_m) ** 2
    k = cam.distortion / 1.4
    uu, vv = uu * (1 + k * r2), vv * (1 + k * r2)
    dd = d[iu, iv]
    pts_c = np.stack([uu * dd, vv * dd, dd], axis=1)
    pts_e = eye + pts_c[:, :1] * xc + pts_c[:, 1:2] * yc + pts_c[:, 2:] * zc
    pts_e = pts_e[(pts_e[:, 2] > -0.08) & (pts_e[:, 2] < 0.55)]
    c, s = np.cos(yaw_rad), np.sin(yaw_rad)
    rot = np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])
    s_from_e = np.eye(4)
    s_from_e[:3, :3] = rot
    s_from_e[:3, 3] = at_m
    shift = np.asarray(at_m)
    lms = {k2: rot @ p + shift for k2, p in body.landmarks().items()}
    mid = body.midline(401)
    length = float(np.linalg.norm(np.diff(mid, axis=0), axis=1).sum())
    return LoftScan(pts_e @ rot.T + shift, lms, body.midline() @ rot.T + shift, s_from_e, length)


def loft_case_scan(seed: int) -> tuple[LoftBody, TimeOfFlight, LoftScan]:
    """The bench's scan number ``seed`` from this generator (its own random draws)."""
    rng = np.random.default_rng(50_000 + seed)
    body = LoftBody.draw(rng, ARM_POSES_L[seed % len(ARM_POSES_L)])
    cam = TimeOfFlight(
        pixel_m=float(rng.uniform(0.0035, 0.006)),
        noise_m=float(rng.uniform(0.001, 0.0025)),
        distance_m=float(rng.uniform(0.95, 1.35)),
        tilt_rad=float(rng.uniform(0.0, 0.35)),
        tilt_dir_rad=float(rng.uniform(-np.pi, np.pi)),
        hole_fraction=float(rng.uniform(0.0, 0.04)),
        mixed=float(rng.uniform(0.2, 0.8)),
        distortion=float(rng.uniform(0.0, 0.005)),
        table_half_m=float(rng.uniform(0.30, 0.36)),
    )
    yaw = float(rng.uniform(-np.pi, np.pi))
    at = (
        float(rng.uniform(0.2, 0.8)),
        float(rng.uniform(-0.4, 0.4)),
        float(rng.uniform(-0.1, 0.1)),
    )
    return body, cam, scan_loft(body, cam, yaw, at, rng)
