"""The tempo grid: beat times the planner puts strokes on.

A grid comes from a constant BPM or from tracked beats of the client's music. Past the
last tracked beat it continues at the tempo of the last few beats (as if the music
goes on), so a session longer than the track still has beats.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from backstroke.errors import PlanError

MIN_BPM = 20.0
MAX_BPM = 240.0


@dataclass(frozen=True)
class BeatGrid:
    """Beat times in seconds from the session start.

    Attributes:
        bpm: nominal tempo (beats per minute), used to extrapolate.
        beats_s: (N,) float64 strictly increasing tracked beat times, may be empty
            for a constant tempo; beats before the first tracked one are extrapolated
            backwards at ``bpm``.
        source: ``"bpm"`` or ``"music"``.
    """

    bpm: float
    beats_s: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    source: str = "bpm"

    def __post_init__(self) -> None:
        if not (np.isfinite(self.bpm) and MIN_BPM <= self.bpm <= MAX_BPM):
            raise PlanError(f"tempo {self.bpm!r} BPM is outside {MIN_BPM:g}..{MAX_BPM:g} BPM")
        beats = np.asarray(self.beats_s, dtype=np.float64)
        if beats.ndim != 1 or not np.all(np.isfinite(beats)):
            raise PlanError("beat times must be a 1-D array of finite seconds")
        if beats.size > 1 and np.any(np.diff(beats) <= 0):
            raise PlanError("beat times must be strictly increasing")
        object.__setattr__(self, "beats_s", beats)

    @classmethod
    def constant(cls, bpm: float) -> BeatGrid:
        return cls(bpm=float(bpm), beats_s=np.zeros(0), source="bpm")

    @property
    def period_s(self) -> float:
        return 60.0 / self.bpm

    def _tail_period_s(self) -> float:
        if self.beats_s.size >= 2:
            tail = np.diff(self.beats_s[-9:])
            return float(np.median(tail))
        return self.period_s

    def beat_time(self, index: int | NDArray[np.int64]) -> NDArray[np.float64]:
        """Time of beat ``index`` (0 = first beat at or after t = 0 of the grid)."""
        idx = np.asarray(index, dtype=np.int64)
        beats = self.beats_s
        if beats.size == 0:
            return np.asarray(idx * self.period_s, dtype=np.float64)
        n = beats.size
        inside = np.clip(idx, 0, n - 1)
        t = beats[inside].astype(np.float64)
        after = idx >= n
        t = np.where(after, beats[-1] + (idx - (n - 1)) * self._tail_period_s(), t)
        before = idx < 0
        return np.where(before, beats[0] + idx * self.period_s, t)

    def first_beat_at_or_after(self, t_s: float) -> int:
        """Index of the first beat whose time is >= ``t_s`` - 1 µs."""
        beats = self.beats_s
        if beats.size == 0:
            return int(np.ceil(t_s / self.period_s - 1e-6))
        if t_s <= beats[-1] + 1e-6:
            i = int(np.searchsorted(beats, t_s - 1e-6))
            if i == 0 and t_s < beats[0] - 1e-6:
                return -int(np.floor((beats[0] - t_s) / self.period_s + 1e-6))
            return i
        tail = self._tail_period_s()
        return beats.size - 1 + int(np.ceil((t_s - beats[-1]) / tail - 1e-6))

    def beats_between(self, t0_s: float, t1_s: float) -> NDArray[np.float64]:
        """All beat times in [t0_s, t1_s]."""
        i0 = self.first_beat_at_or_after(t0_s)
        i1 = self.first_beat_at_or_after(t1_s)
        # Include a beat at t1_s itself (within 1 µs).
        if abs(float(self.beat_time(i1)) - t1_s) <= 1e-6:
            i1 += 1
        return np.asarray(self.beat_time(np.arange(i0, i1)), dtype=np.float64)
