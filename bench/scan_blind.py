"""``python -m bench.scan_blind [N]``: the third generator's first, blind run.

Writes bench/results/scan_blind_first_run.json once, with the commit it ran on, and
refuses to overwrite it: it is the record of how the fit did on a generator written
after the calibration, before anything was changed in its light. Later runs of the
same generator are part of ``python -m bench.scan``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.body.phantom_score import LIMITS_M

from bench.scan import ROOT, run_cases, summarise

OUT = ROOT / "bench" / "results" / "scan_blind_first_run.json"


def main(n: int = 30, out: Path = OUT) -> None:
    if out.exists():
        sys.exit(f"bench.scan_blind: {out} exists: the first blind run is kept as it was")
    commit = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
    ).stdout.strip()
    rows = run_cases("slice", n)
    result = {
        "note": "first run of the third generator (tests/body/slice_*.py), blind: the fit "
        "was calibrated on scan_sim and the phantom only, before this run",
        "commit": commit,
        "limits_m": LIMITS_M,
        "slice": {"summary": summarise(rows), "cases": rows},
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result["slice"]["summary"], indent=1))


if __name__ == "__main__":
    main(*[int(a) for a in sys.argv[1:2]])
