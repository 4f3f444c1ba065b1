"""Knots seen on strips: one detection per strip, merged over passes and lanes.

A knot between two thumb lanes is felt by both, weaker than it is: the thumb's pressure
bulb averages it with the tissue around, and each lane passes off its centre. Merged
detections place the knot at the strength-weighted mean of theirs along the back; across
it, when two lanes at different ``v`` saw it, the lateral fall-off between them gives its
centre between the lanes and its strength at that centre (``lateral_correction``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

DEFAULT_BACK_LENGTH_M = 0.51
MERGE_M = 0.015


@dataclass(frozen=True)
class KnotDetection:
    """One knot seen on one strip.

    Attributes:
        u, v: chart position (v in m).
        x_m, y_m, z_m: body-frame position, NaN when the log has no positions.
        stiffness_ratio: peak stiffness over its neighbourhood.
        pass_index: the pass it was seen in.
        side: +1 left, -1 right, 0 on the midline.
        width_m: the run's width along the back above half its peak excess, m.
    """

    u: float
    v: float
    x_m: float
    y_m: float
    z_m: float
    stiffness_ratio: float
    pass_index: int
    side: int
    width_m: float = float("nan")


@dataclass(frozen=True)
class Knot:
    """A knot merged over passes and strips.

    Attributes:
        u, v: chart position (v in m): the mean of its detections.
        x_m, y_m, z_m: body-frame position (m), ``None`` when not measured.
        stiffness_ratio: median over its detections of the peak stiffness ratio.
        passes_seen: number of distinct passes it was detected in.
    """

    u: float
    v: float
    x_m: float | None
    y_m: float | None
    z_m: float | None
    stiffness_ratio: float
    passes_seen: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, rounded (u 1e-4, metres 0.1 mm, ratio 1e-3)."""

        def r(x: float | None, nd: int) -> float | None:
            return None if x is None or not math.isfinite(x) else round(float(x), nd)

        return {
            "u": r(self.u, 4),
            "v": r(self.v, 4),
            "x_m": r(self.x_m, 4),
            "y_m": r(self.y_m, 4),
            "z_m": r(self.z_m, 4),
            "stiffness_ratio": r(self.stiffness_ratio, 3),
            "passes_seen": int(self.passes_seen),
        }


def merge_knots(
    detections: list[KnotDetection],
    *,
    back_length_m: float = DEFAULT_BACK_LENGTH_M,
    merge_m: float = MERGE_M,
) -> list[Knot]:
    """Merge detections closer than ``merge_m`` on the skin (strongest first).

    Returns:
        Knots sorted by u, then v.
    """
    order = sorted(
        range(len(detections)),
        key=lambda i: (-detections[i].stiffness_ratio, detections[i].u, detections[i].v),
    )
    seeds: list[tuple[float, float]] = []
    groups: list[list[KnotDetection]] = []
    for i in order:
        d = detections[i]
        p = (d.u * back_length_m, d.v)
        for j, (su, sv) in enumerate(seeds):
            if math.hypot(p[0] - su, p[1] - sv) <= merge_m:
                groups[j].append(d)
                break
        else:
            seeds.append(p)
            groups.append([d])
    knots = []
    for g in groups:
        w = np.array([max(d.stiffness_ratio - 1.0, 1e-6) for d in g])

        def mean(vals: list[float], w: NDArray[np.float64] = w) -> float | None:
            x = np.asarray(vals, dtype=np.float64)
            fin = np.isfinite(x)
            return float(np.sum(w[fin] * x[fin]) / np.sum(w[fin])) if np.any(fin) else None

        v, ratio = lateral_correction(g)
        knots.append(
            Knot(
                u=float(np.sum(w * np.array([d.u for d in g])) / np.sum(w)),
                v=v,
                x_m=mean([d.x_m for d in g]),
                y_m=mean([d.y_m for d in g]),
                z_m=mean([d.z_m for d in g]),
                stiffness_ratio=ratio,
                passes_seen=len({d.pass_index for d in g}),
            )
        )
    knots.sort(key=lambda kn: (kn.u, kn.v))
    return knots


# Lanes closer than this (m) in v count as one lane when correcting for the lateral offset.
LANE_TOLERANCE_M = 0.002
# The narrowest lateral fall-off assumed (σ, m) and the largest strength correction.
_MIN_SIGMA_M = 0.002
_MAX_GAIN = 2.5


def lateral_correction(group: list[KnotDetection]) -> tuple[float, float]:
    """``(v, stiffness_ratio)`` of one knot from its detections on one or more lanes.

    Per lane (``v`` within ``LANE_TOLERANCE_M``) the median ratio and width. With one
    lane: that lane's ``v`` and ratio. With two or more: between the two strongest lanes
    ``a`` and ``b`` the excess (ratio − 1) is taken to fall off as a Gaussian of
    ``σ = width_a / 2.355`` (the knot is as wide across as along the back), which puts the
    centre at ``v0 = (v_a + v_b)/2 − σ² ln(e_a / e_b) / (v_b − v_a)`` (at most half the lane
    spacing from ``a``) and the excess there at ``e_a · exp((v_a − v0)² / 2σ²)`` (at most
    ``_MAX_GAIN`` × ``e_a``).
    """
    lanes: list[list[KnotDetection]] = []
    for d in sorted(group, key=lambda d: d.v):
        if lanes and abs(d.v - lanes[-1][0].v) <= LANE_TOLERANCE_M:
            lanes[-1].append(d)
        else:
            lanes.append([d])
    per = []
    for lane in lanes:
        widths = [d.width_m for d in lane if math.isfinite(d.width_m)]
        per.append(
            (
                float(np.median([d.v for d in lane])),
                float(np.median([d.stiffness_ratio for d in lane])) - 1.0,
                float(np.median(widths)) if widths else float("nan"),
            )
        )
    per.sort(key=lambda x: -x[1])
    v_a, e_a, w_a = per[0]
    if len(per) == 1 or e_a <= 0 or not math.isfinite(w_a):
        return v_a, 1.0 + e_a
    v_b, e_b, _ = per[1]
    gap = v_b - v_a
    sigma = max(w_a / 2.355, _MIN_SIGMA_M)
    v0 = 0.5 * (v_a + v_b) - sigma**2 * math.log(e_a / max(e_b, 1e-6)) / gap
    v0 = min(max(v0, v_a - 0.5 * abs(gap)), v_a + 0.5 * abs(gap))
    gain = min(math.exp((v_a - v0) ** 2 / (2 * sigma**2)), _MAX_GAIN)
    return v0, 1.0 + e_a * gain
