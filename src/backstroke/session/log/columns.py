"""Columnar packing of 1 kHz samples: scaled integers, first differences, NaN lists.

A batch of ``n`` samples becomes, per column, ``n`` integers ``d`` with
``value[i] = sum(d[: i + 1]) / scale`` (the first is the value itself), written as
protobuf ``repeated sint64`` (zig-zag varints, so a slowly varying column costs about one
byte a sample before zstd). Samples that are not finite (a NaN from a faulty sensor) or
too large to scale are listed by index in the column's ``<name>_nan`` field and read
back as NaN; their difference is 0. A column may be absent from a batch: it is read back
as NaN there.

Resolutions: 1 µs, 1 µm, 1e-6 (unit vectors, ``u``), 1 mN; codes are integers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from backstroke.plan.plan import TOOL_CODES

TOOL_NAMES: tuple[str, ...] = tuple(str(t) for t in TOOL_CODES)
# |value * scale| above this is recorded as NaN (exact integers in float64).
_LIMIT = float(2**52)


@dataclass(frozen=True)
class Column:
    """One packed column: ``name`` as in the runner/plan, its scale and meaning."""

    name: str
    scale: float
    description: str
    field_name: str = ""

    @property
    def field(self) -> str:
        """The protobuf field: the name with the unit of its integers (``x_m`` → ``x_um``)."""
        if self.field_name:
            return self.field_name
        if self.scale == 1.0:
            return self.name
        for unit, scale, new in (("_m_s", 1e6, "_um_s"), ("_m", 1e6, "_um"), ("_s", 1e6, "_us")):
            if self.name.endswith(unit) and self.scale == scale:
                return self.name[: -len(unit)] + new
        if self.name.endswith("_n") and self.scale == 1e3:
            return self.name[:-2] + "_mn"
        return f"{self.name}_e{round(np.log10(self.scale))}"


def _c(name: str, scale: float, description: str, field: str = "") -> Column:
    return Column(name, scale, description, field)


_T = _c("t_s", 1e6, "session time, s (1 µs)")
_XYZ = tuple(_c(f"{a}_m", 1e6, f"tool position {a}, body frame, m (1 µm)") for a in "xyz")
_AXIS = tuple(_c(f"a{a}", 1e6, f"tool axis {a} (unit vector, body frame; 1e-6)") for a in "xyz")
_TOOL = _c("tool", 1.0, "tool code: " + ", ".join(f"{i} {n}" for i, n in enumerate(TOOL_NAMES)))
_BLOCK = _c("block", 1.0, "routine block index (-1 outside blocks)")
_PASS = _c("pass_index", 1.0, "pass within the block (-1 for lead-ins)")
_IN = _c("in_contact", 1.0, "1 from first touch to lift-off in the plan, else 0")
_U = _c("u", 1e6, "surface chart: 0 waist .. 1 C7 (1e-6)")
_V = _c("v", 1e6, "lateral skin distance from the midline, m, + left (1 µm)", "v_um")
_TARGET = _c("target_force_n", 1e3, "commanded normal force, N (1 mN)")

# /state: what the runner records each tick plus the plan columns analyze/report need.
STATE_SPEC: tuple[Column, ...] = (
    _T,
    *_XYZ,
    *_AXIS,
    *(_c(f"f{a}_n", 1e3, f"measured contact force {a}, body frame, N (1 mN)") for a in "xyz"),
    _c("normal_force_n", 1e3, "measured force along the surface normal, N (1 mN)"),
    _TARGET,
    _c("indentation_m", 1e6, "depth below the plan's surface model, m (1 µm)"),
    _U,
    _V,
    _TOOL,
    _BLOCK,
    _PASS,
    _IN,
)
# /plan: the plan's columns (plan/plan.py COLUMNS), at PLAN_RATE_HZ.
PLAN_SPEC: tuple[Column, ...] = (
    _T,
    _U,
    _V,
    *(_c(f"{a}_m", 1e6, f"planned surface point {a}, body frame, m (1 µm)") for a in "xyz"),
    *(_c(f"n{a}", 1e6, f"surface normal {a} (1e-6)") for a in "xyz"),
    *(_c(f"a{a}", 1e6, f"planned tool axis {a} (1e-6)") for a in "xyz"),
    _c("speed_m_s", 1e6, "surface speed, m/s (1 µm/s)"),
    _IN,
    _TOOL,
    _TARGET,
    _BLOCK,
    _PASS,
)
STATE_COLUMNS: tuple[str, ...] = tuple(c.name for c in STATE_SPEC)
PLAN_COLUMNS: tuple[str, ...] = tuple(c.name for c in PLAN_SPEC)


def tool_codes(values: ArrayLike) -> NDArray[np.float64]:
    """Tool codes as floats; names (``"palms"`` …) are mapped, unknown → NaN."""
    arr = np.asarray(values)
    if arr.dtype.kind in "USO":
        lookup = {n: float(i) for i, n in enumerate(TOOL_NAMES)}
        return np.array([lookup.get(str(s).strip().lower(), np.nan) for s in arr.ravel()])
    return arr.astype(np.float64).ravel()


def pack(
    values: ArrayLike, scale: float, starts: ArrayLike = (0,)
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """``(n,)`` values → ``(differences, indices of non-finite/out-of-range samples)``.

    The difference restarts (is the scaled value itself) at each index in ``starts``
    (the first sample of each batch).
    """
    x = np.asarray(values, dtype=np.float64).ravel() * scale
    bad = ~(np.abs(x) <= _LIMIT)  # NaN compares False
    q = np.rint(np.where(bad, 0.0, x)).astype(np.int64)
    if bad.any():
        # Hold the last good value (0 before the first) so the difference is 0 at a gap.
        last_good = np.where(bad, -1, np.arange(q.size))
        np.maximum.accumulate(last_good, out=last_good)
        q = np.where(last_good >= 0, q[np.maximum(last_good, 0)], 0)
    d = np.diff(q, prepend=0)
    s = np.asarray(starts, dtype=np.int64)
    s = s[s < q.size]
    d[s] = q[s]
    return d, np.flatnonzero(bad).astype(np.int64)


def unpack(
    deltas: NDArray[np.int64], starts: NDArray[np.int64], scale: float
) -> NDArray[np.float64]:
    """Values of many concatenated batches: ``deltas`` of all, ``starts`` of each batch."""
    c = np.cumsum(deltas, dtype=np.int64)
    if starts.size > 1:
        base = np.zeros(starts.size, dtype=np.int64)
        base[1:] = c[starts[1:] - 1]
        lengths = np.diff(np.append(starts, c.size))
        c = c - np.repeat(base, lengths)
    return c / scale


def columns_of(batch: Mapping[str, ArrayLike]) -> dict[str, NDArray[np.float64]]:
    """Equal-length float columns (``tool`` names mapped to codes); checks lengths."""
    out: dict[str, NDArray[np.float64]] = {}
    for k, v in batch.items():
        out[str(k)] = tool_codes(v) if k == "tool" else np.asarray(v, np.float64).ravel()
    sizes = {v.size for v in out.values()}
    if len(sizes) > 1:
        raise ValueError(f"columns differ in length: {sorted(sizes)}")
    return out
