"""MuJoCo backend benchmark: real-time factor, IK cost per tick, contact-law match.

Runs on one core (``python -m bench.mujoco``) and writes bench/results/mujoco.json:

* ``contact_law``: static force–indentation of each tool at a soft-tissue point, the
  MuJoCo soft contact (what the solver produced) against the tissue model's law at the
  same instant, over the working range;
* ``sessions``: the spa preset on the default client at 60 BPM on the MuJoCo backend
  and on the built-in simulator, side by side: real-time factor, robot step cost, IK
  cost per tick (mink QP amortised + the per-tick Jacobian correction), force RMSE,
  orientation error, contact breaks, cone angle, joint margins, safety events.

``BACKSTROKE_BENCH_PRESET`` picks another preset; ``BACKSTROKE_BENCH_QUICK=1`` runs a
short two-block routine instead (for a smoke test).
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
from backstroke.robot.protocol import RobotCommand
from backstroke.routine.io import load_routine
from backstroke.routine.schema import Routine
from backstroke.session.runner import SessionRunner
from backstroke.tools import Tool
from bench.timed_robot import TimedRobot

RESULTS = Path(__file__).with_name("results")
QUICK_ROUTINE = {
    "name": "quick",
    "blocks": [
        {"technique": "glide", "target_force_n": 12, "u_min": 0.35, "u_max": 0.65,
         "repeat": {"passes": 1}},
        {"technique": "thumb_strip", "side": "left", "target_force_n": 10, "u_min": 0.35,
         "u_max": 0.65, "repeat": {"passes": 1}},
    ],
}  # fmt: skip


def _pct(x: np.ndarray, q: float) -> float:
    return round(float(np.percentile(x, q)), 2) if x.size else float("nan")


def contact_law() -> list[dict[str, Any]]:
    """Static press per tool: MuJoCo contact force vs the tissue law, several depths."""
    from backstroke.robot.mujoco import MujocoRobot

    client = load_client()
    back = BackModel(client)
    rows: list[dict[str, Any]] = []
    spots = {Tool.PALMS: (0.45, 0.0), Tool.FOREARM: (0.30, 0.075), Tool.THUMB: (0.50, 0.03)}
    for tool, (u, v) in spots.items():
        robot = MujocoRobot(back, client, seed=1)  # a fresh client per tool
        p = back.point(u, v)
        n = back.normal(u, v)
        robot.start(tool, tuple(p + 0.02 * n), tuple(n))
        last: list[float] = [0.0]
        orig = robot.tissue.press

        def press(*args: float, _orig: Any = orig, _last: list[float] = last) -> Any:
            f = _orig(*args)
            _last[0] = f[0] + f[1]
            return f

        robot.tissue.press = press  # type: ignore[method-assign,assignment]
        t = 0.0
        for depth_mm in (3, 5, 7, 9, 11, 13, 15):
            target = p - depth_mm * 1e-3 * n
            for _ in range(500):
                t += 1e-3
                st = robot.step(RobotCommand(tool, tuple(target), tuple(n), t))
            physics = sum(robot._contact_normals())
            tissue = last[0]
            ind = float(np.dot(p - np.asarray(st.position_m), n))
            rows.append(
                {
                    "tool": tool.value,
                    "u": u,
                    "v_m": v,
                    "tcp_indentation_mm": round(ind * 1e3, 2),
                    "tissue_n": round(tissue, 3),
                    "mujoco_n": round(physics, 3),
                    "error_pct": round(100 * (physics - tissue) / tissue, 2) if tissue else None,
                }
            )
            if tissue > 35.0:
                break
        robot.tissue.press = orig  # type: ignore[method-assign]
        robot.close()
    return rows


def bench_session(backend: str, routine: Routine, bpm: float = 60.0) -> dict[str, Any]:
    client = load_client()
    back = BackModel(client)
    seed = client.seed or 0
    t0 = time.perf_counter()
    inner = make_robot(backend, client, back, seed=seed)
    build_s = time.perf_counter() - t0
    robot = TimedRobot(inner)
    ik_tick: dict[str, float] = {"n": 0, "s": 0.0}
    ik = getattr(inner, "ik", None)
    if ik is not None:  # time the per-tick Jacobian correction too
        orig = ik.correct

        def correct(*args: Any, **kwargs: Any) -> Any:
            c0 = time.perf_counter()
            out = orig(*args, **kwargs)
            if kwargs.get("fade", True):  # the per-tick call (solve() calls it too)
                ik_tick["s"] += time.perf_counter() - c0
                ik_tick["n"] += 1
            return out

        ik.correct = correct
    runner = SessionRunner(routine, back, BeatGrid.constant(bpm), robot, seed=seed)
    t0 = time.perf_counter()
    c0 = time.process_time()
    result = runner.run()
    wall = time.perf_counter() - t0
    cpu = time.process_time() - c0  # this process only: robust on a shared machine
    s = result.summary
    step_us = np.asarray(robot.step_ns, dtype=np.float64) / 1000.0
    truth = robot.sim_truth()
    out: dict[str, Any] = {
        "backend": backend,
        "routine": routine.name,
        "bpm": bpm,
        "build_s": round(build_s, 2),
        "duration_s": s["duration_s"],
        "wall_s": round(wall, 2),
        "sim_realtime_factor": round(s["duration_s"] / wall, 2),
        "cpu_s": round(cpu, 2),
        "sim_realtime_factor_cpu": round(s["duration_s"] / cpu, 2),
        "robot_step_us": {"p50": _pct(step_us, 50), "p99": _pct(step_us, 99)},
        "force_rmse_n": s["force_rmse_n"],
        "orientation_error_deg": s["orientation_error_deg"],
        "contact_breaks": s["contact_breaks"],
        "max_normal_force_n": s["max_normal_force_n"],
        "safety_events": len(s["safety_events"]),
        "safety_event_kinds": sorted({e["kind"] for e in s["safety_events"]}),
        "safety_fault": None if result.safety_fault is None else str(result.safety_fault),
        "blocks": [
            {k: b[k] for k in ("technique", "passes", "softening_pass", "ended_because")}
            for b in s["blocks"]
        ],
        "sim_truth": truth,
    }
    if ik is not None:
        ticks = max(int(ik_tick["n"]), 1)
        out["ik_us_per_tick"] = {
            "mink_qp_amortised": round(1e6 * ik.solve_s / ticks, 2),
            "jacobian_correction": round(1e6 * ik_tick["s"] / ticks, 2),
            "total": round(1e6 * (ik.solve_s + ik_tick["s"]) / ticks, 2),
            "mink_qp_per_solve": round(1e6 * ik.solve_s / max(ik.solves, 1), 1),
            "ik_rate_hz": round(1.0 / ik.dt_s, 2),
        }
    inner.close()
    return out


def _guarded(backend: str, routine: Routine) -> dict[str, Any]:
    """One session's figures, or the error that stopped it (the other still runs)."""
    try:
        return bench_session(backend, routine)
    except Exception as exc:  # a failing session must not hide the other's figures
        return {"backend": backend, "routine": routine.name, "error": repr(exc)}


def main() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    quick = os.environ.get("BACKSTROKE_BENCH_QUICK") == "1"
    preset = os.environ.get("BACKSTROKE_BENCH_PRESET", "spa")
    routine = Routine.model_validate(QUICK_ROUTINE) if quick else load_routine(preset)
    results: dict[str, Any] = {
        "what": "MuJoCo backend (UR5 + mink IK) vs the built-in simulator, same runner",
        "command": "python -m bench.mujoco",
        "machine": {
            "python": platform.python_version(),
            "cpu": platform.processor() or platform.machine(),
            "cores_used": 1,
        },
        "contact_law": contact_law(),
        "sessions": [_guarded(backend, routine) for backend in ("mujoco", "sim")],
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "mujoco.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    for row in results["sessions"]:
        keys = ("backend", "sim_realtime_factor", "sim_realtime_factor_cpu", "force_rmse_n")
        print({k: row.get(k) for k in (*keys, "error")}, row.get("ik_us_per_tick"))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
