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
import sqlite3
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from backstroke.errors import BackstrokeError
from backstroke.session.summary import KnotSummary, Summary, validate_summary
from backstroke.store.connection import (
    DB_ENV,
    StoreConnection,
    StoreError,
    default_db_path,
    now_iso,
)
from backstroke.store.migrations import MIGRATIONS, SCHEMA_VERSION
from backstroke.store.records import (
    ClientRecord,
    KnotRecord,
    Preferences,
    SessionRecord,
    prefs_from_row,
)

# Callers import these from here.
__all__ = [
    "DB_ENV",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "ClientRecord",
    "KnotRecord",
    "Preferences",
    "SessionRecord",
    "Store",
    "StoreError",
    "default_db_path",
]

DEFAULT_BACK_LENGTH_M = 0.51  # DESIGN §5, used when neither the session nor the client says
PRESSURE_SCALE_RANGE = (0.5, 1.5)  # the range the session runner accepts
MAX_NAME_CHARS = 100


class Store(StoreConnection):
    """The client database: clients, their preferences, sessions and knots.

    Opened as :class:`~backstroke.store.connection.StoreConnection` says (``path``,
    ``busy_timeout_s``, ``retries``; raises ``StoreError`` for an unusable database).
    """

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
        now = now_iso()
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
                preferences=prefs_from_row(r),
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
            vals: list[Any] = [now_iso()]
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
        when = recorded_at or now_iso()

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
