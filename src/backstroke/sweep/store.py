"""The sweep's Parquet store under DIR: one part file per finished session, resumable.

Layout::

    DIR/rows/part-<task_id>.parquet   one row: a session that finished (or failed)
    DIR/sweep.parquet                 every row so far in one file (written at the end
                                      of a sweep and by ``--report``)

Every file is written to a temporary name in the same folder and renamed into place,
so a reader (or a sweep killed by SIGKILL at any moment) sees a file whole or not at
all. A task's part file is named by its task id, so writing it twice replaces it
instead of adding a row. Reading unions ``sweep.parquet`` and the part files, a part
file winning over the compacted row of the same task (it is newer, e.g. a retried
error); compaction writes ``sweep.parquet`` first and only then deletes the parts it
holds, so a kill between the two leaves rows that reading de-duplicates.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from backstroke.atomic_io import write_atomic
from backstroke.errors import BackstrokeError, MissingExtraError

if TYPE_CHECKING:
    import pyarrow as pa

ROWS_DIR = "rows"
COMPACT_NAME = "sweep.parquet"
PART_PREFIX = "part-"
TMP_PREFIX = ".tmp-"


def _pa() -> Any:
    try:
        import pyarrow as pa
        import pyarrow.parquet
    except ImportError as exc:  # pragma: no cover - the extra is in the Makefile
        raise MissingExtraError("parquet", "pyarrow") from exc
    return pa


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename."""
    _write_atomic(path, text.encode("utf-8"))


def _write_atomic(path: Path, data: bytes | None, table: pa.Table | None = None) -> None:
    def write(tmp: Path) -> None:
        if table is not None:
            _pa().parquet.write_table(table, tmp)
        else:
            tmp.write_bytes(data or b"")

    write_atomic(path, write, prefix=TMP_PREFIX)


class SweepStore:
    """The rows of one sweep directory."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = Path(out_dir)
        self.rows_dir = self.out_dir / ROWS_DIR
        self.compact_path = self.out_dir / COMPACT_NAME

    def clean_temporaries(self) -> int:
        """Delete temporary files a killed sweep left behind; returns how many."""
        n = 0
        for folder in (self.out_dir, self.rows_dir):
            if folder.is_dir():
                for p in folder.glob(f"{TMP_PREFIX}*"):
                    p.unlink(missing_ok=True)
                    n += 1
        return n

    def part_path(self, task_id: str) -> Path:
        return self.rows_dir / f"{PART_PREFIX}{task_id}.parquet"

    def write_row(self, row: dict[str, Any]) -> Path:
        """Write one row (must hold ``task_id``) as its own part file, atomically."""
        pa = _pa()
        table = pa.Table.from_pylist([row])
        path = self.part_path(str(row["task_id"]))
        _write_atomic(path, None, table)
        return path

    def _part_files(self) -> list[Path]:
        if not self.rows_dir.is_dir():
            return []
        return sorted(self.rows_dir.glob(f"{PART_PREFIX}*.parquet"))

    def read_table(self) -> pa.Table | None:
        """Every row, one per task (a part file wins over the compacted row); None if empty."""
        tables: list[pa.Table] = []
        if self.compact_path.exists():
            tables.append(_read(self.compact_path))
        parts = self._part_files()
        tables += [_read(p) for p in parts]
        if not tables:
            return None
        table = _last_per_task(_pa().concat_tables(tables, promote_options="permissive"))
        keys = [k for k in ("client_file", "routine") if k in table.column_names]
        return table.sort_by([(k, "ascending") for k in keys]) if keys else table

    def rows(self) -> list[dict[str, Any]]:
        table = self.read_table()
        return [] if table is None else table.to_pylist()

    def done(self, *, include_errors: bool = True) -> set[str]:
        """Task ids that have a row (with ``include_errors=False``: a row without error)."""
        if include_errors:
            ids = {p.stem[len(PART_PREFIX) :] for p in self._part_files()}
            if self.compact_path.exists():
                col = _pa().parquet.read_table(self.compact_path, columns=["task_id"])
                ids |= set(col.column("task_id").to_pylist())
            return ids
        table = self.read_table()
        if table is None:
            return set()
        ids = table.column("task_id").to_pylist()
        if "error" not in table.column_names:
            return set(ids)
        errors = table.column("error").to_pylist()
        return {t for t, e in zip(ids, errors, strict=True) if e is None}

    def compact(self) -> pa.Table | None:
        """Write every row into ``sweep.parquet``, then delete the part files it holds."""
        parts = self._part_files()
        table = self.read_table()
        if table is None:
            return None
        if parts or not self.compact_path.exists():
            _write_atomic(self.compact_path, None, table)
            for p in parts:
                p.unlink(missing_ok=True)
        return table


def _read(path: Path) -> pa.Table:
    try:
        return _pa().parquet.read_table(path)
    except Exception as exc:  # a file renamed into place is whole; anything else is foreign
        raise BackstrokeError(f"{path}: not a readable Parquet file ({exc})") from exc


def _last_per_task(table: pa.Table) -> pa.Table:
    """Keep the last row of each task id (rows are in read order: compacted, then parts)."""
    ids = table.column("task_id").to_pylist()
    last: dict[str, int] = {}
    for i, t in enumerate(ids):
        last[t] = i
    keep = sorted(last.values())
    if len(keep) == len(ids):
        return table
    return table.take(keep)
