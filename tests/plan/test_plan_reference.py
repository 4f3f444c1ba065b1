"""Plans stay the same for every routine in the repository (refactors keep behaviour).

Everything is compared exactly but plan.json's sampled float columns, which are compared
within ``SAMPLE_TOL`` (their values are rounded to 1e-6 in the file; a library update
moves the surface they sample by far less than that, but can flip a rounding).

The reference (``plan_reference.json``) was generated before techniques moved behind
one protocol; a change that alters a plan on purpose regenerates it
(``python -m tests.plan.plan_fingerprint --write``) and says so in its commit.
"""

from __future__ import annotations

import json

import pytest

from tests.plan.plan_fingerprint import REFERENCE, cases, fingerprint, load

_REF = json.loads(REFERENCE.read_text())
SAMPLE_TOL = 2e-6


def test_reference_covers_every_case() -> None:
    assert sorted(_REF) == sorted(f"{r} @ {c}" for r, c in cases())


@pytest.mark.parametrize(("routine", "client"), cases(), ids=[f"{r}@{c}" for r, c in cases()])
def test_plan_unchanged(routine: str, client: str) -> None:
    got, ref = fingerprint(load(routine), client), _REF[f"{routine} @ {client}"]
    got_cols = got["plan_json"].pop("float_columns")
    ref_cols = ref["plan_json"].pop("float_columns")
    assert got == ref
    assert sorted(got_cols) == sorted(ref_cols)
    for name, col in ref_cols.items():
        assert got_cols[name]["n"] == col["n"], name
        assert got_cols[name]["mean"] == pytest.approx(col["mean"], abs=SAMPLE_TOL), name
        assert got_cols[name]["at"] == pytest.approx(col["at"], abs=SAMPLE_TOL), name
