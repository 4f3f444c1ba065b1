"""The Franka driver against a franky-sim server (libfranka's protocol, MuJoCo inside).

Needs the ``franka`` extra; every test here starts a server process and runs on the
wall clock, so all are ``slow``. The figures checked are the physics' (contact forces on
the back, from the server's scene), never the driver's own. Nothing asserts a wall-clock
time: the loop-period record is only checked to exist and be sane.
"""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("franky")
pytest.importorskip("franky_sim")

from backstroke.body.back_model import BackModel
from backstroke.body.client_file import load_client
from backstroke.robot.franka.sim.backend import FrankaSimRobot
from backstroke.robot.protocol import RobotCommand
from backstroke.tools import TOOLS, Tool

pytestmark = [pytest.mark.slow, pytest.mark.franka]
ROUTINE = Path(__file__).with_name("short_routine.toml")


def _backstroke(*args: str) -> list[str]:
    return [str(Path(sys.executable).with_name("backstroke")), *args]


@pytest.fixture(scope="module")
def sim_robot():  # type: ignore[no-untyped-def]
    client = load_client().resolved()
    back = BackModel(client)
    robot = FrankaSimRobot(client, back)
    yield robot, back
    robot.close()


def test_force_estimate_follows_the_skin_and_the_link_can_be_lost(sim_robot) -> None:  # type: ignore[no-untyped-def]
    """Press the palms into the back in steps: the driver's force (joint torques and the
    arm's model, zeroed off the skin) against the contact force the physics produced;
    then kill the server: a recorded communication fault, no hang, safe stop/close."""
    robot, back = sim_robot
    u, v = 0.5, 0.0
    s = back.point(u, v)
    n = back.normal(u, v)
    state = robot.start(Tool.PALMS, tuple(s + 0.02 * n), tuple(n))
    assert np.linalg.norm(robot.driver.bias_n) < 5.0
    pairs = []
    for depth in (0.0, 0.008, 0.016, 0.008):
        for _ in range(200):
            state = robot.step(RobotCommand(Tool.PALMS, tuple(s - depth * n), tuple(n), 0.0))
        truth = robot.server.contact_n()
        pairs.append((float(np.dot(state.force_n, n)), truth[0], truth[1]))
    for est, solver, law in pairs:
        assert abs(solver - law) <= 0.1 * law + 0.5  # the physics follows the tissue law
        assert abs(est - solver) <= 0.15 * solver + 1.0  # the estimate follows the physics
    assert max(p[1] for p in pairs) > 5.0  # it really pressed
    stats = robot.loop_stats()
    assert stats["rate_hz"] == 250.0 and stats["cycles"] > 500 and stats["p50"] > 0
    # --- communication loss
    faults: list[tuple[float, str]] = []
    robot.on_fault = lambda t, kind, value, limit: faults.append((t, kind))
    robot.server.kill()
    last = None
    for _ in range(60):
        last = robot.step(RobotCommand(Tool.PALMS, tuple(s + 0.02 * n), tuple(n), 0.0))
    assert faults and faults[0][1].startswith("robot_")
    assert robot.driver.faults
    assert last is not None and last.seq == robot.stop().seq  # stale: the arm is gone
    robot.stop()
    robot.close()
    robot.close()


def _summary(out: Path) -> dict:  # type: ignore[type-arg]
    return json.loads((out / "summary.json").read_text())


def test_session_on_franka_sim_end_to_end(tmp_path: Path) -> None:
    """The short routine (rest, two glides, a thumb strip) through the unchanged driver."""
    out = tmp_path / "run"
    proc = subprocess.run(
        _backstroke("run", "--backend", "franka-sim", "--routine", str(ROUTINE), "--out", str(out)),
        capture_output=True,
        text=True,
        timeout=900,
    )
    if proc.returncode == 3 and "watchdog" in proc.stderr:
        # The Supervisor stopped a wall-clock session whose loop missed its deadlines:
        # correct behaviour, but then this machine (shared, overloaded) cannot judge the
        # rest. Say so instead of passing or failing on the machine's load.
        pytest.skip(f"the loop missed its deadlines on this machine: {proc.stderr.strip()}")
    assert proc.returncode == 0, proc.stderr[-2000:]
    s = _summary(out)
    assert s["backend"] == "franka-sim"
    assert s["contact_breaks"] == 0  # face changes included
    assert s["force_rmse_n"] is not None and s["force_rmse_n"] <= 1.0
    assert [b["technique"] for b in s["blocks"]] == ["rest", "glide", "thumb_strip"]
    assert [b["passes"] for b in s["blocks"]] == [1, 2, 1]
    truth = s["sim_truth"]
    assert truth["max_force_n"] > 3.0  # the back was touched, in the server's physics
    assert truth["max_force_n"] <= max(t.max_force_n for t in TOOLS.values())
    assert truth["max_pressure_n_cm2"] <= TOOLS[Tool.THUMB].max_pressure_n_cm2
    assert truth["arm_environment_contacts"] == 0
    loop = s["loop_period_ms"]
    assert loop["rate_hz"] == 250.0 and loop["cycles"] > 1000
    assert math.isfinite(loop["p50"]) and loop["p99"] >= loop["p50"]


def test_sigint_mid_session_retreats_and_writes_the_summary(tmp_path: Path) -> None:
    out = tmp_path / "run"
    proc = subprocess.Popen(
        _backstroke("run", "--backend", "franka-sim", "--routine", str(ROUTINE), "--out", str(out)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        log = out / "session.mcap"
        deadline = time.monotonic() + 600
        # the approach chunk is logged once it is done: the tool is on the skin then
        while time.monotonic() < deadline and proc.poll() is None:
            if log.exists() and log.stat().st_size > 20_000:
                break
            time.sleep(0.5)
        time.sleep(3.0)
        assert proc.poll() is None, proc.communicate()[1][-2000:]
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 4, err[-2000:]
    s = _summary(out)
    kinds = [e["kind"] for e in s["safety_events"]]
    assert "interrupted" in kinds, kinds
    assert s["ended_because"] == "interrupted: SIGINT"
    assert s["duration_s"] < 80.0  # it stopped mid-session
    truth = s["sim_truth"]
    assert truth["max_force_n"] <= max(t.max_force_n for t in TOOLS.values())
