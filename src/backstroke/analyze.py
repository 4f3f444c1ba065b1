"""``backstroke analyze``: what a recorded massage says (DESIGN §6.1, §6.3).

Reads a contact log made by anything — a CSV or Parquet table, or a backstroke session
log (MCAP, its ``/contact`` topic) — and reports its elements: passes, softening,
knots, tempo, contact breaks, pressure. "Watch the master: what makes them successful?"

Columns (one row per sample, SI units):

- required: ``t_s, u, v, normal_force_n, indentation_m``
- optional: ``pass_index, block, tool, x_m, y_m, z_m, target_force_n``; other
  columns are ignored.

A bad log raises ``LogError`` naming the file, the column and the first bad row; the
command line turns it into exit code 2.
"""

from __future__ import annotations

import csv
import math
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from backstroke.errors import BackstrokeError, LogError, MissingExtraError
from backstroke.sense.breathing import MIN_REST_S, baseline_stiffness_n_m, breathing_rate_bpm
from backstroke.sense.contact import contact_breaks, in_contact_mask, still_holds
from backstroke.sense.knots import (
    DEFAULT_BACK_LENGTH_M,
    KnotDetection,
    knot_detections,
    merge_knots,
)
from backstroke.sense.passes import DEFAULT_HYSTERESIS_U, pass_count, pass_indices, stroke_periods_s
from backstroke.sense.softening import DEFAULT_THRESHOLD, SofteningDetector
from backstroke.sense.stiffness import secant_stiffness

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
FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".mcap": "mcap"}
_ALLOWED_COLUMNS = f"required {', '.join(REQUIRED_COLUMNS)}; optional {', '.join(OPTIONAL_COLUMNS)}"

RowLabel = Callable[[int], str]


@dataclass(frozen=True)
class ContactLog:
    """A validated contact log.

    Attributes:
        path: the file it came from (``None`` for in-memory columns).
        format: ``csv``, ``parquet``, ``mcap`` or ``memory``.
        columns: ``(N,)`` float64 arrays: the required columns (finite, ``t_s``
            strictly increasing) and the optional ones present (NaN = not given;
            ``tool`` as codes into ``TOOL_NAMES``, ``block`` as numbers).
        block_labels: block number → the name the log gave it (when blocks are named).
        truncated: an MCAP log cut short or damaged (its readable part was kept).
    """

    path: str | None
    format: str
    columns: dict[str, NDArray[np.float64]]
    block_labels: dict[int, str] = field(default_factory=dict)
    truncated: bool = False

    @property
    def samples(self) -> int:
        return int(self.columns["t_s"].size)


# ---------------------------------------------------------------- reading


def read_contact_log(path: str | Path) -> ContactLog:
    """Read and validate a CSV, Parquet or MCAP contact log.

    Raises:
        LogError: missing or empty file, unknown format, missing column, non-numeric,
            NaN or infinite values in a required column, time not increasing.
        MissingExtraError: a Parquet file without pyarrow installed.
    """
    p = Path(path)
    if not p.exists():
        raise LogError("file not found", path=p)
    if p.is_dir():
        raise LogError("is a directory, not a log file", path=p)
    fmt = FORMATS.get(p.suffix.lower())
    if fmt is None:
        raise LogError(
            f"unknown log format '{p.suffix}'",
            path=p,
            allowed=", ".join(sorted(FORMATS)),
        )
    if p.stat().st_size == 0:
        raise LogError("empty file", path=p)
    raw: dict[str, Any]
    damage = False
    if fmt == "csv":
        raw = _read_csv(p)

        def label(i: int) -> str:
            return f"line {i + 2}"

    else:
        if fmt == "parquet":
            raw = _read_parquet(p)
        else:
            raw, damage = _read_mcap(p)

        def label(i: int) -> str:
            return f"row {i}"

    log = validate_columns(raw, path=p, fmt=fmt, row_label=label)
    return replace(log, truncated=True) if damage else log


def _read_mcap(p: Path) -> tuple[dict[str, Any], bool]:
    """Contact-log columns of an MCAP file, and whether it is truncated or damaged
    (then one warning line on stderr)."""
    from backstroke.session.log import read_session_log

    log = read_session_log(p)
    raw = log.contact_columns()
    if "t_s" not in raw:
        raise LogError("no /state or /contact samples", path=p, key="/contact")
    if not log.complete:
        end = float(raw["t_s"][-1]) if raw["t_s"].size else 0.0
        what = "damaged" if log.damaged else "truncated"
        print(
            f"backstroke: warning: {p}: log {what} ({log.problem}), analysing the "
            f"{raw['t_s'].size} samples up to t = {end:.3f} s",
            file=sys.stderr,
        )
    return raw, not log.complete


def _read_csv(p: Path) -> dict[str, Any]:
    try:
        with open(p, newline="", encoding="utf-8-sig") as f:
            reader = csv.reader(f)
            header: list[str] | None = None
            rows: list[list[str]] = []
            for row in reader:
                if not row or all(not c.strip() for c in row):
                    continue
                if header is None:
                    header = [c.strip() for c in row]
                    continue
                if len(row) != len(header):
                    raise LogError(
                        f"line {reader.line_num}: {len(row)} fields, the header has {len(header)}",
                        path=p,
                    )
                rows.append(row)
    except UnicodeDecodeError as exc:
        raise LogError(f"not a text CSV file ({exc.reason})", path=p) from exc
    except csv.Error as exc:
        raise LogError(f"unreadable CSV ({exc})", path=p) from exc
    if header is None:
        raise LogError("empty file (no header)", path=p)
    dup = sorted({c for c in header if header.count(c) > 1})
    if dup:
        raise LogError("duplicate column", path=p, key=dup[0])
    if not rows:
        raise LogError("no samples (only a header)", path=p)
    cols = list(zip(*rows, strict=True))
    return {name: list(col) for name, col in zip(header, cols, strict=True)}


def _read_parquet(p: Path) -> dict[str, Any]:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise MissingExtraError("parquet", "pyarrow") from exc
    try:
        table = pq.read_table(p)
    except (pa.ArrowException, OSError) as exc:
        raise LogError(f"not a readable Parquet file ({exc})", path=p) from exc
    out: dict[str, Any] = {}
    for name in table.column_names:
        col = table.column(name)
        if pa.types.is_integer(col.type) or pa.types.is_floating(col.type):
            out[name] = col.to_numpy(zero_copy_only=False).astype(np.float64)
        elif pa.types.is_boolean(col.type):
            out[name] = np.asarray(col.to_pylist(), dtype=np.float64)
        else:
            out[name] = ["" if v is None else str(v) for v in col.to_pylist()]
    if not out:
        raise LogError("no columns", path=p)
    return out


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


def _tool_codes(values: Any, path: Path | None, label: RowLabel) -> NDArray[np.float64]:
    allowed = f"{', '.join(TOOL_NAMES)} (or codes 0..{len(TOOL_NAMES) - 1})"
    if isinstance(values, np.ndarray) and values.dtype.kind in "fiub":
        codes = values.astype(np.float64)
        bad = np.isfinite(codes) & ~np.isin(codes, np.arange(len(TOOL_NAMES)))
        if np.any(bad):
            i = int(np.argmax(bad))
            raise LogError(
                f"unknown tool at {label(i)}",
                path=path,
                key="tool",
                value=codes[i],
                allowed=allowed,
            )
        return codes
    lookup = {n: float(i) for i, n in enumerate(TOOL_NAMES)}
    lookup.update({str(i): float(i) for i in range(len(TOOL_NAMES))})
    lookup.update({f"{i}.0": float(i) for i in range(len(TOOL_NAMES))})
    out = np.empty(len(values))
    for i, v in enumerate(values):
        key = "" if v is None else str(v).strip().lower()
        if key in ("", "nan", "none", "null"):
            out[i] = math.nan
        elif key in lookup:
            out[i] = lookup[key]
        else:
            raise LogError(
                f"unknown tool at {label(i)}", path=path, key="tool", value=v, allowed=allowed
            )
    return out


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
        raise LogError("missing required column", path=p, key=missing[0], allowed=_ALLOWED_COLUMNS)
    n = len(raw["t_s"])
    for name, col in raw.items():
        if len(col) != n:
            raise LogError(f"column has {len(col)} rows, t_s has {n}", path=p, key=name)
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
        cols[name] = x
    t = cols["t_s"]
    if n > 1:
        dt = np.diff(t)
        if np.any(dt <= 0):
            i = int(np.argmax(dt <= 0)) + 1
            raise LogError(
                f"time does not increase at {label(i)} (after {t[i - 1]!r})",
                path=p,
                key="t_s",
                value=float(t[i]),
                allowed="strictly increasing times",
            )
    block_labels: dict[int, str] = {}
    for name in OPTIONAL_COLUMNS:
        if name not in raw:
            continue
        if name == "tool":
            cols[name] = _tool_codes(raw[name], p, label)
        elif name == "block":
            cols[name], block_labels = _blocks(raw[name], p, label)
        else:
            x = _numbers(raw[name], name, p, label, blank_ok=True)
            if name == "pass_index":
                frac = np.isfinite(x) & (x != np.round(x))
                if np.any(frac):
                    i = int(np.argmax(frac))
                    raise LogError(
                        f"not a whole number at {label(i)}",
                        path=p,
                        key=name,
                        value=float(x[i]),
                        allowed="whole numbers (negative = in no pass)",
                    )
            cols[name] = x
    return ContactLog(None if p is None else str(p), fmt, cols, block_labels)


# ---------------------------------------------------------------- analysis


def _r(x: float | None, nd: int) -> float | None:
    if x is None or not math.isfinite(x):
        return None
    return round(float(x), nd)


@dataclass
class _Block:
    label: str | int | None
    idx: NDArray[np.int64]
    pass_offset: int = 0
    result: dict[str, Any] = field(default_factory=dict)
    softening_pass: int | None = None
    stiffness: list[float] = field(default_factory=list)
    periods: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    detections: list[KnotDetection] = field(default_factory=list)
    breathing: tuple[float | None, float | None] = (None, None)


def analyze(
    path: str | Path,
    softening_threshold: float = DEFAULT_THRESHOLD,
    *,
    back_length_m: float = DEFAULT_BACK_LENGTH_M,
    hysteresis_u: float = DEFAULT_HYSTERESIS_U,
) -> dict[str, Any]:
    """Analyse a contact log file (CSV, Parquet or MCAP); JSON-ready and deterministic.

    Args:
        path: the log.
        softening_threshold: relative stiffness drop that counts as softening (0..1).
        back_length_m: C7→waist length used to turn u into metres (knot widths, merging).
        hysteresis_u: reversal of u that confirms a turnaround.

    Returns:
        See ``analyze_log``.

    Raises:
        LogError: a bad log (exit 2 at the command line).
        BackstrokeError: a threshold outside (0, 1).
    """
    _check_threshold(softening_threshold)
    log = read_contact_log(path)
    return analyze_log(
        log,
        softening_threshold,
        back_length_m=back_length_m,
        hysteresis_u=hysteresis_u,
    )


def _check_threshold(softening_threshold: float) -> None:
    if not 0.0 < softening_threshold < 1.0:
        raise BackstrokeError(
            f"--softening {softening_threshold}: must be between 0 and 1 (e.g. 0.05 for 5 %)"
        )


def analyze_columns(
    columns: Mapping[str, ArrayLike],
    softening_threshold: float = DEFAULT_THRESHOLD,
    *,
    back_length_m: float = DEFAULT_BACK_LENGTH_M,
    hysteresis_u: float = DEFAULT_HYSTERESIS_U,
) -> dict[str, Any]:
    """``analyze`` for in-memory columns (``(N,)`` each, names as in the file format)."""
    _check_threshold(softening_threshold)
    raw = {k: (np.asarray(v) if not isinstance(v, list) else v) for k, v in columns.items()}
    log = validate_columns(raw)
    return analyze_log(
        log, softening_threshold, back_length_m=back_length_m, hysteresis_u=hysteresis_u
    )


def analyze_log(
    log: ContactLog,
    softening_threshold: float = DEFAULT_THRESHOLD,
    *,
    back_length_m: float = DEFAULT_BACK_LENGTH_M,
    hysteresis_u: float = DEFAULT_HYSTERESIS_U,
) -> dict[str, Any]:
    """Analyse a validated log.

    Returns:
        ``log``, ``format``, ``samples``, ``sample_rate_hz``, ``duration_s``,
        ``passes`` (total over blocks), ``softening_threshold``, ``softening_pass`` and
        ``softening_block`` (the first block that softened; ``None`` if none did),
        ``stiffness_block`` and ``stiffness_by_pass_n_m`` (that block, else the block with
        the most passes; block fields are ``None`` without a ``block`` column), ``knots`` (merged
        over all thumb samples, or all samples when the log has no ``tool``),
        ``tempo_bpm`` and ``stroke_period_s`` (median time between turnarounds),
        ``contact_breaks``, ``mean_force_n`` (while in contact, ≥ 0.5 N),
        ``max_force_n``, ``breathing_rate_bpm`` and ``baseline_stiffness_n_m`` (from the
        first still hold of ≥ 15 s, else ``None``), and ``blocks`` (one entry per
        block when the log has a ``block`` column, else ``[]``).
    """
    c = log.columns
    t, f, d = c["t_s"], c["normal_force_n"], c["indentation_m"]
    k = secant_stiffness(f, d)
    contact = in_contact_mask(f)
    blocks = _split_blocks(c, log.block_labels)
    offset = 0
    for b in blocks:
        b.pass_offset = offset
        _analyze_block(b, c, k, contact, softening_threshold, back_length_m, hysteresis_u)
        offset += b.result["passes"]
    main = next((b for b in blocks if b.softening_pass is not None), None)
    if main is None:
        main = max(blocks, key=lambda b: b.result["passes"])  # first of the largest
    dets = [det for b in blocks for det in b.detections]
    knots = merge_knots(dets, back_length_m=back_length_m)
    periods = np.concatenate([b.periods for b in blocks])
    period = float(np.median(periods)) if periods.size else None
    breath = next((b.breathing for b in blocks if b.breathing[0] is not None), None)
    if breath is None:
        breath = next((b.breathing for b in blocks if b.breathing[1] is not None), (None, None))
    dt = np.diff(t)
    has_blocks = "block" in c
    return {
        "log": log.path,
        "format": log.format,
        "log_truncated": log.truncated,
        "samples": log.samples,
        "sample_rate_hz": _r(1.0 / float(np.median(dt)), 3) if dt.size else None,
        "duration_s": _r(float(t[-1] - t[0]), 3),
        "passes": offset,
        "softening_threshold": softening_threshold,
        "softening_pass": main.softening_pass,
        "softening_block": main.label if has_blocks and main.softening_pass is not None else None,
        "stiffness_block": main.label if has_blocks else None,
        "stiffness_by_pass_n_m": [_r(x, 1) for x in main.stiffness],
        "knots": [kn.to_dict() for kn in knots],
        "tempo_bpm": _r(60.0 / period, 2) if period else None,
        "stroke_period_s": _r(period, 3),
        "contact_breaks": contact_breaks(t, f),
        "mean_force_n": _r(float(np.mean(f[contact])), 3) if np.any(contact) else None,
        "max_force_n": _r(float(np.max(f)), 3),
        "breathing_rate_bpm": _r(breath[0], 2),
        "baseline_stiffness_n_m": _r(breath[1], 1),
        "blocks": [b.result for b in blocks] if has_blocks else [],
    }


def _split_blocks(c: Mapping[str, NDArray[np.float64]], labels: Mapping[int, str]) -> list[_Block]:
    n = c["t_s"].size
    if "block" not in c:
        return [_Block(None, np.arange(n, dtype=np.int64))]
    bv = c["block"]
    ok = np.isfinite(bv) & (bv >= 0)
    if not np.any(ok):
        return [_Block(None, np.arange(n, dtype=np.int64))]
    vals, first = np.unique(bv[ok], return_index=True)
    out = []
    for val in vals[np.argsort(first, kind="stable")]:
        code = int(val) if float(val).is_integer() else val
        label: str | int = labels.get(int(val), str(code)) if labels else code
        out.append(_Block(label, np.flatnonzero(bv == val)))
    return out


def _analyze_block(
    b: _Block,
    c: Mapping[str, NDArray[np.float64]],
    k_all: NDArray[np.float64],
    contact_all: NDArray[np.bool_],
    threshold: float,
    back_length_m: float,
    hysteresis_u: float,
) -> None:
    i = b.idx
    t, u, v, f, k = c["t_s"][i], c["u"][i], c["v"][i], c["normal_force_n"][i], k_all[i]
    contact = contact_all[i]
    pass_of = pass_indices(u, c["pass_index"][i] if "pass_index" in c else None, hysteresis_u)
    passes = pass_count(pass_of)
    det = SofteningDetector(threshold)
    for p in range(passes):
        m = pass_of == p
        det.add_pass(k[m], u[m], t[m])
    b.softening_pass = det.softening_pass
    b.stiffness = det.stiffness_by_pass_n_m
    b.periods = stroke_periods_s(t, u, hysteresis_u)
    tool_name = None
    thumb = np.ones(t.size, dtype=bool)
    if "tool" in c:
        codes = c["tool"][i]
        fin = codes[np.isfinite(codes)].astype(np.int64)
        if fin.size:
            tool_name = TOOL_NAMES[int(np.bincount(fin).argmax())]
        thumb = codes == _THUMB
    if np.any(thumb):
        pos = {q: c[q][i][thumb] if q in c else None for q in ("x_m", "y_m", "z_m")}
        b.detections = knot_detections(
            u[thumb],
            v[thumb],
            k[thumb],
            np.where(pass_of[thumb] >= 0, pass_of[thumb] + b.pass_offset, -1),
            normal_force_n=f[thumb],
            x_m=pos["x_m"],
            y_m=pos["y_m"],
            z_m=pos["z_m"],
            back_length_m=back_length_m,
            hysteresis=hysteresis_u,
        )
    holds = [
        (a, e)
        for a, e in still_holds(t, u, band_u=hysteresis_u, min_duration_s=MIN_REST_S)
        if np.mean(contact[a:e]) > 0.9
    ]
    if holds:
        a, e = holds[0]
        m = contact[a:e]
        rate = breathing_rate_bpm(f[a:e][m], t[a:e][m])
        if rate is None and "z_m" in c:
            rate = breathing_rate_bpm(c["z_m"][i][a:e][m], t[a:e][m])
        b.breathing = (rate, baseline_stiffness_n_m(f[a:e][m], c["indentation_m"][i][a:e][m]))
    dt_periods = b.periods
    period = float(np.median(dt_periods)) if dt_periods.size else None
    own = merge_knots(b.detections, back_length_m=back_length_m)
    b.result = {
        "block": b.label,
        "tool": tool_name,
        "t0_s": _r(float(t[0]), 3),
        "duration_s": _r(float(t[-1] - t[0]), 3),
        "passes": passes,
        "softening_pass": b.softening_pass,
        "stiffness_by_pass_n_m": [_r(x, 1) for x in b.stiffness],
        "knots": [kn.to_dict() for kn in own],
        "tempo_bpm": _r(60.0 / period, 2) if period else None,
        "stroke_period_s": _r(period, 3),
        "mean_force_n": _r(float(np.mean(f[contact])), 3) if np.any(contact) else None,
        "breathing_rate_bpm": _r(b.breathing[0], 2),
        "baseline_stiffness_n_m": _r(b.breathing[1], 1),
    }
