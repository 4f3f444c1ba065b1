"""Contact logs of a third recorder (issue 13): written blind, from docs/logs.md only.

A generator independent of ``tests/recorder_logs.py`` and of the analysis: it was
written from the log format's public description without reading ``sense/`` or
``analyze``, and its first run is kept as it came out
(``bench/results/listening_lab_logs_first_run.json``). Each log is a glide block, an
out-of-contact transition and a thumb block, as a lab with a hand-held force probe
might record them:

- **Recorder**: 100–400 Hz with ±15 % timing jitter and 1 % of samples dropped; the
  clock starts anywhere in the first ten minutes; columns in a random order; labels
  like ``Block 1: effleurage`` / ``flat hand`` / ``Pollex``; extra columns (ISO time,
  tangential forces, a status flag, a frame counter, a note that is usually empty, a
  skin temperature that is sometimes ``NA``); ``target_force_n`` and ``x_m, y_m, z_m``
  in half the logs each; no ``pass_index``.
- **Tissue**: a power law ``F = c δⁿ`` (n 1.25–1.7), written in terms of the secant
  stiffness at the glide's working force (so every ratio below is a ratio at equal
  force): a smooth variation along (6–20 cm waves) and across the back, stiffer bony
  ends, 0–5 Gaussian knots (σ 3–6 mm, 1.5–2.4×) 2.2–6.8 cm from the midline.
- **Breathing**: the back rises and falls 1–3.5 mm at 9–20 breaths/min, its rate
  wandering ±8 %, with a second harmonic; the indentation is measured against a fixed
  surface, and the force loop follows the breath only in part (the force breathes too).
- **Glide** (palms at the midline, 6–10 passes, 3–6 cm/s), one of three pass
  structures: a continuous sinusoidal zigzag from the shoulders with a short lead-in;
  upward strokes from the waist with lift-off and an air return (logged or not); or down
  and up with holds of 0.3–1.5 s at ends that move from stroke to stroke.
- **Softening**: continuous in time, a smoothstep of the tissue's secant stiffness by
  0–18 % starting inside a random pass and taking 0.5–2.5 passes; the truth per pass is
  its mean over the pass's contact samples, relative to pass 0.
- **Force changes** (a quarter each: none, a step inside a pass, a ramp over 1–1.5
  passes, a step that is undone after about a pass), by ×0.7–1.35, followed by a
  first-order force loop; the tissue does not change with them.
- **Thumb**: lanes 5.5–8 mm apart from about 2 to 7 cm on both sides, one way or both
  ways, 1.2–2.5 cm/s, 6–14 N, touch-down and lift-off at every lane, felt through a
  3 × 3 point pad ±2.5 mm.
- **Noise**: force 0.8–2.5 % plus 0.02–0.08 N, a slowly drifting offset, rare spikes;
  indentation 0.03–0.12 mm, quantised to 20 µm in half the logs; position jitter.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

# The truth record is the benches' scoring contract, shared with the second recorder
# generator; what this module generates is its own.
from tests.recorder_logs import RecorderTruth as LabTruth

PLAN_HZ = 1000.0
PALM_LABELS = ("flat hand", "Open Hand", "both palms", "HANDS", "palm")
THUMB_LABELS = ("thumb tip", "THUMBS", "Pollex", "both thumbs", "thumb-pad")
GLIDE_LABELS = ("Block 1: effleurage", "EFF", "stroking", "warmup")
THUMB_BLOCK_LABELS = ("Block 2: thumb lanes", "TP", "deep work")
FORCE_CHANGES = (None, "step_mid", "ramp", "step_back")


class _Plan:
    """The recorder's motion at 1 kHz, built segment by segment."""

    def __init__(self) -> None:
        self.parts: dict[str, list[np.ndarray]] = {
            k: [] for k in ("u", "v", "f", "contact", "tool", "block", "gpass")
        }

    @property
    def t_end(self) -> float:
        return sum(a.size for a in self.parts["u"]) / PLAN_HZ

    def add(
        self,
        u: np.ndarray,
        v: np.ndarray | float,
        f: np.ndarray | float,
        contact: bool,
        tool: int,
        block: int,
        gpass: int = -1,
    ) -> None:
        n = u.size
        self.parts["u"].append(u)
        self.parts["v"].append(np.broadcast_to(np.asarray(v, float), (n,)).copy())
        self.parts["f"].append(np.broadcast_to(np.asarray(f, float), (n,)).copy())
        self.parts["contact"].append(np.full(n, contact))
        self.parts["tool"].append(np.full(n, tool))
        self.parts["block"].append(np.full(n, block))
        self.parts["gpass"].append(np.full(n, gpass))

    def arrays(self) -> dict[str, np.ndarray]:
        return {k: np.concatenate(v) for k, v in self.parts.items()}


def _move(u0: float, u1: float, length_m: float, speed: float) -> np.ndarray:
    """A straight stroke at ``speed`` with eased ends (plan samples)."""
    n = max(int(abs(u1 - u0) * length_m / speed * PLAN_HZ), 2)
    s = np.linspace(0.0, 1.0, n)
    ease = s - np.sin(2 * np.pi * s) / (2 * np.pi) * 0.6
    return u0 + (u1 - u0) * ease


def _ramp(n: int, a: float, b: float) -> np.ndarray:
    return np.linspace(a, b, max(n, 2))


def _knots(rng: np.random.Generator, length_m: float) -> list[dict[str, float]]:
    n = int(rng.choice([0, 1, 2, 3, 4, 5], p=[0.08, 0.18, 0.22, 0.22, 0.18, 0.12]))
    out: list[dict[str, float]] = []
    tries = 0
    while len(out) < n and tries < 500:
        tries += 1
        u = float(rng.uniform(0.2, 0.85))
        v = float(rng.choice([-1.0, 1.0]) * rng.uniform(0.022, 0.068))
        if any(np.hypot((u - k["u"]) * length_m, v - k["v"]) < 0.035 for k in out):
            continue
        sigma = float(rng.uniform(0.003, 0.006))
        out.append(
            {
                "u": u,
                "v": v,
                "radius_m": min(max(2.0 * sigma, 0.0025), 0.0125),
                "stiffness_ratio": float(rng.uniform(1.5, 2.4)),
                "sigma_m": sigma,
            }
        )
    return out


class _Tissue:
    """Secant stiffness at the reference force, relative, over the chart."""

    def __init__(self, rng: np.random.Generator, length_m: float, knots: list[dict[str, float]]):
        self.length_m = length_m
        self.knots = knots
        self.waves = [
            (
                float(rng.uniform(0.01, 0.035)),
                float(rng.uniform(0.06, 0.20)),
                float(rng.uniform(0, 2 * np.pi)),
            )
            for _ in range(3)
        ]
        self.across = float(rng.uniform(-0.1, 0.1))
        self.bony = float(rng.uniform(0.15, 0.4))

    def rel(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        x = u * self.length_m
        lg = np.zeros(u.shape)
        for a, lam, ph in self.waves:
            lg += a * np.sin(2 * np.pi * x / lam + ph)
        lg += self.across * (np.abs(v) - 0.045) / 0.025
        ends = np.clip((0.1 - u) / 0.1, 0, 1) + np.clip((u - 0.9) / 0.1, 0, 1)
        g = np.exp(lg) * (1.0 + self.bony * ends)
        for k in self.knots:
            d2 = ((u - k["u"]) * self.length_m) ** 2 + (v - k["v"]) ** 2
            g = g * (1.0 + (k["stiffness_ratio"] - 1.0) * np.exp(-d2 / (2 * k["sigma_m"] ** 2)))
        return g

    def under_palm(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        du = np.linspace(-0.03, 0.03, 5) / self.length_m
        dv = np.linspace(-0.04, 0.04, 5)
        acc = np.zeros(u.shape)
        for a in du:
            for b in dv:
                acc += self.rel(u + a, v + b)
        return acc / 25.0

    def under_thumb(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        du = np.array([-0.0025, 0.0, 0.0025]) / self.length_m
        dv = np.array([-0.0025, 0.0, 0.0025])
        acc = np.zeros(u.shape)
        for a in du:
            for b in dv:
                acc += self.rel(u + a, v + b)
        return acc / 9.0


def _glide(
    rng: np.random.Generator, plan: _Plan, length: float, passes: int, force_n: float
) -> tuple[str, list[float]]:
    """Glide passes into ``plan``; the structure's name and each pass's start time."""
    mode = str(rng.choice(["zigzag", "air_return", "holds"]))
    speed = float(rng.uniform(0.03, 0.06))
    top, bot = float(rng.uniform(0.86, 0.9)), float(rng.uniform(0.1, 0.14))
    starts: list[float] = []
    wob = float(rng.uniform(0.0, 0.002))
    if mode == "zigzag":
        lead = _move(0.65, top, length, speed)
        plan.add(lead, 0.0, force_n * _ramp(lead.size, 0.0, 1.0) ** 0.5, True, 0, 0, 0)
        period_s = 2 * (top - bot) * length / speed * float(rng.uniform(0.95, 1.1))
        n = int(period_s * PLAN_HZ)
        ph = np.arange(n) / n
        for p in range(passes):
            starts.append(plan.t_end)
            u = 0.5 * (top + bot) + 0.5 * (top - bot) * np.cos(2 * np.pi * ph)
            plan.add(u, wob * np.sin(2 * np.pi * 3 * ph), force_n, True, 0, 0, p)
    elif mode == "air_return":
        logged = bool(rng.integers(0, 2))
        for p in range(passes):
            starts.append(plan.t_end)
            td = int(float(rng.uniform(0.3, 0.5)) * PLAN_HZ)
            plan.add(np.full(td, bot), 0.0, _ramp(td, 0.0, force_n), True, 0, 0, p)
            up = _move(bot, top, length, speed)
            plan.add(up, wob * np.sin(np.linspace(0, 6, up.size)), force_n, True, 0, 0, p)
            lift = int(0.3 * PLAN_HZ)
            plan.add(np.full(lift, top), 0.0, _ramp(lift, force_n, 0.0), True, 0, 0, p)
            back = _move(top, bot, length, 2.0 * speed)
            plan.add(back, 0.0, 0.0, False, 0, 0 if logged else -9, p)
    else:
        for p in range(passes):
            starts.append(plan.t_end)
            hi = top + float(rng.uniform(-0.015, 0.015))
            lo = bot + float(rng.uniform(-0.015, 0.015))
            if p == 0:
                td = int(0.4 * PLAN_HZ)
                plan.add(np.full(td, hi), 0.0, _ramp(td, 0.0, force_n), True, 0, 0, p)
            for a, b in ((hi, lo), (lo, hi)):
                leg = _move(a, b, length, speed * float(rng.uniform(0.9, 1.1)))
                plan.add(leg, 0.0, force_n, True, 0, 0, p)
                hold = int(float(rng.uniform(0.3, 1.5)) * PLAN_HZ)
                plan.add(np.full(hold, b), 0.0, force_n, True, 0, 0, p)
    return mode, starts


def _thumb(rng: np.random.Generator, plan: _Plan, length: float) -> dict[str, Any]:
    spacing = float(rng.uniform(0.0055, 0.008))
    inner, outer = float(rng.uniform(0.018, 0.024)), float(rng.uniform(0.064, 0.072))
    lanes = np.arange(inner, outer + 1e-9, spacing)
    order = [(s, lv) for s in (1.0, -1.0) for lv in lanes]
    if rng.integers(0, 2):
        order = [(s, lv) for lv in lanes for s in (1.0, -1.0)]
    both_ways = bool(rng.integers(0, 2))
    downward = bool(rng.integers(0, 2))
    speed = float(rng.uniform(0.012, 0.025))
    force_n = float(rng.uniform(6.0, 14.0))
    lo, hi = 0.15, 0.88
    a, b = (hi, lo) if downward else (lo, hi)
    for i, (s, lv) in enumerate(order):
        v = s * lv
        td = int(0.3 * PLAN_HZ)
        plan.add(np.full(td, a), v, _ramp(td, 0.0, force_n), True, 2, 2)
        plan.add(_move(a, b, length, speed), v, force_n, True, 2, 2)
        end = b
        if both_ways:
            plan.add(_move(b, a, length, speed), v, force_n, True, 2, 2)
            end = a
        plan.add(np.full(td, end), v, _ramp(td, force_n, 0.0), True, 2, 2)
        if i + 1 < len(order):
            nv = order[i + 1][0] * order[i + 1][1]
            air = _move(end, a, length, 0.15) if end != a else np.full(int(0.8 * PLAN_HZ), a)
            plan.add(air, np.linspace(v, nv, air.size), 0.0, False, 2, 2)
    return {
        "lanes_per_side": int(lanes.size),
        "spacing_m": spacing,
        "thumb_force_n": force_n,
        "both_ways": both_ways,
        "downward": downward,
    }


def lab_log(seed: int) -> tuple[dict[str, Any], LabTruth]:
    """One log's columns (in the order written) and its truth."""
    rng = np.random.default_rng([13, 4, 2026, seed])
    length = float(rng.uniform(0.44, 0.58))
    rate = float(rng.choice([100.0, 150.0, 200.0, 250.0, 400.0]))
    knots = _knots(rng, length)
    tissue = _Tissue(rng, length, knots)
    n_exp = float(rng.uniform(1.25, 1.7))
    glide_force = float(rng.uniform(10.0, 22.0))
    depth_ref = float(rng.uniform(0.005, 0.011))
    s_palm = glide_force / depth_ref
    s_thumb = s_palm * float(rng.uniform(0.35, 0.6))
    passes = int(rng.integers(6, 11))

    plan = _Plan()
    mode, starts = _glide(rng, plan, length, passes, glide_force)
    glide_end = plan.t_end
    gap = int(float(rng.uniform(3.0, 6.0)) * PLAN_HZ)
    plan.add(np.full(gap, 0.5), 0.0, 0.0, False, 0, 1)
    thumb = _thumb(rng, plan, length)
    P = plan.arrays()
    n_plan = P["u"].size
    tp = np.arange(n_plan) / PLAN_HZ

    # Force change (the client asked for more or less), glide only.
    kind = FORCE_CHANGES[int(rng.integers(0, 4))]
    mult = np.ones(n_plan)
    change_pass = None
    if kind is not None:
        c = int(rng.integers(1, passes - 1))
        dur = (starts[c + 1] if c + 1 < passes else glide_end) - starts[c]
        t_c = starts[c] + float(rng.uniform(0.1, 0.9)) * dur
        change_pass = c
        m = float(rng.choice([0.7, 0.8, 1.25, 1.35]))
        if kind == "step_mid":
            mult = np.where(tp >= t_c, m, 1.0)
        elif kind == "ramp":
            t_r = float(rng.uniform(1.0, 1.5)) * dur
            mult = 1.0 + (m - 1.0) * np.clip((tp - t_c) / t_r, 0.0, 1.0)
        else:
            t_b = t_c + float(rng.uniform(0.6, 1.2)) * dur
            mult = np.where((tp >= t_c) & (tp < t_b), m, 1.0)
        mult = np.where(P["block"] == 0, mult, 1.0)
    # The force loop: first order, from the commanded force.
    tau = float(rng.uniform(0.05, 0.2))
    cmd = P["f"] * mult
    alpha = 1.0 / (tau * PLAN_HZ)
    f_loop = np.empty(n_plan)
    acc = 0.0
    for i in range(n_plan):
        acc += alpha * (cmd[i] - acc)
        f_loop[i] = acc if P["contact"][i] else 0.0
        if not P["contact"][i]:
            acc = 0.0

    # Softening: a smoothstep in time from inside a random pass.
    drop = float(
        [0.0, rng.uniform(0.02, 0.06), rng.uniform(0.08, 0.18)][
            int(rng.choice(3, p=[0.25, 0.25, 0.5]))
        ]
    )
    p_on = int(rng.integers(1, min(5, passes - 1)))
    d_on = (starts[p_on + 1] if p_on + 1 < passes else glide_end) - starts[p_on]
    t_on = starts[p_on] + float(rng.uniform(0.0, 1.0)) * d_on
    t_len = float(rng.uniform(0.5, 2.5)) * d_on
    x = np.clip((tp - t_on) / t_len, 0.0, 1.0)
    soft = 1.0 - drop * x * x * (3 - 2 * x)

    # Breathing.
    bpm = float(rng.uniform(9.0, 20.0))
    wander = 1.0 + 0.08 * np.sin(2 * np.pi * tp / float(rng.uniform(40, 90)) + rng.uniform(0, 6))
    phase = 2 * np.pi * np.cumsum(bpm / 60.0 * wander) / PLAN_HZ + float(rng.uniform(0, 6.3))
    amp = float(rng.uniform(0.001, 0.0035)) / 2
    h2 = float(rng.uniform(0.2, 0.4))
    breath = amp * (np.sin(phase) + h2 * np.sin(2 * phase + 0.7)) / (1 + h2)
    follow = float(rng.uniform(0.6, 1.0))  # how much of the breath the force loop absorbs

    # Tissue: secant stiffness at glide_force, then the power law.
    palm = P["tool"] == 0
    rel = np.where(palm, tissue.under_palm(P["u"], P["v"]), tissue.under_thumb(P["u"], P["v"]))
    s_ref = np.where(palm, s_palm, s_thumb) * rel * soft
    c = (s_ref / glide_force ** (1.0 - 1.0 / n_exp)) ** n_exp
    depth_cmd = np.where(f_loop > 0, (np.maximum(f_loop, 0) / c) ** (1.0 / n_exp), 0.0)
    in_c = P["contact"] & (f_loop > 0)
    depth_true = np.where(in_c, np.maximum(depth_cmd + (1.0 - follow) * breath, 0.0), 0.0)
    f_true = c * depth_true**n_exp
    tool_z = np.where(in_c, breath - depth_true, float(rng.uniform(0.005, 0.02)))
    meas_depth = -tool_z  # against the fixed surface model

    # Sampling.
    dt_s = (1.0 / rate) * (1.0 + rng.uniform(-0.15, 0.15, int(tp[-1] * rate * 1.2) + 10))
    ts = np.cumsum(dt_s)
    ts = ts[ts < tp[-1]]
    ts = ts[rng.random(ts.size) > 0.01]
    idx = np.minimum((ts * PLAN_HZ).astype(int), n_plan - 1)
    logged = P["block"][idx] != -9  # air returns the recorder did not log
    ts, idx = ts[logged], idx[logged]
    n = idx.size
    f_noise = float(rng.uniform(0.008, 0.025))
    f_abs = float(rng.uniform(0.02, 0.08))
    offset = np.cumsum(rng.normal(0.0, 1.0, n))
    offset = 0.15 * offset / max(float(np.max(np.abs(offset))), 1e-9) * float(rng.uniform(0, 1))
    force = f_true[idx] * (1 + rng.normal(0, f_noise, n)) + rng.normal(0, f_abs, n) + offset
    spikes = rng.random(n) < 0.0002
    force = np.where(spikes, force * (1 + rng.uniform(-0.3, 0.3, n)), force)
    d_noise = float(rng.uniform(0.00003, 0.00012))
    depth = meas_depth[idx] + rng.normal(0, d_noise, n)
    if rng.integers(0, 2):
        depth = np.round(depth / 0.00002) * 0.00002
    u = P["u"][idx] + rng.normal(0, float(rng.uniform(0.0002, 0.0006)), n)
    v = P["v"][idx] + rng.normal(0, 0.0002, n)

    # Truth by glide pass: mean softening over the pass's contact samples.
    gp = P["gpass"][idx]
    contact_s = in_c[idx] & (P["block"][idx] == 0)
    by_pass = [float(np.mean(soft[idx][contact_s & (gp == p)])) for p in range(passes)]
    factor = [b / by_pass[0] for b in by_pass]

    palm_w = PALM_LABELS[int(rng.integers(0, len(PALM_LABELS)))]
    thumb_w = THUMB_LABELS[int(rng.integers(0, len(THUMB_LABELS)))]
    block_names = {
        0: GLIDE_LABELS[int(rng.integers(0, len(GLIDE_LABELS)))],
        1: str(rng.choice(["transition", "-", "break"])),
        2: THUMB_BLOCK_LABELS[int(rng.integers(0, len(THUMB_BLOCK_LABELS)))],
    }
    t_start = float(rng.uniform(0.0, 600.0))
    t0 = dt.datetime(2026, 11, 3, 14, 5, tzinfo=dt.UTC)
    blk = P["block"][idx]
    cols: dict[str, Any] = {
        "t_s": ts + t_start,
        "u": u,
        "v": v,
        "normal_force_n": force,
        "indentation_m": depth,
        "tool": np.where(P["tool"][idx] == 0, palm_w, thumb_w).astype(object),
        "block": np.array([block_names[int(b)] for b in blk], dtype=object),
        "time_iso": [(t0 + dt.timedelta(seconds=float(x))).isoformat() for x in ts],
        "fx_n": force * rng.normal(0.0, 0.05, n),
        "fy_n": force * rng.normal(0.0, 0.05, n),
        "status": np.where(rng.random(n) < 0.999, "true", "false").astype(object),
        "frame": np.arange(n, dtype=np.int64) + int(rng.integers(0, 10**6)),
        "note": np.where(rng.random(n) < 0.001, "client sighed", "").astype(object),
        "skin_c": np.where(rng.random(n) < 0.02, "NA", "").astype(object),
    }
    temp = 32.0 + rng.normal(0, 0.1, n)
    cols["skin_c"] = np.array(
        [s if s else f"{x:.2f}" for s, x in zip(cols["skin_c"], temp, strict=True)], dtype=object
    )
    if rng.integers(0, 2):
        cols["target_force_n"] = cmd[idx]
    if rng.integers(0, 2):
        cols["x_m"] = u * length
        cols["y_m"] = v
        cols["z_m"] = 0.1 + 0.05 * np.sin(np.pi * u) + tool_z[idx]
    names = list(cols)
    order = [names[i] for i in rng.permutation(len(names))]
    truth = LabTruth(
        back_length_m=length,
        knots=[{k: kn[k] for k in ("u", "v", "radius_m", "stiffness_ratio")} for kn in knots],
        glide_factor_by_pass=factor,
        glide_passes=passes,
        drop=drop,
        force_change=kind,
        force_change_pass=change_pass,
        extra={
            "rate_hz": rate,
            "glide_mode": mode,
            "exponent": n_exp,
            "breathing_rate_bpm": bpm,
            "breath_pp_m": 2 * amp,
            "force_follows_breath": 1.0 - follow,
            "glide_block_label": block_names[0],
            **thumb,
        },
    )
    return {k: cols[k] for k in order}, truth


FORMATS = {
    "t_s": "{:.4f}",
    "u": "{:.5f}",
    "v": "{:.5f}",
    "normal_force_n": "{:.3f}",
    "indentation_m": "{:.6f}",
    "fx_n": "{:.3f}",
    "fy_n": "{:.3f}",
    "target_force_n": "{:.2f}",
    "x_m": "{:.5f}",
    "y_m": "{:.5f}",
    "z_m": "{:.5f}",
}


def write_lab_csv(path: Any, cols: dict[str, Any]) -> None:
    """The columns as the lab's recorder writes them (fixed decimals)."""
    import csv

    names = list(cols)
    n = len(cols["t_s"])
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(names)
        data = [cols[c] for c in names]
        fmts = [FORMATS.get(c) for c in names]
        for i in range(n):
            w.writerow(
                [
                    fm.format(float(x[i])) if fm else str(x[i])
                    for fm, x in zip(fmts, data, strict=True)
                ]
            )
