"""A contact log as validated columns (DESIGN §6.3): the column contract, the checks
that turn raw columns (text or numbers) into ``ContactLog``, and the labels kept."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from backstroke.errors import LogError
from backstroke.log_input import (
    LIMITS,
    MAX_BLOCKS,
    MAX_DURATION_S,
    MAX_PASSES,
    face_code,
    normalise_label,
)

REQUIRED_COLUMNS: tuple[str, ...] = ("t_s", "u", "v", "normal_force_n", "indentation_m")
OPTIONAL_COLUMNS: tuple[str, ...] = (
    "pass_index",
    "block",
    "tool",
    "x_m",
    "y_m",
    "z_m",
    "target_force_n",
)
TOOL_NAMES: tuple[str, ...] = ("palms", "forearm", "thumb")
_THUMB = TOOL_NAMES.index("thumb")
ALLOWED_COLUMNS = f"required {', '.join(REQUIRED_COLUMNS)}; optional {', '.join(OPTIONAL_COLUMNS)}"

RowLabel = Callable[[int], str]


@dataclass(frozen=True)
class ContactLog:
    """A validated contact log.

    Attributes:
        path: the file it came from (``None`` for in-memory columns).
        format: ``csv``, ``parquet``, ``mcap`` or ``memory``.
        columns: ``(N,)`` float64 arrays: the required columns (finite, ``t_s``
            strictly increasing) and the optional ones present (NaN = not given;
            ``tool`` as codes into ``TOOL_NAMES`` or ``tool_labels``, ``block`` as numbers).
        block_labels: block number → the name the log gave it (when blocks are named).
        tool_labels: tool code → the label as given, for labels that name none of
            backstroke's faces (codes from ``len(TOOL_NAMES)`` on).
        notes: optional columns that were ignored, and why.
        truncated: an MCAP log cut short or damaged (its readable part was kept).
        model_depth: ``indentation_m`` is the depth below a *model* surface that may be
            off the skin (a session on a body fitted to a scan says so in its MCAP
            ``/session``): ``analyze`` then measures it from where the tool touched.
    """

    path: str | None
    format: str
    columns: dict[str, NDArray[np.float64]]
    block_labels: dict[int, str] = field(default_factory=dict)
    tool_labels: dict[int, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    truncated: bool = False
    model_depth: bool = False

    @property
    def samples(self) -> int:
        return int(self.columns["t_s"].size)


def _numbers(
    values: Any, name: str, path: Path | None, label: RowLabel, *, blank_ok: bool
) -> NDArray[np.float64]:
    """A column as float64; blank strings are NaN when ``blank_ok``."""
    if isinstance(values, np.ndarray) and values.dtype.kind in "fiub":
        return values.astype(np.float64)
    items = list(values)
    if blank_ok:
        items = ["nan" if isinstance(v, str) and not v.strip() else v for v in items]
        items = [math.nan if v is None else v for v in items]
    try:
        return np.asarray(items, dtype=np.float64)
    except (ValueError, TypeError):
        for i, v in enumerate(items):
            try:
                float(v)
            except (ValueError, TypeError):
                raise LogError(
                    f"not a number at {label(i)}", path=path, key=name, value=v
                ) from None
        raise  # pragma: no cover - unreachable: some item failed above


def _tool_codes(values: Any) -> tuple[NDArray[np.float64], dict[int, str]]:
    """Tool codes: ``TOOL_NAMES`` indices for the faces a label names (``palm``,
    ``thumbs``, ``elbow`` …, see ``log_input``), codes from ``len(TOOL_NAMES)`` on for other
    labels (kept as given, in order of first appearance), NaN for blanks."""
    n_faces = len(TOOL_NAMES)
    others: dict[str, int] = {}
    if isinstance(values, np.ndarray) and values.dtype.kind in "fiub":
        items: list[Any] = values.astype(np.float64).tolist()
    else:
        items = list(values)
    out = np.empty(len(items))
    cache: dict[str, float] = {}
    for i, v in enumerate(items):
        if isinstance(v, float) and not math.isfinite(v):
            out[i] = math.nan
            continue
        text = ("" if v is None else str(v)).strip()
        if isinstance(v, float) and v.is_integer():
            text = str(int(v))
        code = cache.get(text)
        if code is None:
            key = normalise_label(text)
            if key in ("", "nan", "none", "null", "na", "n/a"):
                code = math.nan
            else:
                face = face_code(text)
                code = (
                    float(face)
                    if face is not None
                    else float(n_faces + others.setdefault(text, len(others)))
                )
            cache[text] = code
        out[i] = code
    return out, {n_faces + c: label for label, c in others.items()}


def _blocks(
    values: Any, path: Path | None, label: RowLabel
) -> tuple[NDArray[np.float64], dict[int, str]]:
    """Block numbers, or codes for named blocks (in order of first appearance)."""
    try:
        return _numbers(values, "block", path, label, blank_ok=True), {}
    except LogError:
        pass
    codes = np.empty(len(values))
    names: dict[str, int] = {}
    for i, v in enumerate(values):
        key = "" if v is None else str(v).strip()
        if not key:
            codes[i] = math.nan
            continue
        codes[i] = names.setdefault(key, len(names))
    return codes, {c: n for n, c in names.items()}


def validate_columns(
    raw: Mapping[str, Any],
    *,
    path: str | Path | None = None,
    fmt: str = "memory",
    row_label: RowLabel | None = None,
) -> ContactLog:
    """Check and convert raw columns (lists of strings or numbers, or arrays).

    Raises:
        LogError: see ``read_contact_log``.
    """
    p = None if path is None else Path(path)

    def default_label(i: int) -> str:
        return f"row {i}"

    label = row_label or default_label
    missing = [c for c in REQUIRED_COLUMNS if c not in raw]
    if missing:
        raise LogError("missing required column", path=p, key=missing[0], allowed=ALLOWED_COLUMNS)
    n = len(raw["t_s"])
    for name in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS):
        if name in raw and len(raw[name]) != n:
            raise LogError(f"column has {len(raw[name])} rows, t_s has {n}", path=p, key=name)
    if n == 0:
        raise LogError("no samples", path=p)
    cols: dict[str, NDArray[np.float64]] = {}
    for name in REQUIRED_COLUMNS:
        x = _numbers(raw[name], name, p, label, blank_ok=False)
        bad = ~np.isfinite(x)
        if np.any(bad):
            i = int(np.argmax(bad))
            raise LogError(
                f"{int(bad.sum())} NaN/infinite value(s), first at {label(i)}",
                path=p,
                key=name,
                value=float(x[i]),
                allowed="finite numbers",
            )
        _check_range(x, name, p, label)
        cols[name] = x
    t = cols["t_s"]
    if float(t[-1] - t[0]) > MAX_DURATION_S:
        raise LogError(
            f"spans {float(t[-1] - t[0]):.4g} s",
            path=p,
            key="t_s",
            allowed=f"a log of at most {MAX_DURATION_S:g} s (one day)",
        )
    if n > 1:
        dt = np.diff(t)
        if np.any(dt <= 0):
            i = int(np.argmax(dt <= 0)) + 1
            raise LogError(
                f"time does not increase at {label(i)} (after {float(t[i - 1])!r})",
                path=p,
                key="t_s",
                value=float(t[i]),
                allowed="strictly increasing times",
            )
    block_labels: dict[int, str] = {}
    tool_labels: dict[int, str] = {}
    notes: list[str] = []
    for name in OPTIONAL_COLUMNS:
        if name not in raw:
            continue
        if name == "tool":
            cols[name], tool_labels = _tool_codes(raw[name])
        elif name == "block":
            cols[name], block_labels = _blocks(raw[name], p, label)
            _check_count(cols[name], name, MAX_BLOCKS, p)
        else:
            # Optional columns are information, never a reason to refuse the log:
            # entries that are not numbers are "not given".
            x = _lenient_numbers(raw[name])
            if not np.any(np.isfinite(x)):
                notes.append(f"column {name} ignored: no numbers in it")
                continue
            if name == "pass_index":
                frac = np.isfinite(x) & (x != np.round(x))
                if np.any(frac):
                    notes.append(f"column {name} ignored: not whole numbers; passes derived from u")
                    continue
                _check_count(x, name, MAX_PASSES, p)
            else:
                _check_range(x, name, p, label)
            cols[name] = x
    return ContactLog(
        None if p is None else str(p), fmt, cols, block_labels, tool_labels, tuple(notes)
    )


def _check_count(x: NDArray[np.float64], name: str, most: int, path: Path | None) -> None:
    """At most ``most`` distinct labels (blocks or passes) in one log."""
    ok = x[np.isfinite(x) & (x >= 0)]
    count = int(np.unique(ok).size)
    if count > most:
        raise LogError(
            f"{count} distinct values", path=path, key=name, allowed=f"at most {most} in one log"
        )


def _lenient_numbers(values: Any) -> NDArray[np.float64]:
    """A column as float64; anything that is not a number is NaN."""
    if isinstance(values, np.ndarray) and values.dtype.kind in "fiub":
        return values.astype(np.float64)
    out = np.empty(len(values))
    for i, v in enumerate(values):
        try:
            out[i] = math.nan if v is None or isinstance(v, bool) else float(v)
        except (TypeError, ValueError):
            out[i] = math.nan
    return out


def _check_range(x: NDArray[np.float64], name: str, path: Path | None, label: RowLabel) -> None:
    """Values outside ``LIMITS[name]`` are bad input (bounded memory; docs/logs.md)."""
    if name not in LIMITS:
        return
    lo, hi, words = LIMITS[name]
    with np.errstate(invalid="ignore"):
        bad = np.isfinite(x) & ((x < lo) | (x > hi))
    if np.any(bad):
        i = int(np.argmax(bad))
        raise LogError(
            f"{int(bad.sum())} value(s) out of range, first at {label(i)}",
            path=path,
            key=name,
            value=float(x[i]),
            allowed=words,
        )
