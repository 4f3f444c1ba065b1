"""Sweep benchmark: sessions per minute on 1 and 2 local dask workers, memory per worker,
the CPU cost of a preset session, and a cost model for 1 000 clients × 3 routines.

    python -m bench.sweep [--clients 8] [--routine tests/sweep/short.toml]

Writes bench/results/sweep.json. The machine's load average is recorded next to the
figures: on a shared machine the 1 → 2 worker ratio measures the cores it was given,
not dask (the CPU seconds per session do not depend on the load).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).with_name("results")
ROOT = Path(__file__).resolve().parents[1]
DEFAULT_ROUTINE = ROOT / "tests" / "sweep" / "short.toml"
PRESETS = ("spa", "sports")

# Cost model assumptions (docs/sweep.md): 1 vCPU and 1 GiB per worker.
CLUSTER_CLIENTS = 1000
CLUSTER_ROUTINES = 3
CLUSTER_WORKERS = (16, 64, 256)
PARALLEL_EFFICIENCY = 0.9  # dask's per-task overhead is milliseconds against 10–40 s tasks
PRICE_PER_VCPU_H_USD = 0.045  # on-demand general-purpose cloud vCPU incl. ~1 GiB memory
SPOT_PRICE_PER_VCPU_H_USD = 0.015


def _sweep(routine: str, clients: int, workers: int) -> dict[str, Any]:
    from backstroke.sweep.runner import SweepConfig, run_sweep
    from backstroke.sweep.store import SweepStore

    with tempfile.TemporaryDirectory(prefix="bench-sweep-") as tmp:
        out = Path(tmp)
        config = SweepConfig(
            routines=(routine,), population=clients, out=out, workers=workers, progress=False
        )
        load_before = os.getloadavg()[0]
        outcome = run_sweep(config)
        rows = SweepStore(out).rows()
        parquet_bytes = (out / "sweep.parquet").stat().st_size
    rss: dict[str, float] = {}
    for r in rows:
        w = str(r["worker"])
        rss[w] = max(rss.get(w, 0.0), float(r["worker_max_rss_mb"] or 0.0))
    cpu = [float(r["cpu_s"]) for r in rows]
    return {
        "workers": workers,
        "sessions": outcome.ran,
        "failed": outcome.failed,
        "wall_s": outcome.wall_s,
        "cluster_startup_s": outcome.startup_s,
        "sessions_per_min": round(outcome.sessions_per_min or 0.0, 2),
        "session_wall_s_median": round(statistics.median(float(r["wall_s"]) for r in rows), 3),
        "session_cpu_s_median": round(statistics.median(cpu), 3),
        "sim_s_per_session_median": statistics.median(float(r["duration_s"]) for r in rows),
        "worker_max_rss_mb": rss,
        "parquet_bytes_per_row": round(parquet_bytes / max(1, len(rows))),
        "load_average_1min": [round(load_before, 2), round(os.getloadavg()[0], 2)],
    }


def _preset_cost(preset: str) -> dict[str, Any]:
    """One full preset session on population client 0, in this process (CPU seconds)."""
    from backstroke.sweep.population import draw_client
    from backstroke.sweep.tasks import make_tasks, run_task

    c = draw_client(0, 0)
    (task,) = make_tasks([preset], [(f"clients/{c.file_name}", c.toml(), c.session_seed)])
    row = run_task(task)
    if row["error"] is not None:
        raise RuntimeError(row["error"])
    return {
        "preset": preset,
        "sim_s": row["duration_s"],
        "wall_s": row["wall_s"],
        "cpu_s": row["cpu_s"],
        "max_rss_mb": row["worker_max_rss_mb"],
    }


def cost_model(cpu_s_per_session: list[float], worker_rss_mb: float) -> dict[str, Any]:
    """1 000 clients × 3 routines on a cluster of 1-vCPU workers."""
    sessions = CLUSTER_CLIENTS * CLUSTER_ROUTINES
    mean_cpu_s = statistics.fmean(cpu_s_per_session)
    core_h = sessions * mean_cpu_s / 3600.0 / PARALLEL_EFFICIENCY
    return {
        "sessions": sessions,
        "cpu_s_per_session": round(mean_cpu_s, 2),
        "parallel_efficiency": PARALLEL_EFFICIENCY,
        "core_hours": round(core_h, 2),
        "one_core_hours": round(core_h * PARALLEL_EFFICIENCY, 2),
        "worker_memory_mb": round(worker_rss_mb),
        "cost_usd_on_demand": round(core_h * PRICE_PER_VCPU_H_USD, 2),
        "cost_usd_spot": round(core_h * SPOT_PRICE_PER_VCPU_H_USD, 2),
        "price_per_vcpu_h_usd": {
            "on_demand": PRICE_PER_VCPU_H_USD,
            "spot": SPOT_PRICE_PER_VCPU_H_USD,
        },
        "wall_min_by_workers": {str(w): round(core_h * 60.0 / w, 1) for w in CLUSTER_WORKERS},
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--routine", default=str(DEFAULT_ROUTINE))
    ap.add_argument("--no-presets", action="store_true", help="skip the preset sessions")
    args = ap.parse_args(argv)
    started = time.time()
    runs = [_sweep(args.routine, args.clients, w) for w in (1, 2)]
    one, two = runs
    speedup = two["sessions_per_min"] / one["sessions_per_min"] if one["sessions_per_min"] else None
    presets = [] if args.no_presets else [_preset_cost(p) for p in PRESETS]
    rss = max([v for r in runs for v in r["worker_max_rss_mb"].values()] or [0.0])
    cpu = [p["cpu_s"] for p in presets] or [one["session_cpu_s_median"]]
    # The third routine: a therapist's own, costed as the mean of the presets.
    cpu = [*cpu, statistics.fmean(cpu)] if len(cpu) == 2 else cpu * CLUSTER_ROUTINES
    result = {
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "note": "2 cores shared with other jobs: see load_average_1min per run",
        },
        "routine": os.path.relpath(args.routine, ROOT),
        "clients": args.clients,
        "local": runs,
        "speedup_1_to_2_workers": None if speedup is None else round(speedup, 2),
        "presets": presets,
        "cluster_cost_model": cost_model(cpu, rss),
        "bench_wall_s": round(time.time() - started, 1),
    }
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / "sweep.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
