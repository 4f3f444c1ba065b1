"""A knot or a bump of the fitted skin? Press the stretch again at two forces.

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
the fit) is checked: the stretch of its lane ``CHECK_REACH_M`` either side is stroked
again at the strip's force, then at ``CHECK_FORCE_FRACTION`` of it, and the *two-force*
stiffness along it, ``(F₁ − F₂) / (d₁ − d₂)``, is read every millimetre. The model
surface's offset is the same at both forces at the same chart point and cancels.

The breath does not cancel: the back rises and falls by 2–4 mm while the thumb holds
its force, as much as the depth changes between the forces. A one-way strip cannot
tell it from the profile along the lane (every point is passed once, at one phase), so
the stretch is stroked several times at each force (one way up each time, a strip's
light return between: reversing under load swings the friction across the force cone):
each point is passed at several phases, and one fit takes out one breath shared by
both forces under two depth profiles (``fit_breathing``'s ``profile_group``).

A candidate is a knot when, within ``CONFIRM_M`` of it, the two-force stiffness peaks
over both flanks by ``TWO_FORCE_EXCESS``, or the first force's secant, read again with
the breath out, peaks over both by ``SECANT_EXCESS`` and out of the fitted skin's bumps
(the rule a detection without a check must meet, on cleaner data). The second rule is
needed: under a tissue that stiffens with depth, and softens under the legs' own
pressure, a knot's two-force contrast can come out well below its secant's (−0.08
against 0.24 on the default client's lumbar knot, seed 7). A candidate whose strip
was held back by a clamp is not checked (``held_candidates``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from backstroke.body.back_model import BackModel
from backstroke.routine.schema import ThumbStripBlock
from backstroke.sense.breathing_removal import remove_breathing
from backstroke.sense.knot_merge import KnotDetection
from backstroke.sense.knot_profile import finite_median
from backstroke.sense.stiffness import binned_median
from backstroke.technique.segment import Segment, hold, line, stroke
from backstroke.technique.thumb_lanes import pass_lanes
from backstroke.technique.thumb_strip import LOAD_BEATS
from backstroke.technique.transition import transition
from backstroke.tools import Tool

Columns = dict[str, NDArray[np.float64]]
CHECK_FORCE_FRACTION = 0.5
# The stretch checked either side of a candidate, along its lane (m): room for the
# candidate's flanks (``FLANK_M``).
CHECK_REACH_M = 0.025
# Legs per force at least, and each force's legs at least this many breaths long, so
# every point is passed at several phases of the breath.
MIN_LEGS = 2
MIN_BREATHS_PER_FORCE = 0.9
# A candidate's peak is looked for this close to it along its lane, and its flanks
# this far either side (m).
CONFIRM_M = 0.010
FLANK_M = (0.015, 0.025)
# The two-force stiffness's peak over its higher flank that confirms a knot (a fitted
# skin's bump cancels in it; measured on the bundled clients at the worst scan: false
# candidates ≤ 0.15, knots −0.5 to 1.3 by lane, so the secant's rule carries the rest).
TWO_FORCE_EXCESS = 0.2
# The secant's peak over its higher flank that confirms a knot on its own: above the
# fitted skin's bumps, and above the tissue's own humps (ribs, segments: 3–5 cm wide),
# which do not cancel in it (measured, worst scan: humps ≤ 0.15, knots' best lane ≥ 0.24).
SECANT_EXCESS = 0.2
# A fitted skin's bumps left after smoothing (``touch_depth``), as a share of the fit's
# RMS about the scan (measured: 0.2–0.3 mm at a 3 mm-noise scan's 2.9 mm); a knot must
# stand out of them by ``GEOMETRY_SIGMAS`` at the working depth.
GEOMETRY_NOISE_OF_FIT_RMS = 0.08
GEOMETRY_SIGMAS = 3.0
# A stretch whose strip samples were off their target force by more than this fraction,
# in more than this share of them, was pressed under a clamp: not checked.
NOT_HELD_FRACTION = 0.15
NOT_HELD_SHARE = 0.05
# Samples within this of a lane's v belong to it (m).
LANE_TOLERANCE_M = 0.0005
BIN_M = 0.001
# Two-force depth differences below this are not read (m): no contrast.
MIN_DEPTH_STEP_M = 0.0003


@dataclass(frozen=True)
class Stretch:
    """A stretch of one lane to check: ``v_m`` and chart ``u_lo < u_hi``."""

    v_m: float
    u_lo: float
    u_hi: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.v_m) and 0.0 <= self.u_lo < self.u_hi <= 1.0):
            raise ValueError(f"a stretch needs 0 <= u_lo < u_hi <= 1, got {self}")


def stretches_to_check(
    candidates: list[KnotDetection],
    block: ThumbStripBlock,
    back: BackModel,
    index: int,
    pass_index: int,
) -> list[Stretch]:
    """The stretches of the pass's lanes around its candidates, in pass order
    (candidates of one lane closer than a stretch merged into one)."""
    reach_u = CHECK_REACH_M / back.back_length_m
    out: list[Stretch] = []
    for v, lo, hi in pass_lanes(block, back, index, pass_index):
        us = sorted(c.u for c in candidates if abs(c.v - v) <= LANE_TOLERANCE_M)
        spans: list[list[float]] = []
        for u in us:
            if spans and u - reach_u <= spans[-1][1]:
                spans[-1][1] = u + reach_u
            else:
                spans.append([u - reach_u, u + reach_u])
        for a, b in spans:
            width = min(b - a, hi - lo)
            if width <= 0.0:
                continue
            a = min(max(a, lo), hi - width)  # inside the lane, as wide as it allows
            out.append(Stretch(v, a, a + width))
    return out


def _around(cols: Columns, c: KnotDetection, reach_u: float) -> NDArray[np.bool_]:
    """``(N,)`` the samples of ``c``'s lane within ``reach_u`` of it along the back."""
    return (np.abs(cols["plan_v"] - c.v) <= LANE_TOLERANCE_M) & (
        np.abs(cols["plan_u"] - c.u) <= reach_u
    )


def held_candidates(
    candidates: list[KnotDetection], strips: Columns, back_length_m: float
) -> list[KnotDetection]:
    """The candidates whose stretch the strip pressed at the force it asked for.

    Where a clamp held the force back (the force off the tool's axis on a fitted normal
    that swings where the real skin does not), the strip's secant there is a reading
    at another force and axis, and a check would only run into the clamp again.
    ``strips``: the pass's stroke samples (``plan_u``, ``plan_v``, ``normal_force_n``,
    ``target_force_n``)."""
    out = []
    for c in candidates:
        m = _around(strips, c, CHECK_REACH_M / back_length_m)
        target = strips["target_force_n"][m]
        off = np.abs(strips["normal_force_n"][m] - target) > NOT_HELD_FRACTION * target
        if target.size and float(np.mean(off)) <= NOT_HELD_SHARE:
            out.append(c)
    return out


def check_segments(
    stretches: list[Stretch],
    *,
    start: tuple[float, float],
    end: tuple[float, float],
    force_n: float,
    speed_m_s: float,
    tilt_deg: float,
    transition_force_n: float,
    back_length_m: float,
    breath_period_s: float,
) -> list[Segment]:
    """From ``start``, each stretch stroked at ``force_n``, then at
    ``CHECK_FORCE_FRACTION`` of it, then back to ``end`` (chart points). Each leg is a
    strip's: a light return to the stretch's start, the thumb loaded in place, one way
    up (never reversed under load: the friction would swing the force across the
    cone). Each force gets ``MIN_LEGS`` legs, more until its legs span
    ``MIN_BREATHS_PER_FORCE`` breaths of ``breath_period_s``."""
    segs: list[Segment] = []
    here = start
    glide = max(speed_m_s, 0.04)
    side = {True: "left", False: "right"}

    def back_to(point: tuple[float, float]) -> None:
        t = transition(
            here, point, back_length_m=back_length_m, force_n=transition_force_n,
            speed_m_s=glide, label="return",
        )  # fmt: skip
        if t is not None:
            segs.append(t)

    for st in stretches:
        length_m = (st.u_hi - st.u_lo) * back_length_m
        leg_s = length_m / speed_m_s + length_m / glide  # the stroke and its return
        legs = max(MIN_LEGS, math.ceil(MIN_BREATHS_PER_FORCE * breath_period_s / leg_s))
        for f in (force_n, CHECK_FORCE_FRACTION * force_n):
            for _ in range(legs):
                back_to((st.u_lo, st.v_m))
                segs.append(
                    hold(Tool.THUMB, st.u_lo, st.v_m, force_n=f, beats=LOAD_BEATS, label="load")
                )
                segs.append(
                    stroke(
                        line(st.u_lo, st.v_m, st.u_hi, st.v_m), tool=Tool.THUMB, force_n=f,
                        tilt_deg=tilt_deg, speed_m_s=speed_m_s, beats=None,
                        label=f"check {side[st.v_m > 0]}",
                    )
                )  # fmt: skip
                here = (st.u_hi, st.v_m)
    back_to(end)
    return segs


@dataclass(frozen=True)
class StretchProfiles:
    """One checked stretch binned every ``BIN_M`` along the back, ``(B,)`` each: the
    depth below the skin as touched (the breath out, m) and the force (N) at the first
    force and at the second; NaN in a bin a force did not reach."""

    u: NDArray[np.float64]
    depth1_m: NDArray[np.float64]
    force1_n: NDArray[np.float64]
    depth2_m: NDArray[np.float64]
    force2_n: NDArray[np.float64]

    @property
    def secant_n_m(self) -> NDArray[np.float64]:
        """The first force's secant stiffness (N/m)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.asarray(self.force1_n / self.depth1_m, dtype=np.float64)

    @property
    def two_force_n_m(self) -> NDArray[np.float64]:
        """``(F₁ − F₂) / (d₁ − d₂)`` (N/m), NaN below ``MIN_DEPTH_STEP_M`` of contrast."""
        step = self.depth1_m - self.depth2_m
        with np.errstate(invalid="ignore", divide="ignore"):
            k2 = (self.force1_n - self.force2_n) / step
        return np.asarray(np.where(step > MIN_DEPTH_STEP_M, k2, np.nan), dtype=np.float64)


def stretch_profiles(
    run: Columns, back_length_m: float, rate_bpm: float | None
) -> StretchProfiles | None:
    """The profiles of one checked stretch, or None with too few samples.

    ``run``: the stretch's stroke samples at both forces (``t_s``, ``plan_u``,
    ``indentation_m``, ``normal_force_n``, ``target_force_n``); the higher targets are
    the first force. One breath is taken out of both forces' depths together.
    """
    t, u, d = run["t_s"], run["plan_u"], run["indentation_m"]
    target = run["target_force_n"]
    if t.size < 20:
        return None
    mid = 0.5 * (float(np.max(target)) + float(np.min(target)))
    low = (target < mid).astype(np.int64)
    clean = remove_breathing(t, u, d, rate_bpm, robust=True, profile_group=low)
    s = u * back_length_m
    s0 = float(np.min(s))
    nb = int((float(np.max(s)) - s0) / BIN_M) + 1
    b = np.floor((s - s0) / BIN_M).astype(np.int64)
    ok = (b >= 0) & (b < nb) & np.isfinite(clean)
    prof = []
    for level in (0, 1):
        m = ok & (low == level)
        prof.append(binned_median(clean[m], b[m], nb)[0])
        prof.append(binned_median(run["normal_force_n"][m], b[m], nb)[0])
    u_bins = np.asarray((s0 + (np.arange(nb) + 0.5) * BIN_M) / back_length_m, dtype=np.float64)
    return StretchProfiles(u_bins, *prof)


def contrast(ds_m: NDArray[np.float64], k: NDArray[np.float64]) -> float:
    """How far ``k`` (``(B,)``, along ``ds_m`` from the candidate, m) peaks at the
    candidate over its flanks: the highest 3-bin median within ``CONFIRM_M`` over the
    higher of the two flanks' medians (``FLANK_M`` from it), minus 1; NaN when a part
    is not measured. The higher flank, as the knot finder's step rule: the high side of
    a step is no peak."""
    med3 = np.array([finite_median(k[max(0, i - 1) : i + 2]) for i in range(k.size)])
    near = med3[np.abs(ds_m) <= CONFIRM_M]
    flanks = [
        finite_median(k[(side * ds_m >= FLANK_M[0]) & (side * ds_m <= FLANK_M[1])])
        for side in (-1.0, 1.0)
    ]
    if not np.any(np.isfinite(near)) or not all(math.isfinite(f) and f > 0 for f in flanks):
        return math.nan
    return float(np.nanmax(near)) / max(flanks) - 1.0


def confirmed(
    candidates: list[KnotDetection],
    check: Columns,
    *,
    back_length_m: float,
    breathing_rate_bpm: float | None,
    geometry_noise_m: float,
) -> list[KnotDetection]:
    """The candidates the check confirms: the two-force stiffness peaks there by
    ``TWO_FORCE_EXCESS``, or the first force's secant, now read with the breath out,
    stands out by ``SECANT_EXCESS`` and out of the fitted skin's bumps
    (``GEOMETRY_SIGMAS × geometry_noise_m`` at the stretch's depth).

    Args:
        candidates: per-strip detections of the pass (at the finder's own threshold).
        check: the check's stroke samples (``t_s``, ``plan_u``, ``plan_v``,
            ``indentation_m`` below the skin as touched, ``normal_force_n``,
            ``target_force_n``), every stretch at both forces.
        back_length_m: converts u to metres along the back.
        breathing_rate_bpm: the session's breathing rate (the fit scans around it).
        geometry_noise_m: the fitted skin's bumps left after smoothing (1 σ, m).
    """
    out: list[KnotDetection] = []
    reach_u = (CHECK_REACH_M + CONFIRM_M) / back_length_m
    for c in candidates:
        m = _around(check, c, reach_u)
        run = {k: np.asarray(v[m], dtype=np.float64) for k, v in check.items()}
        prof = stretch_profiles(run, back_length_m, breathing_rate_bpm)
        if prof is None:
            continue
        ds = (prof.u - c.u) * back_length_m
        depth = finite_median(prof.depth1_m)
        bumps = GEOMETRY_SIGMAS * geometry_noise_m / depth if depth > 0 else math.inf
        two_force = contrast(ds, prof.two_force_n_m)
        secant = contrast(ds, prof.secant_n_m)
        if two_force >= TWO_FORCE_EXCESS or secant >= max(SECANT_EXCESS, bumps):
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
