"""Fingerprints of every routine in the repository as planned (the behaviour a refactor keeps).

For each routine (the presets, ``examples/routines``, the good corpus and the test
routines) on a few bundled clients: the sha256 of the plan.json ``backstroke plan``
writes, the sha256 of every block's passes up to its most passes as the runner asks
for them (thumb blocks dwelling on two fixed knots), each block's start point and
speed, and the duration estimates. ``python -m tests.plan.plan_fingerprint --write``
regenerates ``plan_reference.json`` (do that only for an intended change of plans).
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

from backstroke.body.back_model import BackModel
from backstroke.body.client_file import load_client
from backstroke.music.grid import BeatGrid
from backstroke.plan.io import plan_to_json
from backstroke.plan.planner import Planner, compile_plan
from backstroke.routine.duration import estimated_duration_s, pass_duration_s
from backstroke.routine.io import load_routine
from backstroke.routine.schema import Block, Routine

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = Path(__file__).with_name("plan_reference.json")
ROUTINES = (
    "spa",
    "sports",
    "examples/routines/deep-tissue-lumbar.toml",
    "examples/routines/upper-back-release.toml",
    "examples/routines/quick-reset.toml",
    "tests/corpus/good/routine_minimal.toml",
    "tests/corpus/good/routine_every_key.toml",
    "tests/robot/short_routine.toml",
    "tests/sweep/short.toml",
    "tests/sweep/short_thumbs.toml",
    "tests/sweep/tiny.toml",
)
# The presets on three bodies; the rest on the default client.
PRESET_CLIENTS = ("default", "petite", "kyphotic")
# Knots a thumb block dwells on in the pass fingerprints (chart u, v_m).
DWELL_AT = ((0.4, 0.03), (0.55, -0.035))


def _sha(obj: Any) -> str:
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"), allow_nan=True)
    return hashlib.sha256(text.encode()).hexdigest()


def _segments(planner: Planner, index: int, passes: int) -> list[Any]:
    out = []
    for p in range(passes):
        for s in planner.pass_segments(index, DWELL_AT, p):
            out.append(
                [
                    s.kind,
                    str(s.tool),
                    np.asarray(s.u).tobytes().hex(),
                    np.asarray(s.v_m).tobytes().hex(),
                    repr(s.force_n),
                    repr(s.tilt_deg),
                    repr(s.speed_m_s),
                    s.beats,
                    s.label,
                    s.turnaround,
                ]
            )
    return out


def _policy(b: Block) -> list[Any]:
    """What the runner and the listener ask of a block (passes, listening, dwelling)."""
    return [
        b.planned_passes,
        b.most_passes,
        b.min_passes if b.has_strokes else None,
        b.until,
        b.listens_for_softening,
        b.softening_threshold,
        b.has_strokes,
        b.hears_knots,
        b.dwells,
    ]


# Sampled columns are compared at these many evenly spaced samples (and their mean).
PROBES = 97


def _plan_digest(plan_json: dict[str, Any]) -> dict[str, Any]:
    """plan.json's fingerprint: everything but the sampled columns hashed exactly; each
    integer or text column hashed; each float column's length, mean and ``PROBES``
    samples kept as numbers, for ``test_plan_reference`` to compare within a tolerance.

    The samples are the surface evaluated along the segments (whose bytes the pass
    hashes pin): a new scipy moves them by 1e-9 m, which flipped a 6-decimal rounding
    and so a whole-file hash on a machine with newer libraries.
    """
    doc = dict(plan_json)
    samples = doc.pop("samples")
    exact, floats = {}, {}
    for name, col in samples.items():
        if col and isinstance(col[0], float):
            a = np.asarray(col, dtype=np.float64)
            idx = np.unique(np.linspace(0, a.size - 1, PROBES).round().astype(int))
            floats[name] = {"n": int(a.size), "mean": float(a.mean()), "at": a[idx].tolist()}
        else:
            exact[name] = _sha(col)
    return {"meta_sha256": _sha(doc), "columns_sha256": exact, "float_columns": floats}


def fingerprint(routine: Routine, client: str) -> dict[str, Any]:
    """One routine on one bundled client, planned at the routine's BPM."""
    back = BackModel(load_client(client))
    grid = BeatGrid.constant(routine.bpm)
    plan = compile_plan(routine, back, grid)
    planner = Planner(routine, back, grid)
    blocks = []
    for i, b in enumerate(routine.blocks):
        most = b.most_passes
        blocks.append(
            {
                "start": repr(planner.start_point(i)),
                "speed_m_s": repr(planner.block_speed_m_s(b)),
                "passes_sha256": _sha(_segments(planner, i, most)),
                "pass_estimate_s": repr(
                    pass_duration_s(routine, i, back.back_length_m, grid.period_s)
                ),
                "policy": _policy(b),
            }
        )
    return {
        "plan_json": _plan_digest(plan_to_json(plan)),
        "duration_s": round(plan.duration_s, 6),
        "estimate_most_s": repr(estimated_duration_s(routine, back.back_length_m, grid.period_s)),
        "estimate_planned_s": repr(
            estimated_duration_s(routine, back.back_length_m, grid.period_s, most=False)
        ),
        "blocks": blocks,
    }


def cases() -> list[tuple[str, str]]:
    out = []
    for r in ROUTINES:
        for c in PRESET_CLIENTS if "/" not in r else ("default",):
            out.append((r, c))
    return out


def load(name: str) -> Routine:
    return load_routine(name if "/" not in name else ROOT / name)


def all_fingerprints() -> dict[str, Any]:
    return {f"{r} @ {c}": fingerprint(load(r), c) for r, c in cases()}


if __name__ == "__main__":
    if "--write" in sys.argv:
        REFERENCE.write_text(json.dumps(all_fingerprints(), indent=1, sort_keys=True) + "\n")
        print(f"wrote {REFERENCE}")
