"""Client memory: one SQLite database of clients, their preferences, sessions and knots.

The database lives in the user's data directory (``$XDG_DATA_HOME/backstroke/
clients.sqlite``, else ``~/.local/share/backstroke/clients.sqlite``; the environment
variable ``BACKSTROKE_DB`` or an explicit path overrides it).

Schema versions are counted by ``PRAGMA user_version`` and reached by running the
ordered ``MIGRATIONS`` in one write transaction, so two processes opening a new or old
database at once migrate it exactly once. Concurrent writers (two sessions finishing at
the same moment) are safe: the journal is in WAL mode, every connection waits up to
``busy_timeout_s`` for a lock, writes take the lock up front (``BEGIN IMMEDIATE``) and a
write that still meets a busy database is retried with backoff, whole.

All times are UTC ISO 8601 strings; all lengths are metres.
"""

from __future__ import annotations

import json
import math
import os
import random
import sqlite3
import time
import tomllib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from backstroke.errors import BackstrokeError
from backstroke.session.summary import KnotSummary, Summary, validate_summary

DB_ENV = "BACKSTROKE_DB"
DEFAULT_BACK_LENGTH_M = 0.51  # DESIGN §5, used when neither the session nor the client says
PRESSURE_SCALE_RANGE = (0.5, 1.5)  # the range the session runner accepts
MAX_NAME_CHARS = 100

T = TypeVar("T")


class StoreError(BackstrokeError):
    """The client database cannot be opened, is too new, or lacks what was asked for."""


# --------------------------------------------------------------------------- migrations
# Ordered: MIGRATIONS[i] takes the schema from version i to version i + 1. Never edit a
# released migration; append a new one.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    # 1: clients, sessions and the knots each session found.
    (
        """
        CREATE TABLE clients (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            client_file TEXT,
            created_at TEXT NOT NULL
        )
        """,
        """
        CREATE TABLE sessions (
            id INTEGER PRIMARY KEY,
            client_id INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
            recorded_at TEXT NOT NULL,
            summary_json TEXT NOT NULL,
            out_dir TEXT
        )
        """,
        """
        CREATE TABLE knots (
            id INTEGER PRIMARY KEY,
            session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
            u REAL NOT NULL,
            v_m REAL NOT NULL,
            stiffness_ratio REAL NOT NULL
        )
        """,
    ),
    # 2: preferences; the client file's content; per-session file paths and figures;
    #    knot positions in frame B.
    (
        """
        CREATE TABLE preferences (
            client_id INTEGER PRIMARY KEY REFERENCES clients(id) ON DELETE CASCADE,
            pressure_scale REAL NOT NULL DEFAULT 1.0
                CHECK (pressure_scale BETWEEN 0.5 AND 1.5),
            skip_techniques TEXT NOT NULL DEFAULT '[]',
            music TEXT,
            updated_at TEXT NOT NULL
        )
        """,
        "INSERT INTO preferences (client_id, updated_at) SELECT id, created_at FROM clients",
        "ALTER TABLE clients ADD COLUMN client_toml TEXT",
        "ALTER TABLE sessions ADD COLUMN routine TEXT",
        "ALTER TABLE sessions ADD COLUMN duration_s REAL",
        "ALTER TABLE sessions ADD COLUMN back_length_m REAL",
        "ALTER TABLE sessions ADD COLUMN summary_path TEXT",
        "ALTER TABLE sessions ADD COLUMN log_path TEXT",
        "ALTER TABLE sessions ADD COLUMN report_path TEXT",
        """
        UPDATE sessions SET
            routine = json_extract(summary_json, '$.routine'),
            duration_s = json_extract(summary_json, '$.duration_s')
        """,
        "ALTER TABLE knots ADD COLUMN x_m REAL",
        "ALTER TABLE knots ADD COLUMN y_m REAL",
        "ALTER TABLE knots ADD COLUMN z_m REAL",
    ),
    # 3: indexes for the per-client queries.
    (
        "CREATE INDEX sessions_by_client ON sessions (client_id, recorded_at, id)",
        "CREATE INDEX knots_by_session ON knots (session_id)",
    ),
    # 4: regional pressure preference (session/preferences.py: [{u, v_m, scale, radius_m}]).
    ("ALTER TABLE preferences ADD COLUMN regional_json TEXT NOT NULL DEFAULT '[]'",),
)
SCHEMA_VERSION = len(MIGRATIONS)


def default_db_path() -> Path:
    """``$BACKSTROKE_DB``, else ``$XDG_DATA_HOME/backstroke/clients.sqlite``, else
    ``~/.local/share/backstroke/clients.sqlite``."""
    env = os.environ.get(DB_ENV)
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".local" / "share"
    return base / "backstroke" / "clients.sqlite"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


# --------------------------------------------------------------------------- records
@dataclass(frozen=True)
class Preferences:
    """A client's remembered preferences.

    Attributes:
        pressure_scale: multiplies every block's force (0.5..1.5; 1 = as the routine says).
        skip_techniques: techniques this client does not want (e.g. ``("thumb_strip",)``).
        music: the client's music file, or ``None``.
        regional: where the client wants less force, ``({"u", "v_m", "scale", "radius_m"}, ...)``.
    """

    pressure_scale: float = 1.0
    skip_techniques: tuple[str, ...] = ()
    music: str | None = None
    regional: tuple[dict[str, float], ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "pressure_scale": self.pressure_scale,
            "skip_techniques": list(self.skip_techniques),
            "music": self.music,
            "regional": [dict(b) for b in self.regional],
        }


@dataclass(frozen=True)
class ClientRecord:
    """One client as stored.

    Attributes:
        name: unique name.
        client_file: path of the client TOML file when it was last given, or ``None``.
        client_toml: that file's content (so the client survives the file), or ``None``.
        created_at: UTC ISO time.
        sessions: number of recorded sessions.
        last_session_at: UTC ISO time of the latest session, or ``None``.
        preferences: the client's preferences.
    """

    name: str
    client_file: str | None
    client_toml: str | None
    created_at: str
    sessions: int = 0
    last_session_at: str | None = None
    preferences: Preferences = field(default_factory=Preferences)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "client_file": self.client_file,
            "created_at": self.created_at,
            "sessions": self.sessions,
            "last_session_at": self.last_session_at,
            "preferences": self.preferences.to_json(),
        }


@dataclass(frozen=True)
class KnotRecord:
    """One knot found in one session (chart ``u``, ``v_m``; frame-B position if known)."""

    session_id: int
    u: float
    v_m: float
    stiffness_ratio: float
    x_m: float | None = None
    y_m: float | None = None
    z_m: float | None = None


@dataclass(frozen=True)
class SessionRecord:
    """One recorded session.

    Attributes:
        id: database id (increasing in recording order).
        recorded_at: UTC ISO time it was recorded.
        routine: routine name.
        duration_s: session duration.
        back_length_m: the client's back length (for chart distances).
        summary: the whole summary.json as stored (a JSON object); ``typed_summary`` is
            the same read through the model.
        out_dir, summary_path, log_path, report_path: where its files were written.
        knots: knots found in it.
    """

    id: int
    recorded_at: str
    routine: str | None
    duration_s: float | None
    back_length_m: float
    summary: dict[str, Any]
    out_dir: str | None
    summary_path: str | None
    log_path: str | None
    report_path: str | None
    knots: tuple[KnotRecord, ...] = ()

    def to_json(self, with_summary: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "recorded_at": self.recorded_at,
            "routine": self.routine,
            "duration_s": self.duration_s,
            "out_dir": self.out_dir,
            "summary_path": self.summary_path,
            "log_path": self.log_path,
            "report_path": self.report_path,
            "knots": [
                {"u": k.u, "v_m": k.v_m, "stiffness_ratio": k.stiffness_ratio} for k in self.knots
            ],
        }
        if with_summary:
            out["summary"] = self.summary
        return out

    @property
    def typed_summary(self) -> Summary | None:
        """The stored summary through the model; ``None`` for one it refuses (a row
        recorded by an older backstroke before the summary had a schema)."""
        try:
            return validate_summary(self.summary, f"session {self.id}")
        except BackstrokeError:
            return None


# --------------------------------------------------------------------------- the store
class Store:
    """The client database.

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

    def __enter__(self) -> Store:
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

    # ------------------------------------------------------------------ clients
    @staticmethod
    def _check_name(name: str) -> str:
        clean = name.strip()
        if (
            not clean
            or len(clean) > MAX_NAME_CHARS
            or any(ord(c) < 32 or ord(c) == 127 or 0xD800 <= ord(c) <= 0xDFFF for c in clean)
        ):
            shown = name.encode("utf-8", "backslashreplace").decode("ascii", "backslashreplace")
            raise StoreError(
                f"client name '{shown}' is not allowed "
                f"(1..{MAX_NAME_CHARS} printable characters, valid UTF-8)"
            )
        return clean

    def _client_id(self, conn: sqlite3.Connection, name: str) -> int:
        row = conn.execute("SELECT id FROM clients WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise StoreError(f"no client named '{name}' in {self.path}")
        return int(row["id"])

    @staticmethod
    def _ensure_client(
        conn: sqlite3.Connection, name: str, client_file: Path | None, toml_text: str | None
    ) -> int:
        row = conn.execute("SELECT id FROM clients WHERE name = ?", (name,)).fetchone()
        now = _now()
        if row is None:
            cur = conn.execute(
                "INSERT INTO clients (name, client_file, client_toml, created_at) "
                "VALUES (?, ?, ?, ?)",
                (name, None if client_file is None else str(client_file), toml_text, now),
            )
            cid = int(cur.lastrowid or 0)
            conn.execute(
                "INSERT INTO preferences (client_id, updated_at) VALUES (?, ?)", (cid, now)
            )
            return cid
        cid = int(row["id"])
        if client_file is not None:
            conn.execute(
                "UPDATE clients SET client_file = ?, client_toml = ? WHERE id = ?",
                (str(client_file), toml_text, cid),
            )
        return cid

    def get_or_create_client(
        self, name: str, client_file: str | Path | None = None
    ) -> ClientRecord:
        """The client called ``name``, created when new.

        Args:
            name: the client's name (surrounding spaces are dropped).
            client_file: their client TOML file; when given, its path and content are
                remembered (replacing earlier ones).

        Raises:
            StoreError: a bad name, or the client file cannot be read.
        """
        clean = self._check_name(name)
        path: Path | None = None
        text: str | None = None
        if client_file is not None:
            path = Path(client_file).expanduser().resolve()
            try:
                text = path.read_text(encoding="utf-8")
            except OSError as exc:
                raise StoreError(f"{client_file}: cannot read the client file: {exc}") from exc
        self._transaction(lambda conn: self._ensure_client(conn, clean, path, text))
        return self.client(clean)

    def client(self, name: str) -> ClientRecord:
        """One client with its preferences and session count.

        Raises:
            StoreError: no such client.
        """
        rows = [c for c in self._client_rows("WHERE c.name = ?", (self._check_name(name),))]
        if not rows:
            raise StoreError(f"no client named '{name.strip()}' in {self.path}")
        return rows[0]

    def clients(self) -> list[ClientRecord]:
        """Every client, by name."""
        return self._client_rows("", ())

    def _client_rows(self, where: str, args: tuple[Any, ...]) -> list[ClientRecord]:
        rows = self._conn.execute(
            "SELECT c.name, c.client_file, c.client_toml, c.created_at, "
            "p.pressure_scale, p.skip_techniques, p.music, p.regional_json, "
            "(SELECT COUNT(*) FROM sessions s WHERE s.client_id = c.id) AS n, "
            "(SELECT MAX(recorded_at) FROM sessions s WHERE s.client_id = c.id) AS last "
            f"FROM clients c LEFT JOIN preferences p ON p.client_id = c.id {where} "
            "ORDER BY c.name",
            args,
        ).fetchall()
        return [
            ClientRecord(
                name=r["name"],
                client_file=r["client_file"],
                client_toml=r["client_toml"],
                created_at=r["created_at"],
                sessions=int(r["n"]),
                last_session_at=r["last"],
                preferences=_prefs_from_row(r),
            )
            for r in rows
        ]

    # ------------------------------------------------------------------ preferences
    def preferences(self, name: str) -> Preferences:
        """The client's preferences.

        Raises:
            StoreError: no such client.
        """
        return self.client(name).preferences

    def set_preferences(
        self,
        name: str,
        *,
        pressure_scale: float | None = None,
        skip_techniques: Sequence[str] | None = None,
        music: str | Path | None = None,
        clear_music: bool = False,
        regional: Sequence[dict[str, float]] | None = None,
    ) -> Preferences:
        """Change some of a client's preferences (the client is created when new).

        Args:
            name: the client.
            pressure_scale: 0.5..1.5, or ``None`` to keep.
            skip_techniques: technique names to skip, or ``None`` to keep.
            music: a music file, or ``None`` to keep; ``clear_music=True`` forgets it.
            regional: the regional preference (``RegionalPreference.to_json()``), or ``None``.

        Raises:
            StoreError: a value outside its range.
        """
        clean = self._check_name(name)
        lo, hi = PRESSURE_SCALE_RANGE
        if pressure_scale is not None and not (
            math.isfinite(pressure_scale) and lo <= pressure_scale <= hi
        ):
            raise StoreError(f"pressure_scale {pressure_scale!r} outside {lo}..{hi}")
        skip = None if skip_techniques is None else sorted({str(s) for s in skip_techniques})
        if regional is not None:
            from backstroke.session.preferences import PreferenceError, RegionalPreference

            try:
                regional = RegionalPreference.from_json(list(regional)).to_json()
            except PreferenceError as exc:
                raise StoreError(str(exc)) from exc

        def apply(conn: sqlite3.Connection) -> None:
            cid = self._ensure_client(conn, clean, None, None)
            sets: list[str] = ["updated_at = ?"]
            vals: list[Any] = [_now()]
            if pressure_scale is not None:
                sets.append("pressure_scale = ?")
                vals.append(float(pressure_scale))
            if skip is not None:
                sets.append("skip_techniques = ?")
                vals.append(json.dumps(skip))
            if music is not None or clear_music:
                sets.append("music = ?")
                vals.append(None if clear_music else str(music))
            if regional is not None:
                sets.append("regional_json = ?")
                vals.append(json.dumps(list(regional)))
            conn.execute(
                f"UPDATE preferences SET {', '.join(sets)} WHERE client_id = ?", (*vals, cid)
            )

        self._transaction(apply)
        return self.preferences(clean)

    # ------------------------------------------------------------------ sessions
    def record_session(
        self,
        name: str,
        summary: Summary | dict[str, Any],
        out_dir: str | Path | None = None,
        *,
        back_length_m: float | None = None,
        recorded_at: str | None = None,
    ) -> int:
        """Remember one session and its knots, in one transaction; returns its id.

        Args:
            name: the client (created when new).
            summary: the session's summary (DESIGN §6.2): the model, or summary.json's
                object (validated here).
            out_dir: the session's output directory; the paths of ``summary.json``,
                ``session.mcap`` and ``report.html`` in it are recorded.
            back_length_m: the client's back length, for matching knots across sessions;
                default: from the stored client file, else 0.51 m.
            recorded_at: UTC ISO time (default: now).

        Raises:
            StoreError: a bad name or a summary the model refuses (naming the key).
        """
        clean = self._check_name(name)
        if not isinstance(summary, Summary):
            try:
                summary = validate_summary(summary, "session summary")
            except BackstrokeError as exc:
                raise StoreError(str(exc)) from None
        text = json.dumps(summary.to_json_dict(), allow_nan=False, separators=(",", ":"))
        knots = [_knot_values(k) for k in summary.knots]
        out = None if out_dir is None else Path(out_dir).expanduser().resolve()
        paths = (
            (None, None, None)
            if out is None
            else (str(out / "summary.json"), str(out / "session.mcap"), str(out / "report.html"))
        )
        when = recorded_at or _now()

        def apply(conn: sqlite3.Connection) -> int:
            cid = self._ensure_client(conn, clean, None, None)
            length = back_length_m
            if length is None:
                row = conn.execute(
                    "SELECT client_toml FROM clients WHERE id = ?", (cid,)
                ).fetchone()
                length = _back_length_from_toml(row["client_toml"])
            cur = conn.execute(
                "INSERT INTO sessions (client_id, recorded_at, summary_json, out_dir, routine, "
                "duration_s, back_length_m, summary_path, log_path, report_path) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    cid,
                    when,
                    text,
                    None if out is None else str(out),
                    summary.routine,
                    summary.duration_s,
                    float(length),
                    *paths,
                ),
            )
            sid = int(cur.lastrowid or 0)
            conn.executemany(
                "INSERT INTO knots (session_id, u, v_m, stiffness_ratio, x_m, y_m, z_m) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(sid, *k) for k in knots],
            )
            return sid

        return self._transaction(apply)

    def sessions(self, name: str) -> list[SessionRecord]:
        """The client's sessions, oldest first, with their knots.

        Raises:
            StoreError: no such client.
        """
        clean = self._check_name(name)
        cid = self._client_id(self._conn, clean)
        rows = self._conn.execute(
            "SELECT * FROM sessions WHERE client_id = ? ORDER BY recorded_at, id", (cid,)
        ).fetchall()
        knots: dict[int, list[KnotRecord]] = {}
        for k in self._conn.execute(
            "SELECT k.* FROM knots k JOIN sessions s ON s.id = k.session_id "
            "WHERE s.client_id = ? ORDER BY k.id",
            (cid,),
        ):
            knots.setdefault(int(k["session_id"]), []).append(
                KnotRecord(
                    int(k["session_id"]),
                    float(k["u"]),
                    float(k["v_m"]),
                    float(k["stiffness_ratio"]),
                    k["x_m"],
                    k["y_m"],
                    k["z_m"],
                )
            )
        return [
            SessionRecord(
                id=int(r["id"]),
                recorded_at=r["recorded_at"],
                routine=r["routine"],
                duration_s=r["duration_s"],
                back_length_m=float(r["back_length_m"] or DEFAULT_BACK_LENGTH_M),
                summary=json.loads(r["summary_json"]),
                out_dir=r["out_dir"],
                summary_path=r["summary_path"],
                log_path=r["log_path"],
                report_path=r["report_path"],
                knots=tuple(knots.get(int(r["id"]), ())),
            )
            for r in rows
        ]


def _prefs_from_row(r: sqlite3.Row) -> Preferences:
    if r["pressure_scale"] is None:
        return Preferences()
    try:
        skip = tuple(str(s) for s in json.loads(r["skip_techniques"] or "[]"))
    except ValueError:
        skip = ()
    try:
        from backstroke.session.preferences import RegionalPreference

        regional = tuple(RegionalPreference.from_json(json.loads(r["regional_json"])).to_json())
    except (ValueError, BackstrokeError):
        regional = ()
    return Preferences(float(r["pressure_scale"]), skip, r["music"], regional)


def _knot_values(k: KnotSummary) -> tuple[float, float, float, Any, Any, Any]:
    return (k.u, k.v, k.stiffness_ratio, k.x_m, k.y_m, k.z_m)


def _back_length_from_toml(text: str | None) -> float:
    if text:
        try:
            value = tomllib.loads(text).get("back_length_m")
        except tomllib.TOMLDecodeError:
            value = None
        if isinstance(value, int | float) and 0.3 <= float(value) <= 0.8:
            return float(value)
    return DEFAULT_BACK_LENGTH_M
