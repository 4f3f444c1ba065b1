"""The typed summary: published schema, real sessions validate, bad summaries fail loudly."""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from backstroke.cli import app
from backstroke.errors import BackstrokeError
from backstroke.session.runner import SessionResult
from backstroke.session.summary import (
    SCHEMA_VERSION,
    Summary,
    load_summary,
    summary_json_schema,
    validate_summary,
)

DOCS_SCHEMA = Path(__file__).resolve().parents[2] / "docs" / "summary.schema.json"


def _minimal() -> dict[str, Any]:
    return {
        "duration_s": 12.5,
        "contact_breaks": 0,
        "max_normal_force_n": 10.0,
        "max_pressure_n_cm2": 2.0,
    }


def test_schema_command_prints_the_shipped_schema() -> None:
    result = CliRunner().invoke(app, ["schema", "summary"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert printed == summary_json_schema()
    # docs/ ships exactly what the command prints (regenerate with the command).
    assert json.loads(DOCS_SCHEMA.read_text()) == printed
    assert printed["properties"]["schema_version"]["default"] == SCHEMA_VERSION


def test_unknown_schema_name_is_one_line() -> None:
    result = CliRunner().invoke(app, ["schema", "routine2"])
    assert result.exit_code == 2
    assert "allowed: summary" in result.output


def test_a_real_session_summary_validates(tmp_path: Path, short_session: SessionResult) -> None:
    summary = copy.deepcopy(short_session.summary)  # the shared session, changed below
    summary["sim_truth"] = summary.get("sim_truth") or {
        "max_force_n": 1.0,
        "max_pressure_n_cm2": 1.0,
    }
    model = validate_summary(json.loads(json.dumps(summary)))
    assert model.duration_s == summary["duration_s"]
    assert [b.technique for b in model.blocks] == [b["technique"] for b in summary["blocks"]]
    path = tmp_path / "summary.json"
    path.write_text(json.dumps(model.to_json_dict()))
    again = load_summary(path)
    assert again == model


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"duration_s": "long"}, "duration_s"),
        ({"contact_breaks": -1}, "contact_breaks"),
        ({"blocks": [{"technique": "glide", "passes": 2, "colour": "red"}]}, "colour"),
        ({"schema_version": SCHEMA_VERSION + 1}, "newer"),
        ({"max_normal_force_n": math.nan}, "max_normal_force_n"),
        ({"sim_truth": {"max_force_n": 1.0, "max_pressure_n_cm2": math.inf}}, "sim_truth"),
    ],
)
def test_bad_summaries_fail_with_the_key(change: dict[str, Any], needle: str) -> None:
    data = {**_minimal(), **change}
    with pytest.raises(BackstrokeError) as err:
        validate_summary(data, "s.json")
    text = str(err.value)
    assert "\n" not in text
    assert text.startswith("s.json")
    assert needle in text


def test_unreadable_and_non_json_files(tmp_path: Path) -> None:
    bad = tmp_path / "summary.json"
    bad.write_text("{not json")
    with pytest.raises(BackstrokeError, match="not valid JSON"):
        load_summary(bad)
    with pytest.raises(BackstrokeError, match="cannot read"):
        load_summary(tmp_path / "absent.json")
    bad.write_text("[1, 2]")
    with pytest.raises(BackstrokeError, match="not a JSON object"):
        load_summary(bad)


def test_extras_survive_a_round_trip() -> None:
    model = Summary.model_validate({**_minimal(), "tissue_notes": ["calm"]})
    assert model.to_json_dict()["tissue_notes"] == ["calm"]
