"""Benchmark of ``backstroke.learn`` → bench/results/learn.json.

Held-out figures (the issue's "Done when") on generator H (tests/learn/h_synth.py,
written blind in session 6; its first, blind run is kept in
bench/results/learn_blind_H_first_run.json, ``--blind-h`` wrote it and refuses to redo
it; its misses were then fixed generically, so the "generator_H" rows are not blind),
on generator G (tests/learn/g_synth.py, likewise), on generator F (tests/learn/f_synth.py,
written last; its first, blind run is kept in bench/results/learn_blind_F_first_run.json,
``--blind-f`` wrote it and refuses to redo it; generic causes of its misses were then
fixed, so the "generator_F" rows here are not blind), on generator E (tests/learn/e_synth.py,
written after the tempo fix; its first, blind run is kept in
bench/results/learn_blind_E_first_run.json, ``--blind-e`` wrote it and refuses to redo
it; its failures were then fixed, so the "generator_E" rows here are not blind), on
generator D (tests/learn/fresh_synth.py,
written last and run once, blind), on generator C (tests/learn/blind_synth.py: its first
blind run is kept in bench/results/learn_first_blind_run.json; its failures were then
fixed, so it is no longer blind) and on generator B (tests/learn/heldout_synth.py, used
during development): per demonstration, the
learned block sequence, the worst block force error, the worst pass error, the BPM
error and the planned duration error; with no labels, free-text labels and (C only)
numeric labels as backstroke's own logs write them. Then ``compare`` on generator A's
and generator F's learner variants (too hard, too fast, lifting off): the rank of the
real fault.

Generator I (tests/learn/i_synth.py, written blind in session 7) is not in the full
run until its first, blind run exists: ``--blind-i`` writes it, once, to
bench/results/learn_blind_I_first_run.json and refuses to redo it. Generator J
(tests/learn/j_synth.py, written blind in session 9) likewise: ``--blind-j`` writes its
one first run to bench/results/learn_blind_J_first_run.json, and generator K
(tests/learn/k_synth.py, session 10) ``--blind-k`` to learn_blind_K_first_run.json,
and generator L (tests/learn/l_synth.py, session 12) ``--blind-l`` to
learn_blind_L_first_run.json.
``--only GHIJ`` re-runs just those generators' rows and merges them into learn.json
(with ``--modes none``, only the unlabelled rows: the labelled ones stay as they were).
``python -m bench.learn_beat`` scores the learned BPM alone on cached move timings
(minutes, not an hour).

Run: ``.venv/bin/python -m bench.learn [--quick]``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "learn.json"
FIRST_E = ROOT / "bench" / "results" / "learn_blind_E_first_run.json"
FIRST_F = ROOT / "bench" / "results" / "learn_blind_F_first_run.json"
FIRST_G = ROOT / "bench" / "results" / "learn_blind_G_first_run.json"
FIRST_H = ROOT / "bench" / "results" / "learn_blind_H_first_run.json"
FIRST_I = ROOT / "bench" / "results" / "learn_blind_I_first_run.json"
FIRST_J = ROOT / "bench" / "results" / "learn_blind_J_first_run.json"
FIRST_K = ROOT / "bench" / "results" / "learn_blind_K_first_run.json"
FIRST_L = ROOT / "bench" / "results" / "learn_blind_L_first_run.json"
sys.path.insert(0, str(ROOT))

from tests.learn.blind_synth import blind  # noqa: E402
from tests.learn.e_synth import e_demo  # noqa: E402
from tests.learn.f_synth import f_demo  # noqa: E402
from tests.learn.fresh_synth import fresh  # noqa: E402
from tests.learn.g_synth import FAULT_ELEMENT, GDemo, g_demo, g_learner  # noqa: E402
from tests.learn.h_synth import FAULT_ELEMENT as H_FAULT_ELEMENT  # noqa: E402
from tests.learn.h_synth import h_demo, h_learner, to_csv  # noqa: E402
from tests.learn.heldout_synth import generate  # noqa: E402
from tests.learn.i_synth import FAULT_ELEMENT as I_FAULT_ELEMENT  # noqa: E402
from tests.learn.i_synth import i_demo, i_learner  # noqa: E402
from tests.learn.i_synth import to_csv as i_to_csv  # noqa: E402
from tests.learn.j_synth import FAULT_ELEMENT as J_FAULT_ELEMENT  # noqa: E402
from tests.learn.j_synth import j_demo, j_learner  # noqa: E402
from tests.learn.j_synth import to_csv as j_to_csv  # noqa: E402
from tests.learn.k_synth import FAULT_ELEMENT as K_FAULT_ELEMENT  # noqa: E402
from tests.learn.k_synth import k_demo, k_learner  # noqa: E402
from tests.learn.l_synth import FAULT_ELEMENT as L_FAULT_ELEMENT  # noqa: E402
from tests.learn.l_synth import l_demo, l_learner, l_to_csv  # noqa: E402
from tests.learn.master_synth import Style, TrueKnot, spa_like, synthesize  # noqa: E402
from tests.learn.scoring import score  # noqa: E402

from backstroke.analyze.log_files import read_csv_columns as _read_csv  # noqa: E402
from backstroke.learn.compare import differences  # noqa: E402
from backstroke.learn.demo import log_from_columns, make_demo  # noqa: E402
from backstroke.learn.elements import figures  # noqa: E402

# fault → (the element compare should rank, the learner style's changes)
FAULTS: dict[str, tuple[str, dict[str, Any]]] = {
    "too_hard": ("pressure", {"force_scale": 1.4}),
    "too_fast": ("speed", {"beat_scale": 0.5}),
    "lifting_off": ("continuity", {"lifts": 3}),
}


def _summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    ok = [r for r in rows if "error" not in r]
    seq = [r for r in ok if r["sequence_ok"]]

    def frac(key: str, lim: float) -> float:
        return round(sum(r[key] <= lim for r in seq) / max(len(rows), 1), 3)

    return {
        "demonstrations": len(rows),
        "errors": len(rows) - len(ok),
        "sequence_right": round(len(seq) / max(len(rows), 1), 3),
        "force_within_15pct": frac("force_err", 0.15),
        "passes_within_1": frac("passes_err", 1),
        "bpm_within_3pct": round(sum(r["bpm_err"] <= 0.03 for r in ok) / max(len(rows), 1), 3),
        "duration_within_30pct": round(
            sum(r["duration_err"] <= 0.30 for r in ok) / max(len(rows), 1), 3
        ),
        "all_criteria": round(sum(r.get("ok", False) for r in rows) / max(len(rows), 1), 3),
        "worst_force_err": max((r["force_err"] for r in seq), default=None),
        "worst_passes_err": max((r["passes_err"] for r in seq), default=None),
        "worst_bpm_err": max((r["bpm_err"] for r in ok), default=None),
        "worst_duration_err": max((r["duration_err"] for r in ok), default=None),
        "median_duration_err": float(np.median([r["duration_err"] for r in ok])) if ok else None,
    }


def _score_one(
    cols: dict[str, Any],
    truth: Any,
    bpm: float,
    length: float,
    dur: float,
    given_length: float | None = None,
) -> dict[str, Any]:
    try:
        s = score(
            cols,
            techniques=[b.technique for b in truth],
            forces_n=[b.force_n for b in truth],
            passes=[b.passes for b in truth],
            bpm=bpm,
            back_length_m=length,
            duration_s=dur,
            given_back_length_m=given_length,
        )
        return s.to_dict()
    except Exception as exc:
        return {"error": f"{type(exc).__name__}: {exc}"[:300], "ok": False}


def _run_generator(
    make: Callable[..., Any], modes: dict[str, dict[str, bool]], n: int
) -> dict[str, Any]:
    """Score ``n`` seeds of one demonstration generator in each label mode
    (``make(seed, **modes[mode])``)."""
    out: dict[str, Any] = {}
    for mode, kwargs in modes.items():
        rows = []
        for seed in range(n):
            g = make(seed, **kwargs)
            row = _score_one(
                g.columns,
                g.blocks,
                g.bpm,
                g.back_length_m,
                g.duration_s,
                getattr(g, "given_back_length_m", None),
            )
            row.update(seed=seed, bpm=round(g.bpm, 2), blocks=len(g.blocks))
            rows.append(row)
        out[mode] = {"summary": _summary(rows), "failures": [r for r in rows if not r.get("ok")]}
    return out


_LABELS = {"none": {"labels": False}, "text": {"labels": True}}


def run_c(n: int) -> dict[str, Any]:
    modes = {
        "none": {"labels": False, "numeric": False},
        "text": {"labels": True, "numeric": False},
        "numeric": {"labels": True, "numeric": True},
    }
    return _run_generator(blind, modes, n)


def run_d(n: int) -> dict[str, Any]:
    return _run_generator(fresh, _LABELS, n)


def run_e(n: int) -> dict[str, Any]:
    return _run_generator(e_demo, _LABELS, n)


def run_f(n: int) -> dict[str, Any]:
    return _run_generator(f_demo, _LABELS, n)


@dataclass(frozen=True)
class _GTruth:
    technique: str
    force_n: float
    passes: int


def _g_columns(d: GDemo) -> dict[str, Any]:
    """G's demonstration as ``backstroke learn`` reads it: written to CSV, read back."""
    with tempfile.TemporaryDirectory() as tmp:
        return _read_csv(d.write_csv(Path(tmp) / "demo.csv"))


def run_g(n: int) -> dict[str, Any]:
    """Generator G (tests/learn/g_synth.py): a human therapist's performance, through
    the CSV reader, scored by ``_run_generator``'s loop."""

    @dataclass(frozen=True)
    class _G:
        columns: dict[str, Any]
        blocks: list[_GTruth]
        bpm: float
        back_length_m: float
        duration_s: float

    def make(seed: int, labels: bool) -> _G:
        d = g_demo(seed, labelled=labels)
        truth = [
            _GTruth(b.technique, b.force_n, p) for b, p in zip(d.spec.blocks, d.passes, strict=True)
        ]
        return _G(_g_columns(d), truth, d.spec.bpm, d.spec.back_length_m, d.duration_s)

    return _run_generator(make, _LABELS, n)


def _rank_faults(
    n: int, elements: dict[str, str], figures_of: Callable[[int, bool, str | None], Any]
) -> dict[str, Any]:
    """``compare`` of each seed's master (``figures_of(seed, labels, None)``) against
    each learner variant (``figures_of(seed, labels, fault)``; labels on odd seeds):
    the rank of the variant's real fault (``elements[fault]``)."""
    res: dict[str, Any] = {k: [] for k in elements}
    for seed in range(n):
        labels = seed % 2 == 1
        master = figures_of(seed, labels, None)
        for fault, element in elements.items():
            row: dict[str, Any] = {"seed": seed, "labels": labels}
            try:
                diffs = differences(master, figures_of(seed, labels, fault))
                row["rank"] = next(
                    (i + 1 for i, d in enumerate(diffs) if d.element == element), None
                )
                row["top3"] = [d.element for d in diffs[:3]]
            except Exception as exc:
                row.update(rank=None, error=f"{type(exc).__name__}: {exc}"[:300])
            res[fault].append(row)
    return {
        k: {"in_top3": sum(1 for r in v if r["rank"] and r["rank"] <= 3) / len(v), "runs": v}
        for k, v in res.items()
    }


def run_compare_g(n: int) -> dict[str, Any]:
    """``compare`` on generator G: the master against each learner variant of the same
    score (labels on odd seeds); the rank of the real fault."""

    def fig(seed: int, labels: bool, fault: str | None) -> Any:
        if fault is None:
            d = g_demo(seed, labelled=labels)
        else:
            d = g_learner(seed, fault, labelled=labels)
        return figures(make_demo(log_from_columns(_g_columns(d))))

    return _rank_faults(n, dict(FAULT_ELEMENT), fig)


def run_compare_f(n: int) -> dict[str, Any]:
    """``compare`` on generator F: its master against each learner variant of the same
    routine (labels on odd seeds); the rank of the real fault."""

    def fig(seed: int, labels: bool, variant: str | None) -> Any:
        d = f_demo(seed, labels=labels, variant=variant)
        return figures(make_demo(log_from_columns(d.columns), None))

    return _rank_faults(n, {name: element for name, (element, _) in FAULTS.items()}, fig)


def _csv_columns(columns: dict[str, Any], write: Any) -> dict[str, Any]:
    """A generator's log as ``backstroke learn`` reads it: written to CSV by the
    generator's own writer (``write(columns, path)``), read back."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "demo.csv"
        write(columns, str(path))
        return _read_csv(path)


@dataclass(frozen=True)
class _H:
    columns: dict[str, Any]
    blocks: list[_GTruth]
    bpm: float
    back_length_m: float
    duration_s: float
    given_back_length_m: float | None


def _run_csv_generator(demo: Any, write: Any, n: int) -> dict[str, Any]:
    """A generator whose ``demo(seed, labels)`` gives ``.columns`` and a ``.truth`` of
    techniques, forces, passes, BPM, back length, duration and the back length to give
    (H, I), through the CSV reader, scored by ``_run_generator``'s loop."""

    def make(seed: int, labels: bool) -> _H:
        d = demo(seed, labels)
        t = d.truth
        truth = [
            _GTruth(tech, f, p)
            for tech, f, p in zip(t.techniques, t.forces_n, t.passes, strict=True)
        ]
        return _H(
            _csv_columns(d.columns, write),
            truth,
            t.bpm,
            t.back_length_m,
            t.duration_s,
            t.given_back_length_m,
        )

    return _run_generator(make, _LABELS, n)


def _compare_csv_generator(
    demo: Any, learner: Any, write: Any, faults: dict[str, str], n: int
) -> dict[str, Any]:
    """``compare`` on such a generator: the master against each learner variant of the
    same score (``learner(seed, fault, labels)``); the rank of the real fault."""

    def fig(seed: int, labels: bool, fault: str | None) -> Any:
        if fault is None:
            d = demo(seed, labels)
            cols, given = d.columns, d.truth.given_back_length_m
        else:
            cols = learner(seed, fault, labels)
            given = demo(seed, labels).truth.given_back_length_m if "x_m" not in cols else None
        return figures(make_demo(log_from_columns(_csv_columns(cols, write)), given))

    return _rank_faults(n, faults, fig)


def run_h(n: int) -> dict[str, Any]:
    """Generator H (tests/learn/h_synth.py); the back length is given when the log has
    no positions."""
    return _run_csv_generator(h_demo, to_csv, n)


def run_compare_h(n: int) -> dict[str, Any]:
    return _compare_csv_generator(h_demo, h_learner, to_csv, dict(H_FAULT_ELEMENT), n)


def run_i(n: int) -> dict[str, Any]:
    """Generator I (tests/learn/i_synth.py, written blind), scored like H."""
    return _run_csv_generator(i_demo, i_to_csv, n)


def run_compare_i(n: int) -> dict[str, Any]:
    return _compare_csv_generator(i_demo, i_learner, i_to_csv, dict(I_FAULT_ELEMENT), n)


def run_j(n: int) -> dict[str, Any]:
    """Generator J (tests/learn/j_synth.py, written blind in session 9), scored like H."""
    return _run_csv_generator(j_demo, j_to_csv, n)


def run_compare_j(n: int) -> dict[str, Any]:
    return _compare_csv_generator(j_demo, j_learner, j_to_csv, dict(J_FAULT_ELEMENT), n)


def run_k(n: int) -> dict[str, Any]:
    """Generator K (tests/learn/k_synth.py, written in session 10), scored like H."""
    return _run_csv_generator(k_demo, j_to_csv, n)


def run_compare_k(n: int) -> dict[str, Any]:
    return _compare_csv_generator(k_demo, k_learner, j_to_csv, dict(K_FAULT_ELEMENT), n)


def run_l(n: int) -> dict[str, Any]:
    """Generator L (tests/learn/l_synth.py, written blind in session 12), scored like H."""
    return _run_csv_generator(l_demo, l_to_csv, n)


def run_compare_l(n: int) -> dict[str, Any]:
    return _compare_csv_generator(l_demo, l_learner, l_to_csv, dict(L_FAULT_ELEMENT), n)


def run_b(n: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for mode in ("none", "text"):
        rows = []
        for seed in range(n):
            g = generate(seed, labels=mode == "text")
            row = _score_one(g.columns, g.truth, g.bpm, g.back_length_m, g.duration_s)
            row.update(seed=seed, bpm=round(g.bpm, 2))
            rows.append(row)
        out[mode] = {"summary": _summary(rows), "failures": [r for r in rows if not r.get("ok")]}
    return out


def run_compare(n: int) -> dict[str, Any]:
    knots = [TrueKnot(0.5, 0.03), TrueKnot(0.68, -0.03)]
    res: dict[str, Any] = {k: [] for k in FAULTS}
    for seed in range(n):
        bpm = 50 + 30 * (seed / max(n - 1, 1))
        blocks = spa_like(bpm)

        def fig(style: Style, blocks: list[Any] = blocks, bpm: float = bpm):  # type: ignore[no-untyped-def]
            d = synthesize(blocks, bpm=bpm, style=style)
            return figures(make_demo(log_from_columns(d.columns), 0.51))

        master = fig(Style(seed=seed, knots=knots))
        for name, (element, kw) in FAULTS.items():
            learner = fig(Style(seed=seed + 100, knots=knots, **kw))
            diffs = differences(master, learner)
            rank = next((i + 1 for i, d in enumerate(diffs) if d.element == element), None)
            res[name].append(
                {
                    "seed": seed,
                    "bpm": round(bpm, 1),
                    "rank": rank,
                    "top3": [d.element for d in diffs[:3]],
                }
            )
    return {
        k: {"in_top3": sum(1 for r in v if r["rank"] and r["rank"] <= 3) / len(v), "runs": v}
        for k, v in res.items()
    }


def _blind_first_run(letter: str, path: Path, run: Any, compare: Any) -> None:
    """A generator's one blind first run (``run()``, ``compare()``) written to ``path``,
    refused when it exists."""
    if path.exists():
        sys.exit(f"{path} exists: the first blind run is kept, not redone")
    first = {f"blind_generator_{letter}": run(), f"compare_generator_{letter}": compare()}
    path.write_text(json.dumps(first, indent=1) + "\n")
    for mode, r in first[f"blind_generator_{letter}"].items():
        print(f"blind_generator_{letter}", mode, json.dumps(r["summary"]))
    for k, v in first[f"compare_generator_{letter}"].items():
        print(f"compare {letter}", k, "in top 3:", v["in_top3"])
    print(f"wrote {path}")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--blind-e", action="store_true", help="generator E only, to FIRST_E")
    ap.add_argument("--e-only", action="store_true", help="generator E only, printed")
    ap.add_argument("--blind-f", action="store_true", help="generator F only, to FIRST_F")
    ap.add_argument("--blind-g", action="store_true", help="generator G only, to FIRST_G")
    ap.add_argument("--blind-h", action="store_true", help="generator H only, to FIRST_H")
    ap.add_argument("--blind-i", action="store_true", help="generator I only, to FIRST_I")
    ap.add_argument("--blind-j", action="store_true", help="generator J only, to FIRST_J")
    ap.add_argument("--blind-k", action="store_true", help="generator K only, to FIRST_K")
    ap.add_argument("--blind-l", action="store_true", help="generator L only, to FIRST_L")
    ap.add_argument(
        "--only", default="", help="these generators' rows only (letters, e.g. GHIJ), printed"
    )
    ap.add_argument("--modes", default="none,text", help="label modes of --only (none,text)")
    args = ap.parse_args(argv)
    for mode in list(_LABELS):
        if mode not in args.modes.split(","):
            del _LABELS[mode]
    n = 8 if args.quick else 40
    blind = {
        "L": (args.blind_l, FIRST_L, run_l, lambda: run_compare_l(n // 2)),
        "K": (args.blind_k, FIRST_K, run_k, lambda: run_compare_k(n // 2)),
        "J": (args.blind_j, FIRST_J, run_j, lambda: run_compare_j(n)),
        "I": (args.blind_i, FIRST_I, run_i, lambda: run_compare_i(n)),
        "H": (args.blind_h, FIRST_H, run_h, lambda: run_compare_h(n)),
        "G": (args.blind_g, FIRST_G, run_g, lambda: run_compare_g(n // 2)),
        "F": (args.blind_f, FIRST_F, run_f, lambda: run_compare_f(n)),
    }
    for letter, (asked, path, run, compare) in blind.items():
        if asked:
            _blind_first_run(letter, path, lambda run=run: run(n), compare)
            return
    if args.blind_e or args.e_only:
        first = {"blind_generator_E": run_e(n)}
        if args.blind_e and FIRST_E.exists():
            sys.exit(f"{FIRST_E} exists: the first blind run is kept, not redone")
        if args.blind_e:
            FIRST_E.write_text(json.dumps(first, indent=1) + "\n")
        for mode, r in first["blind_generator_E"].items():
            print("blind_generator_E", mode, json.dumps(r["summary"]))
        if args.blind_e:
            print(f"wrote {FIRST_E}")
        return
    rows = {
        "L": ("generator_L", run_l),
        "K": ("generator_K", run_k),
        "J": ("generator_J", run_j),
        "I": ("generator_I", run_i),
        "H": ("generator_H", run_h),
        "G": ("generator_G", run_g),
        "F": ("generator_F", run_f),
        "E": ("generator_E", run_e),
        "D": ("blind_generator_D", run_d),
        "C": ("heldout_generator_C", run_c),
        "B": ("development_generator_B", run_b),
    }
    if not FIRST_K.exists():  # K joins the full run after its one blind first run
        del rows["K"]
    if not FIRST_L.exists():  # L likewise; --only L would spend its blindness
        if "L" in args.only.upper():
            sys.exit(f"{FIRST_L} does not exist: run --blind-l first (once)")
        del rows["L"]
    if args.only:  # those rows re-run, merged into RESULTS
        merged = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
        for letter in args.only.upper():
            name, run_gen = rows[letter]
            # the modes not re-run keep their earlier rows
            merged[name] = merged.get(name, {}) | run_gen(n)
            for mode, r in merged[name].items():
                print(name, mode, json.dumps(r["summary"]))
                print("  misses:", [f["seed"] for f in r["failures"]], flush=True)
            RESULTS.write_text(json.dumps(merged, indent=1) + "\n")
        return
    result = {name: run_gen(n) for name, run_gen in rows.values()}
    m = 4 if args.quick else 10
    k = 8 if args.quick else 20
    result |= {
        "compare_generator_A": run_compare(m),
        "compare_generator_F": run_compare_f(k),
        "compare_generator_G": run_compare_g(k),
        "compare_generator_H": run_compare_h(k),
        "compare_generator_I": run_compare_i(k),
        "compare_generator_J": run_compare_j(k),
    }
    if FIRST_K.exists():
        result["compare_generator_K"] = run_compare_k(k)
    if FIRST_L.exists():
        result["compare_generator_L"] = run_compare_l(k)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=1) + "\n")
    for name, _ in rows.values():
        for mode, r in result[name].items():
            print(name, mode, json.dumps(r["summary"]))
    for key, v0 in result.items():
        if key.startswith("compare_"):
            for fault, v in v0.items():
                print(key, fault, "in top 3:", v["in_top3"])
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
