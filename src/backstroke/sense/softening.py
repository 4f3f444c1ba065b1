"""Softening: a sustained drop of a pass's stiffness below the first pass's (DESIGN §6.3).

"Listen for a softening in the tissues." The softening pass is the first pass whose
stiffness is at least ``threshold`` (5 % by default) below pass 0's, confirmed by the
next pass: one soft pass alone (a breath, a wobble) is not softening.

Passes are compared along u, over the first pass's u range: the stiff ends of the
back, the knots and the thick muscle are in every pass and cancel.

- With sample times, the comparison takes the client's breathing out (see
  ``sense.compliance``): one compliance profile along the back shared by all passes,
  a scale per pass, and a breathing sinusoid per pass. Breathing moves the back by a
  few millimetres, which otherwise scatters per-pass figures by ±5–15 %.
- Without times, a pass's figure is the median of its per-bin ratios to pass 0
  (40 bins).

The detector reports ``pass-0 median × relative stiffness`` as the pass's stiffness,
so that ``softening_pass(detector.stiffness_by_pass_n_m)`` gives the detector's answer.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from backstroke.sense.compliance import PassSamples, pass_samples, relative_stiffness_by_pass
from backstroke.sense.stiffness import (
    DEFAULT_BINS,
    StiffnessProfile,
    median_stiffness,
    relative_stiffness,
    stiffness_profile,
)

DEFAULT_THRESHOLD = 0.05
# Tolerance so that a drop of exactly the threshold counts despite rounding.
_EPS = 1e-9


def _check_threshold(threshold: float) -> None:
    if not 0.0 < threshold < 1.0:
        raise ValueError(f"softening threshold must be in (0, 1), got {threshold}")


def softening_pass(
    stiffness_by_pass_n_m: Sequence[float], threshold: float = DEFAULT_THRESHOLD
) -> int | None:
    """First pass at least ``threshold`` softer than the reference, confirmed by the next.

    Args:
        stiffness_by_pass_n_m: stiffness of each pass in order, N/m (NaN = no data). The
            reference is pass 0 (the first finite entry if pass 0 has no data).
        threshold: relative drop, e.g. 0.05 for 5 %.

    Returns:
        The pass number, or ``None`` when the tissue did not soften (or the last soft
        pass has no next pass to confirm it).
    """
    _check_threshold(threshold)
    s = [float(x) for x in stiffness_by_pass_n_m]
    ref_i = next((i for i, x in enumerate(s) if math.isfinite(x) and x > 0), None)
    if ref_i is None:
        return None
    limit = s[ref_i] * (1.0 - threshold) * (1.0 + _EPS)
    for k in range(ref_i + 1, len(s) - 1):
        a, b = s[k], s[k + 1]
        if math.isfinite(a) and math.isfinite(b) and a <= limit and b <= limit:
            return k
    return None


class SofteningDetector:
    """Incremental softening detector the session runner feeds after each pass.

    Args:
        threshold: relative drop that counts as softening (0.05 = 5 %).
        bins: u bins over the first pass's u range.
        min_bin_count: samples a bin needs to be compared.

    Use: ``det = SofteningDetector()``, then ``det.add_pass(stiffness_n_m, u, t_s)``
    after every pass and read ``det.softened`` / ``det.softening_pass``. Give ``t_s``
    with every pass to have the breathing taken out; the model is refitted over all
    passes when a figure is read, so earlier passes' figures can still move a little.
    """

    def __init__(
        self,
        threshold: float = DEFAULT_THRESHOLD,
        *,
        bins: int = DEFAULT_BINS,
        min_bin_count: int = 3,
    ) -> None:
        _check_threshold(threshold)
        if bins < 1:
            raise ValueError(f"bins must be >= 1, got {bins}")
        self.threshold = threshold
        self.bins = bins
        self.min_bin_count = min_bin_count
        self._reference: StiffnessProfile | None = None
        self._reference_median = float("nan")
        self._ratios: list[float] = []
        self._timed: list[PassSamples | None] = []
        self._joint: list[float] | None = None

    def add_pass(
        self, stiffness_samples_n_m: ArrayLike, u: ArrayLike, t_s: ArrayLike | None = None
    ) -> None:
        """Add one finished pass.

        Args:
            stiffness_samples_n_m: ``(N,)`` secant stiffness of the pass's samples, N/m,
                NaN where masked (see ``secant_stiffness``).
            u: ``(N,)`` chart coordinate of each sample.
            t_s: optional ``(N,)`` sample times, s: with them the breathing is taken out.
        """
        k = np.asarray(stiffness_samples_n_m, dtype=np.float64)
        uu = np.asarray(u, dtype=np.float64)
        if k.shape != uu.shape or k.ndim != 1:
            raise ValueError(f"stiffness {k.shape} and u {uu.shape} must be equal 1-D shapes")
        if t_s is None:
            self._timed.append(None)
        else:
            tt = np.asarray(t_s, dtype=np.float64)
            if tt.shape != k.shape:
                raise ValueError(f"t_s {tt.shape} and stiffness {k.shape} differ in shape")
            self._timed.append(pass_samples(k, uu, tt))
        self._joint = None
        if self._reference is None:
            med = median_stiffness(k)
            if not math.isfinite(med):
                self._ratios.append(float("nan"))
                return
            self._reference = stiffness_profile(k, uu, bins=self.bins)
            self._reference_median = med
            self._ratios.append(1.0)
            return
        prof = stiffness_profile(k, uu, u_edges=self._reference.u_edges)
        prof = _thin_bins(prof, self.min_bin_count)
        ref = _thin_bins(self._reference, self.min_bin_count)
        ratio = relative_stiffness(prof, ref)
        if not math.isfinite(ratio):
            # Pass outside the reference's u range: compare overall medians.
            med = median_stiffness(k)
            ratio = med / self._reference_median if math.isfinite(med) else float("nan")
        self._ratios.append(ratio)

    @property
    def passes(self) -> int:
        """Passes added so far."""
        return len(self._ratios)

    @property
    def relative_by_pass(self) -> list[float]:
        """Each pass's stiffness relative to the reference pass (1.0 = unchanged)."""
        timed = [p for p in self._timed if p is not None]
        if self._reference is None or len(timed) != len(self._timed):
            return list(self._ratios)
        if self._joint is None:
            self._joint = relative_stiffness_by_pass(timed, self._reference.u_edges)
        return list(self._joint)

    @property
    def stiffness_by_pass_n_m(self) -> list[float]:
        """Reference median × each pass's relative stiffness, N/m (NaN = no data)."""
        return [self._reference_median * r for r in self.relative_by_pass]

    @property
    def softening_pass(self) -> int | None:
        """First softened pass (confirmed by the next), or ``None``."""
        return softening_pass(self.stiffness_by_pass_n_m, self.threshold)

    @property
    def softened(self) -> bool:
        """Whether a confirmed softening has been heard."""
        return self.softening_pass is not None


def _thin_bins(profile: StiffnessProfile, min_count: int) -> StiffnessProfile:
    """The profile with bins of fewer than ``min_count`` samples blanked."""
    med = np.where(profile.counts >= min_count, profile.stiffness_n_m, np.nan)
    return StiffnessProfile(profile.u_edges, med, profile.counts)
