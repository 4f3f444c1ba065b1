"""Breathing: the back rises and falls along its normal, slightly irregularly.

Breath ``k`` starts at ``start_k`` and lasts ``T_k = T0 (1 + period_jitter·N(0,1))``
(clipped to ±3σ), with ``T0 = 60 / client.breathing_rate_bpm``; its depth is scaled by
``a_k = 1 + amplitude_jitter·N(0,1)`` (clipped). Within a breath, with phase
``φ ∈ [0, 1)`` and inhale fraction ``f``::

    w(φ) = ½ (1 − cos(π φ / f))                 inhale (φ < f)
    w(φ) = ½ (1 + cos(π (φ − f) / (1 − f)))     exhale

and the skin moves along its outward normal by ``A(u, v) · (a_k w(φ) − ½)`` metres:
peak-to-peak ``A · a_k`` about the nominal surface, continuous from breath to breath.
``A`` is the breathing amplitude field (larger over the low/mid back).

Breaths are drawn in order from a dedicated generator, in blocks. A client's breathing
slows as they relax (``tissue/guarding.py``): breath ``k`` lasts ``T_k / rate_factor``
with the factor in force when the breath is first reached, and keeps it. Breaths are
laid down in time order as they are reached, so what has been breathed never changes
afterwards (with a constant factor the waveform is a pure function of time: any query
order gives the same answer).
"""

from __future__ import annotations

import bisect
import math

import numpy as np

from backstroke.errors import ClientError

_BLOCK = 256


class Breathing:
    """The breathing waveform of one client (a pure function of time).

    Args:
        rate_bpm: mean breathing rate (breaths per minute).
        rng: the generator for this waveform (seeded from the client's seed).
        period_jitter: σ of the relative per-breath period variation.
        amplitude_jitter: σ of the relative per-breath depth variation.
        inhale_fraction: inhale share of a cycle.
    """

    def __init__(
        self,
        rate_bpm: float,
        rng: np.random.Generator,
        *,
        period_jitter: float = 0.07,
        amplitude_jitter: float = 0.02,
        inhale_fraction: float = 0.4,
    ) -> None:
        if not (1.0 <= rate_bpm <= 60.0):
            raise ClientError(
                "breathing rate out of range",
                key="breathing_rate_bpm",
                value=rate_bpm,
                allowed="1..60",
            )
        self.rate0_bpm = float(rate_bpm)
        self.period0_s = 60.0 / rate_bpm
        self.inhale_fraction = float(inhale_fraction)
        # The breathing-rate factor of the breaths still to come (set by the client).
        self.rate_factor = 1.0
        self._rng = rng
        self._pj = float(period_jitter)
        self._aj = float(amplitude_jitter)
        self.starts_s: list[float] = [-float(rng.uniform(0.0, 1.0)) * self.period0_s]
        self.periods_s: list[float] = []
        self.scales: list[float] = []
        self._drawn: list[tuple[float, float]] = []  # (period at factor 1, depth scale)
        self._next()

    def _next(self) -> None:
        """Lay down the next breath at the current ``rate_factor``."""
        k = len(self.periods_s)
        if k >= len(self._drawn):
            z = self._rng.standard_normal((_BLOCK, 2))
            periods = self.period0_s * (1.0 + self._pj * np.clip(z[:, 0], -3.0, 3.0))
            scales = 1.0 + self._aj * np.clip(z[:, 1], -3.0, 3.0)
            self._drawn += list(zip(periods.tolist(), scales.tolist(), strict=True))
        per, sc = self._drawn[k]
        per /= self.rate_factor
        self.periods_s.append(per)
        self.scales.append(sc)
        self.starts_s.append(self.starts_s[-1] + per)
        # starts_s has one more entry than periods: the end of the last breath.

    @property
    def rate_bpm(self) -> float:
        """Mean rate (breaths/min) of the breaths laid down so far (the client's rate as
        breathed; ``rate0_bpm`` is the rate they arrived with)."""
        return 60.0 * len(self.periods_s) / (self.starts_s[-1] - self.starts_s[0])

    def cycle(self, t_s: float) -> tuple[float, float, float]:
        """``(start_s, period_s, depth_scale)`` of the breath containing ``t_s``."""
        t = max(t_s, self.starts_s[0])
        while t >= self.starts_s[-1]:
            self._next()
        k = bisect.bisect_right(self.starts_s, t) - 1
        k = min(max(k, 0), len(self.periods_s) - 1)
        return self.starts_s[k], self.periods_s[k], self.scales[k]

    def offset_fraction(self, t_s: float) -> float:
        """``a_k w(φ) − ½``: the surface offset in units of the local amplitude."""
        start, period, scale = self.cycle(t_s)
        return scale * shape(max(t_s - start, 0.0) / period, self.inhale_fraction) - 0.5


def shape(phase: float, inhale_fraction: float) -> float:
    """Normalised breath ``w(φ) ∈ [0, 1]`` for a phase in [0, 1)."""
    if phase < inhale_fraction:
        return 0.5 - 0.5 * math.cos(math.pi * phase / inhale_fraction)
    return 0.5 + 0.5 * math.cos(math.pi * (phase - inhale_fraction) / (1.0 - inhale_fraction))
