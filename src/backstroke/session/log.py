"""The session log: one MCAP file per session, written while the session runs.

Messages are JSON with JSON-Schema schemas, so Foxglove Studio, the ``mcap`` CLI and
any MCAP library open the file without backstroke. Topics (see ``docs/logs.md``):

- ``/state``   the 1 kHz robot state, batched: one message per 100 samples, each field
  an array (``t_s``, ``x_m`` … ``in_contact``).
- ``/contact`` the DESIGN §6.3 contact-log columns at 100 Hz, one message per sample
  (plot ``/contact.normal_force_n`` directly).
- ``/events``  safety and session events: ``t_s, kind, value, limit, message``.
- ``/plan``, ``/summary``, ``/session`` (and any other ``write_json`` topic): one
  JSON document each.

Message log times are session time (ns from the session's t = 0). Chunks (LZ4) are
closed and flushed to the OS at least every second of session time, so a killed
process leaves a file that ``read_session_log`` reads up to its last whole chunk.

Writing is vectorised: numbers are formatted by numpy into fixed-width, space-padded
JSON (whitespace is legal JSON), rounded to 6 decimals (1 µs, 1 µm, 1 µN; see
``STATE_DECIMALS``). A 10-minute, 600 k-sample session writes in about a second.
"""

from __future__ import annotations

import json
import math
import struct
import zlib
from collections.abc import Iterable, Mapping
from enum import Enum
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import numpy as np
from mcap.data_stream import RecordBuilder
from mcap.opcode import Opcode
from mcap.records import (
    Channel,
    Chunk,
    ChunkIndex,
    DataEnd,
    Footer,
    Header,
    McapRecord,
    Schema,
    Statistics,
    SummaryOffset,
)
from numpy.typing import ArrayLike, NDArray

from backstroke.errors import LogError
from backstroke.plan.plan import TOOL_CODES

TOOL_NAMES: tuple[str, ...] = tuple(str(t) for t in TOOL_CODES)

# /state fields in message order, with their resolution (decimal places): 1 µs, 1 µm,
# 1 µN, 1e-6 of u; integers for the codes.
STATE_DECIMALS: dict[str, int] = {
    "t_s": 6,
    "x_m": 6,
    "y_m": 6,
    "z_m": 6,
    "ax": 6,
    "ay": 6,
    "az": 6,
    "fx_n": 6,
    "fy_n": 6,
    "fz_n": 6,
    "normal_force_n": 6,
    "target_force_n": 6,
    "u": 6,
    "v": 6,
    "indentation_m": 6,
    "tool": 0,
    "block": 0,
    "pass_index": 0,
    "in_contact": 0,
}
STATE_COLUMNS: tuple[str, ...] = tuple(STATE_DECIMALS)
# /contact fields (DESIGN §6.3), in message order.
CONTACT_COLUMNS: tuple[str, ...] = (
    "t_s",
    "u",
    "v",
    "normal_force_n",
    "indentation_m",
    "target_force_n",
    "x_m",
    "y_m",
    "z_m",
    "pass_index",
    "block",
    "tool",
)
CONTACT_REQUIRED: tuple[str, ...] = ("t_s", "u", "v", "normal_force_n", "indentation_m")
STATE_BATCH = 100
CONTACT_RATE_HZ = 100.0
CHUNK_PERIOD_S = 1.0

_UNITS = {
    "t_s": "session time, s",
    "x_m": "tool position in the body frame, m",
    "y_m": "tool position in the body frame, m",
    "z_m": "tool position in the body frame, m",
    "ax": "tool axis (unit vector), body frame",
    "ay": "tool axis (unit vector), body frame",
    "az": "tool axis (unit vector), body frame",
    "fx_n": "measured contact force, body frame, N",
    "fy_n": "measured contact force, body frame, N",
    "fz_n": "measured contact force, body frame, N",
    "normal_force_n": "measured force along the surface normal, N",
    "target_force_n": "commanded normal force, N",
    "u": "surface chart: 0 waist .. 1 C7",
    "v": "surface chart: lateral distance from the midline on the skin, m (+ left)",
    "indentation_m": "depth below the plan's surface model, m",
    "tool": "tool code: " + ", ".join(f"{i} {n}" for i, n in enumerate(TOOL_NAMES)),
    "block": "routine block index (-1 before the first / after the last block)",
    "pass_index": "pass within the block (-1 for lead-ins)",
    "in_contact": "1 from first touch to lift-off in the plan, else 0",
}


def _schema(title: str, description: str, properties: dict[str, Any]) -> bytes:
    doc = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": title,
        "description": description,
        "type": "object",
        "properties": properties,
    }
    return json.dumps(doc, sort_keys=True).encode()


_NUM = {"type": ["number", "null"]}
STATE_SCHEMA = _schema(
    "backstroke.State",
    "Robot state at the control rate, batched: every field is an array of equal length.",
    {c: {"type": "array", "items": _NUM, "description": _UNITS[c]} for c in STATE_COLUMNS},
)
CONTACT_SCHEMA = _schema(
    "backstroke.Contact",
    "One contact-log sample (DESIGN 6.3) at 100 Hz.",
    {
        c: (
            {"type": ["string", "null"], "description": "tool: " + ", ".join(TOOL_NAMES)}
            if c == "tool"
            else {**_NUM, "description": _UNITS[c]}
        )
        for c in CONTACT_COLUMNS
    },
)
EVENT_SCHEMA = _schema(
    "backstroke.Event",
    "A safety or session event.",
    {
        "t_s": {"type": "number", "description": "session time, s"},
        "kind": {"type": "string", "description": "e.g. force, pressure, watchdog, client_stop"},
        "value": {**_NUM, "description": "measured value (SI; pressure in N/cm2)"},
        "limit": {**_NUM, "description": "the limit it was compared with (same unit)"},
        "message": {"type": "string", "description": "action or note"},
    },
)
_DOC_SCHEMAS = {
    "/plan": ("backstroke.Plan", "The plan (plan.json layout, DESIGN 6.5)."),
    "/summary": ("backstroke.Summary", "The session summary (summary.json, DESIGN 6.2)."),
    "/session": ("backstroke.Session", "What was asked for: routine, client, seed, backend."),
}

# ---------------------------------------------------------------- fast JSON numbers
#
# Each value becomes a fixed-width, right-aligned JSON number followed by a comma,
# built from small lookup tables of 4- and 8-byte words (numpy fancy indexing), so a
# column of N values costs a dozen vectorised passes instead of N float reprs.

_SPACE, _COMMA, _DOT, _MINUS = (ord(c) for c in " ,.-")


def _words(texts: list[str], width: int, dtype: type) -> NDArray[Any]:
    return np.frombuffer(b"".join(t.rjust(width).encode() for t in texts), dtype=dtype)


# " -12" (sign and integer part < 1000), ".123", "456,": a value in 12 bytes.
_INT4 = _words([str(i) for i in range(1000)] + [f"-{i}" for i in range(1000)], 4, np.uint32)
_FRAC_HI = _words([f".{i:03d}" for i in range(1000)], 4, np.uint32)
_FRAC_LO = _words([f"{i:03d}," for i in range(1000)], 4, np.uint32)
# "    -12," : an integer below 1000 in magnitude in 8 bytes.
_INT8 = _words([f"{i}," for i in range(1000)] + [f"-{i}," for i in range(1000)], 8, np.uint64)
_POW10 = 10 ** np.arange(1, 19, dtype=np.int64)
_DIGITS = np.frombuffer(b"".join(f"{i:03d}".encode() for i in range(1000)), dtype=np.uint8).reshape(
    1000, 3
)


def _null_rows(out: NDArray[np.uint8], bad: NDArray[np.bool_]) -> NDArray[np.uint8]:
    rows = np.flatnonzero(bad)
    if rows.size:
        w = out.shape[1] - 1
        out[rows, :w] = _SPACE
        out[rows, w - 4 : w] = np.frombuffer(b"null", dtype=np.uint8)
    return out


def _fixed_json(x: NDArray[np.float64], decimals: int) -> NDArray[np.uint8]:
    """``(N, W+1)`` ASCII: each value right-aligned in W chars, then a comma.

    Values are rounded to ``decimals`` places (0 or 6 take a table-driven fast path
    when their integer part is below 1000); non-finite values are ``null``. Leading
    spaces are JSON whitespace, so ``b"[" + rows[:-1] + b"]"`` parses.
    """
    n = x.size
    fin = np.isfinite(x)
    xs = x if fin.all() else np.where(fin, x, 0.0)
    a = np.abs(xs)
    top = float(a.max()) if n else 0.0
    if top * 10.0**decimals >= 9e15:
        raise _NotFixed
    scaled = np.rint(a * 10.0**decimals).astype(np.int64)
    neg = (xs < 0) & (scaled > 0)
    if decimals == 6 and top < 999.9999995:
        ip, fp = np.divmod(scaled, 1_000_000)
        hi, lo = np.divmod(fp, 1000)
        words = np.empty((n, 3), dtype=np.uint32)
        words[:, 0] = _INT4[ip + neg * 1000]
        words[:, 1] = _FRAC_HI[hi]
        words[:, 2] = _FRAC_LO[lo]
        return _null_rows(words.view(np.uint8).reshape(n, 12), ~fin)
    if decimals == 0 and top < 999.5:
        out = _INT8[scaled + neg * 1000].view(np.uint8).reshape(n, 8).copy()
        return _null_rows(out, ~fin)
    return _null_rows(_general_json(scaled, neg, decimals), ~fin)


def _general_json(
    scaled: NDArray[np.int64], neg: NDArray[np.bool_], decimals: int
) -> NDArray[np.uint8]:
    """Fixed-width digits of ``±scaled / 10**decimals`` (any size below 9e15)."""
    n = scaled.size
    ndig = np.maximum(np.searchsorted(_POW10, scaled, side="right") + 1, decimals + 1)
    d = int(ndig.max()) if n else decimals + 1
    groups = -(-d // 3)
    digits = np.empty((n, 3 * groups), dtype=np.uint8)
    q = scaled
    for g in range(groups - 1, -1, -1):
        q, r = np.divmod(q, 1000)
        digits[:, 3 * g : 3 * g + 3] = _DIGITS[r]
    digits = digits[:, 3 * groups - d :]
    digits[np.arange(d)[None, :] < (d - ndig)[:, None]] = _SPACE
    body = d + (1 if decimals else 0)
    width = max(body + 1, 5)
    out = np.full((n, width + 1), _SPACE, dtype=np.uint8)
    off = width - body
    int_len = d - decimals
    out[:, off : off + int_len] = digits[:, :int_len]
    if decimals:
        out[:, off + int_len] = _DOT
        out[:, off + int_len + 1 : width] = digits[:, int_len:]
    rows = np.flatnonzero(neg)
    out[rows, off + (d - ndig[rows]) - 1] = _MINUS
    out[:, width] = _COMMA
    return out


class _NotFixed(Exception):
    """A column too large for fixed-point formatting."""


def _exact_json(x: NDArray[Any]) -> NDArray[np.uint8]:
    """Like ``_fixed_json`` but exact (slow path, per value)."""
    texts = [
        json.dumps(v)
        if isinstance(v, str)
        else (repr(float(v)) if v is not None and math.isfinite(v) else "null")
        for v in x.tolist()
    ]
    width = max((len(t) for t in texts), default=4)
    out = np.full((len(texts), width + 1), _SPACE, dtype=np.uint8)
    for i, t in enumerate(texts):
        out[i, width - len(t) : width] = np.frombuffer(t.encode(), dtype=np.uint8)
    out[:, width] = _COMMA
    return out


def _tool_json(x: NDArray[Any]) -> NDArray[np.uint8]:
    """Tool codes or names as fixed-width JSON strings (``null`` when unknown)."""
    names = [f'"{n}"' for n in TOOL_NAMES] + ["null"]
    width = max(len(s) for s in names)
    table = np.full((len(names), width + 1), _SPACE, dtype=np.uint8)
    for i, s in enumerate(names):
        table[i, : len(s)] = np.frombuffer(s.encode(), dtype=np.uint8)
    table[:, width] = _COMMA
    return table[_tool_codes(x)]


def _tool_codes(x: ArrayLike) -> NDArray[np.int64]:
    """Tool codes ``0..len(TOOL_NAMES)-1``; ``len(TOOL_NAMES)`` for unknown."""
    arr = np.asarray(x)
    unknown = len(TOOL_NAMES)
    if arr.dtype.kind in "USO":
        lookup = {n: i for i, n in enumerate(TOOL_NAMES)}
        return np.array([lookup.get(str(s).strip().lower(), unknown) for s in arr], dtype=np.int64)
    f = arr.astype(np.float64)
    ok = np.isfinite(f) & (f >= 0) & (f < unknown) & (f == np.round(f))
    return np.where(ok, np.nan_to_num(f), unknown).astype(np.int64)


def _format_column(name: str, values: ArrayLike) -> NDArray[np.uint8]:
    """One column as fixed-width JSON values (``tool`` as its integer code)."""
    arr = np.asarray(values)
    if name == "tool":
        codes = _tool_codes(arr).astype(np.float64)
        codes[codes >= len(TOOL_NAMES)] = np.nan
        return _fixed_json(codes, 0)
    if arr.dtype.kind in "USO":
        return _exact_json(arr)
    x = arr.astype(np.float64)
    dec = STATE_DECIMALS.get(name)
    if dec is not None:
        try:
            return _fixed_json(x, dec)
        except _NotFixed:
            pass
    return _exact_json(x)


def _jsonable(obj: Any) -> Any:
    """Plain JSON types: numpy scalars/arrays converted, NaN/inf → None."""
    if isinstance(obj, float | np.floating):
        v = float(obj)
        return v if math.isfinite(v) else None
    if isinstance(obj, bool | np.bool_):
        return bool(obj)
    if isinstance(obj, int | np.integer):
        return int(obj)
    if isinstance(obj, Enum):
        return _jsonable(obj.value)
    if isinstance(obj, str) or obj is None:
        return obj
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, np.ndarray):
        return [_jsonable(v) for v in obj.tolist()]
    if isinstance(obj, Mapping):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, Iterable):
        return [_jsonable(v) for v in obj]
    return str(obj)


def _ns(t_s: float) -> int:
    return max(0, round(t_s * 1e9)) if math.isfinite(t_s) else 0


# ---------------------------------------------------------------- MCAP file

_MAGIC = b"\x89MCAP0\r\n"
_MSG_HEADER = struct.Struct("<BQHIQQ")  # opcode, length, channel, sequence, log, publish


class _McapFile:
    """A minimal chunked MCAP writer (spec v0): schemas and channels in the data
    section, LZ4 chunks with message indexes, and a summary with statistics and chunk
    indexes. Message records are packed directly, which keeps 60 k messages cheap."""

    def __init__(self, f: IO[bytes], library: str) -> None:
        try:
            import lz4.frame as lz4_frame
        except ImportError:  # pragma: no cover - lz4 comes with mcap
            lz4_frame = None
        self._lz4 = lz4_frame
        self._f = f
        self._pos = 0
        self._schemas: list[Schema] = []
        self._channels: list[Channel] = []
        self._chunk_indexes: list[ChunkIndex] = []
        self._counts: dict[int, int] = {}
        self._t_start: int | None = None
        self._t_end = 0
        self._reset_chunk()
        self._write(_MAGIC)
        self._record(Header(profile="", library=library))

    def _reset_chunk(self) -> None:
        self._buf: list[bytes] = []
        self._buf_len = 0
        self._index: dict[int, list[tuple[int, int]]] = {}
        self._c_start: int | None = None
        self._c_end = 0

    def _write(self, data: bytes) -> None:
        self._f.write(data)
        self._pos += len(data)

    def _record(self, rec: McapRecord) -> None:
        rb = RecordBuilder()
        rec.write(rb)
        self._write(rb.end())

    def add_schema(self, name: str, encoding: str, data: bytes) -> int:
        sch = Schema(id=len(self._schemas) + 1, data=data, encoding=encoding, name=name)
        self._schemas.append(sch)
        self._record(sch)
        return sch.id

    def add_channel(self, topic: str, encoding: str, schema_id: int) -> int:
        ch = Channel(
            id=len(self._channels) + 1,
            topic=topic,
            message_encoding=encoding,
            metadata={},
            schema_id=schema_id,
        )
        self._channels.append(ch)
        self._record(ch)
        return ch.id

    def add_message(self, channel_id: int, sequence: int, log_time: int, data: bytes) -> None:
        self._index.setdefault(channel_id, []).append((log_time, self._buf_len))
        self._buf.append(
            _MSG_HEADER.pack(5, 22 + len(data), channel_id, sequence, log_time, log_time)
        )
        self._buf.append(data)
        self._buf_len += _MSG_HEADER.size + len(data)
        self._counts[channel_id] = self._counts.get(channel_id, 0) + 1
        if self._c_start is None or log_time < self._c_start:
            self._c_start = log_time
        self._c_end = max(self._c_end, log_time)

    def add_messages(
        self, channel_id: int, sequence0: int, log_times: list[int], datas: list[bytes]
    ) -> None:
        """Many messages of one channel (same as ``add_message`` in a loop, faster)."""
        if not datas:
            return
        index = self._index.setdefault(channel_id, [])
        buf = self._buf
        pack = _MSG_HEADER.pack
        head = _MSG_HEADER.size
        off = self._buf_len
        seq = sequence0
        for lt, d in zip(log_times, datas, strict=True):
            index.append((lt, off))
            buf.append(pack(5, 22 + len(d), channel_id, seq, lt, lt))
            buf.append(d)
            off += head + len(d)
            seq += 1
        self._buf_len = off
        self._counts[channel_id] = self._counts.get(channel_id, 0) + len(datas)
        lo, hi = min(log_times), max(log_times)
        if self._c_start is None or lo < self._c_start:
            self._c_start = lo
        self._c_end = max(self._c_end, hi)

    def flush_chunk(self) -> None:
        if not self._buf:
            return
        data = b"".join(self._buf)
        if self._lz4 is not None:
            comp, packed = "lz4", self._lz4.compress(data)
        else:  # pragma: no cover
            comp, packed = "", data
        t0 = self._c_start if self._c_start is not None else 0
        start = self._pos
        self._record(
            Chunk(
                compression=comp,
                data=packed,
                message_start_time=t0,
                message_end_time=self._c_end,
                uncompressed_crc=zlib.crc32(data),
                uncompressed_size=len(data),
            )
        )
        chunk_length = self._pos - start
        offsets: dict[int, int] = {}
        index_start = self._pos
        for ch in sorted(self._index):
            entries = np.asarray(self._index[ch], dtype="<u8").reshape(-1)
            body = struct.pack("<HI", ch, entries.nbytes) + entries.tobytes()
            offsets[ch] = self._pos
            self._write(struct.pack("<BQ", int(Opcode.MESSAGE_INDEX), len(body)) + body)
        self._chunk_indexes.append(
            ChunkIndex(
                message_start_time=t0,
                message_end_time=self._c_end,
                chunk_start_offset=start,
                chunk_length=chunk_length,
                message_index_offsets=offsets,
                message_index_length=self._pos - index_start,
                compression=comp,
                compressed_size=len(packed),
                uncompressed_size=len(data),
            )
        )
        self._t_start = t0 if self._t_start is None else min(self._t_start, t0)
        self._t_end = max(self._t_end, self._c_end)
        self._reset_chunk()
        self._f.flush()

    def finish(self) -> None:
        self.flush_chunk()
        self._record(DataEnd(data_section_crc=0))
        summary_start = self._pos
        stats = Statistics(
            attachment_count=0,
            channel_count=len(self._channels),
            channel_message_counts=dict(self._counts),
            chunk_count=len(self._chunk_indexes),
            message_count=sum(self._counts.values()),
            message_end_time=self._t_end,
            message_start_time=self._t_start or 0,
            metadata_count=0,
            schema_count=len(self._schemas),
        )
        groups: list[tuple[Opcode, list[Any]]] = [
            (Opcode.SCHEMA, list(self._schemas)),
            (Opcode.CHANNEL, list(self._channels)),
            (Opcode.STATISTICS, [stats]),
            (Opcode.CHUNK_INDEX, list(self._chunk_indexes)),
        ]
        offsets = []
        for opcode, records in groups:
            if not records:
                continue
            g0 = self._pos
            for rec in records:
                self._record(rec)
            offsets.append(
                SummaryOffset(group_opcode=opcode, group_start=g0, group_length=self._pos - g0)
            )
        summary_offset_start = self._pos
        for off in offsets:
            self._record(off)
        self._record(
            Footer(
                summary_start=summary_start,
                summary_offset_start=summary_offset_start,
                summary_crc=0,
            )
        )
        self._write(_MAGIC)
        self._f.flush()


# ---------------------------------------------------------------- writer


class SessionLogWriter:
    """Writes a session's MCAP log as the session runs.

    Use as a context manager; the file is complete (summary and index) after ``close``
    and readable up to the last flushed chunk at any time before.

    Args:
        path: the ``.mcap`` file to create (overwritten).
        state_batch: samples per ``/state`` message.
        contact_rate_hz: ``/contact`` rate when derived from the state (``on_chunk``).
        chunk_period_s: longest session time a chunk covers before it is flushed.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        state_batch: int = STATE_BATCH,
        contact_rate_hz: float = CONTACT_RATE_HZ,
        chunk_period_s: float = CHUNK_PERIOD_S,
    ) -> None:
        if state_batch < 1 or contact_rate_hz <= 0 or chunk_period_s <= 0:
            raise ValueError("state_batch, contact_rate_hz and chunk_period_s must be positive")
        self.path = Path(path)
        self.state_batch = state_batch
        self.contact_rate_hz = contact_rate_hz
        self.chunk_period_s = chunk_period_s
        from backstroke import __version__

        self._file: IO[bytes] = open(self.path, "wb")  # noqa: SIM115 - closed in close()
        self._mcap = _McapFile(self._file, f"backstroke {__version__}")
        self._channels: dict[str, int] = {}
        self._seq: dict[str, int] = {}
        self._chunk_t0: float | None = None
        self._t_last = 0.0
        self._events_seen = 0
        self._last_contact_tick: int | None = None
        self._closed = False
        self._channel("/state", "backstroke.State", STATE_SCHEMA)
        self._channel("/contact", "backstroke.Contact", CONTACT_SCHEMA)
        self._channel("/events", "backstroke.Event", EVENT_SCHEMA)

    # -------------------------------------------------------------- plumbing
    def __enter__(self) -> SessionLogWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _channel(self, topic: str, name: str, schema: bytes) -> int:
        sid = self._mcap.add_schema(name, "jsonschema", schema)
        cid = self._mcap.add_channel(topic, "json", sid)
        self._channels[topic] = cid
        self._seq[topic] = 0
        return cid

    def _add(self, topic: str, t_s: float, data: bytes) -> None:
        if self._closed:
            raise ValueError(f"{self.path}: the session log is closed")
        if self._chunk_t0 is None:
            self._chunk_t0 = t_s
        elif t_s - self._chunk_t0 >= self.chunk_period_s:
            self.flush()
            self._chunk_t0 = t_s
        ns = _ns(t_s)
        seq = self._seq[topic]
        self._seq[topic] = seq + 1
        self._mcap.add_message(self._channels[topic], seq, ns, data)
        if math.isfinite(t_s):
            self._t_last = max(self._t_last, t_s)

    def _add_many(self, topic: str, times: NDArray[np.float64], datas: list[bytes]) -> None:
        """``_add`` for many messages (times ascending), chunked by session time."""
        if self._closed:
            raise ValueError(f"{self.path}: the session log is closed")
        n = len(datas)
        if n == 0:
            return
        t = np.where(np.isfinite(times), times, 0.0)
        ns = np.maximum(np.rint(t * 1e9), 0).astype(np.int64).tolist()
        cid = self._channels[topic]
        i = 0
        while i < n:
            if self._chunk_t0 is None:
                self._chunk_t0 = float(t[i])
            j = i + int(np.searchsorted(t[i:], self._chunk_t0 + self.chunk_period_s, "left"))
            if j == i:
                self.flush()
                continue
            self._mcap.add_messages(cid, self._seq[topic], ns[i:j], datas[i:j])
            self._seq[topic] += j - i
            i = j
        self._t_last = max(self._t_last, float(t.max()))

    def flush(self) -> None:
        """Close the open chunk and push everything to the OS."""
        if self._closed:
            return
        self._mcap.flush_chunk()
        self._chunk_t0 = None

    def close(self) -> None:
        """Finish the file (index and summary) and close it. Idempotent."""
        if self._closed:
            return
        try:
            self._mcap.finish()
        finally:
            self._closed = True
            self._file.close()

    # -------------------------------------------------------------- topics
    def write_state(self, batch: Mapping[str, ArrayLike]) -> None:
        """Append robot-state samples to ``/state`` (messages of ``state_batch`` samples).

        Args:
            batch: equal-length ``(N,)`` columns; ``t_s`` required; known columns
                (``STATE_COLUMNS``) are written in that order at their resolution,
                others after them, exactly.
        """
        self._add_many("/state", *self._state_messages(batch))

    def write_contact(self, columns: Mapping[str, ArrayLike]) -> None:
        """Append contact-log samples to ``/contact``, one message per sample.

        Args:
            columns: equal-length ``(N,)`` columns, at least ``t_s, u, v,
                normal_force_n, indentation_m``; optional ``target_force_n, x_m, y_m,
                z_m, pass_index, block, tool`` (tool as code or name).
        """
        self._add_many("/contact", *self._contact_messages(columns))

    def _state_messages(
        self,
        batch: Mapping[str, ArrayLike],
        mats: dict[str, NDArray[np.uint8]] | None = None,
    ) -> tuple[NDArray[np.float64], list[bytes]]:
        """Times and bodies of the ``/state`` messages (``mats``: pre-formatted columns)."""
        cols = _columns(batch, "t_s")
        t = cols["t_s"].astype(np.float64)
        n = t.size
        if n == 0:
            return t, []
        names = [c for c in STATE_COLUMNS if c in cols] + sorted(
            c for c in cols if c not in STATE_DECIMALS
        )
        got = mats or {}
        formatted = [got[c] if c in got else _format_column(c, cols[c]) for c in names]
        size = self.state_batch
        out: list[bytes] = []
        # Whole messages: one matrix row each, built column block by column block.
        full = n // size
        if full:
            parts: list[NDArray[np.uint8]] = []
            for j, (c, m) in enumerate(zip(names, formatted, strict=True)):
                head = (("{" if j == 0 else ",") + f'"{c}":[').encode()
                parts.append(_const(head, full))
                parts.append(m[: full * size].reshape(full, size * m.shape[1])[:, :-1])
                parts.append(_const(b"]", full))
            parts.append(_const(b"}", full))
            rows = np.concatenate(parts, axis=1)
            w = rows.shape[1]
            buf = rows.tobytes()
            out = [buf[i : i + w] for i in range(0, full * w, w)]
        if n > full * size:
            i0 = full * size
            body = b",".join(
                f'"{c}":['.encode() + m[i0:].tobytes()[:-1] + b"]"
                for c, m in zip(names, formatted, strict=True)
            )
            out.append(b"{" + body + b"}")
        return t[::size], out

    def _contact_messages(
        self,
        columns: Mapping[str, ArrayLike],
        mats: dict[str, NDArray[np.uint8]] | None = None,
    ) -> tuple[NDArray[np.float64], list[bytes]]:
        """Times and bodies of the ``/contact`` messages (``mats``: pre-formatted columns)."""
        cols = _columns(columns, *CONTACT_REQUIRED)
        t = cols["t_s"].astype(np.float64)
        n = t.size
        if n == 0:
            return t, []
        got = mats or {}
        names = [c for c in CONTACT_COLUMNS if c in cols]
        pieces: list[NDArray[np.uint8]] = []
        for j, c in enumerate(names):
            pieces.append(_const((("{" if j == 0 else "") + f'"{c}":').encode(), n))
            if c == "tool":
                pieces.append(_tool_json(cols[c]))
            else:
                pieces.append(got[c] if c in got else _format_column(c, cols[c]))
        rows = np.concatenate(pieces, axis=1)
        rows[:, -1] = ord("}")
        buf = rows.tobytes()
        w = rows.shape[1]
        return t, [buf[i : i + w] for i in range(0, n * w, w)]

    def write_event(
        self, t_s: float, kind: str, value: float | None, limit: float | None, message: str = ""
    ) -> None:
        """Append one safety or session event to ``/events``."""
        doc = _jsonable(
            {"t_s": t_s, "kind": str(kind), "value": value, "limit": limit, "message": str(message)}
        )
        self._add("/events", float(t_s), json.dumps(doc, separators=(",", ":")).encode())

    def write_json(self, topic: str, obj: Any, t_s: float | None = None) -> None:
        """Write one JSON document (``/plan``, ``/summary``, ``/session`` or any topic).

        Args:
            topic: channel topic, e.g. ``/summary``.
            obj: JSON-able data (numpy values and NaN are converted).
            t_s: log time; default the latest session time written so far.
        """
        if topic in ("/state", "/contact", "/events"):
            raise ValueError(f"use write_state/write_contact/write_event for {topic}")
        if topic not in self._channels:
            name, desc = _DOC_SCHEMAS.get(topic, (f"backstroke{topic.replace('/', '.')}", topic))
            self._channel(topic, name, _schema(name, desc, {}))
        t = self._t_last if t_s is None else float(t_s)
        data = json.dumps(_jsonable(obj), separators=(",", ":"), sort_keys=False).encode()
        self._add(topic, t, data)

    def on_chunk(
        self,
        cols: Mapping[str, ArrayLike],
        plan_cols: Mapping[str, ArrayLike],
        events: Iterable[Any] = (),
    ) -> None:
        """Log one executed plan chunk (the session runner's ``on_chunk`` hook).

        Writes ``/state`` (measured columns plus the plan's ``u, v, tool, block,
        pass_index, in_contact``), ``/contact`` (every sample on the 100 Hz grid) and
        the events not logged yet, one second of session time per MCAP chunk.

        Args:
            cols: recorded columns at the control rate (``t_s``, ``x_m`` …).
            plan_cols: the plan's columns at the same ticks.
            events: the Supervisor's events so far (objects or dicts with ``t_s, kind,
                value, limit`` and ``action`` or ``message``); only new ones are written.
        """
        state: dict[str, NDArray[Any]] = {
            c: np.asarray(cols[c]) for c in STATE_COLUMNS if c in cols
        }
        for c in ("u", "v", "tool", "block", "pass_index", "in_contact"):
            if c not in state and c in plan_cols:
                state[c] = np.asarray(plan_cols[c])
        t = np.asarray(state["t_s"], dtype=np.float64)
        new_events = list(events)[self._events_seen :]
        self._events_seen += len(new_events)
        if t.size == 0:
            for e in new_events:
                self._event(e)
            return
        tick = np.floor(t * self.contact_rate_hz + 1e-6).astype(np.int64)
        first = np.concatenate([[True], tick[1:] != tick[:-1]])
        if self._last_contact_tick is not None:
            first[0] = tick[0] != self._last_contact_tick
        self._last_contact_tick = int(tick[-1])
        sel = np.flatnonzero(first)
        mats = {c: _format_column(c, v) for c, v in state.items()}
        contact = {c: state[c][sel] for c in CONTACT_COLUMNS if c in state}
        streams = [
            ("/state", *self._state_messages(state, mats)),
            ("/contact", *self._contact_messages(contact, {c: m[sel] for c, m in mats.items()})),
        ]
        # One MCAP chunk per second of session time, topics interleaved in time.
        period = self.chunk_period_s
        ev_t = np.array([float(_field(e, "t_s")) for e in new_events], dtype=np.float64)
        ev_w = np.floor(ev_t / period + 1e-9)
        wins = [np.floor(times / period + 1e-9) for _, times, _ in streams]
        every = np.unique(np.concatenate([*wins, ev_w]))
        every = every[np.isfinite(every)]
        pos = [0] * len(streams)
        ev_i = 0
        for wv in every.tolist():
            for j, (topic, times, datas) in enumerate(streams):
                end = int(np.searchsorted(wins[j], wv, "right"))
                self._add_many(topic, times[pos[j] : end], datas[pos[j] : end])
                pos[j] = end
            while ev_i < len(new_events) and not ev_w[ev_i] > wv:
                self._event(new_events[ev_i])
                ev_i += 1
            self.flush()
        for j, (topic, times, datas) in enumerate(streams):
            self._add_many(topic, times[pos[j] :], datas[pos[j] :])
        for e in new_events[ev_i:]:
            self._event(e)

    def _event(self, e: Any) -> None:
        msg = _field(e, "message", None)
        if msg is None:
            msg = _field(e, "action", "")
        self.write_event(
            float(_field(e, "t_s")),
            str(_field(e, "kind")),
            _field(e, "value", None),
            _field(e, "limit", None),
            str(msg),
        )


def _const(text: bytes, rows: int) -> NDArray[np.uint8]:
    """``(rows, len(text))`` view repeating ``text``."""
    return np.broadcast_to(np.frombuffer(text, dtype=np.uint8), (rows, len(text)))


def _field(e: Any, name: str, default: Any = ...) -> Any:
    if isinstance(e, Mapping):
        if default is ... or name in e:
            return e[name]
        return default
    if default is ...:
        return getattr(e, name)
    return getattr(e, name, default)


def _columns(cols: Mapping[str, ArrayLike], *required: str) -> dict[str, NDArray[Any]]:
    out = {str(k): np.asarray(v).reshape(-1) for k, v in cols.items()}
    for r in required:
        if r not in out:
            raise ValueError(f"missing column '{r}'")
    sizes = {v.size for v in out.values()}
    if len(sizes) > 1:
        raise ValueError(f"columns differ in length: {sorted(sizes)}")
    return out


# ---------------------------------------------------------------- reader


_REC = struct.Struct("<BQ")
_MSG = struct.Struct("<HIQQ")
_CHUNK = struct.Struct("<QQQI")


class _Truncated(Exception):
    """The data ends inside a record."""


def _string(buf: memoryview, pos: int) -> tuple[str, int]:
    (n,) = struct.unpack_from("<I", buf, pos)
    end = pos + 4 + n
    if end > len(buf):
        raise _Truncated
    return bytes(buf[pos + 4 : end]).decode(), end


def _walk(
    buf: memoryview,
    topics: dict[int, str],
    want: set[str] | None,
    out: list[tuple[str, bytes]],
    top: bool,
) -> bool:
    """Parse records of ``buf`` (the file, or a chunk's records); True at the footer."""
    pos, end = (8, len(buf)) if top else (0, len(buf))
    while pos < end:
        if pos + 9 > end:
            raise _Truncated
        opcode, length = _REC.unpack_from(buf, pos)
        body = pos + 9
        stop = body + length
        if stop > end:
            raise _Truncated
        if opcode == 0x05:  # message
            ch = _MSG.unpack_from(buf, body)[0]
            topic = topics.get(ch, "")
            if want is None or topic in want:
                out.append((topic, bytes(buf[body + 22 : stop])))
        elif opcode == 0x04:  # channel
            (cid,) = struct.unpack_from("<H", buf, body)
            topics[cid] = _string(buf, body + 4)[0]
        elif opcode == 0x06:  # chunk
            _, _, size, _ = _CHUNK.unpack_from(buf, body)
            comp, p2 = _string(buf, body + _CHUNK.size)
            (n,) = struct.unpack_from("<Q", buf, p2)
            data = bytes(buf[p2 + 8 : p2 + 8 + n])
            _walk(memoryview(_decompress(comp, data, size)), topics, want, out, top=False)
        elif opcode == 0x02 and top:  # footer, then the closing magic
            return bytes(buf[stop : stop + 8]) == _MAGIC
        pos = stop
    return False


def _decompress(comp: str, data: bytes, size: int) -> bytes:
    if comp == "":
        return data
    if comp == "lz4":
        import lz4.frame as lz4_frame

        return bytes(lz4_frame.decompress(data))
    if comp == "zstd":
        import zstandard

        return bytes(zstandard.ZstdDecompressor().decompress(data, max_output_size=size))
    raise ValueError(f"unsupported chunk compression '{comp}'")


def _records(path: Path, want: set[str] | None = None) -> tuple[list[tuple[str, bytes]], bool]:
    """``(topic, data)`` of every message (on ``want`` topics) in file order, and whether
    the file is whole. A file cut short (a killed writer) yields its whole chunks."""
    if not path.exists():
        raise LogError("file not found", path=path)
    data = path.read_bytes()
    if data[:8] != _MAGIC:
        raise LogError("not an MCAP file (bad magic bytes)", path=path)
    out: list[tuple[str, bytes]] = []
    try:
        complete = _walk(memoryview(data), {}, want, out, top=True)
    except (_Truncated, struct.error):
        complete = False  # keep what the whole records held
    except (ValueError, RuntimeError, OSError, UnicodeDecodeError) as exc:
        if len(out) == 0:
            raise LogError(f"unreadable MCAP file ({exc})", path=path) from exc
        complete = False
    return out, complete


def read_session_log(path: str | Path) -> dict[str, Any]:
    """Read a session log (complete, or cut short by a killed process).

    Returns:
        ``{"state": {column: (N,) array}, "contact": {column: (M,) array},
        "events": [{"t_s", "kind", "value", "limit", "message"}], "json": {topic:
        [document, ...]}, "plan": doc | None, "summary": doc | None, "complete": bool}``.
        Numeric columns are float64 (``null`` → NaN); ``/state`` ``tool`` holds codes
        (see ``TOOL_NAMES``), ``/contact`` ``tool`` holds names.
    """
    p = Path(path)
    msgs, complete = _records(p)
    state: dict[str, list[Any]] = {}
    contact_docs: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    docs: dict[str, list[Any]] = {}
    for topic, data in msgs:
        try:
            doc = json.loads(data)
        except (ValueError, UnicodeDecodeError) as exc:
            raise LogError(f"message on {topic} is not JSON ({exc})", path=p) from exc
        if topic == "/state":
            for k, v in doc.items():
                state.setdefault(k, []).extend(v)
        elif topic == "/contact":
            contact_docs.append(doc)
        elif topic == "/events":
            events.append(doc)
        else:
            docs.setdefault(topic, []).append(doc)
    return {
        "state": {k: _array(k, v) for k, v in state.items()},
        "contact": _contact_columns(contact_docs),
        "events": events,
        "json": docs,
        "plan": docs["/plan"][-1] if docs.get("/plan") else None,
        "summary": docs["/summary"][-1] if docs.get("/summary") else None,
        "complete": complete,
    }


def _array(name: str, values: list[Any]) -> NDArray[Any]:
    if name == "tool" and any(isinstance(v, str) for v in values):
        return np.array(["" if v is None else v for v in values], dtype=str)
    return np.array(values, dtype=np.float64)


def _contact_columns(docs: list[dict[str, Any]]) -> dict[str, NDArray[Any]]:
    if not docs:
        return {}
    names = list(docs[0])
    for d in docs[1:]:
        for k in d:
            if k not in names:
                names.append(k)
    return {k: _array(k, [d.get(k) for d in docs]) for k in names}


def read_contact_mcap(path: str | Path) -> dict[str, NDArray[Any]]:
    """The contact-log columns of a session log: ``/contact``, else ``/state``.

    Raises:
        LogError: file missing, not MCAP, or without ``/contact`` or ``/state`` samples.
    """
    p = Path(path)
    msgs, _ = _records(p, {"/contact", "/state"})
    try:
        contact = [json.loads(data) for topic, data in msgs if topic == "/contact"]
        if contact:
            return _contact_columns(contact)
        state: dict[str, list[Any]] = {}
        for _topic, data in msgs:
            for k, v in json.loads(data).items():
                state.setdefault(k, []).extend(v)
    except (ValueError, UnicodeDecodeError, AttributeError, TypeError) as exc:
        raise LogError(f"a /contact or /state message is not valid ({exc})", path=p) from exc
    if not state:
        raise LogError("no /contact or /state messages", path=p, key="/contact")
    cols = {k: _array(k, v) for k, v in state.items()}
    if "tool" in cols and cols["tool"].dtype.kind == "f":
        codes = _tool_codes(cols["tool"])
        names = np.array([*TOOL_NAMES, ""], dtype=str)
        cols["tool"] = names[codes]
    return cols
