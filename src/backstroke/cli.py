"""The ``backstroke`` command (typer). Exit codes: 0 ok, 2 bad input, 3 safety stop, 1 bug."""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from backstroke.errors import BackstrokeError

if TYPE_CHECKING:
    from backstroke.plan.plan import Plan
    from backstroke.session.session import SessionRequest

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="backstroke: a back massage with a force-controlled robot arm.",
    pretty_exceptions_enable=False,
)


def _fail(exc: BackstrokeError) -> None:
    typer.echo(f"backstroke: error: {exc}", err=True)
    raise typer.Exit(exc.exit_code)


@app.command()
def check(file: Annotated[Path, typer.Argument(help="routine or client TOML file")]) -> None:
    """Validate a routine or client file (exit 0 valid, 2 invalid with one line)."""
    from backstroke.check import check_file

    try:
        typer.echo(check_file(file))
    except BackstrokeError as exc:
        _fail(exc)


@app.command()
def tempo(
    audio: Annotated[Path, typer.Argument(help="WAV, FLAC, OGG or MP3 file")],
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Tempo and beat times of a piece of music."""
    from backstroke.music.tempo import estimate_tempo

    try:
        result = estimate_tempo(audio)
    except BackstrokeError as exc:
        _fail(exc)
        return
    if as_json:
        typer.echo(json.dumps(result.to_json()))
    else:
        typer.echo(
            f"{result.bpm:.1f} BPM, {len(result.beats_s)} beats, "
            f"confidence {result.confidence:.2f}, {result.duration_s:.1f} s"
        )


@app.command()
def plan(
    routine: Annotated[str, typer.Option(help="routine TOML file or preset name (spa, sports)")],
    out: Annotated[Path, typer.Option(help="plan.json to write")],
    client: Annotated[Path | None, typer.Option(help="client TOML file (default client)")] = None,
    bpm: Annotated[float | None, typer.Option(help="tempo in beats per minute")] = None,
    music: Annotated[Path | None, typer.Option(help="audio file to take the beats from")] = None,
) -> None:
    """Plan a session and write plan.json (one continuous, timed surface path)."""
    from backstroke.plan.io import plan_summary_lines, plan_to_json, write_json_atomic

    try:
        built, distance_m = _build_plan(routine, client, bpm, music)
        write_json_atomic(out, plan_to_json(built))
    except BackstrokeError as exc:
        _fail(exc)
        return
    for line in plan_summary_lines(built, distance_m):
        typer.echo(line)
    typer.echo(f"wrote {out}")


_BACKEND_HELP = (
    "sim (built-in), mujoco (the 'mujoco' extra), franka (a real arm: --robot-ip, --body-pose) "
    "or franka-sim (franky-sim; the 'franka' extra)"
)
_NAME_HELP = "remember this client: use and update their preferences and knots"
_INJECT_HELP = (
    "fault to inject, repeatable: KIND[:PARAM][@T_S], KIND one of dropout, stale, nan, "
    "spike, drift, latency, move, stop, kill (e.g. dropout:50 = 50 ms)"
)


# Options shared by `run` and `demo` (and `plan` for the tempo).
MusicOpt = Annotated[Path | None, typer.Option(help="audio file to take the beats from")]
BackendOpt = Annotated[str, typer.Option(help=_BACKEND_HELP)]
InjectOpt = Annotated[list[str] | None, typer.Option(help=_INJECT_HELP)]
ClientNameOpt = Annotated[str | None, typer.Option(help=_NAME_HELP)]
DbOpt = Annotated[Path | None, typer.Option(help="client database (default: user data dir)")]
RobotIpOpt = Annotated[str | None, typer.Option(help="the Franka's FCI address (--backend franka)")]
BodyPoseOpt = Annotated[
    str | None,
    typer.Option(help="body frame B in the arm's base: x,y,z,yaw (m, degrees); Franka backends"),
]


@app.command()
def run(
    routine: Annotated[str, typer.Option(help="routine TOML file or preset (spa, sports)")],
    out: Annotated[Path, typer.Option(help="output directory")],
    client: Annotated[Path | None, typer.Option(help="client TOML file (default client)")] = None,
    bpm: Annotated[float | None, typer.Option(help="tempo in beats per minute")] = None,
    music: MusicOpt = None,
    seed: Annotated[int | None, typer.Option(help="session seed (default: the client's)")] = None,
    backend: BackendOpt = "sim",
    inject: InjectOpt = None,
    client_name: ClientNameOpt = None,
    db: DbOpt = None,
    robot_ip: RobotIpOpt = None,
    body_pose: BodyPoseOpt = None,
) -> None:
    """Run a whole session; writes summary.json, session.mcap and report.html to OUT."""
    from backstroke.session.session import SessionRequest

    inj = tuple(inject or ())
    _run(
        SessionRequest(
            routine,
            client,
            bpm,
            music,
            seed,
            backend,
            out,
            inj,
            client_name,
            db,
            robot_ip,
            body_pose,
        )
    )


@app.command()
def demo(
    out: Annotated[Path, typer.Option(help="output directory")] = Path("out/demo"),
    music: MusicOpt = None,
    backend: BackendOpt = "sim",
    inject: InjectOpt = None,
    client_name: ClientNameOpt = None,
    db: DbOpt = None,
) -> None:
    """A full simulated spa session on the default client at 60 BPM (or your music)."""
    from backstroke.session.session import SessionRequest

    bpm = None if music is not None else 60.0
    inj = tuple(inject or ())
    _run(SessionRequest("spa", None, bpm, music, None, backend, out, inj, client_name, db))


def _run(req: SessionRequest) -> None:
    from backstroke.session.session import run_session
    from backstroke.session.text import summary_lines

    try:
        outcome = run_session(req)
    except BackstrokeError as exc:
        _fail(exc)
        return
    for line in summary_lines(outcome.summary):
        typer.echo(line)
    for name in ("summary.json", "session.mcap", "report.html"):
        typer.echo(f"wrote {outcome.out / name}")
    if outcome.fault is not None:
        typer.echo(f"backstroke: {outcome.fault}", err=True)
        raise typer.Exit(outcome.exit_code)


def _build_plan(
    routine: str, client: Path | None, bpm: float | None, music: Path | None
) -> tuple[Plan, float]:
    import numpy as np

    from backstroke.body.back_model import BackModel
    from backstroke.body.client_file import load_client
    from backstroke.plan.planner import compile_plan
    from backstroke.routine.io import load_routine
    from backstroke.tempo_source import beat_grid_for

    r = load_routine(routine)
    back = BackModel(load_client(client))
    grid, notes = beat_grid_for(r, bpm=bpm, music=music)
    built = compile_plan(r, back, grid)
    if notes:
        built = replace(built, notes=built.notes + tuple(notes))
    s = built.samples()
    xyz = np.stack([s["x_m"], s["y_m"], s["z_m"]], axis=1)
    step = np.linalg.norm(np.diff(xyz, axis=0), axis=1)
    on = (s["in_contact"][1:] > 0) & (s["in_contact"][:-1] > 0)
    return built, float(step[on].sum())


@app.command()
def analyze(
    log: Annotated[Path, typer.Argument(help="contact log: CSV, Parquet or MCAP")],
    softening: Annotated[
        float, typer.Option(help="stiffness drop that counts as softening (0.05 = 5 %)")
    ] = 0.05,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Analyse a recorded massage (a master's demonstration or a session): its elements."""
    from backstroke.analyze import analyze as analyze_log

    try:
        result = analyze_log(log, softening)
    except BackstrokeError as exc:
        _fail(exc)
        return
    except ValueError as exc:
        _fail(BackstrokeError(f"--softening: {exc}"))
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


def _register_extras() -> None:
    from backstroke.report.cli import report
    from backstroke.store.cli import clients, history

    app.command()(report)
    app.command()(clients)
    app.command()(history)


_register_extras()


def main() -> None:
    """Entry point: run the app; unexpected exceptions exit 1 with a traceback."""
    try:
        app()
    except BackstrokeError as exc:  # pragma: no cover - commands catch their own
        print(f"backstroke: error: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)
