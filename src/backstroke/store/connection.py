"""The client database's connection: opening, WAL, busy retries, transactions, migration.

Concurrent writers (two sessions finishing at the same moment) are safe: the journal is
in WAL mode, every connection waits up to ``busy_timeout_s`` for a lock, writes take the
lock up front (``BEGIN IMMEDIATE``) and a write that still meets a busy database is
retried with backoff, whole. Two processes opening a new or old database at once
migrate it exactly once.
"""

from __future__ import annotations

import os
import random
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Self, TypeVar

from backstroke.errors import BackstrokeError
from backstroke.store.migrations import MIGRATIONS, SCHEMA_VERSION

DB_ENV = "BACKSTROKE_DB"

T = TypeVar("T")


class StoreError(BackstrokeError):
    """The client database cannot be opened, is too new, or lacks what was asked for."""


def default_db_path() -> Path:
    """``$BACKSTROKE_DB``, else ``$XDG_DATA_HOME/backstroke/clients.sqlite``, else
    ``~/.local/share/backstroke/clients.sqlite``."""
    env = os.environ.get(DB_ENV)
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".local" / "share"
    return base / "backstroke" / "clients.sqlite"


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


class StoreConnection:
    """One connection to the client database, migrated to ``SCHEMA_VERSION``.

    Args:
        path: database file (created with its directory when missing); ``None`` for
            :func:`default_db_path`.
        busy_timeout_s: how long one statement waits for another writer's lock.
        retries: how many times a whole write transaction is retried when the database
            is still busy after ``busy_timeout_s``.

    Raises:
        StoreError: the file is not a database, or its schema is newer than this code.
    """

    def __init__(
        self, path: str | Path | None = None, *, busy_timeout_s: float = 10.0, retries: int = 8
    ) -> None:
        self.path = Path(path).expanduser() if path is not None else default_db_path()
        self.busy_timeout_s = busy_timeout_s
        self.retries = retries
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(
                self.path, timeout=busy_timeout_s, isolation_level=None, check_same_thread=False
            )
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"{self.path}: cannot open the client database: {exc}") from exc
        self._conn.row_factory = sqlite3.Row
        try:
            self._conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_s * 1000)}")
            self._conn.execute("PRAGMA foreign_keys = ON")
            self._retry(self._enable_wal)
            self._retry(self._migrate)
        except sqlite3.DatabaseError as exc:
            self._conn.close()
            raise StoreError(f"{self.path}: not a usable client database: {exc}") from exc
        except StoreError:
            self._conn.close()
            raise

    # ------------------------------------------------------------------ plumbing
    def close(self) -> None:
        """Close the connection."""
        self._conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        """The database's ``PRAGMA user_version``."""
        return int(self._conn.execute("PRAGMA user_version").fetchone()[0])

    def _enable_wal(self) -> None:
        mode = self._conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":  # e.g. a file system without shared memory
            self._conn.execute("PRAGMA journal_mode = DELETE")
        self._conn.execute("PRAGMA synchronous = NORMAL")

    def _retry(self, fn: Callable[[], T]) -> T:
        """Run ``fn``; when SQLite still reports a busy/locked database, wait and rerun."""
        delay_s = 0.05
        for attempt in range(self.retries + 1):
            try:
                return fn()
            except sqlite3.OperationalError as exc:
                if not _is_busy(exc) or attempt == self.retries:
                    if _is_busy(exc):
                        raise StoreError(
                            f"{self.path}: database still busy after {attempt + 1} tries: {exc}"
                        ) from exc
                    raise
                time.sleep(delay_s * (1.0 + random.random()))
                delay_s = min(2.0, delay_s * 2.0)
        raise StoreError(f"{self.path}: database busy")  # pragma: no cover - loop returns

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, holding the write lock from its start."""
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def _transaction(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``fn(conn)`` in one write transaction, retried whole while busy."""

        def once() -> T:
            with self._write() as conn:
                return fn(conn)

        return self._retry(once)

    def _migrate(self) -> None:
        version = self.schema_version
        if version < 0:
            raise StoreError(
                f"{self.path}: schema version {version} is not one backstroke wrote "
                f"(allowed: 0..{SCHEMA_VERSION}); not a backstroke client database"
            )
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path}: schema version {version} is newer than this backstroke "
                f"understands ({SCHEMA_VERSION}); upgrade backstroke"
            )
        if version == SCHEMA_VERSION:
            return
        with self._write() as conn:
            # Re-read under the write lock: another process may have migrated meanwhile.
            current = int(conn.execute("PRAGMA user_version").fetchone()[0])
            for target in range(current + 1, SCHEMA_VERSION + 1):
                for statement in MIGRATIONS[target - 1]:
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {target}")
