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
    run = {
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
        "cpu_s_total": round(sum(cpu), 3),
    }
    run["cpu_share_per_worker"] = _cpu_share(run)
    # What the same workers would do with a whole core each (CPU-bound sessions).
    run["sessions_per_min_per_core_cpu_bound"] = round(60.0 * len(cpu) / sum(cpu), 2)
    return run


def _preset_costs() -> list[dict[str, Any]]:
    """One full session of each preset on population client 0, on one local dask worker."""
    from backstroke.sweep.runner import SweepConfig, run_sweep
    from backstroke.sweep.store import SweepStore

    with tempfile.TemporaryDirectory(prefix="bench-sweep-presets-") as tmp:
        config = SweepConfig(
            routines=PRESETS, population=1, out=Path(tmp), workers=1, progress=False
        )
        run_sweep(config)
        rows = SweepStore(Path(tmp)).rows()
    out = []
    for r in rows:
        if r["error"] is not None:
            raise RuntimeError(r["error"])
        out.append(
            {
                "preset": r["routine"],
                "sim_s": r["duration_s"],
                "wall_s": r["wall_s"],
                "cpu_s": r["cpu_s"],
                "worker_max_rss_mb": r["worker_max_rss_mb"],
            }
        )
    return out


def _cpu_share(run: dict[str, Any]) -> float:
    """CPU seconds the sessions got per second of wall time, per worker (1 = a whole core)."""
    busy_s = run["wall_s"] - run["cluster_startup_s"]
    return round(run["cpu_s_total"] / (busy_s * run["workers"]), 3) if busy_s > 0 else 0.0


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
    presets = [] if args.no_presets else _preset_costs()
    rss = max(
        [v for r in runs for v in r["worker_max_rss_mb"].values()]
        + [float(p["worker_max_rss_mb"] or 0.0) for p in presets]
    )
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
        # How much more CPU the sweep got with 2 workers than with 1 (2.0 = two free cores).
        "cpu_obtained_ratio_1_to_2_workers": round(
            2 * two["cpu_share_per_worker"] / one["cpu_share_per_worker"], 2
        )
        if one["cpu_share_per_worker"]
        else None,
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
