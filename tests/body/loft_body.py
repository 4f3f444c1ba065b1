"""A fourth scan generator's body (the third the fit was not tuned on): a lofted tube.

Written after the fit was calibrated on ``scan_sim``, ``phantom`` and ``slice_body`` and
run blind on it first (``bench/results/scan_blind_third_first_run.json``). It shares no
code or proportions with them. The torso is swept along a curved *core axis* (lordosis,
kyphosis and a lateral bend of the pose in it): every cross-section is a superellipse
in the plane normal to the axis, so the sections tilt with the curves (the others stack
sections at constant x). The surface is not a height field: it is sampled as 3D points
(the upper half of every section, every tube and the head's ellipsoid), so overhangs
and undersides are hidden by the camera's z-buffer (``loft_camera``), not by a max.

The vertebral column sets the levels: from S2 (the PSIS, σ = 0 on the core axis) the
sacrum, five lumbar and twelve thoracic vertebrae of drawn heights, then C7. C7's
spinous process makes a bump at the base of the neck, where the sections shrink from
the shoulders into the neck; the iliac crests' tops are at L4 on the flank, the
scapulae's inferior angles at T7/T8 at the lower tips of raised plates, the PSIS at
the dimples. Head face down over the table's face hole (or turned), neck, buttocks,
legs on an ankle bolster, arms at the sides, overhead, elbows out or hanging.

Frame E (this body's own): x cranial, y the client's left, z up from the table top,
origin on the table under the PSIS midpoint (at σ = 0).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
ARM_POSES_L = ("sides", "overhead", "elbows_out", "hanging", "one_up")
STEP_M = 0.0012  # surface sampling


@dataclass(frozen=True)
class LoftBody:
    """Drawn anatomy: vertebral heights, section sizes (metres), pose."""

    sacrum_m: float  # S2 → S1 top
    lumbar_m: float  # L5 … L1
    thoracic_m: float  # T12 … T1
    depth_m: float  # dorsal skin height above the table at the mid-thorax
    shoulder_half_m: float
    waist_half_m: float
    pelvis_half_m: float
    neck_half_m: float
    lordosis_m: float
    kyphosis_m: float
    bend_m: float
    crest_lat: float  # crest top: fraction of the local half-width
    psis_lat_m: float
    scap_lat_m: float
    scap_level: float  # 7.0 (T7) … 8.0 (T8)
    prominens_m: float
    glute_rise_m: float  # buttocks' apex above the pelvis' dorsal line
    arms: str
    head_turn_rad: float

    @staticmethod
    def draw(rng: np.random.Generator, arms: str | None = None) -> LoftBody:
        sh = float(rng.uniform(0.175, 0.235))
        waist = sh * float(rng.uniform(0.70, 0.86))
        return LoftBody(
            sacrum_m=float(rng.uniform(0.035, 0.045)),
            lumbar_m=float(rng.uniform(0.15, 0.20)),
            thoracic_m=float(rng.uniform(0.24, 0.31)),
            depth_m=float(rng.uniform(0.17, 0.25)),
            shoulder_half_m=sh,
            waist_half_m=waist,
            pelvis_half_m=waist * float(rng.uniform(1.05, 1.25)),
            neck_half_m=float(rng.uniform(0.052, 0.068)),
            lordosis_m=float(rng.uniform(0.01, 0.035)),
            kyphosis_m=float(rng.uniform(0.005, 0.03)),
            bend_m=float(rng.uniform(-0.015, 0.015)),
            crest_lat=float(rng.uniform(0.80, 0.90)),
            psis_lat_m=float(rng.uniform(0.038, 0.055)),
            scap_lat_m=float(rng.uniform(0.075, 0.10)) * sh / 0.205,
            scap_level=float(rng.uniform(7.0, 8.0)),
            prominens_m=float(rng.uniform(0.002, 0.005)),
            glute_rise_m=float(rng.uniform(0.015, 0.05)),
            arms=arms if arms is not None else str(rng.choice(ARM_POSES_L)),
            head_turn_rad=float(rng.uniform(-0.6, 0.6)),
        )

    # ------------------------------------------------------------------ levels (σ)
    @property
    def sigma_c7(self) -> float:
        """C7's spinous process, σ along the core axis from S2."""
        return self.sacrum_m + self.lumbar_m + self.thoracic_m + 0.018

    def sigma_level(self, name: str) -> float:
        """σ of a vertebra's middle: ``L4``, ``T7``, … (S2 = 0)."""
        kind, k = name[0], float(name[1:])
        if kind == "L":
            return self.sacrum_m + (5.5 - k) / 5 * self.lumbar_m
        if kind == "T":
            return self.sacrum_m + self.lumbar_m + (12.5 - k) / 12 * self.thoracic_m
        raise ValueError(name)

    # ------------------------------------------------------------------ core axis
    def _axis_point(self, sigma: FloatArray) -> FloatArray:
        f = sigma / self.sigma_c7
        # The dorsal contour's curves ride on the axis: lumbar dip, thoracic hump.
        zc = 0.45 * self.depth_m + 0.004 * np.sin(np.pi * np.clip(f, 0, 1))
        zc = zc - self.lordosis_m * 0.4 * np.exp(-(((f - 0.22) / 0.16) ** 2))
        zc = zc + self.kyphosis_m * 0.4 * np.exp(-(((f - 0.62) / 0.2) ** 2))
        y = self.bend_m * np.sin(np.pi * np.clip(f, -0.2, 1.2))
        return np.stack([sigma, y, zc], axis=1)

    def axis(self, sigma: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Core-axis point, lateral and dorsal unit vectors ``(K, 3)`` at ``sigma``."""
        p = self._axis_point(sigma)
        t = self._axis_point(sigma + 1e-4) - self._axis_point(sigma - 1e-4)
        t /= np.linalg.norm(t, axis=1, keepdims=True)
        lat = np.cross(np.array([0.0, 0.0, 1.0]), t)
        lat /= np.linalg.norm(lat, axis=1, keepdims=True)
        up = np.cross(t, lat)
        return p, lat, up

    def section(self, sigma: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Half-width, dorsal half-depth (above the axis) and exponent at ``sigma``."""
        c7 = self.sigma_c7
        xs = np.array([-0.30, -0.17, -0.08, 0.0, 0.30 * c7, 0.55 * c7, 0.8 * c7, c7])
        ws = np.array([0.92, 1.0, 0.98, 0.92, 0.0, 0.55, 0.97, 1.0])
        half = np.interp(sigma, xs, ws)
        lower = sigma < 0.30 * c7
        wl = self.waist_half_m + (self.pelvis_half_m - self.waist_half_m) * half
        wu = self.waist_half_m + (self.shoulder_half_m - self.waist_half_m) * half
        a = np.where(lower, wl, wu)
        f = sigma / c7
        dd = self.depth_m * (0.55 - 0.06 * np.clip((f - 0.8) / 0.2, 0, 1))
        dd = dd - self.lordosis_m * 0.6 * np.exp(-(((f - 0.22) / 0.16) ** 2))
        dd = dd + self.kyphosis_m * 0.6 * np.exp(-(((f - 0.62) / 0.2) ** 2))
        n = 2.3 + 0.8 * np.exp(-(((f - 0.35) / 0.3) ** 2))
        # Above C7: the sections shrink into the neck (the trapezius' slope).
        over = np.clip((sigma - c7) / (0.035 + 0.1 * (self.shoulder_half_m - 0.175)), 0, 1)
        shrink = np.sqrt(np.clip(1 - over**2, 0, 1))
        a = self.neck_half_m + (a - self.neck_half_m) * shrink
        neck_dd = 0.6 * self.depth_m - 0.45 * self.depth_m
        dd = neck_dd + (dd - neck_dd) * np.sqrt(np.clip(1 - np.clip(over * 1.6, 0, 1) ** 2, 0, 1))
        return a, dd, n

    def relief(self, sigma: FloatArray, yl: FloatArray, a: FloatArray) -> FloatArray:
        """Skin relief along the dorsal normal (m) at core σ and lateral offset ``yl``."""
        c7 = self.sigma_c7
        f = sigma / c7
        ay = np.abs(yl)
        furrow = -0.003 * np.exp(-((yl / 0.01) ** 2)) * np.clip((c7 - 0.03 - sigma) / 0.05, 0, 1)
        erect = 0.007 * np.clip(1.1 - f, 0, 1) * np.exp(-(((ay - 0.036) / 0.017) ** 2))
        s_ia = self.sigma_level(f"T{self.scap_level:.3f}".rstrip("0"))
        up = (sigma - s_ia) / 0.13
        width = 0.02 + 0.03 * np.clip(up, 0, 1)
        plate = np.exp(-(((ay - self.scap_lat_m - 0.01 * np.clip(up, 0, 1)) / width) ** 2))
        plate = plate * np.clip(up / 0.15, 0, 1) * np.exp(-(np.clip(up - 1.0, 0, None) ** 2) * 6)
        scap = 0.0045 * plate
        dimple = -0.0035 * np.exp(-(((ay - self.psis_lat_m) ** 2 + sigma**2) / 0.011**2))
        cleft = -0.02 * np.exp(-((yl / 0.011) ** 2)) * np.clip(-(sigma + 0.02) / 0.07, 0, 1)
        prom = self.prominens_m * np.exp(-(((sigma - c7) / 0.011) ** 2) - (yl / 0.009) ** 2)
        del a
        return np.asarray(furrow + erect + scap + dimple + cleft + prom)

    def skin(self, sigma: FloatArray, yl: FloatArray) -> FloatArray:
        """Dorsal skin points ``(K, 3)`` at core σ and lateral section coordinate ``yl``."""
        p, lat, up = self.axis(sigma)
        a, dd, n = self.section(sigma)
        r = np.clip(np.abs(yl) / a, 0, 1)
        zl = dd * np.clip(1 - r**n, 0, None) ** (1 / n) + self.relief(sigma, yl, a)
        return np.asarray(p + yl[:, None] * lat + zl[:, None] * up)

    # ------------------------------------------------------------------ samples
    def torso_points(self) -> FloatArray:
        sig = np.arange(-0.30, self.sigma_c7 + 0.09, STEP_M)
        a, _, _ = self.section(sig)
        pts = []
        for k in range(0, len(sig), 1):
            yl = np.arange(-a[k], a[k] + 1e-9, STEP_M)
            pts.append(self.skin(np.full_like(yl, sig[k]), yl))
        return np.concatenate(pts)

    def landmarks(self) -> dict[str, FloatArray]:
        """This body's landmarks on its skin, frame E."""
        c7 = self.sigma_c7
        s_ia = self.sigma_level(f"T{self.scap_level:.3f}".rstrip("0"))
        s_l4 = self.sigma_level("L4")
        a_l4 = float(self.section(np.array([s_l4]))[0][0])
        pts = {"C7": (c7, 0.0)}
        for side, g in (("left", 1.0), ("right", -1.0)):
            pts[f"psis_{side}"] = (0.0, g * self.psis_lat_m)
            pts[f"iliac_crest_top_{side}"] = (s_l4, g * self.crest_lat * a_l4)
            pts[f"scapula_inferior_angle_{side}"] = (s_ia, g * self.scap_lat_m)
        return {k: self.skin(np.array([s]), np.array([y]))[0] for k, (s, y) in pts.items()}

    def midline(self, n: int = 101) -> FloatArray:
        """The skin's dorsal midline from S2 (the PSIS level) to C7, frame E."""
        sig = np.linspace(0.0, self.sigma_c7, n)
        return self.skin(sig, np.zeros_like(sig))


def tube(
    axis_m: FloatArray, radius_m: FloatArray, height_m: FloatArray | None = None
) -> FloatArray:
    """Upper-half surface samples of a tube along ``axis_m (K, 3)``.

    The section is an ellipse of half-width ``radius_m`` and half-height ``height_m``
    (default: the radius), upright (its height along +z made square to the axis).
    """
    hgt = radius_m if height_m is None else height_m
    seg = np.linalg.norm(np.diff(axis_m, axis=0), axis=1)
    s = np.concatenate([[0.0], np.cumsum(seg)])
    ss = np.arange(0.0, s[-1], STEP_M)
    p = np.stack([np.interp(ss, s, axis_m[:, i]) for i in range(3)], axis=1)
    r = np.interp(ss, s, radius_m)
    h = np.interp(ss, s, hgt)
    t = np.gradient(p, axis=0)
    t /= np.maximum(np.linalg.norm(t, axis=1, keepdims=True), 1e-12)
    lat = np.cross(np.array([0.0, 0.0, 1.0]), t)
    lat /= np.maximum(np.linalg.norm(lat, axis=1, keepdims=True), 1e-12)
    up = np.cross(t, lat)
    out = []
    for k in range(len(ss)):
        nth = max(8, int(np.pi * max(r[k], h[k]) / STEP_M))
        th = np.linspace(-0.25, np.pi + 0.25, nth)
        out.append(p[k] + np.cos(th)[:, None] * r[k] * lat[k] + np.sin(th)[:, None] * h[k] * up[k])
    return np.concatenate(out)


def ellipsoid(centre: FloatArray, semi: FloatArray, yaw_rad: float) -> FloatArray:
    """Upper-half surface samples of an ellipsoid (semi-axes x, y, z; yawed about z)."""
    n_th = int(np.pi * max(semi) / STEP_M)
    out = []
    for th in np.linspace(0, 0.5 * np.pi, n_th // 2):
        ring = max(12, int(2 * np.pi * max(semi[:2]) * np.cos(th) / STEP_M))
        ph = np.linspace(0, 2 * np.pi, ring, endpoint=False)
        out.append(
            np.stack(
                [
                    semi[0] * np.cos(th) * np.cos(ph),
                    semi[1] * np.cos(th) * np.sin(ph),
                    np.full_like(ph, semi[2] * np.sin(th)),
                ],
                axis=1,
            )
        )
    pts = np.concatenate(out)
    c, s = np.cos(yaw_rad), np.sin(yaw_rad)
    rot = np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])
    return np.asarray(pts @ rot.T + centre)


def limb_points(body: LoftBody) -> FloatArray:
    """Head, neck, buttocks, legs, ankle bolster and arms (frame E)."""
    c7 = body.sigma_c7
    zc7 = float(body.axis(np.array([c7]))[0][0, 2])
    sh = body.shoulder_half_m
    parts = []
    neck_top = 0.6 * body.depth_m
    neck = np.array([[c7 - 0.01, 0, 0.0], [c7 + 0.10, 0, 0.0]])
    neck[:, 2] = [zc7, neck_top - body.neck_half_m * 0.9]
    parts.append(tube(neck, np.full(2, body.neck_half_m), np.full(2, body.neck_half_m * 0.9)))
    turn = body.head_turn_rad
    head_h = 0.085 - 0.02 * abs(np.sin(turn))
    parts.append(
        ellipsoid(np.array([c7 + 0.19, 0.0, 0.06]), np.array([0.105, 0.078, head_h + 0.06]), turn)
    )
    zb = 0.45 * body.depth_m
    for g in (1.0, -1.0):
        semi = np.array([0.125, 0.085, 0.55 * body.depth_m + body.glute_rise_m])
        parts.append(ellipsoid(np.array([-0.10, g * 0.07, zb]), semi, 0.0))
    for g in (1.0, -1.0):
        cen = np.array(
            [[-0.12, g * 0.08, zb - 0.01], [-0.55, g * 0.09, 0.075], [-0.62, g * 0.09, 0.07]]
        )
        parts.append(tube(cen, np.array([0.085, 0.06, 0.055]), np.array([zb, 0.075, 0.07])))
        low = np.array(
            [[-0.62, g * 0.09, 0.07], [-0.95, g * 0.095, 0.11], [-1.02, g * 0.095, 0.12]]
        )
        parts.append(tube(low, np.array([0.05, 0.038, 0.035])))
    parts.append(tube(np.array([[-0.97, -0.25, 0.07], [-0.97, 0.25, 0.07]]), np.full(2, 0.07)))
    for g in (1.0, -1.0):
        pose = body.arms
        if pose == "one_up":
            pose = "overhead" if g > 0 else "sides"
        s0 = np.array([c7 - 0.055, g * (sh + 0.02), 0.5 * body.depth_m - 0.045])
        if pose == "sides":
            el = np.array([c7 - 0.33, g * (sh + 0.05), 0.04])
            wr = np.array([c7 - 0.60, g * (sh + 0.035), 0.028])
        elif pose == "overhead":
            el = np.array([c7 + 0.24, g * (sh + 0.03), 0.045])
            wr = np.array([c7 + 0.47, g * 0.17, 0.03])
        elif pose == "elbows_out":
            el = np.array([c7 + 0.03, g * (sh + 0.21), 0.04])
            wr = np.array([c7 + 0.16, g * 0.075, 0.05])
        else:  # hanging beside the table: the upper arm goes down past its edge
            el = np.array([c7 - 0.10, g * (sh + 0.07), -0.25])
            wr = el + np.array([0.0, 0.0, -0.25])
        parts.append(tube(np.stack([s0, el]), np.array([0.048, 0.04])))
        parts.append(tube(np.stack([el, wr]), np.array([0.04, 0.028])))
    return np.concatenate(parts)
