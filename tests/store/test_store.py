"""Client memory: schema and migrations, preferences, sessions, concurrency, knot trends."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from backstroke.app.store_cli import clients, history
from backstroke.session.summary import validate_summary
from backstroke.store.db import MIGRATIONS, SCHEMA_VERSION, Store, StoreError, default_db_path
from backstroke.store.history import client_history, match_knots


def summary_with(knots: list[tuple[float, float, float]], **extra: Any) -> dict[str, Any]:
    """A small but realistic summary.json with the given (u, v, ratio) knots."""
    return {
        "duration_s": 412.5,
        "contact_breaks": 0,
        "max_normal_force_n": 17.9,
        "max_pressure_n_cm2": 6.1,
        "force_rmse_n": 0.41,
        "blocks": [
            {"technique": "rest", "passes": 1, "softening_pass": None,
             "stiffness_by_pass_n_m": [2010.0], "ended_because": "rest complete"},
            {"technique": "glide", "passes": 4, "softening_pass": 2,
             "stiffness_by_pass_n_m": [2100.0, 2050.0, 1990.0, 1980.0],
             "ended_because": "softening"},
        ],
        "knots": [
            {"u": u, "v": v, "x_m": 0.1, "y_m": v, "z_m": 0.02, "stiffness_ratio": r}
            for u, v, r in knots
        ],
        "safety_events": [],
        "routine": "spa",
        "client": "ann",
        **extra,
    }  # fmt: skip


def test_new_database_is_current_and_in_wal_mode(tmp_path: Path) -> None:
    db = tmp_path / "sub" / "clients.sqlite"
    with Store(db) as store:
        assert store.schema_version == SCHEMA_VERSION
        assert store.clients() == []
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()


def test_default_path_follows_xdg_and_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("BACKSTROKE_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_db_path() == tmp_path / "xdg" / "backstroke" / "clients.sqlite"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_db_path() == tmp_path / "home" / ".local/share/backstroke/clients.sqlite"
    monkeypatch.setenv("BACKSTROKE_DB", str(tmp_path / "x.sqlite"))
    assert default_db_path() == tmp_path / "x.sqlite"


def _make_v1(db: Path) -> None:
    """A database as the first schema version left it, with one client and session."""
    conn = sqlite3.connect(db, isolation_level=None)
    for statement in MIGRATIONS[0]:
        conn.execute(statement)
    conn.execute("PRAGMA user_version = 1")
    conn.execute(
        "INSERT INTO clients (name, client_file, created_at) VALUES ('ann', NULL, '2026-01-02')"
    )
    conn.execute(
        "INSERT INTO sessions (client_id, recorded_at, summary_json, out_dir) VALUES "
        "(1, '2026-01-02T10:00:00+00:00', ?, '/tmp/s1')",
        (json.dumps(summary_with([(0.62, 0.031, 2.0)])),),
    )
    conn.execute(
        "INSERT INTO knots (session_id, u, v_m, stiffness_ratio) VALUES (1, 0.62, 0.031, 2.0)"
    )
    conn.close()


def test_migrates_an_old_database_keeping_its_data(tmp_path: Path) -> None:
    db = tmp_path / "old.sqlite"
    _make_v1(db)
    with Store(db) as store:
        assert store.schema_version == SCHEMA_VERSION
        (ann,) = store.clients()
        assert ann.name == "ann" and ann.sessions == 1
        assert store.preferences("ann").pressure_scale == 1.0  # row made by migration 2
        (s1,) = store.sessions("ann")
        assert s1.routine == "spa" and s1.duration_s == pytest.approx(412.5)  # backfilled
        assert s1.knots[0].stiffness_ratio == 2.0 and s1.knots[0].x_m is None
        store.record_session("ann", summary_with([(0.623, 0.030, 1.8)]))
        trends = match_knots(store.sessions("ann"))
    assert len(trends) == 1 and trends[0].ratios == [2.0, 1.8]
    names = {r[1] for r in sqlite3.connect(db).execute("PRAGMA table_info(sessions)")}
    assert {"summary_path", "log_path", "report_path", "back_length_m"} <= names


def test_refuses_newer_schema_and_non_databases(tmp_path: Path) -> None:
    db = tmp_path / "new.sqlite"
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(StoreError, match="newer"):
        Store(db)
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError):
        Store(junk)


def test_clients_and_preferences(tmp_path: Path) -> None:
    client_file = tmp_path / "ann.toml"
    client_file.write_text('name = "ann"\nback_length_m = 0.48\n')
    with Store(tmp_path / "c.sqlite") as store:
        rec = store.get_or_create_client(" ann ", client_file)
        assert rec.name == "ann" and rec.client_toml is not None and "0.48" in rec.client_toml
        assert store.get_or_create_client("ann").client_file == str(client_file.resolve())
        prefs = store.set_preferences("ann", pressure_scale=0.8, skip_techniques=["thumb_strip"])
        assert prefs.pressure_scale == 0.8 and prefs.skip_techniques == ("thumb_strip",)
        prefs = store.set_preferences("ann", music="/music/slow.ogg")
        assert prefs.pressure_scale == 0.8 and prefs.music == "/music/slow.ogg"
        assert store.set_preferences("ann", clear_music=True).music is None
        with pytest.raises(StoreError, match="pressure_scale"):
            store.set_preferences("ann", pressure_scale=3.0)
        with pytest.raises(StoreError, match="no client"):
            store.preferences("bob")
        with pytest.raises(StoreError, match="not allowed"):
            store.get_or_create_client("  ")
        sid = store.record_session("ann", summary_with([]), tmp_path / "out")
        (s,) = store.sessions("ann")
        assert s.id == sid and s.back_length_m == pytest.approx(0.48)  # from the client file
        assert s.report_path == str((tmp_path / "out" / "report.html").resolve())


def test_record_session_is_one_transaction(tmp_path: Path) -> None:
    with Store(tmp_path / "c.sqlite") as store:
        bad = summary_with([(0.5, 0.03, 2.0)])
        bad["knots"].append({"u": 0.3})  # no v, no ratio
        with pytest.raises(StoreError, match="knot"):
            store.record_session("ann", bad)
        assert store.clients() == []  # nothing half-written, not even the client
        store.record_session("ann", summary_with([(0.5, 0.03, 2.0)]))
        assert len(store.sessions("ann")) == 1


def test_record_session_reads_the_typed_summary(tmp_path: Path) -> None:
    with Store(tmp_path / "c.sqlite") as store:
        typed = validate_summary(summary_with([(0.5, 0.03, 2.0)]))
        store.record_session("ann", typed)
        store.record_session("ann", summary_with([(0.5, 0.03, 2.0)]))  # validated here
        a, b = store.sessions("ann")
        assert a.typed_summary == b.typed_summary == typed
        assert (a.routine, a.duration_s) == ("spa", 412.5)
        assert [(k.u, k.v_m, k.stiffness_ratio) for k in a.knots] == [(0.5, 0.03, 2.0)]
        with pytest.raises(StoreError, match=r"^session summary: duration_s: "):
            store.record_session("ann", summary_with([], duration_s="long"))
        lacking = {k: v for k, v in summary_with([]).items() if k != "max_pressure_n_cm2"}
        with pytest.raises(StoreError, match="max_pressure_n_cm2"):
            store.record_session("ann", lacking)
        with pytest.raises(StoreError, match=r"knots\.0\.stiffness_ratio"):
            store.record_session("ann", summary_with([(0.5, 0.03, float("inf"))]))
        assert len(store.sessions("ann")) == 2  # nothing half-written


def test_a_row_from_before_the_schema_still_shows_in_the_history(tmp_path: Path) -> None:
    db = tmp_path / "c.sqlite"
    with Store(db) as store:
        store.record_session("ann", summary_with([]))
        store.record_session("ann", summary_with([]))
    with sqlite3.connect(db) as conn:  # an older backstroke's summary: no required keys
        conn.execute("UPDATE sessions SET summary_json = '{\"duration_s\": 3}' WHERE id = 1")
    with Store(db) as store:
        old, new = store.sessions("ann")
        assert old.typed_summary is None and new.typed_summary is not None
        rows = client_history(store, "ann").session_rows()
    shown = [(r["passes"], r["contact_breaks"], r["max_pressure"]) for r in rows]
    assert shown == [("—", "?", "?"), ("1/4", 0, "6.10")]


_WRITER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from backstroke.store.db import Store
    db, name, n, go = sys.argv[1], sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])
    while not go.exists():
        time.sleep(0.001)
    store = Store(db)
    for i in range(n):
        summary = {"duration_s": float(i), "routine": "spa", "blocks": [],
                   "contact_breaks": 0, "max_normal_force_n": 9.0, "max_pressure_n_cm2": 2.0,
                   "knots": [{"u": 0.5, "v": 0.03, "stiffness_ratio": 2.0},
                             {"u": 0.3, "v": -0.03, "stiffness_ratio": 1.5}]}
        store.record_session(name, summary)
        store.record_session("shared", summary)
        store.set_preferences("shared", pressure_scale=0.5 + (i % 10) / 10)
    store.close()
    """
)


def test_two_processes_writing_at_once_lose_nothing(tmp_path: Path) -> None:
    db = tmp_path / "clients.sqlite"  # new: both processes also race to create the schema
    go = tmp_path / "go"
    n = 40
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER, str(db), name, str(n), str(go)],
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("ann", "bob")
    ]
    time.sleep(0.5)
    go.touch()
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    with Store(db) as store:
        assert store.schema_version == SCHEMA_VERSION
        counts = {c.name: c.sessions for c in store.clients()}
        assert counts == {"ann": n, "bob": n, "shared": 2 * n}
        shared = store.sessions("shared")
        assert sum(len(s.knots) for s in shared) == 4 * n
        # Every knot is the same two spots: two tracks, each seen in every session.
        trends = match_knots(store.sessions("shared"))
        assert sorted(len(t.points) for t in trends) == [2 * n, 2 * n]


def test_knot_trends_match_within_15_mm(tmp_path: Path) -> None:
    L = 0.51
    with Store(tmp_path / "c.sqlite") as store:
        store.get_or_create_client("ann")
        # Session 1: knots A (left shoulder blade) and B (right lumbar).
        store.record_session("ann", summary_with([(0.62, 0.032, 2.0), (0.30, -0.030, 1.8)]))
        # Session 2: A moved 10 mm along the spine (same knot); B moved 20 mm (a new one);
        # and a third knot 5 mm from A competes with A for its track (only one can match).
        store.record_session(
            "ann",
            summary_with(
                [
                    (0.62 + 0.010 / L, 0.032, 1.8),
                    (0.62 + 0.010 / L, 0.032 + 0.005, 1.2),
                    (0.30 + 0.020 / L, -0.030, 1.7),
                ]
            ),
        )
        # Session 3: A again, 14 mm medial of its mean (20 mm from the competitor); B absent.
        store.record_session("ann", summary_with([(0.62 + 0.005 / L, 0.032 - 0.014, 1.6)]))
        hist = client_history(store, "ann")
    by_first = {(round(t.points[0].u, 3), t.points[0].session_number): t for t in hist.knots}
    a = by_first[(0.62, 1)]
    assert a.ratios == [2.0, 1.8, 1.6] and a.trend == "softer"
    assert a.change == pytest.approx(-0.2)
    assert a.slope_per_session == pytest.approx(-0.2)
    b = by_first[(0.3, 1)]
    assert b.ratios == [1.8] and b.trend == "new"
    assert len(hist.knots) == 4  # A, B, the competitor, B moved too far
    text = "\n".join(hist.lines())
    assert "softer (-20 %)" in text and "K1" in text
    assert hist.known_knots()[0] == (round(a.u, 4), round(a.v_m, 4))  # seen last session
    data = hist.to_json()
    assert data["knots"][0]["trend"] == "softer" and len(data["sessions"]) == 3


def test_match_boundary_uses_chart_metres(tmp_path: Path) -> None:
    with Store(tmp_path / "c.sqlite") as store:
        store.get_or_create_client("ann")
        store.record_session("ann", summary_with([(0.5, 0.0, 2.0)]), back_length_m=0.5)
        store.record_session("ann", summary_with([(0.5, 0.0149, 2.0)]), back_length_m=0.5)
        store.record_session(
            "ann", summary_with([(0.5 + 0.0151 / 0.5, 0.0, 2.0)]), back_length_m=0.5
        )
        sessions = store.sessions("ann")
    assert [len(t.points) for t in match_knots(sessions[:2])] == [2]
    assert len(match_knots([sessions[0], sessions[2]])) == 2


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command()(clients)
    app.command()(history)
    return app


def test_clients_and_history_commands(tmp_path: Path) -> None:
    db = tmp_path / "c.sqlite"
    with Store(db) as store:
        store.record_session("ann", summary_with([(0.62, 0.032, 2.0)]))
        store.record_session("ann", summary_with([(0.621, 0.031, 1.7)]))
    runner = CliRunner()
    res = runner.invoke(_app(), ["clients", "--db", str(db)])
    assert res.exit_code == 0, res.output
    assert "ann" in res.output and "1 client(s)" in res.output
    res = runner.invoke(_app(), ["history", "ann", "--db", str(db)])
    assert res.exit_code == 0, res.output
    assert "2 session(s)" in res.output and "softer" in res.output and "glide@2" in res.output
    res = runner.invoke(_app(), ["history", "ann", "--db", str(db), "--json"])
    data = json.loads(res.output)
    assert [p["stiffness_ratio"] for p in data["knots"][0]["points"]] == [2.0, 1.7]
    res = runner.invoke(_app(), ["history", "nobody", "--db", str(db)])
    assert res.exit_code == 2 and "no client named 'nobody'" in res.output
