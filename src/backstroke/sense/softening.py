"""Softening: a sustained drop of a pass's stiffness below the first pass's (DESIGN §6.3).

"Listen for a softening in the tissues." The softening pass is the first pass whose
stiffness is at least ``threshold`` (5 % by default) below pass 0's, confirmed by the
next pass: one soft pass alone (a breath, a wobble) is not softening.

Passes are compared along u, over the first pass's u range: the stiff ends of the
back, the knots and the thick muscle are in every pass and cancel.

- With sample times, passes are compared by one compliance profile along the back
  shared by all passes and a scale per pass (``sense.compliance``). The breath is taken
  out of the depth before, by the one breathing model (``sense.breathing_session``;
  the live session and ``analyze`` both do): breathing moves the back by a few
  millimetres, which otherwise scatters per-pass figures by ±5–15 %.
- Without times, a pass's figure is the median of its per-bin ratios to pass 0
  (40 bins).

The detector reports ``pass-0 median × relative stiffness`` as the pass's stiffness,
so that ``softening_pass(detector.stiffness_by_pass_n_m)`` gives the detector's answer.

Softening is heard at equal force. Soft tissue stiffens with depth, so the secant
stiffness of a lighter pass is lower although the tissue has not changed: a "lighter"
or "too much" from the client would read as softening. Given each sample's force, the
detector keeps only the samples within ``force_match`` (5 %) of the pass's median force
and compares a pass only with passes at the same force (within ``force_match``). When
the force changes, the pass starts a new *segment* with its own reference: softening
is judged inside a segment, and ``force_changed_at`` lists the passes where a new
segment began. With sample times, a later segment is also brought to the first one's
force where the data allow it without a force–depth law (``sense.force_bridge``: the
same force again, or a splice across an abrupt change), so softening that comes with
the change of force is heard too; ``force_bridged_at`` lists the bridged changes. A
segment held harder than the first bounds its passes from above (tissue does not soften
with depth), a lighter one does too when the local force–depth law was heard
(``sense.force_law``: an upper bound of the stiffening from the force's own wander);
the bound also wins over a splice, which counts softening that came with the change of
force as the force's. On that equal-force series a soft pass is confirmed by the next
pass that has a figure.
"""

from __future__ import annotations

import math
from itertools import pairwise

import numpy as np
from numpy.typing import ArrayLike, NDArray

from backstroke.sense.compliance import (
    PassSamples,
    compliance_fit,
    pass_samples,
    relative_stiffness_by_pass,
)
from backstroke.sense.force_bridge import RawPass, splice_factor
from backstroke.sense.force_law import equal_force_bound, stiffening_exponent_max
from backstroke.sense.softening_rule import (
    DEFAULT_THRESHOLD,
    check_threshold,
    softening_pass,
)
from backstroke.sense.softening_samples import force_level, thin_bins
from backstroke.sense.stiffness import (
    DEFAULT_BINS,
    StiffnessProfile,
    median_stiffness,
    relative_stiffness,
    stiffness_profile,
)

FORCE_MATCH = 0.05


class SofteningDetector:
    """Incremental softening detector the session runner feeds after each pass.

    Args:
        threshold: relative drop that counts as softening (0.05 = 5 %).
        bins: u bins over the first pass's u range.
        min_bin_count: samples a bin needs to be compared.

    Use: ``det = SofteningDetector()``, then ``det.add_pass(stiffness_n_m, u, t_s)``
    after every pass and read ``det.softened`` / ``det.softening_pass``. Give ``t_s``
    with every pass for the joint profile fit; the model is refitted over all passes
    when a figure is read, so earlier passes' figures can still move a little.
    """

    def __init__(
        self,
        threshold: float = DEFAULT_THRESHOLD,
        *,
        bins: int = DEFAULT_BINS,
        min_bin_count: int = 3,
        force_match: float = FORCE_MATCH,
    ) -> None:
        check_threshold(threshold)
        if not 0.0 < force_match < 0.5:
            raise ValueError(f"force_match must be in (0, 0.5), got {force_match}")
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
        self.force_match = force_match
        self._reference_force_n: float | None = None
        self._segment_starts: list[int] = [0]
        self._segment_edges: dict[int, NDArray[np.float64]] = {}
        self._segment_median: dict[int, float] = {}
        self._segment_force: dict[int, float] = {}
        self._raw: list[RawPass | None] = []
        self._pass_force: list[float | None] = []
        self._bridged: tuple[list[float] | None, list[int], list[float]] | None = None
        self._first_reference: StiffnessProfile | None = None
        self._binned_vs_first: list[float] = []

    @property
    def force_changed_at(self) -> list[int]:
        """Passes at which the force changed by more than ``force_match`` (new segment)."""
        return self._segment_starts[1:]

    def _match_force(self, k: NDArray[np.float64], force_n: ArrayLike) -> NDArray[np.float64]:
        """``k`` with samples off the pass's force masked; starts a segment on a change."""
        f = np.asarray(force_n, dtype=np.float64)
        if f.shape != k.shape:
            raise ValueError(f"force {f.shape} and stiffness {k.shape} differ in shape")
        ok = np.isfinite(k) & np.isfinite(f) & (f > 0)
        if not np.any(ok):
            return k
        f_pass = force_level(f[ok], self.force_match)
        self._pass_force[-1] = f_pass
        k = np.where(ok & (np.abs(f - f_pass) <= self.force_match * f_pass), k, np.nan)
        ref = self._reference_force_n
        if ref is None:
            self._reference_force_n = f_pass
            self._segment_force[self._segment_starts[-1]] = f_pass
        elif abs(f_pass - ref) > self.force_match * ref:
            self._segment_starts.append(len(self._ratios))
            self._segment_force[len(self._ratios)] = f_pass
            self._reference_force_n = f_pass
            self._reference = None
        return k

    def add_pass(
        self,
        stiffness_samples_n_m: ArrayLike,
        u: ArrayLike,
        t_s: ArrayLike | None = None,
        force_n: ArrayLike | None = None,
    ) -> None:
        """Add one finished pass.

        Args:
            stiffness_samples_n_m: ``(N,)`` secant stiffness of the pass's samples, N/m,
                NaN where masked (see ``secant_stiffness``).
            u: ``(N,)`` chart coordinate of each sample.
            t_s: optional ``(N,)`` sample times, s: with them the passes share one
                compliance profile (take the breath out of the stiffness first).
            force_n: optional ``(N,)`` normal force of each sample, N: with it, passes are
                compared at equal force only (see the module doc).
        """
        k = np.asarray(stiffness_samples_n_m, dtype=np.float64)
        uu = np.asarray(u, dtype=np.float64)
        if k.shape != uu.shape or k.ndim != 1:
            raise ValueError(f"stiffness {k.shape} and u {uu.shape} must be equal 1-D shapes")
        raw = None
        if force_n is not None and t_s is not None:
            raw = RawPass(
                np.asarray(t_s, dtype=np.float64), uu, k, np.asarray(force_n, dtype=np.float64)
            )
        self._raw.append(raw)
        self._pass_force.append(None)
        self._bridged = None
        if force_n is not None:
            k = self._match_force(k, force_n)
        if t_s is None:
            self._timed.append(None)
        else:
            tt = np.asarray(t_s, dtype=np.float64)
            if tt.shape != k.shape:
                raise ValueError(f"t_s {tt.shape} and stiffness {k.shape} differ in shape")
            self._timed.append(pass_samples(k, uu, tt))
        self._joint = None
        self._binned_vs_first.append(self._binned_ratio_to_first(k, uu))
        if self._reference is None:
            med = median_stiffness(k)
            if not math.isfinite(med):
                self._ratios.append(float("nan"))
                return
            self._reference = stiffness_profile(k, uu, bins=self.bins)
            if self._first_reference is None:
                self._first_reference = self._reference
                self._binned_vs_first[-1] = 1.0
            self._reference_median = med
            seg = self._segment_starts[-1]
            self._segment_edges[seg] = self._reference.u_edges
            self._segment_median[seg] = med
            self._ratios.append(1.0)
            return
        prof = stiffness_profile(k, uu, u_edges=self._reference.u_edges)
        prof = thin_bins(prof, self.min_bin_count)
        ref = thin_bins(self._reference, self.min_bin_count)
        ratio = relative_stiffness(prof, ref)
        if not math.isfinite(ratio):
            # Pass outside the reference's u range: compare overall medians.
            med = median_stiffness(k)
            ratio = med / self._reference_median if math.isfinite(med) else float("nan")
        self._ratios.append(ratio)

    def _binned_ratio_to_first(self, k: NDArray[np.float64], uu: NDArray[np.float64]) -> float:
        """The pass's binned stiffness over the first reference pass's (median of bins)."""
        ref = self._first_reference
        if ref is None:
            return float("nan")
        prof = thin_bins(stiffness_profile(k, uu, u_edges=ref.u_edges), self.min_bin_count)
        return relative_stiffness(prof, thin_bins(ref, self.min_bin_count))

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
            joint: list[float] = []
            for a, b in self._segments():
                edges = self._segment_edges.get(a)
                if edges is None:  # no pass of this segment had data
                    joint += [float("nan")] * (b - a)
                else:
                    joint += relative_stiffness_by_pass(timed[a:b], edges)
            self._joint = joint
        return list(self._joint)

    def _segments(self) -> list[tuple[int, int]]:
        """``[start, stop)`` pass ranges compared at one force."""
        bounds = [*self._segment_starts, len(self._ratios)]
        return [(a, b) for a, b in pairwise(bounds) if b > a]

    @property
    def stiffness_by_pass_n_m(self) -> list[float]:
        """Segment reference median × each pass's relative stiffness, N/m (NaN = no data)."""
        rel = self.relative_by_pass
        out = []
        for a, b in self._segments():
            med = self._segment_median.get(a, float("nan"))
            out += [med * r for r in rel[a:b]]
        return out

    def _bridge(self) -> tuple[list[float] | None, list[int], list[float]]:
        """``(equal-force relative stiffness by pass, bridged passes, each pass's splice
        uncertainty)`` (see module doc)."""
        if self._bridged is not None:
            return self._bridged
        segs = self._segments()
        timed = [p for p in self._timed if p is not None]
        edges = self._segment_edges.get(0)
        if len(segs) < 2 or len(timed) != len(self._timed) or edges is None:
            self._bridged = (None, [], [])
            return self._bridged
        rel, g = compliance_fit(timed, edges)
        factor: dict[int, float | None] = {0: 1.0}
        unc: dict[int, float] = {0: 0.0}
        bridged: list[int] = []
        for j, (a, _) in enumerate(segs[1:], start=1):
            f_a = self._segment_force.get(a)
            prev = segs[j - 1][0]
            same = [
                (factor[b], unc[b])
                for b, _ in segs[:j]
                if f_a is not None
                and b in self._segment_force
                and factor.get(b) is not None
                and abs(f_a - self._segment_force[b]) <= self.force_match * self._segment_force[b]
            ]
            fac: float | None = same[0][0] if same else None
            unc[a] = same[0][1] if same else 0.0
            before, after = self._raw[a - 1], self._raw[a]
            f_prev = self._segment_force.get(prev)
            pf = factor.get(prev)
            if fac is None and None not in (before, after, f_a, f_prev, pf):
                sp = splice_factor(
                    before,  # type: ignore[arg-type]
                    after,  # type: ignore[arg-type]
                    f_prev,  # type: ignore[arg-type]
                    f_a,  # type: ignore[arg-type]
                    edges,
                    g,
                    self.force_match,
                    held_after_n=self._held_force(a, segs[j][1]),
                )
                fac = None if sp is None else pf * sp.factor  # type: ignore[operator]
                unc[a] = unc.get(prev, 0.0) + (sp.uncertainty if sp is not None else 0.0)
            factor[a] = fac
            if fac is not None:
                bridged.append(a)
        out: list[float] = []
        margin: list[float] = []
        f0 = self._segment_force.get(0)
        beta0 = self._beta_max(segs[0])
        for a, b in segs:
            fa, f_a = factor.get(a), self._segment_force.get(a)
            beta = None
            if f_a is not None and f0 is not None and f_a < f0 and beta0 is not None:
                beta_a = self._beta_max((a, b))
                beta = None if beta_a is None else max(beta0, beta_a)
            for p in range(a, b):
                # Both the joint fit and the binned ratio must bound it (the more cautious).
                bound = equal_force_bound(
                    max(rel[p], self._binned_vs_first[p]),
                    f_a,
                    f0,
                    beta,
                    threshold=self.threshold,
                    force_match=self.force_match,
                )
                val, m = bound, 0.0
                if fa is not None:
                    # A splice can hide softening that came with the change of force
                    # (it is counted as the force's): the bound, where it knows more, wins.
                    val, m = rel[p] * fa, unc.get(a, 0.0)
                    if math.isfinite(bound) and bound < val * (1.0 + m):
                        val, m = bound, 0.0
                out.append(val)
                margin.append(m)
        self._bridged = (out, bridged, margin)
        return self._bridged

    def _held_force(self, a: int, b: int) -> float | None:
        """The force passes ``[a, b)`` were held at: the median of their levels (the first
        pass of a segment may hold the change itself, its level the least sure)."""
        levels = [x for x in self._pass_force[a:b] if x is not None]
        return float(np.median(levels)) if levels else None

    def _beta_max(self, seg: tuple[int, int]) -> float | None:
        """Upper bound of the stiffening exponent heard in one force segment's passes."""
        force = self._segment_force.get(seg[0])
        if force is None:
            return None
        return stiffening_exponent_max(self._raw[seg[0] : seg[1]], force, self.force_match)

    @property
    def equal_force_relative_by_pass(self) -> list[float] | None:
        """Each pass's stiffness at the first segment's force relative to pass 0 (NaN in a
        segment that could not be bridged); ``None`` with one segment or without times."""
        return self._bridge()[0]

    @property
    def force_bridged_at(self) -> list[int]:
        """The passes of ``force_changed_at`` brought to the first segment's force."""
        return self._bridge()[1]

    @property
    def softening_pass(self) -> int | None:
        """First softened pass (confirmed by the next) inside one force segment, or across
        a bridged change of force; ``None`` if neither."""
        k = self.stiffness_by_pass_n_m
        found: int | None = None
        bridged = set(self.force_bridged_at)
        for a, b in self._segments():
            if a in bridged:
                continue  # judged from pass 0 on the equal-force series below
            seg = softening_pass(k[a:b], self.threshold)
            if seg is not None:
                found = a + seg
                break
        eq, _, margin = self._bridge()
        across = None
        if eq is not None:
            # Across a splice a pass must be softer by its uncertainty too.
            judged = [r * (1.0 + m) for r, m in zip(eq, margin, strict=True)]
            across = softening_pass(judged, self.threshold, skip_unknown=True)
        hits = [x for x in (found, across) if x is not None]
        return min(hits) if hits else None

    @property
    def softened(self) -> bool:
        """Whether a confirmed softening has been heard."""
        return self.softening_pass is not None
