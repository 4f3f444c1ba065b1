"""The beat a master moved to, from the timing of their strokes.

A master working to music starts and ends strokes on beats: every turnaround lands on
``t0 + k · P`` for a beat period ``P``. For each candidate period the events' phases
``2π t / P`` are averaged on the unit circle (a Rayleigh test); the beat is the period
where they line up best (when several line up about as well, the one nearest
66 BPM). The search is over slow music (45–90 BPM by default, DESIGN §5):
within that range neither half nor double the true tempo is a candidate for 50–80 BPM.

Strokes per minute (what ``analyze`` calls ``tempo_bpm``) is a different figure: the
number of strokes in a minute, a stroke lasting several beats.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

BPM_RANGE = (45.0, 90.0)
# Tempo preferred when the timing fits several equally well (slow massage music).
PRIOR_BPM = 66.0
AMBIGUITY = 0.92
# Lag of a fitted onset behind the beat, as a fraction of its move's duration.
MAX_LAG = 0.2
LAG_GRID = np.linspace(-0.04, MAX_LAG, 25)


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

    @property
    def period_s(self) -> float | None:
        return None if self.bpm is None else 60.0 / self.bpm


def fit_beat(
    event_times_s: ArrayLike,
    bpm_range: tuple[float, float] = BPM_RANGE,
    durations_s: ArrayLike | None = None,
) -> BeatFit:
    """Fit a beat grid to event times (turnarounds, starts and ends of holds).

    Args:
        event_times_s: ``(K,)`` times, s.
        bpm_range: the tempi searched.
        durations_s: optional ``(K,)`` durations of the moves the events start (NaN =
            unknown): the events may then lag the beat by a common fraction ``b`` of
            their move's duration (``b`` in -0.04..``MAX_LAG``, searched too).

    Returns:
        The best fit; ``bpm`` is ``None`` with fewer than 4 events.
    """
    ev_all = np.asarray(event_times_s, dtype=np.float64)
    du_all = (
        np.full(ev_all.size, np.nan)
        if durations_s is None
        else np.asarray(durations_s, dtype=np.float64)
    )
    ok = np.isfinite(ev_all)
    order = np.argsort(ev_all[ok])
    ev0, du = ev_all[ok][order], du_all[ok][order]
    if ev0.size < 4:
        return BeatFit(None, 0.0, 0.0, 0.0, int(ev0.size))
    fill = float(np.nanmedian(du)) if np.isfinite(du).any() else 0.0
    du = np.where(np.isfinite(du), du, fill)
    lo, hi = 60.0 / bpm_range[1], 60.0 / bpm_range[0]
    span = max(float(ev0[-1] - ev0[0]), 1.0)
    # Peak width in P is about P² / span; sample it five times finer.
    step = (lo * lo / span) / 5.0
    periods = np.arange(lo, hi + step, step)
    lags = LAG_GRID if durations_s is not None else np.zeros(1)
    best_coh, lag, coh = -1.0, 0.0, np.zeros(periods.size)
    for b in lags:
        rel = ev0 - b * du / (1.0 - 2.0 * b)
        rel = rel - rel[0]
        c = np.concatenate(
            [
                np.abs(np.exp(2j * np.pi * rel[None, :] / chunk[:, None]).mean(axis=1))
                for chunk in np.array_split(periods, max(1, periods.size // 2000))
            ]
        )
        if float(c.max()) > best_coh:
            best_coh, lag, coh = float(c.max()), float(b), c
    ev = np.sort(ev0 - lag * du / (1.0 - 2.0 * lag))
    rel = ev - ev[0]
    # Strokes that all last multiples of m beats fit m/k times the beat as well: among
    # tempi fitting nearly as well as the best, take the one nearest the usual tempo.
    near = coh >= AMBIGUITY * float(coh.max())
    peaks = np.flatnonzero(near & (coh >= np.roll(coh, 1)) & (coh >= np.roll(coh, -1)))
    if peaks.size == 0:
        peaks = np.array([int(np.argmax(coh))])
    best_p = float(periods[peaks[np.argmin(np.abs(60.0 / periods[peaks] - PRIOR_BPM))]])
    # Refine around the peak.
    fine = np.linspace(best_p - 2 * step, best_p + 2 * step, 81)
    z = np.exp(2j * np.pi * rel[None, :] / fine[:, None]).mean(axis=1)
    i = int(np.argmax(np.abs(z)))
    period = float(fine[i])
    phase = float(ev[0] + (np.angle(z[i]) / (2 * np.pi)) * period)
    off = ((ev - phase) / period + 0.5) % 1.0 - 0.5
    return BeatFit(
        bpm=60.0 / period,
        coherence=float(np.abs(z[i])),
        phase_s=phase,
        on_beat=float(np.mean(np.abs(off) <= 0.1)),
        events=int(ev.size),
    )
