"""What the session runner records and hands back: per-block results, the columns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from backstroke.errors import SafetyFault


@dataclass
class BlockResult:
    index: int
    technique: str
    passes: int = 0
    softening_pass: int | None = None
    stiffness_by_pass_n_m: list[float] = field(default_factory=list)
    ended_because: str = ""
    force_scale: float = 1.0
    threshold: float | None = None
    force_changed_at: list[int] = field(default_factory=list)


@dataclass
class SessionData:
    """Everything recorded, as columns of equal length (control rate)."""

    columns: dict[str, NDArray[np.float64]]
    plan_columns: dict[str, NDArray[np.float64]]


@dataclass
class SessionResult:
    summary: dict[str, Any]
    data: SessionData
    safety_fault: SafetyFault | None


def joined(chunks: list[dict[str, NDArray[Any]]]) -> dict[str, NDArray[Any]]:
    """Concatenate per-chunk columns, releasing each column's chunks as it goes (the
    peak is one column twice, not the whole session)."""
    if not chunks:
        return {}
    out = {}
    for c in list(chunks[0]):
        out[c] = np.concatenate([d.pop(c) for d in chunks])
    chunks.clear()
    return out
