"""Trust, heard: how far the client has relaxed into the work, from measurements only.

"Going slow will also allow your client to relax and learn to trust you, thus allowing
you to massage deeper." A guarded client's muscle tension lets go over minutes of calm,
slow contact; while it does, the tissue keeps getting softer pass after pass at equal
force and the breath slows; a client who tenses stiffens and breathes faster. So the
estimate reads, after every pass:

* **the stiffness drift** at equal force: the slope of ``log k`` over the block's last
  ``DRIFT_PASSES`` passes at this force (as the listener hears them now), per minute,
  with its standard error. Falling faster than ``RELAXING_PER_MIN`` and clear of the
  passes' scatter: *still relaxing*, hold; rising likewise: *tensing*, hold; within
  ``SETTLED_PER_MIN``: *settled*, a full step; in between or within the scatter:
  *settling*, a small step (one difference between two passes never holds: it cannot
  tell a drift from noise);
* **the breath**: the median of the last three rates heard against the three before
  them (within four minutes): slowing by more than ``BREATH_SLOWING`` is *breathing
  slowing* (still relaxing), hold; the last three's median more than ``BREATH_TENSE``
  above the calmest such median heard is *breathing faster*, hold;
* **calm**: a clamp, break or client signal during the pass takes a step back;
* **the client's signals**: a "too much" or "lighter" halves trust, and "too much" caps
  it below where it was (the session never asks for it again) and halves its pace;
  a "firmer" counts as a settled pass.

A pass that cannot be compared (the first of a block, a change of force, thumb lanes
elsewhere) keeps the last drift verdict while it is fresh (``VERDICT_LIFE_S``): after
*still relaxing* it holds, after *settling* a small step; otherwise it is a calm pass of
unknown settling, ``STEP_UNCOMPARED`` per minute of it (a long calm pass counts for its
length) up to a settled pass's step. The force the runner asks for deepens with it:
``start + (1 − start) × trust``.

Inputs are per pass (what ``sense`` heard), never the simulator's state.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from backstroke.errors import BackstrokeError

# The drift of the stiffness at equal force (fraction per minute, fitted over the last
# DRIFT_PASSES comparable passes): a guarded client's tone lets go over minutes.
SETTLED_PER_MIN = 0.012  # |drift| below this: settled
RELAXING_PER_MIN = 0.025  # falling faster than this: still relaxing, hold
TENSING_PER_MIN = 0.05  # rising faster than this: tensing, hold
DRIFT_PASSES = 4
# Breathing: the median of the last BREATH_PASSES rates against the median of the
# BREATH_PASSES before them (slowing: still relaxing) and the calmest heard (tense).
BREATH_PASSES = 3
BREATH_SLOWING = 0.05
BREATH_SPAN_S = 240.0  # the two windows must lie within this time (a trend, not history)
BREATH_TENSE = 0.10
# A pass that cannot be compared trusts the last drift heard for this long.
VERDICT_LIFE_S = 90.0
STEP_SETTLED = 0.34
STEP_SETTLING = 0.12
STEP_UNCOMPARED = 0.2
# A long calm pass that cannot be compared counts for its length: STEP_UNCOMPARED per
# this much calm contact, up to STEP_SETTLED.
UNCOMPARED_PASS_S = 60.0
SIGNAL_FACTOR = 0.5
CLAMP_STEP = 0.15
# After a "too much": trust stays this far below where it was, and grows at this pace.
CEILING_MARGIN = 0.1
WARY_PACE = 0.5
RELAXING = ("still relaxing", "tensing", "breathing slowing", "breathing faster")


def stiffness_drift_per_min(
    t_s: Sequence[float], stiffness_n_m: Sequence[float]
) -> tuple[float, float] | None:
    """Relative drift of the stiffness and its standard error (fractions per minute):
    the least-squares slope of ``log k`` against time over ``(N,)`` pass end times (s)
    and stiffnesses (N/m) heard at equal force. With two passes the error is the drift
    itself (one difference cannot tell a drift from noise); None with fewer than two
    passes or no time between them."""
    n = len(t_s)
    if n < 2 or n != len(stiffness_n_m) or any(k <= 0 for k in stiffness_n_m):
        return None
    t = [float(x) for x in t_s]
    y = [math.log(k) for k in stiffness_n_m]
    tm = sum(t) / n
    ym = sum(y) / n
    var = sum((a - tm) ** 2 for a in t)
    if var <= 0.0:
        return None
    slope = sum((a - tm) * (b - ym) for a, b in zip(t, y, strict=True)) / var
    if n == 2:
        return 60.0 * slope, 60.0 * abs(slope)
    res = sum((b - ym - slope * (a - tm)) ** 2 for a, b in zip(t, y, strict=True))
    return 60.0 * slope, 60.0 * math.sqrt(res / (n - 2) / var)


def breathing_trend(rates_bpm: list[float], window: int = BREATH_PASSES) -> float | None:
    """Relative change of the breathing rate: the median of the last ``window`` rates
    over the median of the ``window`` before them, minus 1 (negative: slowing); None
    until ``2 × window`` rates are heard."""
    if len(rates_bpm) < 2 * window:
        return None
    now = _median(rates_bpm[-window:])
    before = _median(rates_bpm[-2 * window : -window])
    return now / before - 1.0


def _median(x: list[float]) -> float:
    s = sorted(x)
    n = len(s)
    return s[n // 2] if n % 2 else 0.5 * (s[n // 2 - 1] + s[n // 2])


@dataclass
class TrustEstimate:
    """The runner's estimate of the client's trust, 0 (guarded) .. 1 (relaxed).

    Args:
        start_force_fraction: the routine's force fraction before any trust.
        trust: initial estimate (0: nothing heard yet).
    """

    start_force_fraction: float
    trust: float = 0.0
    history: list[dict[str, float | str]] = field(default_factory=list)
    ceiling: float = 1.0
    pace: float = 1.0
    full_depth_t_s: float | None = None
    # Passes heard at equal force in this block: (end time s, stiffness N/m).
    _chain: list[tuple[float, float]] = field(default_factory=list)
    _rates_bpm: list[float] = field(default_factory=list)
    _rate_t_s: list[float | None] = field(default_factory=list)
    _calmest_bpm: float | None = None
    # The last drift heard: (time s, reason).
    _verdict: tuple[float, str] | None = None
    _last_t_s: float | None = None

    def __post_init__(self) -> None:
        if not 0.0 < self.start_force_fraction <= 1.0:
            raise BackstrokeError(f"start_force_fraction {self.start_force_fraction} outside 0..1")
        if not 0.0 <= self.trust <= 1.0:
            raise BackstrokeError(f"trust {self.trust} outside 0..1")

    @property
    def force_fraction(self) -> float:
        """The fraction of each block's target force the runner may ask for now."""
        s = self.start_force_fraction
        return s + (1.0 - s) * self.trust

    def new_block(self) -> None:
        """A new block (other tool, place or force): its first pass is not compared."""
        self._chain = []

    def _record(self, t_s: float, reason: str) -> None:
        self.trust = min(self.trust, self.ceiling)
        if self.full_depth_t_s is None and self.trust >= 1.0 - 1e-9:
            self.full_depth_t_s = round(t_s, 2)
        self.history.append(
            {
                "t_s": round(t_s, 2),
                "trust": round(self.trust, 3),
                "force_fraction": round(self.force_fraction, 3),
                "why": reason,
            }
        )

    def rest(self, breathing_rate_bpm: float | None) -> None:
        """The rest's breathing rate: the first rate heard."""
        if breathing_rate_bpm is not None and math.isfinite(breathing_rate_bpm):
            self._hear_breath(breathing_rate_bpm)

    def _hear_breath(self, rate_bpm: float, t_s: float | None = None) -> None:
        self._rates_bpm.append(rate_bpm)
        self._rate_t_s.append(t_s)
        if len(self._rates_bpm) < BREATH_PASSES:
            return
        recent = _median(self._rates_bpm[-BREATH_PASSES:])
        if self._calmest_bpm is None or recent < self._calmest_bpm:
            self._calmest_bpm = recent

    def _breath_reason(self) -> str | None:
        """``breathing faster`` (than the calmest heard), ``breathing slowing`` (still
        relaxing) or None."""
        if not self._rates_bpm or self._calmest_bpm is None:
            return None
        recent = _median(self._rates_bpm[-BREATH_PASSES:])
        if recent > (1.0 + BREATH_TENSE) * self._calmest_bpm:
            return "breathing faster"
        ts = self._rate_t_s[-2 * BREATH_PASSES :]
        recent_span = (
            len(ts) == 2 * BREATH_PASSES
            and all(t is not None for t in ts)
            and float(ts[-1] or 0.0) - float(ts[0] or 0.0) <= BREATH_SPAN_S
        )
        trend = breathing_trend(self._rates_bpm) if recent_span else None
        if trend is not None and trend < -BREATH_SLOWING:
            return "breathing slowing"
        return None

    def _drift_reason(
        self, t_s: float, k: float | None, same_force: bool, segment: Sequence[float] | None
    ) -> str | None:
        """The stiffness drift's verdict for this pass, None when not comparable."""
        if k is None:
            return None
        if not same_force:
            self._chain = []
        self._chain.append((t_s, k))
        if segment is not None and 0 < len(segment) <= len(self._chain):
            # the passes as heard now (the listener refits them together)
            tail = self._chain[len(self._chain) - len(segment) :]
            self._chain = [(t, float(x)) for (t, _), x in zip(tail, segment, strict=True)]
            self._chain = [c for c in self._chain if math.isfinite(c[1]) and c[1] > 0.0]
        chain = self._chain[-DRIFT_PASSES:]
        fit = stiffness_drift_per_min([c[0] for c in chain], [c[1] for c in chain])
        if fit is None:
            return None
        drift, err = fit
        # Relaxing or tensing only when the drift stands out of the passes' scatter.
        if drift > TENSING_PER_MIN and drift - err > 0.0:
            return "tensing"
        if drift < -RELAXING_PER_MIN and drift + err < 0.0:
            return "still relaxing"
        return "settled" if abs(drift) <= SETTLED_PER_MIN else "settling"

    def after_pass(
        self,
        t_s: float,
        stiffness_n_m: float | None,
        *,
        calm: bool,
        breathing_rate_bpm: float | None = None,
        same_force: bool = True,
        segment_n_m: Sequence[float] | None = None,
    ) -> float:
        """Hear one pass; returns the new trust.

        Args:
            t_s: session time at the end of the pass.
            stiffness_n_m: the pass's median stiffness (None/NaN when not heard).
            calm: no clamp, break or client signal during the pass.
            breathing_rate_bpm: the breathing rate heard in the pass.
            same_force: whether the pass ran at the previous pass's force (stiffness is
                only compared at equal force).
            segment_n_m: the block's passes at this force, this one last, as heard now
                (N/m; a listener that refits its passes together revises earlier ones):
                the drift is fitted to these instead of the values heard pass by pass.
        """
        k = stiffness_n_m if stiffness_n_m is not None and math.isfinite(stiffness_n_m) else None
        if breathing_rate_bpm is not None and math.isfinite(breathing_rate_bpm):
            self._hear_breath(breathing_rate_bpm, t_s)
        drift = self._drift_reason(t_s, k, same_force, segment_n_m)
        if drift is not None:
            self._verdict = (t_s, drift)
        breath = self._breath_reason()
        step = 0.0
        if not calm:
            self.trust = max(0.0, self.trust - CLAMP_STEP)
            reason = "not calm"
        elif breath is not None:
            reason = breath
        elif drift is not None:
            reason = drift
            step = {"settled": STEP_SETTLED, "settling": STEP_SETTLING}.get(drift, 0.0)
        else:
            # Not comparable: the last drift heard, while it is fresh, says how far.
            last = self._verdict
            fresh = last is not None and t_s - last[0] <= VERDICT_LIFE_S
            if fresh and last is not None and last[1] in RELAXING:
                reason = f"{last[1]} (heard before)"
            elif fresh and last is not None and last[1] == "settling":
                step, reason = STEP_SETTLING, "calm"
            else:
                long = (t_s - self._last_t_s) / UNCOMPARED_PASS_S if self._last_t_s else 1.0
                step = min(STEP_SETTLED, STEP_UNCOMPARED * max(1.0, long))
                reason = "calm"
        self.trust = min(1.0, self.trust + step * self.pace)
        self._last_t_s = t_s
        self._record(t_s, reason)
        return self.trust

    def client_signal(self, t_s: float, kind: str) -> float:
        """Hear the client: ``too_much`` / ``lighter`` halve trust (``too_much`` also caps
        it below where it was and slows its growth); ``firmer`` is a settled pass."""
        if kind in ("too_much", "lighter"):
            if kind == "too_much":
                self.ceiling = min(self.ceiling, max(0.0, self.trust - CEILING_MARGIN))
                self.pace = WARY_PACE
            self.trust *= SIGNAL_FACTOR
            self._record(t_s, kind)
        elif kind == "firmer":
            self.trust = min(1.0, self.trust + STEP_SETTLED)
            self._record(t_s, kind)
        return self.trust
