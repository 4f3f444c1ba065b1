"""ForceController on a simple spring plant of its own (independent of tissue/)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from backstroke.control.force_controller import ControllerGains, ForceController
from backstroke.errors import BackstrokeError


def simulate(
    stiffness_n_m: float,
    target_n: float,
    *,
    seconds: float = 8.0,
    breathing_m: float = 0.0015,
    breathing_hz: float = 0.25,
    lag_hz: float = 30.0,
    noise_n: float = 0.08,
    bump: tuple[float, float] | None = None,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Force trace of the controller pressing on a spring whose surface breathes.

    ``bump`` = (time_s, ratio): a smooth stiffness bump peaking at ``ratio`` (a knot
    about 1 cm across passing under the tool at 3 cm/s).
    """
    rng = np.random.default_rng(seed)
    dt = 1e-3
    ctrl = ForceController(dt, initial_stiffness_n_m=2000.0)
    pos = 0.0  # actual depth below the model surface
    vel = 0.0
    w = 2 * math.pi * lag_hz
    forces, times = [], []
    f_meas = 0.0
    for i in range(int(seconds / dt)):
        t = i * dt
        surface = breathing_m * math.sin(2 * math.pi * breathing_hz * t)
        k = stiffness_n_m
        if bump is not None:
            k *= 1.0 + (bump[1] - 1.0) * math.exp(-(((t - bump[0]) / 0.15) ** 2))
        ramp = min(1.0, t / 1.0)
        cmd = ctrl.update(target_n * ramp, f_meas, pos, True)
        # Critically damped second-order actuator.
        acc = w * w * (cmd - pos) - 2 * w * vel
        vel += acc * dt
        pos += vel * dt
        indentation = pos + surface
        f_true = k * indentation if indentation > 0 else 0.0
        f_meas = f_true + rng.normal(0, noise_n)
        forces.append(f_true)
        times.append(t)
    return np.array(times), np.array(forces)


@pytest.mark.parametrize(
    ("stiffness", "max_rmse"), [(800.0, 0.3), (2000.0, 0.3), (4000.0, 0.3), (12000.0, 0.6)]
)
def test_holds_force_against_breathing(stiffness: float, max_rmse: float) -> None:
    t, f = simulate(stiffness, 20.0)
    steady = t > 2.0
    rmse = float(np.sqrt(np.mean((f[steady] - 20.0) ** 2)))
    assert rmse < max_rmse
    assert f[steady].min() > 0.5  # never loses contact


def test_knot_bump_is_rejected_quickly() -> None:
    t, f = simulate(2000.0, 15.0, bump=(4.0, 2.0))
    assert np.abs(f[t > 3.0] - 15.0).max() < 4.0
    assert np.abs(f[t > 4.6] - 15.0).max() < 1.0


@given(st.floats(600, 20000), st.floats(3, 40))
def test_never_exceeds_target_much_on_touch(stiffness: float, target: float) -> None:
    _t, f = simulate(stiffness, target, seconds=3.0, breathing_m=0.0)
    assert f.max() < 1.15 * target + 0.5


def test_off_skin_relaxes_depth() -> None:
    ctrl = ForceController(1e-3)
    ctrl.reset_depth(0.01)
    for _ in range(1000):
        ctrl.update(0.0, 0.0, 0.0, False)
    assert ctrl.depth_m == 0.0


def test_the_lift_off_never_steps_back_toward_the_skin() -> None:
    """Leaving the skin where a breath had raised it above the model (negative depth),
    the off-skin depth holds there instead of relaxing down to the model surface."""
    ctrl = ForceController(1e-3)
    ctrl.depth_m = -0.004  # the loop followed the skin 4 mm above the model surface
    ctrl.update(0.0, 0.0, -0.004, True)
    left = ctrl.depth_m
    assert left < -0.003
    depths = [ctrl.update(0.0, 0.0, -0.004, False) for _ in range(2000)]
    assert max(depths) <= left + 1e-12
    ctrl.reset_depth(0.01)  # left deep (pressing): relaxes up to the skin
    for _ in range(2000):
        ctrl.update(0.0, 0.0, 0.0, False)
    assert ctrl.depth_m == 0.0


def test_bad_gains_are_refused() -> None:
    with pytest.raises(BackstrokeError):
        ControllerGains(bandwidth_hz=100.0)
    with pytest.raises(BackstrokeError):
        ForceController(1.0)


@given(st.floats(300.0, 3000.0), st.floats(-0.002, 0.0))
def test_a_face_barely_touching_comes_back_into_contact_quickly(
    soft_stiffness_n_m: float, start_depth_m: float
) -> None:
    """After a tool change on a strain-stiffening skin (soft near zero indentation), the
    loop regains a light contact (> 0.5 N) within 150 ms, without overshooting."""
    dt = 1e-3
    ctrl = ForceController(dt, initial_stiffness_n_m=3000.0)
    ctrl.on_tool_change(start_depth_m)
    pos = start_depth_m
    lost_s, f = 0.0, 0.0
    for i in range(1000):
        target = 0.75 + min(i * dt / 0.5, 1.0) * 2.0  # the handover force, then up
        cmd = ctrl.update(target, f, pos, True)
        pos += (cmd - pos) * 0.2  # a stiff arm, ~35 Hz lag
        d = max(pos, 0.0)
        # strain stiffening: soft at first, ~10x stiffer 1 cm in
        f = soft_stiffness_n_m * d + 9.0 * soft_stiffness_n_m * d * d / 0.01
        if i * dt > 0.15:
            assert f <= target + 1.0
            lost_s += dt if f < 0.5 else 0.0
    assert lost_s == 0.0


def test_an_approach_lifts_off_a_skin_above_the_model_surface() -> None:
    """Off the skin the plan descends in position toward a model surface 8 mm below the
    real skin (a fitted body): the loop lifts from a felt force instead of pressing."""
    dt, k, skin_m = 1e-3, 2000.0, 0.008
    ctrl = ForceController(dt, initial_stiffness_n_m=2000.0)
    plan_m, f, worst = 0.03, 0.0, 0.0  # the plan's height above the model surface
    for _ in range(3000):
        plan_m = max(plan_m - 0.02 * dt, 0.0)  # 2 cm/s down, then held at the surface
        d = ctrl.update(0.0, f, 0.0, False)
        tool_m = plan_m - d  # the command is the plan point less the depth
        f = k * max(skin_m - tool_m, 0.0)
        worst = max(worst, f)
    assert worst < 1.5
    assert f > 0.0  # still touching: the plan's contact begins from there
