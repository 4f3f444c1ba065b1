"""A third client generator for the knot finder (issue 13), written blind to its tuning.

Written after the session-10 fixes (lane ends) and run once before anything else was
changed (``bench/results/listening_knots_blind_first_run.json``). It shares nothing with
``knot_clients.py`` but the scoring (``match``) and the client schema, and draws from
its own ranges:

- **Bodies** from a clipped normal about a mid-sized adult (not uniform ranges):
  height, back length tied to height, shoulders and waist, fat 4–30 mm, curvature,
  stiffness 1100–3600 N/m, softening, guarding, breathing 9–21 breaths/min.
- **Knots**: 0–5 (a back with none is a client too), anywhere on the long muscles
  1.8–7.2 cm from the midline between L5 and T1 (chart u 0.10–0.93), 5–16 mm across
  (radius 2.5–8 mm), 1.4–2.7× stiffer, skewed toward weak ones (most knots are
  modest), at least 30 mm apart on the skin, and at least 15 mm from a scapula or an
  iliac crest (the thumb keeps 12 mm clear plus its own half-width: a knot nearer than
  that is pressed by nothing).
"""

from __future__ import annotations

import math

import numpy as np

from backstroke.body.back_model import BackModel
from backstroke.body.client_file import ClientSpec, KnotSpec

BAND_M = (0.018, 0.072)
U_RANGE = (0.10, 0.93)
RADIUS_M = (0.0025, 0.008)
RATIO = (1.4, 2.7)
MIN_APART_M = 0.030
BONE_CLEAR_M = 0.015
MAX_KNOTS = 5


def _normal(rng: np.random.Generator, mean: float, sd: float, lo: float, hi: float) -> float:
    return float(np.clip(rng.normal(mean, sd), lo, hi))


def blind_client(seed: int) -> ClientSpec:
    """One client of this generator (``seed`` names its draws)."""
    rng = np.random.default_rng([2026, 13, 10, seed])
    height = _normal(rng, 1.72, 0.09, 1.50, 1.98)
    body = {
        "height_m": height,
        "back_length_m": float(np.clip(0.295 * height + rng.normal(0.0, 0.02), 0.43, 0.59)),
        "shoulder_width_m": _normal(rng, 0.405, 0.03, 0.34, 0.47),
        "waist_width_m": _normal(rng, 0.30, 0.025, 0.25, 0.35),
        "adipose_m": _normal(rng, 0.013, 0.006, 0.004, 0.030),
        "kyphosis_deg": _normal(rng, 40.0, 7.0, 25.0, 55.0),
        "lordosis_deg": _normal(rng, 45.0, 7.0, 30.0, 60.0),
        "stiffness_n_m": _normal(rng, 2200.0, 550.0, 1100.0, 3600.0),
        "softening_rate": _normal(rng, 1.0, 0.3, 0.4, 1.8),
        "guarding": _normal(rng, 0.4, 0.2, 0.05, 0.9),
        "breathing_rate_bpm": _normal(rng, 14.5, 2.5, 9.0, 21.0),
    }
    base = ClientSpec(name=f"blind-{seed}", seed=70_000 + seed, knots=[], **body)
    back = BackModel(base.resolved())
    length = body["back_length_m"]
    # Candidates drawn at once, those clear of bone kept, then taken in draw order
    # while they keep their distance from the knots already placed.
    n = 400
    cand_u = rng.uniform(*U_RANGE, n)
    cand_v = rng.choice([-1.0, 1.0], n) * rng.uniform(*BAND_M, n)
    bones = tuple(z for z in back.keep_out_zones if z.name != "spinous_processes")
    clear = back.keep_out_clearance_m(cand_u, cand_v, bones) >= BONE_CLEAR_M
    want = int(rng.integers(0, MAX_KNOTS + 1))
    placed: list[tuple[float, float]] = []
    for u, v in zip(cand_u[clear].tolist(), cand_v[clear].tolist(), strict=True):
        if len(placed) < want and all(
            math.hypot((u - pu) * length, v - pv) >= MIN_APART_M for pu, pv in placed
        ):
            placed.append((u, v))
    # Skewed toward modest knots: the square of a uniform draw.
    ratios = RATIO[0] + (RATIO[1] - RATIO[0]) * rng.uniform(size=len(placed)) ** 2
    radii = rng.uniform(*RADIUS_M, len(placed))
    knots = [
        KnotSpec(
            u=round(u, 4),
            v=round(v, 4),
            radius_m=round(float(r), 4),
            stiffness_ratio=round(float(q), 3),
        )
        for (u, v), r, q in zip(placed, radii, ratios, strict=True)
    ]
    return ClientSpec(**{**base.model_dump(), "knots": [k.model_dump() for k in knots]})
