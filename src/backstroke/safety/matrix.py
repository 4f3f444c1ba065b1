"""The fault matrix: every fault kind × technique × seed on the built-in simulator.

For each case a short routine (a brief rest, then one pass of the technique) runs with
one fault injected in the middle of the technique's first pass. A case *survives* when
the force and pressure the simulated tissue actually received (its truth, reported by
the simulator) stay within the tool's limits, and the fault ends in a controlled
retreat or a documented ride-through. The reaction time is from the injection to the
Supervisor's retreat.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from backstroke.body.back_model import BackModel
from backstroke.body.client_file import ClientSpec, load_client
from backstroke.errors import SafetyFault
from backstroke.music.grid import BeatGrid
from backstroke.plan.planner import compile_plan
from backstroke.robot.factory import make_robot
from backstroke.robot.faults import FaultInjector, FaultSpec
from backstroke.routine.schema import Routine
from backstroke.safety.limits import SafetyLimits
from backstroke.session.runner import SessionRunner
from backstroke.tools import TOOLS

TECHNIQUES = ("rest", "glide", "forearm", "thumb_strip")
MATRIX_KINDS = ("dropout", "stale", "nan", "spike", "drift", "latency", "move", "stop")

# Faults that the system is designed to ride through (no retreat needed) while the
# tissue stays within limits; every other kind must end in a retreat.
RIDE_THROUGH = {
    "spike": "a single-sample spike is below the persistence needed to act on",
    "drift": "a sensor reading high makes the loop press lighter; the force/depth "
    "consistency check stops the session once the bias is large (≤ 10 s at 2 N/s)",
    "latency": "20 ms of latency keeps the loop stable (10 Hz bandwidth)",
    "move": "the force loop follows the new skin and soft limits back the tool off; "
    "the force/depth check stops the session when the model no longer fits (≤ 5 s)",
}
REACTION_LIMIT_S = {
    "dropout": 0.05,
    "stale": 0.05,
    "nan": 0.05,
    "stop": 0.1,
    "move": 5.0,
    "drift": 10.0,
}


@dataclass(frozen=True)
class CaseResult:
    kind: str
    technique: str
    seed: int
    injected_at_s: float
    outcome: str  # "retreat", "ride-through" or "failed"
    fault_kind: str | None
    reaction_s: float | None
    truth_max_force_n: float
    force_limit_n: float
    truth_max_pressure_n_cm2: float
    pressure_limit_n_cm2: float
    survived: bool

    def as_dict(self) -> dict[str, Any]:
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in vars(self).items()}


def case_routine(technique: str) -> Routine:
    """A short routine: a brief rest, then one pass of ``technique``."""
    blocks: list[dict[str, Any]] = [
        {"technique": "rest", "duration_s": 4.0 if technique != "rest" else 20.0}
    ]
    force = {"glide": 15.0, "forearm": 25.0, "thumb_strip": 18.0}
    if technique != "rest":
        b: dict[str, Any] = {
            "technique": technique,
            "target_force_n": force[technique],
            "repeat": {"passes": 1},
        }
        if technique != "glide":
            b["side"] = "left"
        blocks.append(b)
    return Routine.model_validate(
        {"name": f"fault-{technique}", "start_force_fraction": 1.0, "blocks": blocks}
    )


def run_case(kind: str, technique: str, seed: int, client: ClientSpec | None = None) -> CaseResult:
    """Run one matrix case and judge it."""
    client = client or load_client()
    back = BackModel(client)
    routine = case_routine(technique)
    grid = BeatGrid.constant(60.0)
    plan = compile_plan(routine, back, grid)
    last = plan.blocks[-1].index
    window = [ts for ts in plan.timed_segments() if ts.block == last and ts.pass_index == 0]
    t0, t1 = window[0].t0_s, window[-1].t1_s
    import numpy as np

    at = float(np.random.default_rng(seed).uniform(t0 + 0.3 * (t1 - t0), t0 + 0.6 * (t1 - t0)))
    inner = make_robot("sim", client, back, seed=seed)
    robot = FaultInjector(inner, [FaultSpec.parse(f"{kind}@{at}")], seed=seed)
    runner = SessionRunner(routine, back, grid, robot, seed=seed)
    result = runner.run()
    truth = robot.sim_truth()
    tool = routine.blocks[last].tool()
    f_lim = TOOLS[tool].max_force_n
    p_lim = TOOLS[tool].max_pressure_n_cm2
    f_max = float(truth.get("max_force_n", float("nan")))  # type: ignore[arg-type]
    p_max = float(truth.get("max_pressure_n_cm2", float("nan")))  # type: ignore[arg-type]
    fault: SafetyFault | None = result.safety_fault
    if fault is not None:
        outcome = "retreat"
        reaction = max(0.0, fault.t_s - at)
    elif kind in RIDE_THROUGH:
        outcome, reaction = "ride-through", None
    else:
        outcome, reaction = "failed", None
    within = f_max <= f_lim and p_max <= p_lim
    timely = reaction is None or reaction <= REACTION_LIMIT_S.get(kind, 1.0)
    return CaseResult(
        kind=kind,
        technique=technique,
        seed=seed,
        injected_at_s=at,
        outcome=outcome,
        fault_kind=None if fault is None else fault.kind,
        reaction_s=reaction,
        truth_max_force_n=f_max,
        force_limit_n=f_lim,
        truth_max_pressure_n_cm2=p_max,
        pressure_limit_n_cm2=p_lim,
        survived=within and timely and outcome != "failed",
    )


def limits_table() -> list[dict[str, Any]]:
    """Per tool and region: the limits the Supervisor enforces."""
    lim = SafetyLimits()
    rows = []
    for tool, spec in TOOLS.items():
        for bone in (False, True):
            rows.append(
                {
                    "tool": str(tool),
                    "region": "bone" if bone else "soft tissue",
                    "force_limit_n": lim.force_limit_n(tool, bone),
                    "pressure_limit_n_cm2": lim.pressure_limit_n_cm2(tool, bone),
                    "area_cm2": round(spec.area_cm2, 2),
                }
            )
    return rows
