"""When each stroke started: the musical events of a demonstration.

A master starts every stroke on a beat; where a stroke *ends* depends on whether they
held at the turnaround. So the beat is fitted to stroke onsets. Any smooth
rest-to-rest move — a cosine bell, minimum jerk, a jerk-limited robot profile —
leaves its stop as a cube of time: ``s(t) ≈ a · (t − t0)³``. Fitting ``∛s`` against
``t`` over the first 2–12 mm of travel gives ``t0``, the onset, without knowing the
move's length, duration or profile.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from backstroke.learn.demo import Demo

ONSET_FROM_M = 0.002
ONSET_TO_M = 0.012
SEARCH_S = 6.0
SMOOTH_S = 0.1
DUPLICATE_S = 0.3


def _smooth(x: NDArray[np.float64], n: int) -> NDArray[np.float64]:
    if n <= 1 or x.size < 3 * n:
        return x
    pad = np.concatenate([np.full(n, x[0]), x, np.full(n, x[-1])])
    return np.convolve(pad, np.ones(n) / n, "same")[n:-n]


STOP_SPEED_M_S = 0.01
STOP_FRACTION = 0.3
STOP_WINDOW_S = 3.0


def stop_samples(d: Demo) -> NDArray[np.int64]:
    """Where the hands came (nearly) to a stop: local minima of the surface speed.

    A minimum counts when it is below 1 cm/s and below 30 % of the fastest speed within
    ±3 s; of minima closer than 0.5 s only the slowest is kept. Turnarounds, the ends of
    holds and the corners of a lane change (stop, cross, stop) all show up.
    """
    sp = d.speed_m_s
    n = sp.size
    if n < 3:
        return np.zeros(0, dtype=np.int64)
    w = max(1, int(STOP_WINDOW_S * d.rate_hz))
    from scipy.ndimage import maximum_filter1d, minimum_filter1d

    local_max = maximum_filter1d(sp, size=2 * w + 1, mode="nearest")
    gap = max(1, int(0.5 * d.rate_hz))
    local_min = minimum_filter1d(sp, size=2 * gap + 1, mode="nearest")
    cand = np.flatnonzero(
        (sp <= local_min) & (sp < STOP_SPEED_M_S) & (sp < STOP_FRACTION * local_max)
    )
    out: list[int] = []
    for i in cand:
        if out and i - out[-1] < gap:
            continue
        out.append(int(i))
    return np.asarray(out, dtype=np.int64)


def stroke_onsets_s(d: Demo, stops: NDArray[np.int64]) -> NDArray[np.float64]:
    """Onset time of the move leaving each stop (sample index), where one can be fitted.

    Args:
        d: the demonstration.
        stops: ``(K,)`` sample indices where the hands were (nearly) still: turnarounds,
            the ends of holds.

    Returns:
        ``(M,)`` onset times, s, sorted, ``M ≤ K``.
    """
    n_s = max(1, int(round(SMOOTH_S * d.rate_hz)))
    x = _smooth(d.u * d.back_length_m, n_s)
    y = _smooth(d.v_m, n_s)
    t = d.t_s
    span = int(SEARCH_S * d.rate_hz)
    out: list[float] = []
    for i0 in np.unique(stops):
        i0 = int(i0)
        j1 = min(t.size, i0 + span)
        s = np.hypot(x[i0:j1] - x[i0], y[i0:j1] - y[i0])
        far = np.flatnonzero(s > ONSET_TO_M)
        if far.size == 0:
            continue
        k = int(far[0])
        seg = s[:k]
        below = np.flatnonzero(seg <= ONSET_FROM_M)
        a = int(below[-1]) + 1 if below.size else 0
        if k - a < 4:
            continue
        tt = t[i0 + a : i0 + k]
        slope, icpt = np.polyfit(tt - tt[0], np.cbrt(seg[a:k]), 1)
        if slope <= 0:
            continue
        t0 = float(tt[0] - icpt / slope)
        if t[i0] - 0.5 <= t0 <= tt[-1]:
            out.append(t0)
    ons = np.sort(np.asarray(out, dtype=np.float64))
    if ons.size < 2:
        return ons
    # Several stops inside one hold find the same onset: keep it once.
    keep = np.concatenate([[True], np.diff(ons) > DUPLICATE_S])
    return ons[keep]
