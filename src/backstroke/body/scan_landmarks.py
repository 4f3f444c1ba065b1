"""The fitted back's lateral landmarks, placed on the measured skin (not on the chart).

A scan shows the torso's silhouette, so the lateral landmarks are placed as fractions
of a *silhouette* half-width (the flank at half the midline's height, ``scan_width``):
the PSIS of the waist's (the narrowest silhouette between the PSIS and mid-back), the
iliac crests' tops of the silhouette's at their own level (the pelvis is wider there
than the waist), the scapulae's of the shoulders' (the widest above mid-back). Each lies at
that lateral offset from the fitted midline and on the fitted skin ``z = H(x, y)``,
even where the skin there is steeper than the chart reaches (the iliac crests' tops
lie on the flank). The levels are DESIGN §5's
fractions of the fitted back length (T7 for the scapulae' inferior angles, L4 for the
crests' tops); the PSIS are on the PSIS level.

The fractions were set on the two generators the fit was calibrated on (the
parametric ``scan_sim`` and the superquadric phantom, ``tests/body``). For the PSIS
and the scapulae they agree within a few per cent; for the crests' tops they do not:
the parametric body (DESIGN's anatomy) puts them at about 0.66 of the silhouette at
their level, the phantom, the slices and the loft at 0.75–0.90. 0.78 keeps the
parametric body, which the simulated sessions are scanned from, within the limit;
the crests are the least certain landmark.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from backstroke.body import anatomy
from backstroke.body.back_model import Landmark

if TYPE_CHECKING:
    from backstroke.body.scanned_back import ScannedBack

SILHOUETTE_INSET_M = 0.010  # the chart's half-width is the silhouette's minus this
# Lateral offset from the midline as a fraction of the silhouette half-width there.
PSIS_FRACTION = 0.29  # of the waist's
SCAPULA_INFERIOR_ANGLE_FRACTION = 0.40  # of the shoulders'
ILIAC_CREST_TOP_FRACTION = 0.78  # of the silhouette's at the crest's level

_LATERAL = (
    ("psis", "PSIS", PSIS_FRACTION, "waist"),
    ("scapula_inferior_angle", "T7", SCAPULA_INFERIOR_ANGLE_FRACTION, "shoulders"),
    ("iliac_crest_top", "L4", ILIAC_CREST_TOP_FRACTION, "local"),
)


def silhouette_half_width_m(back: ScannedBack, x_m: float) -> float:
    """The torso's measured silhouette half-width at B's ``x_m``."""
    return float(back._half(x_m)) + SILHOUETTE_INSET_M


def reference_half_widths_m(back: ScannedBack) -> dict[str, float]:
    """The waist's (narrowest, u 0.1–0.5) and shoulders' (widest, u 0.6–1) silhouettes."""
    ref = {}
    for key, lo, hi, pick in (("waist", 0.1, 0.5, min), ("shoulders", 0.6, 1.0, max)):
        xs = back._x_of_u(np.linspace(lo, hi, 41))
        ref[key] = pick(silhouette_half_width_m(back, float(x)) for x in xs)
    return ref


def lateral_landmarks(back: ScannedBack) -> dict[str, Landmark]:
    """PSIS, scapulae' inferior angles and iliac crests' tops, left and right (frame B)."""
    out: dict[str, Landmark] = {}
    ref = reference_half_widths_m(back)
    seen = back.quality.get("landmarks_b", {})
    for name, level, frac, width in _LATERAL:
        u = anatomy.level_u(level)
        x = float(back._x_of_u(u))
        if f"{name}_x" in seen:  # a level the skin showed (the blades' lower edge)
            x = float(seen[f"{name}_x"])
            u = _u_of_x(back, x)
        for side, sgn in (("left", 1.0), ("right", -1.0)):
            key = f"{name}_{side}"
            xs, my = x, float(back._m(x))
            off = frac * (silhouette_half_width_m(back, x) if width == "local" else ref[width])
            us = u
            if key in seen:  # a point the skin showed (a dimple)
                xs, ys = (float(c) for c in seen[key])
                my = float(back._m(xs))
                off = abs(ys - my)
                us = _u_of_x(back, xs)
            w = np.linspace(0.0, off, 41)
            z = back.height_m(np.full_like(w, xs), my + sgn * w)
            v = float(np.sum(np.hypot(np.diff(w), np.diff(z))))
            p = (xs, my + sgn * off, float(z[-1]))
            out[key] = Landmark(key, us, sgn * v, p)
    return out


def _u_of_x(back: ScannedBack, x_m: float) -> float:
    uu = np.linspace(0.0, 1.0, 201)
    return float(np.clip(np.interp(x_m, back._x_of_u(uu), uu), 0.0, 1.0))
