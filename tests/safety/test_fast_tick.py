"""The fused tick (safety/fast_tick.py) against the Supervisor's Python checks.

Two Supervisors get the same random commands and measurements, one with the fused
tick and one without (``fused = False``): after every tick their whole state array,
events, mode, bone verdicts and the commands sent must be equal — bit for bit — whether the tick was
nominal (fused) or found something (the Python path on both).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from backstroke.body.back_model import BackModel
from backstroke.body.client_file import load_client
from backstroke.plan.zone_limits import ZoneLimits
from backstroke.robot.protocol import RobotCommand, RobotState, Vec3
from backstroke.safety import fast_tick as ft
from backstroke.safety.limits import SafetyLimits
from backstroke.safety.supervisor import Supervisor
from backstroke.tools import TOOLS, Tool

DT = 1e-3


class Replay:
    """Returns the next scripted measurement at each step, whatever the command."""

    name = "replay"
    control_rate_hz = 1000.0

    def __init__(self, states: list[RobotState]) -> None:
        self.states = states
        self.i = 0
        self.commands: list[RobotCommand] = []

    def start(self, tool: Tool, position_m: Vec3, axis: Vec3) -> RobotState:
        return self.states[0]

    def step(self, command: RobotCommand) -> RobotState:
        self.commands.append(command)
        self.i += 1
        return self.states[self.i]

    def stop(self) -> RobotState:
        return self.states[self.i]

    def close(self) -> None:
        pass


@pytest.fixture(scope="module")
def back_zones() -> tuple[BackModel, ZoneLimits]:
    back = BackModel(load_client())
    return back, ZoneLimits(back)


def _unit(v: np.ndarray) -> Vec3:
    x, y, z = (v / np.linalg.norm(v)).tolist()
    return (x, y, z)


def _session(rng: np.random.Generator, back: BackModel, n: int) -> tuple[list, list]:
    """Random plan points and measurements: calm, with one episode of a failure mode
    (NaN, stale or late samples, a joint estimate apart, a force step, shear, a deep
    tool without force, a tool change) of random length somewhere in it."""
    tools = list(TOOLS)
    tool = tools[int(rng.integers(len(tools)))]
    force0 = rng.uniform(0.0, 0.4) * TOOLS[tool].max_force_n
    noise = rng.choice([0.01, 0.05, 0.3])
    ramp = rng.choice([0.0, 0.002, 0.02])  # N per tick
    joint = rng.choice([0.0, 1.0, -1.0])  # -1: no joint estimate
    off_m = rng.choice([0.0, 0.001, 0.01])
    episode = rng.choice(["none", "nan", "stale", "late", "joint", "step", "shear", "deep", "tool"])
    e0 = int(rng.integers(n))
    e1 = e0 + int(rng.choice([1, 2, 5, 40, 150]))
    late_s = rng.choice([0.45e-3, 0.55e-3, 4e-3])
    u0, v0 = rng.uniform(0.2, 0.8), rng.choice([-1.0, 1.0]) * rng.uniform(0.0, 0.12)
    ticks, states = [], []
    t, seq = 0.0, 0
    for i in range(n + 1):
        on = e0 <= i < e1
        u, v = u0 + 1e-4 * i, v0 + 2e-5 * i
        p = back.point(u, v)
        tu, tv, nrm = back.frame(u, v)
        normal, tangents = _unit(nrm), (_unit(tu), _unit(tv))
        depth = float(rng.uniform(0.0, 0.006)) + (0.03 if on and episode == "deep" else 0.0)
        planned = tuple((p - depth * np.asarray(normal)).tolist())
        if on and episode == "tool" and i == e0:
            tool = tools[(tools.index(tool) + 1) % len(tools)]
        fn = force0 + ramp * i + noise * rng.standard_normal()
        fn = 0.0 if on and episode == "deep" else fn + (30.0 if on and episode == "step" else 0.0)
        shear = 0.6 if on and episode == "shear" else 0.05 * rng.random()
        f = np.asarray(normal) * fn + shear * fn * np.asarray(tangents[0])
        if on and episode == "nan":
            f[int(rng.integers(3))] = math.nan
        where = np.asarray(planned) + off_m * rng.standard_normal(3)
        axis = _unit(np.asarray(normal) + 0.02 * rng.standard_normal(3))
        gap = (8.0 if on and episode == "joint" else 0.0) * np.asarray(normal)
        fj = None if joint == -1.0 else tuple((f + joint * rng.standard_normal(3) + gap).tolist())
        t += DT + (late_s if on and episode == "late" else 0.0)
        seq += 0 if on and episode == "stale" else 1
        fx, fy, fz = f.tolist()
        states.append(
            RobotState(
                t,
                seq,
                tool,
                tuple(where.tolist()),
                axis,
                (fx, fy, fz),
                (0.0, 0.0, 0.0),
                "",
                fj,
            )
        )
        bone = bool(rng.random() < 0.02)
        cmd = RobotCommand(tool, planned, axis, i * DT)
        ticks.append((cmd, normal, depth, bone, (u, v), tangents))
    return ticks, states


def _pair(back_zones: tuple[BackModel, ZoneLimits], seed: int, n: int) -> None:
    back, zones = back_zones
    ticks, states = _session(np.random.default_rng(seed), back, n)
    # a quarter on the exact body, the rest on a fitted one (the touch follower), half
    # of those with k already learnt
    fitted = SafetyLimits(surface_offset_m=0.012, surface_tilt_deg=3.5)
    limits = SafetyLimits() if seed % 4 == 0 else fitted
    sups, robots = [], []
    for fused in (True, False):
        robots.append(Replay(states))
        sup = Supervisor(robots[-1], limits, DT, zones=zones)
        sup.fused = fused
        if seed % 4 == 2:
            fd = sup._force_depth
            fd._k_samples = [2500.0] * 2000
            fd._k_n_m, fd._learning = 2500.0, False
        sup.start(ticks[0][0].tool, ticks[0][0].position_m, ticks[0][0].axis)
        sups.append(sup)
    a, b = sups
    for cmd, normal, depth, bone, uv, tangents in ticks[1:]:
        _, ma = a.step(cmd, normal, depth, bone, uv, tangents)
        _, mb = b.step(cmd, normal, depth, bone, uv, tangents)
        assert np.array_equal(a._k, b._k, equal_nan=True), np.flatnonzero(a._k != b._k)
        assert (ma, a.over_bone_now, a.events) == (mb, b.over_bone_now, b.events)
        if ma == "stopped":
            break
    assert robots[0].commands == robots[1].commands  # the same limited commands sent


@pytest.mark.parametrize("seed", range(80))
def test_fused_tick_equals_the_python_checks(
    back_zones: tuple[BackModel, ZoneLimits], seed: int
) -> None:
    _pair(back_zones, seed, 300)


def test_both_paths_are_compared(
    back_zones: tuple[BackModel, ZoneLimits], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not a vacuous comparison: the sessions above run many ticks through the kernel,
    and many back to the Python checks (SLOW: something found, or not covered)."""
    answers: list[int] = []
    fused = ft.fused_tick()

    def counted(*args: object) -> int:
        answers.append(fused(*args))
        return answers[-1]

    monkeypatch.setattr(ft, "fused_tick", lambda: counted)
    for seed in range(80):
        _pair(back_zones, seed, 300)
    slow = answers.count(ft.SLOW)
    assert slow > 200 and len(answers) - slow > 2000
    assert 0 in answers and 1 in answers  # both bone verdicts from the kernel


def test_the_zone_table_answers_as_zone_limits(
    back_zones: tuple[BackModel, ZoneLimits],
) -> None:
    _, zones = back_zones
    table = ft.zone_table(zones)
    rng = np.random.default_rng(3)
    for _ in range(20_000):
        tool = list(TOOLS)[int(rng.integers(3))]
        u, v = float(rng.uniform(-0.1, 1.1)), float(rng.uniform(-0.35, 0.35))
        margin = float(rng.choice([0.0, 0.005, 0.015]))
        fast = ft.over_bone(table, ft.TOOL_CODES[tool], u, v, margin)
        assert fast == zones.over_bone(tool, u, v, margin)
