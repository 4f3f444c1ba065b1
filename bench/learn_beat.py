"""The learned BPM alone, on cached move timings: ``python -m bench.learn_beat``.

Full scoring (``bench.learn``) runs the whole learner on every demonstration (about an
hour for all generators); the tempo depends only on the moves' timings, which depend on
the onset fits (``learn.onsets``, ``learn.bell``) and on the stops (``learn.pieces``),
not on the beat fit. This times each demonstration's moves once with every start model
(no labels: the stops do not read them), caches them in ``.cache/learn_moves`` (keyed
by the source of the files they depend on, so a change there re-times), and scores
``learn.onsets.choose_beat`` on them: per generator, the demonstrations whose BPM is
within 3 % of the truth and, for each miss, the learned over the true BPM.

``--letters BFK`` picks generators, ``--n`` the seeds (40), ``--json PATH`` writes the
rows. Writes nothing to bench/results unless asked (``--json``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from tests.learn.blind_synth import blind
from tests.learn.e_synth import e_demo
from tests.learn.f_synth import f_demo
from tests.learn.fresh_synth import fresh
from tests.learn.g_synth import g_demo
from tests.learn.h_synth import h_demo
from tests.learn.h_synth import to_csv as h_to_csv
from tests.learn.heldout_synth import generate
from tests.learn.i_synth import i_demo
from tests.learn.i_synth import to_csv as i_to_csv
from tests.learn.j_synth import j_demo
from tests.learn.j_synth import to_csv as j_to_csv
from tests.learn.k_synth import k_demo

from backstroke.learn.demo import log_from_columns, make_demo
from backstroke.learn.onsets import START_MODELS, _moves, choose_beat, stop_samples
from backstroke.learn.pieces import cut_pieces
from bench.learn import ROOT, _csv_columns, _g_columns

CACHE = ROOT / ".cache" / "learn_moves"
# The move timings depend on these; the beat fit (learn/beat.py) does not enter them.
TIMING_SOURCES = ("onsets.py", "bell.py", "pieces.py", "demo.py")

Demo = tuple[dict[str, Any], float, float | None]  # columns, true BPM, given back length


def _csv(demo: Callable[..., Any], write: Any) -> Callable[[int], Demo]:
    def make(seed: int) -> Demo:
        d = demo(seed, False)
        t = d.truth
        return _csv_columns(d.columns, write), t.bpm, t.given_back_length_m

    return make


GENERATORS: dict[str, Callable[[int], Demo]] = {
    "B": lambda s: (lambda g: (g.columns, g.bpm, None))(generate(s, labels=False)),
    "C": lambda s: (lambda g: (g.columns, g.bpm, None))(blind(s, labels=False)),
    "D": lambda s: (lambda g: (g.columns, g.bpm, None))(fresh(s, labels=False)),
    "E": lambda s: (lambda g: (g.columns, g.bpm, None))(e_demo(s, labels=False)),
    "F": lambda s: (lambda g: (g.columns, g.bpm, None))(f_demo(s, labels=False)),
    "G": lambda s: (lambda d: (_g_columns(d), d.spec.bpm, None))(g_demo(s, labelled=False)),
    "H": _csv(h_demo, h_to_csv),
    "I": _csv(i_demo, i_to_csv),
    "J": _csv(j_demo, j_to_csv),
    "K": _csv(k_demo, j_to_csv),
}


def _source_key() -> str:
    src = ROOT / "src" / "backstroke" / "learn"
    h = hashlib.sha1()
    for name in TIMING_SOURCES:
        h.update((src / name).read_bytes())
    return h.hexdigest()[:10]


def timings(letter: str, seed: int) -> tuple[dict[str, list[Any]], float]:
    """Every start model's move timings of demonstration ``seed`` of generator
    ``letter`` (``learn.onsets._moves``), and its true BPM; cached."""
    path = CACHE / _source_key() / f"{letter}{seed}.pkl"
    if path.exists():
        with path.open("rb") as f:
            out: tuple[dict[str, list[Any]], float] = pickle.load(f)
        return out
    cols, bpm, given = GENERATORS[letter](seed)
    d = make_demo(log_from_columns(cols), given)
    holds_end = [p.b - 1 for p in cut_pieces(d) if p.kind == "still"]
    stops = np.concatenate([stop_samples(d), np.asarray(holds_end, dtype=np.int64)])
    out = ({m: _moves(d, stops, m) for m in START_MODELS}, float(bpm))
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        pickle.dump(out, f)
    return out


def run(letters: str, n: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for letter in letters:
        rows = []
        for seed in range(n):
            moves, truth = timings(letter, seed)
            fit = choose_beat(moves)
            ratio = (fit.bpm or float("nan")) / truth
            rows.append({"seed": seed, "bpm": round(truth, 2), "ratio": round(ratio, 4)})
        hits = sum(abs(r["ratio"] - 1) <= 0.03 for r in rows)
        misses = [(r["seed"], r["ratio"]) for r in rows if not abs(r["ratio"] - 1) <= 0.03]
        out[letter] = {"bpm_within_3pct": hits, "of": n, "rows": rows}
        print(f"{letter}: BPM within 3 % {hits}/{n}; misses (seed, ratio):", misses, flush=True)
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--letters", default="BCDEFGHIJK")
    ap.add_argument("--n", type=int, default=40)
    ap.add_argument("--json", default="")
    args = ap.parse_args(argv)
    res = run(args.letters.upper(), args.n)
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=1) + "\n")


if __name__ == "__main__":
    main()
