"""Trust, heard: how far the client has relaxed into the work, from measurements only.

"Going slow will also allow your client to relax and learn to trust you, thus allowing
you to massage deeper." A guarded client's muscle tone relaxes over minutes of calm,
slow contact; while it does, the tissue keeps getting softer pass after pass, and a
client who tenses breathes faster. So the estimate rises only on calm passes (no clamp,
no contact break, no signal) whose stiffness has *settled* (changed little against the
previous pass at equal force) and whose breathing has not sped up; a tissue that is
still relaxing (or stiffening: tensing) holds it; a "too much" or "lighter" halves it and
caps it below where it was (the client said that was too much: the session never asks
for it again), and trust then grows at half the pace; a clamp takes a step back; a
"firmer" counts as a settled pass. A pass that cannot be compared with the one before
(the first of a block, a change of force, thumb lanes elsewhere) is a calm pass of
unknown settling: a smaller step. The force the runner asks for deepens with it:
``start + (1 − start) × trust``.

Inputs are per pass (what ``sense`` heard), never the simulator's state.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from backstroke.errors import BackstrokeError

SETTLED_CHANGE = 0.015  # |Δk| below this pass to pass: the tone has settled
RELAXING_CHANGE = 0.04  # a drop above this: still relaxing, hold
BREATH_TENSE = 0.10  # breathing this much faster than at rest: tense
STEP_SETTLED = 0.34
STEP_SETTLING = 0.12
STEP_UNCOMPARED = 0.2
SIGNAL_FACTOR = 0.5
CLAMP_STEP = 0.15
# After a "too much": trust stays this far below where it was, and grows at this pace.
CEILING_MARGIN = 0.1
WARY_PACE = 0.5


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
    _last_stiffness: float | None = None
    _rest_breathing_bpm: float | None = None
    ceiling: float = 1.0
    pace: float = 1.0
    full_depth_t_s: float | None = None

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
        self._last_stiffness = None

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
        """The rest's breathing rate: the client's calm reference."""
        if breathing_rate_bpm is not None and math.isfinite(breathing_rate_bpm):
            self._rest_breathing_bpm = breathing_rate_bpm

    def after_pass(
        self,
        t_s: float,
        stiffness_n_m: float | None,
        *,
        calm: bool,
        breathing_rate_bpm: float | None = None,
        same_force: bool = True,
    ) -> float:
        """Hear one pass; returns the new trust.

        Args:
            t_s: session time at the end of the pass.
            stiffness_n_m: the pass's median stiffness (None/NaN when not heard).
            calm: no clamp, break or client signal during the pass.
            breathing_rate_bpm: the breathing rate heard in the pass.
            same_force: whether the pass ran at the previous pass's force (stiffness is
                only compared at equal force).
        """
        change: float | None = None
        k = stiffness_n_m if stiffness_n_m is not None and math.isfinite(stiffness_n_m) else None
        if k is not None and self._last_stiffness is not None and same_force:
            change = (k - self._last_stiffness) / self._last_stiffness
        if k is not None:
            self._last_stiffness = k
        tense = (
            breathing_rate_bpm is not None
            and self._rest_breathing_bpm is not None
            and breathing_rate_bpm > (1.0 + BREATH_TENSE) * self._rest_breathing_bpm
        )
        reason = "held"
        step = 0.0
        if not calm:
            self.trust = max(0.0, self.trust - CLAMP_STEP)
            reason = "not calm"
        elif tense:
            reason = "breathing faster"
        elif change is None:
            step, reason = STEP_UNCOMPARED, "calm"
        elif abs(change) <= SETTLED_CHANGE:
            step, reason = STEP_SETTLED, "settled"
        elif change > RELAXING_CHANGE:
            reason = "tensing"
        elif change > -RELAXING_CHANGE:
            step, reason = STEP_SETTLING, "settling"
        else:
            reason = "still relaxing"
        self.trust = min(1.0, self.trust + step * self.pace)
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
