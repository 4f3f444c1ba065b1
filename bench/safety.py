"""``make safety``: the full fault matrix → bench/results/safety.json and docs/safety.md.

Every fault kind × technique × seed on the built-in simulator, judged on what the
simulated tissue actually received (see ``backstroke.safety.matrix``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from backstroke.safety.matrix import MATRIX_KINDS, TECHNIQUES, limits_table, run_case

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "safety.json"
DOC = ROOT / "docs" / "safety.md"
SEEDS = (1, 2, 3)
BEGIN, END = "<!-- fault-matrix:begin -->", "<!-- fault-matrix:end -->"


def summarise(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One line per fault kind: tried, survived, worst force/pressure fraction, reaction."""
    out = []
    for kind in MATRIX_KINDS:
        mine = [r for r in rows if r["kind"] == kind]
        reactions = [r["reaction_s"] for r in mine if r["reaction_s"] is not None]
        out.append(
            {
                "kind": kind,
                "tried": len(mine),
                "survived": sum(r["survived"] for r in mine),
                "outcomes": sorted({r["outcome"] for r in mine}),
                "worst_force_fraction": round(
                    max(r["truth_max_force_n"] / r["force_limit_n"] for r in mine), 3
                ),
                "worst_pressure_fraction": round(
                    max(r["truth_max_pressure_n_cm2"] / r["pressure_limit_n_cm2"] for r in mine),
                    3,
                ),
                "slowest_reaction_s": round(max(reactions), 4) if reactions else None,
            }
        )
    return out


def markdown(summary: list[dict[str, Any]]) -> str:
    lines = [
        "| fault | tried | survived | outcome | worst force / limit | "
        "worst pressure / limit | slowest reaction |",
        "|---|---|---|---|---|---|---|",
    ]
    for s in summary:
        react = (
            "—" if s["slowest_reaction_s"] is None else f"{1000 * s['slowest_reaction_s']:.0f} ms"
        )
        lines.append(
            f"| {s['kind']} | {s['tried']} | {s['survived']} | {', '.join(s['outcomes'])} | "
            f"{s['worst_force_fraction']:.2f} | {s['worst_pressure_fraction']:.2f} | {react} |"
        )
    return "\n".join(lines)


def main() -> None:
    rows = []
    for kind in MATRIX_KINDS:
        for technique in TECHNIQUES:
            for seed in SEEDS:
                r = run_case(kind, technique, seed).as_dict()
                rows.append(r)
                print(
                    f"{kind:8} {technique:12} seed {seed}: {r['outcome']:12} "
                    f"force {r['truth_max_force_n']:6.2f}/{r['force_limit_n']:.0f} N "
                    f"reaction {r['reaction_s']} survived {r['survived']}",
                    flush=True,
                )
    summary = summarise(rows)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps({"summary": summary, "cases": rows, "limits": limits_table()}, indent=2) + "\n"
    )
    table = markdown(summary)
    print(table)
    if DOC.exists():
        text = DOC.read_text()
        block = f"{BEGIN}\n{table}\n{END}"
        text = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), block, text, flags=re.S)
        DOC.write_text(text)
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
