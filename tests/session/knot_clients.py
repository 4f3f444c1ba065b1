"""A second, independent client generator for the knot finder (issue 13), not tuned on.

``ClientSpec.resolved`` draws knots on the two old thumb lines (2.6–3.4 cm) from normal
anthropometry. This one draws everything itself, from uniform ranges: body sizes,
stiffness, fat, breathing, guarding, and 1–6 knots anywhere on the paraspinal band
(2–7 cm from the midline, L5..T1), 5–15 mm across (radius 3–7.5 mm), 1.5–2.6× stiffer,
at least 35 mm apart on the skin. Knots are kept where a thumb may go: at least 16 mm
from a scapula or an iliac crest (the thumb keeps 12 mm clear; a knot closer than that
is pressed by nothing) — the spine side is the band's own inner edge.

Scoring (``match``) counts a found knot as true when it lies within 15 mm on the skin of
a true knot, and a true knot as recovered when some found knot does.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np

from backstroke.body.back_model import BackModel
from backstroke.body.client_file import ClientSpec, KnotSpec

BAND_M = (0.02, 0.07)
U_RANGE = (0.13, 0.90)
RADIUS_M = (0.003, 0.0075)
RATIO = (1.5, 2.6)
MIN_APART_M = 0.035
BONE_CLEAR_M = 0.016
TOL_M = 0.015


def _bone_clearance_m(back: BackModel, u: float, v: float) -> float:
    zones = tuple(z for z in back.keep_out_zones if z.name != "spinous_processes")
    return float(back.keep_out_clearance_m(np.array([u]), np.array([v]), zones)[0])


def knot_client(seed: int) -> ClientSpec:
    """One held-out client (everything given explicitly; ``seed`` only names its draws)."""
    rng = np.random.default_rng([13, seed])
    body = {
        "height_m": float(rng.uniform(1.55, 1.95)),
        "back_length_m": float(rng.uniform(0.44, 0.58)),
        "shoulder_width_m": float(rng.uniform(0.35, 0.46)),
        "waist_width_m": float(rng.uniform(0.26, 0.34)),
        "adipose_m": float(rng.uniform(0.005, 0.025)),
        "kyphosis_deg": float(rng.uniform(28, 52)),
        "lordosis_deg": float(rng.uniform(33, 57)),
        "stiffness_n_m": float(rng.uniform(1300, 3200)),
        "softening_rate": float(rng.uniform(0.5, 1.6)),
        "guarding": float(rng.uniform(0.1, 0.8)),
        "breathing_rate_bpm": float(rng.uniform(11, 19)),
    }
    base = ClientSpec(name=f"knots-{seed}", seed=50_000 + seed, knots=[], **body)
    back = BackModel(base.resolved())
    L = body["back_length_m"]
    knots: list[KnotSpec] = []
    want = int(rng.integers(1, 7))
    for _ in range(400):
        if len(knots) >= want:
            break
        u = float(rng.uniform(*U_RANGE))
        v = float(rng.choice([-1.0, 1.0]) * rng.uniform(*BAND_M))
        if _bone_clearance_m(back, u, v) < BONE_CLEAR_M:
            continue
        if any(math.hypot((u - k.u) * L, v - k.v) < MIN_APART_M for k in knots):
            continue
        knots.append(
            KnotSpec(
                u=round(u, 4),
                v=round(v, 4),
                radius_m=round(float(rng.uniform(*RADIUS_M)), 4),
                stiffness_ratio=round(float(rng.uniform(*RATIO)), 3),
            )
        )
    return ClientSpec(**{**base.model_dump(), "knots": [k.model_dump() for k in knots]})


def match(
    found: Iterable[dict[str, float]], truth: Sequence[KnotSpec], back_length_m: float
) -> tuple[int, int, int, list[tuple[float, float]]]:
    """``(found, true positives, truth recovered, [(true ratio, found ratio)…])`` within
    ``TOL_M`` on the skin (distances: ``Δu × back length`` and ``Δv``)."""
    n_found = tp = 0
    hit: dict[int, float] = {}
    for k in found:
        n_found += 1
        d = [math.hypot((k["u"] - t.u) * back_length_m, k["v"] - t.v) for t in truth]
        if d and min(d) <= TOL_M:
            tp += 1
            j = int(np.argmin(d))
            hit[j] = max(hit.get(j, 0.0), float(k["stiffness_ratio"]))
    ratios = [(truth[j].stiffness_ratio, r) for j, r in sorted(hit.items())]
    return n_found, tp, len(hit), ratios
