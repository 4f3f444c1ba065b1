"""The comparison report, from rows (hand-made here; the slow test makes real ones)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import numpy as np
from typer.testing import CliRunner

from backstroke.cli import app
from backstroke.sweep.report import (
    reproduce_command,
    routine_table,
    worst_served,
    write_sweep_report,
)
from backstroke.sweep.store import SweepStore


def _rows(seed: int = 0) -> list[dict[str, Any]]:
    """Rows for two routines × 8 clients, figures drawn at random, one failed session."""
    rng = np.random.default_rng(seed)
    rows = []
    for c in range(8):
        for routine in ("spa", "tests/sweep/short.toml"):
            soft = bool(rng.random() < 0.6)
            found = int(rng.integers(0, 3))
            true = int(rng.integers(0, 3))
            matched = min(found, true, int(rng.integers(0, 3)))
            rows.append(
                {
                    "task_id": f"{c:08x}{len(rows):08x}",
                    "routine": routine,
                    "client_file": f"clients/p0-{c:04d}.toml",
                    "client": f"p0-{c:04d}",
                    "seed": 100 + c,
                    "client.stiffness_n_m": 1500.0 + 100 * c,
                    "client.guarding": float(rng.uniform(0, 1)),
                    "contact_breaks": int(rng.integers(0, 2)),
                    "sweep.passes": int(rng.integers(2, 6)),
                    "sweep.softened": soft,
                    "sweep.time_to_softening_s": float(rng.uniform(20, 90)) if soft else None,
                    "sweep.too_much_episodes": int(rng.integers(0, 2)),
                    "sweep.max_received_pressure_n_cm2": float(rng.uniform(0.1, 6.0)),
                    "sweep.knots_found": found,
                    "sweep.knots_true": true,
                    "sweep.knots_matched": matched,
                    "sweep.knots_precision": matched / found if found else None,
                    "sweep.knots_recall": matched / true if true else None,
                    "wall_s": float(rng.uniform(5, 30)),
                    "error": None,
                }
            )
    rows[3] = {k: rows[3][k] for k in ("task_id", "routine", "client_file", "seed")}
    rows[3]["error"] = "RobotError: the simulated arm failed"
    return rows


def test_table_figures_match_a_recount_by_hand() -> None:
    rows = _rows()
    table = {t["routine"]: t for t in routine_table(rows)}
    assert set(table) == {"spa", "tests/sweep/short.toml"}
    for routine, t in table.items():
        rs = [r for r in rows if r["routine"] == routine]
        ok = [r for r in rs if r["error"] is None]
        assert t["sessions"] == len(rs) and t["failed"] == len(rs) - len(ok)
        assert t["softened_fraction"] == sum(r["sweep.softened"] for r in ok) / len(ok)
        assert t["too_much_episodes"] == sum(r["sweep.too_much_episodes"] for r in ok)
        assert t["contact_breaks"] == sum(r["contact_breaks"] for r in ok)
        found = sum(r["sweep.knots_found"] for r in ok)
        matched = sum(r["sweep.knots_matched"] for r in ok)
        assert t["knots_precision"] == (matched / found if found else None)
        pressures = [r["sweep.max_received_pressure_n_cm2"] for r in ok]
        assert t["max_received_pressure_n_cm2_max"] == max(pressures)


def test_worst_served_puts_failures_then_too_much_first() -> None:
    rows = [r for r in _rows() if r["routine"] == "tests/sweep/short.toml"]
    worst = worst_served(rows, n=len(rows))
    assert worst[0]["error"] is not None
    tm = [r["sweep.too_much_episodes"] for r in worst[1:]]
    assert tm == sorted(tm, reverse=True)


def test_reproduce_command_is_a_run_command(tmp_path: Path) -> None:
    row = _rows()[0]
    cmd = shlex.split(reproduce_command(tmp_path / "my sweep", row))
    assert cmd[:2] == ["backstroke", "run"]
    assert cmd[cmd.index("--client") + 1] == str(tmp_path / "my sweep" / row["client_file"])
    assert cmd[cmd.index("--routine") + 1] == row["routine"]
    assert cmd[cmd.index("--seed") + 1] == str(row["seed"])


def test_report_is_self_contained_and_rebuilt_by_the_cli(tmp_path: Path) -> None:
    store = SweepStore(tmp_path)
    for r in _rows(1):
        store.write_row(r)
    result = CliRunner().invoke(app, ["sweep", "--report", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "wrote" in result.output and "spa |" in result.output
    page = (tmp_path / "report.html").read_text()
    # One inlined plotly bundle, no script from the network.
    assert page.count("plotly.js v") >= 1
    assert page.index("plotly.js v") < page.index("<body>")  # once, in the head
    assert page.count('<script type="text/javascript">/**') <= 1
    assert not re.search(r"<script[^>]+src=", page)
    assert page.count('class="plotly-graph-div"') == 7 + 2  # distributions, correlations
    assert 'id="routines"' in page and "backstroke run --client" in page
    assert "RobotError" in page


def test_report_cli_bad_input(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["sweep", "--report", str(tmp_path)])
    assert result.exit_code == 2
    assert result.output.strip().startswith("backstroke: error:")
    assert len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "report.html").exists()
    for args in (
        ["--population", "3", "--out", str(tmp_path / "x")],
        ["--routine", "spa", "--out", str(tmp_path / "x")],
        ["--routine", "spa", "--population", "0", "--out", str(tmp_path / "x")],
        [
            "--routine",
            "spa",
            "--population",
            "2",
            "--out",
            str(tmp_path / "x"),
            "--scheduler",
            "tcp://127.0.0.1:1",
            "--workers",
            "2",
        ],
        ["--routine", "no-such-routine", "--population", "2", "--out", str(tmp_path / "x")],
        ["--routine", "spa", "--routine", "spa", "--population", "2", "--out", str(tmp_path / "x")],
    ):
        result = runner.invoke(app, ["sweep", *args])
        assert result.exit_code == 2, (args, result.output)
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("backstroke: error:"), args
        assert not (tmp_path / "x").exists(), args


def test_write_report_on_an_empty_directory(tmp_path: Path) -> None:
    path = write_sweep_report(tmp_path)
    assert "No sessions yet" in path.read_text()


def test_few_sessions_say_so_instead_of_an_empty_correlation(tmp_path: Path) -> None:
    store = SweepStore(tmp_path)
    for r in _rows(2)[:4]:  # two sessions per routine
        store.write_row(r)
    page = write_sweep_report(tmp_path).read_text()
    assert page.count("too few sessions to correlate") == 2
    assert "fig-correlation" not in page
