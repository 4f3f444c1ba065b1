"""mcap_bulk.add_messages writes the same file, byte for byte, as add_message one by one."""

from __future__ import annotations

import io

import hypothesis.strategies as st
import pytest
from hypothesis import given, settings
from mcap.reader import make_reader
from mcap.writer import CompressionType, Writer

from backstroke.session.log import mcap_bulk
from backstroke.session.log.mcap_bulk import add_messages

# (channel 0..2, log time ns, payload) runs; each run is one call, then maybe a flush.
_MSG = st.tuples(st.integers(0, 2), st.integers(0, 2**40), st.binary(max_size=40))
_RUNS = st.lists(st.tuples(st.lists(_MSG, max_size=12), st.booleans()), max_size=6)


def _file(runs: list[tuple[list[tuple[int, int, bytes]], bool]], bulk: bool, size: int) -> bytes:
    buf = io.BytesIO()
    w = Writer(buf, chunk_size=size, compression=CompressionType.ZSTD)
    w.start(profile="", library="test")
    sid = w.register_schema(name="s", encoding="jsonschema", data=b"{}")
    ids = [
        w.register_channel(topic=f"/c{i}", message_encoding="json", schema_id=sid) for i in range(3)
    ]
    seq = [0, 0, 0]
    for run, flush in runs:
        msgs = []
        for ch, t, data in run:
            msgs.append((ids[ch], seq[ch], t, data))
            seq[ch] += 1
        if bulk:
            add_messages(w, msgs)
        else:
            for cid, s, t, data in msgs:
                w.add_message(cid, log_time=t, data=data, publish_time=t, sequence=s)
        if flush:
            w.flush()
    w.finish()
    return buf.getvalue()


@settings(max_examples=150, deadline=None)
@given(runs=_RUNS, small=st.booleans())
def test_bulk_same_bytes_as_one_by_one(
    runs: list[tuple[list[tuple[int, int, bytes]], bool]], small: bool
) -> None:
    # a small chunk size makes the writer end chunks inside a run (the fallback)
    size = 200 if small else 1 << 20
    one = _file(runs, bulk=False, size=size)
    assert _file(runs, bulk=True, size=size) == one
    got = [
        m.log_time for _, _, m in make_reader(io.BytesIO(one)).iter_messages(log_time_order=False)
    ]
    assert got == [t for run, _ in runs for _, t, _ in run]


def test_unknown_mcap_version_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    """An mcap this was not written for takes the stock path (and still the same bytes)."""
    runs = [([(0, 5, b"a"), (1, 3, b"bb"), (0, 9, b"")], True), ([(2, 1, b"c")], False)]
    want = _file(runs, bulk=False, size=1 << 20)
    w = Writer(io.BytesIO())
    w.start()
    assert mcap_bulk._internals(w) is not None
    monkeypatch.setattr(mcap_bulk, "_KNOWN_VERSIONS", ("0.0.",))
    assert mcap_bulk._internals(w) is None
    assert _file(runs, bulk=True, size=1 << 20) == want
