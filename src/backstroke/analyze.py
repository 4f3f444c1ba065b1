"""``backstroke analyze``: what a recorded massage says (DESIGN §6.1, §6.3).

Reads a contact log made by anything — a CSV or Parquet table, or a backstroke session
log (MCAP, its ``/contact`` topic) — and reports its elements: passes, softening,
knots, tempo, contact breaks, pressure. "Watch the master: what makes them successful?"

Columns (one row per sample, SI units):

- required: ``t_s, u, v, normal_force_n, indentation_m``
- optional: ``pass_index, block, tool, x_m, y_m, z_m, target_force_n``; other
  columns, of any type, are ignored. ``tool`` and ``block`` are free text (``palm``,
  ``thumbs``, ``elbow`` … are understood, see ``log_input``; other labels are kept as
  given). An optional column without numbers is ignored (``notes`` says so).
- every value inside the ranges of ``log_input.LIMITS`` and at most a day of samples:
  memory never grows with the values in a log.

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
from backstroke.log_input import (
    LIMITS,
    MAX_BLOCKS,
    MAX_DURATION_S,
    MAX_PASSES,
    face_code,
    normalise_label,
)
from backstroke.sense.breathing import MIN_REST_S, baseline_stiffness_n_m, breathing_rate_bpm
from backstroke.sense.breathing_joint import PassDepth
from backstroke.sense.breathing_session import BreathingTracker
from backstroke.sense.contact import contact_breaks, in_contact_mask, still_holds
from backstroke.sense.knots import (
    DEFAULT_BACK_LENGTH_M,
    KnotDetection,
    knot_detections,
    merge_knots,
)
from backstroke.sense.passes import (
    DEFAULT_HYSTERESIS_U,
    derive_pass_index,
    pass_count,
    pass_indices,
    stroke_periods_s,
    turnarounds,
)
from backstroke.sense.softening import DEFAULT_THRESHOLD, SofteningDetector
from backstroke.sense.stiffness import secant_stiffness
from backstroke.sense.surface_offset import fit_surface_offset, force_groups

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
    damage = scanned = False
    if fmt == "csv":
        raw = _read_csv(p)

        def label(i: int) -> str:
            return f"line {i + 2}"

    else:
        if fmt == "parquet":
            raw = _read_parquet(p)
        else:
            try:
                raw, damage, scanned = _read_mcap(p)
            except BackstrokeError:
                raise
            except (ValueError, KeyError, TypeError, OSError, EOFError) as exc:
                msg = " ".join(str(exc).split())
                raise LogError(f"not a readable MCAP log ({msg})", path=p) from None

        def label(i: int) -> str:
            return f"row {i}"

    log = validate_columns(raw, path=p, fmt=fmt, row_label=label)
    return replace(log, truncated=damage, model_depth=scanned)


def _read_mcap(p: Path) -> tuple[dict[str, Any], bool, bool]:
    """Contact-log columns of an MCAP file, whether it is truncated or damaged (then
    one warning line on stderr), and whether its session planned on a scanned body."""
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
    info = log.session
    scanned = isinstance(info, dict) and info.get("body") == "scan"
    return raw, not log.complete, scanned


_TEXT_COLUMNS = ("tool", "block")


def _read_csv(p: Path) -> dict[str, Any]:
    """The known columns of a CSV log: numbers as float64 arrays, labels as text.

    Other columns are skipped while reading (memory stays ~8 bytes per number).
    """
    from array import array

    try:
        with open(p, newline="", encoding="utf-8-sig") as f:
            reader = csv.reader(f)
            header: list[str] | None = None
            want: list[tuple[int, str]] = []
            nums: dict[str, array[float]] = {}
            texts: dict[str, list[str]] = {}
            seen: dict[str, str] = {}
            rows = 0
            for row in reader:
                if not row or all(not c.strip() for c in row):
                    continue
                if header is None:
                    header = [c.strip() for c in row]
                    dup = sorted({c for c in header if header.count(c) > 1})
                    if dup:
                        raise LogError("duplicate column", path=p, key=dup[0])
                    known = set(REQUIRED_COLUMNS) | set(OPTIONAL_COLUMNS)
                    want = [(j, c) for j, c in enumerate(header) if c in known]
                    for _, c in want:
                        if c in _TEXT_COLUMNS:
                            texts[c] = []
                        else:
                            nums[c] = array("d")
                    continue
                if len(row) != len(header):
                    raise LogError(
                        f"line {reader.line_num}: {len(row)} fields, the header has {len(header)}",
                        path=p,
                    )
                rows += 1
                for j, c in want:
                    cell = row[j]
                    if c in texts:
                        texts[c].append(seen.setdefault(cell, cell))
                        continue
                    try:
                        nums[c].append(float(cell))
                    except ValueError:
                        if c in REQUIRED_COLUMNS:
                            raise LogError(
                                f"not a number at line {reader.line_num}",
                                path=p,
                                key=c,
                                value=cell,
                            ) from None
                        nums[c].append(math.nan)  # optional: not given
    except UnicodeDecodeError as exc:
        raise LogError(f"not a text CSV file ({exc.reason})", path=p) from exc
    except csv.Error as exc:
        raise LogError(f"unreadable CSV ({exc})", path=p) from exc
    if header is None:
        raise LogError("empty file (no header)", path=p)
    if not rows:
        raise LogError("no samples (only a header)", path=p)
    out: dict[str, Any] = {c: np.frombuffer(v, dtype=np.float64) for c, v in nums.items()}
    out.update(texts)
    return out


def _read_parquet(p: Path) -> dict[str, Any]:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise MissingExtraError("parquet", "pyarrow") from exc
    known = set(REQUIRED_COLUMNS) | set(OPTIONAL_COLUMNS)
    try:
        names = pq.read_schema(p).names
        # Only the columns analyze reads: others (any type, any size) stay on disk.
        table = pq.read_table(p, columns=[c for c in names if c in known])
    except (pa.ArrowException, OSError) as exc:
        raise LogError(f"not a readable Parquet file ({exc})", path=p) from exc
    out: dict[str, Any] = {}
    for name in table.column_names:
        if name not in known:
            continue  # other columns, of any type, are ignored
        col = table.column(name)
        if pa.types.is_timestamp(col.type) or pa.types.is_duration(col.type):
            unit = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "ns": 1e-9}[col.type.unit]
            ints = col.cast(pa.int64()).to_numpy(zero_copy_only=False).astype(np.float64)
            out[name] = ints * unit
        elif pa.types.is_integer(col.type) or pa.types.is_floating(col.type):
            out[name] = col.to_numpy(zero_copy_only=False).astype(np.float64)
        elif pa.types.is_boolean(col.type):
            out[name] = np.asarray(
                [math.nan if v is None else float(v) for v in col.to_pylist()], dtype=np.float64
            )
        else:
            out[name] = ["" if v is None else str(v) for v in col.to_pylist()]
    if not out and names:
        raise LogError(
            "missing required column", path=p, key=REQUIRED_COLUMNS[0], allowed=_ALLOWED_COLUMNS
        )
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
        raise LogError("missing required column", path=p, key=missing[0], allowed=_ALLOWED_COLUMNS)
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
    force_changed_at: list[int] = field(default_factory=list)
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
    touch_depth: bool | None = None,
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
    try:
        return analyze_log(
            log,
            softening_threshold,
            back_length_m=back_length_m,
            hysteresis_u=hysteresis_u,
            touch_depth=touch_depth,
        )
    except (ValueError, FloatingPointError) as exc:  # one line, naming the log
        raise LogError(
            f"cannot analyse this log ({' '.join(str(exc).split())})", path=path
        ) from None


def _check_threshold(softening_threshold: float) -> None:
    if not (math.isfinite(softening_threshold) and 0.0 < softening_threshold < 1.0):
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
    touch_depth: bool | None = None,
) -> dict[str, Any]:
    """Analyse a validated log.

    With ``touch_depth`` (default: when the log says its depth is below a model
    surface, ``ContactLog.model_depth``) and positions, the indentation is measured
    from where the tool touched first (``indentation``: ``"from the touches"``).

    Returns:
        ``log``, ``format``, ``samples``, ``sample_rate_hz``, ``duration_s``,
        ``passes`` (total over blocks), ``softening_threshold``, ``softening_pass`` and
        ``softening_block`` (the first block that softened; ``None`` if none did),
        ``force_changed_at`` (that block's passes where the force changed, so softening
        was judged afresh from there: a change of force is never read as softening),
        ``stiffness_block`` and ``stiffness_by_pass_n_m`` (that block, else the block with
        the most passes; block fields are ``None`` without a ``block`` column), ``knots`` (merged
        over all thumb samples, or all samples when the log has no ``tool``),
        ``tempo_bpm`` and ``stroke_period_s`` (median time between turnarounds),
        ``contact_breaks``, ``mean_force_n`` (while in contact, ≥ 0.5 N),
        ``max_force_n``, ``breathing_rate_bpm`` and ``baseline_stiffness_n_m`` (from the
        first still hold of ≥ 15 s, else ``None``), ``blocks`` (one entry per
        block when the log has a ``block`` column, else ``[]``), ``tool_labels`` (tool
        labels kept as given: they name none of backstroke's faces) and ``notes``
        (optional columns ignored, and why).
    """
    c = log.columns
    blocks = _split_blocks(c, log.block_labels)
    refined = touch_depth if touch_depth is not None else log.model_depth
    if refined and all(q in c for q in ("x_m", "y_m", "z_m")):
        c = {**c, "indentation_m": _touch_depth(c, blocks)}
    else:
        refined = False
    t, f, d = c["t_s"], c["normal_force_n"], c["indentation_m"]
    k = secant_stiffness(f, d)
    contact = in_contact_mask(f)
    offset = 0
    # The live session's breathing model (sense.breathing_session), over the whole log.
    breathing = BreathingTracker()
    for b in blocks:
        b.pass_offset = offset
        _analyze_block(
            b,
            c,
            k,
            contact,
            softening_threshold,
            back_length_m,
            hysteresis_u,
            log.tool_labels,
            log.path,
            breathing,
        )
        offset += b.result["passes"]
    main = next((b for b in blocks if b.softening_pass is not None), None)
    if main is None:
        main = max(blocks, key=lambda b: b.result["passes"])  # first of the largest
    dets = [det for b in blocks for det in b.detections]
    knots = merge_knots(dets, back_length_m=back_length_m)
    periods = np.concatenate([b.periods for b in blocks])
    period = float(np.median(periods)) if periods.size else None
    baseline = next((b.breathing[1] for b in blocks if b.breathing[1] is not None), None)
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
        "force_changed_at": main.force_changed_at,
        "stiffness_block": main.label if has_blocks else None,
        "stiffness_by_pass_n_m": [_r(x, 1) for x in main.stiffness],
        "knots": [kn.to_dict() for kn in knots],
        "tempo_bpm": _r(60.0 / period, 2) if period else None,
        "stroke_period_s": _r(period, 3),
        "contact_breaks": contact_breaks(t, f),
        "mean_force_n": _r(float(np.mean(f[contact])), 3) if np.any(contact) else None,
        "max_force_n": _r(float(np.max(f)), 3),
        "breathing_rate_bpm": _r(breathing.rate_bpm, 2),
        "breathing_over_time": breathing.over_time(),
        "baseline_stiffness_n_m": _r(baseline, 1),
        "blocks": [b.result for b in blocks] if has_blocks else [],
        "tool_labels": sorted(set(log.tool_labels.values())),
        "notes": list(log.notes),
        **({"indentation": "from the touches"} if refined else {}),
    }


def _touch_depth(c: Mapping[str, NDArray[np.float64]], blocks: list[_Block]) -> NDArray[np.float64]:
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


def _two_way(u: NDArray[np.float64], on: NDArray[np.bool_], hysteresis_u: float) -> bool:
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


def _analyze_block(
    b: _Block,
    c: Mapping[str, NDArray[np.float64]],
    k_all: NDArray[np.float64],
    contact_all: NDArray[np.bool_],
    threshold: float,
    back_length_m: float,
    hysteresis_u: float,
    tool_labels: Mapping[int, str],
    log_path: str | None = None,
    breathing: BreathingTracker | None = None,
) -> None:
    i = b.idx
    tracker = breathing if breathing is not None else BreathingTracker()
    t, u, v, f, k = c["t_s"][i], c["u"][i], c["v"][i], c["normal_force_n"][i], k_all[i]
    contact = contact_all[i]
    given = c["pass_index"][i] if "pass_index" in c else None
    pass_of = pass_indices(u, given, hysteresis_u, loaded=contact)
    passes = pass_count(pass_of)
    if passes > MAX_PASSES:
        raise LogError(
            f"u turns back {passes} times (passes)",
            path=log_path,
            key="u",
            allowed=f"at most {MAX_PASSES} passes in one log",
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
        tracker.add_rest(float(np.mean(t[a:e])), rate)
        b.breathing = (rate, baseline_stiffness_n_m(f[a:e][m], c["indentation_m"][i][a:e][m]))
    # Softening as the live session hears it: each pass's breath fitted and taken out of
    # its depth (the one breathing model), then compared at equal force. The breath is
    # fitted on the pass's loaded samples only (in contact, at least half the pass's
    # median force, as the knot strips): a recorder that logs the tool's return in the
    # air (depth −1 … −2 cm), or its touch-downs, would otherwise have them fitted as
    # breath.
    depth = c["indentation_m"][i]
    loaded: list[NDArray[np.bool_] | None] = []
    for p in range(passes):
        m = pass_of == p
        on = contact[m]
        if np.any(on):
            on &= f[m] >= 0.5 * float(np.median(f[m][on]))
        # A one-way stroke (the return in the air) meets every u once: its profile along
        # u and a breath in time cannot be told apart, so its depth is left as measured.
        two_way = np.any(on) and _two_way(u[m], on, hysteresis_u)
        if two_way:
            tracker.hear_pass(t[m][on], u[m][on], depth[m][on])
        loaded.append(on if two_way else None)
    # The breath out of the two-way passes together, one profile shared (as live).
    heard = [p for p in range(passes) if loaded[p] is not None]
    sel = [(pass_of == p, loaded[p]) for p in heard]
    cleaned = tracker.clean_passes(
        [PassDepth(t[m][on], u[m][on], depth[m][on], v[m][on]) for m, on in sel]
    )
    det = SofteningDetector(threshold)
    for p in range(passes):
        m = pass_of == p
        clean = depth[m].copy()
        on = loaded[p]
        if on is not None:
            clean[on] = cleaned[heard.index(p)]
        det.add_pass(secant_stiffness(f[m], clean), u[m], t[m], force_n=f[m])
    b.softening_pass = det.softening_pass
    b.force_changed_at = det.force_changed_at
    b.stiffness = det.stiffness_by_pass_n_m
    b.periods = stroke_periods_s(t, u, hysteresis_u)
    tool_name = None
    thumb = np.ones(t.size, dtype=bool)
    if "tool" in c:
        codes = c["tool"][i]
        fin = codes[np.isfinite(codes)].astype(np.int64)
        if fin.size:
            top = int(np.bincount(fin).argmax())
            tool_name = TOOL_NAMES[top] if top < len(TOOL_NAMES) else tool_labels.get(top)
        # Knots are felt with the thumb; a label naming none of the faces is searched
        # too (as a log without a tool column), palms and forearm are not.
        thumb = (codes == _THUMB) | (codes >= len(TOOL_NAMES))
    if np.any(thumb):
        pos = {q: c[q][i][thumb] if q in c else None for q in ("x_m", "y_m", "z_m")}
        strip_pass = pass_of[thumb]
        if np.all(strip_pass < 0):
            # A log's pass_index may number only its glide's passes (-1 elsewhere); the
            # thumb's strips are still there, as legs of its own u.
            strip_pass = derive_pass_index(u[thumb], hysteresis_u)
        b.detections = knot_detections(
            u[thumb],
            v[thumb],
            k[thumb],
            np.where(strip_pass >= 0, strip_pass + b.pass_offset, -1),
            normal_force_n=f[thumb],
            x_m=pos["x_m"],
            y_m=pos["y_m"],
            z_m=pos["z_m"],
            t_s=t[thumb],
            indentation_m=c["indentation_m"][i][thumb],
            back_length_m=back_length_m,
            hysteresis=hysteresis_u,
            breathing_rate_bpm=tracker.rate_bpm,
        )
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
        "force_changed_at": b.force_changed_at,
        "stiffness_by_pass_n_m": [_r(x, 1) for x in b.stiffness],
        "knots": [kn.to_dict() for kn in own],
        "tempo_bpm": _r(60.0 / period, 2) if period else None,
        "stroke_period_s": _r(period, 3),
        "mean_force_n": _r(float(np.mean(f[contact])), 3) if np.any(contact) else None,
        "breathing_rate_bpm": _r(b.breathing[0], 2),
        "baseline_stiffness_n_m": _r(b.breathing[1], 1),
    }
