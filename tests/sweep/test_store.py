"""The Parquet store: one row per task whatever the order of writes, kills and compactions."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given
from hypothesis import strategies as st

from backstroke.errors import BackstrokeError
from backstroke.sweep.store import COMPACT_NAME, TMP_PREFIX, SweepStore


def _row(task: int, version: int, *, error: bool = False) -> dict[str, Any]:
    """A row as the sweep writes one (independent of tasks.py: hand-made columns)."""
    base: dict[str, Any] = {
        "task_id": f"{task:016x}",
        "routine": ["spa", "sports", "my.toml"][task % 3],
        "client_file": f"clients/c{task // 3:03d}.toml",
        "seed": 1000 + task,
    }
    if error:
        return {**base, "error": f"ValueError: broken {version}"}
    return {
        **base,
        "duration_s": 40.0 + task,
        "contact_breaks": task % 2,  # int in some rows ...
        "max_pressure_n_cm2": float(task) if task % 2 else 0,  # ... int or float
        "orientation_error_deg.mean": 0.01 * version,
        "blocks": '[{"technique":"rest"}]',
        "sweep.softened": bool(task % 2),
        "sweep.time_to_softening_s": None if task % 2 == 0 else 12.5,
        "version": version,
        "error": None,
    }


ops = st.lists(
    st.one_of(
        st.tuples(st.just("write"), st.integers(0, 11), st.booleans()),
        st.tuples(st.just("compact"), st.just(0), st.just(False)),
        st.tuples(st.just("crash"), st.integers(0, 11), st.just(False)),
        st.tuples(st.just("half_compact"), st.just(0), st.just(False)),
    ),
    max_size=25,
)


@given(ops=ops)
def test_rows_are_one_per_task_and_the_last_write_wins(
    tmp_path_factory: pytest.TempPathFactory, ops: list[tuple[str, int, bool]]
) -> None:
    out = tmp_path_factory.mktemp("sweep")
    store = SweepStore(out)
    expected: dict[str, dict[str, Any]] = {}
    for version, (op, task, error) in enumerate(ops):
        if op == "write":
            row = _row(task, version, error=error)
            store.write_row(row)
            expected[row["task_id"]] = row
        elif op == "compact":
            store.compact()
        elif op == "crash":
            # SIGKILL in the middle of writing a part: a temporary file is all that is left.
            (out / "rows").mkdir(exist_ok=True)
            fd, _ = tempfile.mkstemp(prefix=TMP_PREFIX, suffix=".parquet", dir=out / "rows")
            os.write(fd, b"PAR1 half a file")
            os.close(fd)
        elif op == "half_compact":
            # Killed between writing sweep.parquet and deleting the parts it holds.
            table = store.read_table()
            if table is not None:
                pq.write_table(table, out / COMPACT_NAME)
    rows = store.rows()
    got = {r["task_id"]: r for r in rows}
    assert len(got) == len(rows)  # no duplicates
    assert set(got) == set(expected)  # nothing lost
    for tid, row in expected.items():
        assert got[tid]["error"] == row["error"]
        if row["error"] is None:
            assert got[tid]["version"] == row["version"]
    assert store.done() == set(expected)
    assert store.done(include_errors=False) == {
        t for t, r in expected.items() if r["error"] is None
    }
    store.clean_temporaries()
    assert not list(out.rglob(f"{TMP_PREFIX}*"))


def test_compaction_gives_one_file_with_one_schema(tmp_path: Path) -> None:
    store = SweepStore(tmp_path)
    for t in range(6):
        store.write_row(_row(t, 0, error=(t == 4)))
    table = store.compact()
    assert table is not None and table.num_rows == 6
    assert not list((tmp_path / "rows").glob("part-*"))
    on_disk = pq.read_table(tmp_path / COMPACT_NAME)
    assert on_disk.num_rows == 6
    # Ints and floats of one figure promote to float; error rows have nulls.
    assert on_disk.schema.field("max_pressure_n_cm2").type == pa.float64()
    err = [r for r in on_disk.to_pylist() if r["error"] is not None]
    assert len(err) == 1 and err[0]["duration_s"] is None
    # Sorted by client then routine.
    keys = [(r["client_file"], r["routine"]) for r in on_disk.to_pylist()]
    assert keys == sorted(keys)


def test_empty_store_and_a_foreign_file(tmp_path: Path) -> None:
    store = SweepStore(tmp_path)
    assert store.read_table() is None and store.rows() == [] and store.done() == set()
    assert store.compact() is None
    (tmp_path / "rows").mkdir()
    (tmp_path / "rows" / "part-0000000000000000.parquet").write_bytes(b"not parquet")
    with pytest.raises(BackstrokeError, match="not a readable Parquet"):
        store.rows()
