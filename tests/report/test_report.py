"""report.html from a synthetic session: self-contained, every figure, small, readable."""

from __future__ import annotations

import builtins
import json
import re
import sys
import types
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import typer
from hypothesis import given, settings
from hypothesis import strategies as st
from plotly.offline import get_plotlyjs
from typer.testing import CliRunner

from backstroke.app.store_cli import history
from backstroke.errors import LogError, MissingExtraError
from backstroke.report import data as rd
from backstroke.report.cli import rebuild_report, report, session_columns
from backstroke.report.html import block_thresholds, write_report
from backstroke.sense.contact import break_intervals, contact_breaks
from backstroke.session.summary import summary_json_schema, validate_summary
from backstroke.store.db import Store
from backstroke.store.history import client_history
from tests.report.synth import SessionData, synthetic_session

FIGURES = ("back_map", "softening", "force", "speed", "breathing")


@pytest.fixture(scope="module")
def short_session(default_back: Any) -> tuple[dict[str, Any], SessionData]:
    """About 3 minutes: rest, 3 glides, 1 forearm pass, 1 thumb pass."""
    return synthetic_session(
        default_back, glide_passes=3, forearm_passes=1, thumb_passes=1, rest_s=12
    )


@pytest.fixture(scope="module")
def report_html(
    short_session: tuple[dict[str, Any], SessionData],
    default_back: Any,
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, str]:
    summary, data = short_session
    out = tmp_path_factory.mktemp("session")
    path = write_report(out, validate_summary(summary), data, default_back)
    return path, path.read_text(encoding="utf-8")


def test_report_is_self_contained(report_html: tuple[Path, str]) -> None:
    path, page = report_html
    assert path.name == "report.html"
    assert not re.search(r"<script[^>]*\bsrc\s*=", page, re.I)
    assert not re.search(r"<link[^>]*\bhref\s*=\s*[\"']?https?:", page, re.I)
    assert page.count("plotly.js v") == 1  # the bundle is embedded exactly once
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")


def test_report_contains_every_figure_and_section(report_html: tuple[Path, str]) -> None:
    _, page = report_html
    for key in FIGURES:
        assert f'id="fig-{key}"' in page, key
    assert page.count("Plotly.newPlot(") == len(FIGURES)
    for section in ("overview", "back_map", "softening", "force", "speed", "breathing", "safety"):
        assert f'<section id="{section}">' in page
    for text in (
        "spa session for default",
        "reached its maximum passes without softening",  # 3 glides: too few to soften
        "its planned passes were done",
        "contact break",
        "force_rate",
        "too_much",
        "Simulator truth",
        "synthetic session for the report tests",
        "N/cm²",
        "breaths/min",
    ):
        assert text in page, text
    # A "what this shows" line per figure.
    assert page.count('<p class="what">') >= len(FIGURES)


def _with_blocks(routine: str, blocks: list[dict[str, Any]]) -> Any:
    return validate_summary(
        {
            "duration_s": 60.0,
            "contact_breaks": 0,
            "max_normal_force_n": 10.0,
            "max_pressure_n_cm2": 2.0,
            "routine": routine,
            "blocks": blocks,
        }
    )


def test_softening_threshold_from_summary_or_preset() -> None:
    blocks: list[dict[str, Any]] = [
        {"technique": "rest", "passes": 1},
        {"technique": "glide", "passes": 3},
        {"technique": "forearm", "passes": 2},
        {"technique": "thumb_strip", "passes": 2},
    ]
    assert block_thresholds(_with_blocks("spa", blocks))[1] == pytest.approx(0.04)
    assert block_thresholds(_with_blocks("mine", blocks)) == [0.05] * 4
    blocks[1]["threshold"] = 0.1
    assert block_thresholds(_with_blocks("mine", blocks))[1] == 0.1


def test_contact_breaks_match_the_summary(
    short_session: tuple[dict[str, Any], SessionData],
) -> None:
    summary, data = short_session
    c, p = data.columns, data.plan_columns
    breaks = break_intervals(c["t_s"], c["normal_force_n"], within=p["in_contact"])
    expected = contact_breaks(c["t_s"], c["normal_force_n"], within=p["in_contact"])
    assert len(breaks) == expected == summary["contact_breaks"] == 1
    (a, b) = breaks[0]
    assert 0.05 <= b - a <= 0.08


def test_minmax_envelope_keeps_a_one_sample_spike() -> None:
    y = np.zeros(10_000)
    y[4321] = 9.0
    y[7777] = -3.0
    env = rd.minmax_envelope(y, 100)
    assert env.size == 200 and env.max() == 9.0 and env.min() == -3.0
    assert rd.minmax_envelope(np.full(5, np.nan), 2).size == 6


def test_simplify_keeps_corners_only() -> None:
    t = np.linspace(0, 10, 1001)
    y = np.interp(t, [0, 2, 4, 10], [0, 5, 5, 0])
    keep = rd.simplify(t, y, 0.01)
    assert set(np.round(t[keep], 6)) == {0.0, 2.0, 4.0, 10.0}


def test_pressure_map_follows_the_tools(
    short_session: tuple[dict[str, Any], SessionData], default_back: Any
) -> None:
    _, data = short_session
    win = rd.windows(data, 0.1)
    pmap = rd.pressure_map(default_back, win)
    touched = np.isfinite(pmap.mean_n_cm2)
    assert touched.any() and not touched.all()
    assert np.all(pmap.max_n_cm2[touched] >= pmap.mean_n_cm2[touched] - 1e-9)
    # The thumb (smallest area) gives the highest pressure, on its strip ~3 cm lateral.
    _, j = np.unravel_index(np.nanargmax(pmap.max_n_cm2), pmap.max_n_cm2.shape)
    assert 0.015 <= abs(pmap.v_centres_m[j]) <= 0.045
    peak = float(np.nanmax(rd.pressure_n_cm2(data)))
    assert float(np.nanmax(pmap.max_n_cm2)) == pytest.approx(peak, rel=1e-6)


def test_png_needs_kaleido_but_html_is_written_first(
    short_session: tuple[dict[str, Any], SessionData],
    default_back: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_import = builtins.__import__

    def no_kaleido(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "kaleido" or name.startswith("kaleido."):
            raise ImportError("No module named 'kaleido'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_kaleido)
    summary, data = short_session
    with pytest.raises(MissingExtraError, match="kaleido"):
        write_report(tmp_path, validate_summary(summary), data, default_back, png=True)
    assert (tmp_path / "report.html").is_file()


def test_history_section(
    short_session: tuple[dict[str, Any], SessionData], default_back: Any, tmp_path: Path
) -> None:
    summary, data = short_session
    with Store(tmp_path / "c.sqlite") as store:
        earlier = {**summary, "knots": [{**k, "stiffness_ratio": 2.1} for k in summary["knots"]]}
        store.record_session("default", earlier, tmp_path)
        store.record_session("default", summary, tmp_path)
        hist = client_history(store, "default")
    typed = validate_summary(summary)
    page = write_report(tmp_path, typed, data, default_back, history=hist).read_text()
    assert '<section id="history">' in page and 'id="fig-history"' in page
    assert "knots in earlier sessions" in page and "softer" in page
    assert page.count("plotly.js v") == 1


def test_rebuild_from_session_dir(
    short_session: tuple[dict[str, Any], SessionData],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    summary, data = short_session
    (tmp_path / "summary.json").write_text(json.dumps(summary))
    (tmp_path / "session.mcap").write_bytes(b"stand-in: the reader below is faked")
    fake = types.ModuleType("backstroke.session.log")
    flat = {**data.columns, **{f"plan_{k}": v for k, v in data.plan_columns.items()}}
    fake.read_session_log = lambda path: flat  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "backstroke.session.log", fake)
    path = rebuild_report(tmp_path)
    assert 'id="fig-force"' in path.read_text()
    # The command, as backstroke.cli registers it.
    app = typer.Typer()
    app.command()(report)
    app.command()(history)  # a second command, so typer keeps the command name
    res = CliRunner().invoke(app, ["report", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert "report.html" in res.output and "MB" in res.output
    res = CliRunner().invoke(app, ["report", str(tmp_path / "nowhere")])
    assert res.exit_code == 2 and "no such session directory" in res.output
    with pytest.raises(LogError, match="no such session directory"):
        rebuild_report(tmp_path / "nowhere")


def test_rebuild_from_a_real_session_log(
    short_session: tuple[dict[str, Any], SessionData], tmp_path: Path
) -> None:
    log = pytest.importorskip("backstroke.session.log")
    summary, data = short_session
    c, p = data.columns, data.plan_columns
    with log.SessionLogWriter(tmp_path / "session.mcap") as writer:
        step = 5000  # the runner logs one plan chunk at a time
        for i in range(0, c["t_s"].size, step):
            writer.on_chunk(
                {k: v[i : i + step] for k, v in c.items()},
                {k: v[i : i + step] for k, v in p.items()},
                [],
            )
        writer.write_json("/summary", summary)
    (tmp_path / "summary.json").write_text(json.dumps(summary))
    page = rebuild_report(tmp_path).read_text()
    for key in FIGURES:
        assert f'id="fig-{key}"' in page, key


def test_session_columns_reports_missing_columns(
    short_session: tuple[dict[str, Any], SessionData],
) -> None:
    _, data = short_session
    ok = session_columns({"columns": data.columns, "plan_columns": data.plan_columns})
    assert ok.columns["t_s"].size == data.columns["t_s"].size
    cols = dict(data.columns)
    del cols["normal_force_n"]
    with pytest.raises(LogError, match="normal_force_n"):
        session_columns(SessionData(cols, data.plan_columns))


@pytest.mark.slow
def test_ten_minute_report_stays_small(default_back: Any, tmp_path: Path) -> None:
    summary, data = synthetic_session(default_back)
    assert 590 <= summary["duration_s"] <= 610
    size = write_report(tmp_path, validate_summary(summary), data, default_back).stat().st_size
    js = len(get_plotlyjs().encode())
    print(f"10-minute report: {size / 1e6:.3f} MB, of which plotly.js {js / 1e6:.3f} MB")
    assert size - js < 300_000  # the session's own data stays small


# The simulator's own figures, in an order unlike the model's declaration order.
TRUTH = {
    "max_force_t_s": 12.5,
    "max_pressure_n_cm2": 3.25,
    "zone_at_peak": "erector_spinae",
    "contact_breaks": 0,
    "max_force_n": 14.0,
    "sensor_bias_n": [0.01, -0.02, 0.0],
}


@settings(max_examples=40, deadline=None)
@given(st.permutations(list(TRUTH)))
def test_sim_truth_keeps_the_backends_keys_and_order(keys: list[str]) -> None:
    truth = {k: TRUTH[k] for k in keys}
    s = _with_blocks("spa", [])
    s = validate_summary({**s.to_json_dict(), "sim_truth": truth})
    assert s.sim_truth is not None and s.sim_truth.in_source_order() == truth
    assert list(s.sim_truth.in_source_order()) == keys  # unset fields (bone_contact_s) left out
    again = validate_summary(json.loads(json.dumps(s.to_json_dict())))
    assert again == s and list(again.to_json_dict()["sim_truth"]) == keys


def test_report_shows_sim_truth_in_the_backends_order(
    short_session: tuple[dict[str, Any], SessionData], default_back: Any, tmp_path: Path
) -> None:
    summary, data = short_session
    typed = validate_summary({**summary, "sim_truth": TRUTH})
    page = write_report(tmp_path, typed, data, default_back).read_text()
    at = [page.index(f"<tr><th>{k}</th>") for k in TRUTH]
    assert at == sorted(at)
    assert "<tr><th>bone_contact_s</th>" not in page  # not given, not shown


def test_the_log_summary_channel_carries_the_model(
    short_session: tuple[dict[str, Any], SessionData], tmp_path: Path
) -> None:
    pytest.importorskip("backstroke.session.log")
    from mcap.reader import make_reader

    from backstroke.session.log import SessionLogWriter

    typed = validate_summary(short_session[0])
    with SessionLogWriter(tmp_path / "session.mcap") as writer:
        writer.write_json("/summary", typed.to_json_dict())
    with (tmp_path / "session.mcap").open("rb") as f:
        ((schema, _, msg),) = list(make_reader(f).iter_messages(topics=["/summary"]))
    assert json.loads(schema.data) == summary_json_schema()
    assert validate_summary(json.loads(msg.data)) == typed


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"blocks": [{"technique": "glide", "passes": "two"}]}, "blocks.0.passes"),
        ({"knots": [{"u": 0.5, "stiffness_ratio": 1.4}]}, "knots.0.v"),
        ({"tempo": {"bpm": "fast", "source": "bpm"}}, "tempo.bpm"),
        ({"safety_events": [{"t_s": 1.0, "kind": "force", "value": 9.0}]}, "safety_events.0.limit"),
    ],
)
def test_report_names_the_bad_key(
    change: dict[str, Any],
    key: str,
    short_session: tuple[dict[str, Any], SessionData],
    tmp_path: Path,
) -> None:
    bad = {**short_session[0], **change}
    (tmp_path / "summary.json").write_text(json.dumps(bad))
    app = typer.Typer()
    app.command()(report)
    app.command()(history)
    res = CliRunner().invoke(app, ["report", str(tmp_path)])
    assert res.exit_code == 2
    line = res.output.strip()
    assert "\n" not in line and line.startswith("backstroke: error: ")
    assert f"{tmp_path / 'summary.json'}: {key}: " in line
    assert not (tmp_path / "report.html").exists()


def test_trust_figure_shows_trust_breathing_and_signals(
    short_session: tuple[dict[str, Any], SessionData], default_back: Any, tmp_path: Path
) -> None:
    summary, data = short_session
    s = dict(summary)
    s["trust_over_time"] = [
        {"t_s": 30.0, "trust": 0.2, "force_fraction": 0.76, "why": "calm"},
        {"t_s": 60.0, "trust": 0.54, "force_fraction": 0.86, "why": "settled"},
        {"t_s": 75.0, "trust": 0.27, "force_fraction": 0.78, "why": "too_much"},
    ]
    s["breathing_over_time"] = [{"t_s": 20.0, "rate_bpm": 14.1, "source": "stroke"}]
    page = write_report(tmp_path, validate_summary(s), data, default_back).read_text("utf-8")
    assert 'id="fig-trust"' in page
    assert "full depth not reached" in page
    assert page.count("Plotly.newPlot(") == len(FIGURES) + 1
