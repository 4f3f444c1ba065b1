"""A log's blocks (its ``block`` column), their depth below the touched skin, and
whether a pass's loaded samples go both ways."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from backstroke.sense.knots import (
    KnotDetection,
)
from backstroke.sense.passes import (
    turnarounds,
)
from backstroke.sense.surface_offset import fit_surface_offset, force_groups


@dataclass
class LogBlock:
    label: str | int | None
    idx: NDArray[np.int64]
    pass_offset: int = 0
    result: dict[str, Any] = field(default_factory=dict)
    softening_pass: int | None = None
    force_changed_at: list[int] = field(default_factory=list)
    stiffness: list[float] = field(default_factory=list)
    periods: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    detections: list[KnotDetection] = field(default_factory=list)
    breathing: tuple[float | None, float | None] = (None, None)


def touch_depth_m(
    c: Mapping[str, NDArray[np.float64]], blocks: list[LogBlock]
) -> NDArray[np.float64]:
    """``indentation_m`` measured below the skin as the log's touches place it
    (``sense/surface_offset``, without normals: a plane), each block with the contact
    up to its own end, as the session's listeners heard it."""
    f = c["normal_force_n"]
    p = np.stack([c["x_m"], c["y_m"], c["z_m"]], axis=1)
    target = c["target_force_n"] if "target_force_n" in c else np.round(f)
    target = np.where(np.isfinite(target), target, np.round(f))
    t = c["t_s"]
    steady = np.abs(np.gradient(target, t)) < 0.5 if t.size > 1 else np.ones(t.size, bool)
    group = np.where(steady, force_groups(target, c.get("tool")), -1)
    ok = np.all(np.isfinite(p), axis=1)
    out = c["indentation_m"].copy()
    for b in blocks:
        end = int(b.idx.max()) + 1 if b.idx.size else 0
        sel = np.flatnonzero(ok[:end])
        loaded = sel[(f[sel] > 2.0) & (sel % 10 == 0)]
        pick = np.union1d(sel[f[sel] <= 2.0], loaded)
        fit = fit_surface_offset(p[pick], c["indentation_m"][pick], f[pick], group[pick])
        i = b.idx[ok[b.idx]]
        out[i] = fit.depth_m(c["indentation_m"][i], p[i])
    return out


def split_blocks(c: Mapping[str, NDArray[np.float64]], labels: Mapping[int, str]) -> list[LogBlock]:
    n = c["t_s"].size
    if "block" not in c:
        return [LogBlock(None, np.arange(n, dtype=np.int64))]
    bv = c["block"]
    ok = np.isfinite(bv) & (bv >= 0)
    if not np.any(ok):
        return [LogBlock(None, np.arange(n, dtype=np.int64))]
    vals, first = np.unique(bv[ok], return_index=True)
    out = []
    for val in vals[np.argsort(first, kind="stable")]:
        code = int(val) if float(val).is_integer() else val
        label: str | int = labels.get(int(val), str(code)) if labels else code
        out.append(LogBlock(label, np.flatnonzero(bv == val)))
    return out


def two_way(u: NDArray[np.float64], on: NDArray[np.bool_], hysteresis_u: float) -> bool:
    """Whether a pass's loaded samples (``on``) meet its u range twice in one stretch:
    two legs on either side of a turnaround, each over at least half the range
    (``(N,)`` inputs; the longest unbroken run of ``on`` is judged)."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], on.astype(np.int8), [0]])))
    if edges.size == 0:
        return False
    starts, stops = edges[::2], edges[1::2]
    j = int(np.argmax(stops - starts))
    u = u[starts[j] : stops[j]]
    turns = turnarounds(u, hysteresis_u)[0]
    span = float(np.ptp(u)) if u.size else 0.0
    if span <= 0:
        return False
    return any(min(np.ptp(u[: i + 1]), np.ptp(u[i:])) >= 0.5 * span for i in turns)
