"""The fault matrix's fast subset, judged on what the simulated tissue received.

``sim_truth.limit_fraction_force`` / ``_pressure`` divide the worst received force and
pressure by the limit for the tool and the zone truly under it at that moment. The
full matrix (every kind × technique, moves of 1–10 cm in three directions, a mujoco
share) is ``make safety``; the slow marks here run every kind on two techniques.
"""

from __future__ import annotations

import pytest
from bench.fault_matrix import MATRIX_KINDS, RIDE_THROUGH, run_case

from backstroke.safety.limits import ISO_TS_15066_FORCE_N


def test_thumb_strip_shift_toward_the_tool_stays_within_the_zone_limit() -> None:
    # main: 2100 N into the erector spinae (70× the thumb's limit)
    r = run_case("move", "thumb_strip", 1, size_cm=3.0, direction="toward", at_fraction=0.5)
    assert r.limit_fraction_force <= 1.0, r
    assert r.limit_fraction_pressure <= 1.0, r
    assert r.reaction_s is not None and r.reaction_s < 0.2, r


def test_thumb_strip_shift_onto_the_spine_stays_within_the_bone_limit() -> None:
    # main: 18 N on the spinous processes, where the thumb's limit is 15 N
    r = run_case("move", "thumb_strip", 1, size_cm=3.0, direction="left", at_fraction=0.5)
    assert r.limit_fraction_force <= 1.0, r
    assert r.limit_fraction_pressure <= 1.0, r


def test_a_ten_centimetre_push_ends_in_a_retreat_within_the_transient_limits() -> None:
    r = run_case("move", "glide", 1, size_cm=10.0, direction="toward", at_fraction=0.5)
    assert r.outcome == "retreat", r
    assert r.truth_max_force_n <= 1.5 * r.force_limit_n, r
    assert r.truth_max_force_n <= ISO_TS_15066_FORCE_N
    assert r.survived, r


@pytest.mark.parametrize("technique", ["glide", "forearm"])
def test_a_sensor_drifting_low_is_caught_before_the_client_gets_too_much(technique: str) -> None:
    # The loop presses ever harder on a sensor reading low; the arm's joint-torque
    # estimate disagrees and the limits act on the higher of the two.
    r = run_case("drift:-2", technique, 1)
    assert r.outcome == "retreat" and r.fault_kind in ("force_disagree", "force"), r
    assert r.limit_fraction_force <= 1.0 and r.limit_fraction_pressure <= 1.0, r


@pytest.mark.slow
@pytest.mark.parametrize("technique", ["glide", "thumb_strip"])
@pytest.mark.parametrize("kind", list(MATRIX_KINDS))
def test_fault_is_survived(kind: str, technique: str) -> None:
    r = run_case(kind, technique, seed=1)
    assert r.limit_fraction_force <= 1.0, r
    assert r.limit_fraction_pressure <= 1.0, r
    if kind not in RIDE_THROUGH:
        assert r.outcome == "retreat", r
    assert r.survived, r


@pytest.mark.slow
@pytest.mark.parametrize("technique", ["rest", "glide", "forearm", "thumb_strip"])
@pytest.mark.parametrize("direction", ["toward", "left", "cranial"])
@pytest.mark.parametrize("size_cm", [1.0, 3.0, 10.0])
def test_moving_client_is_survived(size_cm: float, direction: str, technique: str) -> None:
    r = run_case("move", technique, 1, size_cm=size_cm, direction=direction, at_fraction=0.5)
    assert r.survived, r
    if size_cm > 3.0:
        assert r.outcome == "retreat", r
