"""The fused tick (safety/fast_tick.py) against the Supervisor's Python path.

Both call the same compiled rules; what is left to go wrong is the kernel's staging
(a SLOW tick must leave the state untouched, a committed one must leave what the Python
path would) and the kernel calling a rule the Python check does not (or with other
inputs). Two Supervisors get the same random commands and measurements, one with the
fused tick and one without (``fused = False``): after every tick their whole state
array, events, mode, bone verdicts and the commands sent must be equal — bit for bit.
Each check, run alone on the same inputs, must also leave the slots the kernel left.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from backstroke.body.back_model import BackModel
from backstroke.body.client_file import load_client
from backstroke.plan.zone_limits import TOOL_INDEX, ZoneLimits
from backstroke.robot.protocol import RobotCommand, RobotState, Vec3
from backstroke.safety import fast_tick as ft
from backstroke.safety import layout as lay
from backstroke.safety.checks import (
    Measurement,
    force_agreement,
)
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


def test_a_slow_tick_leaves_the_state_untouched(
    back_zones: tuple[BackModel, ZoneLimits],
) -> None:
    """The kernel called directly on a Supervisor's state, with a measurement that
    each rule in turn finds fault with: SLOW, and ``K`` as it was, bit for bit."""
    back, zones = back_zones
    sup = Supervisor(Replay([]), SafetyLimits(), DT, zones=zones)
    u, v = 0.5, 0.05
    p = back.point(u, v)
    tu, tv, nrm = back.frame(u, v)
    n, t_u, t_v = _unit(nrm), _unit(tu), _unit(tv)
    pos = (float(p[0]), float(p[1]), float(p[2]))
    fn = 12.0
    f = (fn * n[0], fn * n[1], fn * n[2])
    post = ft.fused_tick()
    K, S, Z = sup._k, sup._fused_tick._scratch, zones.table
    code = TOOL_INDEX[Tool.PALMS]

    def tick(i: int, **change: object) -> int:
        a: dict[str, object] = dict(
            t=i * DT, st_t=i * DT, seq=i, p=pos, f=f, fj=f, has_fj=True, planned=pos
        )
        a.update(change)
        return int(
            post(
                K, S, Z, code, False, False, a["t"], a["st_t"], a["seq"], a["p"], a["f"],
                n, a["fj"], a["has_fj"], n, a["planned"], 0.0, (u, v), t_u, t_v,
            )
        )  # fmt: skip

    # a contact held for a while already (the median's and the rate's history)
    K[lay.HIST : lay.HIST + lay.RATE_TICKS] = fn
    K[lay.LAST2A] = K[lay.LAST2B] = fn
    for i in range(30):  # a calm contact: committed
        before = K.copy()
        assert tick(i) in (0, 1)
        assert not np.array_equal(before, K)
    big = (4.0 * f[0], 4.0 * f[1], 4.0 * f[2])
    apart = lay.AGREE + force_agreement.APART_S
    faults: list[tuple[int, float, dict[str, object]]] = [  # (a slot set first, change)
        (apart, 0.0, dict(st_t=60 * DT)),  # 30 ms late: the watchdog
        (apart, 0.0, dict(p=(math.nan, pos[1], pos[2]))),  # invalid
        (apart, 0.0, dict(f=(math.nan, 0.0, 0.0))),  # invalid
        (apart, 0.1, dict(fj=(0.0, 0.0, 0.0))),  # the joint estimate apart for 0.1 s
        (apart, 0.0, dict(f=big, fj=big)),  # past the soft limit: a clamp
        (apart, 0.0, dict(f=tuple(f[k] + 10.0 * t_u[k] for k in range(3)))),  # shear
    ]
    for slot, value, change in faults:
        K[slot] = value
        before = K.copy()
        assert tick(30, **change) == ft.SLOW, change
        assert np.array_equal(before, K, equal_nan=True), change
    assert tick(30) in (0, 1)  # and the calm tick still commits


@pytest.mark.parametrize("seed", range(12))
def test_each_check_alone_leaves_the_slots_the_kernel_left(
    back_zones: tuple[BackModel, ZoneLimits], seed: int
) -> None:
    """A Python check, fed the measurement the Supervisor's fused tick saw, must leave
    its state as the kernel left that check's slots of ``K`` (most ticks here are the
    kernel's): a kernel calling another rule than the check's ``update`` fails here,
    check by check."""
    back, zones = back_zones
    ticks, states = _session(np.random.default_rng(1000 + seed), back, 400)
    limits = SafetyLimits(surface_offset_m=0.012, surface_tilt_deg=3.5) if seed % 2 else None
    robot = Replay(states)
    sup = Supervisor(robot, limits or SafetyLimits(), DT, zones=zones)
    alone = lay.make_checks(sup.limits, sup.dt_s, 0.0)  # (as the Supervisor builds them)
    if limits is not None:  # a fitted body, k already learnt (else the Python path's)
        for fd in (sup._force_depth, alone[3]):
            fd._k_samples = [2500.0] * 2000
            fd._k_n_m, fd._learning = 2500.0, False
    at = lay.CHECK_AT
    cmd0 = ticks[0][0]
    sup.start(cmd0.tool, cmd0.position_m, cmd0.axis)
    compared, answers = 0, []
    fused = ft.fused_tick()

    def counted(*args: object) -> int:
        answers.append(fused(*args))
        return answers[-1]

    sup._fused_tick.post = counted
    for (cmd, normal, depth, bone, uv, tangents), st in zip(ticks[1:], states[1:], strict=False):
        _, mode = sup.step(cmd, normal, depth, bone, uv, tangents)
        if mode != "running":
            break  # (the Supervisor skips checks from here: nothing to compare)
        f = st.force_n
        raw = f[0] * normal[0] + f[1] * normal[1] + f[2] * normal[2]
        p = st.position_m
        surface = [cmd.position_m[k] + depth * normal[k] for k in range(3)]
        model_depth = sum((surface[k] - p[k]) * normal[k] for k in range(3))
        tick = Measurement(st, normal, raw, float(sup._k[lay.LAST_FN]), model_depth)
        alone[0].update(tick)
        if not alone[0].valid:
            break
        for check in alone[1:]:
            check.update(tick)
        for check, o in zip(alone, at, strict=True):
            mine = check._k
            theirs = sup._k[o : o + mine.size]
            assert np.array_equal(mine, theirs, equal_nan=True), (
                type(check).__name__,
                np.flatnonzero(mine != theirs),
            )
        compared += 1
    assert compared > 20 and answers.count(ft.SLOW) < len(answers)  # the kernel's ticks


def test_the_bone_table_answers_as_the_clearances(
    back_zones: tuple[BackModel, ZoneLimits],
) -> None:
    """``over_bone`` (its lookup shortcuts) against the plain bilinear clearance of
    every pad; a point that cannot be placed is bone."""
    _, zones = back_zones
    rng = np.random.default_rng(3)
    for _ in range(20_000):
        tool = list(TOOLS)[int(rng.integers(3))]
        u, v = float(rng.uniform(-0.1, 1.1)), float(rng.uniform(-0.35, 0.35))
        margin = float(rng.choice([0.0, 0.005, 0.015]))
        pads = TOOLS[tool].pads_v_m
        plain = any(zones.clearance_at(u, v + pad) < margin for pad in pads)
        assert zones.over_bone(tool, u, v, margin) == plain
    assert zones.over_bone(Tool.PALMS, math.nan, 0.0, 0.01)
    assert zones.over_bone(Tool.THUMB, 0.5, math.inf, 0.01)
