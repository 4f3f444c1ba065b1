"""report.html in a real browser: headless Chromium renders every figure without errors."""

from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from backstroke.report.html import write_report
from backstroke.session.summary import validate_summary
from tests.report.synth import synthetic_session

CHROMIUM = "/usr/bin/chromium"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--virtual-time-budget=15000",
)
pytestmark = [pytest.mark.slow, pytest.mark.browser]


def _chromium() -> str:
    if Path(CHROMIUM).is_file():
        return CHROMIUM
    found = shutil.which("chromium")
    if found is None:
        pytest.skip(
            "headless Chromium not installed (Debian package 'chromium'; .ci/run installs it)"
        )
    return found


class _Figures(HTMLParser):
    """Per plotly div: whether it holds a rendered SVG, and how many data traces."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str | None] = []
        self.figs: dict[str, dict[str, int]] = {}
        self.errors: list[str] = []
        self._in_errors = 0
        self.error_box_hidden = True
        self.body_attrs: dict[str, str | None] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        cls = (a.get("class") or "").split()
        current = next((s for s in reversed(self.stack) if s), None)
        if tag == "body":
            self.body_attrs = a
        if tag == "div" and "plotly-graph-div" in cls:
            current = a.get("id") or f"fig{len(self.figs)}"
            self.figs[current] = {"svg": 0, "traces": 0}
        elif current is not None:
            if "main-svg" in cls:
                self.figs[current]["svg"] += 1
            if "trace" in cls or "hm" in cls:
                self.figs[current]["traces"] += 1
        if a.get("id") == "report-errors":
            self.error_box_hidden = "hidden" in a
        if tag in (
            "area",
            "base",
            "br",
            "col",
            "embed",
            "hr",
            "img",
            "input",
            "link",
            "meta",
            "source",
            "track",
            "wbr",
            "path",
            "rect",
            "line",
            "circle",
            "image",
        ):
            return
        self.stack.append(current if tag == "div" and "plotly-graph-div" in cls else None)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack.append(None)
        self.handle_starttag(tag, attrs)
        self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        if tag in ("path", "rect", "line", "circle", "image"):
            return
        if self.stack:
            self.stack.pop()


def test_report_renders_in_headless_chromium(default_back: Any, tmp_path: Path) -> None:
    exe = _chromium()
    summary, data = synthetic_session(
        default_back, glide_passes=3, forearm_passes=1, thumb_passes=1, rest_s=12
    )
    page = write_report(tmp_path, validate_summary(summary), data, default_back)
    url = page.resolve().as_uri()
    profile = tmp_path / "profile"
    dom = subprocess.run(
        [
            exe,
            *FLAGS,
            f"--user-data-dir={profile}",
            "--enable-logging=stderr",
            "--v=0",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert dom.returncode == 0, dom.stderr[-2000:]
    console = [
        line
        for line in dom.stderr.splitlines()
        if "CONSOLE" in line and re.search(r"error|uncaught|exception", line, re.I)
    ]
    assert not console, "\n".join(console)
    parsed = _Figures()
    parsed.feed(dom.stdout)
    box = re.search(r'<div id="report-errors"[^>]*>(.*?)</div>', dom.stdout, re.S)
    assert parsed.error_box_hidden, "the page reported errors: " + (box.group(1) if box else "")
    expected = {"fig-back_map", "fig-softening", "fig-force", "fig-speed", "fig-breathing"}
    assert set(parsed.figs) == expected
    for key, found in parsed.figs.items():
        assert found["svg"] >= 1, f"{key} did not render"
        assert found["traces"] >= 1, f"{key} rendered no data"
    assert parsed.body_attrs.get("data-figures") == str(len(expected))
    shot = tmp_path / "report.png"
    subprocess.run(
        [
            exe,
            *FLAGS,
            f"--user-data-dir={profile}",
            f"--screenshot={shot}",
            "--window-size=1400,4000",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )
    assert shot.is_file() and shot.stat().st_size > 50_000
    print(f"screenshot: {shot}")
