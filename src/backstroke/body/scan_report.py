"""The fitted body as JSON: the ``backstroke scan --json`` report and body.json files.

``scan_report`` gives what a user reads (scan frame S, metres): ``landmarks`` (name →
``[x, y, z]``), ``midline_m`` (PSIS level → C7), ``back_length_m``,
``shoulder_width_m``, ``waist_width_m``, ``head_direction`` (unit), ``fit_rms_m``,
``coverage``, ``s_from_b`` (4×4, frame B → S) and ``keep_out_zones`` (chart capsules
and their axis ends in S). A body.json holds that report plus ``model`` (the fitted
surface, see :meth:`ScannedBack.to_json`), and :func:`load_body` reads it back.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from backstroke.body.scan_io import ScanError
from backstroke.body.scanned_back import ScannedBack

MIDLINE_POINTS = 51


def _r(a: Any, nd: int = 5) -> Any:
    return np.round(np.asarray(a, dtype=np.float64), nd).tolist()


def scan_report(back: ScannedBack) -> dict[str, Any]:
    """The JSON report of a fitted body (scan frame S unless a key says B)."""
    u = np.linspace(0.0, 1.0, MIDLINE_POINTS)
    mid_s = back.to_scan(back.point(u, np.zeros_like(u)))
    lms = {n: _r(back.to_scan(np.asarray(lm.point_m))) for n, lm in back.landmarks.items()}
    zones = []
    for z in back.keep_out_zones:
        ends = [
            back.to_scan(back.point(sv[0] / back.back_length_m, sv[1]))
            for sv in (z.a_sv_m, z.b_sv_m)
        ]
        zones.append(
            {
                "name": z.name,
                "a_sv_m": _r(z.a_sv_m),
                "b_sv_m": _r(z.b_sv_m),
                "radius_m": z.radius_m,
                "axis_m": [_r(e) for e in ends],
            }
        )
    q = back.quality
    return {
        "landmarks": lms,
        "midline_m": _r(mid_s),
        "back_length_m": round(back.back_length_m, 5),
        "shoulder_width_m": round(back.shoulder_width_m, 5),
        "waist_width_m": round(back.waist_width_m, 5),
        "head_direction": _r(back.s_from_b[:3, 0], 6),
        "fit_rms_m": q.get("fit_rms_m"),
        "coverage": q.get("coverage"),
        "s_from_b": _r(back.s_from_b, 7),
        "keep_out_zones": zones,
        "quality": q,
    }


def body_file(back: ScannedBack) -> dict[str, Any]:
    """What ``backstroke scan --out body.json`` writes."""
    return {**scan_report(back), "model": back.to_json()}


def load_body(path: str | Path) -> ScannedBack:
    """Read a body.json written by ``backstroke scan --out``; ScanError on a bad file."""
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScanError("no such file", path=p) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ScanError(f"not a body file: {exc}"[:160], path=p) from None
    model = data.get("model") if isinstance(data, dict) else None
    if not isinstance(model, dict) or model.get("kind") != "backstroke.scanned_back":
        raise ScanError(
            "not a body file", path=p, key="model", allowed="the output of 'backstroke scan --out'"
        )
    try:
        return ScannedBack.from_json(model)
    except (KeyError, TypeError, ValueError) as exc:
        raise ScanError(f"damaged body file: {type(exc).__name__}: {exc}"[:160], path=p) from None


def planning_back(body: str | Path | None, scan: str | Path | None) -> ScannedBack:
    """The body ``--body FILE`` (a body.json) or ``--scan FILE`` (fitted now) names."""
    if body is not None and scan is not None:
        raise ScanError("give --body or --scan, not both", path=body)
    if body is not None:
        return load_body(body)
    from backstroke.body.scan_fit import fit_scan
    from backstroke.body.scan_io import read_scan

    if scan is None:
        raise ScanError("no body: give --body FILE or --scan FILE")
    return fit_scan(read_scan(scan))
