"""Generator I's recorder: a played score (segments) turned into a contact log.

Half of generator I (``tests/learn/i_synth.py`` plays the score); written blind, like
it, from DESIGN §6.3 and docs/logs.md, calling nothing of backstroke. The rig is a
force-sensing glove streaming packets: 100–1000 Hz with a jittered clock, bursts of
dropped packets, ``t_s`` on an offset clock (seconds since the rig's midnight) beside
an integer ``t_ns`` epoch stamp and a packet counter, both ignored by the contract.
The hand's force lags its intention (first order); the tissue is an exponentially
stiffening layer (force = a·(e^(b·d) − 1)) with bony ends, knots, softening and a
breathing surface the depth is not corrected for.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.signal import lfilter

BASE_DT_S = 0.001  # the hand's force is shaped on a 1 kHz grid, then sampled
LIFT_N = 0.25  # below this commanded force the hand is in the air


@dataclass
class Seg:
    """One stretch of the performance between two events (times in s)."""

    t0: float
    t1: float
    u0: float
    u1: float
    v0: float
    v1: float
    f0_n: float  # intended force at the start and at the end (a ramp between)
    f1_n: float
    kind: str  # work | light | hold | rest | set | release | air
    face: str  # palms | forearm | thumb
    block: int  # -1 between blocks
    shape: float = 1.0  # speed ∝ sin(πτ)^shape
    soft: float = 1.0  # tissue stiffness multiplier (softening)


@dataclass
class Rig:
    """What the recorder and the client add: drawn once per demonstration."""

    rate_hz: float
    clock_offset_s: float
    epoch_ns: int
    drop_per_s: float
    lag_s: float
    a_n: float  # tissue: force = a·(e^(b·d) − 1)
    b_per_m: float
    breath_rate_hz: float
    breath_amp_m: float
    knots: list[tuple[float, float, float, float]]  # u, v (m), radius (m), ratio
    positions: bool
    labels: bool
    tool_names: dict[str, str]
    block_names: list[str]
    back_length_m: float


def _sample_times(rng: np.random.Generator, t0: float, t1: float, rig: Rig) -> np.ndarray:
    """Packet times: an uneven clock with bursts of dropped packets."""
    dt = 1.0 / rig.rate_hz
    n = int((t1 - t0) / dt) + 1
    t = t0 + dt * (np.arange(n) + rng.uniform(-0.3, 0.3, n))
    keep = np.ones(n, bool)
    for _ in range(rng.poisson(rig.drop_per_s * (t1 - t0))):
        start = rng.uniform(t0 + 2.0, t1 - 2.0)
        keep &= ~((t >= start) & (t < start + rng.uniform(0.02, 0.25)))
    t = np.sort(t[keep])
    return t[(t >= t0) & (t <= t1)]


def _progress(tau: np.ndarray, shape: np.ndarray) -> np.ndarray:
    """Distance share covered at τ for speed ∝ sin(πτ)^shape (0..1)."""
    out = np.empty_like(tau)
    grid = np.linspace(0.0, 1.0, 401)
    for p in np.unique(shape):
        sel = shape == p
        speed = np.sin(np.pi * grid) ** p
        cum = np.concatenate([[0.0], np.cumsum(0.5 * (speed[1:] + speed[:-1]))])
        out[sel] = np.interp(tau[sel], grid, cum / cum[-1])
    return out


def _force_series(
    segs: list[Seg], t_base: np.ndarray, lag_s: float, lifts: list[tuple[float, float]]
) -> np.ndarray:
    """The hand's force on the base grid: the intention through a first-order lag,
    with the learner's lifts cut in sharply (a hand leaving the skin)."""
    t0s = np.array([s.t0 for s in segs])
    i = np.clip(np.searchsorted(t0s, t_base, side="right") - 1, 0, len(segs) - 1)
    f0 = np.array([s.f0_n for s in segs])[i]
    f1 = np.array([s.f1_n for s in segs])[i]
    dur = np.array([s.t1 - s.t0 for s in segs])[i]
    tau = np.clip((t_base - t0s[i]) / dur, 0.0, 1.0)
    intended = f0 + (f1 - f0) * tau
    alpha = 1.0 - np.exp(-BASE_DT_S / lag_s)
    force = np.asarray(lfilter([alpha], [1.0, alpha - 1.0], intended, zi=[0.0])[0])
    window = np.ones_like(t_base)
    for a, b in lifts:
        ramp = np.clip(np.minimum(t_base - a, b - t_base) / 0.05, 0.0, 1.0)
        window = np.minimum(window, 1.0 - ramp)
    return np.asarray(force * window)


def _stiffness_a(u: np.ndarray, v: np.ndarray, face: np.ndarray, rig: Rig) -> np.ndarray:
    """The tissue's ``a`` under the tool: bony ends, a small tool presses deeper, knots."""
    a = rig.a_n * (1.0 + 1.2 * np.exp(-((u / 0.05) ** 2)) + 1.2 * np.exp(-(((1 - u) / 0.06) ** 2)))
    a *= 1.0 + 0.06 * np.sin(7.0 * u + 3.0 * v)
    a = np.where(face == "thumb", 0.55 * a, np.where(face == "forearm", 1.3 * a, a))
    for ku, kv, r, ratio in rig.knots:
        dist_m = np.hypot((u - ku) * rig.back_length_m, v - kv)
        bump = (ratio - 1.0) * np.exp(-0.5 * (dist_m / r) ** 2)
        a *= np.where(face == "palms", 1.0, 1.0 + bump)
    return a


def _spine_xz(s_m: np.ndarray, length_m: float) -> tuple[np.ndarray, ...]:
    """A curved spine (lordosis low, kyphosis high) parametrised by skin arc length:
    x, z of the midline and its outward normal, origin at the iliac crests (u 0.08)."""
    grid = np.linspace(-0.2 * length_m, 1.2 * length_m, 1401)
    theta = 0.28 * np.sin(2 * np.pi * grid / (1.15 * length_m) - 0.4)
    ds = grid[1] - grid[0]
    x = np.concatenate([[0.0], np.cumsum(np.cos(theta[1:]) * ds)])
    z = np.concatenate([[0.0], np.cumsum(np.sin(theta[1:]) * ds)])
    x0, z0 = np.interp(0.08 * length_m, grid, x), np.interp(0.08 * length_m, grid, z)
    th = np.interp(s_m, grid, theta)
    return np.interp(s_m, grid, x) - x0, np.interp(s_m, grid, z) - z0, -np.sin(th), np.cos(th)


def render(
    segs: list[Seg], rig: Rig, rng: np.random.Generator, lifts: list[tuple[float, float]]
) -> dict[str, Any]:
    """The contact log's columns (DESIGN §6.3) of a performance."""
    t_first, t_last = segs[0].t0, segs[-1].t1
    t_base = np.arange(t_first, t_last + BASE_DT_S, BASE_DT_S)
    force_base = _force_series(segs, t_base, rig.lag_s, lifts)
    t = _sample_times(rng, t_first, t_last, rig)
    n = len(t)
    t0s = np.array([s.t0 for s in segs])
    i = np.clip(np.searchsorted(t0s, t, side="right") - 1, 0, len(segs) - 1)
    dur = np.array([s.t1 - s.t0 for s in segs])[i]
    tau = np.clip((t - t0s[i]) / dur, 0.0, 1.0)
    kind = np.array([s.kind for s in segs])[i]
    moving = (kind == "work") | (kind == "light")
    prog = np.where(moving, _progress(tau, np.array([s.shape for s in segs])[i]), 0.0)
    u = np.array([s.u0 for s in segs])[i] + np.array([s.u1 - s.u0 for s in segs])[i] * prog
    v = np.array([s.v0 for s in segs])[i] + np.array([s.v1 - s.v0 for s in segs])[i] * prog
    # still hands sway a millimetre or two; every reading has a little noise
    still = ~moving
    sway = 0.0015 * np.sin(2 * np.pi * 0.13 * t + rng.uniform(0, 6.3))
    u = u + np.where(still, sway / rig.back_length_m, 0.0) + rng.normal(0, 0.0004, n)
    v = v + np.where(still, 0.5 * sway, 0.0) + rng.normal(0, 0.0004, n)
    face = np.array([s.face for s in segs])[i]
    force = np.interp(t, t_base, force_base)
    breath = np.sin(2 * np.pi * rig.breath_rate_hz * (t - t_first) + 0.3 * np.sin(0.05 * t))
    force = force * (1.0 + 0.02 * breath)
    # softening scales the secant stiffness: the same force sinks deeper by 1 / soft
    soft = np.array([s.soft for s in segs])[i]
    depth = np.log1p(np.maximum(force, 0.0) / _stiffness_a(u, v, face, rig)) / rig.b_per_m / soft
    in_air = force < LIFT_N
    indentation = np.where(in_air, -0.015, depth - rig.breath_amp_m * breath)
    indentation = indentation + rng.normal(0, 6e-5, n)
    measured = force + rng.normal(0, 0.06, n) + rng.normal(0, 0.012, n) * force
    cols: dict[str, Any] = {
        "seq": np.round((t - t_first) * rig.rate_hz).astype(np.int64),
        "t_s": t - t_first + rig.clock_offset_s,
        "t_ns": rig.epoch_ns + np.round((t - t_first) * 1e9).astype(np.int64),
        "u": u,
        "v": v,
        "normal_force_n": measured,
        "indentation_m": indentation,
        "shear_n": 0.3 * measured * np.abs(np.gradient(u, t)) * rig.back_length_m / 0.05,
        "glove_temp_c": 31.0 + 2.0 * (t - t_first) / max(t_last - t_first, 1.0),
    }
    if rig.positions:
        s_m = u * rig.back_length_m
        x, z, nx, nz = _spine_xz(s_m, rig.back_length_m)
        r_m = 0.22  # the back's curve across
        lateral = r_m * (np.cos(v / r_m) - 1.0) - indentation
        cols["x_m"] = x + nx * lateral + rng.normal(0, 0.0005, n)
        cols["y_m"] = r_m * np.sin(v / r_m) + rng.normal(0, 0.0005, n)
        cols["z_m"] = z + nz * lateral + rng.normal(0, 0.0005, n)
    if rig.labels:
        block = np.array([s.block for s in segs])[i]
        names = np.array([*rig.block_names, ""], dtype=object)
        cols["block"] = names[np.where(block >= 0, block, len(rig.block_names))]
        tools = np.array([rig.tool_names[f] for f in face], dtype=object)
        cols["tool"] = np.where(kind == "air", "", tools)
    order = list(cols)
    rng.shuffle(order)
    return {k: cols[k] for k in order}


def to_csv(columns: dict[str, Any], path: str) -> None:
    """Write the columns as a CSV contact log (numbers to µs / µm / mN)."""
    digits = {"t_s": 6, "u": 5, "v": 5, "indentation_m": 6}
    text: list[list[str]] = []
    for name, col in columns.items():
        arr = np.asarray(col)
        if arr.dtype.kind == "f":
            spec = f"{{:.{digits.get(name, 4)}f}}"
            text.append([spec.format(x) for x in arr.tolist()])
        else:
            text.append([str(x) for x in arr.tolist()])
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(list(columns))
        w.writerows(zip(*text, strict=True))
