"""The client's breathing over the whole session, from the rest and every stroke.

The rest hold gives a clean rate when it is long enough (``sense.breathing``); every
pass afterwards gives a rate, amplitude and phase from the stroke's own breathing model
(``sense.breathing_removal.fit_breathing``). The session's rate is the weighted median
of the confident estimates (weight: how much of the pass's depth the breath explains ×
the pass's length), so one noisy pass cannot move it, and a session whose rest was too
short to hear still reports a rate. The estimates in time order are the rate over time.

This is the one breathing model of backstroke: the live session (``session.listening``)
and ``analyze`` both hear every pass through :meth:`BreathingTracker.hear_pass` (fit,
record, take the breath out of the depth) and every still hold through
:meth:`BreathingTracker.add_rest`, and both judge softening on a block's passes with the
breath taken out of all of them together (:meth:`BreathingTracker.clean_passes`: one
profile along the back shared by the passes), so the same recording is judged the same
way.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from backstroke.sense.breathing_joint import PassDepth, remove_breathing_joint, same_line_groups
from backstroke.sense.breathing_removal import BreathingFit, fit_breathing

# The rest's spectral estimate counts as this many seconds of a perfect fit.
REST_WEIGHT_S = 60.0
# The breathing phase is heard over the last this many breaths of a chunk.
PHASE_BREATHS = 2.0


# A pass that hears no breath around the session's rate so far takes its own rate,
# scanned over the whole resting band, when that breath explains this much more.
FREE_SCAN_MARGIN = 0.1


def _r2(fit: BreathingFit | None) -> float:
    return -math.inf if fit is None else fit.r2


@dataclass(frozen=True)
class RateSample:
    """One breathing-rate estimate: when, how fast, how much it counts."""

    t_s: float
    rate_bpm: float
    weight: float
    source: str  # "rest" or "stroke"


@dataclass
class BreathingTracker:
    """Collects breathing estimates during a session (pure bookkeeping, no I/O)."""

    samples: list[RateSample] = field(default_factory=list)
    last_fit: BreathingFit | None = None
    # (time, phase) of the breath heard most recently (hear_phase), s and rad.
    phase_ref: tuple[float, float] | None = None

    def add_rest(self, t_s: float, rate_bpm: float | None) -> None:
        if rate_bpm is not None and math.isfinite(rate_bpm):
            self.samples.append(RateSample(t_s, rate_bpm, REST_WEIGHT_S, "rest"))

    def add_pass(self, fit: BreathingFit | None, duration_s: float) -> None:
        if fit is None or not fit.confident or not math.isfinite(fit.rate_bpm):
            return
        self.last_fit = fit
        self.samples.append(
            RateSample(fit.t_mid_s, fit.rate_bpm, fit.r2 * max(duration_s, 0.0), "stroke")
        )

    def hear_pass(
        self, t_s: ArrayLike, u: ArrayLike, depth_m: ArrayLike, *, robust: bool = False
    ) -> NDArray[np.float64]:
        """Hear one pass's breath and return its depth with the breath taken out.

        Args:
            t_s, u, depth_m: ``(N,)`` sample times (s), chart positions and the tool's
                depth below the nominal skin (m) of the pass's stroke samples.
            robust: down-weight local bumps (a knot under a thumb) in the fit.

        Returns:
            ``(N,)`` depth minus the fitted breathing motion (unchanged when the pass
            cannot tell its breath, see ``fit_breathing``). The fit scans around the
            session's rate so far; when it hears no breath there, over the whole
            resting band too, and keeps the band's rate when that explains the depth
            clearly better (a rate misheard once must not lock the session in).
        """
        t = np.asarray(t_s, dtype=np.float64)
        d = np.asarray(depth_m, dtype=np.float64)
        fit = fit_breathing(t, u, d, self.rate_bpm, robust=robust)
        if self.rate_bpm is not None and (fit is None or not fit.confident):
            # The rate so far is only a prior: a first pass misheard (a guarded back
            # settling) would lock every later pass out of the ±15 % scan around it.
            # Only a pass that hears no breath there looks wider (a pass that does
            # could find a slow "breath" in its own profile, a one-way stroke's).
            free = fit_breathing(t, u, d, None, robust=robust)
            if free is not None and free.confident and free.r2 > _r2(fit) + FREE_SCAN_MARGIN:
                fit = free
        if fit is None:
            return d.copy()
        ok = np.isfinite(t)
        self.add_pass(fit, float(np.ptp(t[ok])) if np.any(ok) else 0.0)
        return np.asarray(d - fit.oscillation_m, dtype=np.float64)

    def clean_passes(self, passes: Sequence[PassDepth]) -> list[NDArray[np.float64]]:
        """A block's passes with the breath taken out together, one profile along the
        back shared by the passes on one line (``sense.breathing_joint``): what
        softening is judged on.

        Each pass's rate is refined from the session's so far; nothing is recorded (each
        pass's rate was, by :meth:`hear_pass`). Returns one ``(N,)`` depth per pass, as
        measured where the pass cannot tell its breath or no rate is known yet.
        """
        rate = self.rate_bpm
        out: list[NDArray[np.float64]] = [np.zeros(0)] * len(passes)
        for group in same_line_groups(passes):
            cleaned = remove_breathing_joint([passes[i] for i in group], [rate] * len(group))
            for i, c in zip(group, cleaned, strict=True):
                out[i] = c
        return out

    @property
    def rate_bpm(self) -> float | None:
        """Weighted median rate over the session so far, or None before any estimate."""
        if not self.samples:
            return None
        r = np.array([s.rate_bpm for s in self.samples])
        w = np.array([s.weight for s in self.samples])
        order = np.argsort(r)
        cum = np.cumsum(w[order])
        if cum[-1] <= 0:
            return float(np.median(r))
        return float(r[order][np.searchsorted(cum, 0.5 * cum[-1])])

    def over_time(self) -> list[dict[str, float | str]]:
        """``[{t_s, rate_bpm, source}]`` in time order (for the summary and the report)."""
        return [
            {"t_s": round(s.t_s, 2), "rate_bpm": round(s.rate_bpm, 2), "source": s.source}
            for s in sorted(self.samples, key=lambda s: s.t_s)
        ]

    def hear_phase(self, t_s: ArrayLike, depth_m: ArrayLike) -> None:
        """Refresh the breathing phase from the last ``PHASE_BREATHS`` breaths of
        ``(N,)`` sample times (s) and depths (m) in contact (a sinusoid at the session's
        rate plus a line, by least squares): the phase a breath-paced force follows."""
        rate = self.rate_bpm
        t = np.asarray(t_s, dtype=np.float64)
        d = np.asarray(depth_m, dtype=np.float64)
        ok = np.isfinite(t) & np.isfinite(d)
        if rate is None or ok.sum() < 50:
            return
        t, d = t[ok], d[ok]
        period = 60.0 / rate
        keep = t >= t[-1] - PHASE_BREATHS * period
        if float(np.ptp(t[keep])) < period:
            return
        tc = t[keep] - t[-1]
        om = 2.0 * math.pi * rate / 60.0
        a = np.column_stack([np.cos(om * tc), np.sin(om * tc), np.ones_like(tc), tc])
        coef, *_ = np.linalg.lstsq(a, d[keep], rcond=None)
        self.phase_ref = (float(t[-1]), float(math.atan2(-coef[1], coef[0])))

    def phase_at(self, t_s: float) -> float | None:
        """Breathing phase (rad, fundamental) at ``t_s``, extrapolated at the session's
        rate from the most recent phase heard (:meth:`hear_phase`, else the last pass).

        ``cos(phase) = 1`` is the top of the depth oscillation (the tool deepest below
        the nominal skin relative to the mean, i.e. the back lowest: end of exhale).
        """
        rate = self.rate_bpm
        fit = self.last_fit
        ref = self.phase_ref
        if fit is not None and (ref is None or fit.t_mid_s > ref[0]):
            ref = (fit.t_mid_s, fit.phase_rad)
        if ref is None or rate is None:
            return None
        om = 2.0 * math.pi * rate / 60.0
        return (om * (t_s - ref[0]) + ref[1]) % (2.0 * math.pi)

    def exhale(self, t_s: ArrayLike) -> NDArray[np.bool_] | None:
        """``(N,)`` whether the client is breathing out at each time (the back falling:
        the depth below the nominal skin growing), or None before a phase is heard."""
        t = np.asarray(t_s, dtype=np.float64)
        if t.size == 0:
            return np.zeros(0, dtype=bool)
        ph0 = self.phase_at(float(t[0]))
        rate = self.rate_bpm
        if ph0 is None or rate is None:
            return None
        phase = ph0 + 2.0 * math.pi * rate / 60.0 * (t - t[0])
        # depth ∝ cos(phase) grows while sin(phase) < 0
        return np.asarray(np.sin(phase) < 0.0, dtype=bool)
