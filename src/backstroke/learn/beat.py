"""The beat a master moved to, from the timing of their strokes.

A master working to music starts strokes on beats, and a stroke spans whole beats: a
move that runs straight into the next one (no hold at the turnaround) also *arrives*
on a beat. For each candidate period ``P`` the events' phases ``2π t / P`` are averaged
on the unit circle (a Rayleigh test, coherence ``R``). The events are the fitted
onsets of the moves and the fitted arrivals of the moves followed directly by the next
one; an arrival before a hold is left out (how long a master holds varies).

Fitted onsets and arrivals are off their beats by a common fraction ``b`` of their
move's duration (how far the start is from cubic: ``learn.onsets``), so ``b`` is
searched too (−0.15..0.2). The period is chosen by a posterior score:

    ``N · κ · R(P, b)  −  ½ (b / 0.06)²  −  ½ (ln(bpm / 63.2) / 0.25)²``

``N`` events of von-Mises spread ``κ = 4`` (about ±0.08 of a beat), a prior on ``b``
near 0 (a smooth start is nearly cubic) and a log-normal tempo prior centred on 63.2
BPM, the geometric middle of the issue's 50–80 BPM slow-music range (50 and 80 sit
just under one σ from it). The prior only decides between tempi the timing cannot
tell apart: strokes that all last multiples of 5 beats fit 4/5 and 6/5 of the tempo as
well as the true one; with 20 events a coherence difference of 0.01 outweighs it. The
search is over 45–90 BPM (DESIGN §5: slow music): neither half nor double a 50–80 BPM
tempo is a candidate.

Strokes per minute (what ``analyze`` calls ``tempo_bpm``) is a different figure: the
number of strokes in a minute, a stroke lasting several beats.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

BPM_RANGE = (45.0, 90.0)
# Log-normal tempo prior: the geometric middle of 50–80 BPM, σ in ln(bpm).
PRIOR_BPM = 63.2
PRIOR_SIGMA_LN = 0.25
# Concentration of the events' phases about the beat (von Mises κ).
KAPPA = 4.0
# Lag of a fitted onset behind the beat, as a fraction of its move's duration.
LAG_GRID = np.linspace(-0.15, 0.2, 36)
LAG_SIGMA = 0.06
# An arrival counts as a beat when the next move leaves within this fraction of the
# two moves' durations (a turnaround without a hold).
NO_HOLD_FRACTION = 0.06
# With this many turnarounds without a hold, the lag is measured there and searched only
# within LAG_SLACK of it.
MIN_LAG_PAIRS = 3
LAG_SLACK = 0.02


@dataclass(frozen=True)
class BeatFit:
    """The tempo the events fit.

    Attributes:
        bpm: beats per minute (``None`` with fewer than 4 events).
        coherence: 0..1, how well the events line up on the beat (1 = exactly).
        phase_s: time of one beat (the grid is ``phase_s + k · 60 / bpm``).
        on_beat: fraction of events within 10 % of a period of a beat.
        events: number of events used.
    """

    bpm: float | None
    coherence: float
    phase_s: float
    on_beat: float
    events: int
    log_posterior: float = -np.inf

    @property
    def period_s(self) -> float | None:
        return None if self.bpm is None else 60.0 / self.bpm


def _events(
    onsets: NDArray[np.float64],
    durs: NDArray[np.float64],
    arrives: NDArray[np.bool_],
    lag: float,
    turns: NDArray[np.float64] | None = None,
) -> NDArray[np.float64]:
    """Onsets and the chosen arrivals, corrected for a lag ``lag`` of the duration.

    Where a move runs straight into the next one and the stop between them is a single
    one (``turns``, NaN elsewhere), that stop's time is an event too: the hand turns on
    the beat whatever the shape of its starts and stops, so it needs no lag correction
    (the fitted arrival and next onset stay: a short hold the fits could not tell from
    none puts the stop off the beat)."""
    shift = lag * durs / (1.0 - 2.0 * lag)
    ends = onsets[arrives] + durs[arrives] + shift[arrives]
    if turns is None:
        return np.concatenate([onsets - shift, ends])
    turned = arrives & np.isfinite(turns)
    return np.concatenate([onsets - shift, ends, turns[turned]])


def _no_hold(onsets: NDArray[np.float64], durs: NDArray[np.float64]) -> NDArray[np.bool_]:
    """Moves whose arrival is the next move's start (no hold at the turnaround)."""
    nxt = np.append(onsets[1:], np.inf)
    both = durs + np.append(durs[1:], np.nan)
    with np.errstate(invalid="ignore"):
        gap = (nxt - (onsets + durs)) / both
    return np.asarray(np.isfinite(gap) & (np.abs(gap) <= NO_HOLD_FRACTION))


def _measured_lag(
    onsets: NDArray[np.float64], durs: NDArray[np.float64], arrives: NDArray[np.bool_]
) -> float | None:
    """The lag ``b`` the turnarounds without a hold show: there the fitted arrival of one
    move and the fitted onset of the next time the same beat, and lie apart by
    ``b / (1 − 2b)`` of the two moves' fitted durations (``None`` with fewer than 3)."""
    i = np.flatnonzero(arrives)
    if i.size < MIN_LAG_PAIRS:
        return None
    gap = (onsets[i + 1] - (onsets[i] + durs[i])) / (durs[i] + durs[i + 1])
    g = float(np.median(gap))
    return g / (1.0 + 2.0 * g)


def _coherence(rel: NDArray[np.float64], periods: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.concatenate(
        [
            np.abs(np.exp(2j * np.pi * rel[None, :] / chunk[:, None]).mean(axis=1))
            for chunk in np.array_split(periods, max(1, periods.size // 2000))
        ]
    )


def fit_beat(
    event_times_s: ArrayLike,
    bpm_range: tuple[float, float] = BPM_RANGE,
    durations_s: ArrayLike | None = None,
    turns_s: ArrayLike | None = None,
) -> BeatFit:
    """Fit a beat grid to stroke onsets (and the arrivals their durations give).

    Args:
        event_times_s: ``(K,)`` onset times, s.
        bpm_range: the tempi searched.
        durations_s: optional ``(K,)`` durations of the moves the onsets start (NaN =
            unknown): the events may then lag the beat by a common fraction ``b`` of
            their move's duration (searched), and a move that runs straight into the
            next one adds its arrival as an event.
        turns_s: optional ``(K,)`` times of the stop each move arrives at (NaN =
            unknown or several stops: a hold): where the move runs straight into the
            next one, that stop is an event too.

    Returns:
        The best fit (module docstring); ``bpm`` is ``None`` with fewer than 4 onsets.
    """
    ev_all = np.asarray(event_times_s, dtype=np.float64)
    du_all = (
        np.full(ev_all.size, np.nan)
        if durations_s is None
        else np.asarray(durations_s, dtype=np.float64)
    )
    tu_all = (
        np.full(ev_all.size, np.nan) if turns_s is None else np.asarray(turns_s, dtype=np.float64)
    )
    ok = np.isfinite(ev_all)
    order = np.argsort(ev_all[ok])
    ev0, du, tu = ev_all[ok][order], du_all[ok][order], tu_all[ok][order]
    if ev0.size < 4:
        return BeatFit(None, 0.0, 0.0, 0.0, int(ev0.size))
    arrives = _no_hold(ev0, du)
    fill = float(np.nanmedian(du)) if np.isfinite(du).any() else 0.0
    du = np.where(np.isfinite(du), du, fill)
    lo, hi = 60.0 / bpm_range[1], 60.0 / bpm_range[0]
    span = max(float(ev0[-1] - ev0[0]), 1.0)
    # Peak width in P is about P² / span; sample it five times finer.
    step = (lo * lo / span) / 5.0
    periods = np.arange(lo, hi + step, step)
    lags = LAG_GRID if durations_s is not None else np.zeros(1)
    measured = _measured_lag(ev0, du, arrives)
    if measured is not None:
        lags = lags[np.abs(lags - measured) <= LAG_SLACK] if durations_s is not None else lags
        if lags.size == 0:
            lags = np.array([measured])
    best = np.full(periods.size, -np.inf)
    best_lag = np.zeros(periods.size)
    for b in lags:
        rel = _events(ev0, du, arrives, float(b), tu)
        score = rel.size * KAPPA * _coherence(rel - rel.min(), periods) - 0.5 * (b / LAG_SIGMA) ** 2
        better = score > best
        best[better] = score[better]
        best_lag[better] = b
    prior = -0.5 * (np.log(60.0 / periods / PRIOR_BPM) / PRIOR_SIGMA_LN) ** 2
    i = int(np.argmax(best + prior))
    best_p, lag = float(periods[i]), float(best_lag[i])
    ev = np.sort(_events(ev0, du, arrives, lag, tu))
    rel = ev - ev[0]
    # Refine around the peak.
    fine = np.linspace(best_p - 2 * step, best_p + 2 * step, 81)
    z = np.exp(2j * np.pi * rel[None, :] / fine[:, None]).mean(axis=1)
    j = int(np.argmax(np.abs(z)))
    period = float(fine[j])
    phase = float(ev[0] + (np.angle(z[j]) / (2 * np.pi)) * period)
    off = ((ev - phase) / period + 0.5) % 1.0 - 0.5
    return BeatFit(
        bpm=60.0 / period,
        coherence=float(np.abs(z[j])),
        phase_s=phase,
        on_beat=float(np.mean(np.abs(off) <= 0.1)),
        events=int(ev.size),
        log_posterior=float(best[i] + prior[i]),
    )
