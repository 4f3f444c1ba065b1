"""The session log (MCAP): round trip, the stock reader, Foxglove schemas, a cut or
damaged file, a killed writer, NaN and missing columns."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from hypothesis import given, settings
from hypothesis import strategies as st
from mcap.reader import NonSeekingReader, make_reader
from mcap.writer import Writer

from backstroke.body.back_model import BackModel
from backstroke.body.client_file import load_client
from backstroke.errors import LogError
from backstroke.plan.plan import COLUMNS
from backstroke.session.log import (
    PLAN_COLUMNS,
    STATE_COLUMNS,
    SessionLogWriter,
    read_session_log,
)
from backstroke.session.log.columns import STATE_SPEC
from backstroke.session.log.wire import decode_batches, encode_batches
from backstroke.session.runner import RECORD_COLUMNS

RES = {c.name: 0.5 / c.scale + 1e-12 for c in STATE_SPEC}  # half a step of resolution


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
    cols = {c: rng.normal(0, 0.01, n) for c in RECORD_COLUMNS}
    cols["t_s"] = t
    cols["az"] = 1.0 + rng.normal(0, 1e-3, n)
    cols["fz_n"] = 15 + rng.normal(0, 0.1, n)
    cols["normal_force_n"] = 15 + rng.normal(0, 0.1, n)
    cols["indentation_m"] = 0.006 + rng.normal(0, 1e-5, n)
    plan = {c: np.zeros(n) for c in COLUMNS}
    plan.update(
        t_s=t,
        u=u,
        v=np.full(n, 0.03),
        nz=np.ones(n),
        az=np.ones(n),
        tool=np.full(n, 2.0),
        block=np.full(n, 1.0),
        pass_index=np.floor(t / 10),
        in_contact=np.ones(n),
        target_force_n=np.full(n, 15.0),
    )
    return cols, plan


def test_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "s.mcap"
    events: list[Event] = []
    chunks = [_chunk(0.0, 2.5, seed=1), _chunk(2.5, 1.7, seed=2)]
    with SessionLogWriter(path) as log:
        log.write_json("/session", {"seed": 7, "routine": "spa"})
        events.append(Event(1.2, "force", 31.0, 30.0, "clamp"))
        log.on_chunk(*chunks[0], events)
        events.append(Event(3.0, "client_stop", 1.0, 0.0, "retreat"))
        log.on_chunk(*chunks[1], events)
        log.write_event(4.2, "note", None, None, "done")
        log.write_json("/summary", {"duration_s": 4.2, "nan": float("nan"), "n": np.int64(3)})
    d = read_session_log(path)
    assert d.complete and not d.truncated and not d.damaged
    s = d.state
    assert list(s) == list(STATE_COLUMNS)
    for c in RECORD_COLUMNS:
        want = np.concatenate([ch[0][c] for ch in chunks])
        assert np.max(np.abs(s[c] - want)) <= RES[c], c
    assert np.array_equal(s["tool"], np.full(4200, 2.0))
    assert np.array_equal(s["pass_index"], np.floor(s["t_s"] / 10))
    p = d.plan
    assert list(p) == list(PLAN_COLUMNS)
    assert p["t_s"].size == 420  # 100 Hz, no duplicate at the chunk boundary
    assert np.allclose(np.diff(p["t_s"]), 0.01)
    c = d.contact
    assert c["t_s"].size == 105 and np.allclose(np.diff(c["t_s"]), 0.04)  # 25 Hz
    assert np.allclose(c["normal_force_n"], s["normal_force_n"][::40], atol=RES["fx_n"] + 1e-5)
    assert [e["kind"] for e in d.events] == ["force", "client_stop", "note"]
    assert d.events[0] == {
        "t_s": 1.2,
        "kind": "force",
        "value": 31.0,
        "limit": 30.0,
        "message": "clamp",
    }
    assert d.events[2]["value"] is None
    assert d.summary == {"duration_s": 4.2, "nan": None, "n": 3}
    assert d.session == {"seed": 7, "routine": "spa"}


def _classes_from_file(summary: Any) -> dict[str, Any]:
    """Message classes built from the file's own FileDescriptorSets (no backstroke code)."""
    out = {}
    for sch in summary.schemas.values():
        if sch.encoding != "protobuf":
            continue
        pool = descriptor_pool.DescriptorPool()
        fds = descriptor_pb2.FileDescriptorSet.FromString(sch.data)
        for fd in fds.file:
            pool.Add(fd)
        out[sch.name] = message_factory.GetMessageClass(pool.FindMessageTypeByName(sch.name))
    return out


def test_stock_reader_foxglove_schemas_and_chunks(tmp_path: Path) -> None:
    """The stock mcap reader opens the file; protobuf messages decode with the schemas
    stored in it; a second, independent decoding of /state (protobuf + the documented
    metadata) gives the samples; no chunk spans a second of session time."""
    path = tmp_path / "s.mcap"
    back = BackModel(load_client(None))
    chunks = [_chunk(i * 1.3, 1.3, seed=i) for i in range(4)]
    with SessionLogWriter(path, back=back) as log:
        for cols, plan in chunks:
            log.on_chunk(cols, plan, [])
        knot = {"u": 0.5, "v": 0.03, "x_m": 0.2, "y_m": 0.03, "z_m": 0.02}
        log.write_json("/summary", {"ok": True, "knots": [knot]})
    with open(path, "rb") as f:
        reader = make_reader(f)
        summary = reader.get_summary()
        assert summary is not None and summary.statistics is not None
        schema_of = {
            ch.topic: summary.schemas[ch.schema_id].name for ch in summary.channels.values()
        }
        assert schema_of["/tf"] == "foxglove.FrameTransform"
        assert schema_of["/scene"] == "foxglove.SceneUpdate"
        assert schema_of["/state"] == "backstroke.StateBatch"
        for ci in summary.chunk_indexes:
            assert ci.compression == "zstd"
            assert ci.message_end_time - ci.message_start_time < 1_000_000_000
        meta = json.loads(next(reader.iter_metadata()).metadata["columns"])
    with open(path, "rb") as f:  # the stock non-seeking reader, checking every CRC
        n = sum(1 for _ in NonSeekingReader(f, validate_crcs=True).iter_messages())
    assert n == summary.statistics.message_count
    classes = _classes_from_file(summary)
    decoded: dict[str, list[Any]] = {}
    with open(path, "rb") as f:
        for sch, ch, msg in make_reader(f).iter_messages(log_time_order=False):
            if sch is not None and sch.encoding == "protobuf":
                decoded.setdefault(ch.topic, []).append(classes[sch.name].FromString(msg.data))
    state = decoded["/state"]
    assert len(state) == 4 * 2  # 1 000-sample batches, per call (1 300 samples each)
    x = (
        np.concatenate([np.cumsum(list(m.x_um)) for m in state])
        / meta["StateBatch"]["x_um"]["scale"]
    )
    want = np.concatenate([c["x_m"] for c, _ in chunks])
    assert np.max(np.abs(x - want)) <= RES["x_m"]
    tf = decoded["/tf"]
    assert {(m.parent_frame_id, m.child_frame_id) for m in tf} == {("body", "tool")}
    assert len(tf) == 156  # 30 Hz over 5.2 s
    q = np.array([[m.rotation.x, m.rotation.y, m.rotation.z, m.rotation.w] for m in tf])
    assert np.allclose(np.linalg.norm(q, axis=1), 1.0)
    ids = [e.id for m in decoded["/scene"] for e in m.entities]
    assert ids[0] == "back" and "keep_out/spinous_processes" in ids
    assert ids.count("force") == 104 and ids.count("knots") == 1  # arrows at 20 Hz
    mesh = next(e for m in decoded["/scene"] for e in m.entities if e.id == "back")
    assert len(mesh.triangles[0].indices) == 3 * len(back.mesh.faces)
    arrow = next(e for m in decoded["/scene"] for e in m.entities if e.id == "force").arrows[0]
    assert arrow.shaft_length + arrow.head_length == pytest.approx(15 * 0.005, rel=0.05)


def test_truncated_file_reads_to_the_last_whole_chunk(tmp_path: Path) -> None:
    path = tmp_path / "s.mcap"
    with SessionLogWriter(path) as log:
        for i in range(5):
            log.on_chunk(*_chunk(float(i), 1.0, seed=i), [])
    data = path.read_bytes()
    full = read_session_log(path).state["t_s"]
    with open(path, "rb") as f:
        first = make_reader(f).get_summary().chunk_indexes[0]
    last = 0
    start = first.chunk_start_offset + first.chunk_length
    for cut in np.linspace(start, len(data) - 1, 25).astype(int):
        part = tmp_path / "cut.mcap"
        part.write_bytes(data[:cut])
        d = read_session_log(part)
        assert d.truncated and not d.complete
        got = d.state.get("t_s", np.zeros(0))
        assert np.array_equal(got, full[: got.size])  # a prefix, never garbage
        assert got.size >= last
        last = got.size
    assert last >= 4000
    with pytest.raises(LogError, match="no readable message"):
        part.write_bytes(data[:40])
        read_session_log(part)


def test_damaged_chunk_is_skipped_and_flagged(tmp_path: Path) -> None:
    path = tmp_path / "s.mcap"
    with SessionLogWriter(path) as log:
        for i in range(5):
            log.on_chunk(*_chunk(float(i), 1.0, seed=i), [])
    with open(path, "rb") as f:
        chunks = make_reader(f).get_summary().chunk_indexes
    mid = chunks[2]
    data = bytearray(path.read_bytes())
    hit = mid.chunk_start_offset + mid.chunk_length // 2
    data[hit : hit + 16] = bytes(16)
    bad = tmp_path / "bad.mcap"
    bad.write_bytes(bytes(data))
    d = read_session_log(bad)
    assert d.damaged and not d.truncated and "damaged" in d.problem
    t = d.state["t_s"]
    assert t.size == 4000 and not np.any((t >= 2.0) & (t < 3.0))


_KILLED = """
import os, signal, sys
sys.path.insert(0, {root!r})
from tests.session.test_log import _chunk
from backstroke.session.log import SessionLogWriter
log = SessionLogWriter({path!r})
for i in range(5):
    log.on_chunk(*_chunk(float(i), 1.0, seed=i), [])
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_killed_writer_keeps_everything_it_was_given(tmp_path: Path) -> None:
    path = tmp_path / "killed.mcap"
    root = str(Path(__file__).resolve().parents[2])
    proc = subprocess.run(
        [sys.executable, "-c", _KILLED.format(root=root, path=str(path))],
        capture_output=True,
        timeout=120,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()
    d = read_session_log(path)
    assert d.truncated
    assert d.state["t_s"].size == 5000 and d.state["t_s"][-1] == pytest.approx(4.999)
    assert d.plan["t_s"][-1] == pytest.approx(4.99)


def test_nan_missing_and_huge_values(tmp_path: Path) -> None:
    path = tmp_path / "d.mcap"
    n = 350
    t = 998.0 + np.arange(n) * 0.01
    fz = np.linspace(-2500.0, 2500.0, n)
    fz[[0, 3, 200]] = (np.nan, np.inf, 1e300)
    with SessionLogWriter(path, state_batch=64) as log:
        log.write_state({"t_s": t, "fz_n": fz, "tool": ["palms"] * n})
        log.write_state({"t_s": t + 10, "u": np.full(n, 0.5)})
    d = read_session_log(path)
    s = d.state
    assert np.allclose(s["t_s"], np.concatenate([t, t + 10]), atol=1e-9)
    bad = np.zeros(n, dtype=bool)
    bad[[0, 3, 200]] = True
    assert np.all(np.isnan(s["fz_n"][:n][bad]))
    assert np.allclose(s["fz_n"][:n][~bad], fz[~bad], atol=RES["fz_n"])
    assert np.all(np.isnan(s["fz_n"][n:])) and np.all(np.isnan(s["u"][:n]))
    assert np.array_equal(s["tool"][:n], np.zeros(n))
    assert "x_m" not in s  # never written


def test_third_party_json_contact_log(tmp_path: Path) -> None:
    """A JSON /contact channel written by another tool (one sample a message)."""
    path = tmp_path / "other.mcap"
    with open(path, "wb") as f:
        w = Writer(f)
        w.start()
        sid = w.register_schema("Contact", "jsonschema", b'{"type": "object"}')
        cid = w.register_channel("/contact", "json", sid)
        for i in range(50):
            doc = {"t_s": i * 0.01, "u": 0.5, "v": 0.0, "normal_force_n": 10.0 + i}
            doc.update(indentation_m=0.005, tool="thumb" if i % 2 else "palms")
            w.add_message(cid, i * 10_000_000, json.dumps(doc).encode(), i * 10_000_000)
        w.finish()
    d = read_session_log(path)
    cols = d.contact_columns()
    assert d.complete and cols["t_s"].size == 50
    assert cols["normal_force_n"][-1] == 59.0
    assert cols["tool"][:2].tolist() == [0.0, 2.0]


def test_writer_misuse_and_reader_errors(tmp_path: Path) -> None:
    path = tmp_path / "m.mcap"
    log = SessionLogWriter(path)
    for topic in ("/state", "/tf", "/scene", "/plan"):
        with pytest.raises(ValueError):
            log.write_json(topic, {})
    with pytest.raises(ValueError):
        log.write_state({"x_m": np.zeros(3)})
    with pytest.raises(ValueError):
        log.write_state({"t_s": np.zeros(2), "u": np.zeros(3)})
    log.close()
    log.close()
    with pytest.raises(ValueError):
        log.write_event(0.0, "x", 1.0, 1.0, "")
    with pytest.raises(LogError):
        read_session_log(tmp_path / "missing.mcap")
    bad = tmp_path / "bad.mcap"
    bad.write_bytes(b"not an mcap file at all")
    with pytest.raises(LogError, match="MCAP"):
        read_session_log(bad)


_VALUE = st.floats(-1e4, 1e4, allow_nan=False) | st.just(float("nan")) | st.just(float("inf"))


@settings(max_examples=60, deadline=None)
@given(st.lists(_VALUE, min_size=1, max_size=300), st.integers(1, 120))
def test_packed_batches_round_trip(values: list[float], size: int) -> None:
    """The numpy wire encoder and decoder agree with each other and with protobuf."""
    x = np.asarray(values)
    n = x.size
    cols = {"t_s": np.arange(n) * 1e-3, "fx_n": x, "indentation_m": x * 1e-3}
    msgs = encode_batches(cols, STATE_SPEC, size)
    assert len(msgs) == -(-n // size)
    got = decode_batches([m for _, m in msgs], STATE_SPEC)
    finite = np.isfinite(x)
    assert np.array_equal(np.isnan(got["fx_n"]), ~finite)
    assert np.allclose(got["fx_n"][finite], x[finite], atol=RES["fx_n"])
    assert np.allclose(got["indentation_m"][finite], x[finite] * 1e-3, atol=RES["indentation_m"])
    from backstroke.session.log.schemas import message_class

    first = message_class("StateBatch").FromString(msgs[0][1])
    assert first.count == min(size, n)
    fx = np.cumsum(list(first.fx_mn)) / 1e3
    ok = finite[: first.count]
    assert np.allclose(fx[ok], x[: first.count][ok], atol=RES["fx_n"])
    assert sorted(first.fx_mn_nan) == np.flatnonzero(~ok).tolist()
