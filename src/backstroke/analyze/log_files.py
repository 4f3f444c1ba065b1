"""Reading a contact log file: CSV, Parquet or a backstroke session's MCAP (its
``/contact`` topic), into raw columns that ``log_table.validate_columns`` checks."""

from __future__ import annotations

import csv
import math
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from backstroke.analyze.log_table import (
    ALLOWED_COLUMNS,
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    ContactLog,
    validate_columns,
)
from backstroke.errors import BackstrokeError, LogError, MissingExtraError

FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".mcap": "mcap"}


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
        raw = read_csv_columns(p)

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


def read_csv_columns(p: Path) -> dict[str, Any]:
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
            "missing required column", path=p, key=REQUIRED_COLUMNS[0], allowed=ALLOWED_COLUMNS
        )
    if not out:
        raise LogError("no columns", path=p)
    return out


def read_raw_columns(p: Path) -> dict[str, Any]:
    """A log file's known columns as read, before validation (by its suffix; an MCAP
    log's readable part)."""
    suffix = p.suffix.lower()
    if suffix == ".csv":
        return read_csv_columns(p)
    if suffix in (".parquet", ".pq"):
        return _read_parquet(p)
    return _read_mcap(p)[0]
