"""Every fault kind on held-out-like clients: no crash, a valid-JSON summary, the event.

main: ``--inject nan`` on a guarded client crashed (exit 1) writing summary.json:
"Out of range float values are not JSON compliant: nan".
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from backstroke.app.session import SessionRequest, run_session
from backstroke.body.back_model import BackModel
from backstroke.body.client_file import load_client
from backstroke.music.grid import BeatGrid
from backstroke.robot.factory import make_robot
from backstroke.robot.faults import FaultInjector, FaultSpec
from backstroke.routine.schema import Routine
from backstroke.session.runner import SessionRunner

CLIENTS = Path(__file__).resolve().parents[2] / "src" / "backstroke" / "body" / "clients"
HELD_OUT = ("guarded", "tight", "stubborn", "tall", "petite", "kyphotic")
KINDS = ("dropout", "stale", "nan", "spike", "drift", "drift:-2", "latency", "move", "stop")
RETREATS = {"dropout", "stale", "nan", "stop"}

SHORT = """
name = "short-sports"
intention = "sports"
start_force_fraction = 1.0
[[blocks]]
technique = "rest"
duration_s = 3
target_force_n = 8
[[blocks]]
technique = "thumb_strip"
side = "left"
target_force_n = 20
lateral_m = 0.03
u_min = 0.3
u_max = 0.6
repeat = { passes = 1 }
"""


def _strict_json(text: str) -> Any:
    def refuse(name: str) -> None:
        raise ValueError(f"non-finite {name} in JSON")

    return json.loads(text, parse_constant=refuse)


def test_nan_fault_on_a_guarded_client_writes_a_valid_summary(tmp_path: Path) -> None:
    routine = tmp_path / "short.toml"
    routine.write_text(SHORT)
    req = SessionRequest(
        routine=str(routine),
        client=CLIENTS / "guarded.toml",
        inject=("nan@5",),
        out=tmp_path / "out",
    )
    outcome = run_session(req)
    assert outcome.exit_code == 3  # a controlled safety stop, not a crash
    summary = _strict_json((tmp_path / "out" / "summary.json").read_text())
    assert any(
        e["kind"] == "invalid" and e["action"] == "retreat" for e in summary["safety_events"]
    )
    assert summary["sim_truth"]["faults_injected"][0]["kind"] == "nan"


@pytest.mark.parametrize("name", HELD_OUT)
def test_bundled_clients_are_valid(name: str) -> None:
    client = load_client(CLIENTS / f"{name}.toml")
    assert client.name == name and client.seed is not None


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", HELD_OUT)
def test_every_fault_kind_is_survived_on_held_out_clients(name: str, kind: str) -> None:
    client = load_client(CLIENTS / f"{name}.toml")
    back = BackModel(client)
    import tomllib

    routine = Routine.model_validate(tomllib.loads(SHORT))
    inner = make_robot("sim", client, back, seed=5)
    robot = FaultInjector(inner, [FaultSpec.parse(f"{kind}@6")], seed=5)
    res = SessionRunner(routine, back, BeatGrid.constant(72.0), robot, seed=5).run()
    truth = robot.sim_truth()
    _strict_json(json.dumps({**res.summary, "sim_truth": truth}))
    assert [k["kind"] for k in truth["faults_injected"]] == [kind.split(":")[0]]  # type: ignore[index]
    if kind in RETREATS:
        assert res.safety_fault is not None
        assert any(
            e["action"] == "retreat" and e["t_s"] >= 6.0 for e in res.summary["safety_events"]
        )
    if kind not in ("drift:-2",):
        assert truth["limit_fraction_force"] <= 1.0  # type: ignore[operator]
