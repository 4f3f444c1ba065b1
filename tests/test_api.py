"""The Python API: docs/api.md's example runs as written; plug-in backends are found."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from backstroke import BackstrokeError, Robot, run_session
from backstroke.robot.factory import backend_names

ROOT = Path(__file__).resolve().parents[1]


def _doc_example() -> str:
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "docs" / "api.md").read_text(), re.S)
    return next(b for b in blocks if "class SpringBackRobot" in b)


@pytest.mark.slow
def test_the_docs_example_runs_a_session_on_a_user_written_robot(tmp_path: Path) -> None:
    script = tmp_path / "example.py"
    script.write_text(_doc_example())
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=900, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split()[:3] == ["completed", "spring-back", "0"]


def test_a_robot_that_is_not_a_robot_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(BackstrokeError, match=r"does not implement backstroke\.Robot"):
        run_session("spa", out=tmp_path / "x", robot=object())  # type: ignore[arg-type]
    assert not (tmp_path / "x").exists()
    assert isinstance(Robot, type)


def test_an_installed_plugin_is_found_by_its_entry_point(tmp_path: Path) -> None:
    """A package (here a dist-info folder on the path) registers --backend rocking-sim."""
    dist = tmp_path / "rocking_plugin-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: rocking-plugin\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(
        "[backstroke.robots]\nrocking-sim = rocking_plugin:make\n"
    )
    (tmp_path / "rocking_plugin.py").write_text(
        "from backstroke.robot.sim import SimRobot\n"
        "from backstroke.tissue import Tissue\n\n"
        "def make(req):\n"
        "    robot = SimRobot(req.back, Tissue(req.back, req.client), seed=req.seed)\n"
        "    robot.name = 'rocking-sim'\n"
        "    return robot\n"
    )
    code = (
        "from backstroke.robot.factory import backend_names, make_robot\n"
        "from backstroke.body.back_model import BackModel\n"
        "from backstroke.body.client_file import load_client\n"
        "c = load_client(); r = make_robot('rocking-sim', c, BackModel(c), seed=1)\n"
        "print(r.name, 'rocking-sim' in backend_names())\n"
        "try:\n"
        "    make_robot('nope', c, BackModel(c), seed=1)\n"
        "except Exception as e:\n"
        "    print(e)\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), *sys.path])}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    first, second = done.stdout.strip().splitlines()
    assert first == "rocking-sim True"
    assert "unknown backend 'nope'" in second and "rocking-sim" in second
    assert "rocking-sim" not in backend_names()  # only where the package is installed


def test_the_api_names_are_listed_once_and_all_resolve() -> None:
    """``backstroke._API`` is the one list; each name comes from ``backstroke.api``."""
    import backstroke
    from backstroke import api

    for name in backstroke._API:
        assert getattr(backstroke, name) is getattr(api, name)
    from backstroke.session.summary import Summary, load_summary

    assert (backstroke.Summary, backstroke.load_summary) == (Summary, load_summary)
    assert set(backstroke._API) <= set(backstroke.__all__)
