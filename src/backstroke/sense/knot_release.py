"""Dwelling on a knot until it is heard to release.

While the thumb holds still on a knot at one force, the tissue under it yields as the
knot lets go: the depth grows and the stiffness (force / depth) falls, then stops
falling. The breath moves the depth too (2–5 mm against a few millimetres of
indentation), so the dwell is heard in whole breaths: the stiffness of each breath
window is its mean force over its mean depth, which the breath cancels out of.

A knot is **released** when the stiffness has stopped falling: two consecutive breath
windows within ``SETTLE_CHANGE`` (1.5 %) of each other. Until then the runner extends the
dwell a breath at a time, up to a cap; a knot still yielding at the cap is reported
**not released after cap**. ``stiffness_change`` is the last window against the first:
how much the knot let go while the thumb was on it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

SETTLE_CHANGE = 0.015
# The first moments of a hold (the force settling as the stroke stops) are not heard.
SETTLE_S = 0.5
# The breathing rate assumed before any breath is heard (breaths/min).
FALLBACK_RATE_BPM = 15.0

RELEASED = "released"
NOT_RELEASED = "not released after cap"


@dataclass(frozen=True)
class DwellHearing:
    """What a dwell has heard so far.

    Attributes:
        stiffness_by_breath_n_m: mean force / mean depth of each whole breath window.
        settled: the last two windows within ``SETTLE_CHANGE``.
        stiffness_change: last window / first window − 1 (None with fewer than two).
    """

    stiffness_by_breath_n_m: tuple[float, ...]
    settled: bool
    stiffness_change: float | None


def hear_dwell(
    t_s: ArrayLike,
    normal_force_n: ArrayLike,
    indentation_m: ArrayLike,
    breathing_rate_bpm: float | None,
) -> DwellHearing:
    """Hear a dwell from its ``(N,)`` samples (time s, force N, depth m), in breaths."""
    t = np.asarray(t_s, dtype=np.float64)
    f = np.asarray(normal_force_n, dtype=np.float64)
    d = np.asarray(indentation_m, dtype=np.float64)
    ok = np.isfinite(t) & np.isfinite(f) & np.isfinite(d)
    t, f, d = t[ok], f[ok], d[ok]
    rate = breathing_rate_bpm if breathing_rate_bpm else FALLBACK_RATE_BPM
    period = 60.0 / rate
    out: list[float] = []
    if t.size:
        t0 = float(t[0]) + SETTLE_S
        w = 0
        while t0 + (w + 1) * period <= float(t[-1]) + 1e-9:
            m = (t >= t0 + w * period) & (t < t0 + (w + 1) * period)
            depth = float(np.mean(d[m])) if np.any(m) else math.nan
            if depth > 0:
                out.append(float(np.mean(f[m])) / depth)
            w += 1
    if len(out) < 2:
        return DwellHearing(tuple(out), False, None)
    settled = abs(out[-1] / out[-2] - 1.0) <= SETTLE_CHANGE
    return DwellHearing(tuple(out), settled, out[-1] / out[0] - 1.0)
