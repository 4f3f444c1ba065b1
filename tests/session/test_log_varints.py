"""The compiled varints are protobuf's, byte for byte."""

from __future__ import annotations

import hypothesis.strategies as st
import numpy as np
from google.protobuf.internal.encoder import _VarintBytes
from hypothesis import given, settings

from backstroke.session.log.wire import varints

_U64 = st.integers(0, 2**64 - 1)
_EDGES = st.sampled_from([0, 1, 127, 128, 16383, 16384, 2**35 - 1, 2**35, 2**63, 2**64 - 1])


@settings(max_examples=200, deadline=None)
@given(values=st.lists(st.one_of(_U64, _EDGES, st.integers(0, 300)), max_size=60))
def test_varints_are_protobufs(values: list[int]) -> None:
    body, nb = varints(np.array(values, dtype=np.uint64))
    want = [_VarintBytes(x) for x in values]
    assert body == b"".join(want)
    assert nb.tolist() == [len(w) for w in want]
