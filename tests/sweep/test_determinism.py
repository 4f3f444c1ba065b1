"""A sweep row equals ``backstroke run`` on the same client file and seed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from backstroke.body.client_file import random_client
from backstroke.cli import app
from backstroke.sweep.population import draw_client, write_clients
from backstroke.sweep.row import flatten, is_wall_clock
from backstroke.sweep.tasks import make_tasks, run_task

HERE = Path(__file__).parent
SHORT = str(HERE / "short.toml")
TINY = str(HERE / "tiny.toml")


def _run_cli(client: Path, routine: str, seed: int, out: Path) -> dict[str, Any]:
    result = CliRunner().invoke(
        app,
        [
            "run",
            "--client",
            str(client),
            "--routine",
            routine,
            "--seed",
            str(seed),
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    summary: dict[str, Any] = json.loads((out / "summary.json").read_text())
    return summary


def assert_row_matches_run(row: dict[str, Any], summary: dict[str, Any]) -> None:
    """Every summary figure of the run is in the row, equal, apart from wall-clock ones."""
    assert row["error"] is None, row.get("error_traceback")
    flat = flatten(summary)
    flat["routine_name"] = flat.pop("routine")
    compared = 0
    for key, value in flat.items():
        if is_wall_clock(key):
            continue
        assert key in row, key
        assert row[key] == value, (key, row[key], value)
        compared += 1
    assert compared > 40
    assert row["seed"] == summary["seed"]


def test_population_row_equals_backstroke_run(tmp_path: Path) -> None:
    client = draw_client(4, 2)
    (path,) = write_clients([client], tmp_path / "clients")
    (task,) = make_tasks([SHORT], [(f"clients/{path.name}", path.read_text(), client.session_seed)])
    row = run_task(task)
    summary = _run_cli(path, SHORT, client.session_seed, tmp_path / "run")
    assert_row_matches_run(row, summary)
    assert row["client_file"] == f"clients/{path.name}"
    assert row["routine"] == SHORT and row["routine_name"] == "sweep-glide"
    assert row["client.stiffness_n_m"] == client.values["stiffness_n_m"]
    assert row["sweep.knots_true"] == len(client.knots)


def _toml_of(spec: Any) -> str:
    """A second, independent client-file writer (from the project's own random client)."""
    lines = []
    for key, value in spec.model_dump().items():
        if key == "knots" or value is None:  # None: not given (TOML has no null)
            continue
        lines.append(f'{key} = "{value}"' if isinstance(value, str) else f"{key} = {value!r}")
    if not spec.knots:
        lines.append("knots = []")
    for k in spec.knots:
        lines.append("[[knots]]")
        lines += [f"{kk} = {vv!r}" for kk, vv in k.model_dump().items()]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("seed", [31])
def test_independent_client_row_equals_backstroke_run(tmp_path: Path, seed: int) -> None:
    spec = random_client(seed)
    path = tmp_path / "independent.toml"
    path.write_text(_toml_of(spec))
    session_seed = 12345
    (task,) = make_tasks([TINY], [("independent.toml", path.read_text(), session_seed)])
    row = run_task(task)
    summary = _run_cli(path, TINY, session_seed, tmp_path / "run")
    assert_row_matches_run(row, summary)


def test_a_failing_session_is_a_row_with_its_error() -> None:
    (task,) = make_tasks([TINY], [("clients/bad.toml", "height_m = 9.0\n", 1)])
    row = run_task(task)
    assert row["error"] is not None and "height_m" in row["error"]
    assert row["task_id"] == task.task_id and row["wall_s"] >= 0


def test_a_session_that_fails_after_the_client_loaded_keeps_the_client_columns() -> None:
    (task,) = make_tasks([TINY], [("clients/x.toml", "seed = 3\n", 3)], bpm=1000.0)
    row = run_task(task)
    assert row["error"] is not None and "bpm" in row["error"]
    assert row["client.height_m"] is not None and "duration_s" not in row
