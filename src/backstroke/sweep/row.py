"""One sweep row from one session: the summary flattened, plus figures derived for a sweep.

Column naming (docs/sweep.md):

- every summary figure under its summary name; a nested object is flattened with dots
  (``orientation_error_deg.mean``, ``sim_truth.max_force_n``, ``tempo.bpm``); a list
  (``blocks``, ``knots``, ``safety_events``, ``notes``, ``tempo.beats_s`` …) is kept as
  a JSON string;
- the client's parameters as ``client.<key>`` (``client.knots`` JSON, ``client.knot_count``);
- figures the sweep derives as ``sweep.<name>`` (see :func:`derived_figures`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from backstroke.body.back_model import BackModel
from backstroke.body.client_file import ClientSpec
from backstroke.session.summary import Summary

KNOT_MATCH_M = 0.015
# Summary figures that depend on the wall clock, not on the session.
WALL_CLOCK_KEYS = ("sim_realtime_factor", "loop_period_ms")


def flatten(obj: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested dicts → dotted keys; lists → JSON strings; scalars as they are.

    Non-finite floats become ``None`` (Parquet null), as in the summary's JSON.
    """
    out: dict[str, Any] = {}
    for key, value in obj.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(flatten(value, name + "."))
        elif isinstance(value, list | tuple):
            out[name] = json.dumps(value, allow_nan=False, separators=(",", ":"))
        elif isinstance(value, float) and not math.isfinite(value):
            out[name] = None
        else:
            out[name] = value
    return out


def is_wall_clock(column: str) -> bool:
    """True for summary columns that measure the wall clock (differ run to run)."""
    return any(column == k or column.startswith(k + ".") for k in WALL_CLOCK_KEYS)


def match_knots(
    back: BackModel,
    true_uv: Sequence[tuple[float, float]],
    found_uv: Sequence[tuple[float, float]],
    within_m: float = KNOT_MATCH_M,
) -> int:
    """How many found knots match a true knot one-to-one within ``within_m`` (3D, on the body).

    Both sets go through the client's true surface chart (``BackModel.point``); pairs are
    taken nearest first, each knot used once.
    """
    if not true_uv or not found_uv:
        return 0
    t = back.point(*np.asarray(true_uv, dtype=np.float64).T)
    f = back.point(*np.asarray(found_uv, dtype=np.float64).T)
    d = np.linalg.norm(t[:, None, :] - f[None, :, :], axis=-1)
    pairs = sorted((float(d[i, j]), i, j) for i in range(d.shape[0]) for j in range(d.shape[1]))
    used_t: set[int] = set()
    used_f: set[int] = set()
    for dist, i, j in pairs:
        if dist > within_m:
            break
        if i in used_t or j in used_f:
            continue
        used_t.add(i)
        used_f.add(j)
    return len(used_t)


def softening_time_s(
    summary: Summary, contact: Mapping[str, NDArray[Any]] | None
) -> tuple[float | None, int | None]:
    """When the tissue first softened: the end of the first block's softening pass.

    Args:
        summary: the session summary (``blocks[].softening_pass``, 0-based).
        contact: the session's contact-log columns ``t_s``, ``block``, ``pass_index``.

    Returns:
        ``(t_s from the start of the session, block index)``, or ``(None, None)``.
    """
    for b, block in enumerate(summary.blocks):
        sp = block.softening_pass
        if sp is None:
            continue
        if contact is None or not {"t_s", "block", "pass_index"} <= set(contact):
            return None, b
        sel = (np.asarray(contact["block"]) == b) & (np.asarray(contact["pass_index"]) == sp)
        if not np.any(sel):
            return None, b
        return round(float(np.asarray(contact["t_s"])[sel].max()), 3), b
    return None, None


def derived_figures(
    summary: Summary,
    spec: ClientSpec,
    contact: Mapping[str, NDArray[Any]] | None,
) -> dict[str, Any]:
    """The ``sweep.*`` figures of a session.

    ``sweep.passes`` stroke passes (every block but ``rest``); ``sweep.softened``;
    ``sweep.time_to_softening_s`` (end of the first softening pass); ``sweep.softening_block``;
    ``sweep.too_much_episodes`` (``sim_truth``'s: the client said "too much");
    ``sweep.max_received_pressure_n_cm2`` (``sim_truth.max_pressure_n_cm2``, else the
    measured one); ``sweep.safety_events``; ``sweep.knots_true`` / ``_found`` / ``_matched``
    and ``sweep.knots_precision`` / ``_recall`` (a found knot matches a true one within
    15 mm; precision null without found knots, recall null without true knots).
    """
    passes = sum(b.passes for b in summary.blocks if b.technique != "rest")
    t_soft, b_soft = softening_time_s(summary, contact)
    truth = summary.sim_truth
    too_much = truth.too_much_episodes if truth is not None else None
    received = truth.max_pressure_n_cm2 if truth is not None else summary.max_pressure_n_cm2
    true_uv = [(k.u, k.v) for k in spec.knots or []]
    found_uv = [(k.u, k.v) for k in summary.knots]
    matched = match_knots(BackModel(spec), true_uv, found_uv)
    return {
        "sweep.passes": passes,
        "sweep.softened": b_soft is not None,
        "sweep.time_to_softening_s": t_soft,
        "sweep.softening_block": b_soft,
        "sweep.too_much_episodes": None if too_much is None else int(too_much),
        "sweep.max_received_pressure_n_cm2": received,
        "sweep.safety_events": len(summary.safety_events),
        "sweep.knots_true": len(true_uv),
        "sweep.knots_found": len(found_uv),
        "sweep.knots_matched": matched,
        "sweep.knots_precision": matched / len(found_uv) if found_uv else None,
        "sweep.knots_recall": matched / len(true_uv) if true_uv else None,
    }
