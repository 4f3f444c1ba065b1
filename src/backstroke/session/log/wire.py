"""Protobuf wire encoding of packed batches, vectorised with numpy.

Encodes ``backstroke.StateBatch`` / ``backstroke.PlanChunk`` messages (see
``schemas._batch_file``: field 1 ``count``, then per column ``2 + 2i`` packed ``sint64``
and ``3 + 2i`` packed ``uint32`` NaN indices) without building a protobuf object per
message: a second of 1 kHz state is a few numpy passes. The bytes are exactly what
protobuf would serialize, so any protobuf decoder (Foxglove, ``mcap`` CLI) reads them.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from backstroke.session.log.columns import _LIMIT, Column, pack


def varints(v: NDArray[np.uint64]) -> tuple[bytes, NDArray[np.int64]]:
    """The varint bytes of ``v`` (in order) and each value's byte count."""
    from backstroke.session.log.varint_kernel import varint_bytes  # numba: writer only

    v = np.ascontiguousarray(v, dtype=np.uint64).ravel()
    out = np.empty(10 * v.size, dtype=np.uint8)
    nb = np.empty(v.size, dtype=np.int64)
    end = varint_bytes(v, out, nb)
    return out[:end].tobytes(), nb


@lru_cache(maxsize=4096)  # lengths and tags repeat: a message has ~40 of them
def _varint(x: int) -> bytes:
    out = bytearray()
    while x >= 0x80:
        out.append((x & 0x7F) | 0x80)
        x >>= 7
    out.append(x)
    return bytes(out)


def _zigzag(d: NDArray[np.int64]) -> NDArray[np.uint64]:
    return ((d << 1) ^ (d >> 63)).view(np.uint64)


def encode_batches(
    cols: Mapping[str, NDArray[np.float64]], spec: tuple[Column, ...], size: int
) -> list[tuple[float, bytes]]:
    """``(t_s of the first sample, message bytes)`` per batch of ``size`` samples.

    Args:
        cols: equal-length ``(N,)`` columns, ``t_s`` among them; columns of ``spec``
            that are missing are left out of the messages (read back as NaN).
        spec: the message's columns.
        size: samples per message.
    """
    t = cols["t_s"]
    n = t.size
    if n == 0:
        return []
    have = [(i, c) for i, c in enumerate(spec) if c.name in cols]
    starts = np.arange(0, n, size)
    bounds = np.append(starts, n)
    values = np.stack([cols[c.name] for _, c in have])
    scales = np.array([c.scale for _, c in have])
    d, bad = pack_rows(values, scales, starts)
    body, nb = varints(_zigzag(d).ravel())
    # Byte offsets of every (column, batch) run in ``body``.
    ends = np.concatenate([[0], np.cumsum(nb)])
    offsets = ends[(np.arange(len(have))[:, None] * n + bounds[None, :])].tolist()
    gaps = _gap_fields(bad, starts, [i for i, _ in have])
    count_tags = [_varint((2 + 2 * i) << 3 | 2) for i, _ in have]
    out = []
    for j in range(starts.size):
        parts = [b"\x08", _varint(int(bounds[j + 1] - bounds[j]))]  # field 1: count
        for k, tag in enumerate(count_tags):
            e0, e1 = offsets[k][j], offsets[k][j + 1]
            parts += [tag, _varint(e1 - e0), body[e0:e1]]
        parts += gaps.get(j, [])
        out.append((float(t[starts[j]]), b"".join(parts)))
    return out


def pack_rows(
    values: NDArray[np.float64], scales: NDArray[np.float64], starts: NDArray[np.int64]
) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
    """``pack`` for a ``(C, N)`` matrix of columns: differences and the NaN mask."""
    x = values * scales[:, None]
    bad = ~(np.abs(x) <= _LIMIT)
    if bad.any():
        d = np.empty(x.shape, dtype=np.int64)
        for r in range(x.shape[0]):
            d[r] = pack(values[r], float(scales[r]), starts)[0]
        return d, bad
    q = np.rint(x).astype(np.int64)
    d = np.diff(q, axis=1, prepend=0)
    d[:, starts] = q[:, starts]
    return d, bad


def _gap_fields(
    bad: NDArray[np.bool_], starts: NDArray[np.int64], numbers: list[int]
) -> dict[int, list[bytes]]:
    """Per batch, the ``<field>_nan`` fields (indices of NaN samples in the batch)."""
    out: dict[int, list[bytes]] = {}
    for r in np.flatnonzero(np.any(bad, axis=1)).tolist():
        idx = np.flatnonzero(bad[r])
        batch = np.searchsorted(starts, idx, side="right") - 1
        for j in np.unique(batch).tolist():
            local = (idx[batch == j] - starts[j]).astype(np.uint64)
            body, _ = varints(local)
            tag = _varint((3 + 2 * numbers[r]) << 3 | 2)
            out.setdefault(j, []).extend([tag, _varint(len(body)), body])
    return out


def _read_varint(buf: bytes, pos: int) -> tuple[int, int]:
    x = shift = 0
    while True:
        if pos >= len(buf) or shift > 63:
            raise ValueError("truncated varint")
        b = buf[pos]
        pos += 1
        x |= (b & 0x7F) << shift
        if b < 0x80:
            return x, pos
        shift += 7


def _split_fields(data: bytes) -> tuple[int, dict[int, bytes]]:
    """``count`` and the length-delimited fields of one batch message."""
    count, pos = 0, 0
    fields: dict[int, bytes] = {}
    while pos < len(data):
        key, pos = _read_varint(data, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _read_varint(data, pos)
            if number == 1:
                count = value
        elif wire == 2:
            size, pos = _read_varint(data, pos)
            if pos + size > len(data):
                raise ValueError("field runs past the message")
            fields[number] = fields.get(number, b"") + data[pos : pos + size]
            pos += size
        elif wire == 1:
            pos += 8
        elif wire == 5:
            pos += 4
        else:
            raise ValueError(f"unexpected wire type {wire}")
    return count, fields


def decode_varints(
    buf: bytes, bounds: NDArray[np.int64]
) -> tuple[NDArray[np.uint64], NDArray[np.int64]]:
    """All varints in ``buf`` and how many lie in each ``[bounds[i], bounds[i+1])``."""
    b = np.frombuffer(buf, dtype=np.uint8)
    if b.size == 0:
        return np.zeros(0, dtype=np.uint64), np.zeros(max(bounds.size - 1, 0), dtype=np.int64)
    if b[-1] >= 0x80:
        raise ValueError("truncated varint")
    term = b < 0x80
    ends = np.flatnonzero(term)
    starts = np.concatenate([[0], ends[:-1] + 1])
    k = np.arange(b.size) - np.repeat(starts, ends - starts + 1)
    if k.max() > 9:
        raise ValueError("varint too long")
    parts = (b & 0x7F).astype(np.uint64) << (7 * k).astype(np.uint64)
    values = np.add.reduceat(parts, starts)
    seen = np.concatenate([[0], np.cumsum(term)])
    return values, np.diff(seen[bounds])


def decode_batches(datas: list[bytes], spec: tuple[Column, ...]) -> dict[str, NDArray[np.float64]]:
    """Columns of many batch messages, in order (a column absent from a message, or
    holding the wrong number of values, is NaN there).

    Raises:
        ValueError: a message is not a well-formed batch.
    """
    counts = []
    per_field: dict[int, list[bytes]] = {}
    for data in datas:
        count, fields = _split_fields(data)
        counts.append(count)
        for number in range(2, 2 + 2 * len(spec)):
            per_field.setdefault(number, []).append(fields.get(number, b""))
    n_msg = len(counts)
    sizes = np.asarray(counts, dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(sizes)])
    total = int(starts[-1])
    out: dict[str, NDArray[np.float64]] = {}
    for i, c in enumerate(spec):
        bodies = per_field.get(2 + 2 * i, [b""] * n_msg)
        lengths = np.array([len(x) for x in bodies], dtype=np.int64)
        if not lengths.any():
            continue
        bounds = np.concatenate([[0], np.cumsum(lengths)])
        zz, got = decode_varints(b"".join(bodies), bounds)
        ok = got == sizes
        d = np.zeros(total, dtype=np.int64)
        vals = ((zz >> np.uint64(1)).astype(np.int64)) ^ -((zz & np.uint64(1)).astype(np.int64))
        keep = np.repeat(ok, got)
        where = np.repeat(ok, sizes)
        d[where] = vals[keep]
        col = _cumsum_from(d, starts[:-1], c.scale)
        col[~where] = np.nan
        gaps = per_field.get(3 + 2 * i, [b""] * n_msg)
        glen = np.array([len(x) for x in gaps], dtype=np.int64)
        if glen.any():
            gb = np.concatenate([[0], np.cumsum(glen)])
            idx, gcount = decode_varints(b"".join(gaps), gb)
            msg = np.repeat(np.arange(n_msg), gcount)
            local = idx.astype(np.int64)
            fine = local < sizes[msg]
            col[(starts[:-1][msg] + local)[fine]] = np.nan
        out[c.name] = col
    return out


def _cumsum_from(
    d: NDArray[np.int64], starts: NDArray[np.int64], scale: float
) -> NDArray[np.float64]:
    """Running sums of ``d`` restarting at each of ``starts``, divided by ``scale``."""
    c = np.cumsum(d, dtype=np.int64)
    if starts.size > 1:
        base = np.zeros(starts.size, dtype=np.int64)
        base[1:] = c[starts[1:] - 1]
        c = c - np.repeat(base, np.diff(np.append(starts, c.size)))
    return c / scale
