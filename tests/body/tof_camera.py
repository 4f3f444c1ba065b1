"""Sixth scan generator, camera: a sphere-traced time-of-flight camera over the table.

``MetaballBody``'s signed distance field, a finite table (a box, top at z = 0) and the
floor are sphere-traced from a pinhole above the client (height 0.95–1.45 m, tilted up
to 12°, any offset), one ray per pixel (pixel footprint 3.5–6 mm on the table). The
camera measures *range along the ray* (not z): noise 1–2.5 mm (1 σ at 1.2 m, normal
incidence) growing with range and with 1/sqrt(cos incidence); dropout where the return
is weak (grazing incidence, far floor); multipath — the table near the body and the
body's flanks near the table read long (a bias decaying away from the body–table
corner); mixed (flying) pixels at range edges; dark blobs (no return) and a few salt
points. The whole scene is then posed in the scan frame S: any yaw, an offset, a
table tilt of up to 2°.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from tests.body.metaball_body import ARM_POSES_M, MetaballBody

FloatArray = NDArray[np.float64]
TABLE_HALF_M = 0.33


@dataclass(frozen=True)
class TimeOfFlight:
    pixel_m: float  # pixel footprint on the table at nominal height
    noise_m: float  # range noise, 1 σ at 1.2 m, normal incidence
    height_m: float
    tilt_rad: tuple[float, float]
    offset_m: tuple[float, float]
    multipath_m: float  # range bias at the body-table corner
    blobs: int
    flying: float


@dataclass(frozen=True)
class TofScan:
    points_m: FloatArray
    s_from_g: FloatArray
    landmarks_m: dict[str, FloatArray]
    midline_m: FloatArray
    back_length_m: float


def _rot(ax: FloatArray, th: float) -> FloatArray:
    k = ax / np.linalg.norm(ax)
    kx = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    return np.eye(3) + np.sin(th) * kx + (1 - np.cos(th)) * kx @ kx


def _scene(body: MetaballBody, p: FloatArray) -> tuple[FloatArray, FloatArray]:
    """(scene distance, body distance) at points ``p`` in G."""
    db = body.body(p)
    c = np.array([0.1, 0.0, -0.03])
    h = np.array([1.2, TABLE_HALF_M, 0.03])
    q = np.abs(p - c) - h
    dt = np.linalg.norm(np.maximum(q, 0), axis=1) + np.minimum(q.max(axis=1), 0)
    df = p[:, 2] + 0.75
    return np.minimum(np.minimum(db, dt), df), db


def trace(body: MetaballBody, eye: FloatArray, dirs: FloatArray) -> FloatArray:
    """Range along each unit ray ``dirs`` (N, 3) from ``eye`` to the first surface; NaN
    where the trace does not converge."""
    n = len(dirs)
    t = np.maximum((eye[2] - 0.42) / np.maximum(-dirs[:, 2], 1e-3), 0.0)
    hit = np.full(n, np.nan)
    active = np.arange(n)
    for _ in range(160):
        if not len(active):
            break
        p = eye + t[active, None] * dirs[active]
        d, _ = _scene(body, p)
        done = d < 2e-4
        hit[active[done]] = t[active[done]]
        far = t[active] > 4.0
        t[active] += 0.9 * d
        active = active[~done & ~far]
    return hit


def _normals(body: MetaballBody, p: FloatArray) -> FloatArray:
    e = 5e-4
    g = np.zeros_like(p)
    for i in range(3):
        dp = np.zeros(3)
        dp[i] = e
        g[:, i] = _scene(body, p + dp)[0] - _scene(body, p - dp)[0]
    return g / np.maximum(np.linalg.norm(g, axis=1, keepdims=True), 1e-12)


def scan_tof(
    body: MetaballBody,
    cam: TimeOfFlight,
    yaw: float,
    at: tuple[float, float, float],
    tilt: tuple[float, float],
    rng: np.random.Generator,
) -> TofScan:
    c7 = body.c7_m
    eye = np.array([0.5 * c7 - 0.15 + cam.offset_m[0], cam.offset_m[1], cam.height_m])
    rc = _rot(np.array([1.0, 0.0, 0.0]), cam.tilt_rad[0]) @ _rot(
        np.array([0.0, 1.0, 0.0]), cam.tilt_rad[1]
    )
    f_px = cam.height_m / cam.pixel_m
    # Image extent: enough to see the table from the thighs to beyond the head.
    half_u = (0.5 * (c7 + 0.55 + 0.75) + 0.1) * f_px / cam.height_m
    half_v = 0.5 * f_px
    us = np.arange(-half_u, half_u)
    vs = np.arange(-half_v, half_v)
    uu, vv = np.meshgrid(us, vs, indexing="ij")
    rays_c = np.stack([uu.ravel() / f_px, vv.ravel() / f_px, -np.ones(uu.size)], axis=1)
    rays_c /= np.linalg.norm(rays_c, axis=1, keepdims=True)
    dirs = rays_c @ rc.T
    rng_m = trace(body, eye, dirs)
    w, h = uu.shape
    ok = np.isfinite(rng_m)
    pts = eye + np.where(ok, rng_m, 0.0)[:, None] * dirs
    nrm = np.zeros_like(pts)
    _, db = _scene(body, pts[ok])
    nrm[ok] = _normals(body, pts[ok])
    cos_inc = np.abs(np.sum(nrm * dirs, axis=1))
    dbody = np.full(len(pts), np.inf)
    dbody[ok] = np.abs(db)
    # Multipath: long readings on the table near the body and on the low flanks.
    on_table = ok & (np.abs(pts[:, 2]) < 0.004) & (dbody > 0.002)
    bias = np.zeros(len(pts))
    bias[on_table] = cam.multipath_m * np.exp(-dbody[on_table] / 0.035)
    flank = ok & (dbody <= 0.002) & (pts[:, 2] < 0.09) & (cos_inc < 0.5)
    bias[flank] = 0.5 * cam.multipath_m * (1 - pts[flank, 2] / 0.09)
    sigma = cam.noise_m * (rng_m / 1.2) / np.sqrt(np.maximum(cos_inc, 0.15))
    meas = rng_m + bias + rng.normal(0, 1, len(pts)) * np.nan_to_num(sigma)
    # Weak returns: grazing incidence, the far floor.
    amp = cos_inc / np.maximum(np.nan_to_num(rng_m, nan=9.0), 0.3) ** 2
    meas[ok & ((cos_inc < 0.12) | (amp < 0.08))] = np.nan
    img = meas.reshape(w, h)
    # Dark blobs (no return).
    for _ in range(cam.blobs):
        cu, cv = rng.integers(0, w), rng.integers(0, h)
        ru, rv = rng.uniform(1.5, 9, 2)
        a, b = np.ogrid[:w, :h]
        img[((a - cu) / ru) ** 2 + ((b - cv) / rv) ** 2 < 1] = np.nan
    # Mixed pixels at range edges: the pixel straddles a near and a far surface.
    nb = np.stack(
        [np.roll(img, 1, 0), np.roll(img, -1, 0), np.roll(img, 1, 1), np.roll(img, -1, 1)]
    )
    far_nb = np.nanmax(np.where(np.isfinite(nb), nb, -np.inf), axis=0)
    edge = np.isfinite(img) & np.isfinite(far_nb) & (far_nb - img > 0.025)
    fly = edge & (rng.random(img.shape) < cam.flying)
    mix = rng.uniform(0.1, 0.9, img.shape)
    img = np.where(fly, img + mix * (far_nb - img), img)
    flat = img.ravel()
    good = np.isfinite(flat)
    pg = eye + flat[good, None] * dirs[good]
    salt = rng.random(len(pg)) < 0.0004
    pg[salt] = eye + (pg[salt] - eye) * rng.uniform(0.6, 1.3, (int(salt.sum()), 1))
    r = _rot(np.array([1.0, 0.0, 0.0]), tilt[0]) @ _rot(np.array([0.0, 1.0, 0.0]), tilt[1])
    r = r @ _rot(np.array([0.0, 0.0, 1.0]), yaw)
    s_from_g = np.eye(4)
    s_from_g[:3, :3] = r
    s_from_g[:3, 3] = at
    pts_s = pg @ r.T + np.asarray(at)
    lms = {k: v @ r.T + np.asarray(at) for k, v in body.landmarks().items()}
    mid = body.midline() @ r.T + np.asarray(at)
    length = float(np.linalg.norm(np.diff(mid, axis=0), axis=1).sum())
    return TofScan(pts_s, s_from_g, lms, mid, length)


def tof_case_scan(seed: int) -> tuple[MetaballBody, TimeOfFlight, TofScan]:
    """The bench's scan number ``seed`` from the sixth generator."""
    rng = np.random.default_rng(120_000 + seed)
    body = MetaballBody.draw(rng, ARM_POSES_M[seed % len(ARM_POSES_M)])
    cam = TimeOfFlight(
        pixel_m=float(rng.uniform(0.0035, 0.006)),
        noise_m=float(rng.uniform(0.001, 0.0025)),
        height_m=float(rng.uniform(0.95, 1.45)),
        tilt_rad=(float(rng.uniform(-0.2, 0.2)), float(rng.uniform(-0.2, 0.2))),
        offset_m=(float(rng.uniform(-0.15, 0.15)), float(rng.uniform(-0.2, 0.2))),
        multipath_m=float(rng.uniform(0.003, 0.012)),
        blobs=int(rng.integers(0, 20)),
        flying=float(rng.uniform(0.2, 0.8)),
    )
    yaw = float(rng.uniform(-np.pi, np.pi))
    at = (
        float(rng.uniform(0.2, 0.8)),
        float(rng.uniform(-0.4, 0.4)),
        float(rng.uniform(-0.1, 0.1)),
    )
    tilt = (float(rng.uniform(-0.035, 0.035)), float(rng.uniform(-0.035, 0.035)))
    return body, cam, scan_tof(body, cam, yaw, at, tilt, rng)
