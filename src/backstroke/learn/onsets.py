"""When each stroke started: the musical events of a demonstration.

A master starts every stroke on a beat; where a stroke *ends* depends on whether they
held at the turnaround. So the beat is fitted to stroke onsets. Any smooth
rest-to-rest move — a cosine bell, minimum jerk, a jerk-limited robot profile —
leaves its stop as a cube of time: ``s(t) ≈ a · (t − t0)³``. Fitting ``∛s`` against
``t`` over the first 1–12 % of the move's distance gives ``t0``, the onset, without
knowing the move's length or duration. A profile that is not cubic at the start (a
Gaussian velocity bell) makes every fitted onset late by the same fraction of its
move's duration; the arrivals, fitted the same way backwards, are early by as much, so
the durations tell ``learn.beat`` how much to take off. Where that share changes from
stroke to stroke (each stroke a bell of its own shape), the whole move is fitted
instead (``learn.bell``).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
from numpy.typing import NDArray

from backstroke.learn.beat import BeatFit, fit_beat
from backstroke.learn.bell import fit_bell
from backstroke.learn.demo import Demo

ONSET_FROM_M = 0.0015
ONSET_TO_M = 0.006
ONSET_LO_FRACTION = 0.01
ONSET_HI_FRACTION = 0.12
SAME_STOP_M = 0.003
SMOOTH_S = 0.1
DUPLICATE_S = 0.3
EARLY_FRACTION = 0.12
# A start is fitted as ``s = a·(t − t0) + c·(t − t0)³``: cubic for any smooth
# rest-to-rest start, linear for a hand that leaves at speed (a turnaround without a
# stop, a push off), a mix in between; ``t0`` searched over a grid reaching back one
# window's width before the window.
# A third, ``bell``, times a move from stillness to stillness by its whole path
# (``learn.bell``) and falls back to the mixed start where the hand turns without a
# hold.
START_MODELS = ("cubic", "mixed", "bell")  # the first wins a tie
# The mixed and bell models have more free numbers per move: they must earn them, by
# this much of the beat's log-likelihood per move timed (a perfectly aligned event is
# worth κ = 4).
MODEL_PENALTY = {"cubic": 0.0, "mixed": 0.5, "bell": 0.5}
# Models whose scores lie this close (per move timed) tie; of those that disagree on the
# tempo, the faster is taken: the noise of fitted onsets is in seconds, so it costs a
# slower alias less coherence, and a near tie leans slow.
NEAR_TIE_PER_MOVE = 0.1
START_SEARCH = 1.0
START_GRID = 61
# Moves shorter than this (a lane change, a small reposition) time the beat poorly.
MIN_TIMED_MOVE_M = 0.03


def _smooth(x: NDArray[np.float64], n: int) -> NDArray[np.float64]:
    if n <= 1 or x.size < 3 * n:
        return x
    pad = np.concatenate([np.full(n, x[0]), x, np.full(n, x[-1])])
    return np.convolve(pad, np.ones(n) / n, "same")[n:-n]


STOP_SPEED_M_S = 0.01
STOP_FRACTION = 0.3
STOP_WINDOW_S = 3.0
STOP_HALF_WINDOW_S = 0.15


def _stop_speed_m_s(d: Demo) -> NDArray[np.float64]:
    """Speed over ±0.15 s of the position smoothed over 0.1 s: short enough that a
    corner between two moves (one ending, the next leaving sideways, each at a speed
    rising linearly from zero, as under constant acceleration) reads as a stop."""
    n_s = max(1, round(SMOOTH_S * d.rate_hz))
    x = _smooth(d.u * d.back_length_m, n_s)
    y = _smooth(d.v_m, n_s)
    n = x.size
    h = max(1, round(STOP_HALF_WINDOW_S * d.rate_hz))
    lo = np.clip(np.arange(n) - h, 0, n - 1)
    hi = np.clip(np.arange(n) + h, 0, n - 1)
    dt = np.maximum(d.t_s[hi] - d.t_s[lo], 1e-9)
    return np.asarray(np.hypot(x[hi] - x[lo], y[hi] - y[lo]) / dt)


def stop_samples(d: Demo) -> NDArray[np.int64]:
    """Where the hands came (nearly) to a stop: local minima of the surface speed
    (over ±0.15 s).

    A minimum counts when it is below 1 cm/s and below 30 % of the fastest speed within
    ±3 s; of minima closer than 0.5 s only the slowest is kept. Turnarounds, the ends of
    holds and the corners of a lane change (stop, cross, stop) all show up.
    """
    n = d.speed_m_s.size
    if n < 3:
        return np.zeros(0, dtype=np.int64)
    sp = _stop_speed_m_s(d)
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


def _departure_s(
    t: NDArray[np.float64],
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    i0: int,
    i1: int,
    direction: int,
    model: str = "cubic",
) -> float | None:
    """When the move from the stop at ``i0`` to the stop at ``i1`` left ``i0``
    (``direction`` +1) or reached ``i1`` (−1): the cube-root fit over 1–12 % of its
    distance, measured from the stop's position."""
    dist = float(np.hypot(x[i1] - x[i0], y[i1] - y[i0]))
    if dist < 2 * ONSET_TO_M:
        return None
    lo = max(ONSET_FROM_M, ONSET_LO_FRACTION * dist)
    hi = max(3 * lo, ONSET_HI_FRACTION * dist)
    ref = i0 if direction > 0 else i1
    seg_idx = np.arange(i0, i1 + 1) if direction > 0 else np.arange(i1, i0 - 1, -1)
    s = np.hypot(x[seg_idx] - x[ref], y[seg_idx] - y[ref])
    far = np.flatnonzero(s > hi)
    if far.size == 0:
        return None
    k = int(far[0])
    below = np.flatnonzero(s[:k] <= lo)
    a = int(below[-1]) + 1 if below.size else 0
    if k - a < 4:
        return None
    tt = direction * (t[seg_idx[a:k]] - t[ref])
    t0 = _fit_start(tt, s[a:k]) if model == "mixed" else _fit_cubic(tt, s[a:k])
    if t0 is None:
        return None
    return float(t[ref] + direction * t0)


def _fit_cubic(tt: NDArray[np.float64], s: NDArray[np.float64]) -> float | None:
    """The start ``t0`` of a move whose first stretch is cubic: ``∛s`` linear in time."""
    slope, icpt = np.polyfit(tt, np.cbrt(s), 1)
    return None if slope <= 0 else float(-icpt / slope)


def _fit_start(tt: NDArray[np.float64], s: NDArray[np.float64]) -> float | None:
    """The start ``t0`` of a move from its first stretch ``s(tt)``: least squares of
    ``s = a·(t − t0) + c·(t − t0)³`` with ``a, c ≥ 0`` over a grid of ``t0``."""
    from scipy.optimize import nnls

    width = float(tt[-1] - tt[0])
    if width <= 0:
        return None
    lo_t = min(0.0, float(tt[0])) - START_SEARCH * width
    grid = np.linspace(lo_t, float(tt[0]), START_GRID)
    sse = np.full(grid.size, np.inf)
    for g, t0 in enumerate(grid):
        dl = tt - t0
        m = np.stack([dl, dl**3], axis=1)
        sse[g] = nnls(m, s)[1]
    g = int(np.argmin(sse))
    if 0 < g < grid.size - 1:
        den = sse[g - 1] - 2 * sse[g] + sse[g + 1]
        if den > 0:
            return float(grid[g] + 0.5 * (sse[g - 1] - sse[g + 1]) / den * (grid[1] - grid[0]))
    return float(grid[g])


def _stop_clusters(
    x: NDArray[np.float64], y: NDArray[np.float64], stops: NDArray[np.int64]
) -> list[tuple[int, int]]:
    """Consecutive stops at the same place (a hold, a slow start) as ``(first, last)``."""
    out: list[tuple[int, int]] = []
    for i in np.unique(stops).tolist():
        if out and math.hypot(x[i] - x[out[-1][0]], y[i] - y[out[-1][0]]) < SAME_STOP_M:
            out[-1] = (out[-1][0], i)
        else:
            out.append((i, i))
    return out


def _moves(d: Demo, stops: NDArray[np.int64], model: str) -> list[tuple[int, float, float, float]]:
    """``(start stop, onset_s, duration_s, turn_s)`` of every timed move between stops;
    ``turn_s`` is the time of the stop it arrives at when that stop is a single one (a
    turnaround that may have no hold: ``learn.beat`` decides), else NaN."""
    n_s = max(1, round(SMOOTH_S * d.rate_hz))
    x = _smooth(d.u * d.back_length_m, n_s)
    y = _smooth(d.v_m, n_s)
    t = d.t_s
    out: list[tuple[int, float, float, float]] = []
    for (a1, _a1), (b0, b1) in itertools.pairwise(_stop_clusters(x, y, stops)):
        # a move leaves a hold from its last stop (the hands may creep as they hold)
        if math.hypot(x[b0] - x[a1], y[b0] - y[a1]) < MIN_TIMED_MOVE_M:
            continue
        # A start that is not cubic fits early or late by a fraction of the move
        # (a quadratic start, constant acceleration: several percent early).
        early_s = 0.5 + EARLY_FRACTION * (t[b0] - t[a1])
        bell = fit_bell(t, x, y, a1, b0) if model == "bell" else None
        t0: float | None
        dur = float("nan")
        if bell is not None:
            t0, dur = bell
        else:
            # the mixed start where no bell fits (a turn without a hold)
            start = "mixed" if model == "bell" else model
            t0 = _departure_s(t, x, y, a1, b0, +1, start)
            if t0 is not None:
                t1 = _departure_s(t, x, y, a1, b0, -1, start)
                dur = t1 - t0 if t1 is not None and t1 > t0 + 0.3 else float("nan")
        if t0 is None or not t[a1] - early_s <= t0 <= t[b0]:
            continue
        out.append((a1, t0, dur, float(t[b0]) if b0 == b1 else float("nan")))
    return out


def _as_onsets(
    moves: list[tuple[int, float, float, float]],
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    if not moves:
        return np.zeros(0), np.zeros(0), np.zeros(0)
    ons = np.array([m[1] for m in moves])
    durs = np.array([m[2] for m in moves])
    turns = np.array([m[3] for m in moves])
    order = np.argsort(ons)
    o, du, tu = ons[order], durs[order], turns[order]
    # Several stops inside one hold find the same onset: keep it once.
    keep = np.concatenate([[True], np.diff(o) > DUPLICATE_S])
    return o[keep], du[keep], tu[keep]


def stroke_onsets_s(
    d: Demo, stops: NDArray[np.int64], model: str = "cubic"
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Onsets of the moves between consecutive stops, and each move's duration.

    Args:
        d: the demonstration.
        stops: ``(K,)`` sample indices where the hands were (nearly) still: turnarounds,
            the ends of holds.
        model: how a start is fitted: ``"cubic"`` (``∛s`` linear in time: any smooth
            rest-to-rest start) or ``"mixed"`` (``a·δ + c·δ³``: also a hand leaving at
            speed).

    Returns:
        ``(onsets_s, durations_s)``, ``(M,)`` each, sorted by onset; a duration is the
        time from the fitted departure to the fitted arrival at the next stop (NaN when
        the arrival could not be fitted). Any smooth profile's fitted departure lags the
        true start by the same fraction of the move's duration, and its arrival leads
        the true end by as much: ``learn.beat`` takes that fraction out.
    """
    on, du, _turn = _as_onsets(_moves(d, stops, model))
    return on, du


def beat_of_moves(d: Demo, stops: NDArray[np.int64]) -> BeatFit:
    """The beat of the moves between ``stops``, their starts fitted by the model that
    times them more regularly.

    Every start model is fitted; on the moves all could time, the beat is fitted to
    each model's onsets, and the model with the higher log-posterior (``learn.beat``;
    less ``MODEL_PENALTY`` per move) times all the moves. A cubic fit of a hand that
    leaves at speed starts it early by a share of the fitting window that varies with
    how fast it left; a mixed fit of a start that is cubic only at first (a cycloid)
    starts it late; both are off by a share of the whole move that changes with the
    bell's shape, which the bell model fits: the wrong model scatters the onsets.
    """
    return choose_beat({m: _moves(d, stops, m) for m in START_MODELS})


def choose_beat(moves: dict[str, list[tuple[int, float, float, float]]]) -> BeatFit:
    """The beat of each start model's move timings (``_moves``), the model chosen as
    ``beat_of_moves`` says; of models that tie (within ``NEAR_TIE_PER_MOVE`` per move),
    the faster tempo."""
    common = set.intersection(*({x[0] for x in mv} for mv in moves.values()))
    score: dict[str, float] = {}
    for m, mv in moves.items():
        on, du, tu = _as_onsets([x for x in mv if x[0] in common])
        score[m] = fit_beat(on, durations_s=du, turns_s=tu).log_posterior
        score[m] -= MODEL_PENALTY[m] * len(common)
    top = max(score.values())
    fits = []
    for m in START_MODELS:
        if m in moves and score[m] >= top - NEAR_TIE_PER_MOVE * len(common):
            on, du, tu = _as_onsets(moves[m])
            fits.append((score[m] == top, fit_beat(on, durations_s=du, turns_s=tu)))
    best = next(f for is_top, f in fits if is_top)
    faster = [f for _, f in fits if f.bpm is not None]
    if best.bpm is None or not faster:
        return best
    return max(faster, key=lambda f: f.bpm or 0.0)
