"""Stroke segments: the untimed pieces every technique is made of.

A segment is a polyline on the surface chart travelled by one tool at one target
force. The planner times it (whole beats, jerk-limited) and samples it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, Protocol

import numpy as np
from numpy.typing import NDArray

from backstroke.errors import PlanError
from backstroke.tools import Tool

if TYPE_CHECKING:
    from backstroke.technique.protocol import PassRequest

SegmentKind = Literal["stroke", "hold", "transition"]


@dataclass(frozen=True)
class Segment:
    """One untimed piece of a pass.

    Attributes:
        kind: ``stroke`` (moving, technique force), ``hold`` (still: rest, dwell on a
            knot) or ``transition`` (light glide between strokes or blocks).
        tool: the tool in contact.
        u: (K,) chart u of the polyline waypoints (K ≥ 2 for a move, 1 for a hold).
        v_m: (K,) chart v (m) of the waypoints.
        force_n: target normal force (N).
        tilt_deg: tool tilt behind the direction of travel (≤ 10°).
        speed_m_s: cruise surface speed the timing aims for (moves only).
        beats: fixed duration in beats, or ``None`` to derive it from the speed.
        label: what it is, e.g. ``"down"``, ``"up left"``, ``"dwell"``.
        turnaround: its end is a stroke turnaround (put on a beat and reported).
    """

    kind: SegmentKind
    tool: Tool
    u: NDArray[np.float64]
    v_m: NDArray[np.float64]
    force_n: float
    tilt_deg: float = 0.0
    speed_m_s: float = 0.03
    beats: int | None = None
    label: str = ""
    turnaround: bool = True
    meta: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        u = np.atleast_1d(np.asarray(self.u, dtype=np.float64))
        v = np.atleast_1d(np.asarray(self.v_m, dtype=np.float64))
        if u.shape != v.shape or u.ndim != 1 or u.size == 0:
            raise PlanError(f"segment '{self.label}': u and v must be equal-length 1-D arrays")
        if not (np.all(np.isfinite(u)) and np.all(np.isfinite(v))):
            raise PlanError(f"segment '{self.label}': non-finite chart coordinates")
        if self.kind == "hold" and self.beats is None:
            raise PlanError(f"segment '{self.label}': a hold needs a duration in beats")
        if not 0.0 <= self.tilt_deg <= 10.0:
            raise PlanError(f"segment '{self.label}': tilt {self.tilt_deg}° outside 0..10°")
        object.__setattr__(self, "u", u)
        object.__setattr__(self, "v_m", v)

    @property
    def start(self) -> tuple[float, float]:
        return float(self.u[0]), float(self.v_m[0])

    @property
    def end(self) -> tuple[float, float]:
        return float(self.u[-1]), float(self.v_m[-1])


def line(u0: float, v0: float, u1: float, v1: float, n: int = 64) -> tuple[NDArray, NDArray]:
    """A straight chart polyline from ``(u0, v0)`` to ``(u1, v1)`` with ``n`` points."""
    t = np.linspace(0.0, 1.0, n)
    return u0 + (u1 - u0) * t, v0 + (v1 - v0) * t


def stroke(
    path: tuple[NDArray, NDArray],
    *,
    tool: Tool,
    force_n: float,
    tilt_deg: float,
    speed_m_s: float,
    beats: int | None,
    label: str,
) -> Segment:
    """A technique stroke along a chart polyline ``(u, v_m)``."""
    return Segment(
        kind="stroke",
        tool=tool,
        u=path[0],
        v_m=path[1],
        force_n=force_n,
        tilt_deg=tilt_deg,
        speed_m_s=speed_m_s,
        beats=beats,
        label=label,
    )


class _StrokeBlock(Protocol):
    @property
    def tilt_deg(self) -> float: ...

    @property
    def beats_per_stroke(self) -> int | None: ...


def leg(
    block: _StrokeBlock,
    req: PassRequest,
    tool: Tool,
    path: tuple[NDArray, NDArray],
    label: str,
) -> Segment:
    """One stroke leg of a block's pass: its tool along ``path`` at the pass's force and
    speed, tilted and timed as the block says."""
    return stroke(
        path,
        tool=tool,
        force_n=req.force_n,
        tilt_deg=block.tilt_deg,
        speed_m_s=req.speed_m_s,
        beats=block.beats_per_stroke,
        label=label,
    )


def hold(tool: Tool, u: float, v_m: float, *, force_n: float, beats: int, label: str) -> Segment:
    """Holding still at one chart point for whole beats (rest, dwell, release)."""
    return Segment(
        kind="hold",
        tool=tool,
        u=np.array([u]),
        v_m=np.array([v_m]),
        force_n=force_n,
        beats=beats,
        label=label,
    )
