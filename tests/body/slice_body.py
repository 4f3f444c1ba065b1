"""A third independent scan generator's body: a stack of elliptical cross-sections.

Written after the fit was calibrated on ``scan_sim`` and ``phantom`` and run blind on
it first (``bench/results/scan_blind_first_run.json``). It shares no code or
proportions with either: the torso is a stack of super-elliptical cross-sections whose
half-width, height and squareness are interpolated (PCHIP) between anatomical key
levels drawn from their own adult ranges (trochanters, buttocks, PSIS, iliac crests,
waist, lower ribs, inferior angles of the scapulae, armpits, shoulders, C7, neck);
on it sit its own surface relief (spinal furrow, erector bulges, scapular plates
whose lower tips are the inferior angles, PSIS dimples, the gluteal cleft) and a
lateral S-curve of the spine. Head (turned or face down), neck, legs and arms (at the
sides, overhead, hanging off the table, or elbows out with the hands under the
forehead) are elliptical-section limbs.

Frame E (this body's own): x cranial, y the client's left, z up from the table top,
origin on the table under the PSIS midpoint. Landmarks are placed by this file's
anatomy, on the skin.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from scipy.interpolate import PchipInterpolator

FloatArray = NDArray[np.float64]
ARM_POSES_E = ("sides", "overhead", "hanging", "elbows_out", "one_up")


@dataclass(frozen=True)
class SliceBody:
    """Drawn anatomy (metres, frame E)."""

    x_c7: float  # C7 level (PSIS at x = 0)
    shoulder_half: float  # acromion half-breadth
    rib_half: float
    waist_half: float
    hip_half: float  # at the trochanters
    depth_thorax: float  # skin height above the table at T7
    depth_lumbar: float
    depth_glute: float  # buttock apex height
    glute_x: float  # buttock apex (x < 0)
    crest_x: float  # iliac crest tops
    crest_lat: float  # of the local half-width
    psis_lat: float  # lateral offset of the PSIS dimples
    scap_frac: float  # inferior angle: fraction of x_c7 below C7
    scap_lat: float  # lateral offset of the inferior angles
    neck_half: float
    trapezius_rise: float  # shoulder line above C7 level (x)
    s_curve: float  # lateral spine curve amplitude
    furrow: float  # spinal furrow depth
    arms: str
    head_turn_rad: float
    prominens: float = 0.0  # height of C7's spinous process bump on the skin
    rng_seed: int = 0
    extras: dict[str, float] = field(default_factory=dict)

    @staticmethod
    def draw(rng: np.random.Generator, arms: str | None = None) -> SliceBody:
        x_c7 = float(rng.uniform(0.44, 0.58))
        sh = float(rng.uniform(0.18, 0.235))
        waist = sh * float(rng.uniform(0.68, 0.84))
        return SliceBody(
            x_c7=x_c7,
            shoulder_half=sh,
            rib_half=sh * float(rng.uniform(0.80, 0.90)),
            waist_half=waist,
            hip_half=waist * float(rng.uniform(1.08, 1.30)),
            depth_thorax=float(rng.uniform(0.17, 0.26)),
            depth_lumbar=float(rng.uniform(0.14, 0.22)),
            depth_glute=float(rng.uniform(0.02, 0.06)),
            glute_x=-float(rng.uniform(0.07, 0.12)),
            crest_x=float(rng.uniform(0.05, 0.09)),
            crest_lat=float(rng.uniform(0.72, 0.88)),
            psis_lat=float(rng.uniform(0.035, 0.055)),
            scap_frac=float(rng.uniform(0.36, 0.42)),
            scap_lat=float(rng.uniform(0.07, 0.10)) * sh / 0.2,
            neck_half=float(rng.uniform(0.05, 0.065)),
            trapezius_rise=float(rng.uniform(-0.01, 0.025)),
            s_curve=float(rng.uniform(-0.008, 0.008)),
            furrow=float(rng.uniform(0.002, 0.005)),
            arms=arms if arms is not None else str(rng.choice(ARM_POSES_E)),
            head_turn_rad=float(rng.uniform(-0.5, 0.5)),
            prominens=float(rng.uniform(0.002, 0.005)),
        )

    # ------------------------------------------------------------------ torso (E)
    def spine_y(self, x: FloatArray) -> FloatArray:
        f = np.clip(x / self.x_c7, -0.2, 1.1)
        return np.asarray(self.s_curve * np.sin(2 * np.pi * f))

    def _profiles(self) -> tuple[PchipInterpolator, PchipInterpolator, PchipInterpolator]:
        c7 = self.x_c7
        depth_pelvis = 0.5 * (self.depth_lumbar + self.depth_thorax) - 0.01
        keys = [
            # x, half-width, midline height, squareness exponent
            (-0.26, self.hip_half * 0.95, depth_pelvis - 0.03, 2.2),
            (-0.17, self.hip_half, depth_pelvis, 2.4),
            (self.glute_x, self.hip_half * 0.97, depth_pelvis + 0.005, 2.6),
            (0.0, self.hip_half * 0.9, depth_pelvis - 0.005, 2.8),
            (self.crest_x, 0.5 * (self.hip_half + self.waist_half), self.depth_lumbar + 0.004, 3.0),
            (0.30 * c7, self.waist_half, self.depth_lumbar, 3.0),
            (0.50 * c7, self.rib_half, 0.5 * (self.depth_lumbar + self.depth_thorax), 3.0),
            (
                c7 * (1 - self.scap_frac),
                0.5 * (self.rib_half + self.shoulder_half),
                self.depth_thorax,
                2.8,
            ),
            (c7 * 0.85, self.shoulder_half * 0.98, self.depth_thorax - 0.005, 2.6),
            (c7 + self.trapezius_rise - 0.02, self.shoulder_half, self.depth_thorax - 0.02, 2.4),
        ]
        xk = np.array([k[0] for k in keys])
        return (
            PchipInterpolator(xk, [k[1] for k in keys], extrapolate=True),
            PchipInterpolator(xk, [k[2] for k in keys], extrapolate=True),
            PchipInterpolator(xk, [k[3] for k in keys], extrapolate=True),
        )

    def torso(self, x: FloatArray, y: FloatArray) -> FloatArray:
        half, top, expo = self._profiles()
        x_end = self.x_c7 + 0.04 + self.trapezius_rise
        xc = np.clip(x, -0.30, self.x_c7 + self.trapezius_rise - 0.02)
        a = half(xc)
        b = top(xc)
        n = expo(xc)
        yy = y - self.spine_y(x)
        r = np.abs(yy) / a
        inside = np.clip(1 - r**n, 0, None)
        z = b * inside ** (1 / n)
        # The shoulder line: from C7 (the base of the neck) the cross-sections round off
        # to the trapezius' top, 3-6.5 cm cranial of it.
        over = np.clip((x - self.x_c7) / (x_end - self.x_c7), 0, None)
        z = z * np.sqrt(np.clip(1 - over**2, 0, None))
        z = z + self._relief(x, yy, a)
        ok = (r < 1) & (x > -0.30) & (over < 1)
        return np.asarray(np.where(ok, z, -np.inf))

    def _relief(self, x: FloatArray, yy: FloatArray, a: FloatArray) -> FloatArray:
        c7 = self.x_c7
        along = np.clip(x / c7, 0, 1)
        furrow = -self.furrow * np.exp(-((yy / 0.009) ** 2)) * (x > 0.0)
        furrow = furrow * np.clip((c7 - x) / 0.04, 0, 1)  # gone at the prominens
        erect = 0.006 * (1.2 - along) * np.exp(-(((np.abs(yy) - 0.038) / 0.02) ** 2)) * (x > -0.02)
        # Scapular plates: a raised triangle, tip (inferior angle) at (x_ia, scap_lat).
        x_ia = c7 * (1 - self.scap_frac)
        up = (x - x_ia) / (0.16 * c7 / 0.5)
        lat = (np.abs(yy) - self.scap_lat) / 0.035
        plate = np.clip(up, 0, 1) > 0
        tri = np.exp(-((lat / np.maximum(0.3 + up, 0.3)) ** 2)) * np.clip(up * 4, 0, 1)
        scap = 0.005 * tri * plate * np.exp(-(np.clip(up - 1, 0, None) ** 2) * 4)
        dimple = -0.003 * np.exp(-(((np.abs(yy) - self.psis_lat) ** 2 + x**2) / 0.012**2))
        cleft = -0.015 * np.exp(-((yy / 0.012) ** 2)) * np.clip(-x / 0.06, 0, 1)
        # The vertebra prominens (C7's spinous process): a raised-cosine bump.
        rr = np.hypot((x - c7) / 0.015, yy / 0.012)
        prom = self.prominens * (0.5 + 0.5 * np.cos(np.pi * np.clip(rr, 0, 1)))
        return np.asarray(furrow + erect + scap + dimple + cleft + prom)

    def glutes(self, x: FloatArray, y: FloatArray) -> FloatArray:
        out = np.full_like(x, -np.inf)
        _, top, _ = self._profiles()
        base = float(top(np.array([self.glute_x]))[0])
        for g in (1.0, -1.0):
            e = 1 - ((x - self.glute_x) / 0.13) ** 2 - ((y - g * 0.07) / 0.09) ** 2
            h = base - 0.02 + (self.depth_glute + 0.02) * np.sqrt(np.clip(e, 0, None))
            out = np.maximum(out, np.where(e > 0, h, -np.inf))
        return out

    # ------------------------------------------------------------------ limbs (E)
    def limbs(self, x: FloatArray, y: FloatArray) -> FloatArray:
        out = np.full_like(x, -np.inf)
        c7, sh = self.x_c7, self.shoulder_half
        neck_top = self.depth_thorax * 0.62
        out = np.maximum(
            out,
            _limb(
                x,
                y,
                (c7 - 0.04, 0.0),
                (c7 + 0.09, 0.0),
                self.neck_half,
                self.neck_half * 0.95,
                neck_top,
                neck_top,
            ),
        )
        hc = (c7 + 0.20, 0.0)
        ct, st = np.cos(self.head_turn_rad), np.sin(self.head_turn_rad)
        hx, hy = x - hc[0], y - hc[1]
        u, v = ct * hx + st * hy, -st * hx + ct * hy
        wid = 0.075 + 0.015 * abs(st)
        e = 1 - (u / 0.105) ** 2 - (v / wid) ** 2
        head_h = 0.10 + 0.05 * (1 - abs(st))
        out = np.maximum(
            out, np.where(e > 0, 0.03 + head_h * np.sqrt(np.clip(e, 0, None)), -np.inf)
        )
        for g in (1.0, -1.0):
            y0 = g * 0.075
            out = np.maximum(
                out, _limb(x, y, (-0.2, y0), (-0.62, g * 0.09), 0.085, 0.06, 0.14, 0.11)
            )
            out = np.maximum(
                out, _limb(x, y, (-0.62, g * 0.09), (-1.0, g * 0.10), 0.055, 0.04, 0.10, 0.08)
            )
        for g in (1.0, -1.0):
            pose = self.arms
            if pose == "one_up":
                pose = "overhead" if g > 0 else "sides"
            s0 = (c7 - 0.06, g * (sh + 0.015))
            if pose == "sides":
                el = (c7 - 0.34, g * (sh + 0.045))
                wr = (c7 - 0.62, g * (sh + 0.03))
            elif pose == "overhead":
                el = (c7 + 0.22, g * (sh + 0.02))
                wr = (c7 + 0.45, g * 0.16)
            elif pose == "elbows_out":  # hands under the forehead
                el = (c7 + 0.02, g * (sh + 0.20))
                wr = (c7 + 0.17, g * 0.07)
            else:  # hanging off the table: the upper arm's top at the edge
                el = (c7 - 0.12, g * (sh + 0.06))
                wr = el
                out = np.maximum(out, _limb(x, y, s0, el, 0.05, 0.045, 0.06, 0.02))
                continue
            out = np.maximum(out, _limb(x, y, s0, el, 0.05, 0.042, 0.085, 0.075))
            out = np.maximum(out, _limb(x, y, el, wr, 0.042, 0.03, 0.075, 0.055))
        return out

    def height(self, x: FloatArray, y: FloatArray) -> FloatArray:
        h = np.maximum(self.torso(x, y), self.glutes(x, y))
        return np.asarray(np.maximum(np.maximum(h, self.limbs(x, y)), 0.0))

    # ------------------------------------------------------------------ truth (E)
    def landmarks(self) -> dict[str, FloatArray]:
        half, _, _ = self._profiles()
        c7 = self.x_c7
        x_ia = c7 * (1 - self.scap_frac)
        crest_off = self.crest_lat * float(half(np.array([self.crest_x]))[0])
        pts: dict[str, tuple[float, float]] = {"C7": (c7, 0.0)}
        for side, g in (("left", 1.0), ("right", -1.0)):
            pts[f"psis_{side}"] = (0.0, g * self.psis_lat)
            pts[f"iliac_crest_top_{side}"] = (self.crest_x, g * crest_off)
            pts[f"scapula_inferior_angle_{side}"] = (x_ia, g * self.scap_lat)
        out = {}
        for name, (x, dy) in pts.items():
            xa = np.array([x])
            ya = self.spine_y(xa) + dy
            out[name] = np.array([x, float(ya[0]), float(self.height(xa, ya)[0])])
        return out

    def midline(self, n: int = 101) -> FloatArray:
        x = np.linspace(0.0, self.x_c7, n)
        y = self.spine_y(x)
        return np.stack([x, y, self.height(x, y)], axis=1)


def _limb(
    x: FloatArray,
    y: FloatArray,
    a: tuple[float, float],
    b: tuple[float, float],
    w0: float,
    w1: float,
    h0: float,
    h1: float,
) -> FloatArray:
    """A limb of elliptical cross-section (half-width w, top height h) from a to b."""
    dx, dy = b[0] - a[0], b[1] - a[1]
    ll = dx * dx + dy * dy
    if ll < 1e-12:
        return np.full_like(x, -np.inf)
    t = np.clip(((x - a[0]) * dx + (y - a[1]) * dy) / ll, 0, 1)
    w = w0 + (w1 - w0) * t
    h = h0 + (h1 - h0) * t
    d2 = ((x - a[0] - t * dx) ** 2 + (y - a[1] - t * dy) ** 2) / (w * w)
    return np.asarray(np.where(d2 < 1, h * np.sqrt(np.clip(1 - d2, 0, None)), -np.inf))
