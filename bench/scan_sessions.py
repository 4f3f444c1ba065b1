"""``python -m bench.scan_sessions [SEEDS…] [--clients A,B] [--specs exact,camera,worst]
[--merge TAG]``: sessions on a scanned body.

For each bundled client and seed, the same session on the exact body, on the body
fitted to a simulated scan by a good camera (the ``[scan]`` defaults) and with the
worst errors issue 14 names (3 mm noise, 10 mm / 3° registration, 0.8 coverage);
built-in simulator, ``bench/scan_routine.toml`` (rest, glides until softening, one
thumb pass each side). Reported per session: how it ended,
contact breaks, force RMSE, ``bone_contact_s``, surface error, knots P/R within 15 mm
of the truth (scan frame S for the fitted body, frame B for the exact one), the glide's
softening pass and stiffness by pass, and the tissue's own (``glide_truth``: the
simulated tissue's secant stiffness at the pass's force along the path the tool really
took, halfway through each pass; its softening pass by the detector's rule, at the
block's threshold). Writes ``bench/results/scan_sessions.json``.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from backstroke.app.session import SCANNED_BODY_LIMITS
from backstroke.body.back_model import BackModel
from backstroke.body.client_file import ScanSpec, client_file_path, load_client
from backstroke.body.scan_registration import scan_and_fit
from backstroke.robot.factory import make_robot
from backstroke.robot.registered import registered_robot
from backstroke.routine.io import load_routine
from backstroke.sense.softening import softening_pass
from backstroke.session.runner import SessionRunner
from backstroke.tempo_source import beat_grid_for
from backstroke.tools import Tool

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "scan_sessions.json"
ROUTINE = ROOT / "bench" / "scan_routine.toml"
CLIENTS = ("default", "tight")
WORST = ScanSpec(
    noise_m=0.003, registration_error_m=0.010, registration_error_deg=3.0, coverage=0.8
)
CAMERA = ScanSpec()  # a good depth camera: 1.5 mm, 5 mm / 2°, 0.9 (the [scan] defaults)
SPECS: dict[str, ScanSpec | None] = {"exact": None, "camera": CAMERA, "worst": WORST}
MATCH_M = 0.015


def _pr(found: list[list[float]], truth: list[list[float]]) -> dict[str, Any]:
    f = np.asarray(found, dtype=np.float64).reshape(-1, 3)
    t = np.asarray(truth, dtype=np.float64).reshape(-1, 3)
    if f.size == 0 or t.size == 0:
        return {
            "precision": None if f.size == 0 else 0.0,
            "recall": 0.0 if t.size else None,
            "found": int(f.shape[0]),
            "true": int(t.shape[0]),
            "distances_mm": [],
        }
    d = np.linalg.norm(f[:, None, :] - t[None, :, :], axis=2)
    return {
        "precision": round(float(np.mean(d.min(axis=1) <= MATCH_M)), 3),
        "recall": round(float(np.mean(d.min(axis=0) <= MATCH_M)), 3),
        "found": int(f.shape[0]),
        "true": int(t.shape[0]),
        "distances_mm": [round(float(x) * 1e3, 1) for x in d.min(axis=0)],
    }


class GlideTruth:
    """The simulated tissue's stiffness under each glide pass (the bench's view only).

    Called after every chunk (``on_chunk``): after each glide pass, the tissue's true
    secant stiffness at the pass's median force, at 40 points of the path the tool took
    (its measured positions mapped to the true body), before and after the pass."""

    def __init__(self, inner: Any, true_back: BackModel, true_from_fit: Any, block: int) -> None:
        self.tissue, self.back, self.block = inner.tissue, true_back, block
        t = np.eye(4) if true_from_fit is None else np.asarray(true_from_fit, dtype=np.float64)
        self._r, self._t = t[:3, :3], t[:3, 3]
        self.by_pass: list[float] = []
        self._end = float("nan")

    def _k(self, uv: tuple[Any, Any], force_n: float) -> float:
        k = self.tissue.stiffness_along_n_m(uv[0], uv[1], Tool.PALMS, force_n)
        return float(np.median(k))

    def __call__(self, cols: Any, plan: Any, _events: Any) -> None:
        on = (plan["block"] == self.block) & (plan["pass_index"] >= 0) & (plan["in_contact"] > 0)
        on &= cols["normal_force_n"] > 2.0
        if np.count_nonzero(on) < 100:
            return
        p = np.stack([cols["x_m"], cols["y_m"], cols["z_m"]], axis=1)[on].astype(np.float64)
        p = p[np.linspace(0, p.shape[0] - 1, 40).astype(int)] @ self._r.T + self._t
        uv = self.back.project(p)
        force = float(np.median(cols["normal_force_n"][on]))
        # Halfway through the pass: the mean of the stiffness before it (the last pass's
        # end, or now for the first) and after it (now).
        after = self._k(uv, force)
        before = self._end if self.by_pass else after
        self.by_pass.append(0.5 * (before + after) if self.by_pass else after)
        self._end = after

    def summary(self, threshold: float) -> dict[str, Any]:
        k = self.by_pass
        return {
            "relative_by_pass": [round(x / k[0], 4) for x in k] if k else [],
            "softening_pass": softening_pass(k, threshold) if len(k) > 1 else None,
        }


def one(client_name: str, seed: int, spec: ScanSpec | None) -> dict[str, Any]:
    routine = load_routine(str(ROUTINE))
    client = load_client(client_file_path(Path(client_name)))
    true_back = BackModel(client)
    grid, _ = beat_grid_for(routine, bpm=None, music=None)
    reg = scan_and_fit(true_back, spec, seed) if spec is not None else None
    back = true_back if reg is None else reg.fit
    inner = make_robot("sim", client, true_back, seed=seed)
    robot = registered_robot(inner, reg)
    gi = next(i for i, b in enumerate(routine.blocks) if b.technique == "glide")
    truth_glide = GlideTruth(inner, true_back, None if reg is None else reg.true_from_fit, gi)
    runner = SessionRunner(
        routine,
        back,
        grid,
        robot,
        seed=seed,
        limits=None if reg is None else SCANNED_BODY_LIMITS,
        on_chunk=truth_glide,
    )
    t0 = time.perf_counter()
    res = runner.run()
    wall = time.perf_counter() - t0
    s = res.summary
    truth = robot.sim_truth()  # type: ignore[attr-defined]
    if reg is not None:
        reg.summary(s)  # knots[].world_m, as believed (scan frame)
        found = [k["world_m"] for k in s["knots"] if k.get("world_m")]
        true = [k["world_m"] for k in truth["knots"]]
    else:
        found = [[k["x_m"], k["y_m"], k["z_m"]] for k in s["knots"]]
        true = [[k["x_m"], k["y_m"], k["z_m"]] for k in inner.tissue.knots()]  # type: ignore[attr-defined]
    glide = next(b for b in s["blocks"] if b["technique"] == "glide")
    return {
        "client": client_name,
        "seed": seed,
        "body": "exact"
        if spec is None
        else (
            f"scan ({spec.noise_m * 1e3:g} mm, {spec.registration_error_m * 1e3:g} mm / "
            f"{spec.registration_error_deg:g} deg, {spec.coverage:g})"
        ),
        "ended": "safety_stop" if res.safety_fault is not None else "completed",
        "fault": None if res.safety_fault is None else str(res.safety_fault),
        "force_cone_deg": s.get("force_cone_deg"),
        "duration_s": s["duration_s"],
        "wall_s": round(wall, 1),
        "contact_breaks": s["contact_breaks"],
        "force_rmse_n": s["force_rmse_n"],
        "bone_contact_s": truth.get("bone_contact_s"),
        "surface_error_m": truth.get("surface_error_m"),
        "registration": truth.get("registration"),
        "knots": _pr(found, true),
        "glide_softening_pass": glide["softening_pass"],
        "glide_passes": glide["passes"],
        "glide_stiffness_by_pass_n_m": glide["stiffness_by_pass_n_m"],
        "glide_truth": truth_glide.summary(float(routine.blocks[gi].softening_threshold)),
        "surface_refinement": s.get("surface_refinement"),
    }


def main(
    seeds: list[int],
    clients: tuple[str, ...] = CLIENTS,
    specs: tuple[str, ...] = tuple(SPECS),
    run_tag: str | None = None,
) -> dict[str, Any]:
    """Run ``clients × seeds × specs``. With ``run_tag`` the rows are merged into the
    results file (a row of the same client, seed and body replaced), each new row
    tagged ``run``; without it the file holds only this run's rows."""
    old: list[dict[str, Any]] = []
    note = None
    if run_tag is not None and RESULTS.exists():
        prev = json.loads(RESULTS.read_text())
        old, note = prev.get("rows", []), prev.get("note")
    rows = list(old)
    for name in clients:
        for seed in seeds:
            for key in specs:
                r = one(name, seed, SPECS[key])
                if run_tag is not None:
                    r["run"] = run_tag
                print(json.dumps(r), flush=True)
                same = [
                    i
                    for i, o in enumerate(rows)
                    if (o["client"], o["seed"], o["body"]) == (name, seed, r["body"])
                ]
                if same:
                    rows[same[0]] = r
                else:
                    rows.append(r)
                _write(rows, note)
    out = _write(rows, note)
    write_doc(out)
    return out


def _write(rows: list[dict[str, Any]], note: Any) -> dict[str, Any]:
    order = {c: i for i, c in enumerate(("default", "tight", "petite"))}
    rows.sort(
        key=lambda r: (order.get(r["client"], 9), r["client"], r["seed"], r["body"] != "exact")
    )
    out = {
        "routine": str(ROUTINE.relative_to(ROOT)),
        "scan": {k: None if v is None else v.model_dump() for k, v in SPECS.items()},
        "rows": rows,
        **({} if note is None else {"note": note}),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(out, indent=1) + "\n")
    return out


def doc_table(out: dict[str, Any]) -> str:
    """The figures as docs/scan.md's table (between the scan-sessions-refined markers)."""

    def f(x: Any, nd: int = 3) -> str:
        return "–" if x is None else f"{x:.{nd}f}" if isinstance(x, float) else str(x)

    lines = [
        "| client | seed | body | ended | contact breaks | force RMSE (N) | bone_contact_s "
        "| force cone max (deg) | surface error mean / max (mm) | knots P / R (15 mm) "
        "| knot distances (mm) | glide softened at | tissue softened at (truth) "
        "| glide stiffness first → last (N/m) | run |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in out["rows"]:
        se = r["surface_error_m"] or {}
        surf = "–" if se.get("mean") is None else f"{se['mean'] * 1e3:.1f} / {se['max'] * 1e3:.1f}"
        k = r["knots"]
        ks = r["glide_stiffness_by_pass_n_m"]
        bone = f(r["bone_contact_s"], 2) if r["body"] != "exact" else "–"
        cone = (r.get("force_cone_deg") or {}).get("max")
        ended = r["ended"] if not r.get("fault") else f"{r['ended']} ({r['fault']})"
        lines.append(
            f"| {r['client']} | {r['seed']} | {r['body']} | {ended} | {r['contact_breaks']} "
            f"| {f(r['force_rmse_n'])} | {bone} | {f(cone, 1)} "
            f"| {surf} | {f(k['precision'], 2)} / {f(k['recall'], 2)} ({k['found']} found, "
            f"{k['true']} true) | {', '.join(str(d) for d in k['distances_mm']) or '–'} "
            f"| {f(r['glide_softening_pass'])} ({r['glide_passes']} passes) "
            f"| {f((r.get('glide_truth') or {}).get('softening_pass'))} "
            f"| {ks[0]:.0f} → {ks[-1]:.0f} | {r.get('run', '–')} |"
            if ks
            else f"| {r['client']} | {r['seed']} | {r['body']} | {ended} | – | – | – | – | – | – "
            f"| – | – | – | – | {r.get('run', '–')} |"
        )
    return "\n".join(lines)


def write_doc(out: dict[str, Any]) -> None:
    doc = ROOT / "docs" / "scan.md"
    text = doc.read_text()
    begin, end = "<!-- scan-sessions-refined:begin -->", "<!-- scan-sessions-refined:end -->"
    i, j = text.index(begin) + len(begin), text.index(end)
    seeds = " ".join(str(x) for x in sorted({r["seed"] for r in out["rows"]}))
    runs = sorted({str(r.get("run", "")) for r in out["rows"]} - {""})
    body = (
        f"\nRows of `python -m bench.scan_sessions SEEDS --clients default,tight,petite "
        f"[--specs …] --merge TAG` (seeds {seeds}; `bench/results/scan_sessions.json`, each "
        f"row tagged with its run: {', '.join(f'`{x}`' for x in runs)}; a re-run row replaces "
        "the older one of the same client, seed and body). Routine `bench/scan_routine.toml`: "
        "rest, glides until softening at 4 %, one thumb pass each side; built-in simulator. "
        "Knots are matched in the scan frame S (fitted bodies) or B (exact body).\n\n"
        + doc_table(out)
        + "\n"
    )
    doc.write_text(text[:i] + body + text[j:])


if __name__ == "__main__":
    args = sys.argv[1:]
    names: tuple[str, ...] = CLIENTS
    if "--clients" in args:
        i = args.index("--clients")
        names = tuple(args[i + 1].split(","))
        del args[i : i + 2]
    keys = tuple(SPECS)
    if "--specs" in args:
        i = args.index("--specs")
        keys = tuple(args[i + 1].split(","))
        del args[i : i + 2]
    tag = None
    if "--merge" in args:
        i = args.index("--merge")
        tag = args[i + 1]
        del args[i : i + 2]
    main([int(a) for a in args] or [7], names, keys, tag)
