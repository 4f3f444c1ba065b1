"""A peer in the same run: backstroke's force loop against open massage code's approach.

Open massage-robot code today (e.g. position-controlled massage arms such as
fellowship/massage_robot) commands the tool to a fixed offset below the modelled
surface and has no force loop. This benchmark runs the same routines on the same
clients and backend twice — once with backstroke's ``ForceController``, once with
:class:`FixedOffsetController` (depth = target force / an assumed typical stiffness)
— both behind the same Supervisor, and writes the ratios (peer / backstroke) of:
force RMSE, peak force the tissue received, contact breaks, and time the tissue spent
over the pressure it finds comfortable (``sim_truth.overpressure_s``: the
simulated client's comfort threshold, not the safety limit).

``python -m bench.peer`` → bench/results/peer.json.
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Any

from backstroke.body.back_model import BackModel
from backstroke.body.client_file import ClientSpec, load_client, random_client
from backstroke.music.grid import BeatGrid
from backstroke.robot.factory import make_robot
from backstroke.routine.io import load_routine
from backstroke.session.runner import SessionRunner

RESULTS = Path(__file__).with_name("results")
CLIENT_SEEDS = (7, 11, 23)  # 7 is the default client's seed
ASSUMED_STIFFNESS_N_M = 2000.0  # a typical back, palm-size contact (DESIGN §6.4)


class FixedOffsetController:
    """Position control to ``target / k_assumed`` below the model surface; no feedback.

    The offset follows the plan's target force (so the peer gets the routine's force
    profile), moving at most ``max_depth_rate_m_s``; the measured force is ignored.
    """

    def __init__(
        self,
        dt_s: float,
        stiffness_n_m: float = ASSUMED_STIFFNESS_N_M,
        max_depth_rate_m_s: float = 0.03,
    ) -> None:
        self.dt_s = dt_s
        self.stiffness_n_m = stiffness_n_m
        self.max_step_m = max_depth_rate_m_s * dt_s
        self.depth_m = 0.0

    def reset_depth(self, depth_m: float = 0.0) -> None:
        self.depth_m = depth_m

    def on_tool_change(self, measured_depth_m: float) -> None:
        """Position control keeps its own command across a tool change."""

    def update(
        self,
        target_force_n: float,
        measured_force_n: float,
        measured_depth_m: float,
        in_contact: bool,
    ) -> float:
        goal = target_force_n / self.stiffness_n_m if in_contact else 0.0
        step = min(max(goal - self.depth_m, -self.max_step_m), self.max_step_m)
        self.depth_m += step
        return self.depth_m


def client_for(seed: int) -> ClientSpec:
    default = load_client()
    return default if seed == default.seed else random_client(seed)


def one_session(routine_name: str, seed: int, controller: str) -> dict[str, Any]:
    client = client_for(seed)
    back = BackModel(client)
    robot = make_robot("sim", client, back, seed=seed)
    grid = BeatGrid.constant(60.0)
    runner = SessionRunner(load_routine(routine_name), back, grid, robot, seed=seed)
    if controller == "peer":
        runner.controller = FixedOffsetController(runner.dt_s)  # type: ignore[assignment]
    t0 = time.perf_counter()
    result = runner.run()
    wall_s = time.perf_counter() - t0
    s = result.summary
    truth = robot.sim_truth()
    robot.close()
    return {
        "routine": routine_name,
        "client_seed": seed,
        "controller": controller,
        "force_rmse_n": s["force_rmse_n"],
        "max_received_force_n": truth["max_force_n"],
        "contact_breaks": s["contact_breaks"],
        "over_comfort_pressure_s": truth["overpressure_s"],
        "safety_stop": None if result.safety_fault is None else result.safety_fault.kind,
        "duration_s": s["duration_s"],
        "wall_s": round(wall_s, 2),
    }


def _ratio(peer: float, ours: float) -> float | None:
    """peer / backstroke; None when backstroke's figure is 0 (the ratio is unbounded)."""
    if ours == 0:
        return None if peer else 1.0
    return round(peer / ours, 3)


def _mean(rows: list[dict[str, Any]], key: str) -> float:
    vals = [float(r[key]) for r in rows if r[key] is not None]
    return sum(vals) / len(vals) if vals else math.nan


def main() -> None:
    rows = [
        one_session(routine, seed, controller)
        for routine in ("spa", "sports")
        for seed in CLIENT_SEEDS
        for controller in ("backstroke", "peer")
    ]
    keys = ("force_rmse_n", "max_received_force_n", "contact_breaks", "over_comfort_pressure_s")
    table = {}
    for routine in ("spa", "sports"):
        ours = [r for r in rows if r["routine"] == routine and r["controller"] == "backstroke"]
        peer = [r for r in rows if r["routine"] == routine and r["controller"] == "peer"]
        table[routine] = {
            k: {
                "backstroke": round(_mean(ours, k), 4),
                "peer": round(_mean(peer, k), 4),
                "ratio_peer_over_backstroke": _ratio(_mean(peer, k), _mean(ours, k)),
            }
            for k in keys
        }
        table[routine]["safety_stops"] = {
            "backstroke": sum(r["safety_stop"] is not None for r in ours),
            "peer": sum(r["safety_stop"] is not None for r in peer),
        }
    out = {"clients": list(CLIENT_SEEDS), "backend": "sim", "summary": table, "sessions": rows}
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / "peer.json"
    path.write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(table, indent=2))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
