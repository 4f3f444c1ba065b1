"""The client's voice: what they said during a session, heard where they said it.

A *regional preference* is a short list of Gaussian dips over the surface chart: each
:class:`Bump` lowers the force around one chart point ``(u, v_m)`` to ``scale`` of the
routine's force at its centre, fading with distance (sigma ``radius_m``, measured in
chart metres: ``s = u * back_length_m`` along the spine, ``v_m`` across). The force
multiplier at a point is the product of every bump's factor, never below
:data:`MIN_REGIONAL_SCALE`::

    factor_k(s, v) = 1 - (1 - scale_k) * exp(-((s - s_k)² + (v - v_k)²) / (2 r_k²))

:class:`ClientVoice` turns each signal into its effect (overall and regional), records
it (``client_signals`` in the summary: ``[{t_s, kind, u, v}]``) and asks for a skip of the
current technique. Everything here is pure bookkeeping: no I/O, no threads.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from backstroke.errors import BackstrokeError

MIN_REGIONAL_SCALE = 0.5  # the deepest a region may be lowered (× the routine's force)
OVERALL_RANGE = (0.5, 1.5)  # the overall pressure preference (as the runner accepts it)
BUMP_RADIUS_M = 0.03  # sigma of one press's region on the skin
MERGE_DISTANCE_M = 0.03  # a press this close to an earlier bump deepens that bump
MAX_BUMPS = 32

# kind -> (overall factor, regional factor at the tool). The overall factor acts at once
# (the force ramps down at the next tick); the runner applies the regional map from the
# next pass on, so the force within a pass stays comparable for listening (softening,
# knots: a client often says "too much" right over a knot).
EFFECTS: dict[str, tuple[float, float]] = {
    "lighter": (0.9, 0.9),
    "too_much": (0.85, 0.75),
    "firmer": (1.1, 1.0),
    "stop": (1.0, 1.0),
    "skip": (1.0, 1.0),
}
SIGNAL_KINDS = tuple(EFFECTS)


class PreferenceError(BackstrokeError):
    """A stored or given regional preference is malformed."""


@dataclass(frozen=True)
class Bump:
    """One region where the client wants less force.

    Attributes:
        u: chart position along the spine (0 = PSIS level, 1 = C7).
        v_m: signed lateral skin distance from the midline (m, + = client's left).
        scale: force multiplier at the centre (``MIN_REGIONAL_SCALE``..1).
        radius_m: Gaussian sigma on the skin (m, 0.005..0.2).
    """

    u: float
    v_m: float
    scale: float
    radius_m: float = BUMP_RADIUS_M

    def to_json(self) -> dict[str, float]:
        return {
            "u": round(self.u, 4),
            "v_m": round(self.v_m, 4),
            "scale": round(self.scale, 4),
            "radius_m": round(self.radius_m, 4),
        }


def _number(obj: dict[str, Any], key: str, lo: float, hi: float, where: str) -> float:
    value = obj.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PreferenceError(f"{where}.{key}: {value!r} is not a number (allowed {lo}..{hi})")
    x = float(value)
    if not (math.isfinite(x) and lo <= x <= hi):
        raise PreferenceError(f"{where}.{key}: {x!r} outside {lo}..{hi}")
    return x


def bump_from_json(obj: Any, where: str = "regional_preference[0]") -> Bump:
    """A validated :class:`Bump` from ``{"u", "v_m", "scale", "radius_m"}``.

    Raises:
        PreferenceError: not an object, unknown key, missing or out-of-range value.
    """
    if not isinstance(obj, dict):
        raise PreferenceError(f"{where}: {obj!r} is not an object with u, v_m, scale, radius_m")
    unknown = sorted(set(obj) - {"u", "v_m", "scale", "radius_m"})
    if unknown:
        raise PreferenceError(
            f"{where}: unknown key '{unknown[0]}' (allowed u, v_m, scale, radius_m)"
        )
    return Bump(
        _number(obj, "u", 0.0, 1.0, where),
        _number(obj, "v_m", -0.5, 0.5, where),
        _number(obj, "scale", MIN_REGIONAL_SCALE, 1.0, where),
        _number({"radius_m": obj.get("radius_m", BUMP_RADIUS_M)}, "radius_m", 0.005, 0.2, where),
    )


@dataclass(frozen=True)
class RegionalPreference:
    """Where on the back the client wants less force (a product of Gaussian dips).

    Attributes:
        bumps: the dips, oldest first (at most ``MAX_BUMPS``).
        back_length_m: turns chart ``u`` into metres along the spine.
    """

    bumps: tuple[Bump, ...] = ()
    back_length_m: float = 0.51

    @classmethod
    def from_json(
        cls, obj: Any, back_length_m: float = 0.51, where: str = "regional_preference"
    ) -> RegionalPreference:
        """From a list of bump objects (as :meth:`to_json` writes).

        Raises:
            PreferenceError: not a list, too many bumps, or a malformed bump.
        """
        if obj is None:
            return cls((), back_length_m)
        if not isinstance(obj, list | tuple):
            raise PreferenceError(f"{where}: {obj!r} is not a list of regions")
        if len(obj) > MAX_BUMPS:
            raise PreferenceError(f"{where}: {len(obj)} regions (allowed at most {MAX_BUMPS})")
        bumps = tuple(bump_from_json(b, f"{where}[{i}]") for i, b in enumerate(obj))
        return cls(bumps, back_length_m)

    def to_json(self) -> list[dict[str, float]]:
        return [b.to_json() for b in self.bumps]

    def scale_at(self, u: ArrayLike, v_m: ArrayLike) -> NDArray[np.float64]:
        """Force multiplier at chart points (broadcast shapes; 1 where nothing was said)."""
        uu = np.asarray(u, dtype=np.float64)
        vv = np.asarray(v_m, dtype=np.float64)
        out = np.ones(np.broadcast(uu, vv).shape, dtype=np.float64)
        L = self.back_length_m
        for b in self.bumps:
            d2 = ((uu - b.u) * L) ** 2 + (vv - b.v_m) ** 2
            out *= 1.0 - (1.0 - b.scale) * np.exp(-d2 / (2.0 * b.radius_m**2))
        return np.maximum(out, MIN_REGIONAL_SCALE)

    def pressed(self, u: float, v_m: float, factor: float) -> RegionalPreference:
        """The preference after the client asked for ``factor`` (< 1) of the force at a point.

        A press within ``MERGE_DISTANCE_M`` of an earlier bump deepens the nearest one
        (the region is remembered once, however often it was marked); otherwise a new
        bump is added (the oldest dropped beyond ``MAX_BUMPS``).
        """
        if not (math.isfinite(u) and math.isfinite(v_m)) or factor >= 1.0:
            return self
        u = min(max(u, 0.0), 1.0)
        L = self.back_length_m
        best, best_d = -1, math.inf
        for i, b in enumerate(self.bumps):
            d = math.hypot((b.u - u) * L, b.v_m - v_m)
            if d < best_d:
                best, best_d = i, d
        if best >= 0 and best_d <= MERGE_DISTANCE_M:
            b = self.bumps[best]
            deeper = replace(b, scale=max(MIN_REGIONAL_SCALE, b.scale * factor))
            bumps = (*self.bumps[:best], deeper, *self.bumps[best + 1 :])
        else:
            new = Bump(u, v_m, max(MIN_REGIONAL_SCALE, factor))
            bumps = (*self.bumps, new)[-MAX_BUMPS:]
        return RegionalPreference(bumps, L)


@dataclass
class ClientVoice:
    """What the client said in this session and what it changed.

    Attributes:
        overall: the overall pressure preference now (``OVERALL_RANGE``).
        regions: the regional preference now.
        signals: every signal heard, ``{"t_s", "kind", "u", "v"}`` (chart point under the tool).
        skipped: techniques the client skipped, in order, without repeats.
        skip_pending: a skip was asked and the current block has not ended yet.
    """

    overall: float = 1.0
    regions: RegionalPreference = field(default_factory=RegionalPreference)
    signals: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    skip_pending: bool = False

    def hear(self, t_s: float, kind: str, u: float, v_m: float) -> None:
        """Apply one signal heard at session time ``t_s`` with the tool at ``(u, v_m)``.

        Unknown kinds are recorded without effect (a robot may report more).
        """
        self.signals.append(
            {"t_s": round(float(t_s), 4), "kind": kind, "u": round(u, 4), "v": round(v_m, 4)}
        )
        overall, regional = EFFECTS.get(kind, (1.0, 1.0))
        lo, hi = OVERALL_RANGE
        self.overall = min(hi, max(lo, self.overall * overall))
        self.regions = self.regions.pressed(u, v_m, regional)
        if kind == "skip":
            self.skip_pending = True

    def take_skip(self, technique: str) -> bool:
        """Whether the block running ``technique`` should end now (clears the request)."""
        if not self.skip_pending:
            return False
        self.skip_pending = False
        if technique not in self.skipped:
            self.skipped.append(technique)
        return True


def without_skipped(techniques: Sequence[str], skip: Iterable[str]) -> tuple[list[int], list[str]]:
    """Which block indices to keep when the client skips ``skip`` techniques.

    Returns:
        ``(kept block indices, notes)``; when every block would be skipped, all are kept
        and a note says so (a session is never empty).
    """
    drop = set(skip)
    kept = [i for i, t in enumerate(techniques) if t not in drop]
    gone = sorted({t for t in techniques if t in drop})
    if not kept:
        return list(range(len(techniques))), [
            f"the client skips {', '.join(gone)}, which is the whole routine: running it all"
        ]
    if gone:
        return kept, [f"skipped {', '.join(gone)} (the client's remembered preference)"]
    return kept, []
