"""Many messages into the stock ``mcap`` writer's open chunk at once, the same bytes.

``Writer.add_message`` costs about ten Python calls a message (a ``Message`` record,
statistics, the chunk's index, five ``struct.pack`` writes and a seek); a session log
has tens of thousands of small ``/tf``, ``/contact`` and ``/scene`` messages.
:func:`add_messages` does the same bookkeeping (the file's statistics, the chunk's
times and message indexes), packs every record with one ``struct`` call and writes
them to the chunk in one go; each chunk's message index is packed in one call too. The
file is byte for byte what ``add_message`` one by one writes
(``tests/session/test_log_bulk.py``). It reads the writer's private state, so it checks
the ``mcap`` version it was written for and otherwise (or when the chunk could fill
up) falls back to ``add_message``.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from typing import Any

import mcap
from mcap.data_stream import RecordBuilder
from mcap.opcode import Opcode
from mcap.records import MessageIndex
from mcap.writer import Writer

# Opcode MESSAGE, record length, channel id, sequence, log time, publish time.
_HEAD = struct.Struct("<BQHIQQ")
_OPCODE_MESSAGE = 0x05
_HEAD_BODY = _HEAD.size - 9  # the record's length counts what follows its 9-byte header
_KNOWN_VERSIONS = ("1.6.",)


class _PackedIndex(MessageIndex):
    """A chunk's message index for one channel, its entries packed in one call."""

    def write(self, stream: RecordBuilder) -> None:
        stream.start_record(Opcode.MESSAGE_INDEX)
        stream.write2(self.channel_id)
        stream.write4(len(self.records) * 16)
        flat = [x for entry in self.records for x in entry]
        stream.write(struct.pack(f"<{len(flat)}Q", *flat))
        stream.finish_record()


def _internals(writer: Writer) -> tuple[Any, Any, int] | None:
    """The writer's statistics and chunk builder, when this is a known ``mcap``."""
    if not str(getattr(mcap, "__version__", "")).startswith(_KNOWN_VERSIONS):
        return None
    stats = getattr(writer, "_Writer__statistics", None)
    chunk = getattr(writer, "_Writer__chunk_builder", None)
    size = getattr(writer, "_Writer__chunk_size", None)
    if stats is None or chunk is None or size is None:
        return None
    return stats, chunk, int(size)


def add_messages(writer: Writer, messages: Sequence[tuple[int, int, int, bytes]]) -> None:
    """``writer.add_message`` for each ``(channel_id, sequence, log_time_ns, data)`` in
    order (publish time = log time), in a chunked writer.

    Args:
        writer: a started stock ``mcap.writer.Writer`` with chunking on.
        messages: the messages, in the order they go into the file.
    """
    if not messages:
        return
    found = _internals(writer)
    total = sum(_HEAD.size + len(m[3]) for m in messages)
    # Past the chunk size the writer ends the chunk inside the run: let it decide where.
    if found is None or found[1].count + total > found[2]:
        for cid, seq, t_ns, data in messages:
            writer.add_message(cid, log_time=t_ns, data=data, publish_time=t_ns, sequence=seq)
        return
    _bulk(found[0], found[1], messages)


def _bulk(st: Any, cb: Any, messages: Sequence[tuple[int, int, int, bytes]]) -> None:
    times = [m[2] for m in messages]
    t_min, t_max = min(times), max(times)
    # Statistics: as add_message updates them (the first message sets the start).
    st.message_start_time = t_min if st.message_count == 0 else min(t_min, st.message_start_time)
    st.message_end_time = max(t_max, st.message_end_time)
    st.message_count += len(messages)
    counts = st.channel_message_counts
    # The chunk: its times, one index entry per message at the record's offset.
    cb.message_start_time = t_min if cb.num_messages == 0 else min(cb.message_start_time, t_min)
    cb.message_end_time = max(cb.message_end_time, t_max)
    cb.num_messages += len(messages)
    indices = cb.message_indices
    offset = cb.count
    pack = _HEAD.pack
    parts: list[bytes] = []
    for cid, seq, t_ns, data in messages:
        counts[cid] += 1
        index = indices.get(cid)
        if not index:
            index = indices[cid] = _PackedIndex(channel_id=cid, records=[])
        index.records.append((t_ns, offset))
        parts.append(pack(_OPCODE_MESSAGE, _HEAD_BODY + len(data), cid, seq, t_ns, t_ns))
        parts.append(data)
        offset += _HEAD.size + len(data)
    cb.record_writer.write(b"".join(parts))
