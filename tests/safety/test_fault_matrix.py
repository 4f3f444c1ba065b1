"""The fault matrix's fast subset, judged on what the simulated tissue received.

``sim_truth.limit_fraction_force`` / ``_pressure`` divide the worst received force and
pressure by the limit for the tool and the zone truly under it at that moment. The
full matrix (every kind × technique, moves of 1–10 cm in three directions, a mujoco
share) is ``make safety``; the slow marks here run every kind on two techniques.
"""

from __future__ import annotations

from functools import cache

import pytest
from bench.fault_matrix import MATRIX_KINDS, RIDE_THROUGH, CaseResult, run_case

from backstroke.safety.limits import ISO_TS_15066_FORCE_N


@cache
def case(
    kind: str,
    technique: str,
    *,
    size_cm: float | None = None,
    direction: str | None = None,
    at_fraction: float | None = None,
) -> CaseResult:
    """One seed-1 case, run once per worker: a case is deterministic, and four of the
    fast tests' cases recur in the slow matrix below (asserted on again there)."""
    return run_case(
        kind, technique, 1, size_cm=size_cm, direction=direction, at_fraction=at_fraction
    )


def test_thumb_strip_shift_toward_the_tool_stays_within_the_zone_limit() -> None:
    # main: 2100 N into the erector spinae (70× the thumb's limit)
    r = case("move", "thumb_strip", size_cm=3.0, direction="toward", at_fraction=0.5)
    assert r.limit_fraction_force <= 1.0, r
    assert r.limit_fraction_pressure <= 1.0, r
    assert r.reaction_s is not None and r.reaction_s < 0.2, r


def test_thumb_strip_shift_onto_the_spine_stays_within_the_bone_limit() -> None:
    # main: 18 N on the spinous processes, where the thumb's limit is 15 N
    r = case("move", "thumb_strip", size_cm=3.0, direction="left", at_fraction=0.5)
    assert r.limit_fraction_force <= 1.0, r
    assert r.limit_fraction_pressure <= 1.0, r


def test_a_ten_centimetre_push_ends_in_a_retreat_within_the_transient_limits() -> None:
    r = case("move", "glide", size_cm=10.0, direction="toward", at_fraction=0.5)
    assert r.outcome == "retreat", r
    assert r.truth_max_force_n <= 1.5 * r.force_limit_n, r
    assert r.truth_max_force_n <= ISO_TS_15066_FORCE_N
    assert r.survived, r


@pytest.mark.parametrize("technique", ["glide", "forearm"])
def test_a_sensor_drifting_low_is_caught_before_the_client_gets_too_much(technique: str) -> None:
    # The loop presses ever harder on a sensor reading low; the arm's joint-torque
    # estimate disagrees and the limits act on the higher of the two.
    r = case("drift:-2", technique)
    assert r.outcome == "retreat" and r.fault_kind in ("force_disagree", "force"), r
    assert r.limit_fraction_force <= 1.0 and r.limit_fraction_pressure <= 1.0, r


@pytest.mark.slow
@pytest.mark.parametrize("technique", ["glide", "thumb_strip"])
@pytest.mark.parametrize("kind", list(MATRIX_KINDS))
def test_fault_is_survived(kind: str, technique: str) -> None:
    r = case(kind, technique)
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
    r = case("move", technique, size_cm=size_cm, direction=direction, at_fraction=0.5)
    assert r.survived, r
    if size_cm > 3.0:
        assert r.outcome == "retreat", r
