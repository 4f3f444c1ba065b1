"""Contact logs as another lab's recorder writes them: an independent generator (issue 13).

Nothing here comes from backstroke's simulator or its own log writer, and nothing was
tuned on it. Each log is one session of a glide block and a thumb block:

- **Recorder**: 100–250 Hz with ±10 % timing jitter; free-text tool and block labels
  (``hands``, ``Thumb pad``, ``warm-up`` …), extra columns of every type (ISO wall time,
  operator, frame number, a validity flag, skin temperature); no ``pass_index`` (the
  analysis derives the passes).
- **Tissue**: its own force law, ``F = k δ (1 + δ / δ0)`` (stiffening with depth,
  δ0 = 12–25 mm), a smooth random stiffness along and across the back, breathing that
  moves the back 1–2.5 mm at 11–19 breaths/min, 1–2 % force noise.
- **Glide**: 6–9 passes down and up, 3–5 cm/s, pausing at the ends. The tissue softens
  from a random pass by a total drop of 0–15 % (half of it in the first soft pass).
  Some logs change the force without any change of the tissue: a step at a pass (the
  client asked for lighter or deeper) or a regional dip over 10 cm of later passes.
- **Thumb**: the recorder's own lanes across the paraspinal band (5–7 mm apart, from
  2.0–2.4 cm to 6.6–7.2 cm), upward at 1.5–3 cm/s with light ``hands`` returns; 1–6 knots
  anywhere on the band (2–7 cm, u 0.15–0.88), raised-cosine bumps 6–15 mm across,
  1.5–2.6× stiffer, felt through a Gaussian thumb pad (σ 2–3 mm).

``truth`` holds the knots, the glide's true stiffness factor per pass, the softening
pass that factor gives at a threshold, and the pass where the force changed (if any).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import ndimage

TOOL_WORDS = {
    "palms": ("hands", "palm", "Palms", "heel-of-hand"),
    "thumb": ("thumbs", "Thumb", "thumb pad"),
}
BLOCK_WORDS = {"glide": ("warm-up glide", "Effleurage", "long strokes"), "thumb": ("Thumb work",)}
GRID_M = 0.0005


@dataclass
class RecorderTruth:
    back_length_m: float
    knots: list[dict[str, float]]
    glide_factor_by_pass: list[float]
    glide_passes: int
    drop: float
    force_change: str | None = None
    force_change_pass: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def softening_pass(self, threshold: float) -> int | None:
        """First pass ≥ ``threshold`` softer than pass 0, confirmed by the next (truth)."""
        f = self.glide_factor_by_pass
        for k in range(1, len(f) - 1):
            if f[k] <= 1 - threshold and f[k + 1] <= 1 - threshold:
                return k
        return None


class _Tissue:
    """The generator's back: stiffness on a chart grid (s along the back, v across)."""

    def __init__(self, rng: np.random.Generator, length_m: float, knots: list[dict[str, float]]):
        self.length_m = length_m
        self.s = np.arange(0.0, length_m + GRID_M, GRID_M)
        self.v = np.arange(-0.09, 0.09 + GRID_M, GRID_M)
        ss, vv = np.meshgrid(self.s, self.v, indexing="ij")
        k0 = float(rng.uniform(1200, 3500))
        smooth = ndimage.gaussian_filter(
            rng.standard_normal(ss.shape), sigma=float(rng.uniform(0.025, 0.05)) / GRID_M
        )
        smooth *= float(rng.uniform(0.08, 0.18)) / max(float(np.abs(smooth).max()), 1e-12)
        across = 1.0 - 0.12 * np.exp(-(((np.abs(vv) - 0.04) / 0.03) ** 2))
        field_ = k0 * (1.0 + smooth) * across
        bump = np.zeros_like(field_)
        for kn in knots:
            r = np.hypot(ss - kn["u"] * length_m, vv - kn["v"])
            reach = 1.6 * kn["radius_m"]
            shape = np.where(r < reach, 0.5 * (1.0 + np.cos(np.pi * r / reach)), 0.0)
            bump += (kn["stiffness_ratio"] - 1.0) * shape
        self.point = field_ * (1.0 + bump)
        pad = float(rng.uniform(0.002, 0.003)) / GRID_M
        self.thumb = ndimage.gaussian_filter(self.point, pad, mode="nearest")
        self.palms = ndimage.uniform_filter(self.point, (int(0.09 / GRID_M), 1), mode="nearest")
        self.depth0_m = float(rng.uniform(0.012, 0.025))

    def k(self, grid: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        i = np.clip(u * self.length_m / GRID_M, 0, self.s.size - 1.001)
        j = np.clip((v - self.v[0]) / GRID_M, 0, self.v.size - 1.001)
        return np.asarray(ndimage.map_coordinates(grid, [i, j], order=1), dtype=np.float64)

    def depth_m(self, force_n: np.ndarray, k_n_m: np.ndarray) -> np.ndarray:
        """δ from ``F = k δ (1 + δ/δ0)`` (the positive root)."""
        a = k_n_m / self.depth0_m
        return np.asarray(
            (-k_n_m + np.sqrt(k_n_m**2 + 4 * a * np.maximum(force_n, 0.0))) / (2 * a),
            dtype=np.float64,
        )


def _leg(u0: float, u1: float, length_m: float, speed: float, rate: float) -> np.ndarray:
    n = max(int(abs(u1 - u0) * length_m / speed * rate), 2)
    x = np.linspace(0.0, 1.0, n)
    return u0 + (u1 - u0) * (x - np.sin(2 * np.pi * x) / (2 * np.pi))  # eased ends


def _knots(rng: np.random.Generator, length_m: float) -> list[dict[str, float]]:
    out: list[dict[str, float]] = []
    for _ in range(300):
        if len(out) >= int(rng.integers(1, 7)):
            break
        u, v = float(rng.uniform(0.15, 0.88)), float(rng.choice([-1, 1]) * rng.uniform(0.02, 0.07))
        if any(math.hypot((u - k["u"]) * length_m, v - k["v"]) < 0.035 for k in out):
            continue
        out.append(
            {
                "u": u,
                "v": v,
                "radius_m": float(rng.uniform(0.003, 0.0075)),
                "stiffness_ratio": float(rng.uniform(1.5, 2.6)),
            }
        )
    return out


def recorder_log(
    seed: int, force_change: str | None = "random"
) -> tuple[dict[str, Any], RecorderTruth]:
    """One log's columns (as written) and its truth; ``force_change`` one of ``None``,
    ``"step"``, ``"dip"`` or ``"random"`` (a third each of none, step, dip)."""
    rng = np.random.default_rng([2026, 13, seed])
    length = float(rng.uniform(0.45, 0.57))
    rate = float(rng.choice([100.0, 120.0, 125.0, 200.0, 250.0]))
    knots = _knots(rng, length)
    tissue = _Tissue(rng, length, knots)
    if force_change == "random":
        force_change = [None, "step", "dip"][int(rng.integers(0, 3))]
    # ---- glide
    passes = int(rng.integers(6, 10))
    drop = float(rng.choice([0.0, rng.uniform(0.02, 0.07), rng.uniform(0.08, 0.15)]))
    soft_from = int(rng.integers(2, 5))
    factor = [
        1.0 - drop * (0.0 if p < soft_from else 0.5 if p == soft_from else 1.0)
        for p in range(passes)
    ]
    g_speed = float(rng.uniform(0.03, 0.05))
    g_force = float(rng.uniform(10.0, 20.0))
    change_pass = int(rng.integers(2, passes - 1)) if force_change else None
    step = float(rng.choice([0.75, 0.8, 1.2, 1.3]))
    pause = np.full(int(rng.uniform(0.3, 0.6) * rate), 1.0)
    us, pass_of, forces = [], [], []
    for p in range(passes):
        one = np.concatenate(
            [
                _leg(0.9, 0.1, length, g_speed, rate),
                0.1 * pause,
                _leg(0.1, 0.9, length, g_speed, rate),
                0.9 * pause,
            ]
        )
        f = np.full(one.size, g_force)
        if force_change == "step" and change_pass is not None and p >= change_pass:
            f *= step
        if force_change == "dip" and change_pass is not None and p >= change_pass:
            f = np.where(np.abs(one - 0.5) * length < 0.05, 0.8 * g_force, f)
        us.append(one)
        pass_of.append(np.full(one.size, p))
        forces.append(f)
    ug = np.concatenate(us)
    pg = np.concatenate(pass_of)
    fg = np.concatenate(forces)
    kg = tissue.k(tissue.palms, ug, np.zeros(ug.size)) * np.asarray(factor)[pg]
    # ---- thumb lanes
    spacing = float(rng.uniform(0.005, 0.007))
    inner, outer = float(rng.uniform(0.020, 0.024)), float(rng.uniform(0.066, 0.072))
    lanes_v = np.arange(inner, outer + 1e-9, spacing)
    t_speed = float(rng.uniform(0.015, 0.03))
    t_force = float(rng.uniform(8.0, 14.0))
    ut, vt, ft, tool_t = [], [], [], []
    for sgn in (1.0, -1.0):
        for lv in lanes_v:
            up = _leg(0.1, 0.92, length, t_speed, rate)
            down = _leg(0.92, 0.1, length, 0.06, rate)
            ut += [up, down]
            vt += [np.full(up.size, sgn * lv), np.full(down.size, sgn * lv)]
            ft += [np.full(up.size, t_force), np.full(down.size, 3.0)]
            tool_t += [np.full(up.size, 1), np.full(down.size, 0)]
    uth, vth, fth, tth = (np.concatenate(x) for x in (ut, vt, ft, tool_t))
    kth = np.where(tth == 1, tissue.k(tissue.thumb, uth, vth), tissue.k(tissue.palms, uth, vth))
    # ---- together
    u = np.concatenate([ug, uth])
    v = np.concatenate([np.zeros(ug.size), vth])
    force = np.concatenate([fg, fth]) * (
        1.0 + rng.normal(0.0, float(rng.uniform(0.01, 0.02)), u.size)
    )
    k = np.concatenate([kg, kth])
    n = u.size
    t = np.cumsum(np.full(n, 1.0 / rate) * (1.0 + rng.uniform(-0.1, 0.1, n)))
    breath_hz = float(rng.uniform(11, 19)) / 60.0
    amp = float(rng.uniform(0.001, 0.0025)) / 2
    breath = amp * np.sin(2 * np.pi * breath_hz * t + float(rng.uniform(0, 6.28)))
    depth = tissue.depth_m(force, k) + breath
    is_thumb = np.concatenate([np.zeros(ug.size, dtype=bool), tth == 1])
    palm_w = TOOL_WORDS["palms"][int(rng.integers(0, 4))]
    thumb_w = TOOL_WORDS["thumb"][int(rng.integers(0, 3))]
    glide_w = BLOCK_WORDS["glide"][int(rng.integers(0, 3))]
    t0 = dt.datetime(2026, 5, 1, 10, 0, tzinfo=dt.UTC)
    cols: dict[str, Any] = {
        "t_s": t,
        "u": u + rng.normal(0.0, 0.0003, n),
        "v": v + rng.normal(0.0, 0.0003, n),
        "normal_force_n": force,
        "indentation_m": depth,
        "tool": np.where(is_thumb, thumb_w, palm_w).astype(object),
        "block": np.array([glide_w] * ug.size + ["Thumb work"] * uth.size, dtype=object),
        "wall_time": [(t0 + dt.timedelta(seconds=float(x))).isoformat() for x in t],
        "operator": ["R. Okafor"] * n,
        "frame": np.arange(n, dtype=np.int64),
        "valid": np.ones(n, dtype=bool),
        "skin_temp_c": 31.0 + rng.normal(0.0, 0.1, n),
    }
    truth = RecorderTruth(
        back_length_m=length,
        knots=knots,
        glide_factor_by_pass=factor,
        glide_passes=passes,
        drop=drop,
        force_change=force_change,
        force_change_pass=change_pass,
        extra={
            "rate_hz": rate,
            "lanes_per_side": int(lanes_v.size),
            "spacing_m": spacing,
            "breathing_rate_bpm": breath_hz * 60.0,
            "breath_amplitude_m": amp,
        },
    )
    return cols, truth


def write_csv(path: Any, cols: dict[str, Any]) -> None:
    """The columns as a CSV file (floats as ``repr``)."""
    import csv

    names = list(cols)
    n = len(cols["t_s"])
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(names)
        data = [cols[c] for c in names]
        for i in range(n):
            w.writerow(
                [
                    repr(float(x[i])) if isinstance(x[i], float | np.floating) else str(x[i])
                    for x in data
                ]
            )


def write_rounded_csv(path: Any, cols: dict[str, Any], digits: int) -> None:
    """The columns as a recorder that rounds writes them: times to 0.1 ms, other floats
    to ``digits`` significant digits, anything else as it is."""
    import csv

    names = list(cols)
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(names)
        for row in zip(*(cols[c] for c in names), strict=True):
            w.writerow(
                [
                    f"{x:.4f}" if c == "t_s" else f"{x:.{digits}g}" if isinstance(x, float) else x
                    for c, x in zip(names, row, strict=True)
                ]
            )
