"""A pass's samples as the softening detector weighs them: the force it was held at,
and its stiffness profile without thin bins."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from backstroke.sense.stiffness import StiffnessProfile


def force_level(f: NDArray[np.float64], match: float) -> float:
    """The force a pass was held at (``(N,)`` finite forces): its median, or when the
    force changed inside the pass the median of the half (first or second) whose median
    holds more samples within ``match`` of it (the median of two levels is neither)."""
    half = f.size // 2
    levels = [float(np.median(f))]
    if half:
        levels += [float(np.median(f[:half])), float(np.median(f[half:]))]
    counts = [int(np.count_nonzero(np.abs(f - lv) <= match * lv)) for lv in levels]
    return levels[int(np.argmax(counts))]


def thin_bins(profile: StiffnessProfile, min_count: int) -> StiffnessProfile:
    """The profile with bins of fewer than ``min_count`` samples blanked."""
    med = np.where(profile.counts >= min_count, profile.stiffness_n_m, np.nan)
    return StiffnessProfile(profile.u_edges, med, profile.counts)
