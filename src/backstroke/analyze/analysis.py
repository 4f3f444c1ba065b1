"""``analyze``: passes, softening, knots, tempo, breathing and pressure of a validated
contact log, block by block (DESIGN §6.1)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from backstroke.analyze.blocks import LogBlock, split_blocks, touch_depth_m, two_way
from backstroke.analyze.log_files import read_contact_log
from backstroke.analyze.log_table import TOOL_NAMES, ContactLog, validate_columns
from backstroke.errors import BackstrokeError, LogError
from backstroke.log_input import (
    MAX_PASSES,
)
from backstroke.sense.breathing import MIN_REST_S, baseline_stiffness_n_m, breathing_rate_bpm
from backstroke.sense.breathing_joint import PassDepth
from backstroke.sense.breathing_session import BreathingTracker
from backstroke.sense.contact import contact_breaks, in_contact_mask, still_holds
from backstroke.sense.knots import (
    DEFAULT_BACK_LENGTH_M,
    knot_detections,
    merge_knots,
)
from backstroke.sense.passes import (
    DEFAULT_HYSTERESIS_U,
    derive_pass_index,
    pass_count,
    pass_indices,
    stroke_periods_s,
)
from backstroke.sense.softening import DEFAULT_THRESHOLD, SofteningDetector
from backstroke.sense.stiffness import secant_stiffness

_THUMB = TOOL_NAMES.index("thumb")


def _r(x: float | None, nd: int) -> float | None:
    if x is None or not math.isfinite(x):
        return None
    return round(float(x), nd)


def analyze(
    path: str | Path,
    softening_threshold: float = DEFAULT_THRESHOLD,
    *,
    back_length_m: float = DEFAULT_BACK_LENGTH_M,
    hysteresis_u: float = DEFAULT_HYSTERESIS_U,
    touch_depth: bool | None = None,
) -> dict[str, Any]:
    """Analyse a contact log file (CSV, Parquet or MCAP); JSON-ready and deterministic.

    Args:
        path: the log.
        softening_threshold: relative stiffness drop that counts as softening (0..1).
        back_length_m: C7→waist length used to turn u into metres (knot widths, merging).
        hysteresis_u: reversal of u that confirms a turnaround.

    Returns:
        See ``analyze_log``.

    Raises:
        LogError: a bad log (exit 2 at the command line).
        BackstrokeError: a threshold outside (0, 1).
    """
    _check_threshold(softening_threshold)
    log = read_contact_log(path)
    try:
        return analyze_log(
            log,
            softening_threshold,
            back_length_m=back_length_m,
            hysteresis_u=hysteresis_u,
            touch_depth=touch_depth,
        )
    except (ValueError, FloatingPointError) as exc:  # one line, naming the log
        raise LogError(
            f"cannot analyse this log ({' '.join(str(exc).split())})", path=path
        ) from None


def _check_threshold(softening_threshold: float) -> None:
    if not (math.isfinite(softening_threshold) and 0.0 < softening_threshold < 1.0):
        raise BackstrokeError(
            f"--softening {softening_threshold}: must be between 0 and 1 (e.g. 0.05 for 5 %)"
        )


def analyze_columns(
    columns: Mapping[str, ArrayLike],
    softening_threshold: float = DEFAULT_THRESHOLD,
    *,
    back_length_m: float = DEFAULT_BACK_LENGTH_M,
    hysteresis_u: float = DEFAULT_HYSTERESIS_U,
) -> dict[str, Any]:
    """``analyze`` for in-memory columns (``(N,)`` each, names as in the file format)."""
    _check_threshold(softening_threshold)
    raw = {k: (np.asarray(v) if not isinstance(v, list) else v) for k, v in columns.items()}
    log = validate_columns(raw)
    return analyze_log(
        log, softening_threshold, back_length_m=back_length_m, hysteresis_u=hysteresis_u
    )


def analyze_log(
    log: ContactLog,
    softening_threshold: float = DEFAULT_THRESHOLD,
    *,
    back_length_m: float = DEFAULT_BACK_LENGTH_M,
    hysteresis_u: float = DEFAULT_HYSTERESIS_U,
    touch_depth: bool | None = None,
) -> dict[str, Any]:
    """Analyse a validated log.

    With ``touch_depth`` (default: when the log says its depth is below a model
    surface, ``ContactLog.model_depth``) and positions, the indentation is measured
    from where the tool touched first (``indentation``: ``"from the touches"``).

    Returns:
        ``log``, ``format``, ``samples``, ``sample_rate_hz``, ``duration_s``,
        ``passes`` (total over blocks), ``softening_threshold``, ``softening_pass`` and
        ``softening_block`` (the first block that softened; ``None`` if none did),
        ``force_changed_at`` (that block's passes where the force changed, so softening
        was judged afresh from there: a change of force is never read as softening),
        ``stiffness_block`` and ``stiffness_by_pass_n_m`` (that block, else the block with
        the most passes; block fields are ``None`` without a ``block`` column), ``knots`` (merged
        over all thumb samples, or all samples when the log has no ``tool``),
        ``tempo_bpm`` and ``stroke_period_s`` (median time between turnarounds),
        ``contact_breaks``, ``mean_force_n`` (while in contact, ≥ 0.5 N),
        ``max_force_n``, ``breathing_rate_bpm`` and ``baseline_stiffness_n_m`` (from the
        first still hold of ≥ 15 s, else ``None``), ``blocks`` (one entry per
        block when the log has a ``block`` column, else ``[]``), ``tool_labels`` (tool
        labels kept as given: they name none of backstroke's faces) and ``notes``
        (optional columns ignored, and why).
    """
    c = log.columns
    blocks = split_blocks(c, log.block_labels)
    refined = touch_depth if touch_depth is not None else log.model_depth
    if refined and all(q in c for q in ("x_m", "y_m", "z_m")):
        c = {**c, "indentation_m": touch_depth_m(c, blocks)}
    else:
        refined = False
    t, f, d = c["t_s"], c["normal_force_n"], c["indentation_m"]
    k = secant_stiffness(f, d)
    contact = in_contact_mask(f)
    offset = 0
    # The live session's breathing model (sense.breathing_session), over the whole log.
    breathing = BreathingTracker()
    for b in blocks:
        b.pass_offset = offset
        _analyze_block(
            b,
            c,
            k,
            contact,
            softening_threshold,
            back_length_m,
            hysteresis_u,
            log.tool_labels,
            log.path,
            breathing,
        )
        offset += b.result["passes"]
    main = next((b for b in blocks if b.softening_pass is not None), None)
    if main is None:
        main = max(blocks, key=lambda b: b.result["passes"])  # first of the largest
    dets = [det for b in blocks for det in b.detections]
    knots = merge_knots(dets, back_length_m=back_length_m)
    periods = np.concatenate([b.periods for b in blocks])
    period = float(np.median(periods)) if periods.size else None
    baseline = next((b.breathing[1] for b in blocks if b.breathing[1] is not None), None)
    dt = np.diff(t)
    has_blocks = "block" in c
    return {
        "log": log.path,
        "format": log.format,
        "log_truncated": log.truncated,
        "samples": log.samples,
        "sample_rate_hz": _r(1.0 / float(np.median(dt)), 3) if dt.size else None,
        "duration_s": _r(float(t[-1] - t[0]), 3),
        "passes": offset,
        "softening_threshold": softening_threshold,
        "softening_pass": main.softening_pass,
        "softening_block": main.label if has_blocks and main.softening_pass is not None else None,
        "force_changed_at": main.force_changed_at,
        "stiffness_block": main.label if has_blocks else None,
        "stiffness_by_pass_n_m": [_r(x, 1) for x in main.stiffness],
        "knots": [kn.to_dict() for kn in knots],
        "tempo_bpm": _r(60.0 / period, 2) if period else None,
        "stroke_period_s": _r(period, 3),
        "contact_breaks": contact_breaks(t, f),
        "mean_force_n": _r(float(np.mean(f[contact])), 3) if np.any(contact) else None,
        "max_force_n": _r(float(np.max(f)), 3),
        "breathing_rate_bpm": _r(breathing.rate_bpm, 2),
        "breathing_over_time": breathing.over_time(),
        "baseline_stiffness_n_m": _r(baseline, 1),
        "blocks": [b.result for b in blocks] if has_blocks else [],
        "tool_labels": sorted(set(log.tool_labels.values())),
        "notes": list(log.notes),
        **({"indentation": "from the touches"} if refined else {}),
    }


def _analyze_block(
    b: LogBlock,
    c: Mapping[str, NDArray[np.float64]],
    k_all: NDArray[np.float64],
    contact_all: NDArray[np.bool_],
    threshold: float,
    back_length_m: float,
    hysteresis_u: float,
    tool_labels: Mapping[int, str],
    log_path: str | None = None,
    breathing: BreathingTracker | None = None,
) -> None:
    i = b.idx
    tracker = breathing if breathing is not None else BreathingTracker()
    t, u, v, f, k = c["t_s"][i], c["u"][i], c["v"][i], c["normal_force_n"][i], k_all[i]
    contact = contact_all[i]
    given = c["pass_index"][i] if "pass_index" in c else None
    pass_of = pass_indices(u, given, hysteresis_u, loaded=contact)
    passes = pass_count(pass_of)
    if passes > MAX_PASSES:
        raise LogError(
            f"u turns back {passes} times (passes)",
            path=log_path,
            key="u",
            allowed=f"at most {MAX_PASSES} passes in one log",
        )
    holds = [
        (a, e)
        for a, e in still_holds(t, u, band_u=hysteresis_u, min_duration_s=MIN_REST_S)
        if np.mean(contact[a:e]) > 0.9
    ]
    if holds:
        a, e = holds[0]
        m = contact[a:e]
        rate = breathing_rate_bpm(f[a:e][m], t[a:e][m])
        if rate is None and "z_m" in c:
            rate = breathing_rate_bpm(c["z_m"][i][a:e][m], t[a:e][m])
        tracker.add_rest(float(np.mean(t[a:e])), rate)
        b.breathing = (rate, baseline_stiffness_n_m(f[a:e][m], c["indentation_m"][i][a:e][m]))
    # Softening as the live session hears it: each pass's breath fitted and taken out of
    # its depth (the one breathing model), then compared at equal force. The breath is
    # fitted on the pass's loaded samples only (in contact, at least half the pass's
    # median force, as the knot strips): a recorder that logs the tool's return in the
    # air (depth −1 … −2 cm), or its touch-downs, would otherwise have them fitted as
    # breath.
    depth = c["indentation_m"][i]
    loaded: list[NDArray[np.bool_] | None] = []
    for p in range(passes):
        m = pass_of == p
        on = contact[m]
        if np.any(on):
            on &= f[m] >= 0.5 * float(np.median(f[m][on]))
        # A one-way stroke (the return in the air) meets every u once: its profile along
        # u and a breath in time cannot be told apart, so its depth is left as measured.
        both_ways = np.any(on) and two_way(u[m], on, hysteresis_u)
        if both_ways:
            tracker.hear_pass(t[m][on], u[m][on], depth[m][on])
        loaded.append(on if both_ways else None)
    # The breath out of the two-way passes together, one profile shared (as live).
    heard = [p for p in range(passes) if loaded[p] is not None]
    sel = [(pass_of == p, loaded[p]) for p in heard]
    cleaned = tracker.clean_passes(
        [PassDepth(t[m][on], u[m][on], depth[m][on], v[m][on]) for m, on in sel]
    )
    det = SofteningDetector(threshold)
    for p in range(passes):
        m = pass_of == p
        clean = depth[m].copy()
        on = loaded[p]
        if on is not None:
            clean[on] = cleaned[heard.index(p)]
        det.add_pass(secant_stiffness(f[m], clean), u[m], t[m], force_n=f[m])
    b.softening_pass = det.softening_pass
    b.force_changed_at = det.force_changed_at
    b.stiffness = det.stiffness_by_pass_n_m
    b.periods = stroke_periods_s(t, u, hysteresis_u)
    tool_name = None
    thumb = np.ones(t.size, dtype=bool)
    if "tool" in c:
        codes = c["tool"][i]
        fin = codes[np.isfinite(codes)].astype(np.int64)
        if fin.size:
            top = int(np.bincount(fin).argmax())
            tool_name = TOOL_NAMES[top] if top < len(TOOL_NAMES) else tool_labels.get(top)
        # Knots are felt with the thumb; a label naming none of the faces is searched
        # too (as a log without a tool column), palms and forearm are not.
        thumb = (codes == _THUMB) | (codes >= len(TOOL_NAMES))
    if np.any(thumb):
        pos = {q: c[q][i][thumb] if q in c else None for q in ("x_m", "y_m", "z_m")}
        strip_pass = pass_of[thumb]
        if np.all(strip_pass < 0):
            # A log's pass_index may number only its glide's passes (-1 elsewhere); the
            # thumb's strips are still there, as legs of its own u.
            strip_pass = derive_pass_index(u[thumb], hysteresis_u)
        b.detections = knot_detections(
            u[thumb],
            v[thumb],
            k[thumb],
            np.where(strip_pass >= 0, strip_pass + b.pass_offset, -1),
            normal_force_n=f[thumb],
            x_m=pos["x_m"],
            y_m=pos["y_m"],
            z_m=pos["z_m"],
            t_s=t[thumb],
            indentation_m=c["indentation_m"][i][thumb],
            back_length_m=back_length_m,
            hysteresis=hysteresis_u,
            breathing_rate_bpm=tracker.rate_bpm,
        )
    dt_periods = b.periods
    period = float(np.median(dt_periods)) if dt_periods.size else None
    own = merge_knots(b.detections, back_length_m=back_length_m)
    b.result = {
        "block": b.label,
        "tool": tool_name,
        "t0_s": _r(float(t[0]), 3),
        "duration_s": _r(float(t[-1] - t[0]), 3),
        "passes": passes,
        "softening_pass": b.softening_pass,
        "force_changed_at": b.force_changed_at,
        "stiffness_by_pass_n_m": [_r(x, 1) for x in b.stiffness],
        "knots": [kn.to_dict() for kn in own],
        "tempo_bpm": _r(60.0 / period, 2) if period else None,
        "stroke_period_s": _r(period, 3),
        "mean_force_n": _r(float(np.mean(f[contact])), 3) if np.any(contact) else None,
        "breathing_rate_bpm": _r(b.breathing[0], 2),
        "baseline_stiffness_n_m": _r(b.breathing[1], 1),
    }
