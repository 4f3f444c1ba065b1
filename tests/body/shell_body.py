"""Fifth scan generator, body: a prone torso as a height field with explicit anatomy.

Written after the fit was tuned on the other four generators, without reading the fit
code, and run blind once (``bench/results/scan_blind_fifth_first_run.json``).

Frame F: x cranial along the spine with x = 0 at the PSIS level and x = ``c7_m`` at
C7, y toward the client's left, z up with the table top at z = 0. The torso is a stack
of superellipse cross-sections ``|y/a|^n + |z/b|^n = 1`` whose half-width ``a(x)``,
height ``b(x)`` and exponent ``n(x)`` are piecewise-cubic through this body's own key
levels (hips, iliac crests, waist, lower ribs, scapular tips, shoulders); on it sit
explicit bumps and pits: the spinal furrow, two erector ridges, two scapular plates
(rounded triangles, raised 3–6 mm, their lowest corner the inferior angle), the two
dimples of Venus over the PSIS (pits 2–4 mm deep), the C7 prominens, the gluteal
cleft. The buttocks start below the PSIS and the dimples stay visible. Head (face down
or turned), neck, legs and arms (sides, overhead, elbows out, hanging, one up) are
ellipsoids and capsules.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.interpolate import PchipInterpolator

FloatArray = NDArray[np.float64]
ARM_POSES_S = ("sides", "overhead", "elbows_out", "hanging", "one_up")


def _smoothstep(t: FloatArray) -> FloatArray:
    t = np.clip(t, 0.0, 1.0)
    return np.asarray(t * t * (3 - 2 * t))


def _capsule(
    x: FloatArray,
    y: FloatArray,
    a: tuple[float, float],
    b: tuple[float, float],
    r0: float,
    r1: float,
    z0: float,
    z1: float,
) -> FloatArray:
    """Top of a capsule (radius r, axis height z) from a to b; -inf off it."""
    dx, dy = b[0] - a[0], b[1] - a[1]
    ll = max(dx * dx + dy * dy, 1e-12)
    t = np.clip(((x - a[0]) * dx + (y - a[1]) * dy) / ll, 0, 1)
    r = r0 + (r1 - r0) * t
    zc = z0 + (z1 - z0) * t
    d2 = (x - a[0] - t * dx) ** 2 + (y - a[1] - t * dy) ** 2
    return np.asarray(np.where(d2 < r * r, zc + np.sqrt(np.clip(r * r - d2, 0, None)), -np.inf))


@dataclass(frozen=True)
class ShellBody:
    c7_m: float
    shoulder_half_m: float
    rib_half_m: float
    waist_half_m: float
    hip_half_m: float
    height_m: float  # torso top above the table at the thorax
    lumbar_dip_m: float
    waist_frac: float  # waist level, fraction of the back
    crest_x_m: float  # iliac crest tops, above the PSIS
    crest_lat: float  # fraction of the local half-width
    tip_frac: float  # scapular inferior angle, fraction of the back from C7
    tip_lat_m: float
    plate_rise_m: float
    psis_lat_m: float
    dimple_depth_m: float
    dimple_sigma_m: float
    glute_top_m: float  # buttocks' upper edge below the PSIS
    glute_rise_m: float
    bend_m: float
    prominens_m: float
    arms: str
    head_turn_rad: float

    @staticmethod
    def draw(rng: np.random.Generator, arms: str | None = None) -> ShellBody:
        sh = float(rng.uniform(0.17, 0.24))
        waist = sh * float(rng.uniform(0.70, 0.85))
        return ShellBody(
            c7_m=float(rng.uniform(0.45, 0.58)),
            shoulder_half_m=sh,
            rib_half_m=sh * float(rng.uniform(0.82, 0.92)),
            waist_half_m=waist,
            hip_half_m=waist * float(rng.uniform(1.05, 1.28)),
            height_m=float(rng.uniform(0.17, 0.25)),
            lumbar_dip_m=float(rng.uniform(0.008, 0.03)),
            waist_frac=float(rng.uniform(0.26, 0.36)),
            crest_x_m=float(rng.uniform(0.05, 0.09)),
            crest_lat=float(rng.uniform(0.75, 0.9)),
            tip_frac=float(rng.uniform(0.33, 0.43)),
            tip_lat_m=float(rng.uniform(0.075, 0.10)) * sh / 0.205,
            plate_rise_m=float(rng.uniform(0.003, 0.006)),
            psis_lat_m=float(rng.uniform(0.035, 0.055)),
            dimple_depth_m=float(rng.uniform(0.002, 0.004)),
            dimple_sigma_m=float(rng.uniform(0.007, 0.011)),
            glute_top_m=float(rng.uniform(0.02, 0.05)),
            glute_rise_m=float(rng.uniform(0.015, 0.05)),
            bend_m=float(rng.uniform(-0.012, 0.012)),
            prominens_m=float(rng.uniform(0.002, 0.005)),
            arms=arms if arms is not None else str(rng.choice(ARM_POSES_S)),
            head_turn_rad=float(rng.uniform(-0.6, 0.6)),
        )

    # ------------------------------------------------------------------ torso (F)
    def spine_y(self, x: FloatArray) -> FloatArray:
        return np.asarray(self.bend_m * np.sin(np.pi * np.clip(x / self.c7_m, -0.2, 1.1)))

    def _sections(self) -> tuple[PchipInterpolator, PchipInterpolator, PchipInterpolator]:
        c7, h = self.c7_m, self.height_m
        wx = self.waist_frac * c7
        keys = [  # x, half-width, height, exponent
            (-0.25, self.hip_half_m * 0.96, h - 0.035, 2.3),
            (-0.10, self.hip_half_m, h - 0.025, 2.5),
            (self.crest_x_m, 0.5 * (self.hip_half_m + self.waist_half_m), h - 0.02, 2.8),
            (wx, self.waist_half_m, h - 0.015 - self.lumbar_dip_m, 3.0),
            (0.55 * c7, self.rib_half_m, h - 0.005, 3.0),
            (c7 * (1 - self.tip_frac), 0.5 * (self.rib_half_m + self.shoulder_half_m), h, 2.8),
            (0.88 * c7, self.shoulder_half_m, h - 0.008, 2.5),
            (c7 + 0.02, self.shoulder_half_m * 0.97, h - 0.03, 2.3),
        ]
        xk = np.array([k[0] for k in keys])
        return tuple(  # type: ignore[return-value]
            PchipInterpolator(xk, [k[i] for k in keys], extrapolate=True) for i in (1, 2, 3)
        )

    def torso(self, x: FloatArray, y: FloatArray) -> FloatArray:
        half, top, expo = self._sections()
        xc = np.clip(x, -0.25, self.c7_m + 0.02)
        a, b, n = half(xc), top(xc), expo(xc)
        yy = y - self.spine_y(x)
        r = np.abs(yy) / a
        z = b * np.clip(1 - r**n, 0, None) ** (1 / n)
        # Above C7 the shoulders' top rounds down over 5 cm (the trapezius into the neck).
        over = np.clip((x - self.c7_m) / 0.05, 0, None)
        z = z * np.sqrt(np.clip(1 - over**2, 0, None))
        z = z + self.relief(x, yy)
        return np.asarray(np.where((r < 1) & (x > -0.25) & (over < 1), z, -np.inf))

    def relief(self, x: FloatArray, yy: FloatArray) -> FloatArray:
        c7 = self.c7_m
        ay = np.abs(yy)
        f = np.clip(x / c7, 0, 1)
        furrow = -0.003 * np.exp(-((yy / 0.008) ** 2)) * _smoothstep((c7 - x) / 0.05)
        erect = (
            0.005
            * (1.1 - f)
            * np.exp(-(((ay - 0.033) / 0.015) ** 2))
            * _smoothstep((x + 0.01) / 0.04)
        )
        # Scapular plate: rounded triangle, lowest corner at (x_tip, tip_lat), medial
        # border rising slightly medial-ward, lateral border out to the armpit.
        x_tip = c7 * (1 - self.tip_frac)
        up = x - x_tip
        med = self.tip_lat_m - 0.15 * np.clip(up, 0, None)  # medial border
        lat = self.tip_lat_m + 0.55 * np.clip(up, 0, None)  # lateral border
        inside = np.minimum.reduce([ay - med, lat - ay, up, (x_tip + 0.15) - x])
        plate = self.plate_rise_m * _smoothstep(inside / 0.008 + 0.5)
        dimple = -self.dimple_depth_m * np.exp(
            -((ay - self.psis_lat_m) ** 2 + x**2) / (2 * self.dimple_sigma_m**2)
        )
        cleft = -0.018 * np.exp(-((yy / 0.011) ** 2)) * _smoothstep(-(x + 0.03) / 0.06)
        prom = self.prominens_m * np.exp(-(((x - c7) / 0.012) ** 2) - (yy / 0.01) ** 2)
        return np.asarray(furrow + erect + plate + dimple + cleft + prom)

    def glutes(self, x: FloatArray, y: FloatArray) -> FloatArray:
        _, top, _ = self._sections()
        base = float(top(np.array([-0.10]))[0])
        out = np.full_like(x, -np.inf)
        for g in (1.0, -1.0):
            cx = -self.glute_top_m - 0.11
            e = 1 - ((x - cx) / 0.11) ** 2 - ((y - g * 0.075) / 0.085) ** 2
            h = base - 0.03 + (self.glute_rise_m + 0.03) * np.sqrt(np.clip(e, 0, None))
            out = np.maximum(out, np.where(e > 0, h, -np.inf))
        return out

    def limbs(self, x: FloatArray, y: FloatArray) -> FloatArray:
        c7, sh, h = self.c7_m, self.shoulder_half_m, self.height_m
        out = _capsule(x, y, (c7 - 0.03, 0.0), (c7 + 0.09, 0.0), 0.058, 0.055, h - 0.1, h - 0.11)
        hx, hy = x - (c7 + 0.2), y
        ct, st = np.cos(self.head_turn_rad), np.sin(self.head_turn_rad)
        u, v = ct * hx + st * hy, -st * hx + ct * hy
        e = 1 - (u / 0.11) ** 2 - (v / (0.075 + 0.02 * abs(st))) ** 2
        out = np.maximum(
            out, np.where(e > 0, 0.03 + (0.1 + 0.04 * ct) * np.sqrt(np.clip(e, 0, None)), -np.inf)
        )
        for g in (1.0, -1.0):
            out = np.maximum(
                out, _capsule(x, y, (-0.2, g * 0.08), (-0.6, g * 0.09), 0.08, 0.06, 0.07, 0.055)
            )
            out = np.maximum(
                out, _capsule(x, y, (-0.6, g * 0.09), (-1.0, g * 0.1), 0.055, 0.04, 0.05, 0.05)
            )
            pose = self.arms
            if pose == "one_up":
                pose = "overhead" if g > 0 else "sides"
            s0 = (c7 - 0.05, g * (sh + 0.02))
            if pose == "sides":
                el, wr = (c7 - 0.33, g * (sh + 0.05)), (c7 - 0.6, g * (sh + 0.04))
            elif pose == "overhead":
                el, wr = (c7 + 0.23, g * (sh + 0.03)), (c7 + 0.46, g * 0.15)
            elif pose == "elbows_out":
                el, wr = (c7 + 0.02, g * (sh + 0.2)), (c7 + 0.16, g * 0.07)
            else:  # hanging off the table's side: only the shoulder's top is seen
                el = wr = (c7 - 0.1, g * (sh + 0.07))
            out = np.maximum(out, _capsule(x, y, s0, el, 0.048, 0.042, 0.05, 0.04))
            if wr != el:
                out = np.maximum(out, _capsule(x, y, el, wr, 0.04, 0.03, 0.04, 0.03))
        return out

    def height(self, x: FloatArray, y: FloatArray) -> FloatArray:
        """The scene's top surface over the table (z = 0 the table top), frame F."""
        h = np.maximum(self.torso(x, y), self.glutes(x, y))
        return np.asarray(np.maximum(np.maximum(h, self.limbs(x, y)), 0.0))

    # ------------------------------------------------------------------ truth (F)
    def landmarks(self) -> dict[str, FloatArray]:
        half, _, _ = self._sections()
        c7 = self.c7_m
        x_tip = c7 * (1 - self.tip_frac)
        crest_off = self.crest_lat * float(half(np.array([self.crest_x_m]))[0])
        pts: dict[str, tuple[float, float]] = {"C7": (c7, 0.0)}
        for side, g in (("left", 1.0), ("right", -1.0)):
            pts[f"psis_{side}"] = (0.0, g * self.psis_lat_m)
            pts[f"iliac_crest_top_{side}"] = (self.crest_x_m, g * crest_off)
            pts[f"scapula_inferior_angle_{side}"] = (x_tip, g * self.tip_lat_m)
        out = {}
        for name, (x, dy) in pts.items():
            xa = np.array([x])
            ya = self.spine_y(xa) + dy
            out[name] = np.array([x, float(ya[0]), float(self.height(xa, ya)[0])])
        return out

    def midline(self, n: int = 201) -> FloatArray:
        x = np.linspace(0.0, self.c7_m, n)
        y = self.spine_y(x)
        return np.stack([x, y, self.height(x, y)], axis=1)
