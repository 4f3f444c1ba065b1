"""Knots found by thumb strips on random clients of two generators (closed loop, sim).

Its own file so that ``--dist loadfile`` runs it beside the other long session test.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from backstroke.body.client_file import ClientSpec
from backstroke.routine.schema import Routine
from tests.session.sessions import run


def _thumb_routine(speed_m_s: float = 0.03) -> Routine:
    """A rest, then one thumb pass over every lane of the band."""
    return Routine.model_validate(
        {
            "start_force_fraction": 1.0,
            "blocks": [
                {"technique": "rest", "duration_s": 8.0},
                {
                    "technique": "thumb_strip",
                    "side": "both",
                    "target_force_n": 14.0,
                    "speed_m_s": speed_m_s,
                    "repeat": {"passes": 1},
                },
            ],
        }
    )


@pytest.mark.slow
def test_knots_found_anywhere_on_the_band(tmp_path: Path) -> None:
    """Precision ≥ 0.95 and recall ≥ 0.9 within 15 mm, on two populations: clients of
    ``ClientSpec``'s own seeds (knots near the old thumb lines) and held-out clients of
    the independent generator (knots anywhere 2–7 cm from the midline)."""
    from tests.session.knot_clients import knot_client, match

    routine = _thumb_routine()
    clients = [ClientSpec(name=f"k{i}", seed=1000 + i).resolved() for i in range(4)]
    clients += [knot_client(i).resolved() for i in range(100, 106)]
    found = tp = hit = truth = 0
    for seed, client in enumerate(clients):
        s = run(routine, client, seed=seed).summary
        f, t, h, _ = match(s["knots"], list(client.knots or []), client.value("back_length_m"))
        found, tp, hit, truth = found + f, tp + t, hit + h, truth + len(client.knots or [])
    precision = tp / max(found, 1)
    recall = hit / max(truth, 1)
    (tmp_path / "knots.json").write_text(json.dumps({"precision": precision, "recall": recall}))
    assert truth >= 25
    assert precision >= 0.95, (precision, tp, found)
    assert recall >= 0.9, (recall, hit, truth)
