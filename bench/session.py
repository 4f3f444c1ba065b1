"""Session benchmark: real-time factors (the loop and the whole command), tick costs.

Runs the spa (60 BPM) and sports (72 BPM) presets on the default client with the
built-in simulator, pinned to one core, and writes bench/results/session.json:

* ``loop``: ``SessionRunner.run()`` alone (plan, control loop, listening, summary),
  wall and process CPU time, nothing else timed inside it;
* ``command``: the whole ``backstroke demo`` / ``backstroke run`` command in a child
  process on the same core (start-up, planning, the session, the log, the report);
* ``tick_us``: a second run with per-tick timers (they cost time themselves, so its
  real-time factor is not reported): the robot's step, the Supervisor's own share of
  its step, and the rest of the tick (runner and force controller);
* the session's figures (force RMSE, contact breaks, safety events, blocks) so a
  speed-up can be checked for an unchanged session.

Run: ``python -m bench.session`` (about two minutes on a quiet core).
"""

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
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
PRESETS = (("spa", 60.0), ("sports", 72.0))


def _pct(x: np.ndarray, q: float) -> float:
    return round(float(np.percentile(x, q)), 2) if x.size else float("nan")


def bench_loop(preset: str, bpm: float) -> dict[str, Any]:
    """The runner alone: real-time factor by wall and by this process's CPU time."""
    client = load_client()
    back = BackModel(client)
    robot = make_robot("sim", client, back, seed=client.seed or 0)
    runner = SessionRunner(
        load_routine(preset), back, BeatGrid.constant(bpm), robot, seed=client.seed or 0
    )
    t0, c0 = time.perf_counter(), time.process_time()
    result = runner.run()
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    s = result.summary
    return {
        "duration_s": s["duration_s"],
        "wall_s": round(wall, 3),
        "cpu_s": round(cpu, 3),
        "realtime_factor": round(s["duration_s"] / wall, 2),
        "realtime_factor_cpu": round(s["duration_s"] / cpu, 2),
        "us_per_tick_cpu": round(1e6 * cpu / max(s["duration_s"] * 1000.0, 1.0), 2),
        "force_rmse_n": s["force_rmse_n"],
        "orientation_error_deg": s["orientation_error_deg"],
        "contact_breaks": s["contact_breaks"],
        "max_normal_force_n": s["max_normal_force_n"],
        "safety_events": len(s["safety_events"]),
        "blocks": [
            {k: b[k] for k in ("technique", "passes", "softening_pass", "ended_because")}
            for b in s["blocks"]
        ],
        "sim_truth_contact_breaks": robot.sim_truth()["contact_breaks"],  # type: ignore[attr-defined]
    }


def bench_ticks(preset: str, bpm: float) -> dict[str, Any]:
    """Per-tick cost split: robot step, the Supervisor's own share, the rest."""
    client = load_client()
    back = BackModel(client)
    robot = TimedRobot(make_robot("sim", client, back, seed=client.seed or 0))
    runner = SessionRunner(
        load_routine(preset),
        back,
        BeatGrid.constant(bpm),
        robot,
        seed=client.seed or 0,
        time_ticks=True,
    )
    sup = runner.supervisor
    sup_ns: list[int] = []
    inner = sup.step
    clock = time.perf_counter_ns

    def timed_step(*args: Any) -> Any:
        t0 = clock()
        st = inner(*args)
        sup_ns.append(clock() - t0)
        return st

    sup.step = timed_step  # type: ignore[method-assign]
    runner.run()
    tick = np.asarray(runner.tick_ns, dtype=np.float64) / 1000.0
    rob = np.asarray(robot.step_ns, dtype=np.float64) / 1000.0
    sv = np.asarray(sup_ns, dtype=np.float64) / 1000.0
    n = min(tick.size, rob.size, sv.size)  # one of each per tick
    rob, sv, tick = rob[:n], sv[:n], tick[:n]
    own = sv - rob
    rest = tick - sv
    return {
        "ticks": int(n),
        "note": "means include timer overhead (≈0.1 µs per timer); p50 is the typical tick",
        "tick_total": {"mean": round(float(tick.mean()), 2), "p50": _pct(tick, 50)},
        "robot_step": {"mean": round(float(rob.mean()), 2), "p50": _pct(rob, 50)},
        "supervisor_own": {"mean": round(float(own.mean()), 2), "p50": _pct(own, 50)},
        "runner_and_controller": {"mean": round(float(rest.mean()), 2), "p50": _pct(rest, 50)},
    }


def bench_command(preset: str, bpm: float) -> dict[str, Any]:
    """The whole command in a child process on this (pinned) core."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "session"
        exe = str(Path(sys.executable).with_name("backstroke"))
        if preset == "spa" and bpm == 60.0:
            cmd = [exe, "demo", "--out", str(out), "--replace", "--quiet"]
        else:
            cmd = [exe, "run", "--routine", preset, "--bpm", f"{bpm:g}", "--out", str(out)]
            cmd += ["--replace", "--quiet"]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        wall = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        s = json.loads((out / "summary.json").read_text())
    shown = ["backstroke", *cmd[1:]]
    shown[shown.index("--out") + 1] = "TMP"
    return {
        "command": " ".join(shown),
        "duration_s": s["duration_s"],
        "wall_s": round(wall, 3),
        "cpu_s": round(cpu, 3),
        "realtime_factor": round(s["duration_s"] / wall, 2),
        "realtime_factor_cpu": round(s["duration_s"] / cpu, 2),
        "force_rmse_n": s["force_rmse_n"],
        "contact_breaks": s["contact_breaks"],
        "safety_events": len(s["safety_events"]),
        "softening_pass": [b["softening_pass"] for b in s["blocks"]],
    }


def main() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core (children too)
    sessions = []
    for preset, bpm in PRESETS:
        row: dict[str, Any] = {"preset": preset, "bpm": bpm}
        row["loop"] = bench_loop(preset, bpm)
        row["command"] = bench_command(preset, bpm)
        row["tick_us"] = bench_ticks(preset, bpm)
        sessions.append(row)
        print(json.dumps(row, indent=2), flush=True)
    results = {
        "what": "built-in simulator, default client, one core; see bench/session.py",
        "command": "python -m bench.session",
        "machine": {
            "python": platform.python_version(),
            "cpu": platform.processor() or platform.machine(),
            "cores_used": 1,
            "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
            "blas_threads": os.environ.get("OPENBLAS_NUM_THREADS"),
        },
        "sessions": sessions,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "session.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
