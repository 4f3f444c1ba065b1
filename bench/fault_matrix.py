"""The fault matrix: every fault kind × technique, and a moving client, judged on truth.

For each case a short routine (a brief rest, then one pass of the technique) runs with
one fault injected in the middle of the technique's first pass. A case *survives* when
what the simulated tissue actually received (its truth, reported by the backend) stays
within limits and the fault ends in a controlled retreat or a documented ride-through:

* every kind but ``move``, and moves of at most 3 cm: the worst received force and
  pressure over the limit of the tool *and the zone truly under it at that moment*
  (``sim_truth.limit_fraction_force`` / ``_pressure``) stay ≤ 1;
* moves above 3 cm (up to 10 cm in 0.3 s): force ≤ 1.5 × the tool's limit and within
  the ISO/TS 15066 transient values (210 N, 160 N/cm²), and the session ends in a
  retreat.

The reaction time is from the injection to the Supervisor's first reaction (a clamp
or a retreat), and to its retreat. This lives in ``bench/`` because it drives the
session runner (``safety/`` must not import it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from backstroke.body.back_model import BackModel
from backstroke.body.client_file import ClientSpec, load_client
from backstroke.errors import SafetyFault
from backstroke.music.grid import BeatGrid
from backstroke.plan.planner import compile_plan
from backstroke.robot.factory import make_robot
from backstroke.robot.faults import FaultInjector, FaultSpec
from backstroke.routine.schema import Routine
from backstroke.safety.limits import (
    ISO_TS_15066_FORCE_N,
    ISO_TS_15066_PRESSURE_SHOULDER_N_CM2,
    SafetyLimits,
)
from backstroke.session.runner import SessionRunner
from backstroke.tools import TOOLS

TECHNIQUES = ("rest", "glide", "forearm", "thumb_strip")
MATRIX_KINDS = ("dropout", "stale", "nan", "spike", "drift", "drift:-2", "latency", "move", "stop")
MOVE_SIZES_CM = (1.0, 2.0, 3.0, 5.0, 10.0)
# toward the tool, sideways (toward the spine for a left-side lane), along the spine
MOVE_DIRECTIONS = ("toward", "left", "cranial")
ZONE_LIMITED_CM = 3.0  # moves up to this must respect the zone's own limit

# Faults that the system is designed to ride through (no retreat needed) while the
# tissue stays within limits; every other kind must end in a retreat.
RIDE_THROUGH = {
    "spike": "a single-sample spike is below the persistence needed to act on",
    "drift": "a sensor reading high makes the loop press lighter; the force/depth "
    "consistency check stops the session once the bias is large (≤ 10 s at 2 N/s)",
    "drift:-2": "a sensor reading low makes the loop press harder: the soft limits back "
    "the tool off on the true force, the 'too hard for the depth' check stops it",
    "latency": "20 ms of latency keeps the loop stable (10 Hz bandwidth)",
    "move": "a small shift the force loop absorbs: the plan respects the stricter limit "
    "wherever bone lies within a shift of the pads, so the held force stays inside it",
}
REACTION_LIMIT_S = {
    "dropout": 0.05,
    "stale": 0.05,
    "nan": 0.05,
    "stop": 0.1,
    "move": 0.5,
    "drift": 10.0,
    "drift:-2": 10.0,
}


@dataclass(frozen=True)
class CaseResult:
    kind: str
    technique: str
    backend: str
    seed: int
    size_cm: float | None
    direction: str | None
    injected_at_s: float
    outcome: str  # "retreat", "ride-through" or "failed"
    fault_kind: str | None
    reaction_s: float | None
    retreat_s: float | None
    truth_max_force_n: float
    force_limit_n: float
    truth_max_pressure_n_cm2: float
    pressure_limit_n_cm2: float
    limit_fraction_force: float
    limit_fraction_pressure: float
    survived: bool

    def as_dict(self) -> dict[str, Any]:
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in vars(self).items()}


def case_routine(technique: str) -> Routine:
    """A short routine: a brief rest, then one pass of ``technique`` (a thumb strip on
    its innermost lane)."""
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
        if technique == "thumb_strip":
            # One lane, the one closest to the spine (a shift toward it is the hardest
            # case), instead of the whole band: a fault's reaction is the same on any
            # lane, and the band's pass is five times longer.
            b["lateral_m"] = 0.03
        blocks.append(b)
    return Routine.model_validate(
        {"name": f"fault-{technique}", "start_force_fraction": 1.0, "blocks": blocks}
    )


def _truth_float(truth: dict[str, object], *keys: str) -> float:
    for k in keys:
        if k in truth:
            return float(truth[k])  # type: ignore[arg-type]
    return float("nan")


def run_case(
    kind: str,
    technique: str,
    seed: int,
    client: ClientSpec | None = None,
    *,
    backend: str = "sim",
    size_cm: float | None = None,
    direction: str | None = None,
    at_fraction: float | None = None,
    routine: Routine | None = None,
) -> CaseResult:
    """Run one matrix case and judge it.

    Args:
        kind: a fault kind, optionally with its parameter (``drift:-2``).
        size_cm, direction: for ``move``: the shift and its direction (see
            ``robot.faults.MOVE_DIRECTIONS``); None = the injector's defaults.
        at_fraction: where in the technique's first pass the fault starts (0..1);
            None = drawn from the seed in 0.3..0.6.
        routine: instead of :func:`case_routine` (its last block is the one faulted).
    """
    client = client or load_client()
    back = BackModel(client)
    routine = routine or case_routine(technique)
    grid = BeatGrid.constant(60.0)
    plan = compile_plan(routine, back, grid)
    last = plan.blocks[-1].index
    window = [ts for ts in plan.timed_segments() if ts.block == last and ts.pass_index == 0]
    t0, t1 = window[0].t0_s, window[-1].t1_s
    if at_fraction is None:
        at_fraction = float(np.random.default_rng(seed).uniform(0.3, 0.6))
    at = t0 + at_fraction * (t1 - t0)
    spec = kind if size_cm is None else f"{kind}:{size_cm:g}"
    inner = make_robot(backend, client, back, seed=seed)
    robot = FaultInjector(
        inner, [FaultSpec.parse(f"{spec}@{at}")], seed=seed, move_direction=direction
    )
    runner = SessionRunner(routine, back, grid, robot, seed=seed)
    result = runner.run()
    robot.close()
    truth = robot.sim_truth()
    tool = routine.blocks[last].tool()
    f_lim = TOOLS[tool].max_force_n
    p_lim = TOOLS[tool].max_pressure_n_cm2
    f_max = _truth_float(truth, "tissue_max_force_n", "max_force_n")
    if backend == "mujoco":
        f_max = max(f_max, _truth_float(truth, "max_force_n"))
    p_max = _truth_float(truth, "max_pressure_n_cm2")
    frac_f = _truth_float(truth, "limit_fraction_force")
    frac_p = _truth_float(truth, "limit_fraction_pressure")
    fault: SafetyFault | None = result.safety_fault
    after = [e for e in runner.supervisor.events if e.t_s >= at and e.action != "notice"]
    reaction = after[0].t_s - at if after else None
    if fault is not None:
        outcome = "retreat"
        retreat = max(0.0, fault.t_s - at)
    elif kind in RIDE_THROUGH and not (kind == "move" and (size_cm or 0.0) > ZONE_LIMITED_CM):
        outcome, retreat = "ride-through", None
    else:
        outcome, retreat = "failed", None
    return CaseResult(
        kind=kind,
        technique=technique,
        backend=backend,
        seed=seed,
        size_cm=size_cm,
        direction=direction,
        injected_at_s=at,
        outcome=outcome,
        fault_kind=None if fault is None else fault.kind,
        reaction_s=reaction,
        retreat_s=retreat,
        truth_max_force_n=f_max,
        force_limit_n=f_lim,
        truth_max_pressure_n_cm2=p_max,
        pressure_limit_n_cm2=p_lim,
        limit_fraction_force=frac_f,
        limit_fraction_pressure=frac_p,
        survived=judge(kind, size_cm, outcome, retreat, f_max, f_lim, p_max, frac_f, frac_p),
    )


def judge(
    kind: str,
    size_cm: float | None,
    outcome: str,
    retreat_s: float | None,
    max_force_n: float,
    force_limit_n: float,
    max_pressure_n_cm2: float,
    frac_force: float,
    frac_pressure: float,
) -> bool:
    """Whether a case survived (see the module docstring).

    Moves up to 3 cm may ride through or end in any retreat (the client may also ask
    to stop later); larger moves must end in a retreat within 0.5 s. Other kinds that
    must retreat do so within their reaction limit.
    """
    if outcome == "failed":
        return False
    if kind == "move" and (size_cm or 0.0) > ZONE_LIMITED_CM:
        return (
            max_force_n <= 1.5 * force_limit_n
            and max_force_n <= ISO_TS_15066_FORCE_N
            and max_pressure_n_cm2 <= ISO_TS_15066_PRESSURE_SHOULDER_N_CM2
            and retreat_s is not None
            and retreat_s <= REACTION_LIMIT_S["move"]
        )
    within = frac_force <= 1.0 and frac_pressure <= 1.0
    if kind == "move":
        return within
    timely = retreat_s is None or retreat_s <= REACTION_LIMIT_S.get(kind, 1.0)
    return within and timely


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
