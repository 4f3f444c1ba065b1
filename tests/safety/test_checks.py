"""The Supervisor's sensor checks: two force estimates, and the client seen moving."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backstroke.errors import BackstrokeError
from backstroke.robot.body_camera import SimulatedBodyCamera
from backstroke.robot.protocol import RobotState, Vec3
from backstroke.safety.checks import (
    BodyMotion,
    ForceAgreement,
    ForceDepth,
    Measurement,
    SensorHealth,
)
from backstroke.tools import Tool

UP: Vec3 = (0.0, 0.0, 1.0)


def _state(t_s: float, ft_n: float, joint_n: float | None, shift: Vec3 | None = None) -> RobotState:
    return RobotState(
        t_s, 0, Tool.PALMS, (0.0, 0.0, 0.0), UP, (0.0, 0.0, ft_n), (0.0, 0.0, 0.0), "",
        None if joint_n is None else (0.0, 0.0, joint_n), shift,
    )  # fmt: skip


def _tick(state: RobotState, fn: float, depth_m: float = 0.0) -> Measurement:
    return Measurement(state, UP, fn, fn, depth_m)


def test_agreeing_estimates_never_retreat() -> None:
    check = ForceAgreement(1e-3)
    for i in range(5000):
        f = 20.0 + 5.0 * math.sin(i / 300.0)
        assert check.update(_tick(_state(i * 1e-3, f, f + 1.0), f)) is None
    assert check.joint_normal_n == pytest.approx(f + 1.0)


@pytest.mark.parametrize("rate_n_s", [-2.0, -0.5, 0.5, 2.0])
def test_a_drifting_sensor_is_caught_before_the_bias_reaches_the_tolerance_band(
    rate_n_s: float,
) -> None:
    """A sensor drifting either way is caught once the gap passes 3 N + 10 % (+ 0.1 s)."""
    check = ForceAgreement(1e-3)
    true_n = 20.0
    for i in range(60_000):
        t = i * 1e-3
        read = true_n + rate_n_s * t
        finding = check.update(_tick(_state(t, read, true_n), read))
        if finding is not None:
            break
    assert finding is not None and finding.kind == "force_disagree"
    assert finding.action == "retreat"
    bias = abs(rate_n_s) * t
    assert bias <= 3.0 + 0.1 * max(true_n, read) + abs(rate_n_s) * 0.11 + 1e-6


def test_no_second_estimate_means_no_check() -> None:
    check = ForceAgreement(1e-3)
    assert check.update(_tick(_state(0.0, 30.0, None), 30.0)) is None
    assert check.joint_normal_n == -math.inf
    assert check.update(_tick(_state(0.0, 30.0, float("nan")), 30.0)) is None


def test_checks_validate_their_parameters() -> None:
    with pytest.raises(BackstrokeError):
        ForceAgreement(0.0)
    with pytest.raises(BackstrokeError):
        ForceAgreement(1e-3, confirm_s=5.0)
    with pytest.raises(BackstrokeError):
        BodyMotion(moving_m=0.05, retreat_m=0.03)
    with pytest.raises(BackstrokeError):
        SimulatedBodyCamera(rate_hz=0.0)


def _watch(shift_of_t: object, seconds: float, seed: int = 0) -> list[tuple[float, str]]:
    camera = SimulatedBodyCamera(seed=seed)
    check = BodyMotion()
    found = []
    for i in range(int(seconds * 1000)):
        t = i * 1e-3
        s = shift_of_t(t)  # type: ignore[operator]
        finding = check.update(_tick(_state(t, 10.0, None, camera.observe(t, s)), 10.0))
        if finding is not None:
            found.append((t, finding.kind))
    return found


@given(st.integers(0, 10_000))
def test_a_still_client_is_never_seen_moving(seed: int) -> None:
    assert _watch(lambda t: (0.0, 0.0, 0.0), 3.0, seed) == []


@pytest.mark.parametrize("direction", [(1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.6, 0.8)])
def test_a_large_shift_retreats_within_half_a_second(direction: Vec3) -> None:
    """A 5 cm shift over 0.3 s (the fault injector's smoothstep) is seen moving first,
    then ends the session well inside 0.5 s despite the camera's latency."""

    def shift(t: float) -> Vec3:
        r = min(max((t - 1.0) / 0.3, 0.0), 1.0)
        d = 0.05 * r * r * (3.0 - 2.0 * r)
        return (direction[0] * d, direction[1] * d, direction[2] * d)

    found = _watch(shift, 2.0)
    kinds = [k for _, k in found]
    assert kinds[0] == "client_moving"
    retreat_t = next(t for t, k in found if k == "client_moved")
    assert 1.0 < retreat_t < 1.5


def test_a_small_settling_shift_is_seen_moving_but_rides_through() -> None:
    found = _watch(lambda t: (0.0, min(t, 1.0) * 0.02, 0.0), 2.0)
    assert found and {k for _, k in found} == {"client_moving"}


def test_sensor_health_names_the_first_fault() -> None:
    health = SensorHealth(1e-3, missed_deadline_s=0.02, stale_s=0.01, invalid_s=0.005)
    found = []
    for i in range(30):
        st = RobotState(i * 1e-3, 7, Tool.PALMS, (0.0, 0.0, 0.0), UP, (0.0, 0.0, 5.0), UP)
        f = health.update(_tick(st, 5.0))
        if f is not None:
            found.append((i, f.kind))
    assert found and found[0][1] == "stale" and found[0][0] in (10, 11)  # > 10 ms frozen
    nan = float("nan")
    health = SensorHealth(1e-3, missed_deadline_s=0.02, stale_s=0.01, invalid_s=0.005)
    kinds = []
    for i in range(10):
        st = RobotState(i * 1e-3, i, Tool.PALMS, (0.0, 0.0, 0.0), UP, (0.0, 0.0, nan), UP)
        tick = Measurement(st, UP, nan, nan, 0.0)
        f = health.update(tick)
        assert not health.valid
        kinds.append(None if f is None else f.kind)
    assert kinds[:5] == [None] * 5 and kinds[6] == "invalid"


@pytest.mark.parametrize(
    ("fn", "depth_m", "lying"),
    [(20.0, 0.010, False), (1.0, 0.020, True), (60.0, 0.0, True), (0.2, 0.004, False)],
)
def test_force_depth_flags_a_force_that_does_not_fit_the_depth(
    fn: float, depth_m: float, lying: bool
) -> None:
    check = ForceDepth(1e-3, 0.010, 0.2, 6.0, 0.1, expected_stiffness_n_m=2000.0)
    st = _state(0.0, fn, None)
    found = [check.update(_tick(st, fn, depth_m)) for _ in range(150)]
    assert any(f is not None for f in found) is lying


def _press(check, skin_below_model_m, force_of_depth, ticks=3000, hold_m=0.012):  # type: ignore[no-untyped-def]
    """Lower the tool from the model surface onto a skin that lies lower, then hold
    ``hold_m`` into it while gliding at 5 cm/s."""
    found = []
    for i in range(ticks):
        model_depth = min(i * 2e-5, skin_below_model_m + hold_m)  # 2 cm/s down, then hold
        true_depth = max(model_depth - skin_below_model_m, 0.0)
        fn = force_of_depth(true_depth)
        st = RobotState(i * 1e-3, i, Tool.PALMS, (i * 5e-5, 0.0, 0.0), UP, (0.0, 0.0, fn), UP)
        f = check.update(_tick(st, fn, model_depth))
        if f is not None:
            found.append(f.kind)
    return found


def test_depth_from_the_touch_point_tolerates_a_model_surface_off_the_skin() -> None:
    """A scanned body 10 mm above the real skin: measured from the model surface the
    tool is 22 mm deep with 24 N (too soft for the depth); from the touch point it is
    12 mm deep, which fits. Without the allowance the same press stops the session."""
    skin = lambda d: 2000.0 * d  # noqa: E731
    scanned = ForceDepth(1e-3, 0.010, 0.2, 6.0, 0.1, surface_offset_m=0.012, surface_tilt_deg=3.5)
    assert _press(scanned, 0.010, skin) == []
    assert scanned.expected_stiffness_n_m == pytest.approx(2000.0, rel=0.05)
    exact = ForceDepth(1e-3, 0.010, 0.2, 6.0, 0.1, expected_stiffness_n_m=400.0)
    assert "force_depth" in _press(exact, 0.010, lambda d: 400.0 * d + 0.0 * skin(d))


def test_a_dead_sensor_is_still_caught_with_a_touch_point() -> None:
    """Reads 30 % of the force after the touch: deeper and deeper for the force asked."""
    scanned = ForceDepth(1e-3, 0.010, 0.2, 6.0, 0.1, surface_offset_m=0.012, surface_tilt_deg=3.5)
    dead = lambda d: 2000.0 * d if d < 0.002 else 0.3  # noqa: E731
    found = _press(scanned, 0.005, dead, ticks=4000, hold_m=0.03)
    assert "force_depth" in found


def _turn(check, d_m, extra_m=0.0, ticks=5000):  # type: ignore[no-untyped-def]
    """Touch down under a model surface displaced by ``d_m`` (a vector), then creep
    5 mm/s while the normal turns 45° (a curved back): the model's offset along the
    normal goes from ``d·n_touch`` to ``d·n``; ``extra_m`` more is the model wrong by
    more than any displacement. The skin is 2000 N/m, held 1 mm deep (2 N)."""
    found = []
    for i in range(ticks):
        turn = math.radians(45.0) * min(max(i - 1500, 0) / 2000, 1.0)
        n = (math.sin(turn), 0.0, math.cos(turn))
        offset = sum(a * b for a, b in zip(d_m, n, strict=True)) + extra_m * (turn > 0.0)
        true_depth = min(max(i * 2e-5 - d_m[2], 0.0), 0.001)
        model_depth = true_depth + offset if true_depth > 0.0 else i * 2e-5
        fn = 2000.0 * true_depth
        p = (i * 5e-6, 0.0, -model_depth)
        st = RobotState(i * 1e-3, i, Tool.THUMB, p, n, (0.0, 0.0, fn), n)
        f = check.update(Measurement(st, n, fn, fn, model_depth))
        if f is not None:
            found.append(f.kind)
    return found


def test_a_normal_turning_under_a_displaced_model_is_allowed_for() -> None:
    """The touch measured the offset along its own normal; a 12 mm displacement, mostly
    sideways, reads 6.8 mm deeper once the normal has turned 45°, with 2 N: too soft
    for 7.8 mm unless the band grows with ``surface_offset × |n − n_touch|``."""
    d = (0.0113, 0.0, 0.004)
    scanned = ForceDepth(1e-3, 0.005, 0.2, 6.0, 0.1, surface_offset_m=0.012, surface_tilt_deg=3.5)
    assert _turn(scanned, d) == []


def test_a_model_off_by_more_than_the_allowance_still_stops() -> None:
    """The same turn, the model a further 12 mm off (beyond any 12 mm displacement):
    2 N at 19 mm from the touch point is a lying sensor or a wrong body; retreat."""
    d = (0.0113, 0.0, 0.004)
    scanned = ForceDepth(1e-3, 0.005, 0.2, 6.0, 0.1, surface_offset_m=0.012, surface_tilt_deg=3.5)
    assert "force_depth" in _turn(scanned, d, extra_m=0.012)
