"""``backstroke coach``: the page's cues from the plan, and the page playing in Chromium."""

from __future__ import annotations

import base64
import itertools
import re
import shutil
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from backstroke.body.back_model import BackModel
from backstroke.body.client_file import load_client
from backstroke.cli import app
from backstroke.learn.coach import click_track_wav, plan_cues
from backstroke.music.grid import BeatGrid
from backstroke.plan.planner import compile_plan
from backstroke.routine.io import load_routine

CHROMIUM = "/usr/bin/chromium"


def _chromium() -> str:
    if Path(CHROMIUM).is_file():
        return CHROMIUM
    found = shutil.which("chromium")
    if found is None:
        pytest.skip("headless Chromium not installed (Debian package 'chromium')")
    return found


def test_cues_follow_the_plan_on_beats() -> None:
    r = load_routine("spa")
    plan = compile_plan(r, BackModel(load_client(None)), BeatGrid.constant(60))
    cues = plan_cues(plan, r)
    assert len(cues) == len(plan.timed_segments())
    assert cues[0].t0_s == 0.0
    for a, b in itertools.pairwise(cues):
        assert b.t0_s == pytest.approx(a.t1_s)
        assert (a.t1_s - a.t0_s) == pytest.approx(a.beats * 1.0)  # 60 BPM: a beat a second
    glide = next(c for c in cues if c.technique == "glide" and "lightly" not in c.text)
    assert glide.text.startswith("glide down to the waist — ")
    assert re.search(r"— \d+ beats, firm$", glide.text)
    assert any(c.text.startswith("thumbs up the left side of the spine") for c in cues)
    assert any(c.text.startswith("rest both palms") for c in cues)


def test_click_track_is_a_wav_with_a_click_per_beat() -> None:
    wav = click_track_wav(BeatGrid.constant(60).beat_time(range(10)), 10.0)  # type: ignore[arg-type]
    assert wav[:4] == b"RIFF" and wav[8:12] == b"WAVE"
    assert len(wav) == pytest.approx(11 * 8000, rel=0.01)


def test_coach_command_embeds_music(tmp_path: Path) -> None:
    music = tmp_path / "song.wav"
    music.write_bytes(click_track_wav(BeatGrid.constant(70).beat_time(range(20)), 20.0))  # type: ignore[arg-type]
    out = tmp_path / "coach.html"
    runner = CliRunner()
    res = runner.invoke(app, ["coach", "--routine", "spa", "--bpm", "70", "--out", str(out)])
    assert res.exit_code == 0, res.output
    page = out.read_text()
    assert '<audio id="music"' in page and 'src="data:audio/wav;base64,' in page
    assert "<script src=" not in page and "http" not in page.split("<audio")[0]
    bad = runner.invoke(
        app,
        [
            "coach",
            "--routine",
            "spa",
            "--music",
            str(tmp_path / "no.wav"),
            "--out",
            str(tmp_path / "x.html"),
        ],
    )
    assert bad.exit_code == 2 and not (tmp_path / "x.html").exists()
    # A given file is embedded byte for byte (no tempo tracking needed with --bpm as well
    # would be an error; the music's own beats need the audio extra, so only check bytes).
    from backstroke.learn.coach import audio_for

    plan = compile_plan(load_routine("spa"), BackModel(load_client(None)), BeatGrid.constant(70))
    data, mime = audio_for(music, plan)
    assert mime == "audio/wav" and base64.b64encode(data).decode()[:20]


@pytest.mark.slow
@pytest.mark.browser
def test_coach_page_plays_in_headless_chromium(tmp_path: Path) -> None:
    exe = _chromium()
    sync_api = pytest.importorskip("playwright.sync_api", reason="the 'dev' extra")
    out = tmp_path / "coach.html"
    res = CliRunner().invoke(app, ["coach", "--routine", "spa", "--bpm", "72", "--out", str(out)])
    assert res.exit_code == 0, res.output
    errors: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=exe,
            args=["--no-sandbox", "--autoplay-policy=no-user-gesture-required"],
        )
        try:
            page = browser.new_page()
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(out.resolve().as_uri())
            tag = page.eval_on_selector("#music", "a => [a.tagName, a.src.slice(0, 15)]")
            assert tag == ["AUDIO", "data:audio/wav;"]
            first = page.text_content("#cue")
            assert first and "beats" in first
            page.click("#play")
            seen = {first}
            deadline = time.monotonic() + 20.0
            while len(seen) < 2 and time.monotonic() < deadline:
                page.wait_for_timeout(200)
                seen.add(page.text_content("#cue") or "")
            assert len(seen) >= 2, seen  # the cue changed on the beat
            # The music is what plays. Waited for with a timeout: a bare evaluate has
            # none, and a page stalled on a loaded machine hung the suite for 19 minutes
            # (its spinning renderer starving the other worker's browser test).
            page.wait_for_function(
                "() => { const a = document.querySelector('#music');"
                " return !a.paused && a.currentTime > 1.0; }",
                timeout=30_000,
            )
            moved = page.eval_on_selector(
                "#hand", "c => [c.getAttribute('cx'), c.getAttribute('cy')]"
            )
            assert moved != ["0", "0"]
        finally:
            browser.close()
    assert not errors, errors


@pytest.mark.slow
@pytest.mark.browser
def test_learner_page_renders_in_headless_chromium(tmp_path: Path) -> None:
    exe = _chromium()
    sync_api = pytest.importorskip("playwright.sync_api", reason="the 'dev' extra")
    from tests.learn.master_synth import Style, TrueKnot, spa_like, synthesize
    from tests.learn.test_learn import write_csv

    demo = synthesize(spa_like(62), bpm=62, style=Style(seed=3, knots=[TrueKnot(0.5, 0.03)]))
    log = write_csv(tmp_path / "m.csv", demo.columns)
    res = CliRunner().invoke(app, ["analyze", str(log), "--explain", "--report", str(tmp_path)])
    assert res.exit_code == 0, res.output
    errors: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto((tmp_path / "learn.html").resolve().as_uri())
            page.wait_for_selector(".plotly-graph-div .main-svg")
            page.wait_for_timeout(500)
            figs = page.eval_on_selector_all(".plotly-graph-div", "d => d.length")
            drawn = page.eval_on_selector_all(
                ".plotly-graph-div", "d => d.filter(x => x.querySelector('.main-svg')).length"
            )
        finally:
            browser.close()
    assert figs >= 6 and drawn == figs
    assert not errors, errors
