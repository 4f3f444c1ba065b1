"""Where the spine really is: feel the back across before the thumb works beside it.

A body fitted to a scan lies where the camera's registration put it. Its skin has the
right shape (the fit's midline is within millimetres of the scanned spine) but the
whole of it may sit 1–3 cm to one side of the real back on the robot's table: 10 mm of
offset and 3° of yaw over half a back. Under force control the tool follows the real
skin in depth, and the touch refinement (``sense/surface_offset``) hears the offset
along the skin's normal, but neither hears a sideways shift: the back's centre is
nearly flat, its normals nearly vertical. The thumb's lanes, planned 3 cm from the
*fitted* spine, then run over the real spinous processes (a client's "stop") or
2 cm away from the paraspinal knots.

So on a fitted body, before the first thumb strips, the thumb sweeps across the back
at a light force at ``LEVELS_U`` (``HALF_SPAN_M`` either side of the fitted midline).
Under force control the tool's height traces the real skin's cross-section: the
paraspinal valley between the erectors, the back's fall to either side. At each level
the lateral shift ``Δ`` that best lays the fitted skin's cross-section over the felt
one (with a free height offset and a small roll, ``ROLL_PRIOR_DEG``) is found by a
search; the shifts along the back are fitted with a line ``Δ(x) = a + b (x − x̄)``
(offset and yaw), and the body is moved by it (``shifted_body``): the skin's height
field and its midline both, so the chart, the keep-out zones, the lanes and the plan's
normals lie on the back the robot felt. Trust is bounded: a shift beyond
``MAX_SHIFT_M``, a yaw beyond ``MAX_YAW_DEG`` or levels that disagree by more than
``MAX_SPREAD_M`` about the line leave the body as fitted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from backstroke.body.scanned_back import ScannedBack, SurfaceGrid
from backstroke.plan.plan import TOOL_CODES
from backstroke.technique.segment import Segment, hold, line, stroke
from backstroke.technique.transition import transition
from backstroke.tools import Tool

Columns = dict[str, NDArray[Any]]
LEVELS_U = (0.2, 0.45, 0.7, 0.9)  # where the back is felt across (chart u)
HALF_SPAN_M = 0.08  # how far either side of the fitted midline (m, at most 0.8 v_max)
FORCE_N = 3.0  # light: the skin's shape, not the tissue's depth
SPEED_M_S = 0.03
LOAD_BEATS = 2
SEARCH_M = 0.045  # the shift searched either side (m)
SEARCH_STEP_M = 0.0005
ROLL_PRIOR_DEG = 3.0  # a registration's roll, about this much (a ridge on the slope)
FIT_SCATTER_M = 0.001  # one felt height's scatter about the fitted skin (m)
MAX_SHIFT_M = 0.04  # a shift larger than this anywhere on the back is not trusted
MAX_YAW_DEG = 6.0
MAX_SPREAD_M = 0.008  # the levels' RMS about the line beyond this: not trusted
MIN_SAMPLES = 40  # a level felt over fewer samples is not read
LABEL = "palpate"


@dataclass(frozen=True)
class LateralShift:
    """The real back's sideways shift from the fitted one, ``Δ(x) = a + b (x − x̄)``.

    Attributes:
        offset_m: ``a`` (m, + = toward B's +y, the client's left).
        slope: ``b`` (the yaw, small angle, rad).
        x0_m: ``x̄`` (m, frame B).
        levels: per level ``(x_m, Δ_m, rms_m)`` as felt.
        trusted: whether the body was moved by it.
    """

    offset_m: float
    slope: float
    x0_m: float
    levels: tuple[tuple[float, float, float], ...]
    trusted: bool

    def at(self, x_m: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.asarray(self.offset_m + self.slope * (x_m - self.x0_m), dtype=np.float64)

    def to_json(self) -> dict[str, Any]:
        return {
            "offset_m": round(self.offset_m, 5),
            "yaw_deg": round(float(np.degrees(self.slope)), 3),
            "levels": [
                {"x_m": round(x, 4), "shift_m": round(d, 5), "rms_m": round(r, 5)}
                for x, d, r in self.levels
            ],
            "trusted": self.trusted,
        }


def _span(back: ScannedBack, u: float) -> float:
    return float(min(HALF_SPAN_M, 0.8 * float(np.ravel(back.v_max_m(u))[0])))


def palpation_segments(
    back: ScannedBack,
    *,
    start: tuple[float, float],
    transition_force_n: float,
) -> list[Segment]:
    """From ``start`` (chart point), a light thumb sweep across the back at each level
    (alternating direction), joined by light palm transitions; ends on the last sweep."""
    segs: list[Segment] = []
    here = start
    for k, u in enumerate(LEVELS_U):
        w = _span(back, u)
        v0, v1 = (-w, w) if k % 2 == 0 else (w, -w)
        t = transition(
            here, (u, v0), back_length_m=back.back_length_m, force_n=transition_force_n,
            speed_m_s=0.04, label="return",
        )  # fmt: skip
        if t is not None:
            segs.append(t)
        segs.append(hold(Tool.THUMB, u, v0, force_n=FORCE_N, beats=LOAD_BEATS, label="load"))
        segs.append(
            stroke(
                line(u, v0, u, v1), tool=Tool.THUMB, force_n=FORCE_N, tilt_deg=0.0,
                speed_m_s=SPEED_M_S, beats=None, label=LABEL,
            )
        )  # fmt: skip
        here = (u, v1)
    return segs


def _level_shift(
    back: ScannedBack, x_m: NDArray[np.float64], y_m: NDArray[np.float64], z_m: NDArray[np.float64]
) -> tuple[float, float]:
    """The shift ``Δ`` (m) laying the fitted skin ``H(x, y − Δ)`` over the felt heights
    (with a free offset and a ridge-bounded roll), and the residual RMS (m)."""
    a = np.column_stack([np.ones_like(y_m), y_m - float(np.mean(y_m))])
    sig = np.tan(np.radians(ROLL_PRIOR_DEG))
    ridge = np.diag([0.0, y_m.size * (FIT_SCATTER_M / sig) ** 2])
    lhs = a.T @ a + ridge
    best = (np.inf, 0.0)
    for d in np.arange(-SEARCH_M, SEARCH_M + 1e-12, SEARCH_STEP_M):
        r = z_m - back.height_m(x_m, y_m - d)
        c = np.linalg.solve(lhs, a.T @ r)
        e = float(np.mean((r - a @ c) ** 2)) + FIT_SCATTER_M**2 * (c[1] / sig) ** 2
        if e < best[0]:
            best = (e, float(d))
    return best[1], float(np.sqrt(best[0]))


def felt_shift(back: ScannedBack, cols: Columns) -> LateralShift:
    """The shift from a palpation chunk's recorded columns (measured ``x_m, y_m, z_m``,
    ``normal_force_n``, and the plan's ``plan_u``, ``plan_speed_m_s``,
    ``plan_in_contact``, ``plan_tool``, ``target_force_n``)."""
    levels: list[tuple[float, float, float]] = []
    f = np.asarray(cols["normal_force_n"], dtype=np.float64)
    moving = (
        (np.asarray(cols["plan_in_contact"]) > 0)
        & (np.asarray(cols["plan_tool"]) == TOOL_CODES.index(Tool.THUMB))
        & (np.asarray(cols["plan_speed_m_s"]) > 0.005)
        & (np.abs(np.asarray(cols["target_force_n"]) - FORCE_N) < 0.05)
        & (np.abs(f - FORCE_N) < 0.5 * FORCE_N)
    )
    for u in LEVELS_U:
        m = moving & (np.abs(np.asarray(cols["plan_u"]) - u) < 1e-3)
        if np.count_nonzero(m) < MIN_SAMPLES:
            continue
        x = np.asarray(cols["x_m"], dtype=np.float64)[m][::10]
        y = np.asarray(cols["y_m"], dtype=np.float64)[m][::10]
        z = np.asarray(cols["z_m"], dtype=np.float64)[m][::10]
        d, rms = _level_shift(back, x, y, z)
        levels.append((float(np.mean(x)), d, rms))
    return fit_line(levels)


def fit_line(levels: list[tuple[float, float, float]]) -> LateralShift:
    """``Δ(x) = a + b (x − x̄)`` through the levels' shifts, with the trust bounds."""
    if len(levels) < 2:
        return LateralShift(0.0, 0.0, 0.0, tuple(levels), False)
    x = np.array([lv[0] for lv in levels])
    d = np.array([lv[1] for lv in levels])
    x0 = float(np.mean(x))
    b, a = np.polyfit(x - x0, d, 1)
    spread = float(np.sqrt(np.mean((d - (a + b * (x - x0))) ** 2)))
    ends = np.abs(a + b * (np.array([x.min(), x.max()]) - x0))
    trusted = bool(
        spread <= MAX_SPREAD_M
        and float(ends.max()) <= MAX_SHIFT_M
        and abs(float(np.degrees(b))) <= MAX_YAW_DEG
        and np.all(np.abs(d) < SEARCH_M - SEARCH_STEP_M)  # not at the search's edge
    )
    return LateralShift(float(a), float(b), x0, tuple(levels), trusted)


def swap_point(old: ScannedBack, new: ScannedBack, u: float) -> tuple[float, float]:
    """A chart point (``old``'s) at level ``u`` within ``HALF_SPAN_M / 2`` of the midline
    where the two skins agree best: the body is swapped there, the tool's depth below
    the model then changing least."""
    v = np.linspace(-0.5 * HALF_SPAN_M, 0.5 * HALF_SPAN_M, 41)
    p = old.point(np.full_like(v, u), v)
    dh = np.abs(new.height_m(p[:, 0], p[:, 1]) - old.height_m(p[:, 0], p[:, 1]))
    return u, float(v[int(np.argmin(dh + 0.01 * np.abs(v)))])


def shifted_body(back: ScannedBack, shift: LateralShift) -> ScannedBack:
    """``back`` moved sideways by ``shift`` (its height field and midline; frame B and
    ``s_from_b`` unchanged, so positions and the scan frame keep their meaning)."""
    s = back.surface
    xg, yg = s.x_m, s.y_m
    dx = shift.at(xg)
    yy = np.clip(yg[None, :] - dx[:, None], yg[0], yg[-1])
    z = back.height_m(np.repeat(xg[:, None], yg.size, axis=1), yy)
    grid = SurfaceGrid(s.x0_m, s.y0_m, s.cell_m, np.asarray(z, dtype=np.float64))
    mx = np.linspace(back._m_range[0], back._m_range[1], 81)
    my = back._m(mx) + shift.at(mx)
    seen = dict(back.quality.get("landmarks_b", {}))
    for key, val in seen.items():  # points the skin showed (dimples) move with it
        if isinstance(val, list | tuple) and len(val) >= 2:
            x = float(val[0])
            seen[key] = [x, float(val[1]) + float(shift.at(np.array([x]))[0]), *val[2:]]
    quality = {**back.quality, "landmarks_b": seen, "palpation": shift.to_json()}
    return ScannedBack(grid, mx, my, back.s_from_b, back._half(mx), quality)
