"""When a move left and arrived, from its whole path: a cumulative beta bell.

A rest-to-rest hand move's speed is a bell: minimum jerk is ``τ²(1 − τ)²``, a cosine
bell ``sin(πτ)``, a master's own strokes something skewed or sharper or flatter. All of
them are close to ``τ^(a−1) (1 − τ)^(b−1)`` (a beta density), so the progress along the
move is the regularised incomplete beta function ``I_τ(a, b)`` of ``τ = (t − t0) / D``.
Fitting ``t0, D, a, b`` to the whole move (least squares on its progress from one stop
to the next, with the stops' own stillness either side) times its departure and
arrival without assuming the start's shape: a fit of the first centimetres alone
(``learn.onsets``) is off by a share of the duration that changes with the shape, which
on a 16-beat stroke is a third of a beat.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

# Stillness either side of the move that the fit sees (s), as long as the hand stays
# within STILL_M of the stop (a turnaround without a hold has next to none): it pins
# the ends.
PAD_S = 0.4
PAD_FRACTION = 0.15
# A move is timed as a bell only from stillness to stillness: this long at least at
# either stop.
MIN_STILL_S = 0.12
STILL_M = 0.002
# A move straying from its chord by more than this share of it is timed along its path,
# measured at this many points.
CURVED_FRACTION = 0.1
ARC_KNOTS = 60
# A stop is where the hand was nearly still, not exactly where the move began or ended:
# the fitted ends may lie this far from the stops.
END_SLACK_M = 0.003
# How far outside the stillness seen at its stops a move may begin or end (s): a
# sample's worth of a slow recorder.
STOP_SLACK_S = 0.02
# The fit looks at this many samples of a move at most (evenly spaced in time).
MAX_SAMPLES = 400
# Shape exponents allowed: 0.4 (a sharp push-off) .. 6 (a very gentle start).
SHAPE_RANGE = (0.4, 6.0)
# A fit whose residual RMS exceeds this share of the move is not a bell (two moves
# run together, a hand that stopped half-way): no timing.
MAX_RMS_FRACTION = 0.04


def _still_from(
    t_s: NDArray[np.float64],
    x_m: NDArray[np.float64],
    y_m: NDArray[np.float64],
    i: int,
    step: int,
    pad_s: float,
) -> int:
    """The farthest sample from stop ``i`` (backwards for ``step`` −1) within ``pad_s``
    with the hand within ``STILL_M`` of where it was at the stop all the way."""
    if step < 0:
        end = int(np.searchsorted(t_s, t_s[i] - pad_s))
    else:
        end = int(np.searchsorted(t_s, t_s[i] + pad_s, side="right")) - 1
    seg = np.arange(i, end + step, step)
    away = np.hypot(x_m[seg] - x_m[i], y_m[seg] - y_m[i]) > STILL_M
    k = int(np.argmax(away)) if away.any() else seg.size
    return int(seg[max(k - 1, 0)])


def _chord_m(x_m: NDArray[np.float64], y_m: NDArray[np.float64], i0: int, i1: int) -> float:
    """The chord from stop ``i0`` to stop ``i1`` (m)."""
    return math.hypot(float(x_m[i1] - x_m[i0]), float(y_m[i1] - y_m[i0]))


def _progress(
    t_s: NDArray[np.float64],
    x_m: NDArray[np.float64],
    y_m: NDArray[np.float64],
    lo: int,
    hi: int,
    i0: int,
    i1: int,
    idx: NDArray[np.int64],
    chord: float,
) -> NDArray[np.float64] | None:
    """Progress at samples ``idx``, 0 at stop ``i0`` and 1 at stop ``i1``.

    Along the chord for a straight move (jitter averages out); along the path for one
    that strays from its chord by more than ``CURVED_FRACTION`` of it (a stroke that
    curves, or goes out and back), the path measured ``ARC_KNOTS`` times over the move
    so that jitter adds little."""
    seg = np.arange(lo, hi)
    if chord > 0.0:
        ex, ey = (x_m[i1] - x_m[i0]) / chord, (y_m[i1] - y_m[i0]) / chord
        side = np.abs(-(x_m[seg] - x_m[i0]) * ey + (y_m[seg] - y_m[i0]) * ex)
        if float(side.max()) <= CURVED_FRACTION * chord:
            return np.asarray(((x_m[idx] - x_m[i0]) * ex + (y_m[idx] - y_m[i0]) * ey) / chord)
    step = max(1, (i1 - i0) // ARC_KNOTS)
    knots = np.unique(np.concatenate([np.arange(lo, hi, step), [i0, i1, hi - 1]]))
    arc = np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(x_m[knots]), np.diff(y_m[knots])))])
    at0, at1 = np.interp([i0, i1], knots, arc)
    if at1 <= at0:
        return None
    return np.asarray((np.interp(idx, knots, arc) - at0) / (at1 - at0))


def fit_bell(
    t_s: NDArray[np.float64],
    x_m: NDArray[np.float64],
    y_m: NDArray[np.float64],
    i0: int,
    i1: int,
) -> tuple[float, float] | None:
    """Departure time and duration ``(t0_s, duration_s)`` of the move from the stop at
    sample ``i0`` to the stop at ``i1``.

    Args:
        t_s: ``(N,)`` sample times, increasing.
        x_m, y_m: ``(N,)`` the hand's position on the back (m; any fixed frame).
        i0, i1: sample indices of the two stops, ``i0 < i1``.

    Returns:
        ``None`` when the move is too short to time or its progress is not a bell.
    """
    from scipy.optimize import least_squares
    from scipy.special import betainc

    t_a, t_b = float(t_s[i0]), float(t_s[i1])
    if t_b <= t_a:
        return None
    # a slow move's stops are found well before it ends: look further out
    pad_s = max(PAD_S, PAD_FRACTION * (t_b - t_a))
    lo = _still_from(t_s, x_m, y_m, i0, -1, pad_s)
    hi = _still_from(t_s, x_m, y_m, i1, +1, pad_s) + 1
    if t_a - float(t_s[lo]) < MIN_STILL_S or float(t_s[hi - 1]) - t_b < MIN_STILL_S:
        return None  # a turn without a hold: the hand leaves at speed, not a bell
    idx = np.arange(lo, hi)
    if idx.size > MAX_SAMPLES:
        idx = np.unique(np.linspace(lo, hi - 1, MAX_SAMPLES).round().astype(np.int64))
    tt = t_s[idx]
    length = _chord_m(x_m, y_m, i0, i1)
    s = _progress(t_s, x_m, y_m, lo, hi, i0, i1, idx, length)
    if s is None:
        return None
    slack = END_SLACK_M / length
    span = t_b - t_a

    def residual(p: NDArray[np.float64]) -> NDArray[np.float64]:
        # the stops are where the hand was nearly still, not its exact ends: the
        # progress at either end (p[4], p[5]) is fitted too
        tau = np.clip((tt - p[0]) / p[1], 0.0, 1.0)
        bell = betainc(math.exp(p[2]), math.exp(p[3]), tau)
        return np.asarray(p[4] + (p[5] - p[4]) * bell - s)

    la, lb = math.log(SHAPE_RANGE[0]), math.log(SHAPE_RANGE[1])
    # The move cannot have left before the hand was seen still at its first stop, nor
    # arrived after it was seen still at the second: a hand that turns without a hold
    # (no stillness) leaves at the turn.
    t_lo, t_hi = float(t_s[lo]), float(t_s[hi - 1])
    # start from where the progress passes 5 % and 95 %
    t05 = float(tt[np.argmax(s > 0.05)])
    t95 = float(tt[len(s) - 1 - np.argmax(s[::-1] < 0.95)])
    d0 = max(t95 - t05, 0.1 * span) / 0.8
    lower = [t_lo - STOP_SLACK_S, 0.05 * span, la, la, -slack, 1.0 - slack]
    upper = [t_b, t_hi - t_lo + 2 * STOP_SLACK_S, lb, lb, slack, 1.0 + slack]
    p0 = np.array([t05 - 0.1 * d0, d0, math.log(2.0), math.log(2.0), 0.0, 1.0])
    p0 = np.clip(p0, np.array(lower) + 1e-9, np.array(upper) - 1e-9)
    fit = least_squares(
        residual,
        p0,
        bounds=(lower, upper),
        x_scale=[0.1 * span, 0.1 * span, 0.3, 0.3, 0.01, 0.01],
    )
    rms = float(np.sqrt(np.mean(fit.fun**2)))
    if not fit.success or rms > MAX_RMS_FRACTION or fit.x[0] + fit.x[1] > t_hi + STOP_SLACK_S:
        return None
    return float(fit.x[0]), float(fit.x[1])
