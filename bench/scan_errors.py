"""``python -m bench.scan_errors KIND N [FIRST]``: signed landmark errors per scan, in
the fitted frame B (along the spine, outward from the midline, up), to tell a bias
from noise. Scans are generated once and cached in ``.cache/scans`` (npz)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

from backstroke.body.scan_fit import fit_scan
from backstroke.body.scan_io import Scan, ScanError

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / ".cache" / "scans"


def _generate(kind: str, seed: int) -> dict[str, Any]:
    from bench.scan import (
        loft_case_scan,
        phantom_case_scan,
        shell_case_scan,
        slice_case_scan,
        tof_case_scan,
    )

    if kind == "phantom":
        sc: Any = phantom_case_scan(seed)[3]
        head = sc.s_from_q[:3, 0]
    else:
        fn, frame = {
            "slice": (slice_case_scan, "s_from_e"),
            "loft": (loft_case_scan, "s_from_e"),
            "shell": (shell_case_scan, "s_from_f"),
            "tof": (tof_case_scan, "s_from_g"),
        }[kind]
        _, _, sc = fn(seed)
        head = getattr(sc, frame)[:3, 0]
    return {
        "points": sc.points_m,
        "midline": sc.midline_m,
        "length": sc.back_length_m,
        "head": head,
        **{f"lm_{k}": np.asarray(v) for k, v in sc.landmarks_m.items()},
    }


def load(kind: str, seed: int) -> dict[str, Any]:
    path = CACHE / f"{kind}-{seed}.npz"
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(path, **_generate(kind, seed))
    return dict(np.load(path))


def errors(kind: str, seed: int) -> dict[str, Any]:
    d = load(kind, seed)
    try:
        fit = fit_scan(Scan(d["points"], f"{kind}-{seed}", "points"))
    except ScanError as exc:
        return {"seed": seed, "error": str(exc)}
    row: dict[str, Any] = {
        "seed": seed,
        "len_rel": round(fit.back_length_m / float(d["length"]) - 1, 4),
    }
    mb = fit.to_body(d["midline"])
    row["mid_rms_mm"] = round(1e3 * float(np.sqrt(np.mean((mb[:, 1] - fit._m(mb[:, 0])) ** 2))), 1)
    for name, lm in fit.landmarks.items():
        key = f"lm_{name}"
        if key not in d:
            continue
        t = fit.to_body(d[key][None])[0]
        f = np.asarray(lm.point_m)
        e = f - t
        out = 1.0 if t[1] - float(fit._m(t[0])) >= 0 else -1.0
        if name == "C7":
            out = 1.0
        row[name] = [
            round(1e3 * float(e[0]), 1),
            round(1e3 * out * float(e[1]), 1),
            round(1e3 * float(e[2]), 1),
        ]
    row["from"] = fit.quality.get("landmarks_from", {}).get("psis")
    row["scap_from"] = fit.quality.get("landmarks_from", {}).get("scapula_inferior_angle")
    return row


def main(kind: str, n: int, first: int = 0) -> None:
    for seed in range(first, first + n):
        print(json.dumps({"kind": kind, **errors(kind, seed)}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 0)
