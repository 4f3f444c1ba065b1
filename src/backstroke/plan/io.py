"""plan.json (DESIGN §6.5): columnar, deterministic, byte-identical for equal inputs."""

from __future__ import annotations

from typing import Any

import numpy as np

from backstroke.plan.plan import COLUMNS, TOOL_CODES, Plan

PLAN_FORMAT_VERSION = 1
_DECIMALS = {"t_s": 6, "u": 7, "v": 7, "speed_m_s": 6, "target_force_n": 4}


def plan_to_json(plan: Plan) -> dict[str, Any]:
    """The plan as a JSON-ready dict (floats rounded so output is stable)."""
    s = plan.samples()
    samples: dict[str, list[Any]] = {}
    for c in COLUMNS:
        col = s[c]
        if c == "tool":
            samples[c] = [str(TOOL_CODES[int(i)]) for i in col]
        elif c == "in_contact":
            samples[c] = [bool(x) for x in col]
        elif c in ("block", "pass_index"):
            samples[c] = [int(x) for x in col]
        else:
            samples[c] = np.round(col, _DECIMALS.get(c, 6)).tolist()
    return {
        "version": PLAN_FORMAT_VERSION,
        "duration_s": round(plan.duration_s, 6),
        "bpm": round(plan.bpm, 4),
        "tempo_source": plan.tempo_source,
        "beat_step": plan.beat_step,
        "beats_s": np.round(plan.beats_s, 6).tolist(),
        "blocks": [
            {
                "index": b.index,
                "technique": b.technique,
                "planned_passes": b.planned_passes,
                "max_passes": b.max_passes,
                "until": b.until,
                "pass_duration_s": round(b.pass_duration_s, 6),
                "pass_length_m": round(b.pass_length_m, 6),
                "force_n": round(b.force_n, 4),
            }
            for b in plan.blocks
        ],
        "turnarounds_s": [
            round(ts.t1_s, 6)
            for ts in plan.timed_segments()
            if ts.segment.turnaround and ts.segment.kind == "stroke"
        ],
        "notes": list(plan.notes),
        "samples": samples,
    }


def plan_summary_lines(plan: Plan, distance_m: float) -> list[str]:
    """A short human summary: blocks, passes, duration, distance on skin."""
    lines = [
        f"plan: {plan.duration_s:.1f} s at {plan.bpm:.1f} BPM ({plan.tempo_source}), "
        f"{plan.beat_step} beat(s) per step, {distance_m:.2f} m on the skin, one contact interval"
    ]
    for b in plan.blocks:
        passes = (
            f"{b.planned_passes} passes"
            if b.until is None
            else f"{b.planned_passes}–{b.max_passes} passes until {b.until}"
        )
        lines.append(
            f"  block {b.index}: {b.technique:<12} {passes:<30} {b.force_n:5.1f} N, "
            f"{b.pass_duration_s:5.1f} s/pass, {b.pass_length_m:.2f} m/pass"
        )
    lines += [f"  note: {n}" for n in plan.notes]
    return lines
