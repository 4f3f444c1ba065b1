"""The listening bench's knot scoring (``bench/listening.py``): shares and strength truths."""

from __future__ import annotations

from bench.listening import _hit_truths, _knot_strength_truths, _share

from backstroke.body.back_model import BackModel
from backstroke.body.client_file import ClientSpec, KnotSpec
from backstroke.robot.factory import make_robot
from tests.session.knot_clients import match


def test_share_is_none_without_a_whole() -> None:
    # No knot found is no precision (not 0); no true knot is no recall.
    assert _share(0, 0) is None
    assert _share(2, 4) == 0.5


def test_hit_truths_follow_match_order() -> None:
    truth = [
        KnotSpec(u=0.3, v=0.03, radius_m=0.005, stiffness_ratio=2.0),
        KnotSpec(u=0.6, v=-0.04, radius_m=0.005, stiffness_ratio=1.6),
        KnotSpec(u=0.8, v=0.05, radius_m=0.005, stiffness_ratio=1.8),
    ]
    found = [
        {"u": 0.801, "v": 0.05, "stiffness_ratio": 1.3},
        {"u": 0.3, "v": 0.033, "stiffness_ratio": 1.5},
        {"u": 0.45, "v": 0.0, "stiffness_ratio": 1.1},
    ]
    hits = _hit_truths(found, truth, 0.5)
    _, _, n_hit, ratios = match(found, truth, 0.5)
    assert hits == [0, 2] and len(hits) == n_hit
    assert [truth[j].stiffness_ratio for j in hits] == [t for t, _ in ratios]


def test_strength_truths_order_true_felt_secant() -> None:
    # The thumb's bulb dilutes the knot (felt < true) and a secant at equal force reads
    # the stiffening tissue's knot weaker still (1 < secant < felt).
    client = ClientSpec(
        name="one-knot",
        seed=5,
        knots=[{"u": 0.5, "v": 0.035, "radius_m": 0.004, "stiffness_ratio": 2.0}],
    ).resolved()
    robot = make_robot("sim", client, BackModel(client), seed=0)
    [(felt, secant)] = _knot_strength_truths(robot.tissue, 10.0)  # type: ignore[attr-defined]
    assert 1.0 < secant < felt < 2.0
