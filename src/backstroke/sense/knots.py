"""Knots over a record: every thumb strip searched, merged (DESIGN §1, §6.3).

"You will probably feel tight spots and/or knots." A record's thumb samples are cut
into strips (one leg of u in one pass on one lane, ``sense.knot_strips``), each strip
is searched for local stiffness peaks (``sense.knot_profile.strip_knots``) and the
detections of every pass and lane are merged when closer than 15 mm on the skin
(``sense.knot_merge``).

Two things besides the tissue change the secant stiffness along a strip, and both
would fake knots or cut them in two; given the samples' times, depths and forces the
detector takes them out strip by strip:

- **Breathing**: the back rises and falls by a few millimetres under a thumb that
  holds its force, so the depth below the model surface swings with each breath and
  the secant stiffness makes 3–10 cm humps of up to ±40 %. Each strip's own breath is
  fitted and removed (``sense.breathing_removal``: one strip lasts a few breaths; one
  fit over a whole pass of many lanes would share one profile between lanes and one
  phase over minutes).
- **Force steps**: soft tissue stiffens with depth, so where the force changes (a
  client's "too much", a cap near bone) the secant steps too. A strip is cut into
  plateaus of steady force (within ``FORCE_STEP``, 6 %) and each plateau is searched on
  its own.

A knot between two lanes is felt by both, weaker than it is (the thumb's pressure bulb
averages it with the tissue around, and the lane passes off its centre). Merged
detections place the knot at the strength-weighted mean of their lanes; when two lanes
at different ``v`` saw it, the lateral fall-off between them (a Gaussian as wide as the
knot is long on the stronger lane) gives its centre between the lanes and its strength
at that centre (``lateral_correction``).
"""

from __future__ import annotations

import itertools
import math
from typing import TypedDict, Unpack

import numpy as np
from numpy.typing import ArrayLike, NDArray

from backstroke.sense.breathing_removal import MIN_PASS_SAMPLES, BreathingFit, fit_breathing
from backstroke.sense.knot_merge import MERGE_M, Knot, KnotDetection, merge_knots
from backstroke.sense.knot_profile import (
    DEFAULT_BACK_LENGTH_M,
    EDGE_M,
    MIN_WIDTH_M,
    RATIO_THRESHOLD,
    WINDOW_M,
    column_or_nan,
    finite_median,
    strip_knots,
)
from backstroke.sense.knot_strips import force_plateaus, strip_groups
from backstroke.sense.passes import DEFAULT_HYSTERESIS_U
from backstroke.sense.stiffness import secant_stiffness

__all__ = [
    "DEFAULT_BACK_LENGTH_M",
    "EDGE_M",
    "MIN_WIDTH_M",
    "RATIO_THRESHOLD",
    "WINDOW_M",
    "Knot",
    "KnotDetection",
    "KnotDetector",
    "StripColumns",
    "detect_knots",
    "knot_detections",
    "merge_knots",
    "strip_knots",
]

# Force below this fraction of the strip's median force is a touch-down or a lift,
# not the strip (secant stiffness of a nonlinear tissue depends on depth).
FORCE_FRACTION = 0.5
# The breath assumed when none is heard (breaths/min): the force is averaged over one.
FALLBACK_RATE_BPM = 15.0
# Loaded samples of one strip farther apart in time than this are a pause (a dwell).
PAUSE_S = 1.0
# A strip's fitted breath larger than this many times the record's median is not a breath.
MAX_BREATH_OVER_TYPICAL = 2.0


class StripColumns(TypedDict, total=False):
    """The optional ``(N,)`` columns of a record and the breath known so far (see
    ``knot_detections``)."""

    normal_force_n: ArrayLike | None
    x_m: ArrayLike | None
    y_m: ArrayLike | None
    z_m: ArrayLike | None
    t_s: ArrayLike | None
    indentation_m: ArrayLike | None
    breathing_rate_bpm: float | None


class DetectOptions(StripColumns, total=False):
    """``StripColumns`` and the finder's settings (see ``knot_detections``)."""

    back_length_m: float
    ratio_threshold: float
    window_m: float
    min_width_m: float
    hysteresis: float


def _loaded(k: NDArray[np.float64], f: NDArray[np.float64] | None) -> NDArray[np.bool_]:
    """A strip's samples that are the strip: stiffness measured and (with a force) at
    least ``FORCE_FRACTION`` of the strip's median force (not a touch-down or a lift)."""
    ok = np.isfinite(k)
    if f is None:
        return ok
    typical = finite_median(np.where(ok, f, np.nan))
    if math.isfinite(typical):
        ok &= f >= FORCE_FRACTION * typical
    return ok


def _long_enough(s_m: NDArray[np.float64], window_m: float) -> bool:
    """Whether a strip spans the ``3 * window_m`` that ``strip_knots`` needs to search."""
    s = s_m[np.isfinite(s_m)]
    return bool(s.size) and float(s.max()) - float(s.min()) >= 3 * window_m


def _time_pieces(t: NDArray[np.float64], on: NDArray[np.bool_]) -> list[NDArray[np.int64]]:
    """Index ranges of a strip between pauses: loaded samples more than ``PAUSE_S``
    apart in time cut it (the samples between are in the piece before)."""
    j = np.flatnonzero(on & np.isfinite(t))
    if j.size < 2:
        return [np.arange(t.size)]
    cuts = j[1:][np.diff(t[j]) > PAUSE_S]
    bounds = [0, *cuts.tolist(), t.size]
    return [np.arange(a, b) for a, b in itertools.pairwise(bounds) if b > a]


def _strips_breathing_rate(
    groups: list[NDArray[np.int64]],
    t: NDArray[np.float64],
    u: NDArray[np.float64],
    depth: list[NDArray[np.float64]],
) -> float | None:
    """Median breathing rate (breaths/min) of the strips long enough to tell, or None.

    A short strip (an outer lane stopping below the scapula) lasts too few breaths to
    scan the whole resting range; with this rate it only refines it.
    """
    rates = []
    for idx, d in zip(groups, depth, strict=True):
        fit = fit_breathing(t[idx], u[idx], d, None, robust=True)
        if fit is not None and fit.confident:
            rates.append(fit.rate_bpm)
    return float(np.median(rates)) if rates else None


def knot_detections(
    u: ArrayLike,
    v: ArrayLike,
    stiffness_n_m: ArrayLike,
    pass_of: ArrayLike,
    *,
    normal_force_n: ArrayLike | None = None,
    x_m: ArrayLike | None = None,
    y_m: ArrayLike | None = None,
    z_m: ArrayLike | None = None,
    t_s: ArrayLike | None = None,
    indentation_m: ArrayLike | None = None,
    breathing_rate_bpm: float | None = None,
    back_length_m: float = DEFAULT_BACK_LENGTH_M,
    ratio_threshold: float = RATIO_THRESHOLD,
    window_m: float = WINDOW_M,
    min_width_m: float = MIN_WIDTH_M,
    hysteresis: float = DEFAULT_HYSTERESIS_U,
) -> list[KnotDetection]:
    """Per-strip detections over a record (unmerged; ``detect_knots`` merges them).

    Args:
        u, v: ``(N,)`` chart coordinates (v in m) of thumb-strip samples.
        stiffness_n_m: ``(N,)`` secant stiffness, N/m (NaN = masked).
        pass_of: ``(N,)`` pass numbers (see ``pass_indices``).
        normal_force_n: optional ``(N,)`` force, N: samples under half the strip's median
            force (touch-down, lift, a light return glide) are left out, and each
            plateau of steady force is searched on its own.
        x_m, y_m, z_m: optional ``(N,)`` body-frame positions, m.
        t_s, indentation_m: optional ``(N,)`` times (s) and depths (m): with them and
            the force, each strip's breathing is removed from its depth and the secant
            recomputed (``stiffness_n_m`` still masks).
        breathing_rate_bpm: the breathing rate known so far, or None: used when no strip
            is long enough to tell the rate itself.
        back_length_m, ratio_threshold, window_m, min_width_m: see ``strip_knots``.
        hysteresis: see ``turnarounds``.
    """
    uu = np.asarray(u, dtype=np.float64)
    n = uu.size
    vv, k, p = (
        column_or_nan(v, n),
        column_or_nan(stiffness_n_m, n),
        np.asarray(pass_of, dtype=np.int64),
    )
    f = None if normal_force_n is None else column_or_nan(normal_force_n, n)
    xs, ys, zs = column_or_nan(x_m, n), column_or_nan(y_m, n), column_or_nan(z_m, n)
    t = None if t_s is None else column_or_nan(t_s, n)
    dep = None if indentation_m is None else column_or_nan(indentation_m, n)
    dets: list[KnotDetection] = []
    groups = strip_groups(uu, vv, p, hysteresis, back_length_m)
    # Most strips of a record are slivers (a glide's wander across lanes): too short to
    # search for a knot and too few samples to tell a breath. Those are passed over.
    searched = [_long_enough(uu[idx] * back_length_m, window_m) for idx in groups]
    used = [s or idx.size >= MIN_PASS_SAMPLES for s, idx in zip(searched, groups, strict=True)]
    loaded = [
        _loaded(k[idx], None if f is None else f[idx]) if need else np.zeros(idx.size, dtype=bool)
        for idx, need in zip(groups, used, strict=True)
    ]
    rate = breathing_rate_bpm
    if f is not None and t is not None and dep is not None:
        # The strips' own breathing (a few breaths each, many strips) over a rate heard
        # elsewhere (a rest of a few breaths); that only when no strip can tell.
        # Heard between pauses (see below): a fit across one has its rate pulled.
        # (A piece of fewer samples than a fit needs cannot tell: left out.)
        pieces = [
            idx[piece]
            for idx, m in zip(groups, loaded, strict=True)
            if idx.size >= MIN_PASS_SAMPLES
            for piece in _time_pieces(t[idx], m)
            if piece.size >= MIN_PASS_SAMPLES
        ]
        on_dep = [np.where(_loaded(k[j], f[j]), dep[j], np.nan) for j in pieces]
        rate = _strips_breathing_rate(pieces, t, uu, on_dep) or breathing_rate_bpm
    fits: list[list[tuple[NDArray[np.int64], BreathingFit]]] = []
    if f is not None and t is not None and dep is not None:
        # Each strip's own breath, fitted on its loaded samples only: a touch-down or
        # lift in the strip (the depth climbing from the air in a moment at one u) is
        # no breath. A pause inside the strip (a dwell on a knot met before) is fitted
        # on either side of it: one breath over both would have to carry its phase
        # across the pause, and a breath a few per cent off the rate is half a breath
        # out by the far end. A piece too short to tell is left as measured.
        for idx, on in zip(groups, loaded, strict=True):
            per: list[tuple[NDArray[np.int64], BreathingFit]] = []
            if idx.size < MIN_PASS_SAMPLES:
                fits.append(per)
                continue
            d_on = np.where(on, dep[idx], np.nan)
            for piece in _time_pieces(t[idx], on):
                fit = fit_breathing(t[idx][piece], uu[idx][piece], d_on[piece], rate, robust=True)
                if fit is not None:
                    per.append((piece, fit))
            fits.append(per)
    # The size of each fitted breath: the RMS of its motion (with two harmonics, a rate
    # half the true one carries the breath in the second).
    amps = [float(np.std(fit.oscillation_m)) for per in fits for _, fit in per]
    # The back breathes alike under every lane of a record: a fit far larger than the
    # record's typical breath has taken the tissue (a strong knot, a wave of the back
    # a one-way strip cannot tell from a breath) for breath; that piece stays as measured.
    amp_cap = MAX_BREATH_OVER_TYPICAL * float(np.median(amps)) if len(amps) >= 3 else math.inf
    for g, (idx, on) in enumerate(zip(groups, loaded, strict=True)):
        if not searched[g]:
            continue
        ks = np.where(on, k[idx], np.nan)
        if fits and f is not None and dep is not None:
            clean = np.where(on, dep[idx], np.nan)
            for piece, fit in fits[g]:
                if float(np.std(fit.oscillation_m)) <= amp_cap:
                    clean[piece] = clean[piece] - fit.oscillation_m
            ks = np.where(on, secant_stiffness(f[idx], clean), np.nan)
        parts = [np.arange(idx.size)]
        if f is not None:
            fs = f[idx]
            parts = force_plateaus(
                uu[idx] * back_length_m,
                np.where(np.isfinite(ks), fs, np.nan),
                t_s=None if t is None else t[idx],
                breath_period_s=60.0 / (rate or FALLBACK_RATE_BPM),
            )
        for part in parts:
            j = idx[part]
            dets += strip_knots(
                uu[j],
                vv[j],
                ks[part],
                pass_index=int(p[idx[0]]),
                back_length_m=back_length_m,
                ratio_threshold=ratio_threshold,
                window_m=window_m,
                min_width_m=min_width_m,
                x_m=xs[j],
                y_m=ys[j],
                z_m=zs[j],
            )
    return dets


def detect_knots(
    u: ArrayLike,
    v: ArrayLike,
    stiffness_n_m: ArrayLike,
    pass_of: ArrayLike,
    *,
    merge_m: float = MERGE_M,
    **options: Unpack[DetectOptions],
) -> list[Knot]:
    """Knots over every strip of a record (``knot_detections``), merged across passes
    and sides within ``merge_m`` on the skin (m).

    Returns:
        Knots sorted by u, then v.
    """
    dets = knot_detections(u, v, stiffness_n_m, pass_of, **options)
    back_length_m = options.get("back_length_m", DEFAULT_BACK_LENGTH_M)
    return merge_knots(dets, back_length_m=back_length_m, merge_m=merge_m)


class KnotDetector:
    """Incremental knot finder: add each thumb-strip pass, read the merged knots.

    Args:
        back_length_m: converts u to metres along the back.
        ratio_threshold: see ``strip_knots``.
    """

    def __init__(
        self,
        back_length_m: float = DEFAULT_BACK_LENGTH_M,
        *,
        ratio_threshold: float = RATIO_THRESHOLD,
    ) -> None:
        self.back_length_m = back_length_m
        self.ratio_threshold = ratio_threshold
        self._detections: list[KnotDetection] = []
        self._passes = 0

    def add_pass(
        self,
        u: ArrayLike,
        v: ArrayLike,
        stiffness_n_m: ArrayLike,
        **columns: Unpack[StripColumns],
    ) -> None:
        """Add one pass's thumb samples (``(N,)`` each; see ``knot_detections``)."""
        n = np.asarray(u).size
        self._detections += knot_detections(
            u,
            v,
            stiffness_n_m,
            np.full(n, self._passes, dtype=np.int64),
            back_length_m=self.back_length_m,
            ratio_threshold=self.ratio_threshold,
            **columns,
        )
        self._passes += 1

    @property
    def passes(self) -> int:
        """Passes added so far."""
        return self._passes

    @property
    def detections(self) -> list[KnotDetection]:
        """Every per-strip detection so far."""
        return list(self._detections)

    @property
    def knots(self) -> list[Knot]:
        """Detections merged within 15 mm, sorted by u then v."""
        return merge_knots(self._detections, back_length_m=self.back_length_m)
