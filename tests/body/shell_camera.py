"""Fifth scan generator, camera: an active-stereo depth camera over the table.

The scene (``ShellBody``'s height field, table included) is sampled every 2 mm, posed
in the scan frame S (any yaw, an offset, the table a little tilted) and seen by a
pinhole camera above it, tilted up to 15°: each pixel keeps its nearest sample
(z-buffer). Depth is measured as disparity: quantised to 1/32 px of a
``baseline_m`` stereo pair (``focal_px`` native), noise growing with range squared
(``noise_m`` at 1.2 m), speckle holes (random blobs), the stereo's shadow (pixels
whose neighbour on the baseline side is much nearer are lost), flying pixels at depth
edges (a mix of the near and far depth)
and a few salt points. Grid 3.5–6 mm on the table.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from tests.body.shell_body import ARM_POSES_S, ShellBody

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class ActiveStereo:
    pixel_m: float  # pixel footprint on the table
    noise_m: float  # depth noise (1 σ) at 1.2 m
    height_m: float
    tilt_rad: tuple[float, float]
    offset_m: tuple[float, float]
    baseline_m: float
    holes: int
    flying: float
    focal_px: float = 600.0


@dataclass(frozen=True)
class ShellScan:
    points_m: FloatArray
    s_from_f: FloatArray
    landmarks_m: dict[str, FloatArray]
    midline_m: FloatArray
    back_length_m: float


def _rot(ax: FloatArray, th: float) -> FloatArray:
    k = ax / np.linalg.norm(ax)
    kx = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    return np.eye(3) + np.sin(th) * kx + (1 - np.cos(th)) * kx @ kx


def scan_shell(
    body: ShellBody,
    cam: ActiveStereo,
    yaw: float,
    at: tuple[float, float, float],
    tilt: tuple[float, float],
    rng: np.random.Generator,
) -> ShellScan:
    step = 0.002
    xs = np.arange(-1.05, body.c7_m + 0.45, step)
    ys = np.arange(-0.34, 0.34 + 1e-9, step)
    xx, yy = np.meshgrid(xs, ys, indexing="ij")
    zz = body.height(xx.ravel(), yy.ravel())
    pf = np.stack([xx.ravel(), yy.ravel(), zz], axis=1)
    r = _rot(np.array([0.0, 0.0, 1.0]), yaw)
    r = _rot(np.array([1.0, 0.0, 0.0]), tilt[0]) @ _rot(np.array([0.0, 1.0, 0.0]), tilt[1]) @ r
    s_from_f = np.eye(4)
    s_from_f[:3, :3] = r
    s_from_f[:3, 3] = at
    ps = pf @ r.T + np.asarray(at)
    # Camera: above the body's middle, tilted; looks down its own -z.
    centre = np.asarray(at) + r @ np.array([0.5 * body.c7_m - 0.1, 0.0, 0.0])
    eye = centre + np.array([cam.offset_m[0], cam.offset_m[1], cam.height_m])
    rc = _rot(np.array([1.0, 0.0, 0.0]), cam.tilt_rad[0]) @ _rot(
        np.array([0.0, 1.0, 0.0]), cam.tilt_rad[1]
    )
    pc = (ps - eye) @ rc  # camera frame: x, y image axes, z up (looking down -z)
    rng_m = -pc[:, 2]
    ok = rng_m > 0.3
    f_px = cam.height_m / cam.pixel_m  # pixel footprint on the table at nominal range
    u = np.floor(pc[:, 0] / rng_m * f_px).astype(np.int64)
    v = np.floor(pc[:, 1] / rng_m * f_px).astype(np.int64)
    u0, v0 = u[ok].min(), v[ok].min()
    w, h = int(u[ok].max() - u0 + 1), int(v[ok].max() - v0 + 1)
    pix = (u - u0) * h + (v - v0)
    idx = np.flatnonzero(ok)
    order = idx[np.lexsort((rng_m[idx], pix[idx]))]
    first = np.unique(pix[order], return_index=True)[1]
    keep = order[first]
    img = np.full(w * h, np.nan)
    img[pix[keep]] = rng_m[keep]
    ray = np.full((w * h, 3), np.nan)
    ray[pix[keep]] = pc[keep] / rng_m[keep, None]
    img2 = img.reshape(w, h)
    # Stereo shadow: the projector / second eye offset along u does not see behind edges.
    shift = max(1, round(cam.baseline_m / cam.pixel_m * 0.15))
    nearer = np.roll(img2, shift, 0) < img2 - 0.04
    img2 = np.where(nearer, np.nan, img2)
    # Speckle holes: blobs of 3-12 px.
    for _ in range(cam.holes):
        cu, cv = rng.integers(0, w), rng.integers(0, h)
        ru, rv = rng.uniform(2, 12, 2)
        uu, vv = np.ogrid[:w, :h]
        img2[((uu - cu) / ru) ** 2 + ((vv - cv) / rv) ** 2 < 1] = np.nan
    # Disparity: quantised to 1/8 px, noise growing with range squared.
    disp = cam.baseline_m * cam.focal_px / img2
    disp = np.round(disp * 32) / 32
    depth = cam.baseline_m * cam.focal_px / disp
    depth = depth + rng.normal(0, 1, depth.shape) * cam.noise_m * (img2 / 1.2) ** 2
    # Flying pixels: at depth edges a mix of the near and far surfaces.
    nb = np.nanmin(np.stack([np.roll(img2, 1, 0), np.roll(img2, -1, 0), np.roll(img2, 1, 1)]), 0)
    edge = np.isfinite(img2) & (img2 - nb > 0.03)
    fly = edge & (rng.random(img2.shape) < cam.flying)
    mix = rng.uniform(0.1, 0.9, img2.shape)
    depth = np.where(fly, nb + mix * (img2 - nb), depth)
    flat = depth.ravel()
    good = np.isfinite(flat) & np.isfinite(ray[:, 0])
    pts_c = ray[good] * flat[good, None]
    # Salt: a few far-off points.
    salt = rng.random(good.sum()) < 0.0005
    pts_c[salt] *= rng.uniform(0.5, 1.5, (int(salt.sum()), 1))
    pts_s = pts_c @ rc.T + eye
    lms = {k: v @ r.T + np.asarray(at) for k, v in body.landmarks().items()}
    mid = body.midline() @ r.T + np.asarray(at)
    length = float(np.linalg.norm(np.diff(mid, axis=0), axis=1).sum())
    return ShellScan(pts_s, s_from_f, lms, mid, length)


def shell_case_scan(seed: int) -> tuple[ShellBody, ActiveStereo, ShellScan]:
    """The bench's scan number ``seed`` from the fifth generator."""
    rng = np.random.default_rng(95_000 + seed)
    body = ShellBody.draw(rng, ARM_POSES_S[seed % len(ARM_POSES_S)])
    cam = ActiveStereo(
        pixel_m=float(rng.uniform(0.0035, 0.006)),
        noise_m=float(rng.uniform(0.001, 0.0025)),
        height_m=float(rng.uniform(0.9, 1.4)),
        tilt_rad=(float(rng.uniform(-0.26, 0.26)), float(rng.uniform(-0.26, 0.26))),
        offset_m=(float(rng.uniform(-0.2, 0.2)), float(rng.uniform(-0.25, 0.25))),
        baseline_m=float(rng.uniform(0.05, 0.095)),
        holes=int(rng.integers(0, 25)),
        flying=float(rng.uniform(0.2, 0.8)),
    )
    yaw = float(rng.uniform(-np.pi, np.pi))
    at = (
        float(rng.uniform(0.2, 0.8)),
        float(rng.uniform(-0.4, 0.4)),
        float(rng.uniform(-0.1, 0.1)),
    )
    tilt = (float(rng.uniform(-0.04, 0.04)), float(rng.uniform(-0.04, 0.04)))
    return body, cam, scan_shell(body, cam, yaw, at, tilt, rng)
