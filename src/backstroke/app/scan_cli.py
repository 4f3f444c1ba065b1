"""``backstroke scan SCAN [--json] [--out body.json]``: fit a body to a depth scan."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from backstroke.errors import BackstrokeError


def scan(
    scan_file: Annotated[Path, typer.Argument(metavar="SCAN", help="PLY, OBJ, STL or XYZ file")],
    as_json: Annotated[bool, typer.Option("--json", help="print the fit as JSON")] = False,
    out: Annotated[Path | None, typer.Option(help="write the fitted body (body.json)")] = None,
) -> None:
    """Fit the client's back to a scan (robot base frame, z up): landmarks, midline, fit."""
    from backstroke.atomic_io import write_json_atomic
    from backstroke.body.scan_fit import fit_scan
    from backstroke.body.scan_io import read_scan
    from backstroke.body.scan_report import body_file, scan_report

    try:
        back = fit_scan(read_scan(scan_file))
        report = scan_report(back)
        if out is not None:
            write_json_atomic(out, body_file(back))
    except BackstrokeError as exc:
        typer.echo(f"backstroke: error: {exc}", err=True)
        raise typer.Exit(exc.exit_code) from None
    if as_json:
        typer.echo(json.dumps(report, allow_nan=False))
    else:
        q = back.quality
        hd = report["head_direction"]
        typer.echo(
            f"{scan_file}: back {back.back_length_m:.3f} m, shoulders "
            f"{back.shoulder_width_m:.3f} m, waist {back.waist_width_m:.3f} m, head toward "
            f"({hd[0]:.2f}, {hd[1]:.2f}, {hd[2]:.2f}), fit RMS {1000 * q['fit_rms_m']:.1f} mm, "
            f"coverage {q['coverage']:.2f}"
        )
    if out is not None:
        typer.echo(f"wrote {out}", err=as_json)
