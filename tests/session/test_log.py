"""The session log (MCAP): round trip, chunking, a killed writer, speed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from mcap.reader import make_reader

from backstroke.errors import LogError
from backstroke.session.log import (
    CONTACT_COLUMNS,
    STATE_COLUMNS,
    SessionLogWriter,
    _fixed_json,
    read_contact_mcap,
    read_session_log,
)
from backstroke.session.runner import RECORD_COLUMNS

RECORDED = RECORD_COLUMNS  # what the runner records each tick


@dataclass(frozen=True)
class Event:
    t_s: float
    kind: str
    value: float
    limit: float
    action: str


def _chunk(t0: float, seconds: float, rate_hz: float = 1000.0, seed: int = 0) -> tuple[dict, dict]:
    """Recorded and plan columns like the session runner's ``on_chunk`` gets."""
    rng = np.random.default_rng(seed)
    n = round(seconds * rate_hz)
    t = t0 + np.arange(n) / rate_hz
    u = 0.5 + 0.4 * np.sin(2 * np.pi * t / 20)
    cols = {c: rng.normal(0, 0.01, n) for c in RECORDED}
    cols["t_s"] = t
    cols["normal_force_n"] = 15 + rng.normal(0, 0.1, n)
    cols["indentation_m"] = 0.006 + rng.normal(0, 1e-5, n)
    plan = {
        "u": u,
        "v": np.full(n, 0.03),
        "tool": np.full(n, 2.0),
        "block": np.full(n, 1.0),
        "pass_index": np.floor(t / 10),
        "in_contact": np.ones(n),
        "target_force_n": np.full(n, 15.0),
    }
    return cols, plan


def test_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "s.mcap"
    events: list[Event] = []
    chunks = [_chunk(0.0, 2.5, seed=1), _chunk(2.5, 1.7, seed=2)]
    with SessionLogWriter(path) as log:
        log.write_json("/session", {"seed": 7, "routine": "spa"})
        log.write_json("/plan", {"samples": {"t_s": [0.0, 0.01]}, "bpm": np.float64(60.0)})
        events.append(Event(1.2, "force", 31.0, 30.0, "clamp"))
        log.on_chunk(*chunks[0], events)
        events.append(Event(3.0, "client_stop", 1.0, 0.0, "retreat"))
        log.on_chunk(*chunks[1], events)
        log.write_event(4.2, "note", None, None, "done")
        log.write_json("/summary", {"duration_s": 4.2, "nan": float("nan")})
    d = read_session_log(path)
    assert d["complete"]
    s = d["state"]
    assert list(s) == list(STATE_COLUMNS)
    for c in RECORDED:
        want = np.concatenate([ch[0][c] for ch in chunks])
        assert np.max(np.abs(s[c] - want)) <= 5e-7 + 1e-12
    assert np.array_equal(s["tool"], np.full(4200, 2.0))
    assert np.array_equal(s["pass_index"], np.floor(s["t_s"] / 10))
    c = d["contact"]
    assert list(c) == [k for k in CONTACT_COLUMNS if k in c]
    assert c["t_s"].size == 420  # 100 Hz, no duplicate at the chunk boundary
    assert np.allclose(np.diff(c["t_s"]), 0.01)
    assert set(c["tool"].tolist()) == {"thumb"}
    assert [e["kind"] for e in d["events"]] == ["force", "client_stop", "note"]
    assert d["events"][0] == {
        "t_s": 1.2,
        "kind": "force",
        "value": 31.0,
        "limit": 30.0,
        "message": "clamp",
    }
    assert d["events"][2]["value"] is None
    assert d["summary"] == {"duration_s": 4.2, "nan": None}
    assert d["plan"]["bpm"] == 60.0
    assert d["json"]["/session"] == [{"seed": 7, "routine": "spa"}]


def test_standard_reader_schemas_and_chunks(tmp_path: Path) -> None:
    """Any MCAP reader: summary, JSON schemas, JSON messages, chunks ≤ 1 s of session time."""
    path = tmp_path / "s.mcap"
    with SessionLogWriter(path) as log:
        for i in range(4):
            log.on_chunk(*_chunk(i * 1.3, 1.3, seed=i), [])
        log.write_json("/summary", {"ok": True})
    with open(path, "rb") as f:
        reader = make_reader(f)
        summary = reader.get_summary()
        assert summary is not None and summary.statistics is not None
        topics = {ch.topic: ch for ch in summary.channels.values()}
        assert {"/state", "/contact", "/events", "/summary"} <= set(topics)
        for ch in summary.channels.values():
            assert ch.message_encoding == "json"
            sch = summary.schemas[ch.schema_id]
            assert sch.encoding == "jsonschema"
            props = json.loads(sch.data).get("properties", {})
            if ch.topic in ("/state", "/contact"):
                assert props
        for ci in summary.chunk_indexes:
            assert ci.message_end_time - ci.message_start_time < 1_000_000_000
        counts = {t: 0 for t in topics}
        for _, channel, message in reader.iter_messages():
            doc = json.loads(message.data)
            counts[channel.topic] += 1
            if channel.topic in ("/state", "/contact"):
                sch = summary.schemas[channel.schema_id]
                assert set(doc) <= set(json.loads(sch.data)["properties"])
    assert counts["/state"] == 52 and counts["/contact"] == 520 and counts["/summary"] == 1
    assert summary.statistics.message_count == sum(counts.values())


def test_truncated_file_reads_to_the_last_whole_chunk(tmp_path: Path) -> None:
    path = tmp_path / "s.mcap"
    with SessionLogWriter(path) as log:
        for i in range(5):
            log.on_chunk(*_chunk(float(i), 1.0, seed=i), [])
    data = path.read_bytes()
    full = read_session_log(path)["state"]["t_s"]
    last = 0
    for cut in np.linspace(30, len(data) - 1, 25).astype(int):
        part = tmp_path / "cut.mcap"
        part.write_bytes(data[:cut])
        d = read_session_log(part)
        assert not d["complete"]
        got = d["state"].get("t_s", np.zeros(0))
        assert np.array_equal(got, full[: got.size])  # a prefix, never garbage
        assert got.size >= last
        last = got.size
    assert last >= 4000


_KILLED = """
import os, signal, sys, time
import numpy as np
sys.path.insert(0, {root!r})
from tests.session.test_log import _chunk
from backstroke.session.log import SessionLogWriter
log = SessionLogWriter({path!r})
for i in range(5):
    log.on_chunk(*_chunk(float(i), 1.0, seed=i), [])
log.write_state(_chunk(5.0, 0.5)[0])  # still buffered: lost with the process
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_killed_writer_leaves_a_readable_file(tmp_path: Path) -> None:
    path = tmp_path / "killed.mcap"
    root = str(Path(__file__).resolve().parents[2])
    proc = subprocess.run(
        [sys.executable, "-c", _KILLED.format(root=root, path=str(path))],
        capture_output=True,
        timeout=120,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()
    d = read_session_log(path)
    assert not d["complete"]
    assert d["state"]["t_s"].size == 5000
    assert d["contact"]["t_s"][-1] == pytest.approx(4.99)
    cols = read_contact_mcap(path)
    assert cols["t_s"].size == 500


def test_write_state_and_contact_directly(tmp_path: Path) -> None:
    path = tmp_path / "d.mcap"
    n = 350
    t = 998.0 + np.arange(n) * 0.01  # crosses 1000 s: the wide number path
    big = np.linspace(-2500.0, 2500.0, n)
    with SessionLogWriter(path, state_batch=64) as log:
        log.write_state({"t_s": t, "fz_n": big, "stiffness_n_m": big * 1.5, "tool": ["palms"] * n})
        log.write_contact(
            {
                "t_s": t,
                "u": np.full(n, 0.5),
                "v": np.zeros(n),
                "normal_force_n": np.where(np.arange(n) == 3, np.nan, 10.0),
                "indentation_m": np.full(n, 0.005),
                "tool": np.array(["thumb"] * n),
            }
        )
    d = read_session_log(path)
    assert np.allclose(d["state"]["t_s"], t, atol=1e-9)
    assert np.allclose(d["state"]["fz_n"], big, atol=1e-6)
    assert np.array_equal(d["state"]["stiffness_n_m"], big * 1.5)  # unknown column: exact
    assert np.array_equal(d["state"]["tool"], np.zeros(n))
    assert np.isnan(d["contact"]["normal_force_n"][3])
    assert set(d["contact"]["tool"].tolist()) == {"thumb"}
    with open(path, "rb") as f:
        chunks = make_reader(f).get_summary().chunk_indexes
    assert len(chunks) >= 3  # 3.5 s of session time


def test_writer_misuse_and_reader_errors(tmp_path: Path) -> None:
    path = tmp_path / "m.mcap"
    log = SessionLogWriter(path)
    with pytest.raises(ValueError):
        log.write_json("/state", {})
    with pytest.raises(ValueError):
        log.write_state({"x_m": np.zeros(3)})
    with pytest.raises(ValueError):
        log.write_contact({"t_s": np.zeros(2), "u": np.zeros(3)})
    log.close()
    log.close()
    with pytest.raises(ValueError):
        log.write_event(0.0, "x", 1.0, 1.0, "")
    with pytest.raises(LogError):
        read_session_log(tmp_path / "missing.mcap")
    bad = tmp_path / "bad.mcap"
    bad.write_bytes(b"not an mcap file at all")
    with pytest.raises(LogError):
        read_session_log(bad)


@given(
    st.lists(
        st.floats(-5e8, 5e8, allow_nan=False, allow_infinity=False) | st.just(float("nan")),
        min_size=1,
        max_size=60,
    ),
    st.sampled_from([0, 3, 6]),
)
def test_fixed_width_numbers_are_json(values: list[float], decimals: int) -> None:
    x = np.asarray(values)
    rows = _fixed_json(x, decimals)
    got = json.loads(b"[" + rows.tobytes()[:-1] + b"]")
    for g, v in zip(got, values, strict=True):
        if np.isnan(v):
            assert g is None
        else:
            assert abs(g - v) <= 0.5 * 10.0**-decimals * (1 + 1e-9) + abs(v) * 1e-15


def test_ten_minute_session_writes_fast(tmp_path: Path) -> None:
    """600 k samples (10 min at 1 kHz) in runner-sized chunks: about a second of CPU."""
    chunks = [_chunk(20.0 * i, 20.0, seed=i) for i in range(30)]
    c0 = time.process_time()
    with SessionLogWriter(tmp_path / "long.mcap") as log:
        for cols, plan in chunks:
            log.on_chunk(cols, plan, [])
    cpu_s = time.process_time() - c0
    size_mb = os.path.getsize(tmp_path / "long.mcap") / 1e6
    print(f"10-minute session: {cpu_s:.2f} s CPU, {size_mb:.1f} MB")
    assert cpu_s < 4.0  # ≈ 1.5 s on a busy 2-core box; generous against noise
