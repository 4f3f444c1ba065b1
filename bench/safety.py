"""``make safety``: the fault matrix → bench/results/safety.json and docs/safety.md.

Every fault kind × technique on the built-in simulator, then a moving client (1, 2, 3,
5, 10 cm in 0.3 s; toward the tool, sideways, along the spine; every technique) on
``sim`` and a small share on ``mujoco``; judged on what the simulated tissue actually
received (see ``bench/fault_matrix.py``). ``--quick`` runs one seed and fewer moves.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

from bench.fault_matrix import (
    MATRIX_KINDS,
    MOVE_DIRECTIONS,
    MOVE_SIZES_CM,
    TECHNIQUES,
    judge,
    limits_table,
    run_case,
)

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "safety.json"
DOC = ROOT / "docs" / "safety.md"
SEEDS = (1,)
MUJOCO_MOVES = (("thumb_strip", 3.0, "toward"), ("thumb_strip", 3.0, "left"))
BEGIN, END = "<!-- fault-matrix:begin -->", "<!-- fault-matrix:end -->"
MOVE_BEGIN, MOVE_END = "<!-- move-matrix:begin -->", "<!-- move-matrix:end -->"


def _frac(r: dict[str, Any]) -> tuple[float, float]:
    return r["limit_fraction_force"], r["limit_fraction_pressure"]


def summarise(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One line per fault kind: tried, survived, worst force/pressure fraction, reaction."""
    out = []
    for kind in MATRIX_KINDS:
        mine = [r for r in rows if r["kind"] == kind and r["size_cm"] is None]
        if not mine:
            continue
        out.append(_line(kind, mine))
    return out


def summarise_moves(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One line per backend × move size × direction."""
    out = []
    moves = [r for r in rows if r["kind"] == "move" and r["size_cm"] is not None]
    keys = sorted({(r["backend"], r["size_cm"], r["direction"]) for r in moves})
    for backend, size, direction in keys:
        mine = [
            r
            for r in moves
            if (r["backend"], r["size_cm"], r["direction"]) == (backend, size, direction)
        ]
        line = _line("move", mine)
        line.update({"backend": backend, "size_cm": size, "direction": direction})
        line["worst_force_vs_tool_limit"] = round(
            max(r["truth_max_force_n"] / r["force_limit_n"] for r in mine), 3
        )
        out.append(line)
    return out


def _line(kind: str, mine: list[dict[str, Any]]) -> dict[str, Any]:
    reactions = [r["reaction_s"] for r in mine if r["reaction_s"] is not None]
    retreats = [r["retreat_s"] for r in mine if r["retreat_s"] is not None]
    return {
        "kind": kind,
        "tried": len(mine),
        "survived": sum(r["survived"] for r in mine),
        "outcomes": sorted({r["outcome"] for r in mine}),
        "worst_force_fraction": round(max(_frac(r)[0] for r in mine), 3),
        "worst_pressure_fraction": round(max(_frac(r)[1] for r in mine), 3),
        "slowest_reaction_s": round(max(reactions), 4) if reactions else None,
        "slowest_retreat_s": round(max(retreats), 4) if retreats else None,
    }


def _ms(x: float | None) -> str:
    return "—" if x is None else f"{1000 * x:.0f} ms"


def markdown(summary: list[dict[str, Any]]) -> str:
    lines = [
        "| fault | tried | survived | outcome | worst force / zone limit | "
        "worst pressure / zone limit | slowest reaction | slowest retreat |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for s in summary:
        lines.append(
            f"| {s['kind']} | {s['tried']} | {s['survived']} | {', '.join(s['outcomes'])} | "
            f"{s['worst_force_fraction']:.2f} | {s['worst_pressure_fraction']:.2f} | "
            f"{_ms(s['slowest_reaction_s'])} | {_ms(s['slowest_retreat_s'])} |"
        )
    return "\n".join(lines)


def markdown_moves(summary: list[dict[str, Any]]) -> str:
    lines = [
        "| backend | shift | direction | tried | survived | outcome | "
        "worst force / zone limit | worst pressure / zone limit | worst force / tool limit "
        "| slowest reaction | slowest retreat |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for s in summary:
        lines.append(
            f"| {s['backend']} | {s['size_cm']:g} cm | {s['direction']} | {s['tried']} | "
            f"{s['survived']} | {', '.join(s['outcomes'])} | {s['worst_force_fraction']:.2f} | "
            f"{s['worst_pressure_fraction']:.2f} | {s['worst_force_vs_tool_limit']:.2f} | "
            f"{_ms(s['slowest_reaction_s'])} | {_ms(s['slowest_retreat_s'])} |"
        )
    return "\n".join(lines)


def _print(r: dict[str, Any]) -> None:
    move = "" if r["size_cm"] is None else f" {r['size_cm']:g} cm {r['direction']}"
    print(
        f"{r['backend']:6} {r['kind']:8}{move:14} {r['technique']:12} seed {r['seed']}: "
        f"{r['outcome']:12} force/zone {r['limit_fraction_force']:.2f} "
        f"pressure/zone {r['limit_fraction_pressure']:.2f} reaction {r['reaction_s']} "
        f"survived {r['survived']}",
        flush=True,
    )


def _replace(text: str, begin: str, end: str, table: str) -> str:
    block = f"{begin}\n{table}\n{end}"
    if begin not in text:
        return text + "\n" + block + "\n"
    return re.sub(re.escape(begin) + ".*?" + re.escape(end), lambda _: block, text, flags=re.S)


def rejudge(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The stored measurements judged again with :func:`bench.fault_matrix.judge`."""
    out = []
    for r in rows:
        ok = judge(
            r["kind"],
            r["size_cm"],
            r["outcome"],
            r["retreat_s"],
            r["truth_max_force_n"],
            r["force_limit_n"],
            r["truth_max_pressure_n_cm2"],
            r["limit_fraction_force"],
            r["limit_fraction_pressure"],
        )
        out.append({**r, "survived": ok})
    return out


def write(rows: list[dict[str, Any]], *, doc: bool) -> None:
    summary = summarise(rows)
    moves = summarise_moves(rows)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {"summary": summary, "moves": moves, "cases": rows, "limits": limits_table()},
            indent=2,
        )
        + "\n"
    )
    table, move_table = markdown(summary), markdown_moves(moves)
    print(table)
    print(move_table)
    if DOC.exists() and doc:
        text = DOC.read_text()
        text = _replace(text, BEGIN, END, table)
        text = _replace(text, MOVE_BEGIN, MOVE_END, move_table)
        DOC.write_text(text)
    print(f"wrote {RESULTS}")


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if "--rejudge" in args:  # new criteria, stored measurements: no session re-run
        write(rejudge(json.loads(RESULTS.read_text())["cases"]), doc=True)
        return
    quick = "--quick" in args
    seeds = SEEDS[:1] if quick else SEEDS
    sizes = (3.0, 10.0) if quick else MOVE_SIZES_CM
    rows = []
    for kind in MATRIX_KINDS:
        if kind == "move":
            continue  # the moving client has its own rows below
        for technique in TECHNIQUES:
            for seed in seeds:
                r = run_case(kind, technique, seed).as_dict()
                rows.append(r)
                _print(r)
    for size in sizes:
        for direction in MOVE_DIRECTIONS:
            for technique in TECHNIQUES:
                r = run_case(
                    "move", technique, 1, size_cm=size, direction=direction, at_fraction=0.5
                ).as_dict()
                rows.append(r)
                _print(r)
    if not quick:
        for technique, size, direction in MUJOCO_MOVES:
            r = run_case(
                "move",
                technique,
                1,
                backend="mujoco",
                size_cm=size,
                direction=direction,
                at_fraction=0.5,
            ).as_dict()
            rows.append(r)
            _print(r)
    write(rows, doc=not quick)


if __name__ == "__main__":
    main()
