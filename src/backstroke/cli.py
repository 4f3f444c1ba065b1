"""The ``backstroke`` command (typer).

Exit codes: 0 ok, 2 bad input, 3 safety stop, 4 interrupted, 1 bug.
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

import backstroke._single_thread  # noqa: F401  (before numpy loads)
from backstroke.cli_session import (
    BodyPoseOpt,
    MusicOpt,
    RobotIpOpt,
    Running,
    running_options,
)
from backstroke.cli_usage import fail, usage_line
from backstroke.errors import BackstrokeError

if TYPE_CHECKING:
    from backstroke.plan.plan import Plan

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="backstroke: a back massage with a force-controlled robot arm.",
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        from backstroke import __version__

        typer.echo(f"backstroke {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="print the version"),
    ] = False,
) -> None:
    """backstroke: a back massage with a force-controlled robot arm."""


@app.command()
def check(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="routine or client TOML file")],
) -> None:
    """Validate a routine or client file (exit 0 valid, 2 invalid with one line)."""
    from backstroke.check import check_file

    try:
        typer.echo(check_file(file))
    except BackstrokeError as exc:
        fail(exc)


@app.command()
def tempo(
    audio: Annotated[Path, typer.Argument(metavar="AUDIO", help="WAV, FLAC, OGG or MP3 file")],
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Tempo and beat times of a piece of music."""
    from backstroke.music.tempo import estimate_tempo

    try:
        result = estimate_tempo(audio)
    except BackstrokeError as exc:
        fail(exc)
        return
    if as_json:
        typer.echo(json.dumps(result.to_json()))
    else:
        typer.echo(
            f"{result.bpm:.1f} BPM, {len(result.beats_s)} beats, "
            f"confidence {result.confidence:.2f}, {result.duration_s:.1f} s"
        )


# Options shared by `plan`, `run` and `demo`.
ClientOpt = Annotated[
    Path | None, typer.Option(metavar="FILE", help="client TOML file (default client)")
]
BpmOpt = Annotated[float | None, typer.Option(metavar="BPM", help="tempo in beats per minute")]


@app.command()
def plan(
    routine: Annotated[
        str,
        typer.Option(metavar="FILE|PRESET", help="routine TOML file or preset name (spa, sports)"),
    ],
    out: Annotated[Path, typer.Option(metavar="FILE", help="plan.json to write")],
    client: ClientOpt = None,
    bpm: BpmOpt = None,
    music: MusicOpt = None,
    body: Annotated[
        Path | None,
        typer.Option(metavar="FILE", help="plan on a fitted body (backstroke scan --out)"),
    ] = None,
    scan: Annotated[
        Path | None, typer.Option(metavar="FILE", help="plan on the body fitted to this scan")
    ] = None,
) -> None:
    """Plan a session and write plan.json (one continuous, timed surface path)."""
    from backstroke.atomic_io import write_json_atomic
    from backstroke.plan.io import plan_summary_lines, plan_to_json
    from backstroke.session.outputs import check_output_file

    try:
        check_output_file(out)
        built, distance_m, back = _build_plan(routine, client, bpm, music, body=body, scan=scan)
        doc = plan_to_json(built)
        s_from_b = getattr(back, "s_from_b", None)
        if s_from_b is not None:  # a fitted body: B → the scan's (robot base) frame
            doc["s_from_b"] = [[round(float(x), 7) for x in row] for row in s_from_b]
        write_json_atomic(out, doc)
    except BackstrokeError as exc:
        fail(exc)
        return
    except OSError as exc:
        fail(BackstrokeError(f"--out {out}: cannot write ({exc.strerror or exc})"))
        return
    for line in plan_summary_lines(built, distance_m):
        typer.echo(line)
    typer.echo(f"wrote {out}")


@app.command()
@running_options
def run(
    routine: Annotated[
        str, typer.Option(metavar="FILE|PRESET", help="routine TOML file or preset (spa, sports)")
    ],
    out: Annotated[Path, typer.Option(metavar="DIR", help="output directory")],
    client: ClientOpt = None,
    bpm: BpmOpt = None,
    music: MusicOpt = None,
    seed: Annotated[
        int | None, typer.Option(metavar="N", help="session seed (default: the client's)")
    ] = None,
    *,
    running: Running,
    robot_ip: RobotIpOpt = None,
    body_pose: BodyPoseOpt = None,
    body: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE", help="real arms: plan on a fitted body (backstroke scan --out)"
        ),
    ] = None,
    scan: Annotated[
        Path | None,
        typer.Option(metavar="FILE", help="real arms: plan on the body fitted to this scan"),
    ] = None,
) -> None:
    """Run a whole session; writes summary.json, session.mcap and report.html to OUT."""
    running.run(
        routine=routine,
        client=client,
        bpm=bpm,
        music=music,
        seed=seed,
        out=out,
        robot_ip=robot_ip,
        body_pose=body_pose,
        body=body,
        scan=scan,
    )


@app.command()
@running_options
def demo(
    out: Annotated[
        Path | None,
        typer.Option(metavar="DIR", help="output directory [default: out/demo, replaced]"),
    ] = None,
    music: MusicOpt = None,
    *,
    running: Running,
) -> None:
    """A full simulated spa session on the default client at 60 BPM (or your music)."""
    bpm = None if music is not None else 60.0
    # The default folder holds the last demo: it is replaced (and the run says so).
    where, again = (Path("out/demo"), True) if out is None else (out, running.replace)
    running.run(routine="spa", bpm=bpm, music=music, out=where, replace=again)


def _build_plan(
    routine: str,
    client: Path | None,
    bpm: float | None,
    music: Path | None,
    *,
    body: Path | None = None,
    scan: Path | None = None,
) -> tuple[Plan, float, Any]:
    import numpy as np

    from backstroke.body.back_model import BackModel
    from backstroke.body.client_file import load_client
    from backstroke.plan.planner import compile_plan
    from backstroke.routine.duration import check_duration
    from backstroke.routine.io import load_routine
    from backstroke.tempo_source import beat_grid_for

    r = load_routine(routine)
    back = BackModel(load_client(client))
    if body is not None or scan is not None:
        from backstroke.body.scan_report import planning_back

        back = planning_back(body, scan)
    grid, notes = beat_grid_for(r, bpm=bpm, music=music)
    check_duration(r, back.back_length_m, grid.period_s, routine)
    built = compile_plan(r, back, grid)
    if notes:
        built = replace(built, notes=built.notes + tuple(notes))
    s = built.samples()
    xyz = np.stack([s["x_m"], s["y_m"], s["z_m"]], axis=1)
    step = np.linalg.norm(np.diff(xyz, axis=0), axis=1)
    on = (s["in_contact"][1:] > 0) & (s["in_contact"][:-1] > 0)
    return built, float(step[on].sum()), back


@app.command()
def analyze(
    log: Annotated[Path, typer.Argument(help="contact log: CSV, Parquet or MCAP")],
    softening: Annotated[
        float, typer.Option(help="stiffness drop that counts as softening (0.05 = 5 %)")
    ] = 0.05,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
    explain: Annotated[bool, typer.Option("--explain", help="the elements in plain words")] = False,
    report: Annotated[Path | None, typer.Option(help="with --explain: learn.html here")] = None,
    touch_depth: Annotated[
        bool | None,
        typer.Option(
            "--touch-depth/--model-depth",
            help="indentation from where the tool touched (default: when the log says its "
            "body was fitted to a scan)",
        ),
    ] = None,
) -> None:
    """Analyse a recorded massage (a master's demonstration or a session): its elements."""
    from backstroke.analyze import analyze as analyze_log

    if explain or report is not None:
        from backstroke.learn.cli import explain_command

        explain_command(log, softening, report, as_json)
        return
    try:
        result = analyze_log(log, softening, touch_depth=touch_depth)
    except BackstrokeError as exc:
        fail(exc)
        return
    if as_json:
        typer.echo(json.dumps(result, allow_nan=False))
        return
    typer.echo(
        f"{log}: {result.get('duration_s')} s, {result.get('passes')} passes, "
        f"tempo {result.get('tempo_bpm')} BPM, mean force {result.get('mean_force_n')} N, "
        f"contact breaks {result.get('contact_breaks')}, "
        f"softening pass {result.get('softening_pass')}, {len(result.get('knots') or [])} knots"
    )


@app.command()
def schema(
    name: Annotated[str, typer.Argument(help="which schema: summary")],
) -> None:
    """Print a published JSON Schema (summary: the summary.json contract)."""
    if name != "summary":
        fail(BackstrokeError(f"schema '{name}': unknown (allowed: summary)"))
    from backstroke.session.summary import summary_json_schema

    typer.echo(json.dumps(summary_json_schema(), indent=2, sort_keys=True))


def _register_extras() -> None:
    from backstroke.app.scan_cli import scan
    from backstroke.app.store_cli import clients, history
    from backstroke.learn.cli import coach, compare, learn
    from backstroke.report.cli import report
    from backstroke.sweep.cli import sweep
    from backstroke.web.cli import replay

    app.command()(sweep)
    app.command()(report)
    app.command()(scan)
    app.command()(clients)
    app.command()(history)
    app.command()(learn)
    app.command()(compare)
    app.command()(coach)
    app.command()(replay)


_register_extras()


def main(argv: list[str] | None = None) -> None:
    """Entry point: every bad input is one line and exit 2; a bug exits 1 with a traceback."""
    import typer._click.exceptions as click_exc

    args = sys.argv[1:] if argv is None else list(argv)
    try:
        code = app(args=args, prog_name="backstroke", standalone_mode=False)
    except click_exc.NoArgsIsHelpError as exc:
        typer.echo(exc.format_message(), err=True)
        code = 2
    except click_exc.UsageError as exc:
        try:
            line = usage_line(exc, args)
        except Exception:
            line = " ".join(str(exc).split())
        typer.echo(f"backstroke: error: {line}", err=True)
        code = 2
    except BackstrokeError as exc:  # pragma: no cover - commands catch their own
        typer.echo(f"backstroke: error: {exc}", err=True)
        code = exc.exit_code
    except typer.Abort:
        typer.echo("backstroke: aborted", err=True)
        code = 1
    sys.exit(code if isinstance(code, int) else 0)
