"""A knot or a bump of the fitted skin? Press the lane again at another force.

On a body known only through a scan the fitted skin is off the real one by a few
tenths of a millimetre over 1–2 cm (the scan's depth noise, averaged). Under force
control the tool follows the real skin, so where the model is too high by ``h`` the
depth below it reads ``h`` deeper: the same reading as softer tissue, and a bump of the
model the same as a knot (the tissue stiffer, the tool riding ``h`` higher). At one
force nothing tells them apart but their size, and raising the threshold above the
fit's bumps loses the weaker knots.

They differ in how they change with force. A bump of the model is a fixed offset of the
depth; a knot's share of the depth grows with the force. So on a fitted body every
candidate the thumb strips find (the knot finder at its own threshold, not raised for
the fit) is checked: its lane is run again at ``CHECK_FORCE_FRACTION`` of the strip's
force, and the knot finder reads the *two-force* stiffness along it,
``(F₁ − F₂) / (d₁ − d₂)`` per millimetre of the lane. The model surface's offset is the
same on both runs at the same chart point and cancels; each run's breath is taken out
of its own depth first (``sense.breathing_removal``, as the knot finder does per strip).
A candidate is a knot when the two-force profile has a knot within ``CONFIRM_M`` of it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from backstroke.body.back_model import BackModel
from backstroke.routine.schema import ThumbStripBlock
from backstroke.sense.breathing_removal import remove_breathing
from backstroke.sense.knot_merge import KnotDetection
from backstroke.sense.knots import strip_knots
from backstroke.sense.stiffness import binned_median
from backstroke.technique.segment import Segment, hold, line, stroke
from backstroke.technique.thumb_lanes import pass_lanes
from backstroke.technique.thumb_strip import LOAD_BEATS
from backstroke.technique.transition import transition
from backstroke.tools import Tool

Columns = dict[str, NDArray[np.float64]]
CHECK_FORCE_FRACTION = 0.5
# A candidate is confirmed by a two-force knot this close along its lane (m).
CONFIRM_M = 0.010
# Samples within this of a lane's v belong to it (m).
LANE_TOLERANCE_M = 0.0005
BIN_M = 0.001
# Two-force depth differences below this are not read (m): no contrast.
MIN_DEPTH_STEP_M = 0.0003


def lanes_to_check(
    candidates: list[KnotDetection],
    block: ThumbStripBlock,
    back: BackModel,
    index: int,
    pass_index: int,
) -> list[tuple[float, float, float]]:
    """The pass's lanes ``(v_m, u_lo, u_hi)`` that hold a candidate, in pass order."""
    out = []
    for lane in pass_lanes(block, back, index, pass_index):
        if any(abs(c.v - lane[0]) <= LANE_TOLERANCE_M for c in candidates):
            out.append(lane)
    return out


def check_segments(
    lanes: list[tuple[float, float, float]],
    *,
    start: tuple[float, float],
    end: tuple[float, float],
    force_n: float,
    speed_m_s: float,
    tilt_deg: float,
    transition_force_n: float,
    back_length_m: float,
) -> list[Segment]:
    """From ``start``, each lane again at ``force_n`` (loaded in place at its start, as a
    strip is), then back to ``end`` (chart points)."""
    segs: list[Segment] = []
    here = start
    glide = max(speed_m_s, 0.04)
    for v, lo, hi in lanes:
        t = transition(
            here, (lo, v), back_length_m=back_length_m, force_n=transition_force_n,
            speed_m_s=glide, label="return",
        )  # fmt: skip
        if t is not None:
            segs.append(t)
        segs.append(hold(Tool.THUMB, lo, v, force_n=force_n, beats=LOAD_BEATS, label="load"))
        side = "left" if v > 0 else "right"
        segs.append(
            stroke(
                line(lo, v, hi, v), tool=Tool.THUMB, force_n=force_n, tilt_deg=tilt_deg,
                speed_m_s=speed_m_s, beats=None, label=f"check {side}",
            )
        )  # fmt: skip
        here = (hi, v)
    t = transition(
        here, end, back_length_m=back_length_m, force_n=transition_force_n,
        speed_m_s=glide, label="return",
    )  # fmt: skip
    if t is not None:
        segs.append(t)
    return segs


def _lane(cols: Columns, v_m: float) -> Columns:
    m = np.abs(cols["plan_v"] - v_m) <= LANE_TOLERANCE_M
    return {k: np.asarray(cols[k][m], dtype=np.float64) for k in cols}


def _profile(
    lane: Columns, s0: float, nb: int, back_length_m: float, rate_bpm: float | None
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Depth (its breath out) and force, binned along the lane from ``s0``."""
    t, u, d = lane["t_s"], lane["plan_u"], lane["indentation_m"]
    if t.size < 10:
        return np.full(nb, np.nan), np.full(nb, np.nan)
    clean = remove_breathing(t, u, d, rate_bpm, robust=True)
    b = np.floor((u * back_length_m - s0) / BIN_M).astype(np.int64)
    ok = (b >= 0) & (b < nb) & np.isfinite(clean)
    depth, _ = binned_median(clean[ok], b[ok], nb)
    force, _ = binned_median(lane["normal_force_n"][ok], b[ok], nb)
    return depth, force


def confirmed(
    candidates: list[KnotDetection],
    strips: Columns,
    check: Columns,
    *,
    back_length_m: float,
    breathing_rate_bpm: float | None,
) -> list[KnotDetection]:
    """The candidates a two-force profile confirms.

    Args:
        candidates: per-strip detections of the pass (at the finder's own threshold).
        strips: the pass's stroke samples (``t_s``, ``plan_u``, ``plan_v``,
            ``indentation_m`` below the skin as touched, ``normal_force_n``).
        check: the check runs' stroke samples, the same columns.
        back_length_m: converts u to metres along the back.
        breathing_rate_bpm: the session's breathing rate (for each run's breath).
    """
    out: list[KnotDetection] = []
    by_lane: dict[float, list[KnotDetection]] = {}
    for c in candidates:
        by_lane.setdefault(round(c.v, 4), []).append(c)
    for v, cands in by_lane.items():
        full, low = _lane(strips, v), _lane(check, v)
        if full["t_s"].size < 10 or low["t_s"].size < 10:
            continue
        s_all = np.concatenate([full["plan_u"], low["plan_u"]]) * back_length_m
        s0 = float(np.min(s_all))
        nb = int((float(np.max(s_all)) - s0) / BIN_M) + 1
        d1, f1 = _profile(full, s0, nb, back_length_m, breathing_rate_bpm)
        d2, f2 = _profile(low, s0, nb, back_length_m, breathing_rate_bpm)
        step = d1 - d2
        with np.errstate(invalid="ignore", divide="ignore"):
            k2 = np.where(step > MIN_DEPTH_STEP_M, (f1 - f2) / step, np.nan)
        u_bins = (s0 + (np.arange(nb) + 0.5) * BIN_M) / back_length_m
        found = strip_knots(u_bins, np.full(nb, v), k2, back_length_m=back_length_m)
        for c in cands:
            if any(abs(f.u - c.u) * back_length_m <= CONFIRM_M for f in found):
                out.append(c)
    return out


def stroke_samples(cols: dict[str, Any], tool_code: int) -> Columns:
    """A chunk's check-stroke samples (the thumb moving in contact, steady target)."""
    t = np.asarray(cols["t_s"], dtype=np.float64)
    if t.size < 2:
        return {
            k: np.zeros(0) for k in ("t_s", "plan_u", "plan_v", "indentation_m", "normal_force_n")
        }
    steady = np.abs(np.gradient(np.asarray(cols["target_force_n"], dtype=np.float64), t)) < 0.5
    m = (
        (cols["plan_tool"] == tool_code)
        & (cols["plan_in_contact"] > 0)
        & (cols["plan_speed_m_s"] > 0.005)
        & steady
    )
    return {k: np.asarray(v, dtype=np.float64)[m] for k, v in cols.items()}
