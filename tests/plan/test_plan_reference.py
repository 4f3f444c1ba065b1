"""Plans stay byte-identical for every routine in the repository (refactors keep behaviour).

The reference (``plan_reference.json``) was generated before techniques moved behind
one protocol; a change that alters a plan on purpose regenerates it
(``python -m tests.plan.plan_fingerprint --write``) and says so in its commit.
"""

from __future__ import annotations

import json

import pytest

from tests.plan.plan_fingerprint import REFERENCE, cases, fingerprint, load

_REF = json.loads(REFERENCE.read_text())


def test_reference_covers_every_case() -> None:
    assert sorted(_REF) == sorted(f"{r} @ {c}" for r, c in cases())


@pytest.mark.parametrize(("routine", "client"), cases(), ids=[f"{r}@{c}" for r, c in cases()])
def test_plan_unchanged(routine: str, client: str) -> None:
    assert fingerprint(load(routine), client) == _REF[f"{routine} @ {client}"]
