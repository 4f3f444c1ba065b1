"""Generator J's recorder: a played score (segments) turned into a contact log.

Part of generator J (``tests/learn/j_synth.py`` plays the score, the client is
``tests/learn/j_client.py``); written blind, like it, from DESIGN §6.3 and docs/logs.md,
calling nothing of backstroke. The hand's force lags its intention (first order, 50–200
ms) under a slow sway and a tremor.

The recorder (where the contracts are silent, what a clinic's rig records): a load cell
in the treatment table for the normal force (noise, a slowly drifting tare) sampled by
a DAQ at 100–1000 Hz on its own crystal (±300 ppm), stamped by the host clock in
buffers (jitter between buffers, dropped stretches of 10–150 ms, forward NTP steps), and
an optical tracker on the hand (100–240 Hz, 0–30 ms late, linearly interpolated or held
to the DAQ's samples) that gives ``u``, ``v``, the depth below the scanned back and, in
half the logs, body-frame positions on a curved back. ``t_s`` is seconds since the
clinic's midnight or since the DAQ started; the columns come in the export's own order,
with extra columns the contract ignores (a frame counter, the depth in mm, the load in
kgf, and the host time as text in the CSV). With labels: the tool as the clinic names it
(``flat hand``, ``Lower-Arm``, ``pollex`` …, blank in the air) and the block as its notes
name it, or numbered from 1 with −1 between blocks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.signal import lfilter
from scipy.special import betainc

from tests.learn.j_client import (
    FACE_CODE,
    FACE_GAIN,
    Client,
    body_point,
    depth_for,
    stiff_factor,
    thickness_m,
)

# A move's progress 0..1 from its two shape numbers and τ = elapsed / duration.
Profile = Callable[[Any, Any, Any], Any]

COLUMNS: tuple[str, ...] = ("t_s", "u", "v", "normal_force_n", "indentation_m", "x_m", "y_m")
COLUMNS += ("z_m", "tool", "block", "frame", "depth_mm", "load_kgf")


@dataclass
class Seg:
    """One stretch of the performance between two events (true times in s). ``kind`` is
    ``move``, ``hold`` or ``air``; a move follows ``betainc(alpha, beta, τ)``."""

    t0: float
    t1: float
    u0: float
    u1: float
    v0: float
    v1: float
    f0_n: float
    f1_n: float
    kind: str
    face: str
    block: int
    alpha: float = 2.0
    beta: float = 2.0
    ramp: float = 1.0  # share of the segment over which the force goes f0 → f1
    soft0: float = 1.0
    soft1: float = 1.0
    knot: int = -1  # a dwell on this knot (it releases at the hold's end)


@dataclass
class Rig:
    """The recorder, drawn once per demonstration."""

    rate_hz: float
    tracker_hz: float
    tracker_hold: bool
    latency_s: float
    clock_offset_s: float
    ppm: float
    buffer_n: int
    drop_per_s: float
    steps_s: list[float]
    lag_s: float
    force_noise_n: float
    tare_drift_n: float
    depth_noise_m: float
    positions: bool
    labels: bool
    tool_names: dict[str, str]
    block_names: list[str]
    numbered: bool
    order: list[str] = field(default_factory=list)  # the export's column order


def draw_rig(rng: np.random.Generator, labels: bool, block_names: list[str]) -> Rig:
    rate = float(rng.choice([100, 120, 125, 200, 250, 250, 500, 1000]))
    words = {
        "palms": ["flat hand", "Open hands", "Both Palms", "heel of hand", "HANDS"],
        "forearm": ["Forearm", "fore arm", "Lower-Arm", "elbow"],
        "thumb": ["thumb pad", "Both Thumbs", "THUMB_TIP", "pollex"],
    }
    return Rig(
        rate_hz=rate,
        tracker_hz=float(rng.choice([100, 120, 200, 240])),
        tracker_hold=bool(rng.random() < 0.5),
        latency_s=float(rng.uniform(0.0, 0.03)),
        clock_offset_s=float(rng.choice([0.0, rng.uniform(28_800, 64_800)])),
        ppm=float(rng.uniform(-300, 300)),
        buffer_n=int(rng.choice([1, 10, 25, 50])),
        drop_per_s=float(rng.uniform(0.0, 0.1)),
        steps_s=[float(rng.uniform(0.005, 0.05)) for _ in range(int(rng.integers(0, 3)))],
        lag_s=float(rng.uniform(0.05, 0.2)),
        force_noise_n=float(rng.uniform(0.02, 0.06)),
        tare_drift_n=float(rng.uniform(-0.1, 0.1)),
        depth_noise_m=float(rng.uniform(2e-5, 6e-5)),
        positions=bool(rng.random() < 0.5),
        labels=labels,
        tool_names={k: str(rng.choice(v)) for k, v in words.items()},
        block_names=block_names,
        numbered=bool(rng.random() < 0.3),
        order=[str(c) for c in rng.permutation(COLUMNS)],
    )


def _evaluate(segs: list[Seg], t: Any, profile: Profile = betainc) -> dict[str, Any]:
    """The hand's intended path and force at true times ``t`` (vectorised over segments);
    a move's progress is ``profile(alpha, beta, τ)`` (J's: the incomplete beta)."""
    t0 = np.array([s.t0 for s in segs])
    i = np.clip(np.searchsorted(t0, t, side="right") - 1, 0, len(segs) - 1)

    def col(name: str) -> Any:
        return np.array([getattr(s, name) for s in segs])[i]

    tau = np.clip((t - col("t0")) / (col("t1") - col("t0")), 0.0, 1.0)
    moving = np.array([s.kind == "move" for s in segs])[i]
    s = np.where(moving, profile(col("alpha"), col("beta"), tau), 0.0)
    ramp = np.clip(tau / col("ramp"), 0, 1)
    ramp = ramp * ramp * (3 - 2 * ramp)
    return {
        "u": col("u0") + (col("u1") - col("u0")) * s,
        "v": col("v0") + (col("v1") - col("v0")) * s,
        "force": col("f0_n") + (col("f1_n") - col("f0_n")) * ramp,
        "soft": col("soft0") + (col("soft1") - col("soft0")) * tau,
        "air": np.array([s.kind == "air" for s in segs])[i],
        "face": np.array([FACE_CODE[s.face] for s in segs])[i],
        "block": col("block"),
        "tau": tau,
    }


def _smooth_noise(rng: np.random.Generator, n: int, dt: float, tc_s: float) -> Any:
    """Unit-variance noise low-passed at time constant ``tc_s``."""
    a = np.exp(-dt / tc_s)
    x = lfilter([np.sqrt(1 - a * a)], [1, -a], rng.standard_normal(n))
    return x


def render(
    segs: list[Seg],
    cl: Client,
    rig: Rig,
    rng: np.random.Generator,
    lifts: list[tuple[float, float]],
    force_sway: float = 0.03,
    profile: Profile = betainc,
) -> dict[str, Any]:
    """The contact log's columns (DESIGN §6.3) of a performance (moves progressing by
    ``profile``: another generator's hands, on J's client and rig)."""
    dt = (1 / rig.rate_hz) * (1 + rig.ppm * 1e-6)  # the DAQ's crystal
    t = np.arange(segs[0].t0, segs[-1].t1, dt)
    n = len(t)
    ev = _evaluate(segs, t, profile)
    releases = [np.inf] * len(cl.knots)
    for s in segs:
        if s.knot >= 0:
            releases[s.knot] = min(releases[s.knot], s.t1)
    # The hand: slow sway and tremor on its intention, lagging it (first order).
    mod = 1 + force_sway * _smooth_noise(rng, n, dt, 3.0) + 0.008 * _smooth_noise(rng, n, dt, 0.02)
    a = np.exp(-dt / rig.lag_s)
    f_hand = lfilter([1 - a], [1, -a], ev["force"] * mod, zi=[ev["force"][0] * a])[0]
    mask = np.ones(n)
    for l0, l1 in lifts:
        edge = np.clip(np.minimum(t - l0, l1 - t) / 0.06, 0, 1)
        mask = np.minimum(mask, np.where((t > l0) & (t < l1), 1 - edge, 1.0))
    contact = ~ev["air"]
    f_hand = np.where(contact, np.maximum(f_hand, 0.0), 0.0)
    # The tissue under it.
    u, v = ev["u"], ev["v"]
    gain = np.choose(ev["face"], [FACE_GAIN["palms"], FACE_GAIN["forearm"], FACE_GAIN["thumb"]])
    a_law = cl.c * gain * ev["soft"] * stiff_factor(cl, u, v, ev["face"], t, releases)
    h = thickness_m(u, v)
    rise = cl.breath.surface_m(t, u)
    # Pressing, the hand rides part of the breath; lifting, it leaves the skin; in the
    # air before the touch it comes down, after the lift-off it goes up.
    d_on = np.maximum(depth_for(f_hand, a_law, cl.n, h) + (1 - cl.follow) * rise, 0.0)
    d_on = mask * d_on - (1 - mask) * 0.008
    hover = np.where(t < segs[0].t1, 0.02 * (1 - ev["tau"]), 0.02 * ev["tau"])
    d_true = np.where(contact, d_on, -hover)
    d_pos = np.maximum(d_true, 0.0)
    f_true = a_law * d_pos**cl.n * (1 + (d_pos / h) ** 4)
    drift = rig.tare_drift_n * (t - t[0]) / max(t[-1] - t[0], 1.0)
    force = f_true + drift + rig.force_noise_n * rng.standard_normal(n)
    # The tracker: its own frames, late, interpolated or held to the DAQ's samples.
    depth = d_true - rise
    frames = np.arange(t[0], t[-1] + 1 / rig.tracker_hz, 1 / rig.tracker_hz)
    seen = t - rig.latency_s
    tracked: dict[str, Any] = {}
    for name, arr in (("u", u), ("v", v), ("indentation_m", depth)):
        at_frames = np.interp(frames, t, arr)
        if rig.tracker_hold:
            k = np.clip(np.searchsorted(frames, seen, side="right") - 1, 0, len(frames) - 1)
            tracked[name] = at_frames[k]
        else:
            tracked[name] = np.interp(seen, frames, at_frames)
    tracked["indentation_m"] = tracked["indentation_m"] + rig.depth_noise_m * rng.standard_normal(n)
    # Dropped buffers and the host's stamps (strictly increasing, as the contract asks).
    keep = np.ones(n, dtype=bool)
    buf = np.arange(n) // rig.buffer_n
    n_drop = rng.poisson(rig.drop_per_s * (t[-1] - t[0]))
    for start in rng.uniform(t[0] + 1, t[-1] - 1, n_drop):
        keep &= ~((t >= start) & (t < start + rng.uniform(0.01, 0.15)))
    stamp = t - t[0] + rig.clock_offset_s
    jitter = rng.uniform(-0.3, 0.3, buf[-1] + 1)[buf] / rig.rate_hz
    stamp = stamp + jitter
    for step in rig.steps_s:
        stamp = stamp + step * (t > rng.uniform(t[0], t[-1]))
    cols: dict[str, Any] = {
        "t_s": stamp,
        "u": tracked["u"],
        "v": tracked["v"],
        "normal_force_n": force,
        "indentation_m": tracked["indentation_m"],
        "frame": np.arange(n),
        "depth_mm": tracked["indentation_m"] * 1e3,
        "load_kgf": force / 9.80665,
    }
    if rig.positions:
        x, y, z, nrm = body_point(cl, tracked["u"], tracked["v"])
        off = np.interp(seen, t, rise - d_true)
        cols["x_m"], cols["y_m"], cols["z_m"] = x + nrm[0] * off, y + nrm[1] * off, z + nrm[2] * off
    if rig.labels:
        names = list(rig.tool_names.values())
        tool = np.array([names[c] for c in range(3)], dtype=object)[ev["face"]]
        cols["tool"] = np.where(contact, tool, "")
        blk = ev["block"]
        if rig.numbered:
            cols["block"] = np.where(blk >= 0, blk + 1, -1)
        else:
            lab = np.array([*rig.block_names, ""], dtype=object)
            cols["block"] = lab[np.where(blk >= 0, blk, len(rig.block_names))]
    names = sorted(cols, key=lambda k: rig.order.index(k) if k in rig.order else len(rig.order))
    return {k: np.asarray(cols[k])[keep] for k in names}


def clock_text(t_s: Any) -> list[str]:
    """The host time as text (HH:MM:SS.ffffff), as the clinic's export writes it."""
    out = []
    for x in np.asarray(t_s) % 86_400:
        h, r = divmod(float(x), 3600)
        m, s = divmod(r, 60)
        out.append(f"{int(h):02d}:{int(m):02d}:{s:09.6f}")
    return out


def to_csv(columns: dict[str, Any], path: str) -> None:
    """Write the columns as a CSV contact log (µs, µm, mN; text columns as given), with
    the host time as text beside ``t_s``."""
    fmt = {"t_s": "%.6f", "u": "%.6f", "v": "%.6f", "normal_force_n": "%.3f"}
    fmt |= {"indentation_m": "%.6f", "x_m": "%.6f", "y_m": "%.6f", "z_m": "%.6f"}
    fmt |= {"depth_mm": "%.3f", "load_kgf": "%.5f"}
    names, fmts, data = list(columns), [], []
    for k in names:
        c = np.asarray(columns[k])
        if c.dtype.kind == "f":
            fmts.append(fmt.get(k, "%.6g"))
        elif c.dtype.kind in "iub":
            fmts.append("%d")
        else:
            fmts.append("%s")
        data.append(c.tolist())
    if "t_s" in columns:
        names.append("host_time")
        fmts.append("%s")
        data.append(clock_text(columns["t_s"]))
    row = ",".join(fmts)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(",".join(names) + "\n")
        f.write("\n".join(row % r for r in zip(*data, strict=True)) + "\n")
