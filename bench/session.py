"""Session benchmark: real-time factor, control tick cost, tracking figures.

Runs the spa and sports presets on the default client with the built-in simulator on
one core and writes bench/results/session.json.
"""

from __future__ import annotations

import json
import os
import platform
import time
from pathlib import Path
from typing import Any

import numpy as np

from backstroke.body.back_model import BackModel
from backstroke.body.client_file import load_client
from backstroke.music.grid import BeatGrid
from backstroke.robot.factory import make_robot
from backstroke.routine.io import load_routine
from backstroke.session.runner import SessionRunner
from bench.timed_robot import TimedRobot

RESULTS = Path(__file__).with_name("results")


def bench_preset(preset: str, bpm: float = 60.0) -> dict[str, Any]:
    client = load_client()
    back = BackModel(client)
    robot = TimedRobot(make_robot("sim", client, back, seed=client.seed or 0))
    routine = load_routine(preset)
    runner = SessionRunner(
        routine, back, BeatGrid.constant(bpm), robot, seed=client.seed or 0, time_ticks=True
    )
    t0 = time.perf_counter()
    result = runner.run()
    wall_s = time.perf_counter() - t0
    s = result.summary
    tick = np.asarray(runner.tick_ns, dtype=np.float64)
    robot_ns = np.asarray(robot.step_ns, dtype=np.float64)
    n = min(tick.size, robot_ns.size)
    ctrl_us = (tick[:n] - robot_ns[:n]) / 1000.0
    return {
        "preset": preset,
        "bpm": bpm,
        "duration_s": s["duration_s"],
        "wall_s": round(wall_s, 3),
        "sim_realtime_factor": round(s["duration_s"] / wall_s, 2),
        "ticks": int(n),
        "tick_us_controller_supervisor": {
            "p50": round(float(np.percentile(ctrl_us, 50)), 2),
            "p99": round(float(np.percentile(ctrl_us, 99)), 2),
            "max": round(float(ctrl_us.max()), 2),
        },
        "robot_step_us": {
            "p50": round(float(np.percentile(robot_ns / 1000.0, 50)), 2),
            "p99": round(float(np.percentile(robot_ns / 1000.0, 99)), 2),
        },
        "force_rmse_n": s["force_rmse_n"],
        "orientation_error_deg": s["orientation_error_deg"],
        "contact_breaks": s["contact_breaks"],
        "max_normal_force_n": s["max_normal_force_n"],
        "safety_events": len(s["safety_events"]),
        "blocks": [
            {k: b[k] for k in ("technique", "passes", "softening_pass", "ended_because")}
            for b in s["blocks"]
        ],
        "sim_truth": s.get("sim_truth") or robot.sim_truth(),
    }


def main() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    results = {
        "machine": {"python": platform.python_version(), "cpu": platform.processor() or "?"},
        "sessions": [bench_preset("spa"), bench_preset("sports", 72.0)],
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "session.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
