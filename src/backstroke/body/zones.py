"""Bony keep-out zones on the surface chart.

A zone is a capsule in chart-metric coordinates ``(s, v)`` where ``s = u * back_length``
(metres along the spine) and ``v`` is the lateral skin distance (metres): every point
within ``radius_m`` of the segment ``a → b`` is over bone. Forearm and thumb paths keep
their tool's half-width plus a margin away from every zone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray


@dataclass(frozen=True)
class KeepOutZone:
    """A capsule of bone under thin tissue.

    Attributes:
        name: e.g. ``"spinous_processes"``, ``"scapula_medial_border_left"``.
        a_sv_m, b_sv_m: segment ends ``(s, v)`` in metres (chart-metric).
        radius_m: half-width of the bony zone.
    """

    name: str
    a_sv_m: tuple[float, float]
    b_sv_m: tuple[float, float]
    radius_m: float

    def distance_to_axis_m(self, s_m: ArrayLike, v_m: ArrayLike) -> NDArray[np.float64]:
        """Distance from points ``(s_m, v_m)`` (broadcast, metres) to the zone's segment."""
        s = np.asarray(s_m, dtype=np.float64)
        v = np.asarray(v_m, dtype=np.float64)
        a = np.asarray(self.a_sv_m)
        d = np.asarray(self.b_sv_m) - a
        dd = float(d @ d)
        t = np.zeros_like(s) if dd == 0.0 else ((s - a[0]) * d[0] + (v - a[1]) * d[1]) / dd
        t = np.clip(t, 0.0, 1.0)
        return np.hypot(s - (a[0] + t * d[0]), v - (a[1] + t * d[1]))

    def clearance_m(self, s_m: ArrayLike, v_m: ArrayLike) -> NDArray[np.float64]:
        """Signed distance to the zone's edge (negative inside)."""
        return self.distance_to_axis_m(s_m, v_m) - self.radius_m
