"""A synthetic recorded session (SessionData + summary) with realistic shapes.

No robot, no tissue model: a spa-like session is laid out on the default client's chart
(rest, palm glides, forearm, thumb strips), sampled at 1 kHz, and "measured" with a
force lag, sensor noise, breathing, stiffer spots at two knots, softening over the glide
passes, one short contact break and two safety events. The summary is computed from it
with the project's own metrics, so the report sees what a real session would give it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.signal import lfilter

from backstroke.body.back_model import BackModel
from backstroke.plan.plan import COLUMNS, TOOL_CODES
from backstroke.session.metrics import session_metrics
from backstroke.tools import TOOLS, Tool

# The runner's recorded columns (session/runner.py RECORD_COLUMNS).
RECORD_COLUMNS = (
    "t_s", "x_m", "y_m", "z_m", "ax", "ay", "az", "fx_n", "fy_n", "fz_n",
    "normal_force_n", "target_force_n", "indentation_m",
)  # fmt: skip


@dataclass
class SessionData:
    """Same fields as ``backstroke.session.runner.SessionData``."""

    columns: dict[str, np.ndarray]
    plan_columns: dict[str, np.ndarray]


RATE_HZ = 1000.0
DT_S = 1.0 / RATE_HZ
BPM = 60.0
KNOTS = ((0.62, 0.032, 0.006, 2.0), (0.30, -0.030, 0.005, 1.8))  # u, v, radius, ratio


@dataclass(frozen=True)
class Move:
    beats: int
    uv0: tuple[float, float]
    uv1: tuple[float, float]
    tool: Tool
    force_n: float
    block: int
    pass_index: int
    contact: bool = True
    hover_m: tuple[float, float] = (0.0, 0.0)  # height above the skin at start, end


def _layout(glide_passes: int, forearm_passes: int, thumb_passes: int, rest_s: int) -> list[Move]:
    P, F, T = Tool.PALMS, Tool.FOREARM, Tool.THUMB
    top, bot = 0.92, 0.08
    m: list[Move] = [Move(3, (0.8, 0.0), (0.8, 0.0), P, 0.0, -1, -1, False, (0.03, 0.0))]
    m.append(Move(rest_s, (0.8, 0.0), (0.8, 0.0), P, 6.0, 0, 0))
    m.append(Move(3, (0.8, 0.0), (top, 0.0), P, 4.0, 1, -1))
    for p in range(glide_passes):
        m += [Move(15, (top, 0.0), (bot, 0.0), P, 12.0, 1, p)]
        m += [Move(15, (bot, 0.0), (top, 0.0), P, 12.0, 1, p)]
    m.append(Move(3, (top, 0.0), (top, 0.07), F, 4.0, 2, -1))
    for p in range(forearm_passes):
        m += [
            Move(15, (top, 0.07), (bot, 0.07), F, 18.0, 2, p),
            Move(4, (bot, 0.07), (bot, -0.07), F, 4.0, 2, p),
            Move(15, (bot, -0.07), (top, -0.07), F, 18.0, 2, p),
            Move(4, (top, -0.07), (top, 0.07), F, 4.0, 2, p),
        ]
    m.append(Move(12, (top, 0.07), (bot, 0.032), T, 4.0, 3, -1))
    for p in range(thumb_passes):
        m += [
            Move(22, (bot, 0.032), (top, 0.032), T, 12.0, 3, p),
            Move(15, (top, 0.032), (bot, 0.032), T, 4.0, 3, p),
            Move(3, (bot, 0.032), (bot, -0.030), T, 4.0, 3, p),
            Move(22, (bot, -0.030), (top, -0.030), T, 12.0, 3, p),
            Move(15, (top, -0.030), (bot, -0.030), T, 4.0, 3, p),
            Move(3, (bot, -0.030), (bot, 0.032), T, 4.0, 3, p),
        ]
    m.append(Move(3, (bot, 0.032), (bot, 0.032), T, 0.0, -1, -1, False, (0.0, 0.03)))
    return m


def synthetic_session(
    back: BackModel,
    *,
    glide_passes: int = 7,
    forearm_passes: int = 2,
    thumb_passes: int = 3,
    rest_s: int = 50,
    seed: int = 3,
) -> tuple[dict[str, Any], SessionData]:
    """A (summary, SessionData) pair; the defaults give a session of about 10 minutes."""
    rng = np.random.default_rng(seed)
    moves = _layout(glide_passes, forearm_passes, thumb_passes, rest_s)
    period = 60.0 / BPM
    cols: dict[str, list[np.ndarray]] = {c: [] for c in ("u", "v", "h", "tool", "f", "b", "p", "c")}
    t_list = []
    t0 = 0.0
    for mv in moves:
        n = round(mv.beats * period * RATE_HZ)
        tau = np.arange(n) / n
        s = tau**3 * (10 - 15 * tau + 6 * tau**2)
        t_list.append(t0 + np.arange(n) * DT_S)
        cols["u"].append(mv.uv0[0] + (mv.uv1[0] - mv.uv0[0]) * s)
        cols["v"].append(mv.uv0[1] + (mv.uv1[1] - mv.uv0[1]) * s)
        cols["h"].append(mv.hover_m[0] + (mv.hover_m[1] - mv.hover_m[0]) * s)
        cols["tool"].append(np.full(n, float(TOOL_CODES.index(mv.tool))))
        cols["f"].append(np.full(n, mv.force_n))
        cols["b"].append(np.full(n, float(mv.block)))
        cols["p"].append(np.full(n, float(mv.pass_index)))
        cols["c"].append(np.full(n, 1.0 if mv.contact else 0.0))
        t0 += n * DT_S
    t = np.concatenate(t_list)
    u, v, hover = (np.concatenate(cols[k]) for k in ("u", "v", "h"))
    tool = np.concatenate(cols["tool"])
    # Force changes ramp over about a second (two 0.5 s box filters).
    box = np.ones(500) / 500
    target = np.convolve(np.convolve(np.concatenate(cols["f"]), box, "same"), box, "same")
    block = np.concatenate(cols["b"])
    pass_index = np.concatenate(cols["p"])
    in_contact = np.concatenate(cols["c"])
    n = t.size

    skin = back.point(u, v)
    normal = back.normal(u, v)
    plan_xyz = skin + hover[:, None] * normal
    vel = np.gradient(plan_xyz, DT_S, axis=0)
    speed = np.linalg.norm(vel, axis=1)

    # Tissue as the robot would feel it.
    s_m = u * back.back_length_m
    stiff = np.full(n, 2000.0)
    bump = np.zeros(n)
    for ku, kv, kr, ratio in KNOTS:
        d2 = (s_m - ku * back.back_length_m) ** 2 + (v - kv) ** 2
        g = np.exp(-d2 / (2 * (1.5 * kr) ** 2))
        stiff *= 1 + (ratio - 1) * g
        bump += (ratio - 1) * g
    glide = block == 1
    soft = 1.0 - 0.07 * np.clip(pass_index / 5.0, 0.0, 1.0)
    stiff = np.where(glide, stiff * soft, stiff)
    # Measured force: the target through a 30 ms lag, knots push back, breathing, noise.
    alpha = DT_S / 0.03
    lag = lfilter([alpha], [1.0, alpha - 1.0], target)
    breathing = 0.35 * np.sin(2 * np.pi * (14.3 / 60.0) * t)
    fn = lag * (1 + 0.25 * bump) + np.where(in_contact > 0, breathing, 0.0)
    fn += rng.normal(0.0, 0.25, n)
    # One contact break of 60 ms in the first forearm pass.
    fb = np.flatnonzero((block == 2) & (pass_index == 0))
    brk = fb[fb.size // 3] + np.arange(60)
    fn[brk] = rng.normal(0.1, 0.05, 60)
    fn = np.where(in_contact > 0, np.maximum(fn, 0.0), np.abs(rng.normal(0.0, 0.05, n)))
    depth = fn / stiff
    breathe_m = 0.0015 * np.sin(2 * np.pi * (14.3 / 60.0) * t)
    meas_xyz = plan_xyz - (depth - breathe_m)[:, None] * normal + rng.normal(0, 2e-4, (n, 3))
    axis = normal + rng.normal(0.0, 0.01, (n, 3))
    axis /= np.linalg.norm(axis, axis=1, keepdims=True)
    force_vec = fn[:, None] * normal
    rec = {
        "t_s": t,
        "x_m": meas_xyz[:, 0],
        "y_m": meas_xyz[:, 1],
        "z_m": meas_xyz[:, 2],
        "ax": axis[:, 0],
        "ay": axis[:, 1],
        "az": axis[:, 2],
        "fx_n": force_vec[:, 0],
        "fy_n": force_vec[:, 1],
        "fz_n": force_vec[:, 2],
        "normal_force_n": fn,
        "target_force_n": target,
        "indentation_m": depth,
    }
    plan = {
        "t_s": t,
        "u": u,
        "v": v,
        "x_m": plan_xyz[:, 0],
        "y_m": plan_xyz[:, 1],
        "z_m": plan_xyz[:, 2],
        "nx": normal[:, 0],
        "ny": normal[:, 1],
        "nz": normal[:, 2],
        "ax": normal[:, 0],
        "ay": normal[:, 1],
        "az": normal[:, 2],
        "speed_m_s": speed,
        "in_contact": in_contact,
        "tool": tool,
        "target_force_n": target,
        "block": block,
        "pass_index": pass_index,
    }
    data = SessionData(
        {c: np.asarray(rec[c], dtype=np.float64) for c in RECORD_COLUMNS},
        {c: np.asarray(plan[c], dtype=np.float64) for c in COLUMNS},
    )
    summary = _summary(back, data, glide_passes, forearm_passes, thumb_passes, t)
    return summary, data


def _summary(
    back: BackModel, data: SessionData, glide: int, forearm: int, thumb: int, t: np.ndarray
) -> dict[str, Any]:
    c, p = data.columns, data.plan_columns
    metrics = session_metrics(c, p, DT_S)
    tool = p["tool"].astype(int)
    area = np.array([TOOLS[x].area_cm2 for x in TOOL_CODES])[tool]
    pressure = np.maximum(c["normal_force_n"], 0.0) / area
    glide_k = [round(2100.0 * (1 - 0.07 * min(i / 5.0, 1.0)), 1) for i in range(glide)]
    soft_pass = next(
        (
            i
            for i in range(1, glide - 1)
            if glide_k[i] <= glide_k[0] * 0.96 and glide_k[i + 1] <= glide_k[0] * 0.96
        ),
        None,
    )
    knots = []
    for ku, kv, _, ratio in KNOTS:
        x, y, z = (float(a) for a in back.point(ku + 0.004, kv - 0.001))
        knots.append(
            {
                "u": ku + 0.004,
                "v": kv - 0.001,
                "x_m": x,
                "y_m": y,
                "z_m": z,
                "stiffness_ratio": round(ratio * 0.93, 3),
            }
        )
    brk_t = float(t[np.flatnonzero(p["block"] == 2)[0]]) + 40.0
    return {
        "duration_s": round(float(t[-1] - t[0]), 3),
        "sim_realtime_factor": 41.2,
        **metrics,
        "max_normal_force_n": round(float(c["normal_force_n"].max()), 3),
        "max_pressure_n_cm2": round(float(pressure.max()), 4),
        "blocks": [
            {
                "technique": "rest",
                "passes": 1,
                "softening_pass": None,
                "stiffness_by_pass_n_m": [2050.0],
                "ended_because": "rest complete",
                "force_scale": 0.7,
            },
            {
                "technique": "glide",
                "passes": glide,
                "softening_pass": soft_pass,
                "stiffness_by_pass_n_m": glide_k,
                "ended_because": "softening" if soft_pass is not None else "max_passes",
                "force_scale": 0.85,
                "threshold": 0.04,
            },
            {
                "technique": "forearm",
                "passes": forearm,
                "softening_pass": None,
                "stiffness_by_pass_n_m": [2300.0 - 20 * i for i in range(forearm)],
                "ended_because": "passes",
                "force_scale": 1.0,
            },
            {
                "technique": "thumb_strip",
                "passes": thumb,
                "softening_pass": None,
                "stiffness_by_pass_n_m": [2600.0 - 35 * i for i in range(thumb)],
                "ended_because": "passes",
                "force_scale": 1.0,
            },
        ],
        "knots": knots,
        "breathing_rate_bpm": 14.3,
        "baseline_stiffness_n_m": 2050.0,
        "tempo": {"bpm": BPM, "source": "bpm", "beat_step": 1},
        "safety_events": [
            {
                "t_s": round(brk_t, 4),
                "kind": "force_rate",
                "value": 162.0,
                "limit": 150.0,
                "action": "clamp",
            },
            {
                "t_s": round(brk_t + 95.0, 4),
                "kind": "too_much",
                "value": 3.1,
                "limit": 8.0,
                "action": "notice",
            },
        ],
        "seed": 7,
        "backstroke_version": "0.1.0",
        "client": "default",
        "routine": "spa",
        "intention": "spa",
        "backend": "sim",
        "notes": ["synthetic session for the report tests"],
        "sim_truth": {"max_force_n": 21.7, "max_pressure_n_cm2": 6.91},
    }
