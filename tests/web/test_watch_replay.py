"""The watch (presses, terminal, ending sentence), pacing, replay and their CLI edges."""

from __future__ import annotations

import json
import socket
import urllib.request
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from backstroke.body.back_model import BackModel
from backstroke.body.client_file import load_client
from backstroke.cli import app
from backstroke.errors import BackstrokeError, SafetyFault
from backstroke.robot.factory import make_robot
from backstroke.robot.pacing import PacedRobot
from backstroke.robot.protocol import RobotCommand
from backstroke.session.progress import Heard, SessionWatch, Tick, ending_sentence
from backstroke.tools import Tool

REST_ONLY = """
name = "rest-only"
[[blocks]]
technique = "rest"
duration_s = 6.0
"""


class _Seen:
    """A view that records what it was told, in order."""

    def __init__(self) -> None:
        self.events: list[tuple[str, Any]] = []

    def start(self, watch: SessionWatch) -> None:
        self.events.append(("start", None))

    def heard(self, watch: SessionWatch, press: Heard) -> None:
        self.events.append(("heard", press))

    def finish(self, watch: SessionWatch, summary: dict[str, Any], text: str) -> None:
        self.events.append(("finish", text))

    def close(self) -> None:
        self.events.append(("close", None))


def _tick(t: float, mode: str = "running") -> Tick:
    return Tick(t, (0.1, 0.0, 0.1), (0.0, 0.0, 10.0), 10.0, 10.0, 0.4, 0.01, 1, 0, mode, 1.0, 1.0)


def test_a_press_is_acknowledged_before_it_returns(capsys: pytest.CaptureFixture[str]) -> None:
    seen = _Seen()
    watch = SessionWatch(views=[seen])
    watch.observe(_tick(12.5))
    h = watch.press("too_much")
    assert seen.events[-1] == ("heard", h)
    assert h.text == "heard: too much here at 12.5 s (u 0.40, v +1.0 cm)"
    assert "heard: too much here at 12.5 s" in capsys.readouterr().err
    watch.press("stop")
    watch.observe(_tick(12.6, "retreating"))
    err = capsys.readouterr().err
    assert "the tool is retreating at 12.6 s (" in err and "ms after the press)" in err
    with pytest.raises(BackstrokeError, match="unknown client control 'harder'"):
        watch.press("harder")
    with pytest.raises(BackstrokeError, match="scripted press 'x'"):
        SessionWatch(presses=((1.0, "x"),))


def test_quiet_watch_prints_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    watch = SessionWatch(quiet=True)
    watch.observe(_tick(1.0))
    watch.press("lighter")
    assert capsys.readouterr() == ("", "")


def test_ending_sentences() -> None:
    summary = {"duration_s": 80.0, "blocks": [{"technique": "rest"}, {"technique": "thumb_strip"}]}
    stop = SafetyFault("client_stop", value=1.0, limit=0.0, t_s=53.2)
    assert ending_sentence(summary, stop) == (
        "stopped by the client at 53 s, during the thumb strip; the tool retreated"
    )
    force = SafetyFault("force", value=41.0, limit=40.0, t_s=12.25)
    assert ending_sentence(summary, force).startswith("safety stop at 12.2 s, during the thumb")
    assert ending_sentence(summary, None) == "the session ran to its end (80 s)"


def test_pacing_does_not_change_what_the_robot_measures() -> None:
    client = load_client()
    back = BackModel(client)
    plain = make_robot("sim", client, back, seed=4)
    paced = PacedRobot(make_robot("sim", client, back, seed=4), speed=1000.0)
    p0 = tuple(float(x) for x in back.point(0.5, 0.0) + 0.02 * back.normal(0.5, 0.0))
    axis = (0.0, 0.0, 1.0)
    a, b = plain.start(Tool.PALMS, p0, axis), paced.start(Tool.PALMS, p0, axis)
    for k in range(300):
        z = p0[2] - 0.00008 * k
        cmd = RobotCommand(Tool.PALMS, (p0[0], p0[1], z), axis, (k + 1) * 1e-3)
        a, b = plain.step(cmd), paced.step(cmd)
        assert a == b
    assert paced.name == plain.name and callable(paced.sim_truth)
    with pytest.raises(BackstrokeError, match=r"--speed 0\.0 outside"):
        PacedRobot(plain, speed=0.0)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def rest_session(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("replay")
    routine = tmp / "rest.toml"
    routine.write_text(REST_ONLY)
    out = tmp / "out"
    res = CliRunner().invoke(
        app, ["run", "--routine", str(routine), "--out", str(out), "--bpm", "60", "--quiet"]
    )
    assert res.exit_code == 0, res.output
    assert res.stdout == ""  # --quiet: nothing but errors
    return out


def test_replay_reads_the_log_and_serves_the_view(rest_session: Path) -> None:
    pytest.importorskip("viser")
    from backstroke.web.replay import REPLAY_COLUMNS, ReplayServer, back_for, load_replay

    log = rest_session / "session.mcap"
    r = load_replay(log)
    summary = json.loads((rest_session / "summary.json").read_text())
    cols = r.columns
    assert set(cols) == set(REPLAY_COLUMNS)
    assert len({v.size for v in cols.values()}) == 1
    assert np.all(np.diff(cols["t_s"]) > 0)
    assert np.median(np.diff(cols["t_s"])) == pytest.approx(0.01, abs=1e-6)
    assert r.t1_s - r.t0_s == pytest.approx(summary["duration_s"], abs=0.02)
    assert set(cols["tool"]) <= {"palms", "forearm", "thumb", ""}
    assert r.technique(0) == "rest"
    assert r.index_at(-5.0) == 0 and r.index_at(1e9) == cols["t_s"].size - 1
    port = _free_port()
    server = ReplayServer(r, back_for(log), port=port)
    try:
        for t in (r.t0_s, 0.5 * (r.t0_s + r.t1_s), r.t1_s):
            server.show(t)
            assert f"t {cols['t_s'][r.index_at(t)]:.1f} s" in server.scene.status.content
        with urllib.request.urlopen(server.url, timeout=10) as page:
            assert page.status == 200 and b"<html" in page.read(2000).lower()
    finally:
        server.stop()


def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, rest_session: Path) -> None:
    runner = CliRunner()
    junk = tmp_path / "junk.mcap"
    junk.write_bytes(b"not a log")
    res = runner.invoke(app, ["replay", str(junk)])
    assert res.exit_code == 2
    assert res.stderr.startswith("backstroke: error:") and res.stderr.count("\n") == 1
    res = runner.invoke(app, ["replay", str(rest_session / "session.mcap"), "--port", "0"])
    assert res.exit_code == 2 and "--port 0" in res.stderr
    out = tmp_path / "never"
    res = runner.invoke(app, ["demo", "--out", str(out), "--speed", "0"])
    assert res.exit_code == 2 and "--speed 0" in res.stderr
    assert not out.exists()
