"""A demonstration: a contact log read tolerantly, with the motion figures learning needs.

The log is read by ``backstroke.analyze`` (DESIGN §6.3). Recorders other than
backstroke's name their tools in free text (``palm``, ``hands``, ``thumbs``, ``elbow``);
when the strict reader refuses such a ``tool`` column, the labels are mapped to
backstroke's tools here and the columns validated again, so a demonstration is never
refused for a label. Unknown tool labels become "not given".

On top of the columns, a :class:`Demo` carries the smoothed force and the surface speed
(chart velocity in metres: ``u`` scaled by the back length, ``v`` already in metres).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from backstroke.analyze import (
    TOOL_NAMES,
    ContactLog,
    read_contact_log,
    validate_columns,
)
from backstroke.errors import LogError
from backstroke.log_input import face_code

DEFAULT_BACK_LENGTH_M = 0.51
# Smoothing windows (s): force and position are averaged over these before use.
FORCE_SMOOTH_S = 0.3
# Surface speed is the displacement over ±SPEED_HALF_WINDOW_S: position noise of
# 0.5 mm then reads as 0.05 cm/s, far below the 0.5 cm/s that counts as moving.
SPEED_HALF_WINDOW_S = 0.4

TOOL_SYNONYMS: dict[str, str] = {
    **{w: "palms" for w in ("palm", "palms", "hand", "hands", "flat hand", "flat hands")},
    **{w: "forearm" for w in ("forearm", "forearms", "arm", "elbow", "ulna")},
    **{w: "thumb" for w in ("thumb", "thumbs", "finger", "fingers", "thumb pad")},
}


def tool_code(label: Any) -> float:
    """A tool label (free text or code) as an index into ``TOOL_NAMES``, NaN if unknown."""
    if label is None:
        return float("nan")
    if isinstance(label, (int, float, np.integer, np.floating)):
        x = float(label)
        return x if x in (0.0, 1.0, 2.0) else float("nan")
    key = str(label).strip().lower()
    try:
        x = float(key)
        return x if x in (0.0, 1.0, 2.0) else float("nan")
    except ValueError:
        pass
    face = face_code(key)  # the labels `analyze` understands (docs/logs.md)
    if face is not None:
        return float(face)
    name = TOOL_SYNONYMS.get(key) or TOOL_SYNONYMS.get(key.rstrip("s"))
    return float(TOOL_NAMES.index(name)) if name else float("nan")


def read_demo_log(path: str | Path) -> ContactLog:
    """Read a contact log; free-text tool labels are understood, never a reason to refuse.

    Raises:
        LogError: the log is unusable for another reason (missing required column...).
    """
    try:
        return read_contact_log(path)
    except LogError as exc:
        if exc.key != "tool":
            raise
    p = Path(path)
    raw = _raw_columns(p)
    raw["tool"] = np.array([tool_code(x) for x in raw["tool"]], dtype=np.float64)
    fmt = "csv" if p.suffix.lower() == ".csv" else p.suffix.lower().lstrip(".")
    return validate_columns(raw, path=p, fmt=fmt)


def _raw_columns(p: Path) -> dict[str, Any]:
    """The file's columns as lists or arrays, before validation (same readers as analyze)."""
    from backstroke.analyze.log_files import read_raw_columns

    return read_raw_columns(p)


def log_from_columns(columns: Mapping[str, Any]) -> ContactLog:
    """In-memory columns (``(N,)`` each) as a validated log, tool labels understood."""
    raw = {k: (np.asarray(v) if not isinstance(v, list) else v) for k, v in columns.items()}
    if "tool" in raw:
        raw["tool"] = np.array([tool_code(x) for x in raw["tool"]], dtype=np.float64)
    return validate_columns(raw)


def _smooth(x: NDArray[np.float64], n: int) -> NDArray[np.float64]:
    if n <= 1 or x.size < n:
        return x.copy()
    k = np.ones(n) / n
    pad = np.concatenate([np.full(n, x[0]), x, np.full(n, x[-1])])
    return np.convolve(pad, k, "same")[n:-n]


def _speed_m_s(
    t: NDArray[np.float64], s_m: NDArray[np.float64], v_m: NDArray[np.float64], h: int
) -> NDArray[np.float64]:
    """Speed on the skin from the displacement between samples ``i - h`` and ``i + h``."""
    n = t.size
    if n < 3:
        return np.zeros(n)
    lo = np.clip(np.arange(n) - h, 0, n - 1)
    hi = np.clip(np.arange(n) + h, 0, n - 1)
    dt = np.maximum(t[hi] - t[lo], 1e-9)
    return np.hypot(s_m[hi] - s_m[lo], v_m[hi] - v_m[lo]) / dt


@dataclass(frozen=True)
class Demo:
    """A validated log and the motion figures derived from it.

    Attributes:
        log: the validated contact log (``log.columns`` as in ``backstroke.analyze``).
        back_length_m: C7→waist length used to turn ``u`` into metres.
        t_s, u, v_m, force_n, indentation_m: ``(N,)`` columns.
        force_smooth_n: ``(N,)`` force averaged over ``FORCE_SMOOTH_S``.
        speed_m_s: ``(N,)`` surface speed from the smoothed chart position.
        tool: ``(N,)`` tool codes (NaN = not given) or ``None`` without a ``tool`` column.
        block_names: ``(N,)`` the block label of each sample (``""`` = none) or ``None``.
        rate_hz: median sample rate.
    """

    log: ContactLog
    back_length_m: float
    t_s: NDArray[np.float64]
    u: NDArray[np.float64]
    v_m: NDArray[np.float64]
    force_n: NDArray[np.float64]
    indentation_m: NDArray[np.float64]
    force_smooth_n: NDArray[np.float64]
    speed_m_s: NDArray[np.float64]
    tool: NDArray[np.float64] | None
    block_names: list[str] | None
    rate_hz: float

    @property
    def samples(self) -> int:
        return int(self.t_s.size)

    @property
    def duration_s(self) -> float:
        return float(self.t_s[-1] - self.t_s[0])


# Positions are compared this far apart (s): over a shorter step the chart's noise in
# ``u`` is a large part of ``du`` and biases the estimate low.
LENGTH_STEP_S = 0.5
LENGTH_MIN_DU = 0.01


def estimate_back_length_m(c: Mapping[str, NDArray[np.float64]]) -> float | None:
    """Back length from logged positions: skin distance travelled per unit of ``u``.

    Uses ``ds² = (L·du)² + dv²`` between samples ``LENGTH_STEP_S`` apart, over the steps
    moving at least ``LENGTH_MIN_DU`` along the spine: ``L = Σ√(ds² − dv²) / Σ|du|``.
    """
    if not all(k in c for k in ("x_m", "y_m", "z_m")):
        return None
    xyz = np.stack([c["x_m"], c["y_m"], c["z_m"]], axis=1)
    ok = np.all(np.isfinite(xyz), axis=1)
    if ok.sum() < 100:
        return None
    t = c["t_s"][ok]
    dt = float(np.median(np.diff(t)))
    step = max(1, round(LENGTH_STEP_S / dt)) if dt > 0 else 1
    p = xyz[ok][::step]
    du = np.diff(c["u"][ok][::step])
    dv = np.diff(c["v"][ok][::step])
    ds2 = np.sum(np.diff(p, axis=0) ** 2, axis=1)
    m = np.abs(du) > LENGTH_MIN_DU
    if m.sum() < 20:
        return None
    along = np.sqrt(np.maximum(ds2[m] - dv[m] ** 2, 0.0))
    val = float(np.sum(along) / np.sum(np.abs(du[m])))
    return val if 0.3 < val < 0.8 else None


def make_demo(log: ContactLog, back_length_m: float | None = None) -> Demo:
    """Derive the motion figures of a validated log."""
    c = log.columns
    t = c["t_s"]
    dt = float(np.median(np.diff(t))) if t.size > 1 else 0.01
    rate = 1.0 / dt if dt > 0 else 100.0
    length = back_length_m or estimate_back_length_m(c) or DEFAULT_BACK_LENGTH_M
    f = c["normal_force_n"]
    n_f = max(1, round(FORCE_SMOOTH_S * rate))
    speed = _speed_m_s(t, c["u"] * length, c["v"], max(1, round(SPEED_HALF_WINDOW_S * rate)))
    names: list[str] | None = None
    if "block" in c:
        bv = c["block"]
        labels = log.block_labels
        names = []
        for x in bv:
            if not np.isfinite(x) or (not labels and x < 0):
                names.append("")
            elif labels:
                names.append(labels.get(int(x), ""))
            else:
                names.append(str(int(x)) if float(x).is_integer() else str(x))
    return Demo(
        log=log,
        back_length_m=float(length),
        t_s=t,
        u=c["u"],
        v_m=c["v"],
        force_n=f,
        indentation_m=c["indentation_m"],
        force_smooth_n=_smooth(f, n_f),
        speed_m_s=speed,
        tool=c.get("tool"),
        block_names=names,
        rate_hz=rate,
    )


def load_demo(path: str | Path, back_length_m: float | None = None) -> Demo:
    """Read a demonstration file (CSV, Parquet or MCAP) and derive its motion figures."""
    return make_demo(read_demo_log(path), back_length_m)
