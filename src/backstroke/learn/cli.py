"""Commands: ``learn``, ``compare``, ``coach`` (registered in ``backstroke.cli``), and the
``analyze --explain [--report DIR]`` output ``backstroke.cli.analyze`` calls into."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from backstroke.errors import BackstrokeError, InputFileError, LogError


def _fail(exc: BackstrokeError) -> None:
    typer.echo(f"backstroke: error: {exc}", err=True)
    raise typer.Exit(exc.exit_code)


def _figures(path: Path, softening: float, back_length_m: float | None):  # type: ignore[no-untyped-def]
    from backstroke.learn.demo import load_demo
    from backstroke.learn.elements import figures

    if not 0.0 < softening < 1.0:
        raise BackstrokeError(f"--softening {softening}: must be between 0 and 1 (e.g. 0.05)")
    if back_length_m is not None and not 0.3 <= back_length_m <= 0.8:
        raise InputFileError(
            "back length out of range",
            key="--back-length",
            value=back_length_m,
            allowed="0.3 to 0.8 m",
        )
    demo = load_demo(path, back_length_m)
    fig = figures(demo, threshold=softening)
    if not fig.blocks:
        raise LogError("no strokes or rests found in the demonstration", path=path)
    return fig


BackLengthOpt = Annotated[
    float | None,
    typer.Option(
        "--back-length", help="client's back length C7→waist, m (default: from positions, or 0.51)"
    ),
]
SofteningOpt = Annotated[
    float, typer.Option(help="stiffness drop that counts as softening (0.05 = 5 %)")
]


def learn(
    demo: Annotated[Path, typer.Argument(help="demonstration contact log: CSV, Parquet or MCAP")],
    out: Annotated[Path, typer.Option(help="routine TOML file to write")],
    name: Annotated[
        str | None, typer.Option(help="routine name (default: the file's stem)")
    ] = None,
    softening: SofteningOpt = 0.05,
    back_length: BackLengthOpt = None,
) -> None:
    """Learn a routine from a master's demonstration; writes a TOML file `check` accepts."""
    from backstroke.learn.explain import NAMES
    from backstroke.learn.routine_out import routine_dict, routine_toml, write_text_atomic

    try:
        fig = _figures(demo, softening, back_length)
        data = routine_dict(fig, name=name or demo.stem, threshold=softening)
        write_text_atomic(out, routine_toml(data, fig))
    except BackstrokeError as exc:
        _fail(exc)
        return
    seq = " → ".join(NAMES[b.technique] for b in fig.blocks)
    typer.echo(f"{demo}: {len(fig.blocks)} blocks ({seq}) at {data['bpm']:g} BPM")
    typer.echo(f"wrote {out}")


def explain_command(log: Path, softening: float, report: Path | None, as_json: bool) -> None:
    """``analyze LOG --explain``: print the elements; with ``report`` write learn.html too."""
    from backstroke.learn.explain import explain_dict, explain_lines
    from backstroke.learn.learner_report import write_learner_report

    try:
        fig = _figures(log, softening, None)
        page = write_learner_report(report, fig, log.name) if report is not None else None
    except BackstrokeError as exc:
        _fail(exc)
        return
    if as_json:
        typer.echo(json.dumps(explain_dict(fig), allow_nan=False))
    else:
        for line in explain_lines(fig, str(log)):
            typer.echo(line)
    if page is not None:
        typer.echo(f"wrote {page}")


def compare(
    master: Annotated[Path, typer.Argument(help="the master's contact log")],
    learner: Annotated[Path, typer.Argument(help="the learner's contact log")],
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
    softening: SofteningOpt = 0.05,
    back_length: BackLengthOpt = None,
) -> None:
    """What the learner does differently from the master, the biggest difference first."""
    from backstroke.learn.compare import compare_json, compare_lines, differences

    try:
        m = _figures(master, softening, back_length)
        lv = _figures(learner, softening, back_length)
    except BackstrokeError as exc:
        _fail(exc)
        return
    diffs = differences(m, lv)
    if as_json:
        typer.echo(json.dumps(compare_json(diffs), allow_nan=False))
        return
    for line in compare_lines(diffs):
        typer.echo(line)


def coach(
    routine: Annotated[str, typer.Option(help="routine TOML file or preset (spa, sports)")],
    out: Annotated[Path, typer.Option(help="coach.html to write")],
    music: Annotated[
        Path | None, typer.Option(help="music to embed and take the beat from")
    ] = None,
    bpm: Annotated[float | None, typer.Option(help="tempo (a click track is embedded)")] = None,
    client: Annotated[Path | None, typer.Option(help="client TOML file (default client)")] = None,
) -> None:
    """A self-contained page that coaches a human through a routine on the beat."""
    from backstroke.body.back_model import BackModel
    from backstroke.body.client_file import load_client
    from backstroke.learn.coach import audio_for, coach_page
    from backstroke.learn.routine_out import write_text_atomic
    from backstroke.plan.planner import compile_plan
    from backstroke.routine.io import load_routine
    from backstroke.tempo_source import beat_grid_for

    try:
        r = load_routine(routine)
        if music is not None and not music.is_file():
            raise InputFileError("file not found", path=music, key="--music")
        back = BackModel(load_client(client))
        grid, _notes = beat_grid_for(r, bpm=bpm, music=music)
        plan = compile_plan(r, back, grid)
        audio, mime = audio_for(music, plan)
        page = coach_page(r, plan, back, audio, mime, title=f"backstroke coach — {r.name}")
        write_text_atomic(out, page)
    except BackstrokeError as exc:
        _fail(exc)
        return
    typer.echo(f"{r.name}: {plan.duration_s:.0f} s at {plan.bpm:.1f} BPM")
    typer.echo(f"wrote {out}")
