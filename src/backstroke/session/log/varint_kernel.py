"""Protobuf varints of many unsigned integers, compiled (the writer's hot loop).

A second of 1 kHz ``/state`` is ~21 000 varints; numpy needs a pass per byte position
and a search for each value's length, this loop one pass. Integer arithmetic only, so
the bytes are exactly protobuf's (``tests/session/test_log_varints.py``). Kept out of
``wire.py``, which the reader imports: only writing compiles or loads it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from backstroke.jit import numba_njit


@numba_njit()
def varint_bytes(v: Any, out: Any, nb: Any) -> int:
    """Write the varints of ``v`` (uint64) into ``out`` (uint8, ≥ 10 bytes a value) in
    order, each one's byte count into ``nb``; returns the bytes written."""
    low = np.uint64(0x7F)
    top = np.uint64(0x80)
    seven = np.uint64(7)
    pos = 0
    for i in range(v.size):
        x = v[i]
        n = 1
        while x >= top:
            out[pos] = np.uint8((x & low) | top)
            pos += 1
            x = x >> seven
            n += 1
        out[pos] = np.uint8(x)
        pos += 1
        nb[i] = n
    return pos
