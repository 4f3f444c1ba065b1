"""Reads a session.mcap, whole, cut short by a killed writer, or damaged, into columns.

Records are read in file order with the stock ``mcap`` stream reader, chunk by chunk:
a chunk whose CRC or compression fails is skipped (``damaged``), a file that ends before
its footer keeps every whole chunk (``truncated``). Besides backstroke's own channels,
JSON ``/state`` and ``/contact`` channels (one sample per message, or arrays) are read as
columns, so contact logs from other tools and older backstroke logs open too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from mcap.exceptions import EndOfFile, RecordLengthLimitExceeded
from mcap.records import Channel, Chunk, Footer, Message, Schema
from mcap.stream_reader import StreamReader, breakup_chunk
from numpy.typing import NDArray

from backstroke.errors import LogError
from backstroke.session.log.columns import PLAN_SPEC, STATE_SPEC, Column, tool_codes
from backstroke.session.log.schemas import CONTACT_FIELDS, message_class
from backstroke.session.log.wire import decode_batches

_MAGIC = b"\x89MCAP0\r\n"
_BATCHES = {"backstroke.StateBatch": "state", "backstroke.PlanChunk": "plan"}


@dataclass
class SessionLog:
    """What a session log holds.

    Attributes:
        state: ``/state`` columns at the control rate (``STATE_COLUMNS``), ``(N,)``
            float64, NaN where a sample was not finite; ``tool`` as codes.
        plan: ``/plan`` columns at 100 Hz (``PLAN_COLUMNS``).
        contact: ``/contact`` columns at the plotting rate (or a JSON contact log's).
        events: ``/events`` documents ``{t_s, kind, value, limit, message}``.
        documents: every other JSON channel's documents by topic (``/session`` …).
        truncated: the file ends before its footer (a killed writer): whole chunks kept.
        damaged: some records could not be read (bad CRC, bad compression, bad framing).
        problem: what went wrong, for a warning ("" when the file is whole).
    """

    path: Path
    state: dict[str, NDArray[np.float64]] = field(default_factory=dict)
    plan: dict[str, NDArray[np.float64]] = field(default_factory=dict)
    contact: dict[str, NDArray[np.float64]] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    documents: dict[str, list[Any]] = field(default_factory=dict)
    truncated: bool = False
    damaged: bool = False
    problem: str = ""

    @property
    def complete(self) -> bool:
        return not (self.truncated or self.damaged)

    @property
    def summary(self) -> Any:
        """The last ``/summary`` document, or None (a session that did not finish)."""
        docs = self.documents.get("/summary")
        return docs[-1] if docs else None

    @property
    def session(self) -> Any:
        docs = self.documents.get("/session")
        return docs[-1] if docs else None

    def contact_columns(self) -> dict[str, NDArray[np.float64]]:
        """The contact-log columns (DESIGN §6.3): ``/state``, else ``/contact``."""
        return dict(self.state) if self.state.get("t_s") is not None else dict(self.contact)


def read_session_log(path: str | Path) -> SessionLog:
    """Read a session log: complete, cut short by a killed process, or damaged.

    Raises:
        LogError: the file is missing, is not MCAP, or holds no readable message.
    """
    p = Path(path)
    if not p.is_file():
        raise LogError("file not found", path=p)
    log = SessionLog(p)
    size = p.stat().st_size
    with open(p, "rb") as f:
        if f.read(8) != _MAGIC:
            raise LogError("not an MCAP file (bad magic bytes)", path=p)
        f.seek(0)
        messages = _messages(f, size, log)
    batches: dict[str, list[bytes]] = {"state": [], "plan": []}
    json_cols = {"/state": _JsonColumns(), "/contact": _JsonColumns()}
    contact: list[bytes] = []
    for schema_name, channel, data in messages:
        try:
            _route(schema_name, channel, data, batches, json_cols, contact, log)
        except Exception as exc:  # a message that does not decode
            log.damaged = True
            log.problem = log.problem or f"a message on {channel.topic} does not decode ({exc})"
    log.state = _batch_columns(batches["state"], STATE_SPEC, log) or _json_columns(
        json_cols["/state"]
    )
    log.plan = _batch_columns(batches["plan"], PLAN_SPEC, log)
    log.contact = _contact_columns(contact) or _json_columns(json_cols["/contact"])
    return log


def _messages(f: Any, size: int, log: SessionLog) -> list[tuple[str, Channel, bytes]]:
    """``(schema name, channel, data)`` of every readable message, in file order."""
    schemas: dict[int, Schema] = {}
    channels: dict[int, Channel] = {}
    out: list[tuple[str, Channel, bytes]] = []

    def take(rec: Any) -> None:
        if isinstance(rec, Schema):
            schemas[rec.id] = rec
        elif isinstance(rec, Channel):
            channels[rec.id] = rec
        elif isinstance(rec, Message) and rec.channel_id in channels:
            ch = channels[rec.channel_id]
            sch = schemas.get(ch.schema_id)
            out.append((sch.name if sch else "", ch, rec.data))

    reader = StreamReader(f, emit_chunks=True, record_size_limit=max(size, 1024))
    footer = False

    def broken(what: str, exc: BaseException) -> None:
        # A record cut by the end of the file is truncation; anything else is damage.
        if f.tell() < size:
            log.damaged = True
            log.problem = log.problem or f"{what}: {exc}"

    try:
        for rec in reader.records:
            if isinstance(rec, Chunk):
                try:
                    inner = breakup_chunk(rec, validate_crc=True)
                except Exception as exc:
                    broken("a chunk is damaged", exc)
                    continue
                for r in inner:
                    take(r)
            elif not isinstance(rec, Footer):
                take(rec)
        footer = True  # the stream reader stops after the footer and closing magic
    except (EndOfFile, RecordLengthLimitExceeded):
        pass  # the last record runs past the end of the file: truncated
    except Exception as exc:  # struct errors, bad records, bad strings
        broken("unreadable records", exc)
    if not footer:
        log.truncated = True
        log.problem = log.problem or "the file ends before its footer, the writer was stopped"
    if not out and (log.truncated or log.damaged):
        raise LogError(f"no readable message: {log.problem}", path=log.path)
    return out


def _route(
    schema_name: str,
    channel: Channel,
    data: bytes,
    batches: dict[str, list[bytes]],
    json_cols: dict[str, _JsonColumns],
    contact: list[bytes],
    log: SessionLog,
) -> None:
    if schema_name in _BATCHES and channel.message_encoding == "protobuf":
        batches[_BATCHES[schema_name]].append(data)
    elif schema_name == "backstroke.ContactSample":
        contact.append(data)
    elif channel.message_encoding == "json":
        doc = json.loads(data)
        if channel.topic == "/events":
            log.events.append(doc)
        elif channel.topic in json_cols and isinstance(doc, dict):
            json_cols[channel.topic].add(doc)
        else:
            log.documents.setdefault(channel.topic, []).append(doc)


class _JsonColumns:
    """Columns from JSON messages: one sample (scalars) or a batch (equal-length arrays)."""

    def __init__(self) -> None:
        self.cols: dict[str, list[Any]] = {}
        self.rows = 0

    def add(self, doc: dict[str, Any]) -> None:
        lengths = [len(v) for v in doc.values() if isinstance(v, list)]
        n = lengths[0] if lengths else 1
        for k in doc:
            self.cols.setdefault(str(k), [None] * self.rows)
        for k, col in self.cols.items():
            v = doc.get(k)
            if lengths:
                col.extend(v if isinstance(v, list) and len(v) == n else [None] * n)
            else:
                col.append(None if isinstance(v, dict | list) else v)
        self.rows += n


def _json_columns(src: _JsonColumns) -> dict[str, NDArray[np.float64]]:
    out = {}
    for k, v in src.cols.items():
        if k == "tool":
            if all(isinstance(x, int | float) or x is None for x in v):
                out[k] = np.array([np.nan if x is None else x for x in v], dtype=np.float64)
            else:
                out[k] = tool_codes(np.array(["" if x is None else str(x) for x in v]))
            continue
        try:
            out[k] = np.array([np.nan if x is None else float(x) for x in v], dtype=np.float64)
        except (TypeError, ValueError):
            continue  # not a numeric column
    return out


def _batch_columns(
    datas: list[bytes], spec: tuple[Column, ...], log: SessionLog
) -> dict[str, NDArray[np.float64]]:
    """Decode batches; a batch that is not well formed is dropped (``damaged``)."""
    try:
        return decode_batches(datas, spec)
    except ValueError:
        pass
    good = []
    for d in datas:
        try:
            decode_batches([d], spec)
            good.append(d)
        except ValueError as exc:
            log.damaged = True
            log.problem = (
                log.problem
                or f"a {(spec is STATE_SPEC and 'state') or 'plan'} batch does not decode ({exc})"
            )
    return decode_batches(good, spec)


def _contact_columns(datas: list[bytes]) -> dict[str, NDArray[np.float64]]:
    if not datas:
        return {}
    cls = message_class("ContactSample")
    rows = []
    for d in datas:
        m = cls.FromString(d)
        rows.append([getattr(m, k) if m.HasField(k) else np.nan for k in CONTACT_FIELDS])
    arr = np.asarray(rows, dtype=np.float64)
    return {k: arr[:, j] for j, k in enumerate(CONTACT_FIELDS)}
