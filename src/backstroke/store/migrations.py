"""The client database's schema, as the ordered migrations that reach each version.

Versions are counted by ``PRAGMA user_version``; ``store/connection.py`` runs the
missing migrations in one write transaction.
"""

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
