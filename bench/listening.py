"""Listening on clients and logs nobody tuned on (issue 13) → bench/results/listening.json.

1. **Sessions**: the spa and sports presets on held-out clients of the independent client
   generator (``tests/session/knot_clients.py``: knots anywhere 2–7 cm from the midline).
   Per preset: knot precision and recall within 15 mm, the heard knots' strength error,
   breathing-rate error (summary ``breathing_rate_bpm`` vs the client's), contact breaks
   (measured and the tissue's), "too much" episodes per session, and the glide block's
   softening pass against the tissue's truth. ``--generator blind``: the same on a third
   client generator written blind to the knot finder's tuning
   (``tests/session/knot_clients_blind.py``, session 10; its first run is
   ``bench/results/listening_knots_blind_first_run.json``).
2. **Glide listening**: one 8-pass glide on more held-out clients; the heard stiffness by
   pass against the simulated tissue's own (sampled along the path after every pass):
   softening within ±1 pass of the truth on clients whose true drop reaches 8 %, and no
   softening heard where the truth never comes within 1 % of the threshold.
3. **Recorders**: ``analyze`` on logs of the independent recorder generator
   (``tests/recorder_logs.py``: free-text labels, extra columns, no pass_index, its own
   tissue law, breathing, force steps and dips): softening agreement on logs whose true
   drop is ≥ 8 %, knots P/R, and how often a change of force was read as softening.

   ``--recorder lab``: the same on a third recorder generator written blind from
   docs/logs.md (``tests/sense/lab_logs.py``: power-law tissue, continuous softening,
   force steps inside a pass, ramps and steps undone, air returns, other labels; its
   first run is ``bench/results/listening_lab_first_run.json``). ``--recorder clinic``: a
   fourth, written blind from the contracts (``tests/sense/clinic_logs.py``: exponential or
   power-law tissue with creep, sudden/slow/staircase softening, 160–333 Hz, lanes and
   one-way glides, force paced by the breath; first run
   ``bench/results/listening_clinic_first_run.json``). ``--recorder studio``: a fifth,
   held out (``tests/sense/studio_logs.py``: a cubic tissue law, an asymmetric breath
   with a sigh, rounded, sharp or moving turnarounds, force drift, steps, ramps, dips
   and breath pacing; written in session 9 after the joint breathing fit, glide only).
   ``--recorder ward``: a sixth, held out (``tests/sense/ward_logs.py``: a power law with
   creep, a lead-in from mid-back, radio gaps, steps inside a pass, "too much", two
   steps; written in session 10 blind to that session's change; first run
   ``bench/results/listening_ward_first_run.json``).
   ``--glide-only``
   analyses only the glide block's rows (the softening figures, in a fraction of the
   time; no knots), ``--no-bridge`` gives the softening as judged only inside force
   segments (before ``sense/force_bridge.py``), ``--rows-from LOG`` the figures of a
   run stopped early, from the rows it printed.

4. **Trust**: both presets on the bundled clients, held-out clients and two held-out
   bodies each made very guarded and relaxed: breathing-rate error against the simulator's,
   "too much" episodes per session, when trust first allowed the full force (the
   guarded twin should get there later), what each knot's dwell heard.

Usage: ``python bench/listening.py [--clients 6] [--glide-clients 12] [--logs 30]
[--parts recorders,glide,sessions,trust] [--first-client 200] [--trust-heldout 3]
[--presets spa,sports] [--generator knots|blind]
[--trust-pair-bodies 520,521] [--trust-kinds bundled,held-out,pair,pair2]
[--recorder second|lab|clinic|studio|ward] [--glide-only] [--no-bridge] [--rows-from LOG]``.
"""

from __future__ import annotations

import argparse
import ast
import json
import math
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "listening.json"
sys.path.insert(0, str(ROOT))

from tests.recorder_logs import recorder_log, write_csv  # noqa: E402
from tests.sense.clinic_logs import clinic_log, write_clinic_csv  # noqa: E402
from tests.sense.lab_logs import lab_log, write_lab_csv  # noqa: E402
from tests.sense.studio_logs import studio_log, write_studio_csv  # noqa: E402
from tests.sense.ward_logs import ward_log, write_ward_csv  # noqa: E402
from tests.session.knot_clients import TOL_M, knot_client, match  # noqa: E402
from tests.session.knot_clients_blind import blind_client  # noqa: E402

from backstroke.analyze import analyze  # noqa: E402
from backstroke.body.back_model import BackModel  # noqa: E402
from backstroke.body.client_file import ClientSpec, KnotSpec  # noqa: E402
from backstroke.errors import LogError  # noqa: E402
from backstroke.music.grid import BeatGrid  # noqa: E402
from backstroke.robot.factory import make_robot  # noqa: E402
from backstroke.routine.io import load_routine  # noqa: E402
from backstroke.routine.schema import Routine  # noqa: E402
from backstroke.session.runner import SessionRunner  # noqa: E402
from backstroke.tissue.mechanics import indentation_for_force_m  # noqa: E402
from backstroke.tools import Tool  # noqa: E402

GENERATORS: dict[str, tuple[Any, Any]] = {
    "second": (recorder_log, write_csv),
    "lab": (lab_log, write_lab_csv),
    "clinic": (clinic_log, write_clinic_csv),
    "studio": (studio_log, write_studio_csv),
    "ward": (ward_log, write_ward_csv),
}
PATH_U = np.linspace(0.15, 0.85, 36)
SOFT_DROP = 0.08
# Force changes that last (not a regional dip): the second generator's and the lab's.
STEPS = ("step", "step_mid", "ramp", "step_back")


def _truth_pass(rel: list[float], threshold: float) -> int | None:
    for k in range(1, len(rel) - 1):
        if rel[k] <= 1 - threshold and rel[k + 1] <= 1 - threshold:
            return k
    return None


def _session(routine: Routine, client: ClientSpec, seed: int) -> dict[str, Any]:
    """One session; the glide block's true stiffness by pass from the tissue (truth)."""
    back = BackModel(client)
    robot = make_robot("sim", client, back, seed=seed)
    tissue = robot.tissue  # type: ignore[attr-defined]
    glide = next(i for i, b in enumerate(routine.blocks) if b.technique == "glide")
    snaps: list[tuple[int, int, float]] = []

    # The truth at one force (the block's target): a change of force is no softening.
    force_n = routine.blocks[glide].target_force_n * routine.pressure_scale

    def on_chunk(cols: Any, plan_cols: Any, events: Any) -> None:
        blk = int(plan_cols["block"][-1])
        pss = int(plan_cols["pass_index"][-1])
        k = tissue.stiffness_along_n_m(PATH_U, np.zeros_like(PATH_U), Tool.PALMS, force_n)
        snaps.append((blk, pss, float(np.median(k))))

    t0 = time.perf_counter()
    s = (
        SessionRunner(
            routine, back, BeatGrid.constant(routine.bpm), robot, seed=seed, on_chunk=on_chunk
        )
        .run()
        .summary
    )
    wall = time.perf_counter() - t0
    truth = []
    for i, (blk, pss, k) in enumerate(snaps):
        if blk == glide and pss >= 0 and i > 0:
            truth.append(0.5 * (snaps[i - 1][2] + k))
    s = {**s, "sim_truth": {**(s.get("sim_truth") or {}), **robot.sim_truth()}}  # type: ignore[attr-defined]
    thumb = [b for b in routine.blocks if b.hears_knots]
    strip_force_n = (thumb[0].target_force_n * routine.pressure_scale) if thumb else 0.0
    return {
        "summary": s,
        "glide": glide,
        "truth_by_pass": truth,
        "wall_s": wall,
        "knot_strength_truths": _knot_strength_truths(tissue, strip_force_n),
    }


def _knot_strength_truths(tissue: Any, force_n: float) -> list[tuple[float, float]]:
    """Per client knot (TRUTH): ``(felt, secant)``: the thumb's unsoftened stiffness at
    the centre over the same without the knot (the pressure bulb's share of the
    dilution), and the secant ratio at equal force ``force_n`` of that felt field (the
    force law's share on top): what a finder measuring equal-force secants can read."""
    thumb = tissue.fields.tool(Tool.THUMB)
    out = []
    for k in tissue.knots():
        felt = float(k["felt_ratio_thumb"])
        k_n_m = float(tissue.grid.sample(thumb.stiffness_n_m, k["u"], k["v"]))
        depth_m = float(tissue.grid.sample(thumb.depth_m, k["u"], k["v"]))
        d_knot, d_base = (
            float(indentation_for_force_m(kk, depth_m, force_n)) for kk in (k_n_m, k_n_m / felt)
        )
        out.append((felt, d_base / d_knot if d_knot > 0 else math.nan))
    return out


def _hit_truths(found: list[dict[str, Any]], truth: list[KnotSpec], length_m: float) -> list[int]:
    """Indices of the true knots ``match`` counts as recovered, in its order."""
    hit = set()
    for k in found:
        d = [math.hypot((float(k["u"]) - t.u) * length_m, float(k["v"]) - t.v) for t in truth]
        if d and min(d) <= TOL_M:
            hit.add(int(np.argmin(d)))
    return sorted(hit)


def _softening_row(block: dict[str, Any], truth: list[float], threshold: float) -> dict[str, Any]:
    rel = [x / truth[0] for x in truth] if truth else []
    heard = block.get("softening_pass")
    t_pass = _truth_pass(rel, threshold)
    return {
        "passes": block["passes"],
        "heard": heard,
        "truth": t_pass,
        "true_drop": round(1 - min(rel), 4) if rel else None,
        "force_changed_at": block.get("force_changed_at") or [],
        "agree": (heard is None and t_pass is None)
        or (heard is not None and t_pass is not None and abs(heard - t_pass) <= 1),
        "false_softening": heard is not None and (min(rel[: heard + 2]) > 1 - threshold + 0.01),
    }


CLIENT_GENERATORS = {"knots": knot_client, "blind": blind_client}
BLIND_FIRST_RUN = ROOT / "bench" / "results" / "listening_knots_blind_first_run.json"


def sessions(
    n_clients: int,
    first_client: int = 200,
    generator: str = "knots",
    presets: tuple[str, ...] = ("spa", "sports"),
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    make = CLIENT_GENERATORS[generator]
    for preset in presets:
        routine = load_routine(preset)
        rows = []
        for i in range(n_clients):
            client = make(first_client + i).resolved()
            r = _session(routine, client, seed=i)
            s = r["summary"]
            truth = list(client.knots or [])
            nf, tp, hit, ratios = match(s["knots"], truth, client.value("back_length_m"))
            hits, st = (
                _hit_truths(s["knots"], truth, client.value("back_length_m")),
                r["knot_strength_truths"],
            )
            rate = s.get("breathing_rate_bpm")
            g = s["blocks"][r["glide"]]
            thr = g.get("threshold") or 0.04
            rows.append(
                {
                    "client": client.name,
                    "duration_s": s["duration_s"],
                    "wall_s": round(r["wall_s"], 1),
                    "knots_true": len(truth),
                    "knots_found": nf,
                    "knots_tp": tp,
                    "knots_hit": hit,
                    "strength_rel_err": [round(f / t - 1, 3) for t, f in ratios],
                    # the same against what reaches the thumb (bulb) and what an
                    # equal-force secant can read of it (bulb and force law)
                    "strength_rel_err_felt": [
                        round(f / st[j][0] - 1, 3) for j, (_, f) in zip(hits, ratios, strict=True)
                    ],
                    "strength_rel_err_secant": [
                        round(f / st[j][1] - 1, 3) for j, (_, f) in zip(hits, ratios, strict=True)
                    ],
                    **_misses(s["knots"], truth, client.value("back_length_m")),
                    "breathing_rate_bpm": rate,
                    "breathing_true_bpm": round(client.value("breathing_rate_bpm"), 2),
                    "contact_breaks": s["contact_breaks"],
                    "sim_contact_breaks": (s.get("sim_truth") or {}).get("contact_breaks"),
                    "too_much": (s.get("sim_truth") or {}).get("too_much_episodes"),
                    "glide": _softening_row(g, r["truth_by_pass"], thr),
                    "safety_stop": s.get("ended_because"),
                }
            )
            print(preset, rows[-1], flush=True)
        out[preset] = {"figures": _session_figures(rows), "clients": rows}
    return out


def _misses(found: list[dict[str, Any]], truth: list[KnotSpec], length_m: float) -> dict[str, Any]:
    """The true knots no found knot is within 15 mm of, and the found knots near none."""

    def near(u: float, v: float, others: list[tuple[float, float]]) -> bool:
        return any(math.hypot((u - a) * length_m, v - b) <= TOL_M for a, b in others)

    f_uv = [(float(k["u"]), float(k["v"])) for k in found]
    t_uv = [(t.u, t.v) for t in truth]
    return {
        "knots_missed": [
            {"u": t.u, "v": t.v, "radius_m": t.radius_m, "stiffness_ratio": t.stiffness_ratio}
            for t in truth
            if not near(t.u, t.v, f_uv)
        ],
        "knots_false": [
            {"u": k["u"], "v": k["v"], "stiffness_ratio": k["stiffness_ratio"]}
            for k in found
            if not near(float(k["u"]), float(k["v"]), t_uv)
        ],
    }


def _share(part: int, whole: int) -> float | None:
    """``part / whole`` rounded, or None when there is nothing to share (no knot found:
    no precision; no true knot: no recall)."""
    return round(part / whole, 3) if whole else None


def _session_figures(rows: list[dict[str, Any]]) -> dict[str, Any]:
    found = sum(r["knots_found"] for r in rows)
    errs = [e for r in rows for e in r["strength_rel_err"]]
    b_err = [
        abs(r["breathing_rate_bpm"] - r["breathing_true_bpm"])
        for r in rows
        if r["breathing_rate_bpm"] is not None
    ]
    drops = [r["glide"] for r in rows if (r["glide"]["true_drop"] or 0) >= SOFT_DROP]
    return {
        "clients": len(rows),
        "knots_precision": _share(sum(r["knots_tp"] for r in rows), found),
        "knots_recall": _share(
            sum(r["knots_hit"] for r in rows), sum(r["knots_true"] for r in rows)
        ),
        "knots_true": sum(r["knots_true"] for r in rows),
        "knot_strength_within_25pct": round(float(np.mean(np.abs(errs) <= 0.25)), 3)
        if errs
        else None,
        "knot_strength_median_rel_err": round(float(np.median(errs)), 3) if errs else None,
        **{
            f"knot_strength_median_rel_err_{part}": round(float(np.median(e)), 3) if e else None
            for part in ("felt", "secant")
            for e in [[x for r in rows for x in r.get(f"strength_rel_err_{part}", [])]]
        },
        "breathing_reported": sum(r["breathing_rate_bpm"] is not None for r in rows),
        "breathing_within_1_5_bpm": sum(e <= 1.5 for e in b_err),
        "breathing_max_err_bpm": round(max(b_err), 2) if b_err else None,
        "contact_breaks_total": sum(r["contact_breaks"] for r in rows),
        "sim_contact_breaks_total": sum(r["sim_contact_breaks"] or 0 for r in rows),
        "too_much_max_per_session": max((r["too_much"] or 0) for r in rows),
        "sessions_with_more_than_one_too_much": sum((r["too_much"] or 0) > 1 for r in rows),
        "softening_clients_drop_ge_8pct": len(drops),
        "softening_within_1_pass": sum(d["agree"] for d in drops),
        "false_softening": sum(r["glide"]["false_softening"] for r in rows),
    }


def glide_listening(n_clients: int) -> dict[str, Any]:
    threshold = 0.04
    routine = Routine.model_validate(
        {
            "start_force_fraction": 1.0,
            "blocks": [
                {"technique": "rest", "duration_s": 16.0},
                {
                    "technique": "glide",
                    "target_force_n": 12.0,
                    "u_min": 0.15,
                    "u_max": 0.85,
                    "speed_m_s": 0.04,
                    "repeat": {"passes": 8},
                },
            ],
        }
    )
    rows = []
    for i in range(n_clients):
        client = knot_client(300 + i).resolved()
        r = _session(routine, client, seed=100 + i)
        row = _softening_row(r["summary"]["blocks"][1], r["truth_by_pass"], threshold)
        row["client"] = client.name
        rows.append(row)
        print("glide", row, flush=True)
    drops = [r for r in rows if (r["true_drop"] or 0) >= SOFT_DROP]
    return {
        "threshold": threshold,
        "figures": {
            "clients": len(rows),
            "clients_drop_ge_8pct": len(drops),
            "softening_within_1_pass": sum(r["agree"] for r in drops),
            "false_softening": sum(r["false_softening"] for r in rows),
            "force_changed_blocks": sum(bool(r["force_changed_at"]) for r in rows),
        },
        "clients": rows,
    }


def _glide_block(r: dict[str, Any], label: str | None) -> dict[str, Any]:
    """The glide's block in ``analyze``'s output: by its label when given, else the first
    (the whole log's figures when it has no blocks)."""
    for b in r["blocks"]:
        if label is not None and str(b.get("block")) == label:
            return dict(b)
    return dict(r["blocks"][0]) if r["blocks"] else dict(r)


def _only_glide(cols: dict[str, Any], label: str | None) -> dict[str, Any]:
    """The glide block's rows only (the glide comes first: its analysis is the same)."""
    blk = np.asarray(cols["block"], dtype=object)
    keep = blk == label if label is not None else blk != "Thumb work"
    return {
        k: np.asarray(v, dtype=object if k in ("tool", "block") else None)[keep]
        if not isinstance(v, list)
        else [x for x, m in zip(v, keep, strict=True) if m]
        for k, v in cols.items()
    }


def recorders(n_logs: int, generator: str = "second", glide_only: bool = False) -> dict[str, Any]:
    threshold = 0.05
    rows = []
    with tempfile.TemporaryDirectory() as d:
        for seed in range(n_logs):
            path = Path(d) / f"rec{seed}.csv"
            tr: Any
            make, write = GENERATORS[generator]
            cols, tr = make(seed)
            if glide_only:
                cols = _only_glide(cols, tr.extra.get("glide_block_label"))
            write(path, cols)
            try:
                r = analyze(path, threshold, back_length_m=tr.back_length_m)
            except LogError as e:  # a refused log is a miss, and says why
                print("recorder refused", seed, e, flush=True)
                r = {"knots": [], "blocks": [], "passes": 0, "softening_pass": None}
            g = _glide_block(r, tr.extra.get("glide_block_label"))
            truth = [KnotSpec(**k) for k in tr.knots]
            nf, tp, hit, ratios = match(r["knots"], truth, tr.back_length_m)
            t_pass = tr.softening_pass(threshold)
            heard = g["softening_pass"]
            early = heard is not None and (t_pass is None or heard < t_pass - 1)
            rel = tr.glide_factor_by_pass
            # The truth comes within 1 % of the threshold by the pass after the heard one
            # (as the glide part's false softening): an answer on the threshold.
            near = heard is not None and min(rel[: heard + 2]) <= 1 - threshold + 0.01
            rows.append(
                {
                    "seed": seed,
                    "passes": g["passes"],
                    "passes_true": tr.glide_passes,
                    "drop": round(tr.drop, 4),
                    "heard": heard,
                    "truth": t_pass,
                    "agree": (heard is None and t_pass is None)
                    or (heard is not None and t_pass is not None and abs(heard - t_pass) <= 1),
                    "force_change": tr.force_change,
                    "force_change_pass": tr.force_change_pass,
                    "force_changed_at": g.get("force_changed_at"),
                    "softening_from_force": tr.force_change is not None and early,
                    "softening_from_force_truth_near_threshold": tr.force_change is not None
                    and early
                    and near,
                    "knots_true": len(truth),
                    "knots_found": nf,
                    "knots_tp": tp,
                    "knots_hit": hit,
                    "strength_rel_err": [round(f / t - 1, 3) for t, f in ratios],
                    "glide_mode": tr.extra.get("glide_mode"),
                }
            )
            if glide_only:
                for key in ("knots_found", "knots_tp", "knots_hit"):
                    rows[-1][key] = 0
                rows[-1]["knots_true"] = 0
                rows[-1]["strength_rel_err"] = []
            print("recorder", rows[-1], flush=True)
    out = recorder_figures(rows, threshold)
    return {"generator": generator, "glide_only": glide_only, **out}


def recorder_figures(rows: list[dict[str, Any]], threshold: float = 0.05) -> dict[str, Any]:
    """The recorder part's figures from its rows (also from a run's printed rows)."""
    drops = [r for r in rows if r["drop"] >= SOFT_DROP]
    steady = [
        r
        for r in drops
        if r["force_change"] not in STEPS or (r["force_change_pass"] or 99) > (r["truth"] or 0) + 1
    ]
    found = sum(r["knots_found"] for r in rows)
    errs = [e for r in rows for e in r["strength_rel_err"]]
    return {
        "threshold": threshold,
        "figures": {
            "logs": len(rows),
            "passes_derived_right": sum(r["passes"] == r["passes_true"] for r in rows),
            "logs_drop_ge_8pct": len(drops),
            "softening_within_1_pass": sum(r["agree"] for r in drops),
            "logs_drop_ge_8pct_no_step_before_softening": len(steady),
            "softening_within_1_pass_no_step_before_softening": sum(r["agree"] for r in steady),
            "logs_with_force_change": sum(r["force_change"] is not None for r in rows),
            "force_change_read_as_softening": sum(r["softening_from_force"] for r in rows),
            # of those, logs whose truth is within 1 % of the threshold by then
            "of_which_truth_within_1pct_of_threshold": sum(
                bool(r.get("softening_from_force_truth_near_threshold")) for r in rows
            ),
            "steps_reported_in_force_changed_at": sum(
                r["force_change"] in STEPS
                and r["force_change_pass"] in (r["force_changed_at"] or [])
                for r in rows
            ),
            "steps": sum(r["force_change"] in STEPS for r in rows),
            "knots_precision": _share(sum(r["knots_tp"] for r in rows), found),
            "knots_recall": _share(
                sum(r["knots_hit"] for r in rows), sum(r["knots_true"] for r in rows)
            ),
            "knots_true": sum(r["knots_true"] for r in rows),
            "knot_strength_within_25pct": round(float(np.mean(np.abs(errs) <= 0.25)), 3)
            if errs
            else None,
        },
        "logs": rows,
    }


BUNDLED = ("default", "guarded", "kyphotic", "petite", "stubborn", "tall", "tight")


def _trust_row(preset: str, kind: str, client: ClientSpec, seed: int) -> dict[str, Any]:
    routine = load_routine(preset)
    r = _session(routine, client, seed)
    s = r["summary"]
    truth = s.get("sim_truth") or {}
    rate, true_rate = s.get("breathing_rate_bpm"), truth.get("breathing_rate_bpm")
    row: dict[str, Any] = {
        "preset": preset,
        "kind": kind,
        "client": client.name,
        "guarding": round(client.value("guarding"), 3),
        "duration_s": s["duration_s"],
        "wall_s": round(r["wall_s"], 1),
        "breathing_rate_bpm": rate,
        "breathing_true_bpm": true_rate,
        "breathing_err_bpm": None if rate is None else round(abs(rate - true_rate), 2),
        # a guarded client's breath slows as they relax: the rate they arrived with
        "breathing_start_bpm": truth.get("breathing_rate_start_bpm"),
        "breathing_err_start_bpm": None
        if rate is None or truth.get("breathing_rate_start_bpm") is None
        else round(abs(rate - truth["breathing_rate_start_bpm"]), 2),
        "breathing_estimates": len(s.get("breathing_over_time") or []),
        "too_much": truth.get("too_much_episodes"),
        "client_signals": [c["kind"] for c in s.get("client_signals") or []],
        "full_depth_t_s": s.get("full_depth_t_s"),
        "trust_end": (s.get("trust_over_time") or [{}])[-1].get("trust"),
        "block_force_scale": [b["force_scale"] for b in s["blocks"]],
        "contact_breaks": s["contact_breaks"],
        "sim_contact_breaks": truth.get("contact_breaks"),
        "knot_outcomes": [k.get("dwell") for k in s["knots"]],
        "safety_stop": s.get("ended_because"),
    }
    if client.knots:
        nf, tp, hit, _ = match(s["knots"], list(client.knots), client.value("back_length_m"))
        row.update({"knots_true": len(client.knots), "knots_found": nf, "knots_tp": tp})
        row["knots_hit"] = hit
    return row


def _trust_figures(rows: list[dict[str, Any]]) -> dict[str, Any]:
    errs = [r["breathing_err_bpm"] for r in rows if r["breathing_err_bpm"] is not None]
    errs0 = [r["breathing_err_start_bpm"] for r in rows if r.get("breathing_err_start_bpm")]
    pair = {r["guarding"]: r for r in rows if r["kind"] == "pair"}
    pair2 = {r["guarding"]: r for r in rows if r["kind"] == "pair2"}
    return {
        "sessions": len(rows),
        "breathing_reported": len(errs),
        "breathing_within_1_5_bpm": sum(e <= 1.5 for e in errs),
        "breathing_max_err_bpm": max(errs) if errs else None,
        # a guarded client's breath slows as they relax: against the rate they arrived with
        "breathing_max_err_vs_start_rate_bpm": max(errs0) if errs0 else None,
        "too_much_max_per_session": max((r["too_much"] or 0) for r in rows),
        "sessions_with_more_than_one_too_much": sum((r["too_much"] or 0) > 1 for r in rows),
        "full_depth_t_s_relaxed_0_05": pair.get(0.05, {}).get("full_depth_t_s"),
        "full_depth_t_s_guarded_0_95": pair.get(0.95, {}).get("full_depth_t_s"),
        "second_body_full_depth_t_s_relaxed_0_05": pair2.get(0.05, {}).get("full_depth_t_s"),
        "second_body_full_depth_t_s_guarded_0_95": pair2.get(0.95, {}).get("full_depth_t_s"),
        "contact_breaks_total": sum(r["contact_breaks"] for r in rows),
    }


TRUST_KINDS = ("bundled", "held-out", "pair", "pair2")


def trust(
    n_heldout: int,
    presets: list[str],
    pair_bodies: tuple[int, ...] = (520, 521),
    kinds: tuple[str, ...] = TRUST_KINDS,
    old: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Breathing, "too much" and time to depth with both presets on the bundled clients,
    held-out clients (``knot_clients``, not tuned on), and held-out bodies each made very
    guarded (0.95) and relaxed (0.05): the same body, the same seed (``pair`` the first
    body, ``pair2`` the second). Only the ``kinds`` asked for are run; the rows of other
    kinds in ``old`` (an earlier run's trust part) are kept, and the figures are over all."""
    from backstroke.body.client_file import load_client

    out: dict[str, Any] = {}
    for preset in presets:
        cases: list[tuple[str, ClientSpec, int]] = []
        if "bundled" in kinds:
            cases += [("bundled", load_client(name).resolved(), 0) for name in BUNDLED]
        if "held-out" in kinds:
            cases += [("held-out", knot_client(500 + i).resolved(), i) for i in range(n_heldout)]
        for n, body in enumerate(pair_bodies[:2]):
            kind = ("pair", "pair2")[n]
            if kind not in kinds:
                continue
            pair = knot_client(body).resolved()
            for g in (0.05, 0.95):
                c = ClientSpec(**{**pair.model_dump(), "guarding": g, "name": f"{pair.name}-g{g}"})
                cases.append((kind, c, 7))
        kept = [
            r
            for r in ((old or {}).get(preset) or {}).get("sessions") or []
            if r.get("kind") not in kinds
        ]
        rows: list[dict[str, Any]] = []
        for kind, client, seed in cases:
            rows.append(_trust_row(preset, kind, client, seed))
            print("trust", rows[-1], flush=True)
        order = {k: i for i, k in enumerate(TRUST_KINDS)}
        rows = sorted(kept + rows, key=lambda r: order.get(r["kind"], len(order)))
        out[preset] = {"figures": _trust_figures(rows), "sessions": rows}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=6, help="held-out clients per preset")
    ap.add_argument(
        "--first-client",
        type=int,
        default=200,
        help="sessions: the first knot_client seed (other than 200: key sessions_from_N)",
    )
    ap.add_argument("--glide-clients", type=int, default=12)
    ap.add_argument("--logs", type=int, default=30, help="recorder logs")
    ap.add_argument("--parts", default="recorders,glide,sessions,trust")
    ap.add_argument(
        "--recorder",
        default="second",
        choices=tuple(GENERATORS),
        help="recorder generator: tests/recorder_logs.py, tests/sense/lab_logs.py, "
        "tests/sense/clinic_logs.py, tests/sense/studio_logs.py or tests/sense/ward_logs.py "
        "(the last two held out)",
    )
    ap.add_argument(
        "--glide-only",
        action="store_true",
        help="recorders: analyse only the glide block's rows (softening figures, no knots)",
    )
    ap.add_argument("--rows-from", help="recorders: figures from a run's printed rows")
    ap.add_argument(
        "--no-bridge",
        action="store_true",
        help="recorders: the 'before' figure: softening judged only inside force segments",
    )
    ap.add_argument("--trust-heldout", type=int, default=3, help="held-out clients (trust)")
    ap.add_argument("--presets", default="spa,sports", help="presets (sessions and trust)")
    ap.add_argument(
        "--generator",
        default="knots",
        choices=tuple(CLIENT_GENERATORS),
        help="sessions: tests/session/knot_clients.py or the blind knot_clients_blind.py "
        "(key sessions_blind_from_N; its first run also in "
        "bench/results/listening_knots_blind_first_run.json)",
    )
    ap.add_argument(
        "--trust-pair-bodies", default="520,521", help="held-out bodies made guarded/relaxed"
    )
    ap.add_argument(
        "--trust-kinds",
        default=",".join(TRUST_KINDS),
        help="trust cases to run (the others' rows are kept from the last run)",
    )
    args = ap.parse_args()
    parts = set(args.parts.split(","))
    old = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    res: dict[str, Any] = dict(old)
    t0 = time.perf_counter()
    if args.rows_from:
        # Figures of a run stopped early, from the rows it printed ("recorder {...}").
        rows = [
            ast.literal_eval(line.split(" ", 1)[1])
            for line in Path(args.rows_from).read_text().splitlines()
            if line.startswith("recorder ")
        ]
        print(json.dumps(recorder_figures(rows)["figures"], indent=1))
        return
    if args.no_bridge:
        # Benchmark only: the detector as it was before sense/force_bridge.py.
        from backstroke.sense.softening import SofteningDetector

        SofteningDetector._bridge = lambda self: (None, [], [])  # type: ignore[method-assign]
    if "recorders" in parts:
        key = "recorders" if args.recorder == "second" else f"recorders_{args.recorder}"
        if args.glide_only:
            key += "_glide_only"
        if args.no_bridge:
            key += "_no_bridge"
        res[key] = {
            **recorders(args.logs, args.recorder, args.glide_only),
            "command": " ".join(sys.argv[1:]),
        }
    if "glide" in parts:
        res["glide_listening"] = glide_listening(args.glide_clients)
    if "sessions" in parts:
        key = "sessions" if args.first_client == 200 else f"sessions_from_{args.first_client}"
        if args.generator != "knots":
            key = f"sessions_{args.generator}_from_{args.first_client}"
        presets = tuple(args.presets.split(","))
        got = sessions(args.clients, args.first_client, args.generator, presets)
        res[key] = {**got, "command": " ".join(sys.argv[1:])}
        if args.generator == "blind" and not BLIND_FIRST_RUN.exists():
            # The blind generator's first run is kept as it came out.
            BLIND_FIRST_RUN.write_text(json.dumps(res[key], indent=2, allow_nan=False) + "\n")
    if "trust" in parts:
        bodies = tuple(int(b) for b in args.trust_pair_bodies.split(","))
        kinds = tuple(args.trust_kinds.split(","))
        got = trust(args.trust_heldout, args.presets.split(","), bodies, kinds, res.get("trust"))
        res["trust"] = {**(res.get("trust") or {}), **got}
    res["wall_s_last_run"] = round(time.perf_counter() - t0, 1)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(res, indent=2, allow_nan=False) + "\n")
    summary = {
        k: v.get("figures") for k, v in res.items() if isinstance(v, dict) and "figures" in v
    }
    for part in [k for k in res if k.startswith("sessions")] + ["trust"]:
        summary.update(
            {
                f"{part}.{p}": v["figures"]
                for p, v in (res.get(part) or {}).items()
                if isinstance(v, dict) and "figures" in v
            }
        )
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
