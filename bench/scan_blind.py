"""``python -m bench.scan_blind [KIND] [N]``: a new generator's first, blind run.

``KIND`` ``slice`` (the third generator, ``tests/body/slice_*.py``) writes
bench/results/scan_blind_first_run.json; ``loft`` (the fourth, ``tests/body/loft_*.py``)
writes bench/results/scan_blind_third_first_run.json (the third generator the fit was
not tuned on); ``shell`` and ``tof`` (the fifth and sixth) write
``scan_blind_fifth_first_run.json`` and ``scan_blind_sixth_first_run.json``.
Each file is written once, with the commit it ran on, and never
overwritten: it is the record of how the fit did on a generator written after the
calibration, before anything was changed in its light. Later runs of the same
generator are part of ``python -m bench.scan``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.body.phantom_score import LIMITS_M

from bench.scan import ROOT, run_cases, summarise

OUTS = {
    "slice": ROOT / "bench" / "results" / "scan_blind_first_run.json",
    "loft": ROOT / "bench" / "results" / "scan_blind_third_first_run.json",
    "shell": ROOT / "bench" / "results" / "scan_blind_fifth_first_run.json",
    "tof": ROOT / "bench" / "results" / "scan_blind_sixth_first_run.json",
}
NOTES = {
    "slice": "first run of the third generator (tests/body/slice_*.py), blind: the fit "
    "was calibrated on scan_sim and the phantom only, before this run",
    "loft": "first run of the fourth generator (tests/body/loft_*.py: lofted tube body, "
    "time-of-flight camera), blind: the fit was calibrated on scan_sim, the phantom and "
    "the slices, and not changed in this generator's light before this run",
    "shell": "first run of the fifth generator (tests/body/shell_*.py: superellipse "
    "height-field body with explicit scapular plates and sacral dimples, active-stereo "
    "camera), blind: written after the landmark finders were tuned on the other four, "
    "without reading the fit code, and run once before any change",
    "tof": "first run of the sixth generator (tests/body/metaball_body.py, tof_camera.py: "
    "signed-distance torso with a skeleton under soft tissue, sphere-traced time-of-flight "
    "camera with multipath, mixed pixels and dark blobs), blind: written before the fit "
    "code was read in this round (the dimple finder was then changed on the other five), "
    "and run once after that change, before any change in its light",
}


def main(kind: str = "loft", n: int = 30, out: Path | None = None) -> None:
    out = OUTS[kind] if out is None else out
    if out.exists():
        sys.exit(f"bench.scan_blind: {out} exists: the first blind run is kept as it was")
    commit = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "src"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    rows = run_cases(kind, n)
    result = {
        "note": NOTES[kind],
        "commit": commit,
        "fit_code_changed_since_commit": bool(dirty),
        "limits_m": LIMITS_M,
        kind: {"summary": summarise(rows), "cases": rows},
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result[kind]["summary"], indent=1))


if __name__ == "__main__":
    args = sys.argv[1:]
    main(args[0] if args else "loft", int(args[1]) if len(args) > 1 else 30)
