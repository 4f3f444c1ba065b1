"""The client's voice is heard where it was said, and remembered by the client memory.

Two sessions of the same named client on the same plan (same routine, tempo and seed,
``start_force_fraction = 1`` so nothing deepens): in the first the client presses
Lighter during the first glide pass, "too much here" during the second and Skip during
the thumb strip (scripted presses through the same ``SessionWatch.press`` the buttons
use). The second session must start lighter everywhere, press much less where "too
much" was said than elsewhere (measured normal force, sample by sample against the same
session run without the client memory), leave out the thumb strip, and
``backstroke history`` must show it all.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from backstroke.app.session import SessionRequest, run_session
from backstroke.cli import app
from backstroke.session.log import read_session_log
from backstroke.session.progress import SessionWatch

pytestmark = pytest.mark.slow

ROUTINE = """
name = "voice"
start_force_fraction = 1.0
[[blocks]]
technique = "rest"
duration_s = 8.0
[[blocks]]
technique = "glide"
target_force_n = 12.0
repeat = { passes = 2 }
[[blocks]]
technique = "thumb_strip"
side = "left"
target_force_n = 10.0
speed_m_s = 0.03
repeat = { passes = 2 }
"""
L_M = 0.51  # the default client's back length


def _session(
    tmp: Path, name: str, presses: tuple[tuple[float, str], ...], client: str | None = "ada"
) -> dict[str, Any]:
    routine = tmp / "voice.toml"
    routine.write_text(ROUTINE)
    out = tmp / name
    req = SessionRequest(
        str(routine), None, 60.0, None, 5, "sim", out, (), client, tmp / "clients.sqlite"
    )
    outcome = run_session(req, SessionWatch(quiet=True, presses=presses))
    assert outcome.fault is None
    summary = json.loads((out / "summary.json").read_text())
    summary["_state"] = read_session_log(out / "session.mcap").state
    return summary


@pytest.fixture(scope="module")
def two_sessions(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, ...]:
    tmp = tmp_path_factory.mktemp("voice")
    # glide passes run ~13..45 s and ~45..77 s; the thumb strip follows.
    first = _session(tmp, "s1", ((20.0, "lighter"), (60.0, "too_much"), (95.0, "skip")))
    second = _session(tmp, "s2", ())
    plain = _session(tmp, "s0", (), client=None)  # the same plan, no memory: the baseline
    history = CliRunner().invoke(app, ["history", "ada", "--db", str(tmp / "clients.sqlite")])
    return first, second, history.output, plain


def _said(summary: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(s for s in summary["client_signals"] if s["kind"] == kind)


def test_every_press_is_in_the_summary_and_the_log(two_sessions: Any) -> None:
    first, second, _, _ = two_sessions
    kinds = [s["kind"] for s in first["client_signals"]]
    for kind in ("lighter", "too_much", "skip"):
        assert kind in kinds
    for s in first["client_signals"]:
        assert set(s) == {"t_s", "kind", "u", "v"}
        assert 0.0 <= s["u"] <= 1.0 and abs(s["v"]) < 0.2
    lighter = _said(first, "lighter")
    assert 20.0 <= lighter["t_s"] < 20.1  # heard at the next control tick
    logged = {e["kind"] for e in first["safety_events"]}
    assert {"lighter", "too_much", "skip"} <= logged
    assert not [s for s in second["client_signals"] if s["kind"] in ("lighter", "skip")]


def test_skip_ends_the_technique_and_is_remembered(two_sessions: Any) -> None:
    first, second, _, _ = two_sessions
    thumb = [b for b in first["blocks"] if b["technique"] == "thumb_strip"]
    assert thumb and thumb[0]["ended_because"] == "skipped" and thumb[0]["passes"] == 1
    assert first["skipped_techniques"] == ["thumb_strip"]
    assert [b["technique"] for b in second["blocks"]] == ["rest", "glide"]
    assert any("skipped thumb_strip" in n for n in second["notes"])


def _glide_before(summary: dict[str, Any], t_end: float) -> dict[str, Any]:
    st = summary["_state"]
    m = (st["block"] == 1) & (st["pass_index"] >= 0) & (st["t_s"] < t_end)
    return {k: st[k][m] for k in ("t_s", "u", "v", "normal_force_n", "target_force_n")}


def test_second_session_starts_lighter_and_keeps_away_from_too_much(two_sessions: Any) -> None:
    first, second, _, plain = two_sessions
    lighter, too_much = _said(first, "lighter"), _said(first, "too_much")
    # Lighter × 0.9 and "too much" × 0.85 overall (and the simulated client's own).
    overall = 0.9 * 0.85 ** sum(s["kind"] == "too_much" for s in first["client_signals"])
    assert first["pressure_preference"] == pytest.approx(overall, abs=1e-3)
    assert second["pressure_preference"] == pytest.approx(overall, abs=1e-3)
    regions = second["regional_preference"]
    assert any(abs(b["u"] - too_much["u"]) < 0.02 and b["scale"] <= 0.76 for b in regions), regions
    # Same plan, sample by sample: the whole glide of session 2 vs the baseline.
    a = _glide_before(plain, 1e9)
    b = _glide_before(second, 1e9)
    n = min(a["t_s"].size, b["t_s"].size)
    assert n > 5000
    np.testing.assert_allclose(a["u"][:n], b["u"][:n], atol=1e-9)
    ratio = b["normal_force_n"][:n] / np.maximum(a["normal_force_n"][:n], 1e-6)
    d_tm = np.abs(a["u"][:n] - too_much["u"]) * L_M
    d_l = np.abs(a["u"][:n] - lighter["u"]) * L_M
    far = (d_tm > 0.12) & (d_l > 0.12) & (a["normal_force_n"][:n] > 8.0)
    near = (d_tm < 0.005) & (a["normal_force_n"][:n] > 8.0)
    assert far.sum() > 200 and near.sum() > 20
    # Lighter everywhere, much lighter where it was too much (a further × 0.75).
    assert np.median(ratio[far]) == pytest.approx(overall, abs=0.03)
    assert np.median(ratio[near]) == pytest.approx(overall * 0.75, abs=0.04)
    assert np.max(ratio[near]) < 0.85 * overall


def test_history_shows_the_preferences(two_sessions: Any) -> None:
    _, _, history, _ = two_sessions
    assert f"pressure scale {0.9 * 0.85:.2f}" in history
    assert "skip thumb_strip" in history
    assert "less force at u" in history
