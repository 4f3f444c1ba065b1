"""An independent scan generator (the scan fit was never tuned on it).

It shares nothing with ``backstroke.body.scan_sim`` (which builds its client from the
parametric BackModel): here the client is a union of superquadric and ellipsoid
solids with their own proportions, the landmarks come from this file's own anatomy
(randomised within adult ranges), and the camera is a perspective pinhole that casts
rays into the scene, with depth noise growing as the square of the distance,
disparity quantisation, grazing-angle dropout, pixel dropout and stripe holes, and
flying pixels that mix the depths of neighbouring pixels across depth edges.

Frame Q (the phantom's own): x cranial, y the client's left, z up from the table top,
origin on the table under the PSIS midpoint. The scan frame S is Q yawed and shifted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
ARM_POSES = ("sides", "overhead", "hanging", "mixed")


@dataclass(frozen=True)
class Phantom:
    """Drawn proportions (metres): torso, back length, landmarks' anatomy."""

    back_length_m: float
    shoulder_half_m: float
    waist_half_m: float
    hip_half_m: float
    torso_top_m: float  # back height above the table at the thorax
    lordosis_m: float
    kyphosis_m: float
    bend_m: float  # lateral bend of the spine across the back (pose)
    shoulder_top_above_c7_m: float
    t7_fraction: float
    scap_lateral_fraction: float
    crest_fraction: float
    crest_lateral_fraction: float
    psis_lateral_fraction: float
    arms: str
    leg_gap_m: float
    prominens_m: float = 0.0  # the C7 spinous process' bump on the skin

    @staticmethod
    def draw(rng: np.random.Generator, arms: str | None = None) -> Phantom:
        sw = rng.uniform(0.36, 0.46)
        return Phantom(
            back_length_m=float(np.clip(rng.normal(0.51, 0.035), 0.43, 0.60)),
            shoulder_half_m=sw / 2,
            waist_half_m=sw / 2 * rng.uniform(0.70, 0.82),
            hip_half_m=sw / 2 * rng.uniform(0.80, 0.92),
            torso_top_m=rng.uniform(0.19, 0.25),
            lordosis_m=rng.uniform(0.010, 0.030),
            kyphosis_m=rng.uniform(0.010, 0.030),
            bend_m=rng.uniform(-0.012, 0.012),
            shoulder_top_above_c7_m=rng.uniform(0.005, 0.03),
            t7_fraction=rng.uniform(0.36, 0.42),
            scap_lateral_fraction=rng.uniform(0.18, 0.22),
            crest_fraction=rng.uniform(0.12, 0.17),
            crest_lateral_fraction=rng.uniform(0.38, 0.46),
            psis_lateral_fraction=rng.uniform(0.13, 0.17),
            arms=arms if arms is not None else str(rng.choice(ARM_POSES)),
            leg_gap_m=rng.uniform(0.0, 0.06),
            prominens_m=rng.uniform(0.002, 0.005),
        )

    # ------------------------------------------------------------------ geometry (Q)
    @property
    def x_c7(self) -> float:
        return self.back_length_m

    def mid_y(self, x: FloatArray) -> FloatArray:
        """Lateral position of the spine (a gentle bend), frame Q."""
        f = np.clip(x / self.back_length_m, -0.3, 1.2)
        return np.asarray(self.bend_m * 4 * f * (1 - f))

    def half_width(self, x: FloatArray) -> FloatArray:
        f = x / self.back_length_m
        waist_f = 0.3
        lower = self.hip_half_m + (self.waist_half_m - self.hip_half_m) * np.sin(
            0.5 * np.pi * np.clip(f / waist_f, 0, 1)
        )
        upper = self.waist_half_m + (self.shoulder_half_m - self.waist_half_m) * (
            0.5 - 0.5 * np.cos(np.pi * np.clip((f - waist_f) / 0.55, 0, 1))
        )
        return np.asarray(np.where(f < waist_f, lower, upper))

    def crown(self, x: FloatArray) -> FloatArray:
        """Midline height of the torso's top (lumbar dip, thoracic hump), frame Q."""
        f = x / self.back_length_m
        h = self.torso_top_m - self.lordosis_m * np.exp(-(((f - 0.25) / 0.15) ** 2))
        h = h + self.kyphosis_m * np.exp(-(((f - 0.62) / 0.22) ** 2)) - 0.5 * self.kyphosis_m
        # The torso's top rounds off above the shoulders.
        over = np.clip((x - self.x_c7 + 0.01) / (self.shoulder_top_above_c7_m + 0.05), 0, 1)
        return np.asarray(h - 0.05 * over**2)

    def torso(self, x: FloatArray, y: FloatArray) -> FloatArray:
        """Superellipse cross-sections with a paraspinal valley and scapular relief."""
        a = self.half_width(x)
        yy = y - self.mid_y(x)
        top = self.crown(x)
        p = 2.6
        r = np.clip(np.abs(yy) / a, 0, None)
        z = top * np.power(np.clip(1 - r**p, 0, None), 1 / p)
        f = x / self.back_length_m
        erector = (0.008 * (1 - f) + 0.003) * (
            np.exp(-(((np.abs(yy) - 0.035) / 0.018) ** 2)) - 0.6 * np.exp(-((yy / 0.008) ** 2))
        )
        sc_x = self.x_c7 - self.t7_fraction * self.back_length_m
        scap = 0.004 * np.exp(
            -(((x - sc_x - 0.06) / 0.07) ** 2)
            - ((np.abs(yy) - self.scap_lateral_fraction * 2 * self.shoulder_half_m - 0.01) / 0.04)
            ** 2
        )
        # The vertebra prominens: C7's spinous process, a bump at the base of the neck.
        bump = self.prominens_m * np.exp(-(((x - self.x_c7) / 0.012) ** 2) - (yy / 0.01) ** 2)
        z = z + erector + scap + bump
        # Shoulder tops: the torso's top rounds off from C7 (the base of the neck) to the
        # shoulder line 3-6 cm cranial of it.
        end = np.clip((x - self.x_c7) / (self.shoulder_top_above_c7_m + 0.03), 0, None)
        z = np.where(end < 1, z * np.sqrt(np.clip(1 - end**2, 0, 1)), -np.inf)
        # Pelvis: the torso continues below the PSIS into the buttocks.
        return np.asarray(np.where((r < 1) & (x > -0.30), z, -np.inf))

    def glutes(self, x: FloatArray, y: FloatArray) -> FloatArray:
        out = np.full_like(x, -np.inf)
        for g in (1.0, -1.0):
            cx, cy = -0.095, g * 0.075
            e = 1 - ((x - cx) / 0.12) ** 2 - ((y - cy) / 0.085) ** 2
            h = self.crown(np.zeros_like(x)) - 0.035 + 0.06 * np.sqrt(np.clip(e, 0, None))
            out = np.maximum(out, np.where(e > 0, h, -np.inf))
        return out

    def limbs(self, x: FloatArray, y: FloatArray) -> FloatArray:
        out = np.full_like(x, -np.inf)
        c7 = self.x_c7
        # neck and head
        out = np.maximum(out, _ellipsoid(x, y, (c7 + 0.04, 0.0), (0.07, 0.058), 0.03, 0.15))
        out = np.maximum(out, _ellipsoid(x, y, (c7 + 0.18, 0.0), (0.115, 0.082), 0.09, 0.11))
        # legs
        for g in (1.0, -1.0):
            y0 = g * (0.07 + 0.5 * self.leg_gap_m)
            out = np.maximum(out, _rod(x, y, (-0.15, y0), (-0.95, y0 * 1.3), 0.085, 0.055))
        sh = self.shoulder_half_m
        for g in (1.0, -1.0):
            pose = self.arms if self.arms != "mixed" else ("sides" if g > 0 else "overhead")
            s0 = (c7 - 0.05, g * (sh + 0.01))
            if pose == "sides":
                out = np.maximum(out, _rod(x, y, s0, (c7 - 0.62, g * (sh + 0.07)), 0.05, 0.035))
            elif pose == "overhead":
                out = np.maximum(out, _rod(x, y, s0, (c7 + 0.50, g * 0.22), 0.05, 0.035))
            else:
                out = np.maximum(out, _rod(x, y, s0, (c7 - 0.10, g * (sh + 0.05)), 0.05, 0.02))
        return out

    def height(self, x: FloatArray, y: FloatArray) -> FloatArray:
        """Top surface height over the table (0 = table top), frame Q."""
        h = np.maximum(self.torso(x, y), self.glutes(x, y))
        return np.maximum(np.maximum(h, self.limbs(x, y)), 0.0)

    def landmarks(self) -> dict[str, FloatArray]:
        """This phantom's own landmarks on its skin, frame Q."""
        L = self.back_length_m
        ww, sw = 2 * self.waist_half_m, 2 * self.shoulder_half_m
        pts: dict[str, tuple[float, float]] = {"C7": (self.x_c7, 0.0)}
        for side, g in (("left", 1.0), ("right", -1.0)):
            pts[f"psis_{side}"] = (0.0, g * self.psis_lateral_fraction * ww)
            pts[f"iliac_crest_top_{side}"] = (
                self.crest_fraction * L,
                g * self.crest_lateral_fraction * ww,
            )
            pts[f"scapula_inferior_angle_{side}"] = (
                self.x_c7 - self.t7_fraction * L,
                g * self.scap_lateral_fraction * sw,
            )
        out = {}
        for name, (x, dy) in pts.items():
            xa = np.array([x])
            ya = self.mid_y(xa) + dy
            out[name] = np.array([x, float(ya[0]), float(self.height(xa, ya)[0])])
        return out

    def midline(self, n: int = 101) -> FloatArray:
        x = np.linspace(0.0, self.x_c7, n)
        y = self.mid_y(x)
        return np.stack([x, y, self.height(x, y)], axis=1)


def _ellipsoid(
    x: FloatArray,
    y: FloatArray,
    c: tuple[float, float],
    ab: tuple[float, float],
    z0: float,
    hz: float,
) -> FloatArray:
    e = 1 - ((x - c[0]) / ab[0]) ** 2 - ((y - c[1]) / ab[1]) ** 2
    return np.where(e > 0, z0 + hz * np.sqrt(np.clip(e, 0, None)), -np.inf)


def _rod(
    x: FloatArray,
    y: FloatArray,
    a: tuple[float, float],
    b: tuple[float, float],
    r0: float,
    r1: float,
) -> FloatArray:
    """A tapered rod lying on the table (radius r0 at a → r1 at b)."""
    dx, dy = b[0] - a[0], b[1] - a[1]
    t = np.clip(((x - a[0]) * dx + (y - a[1]) * dy) / (dx * dx + dy * dy), 0, 1)
    r = r0 + (r1 - r0) * t
    d2 = (x - a[0] - t * dx) ** 2 + (y - a[1] - t * dy) ** 2
    return np.where(d2 < r * r, r + np.sqrt(np.clip(r * r - d2, 0, None)), -np.inf)
