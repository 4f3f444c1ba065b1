"""The fault matrix's fast subset: every fault kind on a glide and a thumb strip.

Judged on what the simulated tissue actually received; the full matrix (all
techniques, three seeds) is ``make safety``.
"""

from __future__ import annotations

import pytest

from backstroke.safety.matrix import MATRIX_KINDS, RIDE_THROUGH, run_case


@pytest.mark.slow
@pytest.mark.parametrize("technique", ["glide", "thumb_strip"])
@pytest.mark.parametrize("kind", MATRIX_KINDS)
def test_fault_is_survived(kind: str, technique: str) -> None:
    r = run_case(kind, technique, seed=1)
    assert r.truth_max_force_n <= r.force_limit_n
    assert r.truth_max_pressure_n_cm2 <= r.pressure_limit_n_cm2
    if kind not in RIDE_THROUGH:
        assert r.outcome == "retreat", r
    assert r.survived, r
